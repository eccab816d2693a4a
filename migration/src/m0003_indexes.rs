//! Indexes for the foreign keys and filters that 0001 left unindexed.

use crate::dialect::run_script;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_indexes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, include_str!("sql/0004_indexes.sql")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in [
            "DROP INDEX IF EXISTS annual_reports_year",
            "DROP INDEX IF EXISTS participations_year",
            "CREATE INDEX IF NOT EXISTS courses_status ON courses (status)",
            "DROP INDEX IF EXISTS courses_status_id",
            "DROP INDEX IF EXISTS sanctions_course",
            "DROP INDEX IF EXISTS courses_research_host_institution",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
