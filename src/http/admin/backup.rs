//! `GET /admin/backup`: the store's snapshot, streamed from a file the server made for it.

use super::{no_store, Caller, Res, Svc};
use crate::service::admin::AdminError;
use axum::body::{Body, Bytes};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::IntoResponse;
use tokio::io::AsyncReadExt;

const CHUNK: usize = 64 * 1024;

#[utoipa::path(get, path = "/backup", tag = "backup",
    description = "A consistent snapshot of a SQLite store, one SQLite file, taken while the server keeps \
        serving: reads go on, writes wait until the copy is made. Server admins only (`ROLE_ADMIN` of tenant \
        `system`). A PostgreSQL or MySQL store answers 400 naming the database's own tool (pg_dump, \
        mysqldump); a memory store has nothing to back up.",
    responses(
        (status = 200, description = "The snapshot: a SQLite database file",
            content_type = "application/vnd.sqlite3", body = Vec<u8>),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
    ))]
pub async fn backup(axum::extract::State(s): Svc, Caller(who): Caller) -> Res {
    let snapshot = s.backup(&who).await?;
    let file = tokio::fs::File::open(snapshot.path()).await.map_err(|e| {
        tracing::error!(error = %e, path = %snapshot.path().display(), "cannot open the backup just made");
        AdminError::Internal
    })?;
    // The open file reads on after its name is gone: nothing is left behind, whatever the client does.
    drop(snapshot);
    let chunks = futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut chunk = vec![0u8; CHUNK];
        match file.read(&mut chunk).await {
            Ok(0) => None,
            Ok(n) => {
                chunk.truncate(n);
                Some((Ok(Bytes::from(chunk)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/vnd.sqlite3"));
    headers.insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"tessera-backup.db\""),
    );
    // Hashes of secrets and every token record: no cache keeps it.
    Ok(no_store(response))
}
