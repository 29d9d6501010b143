//! `tessera user`: users created, listed and disabled, and their authorizations.

use super::{row, tessera, tessera_stdin, value_of};
use crate::helpers::spawn;
use crate::helpers::Response;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_created_listed_and_disabled() {
    let s = spawn().await;
    tessera(&s, &["tenant", "create", "acme"]).await.ok();
    let app = tessera(
        &s,
        &[
            "client",
            "create",
            "acme",
            "--client-id",
            "web",
            "--grant-type",
            "password",
            "--json",
        ],
    )
    .await
    .json();
    let app_secret = app["client_secret"].as_str().unwrap().to_string();

    tessera(
        &s,
        &[
            "user",
            "create",
            "acme",
            "alice",
            "--password",
            "correct horse",
            "--authority",
            "ROLE_USER",
        ],
    )
    .await
    .ok();
    tessera_stdin(
        &s,
        &["user", "create", "acme", "bob", "--password-stdin"],
        Some("battery staple\n"),
    )
    .await
    .ok();
    let login = |user: &'static str, password: &'static str| {
        let params = [("grant_type", "password"), ("username", user), ("password", password)];
        let (s, secret) = (&s, app_secret.clone());
        async move { s.token(("web", &secret), &params).await.status }
    };
    assert_eq!(
        login("bob", "battery staple").await,
        200,
        "the password came from stdin"
    );

    let list = tessera(&s, &["user", "list", "acme"]).await.ok();
    assert_eq!(row(&list.stdout, "USERNAME"), ["USERNAME", "ENABLED", "AUTHORITIES"]);
    assert_eq!(row(&list.stdout, "alice"), ["alice", "true", "ROLE_USER"]);
    assert_eq!(row(&list.stdout, "bob"), ["bob", "true", "-"]);

    let disabled = tessera(&s, &["user", "update", "acme", "alice", "--disable", "--json"])
        .await
        .json();
    assert_eq!(disabled["enabled"], false);
    assert_eq!(
        login("alice", "correct horse").await,
        400,
        "a disabled user cannot log in"
    );
    let shown = tessera(&s, &["user", "get", "acme", "alice"]).await.ok();
    assert_eq!(value_of(&shown.stdout, "enabled"), "false");

    tessera(&s, &["user", "update", "acme", "alice", "--enable"]).await.ok();
    assert_eq!(login("alice", "correct horse").await, 200);

    let missing = tessera(&s, &["user", "create", "acme", "carol"]).await;
    assert_eq!(missing.code, 2, "no password: {missing:?}");
    let both = tessera(&s, &["user", "update", "acme", "alice", "--enable", "--disable"]).await;
    assert_eq!(both.code, 2, "{both:?}");

    // One spelling for create and update (`--disabled` stays as a hidden alias).
    for (name, flag) in [("carol", "--disable"), ("dave", "--disabled")] {
        let args = ["user", "create", "acme", name, "--password", "pw-1234", flag, "--json"];
        assert_eq!(tessera(&s, &args).await.json()["enabled"], false, "{flag}");
    }
    let help = tessera(&s, &["user", "create", "--help"]).await.ok();
    assert!(
        help.stdout.contains("--disable ") && !help.stdout.contains("--disabled"),
        "{help:?}"
    );

    assert_eq!(tessera(&s, &["user", "delete", "acme", "bob"]).await.code, 2);
    tessera(&s, &["user", "delete", "acme", "bob", "--yes"]).await.ok();
    assert_eq!(login("bob", "battery staple").await, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_authorizations_are_listed_rescoped_and_withdrawn() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "acme"})).await;
    s.create_user("acme", "alice", "wonderland", &["ROLE_USER"]).await;
    let web = json!({"client_id": "web", "grant_types": ["password"], "scopes": ["read", "write"]});
    let secret = s.create_client("acme", web).await;
    let login = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "wonderland"),
        ("scope", "read write"),
    ];
    let Response { status, json: body, .. } = s.token(("web", &secret), &login).await;
    assert_eq!(status, 200, "{body}");

    let listed = tessera(&s, &["authorization", "list", "acme", "alice", "--json"])
        .await
        .json();
    assert_eq!(listed[0]["client_id"], "web", "{listed}");
    assert_eq!(listed[0]["token_count"], 1, "{listed}");
    let table = tessera(&s, &["authorization", "list", "acme", "alice"]).await.ok();
    assert_eq!(row(&table.stdout, "web")[1], "read,write", "{table:?}");

    let args = [
        "consent",
        "set-scopes",
        "acme",
        "web",
        "alice",
        "--scope",
        "read",
        "--json",
    ];
    assert_eq!(tessera(&s, &args).await.json()["updated"], 1);
    let listed = tessera(&s, &["authorization", "list", "acme", "alice", "--json"])
        .await
        .json();
    assert_eq!(listed[0]["scopes"], json!(["read"]), "{listed}");

    let unasked = tessera(&s, &["authorization", "delete", "acme", "alice", "web"]).await;
    assert_eq!(unasked.code, 2, "{unasked:?}");
    let withdrawn = tessera(&s, &["authorization", "delete", "acme", "alice", "web", "--yes"]).await;
    assert!(withdrawn.ok().stdout.contains("revoked 1 tokens"));
    let listed = tessera(&s, &["authorization", "list", "acme", "alice", "--json"])
        .await
        .json();
    assert_eq!(listed, json!([]));
}
