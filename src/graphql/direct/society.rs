//! Society's plain fields, as `Society`'s resolvers answer them.

use super::{Selected, TYPENAME, object};
use crate::entity::society;
use crate::ids;
use async_graphql::parser::types::SelectionSet;
use async_graphql::resolver_utils::enum_value;
use async_graphql::{Name, ScalarType, ServerResult, Value};

pub enum SocietyField {
    Typename,
    Id,
    Code,
    FieldNameJa,
    FieldNameEn,
    NameJa,
    NameEn,
    OperatedByBoard,
}

pub type SocietyFields = Vec<(Name, SocietyField)>;

/// The fields selected of a society, or `None` for the executor.
pub fn fields<'a>(selected: &Selected<'a>, set: &'a SelectionSet) -> Option<SocietyFields> {
    use SocietyField as F;
    selected.fields(set, "Society", &mut |field| {
        Some(match field.name.node.as_str() {
            TYPENAME => F::Typename,
            "id" => F::Id,
            "code" => F::Code,
            "fieldNameJa" => F::FieldNameJa,
            "fieldNameEn" => F::FieldNameEn,
            "nameJa" => F::NameJa,
            "nameEn" => F::NameEn,
            "operatedByBoard" => F::OperatedByBoard,
            _ => return None,
        })
    })
}

pub fn write(fields: &SocietyFields, m: &society::Model) -> ServerResult<Value> {
    use SocietyField as F;
    object(fields, |field| {
        Ok(match field {
            F::Typename => Value::from("Society"),
            F::Id => ids::encode(ids::SOCIETY, m.id).to_value(),
            F::Code => enum_value(m.code),
            F::FieldNameJa => Value::from(m.field_name_ja.as_str()),
            F::FieldNameEn => Value::from(m.field_name_en.as_str()),
            F::NameJa => Value::from(m.name_ja.as_str()),
            F::NameEn => Value::from(m.name_en.as_str()),
            F::OperatedByBoard => Value::from(m.operated_by_board),
        })
    })
}
