//! The console (`/console`): its sign-in through Tessera's own authorization-code flow, its
//! session and form safety over HTTP (`sessions`), and the journey in headless Chromium with
//! axe-core on every page (`journey`).

mod chromium;
mod journey;
mod pages;
mod sessions;

use crate::helpers::flow::{Browser, Landed};
use crate::helpers::TestApp;

pub const ROOT: (&str, &str) = ("root", "root-password-123");

/// The server admin of the console's first step: `tessera user create system root --authority ROLE_ADMIN`.
pub async fn with_root(s: &TestApp) {
    s.create_user("system", ROOT.0, ROOT.1, &["ROLE_ADMIN"]).await;
}

/// Signs in to `tenant` as `user` in a cookie-keeping HTTP client, following every redirect.
pub async fn sign_in(s: &TestApp, tenant: &str, (user, password): (&str, &str)) -> (Browser, Landed) {
    let browser = Browser::new(true);
    let login = browser.get(&s.url(&format!("/console/t/{tenant}"))).await;
    assert!(login.is_login(), "the login page first: {}", login.body);
    let landed = browser.login(s, &login, user, password).await;
    (browser, landed)
}
