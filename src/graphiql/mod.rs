//! GraphiQL, served from the binary itself, so that it works on a network
//! without internet access (a hospital's, a ministry's): React, ReactDOM and
//! GraphiQL are vendored at pinned versions (vendor/PINS, refreshed and
//! checked by scripts/update-graphiql.sh) and embedded with `include_bytes!`.
//! The page runs no inline script: its settings travel as a JSON block and
//! its code is a served file, so its Content-Security-Policy allows this
//! origin only.

mod assets;
pub mod sign_in;
pub mod tabs;

pub use tabs::HEADERS_PLACEHOLDER;

use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

/// Scripts, styles, fonts, images and requests from this origin only; the
/// `data:` fonts and images are the ones inside GraphiQL's stylesheet.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TEMPLATE: &str = include_str!("page.html");

/// The asset routes; with `sign_in` (`serve --dev`, and keys that can sign),
/// the "Sign in as" tokens too.
pub fn routes(sign_in: bool) -> Router<AppState> {
    let router = Router::new().route("/graphiql/{hash}/{name}", get(assets::serve));
    if sign_in {
        router.route(sign_in::PATH, get(sign_in::identities))
    } else {
        router
    }
}

/// `GET /graphql` in a browser: the GraphiQL page.
pub fn page(state: &AppState) -> Response {
    // With an identity provider's public key the service mints no tokens.
    let dev = state.policy.dev && state.keys.can_issue();
    let today = state.clock.today();
    let year = tabs::current_intake(today);
    let settings = json!({
        "endpoint": "/graphql",
        "subscriptionEndpoint": "/graphql/ws",
        "defaultTabs": tabs::tabs(&crate::invocation::csc_command(), dev, year),
        "defaultHeaders": HEADERS_PLACEHOLDER,
        "signIn": dev.then_some(sign_in::PATH),
        "today": today_label(state),
    });
    let mut html = TEMPLATE.replace("{{settings}}", &script_safe(&settings.to_string()));
    for asset in assets::ASSETS {
        html = html.replace(
            &format!("{{{{{}}}}}", asset.name),
            &assets::path_of(asset.name),
        );
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            // The page names the current asset addresses: always revalidate it.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            ),
        ],
        html,
    )
        .into_response()
}

/// What the page says about today when it is not the real date: the demo's
/// day (`serve --dev` on demo data) or the day `CSC_TODAY` fixes.
fn today_label(state: &AppState) -> Option<String> {
    match (state.demo_day, state.clock.fixed_today) {
        (Some(day), _) => Some(format!("Demo data as of {day}")),
        (None, Some(day)) => Some(format!("Today is {day} (CSC_TODAY)")),
        (None, None) => None,
    }
}

/// JSON that cannot close the `<script>` element it sits in: `<`, `>` and
/// `&` only ever occur inside JSON strings, where `\u00XX` means the same.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::script_safe;

    #[test]
    fn settings_cannot_end_the_script_element() {
        let json =
            serde_json::json!({ "query": "</script><script>alert(1)</script> & more" }).to_string();
        let safe = script_safe(&json);
        assert!(!safe.contains('<') && !safe.contains('>'));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&safe).unwrap(),
            serde_json::from_str::<serde_json::Value>(&json).unwrap()
        );
    }
}
