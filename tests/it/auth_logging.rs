//! What operators see of failed authentication: one line per wrong client secret or password
//! (at `info`, naming the client or user, the tenant and the reason, never the secret itself),
//! `warn` for a lockout, and no purge chatter at `info` when there was nothing to purge.

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SECRET_GUESS: &str = "guessed-client-secret-4c1d";
const PASSWORD_GUESS: &str = "guessed-password-77e2";

async fn token(http: &reqwest::Client, base: &str, id: &str, secret: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// The JSON log lines whose message is `message`, waiting a little for them to reach the pipe.
async fn lines(p: &Process, message: &str, at_least: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found: Vec<Value> = p
            .stderr
            .lock()
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|l| l["fields"]["message"] == message)
            .collect();
        if found.len() >= at_least || Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn failed_authentication_is_logged_without_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let envs = [
        ("TESSERA_STORE", "sqlite://tessera.db"),
        ("TESSERA_LOG", "info"),
        ("TESSERA_LOG_FORMAT", "json"),
        ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
        ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
    ];
    let p = start_binary(dir.path(), &envs);
    let (http, base) = (reqwest::Client::new(), p.base.clone());
    let (_, admin) = token(
        &http,
        &base,
        ADMIN_ID,
        ADMIN_SECRET,
        &[("grant_type", "client_credentials")],
    )
    .await;
    let admin = admin["access_token"].as_str().unwrap();
    let create = |path: &str, body: Value| http.post(format!("{base}{path}")).bearer_auth(admin).json(&body).send();
    create("/admin/tenants", json!({"id": "acme"})).await.unwrap();
    let app = json!({"client_id": "web", "grant_types": ["password"]});
    let app: Value = create("/admin/tenants/acme/clients", app)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = app["client_secret"].as_str().unwrap();
    let user = json!({"username": "alice", "password": "the-real-one-5b8e"});
    create("/admin/tenants/acme/users", user).await.unwrap();

    let login = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "the-real-one-5b8e"),
    ];
    let (status, _) = token(&http, &base, "web", SECRET_GUESS, &login).await;
    assert_eq!(status, 401);
    let refused = lines(&p, "client authentication refused", 1).await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["level"], "INFO");
    let fields = &refused[0]["fields"];
    assert_eq!(
        (&fields["client_id"], &fields["tenant"], &fields["reason"]),
        (&json!("web"), &json!("acme"), &json!("wrong client secret"))
    );

    // Wrong passwords until the username is locked out.
    let guess = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", PASSWORD_GUESS),
    ];
    let mut status = 400;
    for _ in 0..10 {
        status = token(&http, &base, "web", secret, &guess).await.0;
        if status == 429 {
            break;
        }
    }
    assert_eq!(status, 429, "the guesses end in a lockout");
    let refused = lines(&p, "password refused", 2).await;
    let info = refused
        .iter()
        .find(|l| l["level"] == "INFO")
        .expect("a wrong password at info");
    assert_eq!(info["fields"]["username"], "alice");
    assert_eq!(info["fields"]["tenant"], "acme");
    assert_eq!(info["fields"]["reason"], "wrong password");
    let warn = refused
        .iter()
        .find(|l| l["level"] == "WARN")
        .expect("the lockout at warn");
    assert_eq!(warn["fields"]["username"], "alice");
    assert_eq!(warn["fields"]["reason"], "too many failed attempts");

    let logged = p.stderr.lock().unwrap().clone();
    for secret in [SECRET_GUESS, PASSWORD_GUESS, secret] {
        assert!(!logged.contains(secret), "{secret} was logged");
    }
    // The purge ran at start-up and found nothing: that is `debug`.
    assert!(!logged.contains("purged expired tokens"), "{logged}");
}
