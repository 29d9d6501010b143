//! Standards edges of the authorization and token endpoints: loopback redirect URIs on any port
//! (RFC 8252 §7.3), `iss` on every authorization response (RFC 9207), `error_description`
//! within RFC 6749 §5.2's characters, and revocation by a public client.

use crate::helpers::flow::*;
use crate::helpers::spawn;
use crate::helpers::Response;
use reqwest::Method;
use serde_json::{json, Value};

/// RFC 6749 §5.2: %x20-21 / %x23-5B / %x5D-7E.
fn within_rfc_6749(description: &str) -> bool {
    !description.is_empty()
        && description
            .chars()
            .all(|c| matches!(c, ' '..='~') && c != '"' && c != '\\')
}

/// The Location of the authorization endpoint's answer to `url`, not followed.
async fn location(url: &str) -> reqwest::Url {
    let landed = Browser::new(false).get(url).await;
    assert_eq!(landed.status, 302, "{}", landed.body);
    reqwest::Url::parse(landed.headers["location"].to_str().unwrap()).unwrap()
}

fn param(url: &reqwest::Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn a_loopback_redirect_uri_is_registered_for_every_port() {
    let s = spawn().await;
    let secret = world(&s, "http://127.0.0.1/cb").await;
    // The app's listener, on a port the system picked.
    let cb = callback_server().await;
    let port = reqwest::Url::parse(&cb).unwrap().port().unwrap();
    let browser = Browser::default();
    let landed = through_pages(&s, &browser, &authorize_url(&s, "web", &cb, Some("read"))).await;
    assert_eq!(landed.url.port(), Some(port), "back on the app's own port");
    assert_eq!(landed.body, "signed in");
    let code = landed.param("code").expect("a code");
    // The token request repeats the authorization request's redirect_uri exactly.
    let registered = [
        ("code", code.as_str()),
        ("redirect_uri", "http://127.0.0.1/cb"),
        ("code_verifier", VERIFIER),
    ];
    let (status, body) = exchange(&s, "web", Some(&secret), &registered).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    let landed = through_pages(&s, &browser, &authorize_url(&s, "web", &cb, Some("read"))).await;
    let code = landed.param("code").unwrap();
    let sent = [
        ("code", code.as_str()),
        ("redirect_uri", cb.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, body) = exchange(&s, "web", Some(&secret), &sent).await;
    assert_eq!(status, 200, "{body}");

    // Only the port may differ.
    for other in [
        format!("http://127.0.0.1:{port}/other"),
        format!("http://127.0.0.1:{port}/cb?x=1"),
        format!("http://[::1]:{port}/cb"),
        format!("https://127.0.0.1:{port}/cb"),
        format!("http://user@127.0.0.1:{port}/cb"),
    ] {
        let page = browser.get(&authorize_url(&s, "web", &other, Some("read"))).await;
        assert_eq!(page.status, 400, "{other}");
        assert!(page.body.contains("not registered"), "{other}: {}", page.body);
    }
}

#[tokio::test]
async fn localhost_and_other_hosts_keep_their_port() {
    let s = spawn().await;
    world(&s, "http://localhost:8080/cb").await;
    let browser = Browser::default();
    let page = browser
        .get(&authorize_url(&s, "web", "http://localhost:9090/cb", None))
        .await;
    assert_eq!(page.status, 400);
    let page = browser
        .get(&authorize_url(&s, "web", "http://localhost:8080/cb", None))
        .await;
    assert!(page.is_login(), "the exact string still works");
}

#[tokio::test]
async fn a_code_whose_redirect_uri_was_unregistered_since_is_refused() {
    let s = spawn().await;
    let secret = world(&s, "http://127.0.0.1/cb").await;
    let cb = callback_server().await;
    let landed = through_pages(&s, &Browser::default(), &authorize_url(&s, "web", &cb, None)).await;
    let code = landed.param("code").unwrap();
    let patch = json!({"redirect_uris": ["https://app.example/cb"]});
    let Response { status, .. } = s
        .admin(Method::PATCH, "/admin/tenants/acme/clients/web", Some(patch))
        .await;
    assert_eq!(status, 200);
    let sent = [
        ("code", code.as_str()),
        ("redirect_uri", cb.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, body) = exchange(&s, "web", Some(&secret), &sent).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
}

#[tokio::test]
async fn every_authorization_response_names_the_issuer() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let issuer = s.metadata().await.json["issuer"].as_str().unwrap().to_string();
    let encoded = format!(
        "iss={}",
        url::form_urlencoded::byte_serialize(issuer.as_bytes()).collect::<String>()
    );

    // Success.
    let browser = Browser::default();
    let landed = through_pages(&s, &browser, &authorize_url(&s, "web", &cb, Some("read"))).await;
    assert!(landed.param("code").is_some());
    assert_eq!(landed.param("iss").as_deref(), Some(issuer.as_str()));
    assert!(landed.url.query().unwrap().contains(&encoded), "{}", landed.url);
    // An error sent back to the client.
    let error = location(&authorize_url(&s, "web", &cb, Some("unknown"))).await;
    assert_eq!(param(&error, "error").as_deref(), Some("invalid_scope"));
    assert_eq!(param(&error, "iss").as_deref(), Some(issuer.as_str()));
    assert!(error.query().unwrap().contains(&encoded), "{error}");
    // The user says no.
    let page = browser.get(&authorize_url(&s, "web", &cb, Some("write"))).await;
    assert!(page.is_consent());
    let denied = browser.decide(&s, &page, "deny").await;
    assert_eq!(denied.param("error").as_deref(), Some("access_denied"));
    assert_eq!(denied.param("state").as_deref(), Some("xyz"));
    assert_eq!(denied.param("iss").as_deref(), Some(issuer.as_str()));
}

#[tokio::test]
async fn metadata_announces_iss_and_public_revocation() {
    let s = spawn().await;
    let doc = s.metadata().await.json;
    assert_eq!(doc["issuer"], json!(s.base));
    assert_eq!(doc["authorization_response_iss_parameter_supported"], json!(true));
    assert_eq!(
        doc["revocation_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "none"])
    );
    assert_eq!(
        doc["introspection_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"]),
        "public clients may not introspect"
    );
}

#[tokio::test]
async fn a_public_client_revokes_with_its_client_id_alone() {
    let s = spawn().await;
    let cb = callback_server().await;
    let web_secret = world(&s, &cb).await;
    let landed = through_pages(&s, &Browser::default(), &authorize_url(&s, "mobile", &cb, Some("read"))).await;
    let code = landed.param("code").unwrap();
    let sent = [
        ("code", code.as_str()),
        ("redirect_uri", cb.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = exchange(&s, "mobile", None, &sent).await;
    assert_eq!(status, 200, "{tokens}");
    let (refresh, access) = (
        tokens["refresh_token"].as_str().unwrap(),
        tokens["access_token"].as_str().unwrap(),
    );
    // Asked by a confidential client of the same tenant.
    assert_eq!(
        s.introspect(("web", &web_secret), access).await.json["active"],
        json!(true)
    );
    let revoke = [("token", refresh), ("client_id", "mobile")];
    let r = s.send(s.http.post(s.url("/oauth/revoke")).form(&revoke)).await;
    assert_eq!(r.status, 200);
    let refresh_again = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_id", "mobile"),
    ];
    let r = s.token_public(&refresh_again).await;
    assert_eq!(r.status, 400, "the refresh token is revoked");
    let answer = s.introspect(("web", &web_secret), access).await.json;
    assert_eq!(answer["active"], json!(false), "its access token went with it");
}

/// The `error` and `error_description` of a token request that fails.
async fn token_error(request: reqwest::RequestBuilder) -> (String, String) {
    let body: Value = request.send().await.unwrap().json().await.unwrap();
    let text = |name: &str| {
        body[name]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: {body}"))
            .to_string()
    };
    (text("error"), text("error_description"))
}

#[tokio::test]
async fn error_descriptions_stay_within_rfc_6749_whatever_the_request_sent() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let hostile = "x\"\\\u{e9}\u{1}\u{202e}\n";
    // At the token endpoint: a value and a parameter name from the request, in the description.
    let token = || s.http.post(s.url("/oauth/token"));
    let (error, description) = token_error(token().form(&[("grant_type", hostile)])).await;
    assert_eq!(error, "unsupported_grant_type");
    assert!(within_rfc_6749(&description), "{description:?}");
    let name: String = url::form_urlencoded::byte_serialize(hostile.as_bytes()).collect();
    let repeated = token()
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=client_credentials&{name}=1&{name}=2"));
    let (error, description) = token_error(repeated).await;
    assert_eq!(error, "invalid_request");
    assert!(
        within_rfc_6749(&description) && description.contains("repeated"),
        "{description:?}"
    );
    // In an authorization redirect.
    let error = location(&authorize_url(&s, "web", &cb, Some(&format!("read r{hostile}")))).await;
    assert_eq!(param(&error, "error").as_deref(), Some("invalid_scope"));
    let description = param(&error, "error_description").unwrap();
    assert!(within_rfc_6749(&description), "{description:?}");
}
