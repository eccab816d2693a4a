//! Key sets for rotation (`JWT_JWKS_FILE`): a JWKS document whose keys are
//! chosen by the token's `kid`, reloaded on SIGHUP and when the file
//! changes, so an identity provider can add a key, sign with it, and retire
//! the old one without a restart.
//!
//! Accepted keys: `oct` (an HS256 secret of at least 32 bytes, which `csc
//! token --kid` can also sign with), `RSA` (RS256) and `OKP` with curve
//! Ed25519 (EdDSA) public keys. Every key needs a `kid`; a key's algorithm
//! is pinned by its type (and its `alg`, when given, must agree). A file
//! that does not parse is refused whole: at start the service does not
//! start, on reload the keys in use stay.

use crate::config::MIN_SECRET_BYTES;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often the file is read for changes (besides SIGHUP).
pub const POLL_EVERY: Duration = Duration::from_secs(2);

/// One verification key, and the algorithm it is pinned to.
#[derive(Clone)]
pub struct VerifyKey {
    pub decoding: DecodingKey,
    pub algorithm: Algorithm,
}

/// A parsed JWKS: verification keys by `kid`, and the secrets among them.
#[derive(Clone, Default)]
pub struct KeySet {
    pub verify: HashMap<String, VerifyKey>,
    pub sign: HashMap<String, EncodingKey>,
}

impl KeySet {
    /// Parses a JWKS document; any bad key fails the whole set.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let set: JwkSet =
            serde_json::from_slice(bytes).map_err(|e| format!("not a JWKS document: {e}"))?;
        if set.keys.is_empty() {
            return Err("the key set is empty".into());
        }
        let mut keys = Self::default();
        for (index, jwk) in set.keys.iter().enumerate() {
            let kid = jwk
                .common
                .key_id
                .clone()
                .filter(|kid| !kid.is_empty())
                .ok_or_else(|| format!("key {index} has no kid"))?;
            let (algorithm, secret) = pinned(jwk).map_err(|e| format!("key {kid}: {e}"))?;
            let decoding = DecodingKey::from_jwk(jwk).map_err(|e| format!("key {kid}: {e}"))?;
            if let Some(secret) = secret {
                keys.sign
                    .insert(kid.clone(), EncodingKey::from_secret(&secret));
            }
            if keys
                .verify
                .insert(
                    kid.clone(),
                    VerifyKey {
                        decoding,
                        algorithm,
                    },
                )
                .is_some()
            {
                return Err(format!("kid {kid} appears twice"));
            }
        }
        Ok(keys)
    }

    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<(Self, Vec<u8>), String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let set = Self::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok((set, bytes))
    }
}

/// The one algorithm a key verifies, and an `oct` key's secret bytes.
fn pinned(jwk: &Jwk) -> Result<(Algorithm, Option<Vec<u8>>), String> {
    let (algorithm, secret) = match &jwk.algorithm {
        AlgorithmParameters::OctetKey(params) => {
            use base64::Engine;
            let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(params.value.trim_end_matches('='))
                .map_err(|_| "k is not base64url".to_owned())?;
            if secret.len() < MIN_SECRET_BYTES {
                return Err(format!(
                    "an HS256 secret needs at least {MIN_SECRET_BYTES} bytes"
                ));
            }
            (Algorithm::HS256, Some(secret))
        }
        AlgorithmParameters::RSA(_) => (Algorithm::RS256, None),
        AlgorithmParameters::OctetKeyPair(params) if params.curve == EllipticCurve::Ed25519 => {
            (Algorithm::EdDSA, None)
        }
        _ => return Err("only oct (HS256), RSA (RS256) and OKP Ed25519 (EdDSA) keys".into()),
    };
    match jwk.common.key_algorithm {
        None => {}
        Some(KeyAlgorithm::HS256) if algorithm == Algorithm::HS256 => {}
        Some(KeyAlgorithm::RS256) if algorithm == Algorithm::RS256 => {}
        Some(KeyAlgorithm::EdDSA) if algorithm == Algorithm::EdDSA => {}
        Some(other) => return Err(format!("alg {other:?} does not fit the key type")),
    }
    Ok((algorithm, secret))
}

/// Reloads `keys` from `path` on SIGHUP and whenever the file's bytes
/// change (read every `every`), for as long as the process runs. A file
/// that does not parse is logged and the keys in use stay.
pub fn watch(keys: crate::auth::TokenKeys, path: PathBuf, every: Duration) {
    // Read now: a change made before the task first runs is still a change.
    let mut last = std::fs::read(&path).unwrap_or_default();
    tokio::spawn(async move {
        #[cfg(unix)]
        let mut hangup =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        loop {
            #[cfg(unix)]
            let signalled = async {
                match hangup.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            #[cfg(not(unix))]
            let signalled = std::future::pending::<()>();
            let forced = tokio::select! {
                () = signalled => true,
                () = tokio::time::sleep(every) => false,
            };
            let Ok(bytes) = std::fs::read(&path) else {
                tracing::error!(file = %path.display(), "JWT_JWKS_FILE unreadable: the keys in use stay");
                continue;
            };
            if !forced && bytes == last {
                continue;
            }
            match KeySet::parse(&bytes) {
                Ok(set) => {
                    let kids = set.verify.len();
                    keys.replace(set);
                    tracing::info!(file = %path.display(), keys = kids, forced, "token keys reloaded");
                }
                Err(err) => {
                    tracing::error!(file = %path.display(), error = %err, "JWT_JWKS_FILE refused: the keys in use stay");
                }
            }
            last = bytes;
        }
    });
}
