//! Bearer tokens: issuing (for `csc token`) and verifying (for every request).
//!
//! One algorithm per key, pinned: HS256 with `JWT_SECRET`, RS256 or EdDSA
//! with `JWT_PUBLIC_KEY_FILE`, or a key set (`JWT_JWKS_FILE`) whose keys
//! are chosen by the token's `kid`.
//! `iss`, `aud`, `exp` and `sub` are required and `nbf` is checked, so a
//! token is either fully valid or the request is UNAUTHENTICATED; it never
//! silently falls back to anonymous.

use crate::catalog::SocietyCatalog;
use crate::config::{AuthConfig, MIN_SECRET_BYTES};
use crate::entity::enums::{FieldCode, Role};
use crate::entity::{applicant, institution};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::jwks::KeySet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::{ActiveEnum, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Leeway for clock skew between the issuer and this service.
const LEEWAY_SECONDS: u64 = 30;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub society: Option<String>,
    /// The institution's global ID, as `Institution.id` shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution: Option<String>,
    /// An integrating system (a society's or hospital's software): it may run
    /// only the operations on the allow-list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
}

/// What a token grants, before it is signed.
#[derive(Debug, Clone)]
pub struct Grant {
    pub subject: String,
    pub role: Role,
    pub society: Option<FieldCode>,
    pub institution_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "no signing secret: set JWT_SECRET (at least {MIN_SECRET_BYTES} bytes), JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE, or run `csc serve --dev` for a throwaway one"
    )]
    Missing,
    #[error("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")]
    TooShort,
    #[error("JWT_PUBLIC_KEY_FILE: {0}")]
    PublicKey(String),
    #[error("JWT_JWKS_FILE: {0}")]
    Jwks(String),
}

/// The keys and rules for one deployment's tokens. Clones share the keys,
/// so a reload (`crate::jwks::watch`) reaches every request at once.
#[derive(Clone)]
pub struct TokenKeys {
    keys: Arc<RwLock<Arc<Keys>>>,
    /// The `kid` tokens are signed with, from a key set.
    signing_kid: Option<String>,
    issuer: String,
    audience: String,
}

/// What verifies (and maybe signs) tokens right now. Held once behind an
/// `Arc`, so the size difference of the variants costs nothing.
#[allow(clippy::large_enum_variant)]
enum Keys {
    /// `JWT_SECRET` or `JWT_PUBLIC_KEY_FILE`: one key, tokens carry no `kid`.
    Single {
        /// `None` when tokens come from an external issuer (public key only).
        encoding: Option<EncodingKey>,
        decoding: DecodingKey,
        validation: Validation,
    },
    /// `JWT_JWKS_FILE`: keys by `kid`; a token without a known `kid` is refused.
    Set {
        verify: HashMap<String, (DecodingKey, Validation)>,
        sign: HashMap<String, EncodingKey>,
    },
}

impl TokenKeys {
    fn with(keys: Keys, issuer: &str, audience: &str) -> Self {
        Self {
            keys: Arc::new(RwLock::new(Arc::new(keys))),
            signing_kid: None,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    pub fn new(secret: &str, issuer: &str, audience: &str) -> Result<Self, KeyError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(KeyError::TooShort);
        }
        let keys = Keys::Single {
            encoding: Some(EncodingKey::from_secret(secret.as_bytes())),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation: validation(Algorithm::HS256, issuer, audience),
        };
        Ok(Self::with(keys, issuer, audience))
    }

    /// Verification only, with an identity provider's PEM public key: an
    /// Ed25519 key pins EdDSA, an RSA key pins RS256.
    pub fn from_public_key_pem(pem: &[u8], issuer: &str, audience: &str) -> Result<Self, KeyError> {
        let (decoding, algorithm) = match DecodingKey::from_ed_pem(pem) {
            Ok(key) => (key, Algorithm::EdDSA),
            Err(_) => (
                DecodingKey::from_rsa_pem(pem).map_err(|_| {
                    KeyError::PublicKey("not a PEM Ed25519 or RSA public key".into())
                })?,
                Algorithm::RS256,
            ),
        };
        let keys = Keys::Single {
            encoding: None,
            decoding,
            validation: validation(algorithm, issuer, audience),
        };
        Ok(Self::with(keys, issuer, audience))
    }

    /// A key set (JWKS), keys chosen by `kid` (`crate::jwks`).
    pub fn from_key_set(set: KeySet, issuer: &str, audience: &str) -> Self {
        Self::with(Keys::from_set(set, issuer, audience), issuer, audience)
    }

    /// Puts a reloaded key set in place for every clone of these keys.
    pub fn replace(&self, set: KeySet) {
        let keys = Arc::new(Keys::from_set(set, &self.issuer, &self.audience));
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
    }

    /// Signs with the key set's secret `kid` (`csc token --kid`).
    pub fn signing_with(mut self, kid: &str) -> Result<Self, KeyError> {
        match &*self.current() {
            Keys::Set { sign, .. } if sign.contains_key(kid) => {}
            Keys::Set { .. } => {
                return Err(KeyError::Jwks(format!("no oct (HS256) key with kid {kid}")));
            }
            Keys::Single { .. } => {
                return Err(KeyError::Jwks("--kid needs JWT_JWKS_FILE".into()));
            }
        }
        self.signing_kid = Some(kid.to_owned());
        Ok(self)
    }

    fn current(&self) -> Arc<Keys> {
        Arc::clone(&self.keys.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Whether this deployment signs its own tokens (`csc token`).
    pub fn can_issue(&self) -> bool {
        match &*self.current() {
            Keys::Single { encoding, .. } => encoding.is_some(),
            Keys::Set { sign, .. } => self
                .signing_kid
                .as_ref()
                .is_some_and(|kid| sign.contains_key(kid)),
        }
    }

    /// Keys from configuration; `None` secret is an error unless `dev`, in which
    /// case a random secret is generated and returned so it can be shown.
    pub fn from_config(config: &AuthConfig, dev: bool) -> Result<(Self, Option<String>), KeyError> {
        if let Some(path) = &config.jwt_jwks_file {
            let (set, _) = KeySet::load(path).map_err(KeyError::Jwks)?;
            let keys = Self::from_key_set(set, &config.jwt_issuer, &config.jwt_audience);
            return Ok((keys, None));
        }
        if let Some(path) = &config.jwt_public_key_file {
            let pem = std::fs::read(path)
                .map_err(|e| KeyError::PublicKey(format!("{}: {e}", path.display())))?;
            let keys = Self::from_public_key_pem(&pem, &config.jwt_issuer, &config.jwt_audience)?;
            return Ok((keys, None));
        }
        match (&config.jwt_secret, dev) {
            (Some(secret), _) => Ok((
                Self::new(secret, &config.jwt_issuer, &config.jwt_audience)?,
                None,
            )),
            (None, true) => {
                let secret = random_secret();
                let keys = Self::new(&secret, &config.jwt_issuer, &config.jwt_audience)?;
                Ok((keys, Some(secret)))
            }
            (None, false) => Err(KeyError::Missing),
        }
    }

    /// Signs a token for `grant`, valid for `ttl_seconds` from now.
    ///
    /// # Panics
    /// When the keys cannot sign (check `can_issue` first).
    pub fn issue(&self, grant: &Grant, ttl_seconds: i64) -> String {
        self.issue_for_client(grant, None, ttl_seconds)
    }

    /// Like `issue`, for an integrating system bound to the allow-list.
    ///
    /// # Panics
    /// When the keys cannot sign (check `can_issue` first).
    pub fn issue_for_client(
        &self,
        grant: &Grant,
        client: Option<&str>,
        ttl_seconds: i64,
    ) -> String {
        let keys = self.current();
        let (encoding, kid) = match &*keys {
            Keys::Single { encoding, .. } => (encoding.as_ref(), None),
            Keys::Set { sign, .. } => {
                let kid = self.signing_kid.as_deref();
                (kid.and_then(|kid| sign.get(kid)), kid)
            }
        };
        let encoding =
            encoding.expect("a deployment that verifies with public keys only issues no tokens");
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: grant.subject.clone(),
            role: grant.role.to_value(),
            society: grant.society.map(|f| f.to_value()),
            institution: grant
                .institution_id
                .map(|id| ids::encode(ids::INSTITUTION, id).to_string()),
            client: client.map(str::to_owned),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + ttl_seconds,
            iat: now,
            nbf: now,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, &claims, encoding)
            .expect("HS256 signing with an in-memory key cannot fail")
    }

    /// Checks signature, algorithm, issuer, audience and validity window;
    /// with a key set, the key is the one the token's `kid` names.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        let keys = self.current();
        let (decoding, validation) = match &*keys {
            Keys::Single {
                decoding,
                validation,
                ..
            } => (decoding, validation),
            Keys::Set { verify, .. } => {
                let kid = jsonwebtoken::decode_header(token)
                    .ok()
                    .and_then(|header| header.kid)
                    .ok_or_else(|| refused("no kid"))?;
                let (decoding, validation) =
                    verify.get(&kid).ok_or_else(|| refused("unknown kid"))?;
                (decoding, validation)
            }
        };
        jsonwebtoken::decode::<Claims>(token, decoding, validation)
            .map(|data| data.claims)
            .map_err(|err| refused(&err.kind_description()))
    }
}

/// Logs why a token was refused (the reason only, never the token).
fn refused(reason: &str) -> AppError {
    tracing::debug!(reason, "token refused");
    AppError::Unauthenticated
}

impl Keys {
    fn from_set(set: KeySet, issuer: &str, audience: &str) -> Self {
        let verify = set
            .verify
            .into_iter()
            .map(|(kid, key)| {
                let validation = validation(key.algorithm, issuer, audience);
                (kid, (key.decoding, validation))
            })
            .collect();
        Self::Set {
            verify,
            sign: set.sign,
        }
    }
}

/// One algorithm, pinned; `iss`, `aud`, `exp`, `sub` and `nbf` required and
/// checked, with a small leeway for clock skew.
fn validation(algorithm: Algorithm, issuer: &str, audience: &str) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "nbf"]);
    validation.validate_nbf = true;
    validation.leeway = LEEWAY_SECONDS;
    validation
}

trait KindDescription {
    fn kind_description(&self) -> String;
}

impl KindDescription for jsonwebtoken::errors::Error {
    /// The error kind only: never the token or its claims.
    fn kind_description(&self) -> String {
        format!("{:?}", self.kind())
    }
}

fn random_secret() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Who is calling: built once per request from the token.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    pub role: Option<Role>,
    pub subject: Option<String>,
    pub society: Option<FieldCode>,
    /// The row of `society`, resolved once so scope checks need no join.
    pub society_id: Option<i64>,
    pub institution_id: Option<i64>,
    /// The applicant registered under the token's `sub`, once registered.
    pub applicant_id: Option<i64>,
    /// The integrating system named by the token, bound to the allow-list.
    pub client: Option<String>,
}

impl Viewer {
    pub fn anonymous() -> Self {
        Self::default()
    }

    pub fn is_admin(&self) -> bool {
        self.role == Some(Role::Admin)
    }

    /// Fails FORBIDDEN unless the viewer has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        match self.role {
            Some(role) if roles.contains(&role) => Ok(()),
            Some(_) => Err(AppError::Forbidden),
            None => Err(AppError::Unauthenticated),
        }
    }
}

/// Who calls: the viewer, and for an APPLICANT token the doctor's own
/// registered row, read by the statement that finds its id. The request's
/// loaders take the row (`Loaders::feed`), so that `viewer { applicant }`,
/// the first thing a doctor's screen asks, costs no second statement and
/// no round trip. Kept out of `Viewer`, which is cloned and logged.
pub struct Caller {
    pub viewer: Viewer,
    pub own_record: Option<applicant::Model>,
}

/// Turns verified claims into a caller, checking each role's scope.
#[tracing::instrument(skip_all, fields(role = %claims.role))]
pub async fn caller_from_claims(
    db: &DatabaseConnection,
    societies: &SocietyCatalog,
    claims: Claims,
) -> AppResult<Caller> {
    let role = Role::try_from_value(&claims.role).map_err(|_| AppError::Unauthenticated)?;
    if claims.sub.is_empty() || claims.sub.len() > 255 {
        return Err(AppError::Unauthenticated);
    }
    if claims
        .client
        .as_ref()
        .is_some_and(|c| c.is_empty() || c.len() > 100)
    {
        return Err(AppError::Unauthenticated);
    }
    let mut viewer = Viewer {
        role: Some(role),
        subject: Some(claims.sub.clone()),
        client: claims.client.clone(),
        ..Viewer::default()
    };
    let scoped_only_to = |present: bool, wanted: Role| present == (role == wanted);
    if !scoped_only_to(claims.society.is_some(), Role::Society)
        || !scoped_only_to(claims.institution.is_some(), Role::Institution)
    {
        return Err(AppError::Unauthenticated);
    }
    match role {
        Role::Admin => {}
        Role::Society => {
            let code = claims.society.as_deref().unwrap_or_default();
            let field = FieldCode::try_from_value(&code.to_owned())
                .map_err(|_| AppError::Unauthenticated)?;
            // GENERAL_PRACTICE has no society: the board acts as one
            // (guideline II.1), so no token may speak for it.
            if field == FieldCode::GeneralPractice {
                return Err(AppError::Unauthenticated);
            }
            // From the catalog loaded at start: no statement per request.
            let society = societies.by_code(field).ok_or(AppError::Unauthenticated)?;
            viewer.society = Some(field);
            viewer.society_id = Some(society.id);
        }
        Role::Institution => {
            let id = claims
                .institution
                .as_deref()
                .and_then(|raw| ids::decode_kind(raw, ids::INSTITUTION))
                .ok_or(AppError::Unauthenticated)?;
            let exists = institution::Entity::find_by_id(id)
                .select_only()
                .column(institution::Column::Id)
                .into_tuple::<i64>()
                .one(db)
                .await?;
            viewer.institution_id = Some(exists.ok_or(AppError::Unauthenticated)?);
        }
        Role::Applicant => {
            let own_record = applicant::Entity::find()
                .filter(applicant::Column::Subject.eq(claims.sub.as_str()))
                .one(db)
                .await?;
            viewer.applicant_id = own_record.as_ref().map(|row| row.id);
            return Ok(Caller { viewer, own_record });
        }
    }
    Ok(Caller {
        viewer,
        own_record: None,
    })
}

/// The viewer for an `Authorization` header value, or anonymous without one.
pub async fn authenticate(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    societies: &SocietyCatalog,
    header: Option<&str>,
) -> AppResult<Viewer> {
    Ok(identify(db, keys, societies, header).await?.viewer)
}

/// [`authenticate`], with an applicant's own row ([`Caller`]).
pub async fn identify(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    societies: &SocietyCatalog,
    header: Option<&str>,
) -> AppResult<Caller> {
    let Some(value) = header else {
        return Ok(Caller {
            viewer: Viewer::anonymous(),
            own_record: None,
        });
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AppError::Unauthenticated)?;
    let claims = keys.verify(token)?;
    caller_from_claims(db, societies, claims).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new("0123456789abcdef0123456789abcdef", "csc", "csc-api").unwrap()
    }

    fn admin() -> Grant {
        Grant {
            subject: "staff-1".into(),
            role: Role::Admin,
            society: None,
            institution_id: None,
        }
    }

    #[test]
    fn a_token_it_issued_verifies() {
        let claims = keys().verify(&keys().issue(&admin(), 60)).unwrap();
        assert_eq!(claims.role, "ADMIN");
        assert_eq!(claims.sub, "staff-1");
    }

    #[test]
    fn refuses_expired_foreign_and_short_keys() {
        assert!(keys().verify(&keys().issue(&admin(), -3600)).is_err());
        let other = TokenKeys::new("another-secret-another-secret-1234", "csc", "csc-api").unwrap();
        assert!(keys().verify(&other.issue(&admin(), 60)).is_err());
        let wrong_aud = TokenKeys::new("0123456789abcdef0123456789abcdef", "csc", "other").unwrap();
        assert!(keys().verify(&wrong_aud.issue(&admin(), 60)).is_err());
        assert!(matches!(
            TokenKeys::new("short", "csc", "csc-api"),
            Err(KeyError::TooShort)
        ));
    }
}
