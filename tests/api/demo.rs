//! GraphiQL on the demo, as `csc serve --dev` serves it after `csc
//! seed-demo`: the page says which day the data describes, "Sign in as"
//! offers the demo's cast (the identities the examples run as), and each
//! preloaded tab returns data for the token it names.

use crate::helpers::*;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use csc::clock::Clock;
use csc::seed::Summary;
use csc::startup::build_router;
use csc::state::{AppState, HttpPolicy};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// A fresh database with the default demo, its summary, and the router as
/// `serve --dev` builds it on that database.
async fn demo() -> (TestApp, Summary, Router) {
    let app = TestApp::spawn().await;
    let summary = csc::seed::seed_demo(&app.db, csc::seed::DEFAULT_SCALE, csc::seed::DEFAULT_SEED)
        .await
        .expect("seed the demo");
    let recorded = csc::demo::recorded_day(&app.db).await.unwrap();
    let today = csc::demo::Today::choose(None, true, recorded);
    assert_eq!(today, csc::demo::Today::Demo(summary.today));
    let state = AppState::new(app.db.clone(), app.keys.clone(), today.clock())
        .await
        .unwrap()
        .with_demo_day(today.demo_day())
        .with_policy(HttpPolicy {
            dev: true,
            ..HttpPolicy::default()
        });
    (app, summary, build_router(state))
}

async fn get_json_or_text(router: &Router, path: &str) -> String {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(header::HOST, "127.0.0.1:8080")
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

/// The settings block of the GraphiQL page.
async fn page_settings(router: &Router) -> Value {
    let html = get_json_or_text(router, "/graphql").await;
    let start = html.find("id=\"csc-graphiql-settings\">").unwrap() + 27;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

/// "Sign in as": each choice's key and its token.
async fn identities(router: &Router) -> Vec<Value> {
    let body = get_json_or_text(router, csc::graphiql::sign_in::PATH).await;
    serde_json::from_str::<Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn token_of<'a>(identities: &'a [Value], key: &str) -> &'a str {
    identities
        .iter()
        .find(|i| i["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in \"Sign in as\": {identities:?}"))["token"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn the_page_says_which_day_the_demo_describes() {
    let (_app, summary, router) = demo().await;
    let settings = page_settings(&router).await;
    assert_eq!(
        settings["today"],
        format!("Demo data as of {}", summary.today)
    );
    // The tabs are about the intake in selection on that day.
    let first = settings["defaultTabs"][0]["query"].as_str().unwrap();
    assert!(
        first.contains(&format!("$year: Int = {}", csc::seed::SELECTION_YEAR)),
        "{first}"
    );
}

#[tokio::test]
async fn sign_in_offers_the_demo_cast() {
    let (app, summary, router) = demo().await;
    let identities = identities(&router).await;
    let keys: Vec<&str> = identities
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    let (waiting, _) = summary.waiting_applicant.clone().expect("a doctor waiting");
    let second = format!("APPLICANT:{waiting}");
    assert_eq!(
        keys,
        vec![
            "ADMIN",
            "SOCIETY",
            "INSTITUTION",
            "APPLICANT",
            second.as_str()
        ]
    );
    let (hospital_id, hospital) = summary.first_trainee_institution.clone().unwrap();
    let viewer = "{ viewer { role subject society { code } institution { id name } applicant { fullName } } }";
    let data = app
        .data(
            Some(token_of(&identities, "INSTITUTION")),
            viewer,
            json!({}),
        )
        .await;
    assert_eq!(data["viewer"]["institution"]["name"], hospital.as_str());
    assert_eq!(
        data["viewer"]["institution"]["id"],
        gid("Institution", hospital_id)
    );
    for (key, subject) in [
        ("APPLICANT", summary.first_subject.as_str()),
        (second.as_str(), waiting.as_str()),
    ] {
        let data = app
            .data(Some(token_of(&identities, key)), viewer, json!({}))
            .await;
        assert_eq!(data["viewer"]["subject"], subject);
        assert!(
            data["viewer"]["applicant"]["fullName"].is_string(),
            "{data}"
        );
    }
}

#[tokio::test]
async fn each_tab_returns_data_for_the_token_it_names() {
    let (app, summary, router) = demo().await;
    let settings = page_settings(&router).await;
    let served = settings["defaultTabs"].as_array().unwrap();
    let year = csc::graphiql::tabs::current_intake(summary.today);
    assert_eq!(year, csc::seed::SELECTION_YEAR);
    let tabs = csc::graphiql::tabs::tabs(&csc::invocation::csc_command(), true, year);
    assert_eq!(served.len(), tabs.len());
    let identities = identities(&router).await;
    for (tab, served) in tabs.iter().zip(served) {
        assert_eq!(served["query"], tab.query.as_str());
        let token = tab.sign_in_as.map(|key| {
            assert!(
                tab.query.contains(&format!("pick {key}")),
                "the tab does not say to pick {key}: {}",
                tab.query
            );
            token_of(&identities, key)
        });
        // GraphiQL sends the tab as it is: its variables take their defaults.
        let data = app.data(token, &tab.query, json!({})).await;
        let rows = match tab.sign_in_as {
            None => data["courses"]["totalCount"].as_i64(),
            Some("ADMIN") => data["recruitmentCycle"]["statistics"]["applicants"].as_i64(),
            Some("SOCIETY") => data["applications"]["totalCount"].as_i64(),
            Some(_) => data["viewer"]["applicant"]["applications"]
                .as_array()
                .map(|a| a.len() as i64),
        };
        assert!(
            rows.unwrap_or(0) > 0,
            "no data for {:?}: {data}",
            tab.sign_in_as
        );
    }
    // The doctor's tab shows a trainee record too.
    let me = tabs.last().unwrap();
    let data = app
        .data(
            Some(token_of(&identities, "APPLICANT")),
            &me.query,
            json!({}),
        )
        .await;
    assert!(
        data["viewer"]["applicant"]["trainee"]["phase"].is_string(),
        "{data}"
    );
    // Without --dev (the real date and no "Sign in as") the page names no day.
    let plain = AppState::new(
        app.db.clone(),
        app.keys.clone(),
        Clock { fixed_today: None },
    )
    .await
    .unwrap();
    let settings = page_settings(&build_router(plain)).await;
    assert_eq!(settings["today"], Value::Null);
    assert_eq!(settings["signIn"], Value::Null);
}
