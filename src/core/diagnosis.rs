//! The diagnosis: every check's state, dependents of a failure skipped, and one verdict naming the lowest
//! failing layer and its most likely cause.

use super::checks::{Check, REGISTRY};
use super::finding::{Finding, Layer, Outcome, Status};
use super::input::Context;
use super::observation::{Observation, Observations};
use super::select;

/// Where one check stands.
#[derive(Clone, Debug, PartialEq)]
pub enum State {
    /// Waiting for a probe, or for a check it depends on.
    Pending,
    Done(Finding),
    /// A check it depends on failed; `because` names the failing check at the root.
    Skipped {
        because: &'static str,
    },
}

/// One check and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub check: &'static Check,
    pub state: State,
}

impl Entry {
    /// The status shown, once decided.
    pub fn status(&self) -> Option<Status> {
        match &self.state {
            State::Pending => None,
            State::Done(f) => Some(f.outcome.status),
            State::Skipped { .. } => Some(Status::Skipped),
        }
    }
}

/// The one-line answer at the top of the report.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Running,
    /// The person pressed Cancel before every check was decided.
    Cancelled,
    /// Nothing failed or warned.
    Healthy,
    /// Nothing failed, but this warning is the lowest.
    Degraded {
        code: &'static str,
        outcome: &'static Outcome,
    },
    /// The lowest failing layer, and its cause.
    Broken {
        layer: Layer,
        code: &'static str,
        outcome: &'static Outcome,
    },
}

impl Verdict {
    /// The stable name of the state, for the DOM and reports.
    pub fn state(&self) -> &'static str {
        match self {
            Verdict::Running => "running",
            Verdict::Cancelled => "cancelled",
            Verdict::Healthy => "healthy",
            Verdict::Degraded { .. } => "degraded",
            Verdict::Broken { .. } => "broken",
        }
    }
}

/// Every check's state and the verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnosis {
    pub entries: Vec<Entry>,
    pub verdict: Verdict,
    /// The status page reports trouble and the root cause is one the provider's trouble explains (the
    /// path, the service or speed, not the page, DNS or the key): "it's them, not you".
    pub their_side: bool,
}

/// Diagnoses a run from what has been observed so far; call again as observations arrive.
pub fn diagnose(ctx: &Context, obs: &Observations) -> Diagnosis {
    let mut entries: Vec<Entry> = Vec::with_capacity(REGISTRY.len());
    for check in REGISTRY.iter().filter(|c| select::shown(ctx, c)) {
        let state = state_of(check, &entries, ctx, obs);
        entries.push(Entry { check, state });
    }
    let verdict = verdict_of(&entries, obs);
    let their_side = their_side(&entries, &verdict);
    Diagnosis {
        entries,
        verdict,
        their_side,
    }
}

/// Whether the status page's trouble explains the verdict.
fn their_side(entries: &[Entry], verdict: &Verdict) -> bool {
    let reported = entries.iter().any(|e| {
        e.check.code == "service.status"
            && matches!(&e.state, State::Done(f) if matches!(f.outcome.status, Status::Warn | Status::Fail))
    });
    let layer = match verdict {
        Verdict::Broken { outcome, .. } | Verdict::Degraded { outcome, .. } => outcome.layer,
        _ => return false,
    };
    reported
        && matches!(
            layer,
            Layer::Network | Layer::Cors | Layer::Service | Layer::Performance
        )
}

/// Decides one check, given the entries decided before it.
fn state_of(check: &Check, before: &[Entry], ctx: &Context, obs: &Observations) -> State {
    let deps = || {
        before
            .iter()
            .filter(|e| check.depends_on.contains(&e.check.code))
    };
    if deps().any(|e| e.state == State::Pending) {
        return State::Pending;
    }
    for dep in deps() {
        match &dep.state {
            State::Skipped { because } => return State::Skipped { because },
            State::Done(f) if f.outcome.status == Status::Fail => {
                return State::Skipped {
                    because: dep.check.code,
                }
            }
            _ => {}
        }
    }
    match (check.evaluate)(ctx, obs) {
        Some(finding) => State::Done(finding),
        None => State::Pending,
    }
}

/// The lowest failure, else the lowest warning, once every check is decided.
fn verdict_of(entries: &[Entry], obs: &Observations) -> Verdict {
    if obs.values().any(|o| *o == Observation::Cancelled) {
        return Verdict::Cancelled;
    }
    if entries.iter().any(|e| e.state == State::Pending) {
        return Verdict::Running;
    }
    let lowest = |status: Status| {
        entries
            .iter()
            .filter_map(|e| match &e.state {
                State::Done(f) if f.outcome.status == status => Some(f),
                _ => None,
            })
            // `min_by_key` keeps the first of equals, so registry order breaks ties.
            .min_by_key(|f| f.outcome.layer)
    };
    if let Some(f) = lowest(Status::Fail) {
        return Verdict::Broken {
            layer: f.outcome.layer,
            code: f.code,
            outcome: f.outcome,
        };
    }
    if let Some(f) = lowest(Status::Warn) {
        return Verdict::Degraded {
            code: f.code,
            outcome: f.outcome,
        };
    }
    Verdict::Healthy
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures as sim;
    use crate::core::fixtures::opaque;
    use crate::core::fixtures::{api_error, resp};
    use crate::core::key::{ApiKey, AuthMode};
    use crate::core::observation::NotSent;
    use crate::core::probe::ProbeId;

    fn json(status: u16, kind: &str, msg: &str) -> Observation {
        Observation::Response(resp(
            status,
            "application/json",
            &api_error(kind, msg),
            &[("request-id", "req_1")],
        ))
    }

    fn key() -> Option<ApiKey> {
        ApiKey::new(format!("sk-ant-api03-{}AA", "k".repeat(93)))
    }

    fn statuses(d: &Diagnosis) -> Vec<(&'static str, Option<&'static str>)> {
        d.entries
            .iter()
            .map(|e| (e.check.code, e.status().map(Status::as_str)))
            .collect()
    }

    fn skipped_because(d: &Diagnosis, code: &str) -> Option<&'static str> {
        d.entries
            .iter()
            .find(|e| e.check.code == code)
            .and_then(|e| match e.state {
                State::Skipped { because } => Some(because),
                _ => None,
            })
    }

    /// (name, base, key, observations, verdict state, root code, root outcome, root layer)
    type Row = (
        &'static str,
        &'static str,
        Option<ApiKey>,
        Vec<(ProbeId, Observation)>,
        &'static str,
        Option<(&'static str, &'static str, &'static str)>,
    );

    #[test]
    fn verdict_table() {
        let no_key_401 = json(401, "authentication_error", "x-api-key header is required");
        let models = Observation::Response(resp(
            200,
            "application/json",
            r#"{"data":[{"id":"claude-haiku-4-5"}]}"#,
            &[],
        ));
        let rows: Vec<Row> = vec![
            (
                "healthy without key",
                "https://api.anthropic.com",
                None,
                vec![
                    (ProbeId::Reach, opaque(20.0)),
                    (ProbeId::CorsRead, no_key_401.clone()),
                    (ProbeId::KeyModels, Observation::NotSent(NotSent::NoKey)),
                ],
                "healthy",
                None,
            ),
            (
                "healthy with key",
                "https://api.anthropic.com",
                key(),
                vec![
                    (ProbeId::Reach, opaque(20.0)),
                    (ProbeId::CorsRead, no_key_401.clone()),
                    (ProbeId::KeyModels, models.clone()),
                ],
                "healthy",
                None,
            ),
            (
                "bad target",
                "api.anthropic.com",
                key(),
                vec![],
                "broken",
                Some(("page.target", "no_scheme", "page")),
            ),
            (
                "mixed content",
                "http://gw.example.com",
                key(),
                vec![],
                "broken",
                Some(("page.mixed_content", "blocked", "page")),
            ),
            (
                "network timeout",
                "https://api.anthropic.com",
                key(),
                vec![
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
                "broken",
                Some(("network.reach", "timed_out", "network")),
            ),
            (
                "cors refused",
                "https://gw.example.com",
                key(),
                vec![
                    (ProbeId::Reach, opaque(20.0)),
                    (ProbeId::CorsRead, Observation::Rejected { elapsed_ms: 5.0 }),
                    (
                        ProbeId::KeyModels,
                        Observation::Rejected { elapsed_ms: 5.0 },
                    ),
                ],
                "broken",
                Some(("cors.read", "refused", "cors")),
            ),
            (
                "bad key",
                "https://api.anthropic.com",
                key(),
                vec![
                    (ProbeId::Reach, opaque(20.0)),
                    (ProbeId::CorsRead, no_key_401.clone()),
                    (
                        ProbeId::KeyModels,
                        json(401, "authentication_error", "invalid x-api-key"),
                    ),
                ],
                "broken",
                Some(("auth.key", "invalid", "auth")),
            ),
            (
                "overloaded is the service's layer",
                "https://api.anthropic.com",
                key(),
                vec![
                    (ProbeId::Reach, opaque(20.0)),
                    (ProbeId::CorsRead, no_key_401.clone()),
                    (
                        ProbeId::KeyModels,
                        json(529, "overloaded_error", "Overloaded"),
                    ),
                ],
                "broken",
                Some(("auth.key", "overloaded", "service")),
            ),
            (
                "rate limited degrades",
                "https://api.anthropic.com",
                key(),
                vec![
                    (ProbeId::Reach, opaque(20.0)),
                    (ProbeId::CorsRead, no_key_401.clone()),
                    (ProbeId::KeyModels, json(429, "rate_limit_error", "slow")),
                ],
                "degraded",
                Some(("auth.key", "rate_limited", "service")),
            ),
            (
                "trailing v1 warns while the rest passes",
                "https://api.anthropic.com/v1",
                None,
                vec![
                    (ProbeId::Reach, opaque(20.0)),
                    (ProbeId::CorsRead, no_key_401.clone()),
                    (ProbeId::KeyModels, Observation::NotSent(NotSent::NoKey)),
                ],
                "degraded",
                Some(("page.target", "trailing_v1", "page")),
            ),
            (
                "broken key shape is the root",
                "https://api.anthropic.com",
                ApiKey::new("'sk-ant'".into()),
                vec![
                    (ProbeId::Reach, opaque(20.0)),
                    (ProbeId::CorsRead, no_key_401.clone()),
                    (ProbeId::KeyModels, Observation::NotSent(NotSent::KeyShape)),
                ],
                "broken",
                Some(("auth.key_shape", "quotes", "auth")),
            ),
            (
                "still running",
                "https://api.anthropic.com",
                key(),
                vec![(ProbeId::Reach, opaque(20.0))],
                "running",
                None,
            ),
            (
                "cancelled",
                "https://api.anthropic.com",
                key(),
                vec![
                    (ProbeId::Reach, opaque(20.0)),
                    (ProbeId::CorsRead, Observation::Cancelled),
                    (ProbeId::KeyModels, Observation::Cancelled),
                ],
                "cancelled",
                None,
            ),
        ];
        for (name, base, key, overrides, state, root) in rows {
            let ctx = Context::new(base, AuthMode::ApiKey, key, true);
            // "Still running" is a moment of a run, not a run driven to its end.
            let obs: Observations = if state == "running" {
                overrides.into_iter().collect()
            } else {
                sim::run(&ctx, &overrides)
            };
            let d = diagnose(&ctx, &obs);
            assert_eq!(d.verdict.state(), state, "{name}: {:?}", d.verdict);
            let got = match d.verdict {
                Verdict::Broken {
                    layer,
                    code,
                    outcome,
                } => Some((code, outcome.id, layer.as_str())),
                Verdict::Degraded { code, outcome } => {
                    Some((code, outcome.id, outcome.layer.as_str()))
                }
                _ => None,
            };
            assert_eq!(got, root, "{name}");
        }
    }

    #[test]
    fn dependents_of_a_failure_are_skipped_not_failed() {
        let ctx = Context::new("https://gw.example.com", AuthMode::ApiKey, key(), true);
        let obs = sim::run(
            &ctx,
            &[
                (ProbeId::Reach, Observation::TimedOut { after_ms: 10_000 }),
                (ProbeId::CorsRead, Observation::Rejected { elapsed_ms: 3.0 }),
                (
                    ProbeId::KeyModels,
                    Observation::Rejected { elapsed_ms: 3.0 },
                ),
            ],
        );
        let d = diagnose(&ctx, &obs);
        let wanted = [
            ("page.target", Some("pass")),
            ("page.mixed_content", Some("pass")),
            ("page.online", Some("pass")),
            ("dns.public", Some("pass")),
            ("network.reach", Some("fail")),
            ("cors.read", Some("skipped")),
            ("auth.key_shape", Some("pass")),
            ("auth.key", Some("skipped")),
            ("service.clock", Some("skipped")),
            ("perf.latency", Some("skipped")),
        ];
        let got: Vec<_> = statuses(&d)
            .into_iter()
            .filter(|(code, _)| wanted.iter().any(|(c, _)| c == code))
            .collect();
        assert_eq!(got, wanted);
        // The root of a chain of skips is named, not the nearest skipped check.
        assert_eq!(skipped_because(&d, "auth.key"), Some("network.reach"));
        assert_eq!(skipped_because(&d, "service.clock"), Some("network.reach"));
    }

    #[test]
    fn the_status_page_says_when_it_is_their_side() {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, key(), true);
        let major = Observation::Response(resp(
            200,
            "application/json",
            r#"{"status":{"indicator":"critical","description":"Major outage"},"components":[{"name":"Claude API (api.anthropic.com)","status":"major_outage"}],"incidents":[{"name":"API errors","status":"investigating","impact":"critical"}]}"#,
            &[],
        ));
        let overloaded = json(529, "overloaded_error", "Overloaded");
        let invalid = json(401, "authentication_error", "invalid x-api-key");
        let rows = [
            (
                vec![
                    (ProbeId::Status, major.clone()),
                    (ProbeId::KeyModels, overloaded.clone()),
                ],
                true,
            ),
            (vec![(ProbeId::Status, major.clone())], true),
            (
                vec![(ProbeId::Status, major), (ProbeId::KeyModels, invalid)],
                false,
            ),
            (vec![(ProbeId::KeyModels, overloaded)], false),
        ];
        for (overrides, want) in rows {
            let d = diagnose(&ctx, &sim::run(&ctx, &overrides));
            assert_eq!(d.their_side, want, "{:?}", d.verdict);
        }
    }

    #[test]
    fn an_invalid_target_skips_every_network_check() {
        let ctx = Context::new("", AuthMode::ApiKey, None, true);
        let d = diagnose(&ctx, &sim::run(&ctx, &[]));
        for code in [
            "page.mixed_content",
            "network.reach",
            "cors.read",
            "auth.key",
        ] {
            assert_eq!(skipped_because(&d, code), Some("page.target"), "{code}");
        }
        assert_eq!(d.verdict.state(), "broken");
    }

    #[test]
    fn a_dependent_waits_for_its_dependency() {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, key(), true);
        // The keyed answer is in, but the CORS probe it depends on is not: it must not show yet.
        let obs: Observations = [(
            ProbeId::KeyModels,
            json(401, "authentication_error", "invalid x-api-key"),
        )]
        .into_iter()
        .collect();
        let d = diagnose(&ctx, &obs);
        let key_entry = d
            .entries
            .iter()
            .find(|e| e.check.code == "auth.key")
            .unwrap();
        assert_eq!(key_entry.state, State::Pending);
        assert_eq!(d.verdict, Verdict::Running);
    }

    /// The verdicts of paths that disagree, over a whole run: a working keyed path is never called
    /// broken, an unchecked key never called valid, and the preflight probes go out only when asked.
    #[test]
    fn paths_that_disagree_get_the_verdict_of_the_pair() {
        let ctx = Context::new("https://gw.example.com", AuthMode::Bearer, key(), true);
        let refused = || Observation::Rejected { elapsed_ms: 4.0 };
        let list = || sim::healthy(&ctx, ProbeId::KeyModels);
        let plain_ok = || sim::healthy(&ctx, ProbeId::CorsRead);
        // (overrides, verdict state, its check, its outcome, auth.key's outcome)
        let rows = [
            (
                vec![(ProbeId::CorsRead, refused())],
                "degraded",
                "cors.read",
                "errors_unreadable",
                "accepted",
            ),
            (
                vec![(ProbeId::CorsRead, list())],
                "degraded",
                "auth.key",
                "not_validated",
                "not_validated",
            ),
            (
                vec![
                    (ProbeId::CorsRead, refused()),
                    (ProbeId::KeyModels, refused()),
                    (ProbeId::CorsPlain, plain_ok()),
                ],
                "broken",
                "cors.read",
                "preflight_failed",
                "skipped",
            ),
        ];
        for (overrides, state, code, outcome, key_outcome) in rows {
            let obs = sim::run(&ctx, &overrides);
            let d = diagnose(&ctx, &obs);
            let (got_code, got_outcome) = match &d.verdict {
                Verdict::Broken { code, outcome, .. } | Verdict::Degraded { code, outcome } => {
                    (*code, outcome.id)
                }
                other => panic!("{other:?}"),
            };
            assert_eq!(
                (d.verdict.state(), got_code, got_outcome),
                (state, code, outcome),
                "{overrides:?}"
            );
            let key_entry = d
                .entries
                .iter()
                .find(|e| e.check.code == "auth.key")
                .unwrap();
            let got_key = match &key_entry.state {
                State::Done(f) => f.outcome.id,
                State::Skipped { .. } => "skipped",
                State::Pending => "pending",
            };
            assert_eq!(got_key, key_outcome, "{overrides:?}");
            let preflights_sent = (0..3).any(|i| {
                obs.get(&ProbeId::Preflight(i))
                    .is_some_and(|o| !matches!(o, Observation::NotSent(_)))
            });
            assert_eq!(
                preflights_sent,
                outcome == "preflight_failed",
                "{overrides:?}"
            );
        }
    }
}
