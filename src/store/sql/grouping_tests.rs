//! Grouped statements against the real databases: concurrent plain issuance shares inserts,
//! concurrent lookups share selects and each gets its own answer, and a writer or reader whose
//! held connection the database dropped carries on without failing its callers.

use super::dialect::Dialect;
use super::SqlStore;
use crate::model::{TokenKind, TokenPolicy};
use crate::store::contract::{access_token, fixtures, refresh_for, request, test_database, TestDatabase};
use crate::store::{ClientStore, IssueOutcome, TenantStore, TokenStore};
use sqlx::{Connection, Row};
use std::sync::Arc;

const NOW: i64 = 1_700_000_000;

async fn open(kind: &str) -> Option<(Arc<SqlStore>, String, TestDatabase)> {
    let (url, db) = test_database(kind).await?;
    let dialect = Dialect::from_scheme(kind).unwrap();
    let store = SqlStore::open(&url, dialect, 4).await.unwrap();
    let (tenant, client) = fixtures("gc");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client).await.unwrap();
    Some((Arc::new(store), url, db))
}

async fn issue_plain(store: &SqlStore) -> crate::model::TokenId {
    let (_, client) = fixtures("gc");
    let token = access_token(&client, None, NOW, Some(NOW + 600));
    let id = token.id;
    let outcome = store
        .issue(request(token, TokenPolicy::Multi, None, NOW))
        .await
        .unwrap();
    assert!(matches!(outcome, IssueOutcome::Issued));
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_plain_issuance_shares_few_statements_on_postgres() {
    let Some((store, url, _db)) = open("postgres").await else {
        return;
    };
    let tasks: Vec<_> = (0..256)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { issue_plain(&store).await })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    for id in &ids {
        assert!(
            store.get_token(id).await.unwrap().is_some(),
            "every answered token is stored"
        );
    }
    // Each row's xmin is the transaction that inserted it: one per statement.
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let row = sqlx::query("SELECT COUNT(*), COUNT(DISTINCT xmin::text) FROM tokens")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let (rows, statements): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!(rows, 256);
    assert!(statements <= 64, "256 concurrent tokens took {statements} statements");
}

/// Closes every connection the store holds, as a database restart would, and waits until they
/// are gone.
async fn drop_store_connections(kind: &str, url: &str) {
    let others = if kind == "postgres" {
        "SELECT CAST(pid AS BIGINT) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    } else {
        "SELECT CAST(id AS SIGNED) FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()"
    };
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    for _ in 0..100 {
        let ids: Vec<i64> = sqlx::query_scalar(others).fetch_all(&mut conn).await.unwrap();
        if ids.is_empty() {
            return;
        }
        for id in ids {
            let kill = match kind {
                "postgres" => format!("SELECT pg_terminate_backend({id})"),
                _ => format!("KILL {id}"),
            };
            let _ = sqlx::query(&kill).execute(&mut conn).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the store's connections outlived being killed");
}

async fn held_connections_are_replaced_when_the_database_drops_them(kind: &str) {
    let Some((store, url, _db)) = open(kind).await else {
        return;
    };
    sqlx::any::install_default_drivers();
    // One after another, so that each writer and each reader in turn takes one and holds its
    // connection.
    let mut ids = Vec::new();
    for _ in 0..super::batch::MAX_IN_FLIGHT {
        ids.push(issue_plain(&store).await);
    }
    for id in ids.iter().cycle().take(super::lookups::READERS) {
        assert!(store.get_token(id).await.unwrap().is_some());
    }
    drop_store_connections(kind, &url).await;
    // At once, before an idle ping would notice: each statement finds out for itself.
    for _ in 0..super::batch::MAX_IN_FLIGHT {
        ids.push(issue_plain(&store).await);
    }
    for id in ids.iter().cycle().take(2 * super::lookups::READERS) {
        let token = store.get_token(id).await.unwrap().expect("stored");
        assert_eq!(token.kind, TokenKind::Access);
    }
    for id in &ids {
        assert!(store.get_token(id).await.unwrap().is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_lookups_each_get_their_own_token() {
    for kind in ["postgres", "mysql"] {
        let Some((store, _url, _db)) = open(kind).await else {
            continue;
        };
        let mut known = Vec::new();
        for _ in 0..40 {
            known.push(issue_plain(&store).await);
        }
        let unknown: Vec<_> = (0..40).map(|_| crate::model::TokenId::generate()).collect();
        // Known ids asked several times over, unknown ones between them, all at once.
        let asks: Vec<(crate::model::TokenId, bool)> = (0..600)
            .map(|i| match i % 3 {
                2 => (unknown[i % unknown.len()], false),
                _ => (known[(i * 7) % known.len()], true),
            })
            .collect();
        let tasks: Vec<_> = asks
            .iter()
            .map(|&(id, _)| {
                let store = store.clone();
                tokio::spawn(async move { store.get_token(&id).await.unwrap() })
            })
            .collect();
        for ((id, stored), task) in asks.into_iter().zip(tasks) {
            match task.await.unwrap() {
                Some(token) => assert!(stored && token.id == id, "{kind}: asked {id:?}, got {:?}", token.id),
                None => assert!(!stored, "{kind}: {id:?} is stored"),
            }
        }
    }
}

#[tokio::test]
async fn held_connections_are_replaced_when_postgres_drops_them() {
    held_connections_are_replaced_when_the_database_drops_them("postgres").await;
}

#[tokio::test]
async fn held_connections_are_replaced_when_mysql_drops_them() {
    held_connections_are_replaced_when_the_database_drops_them("mysql").await;
}

#[tokio::test]
async fn a_batch_keeps_refresh_tokens_null_expiry_and_properties() {
    for kind in ["postgres", "mysql"] {
        let Some((store, _url, _db)) = open(kind).await else {
            continue;
        };
        let (_, client) = fixtures("gc");
        let mut access = access_token(&client, None, NOW, None);
        let mut props = serde_json::Map::new();
        props.insert("device".into(), serde_json::json!({"id": "d-1", "n": [1, 2]}));
        access.properties = Some(Arc::new(props));
        let refresh = refresh_for(&access, Some(NOW + 3600));
        let mut req = request(access.clone(), TokenPolicy::Multi, None, NOW);
        req.refresh = Some(refresh.clone());
        assert!(matches!(store.issue(req).await.unwrap(), IssueOutcome::Issued));
        assert_eq!(*store.get_token(&access.id).await.unwrap().unwrap(), access, "{kind}");
        assert_eq!(*store.get_token(&refresh.id).await.unwrap().unwrap(), refresh, "{kind}");
    }
}

#[tokio::test]
async fn postgres_readers_plan_each_lookup_for_its_ids() {
    let Some((url, _db)) = test_database("postgres").await else {
        return;
    };
    sqlx::any::install_default_drivers();
    let pool = super::readers_pool(&url, Dialect::Postgres).await.unwrap();
    for _ in 0..super::lookups::READERS + 1 {
        let mode: String = sqlx::query_scalar("SHOW plan_cache_mode")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(mode, "force_custom_plan");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_that_does_not_decode_fails_only_its_own_lookups() {
    for kind in ["postgres", "mysql"] {
        let Some((store, url, _db)) = open(kind).await else {
            continue;
        };
        let mut good = Vec::new();
        for _ in 0..50 {
            good.push(issue_plain(&store).await);
        }
        let bad = issue_plain(&store).await;
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        let sql = Dialect::from_scheme(kind)
            .unwrap()
            .sql("UPDATE tokens SET properties = '{not json' WHERE id = ?");
        sqlx::query(&sql).bind(bad.to_text()).execute(&mut conn).await.unwrap();
        let asks: Vec<_> = good.iter().copied().chain([bad]).chain(good.iter().copied()).collect();
        let tasks: Vec<_> = asks
            .iter()
            .map(|&id| {
                let store = store.clone();
                tokio::spawn(async move { store.get_token(&id).await })
            })
            .collect();
        for (id, task) in asks.into_iter().zip(tasks) {
            let answer = task.await.unwrap();
            if id == bad {
                assert!(matches!(answer, Err(crate::store::StoreError::Corrupt(_))), "{kind}");
            } else {
                assert_eq!(answer.unwrap().unwrap().id, id, "{kind}: a good token beside a bad one");
            }
        }
    }
}
