//! What a request leaves behind once answered: its outcome counted in the
//! metrics, named in the request's span, and one log line.

use super::operation::Operation;
use crate::auth::Viewer;
use crate::state::AppState;
use std::time::Duration;

/// `ok`, or the first error's code in lower case (`forbidden`, …).
pub fn outcome_of(response: &async_graphql::Response) -> String {
    response
        .errors
        .iter()
        .find_map(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .map(ToString::to_string)
        })
        .map_or_else(
            || "ok".to_owned(),
            |code| code.trim_matches('"').to_lowercase(),
        )
}

/// Counts the request and logs it.
pub fn observe(
    state: &AppState,
    operation: &Operation,
    outcome: &str,
    viewer: &Viewer,
    operation_name: Option<&str>,
    elapsed: Duration,
) {
    state
        .metrics
        .observe(&operation.label, outcome, elapsed.as_secs_f64());
    let span = tracing::Span::current();
    span.record("operation", operation.label.as_str());
    span.record("role", tracing::field::debug(&viewer.role));
    span.record("outcome", outcome);
    tracing::info!(
        operation = %operation.label,
        name = operation_name.unwrap_or(""),
        role = ?viewer.role,
        outcome,
        duration_ms = elapsed.as_millis() as u64,
        "graphql"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outcome_is_the_first_code_or_ok() {
        assert_eq!(
            outcome_of(&async_graphql::Response::new(async_graphql::Value::Null)),
            "ok"
        );
        let coded = |code: &str| {
            let mut error = async_graphql::ServerError::new("no", None);
            let mut ext = async_graphql::ErrorExtensionValues::default();
            ext.set("code", code);
            error.extensions = Some(ext);
            error
        };
        let response =
            async_graphql::Response::from_errors(vec![coded("WRONG_PHASE"), coded("FORBIDDEN")]);
        assert_eq!(outcome_of(&response), "wrong_phase");
    }
}
