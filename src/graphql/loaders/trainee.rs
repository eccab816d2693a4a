//! Trainees and their record: what the course-year rules read
//! (`entity::facts::TraineeRecord`), one statement per part for a page.

use super::{Db, group, index};
use crate::domain::training::CourseRules;
use crate::entity::{
    course, departure, extension, paper, recruitment_cycle, research_effort_report, study_abroad,
    trainee,
};
use crate::graphql::visibility;
use async_graphql::dataloader::Loader;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};
use std::collections::HashMap;

keys! {
    /// A trainee the viewer may see.
    TraineeId(i64);
    /// The trainee record of an applicant, if the viewer may see it.
    TraineeOfApplicant(i64);
    /// The trainees of a course that the viewer may see.
    TraineesOfCourse(i64);
    /// The course-year rules of a course, from its cycle.
    RulesOf(i64);
    /// A trainee's papers.
    PapersOf(i64);
    /// A trainee's extensions.
    ExtensionsOf(i64);
    /// A trainee's research periods elsewhere, by start.
    StudyAbroadOf(i64);
    /// A trainee's departure.
    DepartureOf(i64);
    /// A trainee's research effort per training year, by year.
    EffortReportsOf(i64);
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

impl Loader<RulesOf> for Db {
    type Value = CourseRules;
    type Error = DbErr;

    /// One join: each course with the cycle of its year.
    async fn load(&self, keys: &[RulesOf]) -> Result<HashMap<RulesOf, CourseRules>, DbErr> {
        let course_of_cycle = recruitment_cycle::Entity::belongs_to(course::Entity)
            .from(recruitment_cycle::Column::Year)
            .to(course::Column::Year)
            .into();
        let query = recruitment_cycle::Entity::find()
            .column_as(course::Column::Id, "rules_course_id")
            .join(JoinType::InnerJoin, course_of_cycle)
            .filter(course::Column::Id.is_in(keys.iter().map(|k| k.0)));
        let rows = self
            .db
            .query_all_raw(self.db.get_database_backend().build(&query.into_query()))
            .await?;
        let mut out = HashMap::new();
        for row in rows {
            let course_id: i64 = row.try_get("", "rules_course_id")?;
            let cycle = recruitment_cycle::Model::from_query_result(&row, "")?;
            out.insert(RulesOf(course_id), CourseRules::from(&cycle));
        }
        Ok(out)
    }
}

impl Loader<PapersOf> for Db {
    type Value = Vec<paper::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[PapersOf]) -> Result<HashMap<PapersOf, Self::Value>, DbErr> {
        let select = paper::Entity::find().order_by_asc(paper::Column::Id);
        let rows = self
            .rows_in(select, paper::Column::TraineeId, keys.iter().map(|k| k.0))
            .await?;
        Ok(group(rows, |m| PapersOf(m.trainee_id)))
    }
}

impl Loader<EffortReportsOf> for Db {
    type Value = Vec<research_effort_report::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[EffortReportsOf],
    ) -> Result<HashMap<EffortReportsOf, Self::Value>, DbErr> {
        let select = research_effort_report::Entity::find()
            .order_by_asc(research_effort_report::Column::Year);
        let rows = self
            .rows_in(
                select,
                research_effort_report::Column::TraineeId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| EffortReportsOf(m.trainee_id)))
    }
}

impl Loader<ExtensionsOf> for Db {
    type Value = Vec<extension::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[ExtensionsOf],
    ) -> Result<HashMap<ExtensionsOf, Self::Value>, DbErr> {
        let select = extension::Entity::find().order_by_asc(extension::Column::Id);
        let rows = self
            .rows_in(
                select,
                extension::Column::TraineeId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| ExtensionsOf(m.trainee_id)))
    }
}

impl Loader<StudyAbroadOf> for Db {
    type Value = Vec<study_abroad::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[StudyAbroadOf],
    ) -> Result<HashMap<StudyAbroadOf, Self::Value>, DbErr> {
        let select = study_abroad::Entity::find()
            .order_by_asc(study_abroad::Column::StartsOn)
            .order_by_asc(study_abroad::Column::Id);
        let rows = self
            .rows_in(
                select,
                study_abroad::Column::TraineeId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| StudyAbroadOf(m.trainee_id)))
    }
}

impl Loader<DepartureOf> for Db {
    type Value = departure::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[DepartureOf]) -> Result<HashMap<DepartureOf, Self::Value>, DbErr> {
        let rows = self
            .rows_in(
                departure::Entity::find(),
                departure::Column::TraineeId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(index(rows, |m| DepartureOf(m.trainee_id)))
    }
}
