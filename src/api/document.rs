//! The body of `POST /v1/import`: any JSON document up to `MAX_DOCUMENT` bytes, bounded in what it
//! may cost to hold. A `serde_json::Value` takes 32 bytes or more for each value in the text, where
//! `0,` takes two: 16 MiB of zeros became 270 MB. So the values are counted first, in a pass that
//! builds nothing, and only a few documents are built at once.

use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::AppState;
use super::error::ApiError;
use super::extract::read_body;
use crate::domain::validation::FieldError;

/// The largest document `POST /v1/import` takes.
pub const MAX_DOCUMENT: usize = 16 * 1024 * 1024;

/// The most values (strings, numbers, booleans, nulls, arrays and objects, each counted) a document
/// may hold: a ClaimReview holds 20 to 40, so this is 6,000 reviews or more.
pub const MAX_VALUES: usize = 250_000;

/// Documents held at once; the others wait. Imports all go through the one writer, so more at once
/// would only hold more memory.
pub const CONCURRENT_DOCUMENTS: usize = 2;

/// Who may build a document now.
pub struct Documents(Arc<Semaphore>);

impl Default for Documents {
    fn default() -> Documents {
        Documents(Arc::new(Semaphore::new(CONCURRENT_DOCUMENTS)))
    }
}

/// A parsed document, with the permit that lets it stay in memory.
pub struct JsonDocument {
    pub value: serde_json::Value,
    _permit: Option<OwnedSemaphorePermit>,
}

impl FromRequest for JsonDocument {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload, MAX_DOCUMENT);
        let documents = req.app_data::<web::Data<AppState>>().map(|state| state.documents.0.clone());
        Box::pin(async move {
            let raw = body.await?;
            check_values(&raw, MAX_VALUES)?;
            let permit = match documents {
                Some(semaphore) => Some(semaphore.acquire_owned().await.map_err(|_| ApiError::Unavailable)?),
                None => None,
            };
            let value = serde_json::from_slice(&raw).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
            Ok(JsonDocument { value, _permit: permit })
        })
    }
}

/// Refuses a document of more than `limit` values, or one that is not JSON, without building it.
fn check_values(raw: &[u8], limit: usize) -> Result<(), ApiError> {
    let seen = Cell::new(0);
    let mut de = serde_json::Deserializer::from_slice(raw);
    let counted = Count { seen: &seen, limit }.deserialize(&mut de).and_then(|()| de.end());
    match counted {
        Ok(()) => Ok(()),
        Err(_) if seen.get() > limit => Err(ApiError::Validation(vec![FieldError {
            field: "body".into(),
            rule: "max-values",
            message: format!(
                "the document holds more than {limit} JSON values (each string, number, array and object counts); \
                 split it into smaller imports"
            ),
        }])),
        Err(e) => Err(ApiError::MalformedJson(e.to_string())),
    }
}

/// Walks a JSON value, counting it and everything in it, and stops past `limit`.
#[derive(Clone, Copy)]
struct Count<'a> {
    seen: &'a Cell<usize>,
    limit: usize,
}

impl Count<'_> {
    fn tick<E: de::Error>(self) -> Result<(), E> {
        self.seen.set(self.seen.get() + 1);
        if self.seen.get() > self.limit { Err(E::custom("too many values")) } else { Ok(()) }
    }
}

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Count<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.tick()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.tick()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.tick()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.tick()
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.tick()
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.tick()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.tick()?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.tick()?;
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_counted_at_every_depth() {
        let doc = br#"{"a": [1, "two", {"b": null, "c": [true, 2.5]}], "d": {}}"#;
        // Keys are not values: the outer object, [..], 1, "two", {..}, null, [..], true, 2.5 and {}.
        assert!(check_values(doc, 10).is_ok());
        let Err(ApiError::Validation(errors)) = check_values(doc, 9) else { panic!("10 values are over 9") };
        assert_eq!((errors[0].field.as_str(), errors[0].rule), ("body", "max-values"));
        assert!(errors[0].message.contains("9"), "{}", errors[0].message);
    }

    #[test]
    fn malformed_documents_are_malformed_not_too_large() {
        for doc in [&b"[1,"[..], b"{\"a\" 1}", b"[1] 2", b""] {
            assert!(matches!(check_values(doc, 100), Err(ApiError::MalformedJson(_))), "{doc:?}");
        }
    }
}
