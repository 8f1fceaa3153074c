//! Who is calling: `Authorization: Bearer <key>` checked against the stored hash, with the key's role;
//! or, with `--public-read`, an anonymous reader of published claims. Repeated failures from one
//! address and requests beyond a key's rate are refused with 429 and `Retry-After`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, http::header, web};
use futures_util::future::LocalBoxFuture;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AppState;
use super::error::ApiError;
use crate::domain::access::{Action, Role};
use crate::store::keys::{self, KeyRecord};
use crate::store::{Actor, ReadPool, now};

/// How long a looked-up key is trusted before it is read again (so a key revoked from the command line
/// stops working within this time; revoking through the API takes effect at once).
const KEY_TTL: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests per second each key may make (bursts of twice that).
    pub per_key_per_second: u32,
    /// Failed authentications per minute one address may make before it is slowed down.
    pub failures_per_minute: u32,
}

pub struct Auth {
    keys: Mutex<HashMap<String, (Instant, Option<KeyRecord>)>>,
    public_read: bool,
    failures: DefaultKeyedRateLimiter<IpAddr>,
    per_key: DefaultKeyedRateLimiter<i64>,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    /// `None` for an anonymous reader under `--public-read`.
    pub role: Option<Role>,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor { name: self.name.clone(), role: self.role.map(|r| r.as_str().to_owned()) }
    }

    /// Anonymous readers see published claims only.
    pub fn is_public(&self) -> bool {
        self.role.is_none()
    }

    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        match self.role {
            Some(role) if role.may(action) => Ok(()),
            None if action == Action::ReadClaims => Ok(()),
            Some(role) => Err(ApiError::Forbidden(format!("a {} key may not do this", role.as_str()))),
            None => Err(ApiError::Unauthorized { detail: "this needs an API key".into(), presented: false }),
        }
    }
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl Auth {
    pub fn new(public_read: bool, limits: Limits) -> Auth {
        let per_key = Quota::per_second(nonzero(limits.per_key_per_second))
            .allow_burst(nonzero(limits.per_key_per_second.saturating_mul(2)));
        Auth {
            keys: Mutex::default(),
            public_read,
            failures: RateLimiter::keyed(Quota::per_minute(nonzero(limits.failures_per_minute))),
            per_key: RateLimiter::keyed(per_key),
        }
    }

    /// Forgets every looked-up key, after keys change.
    pub fn forget_keys(&self) {
        if let Ok(mut keys) = self.keys.lock() {
            keys.clear();
        }
    }

    pub async fn caller(&self, req: &HttpRequest, reader: &ReadPool) -> Result<Caller, ApiError> {
        let Some(value) = req.headers().get(header::AUTHORIZATION) else {
            if self.public_read {
                return Ok(Caller { name: "public".into(), role: None });
            }
            return Err(ApiError::Unauthorized { detail: "this needs an API key".into(), presented: false });
        };
        let Some(key) = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim) else {
            return Err(self.failed(req, "the Authorization header must be `Bearer <API key>`"));
        };
        let record = self.verify_key(key, req, reader).await?;
        if let Err(not_until) = self.per_key.check_key(&record.row.id) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let seconds = wait.as_secs().max(1);
            return Err(ApiError::TooManyRequests { reason: "this key's request rate is exceeded", seconds });
        }
        Ok(Caller { name: record.row.name, role: Some(record.row.role) })
    }

    /// The key's record if `key` is a usable key; every failure counts against the caller's address,
    /// wherever the key came from (the API's header, the admin page's sign-in form).
    pub async fn verify_key(&self, key: &str, req: &HttpRequest, reader: &ReadPool) -> Result<KeyRecord, ApiError> {
        let Some(prefix) = keys::prefix_of(key) else {
            return Err(self.failed(req, "that is not an API key"));
        };
        let record = self.lookup(prefix, reader).await?;
        record.filter(|r| r.accepts(key, &now())).ok_or_else(|| self.failed(req, "unknown, revoked or expired API key"))
    }

    async fn lookup(&self, prefix: &str, reader: &ReadPool) -> Result<Option<KeyRecord>, ApiError> {
        if let Some((at, record)) = self.keys.lock().ok().and_then(|k| k.get(prefix).cloned()) {
            if at.elapsed() < KEY_TTL {
                return Ok(record);
            }
        }
        let owned = prefix.to_owned();
        let record = reader.read(move |conn| keys::find_by_prefix(conn, &owned)).await?;
        if let Ok(mut keys) = self.keys.lock() {
            if keys.len() > 10_000 {
                keys.clear();
            }
            keys.insert(prefix.to_owned(), (Instant::now(), record.clone()));
        }
        Ok(record)
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
            state.auth.caller(&req, &state.store.reader).await
        })
    }
}
