//! The whole-request deadline (`request_timeout`): a request's head and body must have arrived
//! within it of the request's first byte, or the request is answered 408 and its connection closed.
//!
//! hyper's header timer, set to the same length, runs from the moment a connection waits for a
//! request (its opening, or the previous answer) until the head has arrived: it closes connections
//! that send nothing, dribble a head or sit idle between requests. hyper has no timer for bodies,
//! and tower-http's body timeout restarts at every frame, which a body trickled a byte at a time
//! never trips. So the connection's [`Reader`] notes when the first byte of each request arrives,
//! the request's body fails once that moment plus the timeout has passed, and the answer, whatever
//! the handler made of the failed read, becomes a 408 with `Connection: close`. hyper, finding the
//! body unfinished, closes the connection rather than read the rest.

use super::errors;
use axum::body::Body;
use axum::http::{Request, Response};
use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use pin_project_lite::pin_project;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// One connection's timing, shared by its reader, its service and its current request's body.
/// A connection is polled by one task, so the atomics are only there to make this `Sync`.
pub struct Arrival {
    opened: Instant,
    /// When the current request's first byte was read, in nanoseconds since `opened`.
    first_byte: AtomicU64,
    /// The last request has been answered and no byte of the next one read yet.
    waiting: AtomicBool,
    /// The current request's body missed its deadline.
    late: AtomicBool,
}

impl Arrival {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            opened: Instant::now(),
            first_byte: AtomicU64::new(0),
            waiting: AtomicBool::new(true),
            late: AtomicBool::new(false),
        })
    }

    fn note_read(&self) {
        if self.waiting.load(Relaxed) {
            self.waiting.store(false, Relaxed);
            let since = u64::try_from(self.opened.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.first_byte.store(since, Relaxed);
        }
    }

    /// Pipelined requests whose bytes came in one read share the first one's arrival: their
    /// deadline is earlier, never later, than it should be.
    fn deadline(&self, timeout: Duration) -> Instant {
        self.opened + Duration::from_nanos(self.first_byte.load(Relaxed)) + timeout
    }
}

pin_project! {
    /// A connection's byte stream, noting when each request's first byte arrives.
    pub struct Reader<S> {
        #[pin]
        stream: S,
        arrival: Arc<Arrival>,
    }
}

impl<S> Reader<S> {
    pub fn new(stream: S, arrival: Arc<Arrival>) -> Self {
        Self { stream, arrival }
    }
}

impl<S: AsyncRead> AsyncRead for Reader<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let polled = this.stream.poll_read(cx, buf);
        if buf.filled().len() > before {
            this.arrival.note_read();
        }
        polled
    }
}

impl<S: AsyncWrite> AsyncWrite for Reader<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.project().stream.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().stream.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().stream.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().stream.poll_shutdown(cx)
    }
}

/// The router of one connection, behind the deadline.
#[derive(Clone)]
pub struct Deadline<S> {
    inner: S,
    arrival: Arc<Arrival>,
    timeout: Duration,
}

impl<S> Deadline<S> {
    pub fn new(inner: S, arrival: Arc<Arrival>, timeout: Duration) -> Self {
        Self {
            inner,
            arrival,
            timeout,
        }
    }
}

impl<S> tower::Service<Request<Incoming>> for Deadline<S>
where
    S: tower::Service<Request<Body>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Answer<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Incoming>) -> Self::Future {
        self.arrival.late.store(false, Relaxed);
        let request = if request.body().is_end_stream() {
            request.map(Body::new)
        } else {
            let sleep = tokio::time::sleep_until(self.arrival.deadline(self.timeout));
            let arrival = self.arrival.clone();
            request.map(|body| Body::new(TimedBody { body, sleep, arrival }))
        };
        Answer {
            inner: self.inner.call(request),
            arrival: self.arrival.clone(),
            timeout: self.timeout,
        }
    }
}

pin_project! {
    /// The router's answer, or a 408 when the request's body came too late.
    pub struct Answer<F> {
        #[pin]
        inner: F,
        arrival: Arc<Arrival>,
        timeout: Duration,
    }
}

impl<F, E> Future for Answer<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let answer = ready!(this.inner.poll(cx));
        // Bytes read from here on are the next request's.
        this.arrival.waiting.store(true, Relaxed);
        if this.arrival.late.load(Relaxed) {
            return Poll::Ready(Ok(errors::request_timeout(this.timeout.as_secs())));
        }
        Poll::Ready(answer)
    }
}

pin_project! {
    /// A request body that fails once its request's deadline has passed.
    struct TimedBody {
        #[pin]
        body: Incoming,
        #[pin]
        sleep: Sleep,
        arrival: Arc<Arrival>,
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the request did not arrive in full within request_timeout")]
struct Late;

impl HttpBody for TimedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.project();
        // Data already there is taken even past the deadline: only waiting is cut short.
        if let Poll::Ready(frame) = this.body.poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if this.sleep.poll(cx).is_ready() {
            this.arrival.late.store(true, Relaxed);
            return Poll::Ready(Some(Err(Late.into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests;
