//! The files the GraphiQL page loads, embedded in the binary: the pinned
//! React, ReactDOM and GraphiQL builds of `vendor/` (see
//! scripts/update-graphiql.sh) and the page's own script and style. Each is
//! served at `/graphiql/<hash>/<name>`, the hash taken from its bytes, so a
//! changed file gets a new address and a browser may keep any file for a
//! year without asking again.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// One embedded file.
pub struct Asset {
    pub name: &'static str,
    content_type: &'static str,
    pub bytes: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Every file of the page, in the order the page loads them.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "graphiql.min.css",
        content_type: CSS,
        bytes: include_bytes!("vendor/graphiql.min.css"),
    },
    Asset {
        name: "page.css",
        content_type: CSS,
        bytes: include_bytes!("page.css"),
    },
    Asset {
        name: "react.production.min.js",
        content_type: JS,
        bytes: include_bytes!("vendor/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: JS,
        bytes: include_bytes!("vendor/react-dom.production.min.js"),
    },
    Asset {
        name: "graphiql.min.js",
        content_type: JS,
        bytes: include_bytes!("vendor/graphiql.min.js"),
    },
    Asset {
        name: "page.js",
        content_type: JS,
        bytes: include_bytes!("page.js"),
    },
    // The licences travel with the binary that embeds the code they cover.
    Asset {
        name: "licenses.txt",
        content_type: "text/plain; charset=utf-8",
        bytes: concat!(
            include_str!("vendor/PINS"),
            "\nReact (react):\n\n",
            include_str!("vendor/LICENSE.react"),
            "\nReactDOM (react-dom):\n\n",
            include_str!("vendor/LICENSE.react-dom"),
            "\nGraphiQL (graphiql):\n\n",
            include_str!("vendor/LICENSE.graphiql"),
            "\n",
            include_str!("vendor/THIRD-PARTY-LICENSES.txt"),
        )
        .as_bytes(),
    },
];

/// A year, the longest lifetime caches honour; the address changes with the bytes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The first 16 hex digits of each file's SHA-256, computed once.
static HASHES: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| format!("{:x}", Sha256::digest(asset.bytes))[..16].to_owned())
        .collect()
});

/// The address of the asset called `name`.
///
/// # Panics
/// When no asset has that name: the names are this module's constants.
pub fn path_of(name: &str) -> String {
    let index = ASSETS
        .iter()
        .position(|asset| asset.name == name)
        .unwrap_or_else(|| panic!("no GraphiQL asset named {name}"));
    format!("/graphiql/{}/{name}", HASHES[index])
}

/// `GET /graphiql/{hash}/{name}`: the file, or 404 for an unknown or stale address.
pub async fn serve(Path((hash, name)): Path<(String, String)>) -> Response {
    let found = ASSETS
        .iter()
        .zip(HASHES.iter())
        .find(|(asset, h)| asset.name == name && **h == hash);
    let Some((asset, _)) = found else {
        return (StatusCode::NOT_FOUND, "no such GraphiQL file").into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        asset.bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vendored files are byte for byte what scripts/update-graphiql.sh
    /// fetched from the registry and checked (vendor/SHA256SUMS).
    #[test]
    fn vendored_files_match_their_recorded_checksums() {
        let sums = include_str!("vendor/SHA256SUMS");
        let vendored = ASSETS
            .iter()
            .filter(|asset| !asset.name.starts_with("page.") && asset.name != "licenses.txt");
        let mut checked = 0;
        for asset in vendored {
            let line = sums
                .lines()
                .find(|line| line.ends_with(&format!("  {}", asset.name)))
                .unwrap_or_else(|| panic!("{} is not in vendor/SHA256SUMS", asset.name));
            let expected = line.split_whitespace().next().unwrap();
            assert_eq!(
                format!("{:x}", Sha256::digest(asset.bytes)),
                expected,
                "{} was changed by hand: run scripts/update-graphiql.sh",
                asset.name
            );
            checked += 1;
        }
        assert_eq!(checked, 4);
    }

    #[test]
    fn every_path_is_distinct_and_served() {
        let paths: std::collections::HashSet<_> = ASSETS.iter().map(|a| path_of(a.name)).collect();
        assert_eq!(paths.len(), ASSETS.len());
        assert!(path_of("page.js").starts_with("/graphiql/"));
    }
}
