//! `serve --dev` only: the identities GraphiQL's "Sign in as" offers, each
//! with a token the server mints on the spot from the data as it is now:
//! the board, the internal medicine society, the hospital where the demo's
//! doctor-0001 trains, doctor-0001, and a doctor whose application to
//! internal medicine waits for a decision: the identities the examples in
//! docs/examples run as. The route does not exist without `--dev`, so
//! `--production` (which refuses `--dev`) never has it.

use crate::auth::{Grant, TokenKeys};
use crate::catalog::SocietyCatalog;
use crate::entity::enums::{ApplicationStatus, CyclePhase, FieldCode, InstitutionKind, Role};
use crate::entity::{
    applicant, application, course, institution, recruitment_cycle, society, trainee,
};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};
use serde::Serialize;

/// The route, for the page to fetch.
pub const PATH: &str = "/graphiql/dev/sign-in";
/// As long as the token `serve --dev` prints.
const TTL_SECONDS: i64 = 8 * 3600;
/// The demo's doctor with papers and a trainee record (src/seed/).
const DEMO_DOCTOR: &str = "doctor-0001";

/// One choice of "Sign in as".
#[derive(Serialize, Debug)]
pub struct Identity {
    /// Unique among the choices: the role, or `APPLICANT:<subject>` for a
    /// second doctor.
    pub key: String,
    pub role: &'static str,
    pub label: String,
    pub token: String,
}

/// `GET /graphiql/dev/sign-in`.
pub async fn identities(State(state): State<AppState>, headers: HeaderMap) -> Response {
    // A page of another site that a DNS name re-pointed at 127.0.0.1 must
    // not read ADMIN tokens: answer only requests addressed by IP or localhost.
    if !addressed_by_ip_or_localhost(&headers) {
        return (
            StatusCode::FORBIDDEN,
            "the dev sign-in answers requests to an IP address or localhost only",
        )
            .into_response();
    }
    match choices(&state.db, &state.keys, &state.societies).await {
        Ok(identities) => (
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            Json(identities),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "dev sign-in: reading the demo data failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "database error").into_response()
        }
    }
}

/// ADMIN always; a society, an institution and a doctor when the data has them.
async fn choices(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    societies: &SocietyCatalog,
) -> Result<Vec<Identity>, DbErr> {
    let mint = |role, subject: &str, society, institution_id| {
        keys.issue(
            &Grant {
                subject: subject.to_owned(),
                role,
                society,
                institution_id,
            },
            TTL_SECONDS,
        )
    };
    let mut identities = vec![Identity {
        key: "ADMIN".into(),
        role: "ADMIN",
        label: "ADMIN — the board (日本専門医機構)".into(),
        token: mint(Role::Admin, "dev-admin", None, None),
    }];
    let society = societies
        .by_code(FieldCode::InternalMedicine)
        .or_else(|| societies.all().first());
    if let Some(society) = society {
        identities.push(Identity {
            key: "SOCIETY".into(),
            role: "SOCIETY",
            label: format!("SOCIETY — {} ({})", society.field_name_ja, society.name_ja),
            token: mint(Role::Society, "dev-society", Some(society.code), None),
        });
    }
    if let Some(hospital) = institution_with_a_course(db).await? {
        identities.push(Identity {
            key: "INSTITUTION".into(),
            role: "INSTITUTION",
            label: format!("INSTITUTION — {}", hospital.name),
            token: mint(
                Role::Institution,
                "dev-institution",
                None,
                Some(hospital.id),
            ),
        });
    }
    if let Some(doctor) = a_doctor(db).await? {
        identities.push(Identity {
            key: "APPLICANT".into(),
            role: "APPLICANT",
            label: format!("APPLICANT — {} ({})", doctor.subject, doctor.full_name),
            token: mint(Role::Applicant, &doctor.subject, None, None),
        });
    }
    if let Some(doctor) = a_doctor_waiting(db).await? {
        identities.push(Identity {
            key: format!("APPLICANT:{}", doctor.subject),
            role: "APPLICANT",
            label: format!(
                "APPLICANT — {} ({}, waiting for a decision)",
                doctor.subject, doctor.full_name
            ),
            token: mint(Role::Applicant, &doctor.subject, None, None),
        });
    }
    Ok(identities)
}

/// The hospital where doctor-0001 trains; else the first university
/// hospital responsible for a course; else the first institution with a
/// course; else the first institution.
async fn institution_with_a_course(
    db: &DatabaseConnection,
) -> Result<Option<institution::Model>, DbErr> {
    let demo_doctors_course = trainee::Entity::find()
        .select_only()
        .column(trainee::Column::CourseId)
        .filter(
            trainee::Column::ApplicantId.in_subquery(
                applicant::Entity::find()
                    .select_only()
                    .column(applicant::Column::Id)
                    .filter(applicant::Column::Subject.eq(DEMO_DOCTOR))
                    .into_query(),
            ),
        )
        .into_query();
    let trains_the_demo_doctor = institution::Entity::find()
        .filter(
            institution::Column::Id.in_subquery(
                course::Entity::find()
                    .select_only()
                    .column(course::Column::ResponsibleInstitutionId)
                    .filter(course::Column::Id.in_subquery(demo_doctors_course))
                    .into_query(),
            ),
        )
        .one(db)
        .await?;
    if trains_the_demo_doctor.is_some() {
        return Ok(trains_the_demo_doctor);
    }
    let responsible = || {
        course::Entity::find()
            .select_only()
            .column(course::Column::ResponsibleInstitutionId)
            .into_query()
    };
    let first = |query: sea_orm::Select<institution::Entity>| {
        query.order_by_asc(institution::Column::Id).one(db)
    };
    let university = first(
        institution::Entity::find()
            .filter(institution::Column::Kind.eq(InstitutionKind::UniversityHospital))
            .filter(institution::Column::Id.in_subquery(responsible())),
    )
    .await?;
    if university.is_some() {
        return Ok(university);
    }
    let any_with_course = first(
        institution::Entity::find().filter(institution::Column::Id.in_subquery(responsible())),
    )
    .await?;
    if any_with_course.is_some() {
        return Ok(any_with_course);
    }
    first(institution::Entity::find()).await
}

/// doctor-0001 of the demo; else the first doctor registered.
async fn a_doctor(db: &DatabaseConnection) -> Result<Option<applicant::Model>, DbErr> {
    let demo = applicant::Entity::find()
        .filter(applicant::Column::Subject.eq(DEMO_DOCTOR))
        .one(db)
        .await?;
    if demo.is_some() {
        return Ok(demo);
    }
    applicant::Entity::find()
        .order_by_asc(applicant::Column::Id)
        .one(db)
        .await
}

/// The first doctor (by subject) whose application to an internal medicine
/// course waits for a decision in a cycle whose quotas are allocated: not
/// decided, nothing proposed. The demo's is the one `seed-demo` prints.
async fn a_doctor_waiting(db: &DatabaseConnection) -> Result<Option<applicant::Model>, DbErr> {
    let deciding = recruitment_cycle::Entity::find()
        .select_only()
        .column(recruitment_cycle::Column::Year)
        .filter(recruitment_cycle::Column::Phase.eq(CyclePhase::QuotasAllocated))
        .into_query();
    let internal_medicine = course::Entity::find()
        .select_only()
        .column(course::Column::Id)
        .filter(
            course::Column::SocietyId.in_subquery(
                society::Entity::find()
                    .select_only()
                    .column(society::Column::Id)
                    .filter(society::Column::Code.eq(FieldCode::InternalMedicine))
                    .into_query(),
            ),
        )
        .into_query();
    let waiting = application::Entity::find()
        .select_only()
        .column(application::Column::ApplicantId)
        .filter(application::Column::Status.eq(ApplicationStatus::Submitted))
        .filter(application::Column::ProposedDecision.is_null())
        .filter(application::Column::Year.in_subquery(deciding))
        .filter(application::Column::CourseId.in_subquery(internal_medicine))
        .into_query();
    applicant::Entity::find()
        .filter(applicant::Column::Id.in_subquery(waiting))
        .order_by_asc(applicant::Column::Subject)
        .one(db)
        .await
}

/// `Host` is an IP literal (`127.0.0.1:8080`, `[::1]:8080`) or `localhost`.
fn addressed_by_ip_or_localhost(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    if let Some(rest) = host.strip_prefix('[') {
        return rest
            .split_once(']')
            .is_some_and(|(ip, _)| ip.parse::<std::net::Ipv6Addr>().is_ok());
    }
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::Ipv4Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::addressed_by_ip_or_localhost;
    use axum::http::{HeaderMap, HeaderValue, header};

    fn host(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_ip_addresses_and_localhost() {
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST",
            "[::1]:8080",
            "10.0.0.5",
        ] {
            assert!(addressed_by_ip_or_localhost(&host(ok)), "{ok}");
        }
        for refused in [
            "evil.example:8080",
            "localhost.evil.example",
            "[evil]:80",
            "",
        ] {
            assert!(!addressed_by_ip_or_localhost(&host(refused)), "{refused}");
        }
        assert!(!addressed_by_ip_or_localhost(&HeaderMap::new()));
    }
}
