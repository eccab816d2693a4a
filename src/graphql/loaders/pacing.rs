//! When batches run: each load waits for the request's execution to settle
//! (see the module documentation of `graphql::loaders`), so a level's keys
//! become one statement whatever the size of the page.

use super::Loaders;
use async_graphql::Response;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::futures_util::future::BoxFuture;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Where the request's execution stands, for loads waiting to run.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Pace {
    /// The execution is resolving: keys may still come.
    busy: bool,
    /// How many times it has settled (waited for nothing but loads).
    settled: u64,
}

/// A request's pace, and the spawner its `DataLoader` runs batches with:
/// on tokio like `DataLoader::new(loader, tokio::spawn)`, once the
/// execution that asked for the first key has settled.
pub(super) fn pace() -> (
    Arc<watch::Sender<Pace>>,
    impl Fn(BoxFuture<'static, ()>) -> JoinHandle<()> + Send + Sync + 'static,
) {
    let (pace, _) = watch::channel(Pace::default());
    let pace = Arc::new(pace);
    let watcher = pace.subscribe();
    let spawn_when_settled = move |load: BoxFuture<'static, ()>| {
        let mut watcher = watcher.clone();
        let seen = watcher.borrow_and_update().settled;
        tokio::spawn(async move {
            // A closed channel means the request is gone: load anyway,
            // nobody waits for the result.
            let _ = watcher.wait_for(|p| !p.busy || p.settled > seen).await;
            load.await;
        })
    };
    (pace, spawn_when_settled)
}

impl Loaders {
    /// Runs the request's execution, telling waiting loads each time it
    /// settles: see the module documentation.
    pub async fn paced<F: Future<Output = Response>>(&self, execution: F) -> Response {
        Paced {
            execution: std::pin::pin!(execution),
            pace: Arc::clone(&self.pace),
        }
        .await
    }
}

/// The schema extension that paces the `Loaders` of a WebSocket connection
/// (if it has any) by each event's execution. Only the WebSocket schema has
/// it: an extension slows every field's resolution (`graphql::Served`).
pub struct Batching;

impl ExtensionFactory for Batching {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Batching)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Batching {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        match ctx.data_opt::<Loaders>() {
            Some(loaders) => loaders.paced(next.run(ctx, operation_name)).await,
            None => next.run(ctx, operation_name).await,
        }
    }
}

/// An execution that reports to its loads when it has settled.
struct Paced<'a, F> {
    execution: Pin<&'a mut F>,
    pace: Arc<watch::Sender<Pace>>,
}

impl<F> Paced<'_, F> {
    fn settle(&self) {
        self.pace.send_modify(|p| {
            p.busy = false;
            p.settled += 1;
        });
    }
}

impl<F: Future<Output = Response>> Future for Paced<'_, F> {
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        // Busy: loads spawned from here on wait (no one needs waking for it).
        self.pace.send_if_modified(|p| {
            p.busy = true;
            false
        });
        let flag = Arc::new(WakeFlag {
            woken: AtomicBool::new(false),
            waker: cx.waker().clone(),
        });
        let waker = Waker::from(Arc::clone(&flag));
        let polled = self
            .execution
            .as_mut()
            .poll(&mut Context::from_waker(&waker));
        // Woken while polled: it yielded (a list walks its items a few at a
        // time) and goes on at once, asking for more keys.
        if polled.is_ready() || !flag.woken.load(Ordering::Acquire) {
            self.settle();
        }
        polled
    }
}

impl<F> Drop for Paced<'_, F> {
    /// A dropped execution (the client went away) never leaves loads waiting.
    fn drop(&mut self) {
        self.settle();
    }
}

/// The task's waker, noting whether it was woken.
struct WakeFlag {
    woken: AtomicBool,
    waker: Waker,
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.waker.wake_by_ref();
    }
}
