//! Webhooks as the Standard Webhooks spec has them: which events there are, how a message is signed,
//! and what to do after each delivery attempt. Pure: the delivery worker does the sending.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The events a subscription can ask for.
pub const EVENTS: [&str; 4] = ["claim.created", "claim.transitioned", "evidence.added", "evidence.checked"];

/// The longest wait a receiver's `Retry-After` can ask for, and the longest between attempts.
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

pub fn is_event(name: &str) -> bool {
    EVENTS.contains(&name)
}

/// A new secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// The key bytes of a `whsec_` secret, if it is one.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    (24..=64).contains(&key.len()).then_some(key)
}

/// The `webhook-signature` header value: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`.
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &str) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret_key(secret)?).ok()?;
    mac.update(format!("{message_id}.{timestamp}.{body}").as_bytes());
    Some(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// What happens after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Delivered,
    /// Try again after this long.
    Retry(Duration),
    /// The receiver answered 410 Gone: the subscription is switched off.
    Disable,
    /// Retried for longer than the give-up period: stop.
    GiveUp,
}

/// The retry policy's settings.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// The wait after the first failure; doubled after each further one, up to `MAX_WAIT`.
    pub first_retry: Duration,
    /// How long after the event attempts stop.
    pub give_up_after: Duration,
}

/// Decides after an attempt that got `status` (None: no answer), `retry_after` (seconds the receiver
/// asked for), the attempt count so far, and how long ago the event happened. `jitter` in 0..1
/// spreads retries so that a receiver coming back is not hit by every sender at once.
pub fn next(
    status: Option<u16>,
    retry_after: Option<u64>,
    attempts: u32,
    age: Duration,
    policy: Policy,
    jitter: f64,
) -> Next {
    match status {
        Some(200..=299) => return Next::Delivered,
        Some(410) => return Next::Disable,
        _ => {}
    }
    let backoff = policy.first_retry.saturating_mul(1u32 << attempts.saturating_sub(1).min(20)).min(MAX_WAIT);
    let backoff = backoff.mul_f64(0.75 + 0.5 * jitter.clamp(0.0, 1.0));
    let asked = retry_after.map(|s| Duration::from_secs(s).min(MAX_WAIT)).unwrap_or_default();
    let wait = backoff.max(asked);
    if age + wait > policy.give_up_after { Next::GiveUp } else { Next::Retry(wait) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy { first_retry: Duration::from_secs(5), give_up_after: Duration::from_secs(86_400) };

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The example from the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(sign("not a secret", "m", 1, "b"), None);
        assert!(secret_key(&new_secret()).is_some());
    }

    #[test]
    fn only_2xx_is_success_and_410_switches_off() {
        assert_eq!(next(Some(204), None, 1, Duration::ZERO, POLICY, 0.5), Next::Delivered);
        assert_eq!(next(Some(410), None, 1, Duration::ZERO, POLICY, 0.5), Next::Disable);
        for status in [Some(301), Some(400), Some(500), None] {
            assert!(matches!(next(status, None, 1, Duration::ZERO, POLICY, 0.5), Next::Retry(_)), "{status:?}");
        }
    }

    #[test]
    fn retries_back_off_with_jitter_honour_retry_after_and_stop_after_a_day() {
        assert_eq!(next(Some(500), None, 1, Duration::ZERO, POLICY, 0.5), Next::Retry(Duration::from_secs(5)));
        assert_eq!(next(Some(500), None, 3, Duration::ZERO, POLICY, 0.5), Next::Retry(Duration::from_secs(20)));
        assert_eq!(next(Some(500), None, 1, Duration::ZERO, POLICY, 0.0), Next::Retry(Duration::from_millis(3750)));
        assert_eq!(next(Some(500), None, 30, Duration::ZERO, POLICY, 0.5), Next::Retry(MAX_WAIT));
        assert_eq!(next(Some(429), Some(120), 1, Duration::ZERO, POLICY, 0.5), Next::Retry(Duration::from_secs(120)));
        assert_eq!(next(Some(503), Some(999_999), 1, Duration::ZERO, POLICY, 0.5), Next::Retry(MAX_WAIT));
        assert_eq!(next(Some(500), None, 9, Duration::from_secs(86_000), POLICY, 0.5), Next::GiveUp);
    }
}
