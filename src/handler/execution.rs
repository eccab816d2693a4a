//! Execution: the schema the request runs on, the size check of an
//! introspection, the loaders paced by the execution, and every error
//! mapped to the contract's codes and stamped with the request id.

use super::operation::Operation;
use crate::field_order;
use crate::graphql::loaders::Loaders;
use crate::graphql::map_errors;
use crate::introspection;
use crate::state::AppState;

/// Runs the request on the schema its caller and operation call for.
pub async fn execute(
    state: &AppState,
    anonymous: bool,
    operation: &Operation,
    loaders: &Loaders,
    request: async_graphql::Request,
    request_id: &str,
) -> async_graphql::Response {
    // Under --production a caller without a token sees no schema: no
    // introspection and no "Did you mean …" in validation errors.
    let schema = if state.policy.production && anonymous {
        &state.hidden_schema
    } else if operation.introspection_only {
        &state.introspection_schema
    } else {
        &state.schema
    };
    let mut response = match introspection_refusal(state, operation) {
        Some(refusal) => async_graphql::Response::from_errors(vec![refusal]),
        None => loaders.paced(schema.execute(request)).await,
    };
    map_errors(&mut response);
    for err in &mut response.errors {
        let ext = err.extensions.get_or_insert_with(Default::default);
        ext.set("requestId", request_id);
    }
    response
}

/// A QUERY_TOO_COMPLEX error when the request's `__schema` and `__type`
/// fields could answer more than `introspection::MAX_VALUES` values.
fn introspection_refusal(
    state: &AppState,
    operation: &Operation,
) -> Option<async_graphql::ServerError> {
    if !operation.introspects {
        return None;
    }
    let document = operation.document.as_ref()?;
    let selection = field_order::operation_selection(document, operation.name.as_deref())?;
    let estimate = state
        .introspection_shape
        .estimate(selection, &document.fragments);
    if estimate.is_some_and(|values| values <= introspection::MAX_VALUES) {
        return None;
    }
    // The wording `error::to_wire` maps to QUERY_TOO_COMPLEX.
    Some(async_graphql::ServerError::new(
        format!(
            "Query is too complex: its introspection could answer more than {} values; \
             ask for the schema once (GraphiQL's standard query fits)",
            introspection::MAX_VALUES
        ),
        None,
    ))
}
