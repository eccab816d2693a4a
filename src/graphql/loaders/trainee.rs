//! Trainees and their record: what the course-year rules read
//! (`entity::facts::TraineeRecord`), one statement for a page's records.

use super::{Db, group, index};
use crate::entity::facts::TraineeRecord;
use crate::entity::record::{self, RecordKey};
use crate::entity::trainee;
use crate::graphql::visibility;
use async_graphql::dataloader::Loader;
use sea_orm::{DbErr, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

keys! {
    /// A trainee the viewer may see.
    TraineeId(i64);
    /// The trainee record of an applicant, if the viewer may see it.
    TraineeOfApplicant(i64);
    /// The trainees of a course that the viewer may see.
    TraineesOfCourse(i64);
}

impl Loader<TraineeId> for Db {
    type Value = trainee::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[TraineeId]) -> Result<HashMap<TraineeId, Self::Value>, DbErr> {
        let select = trainee::Entity::find().filter(visibility::trainees(&self.viewer));
        let rows = self
            .rows_in(select, trainee::Column::Id, keys.iter().map(|k| k.0))
            .await?;
        Ok(index(rows, |m| TraineeId(m.id)))
    }
}

impl Loader<TraineeOfApplicant> for Db {
    type Value = trainee::Model;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[TraineeOfApplicant],
    ) -> Result<HashMap<TraineeOfApplicant, Self::Value>, DbErr> {
        let select = trainee::Entity::find().filter(visibility::trainees(&self.viewer));
        let rows = self
            .rows_in(
                select,
                trainee::Column::ApplicantId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(index(rows, |m| TraineeOfApplicant(m.applicant_id)))
    }
}

impl Loader<TraineesOfCourse> for Db {
    type Value = Vec<trainee::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[TraineesOfCourse],
    ) -> Result<HashMap<TraineesOfCourse, Self::Value>, DbErr> {
        let select = trainee::Entity::find()
            .filter(visibility::trainees(&self.viewer))
            .order_by_asc(trainee::Column::Id);
        let rows = self
            .rows_in(select, trainee::Column::CourseId, keys.iter().map(|k| k.0))
            .await?;
        Ok(group(rows, |m| TraineesOfCourse(m.course_id)))
    }
}

/// Records of the trainees asked for, in one statement (`entity::record`).
impl Loader<RecordKey> for Db {
    type Value = TraineeRecord;
    type Error = DbErr;

    async fn load(&self, keys: &[RecordKey]) -> Result<HashMap<RecordKey, TraineeRecord>, DbErr> {
        record::read_many(&self.db, keys).await
    }
}
