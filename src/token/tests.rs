//! Unit tests of token values, key rings, key files, cursors and client secrets.

use super::*;

#[test]
fn minted_tokens_verify_and_carry_kind_and_id() {
    let ring = Keyring::random();
    let id = TokenId::generate();
    for kind in [TokenKind::Access, TokenKind::Refresh, TokenKind::Code] {
        let value = ring.mint(kind, &id);
        assert_eq!(value.expose().len(), TOKEN_LEN);
        assert!(value.expose().starts_with(prefix(kind)));
        assert_eq!(ring.verify(value.expose()), Some((kind, id)));
    }
}

#[test]
fn forged_and_malformed_tokens_are_rejected() {
    let ring = Keyring::random();
    let other = Keyring::random();
    let id = TokenId::generate();
    let good = ring.mint(TokenKind::Access, &id).into_string();
    assert_eq!(other.verify(&good), None, "token under another key");
    let mut flipped = good.clone().into_bytes();
    flipped[20] = if flipped[20] == b'A' { b'B' } else { b'A' };
    assert_eq!(ring.verify(std::str::from_utf8(&flipped).unwrap()), None);
    let relabelled = good.replacen("tsa_", "tsr_", 1);
    assert_eq!(ring.verify(&relabelled), None, "kind is under the MAC");
    for bad in [
        "",
        "tsa_",
        "garbage",
        &good[..good.len() - 1],
        "tsa_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
    ] {
        assert_eq!(ring.verify(bad), None, "{bad}");
    }
}

#[test]
fn previous_keys_still_verify_after_rotation() {
    let old = generate_key_text();
    let new = generate_key_text();
    let id = TokenId::generate();
    let before = Keyring::from_texts(&old, &[]).unwrap().mint(TokenKind::Access, &id);
    let rotated = Keyring::from_texts(&new, &[&old]).unwrap();
    assert_eq!(rotated.verify(before.expose()), Some((TokenKind::Access, id)));
    let after = rotated.mint(TokenKind::Access, &id);
    assert_ne!(after.expose(), before.expose());
}

#[test]
fn key_file_is_created_owner_only_and_reloaded() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tessera.key");
    let first = Keyring::load_or_create(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let id = TokenId::generate();
    let token = first.mint(TokenKind::Access, &id);
    let second = Keyring::load_or_create(&path).unwrap();
    assert_eq!(second.verify(token.expose()), Some((TokenKind::Access, id)));
}

#[test]
fn cursors_round_trip_and_detect_tampering() {
    let ring = Keyring::random();
    let id = TokenId::generate();
    let cursor = ring.seal_cursor(&id);
    assert_eq!(ring.open_cursor(&cursor), Some(id));
    let mut bytes = cursor.into_bytes();
    bytes[10] = if bytes[10] == b'A' { b'B' } else { b'A' };
    assert_eq!(ring.open_cursor(std::str::from_utf8(&bytes).unwrap()), None);
    assert_eq!(ring.open_cursor("garbage"), None);
    assert_eq!(Keyring::random().open_cursor(&ring.seal_cursor(&id)), None);
}

#[test]
fn bad_keys_are_named() {
    assert!(matches!(Keyring::from_texts("abc", &[]), Err(KeyError::WrongLength(_))));
    assert!(matches!(Keyring::from_texts("@@@", &[]), Err(KeyError::NotBase64)));
}

#[test]
fn client_secret_hash_matches_only_itself() {
    let secret = generate_client_secret();
    let stored = hash_client_secret(secret.expose());
    assert!(client_secret_matches(secret.expose(), &stored));
    assert!(!client_secret_matches("wrong", &stored));
}

#[test]
fn token_value_debug_is_redacted() {
    let v = Keyring::random().mint(TokenKind::Access, &TokenId::generate());
    assert!(!format!("{v:?}").contains("tsa_"));
}
