//! `tessera token`: tokens listed, changed, looked up and revoked, and the cached admin token.

use super::{row, tessera, tessera_stdin, tessera_with, value_of};
use crate::helpers::Response;
use crate::helpers::{spawn, TestApp};
use serde_json::json;

/// Needs the token admin endpoints (`/admin/tenants/{t}/clients/{c}/tokens…`, `/admin/tokens/…`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_listed_changed_looked_up_and_revoked() {
    let s = spawn().await;
    tessera(&s, &["tenant", "create", "acme", "--max-active-tokens", "10"])
        .await
        .ok();
    let app = tessera(
        &s,
        &[
            "client",
            "create",
            "acme",
            "--client-id",
            "billing",
            "--scope",
            "read",
            "--scope",
            "write",
            "--json",
        ],
    )
    .await
    .json();
    let secret = app["client_secret"].as_str().unwrap().to_string();
    let first = s.token_cc("billing", &secret, Some("read write")).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    s.token_cc("billing", &secret, Some("read")).await;

    let list = tessera(&s, &["token", "list", "acme", "billing"]).await.ok();
    assert!(
        list.stdout.starts_with("active access tokens: 2 of limit 10\n"),
        "{list:?}"
    );
    assert_eq!(
        row(&list.stdout, "ID"),
        ["ID", "KIND", "SUBJECT", "SCOPES", "EXPIRES_AT"]
    );

    let listed = tessera(&s, &["token", "list", "acme", "billing", "--kind", "access", "--json"])
        .await
        .json();
    assert_eq!(listed["active_count"], 2, "{listed}");
    assert_eq!(listed["tokens"].as_array().unwrap().len(), 2, "{listed}");

    let found = tessera_stdin(&s, &["token", "lookup", "-", "--json"], Some(&first))
        .await
        .json();
    let id = found["id"].as_str().unwrap().to_string();
    assert_eq!(found["client_id"], "billing");
    let table_row = row(&list.stdout, &id);
    assert_eq!(table_row[1], "access", "{table_row:?}");
    let found_by_arg = tessera(&s, &["token", "lookup", &first, "--json"]).await.json();
    assert_eq!(found_by_arg["id"], id.as_str());

    let shown = tessera(&s, &["token", "get", &id]).await.ok();
    assert_eq!(value_of(&shown.stdout, "id"), id);
    assert_eq!(value_of(&shown.stdout, "active"), "true");

    let expires = (crate::helpers::START + 600).to_string();
    let updated = tessera(
        &s,
        &[
            "token",
            "update",
            &id,
            "--scope",
            "read",
            "--expires-at",
            &expires,
            "--properties",
            r#"{"device":"kiosk-7"}"#,
            "--json",
        ],
    )
    .await
    .json();
    assert_eq!(updated["scopes"], serde_json::json!(["read"]), "{updated}");
    assert_eq!(updated["expires_at"], crate::helpers::START + 600);
    assert_eq!(updated["properties"]["device"], "kiosk-7");
    let introspected = s.introspect(("billing", &secret), &first).await.json;
    assert_eq!(introspected["device"], "kiosk-7", "{introspected}");

    let deleted = tessera(&s, &["token", "delete", &id]).await.ok();
    assert!(deleted.stdout.contains(&id), "{deleted:?}");
    assert_eq!(s.introspect(("billing", &secret), &first).await.json["active"], false);

    let revoked = tessera(&s, &["token", "revoke-all", "acme", "billing"]).await.ok();
    assert_eq!(revoked.stdout.trim(), "revoked 1 tokens");
    let after = tessera(&s, &["token", "list", "acme", "billing", "--json"])
        .await
        .json();
    assert_eq!(after["active_count"], 0, "{after}");

    let bad = tessera(&s, &["token", "update", &id, "--properties", "[1]"]).await;
    assert_eq!(bad.code, 2, "{bad:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_list_says_which_kind_counts_toward_the_limit() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "acme"})).await;
    s.create_user("acme", "alice", "wonderland", &["ROLE_USER"]).await;
    let grants = json!({"client_id": "web", "grant_types": ["password", "refresh_token"]});
    let secret = s.create_client("acme", grants).await;
    let login = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "wonderland"),
    ];
    let Response { status, json: body, .. } = s.token(("web", &secret), &login).await;
    assert_eq!(status, 200, "{body}");

    let list = tessera(&s, &["token", "list", "acme", "web"]).await.ok();
    let first = list.stdout.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "active access tokens: 1 of limit none; refresh tokens listed: 1 (not counted)"
    );
    assert_eq!(
        list.stdout.lines().count(),
        4,
        "header, column names, two rows: {list:?}"
    );
}

/// The ids of `client`'s active access tokens (tenant `system`).
async fn admin_tokens(s: &TestApp, client: &str) -> Vec<String> {
    let path = format!("/admin/tenants/system/clients/{client}/tokens?kind=access");
    let Response { status, json: body, .. } = s.admin(reqwest::Method::GET, &path, None).await;
    assert_eq!(status, 200, "{body}");
    let ids = body["tokens"].as_array().unwrap().iter();
    ids.map(|t| t["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_share_one_cached_admin_token_and_replace_a_revoked_one() {
    let s = spawn().await;
    let created = json!({"client_id": "ops", "grant_types": ["client_credentials"], "authorities": ["ROLE_ADMIN"]});
    let secret = s.create_client("system", created).await;
    let cache = tempfile::tempdir().unwrap();
    let envs = [
        ("TESSERA_URL", s.base.as_str()),
        ("TESSERA_ADMIN_CLIENT_ID", "ops"),
        ("TESSERA_ADMIN_CLIENT_SECRET", secret.as_str()),
        ("XDG_CACHE_HOME", cache.path().to_str().unwrap()),
    ];
    for _ in 0..5 {
        tessera_with(&envs, &["tenant", "list"], None).await.ok();
    }
    let minted = admin_tokens(&s, "ops").await;
    assert_eq!(minted.len(), 1, "five commands, one token: {minted:?}");

    // Kept for its owner alone, and without the secret.
    let dir = cache.path().join("tessera");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let mode =
        |p: &std::path::Path| std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(p).unwrap().permissions());
    assert_eq!((mode(&dir) & 0o777, mode(&files[0]) & 0o777), (0o700, 0o600));
    assert!(!std::fs::read_to_string(&files[0]).unwrap().contains(&secret));

    // Another secret for the same id does not get that token (it is refused instead).
    let wrong = [
        envs[0],
        envs[1],
        ("TESSERA_ADMIN_CLIENT_SECRET", "not-the-secret"),
        envs[3],
    ];
    assert_eq!(tessera_with(&wrong, &["tenant", "list"], None).await.code, 1);

    // A revoked cached token: the command gets a new one and succeeds.
    let Response { status, json: body, .. } = s
        .admin(reqwest::Method::DELETE, &format!("/admin/tokens/{}", minted[0]), None)
        .await;
    assert!(status < 300, "{body}");
    tessera_with(&envs, &["tenant", "list"], None).await.ok();
    tessera_with(&envs, &["tenant", "list"], None).await.ok();
    let now = admin_tokens(&s, "ops").await;
    assert_eq!(now.len(), 1, "{now:?}");
    assert_ne!(now, minted);
}

/// `tessera token create`: an application token with a chosen lifetime and scopes, shown once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_create_issues_an_application_token() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "acme"})).await;
    let secret = s
        .create_client("acme", json!({"client_id": "billing", "scopes": ["read"]}))
        .await;
    let args = [
        "token",
        "create",
        "acme",
        "billing",
        "--expires-in",
        "-1",
        "--scope",
        "device_tv",
    ];
    let made = tessera(&s, &args).await.ok();
    let token = value_of(&made.stdout, "access_token");
    assert!(token.starts_with("tsa_"), "{made:?}");
    assert!(s.is_active(("billing", &secret), &token).await);
    let json = tessera(&s, &["token", "create", "acme", "billing", "--json"])
        .await
        .json();
    assert_eq!(json["scopes"], json!(["read"]));
    let refused = tessera(&s, &["token", "create", "acme", "billing", "--scope", "write"]).await;
    assert_ne!(refused.code, 0, "{refused:?}");
}
