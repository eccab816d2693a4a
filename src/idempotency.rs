//! `Idempotency-Key` for mutations: society systems retry safely.
//!
//! The first request with a key claims it (a row in RUNNING state, unique per
//! caller and key), runs, and stores its response. A retry with the same key
//! and the same body gets that response without running again; the same key
//! with another body, or while the first is still running, is CONFLICT.
//! Keys live 24 hours.

use crate::entity::idempotency_key;
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
};
use sha2::{Digest, Sha256};

pub const HEADER: &str = "idempotency-key";
const TTL_HOURS: i64 = 24;
const RUNNING: &str = "RUNNING";
const DONE: &str = "DONE";

/// What to do with a request that carries a key.
#[derive(Debug)]
pub enum Claim {
    /// First time: run it, then `complete` the row.
    Fresh(i64),
    /// Seen before with the same body: send this stored response.
    Replay(String),
    /// Same key, other body; or the first request has not finished.
    Conflict(&'static str),
}

/// A key is 1-255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// SHA-256 over what defines the request, as hex.
pub fn request_hash(
    query: &str,
    operation_name: Option<&str>,
    variables: &serde_json::Value,
) -> String {
    let mut hasher = Sha256::new();
    for part in [query, operation_name.unwrap_or(""), &variables.to_string()] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Who a stored response belongs to: role, scope and subject, hashed to a
/// fixed length. Two tokens sharing a `sub` across fields or institutions
/// never see each other's responses.
pub fn caller_key(viewer: &crate::auth::Viewer) -> String {
    let identity = format!(
        "{:?}|{:?}|{:?}|{:?}|{}",
        viewer.role,
        viewer.society,
        viewer.institution_id,
        viewer.client,
        viewer.subject.as_deref().unwrap_or("")
    );
    let digest = Sha256::digest(identity.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[tracing::instrument(skip_all)]
pub async fn claim(
    db: &DatabaseConnection,
    caller: &str,
    key: &str,
    hash: &str,
) -> Result<Claim, DbErr> {
    let now = Utc::now();
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(now - Duration::hours(TTL_HOURS)))
        .exec(db)
        .await?;
    let inserted = idempotency_key::ActiveModel {
        caller: Set(caller.to_owned()),
        idempotency_key: Set(key.to_owned()),
        request_hash: Set(hash.to_owned()),
        state: Set(RUNNING.to_owned()),
        response: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(row) => Ok(Claim::Fresh(row.id)),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            let existing = idempotency_key::Entity::find()
                .filter(idempotency_key::Column::Caller.eq(caller))
                .filter(idempotency_key::Column::IdempotencyKey.eq(key))
                .one(db)
                .await?;
            Ok(match existing {
                Some(row) if row.request_hash != hash => {
                    Claim::Conflict("this Idempotency-Key was used with a different request")
                }
                Some(row) if row.state == DONE => Claim::Replay(row.response.unwrap_or_default()),
                _ => Claim::Conflict("a request with this Idempotency-Key is still running"),
            })
        }
        Err(err) => Err(err),
    }
}

/// Stores the response of a claimed key.
pub async fn complete(db: &DatabaseConnection, id: i64, response: &str) -> Result<(), DbErr> {
    idempotency_key::ActiveModel {
        id: Set(id),
        state: Set(DONE.to_owned()),
        response: Set(Some(response.to_owned())),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Frees a claimed key whose request could not produce a response to keep.
pub async fn release(db: &DatabaseConnection, id: i64) -> Result<(), DbErr> {
    idempotency_key::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_hashes() {
        assert!(valid_key("retry-0001"));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("has space"));
        let vars = serde_json::json!({ "a": 1 });
        assert_eq!(
            request_hash("q", None, &vars),
            request_hash("q", None, &vars)
        );
        assert_ne!(
            request_hash("q", None, &vars),
            request_hash("q", Some("Op"), &vars)
        );
        // The length prefix keeps ("ab", "") and ("a", "b") apart.
        assert_ne!(
            request_hash("ab", None, &vars),
            request_hash("a", Some("b"), &vars)
        );
    }
}
