//! The benchmark ceiling: a bare hyper server that reads each request and answers one fixed JSON
//! body, served like `tessera serve` (one accept loop handing connections round-robin to a
//! single-threaded runtime per worker). Put through the same `wrk` scripts in the same sitting, it
//! shows how many requests per second the machine, the kernel's loopback TCP and the load
//! generator leave before Tessera does any work of its own.

use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Answers every request: a token response and an active introspection at once, so that the
/// shared harness's sanity checks pass whatever the path.
const BODY: &[u8] = br#"{"access_token":"ceiling","token_type":"Bearer","expires_in":3600,"active":true,"scope":"read","client_id":"bench-client","token_type_hint":"access_token"}"#;

#[derive(Parser)]
struct Args {
    /// Address to listen on; the chosen one is printed as `listening on http://ADDR`.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// Connection workers (single-threaded runtimes); 0 = one per core, as Tessera's default.
    #[arg(long, default_value_t = 0)]
    workers: usize,
}

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // Read the whole body, as a real handler must before it can answer.
    let _ = request.into_body().collect().await;
    let mut response = Response::new(Full::new(Bytes::from_static(BODY)));
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

async fn work(mut connections: mpsc::UnboundedReceiver<std::net::TcpStream>) {
    while let Some(stream) = connections.recv().await {
        let Ok(stream) = TcpStream::from_std(stream) else {
            continue;
        };
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), hyper::service::service_fn(answer))
                .await;
        });
    }
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let workers = match args.workers {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let mut queues = Vec::new();
    for _ in 0..workers {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (queue, connections) = mpsc::unbounded_channel();
        std::thread::spawn(move || runtime.block_on(work(connections)));
        queues.push(queue);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(&args.listen).await?;
        println!("listening on http://{}", listener.local_addr()?);
        let mut next = 0;
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let _ = queues[next % workers].send(stream.into_std()?);
            next += 1;
        }
    })
}
