//! The refresh grace rule: within the window a used refresh token rotates again and nothing is
//! revoked; at its end and after, a replay revokes the lineage as without a grace.

use super::in_grace;
use crate::model::{Client, Tenant, TokenSettings};
use crate::secret::Secret;
use crate::service::grants::testing::*;
use crate::service::grants::TokenRequest;
use crate::service::issue::TokenResponse;
use crate::service::OAuthError;

fn refresh(token: &str) -> TokenRequest {
    TokenRequest::RefreshToken {
        refresh_token: Secret::new(token.into()),
        scope: None,
    }
}

async fn active(f: &Fixture, access: &str) -> bool {
    f.service.introspect_token(access).await.unwrap().is_some()
}

async fn set_grace(f: &Fixture, tenant: Option<i64>, client: Option<i64>, max_active: Option<u32>) {
    let settings = TokenSettings {
        refresh_token_grace: tenant,
        ..TokenSettings::default()
    };
    let tenant = Tenant {
        id: crate::model::tid("acme").to_owned(),
        name: "Acme".into(),
        settings,
    };
    assert!(f.service.store.update_tenant(tenant).await.unwrap());
    let mut web = Client::clone(
        &f.service
            .store
            .get_client(crate::model::cid("web"))
            .await
            .unwrap()
            .unwrap(),
    );
    web.settings.refresh_token_grace = client;
    web.settings.max_active_tokens = max_active;
    assert!(f.service.store.update_client(web).await.unwrap());
}

/// Signs in, sets the grace, and uses the refresh token once: (login, first rotation).
async fn used_once(f: &Fixture, tenant: Option<i64>, client: Option<i64>) -> (TokenResponse, TokenResponse) {
    let login = f.logged_in().await;
    set_grace(f, tenant, client, None).await;
    let rt = login.refresh_token.as_deref().unwrap();
    let first = f.service.token(credentials("web"), refresh(rt)).await.unwrap();
    (login, first)
}

async fn again(f: &Fixture, login: &TokenResponse) -> Result<TokenResponse, OAuthError> {
    f.service
        .token(credentials("web"), refresh(login.refresh_token.as_deref().unwrap()))
        .await
}

#[test]
fn the_window_is_half_open_and_zero_is_strict() {
    assert!(in_grace(100, 5, 100));
    assert!(in_grace(100, 5, 104));
    assert!(!in_grace(100, 5, 105));
    assert!(!in_grace(100, 0, 100));
    assert!(!in_grace(100, -1, 100));
    assert!(in_grace(100, 5, 90), "a node whose clock is behind is still within");
}

#[tokio::test]
async fn within_the_grace_a_reuse_rotates_and_revokes_nothing() {
    let f = fixture().await;
    let (login, first) = used_once(&f, Some(30), None).await;
    f.clock.advance(29);
    let second = again(&f, &login).await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    for access in [&first.access_token, &second.access_token] {
        assert!(active(&f, access).await);
    }
    // Both branches keep working.
    for rt in [&first.refresh_token, &second.refresh_token] {
        let next = f
            .service
            .token(credentials("web"), refresh(rt.as_deref().unwrap()))
            .await;
        assert!(next.is_ok(), "{next:?}");
    }
}

#[tokio::test]
async fn at_the_end_of_the_grace_a_replay_revokes_the_lineage() {
    let f = fixture().await;
    let (login, first) = used_once(&f, Some(30), None).await;
    f.clock.advance(10);
    let second = again(&f, &login).await.unwrap();
    f.clock.advance(20);
    match again(&f, &login).await {
        Err(OAuthError::InvalidGrant(m)) => assert!(m.contains("already used"), "{m}"),
        other => panic!("expected invalid_grant, got {other:?}"),
    }
    for access in [&first.access_token, &second.access_token] {
        assert!(!active(&f, access).await, "the whole lineage is revoked");
    }
}

#[tokio::test]
async fn without_a_grace_the_first_reuse_is_a_replay() {
    let f = fixture().await;
    let (login, first) = used_once(&f, Some(0), None).await;
    assert!(matches!(again(&f, &login).await, Err(OAuthError::InvalidGrant(_))));
    assert!(!active(&f, &first.access_token).await);
}

#[tokio::test]
async fn the_client_setting_beats_the_tenants() {
    let f = fixture().await;
    let (login, first) = used_once(&f, Some(30), Some(0)).await;
    assert!(matches!(again(&f, &login).await, Err(OAuthError::InvalidGrant(_))));
    assert!(!active(&f, &first.access_token).await);

    let f = fixture().await;
    let (login, first) = used_once(&f, None, Some(30)).await;
    assert!(again(&f, &login).await.is_ok());
    assert!(active(&f, &first.access_token).await);
}

#[tokio::test]
async fn the_active_token_limit_holds_within_the_grace() {
    let f = fixture().await;
    let login = f.logged_in().await;
    set_grace(&f, Some(30), None, Some(2)).await;
    let rt = login.refresh_token.as_deref().unwrap();
    f.service.token(credentials("web"), refresh(rt)).await.unwrap();
    let third = f.service.token(credentials("web"), refresh(rt)).await;
    assert!(
        matches!(third, Err(OAuthError::TooManyActiveTokens { .. })),
        "{third:?}"
    );
}
