//! Who is calling: `Authorization: Bearer <key>` checked against the stored hash, with the key's role;
//! or, with `--public-read`, an anonymous reader of published claims. Requests beyond a key's rate,
//! anonymous reads beyond an address's rate, and every request from an address that failed to
//! authenticate too often (valid key or not, until the wait is over) are refused with 429 and
//! `Retry-After`. Addresses are the client's (`client.rs`), not a shared proxy's.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, http::header, web};
use futures_util::future::LocalBoxFuture;
use governor::clock::{Clock, QuantaInstant};
use governor::{DefaultKeyedRateLimiter, NotUntil, Quota, RateLimiter};

use super::AppState;
use super::client::TrustedProxies;
use super::error::ApiError;
use crate::domain::access::Actor;
use crate::service::Service;
use crate::service::keys::Rejected;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests per second each key may make (bursts of twice that).
    pub per_key_per_second: u32,
    /// Failed authentications per minute one address may make before it is turned away.
    pub failures_per_minute: u32,
    /// Anonymous requests per second one address may make (bursts of twice that).
    pub public_per_second: u32,
}

pub struct Auth {
    public_read: bool,
    proxies: TrustedProxies,
    failures: DefaultKeyedRateLimiter<IpAddr>,
    /// Addresses turned away after too many failures, and until when.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    per_key: DefaultKeyedRateLimiter<i64>,
    public: DefaultKeyedRateLimiter<IpAddr>,
}

/// Addresses remembered as blocked at most; past it, the oldest blocks are the first to go.
const BLOCKED_MAX: usize = 100_000;

/// The wait a refusal by `limiter` asks for. Read on the limiter's own clock: making a clock
/// calibrates it, which costs more than the rest of a refusal.
fn wait<K: Hash + Eq + Clone>(limiter: &DefaultKeyedRateLimiter<K>, not_until: NotUntil<QuantaInstant>) -> Duration {
    not_until.wait_time_from(limiter.clock().now())
}

/// A wait as `Retry-After` gives it: whole seconds, rounded up (a client that waits that long is let
/// in), at least one.
fn retry_after(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// The authenticated caller: a handler that takes one has a key's actor, or an anonymous reader
/// under `--public-read`. What it may do is the service's to decide.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl Auth {
    pub fn new(public_read: bool, limits: Limits, proxies: TrustedProxies) -> Auth {
        let per_second = |n: u32| Quota::per_second(nonzero(n)).allow_burst(nonzero(n.saturating_mul(2)));
        Auth {
            public_read,
            proxies,
            failures: RateLimiter::keyed(Quota::per_minute(nonzero(limits.failures_per_minute))),
            blocked: Mutex::default(),
            per_key: RateLimiter::keyed(per_second(limits.per_key_per_second)),
            public: RateLimiter::keyed(per_second(limits.public_per_second)),
        }
    }

    /// The client's address, as far as the operator's trusted proxies tell it.
    pub fn client(&self, req: &HttpRequest) -> IpAddr {
        self.proxies.client(req)
    }

    pub async fn caller(&self, req: &HttpRequest, service: &Service) -> Result<Actor, ApiError> {
        let Some(value) = req.headers().get(header::AUTHORIZATION) else {
            if !self.public_read {
                return Err(ApiError::Unauthorized { detail: "this needs an API key".into(), presented: false });
            }
            return self.reader(req);
        };
        let Some(key) = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim) else {
            self.not_blocked(self.client(req))?;
            return Err(self.failed(req, "the Authorization header must be `Bearer <API key>`"));
        };
        let actor = self.verify_key(key, req, service).await?;
        if let Err(not_until) = self.per_key.check_key(&actor.key_id().unwrap_or_default()) {
            let seconds = retry_after(wait(&self.per_key, not_until));
            return Err(ApiError::TooManyRequests { reason: "this key's request rate is exceeded", seconds });
        }
        Ok(actor)
    }

    /// An anonymous reader, within its address's rate of anonymous reads. The public fact-check pages
    /// take one whatever `--public-read` says: what they show is published.
    pub fn reader(&self, req: &HttpRequest) -> Result<Actor, ApiError> {
        let client = self.client(req);
        self.not_blocked(client)?;
        if let Err(not_until) = self.public.check_key(&client) {
            let seconds = retry_after(wait(&self.public, not_until));
            return Err(ApiError::TooManyRequests {
                reason: "this address's rate of anonymous reads is exceeded",
                seconds,
            });
        }
        Ok(Actor::Public)
    }

    /// Refuses an address that is waiting out its failures.
    fn not_blocked(&self, client: IpAddr) -> Result<(), ApiError> {
        let until = self.blocked.lock().ok().and_then(|b| b.get(&client).copied());
        match until.map(|u| u.saturating_duration_since(Instant::now())) {
            Some(wait) if !wait.is_zero() => Err(ApiError::TooManyRequests {
                reason: "too many failed authentications from this address",
                seconds: retry_after(wait),
            }),
            _ => Ok(()),
        }
    }

    /// Forgets limiter state that no longer limits anyone (run now and then).
    pub fn forget_old(&self) {
        self.failures.retain_recent();
        self.per_key.retain_recent();
        self.public.retain_recent();
        if let Ok(mut blocked) = self.blocked.lock() {
            let now = Instant::now();
            blocked.retain(|_, until| *until > now);
        }
    }

    /// The actor of `key` if it is a usable key; every failure counts against the caller's address,
    /// wherever the key came from (the API's header, the admin page's sign-in form).
    pub async fn verify_key(&self, key: &str, req: &HttpRequest, service: &Service) -> Result<Actor, ApiError> {
        self.not_blocked(self.client(req))?;
        match service.authenticate(key).await? {
            Ok(actor) => Ok(actor),
            Err(Rejected::Malformed) => Err(self.failed(req, "that is not an API key")),
            Err(Rejected::Unknown) => Err(self.failed(req, "unknown, revoked or expired API key")),
        }
    }

    fn failed(&self, req: &HttpRequest, detail: &str) -> ApiError {
        let client = self.client(req);
        match self.failures.check_key(&client) {
            Ok(()) => ApiError::Unauthorized { detail: detail.into(), presented: true },
            Err(not_until) => {
                let waiting = wait(&self.failures, not_until).max(Duration::from_secs(1));
                if let Ok(mut blocked) = self.blocked.lock() {
                    if blocked.len() >= BLOCKED_MAX {
                        let now = Instant::now();
                        blocked.retain(|_, until| *until > now);
                    }
                    if blocked.len() < BLOCKED_MAX {
                        blocked.insert(client, Instant::now() + waiting);
                    }
                }
                let seconds = retry_after(waiting);
                ApiError::TooManyRequests { reason: "too many failed authentications from this address", seconds }
            }
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            state.auth.caller(&req, &state.service).await.map(Caller)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_a_wait_up_to_whole_seconds() {
        assert_eq!(retry_after(Duration::from_millis(1_500)), 2, "a client that waits 1 s would come back too soon");
        assert_eq!(retry_after(Duration::from_secs(3)), 3);
        assert_eq!(retry_after(Duration::ZERO), 1);
    }
}
