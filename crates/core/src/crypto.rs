//! Secrets: actor key pairs, password hashes, bearer tokens.
//!
//! Key pairs are RSA-2048 (what every fediverse server verifies), generated with
//! aws-lc-rs and stored as standard PEM (PKCS#8 private, SPKI public), so any library
//! can read them back. Passwords are hashed with Argon2id at the OWASP-recommended
//! parameters. Tokens are 256 random bits; only their SHA-256 digest is stored.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::error::CoreError;

/// A freshly generated RSA key pair, PEM-encoded.
#[derive(Clone)]
pub struct ActorKeys {
    pub private_pem: String,
    pub public_pem: String,
}

impl std::fmt::Debug for ActorKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorKeys").finish_non_exhaustive()
    }
}

/// Generates an RSA-2048 key pair. CPU-bound (tens of milliseconds): call it from
/// `spawn_blocking` on a server.
pub fn generate_actor_keys() -> Result<ActorKeys, CoreError> {
    let internal = |what: &str| CoreError::Internal(format!("RSA key generation failed: {what}"));
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| internal("generate"))?;
    let private_der = pair.as_der().map_err(|_| internal("encode private key"))?;
    let public_der = pair
        .public_key()
        .as_der()
        .map_err(|_| internal("encode public key"))?;
    Ok(ActorKeys {
        private_pem: pem::encode(&pem::Pem::new("PRIVATE KEY", private_der.as_ref().to_vec())),
        public_pem: pem::encode(&pem::Pem::new("PUBLIC KEY", public_der.as_ref().to_vec())),
    })
}

/// Seeds aws-lc's random generator, on the blocking thread pool, without waiting.
///
/// Its first use in a process gathers CPU-jitter entropy for some tens of
/// milliseconds of CPU; every RSA signature needs random numbers (blinding). A server
/// calls this at start, so that its first delivery or key pair does not pay for it.
pub fn warm_up_random() {
    tokio::task::spawn_blocking(|| {
        let mut seed = [0u8; 16];
        if aws_lc_rs::rand::fill(&mut seed).is_err() {
            tracing::warn!("the system random generator failed");
        }
    });
}

/// [`generate_actor_keys`] on the blocking thread pool.
pub async fn generate_actor_keys_async() -> Result<ActorKeys, CoreError> {
    tokio::task::spawn_blocking(generate_actor_keys)
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))?
}

/// An Argon2id PHC string for `password`. CPU-bound: use [`hash_password_async`].
pub fn hash_password(password: &str) -> Result<String, CoreError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Internal(format!("password hashing failed: {e}")))
}

pub async fn hash_password_async(password: String) -> Result<String, CoreError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))?
}

/// Checks `password` against a stored hash. With no hash (unknown user) a dummy hash is
/// verified, so that the answer takes as long either way.
pub async fn verify_password_async(hash: Option<String>, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// The hash of a random password nobody knows, verified for unknown users.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&random_token()).unwrap_or_default());

/// 256 random bits, base64url without padding (43 characters).
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::thread_rng().r#gen();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A password of `len` characters, for accounts created from the command line.
pub fn random_password(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Lower-case hex SHA-256 of `s`: how tokens and codes are stored.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Unpadded base64url SHA-256, as PKCE S256 computes the challenge.
pub fn pkce_s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Constant-time string comparison for secrets.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_standard_pem() {
        let keys = generate_actor_keys().unwrap();
        assert!(keys.private_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(keys.public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        let der = pem::parse(&keys.private_pem).unwrap();
        // Round trip: aws-lc-rs reads back what it wrote.
        assert!(KeyPair::from_pkcs8(der.contents()).is_ok());
        let public = pem::parse(&keys.public_pem).unwrap();
        assert!(public.contents().len() > 256, "2048-bit modulus in SPKI");
    }

    #[tokio::test]
    async fn passwords_verify_only_with_the_right_password() {
        let hash = hash_password_async("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password_async(Some(hash.clone()), "correct horse".into()).await);
        assert!(!verify_password_async(Some(hash), "wrong".into()).await);
        assert!(!verify_password_async(None, "anything".into()).await);
    }

    #[test]
    fn pkce_matches_rfc7636_example() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
        assert!(secrets_equal(&a, &a.clone()));
        assert!(!secrets_equal(&a, &random_token()));
    }
}
