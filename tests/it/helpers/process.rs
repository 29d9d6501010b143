//! The real `tessera` binary as a child process: started on port 0, read until it listens, killed on drop.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use super::Api;

/// The real `tessera` binary, started on port 0 in `dir`; killed on drop.
pub struct Process {
    pub child: Child,
    pub base: String,
    /// Everything it printed to stdout before it was listening.
    pub banner: Vec<String>,
    /// The management listener's base URL, unless it is off.
    pub management: Option<String>,
    /// Everything it has logged to stderr so far.
    pub stderr: Arc<std::sync::Mutex<String>>,
}

impl Process {
    /// Its endpoints, signed in as the bootstrap admin (started with `ADMIN_ID` and `ADMIN_SECRET`).
    pub async fn api(&self) -> Api {
        self.anonymous_api().signed_in().await
    }

    /// Its endpoints, without the admin's token.
    pub fn anonymous_api(&self) -> Api {
        Api::new(&self.base, self.management.as_deref().unwrap_or_default())
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for a `tessera serve` that must stop at start-up (killed after 20 s if it does not:
/// one that wrongly starts would run forever); its standard error, which must be piped.
#[track_caller]
pub fn failed_start(mut child: Child, what: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("{what} did not stop start-up");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(!status.success(), "{what} must stop start-up");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    stderr
}

pub fn start_binary(dir: &Path, envs: &[(&str, &str)]) -> Process {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    start_process(cmd, dir, envs)
}

/// The real binary, `serve` with these arguments (`--listen` among them), in `dir`.
pub fn start_binary_args(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Process {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.arg("serve").args(args);
    start_process(cmd, dir, envs)
}

/// The real binary started by `sh` with these soft and hard descriptor limits (`ulimit -n`).
pub fn start_binary_with_descriptors(dir: &Path, soft: u32, hard: u32, envs: &[(&str, &str)]) -> Process {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "ulimit -Sn {soft} && ulimit -Hn {hard} && exec \"$0\" serve --listen 127.0.0.1:0"
        ))
        .arg(env!("CARGO_BIN_EXE_tessera"));
    start_process(cmd, dir, envs)
}

/// Starts `cmd` in `dir` with only `envs` of the `TESSERA_*` settings, and waits until it listens.
fn start_process(mut cmd: Command, dir: &Path, envs: &[(&str, &str)]) -> Process {
    cmd.current_dir(dir)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("TESSERA_") {
            cmd.env_remove(k);
        }
    }
    // Not the fixed default port: tests run servers side by side.
    cmd.env("TESSERA_MANAGEMENT_LISTEN", "127.0.0.1:0");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start tessera");
    let stderr = Arc::new(std::sync::Mutex::new(String::new()));
    let sink = stderr.clone();
    let err_pipe = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err_pipe).lines().map_while(Result::ok) {
            let mut all = sink.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut banner = Vec::new();
    let base = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("tessera exited before listening: {banner:?} {}", stderr.lock().unwrap()))
            .unwrap();
        if let Some(rest) = line.strip_prefix("tessera listening on ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
        banner.push(line);
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let management = banner.iter().find_map(|l| {
        let rest = l.strip_prefix("tessera management on ")?;
        Some(rest.split_whitespace().next()?.to_string())
    });
    Process {
        child,
        base,
        banner,
        management,
        stderr,
    }
}
