//! Group commit against the real databases: concurrent plain issuance shares statements, and a
//! writer whose held connection the database dropped carries on without failing its callers.

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

async fn a_writer_replaces_a_connection_the_database_dropped(kind: &str) {
    let Some((store, url, _db)) = open(kind).await else {
        return;
    };
    sqlx::any::install_default_drivers();
    // One after another, so that each writer in turn takes one and holds its connection.
    let mut ids = Vec::new();
    for _ in 0..super::batch::MAX_IN_FLIGHT {
        ids.push(issue_plain(&store).await);
    }
    drop_store_connections(kind, &url).await;
    // At once, before a writer's idle ping would notice: each statement finds out for itself.
    for _ in 0..super::batch::MAX_IN_FLIGHT {
        ids.push(issue_plain(&store).await);
    }
    // The read pool pings connections that sat idle; give it the chance.
    tokio::time::sleep(super::PING_IDLE_AFTER + std::time::Duration::from_millis(100)).await;
    for id in ids {
        let token = store.get_token(&id).await.unwrap().expect("stored");
        assert_eq!(token.kind, TokenKind::Access);
    }
}

#[tokio::test]
async fn a_writer_replaces_a_connection_postgres_dropped() {
    a_writer_replaces_a_connection_the_database_dropped("postgres").await;
}

#[tokio::test]
async fn a_writer_replaces_a_connection_mysql_dropped() {
    a_writer_replaces_a_connection_the_database_dropped("mysql").await;
}

#[tokio::test]
async fn a_batch_keeps_refresh_tokens_null_expiry_and_properties() {
    for kind in ["postgres", "mysql"] {
        let Some((store, _url, _db)) = open(kind).await else {
            return;
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
