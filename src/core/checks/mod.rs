//! The checks: each a pure function from observations to a finding, one file each, listed once below.

use super::finding::{Finding, Layer, Outcome, Snippet};
use super::i18n::{t, Text};
use super::observation::Observations;
use super::probe::ProbeId;
use super::run::Context;

pub mod auth_key;
pub mod auth_key_shape;
pub mod auth_model;
pub mod body;
pub mod cors_read;
pub mod dns_public;
pub mod network_reach;
pub mod page_mixed_content;
pub mod page_online;
pub mod page_target;
pub mod perf_latency;
pub mod perf_watch;
pub mod service_clock;
pub mod service_message;
pub mod service_rate_limits;
pub mod service_status;

/// More patience for retries, which the SDKs already make for 429, 529, 5xx and connection errors: the fix
/// of every outcome that a retry can outlast.
pub const RETRY_SNIPPETS: &[Snippet] = &[
    Snippet {
        tool: "Python",
        code: "client = anthropic.Anthropic(max_retries=4)",
    },
    Snippet {
        tool: "TypeScript",
        code: "const client = new Anthropic({ maxRetries: 4 });",
    },
];

/// The words of a check's `not_run` outcome: the run was cancelled, or its probe was not sent.
pub const NOT_RUN_TITLE: Text = t("Not checked", "未检测");
/// See [`NOT_RUN_TITLE`].
pub const NOT_RUN_DETAIL: Text = t(
    "The run was cancelled, or the request was not sent.",
    "检测已取消，或请求未发送。",
);

/// A check: what it is, what it needs and how it decides.
pub struct Check {
    /// Stable code, never reworded: `layer.name`.
    pub code: &'static str,
    pub layer: Layer,
    /// What the check looks at, for people.
    pub title: Text,
    /// Checks whose failure makes this one meaningless; they come earlier in the registry.
    pub depends_on: &'static [&'static str],
    /// Probes whose observations it reads; none for local checks.
    pub probes: &'static [ProbeId],
    /// Every outcome it can give, for the catalogue and its tests.
    pub outcomes: &'static [&'static Outcome],
    /// The decision; `None` while a probe it reads has not been observed.
    pub evaluate: fn(&Context, &Observations) -> Option<Finding>,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Check({})", self.code)
    }
}

/// Checks are the same when their codes are: codes are unique in the registry.
impl PartialEq for Check {
    fn eq(&self, other: &Check) -> bool {
        self.code == other.code
    }
}

/// Every check, lowest layer first; dependencies precede their dependents.
pub const REGISTRY: &[&Check] = &[
    &page_target::CHECK,
    &page_mixed_content::CHECK,
    &page_online::CHECK,
    &dns_public::CHECK,
    &network_reach::CHECK,
    &cors_read::CHECK,
    &auth_key_shape::CHECK,
    &auth_key::CHECK,
    &auth_model::CHECK,
    &service_status::CHECK,
    &service_clock::CHECK,
    &service_rate_limits::CHECK,
    &service_message::CHECK,
    &perf_latency::CHECK,
    &perf_watch::CHECK,
];

/// The check with `code`.
pub fn by_code(code: &str) -> Option<&'static Check> {
    REGISTRY.iter().copied().find(|c| c.code == code)
}

/// Test support shared by the checks.
#[cfg(test)]
pub mod testing {
    use super::Check;
    use crate::core::finding::{Fact, Finding};

    /// Asserts that the finding holds each of `facts`, among others.
    pub fn assert_has_facts(finding: &Finding, facts: &[Fact]) {
        for fact in facts {
            assert!(
                finding.facts.contains(fact),
                "{fact:?} missing from {:?}",
                finding.facts
            );
        }
    }

    /// Asserts that a table's rows produced every outcome of `check`, and nothing else.
    pub fn assert_covers<'a>(check: &Check, produced: impl IntoIterator<Item = &'a str>) {
        let mut got: Vec<&str> = produced.into_iter().collect();
        got.sort_unstable();
        got.dedup();
        let mut all: Vec<&str> = check.outcomes.iter().map(|o| o.id).collect();
        all.sort_unstable();
        assert_eq!(
            got, all,
            "{}: the table's rows must reach every outcome",
            check.code
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::finding::Status;

    #[test]
    fn codes_are_unique_and_name_their_layer() {
        for (i, check) in REGISTRY.iter().enumerate() {
            assert!(
                REGISTRY[..i].iter().all(|c| c.code != check.code),
                "{} twice",
                check.code
            );
            let prefix = check.code.split('.').next().unwrap();
            let layer = if prefix == "perf" {
                "performance"
            } else {
                prefix
            };
            assert_eq!(layer, check.layer.as_str(), "{}", check.code);
        }
    }

    #[test]
    fn dependencies_come_first() {
        for (i, check) in REGISTRY.iter().enumerate() {
            for dep in check.depends_on {
                assert!(
                    REGISTRY[..i].iter().any(|c| c.code == *dep),
                    "{} depends on {dep}, which is not before it",
                    check.code
                );
            }
        }
    }

    #[test]
    fn registry_is_ordered_by_layer() {
        assert!(REGISTRY.windows(2).all(|w| w[0].layer <= w[1].layer));
    }

    #[test]
    fn every_outcome_has_both_languages_and_fixes_where_needed() {
        for check in REGISTRY {
            assert!(
                !check.title.en.is_empty() && !check.title.zh.is_empty(),
                "{}",
                check.code
            );
            for (i, o) in check.outcomes.iter().enumerate() {
                let at = format!("{}/{}", check.code, o.id);
                assert!(
                    check.outcomes[..i].iter().all(|p| p.id != o.id),
                    "{at} twice"
                );
                for text in [o.title, o.detail].into_iter().chain(o.fix) {
                    assert!(
                        !text.en.trim().is_empty() && !text.zh.trim().is_empty(),
                        "{at}: a text in one language only"
                    );
                    assert_ne!(
                        text.en, text.zh,
                        "{at}: the Chinese text is a copy of the English"
                    );
                }
                if matches!(o.status, Status::Warn | Status::Fail) {
                    assert!(o.fix.is_some(), "{at} is {:?} without a fix", o.status);
                }
                assert_ne!(
                    o.status,
                    Status::Skipped,
                    "{at}: skipping is the diagnosis's call"
                );
            }
        }
    }
}
