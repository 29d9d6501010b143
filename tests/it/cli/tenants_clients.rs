//! `tessera tenant` and `tessera client`: tables and JSON, secrets shown once, browser origins.

use super::{row, tessera, value_of};
use crate::helpers::Response;
use crate::helpers::{spawn, ADMIN_ID};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_round_trip_in_tables_and_json() {
    let s = spawn().await;
    let created = tessera(
        &s,
        &[
            "tenant",
            "create",
            "acme",
            "--name",
            "Acme",
            "--token-policy",
            "reuse",
            "--max-active-tokens",
            "5",
        ],
    )
    .await
    .ok();
    assert_eq!(value_of(&created.stdout, "id"), "acme");
    assert_eq!(value_of(&created.stdout, "name"), "Acme");
    assert_eq!(value_of(&created.stdout, "token_policy"), "reuse");

    let list = tessera(&s, &["tenant", "list"]).await.ok();
    assert_eq!(row(&list.stdout, "ID"), ["ID", "NAME", "POLICY", "LIMIT"]);
    assert_eq!(row(&list.stdout, "acme"), ["acme", "Acme", "reuse", "5"]);
    assert!(list.stdout.lines().any(|l| l.starts_with("system")), "{}", list.stdout);

    let listed = tessera(&s, &["tenant", "list", "--json"]).await.json();
    assert!(listed.as_array().unwrap().iter().any(|t| t["id"] == "acme"), "{listed}");

    // Global options also go before the action.
    let got = tessera(&s, &["tenant", "--json", "get", "acme"]).await.json();
    assert_eq!(got["max_active_tokens_per_client"], 5);

    let updated = tessera(
        &s,
        &[
            "tenant",
            "update",
            "acme",
            "--name",
            "Acme Corp",
            "--access-token-ttl",
            "-1",
            "--max-active-tokens",
            "inherit",
            "--json",
        ],
    )
    .await
    .json();
    assert_eq!(updated["name"], "Acme Corp");
    assert_eq!(updated["access_token_ttl"], -1);
    assert_eq!(updated["max_active_tokens_per_client"], Value::Null);
    assert_eq!(updated["token_policy"], "reuse", "options not given stay as they are");

    // Without a terminal to ask on, a delete needs --yes.
    let unasked = tessera(&s, &["tenant", "delete", "acme"]).await;
    assert_eq!(unasked.code, 2, "{unasked:?}");
    assert!(unasked.stderr.contains("--yes"), "{unasked:?}");
    tessera(&s, &["tenant", "get", "acme"]).await.ok();
    let deleted = tessera(&s, &["tenant", "delete", "acme", "--yes"]).await.ok();
    assert!(deleted.stdout.contains("deleted tenant acme"), "{deleted:?}");
    let gone = tessera(&s, &["tenant", "get", "acme"]).await;
    assert_eq!(gone.code, 1, "{gone:?}");
    assert!(gone.stderr.starts_with("tessera: 404 not_found"), "{gone:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secrets_are_shown_once_and_work() {
    let s = spawn().await;
    tessera(&s, &["tenant", "create", "acme"]).await.ok();
    let created = tessera(
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
            "--authority",
            "ROLE_BILLING",
            // The admin's own id has a flag of its own, distinct from the new client's.
            "--admin-client-id",
            ADMIN_ID,
        ],
    )
    .await
    .ok();
    assert!(created.stdout.contains("shown only this once"), "{created:?}");
    let secret = value_of(&created.stdout, "client_secret");
    let token = s.token_cc("billing", &secret, Some("read")).await;
    assert_eq!(token["authorities"][0], "ROLE_BILLING", "{token}");

    let list = tessera(&s, &["client", "list", "acme"]).await.ok();
    assert_eq!(
        row(&list.stdout, "CLIENT_ID"),
        ["CLIENT_ID", "NAME", "GRANTS", "SCOPES", "PUBLIC"]
    );
    assert_eq!(
        row(&list.stdout, "billing"),
        ["billing", "billing", "client_credentials", "read,write", "false"]
    );
    let shown = tessera(&s, &["client", "get", "acme", "billing"]).await.ok();
    assert!(!shown.stdout.contains("client_secret"), "{shown:?}");

    let regenerated = tessera(&s, &["client", "secret", "acme", "billing", "--json"])
        .await
        .json();
    let new_secret = regenerated["client_secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    let Response { status, .. } = s
        .token(("billing", &secret), &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(status, 401, "the old secret stops working");
    s.token_cc("billing", new_secret, None).await;

    let updated = tessera(
        &s,
        &[
            "client",
            "update",
            "acme",
            "billing",
            "--scope",
            "--max-active-tokens",
            "3",
            "--json",
        ],
    )
    .await
    .json();
    assert_eq!(
        updated["scopes"],
        serde_json::json!([]),
        "a bare --scope empties the list"
    );
    assert_eq!(updated["max_active_tokens"], 3);
    assert_eq!(updated["authorities"][0], "ROLE_BILLING");

    // A generated id, --json for scripts.
    let generated = tessera(&s, &["client", "create", "acme", "--json"]).await.json();
    assert!(generated["client_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(generated["client_secret"].as_str().is_some());

    assert_eq!(tessera(&s, &["client", "delete", "acme", "billing"]).await.code, 2);
    tessera(&s, &["client", "delete", "acme", "billing", "--yes"])
        .await
        .ok();
    let gone = tessera(&s, &["client", "get", "acme", "billing"]).await;
    assert_eq!(gone.code, 1, "{gone:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_origins_are_set_listed_and_emptied() {
    let s = spawn().await;
    tessera(&s, &["tenant", "create", "acme"]).await.ok();
    let create = ["client", "create", "acme", "--client-id", "spa", "--public"];
    let grant = ["--grant-type", "authorization_code"];
    let origins = [
        "--allowed-origin",
        "HTTPS://App.Example:443",
        "--allowed-origin",
        "http://localhost:3000",
    ];
    let created = tessera(&s, &[&create[..], &grant, &origins].concat()).await.ok();
    assert_eq!(
        value_of(&created.stdout, "allowed_origins"),
        "https://app.example,http://localhost:3000"
    );
    let bad = tessera(
        &s,
        &[
            "client",
            "update",
            "acme",
            "spa",
            "--allowed-origin",
            "https://app.example/cb",
        ],
    )
    .await;
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stderr.contains("allowed_origins"), "{bad:?}");
    let emptied = tessera(&s, &["client", "update", "acme", "spa", "--allowed-origin", "--json"])
        .await
        .json();
    assert_eq!(emptied["allowed_origins"], serde_json::json!([]));
}
