//! The report: a diagnosis frozen with its context — what a shared link, Markdown or JSON will carry.

use super::diagnosis::{Diagnosis, Entry, State, Verdict};
use super::key::{ApiKey, KeyKind};
use super::run::Context;
use super::sha256;

/// What a report may say about the key: enough to tell two keys apart, never enough to use one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPrint {
    /// [`KeyKind::as_str`] of the key's prefix.
    pub kind: &'static str,
    /// Length in characters.
    pub length: usize,
    /// The first four bytes of the key's SHA-256: `printf %s "$KEY" | sha256sum | cut -c1-8` shows the same.
    pub sha256: [u8; 4],
}

impl KeyPrint {
    /// The fingerprint of a key.
    pub fn of(key: &ApiKey) -> KeyPrint {
        let digest = sha256::digest(key.expose().as_bytes());
        KeyPrint {
            kind: KeyKind::of(key.expose()).as_str(),
            length: key.len(),
            sha256: [digest[0], digest[1], digest[2], digest[3]],
        }
    }

    /// The short hash as eight lowercase hex digits, as `sha256sum` prints it.
    pub fn hash_hex(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A finished run, with nothing secret in it: the key appears at most as its [`KeyPrint`].
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The base URL as typed, trimmed.
    pub target: String,
    pub key: Option<KeyPrint>,
    /// The browser's user agent string.
    pub browser: String,
    /// When the run started, in milliseconds since the Unix epoch.
    pub started_ms: f64,
    /// How long the run took until its verdict, in milliseconds.
    pub took_ms: u32,
    pub verdict: Verdict,
    /// See [`Diagnosis::their_side`].
    pub their_side: bool,
    /// Every decided check in registry order: done or skipped, never pending.
    pub entries: Vec<Entry>,
}

impl Report {
    /// Freezes a diagnosis.
    pub fn new(
        ctx: &Context,
        diagnosis: &Diagnosis,
        browser: &str,
        started_ms: f64,
        took_ms: u32,
    ) -> Report {
        Report {
            target: ctx.base_input.trim().to_string(),
            key: ctx.key.as_ref().map(KeyPrint::of),
            browser: browser.to_string(),
            started_ms,
            took_ms,
            verdict: diagnosis.verdict.clone(),
            their_side: diagnosis.their_side,
            entries: diagnosis
                .entries
                .iter()
                .filter(|e| e.state != State::Pending)
                .cloned()
                .collect(),
        }
    }

    /// The diagnosis again, for the renderer.
    pub fn diagnosis(&self) -> Diagnosis {
        Diagnosis {
            entries: self.entries.clone(),
            verdict: self.verdict.clone(),
            their_side: self.their_side,
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
        let d = diagnose(&ctx, &obs);
        let report = Report::new(&ctx, &d, "test-browser", 1.0, 2);
        assert!(!format!("{report:?}").contains("s3cr3t"));
        let print = report.key.expect("a fingerprint");
        assert_eq!((print.kind, print.length), ("api-key", 108));
        assert_eq!(print.hash_hex().len(), 8);
        assert_eq!(report.entries.len(), crate::core::checks::REGISTRY.len());
        assert_eq!(report.diagnosis(), d);
        let skipped: Vec<_> = report
            .entries
            .iter()
            .filter_map(|e| match e.state {
                State::Skipped { because } => Some((e.check.code, Some(because))),
                _ => None,
            })
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
