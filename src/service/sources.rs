//! The Sources registry: listing and reading sources, registering one, changing one under its version.

use super::error::missing;
use super::{Result, Service, require};
use crate::domain::access::{Action, Actor};
use crate::domain::source::{self, SourceInput, SourcePatch};
use crate::domain::validation::Violations;
use crate::domain::version::Expected;
use crate::store::sources::{self, SourceChange, SourceRow};

/// Which sources to list: one page, by site.
#[derive(Debug, Clone, Default)]
pub struct SourceQuery {
    /// Only the source of this site (a host name or a URL on it, normalized as evidence sites are).
    pub site: Option<String>,
    /// Sites after this one.
    pub after: String,
    pub limit: usize,
}

impl Service {
    /// Sources by site, `limit` and one more if there are more.
    pub async fn sources(&self, actor: &Actor, query: SourceQuery) -> Result<Vec<SourceRow>> {
        require(actor, Action::ReadSources)?;
        let mut v = Violations::default();
        let site = query.site.as_deref().map(|s| source::site(&mut v, "site", s));
        v.into_result(())?;
        let read = move |conn: &_| sources::list(conn, site.flatten().as_deref(), &query.after, query.limit);
        Ok(self.store.reader.read(read).await?)
    }

    pub async fn source(&self, actor: &Actor, id: i64) -> Result<SourceRow> {
        require(actor, Action::ReadSources)?;
        self.store.reader.read(move |conn| sources::get(conn, id)).await.map_err(missing("source", id))
    }

    /// A source with its changes, oldest first.
    pub async fn source_with_history(&self, actor: &Actor, id: i64) -> Result<(SourceRow, Vec<SourceChange>)> {
        require(actor, Action::ReadSources)?;
        let read = move |conn: &_| Ok((sources::get(conn, id)?, sources::history(conn, id)?));
        self.store.reader.read(read).await.map_err(missing("source", id))
    }

    pub async fn register_source(&self, actor: &Actor, input: &SourceInput) -> Result<SourceRow> {
        require(actor, Action::ManageSources)?;
        let source = input.validate()?;
        let actor = actor.clone();
        Ok(self.store.writer.write(move |conn| sources::insert(conn, &source, &actor)).await?)
    }

    /// Changes a source; evidence attached before keeps the reliability it was weighed with.
    pub async fn edit_source(
        &self,
        actor: &Actor,
        id: i64,
        patch: SourcePatch,
        expected: Expected,
    ) -> Result<SourceRow> {
        require(actor, Action::ManageSources)?;
        let actor = actor.clone();
        let write = move |conn: &_| sources::update(conn, id, &patch, &expected, &actor);
        self.store.writer.write(write).await.map_err(missing("source", id))
    }
}
