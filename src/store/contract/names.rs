//! The store contract: ids and names compare exactly, byte for byte, on every backend
//! (MariaDB's PAD SPACE collations once took `billing ` for `billing`).

use super::prelude::*;

pub async fn ids_and_names_compare_exactly(store: Shared) {
    // Ids outside their grammar (`pad `, `billing\t`) cannot even be asked for (`model::names`);
    // within it, ids that differ only in case are different ids, and token subjects, plain text,
    // compare byte for byte.
    let (tenant, client) = fixtures("pad");
    store.create_tenant(tenant).await.unwrap();
    let billing = Client {
        client_id: cid("billing").to_owned(),
        ..client
    };
    store.create_client(billing.clone()).await.unwrap();
    assert_eq!(store.get_client(cid("Billing")).await.unwrap(), None);
    let upper = Client {
        client_id: cid("Billing").to_owned(),
        name: "Upper".into(),
        ..billing.clone()
    };
    store.create_client(upper.clone()).await.unwrap();
    assert_eq!(
        store.get_client(cid("billing")).await.unwrap().as_deref(),
        Some(&billing)
    );
    assert_eq!(store.get_client(cid("Billing")).await.unwrap().as_deref(), Some(&upper));

    store.create_user(user("pad", "alice")).await.unwrap();
    assert_eq!(store.get_user(tid("pad"), uid("Alice")).await.unwrap(), None);
    store.create_user(user("pad", "Alice")).await.unwrap();
    assert_eq!(store.list_users(tid("pad")).await.unwrap().len(), 2);
    assert_eq!(
        store
            .get_user(tid("pad"), uid("Alice"))
            .await
            .unwrap()
            .unwrap()
            .username,
        "Alice"
    );

    let alices = access_token(&billing, Some("alice"), NOW, Some(NOW + 600));
    let upper_alices = access_token(&billing, Some("Alice"), NOW, Some(NOW + 600));
    for token in [alices.clone(), upper_alices.clone()] {
        let outcome = store
            .issue(request(token, TokenPolicy::Multi, None, NOW))
            .await
            .unwrap();
        assert!(matches!(outcome, IssueOutcome::Issued), "{outcome:?}");
    }
    let consent = super::consent("pad", "billing", "alice", &["read"], NOW);
    store.grant_consent(consent).await.unwrap();
    assert_eq!(store.get_consent(cid("billing"), "alice ").await.unwrap(), None);
    assert_eq!(store.get_consent(cid("billing"), "Alice").await.unwrap(), None);
    assert_eq!(store.get_consent(cid("Billing"), "alice").await.unwrap(), None);
    assert_eq!(store.count_active_access(cid("Billing"), NOW).await.unwrap(), 0);
    assert_eq!(store.count_active_access(cid("billing"), NOW).await.unwrap(), 2);
    assert_eq!(store.authorizations(tid("pad"), "Alice", NOW).await.unwrap().len(), 1);
    assert_eq!(store.authorizations(tid("pad"), "alice ", NOW).await.unwrap().len(), 0);

    let revoke = |subject| store.revoke_client_tokens(cid("billing"), Some(subject), NOW);
    assert_eq!(revoke("alice ").await.unwrap(), 0);
    assert_eq!(revoke("Alice").await.unwrap(), 1);
    let active = |id| {
        let store = store.clone();
        async move { store.get_token(&id).await.unwrap().unwrap().is_active(NOW) }
    };
    assert!(active(alices.id).await, "alice's token is not Alice's");
    assert!(!active(upper_alices.id).await);
    assert!(store.delete_user(tid("pad"), uid("Alice"), NOW).await.unwrap());
    assert!(store.get_user(tid("pad"), uid("alice")).await.unwrap().is_some());
    assert!(store.delete_client(cid("Billing"), NOW).await.unwrap());
    assert!(store.get_client(cid("billing")).await.unwrap().is_some());
    assert!(active(alices.id).await, "billing's token is not Billing's");
    assert!(store.get_consent(cid("billing"), "alice").await.unwrap().is_some());
}
