//! `tessera token …`: list, inspect, change and revoke the tokens the server issued.

use super::client::Admin;
use super::settings::put;
use super::table::{cell, key_values, time, Table};
use super::{read_stdin_secret, CliResult, Failure, Out};
use crate::secret::Secret;
use clap::{Subcommand, ValueEnum};
use reqwest::Method;
use serde_json::{json, Map, Value};

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum Kind {
    Access,
    Refresh,
}

/// `--expires-at`: a Unix time, or `never`.
#[derive(Debug, Clone, Copy)]
pub enum Expiry {
    At(i64),
    Never,
}

fn expiry(s: &str) -> Result<Expiry, String> {
    if matches!(s, "never" | "null" | "none") {
        return Ok(Expiry::Never);
    }
    s.parse()
        .map(Expiry::At)
        .map_err(|_| "expected a Unix time in seconds or `never`".into())
}

/// `--properties`: a JSON object, or `null` to remove them.
fn properties(s: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(s) {
        Ok(v @ (Value::Object(_) | Value::Null)) => Ok(v),
        Ok(_) => Err("expected a JSON object (or null)".into()),
        Err(e) => Err(format!("not JSON: {e}")),
    }
}

fn token_arg(s: &str) -> Result<Secret<String>, String> {
    Ok(Secret::new(s.to_string()))
}

#[derive(Subcommand, Debug)]
pub enum TokenAction {
    /// List the active tokens of a client, with its active count and limit.
    List {
        /// The tenant id.
        tenant: String,
        /// The client id.
        client: String,
        /// Only the tokens of this user.
        #[arg(long)]
        subject: Option<String>,
        /// Only access or only refresh tokens.
        #[arg(long, value_enum)]
        kind: Option<Kind>,
        /// At most this many tokens per page.
        #[arg(long)]
        limit: Option<u32>,
        /// Continue after a previous page (its next cursor).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Issue an application access token for a client (under its limit and policy); shown once.
    Create {
        /// The tenant id.
        tenant: String,
        /// The client id.
        client: String,
        /// Seconds it lives; negative: never expires (default: the client's lifetime).
        #[arg(long, allow_negative_numbers = true)]
        expires_in: Option<i64>,
        /// A scope among the client's (repeat for more; default: the client's scopes).
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Option<Vec<String>>,
    },
    /// Revoke every active token of a client (or of one of its users).
    RevokeAll {
        /// The tenant id.
        tenant: String,
        /// The client id.
        client: String,
        /// Only the tokens of this user.
        #[arg(long)]
        subject: Option<String>,
    },
    /// Show one token by its id.
    Get {
        /// The token id (as `token list` shows it).
        id: String,
    },
    /// Change a token's scopes, expiry or properties.
    Update {
        /// The token id (as `token list` shows it).
        id: String,
        /// The scopes (repeat for more; `--scope` alone empties the list).
        #[arg(long = "scope", value_name = "SCOPE", num_args = 0..=1)]
        scopes: Option<Vec<String>>,
        /// New expiry as a Unix time in seconds, or `never`.
        #[arg(long, value_name = "UNIX", value_parser = expiry, allow_negative_numbers = true)]
        expires_at: Option<Expiry>,
        /// Properties as a JSON object (replaces them), or `null` to remove them.
        #[arg(long, value_name = "JSON", value_parser = properties)]
        properties: Option<Value>,
    },
    /// Revoke one token by its id.
    Delete {
        /// The token id (as `token list` shows it).
        id: String,
    },
    /// Find a token by its value (`-` reads it from standard input) and show it.
    Lookup {
        #[arg(value_parser = token_arg)]
        token: Secret<String>,
    },
}

impl TokenAction {
    /// Reads a token given as `-` from standard input now, before any request is made.
    pub fn prepare(self) -> CliResult<Self> {
        match self {
            TokenAction::Lookup { token } if token.expose() == "-" => Ok(TokenAction::Lookup {
                token: read_stdin_secret("token")?,
            }),
            TokenAction::Update {
                scopes: None,
                expires_at: None,
                properties: None,
                ..
            } => Err(Failure::usage(
                "token update needs at least one of --scope, --expires-at, --properties",
            )),
            other => Ok(other),
        }
    }
}

const FIELDS: &[&str] = &[
    "id",
    "kind",
    "active",
    "tenant",
    "client_id",
    "subject",
    "user_type",
    "scopes",
    "authorities",
    "issued_at",
    "expires_at",
    "properties",
];

fn show_one(v: &Value) -> String {
    key_values(v, FIELDS, &["issued_at", "expires_at"])
}

fn show_list(v: &Value) -> String {
    let limit = match &v["max_active_tokens"] {
        Value::Null => "none".to_string(),
        other => cell(other),
    };
    // The limit counts access tokens only; refresh tokens are listed too, so say which is which.
    let rows = v["tokens"].as_array().map(Vec::as_slice).unwrap_or_default();
    let refresh = rows.iter().filter(|t| t["kind"] == "refresh").count();
    let mut text = format!("active access tokens: {} of limit {limit}", cell(&v["active_count"]));
    if refresh > 0 {
        text.push_str(&format!("; refresh tokens listed: {refresh} (not counted)"));
    }
    text.push('\n');
    let mut table = Table::new(&["ID", "KIND", "SUBJECT", "SCOPES", "EXPIRES_AT"]);
    for t in v["tokens"].as_array().into_iter().flatten() {
        table.push(vec![
            cell(&t["id"]),
            cell(&t["kind"]),
            cell(&t["subject"]),
            cell(&t["scopes"]),
            time(&t["expires_at"]),
        ]);
    }
    text.push_str(&table.render());
    if let Some(cursor) = v["next_cursor"].as_str() {
        text.push_str(&format!("more: --cursor {cursor}\n"));
    }
    text
}

pub async fn run(admin: &Admin, out: &Out, action: TokenAction) -> CliResult {
    match action {
        TokenAction::List {
            tenant,
            client,
            subject,
            kind,
            limit,
            cursor,
        } => {
            let mut query = Vec::new();
            if let Some(s) = subject {
                query.push(("subject", s));
            }
            if let Some(k) = kind {
                let k = match k {
                    Kind::Access => "access",
                    Kind::Refresh => "refresh",
                };
                query.push(("kind", k.to_string()));
            }
            if let Some(n) = limit {
                query.push(("limit", n.to_string()));
            }
            if let Some(c) = cursor {
                query.push(("cursor", c));
            }
            let path = ["tenants", &tenant, "clients", &client, "tokens"];
            let answer = admin
                .call(Method::GET, &path, &query, None)
                .await?
                .ok_or_else(|| Failure::failed("the server answered without a body"))?;
            out.show(&answer, show_list);
        }
        TokenAction::Create {
            tenant,
            client,
            expires_in,
            scopes,
        } => {
            let mut body = Map::new();
            put(&mut body, "expires_in", expires_in);
            put(&mut body, "scopes", scopes);
            let path = ["tenants", &tenant, "clients", &client, "tokens"];
            let answer = admin.post(&path, Value::Object(body)).await?;
            let order = ["access_token", "token_type", "id", "scopes", "expires_at"];
            out.show(&answer, |v| key_values(v, &order, &["expires_at"]));
        }
        TokenAction::RevokeAll {
            tenant,
            client,
            subject,
        } => {
            let mut body = Map::new();
            put(&mut body, "subject", subject);
            let path = ["tenants", &tenant, "clients", &client, "tokens", "revoke"];
            let answer = admin.post(&path, Value::Object(body)).await?;
            out.show(&answer, |v| format!("revoked {} tokens\n", cell(&v["revoked"])));
        }
        TokenAction::Get { id } => out.show(&admin.get(&["tokens", &id]).await?, show_one),
        TokenAction::Update {
            id,
            scopes,
            expires_at,
            properties,
        } => {
            let mut body = Map::new();
            put(&mut body, "scopes", scopes);
            match expires_at {
                Some(Expiry::At(t)) => put(&mut body, "expires_at", Some(t)),
                Some(Expiry::Never) => put(&mut body, "expires_at", Some(Value::Null)),
                None => {}
            }
            put(&mut body, "properties", properties);
            out.show(&admin.patch(&["tokens", &id], Value::Object(body)).await?, show_one);
        }
        TokenAction::Delete { id } => {
            admin.delete(&["tokens", &id]).await?;
            out.done(&format!("revoked token {id}"));
        }
        TokenAction::Lookup { token } => {
            let body = json!({ "token": token.expose() });
            out.show(&admin.post(&["tokens", "lookup"], body).await?, show_one);
        }
    }
    Ok(())
}
