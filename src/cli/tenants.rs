//! `tessera tenant …`: create, list, show, change and delete tenants.

use super::client::Admin;
use super::settings::{put, SettingsArgs};
use super::table::{cell, key_values, Table};
use super::{CliResult, Out};
use clap::Subcommand;
use serde_json::{Map, Value};

#[derive(Subcommand, Debug)]
pub enum TenantAction {
    /// List the tenants.
    List,
    /// Show one tenant.
    Get {
        /// The tenant id.
        id: String,
    },
    /// Create a tenant.
    Create {
        /// The tenant id: a slug (lowercase letters, digits, `-`).
        id: String,
        /// Display name (default: the id).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Change a tenant's name or settings; options not given stay as they are.
    Update {
        /// The tenant id.
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Delete a tenant with its clients, users and tokens.
    Delete {
        /// The tenant id.
        id: String,
        /// Do not ask for confirmation (required when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
    },
}

const FIELDS: &[&str] = &[
    "id",
    "name",
    "token_policy",
    "max_active_tokens_per_client",
    "access_token_ttl",
    "user_access_token_ttl",
    "refresh_token_ttl",
    "code_ttl",
    "refresh_token_grace",
    "access_token_format",
    "audience",
];

fn show_one(v: &Value) -> String {
    key_values(v, FIELDS, &[])
}

fn show_list(v: &Value) -> String {
    let mut table = Table::new(&["ID", "NAME", "POLICY", "LIMIT"]);
    for t in v.as_array().into_iter().flatten() {
        table.push(vec![
            cell(&t["id"]),
            cell(&t["name"]),
            cell(&t["token_policy"]),
            cell(&t["max_active_tokens_per_client"]),
        ]);
    }
    table.render()
}

fn body(name: Option<String>, settings: &SettingsArgs) -> Map<String, Value> {
    let mut body = Map::new();
    put(&mut body, "name", name);
    settings.write(&mut body, "max_active_tokens_per_client");
    body
}

pub async fn run(admin: &Admin, out: &Out, action: TenantAction) -> CliResult {
    match action {
        TenantAction::List => out.show(&admin.get(&["tenants"]).await?, show_list),
        TenantAction::Get { id } => out.show(&admin.get(&["tenants", &id]).await?, show_one),
        TenantAction::Create { id, name, settings } => {
            let mut body = body(name, &settings);
            body.insert("id".into(), Value::String(id));
            out.show(&admin.post(&["tenants"], Value::Object(body)).await?, show_one);
        }
        TenantAction::Update { id, name, settings } => {
            let body = body(name, &settings);
            out.show(&admin.patch(&["tenants", &id], Value::Object(body)).await?, show_one);
        }
        TenantAction::Delete { id, .. } => {
            admin.delete(&["tenants", &id]).await?;
            out.done(&format!("deleted tenant {id}"));
        }
    }
    Ok(())
}
