//! The report: a diagnosis frozen with its context — what a shared link, Markdown or JSON will carry.

use super::diagnosis::{Diagnosis, Entry, State, Verdict};
use super::input::{Context, Vantage};
use super::key::{ApiKey, KeyKind};
use super::native::{PathRow, RuntimeRow};
use super::observation::Observations;
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
    /// Natively: where it ran, the paths tried and what each runtime would meet. `None` from a browser.
    pub native: Option<NativeSection>,
}

/// What only the native doctor's report holds.
#[derive(Clone, Debug, PartialEq)]
pub struct NativeSection {
    /// Operating system and architecture.
    pub host_kind: String,
    pub paths: Vec<PathRow>,
    pub runtimes: Vec<RuntimeRow>,
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
            native: None,
        }
    }

    /// The same report with the native section a native run's observations give; unchanged from a
    /// browser.
    pub fn with_native(mut self, ctx: &Context, obs: &Observations) -> Report {
        // Compiled out of the page (checks::IN_PAGE): it reads native sections from links, never makes one.
        if !super::checks::IN_PAGE && ctx.vantage == Vantage::Native {
            let target = ctx.target.as_ref().ok();
            self.native = Some(NativeSection {
                host_kind: ctx.native.host_kind.clone(),
                paths: super::native::paths(&ctx.native, target, obs),
                runtimes: super::native::runtimes(&ctx.native, target, obs),
            });
        }
        self
    }

    /// Whether the run failed: a check failed, or the verdict is broken or cancelled. The native doctor
    /// exits 1 then.
    pub fn failed(&self) -> bool {
        matches!(self.verdict, Verdict::Broken { .. } | Verdict::Cancelled)
            || self
                .entries
                .iter()
                .any(|e| e.status() == Some(super::finding::Status::Fail))
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

/// A short name for a user agent string, such as `Chrome 156 · Windows`; empty when nothing is recognised.
pub fn browser_name(ua: &str) -> String {
    let version = |token: &str| {
        ua.split(token).nth(1).map(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap_or("")
                .to_string()
        })
    };
    // Order matters: Edge and Opera also say Chrome, and Chrome also says Safari.
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
    ]
    .iter()
    .find_map(|(token, name)| version(token).map(|v| format!("{name} {v}")));
    let os = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(token, _)| ua.contains(token))
    .map(|(_, name)| *name);
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} · {o}"),
        (Some(b), None) => b,
        (None, Some(o)) => o.to_string(),
        (None, None) => String::new(),
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
    fn browsers_are_named_briefly() {
        let rows = [
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36", "Chrome 156 · Linux"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0", "Edge 130 · Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari 17 · macOS"),
            ("Mozilla/5.0 (Android 14; Mobile; rv:131.0) Gecko/131.0 Firefox/131.0", "Firefox 131 · Android"),
            ("curl/8", ""),
        ];
        for (ua, want) in rows {
            assert_eq!(browser_name(ua), want, "{ua}");
        }
    }

    #[test]
    fn a_run_failed_when_a_check_failed_or_it_broke_or_stopped() {
        use crate::core::fixtures as sim;
        let run = |obs: &[(ProbeId, Observation)]| {
            let ctx = Context::new("https://api.anthropic.com", AuthMode::Bearer, None, false);
            let d = diagnose(&ctx, &sim::run(&ctx, obs));
            Report::new(&ctx, &d, "b", 0.0, 0)
        };
        assert!(!run(&[]).failed());
        assert!(run(&[(ProbeId::Reach, Observation::TimedOut { after_ms: 10_000 })]).failed());
        assert!(run(&[(ProbeId::Status, Observation::Cancelled)]).failed());
    }

    #[test]
    fn a_report_never_holds_the_key() {
        let secret = format!("sk-ant-api03-{}AA", "s3cr3t".repeat(15) + "abc");
        let ctx = Context::new(
            "https://api.anthropic.com",
            AuthMode::ApiKey,
            ApiKey::new(secret.clone()),
            true,
        );
        let obs = crate::core::fixtures::run(
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
        assert_eq!(
            report.entries.len(),
            crate::core::checks::REGISTRY
                .iter()
                .filter(|c| c.applies_to(ctx.vantage))
                .count()
        );
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
