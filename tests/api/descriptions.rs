//! The schema documents itself (issue #17): every type, field, argument,
//! input field, enum value and directive of the served schema has a
//! description that says more than its name, and the contract's
//! descriptions are kept. Front ends read them in GraphiQL's explorer and
//! in their codegen output.
//!
//! The checks walk the introspection answer of the real router (what
//! GraphiQL and codegen read) and the parsed document of the served SDL
//! (what `schema.graphql` holds): introspection leaves out types no field
//! reaches, such as ErrorCode, which the SDL declares.

use crate::helpers::TestApp;
use async_graphql::Positioned;
use async_graphql::parser::types::{InputValueDefinition, TypeKind, TypeSystemDefinition};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Everything that can carry a description, deprecated members included.
const INTROSPECTION: &str = "{ __schema {
    types {
        kind name description
        fields(includeDeprecated: true) { name description args { name description } }
        inputFields { name description }
        enumValues(includeDeprecated: true) { name description }
    }
    directives { name description args { name description } }
} }";

/// The GraphQL spec's own scalars: described by the spec, not by us (and
/// async-graphql gives `ID` no description).
const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

/// One describable member of the schema: where it is, the names it may not
/// be described by alone (its own, its owner's), and its description.
#[derive(Debug, Clone)]
struct Member {
    path: String,
    names: Vec<String>,
    description: Option<String>,
}

impl Member {
    fn new(path: String, names: &[&str], description: Option<String>) -> Self {
        Self {
            path,
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            description,
        }
    }
}

/// Members are named alike from both sources: `OBJECT Course`,
/// `Course.year`, `Query.courses(filter:)`, `CourseStatus.DRAFT`, `@skip(if:)`.
fn argument_path(owner: &str, argument: &str) -> String {
    format!("{owner}({argument}:)")
}

// --- introspection ----------------------------------------------------------------

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

fn description(value: &Value) -> Option<String> {
    value["description"].as_str().map(str::to_owned)
}

fn list(value: &Value, key: &str) -> Vec<Value> {
    value[key].as_array().cloned().unwrap_or_default()
}

/// Every member in an introspection answer (`__schema`). The spec's own
/// types (`__Schema`, `__Type`, …) and scalars are the spec's to describe.
fn introspected_members(schema: &Value) -> Vec<Member> {
    let mut out = Vec::new();
    let arguments = |out: &mut Vec<Member>, owner: &str, names: &[&str], of: &Value| {
        for arg in list(of, "args") {
            let name = text(&arg, "name");
            let names = [names, &[name.as_str()]].concat();
            out.push(Member::new(
                argument_path(owner, &name),
                &names,
                description(&arg),
            ));
        }
    };
    for ty in list(schema, "types") {
        let name = text(&ty, "name");
        if name.starts_with("__") || BUILT_IN_SCALARS.contains(&name.as_str()) {
            continue;
        }
        let path = format!("{} {name}", text(&ty, "kind"));
        out.push(Member::new(path, &[&name], description(&ty)));
        for field in list(&ty, "fields") {
            let field_name = text(&field, "name");
            let path = format!("{name}.{field_name}");
            arguments(&mut out, &path, &[&name, &field_name], &field);
            out.push(Member::new(
                path,
                &[&name, &field_name],
                description(&field),
            ));
        }
        for member in [list(&ty, "inputFields"), list(&ty, "enumValues")].concat() {
            let member_name = text(&member, "name");
            out.push(Member::new(
                format!("{name}.{member_name}"),
                &[&name, &member_name],
                description(&member),
            ));
        }
    }
    for directive in list(schema, "directives") {
        let name = text(&directive, "name");
        let path = format!("@{name}");
        arguments(&mut out, &path, &[&name], &directive);
        out.push(Member::new(path, &[&name], description(&directive)));
    }
    out
}

// --- SDL --------------------------------------------------------------------------

fn described(description: &Option<Positioned<String>>) -> Option<String> {
    description.as_ref().map(|d| d.node.clone())
}

/// Every member of an SDL document, named as `introspected_members` names
/// them. A description of the schema itself, which opens the contract and
/// which this parser does not take, is cut off first: it describes no member.
fn sdl_members(sdl: &str) -> Vec<Member> {
    let schema_described = sdl
        .trim_start()
        .strip_prefix("\"\"\"")
        .and_then(|rest| rest.split_once("\"\"\""))
        .map(|(_, after)| after)
        .filter(|after| after.trim_start().starts_with("schema"));
    let sdl = schema_described.unwrap_or(sdl);
    let document = async_graphql::parser::parse_schema(sdl).expect("the SDL parses");
    let mut out = Vec::new();
    let arguments = |out: &mut Vec<Member>,
                     owner: &str,
                     names: &[&str],
                     args: &[Positioned<InputValueDefinition>]| {
        for arg in args {
            let name = arg.node.name.node.as_str();
            out.push(Member::new(
                argument_path(owner, name),
                &[names, &[name]].concat(),
                described(&arg.node.description),
            ));
        }
    };
    for definition in &document.definitions {
        let ty = match definition {
            TypeSystemDefinition::Type(ty) => &ty.node,
            TypeSystemDefinition::Directive(directive) => {
                let directive = &directive.node;
                let name = directive.name.node.as_str();
                let path = format!("@{name}");
                arguments(&mut out, &path, &[name], &directive.arguments);
                out.push(Member::new(
                    path,
                    &[name],
                    described(&directive.description),
                ));
                continue;
            }
            TypeSystemDefinition::Schema(_) => continue,
        };
        let name = ty.name.node.as_str();
        let kind = match &ty.kind {
            TypeKind::Scalar => "SCALAR",
            TypeKind::Object(_) => "OBJECT",
            TypeKind::Interface(_) => "INTERFACE",
            TypeKind::Union(_) => "UNION",
            TypeKind::Enum(_) => "ENUM",
            TypeKind::InputObject(_) => "INPUT_OBJECT",
        };
        out.push(Member::new(
            format!("{kind} {name}"),
            &[name],
            described(&ty.description),
        ));
        match &ty.kind {
            TypeKind::Object(o) => Some(&o.fields),
            TypeKind::Interface(i) => Some(&i.fields),
            _ => None,
        }
        .into_iter()
        .flatten()
        .for_each(|field| {
            let field_name = field.node.name.node.as_str();
            let path = format!("{name}.{field_name}");
            arguments(&mut out, &path, &[name, field_name], &field.node.arguments);
            out.push(Member::new(
                path,
                &[name, field_name],
                described(&field.node.description),
            ));
        });
        if let TypeKind::Enum(e) = &ty.kind {
            for value in &e.values {
                let value_name = value.node.value.node.as_str();
                out.push(Member::new(
                    format!("{name}.{value_name}"),
                    &[name, value_name],
                    described(&value.node.description),
                ));
            }
        }
        if let TypeKind::InputObject(i) = &ty.kind {
            for field in &i.fields {
                let field_name = field.node.name.node.as_str();
                out.push(Member::new(
                    format!("{name}.{field_name}"),
                    &[name, field_name],
                    described(&field.node.description),
                ));
            }
        }
    }
    out
}

// --- the checks -------------------------------------------------------------------

/// The lowercase words of a GraphQL name or a description: camelCase,
/// PascalCase and SCREAMING_SNAKE_CASE split into words, a plural's `s`
/// dropped so that "applicants" restates "Applicant".
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            out.push(std::mem::take(&mut word));
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            out.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    out.push(word);
    out.into_iter()
        .filter(|w| !w.is_empty())
        .map(|w| match w.strip_suffix('s') {
            Some(stem) if stem.len() > 2 && !stem.ends_with('s') => stem.to_owned(),
            _ => w,
        })
        .collect()
}

/// Words that carry no meaning of their own in a description.
const FILLER: &[&str] = &[
    "a", "an", "the", "of", "this", "that", "its", "it", "is", "are", "s", "for", "to", "in", "on",
    "and", "or", "by", "with", "as", "be", "value", "type", "object", "list", "id",
];

/// Whether `description` says nothing but the member's name and its
/// owner's: "The year.", "Course title", "Status of the application".
fn restates(names: &[String], description: &str) -> bool {
    let allowed: Vec<String> = names.iter().flat_map(|n| words(n)).collect();
    words(description)
        .iter()
        .all(|w| FILLER.contains(&w.as_str()) || allowed.contains(w))
}

/// What is wrong with each member: no description, or one that restates its
/// name; one line per member, naming it.
fn problems(members: &[Member]) -> Vec<String> {
    members
        .iter()
        .filter_map(|m| match m.description.as_deref().map(str::trim) {
            None | Some("") => Some(format!("{}: no description", m.path)),
            Some(d) if restates(&m.names, d) => {
                Some(format!("{}: {d:?} only restates the name", m.path))
            }
            Some(_) => None,
        })
        .collect()
}

/// The served schema's members by path: the introspection answer's, and
/// the SDL's for what introspection leaves out (unreachable types). Both
/// render one registry, so where both describe a member they must agree.
async fn served_members() -> BTreeMap<String, Member> {
    let app = TestApp::spawn().await;
    let data = app.data(None, INTROSPECTION, json!({})).await;
    let introspected = introspected_members(&data["__schema"]);
    assert!(
        introspected.len() > 600,
        "the walk reached only {} members",
        introspected.len()
    );
    let mut members: BTreeMap<String, Member> = introspected
        .into_iter()
        .map(|m| (m.path.clone(), m))
        .collect();
    for m in sdl_members(&csc::graphql::sdl()) {
        match members.get(&m.path) {
            // The SDL leaves out the built-in directives' argument
            // descriptions; what both show must be the same text.
            Some(seen) => {
                if let (Some(a), Some(b)) = (&seen.description, &m.description) {
                    assert_eq!(
                        a.trim(),
                        b.trim(),
                        "{}: the SDL and introspection differ",
                        m.path
                    );
                }
            }
            None => {
                members.insert(m.path.clone(), m);
            }
        }
    }
    members
}

#[tokio::test]
async fn every_member_of_the_served_schema_is_described() {
    let members = served_members().await;
    assert!(
        members.contains_key("ENUM ErrorCode") && members.contains_key("ErrorCode.CONFLICT"),
        "ErrorCode, declared only in the SDL, is not checked"
    );
    let members: Vec<Member> = members.into_values().collect();
    let problems = problems(&members);
    assert!(
        problems.is_empty(),
        "{} schema members need a description that says more than their name:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn a_missing_or_restated_description_is_named() {
    let schema = json!({
        "types": [{
            "kind": "OBJECT", "name": "CycleStatistics", "description": "Statistics of the cycle.",
            "fields": [
                { "name": "applicants", "description": null, "args": [] },
                { "name": "fellBackToRegularProgram", "description": "Fell back to the regular program.", "args": [] },
                { "name": "notAdopted", "description": "The cycle statistics' not-adopted.", "args": [] },
                { "name": "byField", "description": "every field in the official order", "args": [
                    { "name": "first", "description": "" }
                ] }
            ],
            "inputFields": null, "enumValues": null
        }, {
            "kind": "ENUM", "name": "ApplicationStatus", "description": "Where an application stands.",
            "fields": null, "inputFields": null,
            "enumValues": [
                { "name": "SUBMITTED", "description": "the application is submitted" },
                { "name": "ADOPTED", "description": "adopted (合格): the applicant trains in the course" }
            ]
        }, {
            "kind": "INPUT_OBJECT", "name": "CourseFilter", "description": null,
            "fields": null, "enumValues": null,
            "inputFields": [{ "name": "year", "description": "Year." }]
        }, {
            "kind": "OBJECT", "name": "__Type", "description": null, "fields": [], "inputFields": null, "enumValues": null
        }, {
            "kind": "SCALAR", "name": "ID", "description": null, "fields": null, "inputFields": null, "enumValues": null
        }],
        "directives": [{ "name": "skip", "description": "Leaves the selection out when `if` is true.", "args": [{ "name": "if", "description": null }] }]
    });
    assert_eq!(
        problems(&introspected_members(&schema)),
        [
            "OBJECT CycleStatistics: \"Statistics of the cycle.\" only restates the name",
            "CycleStatistics.applicants: no description",
            "CycleStatistics.fellBackToRegularProgram: \"Fell back to the regular program.\" only restates the name",
            "CycleStatistics.notAdopted: \"The cycle statistics' not-adopted.\" only restates the name",
            "CycleStatistics.byField(first:): no description",
            "ApplicationStatus.SUBMITTED: \"the application is submitted\" only restates the name",
            "INPUT_OBJECT CourseFilter: no description",
            "CourseFilter.year: \"Year.\" only restates the name",
            "@skip(if:): no description",
        ]
    );
    // The same members, written as SDL, give the same findings.
    let sdl = "\"Statistics of the cycle.\"
        type CycleStatistics {
            applicants: Int!
            \"Fell back to the regular program.\"
            fellBackToRegularProgram: Int!
            \"The cycle statistics' not-adopted.\"
            notAdopted: Int!
            \"every field in the official order\"
            byField(first: Int): [Int!]!
        }
        \"Where an application stands.\"
        enum ApplicationStatus {
            \"the application is submitted\"
            SUBMITTED
            \"adopted (合格): the applicant trains in the course\"
            ADOPTED
        }
        input CourseFilter {
            \"Year.\"
            year: Int
        }
        \"Leaves the selection out when `if` is true.\"
        directive @skip(if: Boolean!) on FIELD";
    assert_eq!(
        problems(&sdl_members(sdl)),
        [
            "OBJECT CycleStatistics: \"Statistics of the cycle.\" only restates the name",
            "CycleStatistics.applicants: no description",
            "CycleStatistics.fellBackToRegularProgram: \"Fell back to the regular program.\" only restates the name",
            "CycleStatistics.notAdopted: \"The cycle statistics' not-adopted.\" only restates the name",
            "CycleStatistics.byField(first:): no description",
            "ApplicationStatus.SUBMITTED: \"the application is submitted\" only restates the name",
            "INPUT_OBJECT CourseFilter: no description",
            "CourseFilter.year: \"Year.\" only restates the name",
            "@skip(if:): no description",
        ]
    );
}

#[test]
fn words_split_names_and_drop_plurals() {
    assert_eq!(
        words("fellBackToRegularProgram"),
        ["fell", "back", "to", "regular", "program"]
    );
    assert_eq!(words("NOT_ADOPTED"), ["not", "adopted"]);
    assert_eq!(words("CycleStatistics"), ["cycle", "statistic"]);
    assert_eq!(
        words("the society's 19 fields"),
        ["the", "society", "s", "19", "field"]
    );
    assert_eq!(words("統括責任者 (director)"), ["統括責任者", "director"]);
    assert!(!restates(
        &["RecruitmentCycle".into(), "year".into()],
        "the year the adopted trainees start (April)"
    ));
}

// --- the contract -------------------------------------------------------------------

/// Whitespace- and case-insensitive, so a description may wrap differently
/// or start a sentence.
fn normalized(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The contract lives in the steering repository's shared folder, beside
/// this one, where CI and `../shared/tools/contract-check` read it. A clone
/// on its own has no contract to compare with.
fn contract() -> Option<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/contract/core.graphql"
    );
    match std::fs::read_to_string(path) {
        Ok(sdl) => Some(sdl),
        Err(_) => {
            eprintln!("no contract at {path}: the contract's descriptions are not compared");
            None
        }
    }
}

#[tokio::test]
async fn the_contracts_descriptions_are_kept() {
    let Some(sdl) = contract() else { return };
    let wanted: Vec<(String, String)> = sdl_members(&sdl)
        .into_iter()
        .filter_map(|m| Some((m.path, m.description?)))
        .collect();
    assert!(
        wanted.len() > 50,
        "only {} contract descriptions",
        wanted.len()
    );
    let served = served_members().await;
    let changed: Vec<String> = wanted
        .iter()
        .filter_map(|(path, contract)| {
            let now = served.get(path).and_then(|m| m.description.clone());
            let kept = now
                .as_deref()
                .is_some_and(|d| normalized(d).contains(&normalized(contract)));
            (!kept).then(|| format!("{path}: the contract says {contract:?}, the schema {now:?}"))
        })
        .collect();
    assert!(
        changed.is_empty(),
        "{} descriptions drop the contract's words (the schema may say more, not something else):\n{}",
        changed.len(),
        changed.join("\n")
    );
}
