//! Applicants: doctors, their eligibility and applications.

use super::application::Application;
use super::audit;
use super::context::{db, loaders, today, viewer};
use super::ids;
use super::loaders::{ApplicantId, ApplicationsOfApplicant, TraineeOfApplicant};
use super::pagination::{PageArgs, TotalCount, connection, fetch_page};
use super::scalars::Date;
use super::trainee::Trainee;
use super::visibility;
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::eligibility::{ApplicantFacts, Ineligibility, ineligibility};
use crate::domain::validate;
use crate::entity::applicant;
use crate::entity::enums::{AuditOutcome, Role};
use crate::error::{AppError, AppResult};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{Datelike, NaiveDate};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

#[derive(Clone)]
pub struct Applicant(pub applicant::Model);

impl From<applicant::Model> for Applicant {
    fn from(m: applicant::Model) -> Self {
        Self(m)
    }
}

connection!(
    ApplicantConnection,
    ApplicantEdge,
    Applicant,
    applicant::Model
);

/// Why a doctor may not apply to the course (I.2(1)).
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum IneligibilityReason {
    /// graduate of a medical school with obligated service years (義務年限)
    ObligatedServiceGraduate,
    /// doctor with a regional quota obligation (地域枠)
    RegionalQuotaObligation,
    /// the two-year initial clinical training will not be completed by the course start
    InitialTrainingIncomplete,
}

impl From<Ineligibility> for IneligibilityReason {
    fn from(r: Ineligibility) -> Self {
        match r {
            Ineligibility::ObligatedServiceGraduate => Self::ObligatedServiceGraduate,
            Ineligibility::RegionalQuotaObligation => Self::RegionalQuotaObligation,
            Ineligibility::InitialTrainingIncomplete => Self::InitialTrainingIncomplete,
        }
    }
}

/// Whether a doctor may apply to the course of one intake year (I.2(1)).
#[derive(SimpleObject)]
pub struct Eligibility {
    /// True when no reason bars the doctor.
    pub eligible: bool,
    /// Every reason that bars the doctor, in the enum's order; empty when
    /// eligible. submitApplication's INELIGIBLE error lists the same in
    /// extensions.reasons.
    pub reasons: Vec<IneligibilityReason>,
}

/// The facts the eligibility rule reads.
pub fn facts(m: &applicant::Model) -> ApplicantFacts {
    ApplicantFacts {
        obligated_service_graduate: m.obligated_service_graduate,
        regional_quota_obligation: m.regional_quota_obligation,
        initial_training_completed_on: m.initial_training_completed_on,
    }
}

/// A doctor. Personal data: visible to the board, the doctor, and the society and institution of a course the doctor applied to.
/// Registered by the doctor (registerApplicant); each reading of its name,
/// kana, email, licence number or university by anyone but the doctor is
/// audited (readPersonalData).
#[Object]
impl Applicant {
    /// The doctor's global ID (Node).
    pub async fn id(&self) -> ID {
        ids::encode(ids::APPLICANT, self.0.id)
    }
    /// Full name as registered, e.g. 山田 太郎. Personal data.
    async fn full_name(&self, ctx: &Context<'_>) -> &str {
        audit::note_personal_read(ctx, &self.0);
        &self.0.full_name
    }
    /// The name's reading in katakana or hiragana (フリガナ); null when not
    /// given. Personal data.
    async fn full_name_kana(&self, ctx: &Context<'_>) -> Option<&str> {
        audit::note_personal_read(ctx, &self.0);
        self.0.full_name_kana.as_deref()
    }
    /// Mail address, its domain lowercased. Personal data.
    async fn email(&self, ctx: &Context<'_>) -> &str {
        audit::note_personal_read(ctx, &self.0);
        &self.0.email
    }
    /// 医籍登録番号: visible to the board and the doctor only
    async fn medical_license_number(&self, ctx: &Context<'_>) -> Option<&str> {
        audit::note_personal_read(ctx, &self.0);
        visibility::sees_license_number(viewer(ctx), &self.0)
            .then_some(self.0.medical_license_number.as_str())
    }
    /// The medical school the doctor graduated from. Personal data.
    async fn university(&self, ctx: &Context<'_>) -> &str {
        audit::note_personal_read(ctx, &self.0);
        &self.0.university
    }
    /// The year the doctor graduated from medical school.
    async fn graduation_year(&self) -> i32 {
        self.0.graduation_year
    }
    /// When the two-year initial clinical training (臨床研修) was or will be
    /// completed: by 1 April of the intake year at the latest (I.2(1)).
    async fn initial_training_completed_on(&self) -> Date {
        self.0.initial_training_completed_on.into()
    }
    /// Whether the doctor graduated from a medical school with obligated
    /// service years (義務年限): such a doctor may not apply (I.2(1)).
    async fn obligated_service_graduate(&self) -> bool {
        self.0.obligated_service_graduate
    }
    /// Whether the doctor has a regional quota obligation (地域枠): such a
    /// doctor may not apply (I.2(1)).
    async fn regional_quota_obligation(&self) -> bool {
        self.0.regional_quota_obligation
    }

    /// eligibility for the course starting in that year
    async fn eligibility(
        &self,
        #[graphql(desc = "The intake year, 1900 to 2200 (else BAD_USER_INPUT).")] year: i32,
    ) -> Result<Eligibility> {
        if !(1900..=2200).contains(&year) {
            return Err(AppError::bad_input("year", "must be between 1900 and 2200").into());
        }
        let reasons: Vec<IneligibilityReason> = ineligibility(&facts(&self.0), year)
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(Eligibility {
            eligible: reasons.is_empty(),
            reasons,
        })
    }

    /// The applications this viewer may see, oldest first.
    /// All of them for the board and the doctor; for a society those to its
    /// field's courses, for an institution those to its courses.
    #[graphql(complexity = "1 + super::pagination::LIST_FANOUT * child_complexity")]
    async fn applications(&self, ctx: &Context<'_>) -> Result<Vec<Application>> {
        let rows = loaders(ctx)?
            .list(ApplicationsOfApplicant(self.0.id))
            .await?;
        Ok(rows.into_iter().map(Application::from).collect())
    }

    /// The doctor's trainee record (専攻医), created when the selection in
    /// which it was adopted became final; null before, and for a viewer
    /// who may not see it.
    async fn trainee(&self, ctx: &Context<'_>) -> Result<Option<Trainee>> {
        let row = loaders(ctx)?.one(TraineeOfApplicant(self.0.id)).await?;
        Ok(row.map(Trainee::from))
    }
}

pub async fn list_applicants(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<ApplicantConnection> {
    let args = PageArgs::parse(first, after)?;
    let select = applicant::Entity::find().filter(visibility::applicants(viewer(ctx)));
    let page = fetch_page(db(ctx), select.clone(), applicant::Column::Id, args).await?;
    Ok(ApplicantConnection::new(
        page,
        TotalCount::of(db(ctx), select),
    ))
}

/// The applicant, if the viewer may see it (batched).
pub async fn visible_applicant(ctx: &Context<'_>, id: i64) -> Result<Option<Applicant>> {
    Ok(loaders(ctx)?.one(ApplicantId(id)).await?.map(Applicant))
}

/// A doctor's own registration, bound to the token's subject.
#[derive(InputObject)]
pub struct RegisterApplicantInput {
    /// 1 to 100 characters, e.g. 山田 太郎.
    pub full_name: String,
    /// The reading (フリガナ) in katakana or hiragana, spaces allowed, 1 to
    /// 100 characters; blank or omitted: none.
    pub full_name_kana: Option<String>,
    /// Mail address: 3 to 254 characters, one @, a domain like example.ac.jp.
    pub email: String,
    /// 医籍登録番号: 1 to 7 half-width digits, leading zeros kept. Shown only
    /// to the board and the doctor.
    pub medical_license_number: String,
    /// The medical school graduated from, 1 to 200 characters.
    pub university: String,
    /// From 1950 to next year (a final-year student may register).
    pub graduation_year: i32,
    /// When the two-year initial clinical training (臨床研修) ends or ended:
    /// in the graduation year or the ten after it.
    pub initial_training_completed_on: Date,
    /// Whether the doctor's medical school imposes obligated service years
    /// (義務年限); true makes the doctor ineligible (I.2(1)).
    pub obligated_service_graduate: bool,
    /// Whether the doctor has a regional quota obligation (地域枠); true
    /// makes the doctor ineligible (I.2(1)).
    pub regional_quota_obligation: bool,
}

#[derive(Default)]
pub struct ApplicantMutation;

#[Object]
impl ApplicantMutation {
    /// A doctor registers itself (APPLICANT), bound to its token's subject.
    /// Once per subject (again: CONFLICT); the board cannot register a doctor.
    async fn register_applicant(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The doctor's data; BAD_USER_INPUT names the first field that fails (e.g. input.email)."
        )]
        input: RegisterApplicantInput,
    ) -> Result<Applicant> {
        let result = register_applicant(db(ctx), viewer(ctx), today(ctx), input).await;
        audit::record_refusal(ctx, "registerApplicant", None, &result).await;
        Ok(Applicant(result?))
    }
}

/// Maps a validation message to BAD_USER_INPUT naming `input.<field>`.
fn bad(field: &'static str) -> impl Fn(&str) -> AppError {
    move |m| AppError::bad_input(format!("input.{field}"), m)
}

async fn register_applicant(
    db: &DatabaseConnection,
    viewer: &Viewer,
    today: NaiveDate,
    input: RegisterApplicantInput,
) -> AppResult<applicant::Model> {
    viewer.require(&[Role::Applicant])?;
    if viewer.applicant_id.is_some() {
        return Err(AppError::Conflict(
            "this subject is already registered as an applicant".into(),
        ));
    }
    let subject = viewer.subject.clone().ok_or(AppError::Unauthenticated)?;
    let full_name = validate::name(&input.full_name, 100).map_err(bad("fullName"))?;
    let full_name_kana = match input
        .full_name_kana
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        Some(kana) => Some(validate::kana(kana).map_err(bad("fullNameKana"))?),
        None => None,
    };
    let email = validate::email(&input.email).map_err(bad("email"))?;
    let license = validate::medical_license_number(&input.medical_license_number)
        .map_err(bad("medicalLicenseNumber"))?;
    let university = validate::name(&input.university, 200).map_err(bad("university"))?;
    let graduation_year = validate::graduation_year(input.graduation_year, today.year())
        .map_err(bad("graduationYear"))?;
    let completed_on = input.initial_training_completed_on.0;
    if completed_on.year() < graduation_year || completed_on.year() > graduation_year + 10 {
        return Err(AppError::bad_input(
            "input.initialTrainingCompletedOn",
            "must fall in the years after graduation",
        ));
    }

    let txn = begin_write(db).await?;
    let row = applicant::ActiveModel {
        subject: Set(subject),
        full_name: Set(full_name),
        full_name_kana: Set(full_name_kana),
        email: Set(email),
        medical_license_number: Set(license),
        university: Set(university),
        graduation_year: Set(graduation_year),
        initial_training_completed_on: Set(completed_on),
        obligated_service_graduate: Set(input.obligated_service_graduate),
        regional_quota_obligation: Set(input.regional_quota_obligation),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let id = ids::encode(ids::APPLICANT, row.id);
    audit::record(
        &txn,
        viewer,
        "registerApplicant",
        Some(&id),
        AuditOutcome::Ok,
        "registered".into(),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Applicants eligible for the course starting in `year`, as SQL: the same
/// rule as `domain::eligibility`, for counting in the database.
pub fn eligible_condition(year: i32) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(applicant::Column::ObligatedServiceGraduate.eq(false))
        .add(applicant::Column::RegionalQuotaObligation.eq(false))
        .add(
            applicant::Column::InitialTrainingCompletedOn
                .lte(crate::domain::eligibility::course_start(year)),
        )
}
