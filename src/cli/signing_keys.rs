//! `tessera key rotate-signing` and `tessera key signing-keys`: the running server's JWT signing
//! keys through its admin API (server admins only).

use super::client::Admin;
use super::table::{cell, key_values, time, Table};
use super::{exit_code, CliResult, Connection, Failure, Out};
use crate::token::jwt::SigningAlg;
use serde_json::{json, Value};
use std::process::ExitCode;

#[derive(Debug)]
pub enum SigningKeyAction {
    /// A new key, of `alg` or the server's `jwt_signing_alg`.
    Rotate {
        alg: Option<String>,
    },
    List,
}

const FIELDS: &[&str] = &[
    "kid",
    "alg",
    "created_at",
    "sign_from",
    "keep_until",
    "kept_forever",
    "signing",
];

fn show_one(v: &Value) -> String {
    key_values(v, FIELDS, &["created_at", "sign_from", "keep_until"])
}

fn show_list(v: &Value) -> String {
    let mut table = Table::new(&["KID", "ALG", "CREATED", "SIGNS FROM", "KEPT UNTIL", "SIGNING"]);
    for k in v.as_array().into_iter().flatten() {
        let kept = match (&k["keep_until"], k["kept_forever"].as_bool()) {
            (_, Some(true)) => "forever".to_string(),
            (Value::Null, _) => "-".to_string(),
            (t, _) => time(t),
        };
        table.push(vec![
            cell(&k["kid"]),
            cell(&k["alg"]),
            time(&k["created_at"]),
            time(&k["sign_from"]),
            kept,
            cell(&k["signing"]),
        ]);
    }
    table.render()
}

/// Runs one signing-key command against the server `conn` names.
pub fn run(conn: Connection, action: SigningKeyAction) -> ExitCode {
    exit_code(async move {
        // Checked before the first request, like every admin command's input.
        if let SigningKeyAction::Rotate { alg: Some(alg) } = &action {
            if SigningAlg::parse(alg).is_none() {
                return Err(Failure::usage(format!(
                    "--alg {alg:?} is not one of ES256, EdDSA, RS256 (case as written)"
                )));
            }
        }
        let admin = Admin::connect(&conn).await?;
        let out = Out::new(conn.json);
        let outcome = call(&admin, &out, action).await;
        out.finish(outcome)
    })
}

async fn call(admin: &Admin, out: &Out, action: SigningKeyAction) -> CliResult {
    match action {
        SigningKeyAction::List => out.show(&admin.get(&["keys", "signing"]).await?, show_list),
        SigningKeyAction::Rotate { alg } => {
            let body = match alg {
                Some(alg) => json!({ "alg": alg }),
                None => json!({}),
            };
            out.show(&admin.post(&["keys", "signing"], body).await?, show_one);
        }
    }
    Ok(())
}
