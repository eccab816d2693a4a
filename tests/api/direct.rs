//! Pages written in one pass (`graphql::direct`, #16) answer exactly as the
//! executor does. Under `nodes` a page of courses or applications is written
//! by its writer; under `edges { node }` the same selection goes through
//! async-graphql's executor and the resolvers. Both run on the demo's
//! courses and applications, as the board sees them (every status, hosts
//! with and without a hospital, applications with and without a general
//! application), and as a society sees its own.

use crate::helpers::TestApp;
use csc::entity::audit_event;
use csc::entity::enums::FieldCode;
use csc::graphql::direct::writes;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
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
    compare_pages(app, token, List::COURSES, selection).await
}

/// A root list and the type of its nodes.
#[derive(Clone, Copy)]
struct List {
    field: &'static str,
    arguments: &'static str,
    type_name: &'static str,
}

impl List {
    const COURSES: Self = Self {
        field: "courses",
        arguments: "",
        type_name: "Course",
    };
    const APPLICATIONS: Self = Self {
        field: "applications",
        arguments: "",
        type_name: "Application",
    };
}

/// Every page of `list` with `selection` per node, by `nodes` and by
/// `edges`, asserted equal, and asserted to note the same personal-data
/// reads for the audit; the number of nodes compared.
async fn compare_pages(app: &TestApp, token: Option<&str>, list: List, selection: &str) -> usize {
    let List {
        field,
        arguments,
        type_name,
    } = list;
    let page = |shape: &str| {
        format!(
            "query($after: String) {{ {field}({arguments} first: 100, after: $after) {{
                {shape} pageInfo {{ hasNextPage endCursor }}
            }} }}"
        )
    };
    let by_nodes = page(&format!("nodes {{ {selection} }}"));
    let by_edges = page(&format!("edges {{ node {{ {selection} }} }}"));
    assert!(writes(type_name, &by_nodes), "not written: {selection}");
    let (mut after, mut compared) = (Value::Null, 0);
    loop {
        let vars = json!({ "after": after });
        let before = personal_reads(app).await.len();
        let written = app.data(token, &by_nodes, vars.clone()).await;
        let between = personal_reads(app).await.len();
        let executed = app.data(token, &by_edges, vars).await;
        let reads = personal_reads(app).await;
        let mut read_by_writer = reads[before..between].to_vec();
        let mut read_by_executor = reads[between..].to_vec();
        read_by_writer.sort();
        read_by_executor.sort();
        assert_eq!(
            read_by_writer, read_by_executor,
            "audited reads: {selection}"
        );

        let executed = executed[field]["edges"].as_array().expect("edges");
        let written_nodes = written[field]["nodes"].as_array().expect("nodes");
        assert_eq!(written_nodes.len(), executed.len(), "{selection}");
        for (node, edge) in written_nodes.iter().zip(executed) {
            assert_eq!(node, &edge["node"], "{selection}");
        }
        compared += executed.len();
        let info = &written[field]["pageInfo"];
        if info["hasNextPage"] != json!(true) {
            return compared;
        }
        after = info["endCursor"].clone();
    }
}

/// The targets of the `readPersonalData` audit events, oldest first.
async fn personal_reads(app: &TestApp) -> Vec<String> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Operation.eq("readPersonalData"))
        .order_by_asc(audit_event::Column::Id)
        .all(&app.db)
        .await
        .expect("audit events")
        .into_iter()
        .map(|e| e.target_id.unwrap_or_default())
        .collect()
}

/// Each field of Course the writer knows (by introspection: a field added
/// to Course is checked here once the writer takes it), asked alone with
/// every field below it.
#[tokio::test]
async fn each_course_field_written_answers_as_the_executor() {
    let app = TestApp::spawn_demo().await;
    let expected = [
        "title",
        "society",
        "clinicalSites",
        "researchHost",
        "publishedAt",
    ];
    each_field_written(&app, List::COURSES, under, &expected).await;
}

/// Asks each field of `list`'s type that its writer knows (by
/// introspection: a field added to the type is checked once the writer
/// takes it) alone, with `under(field)` below it, as the board, and
/// compares it with the executor's answer; asserts `expected` among them.
async fn each_field_written(
    app: &TestApp,
    list: List,
    under: fn(&str) -> String,
    expected: &[&str],
) {
    let admin = app.admin();
    let data = app
        .data(
            Some(&admin),
            "query($name: String!) { __type(name: $name) { fields { name } } }",
            json!({ "name": list.type_name }),
        )
        .await;
    let mut written = Vec::new();
    for field in data["__type"]["fields"].as_array().expect("fields") {
        let name = field["name"].as_str().expect("name");
        let selection = format!("id {name} {}", under(name));
        let document = format!("{{ {} {{ nodes {{ {selection} }} }} }}", list.field);
        if writes(list.type_name, &document) {
            let compared = compare_pages(app, Some(&admin), list, &selection).await;
            assert!(compared > 100, "{name}: {compared}");
            written.push(name.to_owned());
        }
    }
    for expected in expected {
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

/// Every field of each object an application shows, for a field asked alone.
fn under_application(field: &str) -> String {
    match field {
        "course" => "{ __typename id year title director requestedCapacity status curriculum
            submittedAt publishedAt society { code nameJa } }"
            .into(),
        "applicant" => "{ __typename id fullName fullNameKana email medicalLicenseNumber
            university graduationYear initialTrainingCompletedOn obligatedServiceGraduate
            regionalQuotaObligation }"
            .into(),
        "generalApplication" => format!(
            "{{ __typename id programName society {{ code }} institution {INSTITUTION}
                status activatedAt }}"
        ),
        _ => String::new(),
    }
}

/// Each field of Application the writer knows, asked alone with every field
/// below it, as the board: the same answers and the same audited reads as
/// the executor's.
#[tokio::test]
async fn each_application_field_written_answers_as_the_executor() {
    let app = TestApp::spawn_demo().await;
    let expected = ["status", "course", "applicant", "generalApplication"];
    each_field_written(&app, List::APPLICATIONS, under_application, &expected).await;
}

/// A society's review screen (bench (b)), as the society: written, and
/// answered as the executor answers it, with the same audited reads.
#[tokio::test]
async fn the_review_screen_written_answers_as_the_executor() {
    let app = TestApp::spawn_demo().await;
    let society = app.society(FieldCode::InternalMedicine);
    let review = "id status submittedAt
        course { id title }
        applicant { id fullName university graduationYear medicalLicenseNumber }
        generalApplication { programName status institution { name } }";
    let compared = compare_pages(&app, Some(&society), List::APPLICATIONS, review).await;
    assert!(compared > 30, "{compared}");
    // Each personal field alone notes its reads, as its resolver does.
    for field in [
        "fullName",
        "fullNameKana",
        "email",
        "medicalLicenseNumber",
        "university",
    ] {
        let selection = format!("id applicant {{ id {field} }}");
        compare_pages(&app, Some(&society), List::APPLICATIONS, &selection).await;
    }
    assert!(personal_reads(&app).await.len() > 30);
}

/// A selection that shows a related row the page did not read in part
/// (`cycle`, a load) is answered by the executor, and the writer leaves
/// selections it does not know.
#[test]
fn the_writer_leaves_what_it_does_not_know() {
    for document in [
        "{ applications { nodes { id cycle { year } } } }",
        "{ applications { nodes { proposedDecision } } }",
        "{ applications { nodes { course { responsibleInstitution { name } } } } }",
        "{ applications { nodes { applicant { eligibility(year: 2027) { eligible } } } } }",
    ] {
        assert!(!writes("Application", document), "{document}");
    }
    assert!(writes(
        "Application",
        include_str!("../../bench/queries/b_field_applications.graphql")
    ));
}
