//! Wiring: config → store, key, service, bootstrap → HTTP listener with graceful shutdown.

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, Synchronous};
use crate::http::{limits, serve};
use crate::purge::Purger;
use crate::secret::Secret;
use crate::service::Service;
use crate::store::{self, StoreOptions};
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};

pub use crate::keys::keyring;

pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn store::Store>> {
    let options = StoreOptions {
        sqlite_synchronous_full: config.sqlite.synchronous == Synchronous::Full,
        max_connections: config.max_connections,
        purge_grace: config.purge_grace,
    };
    store::open(&config.store, &options).await.context("store")
}

/// A bound, bootstrapped server that has not started accepting yet.
pub struct Prepared {
    pub listener: TcpListener,
    pub addr: SocketAddr,
    /// The management listener (`/metrics`, `/healthz`, `/readyz`), unless `management_listen` is `off`.
    pub management: Option<(TcpListener, SocketAddr)>,
    pub service: Arc<Service>,
    /// Set on the first start without configured admin credentials: show once.
    pub generated_admin: Option<(String, Secret<String>)>,
}

/// Connections the kernel holds, past the connection cap, until they are accepted. std and tokio
/// ask for 128: a flood beyond that has its connection attempts dropped and retried after 1, 3,
/// 7 … seconds, instead of waiting their turn. The kernel caps it at `net.core.somaxconn`.
const BACKLOG: u32 = 4096;

fn bind(at: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if at.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As std and tokio do: a restarted server binds again at once.
    socket.set_reuseaddr(true)?;
    socket.bind(at)?;
    socket.listen(BACKLOG)
}

pub async fn prepare(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Prepared> {
    // A shared database's key comes from the configuration alone: a missing one is refused before
    // the database is touched (connected to, let alone migrated). A SQLite store first: a missing
    // directory is its to name, before the key file is looked for there.
    let (store, keys) = if store::is_shared(&config.store) {
        let keys = keyring(config)?;
        (open_store(config).await?, keys)
    } else {
        let store = open_store(config).await?;
        (store, keyring(config)?)
    };
    let keys = Arc::new(keys);
    let listener = bind(config.listen).with_context(|| format!("listen: cannot bind {}", config.listen))?;
    let addr = listener.local_addr()?;
    let management = match config.management_listen.address() {
        Some(at) => {
            let listener = bind(at).with_context(|| {
                format!("management_listen: cannot bind {at} (set another address, or off to serve no metrics)")
            })?;
            let addr = listener.local_addr()?;
            Some((listener, addr))
        }
        None => None,
    };
    let operations = crate::service::Operations {
        backend: crate::store::backend_name(&config.store),
        purge_grace: config.purge_grace,
        purge_interval: Duration::from_secs(config.purge_interval.max(1)),
    };
    let signing = crate::service::signing::SigningSettings {
        alg: config.jwt_signing_alg.0,
        publish_delay: config.jwt_key_publish_delay,
    };
    let service = Service::new(store, clock, keys, &config.issuer_for(addr))
        .with_operations(operations)
        .with_signing_settings(signing);
    let service = Arc::new(service);
    // Never serve a JWT or a JWK Set from keys other nodes do not hold: load them before accepting.
    service.load_signing_keys().await?;
    let configured = config
        .admin_client_id
        .as_deref()
        .zip(config.admin_client_secret.as_ref());
    let generated_admin = service.bootstrap(configured).await.context("bootstrap admin client")?;
    Ok(Prepared {
        listener,
        addr,
        management,
        service,
        generated_admin,
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}

/// Transparent huge pages, which the allocator asks for, off unless `huge_pages` is set. A heap
/// that grows then takes a fresh 2 MiB page at a time, zeroed in one page fault while a request
/// waits: 4–5 ms on the benchmark VM, every 20 000 tokens issued. Without them, 10 million tokens
/// take 5 % less memory, and random lookups among them miss the TLB more: 86 % of the 1 000-token
/// introspection rate against 99 % with them (bench/preload.sh). Latency-bound servers (Redis,
/// MongoDB, most databases) advise the same.
fn set_huge_pages(allowed: bool) {
    // Allowed: the process keeps what it inherited (a wrapper may have turned them off).
    #[cfg(target_os = "linux")]
    if !allowed {
        if let Err(e) = nix::sys::prctl::set_thp_disable(true) {
            tracing::warn!(error = %e, "could not turn transparent huge pages off");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = allowed;
}

/// The main listener's connection cap, once the descriptor limit is raised as far as it goes.
fn connection_cap(config: &Config, workers: usize) -> anyhow::Result<usize> {
    let limit = limits::raise_descriptor_limit();
    let reserve = limits::reserve(workers, config.max_connections);
    let cap = limits::connection_cap(config.max_http_connections, limit, reserve)?;
    tracing::info!(max_http_connections = cap, reserved = reserve, "connection limit");
    Ok(cap)
}

/// Serves the management routes until `stopped`, and counts the active tokens for them meanwhile.
fn spawn_management(
    listener: TcpListener,
    service: &Arc<Service>,
    config: &Config,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let app = crate::http::management_router(service.clone());
    let options = serve::Options {
        workers: 1,
        max_connections: limits::MANAGEMENT_CONNECTIONS,
        request_timeout: Duration::from_secs(config.request_timeout),
        open: service
            .metrics()
            .connection_gauge("management", limits::MANAGEMENT_CONNECTIONS),
    };
    let counting = service
        .active_token_counter()
        .run(Duration::from_secs(config.active_tokens_interval), stopped.clone());
    let mut stopped = stopped;
    tokio::spawn(async move {
        let counting = tokio::spawn(counting);
        let signal = async move {
            let _ = stopped.changed().await;
        };
        if let Err(e) = serve::serve(listener, app, "tessera-management", options, signal).await {
            tracing::error!(error = %e, "management listener failed");
        }
        let _ = counting.await;
    })
}

/// What an operator should hear about at start without it stopping the server.
fn start_up_warnings(config: &Config) {
    if !config.ignored_env.is_empty() {
        tracing::warn!(
            variables = %config.ignored_env.join(", "),
            "ignoring TESSERA_* environment variables that name no setting"
        );
    }
    if config.issuer.is_none() && config.listen.ip().is_unspecified() {
        tracing::warn!(
            listen = %config.listen,
            "no issuer is set, so tokens and metadata name this unspecified address: set TESSERA_ISSUER \
             (issuer in tessera.toml) to the URL clients use"
        );
    }
}

/// `tessera serve`.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    start_up_warnings(&config);
    set_huge_pages(config.huge_pages);
    let workers = serve::worker_count(config.workers);
    let cap = connection_cap(&config, workers)?;
    let prepared = prepare(&config, Arc::new(SystemClock)).await?;
    if let Some((client_id, secret)) = &prepared.generated_admin {
        // Printed to stdout once, never logged: it cannot be shown again.
        println!("Generated the bootstrap admin client (shown only this once; store it now):");
        println!("  client_id:     {client_id}");
        println!("  client_secret: {}", secret.expose());
    }
    if let Some((_, addr)) = &prepared.management {
        println!("tessera management on http://{addr} (/metrics, /healthz, /readyz)");
    }
    println!(
        "tessera listening on http://{} (store {})",
        prepared.addr,
        store::redact_url(&config.store)
    );
    tracing::info!(addr = %prepared.addr, issuer = %prepared.service.issuer(), "listening");
    // One signal stops the purge job and the management listener once the main listener has drained.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let interval = Duration::from_secs(config.purge_interval.max(1));
    // Cassandra drops expired rows by TTL: no purge job there.
    let purge_task = (!store::expires_by_ttl(&config.store)).then(|| {
        let purger = prepared.service.purger(config.purge_grace, interval);
        tokio::spawn(purger.run(interval, stopped.clone()))
    });
    let sampled = prepared.service.clone();
    let sampling = crate::background::every(
        Duration::from_secs(crate::metrics::SAMPLE_SECONDS as u64),
        stopped.clone(),
        move || {
            sampled.sample_routes();
            std::future::ready(())
        },
    );
    let sample_task = tokio::spawn(sampling);
    let refresh_every = Duration::from_secs(crate::service::signing::KEY_REFRESH_INTERVAL as u64);
    let refresh_task = tokio::spawn(prepared.service.key_refresher().run(refresh_every, stopped.clone()));
    let management_task = prepared
        .management
        .map(|(listener, _)| spawn_management(listener, &prepared.service, &config, stopped));
    let options = serve::Options {
        workers,
        max_connections: cap,
        request_timeout: Duration::from_secs(config.request_timeout),
        open: prepared.service.metrics().connection_gauge("main", cap),
    };
    let app = crate::http::router(prepared.service);
    let served = serve::serve(prepared.listener, app, "tessera-http", options, shutdown_signal())
        .await
        .context("server");
    let _ = stop.send(true);
    if let Some(task) = purge_task {
        let _ = task.await;
    }
    let _ = sample_task.await;
    let _ = refresh_task.await;
    if let Some(task) = management_task {
        let _ = task.await;
    }
    served
}

/// `tessera purge`: one purge run, printing what it deleted.
pub async fn purge_once(config: Config) -> anyhow::Result<crate::purge::PurgeReport> {
    let store = open_store(&config).await?;
    let interval = Duration::from_secs(config.purge_interval.max(1));
    let report = Purger::new(
        store,
        Arc::new(SystemClock),
        config.purge_grace,
        interval,
        crate::service::throttle::FORGET_AFTER,
    )
    .run_once()
    .await
    .context("purge")?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_follow_the_setting() {
        // The flag belongs to the process: this test flips it and leaves it as it found it.
        let before = nix::sys::prctl::get_thp_disable().unwrap();
        nix::sys::prctl::set_thp_disable(false).unwrap();
        super::set_huge_pages(true);
        assert!(!nix::sys::prctl::get_thp_disable().unwrap(), "allowed: left as it was");
        super::set_huge_pages(false);
        assert!(nix::sys::prctl::get_thp_disable().unwrap());
        nix::sys::prctl::set_thp_disable(before).unwrap();
    }
}
