//! The deployment files agree with the README: every variable that
//! `compose.yaml` gives the service, and every `ENV` of the Dockerfile, is a
//! row of the README's configuration table, so an operator who reads one
//! finds it explained in the other.

use std::collections::BTreeSet;
use yaml_rust2::{Yaml, YamlLoader};

fn repository_file(name: &str) -> String {
    let path = format!("{}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The variable names in the first column of the table under
/// "## Configuration" (rows such as "| `BIND` | `127.0.0.1:8080` | … |").
fn readme_variables(readme: &str) -> BTreeSet<String> {
    readme
        .lines()
        .skip_while(|line| line.trim() != "## Configuration")
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|cell| cell.split_once('`'))
        .map(|(name, _)| name.to_string())
        .collect()
}

/// The keys of `services.api.environment`, in either of Compose's forms
/// (a mapping, or a list of `KEY=value`).
fn compose_api_variables(compose: &str) -> BTreeSet<String> {
    let documents = YamlLoader::load_from_str(compose).expect("compose.yaml is YAML");
    let environment = &documents[0]["services"]["api"]["environment"];
    match environment {
        Yaml::Hash(map) => map
            .keys()
            .map(|key| key.as_str().expect("a variable name").to_string())
            .collect(),
        Yaml::Array(items) => items
            .iter()
            .map(|item| {
                let entry = item.as_str().expect("KEY=value");
                entry.split('=').next().unwrap_or(entry).to_string()
            })
            .collect(),
        other => panic!("compose.yaml: services.api.environment is {other:?}"),
    }
}

/// The names set by `ENV` lines of the Dockerfile (`ENV A=1 B=2`).
fn dockerfile_variables(dockerfile: &str) -> BTreeSet<String> {
    dockerfile
        .lines()
        .filter_map(|line| line.strip_prefix("ENV "))
        .flat_map(str::split_whitespace)
        .filter_map(|pair| pair.split_once('=').map(|(name, _)| name.to_string()))
        .collect()
}

#[test]
fn the_readme_table_lists_the_variables_the_service_reads() {
    let table = readme_variables(&repository_file("README.md"));
    for expected in [
        "DATABASE_URL",
        "BIND",
        "JWT_SECRET",
        "LOG_FORMAT",
        "RUST_LOG",
    ] {
        assert!(
            table.contains(expected),
            "README.md's configuration table has no {expected}: {table:?}"
        );
    }
}

#[test]
fn compose_sets_only_variables_the_readme_explains() {
    let table = readme_variables(&repository_file("README.md"));
    let compose = compose_api_variables(&repository_file("compose.yaml"));
    assert!(
        compose.contains("DATABASE_URL") && compose.contains("JWT_SECRET"),
        "compose.yaml's api service must set DATABASE_URL and JWT_SECRET: {compose:?}"
    );
    let unexplained: Vec<_> = compose.difference(&table).collect();
    assert!(
        unexplained.is_empty(),
        "compose.yaml sets {unexplained:?}, which README.md's configuration table does not list"
    );
}

#[test]
fn the_image_sets_only_variables_the_readme_explains() {
    let table = readme_variables(&repository_file("README.md"));
    let image = dockerfile_variables(&repository_file("Dockerfile"));
    assert!(
        image.contains("BIND"),
        "the Dockerfile must set BIND to listen beyond the container: {image:?}"
    );
    let unexplained: Vec<_> = image.difference(&table).collect();
    assert!(
        unexplained.is_empty(),
        "the Dockerfile sets {unexplained:?}, which README.md's configuration table does not list"
    );
}

#[test]
fn the_parsers_see_what_they_are_given() {
    let readme = "# x\n## Configuration\n\n| variable | default |\n|---|---|\n\
                  | `A_B` | `1` |\n| `C` | none |\n\n## Next\n| `D` | 2 |\n";
    assert_eq!(
        readme_variables(readme),
        BTreeSet::from(["A_B".into(), "C".into()])
    );
    let mapping = "services:\n  api:\n    environment:\n      A: 1\n      B: ${B:?set B}\n";
    assert_eq!(
        compose_api_variables(mapping),
        BTreeSet::from(["A".into(), "B".into()])
    );
    let list = "services:\n  api:\n    environment:\n      - A=1\n      - B\n";
    assert_eq!(
        compose_api_variables(list),
        BTreeSet::from(["A".into(), "B".into()])
    );
    let dockerfile = "FROM x\nENV A=1 B=two\nRUN env\nENV C=3\n";
    assert_eq!(
        dockerfile_variables(dockerfile),
        BTreeSet::from(["A".into(), "B".into(), "C".into()])
    );
}
