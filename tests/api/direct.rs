//! Pages written in one pass (`graphql::direct`, #16) answer exactly as the
//! executor does. Under `nodes` a page of courses is written by its writer;
//! under `edges { node }` the same selection goes through async-graphql's
//! executor and the resolvers. Both run on the demo's courses, as the
//! board sees them (every status, hosts with and without a hospital).

use crate::helpers::TestApp;
use csc::graphql::direct::writes;
use serde_json::{Value, json};

const INSTITUTION: &str = "{ __typename id name nameEn kind prefecture certifiedTrainingFacility }";

/// Every field of each object a course shows, for a field asked alone.
fn under(field: &str) -> String {
    match field {
        "society" => {
            "{ __typename id code fieldNameJa fieldNameEn nameJa nameEn operatedByBoard }".into()
        }
        "responsibleInstitution" => INSTITUTION.into(),
        "clinicalSites" => format!("{{ __typename role institution {INSTITUTION} }}"),
        "researchHost" => format!(
            "{{ __typename kind name paperCountFiveYears paperRecord institution {INSTITUTION} }}"
        ),
        _ => String::new(),
    }
}

/// Every page of courses with `selection` per node, by `nodes` and by
/// `edges`, asserted equal; the number of courses compared.
async fn compare(app: &TestApp, token: Option<&str>, selection: &str) -> usize {
    let page = |list: &str| {
        format!(
            "query($after: String) {{ courses(first: 100, after: $after) {{
                {list} pageInfo {{ hasNextPage endCursor }}
            }} }}"
        )
    };
    let by_nodes = page(&format!("nodes {{ {selection} }}"));
    let by_edges = page(&format!("edges {{ node {{ {selection} }} }}"));
    assert!(writes("Course", &by_nodes), "not written: {selection}");
    let (mut after, mut compared) = (Value::Null, 0);
    loop {
        let vars = json!({ "after": after });
        let written = app.data(token, &by_nodes, vars.clone()).await;
        let executed = app.data(token, &by_edges, vars).await;
        let executed = executed["courses"]["edges"].as_array().expect("edges");
        let written_nodes = written["courses"]["nodes"].as_array().expect("nodes");
        assert_eq!(written_nodes.len(), executed.len(), "{selection}");
        for (node, edge) in written_nodes.iter().zip(executed) {
            assert_eq!(node, &edge["node"], "{selection}");
        }
        compared += executed.len();
        let info = &written["courses"]["pageInfo"];
        if info["hasNextPage"] != json!(true) {
            return compared;
        }
        after = info["endCursor"].clone();
    }
}

/// Each field of Course the writer knows (by introspection: a field added
/// to Course is checked here once the writer takes it), asked alone with
/// every field below it.
#[tokio::test]
async fn each_course_field_written_answers_as_the_executor() {
    let app = TestApp::spawn_demo().await;
    let admin = app.admin();
    let data = app
        .data(
            Some(&admin),
            r#"{ __type(name: "Course") { fields { name } } }"#,
            json!({}),
        )
        .await;
    let mut written = Vec::new();
    for field in data["__type"]["fields"].as_array().expect("fields") {
        let name = field["name"].as_str().expect("name");
        let selection = format!("id {name} {}", under(name));
        if writes(
            "Course",
            &format!("{{ courses {{ nodes {{ {selection} }} }} }}"),
        ) {
            assert!(
                compare(&app, Some(&admin), &selection).await > 100,
                "{name}"
            );
            written.push(name.to_owned());
        }
    }
    for expected in [
        "title",
        "society",
        "clinicalSites",
        "researchHost",
        "publishedAt",
    ] {
        assert!(
            written.iter().any(|w| w == expected),
            "{expected} not written: {written:?}"
        );
    }
}

/// The public list as the front end asks for it (bench (a)), anonymous; and
/// for the board with aliases, `__typename` and fragments on Course.
#[tokio::test]
async fn the_public_list_written_answers_as_the_executor() {
    let app = TestApp::spawn_demo().await;
    let public = "id year title requestedCapacity
        society { code fieldNameJa }
        responsibleInstitution { id name prefecture }
        clinicalSites { role institution { id name prefecture } }
        researchHost { kind name paperCountFiveYears institution { id name } }";
    assert!(compare(&app, None, public).await > 100);
    let shaped = "__typename key: id
        ... on Course { name: title at: publishedAt }
        ... { host: researchHost { where: institution { __typename name } } }
        sites: clinicalSites { __typename r: role }";
    assert!(compare(&app, Some(&app.admin()), shaped).await > 100);
}
