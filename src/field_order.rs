//! A response's `data` serialized in the query's selection order (the
//! GraphQL spec's "Serialized Map Ordering"; front ends snapshot-test on it).
//!
//! async-graphql 7.2 runs a selection's fields concurrently and inserts each
//! into the object when it completes (`FuturesUnordered` in
//! `resolver_utils::container`): a field that waited on a loader lands after
//! the fields that did not (`pageInfo` before `nodes`). The order is put
//! back while the body is written, in the one serialization pass there
//! already is: when the object's next entry is the one the selection names
//! next, that costs a comparison of two names; otherwise one hash look-up.
//! No copy of the value tree, no allocation for objects of up to 128 keys.

use async_graphql::Name;
use async_graphql::Value;
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::collections::HashMap;

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// Deeper fragment nesting than this is written in completion order (a
/// valid document has no fragment cycles; this only bounds the recursion).
const MAX_FRAGMENT_DEPTH: usize = 32;

/// The selection set of the operation that ran, if it can be told.
pub fn operation_selection<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a SelectionSet> {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name)?,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next()?,
        (DocumentOperations::Multiple(_), None) => return None,
    };
    Some(&operation.node.selection_set.node)
}

/// `value` as JSON with each object's keys in the order `selection` names
/// them. Keys the selection does not name (there should be none) follow in
/// the order they have: nothing is ever dropped.
pub struct Ordered<'a> {
    value: &'a Value,
    selection: Option<&'a SelectionSet>,
    fragments: &'a Fragments,
}

impl<'a> Ordered<'a> {
    pub fn new(
        value: &'a Value,
        document: &'a ExecutableDocument,
        selection: &'a SelectionSet,
    ) -> Self {
        Self {
            value,
            selection: Some(selection),
            fragments: &document.fragments,
        }
    }
}

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.value, self.selection) {
            (Value::Object(object), Some(selection)) if !selection.items.is_empty() => {
                let mut map = serializer.serialize_map(Some(object.len()))?;
                let mut writer = ObjectWriter {
                    object,
                    fragments: self.fragments,
                    written: Written::new(object.len()),
                    next: 0,
                };
                writer.walk(&mut map, selection, 0)?;
                writer.rest(&mut map)?;
                map.end()
            }
            (Value::List(items), Some(_)) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Ordered {
                        value: item,
                        ..*self
                    })?;
                }
                seq.end()
            }
            _ => self.value.serialize(serializer),
        }
    }
}

/// Writes one object's entries in selection order.
struct ObjectWriter<'a> {
    object: &'a IndexMap<Name, Value>,
    fragments: &'a Fragments,
    written: Written,
    /// The entry after the last one written: the likely next.
    next: usize,
}

impl<'a> ObjectWriter<'a> {
    fn walk<M: SerializeMap>(
        &mut self,
        map: &mut M,
        selection: &'a SelectionSet,
        depth: usize,
    ) -> Result<(), M::Error> {
        for item in &selection.items {
            match &item.node {
                Selection::Field(field) => {
                    let key = &field.node.response_key().node;
                    let index = match self.object.get_index(self.next) {
                        Some((name, _)) if name == key => Some(self.next),
                        _ => self.object.get_index_of(key),
                    };
                    let Some(index) = index else { continue };
                    if self.written.test_and_set(index) {
                        continue;
                    }
                    let (name, value) = self.object.get_index(index).expect("an index it found");
                    map.serialize_entry(
                        name,
                        &Ordered {
                            value,
                            selection: Some(&field.node.selection_set.node),
                            fragments: self.fragments,
                        },
                    )?;
                    self.next = index + 1;
                }
                Selection::FragmentSpread(spread) if depth < MAX_FRAGMENT_DEPTH => {
                    if let Some(fragment) = self.fragments.get(&spread.node.fragment_name.node) {
                        self.walk(map, &fragment.node.selection_set.node, depth + 1)?;
                    }
                }
                Selection::InlineFragment(inline) if depth < MAX_FRAGMENT_DEPTH => {
                    self.walk(map, &inline.node.selection_set.node, depth + 1)?;
                }
                Selection::FragmentSpread(_) | Selection::InlineFragment(_) => {}
            }
        }
        Ok(())
    }

    /// Whatever the selection did not name, as it is.
    fn rest<M: SerializeMap>(&mut self, map: &mut M) -> Result<(), M::Error> {
        if self.written.all(self.object.len()) {
            return Ok(());
        }
        for (index, (name, value)) in self.object.iter().enumerate() {
            if !self.written.test_and_set(index) {
                map.serialize_entry(name, value)?;
            }
        }
        Ok(())
    }
}

/// Which entries of an object are written: bits for the usual object.
enum Written {
    Bits(u128),
    Many(Vec<bool>),
}

impl Written {
    fn new(len: usize) -> Self {
        if len <= 128 {
            Self::Bits(0)
        } else {
            Self::Many(vec![false; len])
        }
    }

    /// Marks `index` written; true when it already was.
    fn test_and_set(&mut self, index: usize) -> bool {
        match self {
            Self::Bits(bits) => {
                let mask = 1u128 << index;
                let was = *bits & mask != 0;
                *bits |= mask;
                was
            }
            Self::Many(flags) => std::mem::replace(&mut flags[index], true),
        }
    }

    fn all(&self, len: usize) -> bool {
        match self {
            Self::Bits(bits) => bits.count_ones() as usize == len,
            Self::Many(flags) => flags.iter().all(|f| *f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn ordered_json(query: &str, value: serde_json::Value) -> String {
        let document = parse_query(query).unwrap();
        let value = Value::from_json(value).unwrap();
        let selection = operation_selection(&document, None).unwrap();
        serde_json::to_string(&Ordered::new(&value, &document, selection)).unwrap()
    }

    #[test]
    fn follows_the_selection_through_lists_aliases_and_fragments() {
        let out = ordered_json(
            "query { c { a: x ...F ... on T { z } y } } fragment F on T { w }",
            serde_json::json!({ "c": [{ "y": 1, "z": 2, "w": 3, "a": 4 }] }),
        );
        assert_eq!(out, r#"{"c":[{"a":4,"w":3,"z":2,"y":1}]}"#);
    }

    #[test]
    fn keeps_keys_the_selection_does_not_name_and_leaves_scalars_alone() {
        // A JSON scalar's object has no selection: written as it is (here
        // sorted, as serde_json's map is).
        let out = ordered_json(
            "{ b j a }",
            serde_json::json!({ "extra": 0, "a": 1, "j": { "z": 1, "a": 2 }, "b": 2 }),
        );
        assert_eq!(out, r#"{"b":2,"j":{"a":2,"z":1},"a":1,"extra":0}"#);
    }

    #[test]
    fn objects_wider_than_the_bitmap() {
        let keys: Vec<String> = (0..200).map(|i| format!("k{i}")).collect();
        let query = format!(
            "{{ {} }}",
            keys.iter().rev().cloned().collect::<Vec<_>>().join(" ")
        );
        let value: serde_json::Map<_, _> = keys.iter().map(|k| (k.clone(), 1.into())).collect();
        let out = ordered_json(&query, serde_json::Value::Object(value));
        assert!(out.starts_with(r#"{"k199":1,"k198":1"#), "{out}");
        assert!(out.ends_with(r#""k0":1}"#), "{out}");
    }
}
