//! Personal data leaves only with its audit trail (APPI): the applicants a
//! request showed are recorded before its answer is sent, or the request
//! fails (closed).

use super::refusal::internal;
use crate::audit;
use crate::graphql::request_data::RequestData;
use crate::state::AppState;
use axum::response::Response;

/// One `readPersonalData` event per applicant the request showed.
pub async fn record_reads(
    state: &AppState,
    data: &RequestData,
    operation_name: Option<&str>,
    request_id: &str,
) -> Result<(), Response> {
    let read = data.reads.take();
    if let Err(err) =
        audit::record_personal_reads(&state.db, &data.viewer, operation_name, &read).await
    {
        tracing::error!(request_id, error = %err, "could not audit personal data reads");
        return Err(internal(request_id));
    }
    Ok(())
}
