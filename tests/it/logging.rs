//! Logs and request ids: `x-request-id` is taken or generated and echoed; JSON logs at debug level
//! carry it; and nothing the server logs, at any level, contains a token, secret or password.

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_request_id_is_taken_or_generated_and_echoed() {
    let s = spawn().await;
    let given = s
        .http
        .get(s.url("/healthz"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "trace-me-42");
    let mut generated = Vec::new();
    for _ in 0..2 {
        let r = s.http.get(s.url("/no/such/path")).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_eq!(id.len(), 36, "a UUID: {id}");
        generated.push(id);
    }
    assert_ne!(generated[0], generated[1], "one id per request");
    // An unusable id (too long, or not printable ASCII) is replaced, not logged and echoed.
    for bad in ["x".repeat(500), "a b".to_string()] {
        let r = s
            .http
            .get(s.url("/healthz"))
            .header("x-request-id", bad.as_str())
            .send()
            .await
            .unwrap();
        let echoed = r.headers()["x-request-id"].to_str().unwrap();
        assert!(echoed != bad && echoed.len() == 36, "{echoed}");
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}")).to_string()
}

/// Runs every grant, introspection, check_token (GET and POST), revocation, admin calls and
/// failing requests against the binary, and returns every secret value that went over the wire.
async fn exercise(c: &Api) -> Vec<String> {
    c.create_tenant(json!({"id": "leak"})).await;
    let app = json!({"client_id": "leak-app", "scopes": ["read"],
        "grant_types": ["client_credentials", "password", "refresh_token"]});
    let app_secret = c.create_client("leak", app).await;
    let password = "correct-horse-battery-staple-9f3a";
    c.create_user("leak", "alice", password, &["ROLE_USER"]).await;

    // client_secret_post: the secret travels in the form.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "leak-app"),
        ("client_secret", &app_secret),
    ];
    let cc = c.token_public(&form).await;
    assert_eq!(cc.status, 200, "{}", cc.text);
    let cc_token = text(&cc.json, "access_token");
    let app = ("leak-app", app_secret.as_str());
    let pw = c.login(app, "alice", password).await.json;
    let (pw_access, first_refresh) = (text(&pw, "access_token"), text(&pw, "refresh_token"));
    let rotated = c
        .token(
            app,
            &[("grant_type", "refresh_token"), ("refresh_token", &first_refresh)],
        )
        .await
        .json;
    let (rotated_access, rotated_refresh) = (text(&rotated, "access_token"), text(&rotated, "refresh_token"));
    // Failures with a wrong secret and a wrong password.
    let wrong_secret = "wrong-secret-5b1e7c0d2a9f";
    assert_eq!(
        c.token(("leak-app", wrong_secret), &[("grant_type", "client_credentials")])
            .await
            .status,
        401
    );
    let wrong_password = "wrong-password-77e0c1";
    assert_eq!(c.login(app, "alice", wrong_password).await.status, 400);

    assert_eq!(c.introspect(app, &cc_token).await.json["active"], true);
    assert_eq!(c.check_token(app, &pw_access).await.status, 200);
    // The GET form, token in the query; then with the client's credentials there too.
    let url = c.url("/oauth/check_token");
    let check = c.http.get(&url).basic_auth(app.0, Some(app.1));
    assert_eq!(c.send(check.query(&[("token", &rotated_access)])).await.status, 200);
    let query = [
        ("token", rotated_access.as_str()),
        ("client_id", "leak-app"),
        ("client_secret", &app_secret),
    ];
    assert_eq!(c.send(c.http.get(&url).query(&query)).await.status, 200);
    // A replay of the first refresh token revokes the lineage.
    let replay = [
        ("grant_type", "refresh_token"),
        ("refresh_token", first_refresh.as_str()),
    ];
    assert_eq!(c.token(app, &replay).await.status, 400);
    assert_eq!(c.lookup_token(&rotated_refresh).await.status, 200);
    assert_eq!(c.revoke(app, &cc_token).await.status, 200);
    let revoke = c.http.post(c.url("/oauth/revoke_token")).basic_auth(app.0, Some(app.1));
    assert_eq!(c.send(revoke.query(&[("token", &rotated_refresh)])).await.status, 200);
    let path = "/admin/tenants/leak/clients/leak-app/secret";
    let renewed = c.admin(reqwest::Method::POST, path, Some(json!({}))).await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    vec![
        ADMIN_SECRET.to_string(),
        c.admin_token.clone(),
        app_secret,
        text(&renewed.json, "client_secret"),
        password.to_string(),
        wrong_secret.to_string(),
        wrong_password.to_string(),
        cc_token,
        pw_access,
        first_refresh,
        rotated_access,
        rotated_refresh,
    ]
}

async fn nothing_secret_is_logged(store: &str, extra: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let mut envs = vec![
        ("TESSERA_STORE", store),
        ("TESSERA_LOG", "debug"),
        ("TESSERA_LOG_FORMAT", "json"),
        ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
        ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
    ];
    envs.extend_from_slice(extra);
    let p = start_binary(dir.path(), &envs);
    // Every request carries one id, which the request logs must then show.
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-request-id", "leak-check-0001".parse().unwrap());
    let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
    let api = p.anonymous_api().with_http(http).signed_in().await;
    let mut secrets = exercise(&api).await;
    secrets.extend(
        extra
            .iter()
            .filter(|(k, _)| *k == "TESSERA_TOKEN_KEY")
            .map(|(_, v)| v.to_string()),
    );
    // The request id doubles as proof that debug logging reached the pipe before we read it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let logged = loop {
        let logged = p.stderr.lock().unwrap().clone();
        if logged.contains("leak-check-0001") || Instant::now() > deadline {
            break logged;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let everything = format!("{}\n{logged}", p.banner.join("\n"));
    for secret in &secrets {
        assert!(!everything.contains(secret.as_str()), "{secret:?} was logged");
    }
    let lines: Vec<Value> = logged
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let with_id = lines
        .iter()
        .filter(|l| l["span"]["request_id"] == "leak-check-0001")
        .count();
    assert!(
        with_id > 10,
        "request logs carry the request id: {with_id} of {}",
        lines.len()
    );
}

#[tokio::test]
async fn nothing_secret_is_logged_at_debug_level_on_sqlite() {
    nothing_secret_is_logged("sqlite://tessera.db", &[]).await;
}

#[tokio::test]
async fn nothing_secret_is_logged_at_debug_level_on_postgres() {
    let Some((url, _db)) = test_database("postgres").await else {
        return;
    };
    let key = tessera::token::generate_key_text();
    nothing_secret_is_logged(&url, &[("TESSERA_TOKEN_KEY", &key)]).await;
}
