//! The whole recruitment year through GraphQL, as each role would do it:
//! participation, courses, the early call with eligible and ineligible
//! applicants and parallel applications, the 2022-like quota allocation,
//! decisions up to quotas and capacities, finalization with both fallbacks.

use crate::helpers::{TestApp, error_code, error_field};
use csc::entity::enums::FieldCode::{self, *};
use serde_json::{Value, json};

const YEAR: i32 = 2027;

/// Fields taking part in the 2022-like example: all but these four.
const NOT_PARTICIPATING: [FieldCode; 4] = [Neurosurgery, Radiology, Pathology, EmergencyMedicine];

/// (field, applicants, expected quota) of domain.md's 2022-like example.
const EXAMPLE: [(FieldCode, usize, i64); 9] = [
    (InternalMedicine, 5, 7),
    (Psychiatry, 4, 6),
    (Urology, 4, 5),
    (Ophthalmology, 3, 4),
    (Pediatrics, 2, 3),
    (Dermatology, 2, 3),
    (Surgery, 1, 2),
    (Orthopedics, 1, 2),
    (PlasticSurgery, 1, 2),
];

fn code(field: FieldCode) -> String {
    use sea_orm::ActiveEnum;
    field.to_value()
}

fn all_fields() -> Vec<FieldCode> {
    use sea_orm::Iterable;
    FieldCode::iter().collect()
}

/// The field's own society, or the board for general practice.
fn society_token(app: &TestApp, field: FieldCode) -> String {
    if field == GeneralPractice {
        app.admin()
    } else {
        app.society(field)
    }
}

async fn create_institution(app: &TestApp, name: &str, kind: &str) -> String {
    let data = app
        .data(
            Some(&app.admin()),
            "mutation($i: CreateInstitutionInput!) { createInstitution(input: $i) { id } }",
            json!({ "i": { "name": name, "kind": kind, "prefecture": "京都府", "certifiedTrainingFacility": true } }),
        )
        .await;
    data["createInstitution"]["id"].as_str().unwrap().to_owned()
}

async fn set_participation(app: &TestApp, field: FieldCode, participating: bool) {
    app.data(
        Some(&society_token(app, field)),
        "mutation($y: Int!, $f: FieldCode!, $p: Boolean!) { setParticipation(year: $y, field: $f, participating: $p) { participating } }",
        json!({ "y": YEAR, "f": code(field), "p": participating }),
    )
    .await;
}

/// Creates, submits, approves and publishes a course; returns its ID.
async fn published_course(
    app: &TestApp,
    field: FieldCode,
    hospital: &str,
    partner: &str,
    capacity: i64,
) -> String {
    let token = society_token(app, field);
    let created = app
        .data(
            Some(&token),
            "mutation($i: CreateCourseInput!) { createCourse(input: $i) { id status } }",
            json!({ "i": {
                "year": YEAR, "field": code(field), "title": format!("{} 臨床研究医コース", code(field)),
                "responsibleInstitutionId": hospital, "director": "研究 太郎", "requestedCapacity": capacity,
                "curriculum": "カリキュラム制", "partnerInstitutionIds": [partner],
                "researchHost": { "kind": "GRADUATE_SCHOOL", "name": "医学研究科", "paperCountFiveYears": 120 },
                "statusGuarantee": { "clinicalPhase": "専攻医と同等", "researchPhase": "社会人大学院",
                                      "socialInsurance": true, "workingGraduateStudent": true }
            } }),
        )
        .await;
    let id = created["createCourse"]["id"].as_str().unwrap().to_owned();
    let vars = json!({ "id": id });
    app.data(
        Some(&token),
        "mutation($id: ID!) { submitCourse(id: $id) { status } }",
        vars.clone(),
    )
    .await;
    app.data(
        Some(&app.admin()),
        "mutation($id: ID!) { approveCourse(id: $id) { status } }",
        vars.clone(),
    )
    .await;
    let published = app
        .data(
            Some(&app.admin()),
            "mutation($id: ID!) { publishCourse(id: $id) { status } }",
            vars,
        )
        .await;
    assert_eq!(published["publishCourse"]["status"], "PUBLISHED");
    id
}

async fn register(
    app: &TestApp,
    sub: &str,
    license: &str,
    obligated: bool,
    completed_on: &str,
) -> Value {
    let (_, json) = app
        .gql(
            Some(&app.applicant(sub)),
            "mutation($i: RegisterApplicantInput!) { registerApplicant(input: $i) { id } }",
            json!({ "i": {
                "fullName": format!("医師 {sub}"), "email": format!("{sub}@example.jp"),
                "medicalLicenseNumber": license, "university": "京都大学", "graduationYear": 2024,
                "initialTrainingCompletedOn": completed_on, "obligatedServiceGraduate": obligated,
                "regionalQuotaObligation": false
            } }),
        )
        .await;
    json
}

async fn apply(app: &TestApp, sub: &str, course: &str, general: Option<&str>) -> Value {
    let general = general.map(|institution| {
        json!({ "programName": "内科専門研修プログラム", "field": "INTERNAL_MEDICINE", "institutionId": institution })
    });
    let (_, json) = app
        .gql(
            Some(&app.applicant(sub)),
            "mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) { id status generalApplication { status } } }",
            json!({ "i": { "courseId": course, "generalApplication": general } }),
        )
        .await;
    json
}

async fn decide(app: &TestApp, token: &str, application: &str, decision: &str) -> Value {
    let (_, json) = app
        .gql(
            Some(token),
            "mutation($id: ID!, $d: Decision!) { decideApplication(id: $id, decision: $d) { status } }",
            json!({ "id": application, "d": decision }),
        )
        .await;
    json
}

/// The board confirms what the societies proposed (I.2(2)④), every pending
/// proposal of the year; returns how many it confirmed.
async fn confirm_proposals(app: &TestApp) -> usize {
    let admin = app.admin();
    let data = app
        .data(
            Some(&admin),
            "{ applications(first: 100) { nodes { id proposedDecision } } }",
            json!({}),
        )
        .await;
    let pending: Vec<String> = data["applications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| !n["proposedDecision"].is_null())
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &pending {
        app.data(
            Some(&admin),
            "mutation($id: ID!) { confirmDecision(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    }
    pending.len()
}

async fn admin_mutation(app: &TestApp, mutation: &str, field: &str) -> Value {
    let query = format!("mutation($y: Int!) {{ {mutation}(year: $y) {{ {field} }} }}");
    app.data(Some(&app.admin()), &query, json!({ "y": YEAR }))
        .await
}

#[tokio::test]
async fn a_whole_recruitment_year() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let hospital = create_institution(&app, "京都大学医学部附属病院", "UNIVERSITY_HOSPITAL").await;
    let partner = create_institution(&app, "京都市立病院", "PUBLIC_HOSPITAL").await;
    let regular = create_institution(&app, "大阪大学医学部附属病院", "UNIVERSITY_HOSPITAL").await;

    app.data(
        Some(&admin),
        "mutation($i: CreateRecruitmentCycleInput!) { createRecruitmentCycle(input: $i) { phase } }",
        json!({ "i": { "year": YEAR, "totalCapacity": 40, "earlyCallOpensOn": "2026-09-01",
                       "earlyCallClosesOn": "2026-09-30", "generalCallOpensOn": "2026-11-04" } }),
    )
    .await;

    // Societies opt in and out; one changes its mind before the call opens.
    for field in all_fields() {
        set_participation(&app, field, !NOT_PARTICIPATING.contains(&field)).await;
    }
    set_participation(&app, Anesthesiology, false).await;
    set_participation(&app, Anesthesiology, true).await;

    // One published course per field with applicants; psychiatry's holds two.
    let mut courses = std::collections::HashMap::new();
    for (field, _, _) in EXAMPLE {
        let capacity = if field == Psychiatry { 2 } else { 10 };
        courses.insert(
            field,
            published_course(&app, field, &hospital, &partner, capacity).await,
        );
    }
    let public = app
        .data(
            None,
            "{ courses(filter: { year: 2027 }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(public["courses"]["totalCount"], 9);

    admin_mutation(&app, "openEarlyCall", "phase").await;

    // 23 eligible applicants as in the example; every other one also applies
    // to a regular program in parallel (half at once, half later).
    let mut applications: Vec<(FieldCode, String, String)> = Vec::new();
    let mut n = 0;
    for (field, count, _) in EXAMPLE {
        for _ in 0..count {
            n += 1;
            let sub = format!("doctor-{n:02}");
            let json = register(&app, &sub, &format!("{}", 500_000 + n), false, "2026-03-31").await;
            assert!(json.get("errors").is_none(), "{json}");
            let general = (n % 4 == 0).then_some(regular.as_str());
            let json = apply(&app, &sub, &courses[&field], general).await;
            assert!(json.get("errors").is_none(), "{json}");
            let id = json["data"]["submitApplication"]["id"]
                .as_str()
                .unwrap()
                .to_owned();
            if n % 4 == 1 {
                let later = app
                    .data(
                        Some(&app.applicant(&sub)),
                        "mutation($id: ID!, $g: GeneralApplicationInput!) { setGeneralApplication(applicationId: $id, input: $g) { generalApplication { status programName } } }",
                        json!({ "id": id, "g": { "programName": "小児科専門研修プログラム", "field": "PEDIATRICS", "institutionId": regular } }),
                    )
                    .await;
                assert_eq!(
                    later["setGeneralApplication"]["generalApplication"]["status"],
                    "PENDING"
                );
            }
            applications.push((field, sub, id));
        }
    }

    // Ineligible doctors are refused with every reason.
    register(&app, "obligated", "600001", true, "2026-03-31").await;
    let refused = apply(&app, "obligated", &courses[&InternalMedicine], None).await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("INELIGIBLE"),
        "{refused}"
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["reasons"],
        json!(["OBLIGATED_SERVICE_GRADUATE"])
    );
    register(&app, "late", "600002", false, "2027-09-30").await;
    let refused = apply(&app, "late", &courses[&InternalMedicine], None).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["reasons"],
        json!(["INITIAL_TRAINING_INCOMPLETE"])
    );

    // A second live application in the cycle is a conflict.
    let again = apply(&app, "doctor-01", &courses[&Psychiatry], None).await;
    assert_eq!(error_code(&again).as_deref(), Some("CONFLICT"), "{again}");

    // One more applicant applies to internal medicine with a parallel
    // application, then withdraws: not counted, and falls back.
    register(&app, "withdrawer", "600003", false, "2026-03-31").await;
    let json = apply(
        &app,
        "withdrawer",
        &courses[&InternalMedicine],
        Some(&regular),
    )
    .await;
    let withdrawn_id = json["data"]["submitApplication"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let withdrawn = app
        .data(
            Some(&app.applicant("withdrawer")),
            "mutation($id: ID!) { withdrawApplication(id: $id) { status } }",
            json!({ "id": withdrawn_id }),
        )
        .await;
    assert_eq!(withdrawn["withdrawApplication"]["status"], "WITHDRAWN");

    admin_mutation(&app, "closeEarlyCall", "phase").await;
    let late = apply(&app, "withdrawer", &courses[&Surgery], None).await;
    assert_eq!(error_code(&late).as_deref(), Some("WRONG_PHASE"));

    // The quota rule, exactly as in domain.md.
    let quotas = admin_mutation(
        &app,
        "allocateFieldQuotas",
        "society { code } participating applicants quota remainderSeats proportionalShare",
    )
    .await;
    let quotas = quotas["allocateFieldQuotas"].as_array().unwrap().clone();
    assert_eq!(quotas.len(), 19);
    assert_eq!(quotas[0]["society"]["code"], "INTERNAL_MEDICINE");
    let quota_of = |field: FieldCode| {
        quotas
            .iter()
            .find(|q| q["society"]["code"] == code(field))
            .unwrap()
            .clone()
    };
    for (field, applicants, expected) in EXAMPLE {
        let q = quota_of(field);
        assert_eq!(q["quota"], expected, "{field:?}: {q}");
        assert_eq!(q["applicants"], applicants as i64, "{field:?}: {q}");
    }
    assert_eq!(quota_of(Psychiatry)["remainderSeats"], 1);
    assert_eq!(quota_of(Urology)["remainderSeats"], 0);
    assert!(
        (quota_of(InternalMedicine)["proportionalShare"]
            .as_f64()
            .unwrap()
            - 125.0 / 23.0)
            .abs()
            < 1e-9
    );
    for field in all_fields() {
        let q = quota_of(field);
        if NOT_PARTICIPATING.contains(&field) {
            assert_eq!(
                (q["participating"].as_bool(), q["quota"].as_i64()),
                (Some(false), Some(0))
            );
        } else if !EXAMPLE.iter().any(|(f, _, _)| *f == field) {
            assert_eq!(q["quota"], 1, "{field:?}");
        }
    }
    let total: i64 = quotas.iter().map(|q| q["quota"].as_i64().unwrap()).sum();
    assert_eq!(total, 40);

    // Decisions: the board lowers dermatology to one seat, so its second
    // adoption exceeds the field quota; psychiatry's course holds two.
    let adjusted = app
        .data(
            Some(&admin),
            "mutation { adjustFieldQuota(year: 2027, field: DERMATOLOGY, quota: 1, reason: \"応募者の辞退が相次いだため\") { quota adjustmentReason } }",
            json!({}),
        )
        .await;
    assert_eq!(adjusted["adjustFieldQuota"]["quota"], 1);
    let of = |field: FieldCode| -> Vec<(String, String)> {
        applications
            .iter()
            .filter(|(f, _, _)| *f == field)
            .map(|(_, sub, id)| (sub.clone(), id.clone()))
            .collect()
    };
    let derm = of(Dermatology);
    // The society proposes; the board confirms (I.2(2)④).
    assert_eq!(
        decide(&app, &app.society(Dermatology), &derm[0].1, "ADOPT").await["data"]["decideApplication"]
            ["status"],
        "SUBMITTED"
    );
    assert_eq!(confirm_proposals(&app).await, 1);
    let over = decide(&app, &app.society(Dermatology), &derm[1].1, "ADOPT").await;
    assert_eq!(
        error_code(&over).as_deref(),
        Some("QUOTA_EXCEEDED"),
        "{over}"
    );
    let below = app
        .gql(Some(&admin), "mutation { adjustFieldQuota(year: 2027, field: DERMATOLOGY, quota: 0, reason: \"x\") { quota } }", json!({}))
        .await
        .1;
    assert_eq!(error_field(&below).as_deref(), Some("quota"), "{below}");

    let psych = of(Psychiatry);
    for (_, id) in &psych[..2] {
        assert!(
            decide(&app, &app.society(Psychiatry), id, "ADOPT")
                .await
                .get("errors")
                .is_none()
        );
    }
    let full = decide(&app, &app.society(Psychiatry), &psych[2].1, "ADOPT").await;
    assert_eq!(
        error_code(&full).as_deref(),
        Some("QUOTA_EXCEEDED"),
        "{full}"
    );
    // Another field's society may not decide here.
    let foreign = decide(&app, &app.society(Urology), &psych[3].1, "ADOPT").await;
    assert_eq!(error_code(&foreign).as_deref(), Some("FORBIDDEN"));
    // A decision can change until finalization.
    decide(&app, &app.society(Psychiatry), &psych[3].1, "NOT_ADOPT").await;

    let internal = of(InternalMedicine);
    for (_, id) in &internal {
        assert!(
            decide(&app, &app.society(InternalMedicine), id, "ADOPT")
                .await
                .get("errors")
                .is_none()
        );
    }
    // The board adopts in surgery; everything else stays undecided.
    assert!(
        decide(&app, &admin, &of(Surgery)[0].1, "ADOPT")
            .await
            .get("errors")
            .is_none()
    );
    assert_eq!(confirm_proposals(&app).await, 2 + 1 + internal.len());

    let cycle = admin_mutation(&app, "finalizeSelection", "phase").await;
    assert_eq!(cycle["finalizeSelection"]["phase"], "SELECTION_FINALIZED");
    let adopted_subs: Vec<String> = [&derm[..1], &psych[..2], &internal[..], &of(Surgery)[..]]
        .concat()
        .into_iter()
        .map(|(sub, _)| sub)
        .collect();
    assert_eq!(adopted_subs.len(), 9);

    // Every applicant's own view of the outcome.
    for (_, sub, _) in &applications {
        let mine = app
            .data(
                Some(&app.applicant(sub)),
                "{ viewer { applicant { applications { status outcome generalApplication { status activatedAt } }
                   trainee { startedOn clinicalPhaseEndsOn plannedCompletionOn phase } } } }",
                json!({}),
            )
            .await;
        let me = &mine["viewer"]["applicant"];
        let application = &me["applications"][0];
        let has_general = !application["generalApplication"].is_null();
        if adopted_subs.contains(sub) {
            assert_eq!(application["status"], "ADOPTED", "{sub}: {me}");
            assert_eq!(application["outcome"], "COURSE");
            if has_general {
                assert_eq!(application["generalApplication"]["status"], "WITHDRAWN");
            }
            assert_eq!(me["trainee"]["startedOn"], "2027-04-01");
            assert_eq!(me["trainee"]["clinicalPhaseEndsOn"], "2029-04-01");
            assert_eq!(me["trainee"]["plannedCompletionOn"], "2034-04-01");
        } else {
            assert_eq!(application["status"], "NOT_ADOPTED", "{sub}: {me}");
            assert!(me["trainee"].is_null());
            if has_general {
                assert_eq!(application["outcome"], "REGULAR_PROGRAM", "{sub}: {me}");
                assert_eq!(application["generalApplication"]["status"], "ACTIVE");
                assert!(application["generalApplication"]["activatedAt"].is_string());
            } else {
                assert_eq!(application["outcome"], "NONE", "{sub}: {me}");
            }
        }
    }
    // The withdrawn applicant falls back like any other.
    let w = app
        .data(Some(&app.applicant("withdrawer")), "{ viewer { applicant { applications { status outcome generalApplication { status } } } } }", json!({}))
        .await;
    assert_eq!(
        w["viewer"]["applicant"]["applications"][0]["outcome"],
        "REGULAR_PROGRAM"
    );
    assert_eq!(
        w["viewer"]["applicant"]["applications"][0]["generalApplication"]["status"],
        "ACTIVE"
    );

    // Statistics are counted in the database.
    let stats_query = "{ recruitmentCycle(year: 2027) { statistics { applicants eligibleApplicants adopted notAdopted withdrawn fellBackToRegularProgram
                         byField { society { code } applicants adopted notAdopted withdrawn } } } trainees { totalCount } }";
    let stats = app.data(Some(&admin), stats_query, json!({})).await;
    let s = &stats["recruitmentCycle"]["statistics"];
    let with_general = applications
        .iter()
        .enumerate()
        .filter(|(i, _)| (i + 1) % 4 == 0 || (i + 1) % 4 == 1);
    let fell_back = with_general
        .filter(|(_, (_, sub, _))| !adopted_subs.contains(sub))
        .count() as i64
        + 1;
    assert_eq!(s["applicants"], 24, "{s}");
    assert_eq!(s["eligibleApplicants"], 24);
    assert_eq!(s["adopted"], 9);
    assert_eq!(s["notAdopted"], 14);
    assert_eq!(s["withdrawn"], 1);
    assert_eq!(s["fellBackToRegularProgram"], fell_back);
    let internal_stats = s["byField"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["society"]["code"] == "INTERNAL_MEDICINE")
        .unwrap();
    assert_eq!(internal_stats["applicants"], 6);
    assert_eq!(internal_stats["adopted"], 5);
    assert_eq!(internal_stats["withdrawn"], 1);
    assert_eq!(stats["trainees"]["totalCount"], 9);

    // The course counts follow.
    let course = app
        .data(
            None,
            "query($id: ID!) { node(id: $id) { ... on Course { applicantCount adoptedCount } } }",
            json!({ "id": courses[&Psychiatry] }),
        )
        .await;
    assert_eq!(course["node"]["applicantCount"], 4);
    assert_eq!(course["node"]["adoptedCount"], 2);

    // Run again, it changes nothing.
    admin_mutation(&app, "finalizeSelection", "phase").await;
    let again = app.data(Some(&admin), stats_query, json!({})).await;
    assert_eq!(again, stats);
}
