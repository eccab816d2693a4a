//! Institutions, their sanctions and quota reductions.

use super::audit;
use super::context::{db, loaders, today, viewer};
use super::course::{Course, CourseConnection};
use super::ids;
use super::loaders::{
    InstitutionCourseCount, InstitutionCourses, InstitutionId, QuotaReductionsOf, SanctionsOf,
    SuspendedUntil,
};
use super::pagination::{PageArgs, TotalCount, connection, fetch_page};
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::validate;
use crate::entity::enums::{AuditOutcome, InstitutionKind, Role, SanctionReason};
use crate::entity::{institution, quota_reduction, sanction};
use crate::error::{AppError, AppResult};
use async_graphql::{Context, ID, InputObject, Object, Result};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

#[derive(Clone)]
pub struct Institution(pub institution::Model);

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

#[Object]
impl Institution {
    pub async fn id(&self) -> ID {
        ids::encode(ids::INSTITUTION, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn name_en(&self) -> Option<&str> {
        self.0.name_en.as_deref()
    }
    async fn kind(&self) -> InstitutionKind {
        self.0.kind
    }
    /// one of the 47 prefectures, in Japanese (東京都, 大阪府, ...)
    async fn prefecture(&self) -> &str {
        &self.0.prefecture
    }
    /// a certified training facility of the regular specialty programs (連携施設の要件)
    async fn certified_training_facility(&self) -> bool {
        self.0.certified_training_facility
    }

    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn courses(
        &self,
        ctx: &Context<'_>,
        year: Option<i32>,
        first: Option<i32>,
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

    /// the last year in which the institution may not set courses; null when it may
    async fn course_setting_suspended_until(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        let key = SuspendedUntil {
            institution_id: self.0.id,
            from_year: chrono::Datelike::year(&today(ctx)),
        };
        Ok(loaders(ctx)?.one(key).await?)
    }

    #[graphql(complexity = "1 + super::pagination::LIST_FANOUT * child_complexity")]
    async fn sanctions(&self, ctx: &Context<'_>) -> Result<Vec<Sanction>> {
        let rows = loaders(ctx)?.list(SanctionsOf(self.0.id)).await?;
        Ok(rows.into_iter().map(Sanction).collect())
    }

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
        .ok_or_else(|| {
            AppError::Internal(format!("institution {id} is referenced but missing")).into()
        })
}

/// Loss of the right to set courses (コース設定の権利).
pub struct Sanction(pub sanction::Model);

#[Object]
impl Sanction {
    pub async fn id(&self) -> ID {
        ids::encode(ids::SANCTION, self.0.id)
    }
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        institution_by_id(ctx, self.0.institution_id).await
    }
    async fn course(&self, ctx: &Context<'_>) -> Result<Option<Course>> {
        match self.0.course_id {
            Some(id) => super::course::visible_course(ctx, id).await,
            None => Ok(None),
        }
    }
    async fn reason(&self) -> SanctionReason {
        self.0.reason
    }
    async fn from_year(&self) -> i32 {
        self.0.from_year
    }
    async fn until_year(&self) -> i32 {
        self.0.until_year
    }
}

/// Seats taken from an institution after a trainee left without special circumstances.
pub struct QuotaReduction(pub quota_reduction::Model);

#[Object]
impl QuotaReduction {
    pub async fn id(&self) -> ID {
        ids::encode(ids::QUOTA_REDUCTION, self.0.id)
    }
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        institution_by_id(ctx, self.0.institution_id).await
    }
    async fn year(&self) -> i32 {
        self.0.year
    }
    async fn regular_program_seats(&self) -> i32 {
        self.0.regular_program_seats
    }
    async fn course_seats(&self) -> i32 {
        self.0.course_seats
    }
}

#[derive(InputObject)]
pub struct CreateInstitutionInput {
    pub name: String,
    pub name_en: Option<String>,
    pub kind: InstitutionKind,
    /// one of the 47 prefectures, in Japanese
    pub prefecture: String,
    pub certified_training_facility: bool,
}

#[derive(Default)]
pub struct InstitutionMutation;

#[Object]
impl InstitutionMutation {
    /// The board registers a hospital (ADMIN).
    async fn create_institution(
        &self,
        ctx: &Context<'_>,
        input: CreateInstitutionInput,
    ) -> Result<Institution> {
        let result = create_institution(db(ctx), viewer(ctx), input).await;
        audit::record_refusal(ctx, "createInstitution", None, &result).await;
        Ok(Institution(result?))
    }
}

async fn create_institution(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: CreateInstitutionInput,
) -> AppResult<institution::Model> {
    viewer.require(&[Role::Admin])?;
    let name =
        validate::name(&input.name, 200).map_err(|m| AppError::bad_input("input.name", m))?;
    let name_en = validate::optional_name(input.name_en.as_deref(), 200)
        .map_err(|m| AppError::bad_input("input.nameEn", m))?;
    let prefecture = validate::prefecture(&input.prefecture)
        .map_err(|m| AppError::bad_input("input.prefecture", m))?;
    let txn = begin_write(db).await?;
    let row = institution::ActiveModel {
        name: Set(name),
        name_en: Set(name_en),
        kind: Set(input.kind),
        prefecture: Set(prefecture.to_owned()),
        certified_training_facility: Set(input.certified_training_facility),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let id = ids::encode(ids::INSTITUTION, row.id);
    audit::record(
        &txn,
        viewer,
        "createInstitution",
        Some(&id),
        AuditOutcome::Ok,
        format!("created institution {} ({})", row.name, row.prefecture),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}
