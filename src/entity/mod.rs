//! SeaORM models, one per table. Behaviour lives in `domain` (the rules),
//! `ops` (the writes) and `graphql` (the reads).

pub mod annual_report;
pub mod annual_report_entry;
pub mod annual_report_version;
pub mod applicant;
pub mod application;
pub mod audit_event;
pub mod course;
pub mod course_partner_site;
pub mod demo_fact;
pub mod departure;
pub mod enums;
pub mod extension;
pub mod facts;
pub mod field_quota;
pub mod general_application;
pub mod guidance;
pub mod idempotency_key;
pub mod institution;
pub mod institution_certification;
pub mod joins;
pub mod paper;
pub mod participation;
pub mod quota_reduction;
pub mod record;
pub mod recruitment_cycle;
pub mod research_effort_report;
pub mod sanction;
pub mod society;
pub mod study_abroad;
pub mod trainee;
