//! Integration tests: the real router over a fresh database per test.
//! SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set.

mod auth;
mod authorization;
mod concurrency;
mod course_setup;
mod demo;
mod deployment;
mod descriptions;
mod direct;
mod examples;
mod field_order;
mod graphiql;
mod hardening;
mod helpers;
mod introspection;
mod key_rotation;
mod layers;
mod pagination;
mod recruitment_rules;
mod recruitment_year;
mod registration;
mod reporting;
mod resilience;
mod schema;
mod societies;
mod statements;
mod subscriptions;
mod traceability;
mod trainee_record;
mod training;
mod visibility;
