//! The authorization-code flow over HTTP, clicked through by a scripted browser: login, consent,
//! code exchange with PKCE, refresh, and every error path of RFC 6749 §4.1 and RFC 7636.

use crate::helpers::flow::*;
use crate::helpers::spawn;
use crate::helpers::Response;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_user_signs_in_allows_and_the_client_gets_tokens() {
    let s = spawn().await;
    let cb = callback_server().await;
    let secret = world(&s, &cb).await;
    let browser = Browser::default();

    let page = browser.get(&authorize_url(&s, "web", &cb, Some("read write"))).await;
    assert_eq!(page.status, 200);
    assert!(page.is_login(), "{}", page.body);
    assert!(
        page.body.contains("Acme Corp") && page.body.contains("Acme Web"),
        "tenant and client named"
    );
    for (header, value) in [
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
        ("content-type", "text/html; charset=utf-8"),
    ] {
        assert_eq!(page.headers[header], value, "{header}");
    }
    assert!(page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let csrf_cookie = page.headers["set-cookie"].to_str().unwrap();
    assert!(csrf_cookie.starts_with("tessera_csrf="), "{csrf_cookie}");
    assert!(
        csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"),
        "{csrf_cookie}"
    );
    assert!(!csrf_cookie.contains("Secure"), "http issuer: no Secure flag");

    let consent = browser.login(&s, &page, "alice", "wonderland").await;
    assert_eq!(consent.status, 200);
    assert!(consent.is_consent(), "{}", consent.body);
    assert!(consent.body.contains("<code>read</code>") && consent.body.contains("<code>write</code>"));
    assert!(
        !consent.body.contains("<code>admin</code>"),
        "only the requested scopes are listed"
    );
    let session = consent.headers["set-cookie"].to_str().unwrap();
    assert!(
        session.starts_with("tessera_session=") && session.contains("HttpOnly") && session.contains("SameSite=Lax")
    );

    let landed = browser.decide(&s, &consent, "allow").await;
    assert_eq!(landed.status, 200);
    assert_eq!(landed.body, "signed in");
    assert!(landed.url.as_str().starts_with(&cb), "{}", landed.url);
    assert_eq!(landed.param("state").as_deref(), Some("xyz"));
    let code = landed.param("code").expect("a code");
    assert!(code.starts_with("tsc_"));

    let (status, tokens) = exchange(
        &s,
        "web",
        Some(&secret),
        &[("code", &code), ("redirect_uri", &cb), ("code_verifier", VERIFIER)],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "read write");
    assert_eq!(tokens["token_type"], "Bearer");
    let access = tokens["access_token"].as_str().unwrap();
    let about = s.introspect(("web", &secret), access).await.json;
    assert_eq!(about["active"], true);
    assert_eq!(about["sub"], "alice");
    assert_eq!(about["authorities"], json!(["ROLE_USER"]));

    let refresh = tokens["refresh_token"].as_str().unwrap();
    let Response {
        status,
        json: refreshed,
        ..
    } = s
        .token(
            ("web", &secret),
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(refreshed["scope"], "read write");
}

#[tokio::test]
async fn consent_is_remembered_asked_again_for_more_and_after_it_is_withdrawn() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::default();
    let page = browser.get(&authorize_url(&s, "web", &cb, Some("read write"))).await;
    let consent = browser.login(&s, &page, "alice", "wonderland").await;
    assert!(browser.decide(&s, &consent, "allow").await.param("code").is_some());

    // Same scopes, then fewer: signed in and consented, so straight back with a code.
    for scope in ["read write", "read"] {
        let again = browser.get(&authorize_url(&s, "web", &cb, Some(scope))).await;
        assert!(again.param("code").is_some(), "{scope}: {}", again.body);
    }
    // More than was allowed: asked again, and only then remembered for all three.
    let more = browser
        .get(&authorize_url(&s, "web", &cb, Some("read write admin")))
        .await;
    assert!(more.is_consent(), "{}", more.body);
    assert!(browser.decide(&s, &more, "allow").await.param("code").is_some());

    let Response {
        status, json: found, ..
    } = s
        .admin(Method::GET, "/admin/tenants/acme/users/alice/authorizations", None)
        .await;
    assert_eq!(status, 200);
    let web = found
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["client_id"] == "web")
        .unwrap()
        .clone();
    assert_eq!(web["consent"]["scopes"], json!(["admin", "read", "write"]));

    let Response { status, .. } = s
        .admin(
            Method::DELETE,
            "/admin/tenants/acme/users/alice/authorizations/web",
            None,
        )
        .await;
    assert_eq!(status, 200);
    let Response { json: found, .. } = s
        .admin(Method::GET, "/admin/tenants/acme/users/alice/authorizations", None)
        .await;
    assert!(
        found.as_array().unwrap().iter().all(|a| a["client_id"] != "web"),
        "{found}"
    );
    let after = browser.get(&authorize_url(&s, "web", &cb, Some("read"))).await;
    assert!(after.is_consent(), "withdrawn consent is asked again: {}", after.body);
}

#[tokio::test]
async fn deny_sends_access_denied_back_with_the_state() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::default();
    let page = browser.get(&authorize_url(&s, "web", &cb, None)).await;
    let consent = browser.login(&s, &page, "alice", "wonderland").await;
    let landed = browser.decide(&s, &consent, "deny").await;
    assert_eq!(landed.param("error").as_deref(), Some("access_denied"));
    assert_eq!(landed.param("state").as_deref(), Some("xyz"));
    assert_eq!(landed.param("code"), None);
    let Response { json: found, .. } = s
        .admin(Method::GET, "/admin/tenants/acme/users/alice/authorizations", None)
        .await;
    assert_eq!(found, json!([]), "nothing remembered");
}

/// Logs alice in, allows, and returns the code.
async fn code_for(s: &crate::helpers::TestApp, browser: &Browser, client: &str, cb: &str) -> String {
    let landed = through_pages(s, browser, &authorize_url(s, client, cb, Some("read"))).await;
    landed
        .param("code")
        .unwrap_or_else(|| panic!("no code: {} {}", landed.url, landed.body))
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_what_it_issued() {
    let s = spawn().await;
    let cb = callback_server().await;
    let secret = world(&s, &cb).await;
    let code = code_for(&s, &Browser::default(), "web", &cb).await;
    let params = [
        ("code", code.as_str()),
        ("redirect_uri", cb.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = exchange(&s, "web", Some(&secret), &params).await;
    assert_eq!(status, 200, "{tokens}");
    let (status, again) = exchange(&s, "web", Some(&secret), &params).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (400, Some("invalid_grant")),
        "{again}"
    );
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(s.introspect(("web", &secret), access).await.json["active"], false);
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let Response { status, json: body, .. } = s
        .token(
            ("web", &secret),
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn the_exchange_checks_verifier_redirect_uri_client_and_expiry() {
    let s = spawn().await;
    let cb = callback_server().await;
    let secret = world(&s, &cb).await;
    let other = s
        .create_client(
            "acme",
            json!({"client_id": "other", "grant_types": ["authorization_code"], "redirect_uris": [cb]}),
        )
        .await;
    let browser = Browser::default();
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, &'a str);
    let cases: [Case; 5] = [
        (
            "wrong verifier",
            vec![("redirect_uri", cb.clone()), ("code_verifier", "x".repeat(43))],
            "invalid_grant",
        ),
        ("no verifier", vec![("redirect_uri", cb.clone())], "invalid_grant"),
        (
            "malformed verifier",
            vec![("redirect_uri", cb.clone()), ("code_verifier", "short".into())],
            "invalid_request",
        ),
        (
            "other redirect_uri",
            vec![("redirect_uri", format!("{cb}x")), ("code_verifier", VERIFIER.into())],
            "invalid_grant",
        ),
        (
            "no redirect_uri",
            vec![("code_verifier", VERIFIER.into())],
            "invalid_request",
        ),
    ];
    for (what, extra, error) in cases {
        let code = code_for(&s, &browser, "web", &cb).await;
        let mut params: Vec<(&str, &str)> = vec![("code", &code)];
        params.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
        let (status, body) = exchange(&s, "web", Some(&secret), &params).await;
        assert_eq!((status, body["error"].as_str()), (400, Some(error)), "{what}: {body}");
    }
    let code = code_for(&s, &browser, "web", &cb).await;
    let good = [
        ("code", code.as_str()),
        ("redirect_uri", cb.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, body) = exchange(&s, "other", Some(&other), &good).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "another client's code"
    );
    s.clock.advance(61);
    let (status, body) = exchange(&s, "web", Some(&secret), &good).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "expired after 60 s: {body}"
    );
}

#[tokio::test]
async fn the_code_lifetime_follows_the_tenant_setting() {
    let s = spawn().await;
    let cb = callback_server().await;
    let secret = world(&s, &cb).await;
    let Response { status, .. } = s
        .admin(Method::PATCH, "/admin/tenants/acme", Some(json!({"code_ttl": 5})))
        .await;
    assert_eq!(status, 200);
    let code = code_for(&s, &Browser::default(), "web", &cb).await;
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
async fn a_public_client_needs_pkce_and_exchanges_with_its_id_alone() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::default();
    let bare = format!(
        "{}/oauth/authorize?response_type=code&client_id=mobile&redirect_uri={}&state=s1",
        s.base, cb
    );
    let refused = browser.get(&bare).await;
    assert_eq!(
        refused.param("error").as_deref(),
        Some("invalid_request"),
        "{}",
        refused.body
    );
    assert_eq!(refused.param("state").as_deref(), Some("s1"));

    let code = code_for(&s, &browser, "mobile", &cb).await;
    let (status, body) = exchange(&s, "mobile", None, &[("code", &code), ("redirect_uri", &cb)]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "verifier required: {body}"
    );
    let code = code_for(&s, &browser, "mobile", &cb).await;
    let params = [
        ("code", code.as_str()),
        ("redirect_uri", cb.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = exchange(&s, "mobile", None, &params).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["refresh_token"].is_string());
}

#[tokio::test]
async fn bad_requests_go_back_to_the_client_with_error_and_state() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::new(false);
    let base = format!("{}/oauth/authorize?client_id=web&redirect_uri={}&state=st", s.base, cb);
    let pkce = format!("code_challenge={}", challenge(VERIFIER));
    let cases = [
        (
            "missing response_type",
            format!("{base}&{pkce}&code_challenge_method=S256"),
            "invalid_request",
        ),
        (
            "token",
            format!("{base}&response_type=token"),
            "unsupported_response_type",
        ),
        (
            "plain",
            format!("{base}&response_type=code&{pkce}&code_challenge_method=plain"),
            "invalid_request",
        ),
        (
            "no method",
            format!("{base}&response_type=code&{pkce}"),
            "invalid_request",
        ),
        (
            "bad challenge",
            format!("{base}&response_type=code&code_challenge=abc&code_challenge_method=S256"),
            "invalid_request",
        ),
        (
            "unknown scope",
            format!("{base}&response_type=code&scope=root"),
            "invalid_scope",
        ),
    ];
    for (what, url, error) in cases {
        let answer = browser.get(&url).await;
        assert_eq!(answer.status, 302, "{what}: {}", answer.body);
        let location = reqwest::Url::parse(answer.headers["location"].to_str().unwrap()).unwrap();
        assert!(location.as_str().starts_with(&cb), "{what}: {location}");
        let param = |n: &str| {
            location
                .query_pairs()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.into_owned())
        };
        assert_eq!(param("error").as_deref(), Some(error), "{what}");
        assert_eq!(param("state").as_deref(), Some("st"), "{what}");
        assert!(param("error_description").is_some(), "{what}");
    }
    let Response { status, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/clients/web",
            Some(json!({"grant_types": ["refresh_token"]})),
        )
        .await;
    assert_eq!(status, 200);
    let answer = browser.get(&format!("{base}&response_type=code")).await;
    assert!(answer.headers["location"]
        .to_str()
        .unwrap()
        .contains("error=unauthorized_client"));
}

#[tokio::test]
async fn an_unknown_client_or_unregistered_redirect_uri_gets_a_page_not_a_redirect() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::new(false);
    for url in [
        format!(
            "{}/oauth/authorize?response_type=code&client_id=ghost&redirect_uri={cb}",
            s.base
        ),
        format!(
            "{}/oauth/authorize?response_type=code&client_id=web&redirect_uri=https://evil.example/cb",
            s.base
        ),
        format!(
            "{}/oauth/authorize?response_type=code&client_id=web&redirect_uri={cb}/",
            s.base
        ),
        format!("{}/oauth/authorize?response_type=code&redirect_uri={cb}", s.base),
        format!("{}/oauth/authorize?client_id=web&client_id=web", s.base),
    ] {
        let answer = browser.get(&url).await;
        assert_eq!(answer.status, 400, "{url}");
        assert!(answer.headers.get("location").is_none(), "{url}");
        assert!(answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(answer.body.contains("role=\"alert\""), "{}", answer.body);
    }
}

#[tokio::test]
async fn a_client_not_set_up_for_sign_in_gets_a_page_saying_why() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    s.create_client(
        "acme",
        json!({"client_id": "batch", "grant_types": ["client_credentials"]}),
    )
    .await;
    s.create_client(
        "acme",
        json!({"client_id": "bare", "grant_types": ["authorization_code"]}),
    )
    .await;
    let browser = Browser::new(false);
    for (client, says) in [
        ("batch", "it may not use the authorization_code grant."),
        ("bare", "it has no registered redirect URIs."),
    ] {
        for redirect in ["", "&redirect_uri=https://app.example/cb"] {
            let url = format!(
                "{}/oauth/authorize?response_type=code&client_id={client}{redirect}",
                s.base
            );
            let answer = browser.get(&url).await;
            assert_eq!(answer.status, 400, "{url}");
            assert!(answer.headers.get("location").is_none(), "{url}");
            assert!(answer.body.contains(says), "{url}: {}", answer.body);
            assert!(!answer.body.contains("must name one of"), "{url}");
        }
    }
}

#[tokio::test]
async fn forms_without_this_browsers_csrf_token_are_refused() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let victim = Browser::default();
    let page = victim.get(&authorize_url(&s, "web", &cb, None)).await;
    let request = page.field("request");
    let login = |csrf: String| {
        vec![
            ("request", request.clone()),
            ("csrf", csrf),
            ("username", "alice".into()),
            ("password", "wonderland".into()),
        ]
    };
    // No token, a forged one, and a valid token of another browser (the attacker's).
    let attacker = Browser::default();
    let attackers = attacker.get(&authorize_url(&s, "web", &cb, None)).await.field("csrf");
    for csrf in [String::new(), "forged".to_string(), attackers] {
        let r = victim
            .http
            .post(s.url("/oauth/authorize/login"))
            .form(&login(csrf.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "csrf {csrf:?}");
        let page = r.text().await.unwrap();
        assert_eq!(
            page.matches("application").count(),
            1,
            "the advice is given once: {page}"
        );
    }
    let r = victim
        .http
        .post(s.url("/oauth/authorize/login"))
        .form(&login(page.field("csrf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn failed_logins_say_the_same_and_slow_down_one_username_only() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::default();
    let page = browser.get(&authorize_url(&s, "web", &cb, None)).await;
    let unknown = browser.login(&s, &page, "nobody", "whatever").await;
    let wrong = browser.login(&s, &page, "alice", "not-her-password").await;
    assert_eq!((unknown.status, wrong.status), (200, 200));
    assert!(unknown.is_login() && wrong.is_login());
    let message = |p: &Landed| {
        p.body
            .split("role=\"alert\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(message(&unknown), message(&wrong));
    assert_eq!(message(&wrong), "Invalid username or password.");

    browser.login(&s, &page, "alice", "again-wrong").await;
    browser.login(&s, &page, "alice", "third-wrong").await;
    let slowed = browser.login(&s, &page, "alice", "wonderland").await;
    assert_eq!(slowed.status, 429, "even the right password waits");
    assert!(slowed.headers.contains_key("retry-after"));
    assert!(slowed.is_login());

    let bob = Browser::default();
    let bobs = bob.get(&authorize_url(&s, "web", &cb, None)).await;
    assert!(
        bob.login(&s, &bobs, "bob", "builder").await.is_consent(),
        "other users are not slowed"
    );

    // The third failure waits one second: the page says so in the singular.
    assert_eq!(slowed.headers["retry-after"], "1");
    assert!(slowed.body.contains("Try again in 1 second."), "{}", slowed.body);
    s.clock.advance(1);
    assert!(browser.login(&s, &page, "alice", "wonderland").await.is_consent());
}

#[tokio::test]
async fn metadata_lists_the_authorization_endpoint_and_pkce() {
    let s = spawn().await;
    let doc = s.metadata().await.json;
    assert_eq!(doc["authorization_endpoint"], format!("{}/oauth/authorize", s.base));
    assert_eq!(doc["response_types_supported"], json!(["code"]));
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert!(doc["grant_types_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("authorization_code")));
}
