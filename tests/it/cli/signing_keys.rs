//! `tessera key rotate-signing` and `tessera key signing-keys` against a running server.

use super::{row, tessera, value_of};
use crate::helpers::{spawn, START};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signing_key_is_rotated_and_listed_from_the_command_line() {
    let s = spawn().await;
    let first = s.service.signing_keys().current().entries()[0].key.kid().to_string();

    let added = tessera(&s, &["key", "rotate-signing", "--alg", "RS256", "--json"])
        .await
        .json();
    assert_eq!(
        (added["alg"].as_str(), added["sign_from"].as_i64()),
        (Some("RS256"), Some(START + 600))
    );
    let kid = added["kid"].as_str().unwrap().to_string();

    let text = tessera(&s, &["key", "rotate-signing"]).await.ok().stdout;
    assert_eq!(value_of(&text, "alg"), "ES256", "{text}");

    let listed = tessera(&s, &["key", "signing-keys"]).await.ok().stdout;
    assert_eq!(
        row(&listed, &first)[1..],
        ["ES256", "2027-01-15T08:00:00Z", "2027-01-15T08:00:00Z", "-", "true"]
    );
    assert_eq!(
        row(&listed, &kid)[1..],
        ["RS256", "2027-01-15T08:00:00Z", "2027-01-15T08:10:00Z", "-", "false"]
    );

    let bad = tessera(&s, &["key", "rotate-signing", "--alg", "none"]).await;
    assert_eq!(bad.code, 2, "a usage error, before any request: {bad:?}");
    assert!(bad.stderr.contains("--alg \"none\""), "{bad:?}");
    assert_eq!(s.service.signing_keys().current().entries().len(), 3);
}
