//! Argon2id for human passwords, always run off the async worker threads.

use crate::model::User;
use crate::secret::Secret;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::LazyLock;

/// Verified when the user does not exist, so both paths cost the same.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_blocking("dummy password for timing"));

fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any input")
        .to_string()
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Why a sign-in was refused, for the log only: the answer never tells these apart.
pub fn refusal(user: Option<&User>, verified: bool) -> Option<&'static str> {
    match user {
        None => Some("unknown user"),
        Some(_) if !verified => Some("wrong password"),
        Some(user) if !user.enabled => Some("user disabled"),
        Some(_) => None,
    }
}

pub async fn hash(password: Secret<String>) -> Result<String, tokio::task::JoinError> {
    tokio::task::spawn_blocking(move || hash_blocking(password.expose())).await
}

/// Argon2 verifications running at once: each takes ~19 MiB and a core for tens of milliseconds,
/// so a flood of logins queues here instead of filling the blocking pool and the memory.
static VERIFYING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    tokio::sync::Semaphore::new(cores * 2)
});

/// `stored` is `None` for an unknown user: a dummy hash is checked so timing does not tell.
pub async fn verify(password: Secret<String>, stored: Option<String>) -> Result<bool, tokio::task::JoinError> {
    let _permit = VERIFYING.acquire().await.expect("the semaphore is never closed");
    tokio::task::spawn_blocking(move || match stored {
        Some(hash) => verify_blocking(password.expose(), &hash),
        None => {
            verify_blocking(password.expose(), &DUMMY_HASH);
            false
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = hash(Secret::new("correct horse".into())).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(Secret::new("correct horse".into()), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify(Secret::new("wrong".into()), Some(h)).await.unwrap());
        assert!(!verify(Secret::new("x".into()), None).await.unwrap());
        assert!(!verify(Secret::new("x".into()), Some("not a hash".into()))
            .await
            .unwrap());
    }
}
