//! The real binary on SQLite on a file system that fills up: a change whose commit failed
//! leaves no trace, the server says it is unavailable (503, `/readyz`) instead of failing, and
//! once space is back the same requests succeed and survive SIGKILL.

use crate::helpers::flow::{challenge, Browser};
use crate::helpers::tmpfs::Tmpfs;
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const ENV: [(&str, &str); 2] = [
    ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
    ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
];
const REDIRECT: &str = "http://127.0.0.1:9/cb";
const VERIFIER: &str = "a-verifier-of-at-least-forty-three-characters-0123456789";

/// The binary's API as this test uses it: every 503 must say when to come back (`Retry-After: 1`),
/// and the admin paths are given without their `/admin` prefix.
struct Disk {
    api: crate::helpers::Api,
}

impl Disk {
    async fn connect(server: &Process) -> Disk {
        Disk {
            api: server.api().await,
        }
    }

    fn checked(path: &str, answer: Response) -> (u16, Value) {
        if answer.status == 503 {
            assert_eq!(answer.header("retry-after"), Some("1"), "{path}");
        }
        (answer.status, answer.json)
    }

    async fn form(&self, path: &str, auth: (&str, &str), form: &[(&str, &str)]) -> (u16, Value) {
        Self::checked(path, self.api.post_form(path, auth, form).await)
    }

    async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        Self::checked(path, self.api.admin(method, &format!("/admin{path}"), body).await)
    }

    async fn active(&self, secret: &str, token: &str) -> bool {
        let (status, info) = self
            .form("/oauth/introspect", ("app", secret), &[("token", token)])
            .await;
        assert_eq!(status, 200, "reads go on while writes fail: {info}");
        info["active"] == true
    }

    async fn ready(&self) -> u16 {
        self.api.send(self.api.http.get(self.api.url("/readyz"))).await.status
    }

    /// Logs alice in and answers the consent page with Allow: the redirect (status, code).
    async fn consent(&self) -> (u16, Option<String>) {
        let browser = Browser::new(false);
        let mut url = reqwest::Url::parse(&format!("{}/oauth/authorize", self.api.base)).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", "web")
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("state", "xyz")
            .append_pair("code_challenge", &challenge(VERIFIER))
            .append_pair("code_challenge_method", "S256")
            .append_pair("scope", "read");
        let page = browser.get(url.as_str()).await;
        assert!(page.is_login(), "{}", page.body);
        let form = [
            ("request", page.field("request")),
            ("csrf", page.field("csrf")),
            ("username", "alice".to_string()),
            ("password", "wonderland".to_string()),
        ];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let consent = browser
            .post(&format!("{}/oauth/authorize/login", self.api.base), &form)
            .await;
        assert!(consent.is_consent(), "{}", consent.body);
        let form = [
            ("request", consent.field("request")),
            ("csrf", consent.field("csrf")),
            ("decision", "allow".to_string()),
        ];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let landed = browser
            .post(&format!("{}/oauth/authorize/consent", self.api.base), &form)
            .await;
        let code = landed.headers.get("location").and_then(|l| {
            let url = reqwest::Url::parse(l.to_str().unwrap()).unwrap();
            url.query_pairs()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
        });
        (landed.status, code)
    }
}

struct Tokens {
    secret: String,
    revoked: String,
    access: String,
    refresh: String,
    patched: String,
}

async fn world(api: &Disk) -> Tokens {
    assert_eq!(
        api.admin(Method::POST, "/tenants", Some(json!({"id": "acme"}))).await.0,
        201
    );
    let (status, app) = api
        .admin(
            Method::POST,
            "/tenants/acme/clients",
            Some(
                json!({"client_id": "app", "grant_types": ["client_credentials", "password", "refresh_token"],
                        "scopes": ["read", "write"]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{app}");
    let secret = app["client_secret"].as_str().unwrap().to_string();
    for body in [
        json!({"client_id": "doomed", "grant_types": ["client_credentials"], "scopes": ["read"]}),
        json!({"client_id": "web", "grant_types": ["authorization_code"], "scopes": ["read"],
               "redirect_uris": [REDIRECT]}),
    ] {
        assert_eq!(
            api.admin(Method::POST, "/tenants/acme/clients", Some(body)).await.0,
            201
        );
    }
    for user in ["alice", "bob"] {
        let body = json!({"username": user, "password": "wonderland", "authorities": ["ROLE_USER"]});
        assert_eq!(api.admin(Method::POST, "/tenants/acme/users", Some(body)).await.0, 201);
    }
    let cc = || {
        api.form(
            "/oauth/token",
            ("app", &secret),
            &[("grant_type", "client_credentials")],
        )
    };
    let revoked = cc().await.1["access_token"].as_str().unwrap().to_string();
    let patched = cc().await.1["access_token"].as_str().unwrap().to_string();
    let password = [
        ("grant_type", "password"),
        ("username", "bob"),
        ("password", "wonderland"),
    ];
    let (status, pair) = api.form("/oauth/token", ("app", &secret), &password).await;
    assert_eq!(status, 200, "{pair}");
    Tokens {
        access: pair["access_token"].as_str().unwrap().to_string(),
        refresh: pair["refresh_token"].as_str().unwrap().to_string(),
        secret,
        revoked,
        patched,
    }
}

async fn token_id(api: &Disk, token: &str) -> String {
    let (status, view) = api
        .admin(Method::POST, "/tokens/lookup", Some(json!({"token": token})))
        .await;
    assert_eq!(status, 200, "{view}");
    view["id"].as_str().unwrap().to_string()
}

/// Every change the audit saw go wrong, tried once while the disk is full (`expect` is the
/// status each answers then) and once after: what each needs, as (status, answer) pairs.
async fn changes(api: &Disk, t: &Tokens, patched_id: &str) -> Vec<(&'static str, u16, Value)> {
    let secret = t.secret.as_str();
    let mut out = Vec::new();
    let (s, v) = api
        .form("/oauth/revoke", ("app", secret), &[("token", &t.revoked)])
        .await;
    out.push(("revoke", s, v));
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", t.refresh.as_str())];
    let (s, v) = api.form("/oauth/token", ("app", secret), &refresh).await;
    out.push(("refresh", s, v));
    let patch = json!({"properties": {"plan": "gold"}});
    let (s, v) = api
        .admin(Method::PATCH, &format!("/tokens/{patched_id}"), Some(patch))
        .await;
    out.push(("patch", s, v));
    let body = json!({"client_id": "fresh", "grant_types": ["client_credentials"], "scopes": ["read"]});
    let (s, v) = api.admin(Method::POST, "/tenants/acme/clients", Some(body)).await;
    out.push(("create client", s, v));
    let (s, v) = api.admin(Method::DELETE, "/tenants/acme/clients/doomed", None).await;
    out.push(("delete client", s, v));
    let disable = json!({"enabled": false});
    let (s, v) = api.admin(Method::PATCH, "/tenants/acme/users/bob", Some(disable)).await;
    out.push(("disable user", s, v));
    let (s, code) = api.consent().await;
    out.push(("consent", s, json!(code)));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_commit_leaves_no_trace_and_the_retry_is_durable() {
    let disk = Tmpfs::mount(4096);
    let server = start_binary(disk.path(), &ENV);
    let api = Disk::connect(&server).await;
    let t = world(&api).await;
    let patched_id = token_id(&api, &t.patched).await;
    assert_eq!(api.ready().await, 200);

    disk.fill();
    for (what, status, answer) in changes(&api, &t, &patched_id).await {
        assert_eq!(status, 503, "{what} while the disk is full: {answer}");
        if what != "consent" {
            assert_eq!(answer["error"], "temporarily_unavailable", "{what}: {answer}");
        }
    }
    assert_eq!(api.ready().await, 503, "not ready while nothing can be committed");
    // Nothing the failed requests tried is visible.
    assert!(api.active(&t.secret, &t.revoked).await, "a failed revocation is undone");
    assert!(api.active(&t.secret, &t.access).await, "a failed disable is undone");
    let (_, view) = api.admin(Method::GET, &format!("/tokens/{patched_id}"), None).await;
    assert!(
        view["properties"].get("plan").is_none(),
        "a failed PATCH is undone: {view}"
    );
    assert_eq!(api.admin(Method::GET, "/tenants/acme/clients/fresh", None).await.0, 404);
    assert_eq!(
        api.admin(Method::GET, "/tenants/acme/clients/doomed", None).await.0,
        200
    );
    let (_, bob) = api.admin(Method::GET, "/tenants/acme/users/bob", None).await;
    assert_eq!(bob["enabled"], true, "{bob}");

    disk.free();
    let mut waited = 0;
    while api.ready().await != 200 {
        waited += 1;
        assert!(waited < 100, "/readyz did not recover by itself");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let retried = changes(&api, &t, &patched_id).await;
    let expected = [200, 200, 200, 201, 204, 200, 303];
    for ((what, status, answer), expected) in retried.iter().zip(expected) {
        assert_eq!(*status, expected, "{what} retried once the disk has room: {answer}");
    }
    let new_refresh = retried[1].2["refresh_token"].as_str().unwrap().to_string();
    assert!(retried[6].2.is_string(), "consent redirected with a code");

    // SIGKILL: what the retries were answered with is on disk.
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let restarted = start_binary(disk.path(), &ENV);
    let api = Disk::connect(&restarted).await;
    assert!(!api.active(&t.secret, &t.revoked).await, "revocation survived");
    assert!(
        !api.active(&t.secret, &t.access).await,
        "disabling bob revoked his token"
    );
    let (_, view) = api.admin(Method::GET, &format!("/tokens/{patched_id}"), None).await;
    assert_eq!(view["properties"]["plan"], "gold", "{view}");
    assert_eq!(api.admin(Method::GET, "/tenants/acme/clients/fresh", None).await.0, 200);
    assert_eq!(
        api.admin(Method::GET, "/tenants/acme/clients/doomed", None).await.0,
        404
    );
    let (_, bob) = api.admin(Method::GET, "/tenants/acme/users/bob", None).await;
    assert_eq!(bob["enabled"], false, "{bob}");
    let (_, consents) = api
        .admin(Method::GET, "/tenants/acme/users/alice/authorizations", None)
        .await;
    assert!(consents.to_string().contains("\"web\""), "{consents}");
    // The refresh token the retry answered is the one that works; the first is spent.
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", new_refresh.as_str())];
    let (status, answer) = api.form("/oauth/token", ("app", &t.secret), &refresh).await;
    assert_eq!(status, 400, "bob is disabled, so his grant is gone: {answer}");
    let old = [("grant_type", "refresh_token"), ("refresh_token", t.refresh.as_str())];
    assert_eq!(api.form("/oauth/token", ("app", &t.secret), &old).await.0, 400);
}
