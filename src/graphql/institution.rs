//! Institutions, their sanctions and quota reductions.

use super::context::societies;
use super::context::{db, loaders, today};
use super::course::{Course, CourseConnection};
use super::loaders::{
    CertificationsOf, InstitutionCourseCount, InstitutionCourses, InstitutionId, QuotaReductionsOf,
    SanctionsOf, SuspendedUntil,
};
use super::pagination::{PageArgs, TotalCount, connection, fetch_page};
use super::run::run;
use super::scalars::DateTime;
use crate::entity::enums::{FieldCode, InstitutionKind, SanctionReason};
use crate::entity::{institution, quota_reduction, sanction};
use crate::error::AppError;
use crate::ids;
use crate::ops::institution::{CreateInstitution, SetCertifiedFields};
use async_graphql::{Context, ID, InputObject, Object, Result};
use sea_orm::EntityTrait;

#[derive(Clone)]
pub struct Institution(pub institution::Model);

impl Institution {
    /// The columns each field of Institution reads beside `id`, for a page
    /// that joins its institutions in (`graphql::joined`); a field not
    /// listed reads the whole row.
    pub fn columns_of(field: &str) -> Option<&'static [institution::Column]> {
        use institution::Column as C;
        Some(match field {
            "id" => &[],
            "name" => &[C::Name],
            "nameEn" => &[C::NameEn],
            "kind" => &[C::Kind],
            "prefecture" => &[C::Prefecture],
            "certifiedTrainingFacility" => &[C::CertifiedTrainingFacility],
            _ => return None,
        })
    }
}

impl From<institution::Model> for Institution {
    fn from(m: institution::Model) -> Self {
        Self(m)
    }
}

connection!(
    InstitutionConnection,
    InstitutionEdge,
    Institution,
    institution::Model
);

/// Pages of it go through the executor (no one-pass writer, `graphql::direct`).
impl super::direct::Direct for Institution {}

/// A hospital the board registered: a university hospital or a national
/// centre may be a course's responsible institution (責任医療機関,
/// I.2(2)①); a certified training facility of a field may be a partner site
/// (連携施設) of that field's courses (I.3(3)). Public, with its sanctions.
#[Object]
impl Institution {
    /// The institution's global ID (Node); an INSTITUTION token's
    /// `institution` claim holds it.
    pub async fn id(&self) -> ID {
        ids::encode(ids::INSTITUTION, self.0.id)
    }
    /// The hospital's name in Japanese, e.g. 京都大学医学部附属病院.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The hospital's name in English; null when none was given.
    async fn name_en(&self) -> Option<&str> {
        self.0.name_en.as_deref()
    }
    /// What kind of hospital it is: only a university hospital or a
    /// national centre may be responsible for a course.
    async fn kind(&self) -> InstitutionKind {
        self.0.kind
    }
    /// one of the 47 prefectures, in Japanese (東京都, 大阪府, ...)
    async fn prefecture(&self) -> &str {
        &self.0.prefecture
    }
    /// a certified training facility of the regular specialty programs (連携施設の要件):
    /// true when certified in at least one field (see certifiedFields)
    async fn certified_training_facility(&self) -> bool {
        self.0.certified_training_facility
    }

    /// The fields in which the institution is a certified training facility
    /// of the regular programs, in the official order: it may be a partner
    /// site (連携施設) of courses of these fields only (I.3(3)).
    async fn certified_fields(&self, ctx: &Context<'_>) -> Result<Vec<FieldCode>> {
        let rows = loaders(ctx)?.list(CertificationsOf(self.0.id)).await?;
        let catalog = societies(ctx);
        let mut fields: Vec<(i32, FieldCode)> = rows
            .iter()
            .filter_map(|c| catalog.by_id(c.society_id))
            .map(|s| (s.position, s.code))
            .collect();
        fields.sort_unstable_by_key(|(position, _)| *position);
        Ok(fields.into_iter().map(|(_, code)| code).collect())
    }

    /// The courses it is the responsible institution of, that this viewer
    /// may see (as in Query.courses), oldest first.
    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn courses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the courses of this intake year.")] year: Option<i32>,
        #[graphql(
            desc = "Page size: default 20, at most 100 (more is cut to 100); negative is BAD_USER_INPUT."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (the previous page's endCursor); omit for the first page. A string that is not a cursor is BAD_USER_INPUT."
        )]
        after: Option<String>,
    ) -> Result<CourseConnection> {
        let page = PageArgs::parse(first, after.as_deref())?;
        let loaders = loaders(ctx)?;
        let key = InstitutionCourses {
            institution_id: self.0.id,
            year,
            page,
        };
        let total = loaders.total_count(InstitutionCourseCount {
            institution_id: self.0.id,
            year,
        });
        Ok(CourseConnection::new(loaders.page(key, page).await?, total))
    }

    /// the last year in which the institution may not set courses; null when it may.
    /// It is the latest untilYear of its sanctions that reach the current
    /// year or later (II.3(2)); a course of a year a sanction covers is
    /// refused with INSTITUTION_SUSPENDED.
    async fn course_setting_suspended_until(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        let key = SuspendedUntil {
            institution_id: self.0.id,
            from_year: chrono::Datelike::year(&today(ctx)),
        };
        Ok(loaders(ctx)?.one(key).await?)
    }

    /// Every loss of the right to set courses (II.3(2)) recorded against
    /// it, past ones included, oldest first.
    #[graphql(complexity = "1 + super::pagination::LIST_FANOUT * child_complexity")]
    async fn sanctions(&self, ctx: &Context<'_>) -> Result<Vec<Sanction>> {
        let rows = loaders(ctx)?.list(SanctionsOf(self.0.id)).await?;
        Ok(rows.into_iter().map(Sanction).collect())
    }

    /// The seats it lost after trainees left the course without special
    /// circumstances (III.3), oldest first, cancelled ones included.
    #[graphql(complexity = "1 + super::pagination::LIST_FANOUT * child_complexity")]
    async fn quota_reductions(&self, ctx: &Context<'_>) -> Result<Vec<QuotaReduction>> {
        let rows = loaders(ctx)?.list(QuotaReductionsOf(self.0.id)).await?;
        Ok(rows.into_iter().map(QuotaReduction).collect())
    }
}

/// Institutions are public: anyone may list them.
pub async fn list_institutions(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<InstitutionConnection> {
    let args = PageArgs::parse(first, after)?;
    let select = institution::Entity::find();
    let page = fetch_page(db(ctx), select.clone(), institution::Column::Id, args).await?;
    Ok(InstitutionConnection::new(
        page,
        TotalCount::of(db(ctx), select),
    ))
}

/// A referenced institution (batched); missing is a broken invariant.
pub async fn institution_by_id(ctx: &Context<'_>, id: i64) -> Result<Institution> {
    loaders(ctx)?
        .one(InstitutionId(id))
        .await?
        .map(Institution)
        .ok_or_else(|| missing_institution(id).into())
}

/// [`institution_by_id`] as the value of the field being resolved: only the
/// columns its selection reads (`Columns::asked`).
pub async fn institution_for_field(ctx: &Context<'_>, id: i64) -> Result<Institution> {
    loaders(ctx)?
        .row_for(ctx.field(), InstitutionId(id), Institution::columns_of)
        .await?
        .map(Institution)
        .ok_or_else(|| missing_institution(id).into())
}

/// A course or application names an institution that is not there: a
/// broken invariant (foreign keys prevent it).
pub fn missing_institution(id: i64) -> AppError {
    AppError::Internal(format!("institution {id} is referenced but missing"))
}

pub struct Sanction(pub sanction::Model);

/// Loss of the right to set courses (コース設定の権利).
/// Guideline II.3(2): in the intake years fromYear to untilYear the
/// institution may not be the responsible institution of a course. Public.
#[Object]
impl Sanction {
    /// A global ID (not a Node: reach it through its institution).
    pub async fn id(&self) -> ID {
        ids::encode(ids::SANCTION, self.0.id)
    }
    /// The institution that lost the right.
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        institution_for_field(ctx, self.0.institution_id).await
    }
    /// The course whose withdrawal or handover led to it; null when the
    /// board named none, or when this viewer may not see the course.
    async fn course(&self, ctx: &Context<'_>) -> Result<Option<Course>> {
        match self.0.course_id {
            Some(id) => super::course::course_for_field(ctx, id).await,
            None => Ok(None),
        }
    }
    /// Why the right was lost.
    async fn reason(&self) -> SanctionReason {
        self.0.reason
    }
    /// The first intake year covered.
    async fn from_year(&self) -> i32 {
        self.0.from_year
    }
    /// The last intake year covered, inclusive.
    async fn until_year(&self) -> i32 {
        self.0.until_year
    }
}

pub struct QuotaReduction(pub quota_reduction::Model);

/// Seats taken from an institution after a trainee left without special circumstances.
/// Guideline III.3: one departure costs one seat of the regular program
/// and one of the clinician scientist courses, in one intake year. Public.
#[Object]
impl QuotaReduction {
    /// A global ID (not a Node: reach it through its institution or the
    /// departure).
    pub async fn id(&self) -> ID {
        ids::encode(ids::QUOTA_REDUCTION, self.0.id)
    }
    /// The responsible institution that loses the seats.
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        institution_for_field(ctx, self.0.institution_id).await
    }
    /// The intake year whose seats are cut: the first after the departure
    /// whose cycle was still recruiting (PLANNING or EARLY_CALL_OPEN, or not
    /// created yet) when the departure was recorded.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Seats taken from the institution's regular specialty program
    /// (一般の専門研修の定員): 1. Recorded for the societies' systems, which
    /// own that number; this service applies none of it.
    async fn regular_program_seats(&self) -> i32 {
        self.0.regular_program_seats
    }
    /// Seats taken from its courses of that year (臨床研究医コースの定員): 1.
    /// Its courses must offer more seats than it lost, and adoptions into
    /// them stop that many seats earlier.
    async fn course_seats(&self) -> i32 {
        self.0.course_seats
    }
    /// Set when the board granted special circumstances after the seats
    /// were taken: the reduction no longer applies.
    async fn cancelled_at(&self) -> Option<DateTime> {
        self.0.cancelled_at.map(DateTime)
    }
}

/// A hospital the board registers (createInstitution).
#[derive(InputObject)]
pub struct CreateInstitutionInput {
    /// The name in Japanese, 1 to 200 characters (trimmed).
    pub name: String,
    /// The name in English, up to 200 characters; blank or omitted: none.
    pub name_en: Option<String>,
    /// University hospital, national centre, public or other hospital.
    pub kind: InstitutionKind,
    /// one of the 47 prefectures, in Japanese, written exactly so: 東京都,
    /// not Tokyo or 東京.
    pub prefecture: String,
    /// Whether it is a certified training facility of the regular specialty
    /// programs (連携施設の要件); with certifiedFields, true exactly when that
    /// list is not empty (else BAD_USER_INPUT).
    pub certified_training_facility: bool,
    /// The fields in which it is a certified training facility (I.3(3)).
    /// Omitted with certifiedTrainingFacility true: every field, as the
    /// single flag meant before certification was kept per field.
    pub certified_fields: Option<Vec<FieldCode>>,
}

#[derive(Default)]
pub struct InstitutionMutation;

#[Object]
impl InstitutionMutation {
    /// The board registers a hospital (ADMIN).
    async fn create_institution(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The hospital; BAD_USER_INPUT names the first field that fails (e.g. input.prefecture)."
        )]
        input: CreateInstitutionInput,
    ) -> Result<Institution> {
        run(ctx, CreateInstitution::from(input))
            .await
            .map(Institution)
    }

    /// The board records the fields in which an institution is a certified
    /// training facility of the regular programs (ADMIN); the list replaces
    /// the one on record, and certifiedTrainingFacility follows it.
    async fn set_certified_fields(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hospital whose certification is recorded (an Institution ID).")]
        institution_id: ID,
        #[graphql(
            desc = "Every field it is certified in, in any order (repeats ignored); empty: none, and certifiedTrainingFacility becomes false. Partner sites already on courses are not revisited."
        )]
        fields: Vec<FieldCode>,
    ) -> Result<Institution> {
        let command = SetCertifiedFields {
            institution_id,
            fields,
        };
        run(ctx, command).await.map(Institution)
    }
}

impl From<CreateInstitutionInput> for CreateInstitution {
    fn from(input: CreateInstitutionInput) -> Self {
        Self {
            name: input.name,
            name_en: input.name_en,
            kind: input.kind,
            prefecture: input.prefecture,
            certified_training_facility: input.certified_training_facility,
            certified_fields: input.certified_fields,
        }
    }
}
