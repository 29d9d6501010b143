//! The admin CLI end to end: the real `tessera` binary against an in-process server.

use crate::helpers::Response;
use crate::helpers::{spawn, TestApp, ADMIN_ID, ADMIN_SECRET};
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::LazyLock;

/// What one run of the binary left behind.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected success: {self:#?}");
        self
    }
    #[track_caller]
    fn json(&self) -> Value {
        assert_eq!(self.code, 0, "expected success: {self:#?}");
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }
}

static CACHE: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().unwrap());

/// Runs `tessera ARGS` with exactly these TESSERA_* variables (and `stdin` piped in), off the
/// runtime's worker threads so the in-process server keeps answering.
async fn tessera_with(envs: &[(&str, &str)], args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args(args).env_remove("RUST_LOG");
    for (k, _) in std::env::vars() {
        if k.starts_with("TESSERA_") {
            cmd.env_remove(k);
        }
    }
    // The admin token cache of these runs, away from the user's own.
    cmd.env("XDG_CACHE_HOME", CACHE.path());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let stdin = stdin.map(str::to_string);
    let output = tokio::task::spawn_blocking(move || {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        let mut child = cmd.spawn().expect("start tessera");
        if let Some(text) = stdin {
            child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Runs `tessera ARGS` against `s` as the bootstrap admin.
async fn tessera(s: &TestApp, args: &[&str]) -> Run {
    tessera_stdin(s, args, None).await
}

async fn tessera_stdin(s: &TestApp, args: &[&str], stdin: Option<&str>) -> Run {
    let envs = [
        ("TESSERA_URL", s.base.as_str()),
        ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
        ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
    ];
    tessera_with(&envs, args, stdin).await
}

/// The line of a table whose first column is `first`, split into columns.
#[track_caller]
fn row(table: &str, first: &str) -> Vec<String> {
    table
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .find(|cols| cols.first().map(String::as_str) == Some(first))
        .unwrap_or_else(|| panic!("no row {first:?} in:\n{table}"))
}

/// The value of a `key: value` line.
#[track_caller]
fn value_of(text: &str, key: &str) -> String {
    let prefix = format!("{key}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no {key}: line in:\n{text}"))
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_output_pipe_ends_the_command_quietly() {
    let s = spawn().await;
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // like `| head -1` that has already read its line
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args(["tenant", "list", "--json"])
        .env_remove("RUST_LOG")
        .env("XDG_CACHE_HOME", CACHE.path())
        .env("TESSERA_URL", &s.base)
        .env("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID)
        .env("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET)
        .stdout(writer)
        .stderr(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_exit_1_with_the_servers_message() {
    let s = spawn().await;
    let bad = tessera(&s, &["tenant", "create", "Bad_Id"]).await;
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stderr.starts_with("tessera: 400 invalid_request: "), "{bad:?}");
    assert!(bad.stderr.contains("id"), "{bad:?}");
    assert!(bad.stdout.is_empty(), "{bad:?}");

    tessera(&s, &["tenant", "create", "acme"]).await.ok();
    let again = tessera(&s, &["tenant", "create", "acme", "--json"]).await;
    assert_eq!(again.code, 1, "{again:?}");
    assert!(again.stderr.starts_with("tessera: 409 conflict"), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_admin_secret_exits_1_with_invalid_client() {
    let s = spawn().await;
    let envs = [
        ("TESSERA_URL", s.base.as_str()),
        ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
        ("TESSERA_ADMIN_CLIENT_SECRET", "not-the-secret"),
    ];
    let run = tessera_with(&envs, &["tenant", "list"], None).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("invalid_client"), "{run:?}");
    assert!(!run.stderr.contains("not-the-secret"), "{run:?}");

    // Flags beat the environment.
    let run = tessera_with(&envs, &["tenant", "list", "--admin-client-secret", ADMIN_SECRET], None).await;
    assert_eq!(run.code, 0, "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_exits_1_naming_the_url() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let envs = [
        ("TESSERA_URL", url.as_str()),
        ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
        ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
    ];
    let run = tessera_with(&envs, &["tenant", "list"], None).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains(&url), "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_and_bad_usage_exit_2() {
    let s = spawn().await;
    let run = tessera_with(&[("TESSERA_URL", s.base.as_str())], &["tenant", "list"], None).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("TESSERA_ADMIN_CLIENT_ID"), "{run:?}");
    assert!(run.stderr.contains("--admin-client-secret"), "{run:?}");

    let run = tessera(&s, &["tenant", "create"]).await;
    assert_eq!(run.code, 2, "a missing argument: {run:?}");
    let run = tessera(&s, &["tenant", "create", "x", "--token-policy", "sometimes"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    let run = tessera(&s, &["tenant", "get", "x", "--url", "ftp://example.com"]).await;
    assert_eq!(run.code, 2, "{run:?}");

    // Numbers the server refuses are refused by the parser, naming the option and the rule.
    for (option, value, says) in [
        ("--max-active-tokens", "-5", "1 or more"),
        ("--max-active-tokens", "0", "must be at least 1"),
        ("--access-token-ttl", "0", "must not be 0"),
        ("--access-token-ttl", "400000000", "at most ten years"),
    ] {
        let run = tessera(&s, &["tenant", "create", "x", option, value]).await;
        assert_eq!(run.code, 2, "{option} {value}: {run:?}");
        assert!(run.stderr.contains(option) && run.stderr.contains(says), "{run:?}");
    }
    tessera(
        &s,
        &[
            "tenant",
            "create",
            "x",
            "--access-token-ttl",
            "-1",
            "--max-active-tokens",
            "1",
        ],
    )
    .await
    .ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_positional_argument_is_described() {
    let s = spawn().await;
    for (noun, verbs) in [
        ("tenant", &["get", "create", "update", "delete"][..]),
        ("client", &["list", "get", "create", "update", "delete", "secret"]),
        ("user", &["list", "get", "create", "update", "delete"]),
        ("token", &["list", "revoke-all", "get", "update", "delete"]),
        ("authorization", &["list", "set-scopes", "delete"]),
    ] {
        for verb in verbs {
            let help = tessera(&s, &[noun, verb, "--help"]).await.ok().stdout;
            let arguments = help.split("Arguments:").nth(1).unwrap_or_default();
            for line in arguments.lines().skip(1).take_while(|l| l.starts_with("  <")) {
                let described = line.split_once('>').is_some_and(|(_, rest)| !rest.trim().is_empty());
                assert!(described, "{noun} {verb}: {line:?} has no description");
            }
        }
    }
    // `serve --help` names every setting's environment variable, and JSON output ends its line.
    let serve = tessera(&s, &["serve", "--help"]).await.ok().stdout;
    for variable in [
        "TESSERA_STORE",
        "TESSERA_MANAGEMENT_LISTEN",
        "TESSERA_SQLITE__SYNCHRONOUS",
    ] {
        assert!(serve.contains(variable), "{variable}: {serve}");
    }
    assert!(tessera(&s, &["tenant", "list", "--json"])
        .await
        .ok()
        .stdout
        .ends_with("]\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_never_shows_the_admin_secret() {
    let envs = [("TESSERA_ADMIN_CLIENT_SECRET", "hunter2-admin-secret")];
    for args in [&["tenant", "list", "--help"][..], &["client", "create", "--help"]] {
        let run = tessera_with(&envs, args, None).await;
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("TESSERA_ADMIN_CLIENT_SECRET"), "{run:?}");
        assert!(!run.stdout.contains("hunter2"), "{run:?}");
    }
}
