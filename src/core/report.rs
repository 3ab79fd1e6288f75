//! The report: a diagnosis frozen with its context — what a shared link, Markdown or JSON will carry.

use super::diagnosis::{Diagnosis, State, Verdict};
use super::finding::{Fact, Status};
use super::key::KeyKind;
use super::run::Context;

/// One check's line in a report.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportLine {
    pub code: &'static str,
    pub status: Status,
    /// The outcome id; for skipped checks, `skipped`.
    pub outcome: &'static str,
    /// For skipped checks, the failing check at the root.
    pub skipped_because: Option<&'static str>,
    pub facts: Vec<Fact>,
}

/// A finished run, with nothing secret in it: the key appears at most as its kind and length.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The base URL as typed.
    pub target: String,
    /// The key's kind and length, if a key was given.
    pub key: Option<(&'static str, usize)>,
    /// The browser's user agent string.
    pub browser: String,
    /// When the run started, in milliseconds since the Unix epoch.
    pub started_ms: f64,
    pub verdict: Verdict,
    pub lines: Vec<ReportLine>,
}

impl Report {
    /// Freezes a diagnosis.
    pub fn new(ctx: &Context, diagnosis: &Diagnosis, browser: &str, started_ms: f64) -> Report {
        let lines = diagnosis
            .entries
            .iter()
            .filter_map(|e| match &e.state {
                State::Pending => None,
                State::Done(f) => Some(ReportLine {
                    code: f.code,
                    status: f.outcome.status,
                    outcome: f.outcome.id,
                    skipped_because: None,
                    facts: f.facts.clone(),
                }),
                State::Skipped { because } => Some(ReportLine {
                    code: e.check.code,
                    status: Status::Skipped,
                    outcome: "skipped",
                    skipped_because: Some(because),
                    facts: Vec::new(),
                }),
            })
            .collect();
        Report {
            target: ctx.base_input.trim().to_string(),
            key: ctx
                .key
                .as_ref()
                .map(|k| (KeyKind::of(k.expose()).as_str(), k.len())),
            browser: browser.to_string(),
            started_ms,
            verdict: diagnosis.verdict.clone(),
            lines,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::diagnosis::diagnose;
    use crate::core::key::{ApiKey, AuthMode};
    use crate::core::observation::Observation;
    use crate::core::probe::ProbeId;

    #[test]
    fn a_report_never_holds_the_key() {
        let secret = format!("sk-ant-api03-{}AA", "s3cr3t".repeat(15) + "abc");
        let ctx = Context::new(
            "https://api.anthropic.com",
            AuthMode::ApiKey,
            ApiKey::new(secret.clone()),
            true,
        );
        let obs = crate::core::run::sim::run(
            &ctx,
            &[
                (ProbeId::Reach, Observation::TimedOut { after_ms: 10_000 }),
                (
                    ProbeId::CorsRead,
                    Observation::TimedOut { after_ms: 10_000 },
                ),
                (
                    ProbeId::KeyModels,
                    Observation::TimedOut { after_ms: 10_000 },
                ),
            ],
        );
        let report = Report::new(&ctx, &diagnose(&ctx, &obs), "test-browser", 1.0);
        assert!(!format!("{report:?}").contains("s3cr3t"));
        assert_eq!(report.key, Some(("api-key", 108)));
        assert_eq!(report.lines.len(), crate::core::checks::REGISTRY.len());
        let skipped: Vec<_> = report
            .lines
            .iter()
            .filter(|l| l.status == Status::Skipped)
            .map(|l| (l.code, l.skipped_because))
            .collect();
        assert_eq!(
            skipped,
            [
                ("cors.read", Some("network.reach")),
                ("auth.key", Some("network.reach")),
                ("auth.model", Some("network.reach")),
                ("service.clock", Some("network.reach")),
                ("service.rate_limits", Some("network.reach")),
                ("service.message", Some("network.reach")),
                ("perf.latency", Some("network.reach")),
            ]
        );
    }
}
