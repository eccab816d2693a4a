//! The initial schema and the 19 basic-field societies.

use crate::dialect::run_script;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_schema"
    }
}

/// Tables in reverse order of their foreign keys, for `down`.
const TABLES: &[&str] = &[
    "audit_events",
    "guidance",
    "annual_report_entries",
    "annual_report_versions",
    "annual_reports",
    "sanctions",
    "departures",
    "quota_reductions",
    "study_abroad_periods",
    "extensions",
    "papers",
    "trainees",
    "general_applications",
    "applications",
    "applicants",
    "field_quotas",
    "course_partner_sites",
    "courses",
    "participations",
    "recruitment_cycles",
    "institutions",
    "societies",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, include_str!("sql/0001_schema.sql")).await?;
        run_script(manager, include_str!("sql/0002_societies.sql")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .get_connection()
                .execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
