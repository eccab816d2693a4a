//! Writing the plan: table by table, in multi-row INSERTs.

use super::*;

impl Plan {
    /// Table by table in foreign-key order, then the PostgreSQL sequences
    /// (explicit ids do not advance them) and fresh planner statistics.
    pub(super) async fn insert(self, db: &DatabaseConnection) -> Result<(), DbErr> {
        insert_all(db, self.institutions).await?;
        insert_all(db, self.certifications).await?;
        insert_all(db, self.cycles).await?;
        insert_all(db, self.participations).await?;
        insert_all(db, self.courses).await?;
        insert_all(db, self.partner_sites).await?;
        insert_all(db, self.field_quotas).await?;
        insert_all(db, self.sanctions).await?;
        insert_all(db, self.applicants).await?;
        insert_all(db, self.applications).await?;
        insert_all(db, self.general_applications).await?;
        insert_all(db, self.trainees).await?;
        insert_all(db, self.effort_reports).await?;
        insert_all(db, self.papers).await?;
        insert_all(db, self.extensions).await?;
        insert_all(db, self.study_abroad).await?;
        insert_all(db, self.quota_reductions).await?;
        insert_all(db, self.departures).await?;
        insert_all(db, self.reports).await?;
        insert_all(db, self.versions).await?;
        insert_all(db, self.entries).await?;
        insert_all(db, self.guidance).await?;
        if db.get_database_backend() == DbBackend::Postgres {
            for table in SEQUENCED_TABLES {
                db.execute_unprepared(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     GREATEST((SELECT MAX(id) FROM {table}), 1))"
                ))
                .await?;
            }
        }
        // Fresh planner statistics for what was just written. On PostgreSQL
        // a bare ANALYZE visits every schema of the database, which takes
        // longer than the statement timeout where many schemas share one
        // (the tests' do), so only the seeded tables are named.
        let analyze = match db.get_database_backend() {
            DbBackend::Postgres => format!(
                "ANALYZE course_partner_sites, institution_certifications, {}",
                SEQUENCED_TABLES.join(", ")
            ),
            _ => "ANALYZE".to_owned(),
        };
        db.execute_unprepared(&analyze).await?;
        Ok(())
    }
}

/// The tables whose ids the seeder chose.
const SEQUENCED_TABLES: [&str; 20] = [
    "institutions",
    "recruitment_cycles",
    "participations",
    "courses",
    "field_quotas",
    "sanctions",
    "applicants",
    "applications",
    "general_applications",
    "trainees",
    "research_effort_reports",
    "papers",
    "extensions",
    "study_abroad_periods",
    "departures",
    "quota_reductions",
    "annual_reports",
    "annual_report_versions",
    "annual_report_entries",
    "guidance",
];

/// Multi-row INSERTs of as many rows as the bind-parameter limit allows,
/// each chunk in a write transaction of its own.
async fn insert_all<M, A>(db: &DatabaseConnection, rows: Vec<M>) -> Result<(), DbErr>
where
    M: IntoActiveModel<A>,
    A: ActiveModelTrait + Send,
{
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per_chunk = (MAX_PARAMS / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows
            .by_ref()
            .take(per_chunk)
            .map(|m| m.into_active_model().reset_all())
            .collect();
        let txn = begin_write(db).await?;
        // A batch job: the service's statement timeout is for requests.
        if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
            txn.execute_unprepared("SET LOCAL statement_timeout = 0")
                .await?;
        }
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
    }
    Ok(())
}
