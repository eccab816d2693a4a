//! Related rows read in the statement of a page, for the request's loaders.
//!
//! A page of 100 applications whose nodes ask for their course, applicant
//! and general application would otherwise take one batched statement per
//! relation once the page is in, and one more for the general
//! applications' institutions: five statements in three round trips. Joined
//! into the page's own statement, those rows arrive with it and go to the
//! loaders' cache (`Loaders::feed`), so the nested fields resolve at once.
//!
//! Read only what is asked: when every field a node selects of a related
//! object is listed in that type's `columns_of` table, only those columns
//! are read, into a partial model (the rest left blank) that travels with
//! its node and never enters the shared cache, where another path of the
//! same request might read a column it lacks. Any field not in the table
//! reads the whole row, as before. Profiled on the review screen (bench
//! (b)), decoding whole rows was a fifth of the service's CPU; and a
//! doctor's mail address and licence number now stay in the database
//! unless asked for.

use super::pagination::{Keyed, Page, PageArgs, page_select};
use async_graphql::Context;
use async_graphql::context::SelectionField;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{
    Alias, ArrayType, Expr, ExprTrait, JoinType, Order, Query, SelectStatement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, IdenStatic, Iterable, ModelTrait, QueryResult, QueryTrait, RelationDef,
    Select, Value,
};

/// Joins `E` into `query` along `relation` (to `E`) and selects `columns`
/// of it (every column when `None`) as `{prefix}{column}`, the names
/// `FromQueryResult` and [`PartialRead`] read with that prefix.
pub fn join_prefixed<E: EntityTrait>(
    query: &mut SelectStatement,
    join: JoinType,
    relation: RelationDef,
    prefix: &str,
    columns: Option<&[E::Column]>,
) {
    query.join(join, relation.to_tbl.clone(), relation);
    match columns {
        Some(columns) => select_prefixed::<E>(query, prefix, columns),
        None => select_prefixed::<E>(query, prefix, &every_column::<E>()),
    }
}

fn every_column<E: EntityTrait>() -> Vec<E::Column> {
    E::Column::iter().collect()
}

/// Selects `columns` of `E` as `{prefix}{column}` (enums as text, as
/// sea-orm selects them).
pub fn select_prefixed<E: EntityTrait>(
    query: &mut SelectStatement,
    prefix: &str,
    columns: &[E::Column],
) {
    for &column in columns {
        query.expr_as(
            column.select_as(Expr::col((E::default(), column))),
            Alias::new(format!("{prefix}{}", column.as_str())),
        );
    }
}

/// How a page reads one related type: not at all, whole rows (handed to
/// the loaders), or only some columns (kept with each node).
pub enum Join<E: EntityTrait> {
    Skip,
    Whole,
    Part(Vec<E::Column>),
}

impl<E: EntityTrait> Join<E> {
    /// `Skip` when no field is selected under the relation (an object field
    /// always selects some); `Part` when `needs` (a field's name → the
    /// columns its resolver reads) lists every one of them, read with the
    /// primary key `id`; `Whole` otherwise.
    pub fn plan(
        id: E::Column,
        fields: Vec<SelectionField<'_>>,
        needs: impl Fn(&str) -> Option<&'static [E::Column]>,
    ) -> Self {
        if fields.is_empty() {
            return Self::Skip;
        }
        let mut columns = vec![id];
        for field in fields {
            if field.name() == "__typename" {
                continue;
            }
            let Some(needed) = needs(field.name()) else {
                return Self::Whole;
            };
            for &column in needed {
                if !columns.iter().any(|c| c.as_str() == column.as_str()) {
                    columns.push(column);
                }
            }
        }
        Self::Part(columns)
    }

    pub fn joined(&self) -> bool {
        !matches!(self, Self::Skip)
    }

    /// Joins `E`'s table into `query` along `relation` when it is read,
    /// selecting what this plan reads as `{prefix}{column}`.
    pub fn join(
        &self,
        query: &mut SelectStatement,
        join: JoinType,
        relation: RelationDef,
        prefix: &str,
    ) {
        match self {
            Self::Skip => {}
            Self::Whole => join_prefixed::<E>(query, join, relation, prefix, None),
            Self::Part(columns) => {
                join_prefixed::<E>(query, join, relation, prefix, Some(columns));
            }
        }
    }

    /// [`Self::join`] for a row named by a foreign key that the page's rows
    /// already hold as `key` (see [`Self::locate_keyed`]): read in part,
    /// the row's own id is left out, the same value under another name.
    pub fn join_keyed(
        &self,
        query: &mut SelectStatement,
        join: JoinType,
        relation: RelationDef,
        prefix: &str,
    ) {
        match self {
            Self::Part(columns) => {
                join_prefixed::<E>(query, join, relation, prefix, Some(&columns[1..]));
            }
            Self::Skip | Self::Whole => self.join(query, join, relation, prefix),
        }
    }

    /// For the page's own rows (not joined ones): in place of what `query`
    /// selects, the columns of `Part`, only `key` for `Skip` (nodes that
    /// select nothing still need it, for the cursors), or every column for
    /// `Whole`.
    pub fn select_own(&self, query: &mut SelectStatement, key: E::Column) {
        query.clear_selects();
        match self.own(&key) {
            Some(columns) => select_prefixed::<E>(query, "", columns),
            None => select_prefixed::<E>(query, "", &every_column::<E>()),
        }
    }

    /// Where the columns [`Self::select_own`] selected are in rows named
    /// `names`; `None` for `Whole`, read with `FromQueryResult` instead.
    pub fn locate_own(
        &self,
        key: E::Column,
        names: &[String],
    ) -> Result<Option<PartialRead<E>>, DbErr> {
        self.own(&key)
            .map(|columns| PartialRead::locate("", columns, names))
            .transpose()
    }

    /// The page's own columns read in part: those of `Part`, `key` alone
    /// for `Skip`; `None` for `Whole`.
    fn own<'a>(&'a self, key: &'a E::Column) -> Option<&'a [E::Column]> {
        match self {
            Self::Part(columns) => Some(columns),
            Self::Skip => Some(std::slice::from_ref(key)),
            Self::Whole => None,
        }
    }

    /// For `Part`, where its columns are in rows named `names`.
    pub fn locate(&self, prefix: &str, names: &[String]) -> Result<Option<PartialRead<E>>, DbErr> {
        match self {
            Self::Part(columns) => PartialRead::locate(prefix, columns, names).map(Some),
            Self::Skip | Self::Whole => Ok(None),
        }
    }

    /// [`Self::locate`] after [`Self::join_keyed`]: the id is the column
    /// `key` (e.g. the page's own `course_id`).
    pub fn locate_keyed(
        &self,
        prefix: &str,
        key: &str,
        names: &[String],
    ) -> Result<Option<PartialRead<E>>, DbErr> {
        match self {
            Self::Part(columns) => PartialRead::locate_keyed(prefix, key, columns, names).map(Some),
            Self::Skip | Self::Whole => Ok(None),
        }
    }
}

/// The statement of a page that joins related rows in, selecting nothing
/// yet: the caller adds its own columns (`Join::select_own`) and the joined
/// ones (`Join::join`).
///
/// On SQLite the page's keys are chosen first, in a subquery of keys alone
/// (`select`'s conditions, order and limit), and its rows then read by key,
/// so that the joins run for the page's rows only. Written flat, SQLite
/// took the course index for the visibility condition, joined every
/// matching row (600 for a society's review screen at national scale) and
/// sorted them, wide, before the limit: 2.8 ms against 0.6 ms by keys.
/// PostgreSQL keeps the flat statement: it walks the index of the page's
/// order and stops at the limit (1.7 ms), whereas by keys it hashes the
/// whole table against them (4.1 ms).
pub fn joined_page_statement<E: EntityTrait>(
    backend: DbBackend,
    select: Select<E>,
    key: E::Column,
    args: PageArgs,
) -> SelectStatement {
    let mut page = page_select(select, key, args).into_query();
    if backend != DbBackend::Sqlite {
        return page;
    }
    page.clear_selects();
    page.column((E::default(), key));
    Query::select()
        .from(E::default())
        .and_where(Expr::col((E::default(), key)).in_subquery(page))
        .order_by((E::default(), key), Order::Asc)
        .to_owned()
}

/// One page of `select` (`pagination::page_select`), reading only the
/// columns of `plan` when it is `Part` (the nodes' fields, `blank` for the
/// rest) or only `key` when it is `Skip`, else whole rows. For the page's
/// own nodes, which no loader caches.
pub async fn fetch_page_in_part<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    key: E::Column,
    args: PageArgs,
    plan: &Join<E>,
    blank: fn() -> E::Model,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Keyed,
{
    let mut query = page_select(select, key, args).into_query();
    plan.select_own(&mut query, key);
    let rows = db.query_all(&query).await?;
    let Some(first) = rows.first() else {
        return Ok(Page::cut(Vec::new(), args));
    };
    let read = plan.locate_own(key, &first.column_names())?;
    let models = rows
        .iter()
        .map(|row| read_own(read.as_ref(), row, blank))
        .collect::<Result<_, _>>()?;
    Ok(Page::cut(models, args))
}

/// A page's own row: in part where `read` located its columns
/// (`Join::locate_own`), else whole.
pub fn read_own<E: EntityTrait>(
    read: Option<&PartialRead<E>>,
    row: &QueryResult,
    blank: fn() -> E::Model,
) -> Result<E::Model, DbErr> {
    match read {
        Some(read) => read.read(row, blank()),
        None => E::Model::from_query_result(row, ""),
    }
}

/// Columns to read in part, each with its position in the page's rows,
/// found once per page: no name is looked up (hashed) per row.
pub struct PartialRead<E: EntityTrait> {
    columns: Vec<(E::Column, usize)>,
}

impl<E: EntityTrait> PartialRead<E> {
    /// `columns` as `{prefix}{column}` among `names`, the rows' columns.
    pub fn locate(prefix: &str, columns: &[E::Column], names: &[String]) -> Result<Self, DbErr> {
        Self::locate_named(columns, names, |_, c| format!("{prefix}{}", c.as_str()))
    }

    /// [`Self::locate`] with the first column, the id, named `key`.
    pub fn locate_keyed(
        prefix: &str,
        key: &str,
        columns: &[E::Column],
        names: &[String],
    ) -> Result<Self, DbErr> {
        Self::locate_named(columns, names, |i, c| match i {
            0 => key.to_owned(),
            _ => format!("{prefix}{}", c.as_str()),
        })
    }

    /// `columns`, the `i`th named `name(i, column)`, among `names`.
    fn locate_named(
        columns: &[E::Column],
        names: &[String],
        name: impl Fn(usize, E::Column) -> String,
    ) -> Result<Self, DbErr> {
        let columns = columns
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let name = name(i, c);
                match names.iter().position(|n| *n == name) {
                    Some(index) => Ok((c, index)),
                    None => Err(DbErr::Type(format!("the page has no column {name}"))),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { columns })
    }

    /// [`Self::read`] for a LEFT JOINed entity: `None` when the row has no
    /// match (its id, always the first column read, is NULL).
    pub fn read_optional<M>(&self, row: &QueryResult, blank: M) -> Result<Option<M>, DbErr>
    where
        M: ModelTrait<Entity = E>,
    {
        let (_, id) = self.columns[0];
        match row.try_get_by_index::<Option<i64>>(id)? {
            Some(_) => self.read(row, blank).map(Some),
            None => Ok(None),
        }
    }

    /// `blank` with these columns read from `row`: a partial model, for the
    /// node that selected exactly these columns' fields.
    pub fn read<M>(&self, row: &QueryResult, mut blank: M) -> Result<M, DbErr>
    where
        M: ModelTrait<Entity = E>,
    {
        for &(column, i) in &self.columns {
            let value: Value = match M::get_value_type(column) {
                ArrayType::Bool => row.try_get_by_index::<Option<bool>>(i)?.into(),
                ArrayType::Int => row.try_get_by_index::<Option<i32>>(i)?.into(),
                ArrayType::BigInt => row.try_get_by_index::<Option<i64>>(i)?.into(),
                ArrayType::String => row.try_get_by_index::<Option<String>>(i)?.into(),
                ArrayType::ChronoDate => row.try_get_by_index::<Option<NaiveDate>>(i)?.into(),
                ArrayType::ChronoDateTimeUtc => {
                    row.try_get_by_index::<Option<DateTime<Utc>>>(i)?.into()
                }
                other => {
                    let column = column.as_str();
                    return Err(DbErr::Type(format!(
                        "no partial read of {column}: {other:?}"
                    )));
                }
            };
            blank.try_set(column, value)?;
        }
        Ok(blank)
    }
}

/// The model of a LEFT JOINed entity, `None` when the row has no match (its
/// id column is NULL). Any other decoding failure is an error.
pub fn optional<M: FromQueryResult>(row: &QueryResult, prefix: &str) -> Result<Option<M>, DbErr> {
    match row.try_get::<Option<i64>>(prefix, "id")? {
        Some(_) => M::from_query_result(row, prefix).map(Some),
        None => Ok(None),
    }
}

/// A node's related row, by how the node's page read it.
#[derive(Clone)]
pub enum Related<M> {
    /// Read in part for this node, and carried with it.
    Carried(M),
    /// Read whole and handed to the loaders (`Loaders::feed`): load it by
    /// its whole key, which finds it there.
    Fed,
    /// Not read with the node: load it for the field, in part where its
    /// selection allows (`loaders::Columns::asked`).
    Ask,
}

/// What the nodes of the connection being resolved select: the fields under
/// `nodes` and under `edges { node }`, fragments included.
pub struct NodeSelection<'a> {
    fields: Vec<SelectionField<'a>>,
}

impl<'a> NodeSelection<'a> {
    pub fn of(ctx: &'a Context<'a>) -> Self {
        let mut fields = Vec::new();
        for connection in ctx.field().selection_set() {
            match connection.name() {
                "nodes" => fields.extend(connection.selection_set()),
                "edges" => {
                    for edge in connection.selection_set().filter(|f| f.name() == "node") {
                        fields.extend(edge.selection_set());
                    }
                }
                _ => {}
            }
        }
        Self { fields }
    }

    /// What the nodes select under `path` (`["generalApplication",
    /// "institution"]`), over every field on that path (aliases included).
    pub fn under(&self, path: &[&str]) -> Vec<SelectionField<'a>> {
        let mut level = self.fields.clone();
        for name in path {
            level = level
                .iter()
                .filter(|f| f.name() == *name)
                .flat_map(|f| f.selection_set())
                .collect();
        }
        level
    }
}

/// Models with every field at a neutral value, for [`PartialRead`] to fill.
/// What is left here is never shown: a node that selects a field reads its
/// columns (the `columns_of` tables).
pub mod blank {
    use crate::entity::enums::{
        ApplicationOutcome, ApplicationStatus, CourseStatus, GeneralApplicationStatus,
        InstitutionKind, ResearchHostKind,
    };
    use crate::entity::{applicant, application, course, general_application, institution};
    use chrono::{DateTime, NaiveDate};

    pub fn application() -> application::Model {
        application::Model {
            id: 0,
            applicant_id: 0,
            course_id: 0,
            year: 0,
            status: ApplicationStatus::Submitted,
            outcome: ApplicationOutcome::Undecided,
            submitted_at: DateTime::UNIX_EPOCH,
            decided_at: None,
            withdrawn_at: None,
            proposed_decision: None,
            proposed_at: None,
            decision_basis: None,
        }
    }

    pub fn course() -> course::Model {
        course::Model {
            id: 0,
            year: 0,
            society_id: 0,
            title: String::new(),
            responsible_institution_id: 0,
            director: String::new(),
            requested_capacity: 0,
            status: CourseStatus::Draft,
            curriculum: String::new(),
            research_host_kind: ResearchHostKind::GraduateSchool,
            research_host_name: String::new(),
            research_host_institution_id: None,
            research_host_paper_count: 0,
            research_host_paper_record: None,
            guarantee_clinical_phase: String::new(),
            guarantee_research_phase: String::new(),
            guarantee_social_insurance: false,
            guarantee_working_graduate_student: false,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
            submitted_at: None,
            approved_at: None,
            published_at: None,
            withdrawn_at: None,
            withdrawal_reason: None,
        }
    }

    pub fn applicant() -> applicant::Model {
        applicant::Model {
            id: 0,
            subject: String::new(),
            full_name: String::new(),
            full_name_kana: None,
            email: String::new(),
            medical_license_number: String::new(),
            university: String::new(),
            graduation_year: 0,
            initial_training_completed_on: NaiveDate::default(),
            obligated_service_graduate: false,
            regional_quota_obligation: false,
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    pub fn general_application() -> general_application::Model {
        general_application::Model {
            id: 0,
            application_id: 0,
            program_name: String::new(),
            society_id: 0,
            institution_id: 0,
            status: GeneralApplicationStatus::Pending,
            created_at: DateTime::UNIX_EPOCH,
            activated_at: None,
        }
    }

    pub fn institution() -> institution::Model {
        institution::Model {
            id: 0,
            name: String::new(),
            name_en: None,
            kind: InstitutionKind::UniversityHospital,
            prefecture: String::new(),
            certified_training_facility: false,
            created_at: DateTime::UNIX_EPOCH,
        }
    }
}
