//! The real binary on SQLite: answered tokens survive SIGKILL, nothing usable rests on disk,
//! first-start bootstrap and start-up errors.

use crate::helpers::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::json;
use std::path::Path;
use std::process::Command;

const ENV: [(&str, &str); 2] = [
    ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
    ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
];

fn files_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("tessera.db"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Each stored signing key, wrapped and opened (its PKCS#8 document) with the key file's token
/// key, decrypted here as the README describes the format rather than by the server's code.
fn signing_keys_opened(dir: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
    use aws_lc_rs::hkdf::{Salt, HKDF_SHA256};
    let file = tessera::token::KeyFile::read(&dir.join("tessera.key"))
        .unwrap()
        .unwrap();
    let token_key = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        file.current.expose().trim(),
    )
    .unwrap();
    let prk = Salt::new(HKDF_SHA256, &[]).extract(&token_key);
    let info: &[&[u8]] = &[b"tessera jwt signing key wrap"];
    let okm = prk.expand(info, &AES_256_GCM).unwrap();
    let aead = LessSafeKey::new(UnboundKey::from(okm));
    // Read-only, after the files were read: nothing this does can change what they held.
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let db = rusqlite::Connection::open_with_flags(dir.join("tessera.db"), flags).unwrap();
    let mut stmt = db.prepare("SELECT kid, alg, wrapped FROM signing_keys").unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?))
        })
        .unwrap();
    rows.map(|row| {
        let (kid, alg, stored) = row.unwrap();
        // One wrap (`u16 length ‖ wrap`): the first start's, under the one token key.
        let len = u16::from_be_bytes([stored[0], stored[1]]) as usize;
        assert_eq!(stored.len(), 2 + len);
        let wrapped = stored[2..].to_vec();
        let (nonce, sealed) = wrapped.split_at(12);
        let mut buf = sealed.to_vec();
        let aad = [kid.as_bytes(), b"\0", alg.as_bytes()].concat();
        let nonce = Nonce::try_assume_unique_for_key(nonce).unwrap();
        let pkcs8 = aead.open_in_place(nonce, Aad::from(aad), &mut buf).unwrap().to_vec();
        assert_eq!(pkcs8[0], 0x30, "a DER SEQUENCE");
        (wrapped, pkcs8)
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn answered_tokens_survive_sigkill_and_the_files_hold_no_usable_secret() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_binary(dir.path(), &ENV);
    let api = server.api().await;
    api.create_tenant(json!({"id": "acme"})).await;
    let secret = api
        .create_client(
            "acme",
            json!({"client_id": "durable-app", "grant_types": ["client_credentials", "password", "refresh_token"], "scopes": ["read"]}),
        )
        .await;
    let password = "correct-horse-battery-staple";
    api.create_user("acme", "alice", password, &[]).await;
    // JWT access tokens are stored as opaque ones are (by id), plus the JWT sealed.
    let jwt_body = json!({"client_id": "durable-jwt", "scopes": ["read"], "access_token_format": "jwt"});
    let jwt_secret = api.create_client("acme", jwt_body).await;

    // Many concurrent requests, so commits are grouped; kill the moment the last answer arrives.
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let (api, secret, jwt_secret) = (api.clone(), secret.clone(), jwt_secret.clone());
            tokio::spawn(async move {
                if i % 3 == 1 {
                    return api
                        .token(("durable-jwt", &jwt_secret), &[("grant_type", "client_credentials")])
                        .await;
                }
                let form: &[(&str, &str)] = if i % 10 == 0 {
                    &[
                        ("grant_type", "password"),
                        ("username", "alice"),
                        ("password", "correct-horse-battery-staple"),
                    ]
                } else {
                    &[("grant_type", "client_credentials")]
                };
                api.token(("durable-app", &secret), form).await
            })
        })
        .collect();
    let (mut answered, mut jwts) = (Vec::new(), Vec::new());
    for task in tasks {
        let Response { status, json: body, .. } = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
        let access = body["access_token"].as_str().unwrap().to_string();
        if access.split('.').count() == 3 {
            jwts.push(access);
            continue;
        }
        answered.push(access);
        if let Some(refresh) = body["refresh_token"].as_str() {
            answered.push(refresh.to_string());
        }
    }
    let mut server = server;
    server.child.kill().unwrap(); // SIGKILL: no shutdown hook runs
    server.child.wait().unwrap();

    // Nothing in the database files lets anyone call an API.
    let files = files_bytes(dir.path());
    assert!(
        files.iter().any(|(_, bytes)| contains(bytes, "durable-app")),
        "sanity: the files were read"
    );
    for (name, bytes) in &files {
        for token in &answered {
            assert!(!contains(bytes, token), "{name} holds an issued token");
            assert!(!contains(bytes, &token[4..]), "{name} holds a token body");
        }
        for jwt in &jwts {
            let signature = jwt.rsplit('.').next().unwrap();
            assert!(!contains(bytes, jwt), "{name} holds an issued JWT");
            assert!(!contains(bytes, signature), "{name} holds a JWT signature");
            let raw = B64.decode(signature).unwrap();
            assert!(
                !bytes.windows(raw.len()).any(|w| w == raw),
                "{name} holds a raw signature"
            );
        }
        for secret in [secret.as_str(), ADMIN_SECRET, api.admin_token.as_str(), password] {
            assert!(!contains(bytes, secret), "{name} holds a secret");
        }
    }
    // Nor the private JWT signing key: only its wrapped form, which needs the token key.
    let keys = signing_keys_opened(dir.path());
    assert_eq!(keys.len(), 1, "the first start's key");
    for (wrapped, pkcs8) in &keys {
        assert!(
            files.iter().any(|(_, b)| contains_bytes(b, wrapped)),
            "sanity: the wrapped key is stored"
        );
        for (name, bytes) in &files {
            assert!(
                !contains_bytes(bytes, pkcs8),
                "{name} holds a private signing key (PKCS#8 DER)"
            );
            for engine in [
                &base64::engine::general_purpose::STANDARD,
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ] {
                let text = base64::Engine::encode(engine, pkcs8);
                assert!(
                    !contains(bytes, &text[..text.len() - 4]),
                    "{name} holds a private signing key (base64)"
                );
            }
        }
    }

    let restarted = start_binary(dir.path(), &ENV);
    for token in &answered {
        let Response { status, json: info, .. } = restarted
            .anonymous_api()
            .introspect(("durable-app", &secret), token)
            .await;
        assert_eq!(status, 200);
        assert_eq!(info["active"], true, "token lost after SIGKILL");
    }
    // Every answered JWT still verifies (its signing key was kept in the store) and its record is
    // there, active, under its jti.
    assert_eq!(jwts.len(), 67, "sanity: a third of the requests");
    let admin = restarted.api().await;
    for jwt in &jwts {
        let claims: serde_json::Value =
            serde_json::from_slice(&B64.decode(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap();
        let id = claims["jti"].as_str().unwrap();
        let view = admin
            .admin(reqwest::Method::GET, &format!("/admin/tokens/{id}"), None)
            .await;
        assert_eq!(
            (view.status, &view.json["active"]),
            (200, &json!(true)),
            "JWT lost after SIGKILL"
        );
        assert_eq!(view.json["format"], "jwt");
        let info = restarted
            .anonymous_api()
            .introspect(("durable-app", &secret), jwt)
            .await;
        assert_eq!(
            (info.status, &info.json["active"]),
            (200, &json!(true)),
            "JWT inactive after SIGKILL"
        );
    }
}

#[tokio::test]
async fn first_start_prints_a_generated_admin_secret_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = start_binary(dir.path(), &[]);
    let banner = first.banner.join("\n");
    let id = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("client_id:"))
        .expect(&banner)
        .trim()
        .to_string();
    let secret = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("client_secret:"))
        .unwrap()
        .trim()
        .to_string();
    let cc = [("grant_type", "client_credentials")];
    assert_eq!(first.anonymous_api().token((&id, &secret), &cc).await.status, 200);
    assert!(
        !first.stderr.lock().unwrap().contains(&secret),
        "the secret is printed, never logged"
    );
    drop(first);

    let second = start_binary(dir.path(), &[]);
    assert!(!second.banner.join("\n").contains("client_secret"), "shown only once");
    let status = second.anonymous_api().token((&id, &secret), &cc).await.status;
    assert_eq!(status, 200, "the generated admin survives restarts");
    assert!(dir.path().join("tessera.key").exists());
}

#[test]
fn a_bad_setting_stops_start_up_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &[&str], &str); 4] = [
        // A database that does not exist: the missing key is named before the store is opened,
        // so nothing is created or migrated anywhere.
        (
            "TESSERA_STORE",
            "postgres://postgres@127.0.0.1:5432/tessera_never_created",
            &["--listen", "127.0.0.1:0"],
            "token_key",
        ),
        ("TESSERA_LISTEN", "nowhere", &[], "listen"),
        (
            "TESSERA_STORE",
            "redis://localhost",
            &["--listen", "127.0.0.1:0"],
            "redis://localhost",
        ),
        ("TESSERA_TOKEN_KEY", "short", &["--listen", "127.0.0.1:0"], "token_key"),
    ];
    for (key, value, flags, named) in cases {
        let child = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .arg("serve")
            .args(flags)
            .current_dir(dir.path())
            .env(key, value)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = failed_start(child, &format!("{key}={value}"));
        assert!(stderr.to_lowercase().contains(named), "{key}: {stderr}");
    }
}
