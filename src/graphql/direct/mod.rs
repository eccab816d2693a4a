//! Hot pages written in one pass, beside async-graphql's executor.
//!
//! The public course list (bench (a)) resolves about 4,500 fields per page
//! of 100 courses. In async-graphql's executor each field is a boxed future
//! with its own context and value map: profiled, two thirds of that
//! request's CPU, where the statements, rows and JSON cost a third.
//!
//! So a page's `nodes` first asks its node type ([`Direct`]) to write the
//! whole list itself. A writer takes the selection only when every field in
//! it is one it knows ([`Selected::fields`]: no directives, no arguments, no
//! repeated response key, fragments only on the type itself), loads the
//! related rows through the request's loaders in the batches the resolvers
//! would use, and builds the values with the conversions async-graphql
//! uses (`to_value`, `enum_value`). Anything else, and every type without a
//! writer, goes through the executor as before.
//!
//! A writer lists only fields without guards, arguments or side effects:
//! what the executor would add for them (per-field guards, complexity)
//! does not apply, and complexity and depth are checked before execution
//! either way. The one effect a writer repeats is the audit of personal
//! data: `Applicant`'s personal fields note the read exactly as their
//! resolvers do. `tests/api/direct.rs` asks every listed field on a page
//! both ways and compares the answers and the audited reads.
//!
//! Two writers: the public course list (bench (a)) and a society's review
//! screen (bench (b)), whose page carries its related rows with each node
//! (`graphql::joined`); where it does not, the executor loads them.

mod applicant;
mod application;
mod course;
mod institution;
mod society;

use async_graphql::parser::types::{Field, FragmentDefinition, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::resolve_list;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;

/// A page's nodes: `[T!]!` in the schema, written by `T`'s [`Direct`]
/// writer when it takes the selection, by the executor otherwise.
pub struct Nodes<'a, T>(pub &'a [T]);

/// A node type that may write a page of itself in one pass.
pub trait Direct: OutputType + Sized {
    /// The nodes as a GraphQL list, or `None` to leave them to the
    /// executor. `ctx.item` is the selection of each node.
    fn write<'a>(
        ctx: &'a ContextSelectionSet<'a>,
        nodes: &'a [Self],
    ) -> impl Future<Output = Option<ServerResult<Value>>> + Send + 'a {
        let _ = (ctx, nodes);
        async { None }
    }
}

impl<T: Direct + Sync> OutputType for Nodes<'_, T> {
    fn type_name() -> Cow<'static, str> {
        <&[T] as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <&[T] as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <&[T] as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        if let Some(written) = T::write(ctx, self.0).await {
            return written.map_err(|err| ctx.set_error_path(err));
        }
        resolve_list(ctx, field, self.0.iter(), Some(self.0.len())).await
    }
}

/// Reads a selection into the fields a writer knows.
pub struct Selected<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
}

impl<'a> Selected<'a> {
    pub fn new(ctx: &ContextSelectionSet<'a>) -> Self {
        Self {
            fragments: &ctx.query_env.fragments,
        }
    }

    /// The fields of `set`, selected on the object type `on`, each as its
    /// response key and what `known` makes of it; fragments on `on` itself
    /// are flattened. `None` when a field is unknown to `known` (which
    /// returns `None`), has directives or arguments, or a response key
    /// repeats, and when a fragment has directives or another type
    /// condition: the executor answers those.
    pub fn fields<F>(
        &self,
        set: &'a SelectionSet,
        on: &str,
        known: &mut impl FnMut(&'a Field) -> Option<F>,
    ) -> Option<Vec<(Name, F)>> {
        let mut out = Vec::new();
        self.collect(set, on, known, &mut out)?;
        Some(out)
    }

    fn collect<F>(
        &self,
        set: &'a SelectionSet,
        on: &str,
        known: &mut impl FnMut(&'a Field) -> Option<F>,
        out: &mut Vec<(Name, F)>,
    ) -> Option<()> {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if !field.directives.is_empty() || !field.arguments.is_empty() {
                        return None;
                    }
                    let key = &field.response_key().node;
                    if out.iter().any(|(k, _)| k == key) {
                        return None;
                    }
                    out.push((key.clone(), known(field)?));
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let condition = fragment.type_condition.as_ref();
                    if !fragment.directives.is_empty()
                        || condition.is_some_and(|c| c.node.on.node != on)
                    {
                        return None;
                    }
                    self.collect(&fragment.selection_set.node, on, known, out)?;
                }
                Selection::FragmentSpread(spread) => {
                    let fragment = &self.fragments.get(&spread.node.fragment_name.node)?.node;
                    if !spread.node.directives.is_empty()
                        || !fragment.directives.is_empty()
                        || fragment.type_condition.node.on.node != on
                    {
                        return None;
                    }
                    self.collect(&fragment.selection_set.node, on, known, out)?;
                }
            }
        }
        Some(())
    }
}

/// Whether `type_name`'s writer takes the selection of the first field
/// named `nodes` in `document` (for tests: a comparison of both paths must
/// know it runs the writer). False for a document that does not parse.
pub fn writes(type_name: &str, document: &str) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(document) else {
        return false;
    };
    let selected = Selected {
        fragments: &document.fragments,
    };
    let sets = document
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node);
    let Some(nodes) = sets.into_iter().find_map(first_nodes) else {
        return false;
    };
    match type_name {
        "Course" => course::takes(&selected, nodes),
        "Application" => application::takes(&selected, nodes),
        _ => false,
    }
}

fn first_nodes(set: &SelectionSet) -> Option<&SelectionSet> {
    set.items
        .iter()
        .find_map(|selection| match &selection.node {
            Selection::Field(field) if field.node.name.node == "nodes" => {
                Some(&field.node.selection_set.node)
            }
            Selection::Field(field) => first_nodes(&field.node.selection_set.node),
            _ => None,
        })
}

/// An object value with `fields` written by `write`, in selection order.
fn object<F>(
    fields: &[(Name, F)],
    mut write: impl FnMut(&F) -> ServerResult<Value>,
) -> ServerResult<Value> {
    let mut map = async_graphql::indexmap::IndexMap::with_capacity(fields.len());
    for (key, field) in fields {
        map.insert(key.clone(), write(field)?);
    }
    Ok(Value::Object(map))
}

/// `__typename`, known to every writer.
const TYPENAME: &str = "__typename";

#[cfg(test)]
mod tests {
    use super::writes;

    const PUBLIC_LIST: &str = include_str!("../../../bench/queries/a_published_courses.graphql");

    #[test]
    fn the_public_course_list_is_written_in_one_pass() {
        assert!(writes("Course", PUBLIC_LIST));
    }

    #[test]
    fn fragments_on_the_type_itself_are_flattened() {
        let spread = "{ courses { nodes { ...C } } } fragment C on Course { id society { code } }";
        let inline = "{ courses { nodes { ... on Course { id } ... { title } } } }";
        assert!(writes("Course", spread));
        assert!(writes("Course", inline));
        assert!(writes(
            "Course",
            "{ courses { nodes { a: id b: title __typename } } }"
        ));
    }

    /// Whatever the writer does not know goes to the executor.
    #[test]
    fn other_selections_are_left_to_the_executor() {
        for document in [
            // a field without a writer, at each level
            "{ courses { nodes { id applicantCount } } }",
            "{ courses { nodes { responsibleInstitution { certifiedFields } } } }",
            "{ courses { nodes { society { participation(year: 2027) { takesPart } } } } }",
            "{ courses { nodes { statusGuarantee { socialInsurance } } } }",
            // directives, on a field or a fragment
            "query($x: Boolean!) { courses { nodes { id @include(if: $x) } } }",
            "query($x: Boolean!) { courses { nodes { ... @skip(if: $x) { id } } } }",
            // a fragment on an interface, and a response key asked twice
            "{ courses { nodes { ... on Node { id } } } }",
            "{ courses { nodes { society { code } society { fieldNameJa } } } }",
            "{ courses { nodes { id id } } }",
        ] {
            assert!(!writes("Course", document), "{document}");
        }
    }
}
