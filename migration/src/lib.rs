//! Database migrations of the clinician scientist course service.
//!
//! The schema is plain SQL kept in `sql/`, written once for both backends;
//! `dialect` fills in the few types that differ between SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod dialect;
mod m0001_schema;
mod m0002_idempotency;
mod m0003_indexes;
mod m0004_event_log;
mod m0005_application_pages;
mod m0006_guideline_fidelity;
mod m0007_demo_facts;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_schema::Migration),
            Box::new(m0002_idempotency::Migration),
            Box::new(m0003_indexes::Migration),
            Box::new(m0004_event_log::Migration),
            Box::new(m0005_application_pages::Migration),
            Box::new(m0006_guideline_fidelity::Migration),
            Box::new(m0007_demo_facts::Migration),
        ]
    }
}
