//! The login, consent and error pages: server-rendered, no script, inline CSS only, labelled
//! fields in reading order. maud escapes every value it renders.

use maud::{html, Markup, PreEscaped, DOCTYPE};

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
 font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 color:#1f2933;background:linear-gradient(160deg,#eef2f7 0%,#dde5ee 100%)}
main{width:100%;max-width:26rem;margin:1.5rem;background:#fff;border-radius:14px;
 box-shadow:0 10px 30px rgba(31,41,51,.12),0 1px 3px rgba(31,41,51,.08);padding:2rem 2rem 1.75rem}
.brand{display:flex;align-items:center;gap:.6rem;margin-bottom:1.5rem;color:#52606d;font-size:.9rem}
.mark{width:2rem;height:2rem;border-radius:8px;background:#2f5bea;display:grid;grid-template-columns:1fr 1fr;
 gap:3px;padding:6px}.mark i{background:#fff;border-radius:2px;opacity:.9}.mark i:nth-child(2),.mark i:nth-child(3){opacity:.55}
.tenant{font-weight:600;color:#1f2933}
h1{font-size:1.35rem;line-height:1.3;margin:0 0 .35rem}
p.lead{margin:0 0 1.5rem;color:#52606d}
label{display:block;font-weight:600;font-size:.9rem;margin:0 0 .35rem}
input[type=text],input[type=password]{width:100%;padding:.7rem .8rem;font:inherit;border:1px solid #cbd2d9;
 border-radius:8px;margin-bottom:1.1rem;background:#fff}
input:focus,button:focus{outline:3px solid rgba(47,91,234,.35);outline-offset:1px;border-color:#2f5bea}
button{font:inherit;font-weight:600;border-radius:8px;padding:.75rem 1rem;cursor:pointer;border:1px solid transparent}
.primary{width:100%;background:#2f5bea;color:#fff}.primary:hover{background:#2447c4}
.secondary{background:#fff;color:#1f2933;border-color:#cbd2d9}.secondary:hover{background:#f5f7fa}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}.actions button{flex:1}
.alert{background:#fdecea;border:1px solid #f5c2bd;color:#8a1c12;border-radius:8px;padding:.7rem .85rem;
 margin:0 0 1.25rem;font-size:.95rem}
ul.scopes{list-style:none;margin:0;padding:0;border:1px solid #e4e7eb;border-radius:10px}
ul.scopes li{padding:.65rem .9rem;border-top:1px solid #e4e7eb;display:flex;gap:.6rem;align-items:center}
ul.scopes li:first-child{border-top:0}
ul.scopes li::before{content:"";width:.55rem;height:.55rem;border-radius:50%;background:#2f5bea;flex:none}
code{font:500 .9rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.who{font-size:.9rem;color:#52606d;margin:1rem 0 0}
footer{margin-top:1.5rem;font-size:.8rem;color:#52606d;text-align:center}
"#;

fn layout(title: &str, tenant: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    div.brand {
                        span.mark aria-hidden="true" { i {} i {} i {} i {} }
                        @if let Some(tenant) = tenant {
                            span { span.tenant { (tenant) } " · Tessera" }
                        } @else {
                            span.tenant { "Tessera" }
                        }
                    }
                    (body)
                }
            }
        }
    }
}

/// What every form page shows and posts back.
pub struct FormContext<'a> {
    pub tenant_name: &'a str,
    pub client_name: &'a str,
    /// The signed pending request.
    pub request: &'a str,
    pub csrf: &'a str,
}

pub fn login(ctx: &FormContext<'_>, username: Option<&str>, error: Option<&str>) -> Markup {
    let body = html! {
        h1 { "Sign in" }
        p.lead { "to continue to " strong { (ctx.client_name) } }
        @if let Some(error) = error {
            div.alert #login-error role="alert" { (error) }
        }
        form method="post" action="/oauth/authorize/login" {
            input type="hidden" name="request" value=(ctx.request);
            input type="hidden" name="csrf" value=(ctx.csrf);
            label for="username" { "Username" }
            input #username type="text" name="username" autocomplete="username" autocapitalize="none"
                spellcheck="false" required value=[username] autofocus[username.is_none()]
                aria-describedby=[error.map(|_| "login-error")];
            label for="password" { "Password" }
            input #password type="password" name="password" autocomplete="current-password" required
                autofocus[username.is_some()] aria-describedby=[error.map(|_| "login-error")];
            button.primary type="submit" { "Sign in" }
        }
        footer { "Your password is only ever sent to " (ctx.tenant_name) "." }
    };
    layout(&format!("Sign in · {}", ctx.tenant_name), Some(ctx.tenant_name), body)
}

pub fn consent(ctx: &FormContext<'_>, username: &str, scopes: &[String]) -> Markup {
    let body = html! {
        h1 { (ctx.client_name) " wants access to your account" }
        p.lead { "It is asking for permission to:" }
        @if scopes.is_empty() {
            p { "Know who you are (no other permissions)." }
        } @else {
            ul.scopes aria-label="Requested permissions" {
                @for scope in scopes { li { code { (scope) } } }
            }
        }
        form method="post" action="/oauth/authorize/consent" {
            input type="hidden" name="request" value=(ctx.request);
            input type="hidden" name="csrf" value=(ctx.csrf);
            div.actions {
                button.secondary type="submit" name="decision" value="deny" { "Deny" }
                button.primary type="submit" name="decision" value="allow" autofocus { "Allow" }
            }
        }
        p.who { "Signed in as " strong { (username) } ". Allowing is remembered; an administrator of "
            (ctx.tenant_name) " can withdraw it." }
    };
    layout(
        &format!("Allow {}? · {}", ctx.client_name, ctx.tenant_name),
        Some(ctx.tenant_name),
        body,
    )
}

pub fn error(message: &str) -> Markup {
    let body = html! {
        h1 { "This request cannot continue" }
        div.alert role="alert" { (message) }
        p.lead { "Return to the application you came from and try again. If this keeps happening, contact its support." }
    };
    layout("Request error · Tessera", None, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> FormContext<'static> {
        FormContext {
            tenant_name: "Acme <Corp>",
            client_name: "Web \"App\"",
            request: "REQ",
            csrf: "CSRF",
        }
    }

    #[test]
    fn pages_escape_what_they_show() {
        let page = login(&ctx(), Some("<script>"), Some("Invalid & wrong")).into_string();
        assert!(page.contains("Acme &lt;Corp&gt;"));
        assert!(page.contains("Web &quot;App&quot;") || page.contains("Web \"App\""));
        assert!(!page.contains("<script>"));
        assert!(page.contains("Invalid &amp; wrong"));
        assert!(page.contains(r#"<label for="username">"#));
        assert!(page.contains(r#"name="csrf" value="CSRF""#));
    }

    #[test]
    fn consent_lists_scopes_with_both_choices() {
        let page = consent(&ctx(), "alice", &["read".into(), "write".into()]).into_string();
        assert!(page.contains("<code>read</code>") && page.contains("<code>write</code>"));
        assert!(page.contains(r#"value="allow""#) && page.contains(r#"value="deny""#));
        assert!(!page.contains("<script"));
    }
}
