//! The documented examples never go stale and fit the demo: every operation
//! under `docs/examples/` runs as written against a fresh database holding
//! the default demo (`csc seed-demo`, the default scale and seed), with
//! today at the demo's day as `serve --dev` has it, as the role its folder
//! names (or its `# token:` line), after the examples its `# after:` line
//! names, and must answer without errors. Every mutation of the schema has
//! an example, and docs/examples/README.md names the demo's cast.
//!
//! A file the test does not know how to run fails it: a folder that names no
//! role, a file that is not `.graphql`, a nested folder, a header line out
//! of place or not understood, a variables line that is not a JSON object, a
//! placeholder (`"$NAME"`: nothing fills it), an `# after:` that names no
//! example or goes round in a circle, or a document with other than one
//! operation.

use crate::helpers::TestApp;
use async_graphql::parser::parse_query;
use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use csc::entity::enums::{FieldCode, Role};
use csc::ids;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The folders under `docs/examples/`, one per viewer.
const FOLDERS: [&str; 6] = [
    "anonymous",
    "applicant",
    "trainee",
    "society",
    "institution",
    "admin",
];

/// The demo's cast (docs/examples/README.md), as `csc seed-demo` prints it.
/// The society of the `society/` examples.
const SOCIETY: FieldCode = FieldCode::InternalMedicine;
/// doctor-0001: an internal medicine trainee of 2021, the `trainee/` examples.
const TRAINEE_SUB: &str = "doctor-0001";
/// A doctor who applied for 2027 and waits for the decision: `applicant/`.
const APPLICANT_SUB: &str = "doctor-0076";
/// The hospital where doctor-0001 trains: `institution/`.
const INSTITUTION: i64 = 29;

/// The header lines a file may start with, in any order.
const VARIABLES: &str = "# variables:";
const AFTER: &str = "# after:";
const TOKEN: &str = "# token:";

struct Example {
    /// `admin/allocate-quotas.graphql`
    name: String,
    folder: String,
    document: String,
    variables: Value,
    /// Examples to run first, in order.
    after: Vec<String>,
    /// `csc token` arguments, when not the folder's identity.
    token: Option<String>,
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples")
}

/// Every example by name; panics on anything the test cannot run.
fn load_examples() -> BTreeMap<String, Arc<Example>> {
    let dir = examples_dir();
    let mut examples = BTreeMap::new();
    for entry in sorted_entries(&dir) {
        let file_name = entry.file_name().unwrap().to_string_lossy().into_owned();
        if entry.is_file() {
            assert_eq!(
                file_name, "README.md",
                "docs/examples/{file_name}: only README.md and the role folders {FOLDERS:?} belong here"
            );
            continue;
        }
        assert!(
            FOLDERS.contains(&file_name.as_str()),
            "docs/examples/{file_name}/ names no role the test knows ({FOLDERS:?}); add it to tests/api/examples.rs"
        );
        for file in sorted_entries(&entry) {
            let name = format!(
                "{file_name}/{}",
                file.file_name().unwrap().to_string_lossy()
            );
            assert!(
                file.is_file() && name.ends_with(".graphql"),
                "docs/examples/{name}: a role folder holds .graphql files only"
            );
            let document = std::fs::read_to_string(&file).unwrap();
            let example = parse_example(name.clone(), file_name.clone(), document);
            examples.insert(name, Arc::new(example));
        }
    }
    examples
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    entries
}

/// The header lines among the file's leading `#` lines; the rest of them
/// are comments for the reader.
fn parse_example(name: String, folder: String, document: String) -> Example {
    let mut example = Example {
        name,
        folder,
        variables: json!({}),
        after: Vec::new(),
        token: None,
        document: String::new(),
    };
    let name = &example.name;
    let mut in_header = true;
    for line in document.lines() {
        let header = [VARIABLES, AFTER, TOKEN]
            .into_iter()
            .find(|key| line.starts_with(key));
        in_header &= line.starts_with('#');
        match header {
            Some(_) if !in_header => panic!("{name}: `{line}` must be among the first `#` lines"),
            Some(VARIABLES) => {
                let value: Value = serde_json::from_str(line[VARIABLES.len()..].trim())
                    .unwrap_or_else(|e| panic!("{name}: the variables line is not JSON: {e}"));
                assert!(
                    value.is_object(),
                    "{name}: the variables must be a JSON object"
                );
                assert_no_placeholder(name, &value);
                example.variables = value;
            }
            Some(AFTER) => {
                example.after = line[AFTER.len()..]
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
            Some(_) => example.token = Some(line[TOKEN.len()..].trim().to_owned()),
            None => {}
        }
    }
    for key in ["# variables", "# after", "# token"] {
        let lines = document.lines().filter(|l| l.starts_with(key)).count();
        assert!(lines <= 1, "{name}: more than one `{key}:` line");
    }
    example.document = document;
    example
}

/// The examples run as written: a `"$NAME"` left for the reader (or a
/// test) to fill in is not allowed.
fn assert_no_placeholder(name: &str, value: &Value) {
    match value {
        Value::String(s) => assert!(
            !s.starts_with('$'),
            "{name}: {s} is a placeholder; write the demo's value (docs/examples/README.md)"
        ),
        Value::Array(items) => items.iter().for_each(|v| assert_no_placeholder(name, v)),
        Value::Object(map) => map.values().for_each(|v| assert_no_placeholder(name, v)),
        _ => {}
    }
}

/// The type and root fields of the document's one operation.
fn operation(example: &Example) -> (OperationType, Vec<String>) {
    let document = parse_query(&example.document)
        .unwrap_or_else(|e| panic!("{}: does not parse: {e}", example.name));
    // A named operation is parsed into `Multiple`, even when alone.
    let op = match &document.operations {
        DocumentOperations::Single(op) => op,
        DocumentOperations::Multiple(ops) if ops.len() == 1 => ops.values().next().unwrap(),
        DocumentOperations::Multiple(ops) => panic!(
            "{}: {} operations; a file holds one",
            example.name,
            ops.len()
        ),
    };
    let fields = op
        .node
        .selection_set
        .node
        .items
        .iter()
        .filter_map(|item| match &item.node {
            Selection::Field(f) => Some(f.node.name.node.to_string()),
            _ => None,
        })
        .collect();
    (op.node.ty, fields)
}

/// The examples `name` needs first, then `name`, each once, in order.
fn chain(examples: &BTreeMap<String, Arc<Example>>, name: &str) -> Vec<Arc<Example>> {
    fn visit(
        examples: &BTreeMap<String, Arc<Example>>,
        name: &str,
        path: &mut Vec<String>,
        out: &mut Vec<Arc<Example>>,
    ) {
        if out.iter().any(|e| e.name == name) {
            return;
        }
        assert!(
            !path.iter().any(|p| p == name),
            "`# after:` goes round in a circle: {} -> {name}",
            path.join(" -> ")
        );
        let example = examples.get(name).unwrap_or_else(|| {
            panic!(
                "{}: `# after: {name}` names no example",
                path.last().map_or("?", String::as_str)
            )
        });
        path.push(name.to_owned());
        for before in &example.after {
            visit(examples, before, path, out);
        }
        path.pop();
        out.push(Arc::clone(example));
    }
    let mut out = Vec::new();
    visit(examples, name, &mut Vec::new(), &mut out);
    out
}

// --- tokens ---------------------------------------------------------------------

/// The token of the example's `# token:` line, else of its folder, as
/// `docs/examples/README.md` describes them.
fn token(app: &TestApp, example: &Example) -> Option<String> {
    if let Some(args) = &example.token {
        return Some(token_of_args(app, &example.name, args));
    }
    match example.folder.as_str() {
        "anonymous" => None,
        "applicant" => Some(app.applicant(APPLICANT_SUB)),
        "trainee" => Some(app.applicant(TRAINEE_SUB)),
        "society" => Some(app.society(SOCIETY)),
        "institution" => Some(app.institution(INSTITUTION)),
        "admin" => Some(app.admin()),
        other => unreachable!("folder {other} was checked when loading"),
    }
}

/// A token for `csc token` arguments (`--role`, `--society`,
/// `--institution`, `--sub`), as the command would issue it.
fn token_of_args(app: &TestApp, name: &str, args: &str) -> String {
    use sea_orm::ActiveEnum;
    let words: Vec<&str> = args.split_whitespace().collect();
    let mut options = BTreeMap::new();
    for pair in words.chunks(2) {
        let [flag, value] = pair else {
            panic!("{name}: `# token: {args}`: a flag without a value")
        };
        options.insert(*flag, *value);
    }
    for flag in options.keys() {
        assert!(
            ["--role", "--society", "--institution", "--sub"].contains(flag),
            "{name}: `# token:` does not know {flag}"
        );
    }
    let role = match options.get("--role").copied() {
        Some("ADMIN") => Role::Admin,
        Some("SOCIETY") => Role::Society,
        Some("INSTITUTION") => Role::Institution,
        Some("APPLICANT") => Role::Applicant,
        other => panic!("{name}: `# token:` needs --role, not {other:?}"),
    };
    let society = options.get("--society").map(|code| {
        FieldCode::try_from_value(&code.to_string())
            .unwrap_or_else(|_| panic!("{name}: no field code {code}"))
    });
    let institution = options.get("--institution").map(|raw| {
        raw.parse::<i64>()
            .ok()
            .or_else(|| ids::decode_kind(raw, ids::INSTITUTION))
            .unwrap_or_else(|| panic!("{name}: {raw} is not an institution ID"))
    });
    let sub = options.get("--sub").copied().unwrap_or("examples");
    app.token(role, society, institution, sub)
}

// --- running --------------------------------------------------------------------

/// Runs `example` as written; a failure message when it does not answer
/// with data and no errors.
async fn run_one(app: &TestApp, example: &Example, before: &str) -> Result<(), String> {
    let token = token(app, example);
    let (status, body) = app
        .gql(
            token.as_deref(),
            &example.document,
            example.variables.clone(),
        )
        .await;
    let errors = body.get("errors").is_some();
    let data_missing =
        body["data"].is_null() || body["data"].as_object().is_none_or(|d| d.is_empty());
    if status != 200 || errors || data_missing {
        return Err(format!(
            "{before}{} (as {}): HTTP {status}: {body}",
            example.name,
            example.token.as_deref().unwrap_or(&example.folder)
        ));
    }
    Ok(())
}

/// Runs an example's chain on a demo of its own.
async fn run(chain: Vec<Arc<Example>>) -> Result<(), String> {
    let app = TestApp::spawn_demo().await;
    let (last, first) = chain.split_last().expect("a chain ends with its example");
    for before in first {
        let context = format!("{}: its `# after:` example ", last.name);
        run_one(&app, before, &context).await?;
    }
    run_one(&app, last, "").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_example_runs_as_written_on_the_demo() {
    let examples = load_examples();
    for folder in FOLDERS {
        assert!(
            examples.values().any(|e| e.folder == folder),
            "docs/examples/{folder}/ has no example"
        );
    }
    // Each example gets a demo of its own, with what its `# after:` line
    // names run first; a few demos at once.
    let chains: Vec<(String, Vec<Arc<Example>>)> = examples
        .keys()
        .map(|name| (name.clone(), chain(&examples, name)))
        .collect();
    let mut failures = Vec::new();
    for group in chains.chunks(4) {
        let mut set = tokio::task::JoinSet::new();
        let mut names = std::collections::HashMap::new();
        for (name, chain) in group {
            let handle = set.spawn(run(chain.clone()));
            names.insert(handle.id(), name.clone());
        }
        while let Some(result) = set.join_next_with_id().await {
            match result {
                Ok((_, Ok(()))) => {}
                Ok((_, Err(message))) => failures.push(message),
                Err(e) => {
                    let name = &names[&e.id()];
                    let panic = e.into_panic();
                    let message = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    failures.push(format!("{name}: panicked: {message}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} example(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every mutation of the schema has an example: each can be run by some
/// role on the demo (with the examples before it).
#[test]
fn every_mutation_has_an_example() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let schema = async_graphql::parser::parse_schema(csc::graphql::sdl()).expect("the SDL parses");
    let mutations: BTreeSet<String> = schema
        .definitions
        .iter()
        .filter_map(|definition| match definition {
            TypeSystemDefinition::Type(t) if t.node.name.node == "Mutation" => Some(&t.node.kind),
            _ => None,
        })
        .flat_map(|kind| match kind {
            TypeKind::Object(object) => object
                .fields
                .iter()
                .map(|f| f.node.name.node.to_string())
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    assert!(mutations.len() > 30, "{mutations:?}");
    let documented: BTreeSet<String> = load_examples()
        .values()
        .filter_map(|e| {
            let (kind, fields) = operation(e);
            (kind == OperationType::Mutation).then_some(fields)
        })
        .flatten()
        .collect();
    let missing: Vec<&String> = mutations.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "mutations without an example in docs/examples: {missing:?}"
    );
}

/// The cast the examples run as is the one `csc seed-demo` prints (and
/// GraphiQL's "Sign in as" offers: tests/api/demo.rs), and the README
/// names it.
#[tokio::test]
async fn the_readme_names_the_demo_cast() {
    let app = TestApp::spawn().await;
    let summary = csc::seed::seed_demo(&app.db, csc::seed::DEFAULT_SCALE, csc::seed::DEFAULT_SEED)
        .await
        .expect("seed the demo");
    assert_eq!(summary.first_subject, TRAINEE_SUB);
    assert_eq!(
        summary
            .waiting_applicant
            .map(|(subject, _)| subject)
            .as_deref(),
        Some(APPLICANT_SUB)
    );
    assert_eq!(
        summary.first_trainee_institution.map(|(id, _)| id),
        Some(INSTITUTION)
    );
    let readme =
        std::fs::read_to_string(examples_dir().join("README.md")).expect("docs/examples/README.md");
    let hospital = ids::encode(ids::INSTITUTION, INSTITUTION).0;
    for named in [
        TRAINEE_SUB,
        APPLICANT_SUB,
        hospital.as_str(),
        "INTERNAL_MEDICINE",
    ] {
        assert!(
            readme.contains(named),
            "docs/examples/README.md does not name {named}"
        );
    }
}
