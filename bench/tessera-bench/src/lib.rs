//! `tessera-bench`: a load generator for a running Tessera server (see `run`).
//!
//! It provisions its own tenant and client through the admin API, issues the token pools it
//! needs, then drives each scenario over HTTP/1.1 keep-alive connections and reports
//! throughput, latency percentiles and errors; it deletes the tenant at the end.

pub mod args;
pub mod client;
pub mod load;
pub mod preload;
pub mod provision;
pub mod report;
pub mod scenario;

use args::{Args, Scenario};
use client::{basic, Requests, Target, TokenParams};
use load::Shared;
use provision::Provisioned;
use report::{Report, ScenarioReport};
use scenario::OnceEach;
use std::sync::Arc;
use std::time::Duration;

/// Upper bound of the default revoke pool, so a long run does not fill the server's memory.
const MAX_REVOKE_POOL: u64 = 2_000_000;

/// Provisions, measures every selected scenario, cleans up (unless `--keep`), and reports.
pub async fn run(args: &Args) -> anyhow::Result<Report> {
    let target = Target::parse(&args.url)?;
    let admin = provision::admin_token(&target, &args.admin_client_id, &args.admin_client_secret).await?;
    let client = provision::provision(&target, &admin, &args.access_token_format).await?;
    eprintln!(
        "tessera-bench: tenant {} client {} ({} access tokens)",
        client.tenant, client.client_id, args.access_token_format
    );
    // Ctrl-C stops the measurement (dropping it aborts the workers) but still cleans up.
    let result = tokio::select! {
        result = measure(args, &target, &client) => result,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    if args.keep {
        eprintln!("tessera-bench: keeping tenant {}", client.tenant);
    } else {
        // The admin token may have expired during a long run: take a fresh one.
        let cleanup = async {
            let admin = provision::admin_token(&target, &args.admin_client_id, &args.admin_client_secret).await?;
            provision::delete_tenant(&target, &admin, &client.tenant).await
        };
        if let Err(e) = cleanup.await {
            eprintln!("tessera-bench: warning: {e:#}");
        }
    }
    result
}

async fn measure(args: &Args, target: &Target, client: &Provisioned) -> anyhow::Result<Report> {
    let scenarios = args.scenarios();
    let requests = Arc::new(Requests::new(target, basic(&client.client_id, &client.client_secret)));
    let mut preload = None;
    let pool = if let Some(n) = args.preload {
        eprintln!("tessera-bench: preloading {n} tokens");
        let (report, tokens) = preload::preload(target, requests.clone(), args.connections, n, args.server_pid).await?;
        preload = Some(report);
        tokens
    } else if scenarios.iter().any(|s| s.needs_pool()) {
        load::issue_tokens(target, requests.clone(), args.connections, Some(args.tokens), None).await?
    } else {
        Vec::new()
    };
    // Consumed: the token strings go as their request bodies are made (10 million take a GB).
    let pool = TokenParams::new(pool);
    let pool_tokens = pool.len();
    let mut shared = Arc::new(Shared {
        requests: requests.clone(),
        pool,
        revoke_pool: TokenParams::default(),
        revoke_next: OnceEach::new(0),
    });
    let mut reports = Vec::new();
    for scenario in scenarios {
        if scenario == Scenario::Revoke {
            let revoke_pool = revoke_pool(args, target, requests.clone()).await?;
            // Each scenario runs after the previous one's workers are joined: this is the only owner.
            let Some(s) = Arc::get_mut(&mut shared) else {
                anyhow::bail!("token pools still in use");
            };
            s.revoke_next = OnceEach::new(revoke_pool.len());
            s.revoke_pool = revoke_pool;
        }
        eprintln!("tessera-bench: {} for {:?}", scenario.name(), args.duration);
        let outcome = load::run(
            target,
            shared.clone(),
            scenario,
            args.issue_percent,
            args.connections,
            args.warmup,
            args.duration,
        )
        .await?;
        reports.push(ScenarioReport::new(scenario.name(), &outcome));
    }
    Ok(Report {
        url: args.url.clone(),
        tenant: client.tenant.clone(),
        access_token_format: args.access_token_format.clone(),
        connections: args.connections,
        warmup_s: args.warmup.as_secs_f64(),
        duration_s: args.duration.as_secs_f64(),
        pool_tokens,
        preload,
        scenarios: reports,
    })
}

/// Tokens to revoke once each: `--revoke-tokens`, or whatever issuance yields in 1.5 × the
/// scenario's time (revocation runs at a rate near issuance's, so that normally lasts).
async fn revoke_pool(args: &Args, target: &Target, requests: Arc<Requests>) -> anyhow::Result<TokenParams> {
    let tokens = match args.revoke_tokens {
        Some(n) => load::issue_tokens(target, requests, args.connections, Some(n), None).await?,
        None => {
            let fill: Duration = (args.warmup + args.duration).mul_f64(1.5);
            eprintln!("tessera-bench: issuing tokens to revoke for {fill:?}");
            let until = tokio::time::Instant::now() + fill;
            load::issue_tokens(target, requests, args.connections, Some(MAX_REVOKE_POOL), Some(until)).await?
        }
    };
    Ok(TokenParams::new(tokens))
}
