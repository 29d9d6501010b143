//! Shared copies of the strings and scope sets tokens repeat (tenant, client, subject, scopes,
//! authorities), so that a million tokens of one client do not carry a million copies of each.
//! Entries are never dropped: they number the distinct clients, users and scope sets, not tokens.

use crate::model::TokenRecord;
use std::collections::HashSet;
use std::sync::Arc;

#[derive(Default)]
pub struct Interner {
    strs: HashSet<Arc<str>>,
    sets: HashSet<Arc<[String]>>,
}

impl Interner {
    fn str(&mut self, value: &mut Arc<str>) {
        match self.strs.get(&**value) {
            Some(shared) => *value = shared.clone(),
            None => {
                self.strs.insert(value.clone());
            }
        }
    }

    fn set(&mut self, value: &mut Arc<[String]>) {
        match self.sets.get(&**value) {
            Some(shared) => *value = shared.clone(),
            None => {
                self.sets.insert(value.clone());
            }
        }
    }

    pub fn intern_record(&mut self, token: &mut TokenRecord) {
        self.str(&mut token.tenant);
        self.str(&mut token.client_id);
        if let Some(subject) = &mut token.subject {
            self.str(subject);
        }
        self.set(&mut token.scopes);
        self.set(&mut token.authorities);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::contract::{access_token, fixtures};

    #[test]
    fn equal_values_end_up_sharing_one_allocation() {
        let (_, client) = fixtures("intern");
        let mut interner = Interner::default();
        let mut a = access_token(&client, Some("alice"), 0, None);
        let mut b = access_token(&client, Some("alice"), 0, None);
        assert!(!Arc::ptr_eq(&a.client_id, &b.client_id));
        interner.intern_record(&mut a);
        interner.intern_record(&mut b);
        assert!(Arc::ptr_eq(&a.client_id, &b.client_id));
        assert!(Arc::ptr_eq(&a.tenant, &b.tenant));
        assert!(Arc::ptr_eq(a.subject.as_ref().unwrap(), b.subject.as_ref().unwrap()));
        assert!(Arc::ptr_eq(&a.scopes, &b.scopes));
        assert_eq!(a.client_id, b.client_id);
    }
}
