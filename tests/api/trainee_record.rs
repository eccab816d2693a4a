//! The trainee record read in one statement (`entity::record`) against the
//! same record read the plain way, one query per part: several trainees
//! at once, under different intakes' rules, with every part present,
//! absent, and filed out of order.

use crate::helpers::{TestApp, YEAR, date};
use chrono::{TimeZone, Utc};
use csc::domain::training::CourseRules;
use csc::entity::enums::{DecisionStatus, EffortSource, ExtensionReason};
use csc::entity::facts::{TraineeRecord, course_rules};
use csc::entity::record::{self, RecordKey};
use csc::entity::{
    course, departure, extension, paper, recruitment_cycle, research_effort_report, study_abroad,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

/// The record of `key` as six plain queries read it: the oracle.
async fn read_plainly(db: &impl ConnectionTrait, key: RecordKey) -> TraineeRecord {
    let course = course::Entity::find_by_id(key.course)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let cycle = recruitment_cycle::Entity::find()
        .filter(recruitment_cycle::Column::Year.eq(course.year))
        .one(db)
        .await
        .unwrap();
    TraineeRecord {
        rules: cycle.map_or(CourseRules::GUIDELINE_2020, |c| CourseRules::from(&c)),
        papers: paper::Entity::find()
            .filter(paper::Column::TraineeId.eq(key.trainee))
            .order_by_asc(paper::Column::Id)
            .all(db)
            .await
            .unwrap(),
        extensions: extension::Entity::find()
            .filter(extension::Column::TraineeId.eq(key.trainee))
            .order_by_asc(extension::Column::Id)
            .all(db)
            .await
            .unwrap(),
        study_abroad: study_abroad::Entity::find()
            .filter(study_abroad::Column::TraineeId.eq(key.trainee))
            .order_by_asc(study_abroad::Column::StartsOn)
            .all(db)
            .await
            .unwrap(),
        departure: departure::Entity::find()
            .filter(departure::Column::TraineeId.eq(key.trainee))
            .one(db)
            .await
            .unwrap(),
        efforts: research_effort_report::Entity::find()
            .filter(research_effort_report::Column::TraineeId.eq(key.trainee))
            .order_by_asc(research_effort_report::Column::Year)
            .all(db)
            .await
            .unwrap(),
    }
}

/// A trainee's full record: two papers, an extension, two periods abroad
/// filed latest first, a departure and two years of effort filed out of
/// order. `n` varies the values from one trainee to the next.
async fn fill(app: &TestApp, trainee: i64, n: i32) {
    let at = Utc.with_ymd_and_hms(2028, 5, 1, 9, 30, 0).unwrap();
    for k in 0..2 {
        paper::ActiveModel {
            trainee_id: Set(trainee),
            title: Set(format!("Paper {n}.{k}")),
            journal: Set("Journal".to_owned()),
            doi: Set((k == 0).then(|| format!("10.1000/{n}.{k}"))),
            published_on: Set(date(2029, 1 + n as u32, 1)),
            sci_indexed: Set(true),
            first_author: Set(k == 0),
            english: Set(k == 0),
            case_report: Set(k == 1),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    extension::ActiveModel {
        trainee_id: Set(trainee),
        reason: Set(ExtensionReason::StudyAbroad),
        months: Set(6 + n),
        status: Set(DecisionStatus::Approved),
        note: Set(Some(format!("note {n}"))),
        requested_at: Set(at),
        decided_at: Set(Some(at)),
        society_agreed: Set(Some(true)),
        society_answered_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    for year in [2031, 2030] {
        study_abroad::ActiveModel {
            trainee_id: Set(trainee),
            host: Set(format!("Host {n} {year}")),
            country: Set("US".to_owned()),
            starts_on: Set(date(year, 4, 1)),
            ends_on: Set(date(year + 1, 3, 31)),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    departure::ActiveModel {
        trainee_id: Set(trainee),
        departed_on: Set(date(2032, 3, 31)),
        reason: Set(format!("reason {n}")),
        special_circumstances: Set(n % 2 == 0),
        special_circumstances_claimed: Set(true),
        special_circumstances_decided_at: Set(None),
        quota_reduction_id: Set(None),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    for (year, percent) in [(2030, 60 + n), (2029, 50)] {
        research_effort_report::ActiveModel {
            trainee_id: Set(trainee),
            year: Set(year),
            percent: Set(percent),
            source: Set(EffortSource::AnnualReport),
            reported_at: Set(at),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
}

fn assert_same(key: RecordKey, got: &TraineeRecord, want: &TraineeRecord) {
    assert_eq!(got.rules, want.rules, "rules of {key:?}");
    assert_eq!(got.papers, want.papers, "papers of {key:?}");
    assert_eq!(got.extensions, want.extensions, "extensions of {key:?}");
    assert_eq!(got.study_abroad, want.study_abroad, "abroad of {key:?}");
    assert_eq!(got.departure, want.departure, "departure of {key:?}");
    assert_eq!(got.efforts, want.efforts, "efforts of {key:?}");
}

#[tokio::test]
async fn one_statement_reads_each_trainees_record_as_six_queries_do() {
    let app = TestApp::spawn().await;
    // Two intakes: the 2020 rules, and other rules (six years, a flexible
    // second paper), two trainees of each.
    app.insert_cycle(YEAR).await;
    app.cycle(YEAR + 1).rules(6, 2, true).insert().await;
    let institution = app.insert_institution("Record University").await;
    // A course without trainees, so that no course shares its id with a
    // trainee: a part filed under the wrong owner cannot pass unseen.
    app.course(institution).insert().await;
    let mut keys = Vec::new();
    for (n, year) in [YEAR, YEAR + 1, YEAR, YEAR + 1].into_iter().enumerate() {
        let course = app.course(institution).year(year).insert().await;
        let sub = format!("record-{n}");
        let enrolled = app
            .trainee_of(course, &sub, &format!("30000{n}"))
            .intake(year)
            .insert()
            .await;
        keys.push(RecordKey {
            trainee: enrolled.trainee,
            course,
        });
    }
    // The last trainee has nothing filed; the others all of it.
    for (n, key) in keys.iter().take(3).enumerate() {
        fill(&app, key.trainee, n as i32).await;
    }

    let records = record::read_many(&app.db, &keys).await.unwrap();
    assert_eq!(records.len(), keys.len());
    for &key in &keys {
        let want = read_plainly(&app.db, key).await;
        assert_same(key, &records[&key], &want);
        let alone = record::read_one(&app.db, key).await.unwrap();
        assert_same(key, &alone, &want);
    }

    // What the test rests on: the rules differ, and the lists are filed
    // out of the order the record gives them.
    let second = &records[&keys[1]];
    assert_eq!(second.rules, course_rules(6, 2, true));
    assert_eq!(records[&keys[2]].rules, CourseRules::GUIDELINE_2020);
    assert_eq!(second.study_abroad[0].starts_on, date(2030, 4, 1));
    assert_eq!(second.efforts[0].year, 2029);
    assert_eq!(second.papers.len(), 2);
    let empty = &records[&keys[3]];
    assert!(empty.papers.is_empty() && empty.departure.is_none());
    assert!(keys.iter().all(|k| k.trainee != k.course));
    assert!(record::read_many(&app.db, &[]).await.unwrap().is_empty());
}
