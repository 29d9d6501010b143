//! `tessera authorization …` (alias `consent`): the clients a user has authorized, rescoping a
//! (client, user) pair's tokens, and withdrawing an authorization.

use super::client::Admin;
use super::table::{cell, time, Table};
use super::{CliResult, Out};
use clap::Subcommand;
use serde_json::{json, Value};

#[derive(Subcommand, Debug)]
pub enum AuthorizationAction {
    /// List the clients a user has authorized: scopes, active tokens and remembered consent.
    List {
        /// The tenant id.
        tenant: String,
        /// The username.
        user: String,
    },
    /// Set the scopes of every active token a client holds for a user.
    SetScopes {
        /// The tenant id.
        tenant: String,
        /// The client id.
        client: String,
        /// The username.
        user: String,
        /// A scope the tokens keep (among the client's scopes); repeat for more.
        #[arg(long = "scope", value_name = "SCOPE", required = true)]
        scopes: Vec<String>,
    },
    /// Withdraw a user's authorization of a client: revoke its tokens and forget the consent.
    Delete {
        /// The tenant id.
        tenant: String,
        /// The username.
        user: String,
        /// The client id.
        client: String,
        /// Do not ask for confirmation (required when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
    },
}

fn show_list(v: &Value) -> String {
    let mut table = Table::new(&["CLIENT", "SCOPES", "TOKENS", "CONSENT", "CONSENTED_AT"]);
    for a in v.as_array().into_iter().flatten() {
        table.push(vec![
            cell(&a["client_id"]),
            cell(&a["scopes"]),
            cell(&a["token_count"]),
            cell(&a["consent"]["scopes"]),
            time(&a["consent"]["granted_at"]),
        ]);
    }
    table.render()
}

pub async fn run(admin: &Admin, out: &Out, action: AuthorizationAction) -> CliResult {
    match action {
        AuthorizationAction::List { tenant, user } => out.show(
            &admin
                .get(&["tenants", &tenant, "users", &user, "authorizations"])
                .await?,
            show_list,
        ),
        AuthorizationAction::SetScopes {
            tenant,
            client,
            user,
            scopes,
        } => {
            let path = ["tenants", &tenant, "clients", &client, "authorizations", &user];
            let answer = admin
                .json(reqwest::Method::PUT, &path, Some(json!({ "scopes": scopes })))
                .await?;
            out.show(&answer, |v| format!("changed {} tokens\n", cell(&v["updated"])));
        }
        AuthorizationAction::Delete {
            tenant, user, client, ..
        } => {
            let path = ["tenants", &tenant, "users", &user, "authorizations", &client];
            let answer = admin.json(reqwest::Method::DELETE, &path, None).await?;
            out.show(&answer, |v| {
                format!("withdrew the authorization; revoked {} tokens\n", cell(&v["revoked"]))
            });
        }
    }
    Ok(())
}
