//! Serves the router on per-core single-threaded runtimes: one accept loop hands each connection
//! to the next worker in turn, and the worker keeps it for its whole life.
//!
//! Why not `axum::serve` on the multi-threaded runtime: with keep-alive connections every request
//! of a connection wakes a task that the work-stealing scheduler may run on another core, and the
//! cross-core wake-ups (IPIs, context switches) cost more than the request itself. A connection
//! pinned to one runtime is read, handled and answered on one thread. Background work (the store's
//! writers, pools and the purge job) stays on the caller's multi-threaded runtime.

use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tower::ServiceExt;

/// How many connection workers to run: `configured`, or one per available core when 0.
pub fn worker_count(configured: usize) -> usize {
    match configured {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
}

/// Accepts on `listener` until `shutdown` completes, then lets every open connection finish its
/// request in flight (hyper's graceful shutdown) before returning.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    workers: usize,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let (stop, stopped) = watch::channel(false);
    let mut queues = Vec::with_capacity(workers);
    let mut finished = Vec::with_capacity(workers);
    for n in 0..workers.max(1) {
        let (queue, connections) = mpsc::unbounded_channel::<std::net::TcpStream>();
        let (done, wait) = oneshot::channel::<()>();
        let (app, stopped) = (app.clone(), stopped.clone());
        std::thread::Builder::new()
            .name(format!("tessera-http-{n}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
                match runtime {
                    Ok(runtime) => runtime.block_on(run_worker(connections, app, stopped)),
                    Err(e) => tracing::error!(error = %e, "cannot start an HTTP worker runtime"),
                }
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
        if queues[next].send(stream).is_err() {
            tracing::error!(worker = next, "HTTP worker stopped; connection dropped");
        }
        next = (next + 1) % queues.len();
    }
    drop(listener);
    let _ = stop.send(true);
    drop(queues);
    for wait in finished {
        let _ = wait.await;
    }
    Ok(())
}

/// One worker: serves each connection it is handed on its own runtime until told to stop, then
/// waits for its connections to close gracefully.
async fn run_worker(
    mut connections: mpsc::UnboundedReceiver<std::net::TcpStream>,
    app: Router,
    mut stopped: watch::Receiver<bool>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => break,
            stream = connections.recv() => match stream {
                Some(stream) => stream,
                None => break,
            },
        };
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
    graceful.shutdown().await;
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
