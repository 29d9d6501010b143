//! The console in headless Chromium, the issue's journey: a server admin signs in, creates a
//! tenant with a limit of 2 and a client, generates two tokens (the bar shows 2 of 2), a third
//! shows the limit with the wait, revoking one lowers the count, a regenerated secret retires
//! the old one at the token endpoint; a tenant admin of acme sees only acme; a user with only
//! `Auth.Customer.Tokens:READ` sees tokens without revoke controls and a hand-made POST is
//! refused. axe-core runs on every page (no serious or critical finding); every page is saved
//! as `target/tmp/screenshots/console-*.png`.

use super::chromium::*;
use super::{with_root, ROOT};
use crate::browser::chromium_sized;
use crate::helpers::*;
use fantoccini::{Client, Locator};
use reqwest::Method;
use serde_json::json;

/// Traffic for the Overview's charts: a few samples of token and check_token requests.
async fn traffic(s: &TestApp) {
    s.create_client("system", json!({"client_id": "probe"})).await;
    let secret = s
        .admin(Method::POST, "/admin/tenants/system/clients/probe/secret", None)
        .await
        .json["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    s.service.sample_routes();
    for round in 1..=6 {
        for _ in 0..round {
            let token = s.access_token(("probe", &secret)).await;
            s.check_token(("probe", &secret), &token).await;
        }
        s.clock.advance(10);
        s.service.sample_routes();
    }
}

#[tokio::test]
async fn the_console_journey_in_chromium() {
    let Some(axe) = axe_source() else { return };
    // Started tall, so that a window may later grow to a whole page for its screenshot.
    let Some((_driver, browser)) = chromium_sized(1280, 4000).await else {
        return;
    };
    browser.set_window_size(1280, 900).await.unwrap();
    let s = spawn().await;
    with_root(&s).await;
    s.create_tenant(json!({"id": "globex"})).await;
    traffic(&s).await;
    let result = journey(&browser, &s, &axe).await;
    let _ = browser.close().await;
    result.expect("the browser went through the console");
}

async fn journey(browser: &Client, s: &TestApp, axe: &str) -> R<()> {
    browser.goto(&s.url("/console")).await?;
    check(browser, axe, "signin").await?;
    fill(browser, "#tenant", "system").await?;
    click(browser, "button[type=submit]").await?;
    browser.wait().for_element(Locator::Css("#username")).await?;
    check(browser, axe, "login").await?;
    fill(browser, "#username", ROOT.0).await?;
    fill(browser, "#password", ROOT.1).await?;
    click(browser, "button[type=submit]").await?;
    wait_text(browser, "h1", "Overview").await?;
    check(browser, axe, "overview").await?;

    // A tenant with a limit of 2, and a client.
    fill(browser, "#id", "acme").await?;
    fill(browser, "#max_active_tokens_per_client", "2").await?;
    click(browser, "form[action='/console/tenants'] button").await?;
    wait_text(browser, "h1", "Tenant acme").await?;
    browser
        .find(Locator::XPath("//summary[normalize-space()='New client']"))
        .await?
        .click()
        .await?;
    fill(browser, "#client_id", "app").await?;
    fill(browser, "#scopes", "read write").await?;
    click(browser, "form[action='/console/t/acme/clients'] button").await?;
    let old_secret = wait_text(browser, "#client-secret", "").await?;
    check(browser, axe, "tenant").await?;

    // Two tokens generated in the page: 2 of 2, red; a third meets the limit and its wait.
    click(browser, "a[href='/console/t/acme/clients/app']").await?;
    wait_text(browser, "h1", "Client app").await?;
    let mut generated = Vec::new();
    for _ in 0..2 {
        fill(browser, "#expires_in", "600").await?;
        click(browser, "form[action$='/tokens'] button").await?;
        generated.push(wait_text(browser, "#access-token", "tsa_").await?);
    }
    // The copy button is shown by the console's script: it loads under the CSP.
    let copy = browser.find(Locator::Css("button[data-copy='access-token']")).await?;
    assert!(copy.is_displayed().await?, "the script ran");
    for token in &generated {
        assert!(
            s.is_active(("app", &old_secret), token).await,
            "a generated token works"
        );
    }
    wait_text(browser, "span.usage[data-full=true]", "2 of 2").await?;
    check(browser, axe, "client").await?;
    click(browser, "form[action$='/tokens'] button").await?;
    let refused = wait_text(browser, ".notice.error", "limit of 2").await?;
    assert!(refused.contains("Try again in 600 s"), "{refused}");
    check(browser, axe, "client-limit").await?;

    // Revoke one: the count drops.
    click(browser, "button[aria-label^='Revoke token']").await?;
    wait_text(browser, "[role=status]", "Token revoked").await?;
    wait_text(browser, "span.usage[data-full=false]", "1 of 2").await?;

    // A new secret: the old one stops working at the token endpoint.
    browser
        .find(Locator::XPath("//summary[normalize-space()='Regenerate the secret']"))
        .await?
        .click()
        .await?;
    click(browser, "form[action$='/secret'] button").await?;
    wait_text(browser, ".notice.secret", "New client secret").await?;
    let new_secret = browser.find(Locator::Css("#client-secret")).await?.text().await?;
    assert_ne!(new_secret, old_secret);
    let cc = [("grant_type", "client_credentials")];
    assert_eq!(
        s.token(("app", &old_secret), &cc).await.status,
        401,
        "the old secret is refused"
    );
    assert_eq!(s.token(("app", &new_secret), &cc).await.status, 200);
    check(browser, axe, "client-secret").await?;

    click(browser, "a[aria-label^='Edit token']").await?;
    wait_text(browser, "h1", "Token").await?;
    check(browser, axe, "token-edit").await?;
    browser.goto(&s.url("/console/t/acme/clients/app/revoke-all")).await?;
    wait_text(browser, "h1", "Revoke every token").await?;
    check(browser, axe, "revoke-all").await?;

    s.create_user("acme", "boss", "boss-password-1", &["ROLE_ADMIN_CUSTOMER"])
        .await;
    s.create_user("acme", "reader", "reader-password-1", &["Auth.Customer.Tokens:READ"])
        .await;
    browser.goto(&s.url("/console/t/acme/users/boss")).await?;
    wait_text(browser, "h1", "User boss").await?;
    check(browser, axe, "user").await?;
    browser.goto(&s.url("/console/store")).await?;
    wait_text(browser, "h1", "Store").await?;
    click(browser, "form[action='/console/store/purge'] button").await?;
    wait_text(browser, "[role=status]", "rows removed").await?;
    check(browser, axe, "store").await?;

    browser.set_window_size(390, 844).await?;
    browser.goto(&s.url("/console/t/acme/clients/app")).await?;
    wait_text(browser, "h1", "Client app").await?;
    check(browser, axe, "client-phone").await?;
    browser.set_window_size(1280, 900).await?;
    sign_out(browser).await?;
    check(browser, axe, "signed-out").await?;

    tenant_admin(browser, s, axe).await?;
    reader(browser, s, axe).await
}

/// A tenant admin of acme sees acme, and not globex nor the server's pages.
async fn tenant_admin(browser: &Client, s: &TestApp, axe: &str) -> R<()> {
    sign_in(browser, s, "acme", ("boss", "boss-password-1")).await?;
    wait_text(browser, "h1", "Tenant acme").await?;
    assert!(
        browser.find(Locator::Css("a[href='/console/overview']")).await.is_err(),
        "no Overview"
    );
    check(browser, axe, "tenant-admin").await?;
    for path in ["/console/t/globex", "/console/overview"] {
        browser.goto(&s.url(path)).await?;
        wait_text(browser, ".notice.error", "may not").await?;
    }
    check(browser, axe, "forbidden").await?;
    browser.goto(&s.url("/console/t/acme")).await?;
    wait_text(browser, "h1", "Tenant acme").await?;
    sign_out(browser).await
}

/// Only `Auth.Customer.Tokens:READ`: the tokens, no revoke control, and a hand-made POST refused.
async fn reader(browser: &Client, s: &TestApp, axe: &str) -> R<()> {
    sign_in(browser, s, "acme", ("reader", "reader-password-1")).await?;
    wait_text(browser, "h1", "Tenant acme").await?;
    browser.goto(&s.url("/console/t/acme/clients/app")).await?;
    // One generated in the page, one the new secret got at the token endpoint.
    wait_text(browser, "span.usage", "2 of 2").await?;
    assert!(
        browser.find(Locator::Css("button.danger")).await.is_err(),
        "no revoke control"
    );
    assert!(
        browser.find(Locator::Css("#expires_in")).await.is_err(),
        "no token generation"
    );
    check(browser, axe, "reader-client").await?;
    let admin = s.access_token((ADMIN_ID, ADMIN_SECRET)).await;
    let list = s
        .admin_as(&admin, Method::GET, "/admin/tenants/acme/clients/app/tokens", None)
        .await;
    let id = list.json["tokens"][0]["id"].as_str().unwrap().to_string();
    // The page's own CSRF token (from its sign-out form), on a form the page never offered.
    let forge = r#"
        const f = document.createElement("form");
        f.method = "post"; f.action = arguments[0];
        const csrf = document.querySelector("input[name=_csrf]").cloneNode();
        f.appendChild(csrf); document.body.appendChild(f); f.submit();
    "#;
    // The API answers a token the caller may not change as not found (ids reveal nothing).
    let url = format!("/console/t/acme/tokens/{id}/revoke");
    browser.execute(forge, vec![json!(url)]).await?;
    wait_text(browser, ".notice.error", "There is no such token").await?;
    browser.back().await?;
    wait_text(browser, "h1", "Client app").await?;
    browser
        .execute(forge, vec![json!("/console/t/acme/clients/app/tokens")])
        .await?;
    wait_text(browser, ".notice.error", "may not").await?;
    let after = s
        .admin_as(&admin, Method::GET, "/admin/tenants/acme/clients/app/tokens", None)
        .await;
    assert_eq!(after.json["active_count"], 2, "the forged POST revoked nothing");
    Ok(())
}
