//! Password and secret guessing is throttled on every path: one count per (tenant, username)
//! for the login page and the password grant, one per client id for secrets, shared by the
//! nodes of a cluster; during a wait even the right password answers 429 with `Retry-After`.

mod common;

use common::flow::{authorize_url, world, Browser};
use common::*;
use serde_json::{json, Value};
use tessera_testdb::test_database;

const CB: &str = "http://127.0.0.1:9/cb";

/// A public client holding the password grant: no secret is needed to guess.
async fn guessing_ground(s: &TestServer) {
    world(s, CB).await;
    let body = json!({"client_id": "cli", "public": true, "grant_types": ["password"], "scopes": ["read"]});
    let (status, answer) = s
        .admin(reqwest::Method::POST, "/admin/tenants/acme/clients", Some(body))
        .await;
    assert_eq!(status, 201, "{answer}");
}

/// `grant_type=password` as the public client: (status, Retry-After, answer).
async fn password(s: &TestServer, username: &str, password: &str) -> (u16, Option<u64>, Value) {
    let form = [
        ("grant_type", "password"),
        ("client_id", "cli"),
        ("username", username),
        ("password", password),
    ];
    let r = s.http.post(s.url("/oauth/token")).form(&form).send().await.unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (status, retry, r.json().await.unwrap())
}

#[tokio::test]
async fn the_password_grant_is_throttled_per_user_even_for_the_right_password() {
    let s = spawn().await;
    guessing_ground(&s).await;
    for guess in ["a", "b", "c"] {
        assert_eq!(password(&s, "alice", guess).await.0, 400);
    }
    let (status, retry, answer) = password(&s, "alice", "wonderland").await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (429, Some("too_many_attempts")),
        "{answer}"
    );
    let wait = retry.expect("Retry-After");
    assert!(wait >= 1);
    assert_eq!(
        password(&s, "bob", "builder").await.0,
        200,
        "other users are unaffected"
    );
    s.clock.advance(wait as i64);
    assert_eq!(password(&s, "alice", "wonderland").await.0, 200, "the wait is over");
    // A success forgets the failures: three more free guesses.
    for guess in ["d", "e", "f"] {
        assert_eq!(password(&s, "alice", guess).await.0, 400);
    }
}

#[tokio::test]
async fn the_login_page_and_the_token_endpoint_share_one_count() {
    let s = spawn().await;
    guessing_ground(&s).await;
    let browser = Browser::default();
    let page = browser.get(&authorize_url(&s, "web", CB, None)).await;
    for guess in ["a", "b"] {
        assert!(browser.login(&s, &page, "alice", guess).await.is_login());
    }
    assert_eq!(
        password(&s, "alice", "c").await.0,
        400,
        "the third guess, on the other path"
    );
    assert_eq!(
        password(&s, "alice", "wonderland").await.0,
        429,
        "locked out by the page"
    );
    let slowed = browser.login(&s, &page, "alice", "wonderland").await;
    assert_eq!(slowed.status, 429, "and the page by the token endpoint");
}

#[tokio::test]
async fn wrong_client_secrets_are_throttled_per_client_id() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "acme"})).await;
    let body = json!({"client_id": "app", "grant_types": ["client_credentials"], "scopes": ["read"]});
    let secret = s.create_client("acme", body).await;
    let body = json!({"client_id": "other", "grant_types": ["client_credentials"], "scopes": ["read"]});
    let other = s.create_client("acme", body).await;
    let cc = [("grant_type", "client_credentials")];
    for guess in ["a", "b", "c"] {
        let (status, answer) = s.token_raw("app", guess, &cc, None).await;
        assert_eq!((status, answer["error"].as_str()), (401, Some("invalid_client")));
    }
    let (status, answer) = s.token_raw("app", &secret, &cc, None).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (429, Some("too_many_attempts")),
        "{answer}"
    );
    // The same holds where else the client authenticates.
    let r = s
        .http
        .post(s.url("/oauth/introspect"))
        .basic_auth("app", Some(&secret))
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        s.token_raw("other", &other, &cc, None).await.0,
        200,
        "other clients are unaffected"
    );
    s.clock.advance(1);
    assert_eq!(s.token_raw("app", &secret, &cc, None).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_sharing_a_database_share_the_count() {
    for kind in ["postgres", "mysql"] {
        let Some((url, _db)) = test_database(kind).await else {
            continue;
        };
        let first = spawn_with_store(&url).await;
        let second = spawn_with_store(&url).await;
        guessing_ground(&first).await;
        // Guesses spread over both nodes: three in all, not three on each.
        assert_eq!(password(&first, "alice", "a").await.0, 400, "{kind}");
        assert_eq!(password(&second, "alice", "b").await.0, 400, "{kind}");
        assert_eq!(password(&first, "alice", "c").await.0, 400, "{kind}");
        assert_eq!(password(&second, "alice", "wonderland").await.0, 429, "{kind}");
        assert_eq!(password(&first, "alice", "wonderland").await.0, 429, "{kind}");
        assert_eq!(password(&second, "bob", "builder").await.0, 200, "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_user_without_failures_signs_in_in_parallel_unslowed() {
    let s = std::sync::Arc::new(spawn().await);
    guessing_ground(&s).await;
    let logins: Vec<_> = (0..16)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { password(&s, "alice", "wonderland").await.0 })
        })
        .collect();
    for login in logins {
        assert_eq!(login.await.unwrap(), 200);
    }
}
