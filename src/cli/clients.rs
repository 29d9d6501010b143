//! `tessera client …`: the clients of a tenant; create and `secret` show the client secret once.

use super::client::Admin;
use super::settings::{put, SettingsArgs};
use super::table::{cell, key_values, Table};
use super::{CliResult, Out};
use clap::{Args, Subcommand};
use serde_json::{Map, Value};

#[derive(Subcommand, Debug)]
pub enum ClientAction {
    /// List the clients of a tenant.
    List {
        /// The tenant id.
        tenant: String,
    },
    /// Show one client.
    Get {
        /// The tenant id.
        tenant: String,
        /// The client id.
        client: String,
    },
    /// Create a client; its secret is printed once.
    Create {
        /// The tenant id.
        tenant: String,
        /// The client id (default: generated).
        #[arg(long)]
        client_id: Option<String>,
        /// Display name (default: the client id).
        #[arg(long)]
        name: Option<String>,
        /// An allowed grant type; repeat for more (default: client_credentials).
        #[arg(long = "grant-type", value_name = "GRANT")]
        grant_types: Vec<String>,
        /// An allowed scope; repeat for more.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// A redirect URI (authorization-code flow); repeat for more.
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        /// A web origin (scheme://host[:port]) that may call the token endpoints from a browser,
        /// besides the redirect URIs' origins; repeat for more.
        #[arg(long = "allowed-origin", value_name = "ORIGIN")]
        allowed_origins: Vec<String>,
        /// An authority carried by its client_credentials tokens (e.g. ROLE_BILLING); repeat for more.
        #[arg(long = "authority", value_name = "AUTHORITY")]
        authorities: Vec<String>,
        /// A public client: no secret (authorization code with PKCE).
        #[arg(long)]
        public: bool,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Change a client; a list option replaces the whole list (give it with no value to empty it).
    Update {
        /// The tenant id.
        tenant: String,
        /// The client id.
        client: String,
        #[command(flatten)]
        change: ClientChange,
    },
    /// Delete a client; its tokens are revoked with it.
    Delete {
        /// The tenant id.
        tenant: String,
        /// The client id.
        client: String,
        /// Do not ask for confirmation (required when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Generate a new secret (printed once); the old one stops working.
    Secret {
        /// The tenant id.
        tenant: String,
        /// The client id.
        client: String,
    },
}

#[derive(Args, Debug)]
pub struct ClientChange {
    #[arg(long)]
    name: Option<String>,
    /// The allowed grant types (repeat for more).
    #[arg(long = "grant-type", value_name = "GRANT", num_args = 0..=1)]
    grant_types: Option<Vec<String>>,
    /// The allowed scopes (repeat for more; `--scope` alone empties the list).
    #[arg(long = "scope", value_name = "SCOPE", num_args = 0..=1)]
    scopes: Option<Vec<String>>,
    /// The redirect URIs (repeat for more; `--redirect-uri` alone empties the list).
    #[arg(long = "redirect-uri", value_name = "URI", num_args = 0..=1)]
    redirect_uris: Option<Vec<String>>,
    /// The allowed browser origins (repeat for more; `--allowed-origin` alone empties the list).
    #[arg(long = "allowed-origin", value_name = "ORIGIN", num_args = 0..=1)]
    allowed_origins: Option<Vec<String>>,
    /// The authorities (repeat for more; `--authority` alone empties the list).
    #[arg(long = "authority", value_name = "AUTHORITY", num_args = 0..=1)]
    authorities: Option<Vec<String>>,
    #[command(flatten)]
    settings: SettingsArgs,
}

const FIELDS: &[&str] = &[
    "client_id",
    "tenant",
    "name",
    "public",
    "grant_types",
    "scopes",
    "redirect_uris",
    "allowed_origins",
    "authorities",
    "token_policy",
    "max_active_tokens",
    "access_token_ttl",
    "user_access_token_ttl",
    "refresh_token_ttl",
    "code_ttl",
    "refresh_token_grace",
    "access_token_format",
    "audience",
];

/// Key/value lines, with the secret (when the answer has one) set apart at the end.
fn show_one(v: &Value) -> String {
    let mut shown = v.clone();
    let secret = shown
        .as_object_mut()
        .and_then(|m| m.remove("client_secret"))
        .and_then(|s| s.as_str().map(str::to_string));
    let mut text = key_values(&shown, FIELDS, &[]);
    if let Some(secret) = secret {
        text.push_str(&format!(
            "\nclient_secret: {secret}\n\nStore this secret now: it is shown only this once.\n"
        ));
    }
    text
}

fn show_list(v: &Value) -> String {
    let mut table = Table::new(&["CLIENT_ID", "NAME", "GRANTS", "SCOPES", "PUBLIC"]);
    for c in v.as_array().into_iter().flatten() {
        table.push(vec![
            cell(&c["client_id"]),
            cell(&c["name"]),
            cell(&c["grant_types"]),
            cell(&c["scopes"]),
            cell(&c["public"]),
        ]);
    }
    table.render()
}

/// Non-empty lists only: on creation an absent list takes the server's default.
fn put_list(body: &mut Map<String, Value>, key: &str, list: Vec<String>) {
    if !list.is_empty() {
        put(body, key, Some(list));
    }
}

pub async fn run(admin: &Admin, out: &Out, action: ClientAction) -> CliResult {
    match action {
        ClientAction::List { tenant } => out.show(&admin.get(&["tenants", &tenant, "clients"]).await?, show_list),
        ClientAction::Get { tenant, client } => {
            out.show(&admin.get(&["tenants", &tenant, "clients", &client]).await?, show_one)
        }
        ClientAction::Create {
            tenant,
            client_id,
            name,
            grant_types,
            scopes,
            redirect_uris,
            allowed_origins,
            authorities,
            public,
            settings,
        } => {
            let mut body = Map::new();
            put(&mut body, "client_id", client_id);
            put(&mut body, "name", name);
            put_list(&mut body, "grant_types", grant_types);
            put_list(&mut body, "scopes", scopes);
            put_list(&mut body, "redirect_uris", redirect_uris);
            put_list(&mut body, "allowed_origins", allowed_origins);
            put_list(&mut body, "authorities", authorities);
            if public {
                body.insert("public".into(), Value::Bool(true));
            }
            settings.write(&mut body, "max_active_tokens");
            let answer = admin
                .post(&["tenants", &tenant, "clients"], Value::Object(body))
                .await?;
            out.show(&answer, show_one);
        }
        ClientAction::Update { tenant, client, change } => {
            let mut body = Map::new();
            put(&mut body, "name", change.name);
            put(&mut body, "grant_types", change.grant_types);
            put(&mut body, "scopes", change.scopes);
            put(&mut body, "redirect_uris", change.redirect_uris);
            put(&mut body, "allowed_origins", change.allowed_origins);
            put(&mut body, "authorities", change.authorities);
            change.settings.write(&mut body, "max_active_tokens");
            let answer = admin
                .patch(&["tenants", &tenant, "clients", &client], Value::Object(body))
                .await?;
            out.show(&answer, show_one);
        }
        ClientAction::Delete { tenant, client, .. } => {
            admin.delete(&["tenants", &tenant, "clients", &client]).await?;
            out.done(&format!("deleted client {client} of tenant {tenant}"));
        }
        ClientAction::Secret { tenant, client } => {
            let path = ["tenants", &tenant, "clients", &client, "secret"];
            let answer = admin.json(reqwest::Method::POST, &path, None).await?;
            out.show(&answer, show_one);
        }
    }
    Ok(())
}
