//! Introspection's own limit: the size of the answer, estimated before it
//! runs.
//!
//! The query limits (`graphql::limits`) count each field once, but an
//! introspection list repeats its selection for every type, field or
//! argument of the schema: 90 aliases of `__schema { types { fields { type
//! { … } } } }` asked for a 64 MB answer and 1.3 GB of memory, and `fields {
//! type { fields { type { fields … } } } }` multiplies at every level.
//! So every `__schema` and `__type` selection, in any query, is costed as
//! the number of values it can return, from the lengths of this schema's
//! lists (measured once at start): under `__schema { types { … } }` a list
//! holds exactly the schema's total, elsewhere at most the longest list of
//! its kind per object. GraphiQL's and graphql-codegen's standard queries
//! stay well inside the budget (tests/api/introspection.rs).

use crate::graphql::CscSchema;
use async_graphql::Name;
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{FragmentDefinition, Selection, SelectionSet};
use std::collections::HashMap;

/// Most values one request's introspection may return, by the estimate:
/// twice the largest standard introspection query's (graphql-js with every
/// option on), so that one schema fetch passes and a second copy in the
/// same request does not need to be refused, but a flood is.
pub const MAX_VALUES: u64 = 40_000;

/// Deeper nesting of fields and fragments is refused (the introspection
/// depth limit is lower; a valid document has no fragment cycles).
const MAX_NESTING: usize = 64;

/// The lengths of this schema's introspection lists: the longest of each
/// kind, and their sums over the whole schema.
#[derive(Clone, Debug, Default)]
pub struct Shape {
    types: u64,
    directives: u64,
    longest: Lists,
    total: Lists,
}

/// Where `Shape::measure` writes one kind of list's length.
type Slot = fn(&mut Lists) -> &mut u64;

/// One number per list field of `__Type`, `__Field` and `__Directive`.
#[derive(Clone, Debug, Default)]
struct Lists {
    fields: u64,
    field_args: u64,
    directive_args: u64,
    input_fields: u64,
    enum_values: u64,
    interfaces: u64,
    possible_types: u64,
    locations: u64,
}

/// Which objects a selection applies to: all of a kind (then a list under
/// it has exactly the schema's total length), or some (then each object's
/// list has at most the longest length of its kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    Schema,
    AllTypes,
    AllFields,
    AllDirectives,
    Some,
}

/// The schema's own lists, read through introspection itself.
const SHAPE_QUERY: &str = "{ __schema { types { fields(includeDeprecated: true) { args { name } } \
     inputFields { name } enumValues(includeDeprecated: true) { name } interfaces { name } \
     possibleTypes { name } } directives { locations args { name } } } }";

impl Shape {
    /// Measures `schema` (once, at start).
    pub async fn measure(schema: &CscSchema) -> Self {
        let response = schema.execute(SHAPE_QUERY).await;
        let data = response.data.into_json().unwrap_or_default();
        let list = |v: &serde_json::Value| v.as_array().cloned().unwrap_or_default();
        let types = list(&data["__schema"]["types"]);
        let directives = list(&data["__schema"]["directives"]);
        let fields: Vec<serde_json::Value> =
            types.iter().flat_map(|t| list(&t["fields"])).collect();
        let lengths = |items: &[serde_json::Value], key: &str| -> (u64, u64) {
            items
                .iter()
                .map(|item| list(&item[key]).len() as u64)
                .fold((0, 0), |(longest, total), n| (longest.max(n), total + n))
        };
        let mut shape = Self {
            types: types.len() as u64,
            directives: directives.len() as u64,
            ..Self::default()
        };
        let kinds: [(&str, &[serde_json::Value], Slot); 8] = [
            ("fields", &types, |l| &mut l.fields),
            ("args", &fields, |l| &mut l.field_args),
            ("args", &directives, |l| &mut l.directive_args),
            ("inputFields", &types, |l| &mut l.input_fields),
            ("enumValues", &types, |l| &mut l.enum_values),
            ("interfaces", &types, |l| &mut l.interfaces),
            ("possibleTypes", &types, |l| &mut l.possible_types),
            ("locations", &directives, |l| &mut l.locations),
        ];
        for (key, items, slot) in kinds {
            let (longest, total) = lengths(items, key);
            *slot(&mut shape.longest) = longest;
            *slot(&mut shape.total) = total;
        }
        shape
    }

    /// How many values the field `name` holds under `times` objects of
    /// `reach`, and what its own selection then reaches.
    fn field(&self, reach: Reach, times: u64, name: &str) -> (u64, Reach) {
        match (reach, name) {
            (Reach::Schema, "types") => (self.types, Reach::AllTypes),
            (Reach::Schema, "directives") => (self.directives, Reach::AllDirectives),
            (Reach::AllTypes, "fields") => (self.total.fields, Reach::AllFields),
            (Reach::AllTypes, "inputFields") => (self.total.input_fields, Reach::Some),
            (Reach::AllTypes, "enumValues") => (self.total.enum_values, Reach::Some),
            (Reach::AllTypes, "interfaces") => (self.total.interfaces, Reach::Some),
            (Reach::AllTypes, "possibleTypes") => (self.total.possible_types, Reach::Some),
            (Reach::AllFields, "args") => (self.total.field_args, Reach::Some),
            (Reach::AllDirectives, "args") => (self.total.directive_args, Reach::Some),
            (Reach::AllDirectives, "locations") => (self.total.locations, Reach::Some),
            (_, name) => {
                let longest = match name {
                    "types" => self.types,
                    "directives" => self.directives,
                    "fields" => self.longest.fields,
                    "args" => self.longest.field_args.max(self.longest.directive_args),
                    "inputFields" => self.longest.input_fields,
                    "enumValues" => self.longest.enum_values,
                    "interfaces" => self.longest.interfaces,
                    "possibleTypes" => self.longest.possible_types,
                    "locations" => self.longest.locations,
                    // Not a list: one value per object.
                    _ => 1,
                };
                (times.saturating_mul(longest.max(1)), Reach::Some)
            }
        }
    }

    /// The most values the `__schema` and `__type` fields of `selection`
    /// (an operation's root) can return; other root fields count nothing.
    /// `None` when it cannot be told (nested too deep, an unknown fragment).
    pub fn estimate(
        &self,
        selection: &SelectionSet,
        fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
    ) -> Option<u64> {
        Walker {
            shape: self,
            fragments,
        }
        .roots(selection, 0)
    }
}

struct Walker<'a> {
    shape: &'a Shape,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
}

impl Walker<'_> {
    fn roots(&self, selection: &SelectionSet, depth: usize) -> Option<u64> {
        if depth > MAX_NESTING {
            return None;
        }
        let mut total = 0u64;
        for item in &selection.items {
            let values = match &item.node {
                Selection::Field(field) => {
                    let reach = match field.node.name.node.as_str() {
                        "__schema" => Reach::Schema,
                        "__type" => Reach::Some,
                        _ => continue,
                    };
                    1 + self.values(&field.node.selection_set.node, reach, 1, 0)?
                }
                Selection::FragmentSpread(spread) => {
                    let fragment = self.fragments.get(&spread.node.fragment_name.node)?;
                    self.roots(&fragment.node.selection_set.node, depth + 1)?
                }
                Selection::InlineFragment(inline) => {
                    self.roots(&inline.node.selection_set.node, depth + 1)?
                }
            };
            total = total.saturating_add(values);
        }
        Some(total)
    }

    /// Values under `times` objects of `reach`, each with `selection`.
    fn values(
        &self,
        selection: &SelectionSet,
        reach: Reach,
        times: u64,
        depth: usize,
    ) -> Option<u64> {
        if depth > MAX_NESTING {
            return None;
        }
        let mut total = 0u64;
        for item in &selection.items {
            let values = match &item.node {
                Selection::Field(field) => {
                    let (count, below) = self.shape.field(reach, times, &field.node.name.node);
                    let under =
                        self.values(&field.node.selection_set.node, below, count, depth + 1)?;
                    count.saturating_add(under)
                }
                Selection::FragmentSpread(spread) => {
                    let fragment = self.fragments.get(&spread.node.fragment_name.node)?;
                    self.values(&fragment.node.selection_set.node, reach, times, depth + 1)?
                }
                Selection::InlineFragment(inline) => {
                    self.values(&inline.node.selection_set.node, reach, times, depth + 1)?
                }
            };
            total = total.saturating_add(values);
        }
        Some(total)
    }
}
