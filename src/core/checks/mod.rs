//! The checks: each a pure function from observations to a finding, one file each, listed once below.

use super::finding::{Finding, Layer, Outcome, Snippet, Status};
use super::i18n::{t, Text};
use super::input::{Applies, Context, Vantage};
use super::observation::Observations;
use super::probe::ProbeId;

pub mod auth_key;
pub mod auth_key_shape;
pub mod auth_model;
pub mod body;
pub mod cors_headers;
pub mod cors_read;
pub mod dns_public;
pub mod dns_system;
pub mod env_config;
pub mod network_connect;
pub mod network_idle;
pub mod network_proxy;
pub mod network_reach;
pub mod network_upload;
pub mod page_mixed_content;
pub mod page_online;
pub mod page_target;
pub mod perf_latency;
pub mod perf_watch;
pub mod service_clock;
pub mod service_message;
pub mod service_rate_limits;
pub mod service_status;
pub mod tls_handshake;
pub mod tls_trust;

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

/// The proxy, for each runtime as it reads one (measured): Claude Code, curl and the Python SDK read
/// `HTTPS_PROXY`; Node ignores it unless `NODE_USE_ENV_PROXY=1` on Node 22 and later, and on Node 20 the app
/// passes a `ProxyAgent` from undici 7 (undici 8 does not load on Node 20).
pub const PROXY_SNIPPETS: &[Snippet] = &[
    Snippet {
        tool: "Claude Code",
        code: "export HTTPS_PROXY=http://proxy.example.com:8080",
    },
    Snippet {
        tool: "Python",
        code: "client = anthropic.Anthropic(http_client=anthropic.DefaultHttpxClient(proxy=\"http://proxy.example.com:8080\"))",
    },
    Snippet {
        tool: "TypeScript",
        code: "import { ProxyAgent } from \"undici\"; // npm install undici@7 on Node 20\nconst client = new Anthropic({ fetchOptions: { dispatcher: new ProxyAgent(\"http://proxy.example.com:8080\") } });",
    },
    Snippet {
        tool: "Node 22+",
        code: "export NODE_USE_ENV_PROXY=1 HTTPS_PROXY=http://proxy.example.com:8080",
    },
];

/// A private or intercepting CA, trusted as each runtime reads trust (measured): Node and Claude Code add
/// `NODE_EXTRA_CA_CERTS` to their own roots; the Python SDK (1.0 and later) trusts the system store, or
/// the CA given to its client.
pub const TRUST_SNIPPETS: &[Snippet] = &[
    Snippet {
        tool: "Claude Code, Node",
        code: "export NODE_EXTRA_CA_CERTS=/path/to/corporate-ca.pem",
    },
    Snippet {
        tool: "Python",
        code: "import ssl\nclient = anthropic.Anthropic(http_client=anthropic.DefaultHttpxClient(verify=ssl.create_default_context(cafile=\"/path/to/corporate-ca.pem\")))",
    },
    Snippet {
        tool: "Debian, Ubuntu",
        code: "sudo cp corporate-ca.pem /usr/local/share/ca-certificates/corporate-ca.crt && sudo update-ca-certificates",
    },
];

/// Where a native TLS check stands before it reads the main path: ready with the target; decided without it
/// (`Err(Some(outcome))`: `not_run` when the base URL does not parse, `plain` for a plain `http://` one); or
/// waiting for the paths (`Err(None)`).
pub fn tls_ready<'a>(
    ctx: &'a Context,
    obs: &Observations,
    not_run: &'static Outcome,
    plain: &'static Outcome,
) -> Result<&'a crate::core::target::Target, Option<&'static Outcome>> {
    let target = ctx.target.as_ref().map_err(|_| Some(not_run))?;
    if target.scheme == crate::core::target::Scheme::Http {
        return Err(Some(plain));
    }
    if !crate::core::native::paths_done(&ctx.native, target, obs) {
        return Err(None);
    }
    Ok(target)
}

/// The words of a check's `not_run` outcome: the run was cancelled, or its probe was not sent.
pub const NOT_RUN_TITLE: Text = t!("Not checked", "未检测");
/// See [`NOT_RUN_TITLE`].
pub const NOT_RUN_DETAIL: Text = t!(
    "The run was cancelled, or the request was not sent.",
    "检测已取消，或请求未发送。",
);

/// A check's `not_run` outcome in `layer`: the run was cancelled, or its probe was not sent.
pub const fn not_run(layer: Layer) -> Outcome {
    Outcome {
        id: "not_run",
        status: Status::Info,
        layer,
        title: NOT_RUN_TITLE,
        detail: NOT_RUN_DETAIL,
        fix: None,
        snippets: &[],
    }
}

/// Whether this build is the page's. The logic only the native doctor runs (the native checks'
/// evaluation, the plan's native wave, the native section's making) asks it and is compiled out of the
/// wasm: a page renders native reports from links but never runs as the native doctor.
pub const IN_PAGE: bool = cfg!(target_arch = "wasm32");

/// A check: what it is, what it needs and how it decides.
pub struct Check {
    /// Stable code, never reworded: `layer.name`.
    pub code: &'static str,
    /// Stable wire id, never reused or renumbered: report links name the check by it (`wire_ids.txt`).
    pub wire: u8,
    /// The vantages the check is shown from.
    pub applies: Applies,
    pub layer: Layer,
    /// What the check looks at, for people.
    pub title: Text,
    /// Checks whose failure makes this one meaningless; they come earlier in the registry.
    pub depends_on: &'static [&'static str],
    /// Probes whose observations it reads; none for local checks.
    pub probes: &'static [ProbeId],
    /// Every outcome it can give, each with its wire id within the check: stable like the check's own,
    /// never reused or renumbered, so that report links keep their meaning (`wire_ids.txt`).
    pub outcomes: &'static [(u8, &'static Outcome)],
    /// Outcomes the check no longer gives, with their wire ids: kept only so that report links naming them
    /// still open and say what they said. Their lines in `wire_ids.txt` are marked `retired`.
    pub retired: &'static [(u8, &'static Outcome)],
    /// The decision; `None` while a probe it reads has not been observed.
    pub evaluate: fn(&Context, &Observations) -> Option<Finding>,
}

impl Check {
    /// Every outcome, without wire ids.
    pub fn outcome_list(&self) -> impl Iterator<Item = &'static Outcome> {
        self.outcomes.iter().map(|(_, o)| *o)
    }

    /// The outcome with this wire id, retired ones included: a report link may name either.
    pub fn outcome_by_wire(&self, wire: u8) -> Option<&'static Outcome> {
        self.outcomes
            .iter()
            .chain(self.retired)
            .find(|(w, _)| *w == wire)
            .map(|(_, o)| *o)
    }

    /// The wire id of the outcome with this id, retired ones included, so an old report can be shared on.
    pub fn wire_of(&self, outcome_id: &str) -> Option<u8> {
        self.outcomes
            .iter()
            .chain(self.retired)
            .find(|(_, o)| o.id == outcome_id)
            .map(|(w, _)| *w)
    }

    /// Whether the check is shown from `vantage`.
    pub fn applies_to(&self, vantage: Vantage) -> bool {
        self.applies.to(vantage)
    }
}

/// Every snippet any outcome shows, once each in registry order, with the first check and outcome that
/// show it: the list the snippet-running test goes through.
pub fn snippets() -> Vec<(&'static str, &'static str, &'static Snippet)> {
    let mut out: Vec<(&'static str, &'static str, &'static Snippet)> = Vec::new();
    for check in REGISTRY {
        for o in check.outcome_list() {
            for s in o.snippets {
                if !out.iter().any(|(_, _, seen)| seen == &s) {
                    out.push((check.code, o.id, s));
                }
            }
        }
    }
    out
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
    &env_config::CHECK,
    &dns_public::CHECK,
    &dns_system::CHECK,
    &network_reach::CHECK,
    &network_connect::CHECK,
    &network_proxy::CHECK,
    &network_upload::CHECK,
    &network_idle::CHECK,
    &tls_handshake::CHECK,
    &tls_trust::CHECK,
    &cors_read::CHECK,
    &cors_headers::CHECK,
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

/// The check with this wire id.
pub fn by_wire(wire: u8) -> Option<&'static Check> {
    REGISTRY.iter().copied().find(|c| c.wire == wire)
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
        let mut all: Vec<&str> = check.outcome_list().map(|o| o.id).collect();
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
    use crate::core::i18n::Lang;

    /// One line of `wire_ids.txt`: a check or an outcome, in use or retired.
    #[derive(Debug, PartialEq)]
    enum WireLine<'a> {
        Check { wire: u8, code: &'a str },
        Outcome { check: u8, wire: u8, id: &'a str },
    }

    /// The file's lines, and whether each is retired.
    fn wire_lines(file: &str) -> Vec<(bool, WireLine<'_>)> {
        file.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (retired, rest) = match l.strip_prefix("retired ") {
                    Some(rest) => (true, rest),
                    None => (false, l),
                };
                let words: Vec<&str> = rest.split_whitespace().collect();
                let num = |i: usize| -> u8 {
                    words
                        .get(i)
                        .and_then(|w| w.parse().ok())
                        .unwrap_or_else(|| panic!("wire_ids.txt: bad line {l:?}"))
                };
                let line = match words.first() {
                    Some(&"check") if words.len() == 3 => WireLine::Check {
                        wire: num(1),
                        code: words[2],
                    },
                    Some(&"outcome") if words.len() == 4 => WireLine::Outcome {
                        check: num(1),
                        wire: num(2),
                        id: words[3],
                    },
                    _ => panic!("wire_ids.txt: bad line {l:?}"),
                };
                (retired, line)
            })
            .collect()
    }

    /// Every way the registry can break the file's promise, as messages; empty when it keeps it.
    fn wire_problems(file: &str) -> Vec<String> {
        let lines = wire_lines(file);
        let mut problems = Vec::new();
        // A number is given once, ever: to one check, or to one outcome of a check.
        for (i, (_, a)) in lines.iter().enumerate() {
            for (_, b) in &lines[..i] {
                let same = match (a, b) {
                    (WireLine::Check { wire: x, .. }, WireLine::Check { wire: y, .. }) => x == y,
                    (
                        WireLine::Outcome {
                            check: c, wire: x, ..
                        },
                        WireLine::Outcome {
                            check: d, wire: y, ..
                        },
                    ) => c == d && x == y,
                    _ => false,
                };
                if same {
                    problems.push(format!("{a:?} reuses the number of {b:?}"));
                }
            }
        }
        let listed = |want: &WireLine| lines.iter().find(|(_, l)| l == want).map(|(r, _)| *r);
        for check in REGISTRY {
            let line = WireLine::Check {
                wire: check.wire,
                code: check.code,
            };
            match listed(&line) {
                Some(false) => {}
                Some(true) => problems.push(format!("{line:?} is retired but in use")),
                None => problems.push(format!(
                    "{} has wire id {}, which wire_ids.txt does not give it: a new check takes the next free number and appends `check {} {}`; an existing one never changes its number",
                    check.code, check.wire, check.wire, check.code
                )),
            }
            for (wire, o) in check.outcomes {
                let line = WireLine::Outcome {
                    check: check.wire,
                    wire: *wire,
                    id: o.id,
                };
                match listed(&line) {
                    Some(false) => {}
                    Some(true) => problems.push(format!("{line:?} is retired but in use")),
                    None => problems.push(format!(
                        "{}/{} has wire id {wire}, which wire_ids.txt does not give it: a new outcome takes the next free number and appends `outcome {} {wire} {}`; an existing one never changes its number",
                        check.code, o.id, check.wire, o.id
                    )),
                }
            }
        }
        // An outcome kept for old links must be listed as retired, under its own number.
        for check in REGISTRY {
            for (wire, o) in check.retired {
                let line = WireLine::Outcome {
                    check: check.wire,
                    wire: *wire,
                    id: o.id,
                };
                if listed(&line) != Some(true) {
                    problems.push(format!(
                        "{}/{} is kept as retired, but wire_ids.txt does not list `retired outcome {} {wire} {}`",
                        check.code, o.id, check.wire, o.id
                    ));
                }
                if check.outcomes.iter().any(|(w, _)| w == wire) {
                    problems.push(format!("{line:?} is retired but its number is in use"));
                }
            }
        }
        // What the file lists and the registry no longer has must be marked retired, never deleted.
        for (retired, line) in &lines {
            let in_use = match line {
                WireLine::Check { wire, code } => {
                    REGISTRY.iter().any(|c| c.wire == *wire && c.code == *code)
                }
                WireLine::Outcome { check, wire, id } => REGISTRY.iter().any(|c| {
                    c.wire == *check && c.outcomes.iter().any(|(w, o)| w == wire && o.id == *id)
                }),
            };
            if !retired && !in_use {
                problems.push(format!(
                    "{line:?} is gone from the registry: mark its line `retired`, so that its number is never reused"
                ));
            }
        }
        problems
    }

    #[test]
    fn wire_ids_are_frozen() {
        let file = include_str!("wire_ids.txt");
        let problems = wire_problems(file);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        // Selections hold checks as bits of a u64.
        assert!(REGISTRY.iter().all(|c| c.wire < 64));
    }

    #[test]
    fn the_wire_id_test_catches_a_renumbering_a_reuse_and_a_deletion() {
        let file = include_str!("wire_ids.txt");
        // Renumbering an outcome: the file no longer gives the registry's number.
        let renumbered = file.replace("outcome 7 2 invalid\n", "outcome 7 99 invalid\n");
        assert_ne!(renumbered, file);
        assert!(!wire_problems(&renumbered).is_empty());
        // Reusing a number for a second outcome of the same check.
        let reused = format!("{file}outcome 7 2 something_new\n");
        assert!(wire_problems(&reused)
            .iter()
            .any(|p| p.contains("reuses the number")));
        // Deleting a line instead of retiring it, and retiring one still in use.
        let deleted = file.replace("check 5 cors.read\n", "");
        assert!(!wire_problems(&deleted).is_empty());
        let retired = file.replace("check 5 cors.read\n", "retired check 5 cors.read\n");
        assert!(wire_problems(&retired)
            .iter()
            .any(|p| p.contains("retired but in use")));
        // A retired line for something gone is fine, and its number stays taken.
        let gone = format!("{file}retired check 63 old.check\n");
        assert!(wire_problems(&gone).is_empty());
        let taken = format!("{gone}check 63 new.check\n");
        assert!(!wire_problems(&taken).is_empty());
    }

    #[test]
    fn codes_are_unique_and_name_their_layer() {
        for (i, check) in REGISTRY.iter().enumerate() {
            assert!(
                REGISTRY[..i]
                    .iter()
                    .all(|c| c.code != check.code && c.wire != check.wire),
                "{} or its wire id twice",
                check.code
            );
            let prefix = check.code.split('.').next().unwrap();
            let layer = match prefix {
                "perf" => "performance",
                "env" => "config",
                other => other,
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
                !check.title.get(Lang::En).is_empty() && !check.title.get(Lang::Zh).is_empty(),
                "{}",
                check.code
            );
            for (i, (wire, o)) in check.outcomes.iter().enumerate() {
                let at = format!("{}/{}", check.code, o.id);
                assert!(
                    check.outcomes[..i]
                        .iter()
                        .all(|(w, p)| p.id != o.id && w != wire),
                    "{at} twice, or its wire id {wire} twice"
                );
                for text in [o.title, o.detail].into_iter().chain(o.fix) {
                    assert!(
                        !text.get(Lang::En).trim().is_empty()
                            && !text.get(Lang::Zh).trim().is_empty(),
                        "{at}: a text in one language only"
                    );
                    assert_ne!(
                        text.get(Lang::En),
                        text.get(Lang::Zh),
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
