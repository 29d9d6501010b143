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

use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tower::ServiceExt;

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

/// Accepts on `listener` until `shutdown` completes, then lets every open connection finish its
/// request in flight (hyper's graceful shutdown, up to [`SHUTDOWN_GRACE`]) before returning.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    workers: usize,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut queues = Vec::with_capacity(workers);
    let mut finished = Vec::with_capacity(workers);
    for n in 0..workers.max(1) {
        // Built here so that a failure stops start-up instead of leaving a dead worker.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (queue, connections) = mpsc::unbounded_channel::<std::net::TcpStream>();
        let (done, wait) = oneshot::channel::<()>();
        let app = app.clone();
        std::thread::Builder::new()
            .name(format!("tessera-http-{n}"))
            .spawn(move || {
                runtime.block_on(run_worker(connections, app));
                let _ = done.send(());
            })?;
        queues.push(queue);
        finished.push(wait);
    }

    tokio::pin!(shutdown);
    let mut next = 0;
    loop {
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
        let Ok(mut stream) = stream.into_std() else { continue };
        // A worker whose thread ended (it panicked) is dropped from the rotation and the
        // connection goes to the next one.
        loop {
            if queues.is_empty() {
                return Err(std::io::Error::other("every HTTP worker has stopped"));
            }
            next %= queues.len();
            match queues[next].send(stream) {
                Ok(()) => break,
                Err(mpsc::error::SendError(returned)) => {
                    tracing::error!(worker = next, "HTTP worker stopped; using the others");
                    queues.swap_remove(next);
                    stream = returned;
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

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset, Interrupted};
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted
    )
}

/// One worker: serves each connection it is handed on its own runtime until its queue closes,
/// then lets its connections finish gracefully.
async fn run_worker(mut connections: mpsc::UnboundedReceiver<std::net::TcpStream>, app: Router) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    while let Some(stream) = connections.recv().await {
        let Ok(stream) = TcpStream::from_std(stream) else {
            continue;
        };
        let service = TowerToHyperService::new(
            app.clone()
                .map_request(|req: Request<Incoming>| req.map(axum::body::Body::new)),
        );
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::trace!(error = %e, "connection ended with an error");
            }
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
