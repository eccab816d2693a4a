//! The integration allow-list: tokens of integrating systems (a `client`
//! claim) may run only the named operations registered here, each keyed by
//! the SHA-256 of its document. Unlike automatic persisted queries, nothing
//! is added at run time: `csc operations add FILE.graphql` maintains the file.

use async_graphql::parser::types::DocumentOperations;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct AllowlistFile {
    pub operations: Vec<AllowedOperation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AllowedOperation {
    /// The operation names in the document, comma-separated.
    pub name: String,
    pub sha256: String,
    /// The document exactly as clients send it.
    pub document: String,
}

/// The loaded list: document hash → operation name.
#[derive(Debug, Default, Clone)]
pub struct Allowlist {
    by_hash: HashMap<String, String>,
}

pub fn document_hash(document: &str) -> String {
    Sha256::digest(document.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Allowlist {
    /// Reads the list; a missing file is an empty list (no client may run anything).
    pub fn load(path: &Path) -> Result<Self, String> {
        let file = read(path)?;
        Ok(Self {
            by_hash: file
                .operations
                .into_iter()
                .map(|op| (op.sha256, op.name))
                .collect(),
        })
    }

    /// The registered name of `document`, if it is on the list.
    pub fn name_of(&self, document: &str) -> Option<&str> {
        self.by_hash
            .get(&document_hash(document))
            .map(String::as_str)
    }
}

fn read(path: &Path) -> Result<AllowlistFile, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AllowlistFile::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Adds the operations of a `.graphql` file to the list at `list`. Every
/// operation must be named; the document is stored and hashed as written.
pub fn add(list: &Path, document: &str) -> Result<AllowedOperation, String> {
    let parsed = async_graphql::parser::parse_query(document).map_err(|e| e.to_string())?;
    let names: Vec<String> = match &parsed.operations {
        DocumentOperations::Single(_) => Vec::new(),
        DocumentOperations::Multiple(ops) => ops.keys().map(|n| n.to_string()).collect(),
    };
    if names.is_empty() {
        return Err("every operation on the allow-list must be named".into());
    }
    let entry = AllowedOperation {
        name: names.join(","),
        sha256: document_hash(document),
        document: document.to_owned(),
    };
    let mut file = read(list)?;
    file.operations.retain(|op| op.sha256 != entry.sha256);
    file.operations.push(entry.clone());
    file.operations.sort_by(|a, b| a.name.cmp(&b.name));
    let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    std::fs::write(list, text + "\n").map_err(|e| format!("{}: {e}", list.display()))?;
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_and_finds_named_operations_only() {
        let dir = std::env::temp_dir().join(format!("csc-allowlist-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let list = dir.join("operations.json");
        let doc = "query PublishedCourses { courses { nodes { id } } }\n";
        let added = add(&list, doc).unwrap();
        assert_eq!(added.name, "PublishedCourses");
        let loaded = Allowlist::load(&list).unwrap();
        assert_eq!(loaded.name_of(doc), Some("PublishedCourses"));
        assert_eq!(
            loaded.name_of("query PublishedCourses { courses { nodes { id title } } }"),
            None
        );
        assert!(add(&list, "{ societies { code } }").is_err());
        assert!(
            Allowlist::load(&dir.join("missing.json"))
                .unwrap()
                .name_of(doc)
                .is_none()
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
