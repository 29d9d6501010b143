//! End-to-end: `tessera-bench` drives the real binary through every scenario and a preload.
//! It asserts on counts and errors only, never on timing.

use crate::helpers::{start_binary, Process, ADMIN_ID, ADMIN_SECRET};
use clap::Parser;
use reqwest::Method;
use tessera_bench::args::Args;

fn server(dir: &std::path::Path) -> Process {
    start_binary(
        dir,
        &[
            ("TESSERA_STORE", "memory://"),
            ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
            ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
            ("TESSERA_LOG", "warn"),
        ],
    )
}

fn args(base: &str, extra: &[&str]) -> Args {
    let mut argv = vec![
        "tessera-bench",
        "--url",
        base,
        "--admin-client-id",
        ADMIN_ID,
        "--admin-client-secret",
        ADMIN_SECRET,
        "--connections",
        "4",
        "--duration",
        "1s",
        "--warmup",
        "200ms",
    ];
    argv.extend_from_slice(extra);
    Args::try_parse_from(argv).unwrap()
}

/// The admin API's status for `GET /admin/tenants/{tenant}` on `server`.
async fn tenant_status(server: &Process, tenant: &str) -> u16 {
    let path = format!("/admin/tenants/{tenant}");
    server.api().await.admin(Method::GET, &path, None).await.status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_runs_without_errors_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    let report = tessera_bench::run(&args(&server.base, &["--tokens", "50"]))
        .await
        .unwrap();
    let names: Vec<&str> = report.scenarios.iter().map(|s| s.scenario.as_str()).collect();
    assert_eq!(names, ["issue", "introspect", "check-token", "revoke", "mixed"]);
    assert_eq!(report.pool_tokens, 50);
    for s in &report.scenarios {
        assert!(s.requests > 0, "{s:?}");
        assert_eq!(s.errors, 0, "{s:?}");
        assert!(
            s.latency_ms.p50 > 0.0 && s.latency_ms.p50 <= s.latency_ms.p99_9,
            "{s:?}"
        );
    }
    assert_eq!(
        tenant_status(&server, &report.tenant).await,
        404,
        "the bench tenant is deleted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_access_tokens_are_issued_and_introspected_without_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    let extra = [
        "--tokens",
        "20",
        "--scenarios",
        "issue,introspect",
        "--access-token-format",
        "jwt",
    ];
    let report = tessera_bench::run(&args(&server.base, &extra)).await.unwrap();
    assert_eq!(report.access_token_format, "jwt");
    for s in &report.scenarios {
        assert!(s.requests > 0, "{s:?}");
        assert_eq!(s.errors, 0, "{s:?}: a JWT introspected inactive counts as an error");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preload_reports_server_memory_and_keep_leaves_the_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    let pid = server.child.id().to_string();
    let extra = [
        "--preload",
        "2000",
        "--server-pid",
        &pid,
        "--keep",
        "--scenarios",
        "introspect,check-token",
    ];
    let report = tessera_bench::run(&args(&server.base, &extra)).await.unwrap();
    let preload = report.preload.as_ref().unwrap();
    assert_eq!((preload.tokens, report.pool_tokens), (2000, 2000));
    assert!(preload.rss_before_bytes.unwrap() > 0 && preload.rss_after_bytes.unwrap() > 0);
    assert!(preload.rss_bytes_per_token.is_some());
    assert_eq!(report.scenarios.len(), 2);
    for s in &report.scenarios {
        assert!(s.requests > 0 && s.errors == 0, "{s:?}");
    }
    assert_eq!(
        tenant_status(&server, &report.tenant).await,
        200,
        "--keep keeps the tenant"
    );
}
