//! An institution's course seats in a cycle and the seats it lost after
//! departures (guideline III.3), read inside a mutation's transaction.

use crate::entity::enums::{ApplicationStatus, CourseStatus};
use crate::entity::{application, course, quota_reduction};
use crate::error::AppResult;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

fn to_seats(sum: Option<Option<i64>>) -> u32 {
    u32::try_from(sum.flatten().unwrap_or(0).max(0)).unwrap_or(u32::MAX)
}

/// Seats requested by the institution's courses of `year` that are not
/// withdrawn, leaving out `except` (the course being written).
pub async fn offered(
    conn: &impl ConnectionTrait,
    institution_id: i64,
    year: i32,
    except: Option<i64>,
) -> AppResult<u32> {
    let mut query = course::Entity::find()
        .select_only()
        .column_as(course::Column::RequestedCapacity.sum(), "seats")
        .filter(course::Column::ResponsibleInstitutionId.eq(institution_id))
        .filter(course::Column::Year.eq(year))
        .filter(course::Column::Status.ne(CourseStatus::Withdrawn));
    if let Some(id) = except {
        query = query.filter(course::Column::Id.ne(id));
    }
    Ok(to_seats(query.into_tuple().one(conn).await?))
}

/// Course seats the institution lost for `year` after departures without
/// special circumstances (reductions the board lifted do not count).
pub async fn cut(conn: &impl ConnectionTrait, institution_id: i64, year: i32) -> AppResult<u32> {
    let sum = quota_reduction::Entity::find()
        .select_only()
        .column_as(quota_reduction::Column::CourseSeats.sum(), "seats")
        .filter(quota_reduction::Column::InstitutionId.eq(institution_id))
        .filter(quota_reduction::Column::Year.eq(year))
        .filter(quota_reduction::Column::CancelledAt.is_null())
        .into_tuple()
        .one(conn)
        .await?;
    Ok(to_seats(sum))
}

/// Applications adopted to the institution's courses of `year`, plus, when
/// `with_proposals`, those its societies proposed to adopt.
pub async fn taken(
    conn: &impl ConnectionTrait,
    institution_id: i64,
    year: i32,
    with_proposals: bool,
) -> AppResult<u32> {
    let courses = sea_orm::sea_query::Query::select()
        .column(course::Column::Id)
        .from(course::Entity)
        .and_where(course::Column::ResponsibleInstitutionId.eq(institution_id))
        .and_where(course::Column::Year.eq(year))
        .to_owned();
    let select = application::Entity::find()
        .filter(application::Column::CourseId.in_subquery(courses))
        .filter(taken_condition(with_proposals));
    count(conn, select).await
}

/// Adopted, or (with proposals) proposed for adoption and still undecided.
pub fn taken_condition(with_proposals: bool) -> sea_orm::Condition {
    let adopted = application::Column::Status.eq(ApplicationStatus::Adopted);
    if with_proposals {
        sea_orm::Condition::any().add(adopted).add(
            sea_orm::Condition::all()
                .add(application::Column::Status.eq(ApplicationStatus::Submitted))
                .add(
                    application::Column::ProposedDecision.eq(crate::entity::enums::Decision::Adopt),
                ),
        )
    } else {
        sea_orm::Condition::all().add(adopted)
    }
}

/// The number of applications `select` matches, as seats.
pub async fn count(
    conn: &impl ConnectionTrait,
    select: sea_orm::Select<application::Entity>,
) -> AppResult<u32> {
    use sea_orm::PaginatorTrait;
    Ok(u32::try_from(select.count(conn).await?).unwrap_or(u32::MAX))
}
