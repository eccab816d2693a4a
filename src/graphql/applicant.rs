//! Applicants: doctors, their eligibility and applications.

use super::application::Application;
use super::audit;
use super::context::{db, loaders, viewer};
use super::loaders::{ApplicantId, ApplicationsOfApplicant, TraineeOfApplicant};
use super::pagination::{PageArgs, TotalCount, connection, fetch_page};
use super::run::run;
use super::scalars::Date;
use super::trainee::Trainee;
use super::visibility;
use crate::domain::eligibility::{ApplicantFacts, Ineligibility, ineligibility};
use crate::entity::applicant;
use crate::error::AppError;
use crate::ids;
use crate::ops::applicant::RegisterApplicant;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use sea_orm::{EntityTrait, QueryFilter};

#[derive(Clone)]
pub struct Applicant(pub applicant::Model);

impl From<applicant::Model> for Applicant {
    fn from(m: applicant::Model) -> Self {
        Self(m)
    }
}

impl Applicant {
    /// The columns each field of Applicant reads beside `id`, for a page
    /// that joins its applicants in (`graphql::joined`); a field not listed
    /// reads the whole row. Personal data also reads `subject`, which the
    /// audit and the licence number's visibility compare with the viewer's.
    pub fn columns_of(field: &str) -> Option<&'static [applicant::Column]> {
        use applicant::Column as C;
        Some(match field {
            "id" => &[],
            "fullName" => &[C::FullName, C::Subject],
            "fullNameKana" => &[C::FullNameKana, C::Subject],
            "email" => &[C::Email, C::Subject],
            "medicalLicenseNumber" => &[C::MedicalLicenseNumber, C::Subject],
            "university" => &[C::University, C::Subject],
            "graduationYear" => &[C::GraduationYear],
            "initialTrainingCompletedOn" => &[C::InitialTrainingCompletedOn],
            "obligatedServiceGraduate" => &[C::ObligatedServiceGraduate],
            "regionalQuotaObligation" => &[C::RegionalQuotaObligation],
            _ => return None,
        })
    }
}

connection!(
    ApplicantConnection,
    ApplicantEdge,
    Applicant,
    applicant::Model
);

/// Pages of it go through the executor (no one-pass writer, `graphql::direct`).
impl super::direct::Direct for Applicant {}

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
        let reasons: Vec<IneligibilityReason> = ineligibility(&ApplicantFacts::from(&self.0), year)
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

/// [`visible_applicant`] as the value of the field being resolved: only
/// the columns its selection reads (`Columns::asked`), so a doctor's mail
/// address and licence number stay in the database unless asked for.
pub async fn applicant_for_field(ctx: &Context<'_>, id: i64) -> Result<Option<Applicant>> {
    let row = loaders(ctx)?
        .row_for(ctx.field(), ApplicantId(id), Applicant::columns_of)
        .await?;
    Ok(row.map(Applicant))
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
        run(ctx, RegisterApplicant::from(input))
            .await
            .map(Applicant)
    }
}

impl From<RegisterApplicantInput> for RegisterApplicant {
    fn from(input: RegisterApplicantInput) -> Self {
        Self {
            full_name: input.full_name,
            full_name_kana: input.full_name_kana,
            email: input.email,
            medical_license_number: input.medical_license_number,
            university: input.university,
            graduation_year: input.graduation_year,
            initial_training_completed_on: input.initial_training_completed_on.0,
            obligated_service_graduate: input.obligated_service_graduate,
            regional_quota_obligation: input.regional_quota_obligation,
        }
    }
}
