//! Joins between entities that have no SeaORM relation declared, for the
//! queries of `crate::ops` and `crate::graphql` alike.

use super::{applicant, application, course};
use sea_orm::EntityTrait;

/// applications.course_id → courses.id, for joins.
pub fn join_course() -> sea_orm::RelationDef {
    application::Entity::belongs_to(course::Entity)
        .from(application::Column::CourseId)
        .to(course::Column::Id)
        .into()
}

/// applications.applicant_id → applicants.id, for joins.
pub fn join_applicant() -> sea_orm::RelationDef {
    application::Entity::belongs_to(applicant::Entity)
        .from(application::Column::ApplicantId)
        .to(applicant::Column::Id)
        .into()
}
