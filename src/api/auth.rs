//! Who is calling: `Authorization: Bearer <key>` checked against the stored hash, with the key's role;
//! or, with `--public-read`, an anonymous reader of published claims. Repeated failures from one
//! address and requests beyond a key's rate are refused with 429 and `Retry-After`.

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, http::header, web};
use futures_util::future::LocalBoxFuture;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AppState;
use super::error::ApiError;
use crate::domain::access::Actor;
use crate::service::Service;
use crate::service::keys::Rejected;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests per second each key may make (bursts of twice that).
    pub per_key_per_second: u32,
    /// Failed authentications per minute one address may make before it is slowed down.
    pub failures_per_minute: u32,
}

pub struct Auth {
    public_read: bool,
    failures: DefaultKeyedRateLimiter<IpAddr>,
    per_key: DefaultKeyedRateLimiter<i64>,
}

/// The authenticated caller: a handler that takes one has a key's actor, or an anonymous reader
/// under `--public-read`. What it may do is the service's to decide.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl Auth {
    pub fn new(public_read: bool, limits: Limits) -> Auth {
        let per_key = Quota::per_second(nonzero(limits.per_key_per_second))
            .allow_burst(nonzero(limits.per_key_per_second.saturating_mul(2)));
        Auth {
            public_read,
            failures: RateLimiter::keyed(Quota::per_minute(nonzero(limits.failures_per_minute))),
            per_key: RateLimiter::keyed(per_key),
        }
    }

    pub async fn caller(&self, req: &HttpRequest, service: &Service) -> Result<Actor, ApiError> {
        let Some(value) = req.headers().get(header::AUTHORIZATION) else {
            if self.public_read {
                return Ok(Actor::Public);
            }
            return Err(ApiError::Unauthorized { detail: "this needs an API key".into(), presented: false });
        };
        let Some(key) = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim) else {
            return Err(self.failed(req, "the Authorization header must be `Bearer <API key>`"));
        };
        let actor = self.verify_key(key, req, service).await?;
        if let Err(not_until) = self.per_key.check_key(&actor.key_id().unwrap_or_default()) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let seconds = wait.as_secs().max(1);
            return Err(ApiError::TooManyRequests { reason: "this key's request rate is exceeded", seconds });
        }
        Ok(actor)
    }

    /// The actor of `key` if it is a usable key; every failure counts against the caller's address,
    /// wherever the key came from (the API's header, the admin page's sign-in form).
    pub async fn verify_key(&self, key: &str, req: &HttpRequest, service: &Service) -> Result<Actor, ApiError> {
        match service.authenticate(key).await? {
            Ok(actor) => Ok(actor),
            Err(Rejected::Malformed) => Err(self.failed(req, "that is not an API key")),
            Err(Rejected::Unknown) => Err(self.failed(req, "unknown, revoked or expired API key")),
        }
    }

    fn failed(&self, req: &HttpRequest, detail: &str) -> ApiError {
        let ip = req.peer_addr().map(|a| a.ip()).unwrap_or(IpAddr::from([0, 0, 0, 0]));
        match self.failures.check_key(&ip) {
            Ok(()) => ApiError::Unauthorized { detail: detail.into(), presented: true },
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let seconds = wait.as_secs().max(1);
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
