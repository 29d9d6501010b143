//! The measured loop (one worker per keep-alive connection, latency into per-worker histograms
//! merged at the end) and bulk issuance for the token pools and `--preload`.

use crate::args::Scenario;
use crate::client::{Conn, Requests, Target, TokenParams};
use crate::provision::access_token;
use crate::scenario::{accepted, pick, OnceEach, Op, Rng};
use anyhow::{anyhow, bail};
use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// A request still unanswered after this is counted as an I/O error and its connection dropped.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Latency in microseconds, 1 µs to 60 s, three significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("constant histogram bounds are valid")
}

/// What the workers share: request templates and the prebuilt `token=…` parameters.
pub struct Shared {
    pub requests: Arc<Requests>,
    /// Tokens drawn at random by `introspect`, `check-token` and `mixed`.
    pub pool: TokenParams,
    /// Tokens revoked once each by `revoke`.
    pub revoke_pool: TokenParams,
    pub revoke_next: OnceEach,
}

/// The merged result of one scenario's measured window.
pub struct Outcome {
    pub latency_us: Histogram<u64>,
    /// Answers received in the window, successful or not.
    pub requests: u64,
    /// Answers that were not a success: non-2xx, or an inactive token on introspection.
    pub rejected: u64,
    /// Failed connects, broken connections, timeouts.
    pub io_errors: u64,
    /// The window, or less when the revoke pool ran out first.
    pub elapsed: Duration,
    pub exhausted: bool,
}

struct Tally {
    latency_us: Histogram<u64>,
    requests: u64,
    rejected: u64,
    io_errors: u64,
    last_done: Option<Instant>,
    exhausted: bool,
}

/// Runs `scenario` on `connections` workers: `warmup` unmeasured, then `duration` measured.
pub async fn run(
    target: &Target,
    shared: Arc<Shared>,
    scenario: Scenario,
    issue_percent: u32,
    connections: u32,
    warmup: Duration,
    duration: Duration,
) -> anyhow::Result<Outcome> {
    let from = Instant::now() + warmup;
    let until = from + duration;
    let mut workers = JoinSet::new();
    for seed in 0..connections {
        let (target, shared) = (target.clone(), shared.clone());
        workers.spawn(worker(
            target,
            shared,
            scenario,
            issue_percent,
            seed as u64,
            from,
            until,
        ));
    }
    let mut total = Outcome {
        latency_us: new_histogram(),
        requests: 0,
        rejected: 0,
        io_errors: 0,
        elapsed: duration,
        exhausted: false,
    };
    let mut last_done = None;
    while let Some(tally) = workers.join_next().await {
        let tally = tally.map_err(|e| anyhow!("worker failed: {e}"))?;
        total.latency_us.add(&tally.latency_us)?;
        total.requests += tally.requests;
        total.rejected += tally.rejected;
        total.io_errors += tally.io_errors;
        total.exhausted |= tally.exhausted;
        last_done = last_done.max(tally.last_done);
    }
    if total.exhausted {
        total.elapsed = last_done.map_or(Duration::ZERO, |t| t.saturating_duration_since(from));
    }
    Ok(total)
}

async fn worker(
    target: Target,
    shared: Arc<Shared>,
    scenario: Scenario,
    issue_percent: u32,
    seed: u64,
    from: Instant,
    until: Instant,
) -> Tally {
    let mut tally = Tally {
        latency_us: new_histogram(),
        requests: 0,
        rejected: 0,
        io_errors: 0,
        last_done: None,
        exhausted: false,
    };
    let mut rng = Rng::new(seed);
    let mut conn: Option<Conn> = None;
    while Instant::now() < until {
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match Conn::connect(&target).await {
                Ok(c) => conn.insert(c),
                Err(_) => {
                    if Instant::now() >= from {
                        tally.io_errors += 1;
                    }
                    // Do not spin on a server that refuses connections.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let Some(op) = pick(
            scenario,
            issue_percent,
            shared.pool.len(),
            &shared.revoke_next,
            &mut rng,
        ) else {
            tally.exhausted = true;
            break;
        };
        let request = match op {
            Op::Issue => shared.requests.issue(),
            Op::Introspect(i) => shared.requests.introspect(shared.pool.get(i)),
            Op::CheckToken(i) => shared.requests.check_token(&shared.pool.get(i)),
            Op::Revoke(i) => shared.requests.revoke(shared.revoke_pool.get(i)),
        };
        let started = Instant::now();
        let answer = tokio::time::timeout(REQUEST_TIMEOUT, c.send(request)).await;
        let done = Instant::now();
        let counted = started >= from && done <= until;
        match answer {
            Ok(Ok((status, body))) => {
                if counted {
                    let micros = done.duration_since(started).as_micros().max(1) as u64;
                    tally.latency_us.saturating_record(micros);
                    tally.requests += 1;
                    tally.last_done = Some(done);
                    if !accepted(op, status, &body) {
                        tally.rejected += 1;
                    }
                }
            }
            _ => {
                conn = None;
                if started >= from && started < until {
                    tally.io_errors += 1;
                }
            }
        }
    }
    tally
}

/// Issues `count` tokens, or as many as fit before `until`, over `connections` connections, and
/// returns their values. Any refusal stops the whole batch: the pools must hold only good tokens.
pub async fn issue_tokens(
    target: &Target,
    requests: Arc<Requests>,
    connections: u32,
    count: Option<u64>,
    until: Option<Instant>,
) -> anyhow::Result<Vec<String>> {
    let budget = Arc::new(OnceEach::new(count.map_or(usize::MAX, |n| n as usize)));
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = JoinSet::new();
    for _ in 0..connections {
        let (target, requests, budget, stop) = (target.clone(), requests.clone(), budget.clone(), stop.clone());
        workers.spawn(async move {
            let result = issue_worker(&target, &requests, &budget, &stop, until).await;
            if result.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            result
        });
    }
    let mut tokens = Vec::with_capacity(count.unwrap_or(0).min(10_000_000) as usize);
    let mut first_error = None;
    while let Some(joined) = workers.join_next().await {
        match joined
            .map_err(|e| anyhow!("issuing worker failed: {e}"))
            .and_then(|r| r)
        {
            Ok(mut batch) => tokens.append(&mut batch),
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(tokens),
    }
}

async fn issue_worker(
    target: &Target,
    requests: &Requests,
    budget: &OnceEach,
    stop: &AtomicBool,
    until: Option<Instant>,
) -> anyhow::Result<Vec<String>> {
    let mut conn = Conn::connect(target).await?;
    let mut tokens = Vec::new();
    while !stop.load(Ordering::Relaxed) && until.is_none_or(|t| Instant::now() < t) && budget.claim().is_some() {
        let (status, body) = tokio::time::timeout(REQUEST_TIMEOUT, conn.send(requests.issue()))
            .await
            .map_err(|_| anyhow!("token request timed out"))??;
        if !status.is_success() {
            let text: String = String::from_utf8_lossy(&body).chars().take(300).collect();
            bail!("issuing a pool token failed ({status}): {text}");
        }
        tokens.push(access_token(&body)?);
    }
    Ok(tokens)
}
