//! Per-field certification, proposals and the board's confirmation,
//! society agreement on extensions, special circumstances granted by the
//! board, and research effort per year (docs/guideline.md).

use crate::dialect::run_script;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_guideline_fidelity"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, include_str!("sql/0007_guideline_fidelity.sql")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in [
            "DROP TABLE IF EXISTS research_effort_reports",
            "ALTER TABLE quota_reductions DROP COLUMN cancelled_at",
            "ALTER TABLE departures DROP COLUMN special_circumstances_decided_at",
            "ALTER TABLE departures DROP COLUMN special_circumstances_claimed",
            "ALTER TABLE extensions DROP COLUMN society_answered_at",
            "ALTER TABLE extensions DROP COLUMN society_agreed",
            "ALTER TABLE applications DROP COLUMN decision_basis",
            "ALTER TABLE applications DROP COLUMN proposed_at",
            "ALTER TABLE applications DROP COLUMN proposed_decision",
            "DROP TABLE IF EXISTS institution_certifications",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
