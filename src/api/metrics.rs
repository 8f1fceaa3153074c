//! `GET /metrics`, in Prometheus text format: requests by route template and status, latency
//! histograms, the rendered-claim cache, evidence link checks and webhook attempts by outcome, and the writer's queue depth,
//! commit groups and rollbacks.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use actix_web::HttpResponse;
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry, TextEncoder};

use super::State;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pub cache_hits: IntCounter,
    pub cache_misses: IntCounter,
    pub link_checks: IntCounterVec,
    pub webhook_attempts: IntCounterVec,
}

impl Metrics {
    pub fn new() -> prometheus::Result<Metrics> {
        let registry = Registry::new_custom(Some("claimcheck".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by method, route template and status"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by method and route template")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["method", "route"],
        )?;
        let cache_hits = IntCounter::new("claim_cache_hits_total", "GET /v1/claims/{id} served from memory")?;
        let cache_misses = IntCounter::new("claim_cache_misses_total", "GET /v1/claims/{id} read from SQLite")?;
        let link_checks = IntCounterVec::new(
            Opts::new("link_checks_total", "Evidence link checks by outcome: page, missing, refused, failed"),
            &["outcome"],
        )?;
        registry.register(Box::new(link_checks.clone()))?;
        let webhook_attempts = IntCounterVec::new(
            Opts::new(
                "webhook_attempts_total",
                "Webhook delivery attempts by outcome: delivered, retry, gave_up, gone",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(webhook_attempts.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(cache_hits.clone()))?;
        registry.register(Box::new(cache_misses.clone()))?;
        Ok(Metrics { registry, requests, latency, cache_hits, cache_misses, link_checks, webhook_attempts })
    }

    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let method = method_label(method);
        self.requests.with_label_values(&[method, route, &status.to_string()]).inc();
        self.latency.with_label_values(&[method, route]).observe(seconds);
    }
}

/// Any token is a valid method, so a label per method name would let clients grow the metrics
/// without bound; names outside the standard set share one label.
fn method_label(method: &str) -> &'static str {
    const STANDARD: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    STANDARD.into_iter().find(|m| *m == method).unwrap_or("OTHER")
}

#[utoipa::path(get, path = "/metrics", tag = "service", summary = "Prometheus metrics",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")),
    security(()))]
pub async fn metrics(state: State) -> HttpResponse {
    let mut text = Vec::new();
    let _ = TextEncoder::new().encode(&state.metrics.registry.gather(), &mut text);
    let mut text = String::from_utf8(text).unwrap_or_default();
    write_writer(&mut text, &state.service.store().writer);
    let _ =
        writeln!(text, "# HELP claimcheck_matching_changes_pending Changed claims the matching index has yet to read");
    let _ = writeln!(text, "# TYPE claimcheck_matching_changes_pending gauge");
    let _ = writeln!(text, "claimcheck_matching_changes_pending {}", state.service.matching_changes_pending());
    if state.service.vectors().is_some() {
        let _ =
            writeln!(text, "# HELP claimcheck_sentence_vectors_pending Claims whose sentence vector is yet to be made");
        let _ = writeln!(text, "# TYPE claimcheck_sentence_vectors_pending gauge");
        let _ = writeln!(text, "claimcheck_sentence_vectors_pending {}", state.service.vectors_pending());
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(text)
}

/// The writer's queue depth, commit group sizes and rollbacks, in the text format.
fn write_writer(text: &mut String, writer: &crate::store::Writer) {
    let stats = &writer.stats;
    let _ = writeln!(text, "# HELP claimcheck_writer_queue_depth Writes waiting for the writer thread");
    let _ = writeln!(text, "# TYPE claimcheck_writer_queue_depth gauge");
    let _ = writeln!(text, "claimcheck_writer_queue_depth {}", writer.queued());
    let _ = writeln!(text, "# HELP claimcheck_writer_group_size Writes committed together in one transaction");
    let _ = writeln!(text, "# TYPE claimcheck_writer_group_size histogram");
    let mut cumulative = 0;
    for (k, bucket) in stats.sizes.iter().enumerate() {
        cumulative += bucket.load(Ordering::Relaxed);
        let _ = writeln!(text, "claimcheck_writer_group_size_bucket{{le=\"{}\"}} {cumulative}", 1u64 << k);
    }
    let groups = stats.groups.load(Ordering::Relaxed);
    let _ = writeln!(text, "claimcheck_writer_group_size_bucket{{le=\"+Inf\"}} {groups}");
    let _ = writeln!(text, "claimcheck_writer_group_size_sum {}", stats.jobs.load(Ordering::Relaxed));
    let _ = writeln!(text, "claimcheck_writer_group_size_count {groups}");
    let _ = writeln!(
        text,
        "# HELP claimcheck_writer_rolled_back_groups_total Commit groups undone (failed part-way, disk full)"
    );
    let _ = writeln!(text, "# TYPE claimcheck_writer_rolled_back_groups_total counter");
    let _ = writeln!(text, "claimcheck_writer_rolled_back_groups_total {}", stats.rolled_back.load(Ordering::Relaxed));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_outside_the_standard_set_share_a_label() {
        assert_eq!(method_label("GET"), "GET");
        assert_eq!(method_label("PATCH"), "PATCH");
        assert_eq!(method_label("BREW"), "OTHER");
        assert_eq!(method_label("get"), "OTHER");
    }
}
