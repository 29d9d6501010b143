//! The admin CLI: `tessera tenant|client|user|token …` call the admin API of a running server.

mod authorizations;
mod backup;
mod cache;
mod client;
mod clients;
mod settings;
pub mod signing_keys;
mod table;
mod tenants;
mod tokens;
mod users;

use crate::secret::Secret;
use clap::{Args, Subcommand};
use client::Admin;
use serde_json::Value;
use std::io::{Read, Write};
use std::process::ExitCode;

/// Where the server is and who we are; accepted before or after the action.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Global options")]
pub struct Connection {
    /// Base URL of the Tessera server.
    #[arg(long, env = "TESSERA_URL", default_value = "http://127.0.0.1:8080", global = true)]
    pub url: String,
    /// Admin client id (a client with an admin role and the client_credentials grant).
    #[arg(long, env = "TESSERA_ADMIN_CLIENT_ID", global = true)]
    pub admin_client_id: Option<String>,
    /// Admin client secret (prefer the environment variable: flags show up in `ps`).
    #[arg(
        long,
        env = "TESSERA_ADMIN_CLIENT_SECRET",
        hide_env_values = true,
        value_parser = secret,
        global = true
    )]
    pub admin_client_secret: Option<Secret<String>>,
    /// Print the server's JSON answer instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

fn secret(s: &str) -> Result<Secret<String>, String> {
    Ok(Secret::new(s.to_string()))
}

/// The admin subcommands, flattened into the binary's own command list.
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Manage tenants: isolated sets of clients, users and tokens.
    Tenant {
        #[command(flatten)]
        conn: Connection,
        #[command(subcommand)]
        action: tenants::TenantAction,
    },
    /// Manage the clients (applications) of a tenant.
    Client {
        #[command(flatten)]
        conn: Connection,
        #[command(subcommand)]
        action: clients::ClientAction,
    },
    /// Manage the users of a tenant.
    User {
        #[command(flatten)]
        conn: Connection,
        #[command(subcommand)]
        action: users::UserAction,
    },
    /// List, inspect, change and revoke issued tokens.
    Token {
        #[command(flatten)]
        conn: Connection,
        #[command(subcommand)]
        action: tokens::TokenAction,
    },
    /// Write a consistent snapshot of the running server's SQLite store to FILE (mode 0600),
    /// taken while it keeps serving. PostgreSQL and MySQL stores: use pg_dump / mysqldump.
    Backup {
        #[command(flatten)]
        conn: Connection,
        /// Where to write the snapshot; replaced atomically if it exists.
        file: std::path::PathBuf,
    },
    /// A user's authorizations of clients (tokens and remembered consent): list, rescope, withdraw.
    #[command(visible_alias = "consent")]
    Authorization {
        #[command(flatten)]
        conn: Connection,
        #[command(subcommand)]
        action: authorizations::AuthorizationAction,
    },
}

/// Why a command failed, with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// The command line cannot work as given (exit 2, like a clap usage error).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
    /// The call was made and failed: a server error, an unreachable server (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

pub type CliResult<T = ()> = Result<T, Failure>;

/// How results are printed: the server's JSON, or text for people.
pub struct Out {
    json: bool,
    /// The first failed write; `print!` would panic instead (`tessera … | head -1`).
    error: std::cell::RefCell<Option<std::io::Error>>,
}

impl Out {
    fn new(json: bool) -> Self {
        Out {
            json,
            error: Default::default(),
        }
    }
    /// Prints `value` as JSON, or what `human` makes of it.
    pub fn show(&self, value: &Value, human: impl FnOnce(&Value) -> String) {
        if self.json {
            self.write(&format!(
                "{}\n",
                serde_json::to_string_pretty(value).unwrap_or_default()
            ));
        } else {
            self.write(&human(value));
        }
    }
    /// For answers without a body (204): a confirmation for people, nothing for scripts.
    pub fn done(&self, message: &str) {
        if !self.json {
            self.write(&format!("{message}\n"));
        }
    }
    fn write(&self, text: &str) {
        let mut error = self.error.borrow_mut();
        if error.is_none() {
            let mut stdout = std::io::stdout().lock();
            *error = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).err();
        }
    }
    /// The command's outcome, counting the output: a reader that stopped reading (a closed pipe)
    /// got what it wanted, so that is no failure; any other write error is.
    fn finish(self, outcome: CliResult) -> CliResult {
        outcome?;
        match self.error.into_inner() {
            Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(Failure::failed(format!("cannot write to standard output: {e}")))
            }
            _ => Ok(()),
        }
    }
}

/// Reads a secret from standard input: the first line, without its line ending.
pub fn read_stdin_secret(what: &str) -> CliResult<Secret<String>> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Failure::usage(format!("cannot read the {what} from standard input: {e}")))?;
    let line = text.lines().next().unwrap_or_default().to_string();
    if line.is_empty() {
        return Err(Failure::usage(format!("no {what} on standard input")));
    }
    Ok(Secret::new(line))
}

/// Runs one admin command to completion and maps the outcome to an exit code.
pub fn run(command: AdminCommand) -> ExitCode {
    exit_code(dispatch(command))
}

/// Runs a command's future to completion and maps the outcome to an exit code.
fn exit_code(command: impl std::future::Future<Output = CliResult>) -> ExitCode {
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))
        .and_then(|rt| rt.block_on(command));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("tessera: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

async fn dispatch(command: AdminCommand) -> CliResult {
    let (conn, action) = match command {
        AdminCommand::Tenant { conn, action } => (conn, Action::Tenant(action)),
        AdminCommand::Client { conn, action } => (conn, Action::Client(action)),
        AdminCommand::User { conn, action } => (conn, Action::User(action)),
        AdminCommand::Token { conn, action } => (conn, Action::Token(action)),
        AdminCommand::Backup { conn, file } => (conn, Action::Backup(file)),
        AdminCommand::Authorization { conn, action } => (conn, Action::Authorization(action)),
    };
    // Everything that can be checked locally is checked before the first request.
    let action = action.prepare()?;
    let admin = Admin::connect(&conn).await?;
    let out = Out::new(conn.json);
    let outcome = match action {
        Action::Tenant(a) => tenants::run(&admin, &out, a).await,
        Action::Client(a) => clients::run(&admin, &out, a).await,
        Action::User(a) => users::run(&admin, &out, a).await,
        Action::Token(a) => tokens::run(&admin, &out, a).await,
        Action::Backup(file) => backup::run(&admin, &out, &file).await,
        Action::Authorization(a) => authorizations::run(&admin, &out, a).await,
    };
    out.finish(outcome)
}

enum Action {
    Tenant(tenants::TenantAction),
    Client(clients::ClientAction),
    User(users::UserAction),
    Token(tokens::TokenAction),
    Backup(std::path::PathBuf),
    Authorization(authorizations::AuthorizationAction),
}

/// A delete goes ahead with `--yes`, or when the person at the terminal confirms it; without a
/// terminal to ask on it is refused rather than assumed.
fn confirm(what: &str, yes: bool) -> CliResult {
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !std::io::IsTerminal::is_terminal(&stdin) {
        return Err(Failure::usage(format!(
            "refusing to {what} without --yes (standard input is not a terminal to ask on)"
        )));
    }
    eprint!("{what}? This cannot be undone. Type `yes` to go on: ");
    let mut answer = String::new();
    stdin
        .read_line(&mut answer)
        .map_err(|e| Failure::usage(format!("cannot read the confirmation: {e}")))?;
    match answer.trim() {
        "yes" | "y" => Ok(()),
        _ => Err(Failure::failed("not confirmed; nothing was deleted")),
    }
}

impl Action {
    /// Confirms deletes, and reads what comes from standard input (passwords, tokens), before
    /// anything goes on the wire.
    fn prepare(self) -> CliResult<Self> {
        let delete = match &self {
            Action::Tenant(tenants::TenantAction::Delete { id, yes }) => {
                Some((format!("delete tenant {id} with its clients, users and tokens"), *yes))
            }
            Action::Client(clients::ClientAction::Delete { tenant, client, yes }) => Some((
                format!("delete client {client} of tenant {tenant} and revoke its tokens"),
                *yes,
            )),
            Action::User(users::UserAction::Delete { tenant, user, yes }) => Some((
                format!("delete user {user} of tenant {tenant} and revoke its tokens"),
                *yes,
            )),
            Action::Authorization(authorizations::AuthorizationAction::Delete {
                tenant,
                user,
                client,
                yes,
            }) => Some((
                format!("withdraw {user}'s authorization of client {client} in tenant {tenant}"),
                *yes,
            )),
            _ => None,
        };
        if let Some((what, yes)) = delete {
            confirm(&what, yes)?;
        }
        Ok(match self {
            Action::User(a) => Action::User(a.prepare()?),
            Action::Token(a) => Action::Token(a.prepare()?),
            other => other,
        })
    }
}
