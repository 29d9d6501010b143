//! Serves the router on per-core single-threaded runtimes: one accept loop hands each connection
//! to the next worker in turn, and the worker keeps it for its whole life.
//!
//! Why not `axum::serve` on the multi-threaded runtime: with keep-alive connections every request
//! of a connection wakes a task that the work-stealing scheduler may run on another core, and the
//! cross-core wake-ups (IPIs, context switches) cost more than the request itself. A connection
//! pinned to one runtime is read, handled and answered on one thread. Background tasks (the SQL
//! writers and readers with the connections they hold, the purge job) stay on the caller's
//! multi-threaded runtime; any other pooled SQL connection belongs to the reactor of whichever
//! runtime opened it, and tokio wakes its users across runtimes.
//!
//! At most `max_connections` connections are open at once: past that the accept loop stops
//! accepting until one closes, so that new connections wait in the kernel's listen backlog while
//! the open ones are served. Each request must arrive in full within `request_timeout`
//! ([`super::deadline`]), so a slow or stalled client frees its place.

use super::deadline::{Arrival, Deadline, Reader};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use prometheus_client::metrics::gauge::Gauge;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How many connection workers to run: `configured`, or one per available core when 0.
pub fn worker_count(configured: usize) -> usize {
    match configured {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
}

/// How long a stopping server waits for open connections to finish their request in flight;
/// a client that trickles its body or stops reading must not keep the process alive forever.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// How one listener serves its connections.
#[derive(Clone)]
pub struct Options {
    /// Threads, each a single-threaded runtime (see [`worker_count`]).
    pub workers: usize,
    /// Connections open at once, at most.
    pub max_connections: usize,
    /// How long a request may take to arrive, and a connection to wait for the next one.
    pub request_timeout: Duration,
    /// Counts the open connections (`tessera_http_connections`).
    pub open: Gauge,
}

/// A connection's place under the cap, given back when the connection is dropped.
struct Slot {
    _permit: OwnedSemaphorePermit,
    open: Gauge,
}

impl Slot {
    fn new(permit: OwnedSemaphorePermit, open: &Gauge) -> Self {
        open.inc();
        Self {
            _permit: permit,
            open: open.clone(),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.open.dec();
    }
}

type Connection = (std::net::TcpStream, Slot);

/// Accepts on `listener` until `shutdown` completes, then lets every open connection finish its
/// request in flight (hyper's graceful shutdown, up to [`SHUTDOWN_GRACE`]) before returning.
/// `name` names the worker threads.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    name: &str,
    options: Options,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let workers = options.workers.max(1);
    let mut queues = Vec::with_capacity(workers);
    let mut finished = Vec::with_capacity(workers);
    for n in 0..workers {
        // Built here so that a failure stops start-up instead of leaving a dead worker.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (queue, connections) = mpsc::unbounded_channel::<Connection>();
        let (done, wait) = oneshot::channel::<()>();
        let app = app.clone();
        let timeout = options.request_timeout;
        std::thread::Builder::new().name(format!("{name}-{n}")).spawn(move || {
            runtime.block_on(run_worker(connections, app, timeout));
            let _ = done.send(());
        })?;
        queues.push(queue);
        finished.push(wait);
    }

    // An unlimited descriptor limit (RLIM_INFINITY) would derive more than a semaphore holds.
    let slots = Arc::new(Semaphore::new(options.max_connections.min(Semaphore::MAX_PERMITS)));
    let mut warned: Option<Instant> = None;
    tokio::pin!(shutdown);
    let mut next = 0;
    loop {
        let permit = match slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                warn_full(&mut warned, name, options.max_connections);
                tokio::select! {
                    () = &mut shutdown => break,
                    permit = slots.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break, // closed: never, the loop owns it
                    },
                }
            }
        };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // The peer gave up before we accepted: nothing to pause for.
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of file descriptors and the like: pause instead of spinning on the error.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        // Leaves this runtime's reactor; the worker registers it with its own.
        let Ok(stream) = stream.into_std() else { continue };
        let mut connection = (stream, Slot::new(permit, &options.open));
        // A worker whose thread ended (it panicked) is dropped from the rotation and the
        // connection goes to the next one.
        loop {
            if queues.is_empty() {
                return Err(std::io::Error::other("every HTTP worker has stopped"));
            }
            next %= queues.len();
            match queues[next].send(connection) {
                Ok(()) => break,
                Err(mpsc::error::SendError(returned)) => {
                    tracing::error!(worker = next, "HTTP worker stopped; using the others");
                    queues.swap_remove(next);
                    connection = returned;
                }
            }
        }
        next += 1;
    }
    drop(listener);
    // Closing the queues stops the workers once they have taken every connection already queued.
    drop(queues);
    for wait in finished {
        let _ = wait.await;
    }
    Ok(())
}

/// Says that the cap is reached at most once a minute, not once per connection of a flood.
fn warn_full(warned: &mut Option<Instant>, listener: &str, cap: usize) {
    if warned.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
        tracing::warn!(
            listener,
            connections = cap,
            "connection limit reached; new connections wait to be accepted"
        );
        *warned = Some(Instant::now());
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset, Interrupted};
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted
    )
}

/// One worker: serves each connection it is handed on its own runtime until its queue closes,
/// then lets its connections finish gracefully.
async fn run_worker(mut connections: mpsc::UnboundedReceiver<Connection>, app: Router, timeout: Duration) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    while let Some((stream, slot)) = connections.recv().await {
        let Ok(stream) = TcpStream::from_std(stream) else {
            continue;
        };
        let arrival = Arrival::new();
        let service = TowerToHyperService::new(Deadline::new(app.clone(), arrival.clone(), timeout));
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(timeout)
            .serve_connection(TokioIo::new(Reader::new(stream, arrival)), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::trace!(error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the shutdown grace period; closing them");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_workers_means_one_per_core() {
        assert!(worker_count(0) >= 1);
        assert_eq!(worker_count(3), 3);
    }
}
