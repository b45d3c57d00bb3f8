//! PKCE (RFC 7636, S256) and the OAuth `state`, from the system's random
//! source through ring (already in the build for TLS).

use base64::Engine;
use ring::rand::SecureRandom;

use crate::LoginError;

/// A verifier and its S256 challenge.
#[derive(Debug, Clone)]
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

/// 64 random bytes as the verifier (86 characters, within the RFC's 43–128).
pub fn generate_pkce() -> Result<Pkce, LoginError> {
    let verifier = random_token(64)?;
    Ok(Pkce {
        challenge: challenge_of(&verifier),
        verifier,
    })
}

/// `BASE64URL(SHA256(verifier))`.
pub fn challenge_of(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// `bytes` random bytes, base64url without padding.
pub fn random_token(bytes: usize) -> Result<String, LoginError> {
    let mut buf = vec![0u8; bytes];
    ring::rand::SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| LoginError::Other("the system's random source failed".into()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_the_rfc_example() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let a = generate_pkce().unwrap();
        let b = generate_pkce().unwrap();
        assert_ne!(a.verifier, b.verifier);
        assert_eq!(a.verifier.len(), 86);
        assert_eq!(a.challenge, challenge_of(&a.verifier));
    }
}
