//! The store contract: ids and names compare exactly, byte for byte, on every backend
//! (MariaDB's PAD SPACE collations once took `billing ` for `billing`).

use super::prelude::*;

pub async fn ids_and_names_compare_exactly(store: Shared) {
    let (tenant, client) = fixtures("pad");
    store.create_tenant(tenant.clone()).await.unwrap();
    for near in ["pad ", "PAD", " pad"] {
        assert_eq!(store.get_tenant(near).await.unwrap(), None, "{near:?}");
    }
    let padded_tenant = Tenant {
        id: "pad ".into(),
        ..tenant
    };
    store.create_tenant(padded_tenant).await.unwrap();

    let billing = Client {
        client_id: "billing".into(),
        ..client
    };
    store.create_client(billing.clone()).await.unwrap();
    for near in ["billing ", "Billing", "billing\t"] {
        assert_eq!(store.get_client(near).await.unwrap(), None, "{near:?}");
    }
    let padded = Client {
        client_id: "billing ".into(),
        name: "Padded".into(),
        ..billing.clone()
    };
    store.create_client(padded.clone()).await.unwrap();
    assert_eq!(store.get_client("billing").await.unwrap().as_deref(), Some(&billing));
    assert_eq!(store.get_client("billing ").await.unwrap().as_deref(), Some(&padded));

    store.create_user(user("pad", "alice")).await.unwrap();
    assert_eq!(store.get_user("pad", "alice ").await.unwrap(), None);
    assert_eq!(store.get_user("pad ", "alice").await.unwrap(), None);
    store.create_user(user("pad", "alice ")).await.unwrap();
    assert_eq!(store.list_users("pad").await.unwrap().len(), 2);
    assert_eq!(
        store.get_user("pad", "alice ").await.unwrap().unwrap().username,
        "alice "
    );

    let alices = access_token(&billing, Some("alice"), NOW, Some(NOW + 600));
    let padded_alices = access_token(&billing, Some("alice "), NOW, Some(NOW + 600));
    for token in [alices.clone(), padded_alices.clone()] {
        let outcome = store
            .issue(request(token, TokenPolicy::Multi, None, NOW))
            .await
            .unwrap();
        assert!(matches!(outcome, IssueOutcome::Issued), "{outcome:?}");
    }
    let consent = super::consent("pad", "billing", "alice", &["read"], NOW);
    store.grant_consent(consent).await.unwrap();
    assert_eq!(store.get_consent("billing", "alice ").await.unwrap(), None);
    assert_eq!(store.get_consent("billing ", "alice").await.unwrap(), None);
    assert_eq!(store.count_active_access("billing ", NOW).await.unwrap(), 0);
    assert_eq!(store.count_active_access("billing", NOW).await.unwrap(), 2);
    assert_eq!(store.authorizations("pad", "alice ", NOW).await.unwrap().len(), 1);

    assert_eq!(
        store
            .revoke_client_tokens("billing", Some("alice "), NOW)
            .await
            .unwrap(),
        1
    );
    let active = |id| {
        let store = store.clone();
        async move { store.get_token(&id).await.unwrap().unwrap().is_active(NOW) }
    };
    assert!(active(alices.id).await, "alice's token is not `alice `'s");
    assert!(!active(padded_alices.id).await);
    assert!(store.delete_user("pad", "alice ", NOW).await.unwrap());
    assert!(store.get_user("pad", "alice").await.unwrap().is_some());
    assert!(store.delete_client("billing ", NOW).await.unwrap());
    assert!(store.get_client("billing").await.unwrap().is_some());
    assert!(active(alices.id).await, "billing's token is not `billing `'s");
    assert!(store.delete_tenant("pad ").await.unwrap());
    assert!(store.get_tenant("pad").await.unwrap().is_some());
    assert!(store.get_consent("billing", "alice").await.unwrap().is_some());
}
