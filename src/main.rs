//! The `tessera` command: `tessera serve` runs the server; `tessera tenant|client|user|token …` administer one.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tessera::config::{Config, LogFormat, Overrides};

// glibc's malloc spent an eighth of the server's CPU under load (token records are allocated on
// the connection threads and live in the shared state; its arenas consolidate and search bins);
// mimalloc's per-thread free lists do not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "An OAuth 2.0 authorization server for the whole life of a token"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// TOML config file (default: ./tessera.toml if present).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
        /// Store URL: sqlite://PATH, memory://, postgres://… or mysql://….
        #[arg(long)]
        store: Option<String>,
    },
    /// Delete tokens and codes that expired more than `purge_grace` seconds ago, once.
    Purge {
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        store: Option<String>,
    },
    /// Apply the store's schema migrations and exit (the server also does this at start).
    Migrate {
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        store: Option<String>,
    },
    /// Token keys: generate one for TESSERA_TOKEN_KEY, or rotate the key file of a SQLite store.
    #[command(name = "key", subcommand)]
    Key(KeyCommand),
    #[command(flatten)]
    Admin(Box<tessera::cli::AdminCommand>),
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Print a new random 256-bit key, base64url.
    Generate,
    /// With the server stopped: write a new key into the key file beside the SQLite store and keep
    /// the old one as a previous key, so tokens issued before stay active.
    Rotate {
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        store: Option<String>,
        /// Instead of rotating, drop the previous keys (once the longest token lifetime has passed
        /// since the last rotation): tokens issued under them turn inactive.
        #[arg(long)]
        forget_previous: bool,
    },
    /// Add a JWT signing key to the running server (admin API): published in its JWK Set at once,
    /// signing after `jwt_key_publish_delay`; the keys before it stay until their tokens expire.
    RotateSigning {
        /// ES256, EdDSA or RS256 (default: the server's jwt_signing_alg).
        #[arg(long)]
        alg: Option<String>,
        #[command(flatten)]
        conn: tessera::cli::Connection,
    },
    /// List the running server's JWT signing keys (admin API); never private material.
    SigningKeys {
        #[command(flatten)]
        conn: tessera::cli::Connection,
    },
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log).unwrap_or_else(|_| "info".into());
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

fn main() -> ExitCode {
    let command = Cli::command().mut_subcommand("serve", |serve| serve.after_help(tessera::config::settings_help()));
    let cli = Cli::from_arg_matches(&command.get_matches()).unwrap_or_else(|e| e.exit());
    let result = match cli.command {
        Command::Admin(command) => return tessera::cli::run(*command),
        Command::Key(KeyCommand::RotateSigning { conn, alg }) => {
            return tessera::cli::signing_keys::run(conn, tessera::cli::signing_keys::SigningKeyAction::Rotate { alg })
        }
        Command::Key(KeyCommand::SigningKeys { conn }) => {
            return tessera::cli::signing_keys::run(conn, tessera::cli::signing_keys::SigningKeyAction::List)
        }
        Command::Key(KeyCommand::Generate) => {
            println!("{}", tessera::token::generate_key_text());
            Ok(())
        }
        Command::Key(KeyCommand::Rotate {
            config,
            store,
            forget_previous,
        }) => Config::load(config.as_deref(), Overrides { listen: None, store })
            .map_err(anyhow::Error::from)
            .and_then(|config| tessera::keys::rotate(&config, forget_previous))
            .map(|done| println!("{done}")),
        Command::Purge { config, store } => Config::load(config.as_deref(), Overrides { listen: None, store })
            .map_err(anyhow::Error::from)
            .and_then(|config| {
                if tessera::store::expires_by_ttl(&config.store) {
                    println!(
                        "nothing to purge: the cassandra store drops expired tokens and codes by TTL \
                         ({} s after their expiry, purge_grace)",
                        config.purge_grace
                    );
                    return Ok(());
                }
                let report = runtime()?.block_on(tessera::server::purge_once(config))?;
                if report.skipped {
                    println!("purge skipped: another node holds the purge lease");
                } else {
                    println!("purged {} expired tokens and codes", report.deleted);
                }
                Ok(())
            }),
        Command::Migrate { config, store } => Config::load(config.as_deref(), Overrides { listen: None, store })
            .map_err(anyhow::Error::from)
            .and_then(|config| runtime()?.block_on(tessera::server::open_store(&config)).map(|_| ()))
            .map(|()| println!("migrations applied")),
        Command::Serve { config, listen, store } => Config::load(config.as_deref(), Overrides { listen, store })
            .map_err(anyhow::Error::from)
            .and_then(|config| {
                init_logging(&config);
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()?
                    .block_on(tessera::server::serve(config))
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tessera: {e:#}");
            ExitCode::FAILURE
        }
    }
}
