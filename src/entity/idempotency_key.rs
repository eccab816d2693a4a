//! The `idempotency_keys` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `ROLE:subject` of the token, so keys of different callers never meet.
    pub caller: String,
    pub idempotency_key: String,
    /// SHA-256 of the request body (query, operation name, variables).
    pub request_hash: String,
    /// `RUNNING` while the first request executes, then `DONE`.
    pub state: String,
    /// The GraphQL response as sent, once `DONE`.
    pub response: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
