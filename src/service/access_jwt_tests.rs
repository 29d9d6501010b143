//! Unit tests of `access_jwt`: recognising, sealing only under `reuse`, re-signing, keeping keys.

use super::*;
use crate::model::TokenSettings;
use crate::service::grants::testing::*;
use crate::service::grants::TokenRequest;

fn jwt_settings() -> TokenSettings {
    TokenSettings {
        access_token_format: Some(AccessTokenFormat::Jwt),
        ..TokenSettings::default()
    }
}

#[tokio::test]
async fn a_jwt_is_recognised_by_its_signature_and_an_opaque_token_by_its_mac() {
    let f = fixture().await;
    let jwt = f.client("jwt", &["client_credentials"], jwt_settings()).await;
    let opaque = f
        .client("plain", &["client_credentials"], TokenSettings::default())
        .await;
    let cc = || TokenRequest::ClientCredentials { scope: None };
    let token = f.service.token(jwt, cc()).await.unwrap().access_token;
    let (kind, id) = f.service.recognise(&token).expect("our JWT");
    assert_eq!(kind, TokenKind::Access);
    let record = f.service.store.get_token(&id).await.unwrap().unwrap();
    assert!(record.is_jwt() && record.audience().is_empty());
    let kid = f.service.signing.current().entries()[0].key.kid().to_owned();
    let (header, _) = token.split_once('.').unwrap();
    assert_eq!(header, f.service.signing.current().entries()[0].key.header_b64());
    let extra = record.extra.as_deref().unwrap();
    assert_eq!(extra.kid.as_deref(), Some(kid.as_str()), "the record names its key");
    assert!(extra.jwt.is_none(), "not sealed: no policy hands it out again");

    let reuse = TokenSettings {
        token_policy: Some(crate::model::TokenPolicy::Reuse),
        ..jwt_settings()
    };
    let reuse = f.client("jwt-reuse", &["client_credentials"], reuse).await;
    let kept = f.service.token(reuse, cc()).await.unwrap().access_token;
    let (_, kept_id) = f.service.recognise(&kept).unwrap();
    let kept_record = f.service.store.get_token(&kept_id).await.unwrap().unwrap();
    assert!(
        kept_record.extra.as_deref().unwrap().jwt.is_some(),
        "sealed under reuse"
    );
    assert_eq!(
        f.service.access_value(&kept_record).await.unwrap(),
        kept,
        "the sealed JWT opens to itself"
    );
    let resigned = f.service.access_value(&record).await.unwrap();
    assert_ne!(resigned, token, "not sealed: signed again (ES256 differs)");
    assert_eq!(f.service.recognise(&resigned), Some((TokenKind::Access, id)));

    let plain = f.service.token(opaque, cc()).await.unwrap().access_token;
    let (_, id) = f.service.recognise(&plain).expect("our opaque token");
    let record = f.service.store.get_token(&id).await.unwrap().unwrap();
    assert!(
        record.extra.is_none(),
        "an opaque token for no audience carries nothing more"
    );

    let mut foreign = TokenRecord::clone(&record);
    let sealed = crate::token::Keyring::random().seal(&id, &token);
    foreign.extra = Some(Arc::new(AccessExtra {
        kid: Some(kid.as_str().into()),
        jwt: Some(sealed),
        ..AccessExtra::default()
    }));
    let again = f.service.access_value(&foreign).await.unwrap();
    assert_ne!(again, token, "signed again: ES256 differs");
    assert_eq!(
        f.service.recognise(&again),
        Some((TokenKind::Access, id)),
        "for the same record"
    );

    let (head, _) = token.rsplit_once('.').unwrap();
    assert_eq!(f.service.recognise(&format!("{head}.AAAA")), None, "bad signature");
    assert_eq!(f.service.recognise(&plain.replace("tsa_", "tsr_")), None);
}

#[tokio::test]
async fn a_jwts_exp_and_iat_are_its_records() {
    let f = fixture().await;
    let settings = TokenSettings {
        access_token_ttl: Some(crate::model::Lifetime::of_seconds(60)),
        ..jwt_settings()
    };
    let jwt = f.client("jwt", &["client_credentials"], settings).await;
    let answer = f
        .service
        .token(jwt, TokenRequest::ClientCredentials { scope: None })
        .await
        .unwrap();
    let (_, claims) = f.service.signing.current().verify(&answer.access_token).unwrap();
    assert_eq!((claims.exp, claims.iat), (Some(NOW as u64 + 60), NOW as u64));
}

#[tokio::test]
async fn moving_a_jwts_expiry_keeps_the_key_its_record_names() {
    use crate::clock::ManualClock;
    use crate::store::embedded::EmbeddedStore;
    use crate::store::KeepUntil;
    use crate::token::Keyring;
    let store: Arc<dyn crate::store::Store> = Arc::new(EmbeddedStore::in_memory());
    let clock = Arc::new(ManualClock::new(NOW));
    let service = Service::new(store.clone(), clock, Arc::new(Keyring::random()), "http://t.test");
    service.load_signing_keys().await.unwrap();
    let old = service.signing_keys().current().entries()[0].key.kid().to_owned();
    let new = service.rotate_signing_key(None).await.unwrap().kid;
    let kept = |kid: String| {
        let store = store.clone();
        async move {
            let keys = store.signing_keys().await.unwrap();
            keys.into_iter().find(|k| k.kid == kid).unwrap().keep_until
        }
    };

    let profile = Arc::new(crate::model::TokenProfile {
        tenant: "t".into(),
        client_id: "c".into(),
        subject: None,
        scopes: Arc::new([]),
        authorities: Arc::new([]),
    });
    let id = crate::model::TokenId::generate();
    let mut record = TokenRecord::new(id, TokenKind::Access, profile, NOW, Some(NOW + 60), id);
    record.extra = Some(Arc::new(AccessExtra {
        kid: Some(old.as_str().into()),
        ..AccessExtra::default()
    }));
    service.keep_key_for(&record, Some(NOW + 5_000)).await.unwrap();
    assert!(matches!(kept(old.clone()).await, KeepUntil::Until(t) if t >= NOW + 5_000));
    assert_eq!(
        kept(new.clone()).await,
        KeepUntil::Nothing,
        "only the key the record names"
    );

    // A record naming no key (an opaque token) keeps none.
    record.extra = None;
    service.keep_key_for(&record, None).await.unwrap();
    assert!(matches!(kept(old).await, KeepUntil::Until(_)));
    assert_eq!(kept(new).await, KeepUntil::Nothing);
}

#[tokio::test]
async fn an_eddsa_jwt_signed_again_is_the_same_string_and_by_the_key_the_record_names() {
    use crate::token::jwt::{KeyEntry, KeySet, SigningAlg, SigningKey};
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let ed = || SigningKey::from_pkcs8("ed-first", SigningAlg::EdDsa, pkcs8.as_ref()).unwrap();
    let f = fixture().await;
    let f_replace = |s: KeySet| f.service.signing_keys().replace(s);
    f_replace(KeySet::new(vec![KeyEntry {
        key: ed(),
        sign_from: 0,
    }]));
    let reuse = TokenSettings {
        token_policy: Some(crate::model::TokenPolicy::Reuse),
        ..jwt_settings()
    };
    let jwt = f.client("jwt", &["client_credentials"], reuse).await;
    let cc = || TokenRequest::ClientCredentials { scope: None };
    let token = f.service.token(jwt, cc()).await.unwrap().access_token;
    let (_, id) = f.service.recognise(&token).unwrap();
    let record = f.service.store.get_token(&id).await.unwrap().unwrap();
    assert!(
        record.extra.as_deref().unwrap().jwt.is_none(),
        "EdDSA: not sealed, even under reuse"
    );
    let reused = f.service.token(credentials("jwt"), cc()).await.unwrap().access_token;
    assert_eq!(reused, token, "reuse: the identical string");
    assert_eq!(
        f.service.access_value(&record).await.unwrap(),
        token,
        "claims from the record (iat its issuance), deterministic signature"
    );

    // A newer key signs from now on; the key the record names still signs it again.
    let newer = || SigningKey::generate(SigningAlg::EdDsa).unwrap();
    f_replace(KeySet::new(vec![
        KeyEntry {
            key: ed(),
            sign_from: -10,
        },
        KeyEntry {
            key: newer(),
            sign_from: 0,
        },
    ]));
    assert_eq!(f.service.access_value(&record).await.unwrap(), token);

    // Its key no longer in the set (only by hand: it is kept while the token lives).
    f_replace(KeySet::new(vec![KeyEntry {
        key: newer(),
        sign_from: 0,
    }]));
    assert!(matches!(
        f.service.access_value(&record).await,
        Err(OAuthError::ServerError)
    ));
}
