//! `tessera user …`: the users of a tenant; passwords come from a flag or standard input.

use super::client::Admin;
use super::settings::put;
use super::table::{cell, key_values, Table};
use super::{read_stdin_secret, CliResult, Failure, Out};
use crate::secret::Secret;
use clap::{Args, Subcommand};
use serde_json::{Map, Value};

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// List the users of a tenant.
    List {
        /// The tenant id.
        tenant: String,
    },
    /// Show one user.
    Get {
        /// The tenant id.
        tenant: String,
        /// The username.
        user: String,
    },
    /// Create a user.
    Create {
        /// The tenant id.
        tenant: String,
        /// The new user's username.
        username: String,
        #[command(flatten)]
        password: PasswordArgs,
        /// An authority (role or permission, e.g. ROLE_USER); repeat for more.
        #[arg(long = "authority", value_name = "AUTHORITY")]
        authorities: Vec<String>,
        /// Create the user disabled (it cannot log in).
        #[arg(long = "disable", alias = "disabled")]
        disabled: bool,
    },
    /// Change a user's password, authorities or enabled flag; disabling revokes its tokens.
    Update {
        /// The tenant id.
        tenant: String,
        /// The username.
        user: String,
        #[command(flatten)]
        password: PasswordArgs,
        /// The authorities (repeat for more; `--authority` alone empties the list).
        #[arg(long = "authority", value_name = "AUTHORITY", num_args = 0..=1)]
        authorities: Option<Vec<String>>,
        /// Let the user log in again.
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        /// Stop the user from logging in and revoke its tokens.
        #[arg(long)]
        disable: bool,
    },
    /// Delete a user; its tokens are revoked with it.
    Delete {
        /// The tenant id.
        tenant: String,
        /// The username.
        user: String,
        /// Do not ask for confirmation (required when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Args, Debug)]
pub struct PasswordArgs {
    /// The password (visible to other local users in `ps`; prefer --password-stdin).
    #[arg(long, value_parser = password, conflicts_with = "password_stdin")]
    password: Option<Secret<String>>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

fn password(s: &str) -> Result<Secret<String>, String> {
    Ok(Secret::new(s.to_string()))
}

impl PasswordArgs {
    /// Resolves `--password-stdin` into `--password`.
    fn read(self) -> CliResult<Self> {
        if !self.password_stdin {
            return Ok(self);
        }
        Ok(PasswordArgs {
            password: Some(read_stdin_secret("password")?),
            password_stdin: false,
        })
    }
}

impl UserAction {
    /// Reads a password from standard input now, before any request is made.
    pub fn prepare(self) -> CliResult<Self> {
        Ok(match self {
            UserAction::Create {
                tenant,
                username,
                password,
                authorities,
                disabled,
            } => {
                let password = password.read()?;
                if password.password.is_none() {
                    return Err(Failure::usage(
                        "user create needs a password: --password P or --password-stdin",
                    ));
                }
                UserAction::Create {
                    tenant,
                    username,
                    password,
                    authorities,
                    disabled,
                }
            }
            UserAction::Update {
                tenant,
                user,
                password,
                authorities,
                enable,
                disable,
            } => UserAction::Update {
                tenant,
                user,
                password: password.read()?,
                authorities,
                enable,
                disable,
            },
            other => other,
        })
    }
}

const FIELDS: &[&str] = &["username", "tenant", "enabled", "authorities"];

fn show_one(v: &Value) -> String {
    key_values(v, FIELDS, &[])
}

fn show_list(v: &Value) -> String {
    let mut table = Table::new(&["USERNAME", "ENABLED", "AUTHORITIES"]);
    for u in v.as_array().into_iter().flatten() {
        table.push(vec![cell(&u["username"]), cell(&u["enabled"]), cell(&u["authorities"])]);
    }
    table.render()
}

fn put_password(body: &mut Map<String, Value>, password: PasswordArgs) {
    if let Some(p) = password.password {
        body.insert("password".into(), Value::String(p.expose().clone()));
    }
}

pub async fn run(admin: &Admin, out: &Out, action: UserAction) -> CliResult {
    match action {
        UserAction::List { tenant } => out.show(&admin.get(&["tenants", &tenant, "users"]).await?, show_list),
        UserAction::Get { tenant, user } => {
            out.show(&admin.get(&["tenants", &tenant, "users", &user]).await?, show_one)
        }
        UserAction::Create {
            tenant,
            username,
            password,
            authorities,
            disabled,
        } => {
            let mut body = Map::new();
            body.insert("username".into(), Value::String(username));
            put_password(&mut body, password);
            put(&mut body, "authorities", Some(authorities));
            body.insert("enabled".into(), Value::Bool(!disabled));
            let answer = admin.post(&["tenants", &tenant, "users"], Value::Object(body)).await?;
            out.show(&answer, show_one);
        }
        UserAction::Update {
            tenant,
            user,
            password,
            authorities,
            enable,
            disable,
        } => {
            let mut body = Map::new();
            put_password(&mut body, password);
            put(&mut body, "authorities", authorities);
            if enable || disable {
                body.insert("enabled".into(), Value::Bool(enable));
            }
            let answer = admin
                .patch(&["tenants", &tenant, "users", &user], Value::Object(body))
                .await?;
            out.show(&answer, show_one);
        }
        UserAction::Delete { tenant, user, .. } => {
            admin.delete(&["tenants", &tenant, "users", &user]).await?;
            out.done(&format!("deleted user {user} of tenant {tenant}"));
        }
    }
    Ok(())
}
