//! `GET /metrics` (management listener), and the layer that times every request by matched route, method and status
//! class (never by raw path, which would carry ids and make one series per tenant or token).

use crate::metrics::{Histogram, Labels, CONTENT_TYPE};
use crate::service::Service;
use axum::extract::{MatchedPath, State};
use axum::http::header::CONTENT_TYPE as CONTENT_TYPE_HEADER;
use axum::http::{HeaderValue, Method, Request, Response};
use pin_project_lite::pin_project;
use prometheus_client::metrics::family::Family;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;
use tower::{Layer, Service as TowerService};

/// `GET /metrics` on the management listener only: tenants' names and token counts are not for
/// the public listener's callers.
pub async fn metrics(State(service): State<Arc<Service>>) -> axum::response::Response {
    let mut response = axum::response::Response::new(axum::body::Body::from(service.metrics().render()));
    response
        .headers_mut()
        .insert(CONTENT_TYPE_HEADER, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// Methods get their own label value; anything else is `other`.
const METHODS: [Method; 7] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::HEAD,
    Method::OPTIONS,
];
const METHOD_LABELS: [&str; 8] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "other"];
const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Route label for requests no route matched (the 404 fallback).
pub const UNMATCHED: &str = "unmatched";

/// One route's histograms by method and status class, each registered when first needed.
struct RouteSlots {
    route: Arc<str>,
    slots: [[OnceLock<Histogram>; STATUS_CLASSES.len()]; METHOD_LABELS.len()],
}

/// The histogram handles of every route, found by the matched route's text without allocating.
pub struct RouteTimers {
    family: Family<Labels<3>, Histogram, fn() -> Histogram>,
    index: HashMap<Box<str>, usize, foldhash::fast::RandomState>,
    routes: Vec<RouteSlots>,
}

impl RouteTimers {
    /// `routes` are the router's path templates as axum matches them (`/admin/tokens/{id}`).
    pub fn new<'a>(
        family: Family<Labels<3>, Histogram, fn() -> Histogram>,
        routes: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut timers = Self {
            family,
            index: HashMap::default(),
            routes: Vec::new(),
        };
        for route in routes.into_iter().chain([UNMATCHED]) {
            timers.index.insert(route.into(), timers.routes.len());
            timers.routes.push(RouteSlots {
                route: route.into(),
                slots: Default::default(),
            });
        }
        timers
    }

    /// Where a request is counted: (route, method) indexes into the table.
    fn locate(&self, route: Option<&str>, method: &Method) -> (usize, usize) {
        let unmatched = self.routes.len() - 1;
        let route = route.and_then(|r| self.index.get(r).copied()).unwrap_or(unmatched);
        let method = METHODS.iter().position(|m| m == method).unwrap_or(METHODS.len());
        (route, method)
    }

    fn observe(&self, (route, method): (usize, usize), status: u16, seconds: f64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        let Some(slots) = self.routes.get(route) else { return };
        let histogram = slots.slots[method][class].get_or_init(|| {
            let labels: Labels<3> = [
                ("route", slots.route.clone()),
                ("method", METHOD_LABELS[method].into()),
                ("status_class", STATUS_CLASSES[class].into()),
            ];
            self.family.get_or_create_owned(&labels)
        });
        histogram.observe(seconds);
    }
}

/// Times the requests of the service it wraps. Added with `Router::layer`, so it runs after
/// routing and sees [`MatchedPath`].
#[derive(Clone)]
pub struct TimingLayer(pub Arc<RouteTimers>);

impl<S> Layer<S> for TimingLayer {
    type Service = Timing<S>;
    fn layer(&self, inner: S) -> Timing<S> {
        Timing {
            inner,
            timers: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Timing<S> {
    inner: S,
    timers: Arc<RouteTimers>,
}

impl<S, B, R> TowerService<Request<B>> for Timing<S>
where
    S: TowerService<Request<B>, Response = Response<R>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Timed<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
        let at = self.timers.locate(route, request.method());
        Timed {
            inner: self.inner.call(request),
            timers: self.timers.clone(),
            at,
            start: Instant::now(),
        }
    }
}

pin_project! {
    pub struct Timed<F> {
        #[pin]
        inner: F,
        timers: Arc<RouteTimers>,
        at: (usize, usize),
        start: Instant,
    }
}

impl<F, R, E> Future for Timed<F>
where
    F: Future<Output = Result<Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let output = std::task::ready!(this.inner.poll(cx));
        // Errors never reach here from axum (its services are infallible); count them as 5xx anyway.
        let status = output.as_ref().map_or(500, |r| r.status().as_u16());
        this.timers
            .observe(*this.at, status, this.start.elapsed().as_secs_f64());
        Poll::Ready(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_routes_and_methods_have_their_own_slots() {
        let timers = RouteTimers::new(
            Family::new_with_constructor(|| Histogram::new(&[1.0])),
            ["/a", "/b/{id}"],
        );
        assert_eq!(timers.locate(Some("/b/{id}"), &Method::POST), (1, 1));
        assert_eq!(timers.locate(None, &Method::GET), (2, 0));
        assert_eq!(timers.locate(Some("/nope"), &Method::TRACE), (2, 7));
    }
}
