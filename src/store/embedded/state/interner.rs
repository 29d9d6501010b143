//! Shared copies of the profiles tokens repeat (tenant, client, subject, scopes, authorities),
//! so that a million tokens of one client point at one profile instead of carrying a copy each.
//! An entry that nothing but the interner holds any more (its last token purged) is dropped by
//! an incremental sweep: a few entries looked at per new profile and per token removed, so no
//! request and no purge walks the whole table under the write lock.

use crate::model::{TokenProfile, TokenRecord};
use foldhash::fast::RandomState;
use indexmap::IndexSet;
use std::hash::Hash;
use std::sync::Arc;

/// Entries looked at per pool for each new profile: enough to keep up with the garbage that
/// issuing with a changed profile (new scopes) leaves, too few to notice.
const SWEEP_PER_NEW_PROFILE: usize = 2;

/// Shared values, in a set that can also be walked by position (so a sweep can stop anywhere
/// and go on from there next time).
struct Pool<T: ?Sized> {
    entries: IndexSet<Arc<T>, RandomState>,
    /// Where the next sweep starts.
    cursor: usize,
}

impl<T: ?Sized> Default for Pool<T> {
    fn default() -> Self {
        Self {
            entries: IndexSet::default(),
            cursor: 0,
        }
    }
}

impl<T: ?Sized + Eq + Hash> Pool<T> {
    /// Points `value` at the shared copy, which it becomes if there was none.
    fn share(&mut self, value: &mut Arc<T>) {
        match self.entries.get(&**value) {
            Some(shared) => *value = shared.clone(),
            None => {
                self.entries.insert(value.clone());
            }
        }
    }

    /// Looks at up to `budget` entries from where the last sweep stopped, dropping those the pool
    /// alone holds. Twice the pool's size is a whole round.
    fn sweep(&mut self, budget: usize) {
        for _ in 0..budget {
            if self.entries.is_empty() {
                return;
            }
            if self.cursor >= self.entries.len() {
                self.cursor = 0;
            }
            if Arc::strong_count(&self.entries[self.cursor]) == 1 {
                // The last entry moves here and is looked at next.
                self.entries.swap_remove_index(self.cursor);
            } else {
                self.cursor += 1;
            }
        }
    }
}

#[derive(Default)]
pub struct Interner {
    profiles: Pool<TokenProfile>,
    strs: Pool<str>,
    sets: Pool<[String]>,
}

impl Interner {
    /// Points the token at the shared copy of its profile. A profile seen for the first time has
    /// its strings and scope sets shared too, so profiles that differ in one field (two users
    /// of one client) still share the rest.
    pub fn intern_record(&mut self, token: &mut TokenRecord) {
        if let Some(shared) = self.profiles.entries.get(&**token.profile()) {
            if !Arc::ptr_eq(shared, token.profile()) {
                token.set_profile(shared.clone());
            }
            return;
        }
        let mut profile = token.profile().clone();
        let parts = Arc::make_mut(&mut profile);
        self.strs.share(&mut parts.tenant);
        self.strs.share(&mut parts.client_id);
        if let Some(subject) = &mut parts.subject {
            self.strs.share(subject);
        }
        self.sets.share(&mut parts.scopes);
        self.sets.share(&mut parts.authorities);
        self.profiles.entries.insert(profile.clone());
        token.set_profile(profile);
        self.sweep(SWEEP_PER_NEW_PROFILE);
    }

    /// Tokens were removed: looks at a few entries per pool for each (and a few more, so that a
    /// small table is swept whole), the profiles first so that the names and sets only they
    /// held go in the same sweep.
    pub fn tokens_removed(&mut self, tokens: usize) {
        self.sweep(tokens.saturating_mul(4).saturating_add(64));
    }

    fn sweep(&mut self, budget: usize) {
        self.profiles.sweep(budget);
        self.strs.sweep(budget);
        self.sets.sweep(budget);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::contract::{access_token, fixtures, with_scopes};
    use crate::store::embedded::state::State;

    fn holds_name(interner: &Interner, name: &str) -> bool {
        interner.strs.entries.contains(name)
    }

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

    #[test]
    fn a_name_is_freed_after_its_last_token_is_purged_and_shared_while_one_remains() {
        let (_, client) = fixtures("intern");
        let mut state = State::default();
        state.insert_token(Arc::new(access_token(&client, Some("alice"), 0, Some(100))));
        state.insert_token(Arc::new(access_token(&client, Some("alice"), 0, Some(10_000))));
        state.insert_token(Arc::new(access_token(&client, Some("bob"), 0, Some(100))));
        assert!(holds_name(&state.interner, "alice") && holds_name(&state.interner, "bob"));
        assert_eq!(state.interner.profiles.entries.len(), 2);

        let (purged, _) = state.purge_expired(200, 100);
        assert_eq!(purged, 2);
        assert!(!holds_name(&state.interner, "bob"), "bob's last token is gone");
        assert_eq!(state.interner.profiles.entries.len(), 1);
        assert!(holds_name(&state.interner, "alice"), "one of alice's tokens remains");
        let remaining = state.tokens.values().next().unwrap().clone();
        let mut another = access_token(&client, Some("alice"), 0, None);
        state.interner.intern_record(&mut another);
        assert!(Arc::ptr_eq(another.profile(), remaining.profile()));
        assert!(holds_name(&state.interner, client.client_id.as_str()));
    }
}
