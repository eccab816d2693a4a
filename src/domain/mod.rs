//! The course's rules as pure functions: no database, no I/O.

pub mod eligibility;
pub mod quota;
pub mod training;
pub mod validate;
