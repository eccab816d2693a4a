//! Applicant's plain fields, as `Applicant`'s resolvers answer them: each
//! reading of personal data is noted for the audit, and the licence number
//! is shown only to whom may see it.

use super::{Selected, TYPENAME, object};
use crate::entity::applicant;
use crate::graphql::audit::note_personal_read;
use crate::graphql::context::viewer;
use crate::graphql::scalars::Date;
use crate::graphql::visibility;
use crate::ids;
use async_graphql::parser::types::SelectionSet;
use async_graphql::{ContextSelectionSet, Name, ScalarType, ServerResult, Value};

pub enum ApplicantField {
    Typename,
    Id,
    FullName,
    FullNameKana,
    Email,
    MedicalLicenseNumber,
    University,
    GraduationYear,
    InitialTrainingCompletedOn,
    ObligatedServiceGraduate,
    RegionalQuotaObligation,
}

pub type ApplicantFields = Vec<(Name, ApplicantField)>;

/// The fields selected of an applicant, or `None` for the executor.
pub fn fields<'a>(selected: &Selected<'a>, set: &'a SelectionSet) -> Option<ApplicantFields> {
    use ApplicantField as F;
    selected.fields(set, "Applicant", &mut |field| {
        Some(match field.name.node.as_str() {
            TYPENAME => F::Typename,
            "id" => F::Id,
            "fullName" => F::FullName,
            "fullNameKana" => F::FullNameKana,
            "email" => F::Email,
            "medicalLicenseNumber" => F::MedicalLicenseNumber,
            "university" => F::University,
            "graduationYear" => F::GraduationYear,
            "initialTrainingCompletedOn" => F::InitialTrainingCompletedOn,
            "obligatedServiceGraduate" => F::ObligatedServiceGraduate,
            "regionalQuotaObligation" => F::RegionalQuotaObligation,
            _ => return None,
        })
    })
}

pub fn write(
    ctx: &ContextSelectionSet<'_>,
    fields: &ApplicantFields,
    m: &applicant::Model,
) -> ServerResult<Value> {
    use ApplicantField as F;
    object(fields, |field| {
        Ok(match field {
            F::Typename => Value::from("Applicant"),
            F::Id => ids::encode(ids::APPLICANT, m.id).to_value(),
            F::FullName => {
                note_personal_read(ctx, m);
                Value::from(m.full_name.as_str())
            }
            F::FullNameKana => {
                note_personal_read(ctx, m);
                m.full_name_kana.as_deref().map_or(Value::Null, Value::from)
            }
            F::Email => {
                note_personal_read(ctx, m);
                Value::from(m.email.as_str())
            }
            F::MedicalLicenseNumber => {
                note_personal_read(ctx, m);
                match visibility::sees_license_number(viewer(ctx), m) {
                    true => Value::from(m.medical_license_number.as_str()),
                    false => Value::Null,
                }
            }
            F::University => {
                note_personal_read(ctx, m);
                Value::from(m.university.as_str())
            }
            F::GraduationYear => Value::from(m.graduation_year),
            F::InitialTrainingCompletedOn => Date(m.initial_training_completed_on).to_value(),
            F::ObligatedServiceGraduate => Value::from(m.obligated_service_graduate),
            F::RegionalQuotaObligation => Value::from(m.regional_quota_obligation),
        })
    })
}
