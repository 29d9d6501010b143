//! The authorization-code flow's edges: parallel password guesses, codes without PKCE and the
//! downgrade, lifetimes, tampered or expired pages, and headers on every kind of answer.

use crate::helpers::flow::*;
use crate::helpers::spawn;
use crate::helpers::Response;
use reqwest::Method;
use serde_json::json;

fn without_pkce(s: &crate::helpers::TestApp, client: &str, redirect_uri: Option<&str>) -> String {
    let mut url = reqwest::Url::parse(&s.url("/oauth/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client)
        .append_pair("state", "st");
    if let Some(uri) = redirect_uri {
        url.query_pairs_mut().append_pair("redirect_uri", uri);
    }
    url.into()
}

#[tokio::test]
async fn parallel_wrong_passwords_are_each_counted() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::default();
    let page = browser.get(&authorize_url(&s, "web", &cb, None)).await;
    // A first failure: from now on every attempt is counted before its password is checked.
    assert_eq!(browser.login(&s, &page, "alice", "first-guess").await.status, 200);
    let attempts = (0..8).map(|i| {
        let (browser, page, s) = (&browser, &page, &s);
        async move { browser.login(s, page, "alice", &format!("guess-{i}")).await.status }
    });
    // Polled together, so the requests are in flight at the same time.
    let statuses = futures::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(
        checked, 2,
        "only the free attempts left reach the password check: {statuses:?}"
    );
    assert!(statuses.iter().all(|s| *s == 200 || *s == 429), "{statuses:?}");
}

#[tokio::test]
async fn a_confidential_client_may_skip_pkce_but_not_downgrade() {
    let s = spawn().await;
    let cb = callback_server().await;
    let secret = world(&s, &cb).await;
    let browser = Browser::default();
    // One registered URI: redirect_uri may be left out, then also at the token endpoint.
    let landed = through_pages(&s, &browser, &without_pkce(&s, "web", None)).await;
    let code = landed.param("code").expect("a code");
    let (status, body) = exchange(
        &s,
        "web",
        Some(&secret),
        &[("code", &code), ("code_verifier", VERIFIER)],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "downgrade: {body}"
    );
    let landed = through_pages(&s, &browser, &without_pkce(&s, "web", None)).await;
    let code = landed.param("code").unwrap();
    let (status, body) = exchange(&s, "web", Some(&secret), &[("code", &code)]).await;
    assert_eq!(status, 200, "{body}");
    // Named in the request: the exchange must repeat it.
    let landed = through_pages(&s, &browser, &without_pkce(&s, "web", Some(&cb))).await;
    let code = landed.param("code").unwrap();
    let (status, body) = exchange(&s, "web", Some(&secret), &[("code", &code)]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
}

#[tokio::test]
async fn a_used_public_code_without_its_verifier_revokes_nothing() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::default();
    let landed = through_pages(&s, &browser, &authorize_url(&s, "mobile", &cb, Some("read"))).await;
    let code = landed.param("code").unwrap();
    let good = [
        ("code", code.as_str()),
        ("redirect_uri", cb.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = exchange(&s, "mobile", None, &good).await;
    assert_eq!(status, 200, "{tokens}");
    let (status, _) = exchange(&s, "mobile", None, &[("code", &code), ("redirect_uri", &cb)]).await;
    assert_eq!(status, 400);
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_id", "mobile"),
    ];
    let r = s.token_public(&form).await;
    assert_eq!(r.status, 200, "the grant survives a replay without proof");
}

#[tokio::test]
async fn the_clients_code_lifetime_wins_over_the_tenants() {
    let s = spawn().await;
    let cb = callback_server().await;
    let secret = world(&s, &cb).await;
    s.admin(Method::PATCH, "/admin/tenants/acme", Some(json!({"code_ttl": 300})))
        .await;
    let Response { status, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/clients/web",
            Some(json!({"code_ttl": 5})),
        )
        .await;
    assert_eq!(status, 200);
    let landed = through_pages(&s, &Browser::default(), &authorize_url(&s, "web", &cb, None)).await;
    let code = landed.param("code").unwrap();
    s.clock.advance(6);
    let params = [
        ("code", code.as_str()),
        ("redirect_uri", cb.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, body) = exchange(&s, "web", Some(&secret), &params).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn tampered_or_stale_pages_and_bad_choices_get_an_error_page() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::default();
    let page = browser.get(&authorize_url(&s, "web", &cb, None)).await;
    let (request, csrf) = (page.field("request"), page.field("csrf"));
    let last = if request.ends_with('A') { "B" } else { "A" };
    let tampered = format!("{}{last}", &request[..request.len() - 1]);
    let form = |request: &str| {
        vec![
            ("request", request.to_string()),
            ("csrf", csrf.clone()),
            ("username", "alice".to_string()),
            ("password", "wonderland".to_string()),
        ]
    };
    let r = browser
        .http
        .post(s.url("/oauth/authorize/login"))
        .form(&form(&tampered))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    s.clock.advance(601);
    let r = browser
        .http
        .post(s.url("/oauth/authorize/login"))
        .form(&form(&request))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "the pending request expired");
    assert!(r.text().await.unwrap().contains("expired"));

    let page = browser.get(&authorize_url(&s, "web", &cb, None)).await;
    let consent = browser.login(&s, &page, "alice", "wonderland").await;
    let (request, csrf) = (consent.field("request"), consent.field("csrf"));
    let r = browser
        .http
        .post(s.url("/oauth/authorize/consent"))
        .form(&[
            ("request", request.as_str()),
            ("csrf", csrf.as_str()),
            ("decision", "maybe"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_disabled_user_gets_the_same_message() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    s.admin(
        Method::PATCH,
        "/admin/tenants/acme/users/bob",
        Some(json!({"enabled": false})),
    )
    .await;
    let browser = Browser::default();
    let page = browser.get(&authorize_url(&s, "web", &cb, None)).await;
    let answer = browser.login(&s, &page, "bob", "builder").await;
    assert!(answer.is_login());
    assert!(answer.body.contains("Invalid username or password."));
}

#[tokio::test]
async fn error_pages_and_redirects_carry_the_hardening_headers() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::new(false);
    let page = browser
        .get(&format!("{}/oauth/authorize?client_id=ghost", s.base))
        .await;
    let redirect = browser
        .get(&format!("{}&response_type=token", without_pkce(&s, "web", Some(&cb))))
        .await;
    for answer in [&page, &redirect] {
        assert_eq!(answer.headers["x-frame-options"], "DENY");
        assert_eq!(answer.headers["cache-control"], "no-store");
        assert!(answer.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
    }
    let long_state = format!(
        "{}/oauth/authorize?response_type=code&client_id=web&redirect_uri={cb}&state={}",
        s.base,
        "x".repeat(1025)
    );
    let answer = browser.get(&long_state).await;
    assert!(answer.headers["location"]
        .to_str()
        .unwrap()
        .contains("error=invalid_request"));
}

#[tokio::test]
async fn a_stored_code_holds_no_usable_value() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}", dir.path().join("codes.db").display());
    let s = crate::helpers::spawn_with_store(&store).await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::default();
    // The row is on disk once the redirect carrying the code was answered.
    let unused = through_pages(&s, &browser, &authorize_url(&s, "web", &cb, None)).await;
    let unused = unused.param("code").unwrap();
    let mut on_disk = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with("codes.db") {
            on_disk.extend(std::fs::read(path).unwrap());
        }
    }
    let text = String::from_utf8_lossy(&on_disk);
    assert!(
        text.contains("code_challenge"),
        "the code's row (with its bindings) was written"
    );
    // The value is tsc_ + base64url(key id ‖ id ‖ MAC); neither it nor its encoded body is stored.
    assert!(!text.contains(&unused), "the code value is on disk");
    assert!(
        !text.contains(&unused["tsc_".len()..]),
        "the code's encoded body is on disk"
    );
}
