//! Trainee records (`facts::TraineeRecord`) of many trainees read in one
//! statement, for `crate::ops` (inside a write's transaction) and the
//! loaders of `crate::graphql` alike.
//!
//! A record has six parts: five kinds of rows kept by trainee (papers,
//! extensions, research abroad, departure, research effort) and the rules
//! of the intake, kept by the course's cycle. Each part is one branch of a
//! UNION ALL. A branch selects which part it is, its owner (the trainee,
//! or the course for the rules), its own columns under its prefix, and a
//! typed NULL for each column of the other parts: every branch has the
//! same columns, and PostgreSQL can type each of them (an untyped NULL in
//! two branches is taken for text). One statement instead of six: a
//! doctor's own page (bench (d)) spent six of its eleven on the record.

use super::facts::{TraineeRecord, course_rules};
use super::{
    course, departure, extension, paper, recruitment_cycle, research_effort_report, study_abroad,
};
use crate::domain::training::CourseRules;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic,
    Iterable, QueryResult,
};
use std::collections::HashMap;

/// A trainee whose record to read, with the course whose rules it follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordKey {
    pub trainee: i64,
    pub course: i64,
}

/// The records of `keys`, one statement whatever their number.
pub async fn read_many(
    db: &impl ConnectionTrait,
    keys: &[RecordKey],
) -> Result<HashMap<RecordKey, TraineeRecord>, DbErr> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let parts = read_parts(db, keys).await?;
    Ok(keys.iter().map(|&key| (key, parts.record(key))).collect())
}

/// The record of one trainee.
pub async fn read_one(db: &impl ConnectionTrait, key: RecordKey) -> Result<TraineeRecord, DbErr> {
    Ok(read_parts(db, &[key]).await?.record(key))
}

async fn read_parts(db: &impl ConnectionTrait, keys: &[RecordKey]) -> Result<Parts, DbErr> {
    let statement = db.get_database_backend().build(&union(keys)?);
    let mut parts = Parts::default();
    for row in db.query_all_raw(statement).await? {
        parts.take(&row)?;
    }
    Ok(parts)
}

/// The parts of a record, in the order of the statement's branches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Rules,
    Paper,
    Extension,
    StudyAbroad,
    Departure,
    Effort,
}

impl Part {
    const ALL: [Part; 6] = [
        Part::Rules,
        Part::Paper,
        Part::Extension,
        Part::StudyAbroad,
        Part::Departure,
        Part::Effort,
    ];

    fn tag(self) -> i32 {
        self as i32
    }

    fn of(tag: i32) -> Result<Self, DbErr> {
        Self::ALL
            .into_iter()
            .find(|p| p.tag() == tag)
            .ok_or_else(|| DbErr::Type(format!("no part of a trainee record is {tag}")))
    }

    /// Its columns are named `{prefix}{column}`.
    fn prefix(self) -> &'static str {
        match self {
            Part::Rules => "rules_",
            Part::Paper => "paper_",
            Part::Extension => "extension_",
            Part::StudyAbroad => "abroad_",
            Part::Departure => "departure_",
            Part::Effort => "effort_",
        }
    }
}

/// One column of the union: its value in its own part's branch, a NULL of
/// its type in the others.
struct Slot {
    part: Part,
    name: String,
    value: Expr,
    null: Expr,
}

/// The slots of `columns` of `E`, for `part`.
fn slots<E: EntityTrait>(
    part: Part,
    columns: impl IntoIterator<Item = E::Column>,
) -> Result<Vec<Slot>, DbErr> {
    columns
        .into_iter()
        .map(|column| {
            Ok(Slot {
                part,
                name: format!("{}{}", part.prefix(), column.as_str()),
                value: column.select_as(Expr::col((E::default(), column))),
                null: typed_null(column.def().get_column_type())?,
            })
        })
        .collect()
}

/// `CAST(NULL AS type)` for a column of `ty`. SQLite reads any such NULL as
/// NULL; PostgreSQL needs the type to match the branches up.
fn typed_null(ty: &ColumnType) -> Result<Expr, DbErr> {
    let name = match ty {
        ColumnType::BigInteger => "bigint",
        ColumnType::Integer => "integer",
        ColumnType::Boolean => "boolean",
        ColumnType::Date => "date",
        ColumnType::TimestampWithTimeZone => "timestamptz",
        ColumnType::String(_) | ColumnType::Text | ColumnType::Enum { .. } => "text",
        other => {
            return Err(DbErr::Type(format!(
                "no typed NULL for a column of {other:?} in a trainee record"
            )));
        }
    };
    Ok(Expr::cust("NULL").cast_as(Alias::new(name)))
}

/// Every column of the record, part by part.
fn every_slot() -> Result<Vec<Slot>, DbErr> {
    use recruitment_cycle::Column as Cycle;
    let mut out = slots::<recruitment_cycle::Entity>(
        Part::Rules,
        [
            Cycle::CourseYears,
            Cycle::ClinicalYears,
            Cycle::FlexibleSecondPaper,
        ],
    )?;
    out.extend(slots::<paper::Entity>(Part::Paper, paper::Column::iter())?);
    out.extend(slots::<extension::Entity>(
        Part::Extension,
        extension::Column::iter(),
    )?);
    out.extend(slots::<study_abroad::Entity>(
        Part::StudyAbroad,
        study_abroad::Column::iter(),
    )?);
    out.extend(slots::<departure::Entity>(
        Part::Departure,
        departure::Column::iter(),
    )?);
    out.extend(slots::<research_effort_report::Entity>(
        Part::Effort,
        research_effort_report::Column::iter(),
    )?);
    Ok(out)
}

/// The branch of `part`: its table and its owner, filtered to `keys`.
fn from(part: Part, keys: &[RecordKey]) -> (SelectStatement, Expr) {
    let trainees = || keys.iter().map(|k| k.trainee);
    let mut query = Query::select();
    let owner = match part {
        Part::Rules => {
            let owner = Expr::col((course::Entity, course::Column::Id));
            let mut courses: Vec<i64> = keys.iter().map(|k| k.course).collect();
            courses.sort_unstable();
            courses.dedup();
            query
                .from(course::Entity)
                .inner_join(
                    recruitment_cycle::Entity,
                    Expr::col((recruitment_cycle::Entity, recruitment_cycle::Column::Year))
                        .equals((course::Entity, course::Column::Year)),
                )
                .and_where(owner.clone().is_in(courses));
            return (query, owner);
        }
        Part::Paper => owned_by::<paper::Entity>(&mut query, paper::Column::TraineeId),
        Part::Extension => owned_by::<extension::Entity>(&mut query, extension::Column::TraineeId),
        Part::StudyAbroad => {
            owned_by::<study_abroad::Entity>(&mut query, study_abroad::Column::TraineeId)
        }
        Part::Departure => owned_by::<departure::Entity>(&mut query, departure::Column::TraineeId),
        Part::Effort => owned_by::<research_effort_report::Entity>(
            &mut query,
            research_effort_report::Column::TraineeId,
        ),
    };
    query.and_where(owner.clone().is_in(trainees()));
    (query, owner)
}

/// `FROM E`, owned by its `trainee` column.
fn owned_by<E: EntityTrait>(query: &mut SelectStatement, trainee: E::Column) -> Expr {
    query.from(E::default());
    Expr::col((E::default(), trainee))
}

/// The whole statement: one branch per part, every slot in each.
fn union(keys: &[RecordKey]) -> Result<SelectStatement, DbErr> {
    let slots = every_slot()?;
    let mut branches = Part::ALL.into_iter().map(|part| {
        let (mut query, owner) = from(part, keys);
        query
            .expr_as(Expr::cust(part.tag().to_string()), Alias::new("part"))
            .expr_as(owner, Alias::new("owner"));
        for slot in &slots {
            let expr = match slot.part == part {
                true => slot.value.clone(),
                false => slot.null.clone(),
            };
            query.expr_as(expr, Alias::new(slot.name.as_str()));
        }
        query
    });
    let mut statement = branches.next().expect("a record has parts");
    for branch in branches {
        statement.union(UnionType::All, branch);
    }
    Ok(statement)
}

/// The rows of the statement, sorted by part and owner.
#[derive(Default)]
struct Parts {
    rules: HashMap<i64, CourseRules>,
    papers: HashMap<i64, Vec<paper::Model>>,
    extensions: HashMap<i64, Vec<extension::Model>>,
    study_abroad: HashMap<i64, Vec<study_abroad::Model>>,
    departures: HashMap<i64, departure::Model>,
    efforts: HashMap<i64, Vec<research_effort_report::Model>>,
}

impl Parts {
    /// Files one row under its part and owner (`part` and `owner` are the
    /// first two columns).
    fn take(&mut self, row: &QueryResult) -> Result<(), DbErr> {
        let part = Part::of(row.try_get_by_index(0)?)?;
        let owner: i64 = row.try_get_by_index(1)?;
        let prefix = part.prefix();
        match part {
            Part::Rules => {
                let rules = course_rules(
                    row.try_get(prefix, "course_years")?,
                    row.try_get(prefix, "clinical_years")?,
                    row.try_get(prefix, "flexible_second_paper")?,
                );
                self.rules.insert(owner, rules);
            }
            Part::Paper => push(&mut self.papers, owner, row, prefix)?,
            Part::Extension => push(&mut self.extensions, owner, row, prefix)?,
            Part::StudyAbroad => push(&mut self.study_abroad, owner, row, prefix)?,
            Part::Departure => {
                let departure = departure::Model::from_query_result(row, prefix)?;
                self.departures.insert(owner, departure);
            }
            Part::Effort => push(&mut self.efforts, owner, row, prefix)?,
        }
        Ok(())
    }

    /// The record of `key`, each list in the order the rules and the API
    /// give it: papers and extensions as filed, research abroad by start,
    /// research effort by year.
    fn record(&self, key: RecordKey) -> TraineeRecord {
        let mut papers = list(&self.papers, key.trainee);
        papers.sort_by_key(|p| p.id);
        let mut extensions = list(&self.extensions, key.trainee);
        extensions.sort_by_key(|e| e.id);
        let mut study_abroad = list(&self.study_abroad, key.trainee);
        study_abroad.sort_by_key(|s| (s.starts_on, s.id));
        let mut efforts = list(&self.efforts, key.trainee);
        efforts.sort_by_key(|e| (e.year, e.id));
        TraineeRecord {
            rules: self
                .rules
                .get(&key.course)
                .copied()
                .unwrap_or(CourseRules::GUIDELINE_2020),
            papers,
            extensions,
            study_abroad,
            departure: self.departures.get(&key.trainee).cloned(),
            efforts,
        }
    }
}

/// The rows of `owner`, empty when it has none.
fn list<M: Clone>(map: &HashMap<i64, Vec<M>>, owner: i64) -> Vec<M> {
    map.get(&owner).cloned().unwrap_or_default()
}

/// Adds the model of `row`'s columns under `prefix` to `owner`'s list.
fn push<M: FromQueryResult>(
    map: &mut HashMap<i64, Vec<M>>,
    owner: i64,
    row: &QueryResult,
    prefix: &str,
) -> Result<(), DbErr> {
    map.entry(owner)
        .or_default()
        .push(M::from_query_result(row, prefix)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::DbBackend;

    fn keys() -> [RecordKey; 2] {
        [
            RecordKey {
                trainee: 1,
                course: 10,
            },
            RecordKey {
                trainee: 2,
                course: 10,
            },
        ]
    }

    #[test]
    fn every_column_of_the_record_has_a_typed_null() {
        let slots = every_slot().expect("every column maps to a SQL type");
        for part in Part::ALL {
            assert!(slots.iter().any(|s| s.part == part), "{part:?} has columns");
            assert_eq!(Part::of(part.tag()).unwrap(), part);
        }
        let mut names: Vec<&str> = slots.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), slots.len(), "no two slots share a name");
    }

    #[test]
    fn one_branch_per_part_each_with_every_column() {
        let sql = DbBackend::Postgres.build(&union(&keys()).unwrap()).sql;
        assert_eq!(sql.matches("UNION ALL").count(), Part::ALL.len() - 1);
        let columns = every_slot().unwrap().len() + 2;
        assert_eq!(
            sql.matches(" AS \"").count(),
            columns * Part::ALL.len(),
            "{sql}"
        );
        assert!(sql.contains("CAST((NULL) AS timestamptz)"), "{sql}");
    }
}
