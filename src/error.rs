//! One application error type, mapped to GraphQL errors in one place (`to_wire`).
//!
//! Resolvers return `async_graphql::Result` and use `?` on `AppError` (or
//! `DbErr`); async-graphql keeps the original error as the source, and the
//! `ErrorMapping` extension turns it into `extensions.code` before the
//! response leaves. Database text never reaches the client.

use async_graphql::{ServerError, Value};
use sea_orm::{DbErr, SqlErr};

/// The values of extensions.code on an error. A client branches on these, never
/// on the message text. No field returns this enum: register it in the schema
/// explicitly so that clients see it in the SDL.
/// Every error has one, and extensions.requestId to find it in the
/// server's log; docs/errors.md has when each is used.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// no valid token, but the operation needs one:
    /// a mutation without a token, or a bad, expired or foreign token on any
    /// request (HTTP 401; never treated as anonymous)
    Unauthenticated,
    /// the token is valid, but its role or scope does not allow this
    /// (docs/roles.md); also an operation not on an integrating system's
    /// allow-list
    Forbidden,
    /// no such object, or one this viewer may not see:
    /// the two look the same. Queries answer null or leave it out instead
    NotFound,
    /// an argument failed validation; extensions.field names it
    /// (e.g. input.prefecture). Also a query that does not parse or
    /// validate, without extensions.field
    BadUserInput,
    /// the applicant may not apply (obligated service, regional quota, training not completed)
    /// (I.2(1)); extensions.reasons lists every IneligibilityReason that
    /// applies
    Ineligible,
    /// the recruitment cycle is not in a phase that allows this;
    /// the message names its phase and the ones needed
    WrongPhase,
    /// the operation would exceed a field quota or a course's capacity
    /// or the seats an institution has left after departures (III.3)
    QuotaExceeded,
    /// the institution has lost the right to set courses for this year
    /// (a sanction, II.3(2))
    InstitutionSuspended,
    /// the object changed state concurrently, or the idempotency key was reused with other input;
    /// also an object not in a state that allows this, or that already
    /// exists
    Conflict,
    /// the query is too deep or too complex
    /// (depth 10, complexity 10,000, 5 directives per field)
    QueryTooComplex,
    /// a failure of the service (the database, or a bug): the message is
    /// only "internal error", the detail is in the server's log under
    /// extensions.requestId. A query may be retried, a mutation with the
    /// same Idempotency-Key
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Ineligible => "INELIGIBLE",
            Self::WrongPhase => "WRONG_PHASE",
            Self::QuotaExceeded => "QUOTA_EXCEEDED",
            Self::InstitutionSuspended => "INSTITUTION_SUSPENDED",
            Self::Conflict => "CONFLICT",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::Internal => "INTERNAL",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("a valid token is required")]
    Unauthenticated,
    #[error("not allowed for this viewer")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("{field}: {message}")]
    BadInput { field: String, message: String },
    #[error("the applicant is not eligible for the course")]
    Ineligible(Vec<String>),
    #[error("{0}")]
    WrongPhase(String),
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("{0}")]
    InstitutionSuspended(String),
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A validation failure naming the input field, e.g. `input.prefecture`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::Forbidden => ErrorCode::Forbidden,
            Self::NotFound => ErrorCode::NotFound,
            Self::BadInput { .. } => ErrorCode::BadUserInput,
            Self::Ineligible(_) => ErrorCode::Ineligible,
            Self::WrongPhase(_) => ErrorCode::WrongPhase,
            Self::QuotaExceeded(_) => ErrorCode::QuotaExceeded,
            Self::InstitutionSuspended(_) => ErrorCode::InstitutionSuspended,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::Db(err) => db_error_code(err),
            Self::Internal(_) => ErrorCode::Internal,
        }
    }
}

/// A unique-constraint violation is a client's conflict (e.g. two live
/// applications arriving at once); anything else from the database is ours.
fn db_error_code(err: &DbErr) -> ErrorCode {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => ErrorCode::Conflict,
        _ => ErrorCode::Internal,
    }
}

/// Rewrites one error for the client: sets `extensions.code` (and `field`,
/// `reasons`), hides internal detail, and logs what was hidden.
pub fn to_wire(err: &mut ServerError) {
    let source = err.source.clone();
    let code = if let Some(app) = source.as_ref().and_then(|s| s.downcast_ref::<AppError>()) {
        let code = app.code();
        let ext = err.extensions.get_or_insert_with(Default::default);
        match app {
            AppError::BadInput { field, .. } => ext.set("field", field.as_str()),
            AppError::Ineligible(reasons) => ext.set(
                "reasons",
                Value::List(
                    reasons
                        .iter()
                        .map(|r| Value::Enum(async_graphql::Name::new(r)))
                        .collect(),
                ),
            ),
            _ => {}
        }
        code
    } else if let Some(db) = err.source::<DbErr>() {
        db_error_code(db)
    } else if is_limit_error(&err.message) {
        ErrorCode::QueryTooComplex
    } else if err
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some())
    {
        return;
    } else {
        // Parse, validation and input-coercion errors from async-graphql.
        ErrorCode::BadUserInput
    };
    match code {
        ErrorCode::Internal => {
            tracing::error!(error = %err.message, "internal error");
            err.message = "internal error".into();
        }
        ErrorCode::Conflict
            if err
                .source::<AppError>()
                .is_none_or(|e| matches!(e, AppError::Db(_))) =>
        {
            err.message = "the object changed concurrently or already exists".into();
        }
        _ => {}
    }
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", code.as_str());
}

fn is_limit_error(message: &str) -> bool {
    message.starts_with("Query is too complex")
        || message.starts_with("Query is nested too deep")
        || message.contains("recursion depth")
        || message.contains("too many directives")
}
