//! The course's rules as pure functions: no database, no I/O, nothing of
//! the service imported. Each rule names the clause of 「臨床研究医コース整備指針」
//! it implements; docs/guideline.md maps every clause to its rule and test.

pub mod course;
pub mod cycle;
pub mod departure;
pub mod eligibility;
pub mod quota;
pub mod sanction;
pub mod selection;
pub mod training;
pub mod validate;
