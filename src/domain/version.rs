//! Optimistic concurrency: every claim and evidence item has a version, raised by each change. A
//! change may name the versions it was made against (HTTP's `If-Match`); any other is refused.

/// What a change expects the resource's version to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// Whatever it is (`If-Match: *`).
    Any,
    /// One of these; an empty list matches nothing.
    OneOf(Vec<i64>),
}

impl Expected {
    /// `Err(current)` when `current` is not what was expected.
    pub fn check(&self, current: i64) -> Result<(), i64> {
        match self {
            Expected::OneOf(versions) if !versions.contains(&current) => Err(current),
            _ => Ok(()),
        }
    }
}

/// Checks an optional expectation.
pub fn check(expected: Option<&Expected>, current: i64) -> Result<(), i64> {
    expected.map_or(Ok(()), |e| e.check(current))
}
