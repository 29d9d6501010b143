//! Logs and request ids: `x-request-id` is taken or generated and echoed; JSON logs at debug level
//! carry it; and nothing the server logs, at any level, contains a token, secret or password.

mod common;

use common::*;
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

/// A tiny HTTP helper over the real binary: (status, JSON body or Null).
struct Caller {
    http: reqwest::Client,
    base: String,
}

impl Caller {
    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let r = req.header("x-request-id", "leak-check-0001").send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn token(&self, id: &str, secret: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let req = self
            .http
            .post(format!("{}/oauth/token", self.base))
            .basic_auth(id, Some(secret));
        self.send(req.form(form)).await
    }

    async fn admin(&self, admin: &str, method: reqwest::Method, path: &str, body: Value) -> Value {
        let req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(admin);
        let (status, answer) = self.send(req.json(&body)).await;
        assert!(status < 300, "{path}: {status} {answer}");
        answer
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}")).to_string()
}

/// Runs every grant, introspection, check_token (GET and POST), revocation, admin calls and
/// failing requests against the binary, and returns every secret value that went over the wire.
async fn exercise(c: &Caller) -> Vec<String> {
    let (_, admin) = c
        .token(ADMIN_ID, ADMIN_SECRET, &[("grant_type", "client_credentials")])
        .await;
    let admin = text(&admin, "access_token");
    let post = reqwest::Method::POST;
    c.admin(&admin, post.clone(), "/admin/tenants", json!({"id": "leak"}))
        .await;
    let app = json!({"client_id": "leak-app", "scopes": ["read"],
        "grant_types": ["client_credentials", "password", "refresh_token"]});
    let app_secret = text(
        &c.admin(&admin, post.clone(), "/admin/tenants/leak/clients", app).await,
        "client_secret",
    );
    let password = "correct-horse-battery-staple-9f3a";
    let user = json!({"username": "alice", "password": password, "authorities": ["ROLE_USER"]});
    c.admin(&admin, post.clone(), "/admin/tenants/leak/users", user).await;

    // client_secret_post: the secret travels in the form.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "leak-app"),
        ("client_secret", &app_secret),
    ];
    let (status, cc) = c.send(c.http.post(format!("{}/oauth/token", c.base)).form(&form)).await;
    assert_eq!(status, 200, "{cc}");
    let cc_token = text(&cc, "access_token");
    let login = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", password),
    ];
    let (_, pw) = c.token("leak-app", &app_secret, &login).await;
    let (pw_access, first_refresh) = (text(&pw, "access_token"), text(&pw, "refresh_token"));
    let (_, rotated) = c
        .token(
            "leak-app",
            &app_secret,
            &[("grant_type", "refresh_token"), ("refresh_token", &first_refresh)],
        )
        .await;
    let (rotated_access, rotated_refresh) = (text(&rotated, "access_token"), text(&rotated, "refresh_token"));
    // Failures with a wrong secret and a wrong password.
    let wrong_secret = "wrong-secret-5b1e7c0d2a9f";
    assert_eq!(
        c.token("leak-app", wrong_secret, &[("grant_type", "client_credentials")])
            .await
            .0,
        401
    );
    let wrong_password = "wrong-password-77e0c1";
    let bad_login = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", wrong_password),
    ];
    assert_eq!(c.token("leak-app", &app_secret, &bad_login).await.0, 400);

    let base = &c.base;
    let with_client = |req: reqwest::RequestBuilder| req.basic_auth("leak-app", Some(&app_secret));
    let introspect = with_client(c.http.post(format!("{base}/oauth/introspect"))).form(&[("token", &cc_token)]);
    assert_eq!(c.send(introspect).await.1["active"], true);
    let check = with_client(c.http.post(format!("{base}/oauth/check_token"))).form(&[("token", &pw_access)]);
    assert_eq!(c.send(check).await.0, 200);
    // The GET form, token in the query; then with the client's credentials there too.
    let url = format!("{base}/oauth/check_token");
    let check = with_client(c.http.get(&url)).query(&[("token", &rotated_access)]);
    assert_eq!(c.send(check).await.0, 200);
    let query = [
        ("token", rotated_access.as_str()),
        ("client_id", "leak-app"),
        ("client_secret", &app_secret),
    ];
    assert_eq!(c.send(c.http.get(&url).query(&query)).await.0, 200);
    // A replay of the first refresh token revokes the lineage.
    let replay = [
        ("grant_type", "refresh_token"),
        ("refresh_token", first_refresh.as_str()),
    ];
    assert_eq!(c.token("leak-app", &app_secret, &replay).await.0, 400);
    let lookup = json!({"token": rotated_refresh});
    c.admin(&admin, post.clone(), "/admin/tokens/lookup", lookup).await;
    let revoke = with_client(c.http.post(format!("{base}/oauth/revoke"))).form(&[("token", &cc_token)]);
    assert_eq!(c.send(revoke).await.0, 200);
    let revoke = with_client(c.http.post(format!("{base}/oauth/revoke_token"))).query(&[("token", &rotated_refresh)]);
    assert_eq!(c.send(revoke).await.0, 200);
    let renewed = c
        .admin(&admin, post, "/admin/tenants/leak/clients/leak-app/secret", json!({}))
        .await;
    vec![
        ADMIN_SECRET.to_string(),
        admin,
        app_secret,
        text(&renewed, "client_secret"),
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
    let caller = Caller {
        http: reqwest::Client::new(),
        base: p.base.clone(),
    };
    let mut secrets = exercise(&caller).await;
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
    let Some((url, _db)) = tessera_testdb::test_database("postgres").await else {
        return;
    };
    let key = tessera::token::generate_key_text();
    nothing_secret_is_logged(&url, &[("TESSERA_TOKEN_KEY", &key)]).await;
}
