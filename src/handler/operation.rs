//! What the handler needs to know of a request's operation before it
//! runs: its kind, a label for metrics and logs, whether it introspects,
//! and the parsed document (reused by execution and by the encoder).

use async_graphql::Name;
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, OperationType, Selection,
    SelectionSet,
};
use std::collections::HashMap;

/// What the handler needs to know of the operation before running it.
pub struct Operation {
    pub kind: Option<OperationType>,
    /// `query:courses`: the kind and first root field, for metrics and logs.
    pub label: String,
    /// Every root field is `__schema`, `__type` or `__typename`: GraphiQL's
    /// schema fetch, under the introspection limits instead of the query
    /// limits.
    pub introspection_only: bool,
    /// Some root field is `__schema` or `__type` (possibly inside a
    /// fragment): its answer's size is estimated before it runs.
    pub introspects: bool,
    /// The parsed document (execution takes the request's copy), for writing
    /// the answer in its field order.
    pub document: Option<ExecutableDocument>,
    /// The operation that runs, when the document has several.
    pub name: Option<String>,
}

/// Parses the request's document once: execution reuses it.
pub fn inspect(request: &mut async_graphql::Request) -> Operation {
    let unknown = Operation {
        kind: None,
        label: "unknown".to_owned(),
        introspection_only: false,
        introspects: false,
        document: None,
        name: None,
    };
    let operation_name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return unknown;
    };
    let operation = match &document.operations {
        DocumentOperations::Single(op) => Some(op),
        DocumentOperations::Multiple(ops) => match &operation_name {
            Some(name) => ops.get(name.as_str()),
            None if ops.len() == 1 => ops.values().next(),
            None => None,
        },
    };
    let Some(operation) = operation else {
        return unknown;
    };
    let introspection_only = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .all(|item| match &item.node {
            Selection::Field(field) => matches!(
                field.node.name.node.as_str(),
                "__schema" | "__type" | "__typename"
            ),
            _ => false,
        });
    let root = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .find_map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.name.node.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| "fragment".to_owned());
    Operation {
        kind: Some(operation.node.ty),
        label: format!("{}:{root}", operation.node.ty),
        introspection_only,
        introspects: mentions_introspection(
            &document.fragments,
            &operation.node.selection_set.node,
            0,
        ),
        document: Some(document.clone()),
        name: operation_name,
    }
}

/// Whether a root field of `selection` is `__schema` or `__type`.
fn mentions_introspection(
    fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
    selection: &SelectionSet,
    depth: usize,
) -> bool {
    // Deeper fragment nesting is costed (and refused) rather than missed.
    if depth > 32 {
        return true;
    }
    selection.items.iter().any(|item| match &item.node {
        Selection::Field(field) => matches!(field.node.name.node.as_str(), "__schema" | "__type"),
        Selection::FragmentSpread(spread) => fragments
            .get(&spread.node.fragment_name.node)
            .is_some_and(|f| {
                mentions_introspection(fragments, &f.node.selection_set.node, depth + 1)
            }),
        Selection::InlineFragment(inline) => {
            mentions_introspection(fragments, &inline.node.selection_set.node, depth + 1)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inspected(query: &str) -> Operation {
        inspect(&mut async_graphql::Request::new(query))
    }

    #[test]
    fn labels_the_kind_and_first_root_field() {
        let operation = inspected("query Page { courses { totalCount } viewer { role } }");
        assert_eq!(operation.kind, Some(OperationType::Query));
        assert_eq!(operation.label, "query:courses");
        assert!(!operation.introspection_only && !operation.introspects);
        let operation = inspected("mutation { openEarlyCall(year: 2027) { year } }");
        assert_eq!(operation.label, "mutation:openEarlyCall");
    }

    #[test]
    fn tells_introspection_even_inside_fragments() {
        let only = inspected("{ __schema { queryType { name } } __typename }");
        assert!(only.introspection_only && only.introspects);
        let hidden = inspected(
            "query { courses { totalCount } ...F } fragment F on Query { ... on Query { __type(name: \"Course\") { name } } }",
        );
        assert!(!hidden.introspection_only && hidden.introspects);
    }

    #[test]
    fn an_unparsable_or_ambiguous_document_is_unknown() {
        assert_eq!(inspected("{ courses ").label, "unknown");
        let two = inspected("query A { viewer { role } } query B { viewer { role } }");
        assert_eq!((two.kind, two.label.as_str()), (None, "unknown"));
    }
}
