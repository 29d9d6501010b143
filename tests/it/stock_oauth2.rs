//! The `oauth2` crate, a stock client Tessera did not write, through every grant, introspection,
//! revocation and the authorization-code flow with PKCE from a random loopback port, against a real
//! server. (The Python libraries run in `.ci/stock-clients`.)

use crate::helpers::flow::{self, Browser};
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, IntrospectionUrl,
    PkceCodeChallenge, RedirectUrl, RefreshToken, RequestTokenError, ResourceOwnerPassword, ResourceOwnerUsername,
    RevocationUrl, Scope, TokenIntrospectionResponse, TokenResponse, TokenUrl,
};
use serde_json::json;

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointSet, EndpointSet, EndpointSet>;

/// A client configured from the server's metadata document, as a deployment using discovery is.
async fn client(s: &crate::helpers::TestApp, id: &str, secret: Option<&str>, redirect: &str) -> Client {
    let meta = s.metadata().await.json;
    let url = |key: &str| meta[key].as_str().unwrap().to_string();
    let mut client = BasicClient::new(ClientId::new(id.into()))
        .set_auth_uri(AuthUrl::new(url("authorization_endpoint")).unwrap())
        .set_token_uri(TokenUrl::new(url("token_endpoint")).unwrap())
        .set_introspection_url(IntrospectionUrl::new(url("introspection_endpoint")).unwrap())
        .set_revocation_url(RevocationUrl::new(url("revocation_endpoint")).unwrap())
        .set_redirect_uri(RedirectUrl::new(redirect.into()).unwrap());
    if let Some(secret) = secret {
        client = client.set_client_secret(ClientSecret::new(secret.into()));
    }
    client
}

fn http() -> reqwest::Client {
    // RFC 6749 §10: token requests do not follow redirects.
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `flow::world` (clients `web` and `mobile` registered for a loopback redirect URI without a port)
/// plus a client `svc` for the other grants; returns the secrets of `web` and `svc`.
async fn world(s: &crate::helpers::TestApp) -> (String, String) {
    let web = flow::world(s, "http://127.0.0.1/cb").await;
    let svc = s
        .create_client(
            "acme",
            json!({"client_id": "svc", "scopes": ["read", "write"],
                   "grant_types": ["client_credentials", "password", "refresh_token"]}),
        )
        .await;
    (web, svc)
}

#[tokio::test]
async fn client_credentials_password_refresh_introspection_and_revocation() {
    let s = crate::helpers::spawn().await;
    let (_, svc_secret) = world(&s).await;
    let svc = client(&s, "svc", Some(&svc_secret), "http://127.0.0.1/cb").await;
    let http = http();

    let cc = svc
        .exchange_client_credentials()
        .add_scope(Scope::new("read".into()))
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(cc.scopes().unwrap(), &vec![Scope::new("read".into())]);
    assert!(cc.refresh_token().is_none());

    let user = svc
        .exchange_password(
            &ResourceOwnerUsername::new("alice".into()),
            &ResourceOwnerPassword::new("wonderland".into()),
        )
        .request_async(&http)
        .await
        .unwrap();
    let refresh = user.refresh_token().unwrap();
    let next = svc.exchange_refresh_token(refresh).request_async(&http).await.unwrap();
    assert_ne!(next.access_token().secret(), user.access_token().secret());
    let info = svc.introspect(next.access_token()).request_async(&http).await.unwrap();
    assert!(info.active());
    assert_eq!(info.username(), Some("alice"));
    // The rotated-away refresh token is spent: a replay is refused and revokes its whole grant.
    match svc.exchange_refresh_token(refresh).request_async(&http).await {
        Err(RequestTokenError::ServerResponse(e)) => assert_eq!(e.error(), &BasicErrorResponseType::InvalidGrant),
        other => panic!("a spent refresh token: {other:?}"),
    }
    let info = svc.introspect(next.access_token()).request_async(&http).await.unwrap();
    assert!(!info.active(), "the grant of a replayed refresh token is revoked");

    // The crate revokes only over https (RFC 7009 §2) and the test server is plain http on
    // loopback, so the revocation itself goes as the crate would send it, by hand.
    let form = [
        ("token", cc.access_token().secret().as_str()),
        ("token_type_hint", "access_token"),
    ];
    let revoked = s.post_form("/oauth/revoke", ("svc", &svc_secret), &form).await;
    assert_eq!(revoked.status, 200);
    let info = svc.introspect(cc.access_token()).request_async(&http).await.unwrap();
    assert!(!info.active());

    let wrong = client(&s, "svc", Some("not-the-secret"), "http://127.0.0.1/cb").await;
    match wrong.exchange_client_credentials().request_async(&http).await {
        Err(RequestTokenError::ServerResponse(e)) => assert_eq!(e.error(), &BasicErrorResponseType::InvalidClient),
        other => panic!("a wrong secret: {other:?}"),
    }
}

#[tokio::test]
async fn authorization_code_with_pkce_from_a_random_loopback_port() {
    let s = crate::helpers::spawn().await;
    let (web_secret, _) = world(&s).await;
    let http = http();
    // The app listens on whatever port it got; the registration names no port (RFC 8252 §7.3).
    let redirect = flow::callback_server().await;
    for (id, secret) in [("web", Some(web_secret.as_str())), ("mobile", None)] {
        let app = client(&s, id, secret, &redirect).await;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = app
            .authorize_url(CsrfToken::new_random)
            .add_scope(Scope::new("read".into()))
            .set_pkce_challenge(challenge)
            .url();
        let landed = flow::through_pages(&s, &Browser::default(), url.as_str()).await;
        assert!(landed.url.as_str().starts_with(&redirect), "{id}: {}", landed.url);
        assert_eq!(landed.param("state").as_deref(), Some(state.secret().as_str()));
        let code = AuthorizationCode::new(landed.param("code").unwrap());
        let token = app
            .exchange_code(code)
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await
            .unwrap();
        assert_eq!(token.scopes().unwrap(), &vec![Scope::new("read".into())]);
        let refreshed = app
            .exchange_refresh_token(&RefreshToken::new(token.refresh_token().unwrap().secret().clone()))
            .request_async(&http)
            .await
            .unwrap();
        assert!(refreshed.refresh_token().is_some(), "{id}");
    }
}
