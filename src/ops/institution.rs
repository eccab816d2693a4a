//! Institutions (ADMIN): registering a hospital, and the fields in which it
//! is a certified training facility of the regular programs (I.3(3)).

use super::guards::parse_id;
use super::{Caller, Operation};
use crate::audit;
use crate::catalog::SocietyCatalog;
use crate::db::begin_write;
use crate::domain::validate;
use crate::entity::enums::{AuditOutcome, FieldCode, InstitutionKind, Role};
use crate::entity::{institution, institution_certification};
use crate::error::{AppError, AppResult};
use crate::ids;
use async_graphql::ID;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// `createInstitution`: the board registers a hospital.
pub struct CreateInstitution {
    pub name: String,
    pub name_en: Option<String>,
    pub kind: InstitutionKind,
    pub prefecture: String,
    pub certified_training_facility: bool,
    /// `None` with the flag set: every field.
    pub certified_fields: Option<Vec<FieldCode>>,
}

/// `setCertifiedFields`: the list replaces the one on record.
pub struct SetCertifiedFields {
    pub institution_id: ID,
    pub fields: Vec<FieldCode>,
}

impl Operation for CreateInstitution {
    const NAME: &'static str = "createInstitution";
    type Output = institution::Model;

    async fn run(self, caller: Caller<'_>) -> AppResult<institution::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Admin])?;
        let name =
            validate::name(&self.name, 200).map_err(|m| AppError::bad_input("input.name", m))?;
        let name_en = validate::optional_name(self.name_en.as_deref(), 200)
            .map_err(|m| AppError::bad_input("input.nameEn", m))?;
        let prefecture = validate::prefecture(&self.prefecture)
            .map_err(|m| AppError::bad_input("input.prefecture", m))?;
        let fields = certified_fields(&self)?;
        let txn = begin_write(caller.db).await?;
        let row = institution::ActiveModel {
            name: Set(name),
            name_en: Set(name_en),
            kind: Set(self.kind),
            prefecture: Set(prefecture.to_owned()),
            certified_training_facility: Set(self.certified_training_facility),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        write_certifications(&txn, caller.societies, row.id, &fields).await?;
        let id = ids::encode(ids::INSTITUTION, row.id);
        audit::record(
            &txn,
            viewer,
            Self::NAME,
            Some(&id),
            AuditOutcome::Ok,
            format!("created institution {} ({})", row.name, row.prefecture),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
}

impl Operation for SetCertifiedFields {
    const NAME: &'static str = "setCertifiedFields";
    type Output = institution::Model;

    fn target(&self) -> Option<ID> {
        Some(self.institution_id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<institution::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Admin])?;
        let id = parse_id(&self.institution_id, ids::INSTITUTION, "institutionId")?;
        let fields = distinct(&self.fields);
        let txn = begin_write(caller.db).await?;
        let row = institution::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        write_certifications(&txn, caller.societies, row.id, &fields).await?;
        let mut active: institution::ActiveModel = row.into();
        active.certified_training_facility = Set(!fields.is_empty());
        let row = active.update(&txn).await?;
        let names: Vec<String> = fields.iter().map(|f| format!("{f:?}")).collect();
        audit::record(
            &txn,
            viewer,
            Self::NAME,
            Some(&ids::encode(ids::INSTITUTION, row.id)),
            AuditOutcome::Ok,
            format!("{} is certified in: {}", row.name, names.join(", ")),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
}

/// The certified fields of a new institution, checked against its flag.
fn certified_fields(input: &CreateInstitution) -> AppResult<Vec<FieldCode>> {
    match (&input.certified_fields, input.certified_training_facility) {
        (None, true) => Ok(all_fields()),
        (None, false) => Ok(Vec::new()),
        (Some(fields), flag) => {
            let fields = distinct(fields);
            if flag == fields.is_empty() {
                return Err(AppError::bad_input(
                    "input.certifiedFields",
                    "must be non-empty exactly when certifiedTrainingFacility is true",
                ));
            }
            Ok(fields)
        }
    }
}

fn all_fields() -> Vec<FieldCode> {
    use sea_orm::Iterable;
    FieldCode::iter().collect()
}

fn distinct(fields: &[FieldCode]) -> Vec<FieldCode> {
    let mut out: Vec<FieldCode> = Vec::with_capacity(fields.len());
    for f in fields {
        if !out.contains(f) {
            out.push(*f);
        }
    }
    out
}

/// Replaces the institution's certified fields with `fields`.
async fn write_certifications(
    conn: &impl ConnectionTrait,
    catalog: &SocietyCatalog,
    institution_id: i64,
    fields: &[FieldCode],
) -> AppResult<()> {
    institution_certification::Entity::delete_many()
        .filter(institution_certification::Column::InstitutionId.eq(institution_id))
        .exec(conn)
        .await?;
    let rows: Vec<institution_certification::ActiveModel> = fields
        .iter()
        .filter_map(|f| catalog.by_code(*f))
        .map(|s| institution_certification::ActiveModel {
            institution_id: Set(institution_id),
            society_id: Set(s.id),
        })
        .collect();
    if !rows.is_empty() {
        institution_certification::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}
