//! The GraphQL API of Japan's clinician scientist course (臨床研究医コース).

pub mod allowlist;
pub mod auth;
pub mod compression;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod entity;
pub mod error;
pub mod events;
pub mod field_order;
pub mod graphiql;
pub mod graphql;
pub mod handler;
pub mod idempotency;
pub mod introspection;
pub mod invocation;
pub mod jwks;
pub mod metrics;
pub mod seed;
pub mod startup;
pub mod telemetry;
pub mod ws;
