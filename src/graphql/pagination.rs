//! Relay connections: keyset pages over the primary key, opaque cursors,
//! `first` defaulting to 20 and capped at 100, counts only when asked.
//! A connection nested under a list of parents is cut per parent in SQL
//! (`fetch_pages_by_parent`), for all parents in one statement.

use crate::error::{AppError, AppResult};
use async_graphql::Object;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Asterisk, Expr, Func, Order, Query, WindowStatement};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

/// Validated `first`/`after` arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub first: u64,
    /// Rows after this primary key.
    pub after: Option<i64>,
}

impl PageArgs {
    pub fn parse(first: Option<i32>, after: Option<&str>) -> AppResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE,
            Some(n) if n < 0 => return Err(AppError::bad_input("first", "must not be negative")),
            Some(n) => (n as u64).min(MAX_PAGE),
        };
        let after = after
            .map(|c| {
                decode_cursor(c)
                    .ok_or_else(|| AppError::bad_input("after", "not a cursor of this list"))
            })
            .transpose()?;
        Ok(Self { first, after })
    }
}

pub fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
}

fn decode_cursor(raw: &str) -> Option<i64> {
    if raw.len() > 64 {
        return None;
    }
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
    text.strip_prefix("cursor:")?.parse().ok()
}

/// Models whose primary key orders their pages.
pub trait Keyed {
    fn key(&self) -> i64;
}

/// One page of rows, in primary-key order.
#[derive(Clone)]
pub struct Page<M> {
    pub rows: Vec<M>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

impl<M> Page<M> {
    /// The page of `rows`, read as up to `first + 1` rows in key order: the
    /// one extra row tells whether another page follows.
    pub fn cut(mut rows: Vec<M>, args: PageArgs) -> Self {
        let has_next_page = rows.len() as u64 > args.first;
        rows.truncate(args.first as usize);
        Self {
            rows,
            has_next_page,
            has_previous_page: args.after.is_some(),
        }
    }

    /// The same page with each row turned into `T`.
    pub fn map<T>(self, f: impl FnMut(M) -> T) -> Page<T> {
        Page {
            rows: self.rows.into_iter().map(f).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
        }
    }
}

/// Runs `select` for one page: one statement, `first + 1` rows to learn
/// whether another page follows.
pub async fn fetch_page<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    key: E::Column,
    args: PageArgs,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Keyed,
{
    Ok(Page::cut(
        page_select(select, key, args).all(db).await?,
        args,
    ))
}

/// `select` in `key` order after the cursor, limited to `first + 1` rows:
/// also for `first: 0`, the one extra row tells whether rows follow.
pub fn page_select<E: EntityTrait>(select: Select<E>, key: E::Column, args: PageArgs) -> Select<E> {
    let mut select = select.order_by_asc(key).limit(args.first + 1);
    if let Some(after) = args.after {
        select = select.filter(key.gt(after));
    }
    select
}

/// One page per parent, for all `parents` in one statement: the rows of
/// `select` whose `parent` column is one of `parents`, numbered per parent
/// with `ROW_NUMBER() OVER (PARTITION BY parent ORDER BY key)` and cut at
/// `first + 1` by the database, so no parent's further rows are read.
/// Every parent gets a page, an empty one when it has no rows.
pub async fn fetch_pages_by_parent<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    (parent, key): (E::Column, E::Column),
    parents: &[i64],
    args: PageArgs,
    parent_of: impl Fn(&E::Model) -> i64,
) -> Result<HashMap<i64, Page<E::Model>>, DbErr>
where
    E: EntityTrait,
{
    use sea_orm::ExprTrait;
    let mut select = select.filter(parent.is_in(parents.iter().copied()));
    if let Some(after) = args.after {
        select = select.filter(key.gt(after));
    }
    let mut window = WindowStatement::partition_by((parent.entity_name(), parent));
    window.order_by((key.entity_name(), key), Order::Asc);
    let mut numbered = select.into_query();
    numbered.expr_window_as(Expr::cust("ROW_NUMBER()"), window, "rn");
    let query = Query::select()
        .column(Asterisk)
        .from_subquery(numbered, "numbered")
        .and_where(Expr::col("rn").lte(args.first + 1))
        .order_by(parent, Order::Asc)
        .order_by(key, Order::Asc)
        .to_owned();
    let rows = E::find()
        .from_raw_sql(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    let mut grouped: HashMap<i64, Vec<E::Model>> = HashMap::new();
    for row in rows {
        grouped.entry(parent_of(&row)).or_default().push(row);
    }
    Ok(parents
        .iter()
        .map(|&p| (p, Page::cut(grouped.remove(&p).unwrap_or_default(), args)))
        .collect())
}

/// `totalCount` of a nested connection for all `parents` in one grouped
/// COUNT; a parent without rows counts 0.
pub async fn count_by_parent<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    parent: E::Column,
    parents: &[i64],
) -> Result<HashMap<i64, u64>, DbErr>
where
    E: EntityTrait,
{
    let counts: Vec<(i64, i64)> = select
        .filter(parent.is_in(parents.iter().copied()))
        .select_only()
        .column(parent)
        .column_as(Expr::from(Func::count(Expr::col(Asterisk))), "n")
        .group_by(parent)
        .into_tuple()
        .all(db)
        .await?;
    let counts: HashMap<i64, i64> = counts.into_iter().collect();
    Ok(parents
        .iter()
        .map(|&p| (p, counts.get(&p).map_or(0, |&n| n.max(0) as u64)))
        .collect())
}

type CountFuture = Pin<Box<dyn Future<Output = Result<u64, DbErr>> + Send>>;

/// `totalCount`, deferred: the COUNT runs only when a client asks for it.
#[derive(Clone)]
pub struct TotalCount(Arc<dyn Fn() -> CountFuture + Send + Sync>);

impl TotalCount {
    /// A count computed by `count` when (and each time) it is asked for.
    pub fn deferred<F, Fut>(count: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<u64, DbErr>> + Send + 'static,
    {
        Self(Arc::new(move || Box::pin(count())))
    }

    pub fn of<E>(db: &DatabaseConnection, select: Select<E>) -> Self
    where
        E: EntityTrait,
        E::Model: Sync,
    {
        let db = db.clone();
        Self(Arc::new(move || {
            let db = db.clone();
            let select = select.clone();
            Box::pin(async move { select.count(&db).await })
        }))
    }

    pub async fn get(&self) -> Result<i32, DbErr> {
        (self.0)().await.map(|n| n.min(i32::MAX as u64) as i32)
    }
}

pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// Where a page stands in its list (Relay). Lists are read forwards, in the
/// order the objects were created, one page at a time: pass `endCursor` as
/// `after` while `hasNextPage` is true.
#[Object]
impl PageInfo {
    /// Whether more objects follow this page: fetch them with
    /// `after: endCursor`.
    async fn has_next_page(&self) -> bool {
        self.has_next_page
    }
    /// Whether this page was asked for with `after`, so objects come before
    /// it; there is no paging backwards.
    async fn has_previous_page(&self) -> bool {
        self.has_previous_page
    }
    /// The cursor of the page's first object; null on an empty page.
    async fn start_cursor(&self) -> Option<&str> {
        self.start_cursor.as_deref()
    }
    /// The cursor of the page's last object, to pass as `after` for the
    /// next page; null on an empty page.
    async fn end_cursor(&self) -> Option<&str> {
        self.end_cursor.as_deref()
    }
}

/// Declares `<Node>Connection` and `<Node>Edge` for a node type that wraps a
/// `Keyed` model and can be built `From` it.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $model:ty) => {
        pub struct $conn {
            nodes: Vec<$node>,
            cursors: Vec<String>,
            has_next_page: bool,
            has_previous_page: bool,
            total: $crate::graphql::pagination::TotalCount,
        }

        impl $conn {
            pub fn new(
                page: $crate::graphql::pagination::Page<$model>,
                total: $crate::graphql::pagination::TotalCount,
            ) -> Self {
                use $crate::graphql::pagination::Keyed;
                let cursors = page
                    .rows
                    .iter()
                    .map(|m| $crate::graphql::pagination::encode_cursor(m.key()))
                    .collect();
                Self {
                    nodes: page.rows.into_iter().map(<$node>::from).collect(),
                    cursors,
                    has_next_page: page.has_next_page,
                    has_previous_page: page.has_previous_page,
                    total,
                }
            }
        }

        #[doc = concat!(
            "A page of ", stringify!($node), " objects (a Relay connection): `nodes` alone, ",
            "or `edges` with a cursor each; `pageInfo` to fetch the next page; `totalCount` ",
            "for all matches."
        )]
        #[async_graphql::Object]
        impl $conn {
            /// This page's objects with their cursors, in the list's order.
            async fn edges(&self) -> Vec<$edge> {
                self.nodes
                    .iter()
                    .zip(&self.cursors)
                    .map(|(node, cursor)| $edge {
                        cursor: cursor.clone(),
                        node: node.clone(),
                    })
                    .collect()
            }
            /// This page's objects in the list's order, without cursors.
            async fn nodes(&self) -> $crate::graphql::direct::Nodes<'_, $node> {
                $crate::graphql::direct::Nodes(&self.nodes)
            }
            /// Whether another page follows, and the cursor to ask for it.
            async fn page_info(&self) -> $crate::graphql::pagination::PageInfo {
                $crate::graphql::pagination::PageInfo {
                    has_next_page: self.has_next_page,
                    has_previous_page: self.has_previous_page,
                    start_cursor: self.cursors.first().cloned(),
                    end_cursor: self.cursors.last().cloned(),
                }
            }
            /// How many objects the list holds for this viewer and these
            /// arguments, on every page (not just this one); counted only
            /// when asked for, by one more query.
            async fn total_count(&self) -> async_graphql::Result<i32> {
                Ok(self.total.get().await?)
            }
        }

        pub struct $edge {
            cursor: String,
            node: $node,
        }

        #[doc = concat!("One ", stringify!($node), " of a page, with its cursor.")]
        #[async_graphql::Object]
        impl $edge {
            /// Where this object stands in the list: pass it as `after` to
            /// continue after it. Opaque.
            async fn cursor(&self) -> &str {
                &self.cursor
            }
            /// The object at this position of the page.
            async fn node(&self) -> &$node {
                &self.node
            }
        }
    };
}
pub(crate) use connection;

/// Implements `Keyed` for models whose primary key is `id`.
macro_rules! keyed_by_id {
    ($($model:ty),+ $(,)?) => {
        $(impl Keyed for $model {
            fn key(&self) -> i64 {
                self.id
            }
        })+
    };
}

use crate::entity::{
    annual_report, applicant, application, audit_event, course, institution, trainee,
};
keyed_by_id!(
    annual_report::Model,
    applicant::Model,
    application::Model,
    audit_event::Model,
    course::Model,
    institution::Model,
    trainee::Model,
);

/// Query complexity of a connection field: its child counted once per row
/// the page may hold (`first`, default 20, at most 100).
pub fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let rows = first.map_or(DEFAULT_PAGE, |n| (n.max(0) as u64).min(MAX_PAGE)) as usize;
    1 + rows.max(1) * child_complexity
}

/// Query complexity of an unpaged list field, counted as this many children.
pub const LIST_FANOUT: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_caps_page_arguments() {
        assert_eq!(PageArgs::parse(None, None).unwrap().first, 20);
        assert_eq!(PageArgs::parse(Some(1000), None).unwrap().first, 100);
        assert!(PageArgs::parse(Some(-1), None).is_err());
        let cursor = encode_cursor(7);
        assert_eq!(PageArgs::parse(None, Some(&cursor)).unwrap().after, Some(7));
        assert!(PageArgs::parse(None, Some("garbage")).is_err());
    }
}
