//! What an import did: how many claims it created, updated and skipped, and what it turned away and
//! why.

use serde::Serialize;

#[derive(Debug, Default, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub skipped: usize,
    pub rejected: Vec<Rejection>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Rejection {
    /// The file or request (`body`) it came from, or the review's identifier once it was read.
    pub source: String,
    /// Where in the document: `dataFeedElement[3]`, `@graph[1]`, `[0]`; `null` for the document
    /// itself or a claims file's entry.
    pub position: Option<String>,
    pub reason: String,
}

impl Summary {
    pub fn absorb(&mut self, other: Summary) {
        self.created += other.created;
        self.updated += other.updated;
        self.skipped += other.skipped;
        self.rejected.extend(other.rejected);
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (created, updated, skipped, rejected) = (self.created, self.updated, self.skipped, self.rejected.len());
        write!(f, "created {created}, updated {updated}, skipped {skipped}, rejected {rejected}")?;
        for r in &self.rejected {
            match &r.position {
                Some(at) => write!(f, "\n  rejected {} at {at}: {}", r.source, r.reason)?,
                None => write!(f, "\n  rejected {}: {}", r.source, r.reason)?,
            }
        }
        Ok(())
    }
}
