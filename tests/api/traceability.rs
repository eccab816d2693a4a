//! docs/guideline.md maps every clause of the guideline to its rule and
//! tests: each `file::function` it names must exist, and every clause must
//! have a row, so the table cannot drift from the code.

use std::path::Path;

/// Every clause of 「臨床研究医コース整備指針」 that the table must cover.
const CLAUSES: [&str; 20] = [
    "I.1",
    "I.2(1)",
    "I.2(2)①",
    "I.2(2)②",
    "I.2(2)③",
    "I.2(2)④",
    "I.3(1)",
    "I.3(2)",
    "I.3(3)",
    "II.1",
    "II.2(1)",
    "II.2(2)",
    "II.2(3)",
    "II.3(1)",
    "II.3(2)",
    "II.3(3)",
    "III.1",
    "III.2",
    "III.3",
    "IV.1",
];

fn guideline() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join("docs/guideline.md")).expect("docs/guideline.md")
}

/// The `path::function` references in backticks.
fn references(doc: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for quoted in doc.split('`').skip(1).step_by(2) {
        let Some((path, name)) = quoted.split_once("::") else {
            continue;
        };
        if (path.starts_with("src/") || path.starts_with("tests/")) && path.ends_with(".rs") {
            // `Calendar`-like type names count too: `struct`/`enum` or `fn`.
            out.push((path.to_owned(), name.to_owned()));
        }
    }
    out
}

#[test]
fn every_rule_and_test_named_in_the_guideline_table_exists() {
    let doc = guideline();
    let refs = references(&doc);
    assert!(refs.len() > 60, "only {} references found", refs.len());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    for (path, name) in &refs {
        let Ok(source) = std::fs::read_to_string(root.join(path)) else {
            missing.push(format!("{path} (no such file)"));
            continue;
        };
        let defined = [
            format!("fn {name}("),
            format!("fn {name}<"),
            format!("enum {name} "),
            format!("struct {name} "),
        ]
        .iter()
        .any(|d| source.contains(d.as_str()));
        if !defined {
            missing.push(format!("{path}::{name}"));
        }
    }
    assert!(
        missing.is_empty(),
        "named in docs/guideline.md but not found: {missing:#?}"
    );
}

#[test]
fn every_clause_has_a_row() {
    let doc = guideline();
    let missing: Vec<&str> = CLAUSES
        .iter()
        .copied()
        .filter(|clause| !doc.contains(&format!("\n| {clause} |")))
        .collect();
    assert!(missing.is_empty(), "clauses without a row: {missing:?}");
}
