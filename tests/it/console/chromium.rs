//! What the console's browser journey does in a page: axe-core's check, waiting for text,
//! filling and clicking, signing in and out (the journey itself is `journey.rs`).

use crate::browser::save;
use crate::helpers::*;
use fantoccini::{Client, Locator};
use serde_json::json;
use std::time::Duration;

pub(super) type R<T> = Result<T, fantoccini::error::CmdError>;

/// axe-core as `npm ci` in tests/console installs it (scripts/services runs that); without it the
/// journey is skipped, as the browser test is without Chromium, unless `TEST_REQUIRE_BROWSER=1`.
pub(super) fn axe_source() -> Option<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/console/node_modules/axe-core/axe.min.js"
    );
    match std::fs::read_to_string(path) {
        Ok(source) => Some(source),
        Err(e) => {
            let required = std::env::var("TEST_REQUIRE_BROWSER").as_deref() == Ok("1");
            assert!(
                !required,
                "{path}: {e}; run `npm ci` in tests/console (scripts/services does)"
            );
            eprintln!("SKIPPED: {path} is missing; run `npm ci` in tests/console");
            None
        }
    }
}

pub(super) const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(r => done(r.violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => v.id + " (" + v.impact + "): " + v.nodes.map(n => n.target.join(" ")).join(", "))));
"#;

/// The page has no serious or critical axe finding; its screenshot is saved.
pub(super) async fn check(browser: &Client, axe: &str, name: &str) -> R<()> {
    browser.execute(axe, vec![]).await?;
    let found = browser.execute_async(AXE_RUN, vec![]).await?;
    assert_eq!(
        found,
        json!([]),
        "axe-core on {name} ({})",
        browser.current_url().await?
    );
    // The whole page: the window grows to the document's height for the picture.
    let (width, height) = browser.get_window_size().await?;
    let chrome = height.saturating_sub(viewport(browser).await?);
    let tall = browser
        .execute("return document.documentElement.scrollHeight", vec![])
        .await?;
    let tall = tall.as_u64().unwrap_or(height) + chrome;
    browser
        .set_window_size(width as u32, tall.clamp(height, 4000) as u32)
        .await?;
    save(browser, &format!("console-{name}.png")).await;
    browser.set_window_size(width as u32, height as u32).await
}

pub(super) async fn viewport(browser: &Client) -> R<u64> {
    let inner = browser.execute("return window.innerHeight", vec![]).await?;
    Ok(inner.as_u64().unwrap_or(0))
}

/// Waits for an element whose text contains `text` (a page load after a click).
pub(super) async fn wait_text(browser: &Client, css: &str, text: &str) -> R<String> {
    for _ in 0..100 {
        // The element may belong to the page being left (stale): look again.
        if let Ok(found) = browser.find(Locator::Css(css)).await {
            if let Ok(got) = found.text().await {
                if got.contains(text) {
                    return Ok(got);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "no {css} with {text:?} on {}:\n{}",
        browser.current_url().await?,
        browser.source().await?
    );
}

pub(super) async fn fill(browser: &Client, css: &str, text: &str) -> R<()> {
    let field = browser.find(Locator::Css(css)).await?;
    field.clear().await?;
    field
        .send_keys(text)
        .await
        .inspect_err(|e| eprintln!("typing into {css}: {e}"))
}

pub(super) async fn click(browser: &Client, css: &str) -> R<()> {
    let found = browser.find(Locator::Css(css)).await?;
    found.click().await.inspect_err(|e| eprintln!("clicking {css}: {e}"))
}

pub(super) async fn sign_in(browser: &Client, s: &TestApp, tenant: &str, (user, password): (&str, &str)) -> R<()> {
    browser.goto(&s.url(&format!("/console/t/{tenant}"))).await?;
    browser
        .wait()
        .for_element(Locator::Css("form[action='/oauth/authorize/login']"))
        .await?;
    fill(browser, "#username", user).await?;
    fill(browser, "#password", password).await?;
    click(browser, "button[type=submit]").await
}

pub(super) async fn sign_out(browser: &Client) -> R<()> {
    click(browser, "form[action='/console/signout'] button").await?;
    wait_text(browser, "h1", "You are signed out").await.map(drop)
}
