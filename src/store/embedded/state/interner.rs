//! Shared copies of the profiles tokens repeat (tenant, client, subject, scopes, authorities),
//! so that a million tokens of one client point at one profile instead of carrying a copy each.
//! Entries are never dropped: they number the distinct (client, subject, scope set) values, not
//! tokens.

use super::HashSet;
use crate::model::{TokenProfile, TokenRecord};
use std::sync::Arc;

#[derive(Default)]
pub struct Interner {
    profiles: HashSet<Arc<TokenProfile>>,
    strs: HashSet<Arc<str>>,
    sets: HashSet<Arc<[String]>>,
}

fn share<T: ?Sized + Eq + std::hash::Hash>(pool: &mut HashSet<Arc<T>>, value: &mut Arc<T>) {
    match pool.get(&**value) {
        Some(shared) => *value = shared.clone(),
        None => {
            pool.insert(value.clone());
        }
    }
}

impl Interner {
    /// Points the token at the shared copy of its profile. A profile seen for the first time has
    /// its strings and scope sets shared too, so profiles that differ in one field (two users
    /// of one client) still share the rest.
    pub fn intern_record(&mut self, token: &mut TokenRecord) {
        if let Some(shared) = self.profiles.get(&**token.profile()) {
            if !Arc::ptr_eq(shared, token.profile()) {
                token.set_profile(shared.clone());
            }
            return;
        }
        let mut profile = token.profile().clone();
        let parts = Arc::make_mut(&mut profile);
        share(&mut self.strs, &mut parts.tenant);
        share(&mut self.strs, &mut parts.client_id);
        if let Some(subject) = &mut parts.subject {
            share(&mut self.strs, subject);
        }
        share(&mut self.sets, &mut parts.scopes);
        share(&mut self.sets, &mut parts.authorities);
        self.profiles.insert(profile.clone());
        token.set_profile(profile);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::contract::{access_token, fixtures, with_scopes};

    #[test]
    fn equal_values_end_up_sharing_one_allocation() {
        let (_, client) = fixtures("intern");
        let mut interner = Interner::default();
        let mut a = access_token(&client, Some("alice"), 0, None);
        let mut b = access_token(&client, Some("alice"), 0, None);
        assert!(!Arc::ptr_eq(a.profile(), b.profile()));
        interner.intern_record(&mut a);
        interner.intern_record(&mut b);
        assert!(Arc::ptr_eq(a.profile(), b.profile()));
        assert_eq!(a.client_id(), b.client_id());
    }

    #[test]
    fn profiles_that_differ_share_their_common_parts() {
        let (_, client) = fixtures("intern");
        let mut interner = Interner::default();
        let mut a = access_token(&client, Some("alice"), 0, None);
        let mut b = with_scopes(access_token(&client, Some("alice"), 0, None), &["write"]);
        let mut c = access_token(&client, Some("bob"), 0, None);
        for t in [&mut a, &mut b, &mut c] {
            interner.intern_record(t);
        }
        assert!(!Arc::ptr_eq(a.profile(), b.profile()));
        assert!(Arc::ptr_eq(&a.profile().client_id, &b.profile().client_id));
        assert!(Arc::ptr_eq(&a.profile().tenant, &c.profile().tenant));
        assert!(Arc::ptr_eq(a.scopes(), c.scopes()));
        assert!(Arc::ptr_eq(a.authorities(), b.authorities()));
    }
}
