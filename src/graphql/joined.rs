//! Related rows read in the statement of a page, for the request's loaders.
//!
//! A page of 100 applications whose nodes ask for their course, applicant
//! and general application would otherwise take one batched statement per
//! relation once the page is in, and one more for the general
//! applications' institutions: five statements in three round trips. Joined
//! into the page's own statement, those rows arrive with it and go to the
//! loaders' cache (`Loaders::feed`), so the nested fields resolve at once.

use async_graphql::Context;
use async_graphql::context::SelectionField;
use sea_orm::sea_query::{Alias, Expr, JoinType, SelectStatement};
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryResult,
    RelationDef,
};

/// Joins `E` into `query` along `relation` (to `E`) and selects each of its
/// columns as `{prefix}{column}`, the names `FromQueryResult` reads with
/// that prefix.
pub fn join_prefixed<E: EntityTrait>(
    query: &mut SelectStatement,
    join: JoinType,
    relation: RelationDef,
    prefix: &str,
) {
    query.join(join, relation.to_tbl.clone(), relation);
    for column in E::Column::iter() {
        query.expr_as(
            column.select_as(Expr::col((E::default(), column))),
            Alias::new(format!("{prefix}{}", column.as_str())),
        );
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

    /// Whether any node selects `name`.
    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f.name() == name)
    }

    /// Whether any node selects `name { child }`.
    pub fn has_under(&self, name: &str, child: &str) -> bool {
        self.fields
            .iter()
            .filter(|f| f.name() == name)
            .any(|f| f.selection_set().any(|g| g.name() == child))
    }
}
