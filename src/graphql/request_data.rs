//! What one request (or one WebSocket connection) carries into the schema
//! for its viewer: the viewer itself, its loaders, and the applicants whose
//! personal data it shows, for the audit. Built in one place for
//! `POST`/`GET /graphql` (`crate::handler`) and `/graphql/ws` (`crate::ws`).

use super::loaders::Loaders;
use crate::audit::PersonalDataReads;
use crate::auth::Viewer;
use async_graphql::Data;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

pub struct RequestData {
    pub viewer: Viewer,
    /// A clone shares the batches: the handler paces the execution with it.
    pub loaders: Loaders,
    /// Taken after the response, for the audit (APPI).
    pub reads: Arc<PersonalDataReads>,
}

impl RequestData {
    /// The data of a request by `viewer`. A query's loaders read each key
    /// once and take the rows its pages joined in (`caching`); a
    /// mutation's result, and each event of a subscription, must see the
    /// writes before it, so theirs keep nothing.
    pub fn new(db: &DatabaseConnection, viewer: Viewer, caching: bool) -> Self {
        let loaders = if caching {
            Loaders::for_query(db, &viewer)
        } else {
            Loaders::new(db, &viewer)
        };
        Self {
            viewer,
            loaders,
            reads: Arc::new(PersonalDataReads::default()),
        }
    }

    /// Puts it where the resolvers find it: a request's or a connection's data.
    pub fn insert_into(&self, data: &mut Data) {
        data.insert(self.viewer.clone());
        data.insert(self.loaders.clone());
        data.insert(Arc::clone(&self.reads));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::enums::Role;
    use std::any::TypeId;

    fn admin() -> Viewer {
        Viewer {
            role: Some(Role::Admin),
            ..Viewer::anonymous()
        }
    }

    #[test]
    fn a_query_caches_and_anything_else_reads_afresh() {
        let db = DatabaseConnection::default();
        assert!(RequestData::new(&db, admin(), true).loaders.caches());
        assert!(!RequestData::new(&db, admin(), false).loaders.caches());
    }

    #[test]
    fn the_resolvers_find_the_viewer_the_loaders_and_the_reads() {
        let request = RequestData::new(&DatabaseConnection::default(), admin(), true);
        let mut data = Data::default();
        request.insert_into(&mut data);
        let get = |id: TypeId| data.get(&id);
        let viewer = get(TypeId::of::<Viewer>()).and_then(|v| v.downcast_ref::<Viewer>());
        assert_eq!(viewer.and_then(|v| v.role), Some(Role::Admin));
        assert!(get(TypeId::of::<Loaders>()).is_some());
        let reads = get(TypeId::of::<Arc<PersonalDataReads>>())
            .and_then(|r| r.downcast_ref::<Arc<PersonalDataReads>>())
            .expect("the reads");
        assert!(Arc::ptr_eq(reads, &request.reads));
    }
}
