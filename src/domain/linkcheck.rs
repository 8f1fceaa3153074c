//! Where an evidence link stands and when to look at it again. Pure: the fetcher observes, this
//! decides.
//!
//! | state     | meaning                                                                   | next check          |
//! |-----------|---------------------------------------------------------------------------|---------------------|
//! | `pending` | not fetched successfully yet                                              | backoff on failure  |
//! | `live`    | reachable, and the body is the one archived when the item was cited       | the recheck period  |
//! | `changed` | reachable, but the body differs from the archived one (edited since)      | the recheck period  |
//! | `gone`    | 404, 410 or an unknown host, `GONE_AFTER` checks in a row                 | the recheck period  |
//! | `blocked` | the address guard refused the URL or one of its redirects                 | the recheck period  |
//! | `failed`  | any other error (timeouts, 5xx, resets); retried                          | backoff             |
//!
//! A missing page does not count as gone at once: servers have bad minutes. Until the `GONE_AFTER`th
//! miss in a row the item keeps its state and is retried with backoff.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Misses in a row (404, 410, unknown host) before a link counts as gone.
pub const GONE_AFTER: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Pending,
    Live,
    Changed,
    Gone,
    Blocked,
    Failed,
}

impl LinkState {
    pub const ALL: [LinkState; 6] = [
        LinkState::Pending,
        LinkState::Live,
        LinkState::Changed,
        LinkState::Gone,
        LinkState::Blocked,
        LinkState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Pending => "pending",
            LinkState::Live => "live",
            LinkState::Changed => "changed",
            LinkState::Gone => "gone",
            LinkState::Blocked => "blocked",
            LinkState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<LinkState> {
        LinkState::ALL.into_iter().find(|state| state.as_str() == s)
    }
}

/// What one check saw, relative to the snapshot archived when the item was cited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observation {
    /// A 2xx answer with the archived body (or the first body: it becomes the archived one).
    Same,
    /// A 2xx answer with another body.
    Different,
    /// 404, 410 or a host that does not resolve.
    Missing,
    /// The address guard refused it.
    Refused,
    /// Anything else.
    Error,
}

/// The schedule's settings.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// How often a link that answered is checked again.
    pub recheck: Duration,
    /// The first retry after a failure; each further failure in a row doubles it, up to `recheck`.
    pub retry: Duration,
}

/// The state after a check and how many failures in a row it makes.
pub fn next(state: LinkState, failures: u32, seen: Observation) -> (LinkState, u32) {
    match seen {
        Observation::Same => (LinkState::Live, 0),
        Observation::Different => (LinkState::Changed, 0),
        Observation::Refused => (LinkState::Blocked, 0),
        Observation::Error => (LinkState::Failed, failures + 1),
        Observation::Missing if failures + 1 >= GONE_AFTER => (LinkState::Gone, failures + 1),
        Observation::Missing => (state, failures + 1),
    }
}

/// How long until the next check. `jitter` in 0..1 spreads routine checks over a tenth of the period
/// so that links attached together are not all checked in the same second forever after.
pub fn delay(state: LinkState, failures: u32, schedule: Schedule, jitter: f64) -> Duration {
    let routine = schedule.recheck.mul_f64(1.0 - 0.1 * jitter.clamp(0.0, 1.0));
    if failures == 0 || state == LinkState::Gone {
        return routine;
    }
    let backoff = schedule.retry.saturating_mul(1u32 << (failures - 1).min(20));
    backoff.min(routine)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEDULE: Schedule = Schedule { recheck: Duration::from_secs(86_400), retry: Duration::from_secs(60) };

    #[test]
    fn answers_set_the_state_at_once() {
        assert_eq!(next(LinkState::Pending, 2, Observation::Same), (LinkState::Live, 0));
        assert_eq!(next(LinkState::Live, 0, Observation::Different), (LinkState::Changed, 0));
        assert_eq!(next(LinkState::Changed, 0, Observation::Same), (LinkState::Live, 0));
        assert_eq!(next(LinkState::Live, 0, Observation::Refused), (LinkState::Blocked, 0));
        assert_eq!(next(LinkState::Live, 0, Observation::Error), (LinkState::Failed, 1));
    }

    #[test]
    fn a_page_is_gone_only_after_several_misses_in_a_row() {
        let (mut state, mut failures) = (LinkState::Live, 0);
        for _ in 1..GONE_AFTER {
            (state, failures) = next(state, failures, Observation::Missing);
            assert_eq!(state, LinkState::Live);
        }
        (state, failures) = next(state, failures, Observation::Missing);
        assert_eq!((state, failures), (LinkState::Gone, GONE_AFTER));
        assert_eq!(next(state, failures, Observation::Same), (LinkState::Live, 0));
    }

    #[test]
    fn failures_back_off_up_to_the_recheck_period() {
        assert_eq!(delay(LinkState::Failed, 1, SCHEDULE, 0.0), Duration::from_secs(60));
        assert_eq!(delay(LinkState::Failed, 2, SCHEDULE, 0.0), Duration::from_secs(120));
        assert_eq!(delay(LinkState::Failed, 5, SCHEDULE, 0.0), Duration::from_secs(960));
        assert_eq!(delay(LinkState::Failed, 40, SCHEDULE, 0.0), Duration::from_secs(86_400));
        assert_eq!(delay(LinkState::Live, 0, SCHEDULE, 0.0), Duration::from_secs(86_400));
        assert_eq!(delay(LinkState::Gone, 3, SCHEDULE, 0.0), Duration::from_secs(86_400));
        assert_eq!(delay(LinkState::Live, 0, SCHEDULE, 1.0), Duration::from_secs(77_760));
    }

    #[test]
    fn states_round_trip() {
        for state in LinkState::ALL {
            assert_eq!(LinkState::parse(state.as_str()), Some(state));
        }
    }
}
