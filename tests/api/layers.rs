//! The layers of docs/architecture.md, checked on the source: a module
//! imports only its own layer and the layers below it (`crate::…` paths,
//! comments left out), and the top-level modules import each other in no
//! circle but through the imports of `KNOWN_BACK_EDGES`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and its layer, lowest first.
const LAYERS: &[(&str, &[&str])] = &[
    // The guideline's rules: pure functions.
    ("domain", &["domain"]),
    // SeaORM models and their conversions to the rules' facts.
    ("entity", &["entity"]),
    // Crate-level services, used from any layer above.
    (
        "services",
        &[
            "allowlist",
            "audit",
            "auth",
            "catalog",
            "clock",
            "compression",
            "config",
            "db",
            "demo",
            "error",
            "events",
            "field_order",
            "idempotency",
            "ids",
            "invocation",
            "jwks",
            "metrics",
            "telemetry",
        ],
    ),
    // The writes: commands, transactions, audit (and seed-demo's rows).
    ("ops", &["ops", "seed"]),
    // The schema: types, resolvers, loaders.
    ("graphql", &["graphql", "introspection"]),
    // HTTP, WebSocket, the router and the binary.
    (
        "transport",
        &["graphiql", "handler", "main", "startup", "state", "ws"],
    ),
];

/// Imports that close a circle between top-level modules and predate the
/// layers: each is the import against the grain, with what it is for.
const KNOWN_BACK_EDGES: &[(&str, &str, &str)] = &[
    (
        "config",
        "telemetry",
        "the log filter option is parsed by telemetry::parse_filter",
    ),
    (
        "jwks",
        "auth",
        "jwks::watch puts a reloaded key set into auth::TokenKeys",
    ),
];

fn layer_of(module: &str) -> Option<(usize, &'static str)> {
    LAYERS
        .iter()
        .enumerate()
        .find(|(_, (_, modules))| modules.contains(&module))
        .map(|(rank, (name, _))| (rank, *name))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its `//` comments (doc comments name other
/// modules freely).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules named after `prefix` (`crate::` in the library,
/// `csc::` in the binary), grouped imports (`crate::{a, b}`) included.
fn imported(code: &str, prefix: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        let before = code[..at].chars().last();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            out.extend(inner.split(',').map(|item| ident(item.trim())));
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

/// Every top-level module's imports of other top-level modules, with the
/// file that makes each one.
fn imports() -> BTreeMap<(String, String), PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src/");
        let first = relative.components().next().expect("a path");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "lib" {
            continue;
        }
        let prefix = if module == "main" { "csc::" } else { "crate::" };
        let text = std::fs::read_to_string(&file).expect("read a source file");
        for target in imported(&code(&text), prefix) {
            if target != module {
                edges
                    .entry((module.clone(), target))
                    .or_insert(file.clone());
            }
        }
    }
    edges
}

#[test]
fn no_layer_imports_a_higher_one() {
    let mut wrong = Vec::new();
    for ((from, to), file) in imports() {
        let (Some((from_rank, from_layer)), Some((to_rank, to_layer))) =
            (layer_of(&from), layer_of(&to))
        else {
            wrong.push(format!(
                "{}: {from} -> {to}: give every top-level module a layer (LAYERS here, docs/architecture.md)",
                file.display()
            ));
            continue;
        };
        if to_rank > from_rank {
            wrong.push(format!(
                "{}: {from} ({from_layer}) imports {to} ({to_layer}), a higher layer",
                file.display()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_top_level_modules_import_each_other_in_no_new_circle() {
    let edges: BTreeSet<(String, String)> = imports()
        .into_keys()
        .filter(|(a, b)| {
            !KNOWN_BACK_EDGES
                .iter()
                .any(|(x, y, _)| (a, b) == (&x.to_string(), &y.to_string()))
        })
        .collect();
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::from([from.to_owned()]);
        let mut next = vec![from.to_owned()];
        while let Some(at) = next.pop() {
            for (a, b) in &edges {
                if *a == at && seen.insert(b.clone()) {
                    next.push(b.clone());
                }
            }
        }
        seen.contains(to)
    };
    let modules: BTreeSet<&String> = edges.iter().flat_map(|(a, b)| [a, b]).collect();
    let mut circles = Vec::new();
    for a in &modules {
        for b in &modules {
            if a < b && reaches(a, b) && reaches(b, a) {
                circles.push(format!("{a} <-> {b}"));
            }
        }
    }
    assert!(circles.is_empty(), "import circles: {}", circles.join(", "));
}

#[test]
fn the_known_back_edges_are_still_there() {
    // Once one is gone, drop it from KNOWN_BACK_EDGES (and docs/architecture.md).
    let edges = imports();
    for (from, to, why) in KNOWN_BACK_EDGES {
        assert!(
            edges.contains_key(&(from.to_string(), to.to_string())),
            "{from} no longer imports {to} ({why}): drop it from KNOWN_BACK_EDGES"
        );
    }
}

#[test]
fn the_scan_sees_imports_and_not_comments() {
    let text = "use crate::domain::x;\n// crate::graphql in a comment\nlet a = crate::{ids, clock::Clock};\nmy_crate::nope";
    let found = imported(&code(text), "crate::");
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["clock", "domain", "ids"]
    );
}
