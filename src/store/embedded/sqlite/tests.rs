//! The journal on its own: group commit, one process per file, schema versions, failed commits.

use super::*;
use crate::model::{Tenant, TokenSettings};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_share_commits_and_all_reach_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("group.db");
    let (journal, _) = Journal::open(&path, true).unwrap();
    let journal = Arc::new(journal);
    let writes: Vec<_> = (0..256)
        .map(|i| {
            let tenant = Tenant {
                id: crate::model::TenantId::parse(format!("t{i}")).unwrap(),
                name: "n".into(),
                settings: TokenSettings::default(),
            };
            journal.submit(vec![Change::PutTenant(tenant)])
        })
        .collect();
    for write in writes {
        write.await.unwrap();
    }
    assert!(journal.commits() < 256, "{} commits for 256 writes", journal.commits());
    drop(journal);
    let (_, state) = Journal::open(&path, true).unwrap();
    assert_eq!(state.read().tenants().len(), 256);
}

#[test]
fn a_second_process_on_the_same_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.db");
    let (_first, _) = Journal::open(&path, true).unwrap();
    // A second connection in this process meets the lock another process would.
    let second = Journal::open(&path, true);
    match second {
        Err(StoreError::Unavailable(why)) => {
            assert!(
                why.contains("in use by another process") && why.contains("one.db"),
                "{why}"
            )
        }
        other => panic!("opened twice: {:?}", other.map(|_| ())),
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    assert!(matches!(Journal::open(&path, true), Err(StoreError::Corrupt(_))));
}

#[tokio::test]
async fn the_files_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("modes.db");
    let (journal, _) = Journal::open(&path, true).unwrap();
    journal.submit(Vec::new()).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|f| f.unwrap()).collect();
    assert!(
        files.iter().any(|f| f.file_name() == "modes.db-wal"),
        "the WAL is checked too"
    );
    for file in files {
        let mode = file.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{:?} holds password hashes", file.file_name());
    }
}

/// A file from before the refresh grace (schema 4): a used token reads as used when issued.
#[test]
fn an_older_file_gets_first_use_times() {
    use crate::model::TokenId;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("older.db");
    let conn = Connection::open(&path).unwrap();
    for (i, step) in MIGRATIONS[..4].iter().enumerate() {
        conn.execute_batch(step).unwrap();
        conn.pragma_update(None, "user_version", (i + 1) as i64).unwrap();
    }
    let used = TokenId::generate();
    conn.execute(
        "INSERT INTO tokens (id, kind, tenant, client_id, subject, scopes, authorities, issued_at, expires_at, \
         state, properties, grant_id) VALUES (?1, 'refresh', 't', 'c', NULL, '[]', '[]', 100, NULL, 'used', NULL, ?1)",
        [&used.0[..]],
    )
    .unwrap();
    drop(conn);
    let (_journal, state) = Journal::open(&path, true).unwrap();
    assert_eq!(state.read().token(&used).unwrap().used_at(), Some(100));
}
