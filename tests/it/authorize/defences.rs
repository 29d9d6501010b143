//! The sign-in forms' defences: the CSRF token, and failed logins that say the same and slow one username down.

use crate::helpers::flow::*;
use crate::helpers::spawn;

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
