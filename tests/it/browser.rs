//! End to end in a real browser: headless Chromium (driven through ChromeDriver) opens the
//! authorize URL, signs in, allows, and lands on the client's redirect URI with a code that is
//! then exchanged for tokens. Screenshots of the login and consent pages are saved under
//! `target/tmp/screenshots/`. And a page's `fetch` of the token endpoint (CORS): readable from an
//! origin the client allows, blocked from another.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the
//! test prints SKIPPED and passes, unless `TEST_REQUIRE_BROWSER=1`.

use crate::helpers::flow::*;
use crate::helpers::spawn;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use fantoccini::{ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver() -> (Driver, String) {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return (driver, format!("http://127.0.0.1:{port}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on {port}");
}

fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) async fn save(browser: &fantoccini::Client, name: &str) {
    let png = browser.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let path = screenshots_dir().join(name);
    std::fs::write(&path, png).unwrap();
    println!("screenshot: {}", path.display());
}

/// A headless Chromium session and its driver; `None` (the test is skipped) without Chromium.
async fn chromium() -> Option<(Driver, fantoccini::Client)> {
    chromium_sized(900, 760).await
}

/// [`chromium`] with a window of `width` × `height` CSS pixels.
pub(crate) async fn chromium_sized(width: u32, height: u32) -> Option<(Driver, fantoccini::Client)> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(
            std::env::var("TEST_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "TEST_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing"
        );
        eprintln!("SKIPPED: install chromium and chromium-driver to run the browser test");
        return None;
    }
    let (driver, webdriver) = start_driver().await;
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     format!("--window-size={width},{height}"), "--hide-scrollbars"],
        }),
    );
    let browser = ClientBuilder::rustls()
        .unwrap()
        .capabilities(capabilities)
        .connect(&webdriver)
        .await
        .expect("a Chromium session");
    Some((driver, browser))
}

#[tokio::test]
async fn chromium_signs_in_allows_and_lands_on_the_redirect_uri_with_a_code() {
    let Some((_driver, browser)) = chromium().await else {
        return;
    };
    let s = spawn().await;
    let cb = callback_server().await;
    let secret = world(&s, &cb).await;

    let result = async {
        browser.goto(&authorize_url(&s, "web", &cb, Some("read write"))).await?;
        browser.wait().for_element(Locator::Css("#username")).await?;
        assert!(browser.title().await?.starts_with("Sign in"));
        save(&browser, "login.png").await;
        browser
            .find(Locator::Css("#username"))
            .await?
            .send_keys("alice")
            .await?;
        browser
            .find(Locator::Css("#password"))
            .await?
            .send_keys("wonderland")
            .await?;
        browser.find(Locator::Css("button[type=submit]")).await?.click().await?;

        let allow = browser.wait().for_element(Locator::Css("button[value=allow]")).await?;
        let page = browser.source().await?;
        assert!(page.contains("read") && page.contains("write"), "scopes listed");
        save(&browser, "consent.png").await;
        allow.click().await?;

        let mut landed = browser.current_url().await?;
        for _ in 0..50 {
            if landed.as_str().starts_with(&cb) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            landed = browser.current_url().await?;
        }
        Ok::<_, fantoccini::error::CmdError>(landed)
    }
    .await;
    let _ = browser.close().await;
    let landed = result.expect("the browser went through the pages");
    assert!(landed.as_str().starts_with(&cb), "landed on {landed}");
    let param = |n: &str| landed.query_pairs().find(|(k, _)| k == n).map(|(_, v)| v.into_owned());
    assert_eq!(param("state").as_deref(), Some("xyz"));
    let code = param("code").expect("a code on the redirect URI");
    let (status, tokens) = exchange(
        &s,
        "web",
        Some(&secret),
        &[("code", &code), ("redirect_uri", &cb), ("code_verifier", VERIFIER)],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "read write");
    assert_eq!(
        s.introspect(("web", &secret), tokens["access_token"].as_str().unwrap())
            .await
            .json["sub"],
        "alice"
    );
}

/// Run on a page of the given origin: `fetch` of the token endpoint with Basic credentials (so the
/// browser sends a preflight first); what the page could read, or why it could not.
const FETCH_TOKEN: &str = r#"
const [url, auth, done] = arguments;
fetch(url, {method: "POST", body: "grant_type=client_credentials",
            headers: {"authorization": auth, "content-type": "application/x-www-form-urlencoded"}})
  .then(r => r.json().then(body => done(r.status + " " + (body.token_type || body.error))))
  .catch(e => done("blocked: " + e.name));
"#;

#[tokio::test]
async fn chromium_reads_token_answers_only_from_an_origin_its_client_allows() {
    let Some((_driver, browser)) = chromium().await else {
        return;
    };
    let s = spawn().await;
    let (app, other) = (callback_server().await, callback_server().await);
    let origin = app.trim_end_matches("/cb");
    s.create_tenant(serde_json::json!({"id": "acme"})).await;
    let secret = s
        .create_client(
            "acme",
            serde_json::json!({"client_id": "svc", "allowed_origins": [origin]}),
        )
        .await;
    let auth = format!("Basic {}", STANDARD.encode(format!("svc:{secret}")));
    let result = async {
        let mut seen = vec![];
        for page in [&app, &other] {
            browser.goto(page).await?;
            let args = vec![s.url("/oauth/token").into(), auth.clone().into()];
            seen.push(browser.execute_async(FETCH_TOKEN, args).await?);
        }
        Ok::<_, fantoccini::error::CmdError>(seen)
    }
    .await;
    let _ = browser.close().await;
    let seen = result.expect("the browser ran the script");
    assert_eq!(seen[0], "200 Bearer", "from the allowed origin");
    assert_eq!(seen[1], "blocked: TypeError", "from another origin");
}
