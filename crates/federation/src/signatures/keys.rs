//! Key material: our actors' RSA private keys (signing) and remote actors' public keys
//! (verifying), both read from PEM.
//!
//! aws-lc-rs does the cryptography. Its RSA verifier takes either DER form of a public
//! key, `RSAPublicKey` (PKCS#1, RFC 8017) or `SubjectPublicKeyInfo` (SPKI, RFC 5280), so
//! both PEM labels remote servers publish are parsed without conversion.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, KeyPair as _, ParsedPublicKey, UnparsedPublicKey};

use super::SignatureError;

/// Smallest and largest RSA moduli accepted, in bits (what `RSA_PKCS1_2048_8192_SHA256`
/// verifies).
const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// An RSA private key that signs requests with RSASSA-PKCS1-v1_5 and SHA-256
/// (`rsa-sha256`). Cloning is cheap (the key is shared) and it can be sent between
/// threads. `Debug` never prints key material.
#[derive(Clone)]
pub struct PrivateKey(Arc<aws_lc_rs::rsa::KeyPair>);

impl PrivateKey {
    /// Reads a PKCS#8 `PRIVATE KEY` (what Starling stores) or a PKCS#1 `RSA PRIVATE
    /// KEY` PEM block.
    pub fn from_pem(pem: &str) -> Result<Self, SignatureError> {
        let block = pem::parse(pem.trim()).map_err(|e| bad_key(format!("PEM: {e}")))?;
        let pair = match block.tag() {
            "PRIVATE KEY" => aws_lc_rs::rsa::KeyPair::from_pkcs8(block.contents()),
            "RSA PRIVATE KEY" => aws_lc_rs::rsa::KeyPair::from_der(block.contents()),
            other => return Err(bad_key(format!("unexpected PEM label {other:?}"))),
        }
        .map_err(|e| bad_key(format!("not a usable RSA private key: {e}")))?;
        Ok(Self(Arc::new(pair)))
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 SHA-256. CPU-bound (about a third of a
    /// millisecond for RSA-2048).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignatureError> {
        let mut out = vec![0; self.0.public_modulus_len()];
        self.0
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut out,
            )
            .map_err(|_| bad_key("RSA signing failed".into()))?;
        Ok(out)
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        // Cannot fail in practice: the DER comes from a key aws-lc-rs already accepted.
        PublicKey::rsa_from_der(self.0.public_key().as_ref())
            .expect("an RSA key pair's own public key parses")
    }

    /// The matching public key as an SPKI `PUBLIC KEY` PEM block, as actor documents
    /// publish it in `publicKey.publicKeyPem`.
    pub fn public_key_pem(&self) -> Result<String, SignatureError> {
        let der = self
            .0
            .public_key()
            .as_der()
            .map_err(|_| bad_key("cannot encode the public key".into()))?;
        Ok(pem::encode(&pem::Pem::new(
            "PUBLIC KEY",
            der.as_ref().to_vec(),
        )))
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey").finish_non_exhaustive()
    }
}

/// A remote actor's public key: RSA (2048 to 8192 bits) or Ed25519, verify only.
/// Cloning is cheap; the key is parsed once, when it is read.
#[derive(Clone)]
pub struct PublicKey(Arc<PublicKeyInner>);

enum PublicKeyInner {
    Rsa {
        /// The DER as received (PKCS#1 or SPKI), for the rarer RSA-PSS verifier.
        der: Vec<u8>,
        /// Ready for RSASSA-PKCS1-v1_5 SHA-256, the fediverse's algorithm.
        pkcs1: ParsedPublicKey,
    },
    Ed25519(ParsedPublicKey),
}

/// The signature schemes [`PublicKey::verify`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verifier {
    RsaPkcs1Sha256,
    RsaPssSha512,
    Ed25519,
}

impl PublicKey {
    /// Reads a public key from PEM: SPKI `PUBLIC KEY` (RSA or Ed25519) or PKCS#1 `RSA
    /// PUBLIC KEY`. Surrounding whitespace is ignored.
    pub fn from_pem(pem: &str) -> Result<Self, SignatureError> {
        let block = pem::parse(pem.trim()).map_err(|e| bad_key(format!("PEM: {e}")))?;
        match block.tag() {
            "RSA PUBLIC KEY" => Self::rsa_from_der(block.contents()),
            "PUBLIC KEY" => Self::rsa_from_der(block.contents())
                .or_else(|rsa_err| Self::from_ed25519(block.contents()).map_err(|_| rsa_err)),
            other => Err(bad_key(format!("unexpected PEM label {other:?}"))),
        }
    }

    /// An Ed25519 key from its 32 raw bytes (as a Multikey `publicKeyMultibase` carries
    /// it, once decoded) or from SPKI DER.
    pub fn from_ed25519(bytes: &[u8]) -> Result<Self, SignatureError> {
        let parsed = ParsedPublicKey::new(&signature::ED25519, bytes)
            .map_err(|e| bad_key(format!("not an Ed25519 public key: {e}")))?;
        Ok(Self(Arc::new(PublicKeyInner::Ed25519(parsed))))
    }

    /// An RSA key from PKCS#1 `RSAPublicKey` or SPKI DER.
    fn rsa_from_der(der: &[u8]) -> Result<Self, SignatureError> {
        let key = aws_lc_rs::rsa::PublicKey::from_der(der)
            .map_err(|e| bad_key(format!("not an RSA public key: {e}")))?;
        let bits = key.modulus_len() * 8;
        if !RSA_BITS.contains(&bits) {
            return Err(bad_key(format!("{bits}-bit RSA keys are not accepted")));
        }
        let pkcs1 = ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der)
            .map_err(|e| bad_key(format!("not an RSA public key: {e}")))?;
        Ok(Self(Arc::new(PublicKeyInner::Rsa {
            der: der.to_vec(),
            pkcs1,
        })))
    }

    /// Whether this is an RSA key (otherwise Ed25519).
    pub fn is_rsa(&self) -> bool {
        matches!(*self.0, PublicKeyInner::Rsa { .. })
    }

    /// Checks `signature` over `message` with `verifier`, which must suit the key type.
    pub(crate) fn verify(
        &self,
        verifier: Verifier,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        let result = match (&*self.0, verifier) {
            (PublicKeyInner::Rsa { pkcs1, .. }, Verifier::RsaPkcs1Sha256) => {
                pkcs1.verify_sig(message, signature)
            }
            (PublicKeyInner::Rsa { der, .. }, Verifier::RsaPssSha512) => {
                UnparsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA512, der)
                    .verify(message, signature)
            }
            (PublicKeyInner::Ed25519(key), Verifier::Ed25519) => key.verify_sig(message, signature),
            (_, verifier) => {
                return Err(bad_key(format!(
                    "an {} key cannot check a {verifier:?} signature",
                    if self.is_rsa() { "RSA" } else { "Ed25519" }
                )));
            }
        };
        result.map_err(|_| SignatureError::BadSignature)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_rsa() { "Rsa" } else { "Ed25519" };
        f.debug_tuple("PublicKey").field(&kind).finish()
    }
}

fn bad_key(message: String) -> SignatureError {
    SignatureError::BadKey(message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{RFC_ED25519_PUBLIC, RFC_RSA_PRIVATE, RFC_RSA_PUBLIC, keys};
    use super::*;

    #[test]
    fn generated_keys_round_trip_through_pem() {
        let (private, _) = keys();
        let public = PublicKey::from_pem(&private.public_key_pem().unwrap()).unwrap();
        assert!(public.is_rsa());
        let sig = private.sign(b"hello").unwrap();
        assert_eq!(sig.len(), 256);
        public
            .verify(Verifier::RsaPkcs1Sha256, b"hello", &sig)
            .unwrap();
        assert_eq!(
            public.verify(Verifier::RsaPkcs1Sha256, b"hellO", &sig),
            Err(SignatureError::BadSignature)
        );
    }

    #[test]
    fn pkcs1_pem_keys_are_read() {
        // RFC 9421 B.1.1 `test-key-rsa`: both halves in PKCS#1 form.
        let private = PrivateKey::from_pem(RFC_RSA_PRIVATE).unwrap();
        let public = PublicKey::from_pem(RFC_RSA_PUBLIC).unwrap();
        let sig = private.sign(b"message").unwrap();
        public
            .verify(Verifier::RsaPkcs1Sha256, b"message", &sig)
            .unwrap();
        // Its SPKI re-encoding is the same key.
        let spki = PublicKey::from_pem(&private.public_key_pem().unwrap()).unwrap();
        spki.verify(Verifier::RsaPkcs1Sha256, b"message", &sig)
            .unwrap();
    }

    #[test]
    fn ed25519_keys_are_verify_only_and_typed() {
        let key = PublicKey::from_pem(RFC_ED25519_PUBLIC).unwrap();
        assert!(!key.is_rsa());
        assert!(matches!(
            key.verify(Verifier::RsaPkcs1Sha256, b"m", &[0; 64]),
            Err(SignatureError::BadKey(_))
        ));
        assert!(PrivateKey::from_pem(RFC_ED25519_PUBLIC).is_err());
    }

    #[test]
    fn junk_is_a_bad_key() {
        for pem in [
            "",
            "not pem",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        ] {
            assert!(matches!(
                PublicKey::from_pem(pem),
                Err(SignatureError::BadKey(_))
            ));
            assert!(matches!(
                PrivateKey::from_pem(pem),
                Err(SignatureError::BadKey(_))
            ));
        }
    }

    #[test]
    fn keys_are_shareable() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<PrivateKey>();
        assert_send_sync::<PublicKey>();
        assert_eq!(format!("{:?}", keys().0), "PrivateKey { .. }");
    }
}
