//! A doctor registers itself (APPLICANT), bound to its token's subject.

use super::{Caller, Operation};
use crate::audit;
use crate::db::begin_write;
use crate::domain::validate;
use crate::entity::applicant;
use crate::entity::enums::{AuditOutcome, Role};
use crate::error::{AppError, AppResult};
use crate::ids;
use chrono::{Datelike, NaiveDate};
use sea_orm::{ActiveModelTrait, Set};

/// `registerApplicant`: the doctor's own record.
pub struct RegisterApplicant {
    pub full_name: String,
    pub full_name_kana: Option<String>,
    pub email: String,
    pub medical_license_number: String,
    pub university: String,
    pub graduation_year: i32,
    pub initial_training_completed_on: NaiveDate,
    pub obligated_service_graduate: bool,
    pub regional_quota_obligation: bool,
}

/// Maps a validation message to BAD_USER_INPUT naming `input.<field>`.
fn bad(field: &'static str) -> impl Fn(&str) -> AppError {
    move |m| AppError::bad_input(format!("input.{field}"), m)
}

impl Operation for RegisterApplicant {
    const NAME: &'static str = "registerApplicant";
    type Output = applicant::Model;

    async fn run(self, caller: Caller<'_>) -> AppResult<applicant::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Applicant])?;
        if viewer.applicant_id.is_some() {
            return Err(AppError::Conflict(
                "this subject is already registered as an applicant".into(),
            ));
        }
        let subject = viewer.subject.clone().ok_or(AppError::Unauthenticated)?;
        let full_name = validate::name(&self.full_name, 100).map_err(bad("fullName"))?;
        let full_name_kana = match self
            .full_name_kana
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            Some(kana) => Some(validate::kana(kana).map_err(bad("fullNameKana"))?),
            None => None,
        };
        let email = validate::email(&self.email).map_err(bad("email"))?;
        let license = validate::medical_license_number(&self.medical_license_number)
            .map_err(bad("medicalLicenseNumber"))?;
        let university = validate::name(&self.university, 200).map_err(bad("university"))?;
        let graduation_year =
            validate::graduation_year(self.graduation_year, caller.today().year())
                .map_err(bad("graduationYear"))?;
        let completed_on = self.initial_training_completed_on;
        if completed_on.year() < graduation_year || completed_on.year() > graduation_year + 10 {
            return Err(AppError::bad_input(
                "input.initialTrainingCompletedOn",
                "must fall in the years after graduation",
            ));
        }

        let txn = begin_write(caller.db).await?;
        let row = applicant::ActiveModel {
            subject: Set(subject),
            full_name: Set(full_name),
            full_name_kana: Set(full_name_kana),
            email: Set(email),
            medical_license_number: Set(license),
            university: Set(university),
            graduation_year: Set(graduation_year),
            initial_training_completed_on: Set(completed_on),
            obligated_service_graduate: Set(self.obligated_service_graduate),
            regional_quota_obligation: Set(self.regional_quota_obligation),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let id = ids::encode(ids::APPLICANT, row.id);
        audit::record(
            &txn,
            viewer,
            Self::NAME,
            Some(&id),
            AuditOutcome::Ok,
            "registered".into(),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
}
