//! The console's one layout (header, navigation, notices) and the pieces pages share: labelled
//! fields with their errors, the usage bar, times. maud escapes every value it renders.

use crate::service::admin::Principal;
use maud::{html, Markup, DOCTYPE};

/// What the header needs to know about the page and its user.
pub struct Chrome<'a> {
    pub who: &'a Principal,
    pub csrf: &'a str,
    /// The navigation entry to mark current (`overview`, `store`, or a tenant id).
    pub current: &'a str,
    pub flash: Option<String>,
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="no-referrer";
            title { (title) " · Tessera console" }
            link rel="stylesheet" href="/console/assets/console.css";
        }
    }
}

pub fn page(title: &str, chrome: &Chrome, body: Markup) -> Markup {
    let who = chrome.who;
    let current = |name: &str| (chrome.current == name).then_some("page");
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip href="#content" { "Skip to content" }
                header.top {
                    div.bar {
                        a.brand href="/console" { span.mark aria-hidden="true" {} "Tessera console" }
                        nav aria-label="Console" {
                            ul {
                                @if who.is_server_admin() {
                                    li { a href="/console/overview" aria-current=[current("overview")] { "Overview" } }
                                    li { a href="/console/store" aria-current=[current("store")] { "Store" } }
                                } @else {
                                    li {
                                        a href={ "/console/t/" (who.tenant) } aria-current=[current(&who.tenant)] {
                                            "Tenant " (who.tenant)
                                        }
                                    }
                                }
                            }
                        }
                        div.who {
                            span { "Signed in to " strong { (who.tenant) } }
                            form.inline method="post" action="/console/signout" {
                                input type="hidden" name="_csrf" value=(chrome.csrf);
                                button type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                main id="content" {
                    @if let Some(message) = &chrome.flash {
                        div.notice.ok role="status" { (message) }
                    }
                    (body)
                }
                script src="/console/assets/console.js" {}
            }
        }
    }
}

/// A page without a session: sign-in and errors.
pub fn bare(title: &str, message: &str) -> Markup {
    standalone(
        title,
        html! {
            h1 { (title) }
            div.notice.error role="alert" { (message) }
            p { a href="/console" { "Back to the console" } }
        },
    )
}

pub fn standalone(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                header.top { div.bar { a.brand href="/console" { span.mark aria-hidden="true" {} "Tessera console" } } }
                main id="content" { div.signin { (body) } }
            }
        }
    }
}

pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="_csrf" value=(token); }
}

/// A labelled text field, with its error (from the service's answer) under it.
pub fn field(label: &str, name: &str, value: &str, hint: Option<&str>, error: Option<(&str, &str)>) -> Markup {
    let message = error.filter(|(f, _)| *f == name).map(|(_, m)| m);
    let error_id = format!("{name}-error");
    html! {
        label for=(name) {
            (label)
            @if let Some(hint) = hint { " " span.hint { (hint) } }
        }
        input type="text" id=(name) name=(name) value=(value)
            aria-invalid=[message.map(|_| "true")] aria-describedby=[message.map(|_| error_id.as_str())];
        @if let Some(message) = message {
            p.field-error id=(error_id) { (message) }
        }
    }
}

/// The client's active tokens against its limit; red at the limit.
pub fn usage(active: u64, limit: Option<u32>) -> Markup {
    let (width, full) = match limit {
        Some(limit) if limit > 0 => (
            (active.min(u64::from(limit)) * 160 / u64::from(limit)) as u32,
            active >= u64::from(limit),
        ),
        _ => (0, false),
    };
    let fill = if full { "#b42318" } else { "#1f4ad1" };
    let text = match limit {
        Some(limit) => format!("{active} of {limit}"),
        None => format!("{active} (no limit)"),
    };
    html! {
        span.usage data-full=(full) {
            svg width="160" height="10" viewBox="0 0 160 10" aria-hidden="true" {
                rect width="160" height="10" rx="5" fill="#dde3ea" {}
                rect width=(width) height="10" rx="5" fill=(fill) {}
            }
            span.usage-text { (text) @if full { " — at the limit" } }
        }
    }
}

/// A Unix time as UTC, or `never`.
pub fn time(at: Option<i64>) -> String {
    match at.and_then(|t| cookie::time::OffsetDateTime::from_unix_timestamp(t).ok()) {
        Some(t) => format!(
            "{}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        None => "never".into(),
    }
}

pub fn tags(items: &[String]) -> Markup {
    html! {
        @if items.is_empty() { span.empty { "none" } }
        @else { ul.tags { @for item in items { li { (item) } } } }
    }
}

/// A secret shown once, with a copy button (the button appears only with script).
pub fn shown_once(what: &str, id: &str, value: &str) -> Markup {
    html! {
        div.notice.secret role="status" {
            strong { (what) } " — shown once: copy it now, it cannot be shown again."
            div.secret-value {
                code id=(id) { (value) }
                button.secondary type="button" data-copy=(id) hidden { "Copy" }
            }
        }
    }
}
