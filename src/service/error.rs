//! What a use case can fail with: the store's outcomes, plus the refusals and names only a use case
//! knows (who may do what, which resource was missing).

use crate::domain::access::{Refusal, Role};
use crate::domain::validation::FieldError;
use crate::store;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The resource does not exist, or the actor may not know that it does.
    #[error("no {kind} {id}")]
    Missing { kind: &'static str, id: String },
    /// Not there, for a reason worth saying.
    #[error("{0}")]
    Absent(String),
    #[error("this needs an API key")]
    NeedsKey,
    #[error("a {} key may not do this", .0.as_str())]
    Forbidden(Role),
    /// The input breaks these rules.
    #[error("the input breaks {} rule(s)", .0.len())]
    Invalid(Vec<FieldError>),
    /// ClaimReview exists only for a claim with a verdict.
    #[error("claim {0} has no verdict to publish yet: ClaimReview needs a verified or published claim")]
    NotReviewed(i64),
    /// Larger than the stated limit, in bytes.
    #[error("the text is larger than {0} bytes")]
    TooLarge(usize),
    #[error(transparent)]
    Store(store::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Error {
        match e {
            store::Error::Invalid(errors) => Error::Invalid(errors),
            other => Error::Store(other),
        }
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Error {
        match r {
            Refusal::NeedsKey => Error::NeedsKey,
            Refusal::Role(role) => Error::Forbidden(role),
        }
    }
}

impl From<Vec<FieldError>> for Error {
    fn from(errors: Vec<FieldError>) -> Error {
        Error::Invalid(errors)
    }
}

/// Names the resource a bare `NotFound` from the store was about.
pub fn missing(kind: &'static str, id: impl ToString) -> impl Fn(store::Error) -> Error {
    let id = id.to_string();
    move |e| match e {
        store::Error::NotFound => Error::Missing { kind, id: id.clone() },
        other => other.into(),
    }
}
