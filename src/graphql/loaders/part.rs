//! Rows by key read in part: only the columns that the fields selected
//! under a relation field read (the types' `columns_of` tables, as for
//! joined pages, `graphql::joined`).
//!
//! A key read in part is cached under `(key, columns)`: a later load of the
//! same row for other fields reads again rather than find a row that lacks
//! their columns. The keys of one level are still one statement: it reads
//! the union of the columns they ask, and every key is served from it.

use super::Db;
use crate::graphql::joined::{PartialRead, select_prefixed};
use async_graphql::context::SelectionField;
use async_graphql::dataloader::Loader;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, Iterable, PrimaryKeyToColumn,
    QueryFilter, QueryTrait, Select,
};
use std::collections::HashMap;
use std::hash::Hash;

/// A type's `columns_of` table: a field's name → the columns of `E` its
/// resolver reads; `None` for a field that needs the whole row.
pub type ColumnsOf<E> = fn(&str) -> Option<&'static [<E as EntityTrait>::Column]>;

/// Some columns of an entity: bit `i` is its `i`-th column in declaration
/// order (`Column::iter`). Entities read in part have at most 64 columns
/// (checked below; the widest, `courses`, has 25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Columns(u64);

impl Columns {
    /// What the fields selected under `field` read, by `columns_of` (a
    /// field's name → the columns its resolver reads), with the primary
    /// key; `None` when one is not listed there and so needs the whole
    /// row. Fragments are seen through, whatever their type: a field of
    /// another type reads more, or the whole row, never less.
    pub fn asked<E: EntityTrait>(
        field: SelectionField<'_>,
        columns_of: ColumnsOf<E>,
    ) -> Option<Self> {
        let key: Vec<E::Column> = E::PrimaryKey::iter().map(|k| k.into_column()).collect();
        let mut columns = Self::of::<E>(&key);
        for field in field.selection_set() {
            if field.name() == "__typename" {
                continue;
            }
            columns = columns.with(Self::of::<E>(columns_of(field.name())?));
        }
        Some(columns)
    }

    fn of<E: EntityTrait>(columns: &[E::Column]) -> Self {
        let bits = E::Column::iter()
            .enumerate()
            .filter(|(_, c)| columns.iter().any(|x| x.as_str() == c.as_str()))
            .fold(0, |bits, (i, _)| bits | 1 << i);
        Self(bits)
    }

    fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    fn list<E: EntityTrait>(self) -> Vec<E::Column> {
        E::Column::iter()
            .enumerate()
            .filter(|(i, _)| self.0 & 1 << i != 0)
            .map(|(_, c)| c)
            .collect()
    }
}

/// `key`'s row with `columns` read, the others blank: for a relation field
/// whose selection needs only those (`Columns::asked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InPart<K> {
    pub key: K,
    pub columns: Columns,
}

/// A key whose row may be read in part: what it matches, and the rows the
/// viewer may see, shared with the loader of whole rows.
pub trait RowKey: Copy + Send + Sync + Hash + Eq + 'static {
    type Entity: EntityTrait<Model: Sync>;
    /// The column the key's value is in (the primary key, or a unique
    /// foreign key).
    fn column() -> <Self::Entity as EntityTrait>::Column;
    fn value(self) -> i64;
    fn of(model: &<Self::Entity as EntityTrait>::Model) -> Self;
    /// A model to read a row in part into (`joined::blank`).
    fn blank() -> <Self::Entity as EntityTrait>::Model;
    /// The rows the viewer may see, among those of `values`.
    fn visible(db: &Db, values: &[i64]) -> Select<Self::Entity>;
}

impl<K: RowKey> Loader<InPart<K>> for Db {
    type Value = <K::Entity as EntityTrait>::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[InPart<K>]) -> Result<HashMap<InPart<K>, Self::Value>, DbErr> {
        let values: Vec<i64> = keys.iter().map(|k| k.key.value()).collect();
        let columns = keys
            .iter()
            .fold(Columns::of::<K::Entity>(&[K::column()]), |all, k| {
                all.with(k.columns)
            })
            .list::<K::Entity>();
        let mut query = K::visible(self, &values)
            .filter(K::column().is_in(values.iter().copied()))
            .into_query();
        query.clear_selects();
        select_prefixed::<K::Entity>(&mut query, "", &columns);
        let rows = self.db.query_all(&query).await?;
        let Some(first) = rows.first() else {
            return Ok(HashMap::new());
        };
        let read = PartialRead::<K::Entity>::locate("", &columns, &first.column_names())?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in &rows {
            let model = read.read(row, K::blank())?;
            found.insert(K::of(&model), model);
        }
        Ok(keys
            .iter()
            .filter_map(|&k| Some((k, found.get(&k.key)?.clone())))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::course;
    use crate::graphql::loaders::{ApplicantId, CourseId, GeneralApplicationOf, InstitutionId};

    fn width<K: RowKey>() -> usize {
        <K::Entity as EntityTrait>::Column::iter().count()
    }

    #[test]
    fn every_entity_read_in_part_fits_in_the_bits() {
        for columns in [
            width::<CourseId>(),
            width::<ApplicantId>(),
            width::<InstitutionId>(),
            width::<GeneralApplicationOf>(),
        ] {
            assert!((1..=64).contains(&columns), "{columns}");
        }
    }

    #[test]
    fn columns_list_in_declaration_order() {
        use course::Column as C;
        let columns =
            Columns::of::<course::Entity>(&[C::Title, C::Id])
                .with(Columns::of::<course::Entity>(&[C::Year, C::Title]));
        let names: Vec<_> = columns
            .list::<course::Entity>()
            .iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(names, ["id", "year", "title"]);
    }
}
