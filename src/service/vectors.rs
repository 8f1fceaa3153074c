//! Claims' sentence vectors, made in the background while the transformer is loaded: a pass over every
//! claim at start (those lacking a vector of this model for their fields as they are), then each
//! claim the writer reports changed. A lookup uses the vectors made so far; a claim without one is
//! matched by its words alone until it has one.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::Service;
use crate::embed::{self, Embedder};
use crate::store::matching::{self, MatchRow};
use crate::store::{self, Store, vectors};

/// Claims read per pass statement, and vectors made and written together.
const PAGE: usize = 256;
const BATCH: usize = 16;
/// Changed claims noted before the list of them is first cleared of repeats.
const DEDUP_AT: usize = 1 << 16;

/// Claims changed since their vectors were last looked at.
#[derive(Default)]
struct Changed {
    ids: Vec<i64>,
    /// While the first pass runs (hours at a million claims), evidence writes report the same claims
    /// again and again: past this length the list is cleared of repeats, and the next clearing waits
    /// until it has doubled, so the list stays within twice the claims.
    dedup_at: usize,
}

impl Changed {
    fn note(&mut self, ids: &[i64]) {
        self.ids.extend_from_slice(ids);
        if self.ids.len() >= self.dedup_at.max(DEDUP_AT) {
            self.ids.sort_unstable();
            self.ids.dedup();
            self.dedup_at = self.ids.len() * 2;
        }
    }

    fn take(&mut self) -> Vec<i64> {
        self.dedup_at = 0;
        let mut ids = std::mem::take(&mut self.ids);
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

impl Service {
    /// The work that keeps claims' vectors made, to be spawned; `None` without the transformer (a
    /// table's vectors are made when a lookup needs them).
    pub fn sentence_vectors(&self) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
        let model = self.matcher.transformer()?.clone();
        let (store, matcher) = (self.store.clone(), self.matcher.clone());
        let changed: Arc<(Mutex<Changed>, Notify)> = Arc::default();
        let listener = changed.clone();
        store.claim_changes.listen(Arc::new(move |ids: &[i64]| {
            if let Ok(mut pending) = listener.0.lock() {
                pending.note(ids);
            }
            listener.1.notify_one();
        }));
        let pending = move |n: usize| matcher.vectors_pending.store(n, Ordering::Relaxed);
        Some(async move {
            loop {
                let Err(e) = keep_made(&store, &model, &changed, &pending).await;
                tracing::warn!(error = %e, "sentence vectors: retrying in a second");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }
}

async fn keep_made(
    store: &Store,
    model: &Arc<Embedder>,
    changed: &Arc<(Mutex<Changed>, Notify)>,
    pending: &(dyn Fn(usize) + Send + Sync),
) -> store::Result<Infallible> {
    let name = model.name.clone();
    let count = store.reader.read(move |conn| vectors::missing(conn, &name)).await?;
    pending(count);
    let (mut after, mut made) = (0, 0);
    loop {
        let name = model.name.clone();
        let page = store
            .reader
            .read(move |conn| {
                let rows = matching::after(conn, after, PAGE)?;
                Ok((rows.last().map(|r| r.id), vectors::lacking(conn, rows, &name)?))
            })
            .await?;
        let (Some(last), todo) = page else { break };
        after = last;
        let before = made;
        made += make(store, model, todo, &mut |n| pending(count.saturating_sub(before + n))).await?;
    }
    pending(0);
    loop {
        changed.1.notified().await;
        let ids = changed.0.lock().map(|mut changed| changed.take()).unwrap_or_default();
        let name = model.name.clone();
        let todo = store.reader.read(move |conn| vectors::lacking(conn, matching::by_ids(conn, &ids)?, &name)).await?;
        let total = todo.len();
        pending(total);
        make(store, model, todo, &mut |n| pending(total.saturating_sub(n))).await?;
    }
}

/// Makes and keeps the vectors of `claims`, a few at a time; `done` is told how many are made so
/// far, and the answer is how many were.
async fn make(
    store: &Store,
    model: &Arc<Embedder>,
    claims: Vec<MatchRow>,
    done: &mut (dyn FnMut(usize) + Send),
) -> store::Result<usize> {
    let mut made_so_far = 0;
    let name = model.name.clone();
    for batch in claims.chunks(BATCH) {
        let (model, batch) = (model.clone(), batch.to_vec());
        let made = tokio::task::spawn_blocking(move || {
            batch
                .iter()
                .map(|r| Ok((r.id, r.fields.digest(), embed::to_bytes(&model.vector(&r.fields.sentence())?))))
                .collect::<anyhow::Result<Vec<_>>>()
        })
        .await
        .map_err(|e| store::Error::Internal(format!("sentence vectors: {e}")))?
        .map_err(|e| store::Error::Internal(format!("sentence vectors: {e}")))?;
        made_so_far += made.len();
        let name = name.clone();
        store.writer.write(move |conn| vectors::store(conn, &name, &made)).await?;
        done(made_so_far);
    }
    Ok(made_so_far)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_reported_again_and_again_are_kept_once() {
        let mut changed = Changed::default();
        for _ in 0..DEDUP_AT {
            changed.note(&[8, 7]);
        }
        assert!(changed.ids.len() < DEDUP_AT, "{}", changed.ids.len());
        assert_eq!(changed.take(), vec![7, 8]);
        assert!(changed.take().is_empty());
    }
}
