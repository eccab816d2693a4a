//! Institution's plain fields, as `Institution`'s resolvers answer them.

use super::{Selected, TYPENAME, object};
use crate::entity::institution;
use crate::ids;
use async_graphql::parser::types::SelectionSet;
use async_graphql::resolver_utils::enum_value;
use async_graphql::{Name, ScalarType, ServerResult, Value};

pub enum InstitutionField {
    Typename,
    Id,
    Name,
    NameEn,
    Kind,
    Prefecture,
    CertifiedTrainingFacility,
}

pub type InstitutionFields = Vec<(Name, InstitutionField)>;

/// The fields selected of an institution, or `None` for the executor.
pub fn fields<'a>(selected: &Selected<'a>, set: &'a SelectionSet) -> Option<InstitutionFields> {
    use InstitutionField as F;
    selected.fields(set, "Institution", &mut |field| {
        Some(match field.name.node.as_str() {
            TYPENAME => F::Typename,
            "id" => F::Id,
            "name" => F::Name,
            "nameEn" => F::NameEn,
            "kind" => F::Kind,
            "prefecture" => F::Prefecture,
            "certifiedTrainingFacility" => F::CertifiedTrainingFacility,
            _ => return None,
        })
    })
}

pub fn write(fields: &InstitutionFields, m: &institution::Model) -> ServerResult<Value> {
    use InstitutionField as F;
    object(fields, |field| {
        Ok(match field {
            F::Typename => Value::from("Institution"),
            F::Id => ids::encode(ids::INSTITUTION, m.id).to_value(),
            F::Name => Value::from(m.name.as_str()),
            F::NameEn => m.name_en.as_deref().map_or(Value::Null, Value::from),
            F::Kind => enum_value(m.kind),
            F::Prefecture => Value::from(m.prefecture.as_str()),
            F::CertifiedTrainingFacility => Value::from(m.certified_training_facility),
        })
    })
}
