//! `tessera backup FILE`: the server's snapshot, written owner-only and atomically.

use super::client::Admin;
use super::{CliResult, Failure, Out};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// How every SQLite database file begins: anything else is not a snapshot.
const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";

pub async fn run(admin: &Admin, out: &Out, file: &Path) -> CliResult {
    let partial = Partial::create(file)?;
    let mut response = admin.download(&["backup"]).await?;
    let mut written = 0u64;
    let mut handle = &partial.file;
    while let Some(chunk) = response.chunk().await.map_err(|e| admin.interrupted(&e))? {
        handle.write_all(&chunk).map_err(|e| partial.failed(&e))?;
        written += chunk.len() as u64;
    }
    let mut head = [0u8; SQLITE_HEADER.len()];
    let read = std::fs::File::open(&partial.path).and_then(|f| std::io::Read::read_exact(&mut &f, &mut head));
    if read.is_err() || head != SQLITE_HEADER {
        return Err(Failure::failed(format!(
            "the server's answer ({written} bytes) is not a SQLite file; {} was left as it was",
            file.display()
        )));
    }
    partial.keep(file)?;
    out.done(&format!("backup written to {} ({written} bytes)", file.display()));
    Ok(())
}

/// The file being written beside its final name; removed unless it is kept.
struct Partial {
    path: PathBuf,
    file: std::fs::File,
    kept: bool,
}

impl Partial {
    fn create(target: &Path) -> CliResult<Self> {
        let name = target
            .file_name()
            .ok_or_else(|| Failure::usage(format!("{} names no file", target.display())))?;
        let path = target.with_file_name(format!(".{}.partial-{}", name.to_string_lossy(), std::process::id()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Failure::failed(format!("cannot create {}: {e}", path.display())))?;
        Ok(Partial {
            path,
            file,
            kept: false,
        })
    }

    fn failed(&self, e: &std::io::Error) -> Failure {
        Failure::failed(format!("cannot write {}: {e}", self.path.display()))
    }

    /// Flushed to disk, then renamed over `target` and the directory flushed: a crash leaves the
    /// old file or the whole new one.
    fn keep(mut self, target: &Path) -> CliResult {
        self.file.sync_all().map_err(|e| self.failed(&e))?;
        std::fs::rename(&self.path, target)
            .map_err(|e| Failure::failed(format!("cannot move the backup to {}: {e}", target.display())))?;
        self.kept = true;
        let dir = target
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Failure::failed(format!("cannot flush {}: {e}", dir.display())))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
