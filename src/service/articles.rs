//! Articles: taking one in (given, or fetched from its URL; split, scored, stored), reading it with its
//! candidates ranked and the registered claims they match, listing them, and accepting a candidate as
//! a claim.

use std::collections::HashMap;

use super::error::missing;
use super::{Error, Result, Service, require};
use crate::domain::access::{Action, Actor};
use crate::domain::article::{AcceptInput, ArticleContent, ArticleInput, Refused};
use crate::domain::claim::{Appearance, ClaimInput};
use crate::domain::intake;
use crate::domain::matching::index::Filter;
use crate::domain::validation::FieldError;
use crate::fetch::article::NotFetched;
use crate::fetch::guard;
use crate::store::articles::{self, ArticleRow, SentenceRow};
use crate::store::claims::{ClaimDetail, ClaimRow};
use crate::store::links::NewSnapshot;

pub use super::matching::Match;

/// Candidates looked up among registered claims, best first.
pub const MATCHED: usize = 20;
/// Registered claims shown per candidate.
const MATCHES_SHOWN: usize = 3;

/// An article with its sentences, what they match, and the claims taken from it.
pub struct ArticleView {
    pub article: ArticleRow,
    pub sentences: Vec<SentenceRow>,
    pub matches: HashMap<i64, Vec<Match>>,
    pub taken: Vec<(i64, ClaimRow)>,
}

impl Service {
    pub async fn submit_article(&self, actor: &Actor, input: ArticleInput) -> Result<ArticleView> {
        require(actor, Action::SubmitArticles)?;
        let (content, page) = match input.to_fetch() {
            Some(_) => self.fetch_article(&input).await?,
            None => (validate(&input)?, None),
        };
        let id = self.store_article(actor, content, page, None).await?;
        self.article(actor, id).await
    }

    /// The article at the input's URL: checked, fetched through the address guard, read and archived.
    /// Every way it fails is the `url`'s fault, named with its rule; nothing is stored.
    async fn fetch_article(&self, input: &ArticleInput) -> Result<(ArticleContent, Option<NewSnapshot>)> {
        let url = input.check_before_fetch()?;
        if let Err(refusal) = guard::check_url(&url, &self.guard) {
            return Err(refused_url(NotFetched::Refused(refusal)));
        }
        let Some(fetcher) = &self.article_fetcher else {
            return Err(url_error(
                "fetching-off",
                "this server does not fetch pages (--fetch-concurrency 0): send the article's text or html".into(),
            ));
        };
        let fetched = fetcher.fetch(url.as_str()).await.map_err(refused_url)?;
        let content = input.validate_page(fetched.page).map_err(refused)?;
        Ok((content, Some(fetched.snapshot)))
    }

    /// Splits, scores and stores an article (off the async workers: a long transcript takes a while).
    pub(super) async fn store_article(
        &self,
        actor: &Actor,
        content: ArticleContent,
        page: Option<NewSnapshot>,
        external: Option<String>,
    ) -> Result<i64> {
        let scoring = tokio::task::spawn_blocking(move || {
            let english = content.language.as_deref().map_or_else(
                || intake::looks_english(&content.text),
                |l| l.eq_ignore_ascii_case("en") || l.to_ascii_lowercase().starts_with("en-"),
            );
            let sentences = intake::split(&content.passages);
            let assessed = intake::assess(&sentences);
            (content, english, sentences.into_iter().zip(assessed).collect::<Vec<_>>())
        });
        let (content, english, scored) =
            scoring.await.map_err(|e| Error::Store(crate::store::Error::Internal(e.to_string())))?;
        let actor = actor.clone();
        let write = move |conn: &_| {
            articles::insert(conn, &content, english, &scored, page.as_ref(), external.as_deref(), &actor)
        };
        Ok(self.store.writer.write(write).await?.id)
    }

    /// The article with every sentence; the best `MATCHED` candidates are looked up among
    /// registered claims.
    pub async fn article(&self, actor: &Actor, id: i64) -> Result<ArticleView> {
        require(actor, Action::SubmitArticles)?;
        // A sentence accepted as a claim is shown as taken, not as matching itself.
        let filter = Filter { published_only: actor.is_public(), except_own_text: true, ..Filter::default() };
        let read = move |conn: &_| Ok((articles::get(conn, id)?, articles::sentences(conn, id)?));
        let (article, sentences) = self.store.reader.read(read).await.map_err(missing("article", id))?;
        let mut ranked: Vec<&SentenceRow> = sentences.iter().collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.position.cmp(&b.position)));
        let candidates: Vec<(i64, String)> =
            ranked.into_iter().take(MATCHED).map(|s| (s.position, s.text.clone())).collect();
        let lookups = self.lookups(candidates.iter().map(|(_, text)| (text.clone(), None)).collect()).await?;
        let matcher = self.matcher();
        let read = move |conn: &_| {
            let mut matches = HashMap::new();
            for ((position, _), lookup) in candidates.iter().zip(&lookups) {
                let shown = matcher.find(conn, lookup, MATCHES_SHOWN, filter)?;
                if !shown.is_empty() {
                    matches.insert(*position, shown);
                }
            }
            Ok((matches, articles::claims_taken(conn, id)?))
        };
        let (matches, taken) = self.store.reader.read(read).await?;
        Ok(ArticleView { article, sentences, matches, taken })
    }

    /// Articles newest first, with ids below `before`: `limit` and one more if there are more.
    pub async fn list_articles(&self, actor: &Actor, limit: usize, before: i64) -> Result<Vec<ArticleRow>> {
        require(actor, Action::SubmitArticles)?;
        Ok(self.store.reader.read(move |conn| articles::list(conn, limit, before)).await?)
    }

    /// Registers the claim made by sentence `position`: its `appeared_in` names the article, the
    /// sentence is the quote. The same sentence again answers the claim taken from it (409).
    pub async fn accept_candidate(
        &self,
        actor: &Actor,
        id: i64,
        position: i64,
        edit: AcceptInput,
    ) -> Result<ClaimDetail> {
        require(actor, Action::AcceptCandidates)?;
        require(actor, Action::CreateClaims)?;
        let read = move |conn: &_| {
            let article = articles::get(conn, id)?;
            let sentence = articles::sentences(conn, id)?.into_iter().find(|s| s.position == position);
            Ok((article, sentence))
        };
        let (article, sentence) = self.store.reader.read(read).await.map_err(missing("article", id))?;
        let sentence = sentence.ok_or_else(|| Error::Missing { kind: "candidate", id: format!("{id}/{position}") })?;
        let input = ClaimInput {
            text: edit.text.unwrap_or_else(|| sentence.text.clone()),
            claimant: edit.claimant.or(sentence.claimant).or(sentence.speaker),
            appeared_in: Some(Appearance {
                url: article.url,
                title: article.title,
                published_at: article.published_at,
                quote: Some(sentence.text),
                article_id: Some(id),
                position: u32::try_from(position).ok(),
            }),
            tags: edit.tags,
            language: article.language,
        };
        let content = input.validate()?;
        let actor = actor.clone();
        let write = move |conn: &_| Ok(ClaimDetail::new_claim(articles::accept(conn, id, position, &content, &actor)?));
        self.store.writer.write(write).await.map_err(missing("candidate", format!("{id}/{position}")))
    }

    /// Takes in the seed article (once) and points the seed claims quoting it at its sentences.
    pub async fn seed_article(&self, source: &str, content: ArticleContent) -> Result<Option<i64>> {
        let external = source.to_string();
        let known = self.store.reader.read(move |conn| articles::find_external(conn, &external)).await?;
        if known.is_some() {
            return Ok(None);
        }
        let id = self.store_article(&Actor::system("seed"), content, None, Some(source.to_string())).await?;
        self.store.writer.write(move |conn| articles::link_quoted(conn, id)).await?;
        Ok(Some(id))
    }
}

/// The input checked, HTML read as the fetcher reads pages.
pub fn validate(input: &ArticleInput) -> Result<ArticleContent> {
    let html_text = |html: &str| crate::fetch::extract::html(html).text.unwrap_or_default();
    input.validate(html_text).map_err(refused)
}

fn refused(refused: Refused) -> Error {
    match refused {
        Refused::Invalid(errors) => Error::Invalid(errors),
        Refused::TooLarge(limit) => Error::TooLarge(limit),
    }
}

fn url_error(rule: &'static str, message: String) -> Error {
    Error::Invalid(vec![FieldError { field: "url".into(), rule, message }])
}

/// A page that could not be had, as the rule the `url` breaks.
fn refused_url(why: NotFetched) -> Error {
    match why {
        NotFetched::Refused(refusal) => url_error("address-guard", format!("refused by the address guard: {refusal}")),
        NotFetched::Unreachable(why) => url_error("reachable", format!("the page could not be fetched: {why}")),
        NotFetched::NotText(kind) => url_error(
            "content-type",
            format!(
                "the page is {}, not HTML or text: send the article's text instead",
                kind.as_deref().map_or("of no stated type".to_owned(), |k| format!("of type {k}"))
            ),
        ),
    }
}
