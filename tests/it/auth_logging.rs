//! What operators see of failed authentication: one line per wrong client secret or password
//! (at `info`, naming the client or user, the tenant and the reason, never the secret itself),
//! `warn` for a lockout, and no purge chatter at `info` when there was nothing to purge.

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SECRET_GUESS: &str = "guessed-client-secret-4c1d";
const PASSWORD_GUESS: &str = "guessed-password-77e2";

/// The JSON log lines whose message is `message`, waiting a little for them to reach the pipe
/// until `enough` says they have (under load the pipe's reader lags behind the answers).
async fn lines(p: &Process, message: &str, enough: impl Fn(&[Value]) -> bool) -> Vec<Value> {
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
        if enough(&found) || Instant::now() > deadline {
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
    let api = p.api().await;
    api.create_tenant(json!({"id": "acme"})).await;
    let app = json!({"client_id": "web", "grant_types": ["password"]});
    let secret = api.create_client("acme", app).await;
    let secret = secret.as_str();
    api.create_user("acme", "alice", "the-real-one-5b8e", &[]).await;

    let login = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "the-real-one-5b8e"),
    ];
    assert_eq!(api.token(("web", SECRET_GUESS), &login).await.status, 401);
    let refused = lines(&p, "client authentication refused", |found| !found.is_empty()).await;
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
        status = api.token(("web", secret), &guess).await.status;
        if status == 429 {
            break;
        }
    }
    assert_eq!(status, 429, "the guesses end in a lockout");
    let locked = |found: &[Value]| found.iter().any(|l| l["level"] == "WARN");
    let refused = lines(&p, "password refused", locked).await;
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
