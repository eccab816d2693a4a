//! The 19 basic-field societies, held in memory.

use crate::entity::enums::FieldCode;
use crate::entity::society;
use std::sync::Arc;

/// The 19 societies, loaded once at start: they are seeded by a migration
/// and never change, so no request needs to query them.
#[derive(Clone)]
pub struct SocietyCatalog(Arc<Vec<society::Model>>);

impl SocietyCatalog {
    pub fn new(mut rows: Vec<society::Model>) -> Self {
        rows.sort_by_key(|s| s.position);
        Self(Arc::new(rows))
    }

    pub fn all(&self) -> &[society::Model] {
        &self.0
    }

    pub fn by_id(&self, id: i64) -> Option<&society::Model> {
        self.0.iter().find(|s| s.id == id)
    }

    pub fn by_code(&self, code: FieldCode) -> Option<&society::Model> {
        self.0.iter().find(|s| s.code == code)
    }
}
