//! The grouped worker that token inserts (`batch.rs`) and token lookups (`lookups.rs`) share:
//! callers queue a request and wait; a few workers each take the requests waiting (up to a
//! group's size), run one statement for all of them, and answer each.
//!
//! An operation may also hold partial groups back ([`Operation::HOLD_PARTIAL`]): while another
//! of its statements is in flight, the worker collecting the next group lets requests accumulate
//! (without being woken for each) until that statement ends or a full group is waiting.

use super::{StoreError, StoreResult};
use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex, Notify};

/// One statement for a group of requests, run by one worker (which owns its connection).
pub(super) trait Operation: Send + 'static {
    type Request: Send + 'static;
    type Answer: Send + 'static;
    /// What one statement found, from which each request's answer is read.
    type Outcome: Send;
    /// Units (rows, ids) per statement; a group takes whole requests until it has this many.
    const MAX_GROUP: usize;
    /// Whether, while a statement is in flight, only a full group starts another.
    const HOLD_PARTIAL: bool;
    /// The error a caller gets once the workers are gone.
    const STOPPED: &'static str;
    /// The error a group gets when its statement panicked.
    const PANICKED: &'static str;

    /// Units in one request.
    fn size(request: &Self::Request) -> usize;
    /// One statement for the whole group.
    fn run(&mut self, group: &[Job<Self>]) -> impl Future<Output = StoreResult<Self::Outcome>> + Send;
    /// The answer to the `index`th request of the group.
    fn answer(outcome: &Self::Outcome, index: usize, request: &Self::Request) -> StoreResult<Self::Answer>;
    /// A statement panicked: whatever state it left (a held connection) is not to be trusted.
    fn forget(&mut self);
}

/// A queued request and where its answer goes.
pub(super) struct Job<O: Operation + ?Sized> {
    pub(super) request: O::Request,
    done: oneshot::Sender<StoreResult<O::Answer>>,
}

/// What the workers and the callers share (used only by operations that hold partial groups).
#[derive(Default)]
struct Flow {
    /// Units queued and not yet taken into a group.
    queued: AtomicUsize,
    /// Statements being run.
    in_flight: AtomicUsize,
    /// A statement ended, or a full group is waiting: the collecting worker looks again.
    changed: Notify,
}

type Queue<O> = Arc<Mutex<mpsc::UnboundedReceiver<Job<O>>>>;

pub(super) struct Grouped<O: Operation> {
    jobs: mpsc::UnboundedSender<Job<O>>,
    flow: Arc<Flow>,
}

impl<O: Operation> Grouped<O> {
    /// Starts one worker per operation on the current runtime; they end once this is dropped and
    /// every queued request has been answered.
    pub(super) fn start(workers: impl IntoIterator<Item = O>) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel::<Job<O>>();
        let queue = Arc::new(Mutex::new(queue));
        let flow = Arc::new(Flow::default());
        for operation in workers {
            tokio::spawn(work(queue.clone(), flow.clone(), operation));
        }
        Self { jobs, flow }
    }

    /// Queues `request` and waits for the answer its group's statement gave.
    pub(super) async fn ask(&self, request: O::Request) -> StoreResult<O::Answer> {
        let (done, wait) = oneshot::channel();
        let stopped = || StoreError::Unavailable(O::STOPPED.into());
        if !O::HOLD_PARTIAL {
            self.jobs.send(Job { request, done }).map_err(|_| stopped())?;
            return wait.await.map_err(|_| stopped())?;
        }
        let n = O::size(&request);
        // Counted before it is queued, so a worker never takes more units than were counted.
        let before = self.flow.queued.fetch_add(n, Ordering::AcqRel);
        if self.jobs.send(Job { request, done }).is_err() {
            self.flow.queued.fetch_sub(n, Ordering::AcqRel);
            return Err(stopped());
        }
        if before < O::MAX_GROUP && before + n >= O::MAX_GROUP {
            // The only wake-up a caller causes while a statement is in flight.
            self.flow.changed.notify_one();
        }
        wait.await.map_err(|_| stopped())?
    }
}

/// One worker. The worker holding the queue collects the next group: it waits for a first
/// request, then (for an operation that holds partial groups) for its turn, takes what is
/// waiting, lets the queue go, runs the statement and answers each request.
async fn work<O: Operation>(queue: Queue<O>, flow: Arc<Flow>, mut operation: O) {
    loop {
        let mut receiver = queue.lock().await;
        let Some(first) = receiver.recv().await else { return };
        if O::HOLD_PARTIAL {
            loop {
                let changed = flow.changed.notified();
                if flow.in_flight.load(Ordering::Acquire) == 0 || flow.queued.load(Ordering::Acquire) >= O::MAX_GROUP {
                    break;
                }
                changed.await;
            }
        }
        let (group, units) = take_group(first, &mut receiver);
        let in_flight = O::HOLD_PARTIAL.then(|| {
            flow.queued.fetch_sub(units, Ordering::AcqRel);
            InFlight::start(&flow)
        });
        drop(receiver);
        // A panic answers this group with an error and leaves the worker working.
        let outcome = match AssertUnwindSafe(operation.run(&group)).catch_unwind().await {
            Ok(outcome) => outcome,
            Err(_) => {
                operation.forget();
                Err(StoreError::Unavailable(O::PANICKED.into()))
            }
        };
        drop(in_flight);
        match outcome {
            Ok(outcome) => {
                for (index, Job { request, done }) in group.into_iter().enumerate() {
                    let _ = done.send(O::answer(&outcome, index, &request));
                }
            }
            Err(e) => {
                for Job { done, .. } in group {
                    let _ = done.send(Err(e.clone()));
                }
            }
        }
    }
}

/// A statement being run; its end (even by a panic) lets the collecting worker go on.
struct InFlight<'f>(&'f Flow);

impl<'f> InFlight<'f> {
    fn start(flow: &'f Flow) -> Self {
        flow.in_flight.fetch_add(1, Ordering::AcqRel);
        Self(flow)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.0.changed.notify_one();
    }
}

/// `first`, then whatever else is already queued, up to `MAX_GROUP` units; and their units.
fn take_group<O: Operation>(first: Job<O>, queue: &mut mpsc::UnboundedReceiver<Job<O>>) -> (Vec<Job<O>>, usize) {
    let mut units = O::size(&first.request);
    let mut group = vec![first];
    while units < O::MAX_GROUP {
        match queue.try_recv() {
            Ok(job) => {
                units += O::size(&job.request);
                group.push(job);
            }
            Err(_) => break,
        }
    }
    (group, units)
}
