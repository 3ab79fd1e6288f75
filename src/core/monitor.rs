//! The monitor's two decisions: when a target is probed next (its interval, and backoff with jitter after
//! failures), and what one finished run says in figures (a [`Sample`], which the shell exports).

use super::checks;
use super::diagnosis::{State, Verdict};
use super::finding::{Fact, Status, Timing};
use super::native::{self, Prediction, Route};
use super::net::{is_v6, Net};
use super::observation::Observation;
use super::probe::ProbeId;
use super::report::Report;
use super::run::Run;

/// The default time between runs of a healthy target.
pub const DEFAULT_INTERVAL_MS: u64 = 60_000;
/// The least time between two runs that send a message (which spends tokens), whatever is asked.
pub const MESSAGE_EVERY_MS: u64 = 15 * 60_000;
/// The first wait after a failed run, doubled after each further consecutive failure up to the interval.
const BACKOFF_BASE_MS: u64 = 1_000;

/// One target's schedule: runs every interval while healthy; after failures, sooner, so that recovery is
/// seen quickly (1 s doubling, capped at the interval, with jitter so that many monitors do not retry in
/// step); and the token-spending message at most every [`MESSAGE_EVERY_MS`].
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    interval_ms: u64,
    message_every_ms: Option<u64>,
    failures: u32,
    last_message_ms: Option<f64>,
}

impl Schedule {
    /// A schedule with this interval (at least a second); `message_every_ms` when the message is asked for
    /// (raised to [`MESSAGE_EVERY_MS`] when shorter).
    pub fn new(interval_ms: u64, message_every_ms: Option<u64>) -> Schedule {
        Schedule {
            interval_ms: interval_ms.max(1_000),
            message_every_ms: message_every_ms.map(|m| m.max(MESSAGE_EVERY_MS)),
            failures: 0,
            last_message_ms: None,
        }
    }

    /// The interval between healthy runs.
    pub fn interval_ms(&self) -> u64 {
        self.interval_ms
    }

    /// Failed runs since the last one that did not fail.
    pub fn consecutive_failures(&self) -> u32 {
        self.failures
    }

    /// Whether the run starting at `now_ms` (any monotonic clock) may send the message.
    pub fn message_due(&self, now_ms: f64) -> bool {
        match (self.message_every_ms, self.last_message_ms) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(every), Some(last)) => now_ms - last >= every as f64,
        }
    }

    /// Records that the run starting at `now_ms` sent the message.
    pub fn message_sent(&mut self, now_ms: f64) {
        self.last_message_ms = Some(now_ms);
    }

    /// Records how a run ended and gives the wait before the next one: the interval after a run that did
    /// not fail; after k ≥ 1 consecutive failures, min(interval, 1 s·2^(k−1)) scaled by 0.5 + random/2
    /// (random in [0, 1), clamped), so that the wait lies in [half, whole] of the backoff.
    pub fn after_run(&mut self, failed: bool, random: f64) -> u64 {
        if !failed {
            self.failures = 0;
            return self.interval_ms;
        }
        self.failures = self.failures.saturating_add(1);
        let doublings = (self.failures - 1).min(40);
        let backoff = BACKOFF_BASE_MS
            .saturating_mul(1u64 << doublings)
            .min(self.interval_ms);
        // NaN would survive `clamp`, so it counts as 0.
        let random = if random.is_nan() {
            0.0
        } else {
            random.clamp(0.0, 1.0)
        };
        // The product lies in [backoff / 2, backoff], so the cast neither wraps nor saturates.
        (backoff as f64 * (0.5 + random / 2.0)) as u64
    }
}

/// The phases of one request on the path the app's requests take, in milliseconds, as blackbox_exporter
/// names them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Phases {
    /// The system resolver's lookup; `None` when the host is an address or `--resolve` names it.
    pub resolve: Option<f64>,
    pub connect: Option<f64>,
    pub tls: Option<f64>,
    /// From sending the request to the first byte of the answer.
    pub processing: Option<f64>,
}

impl Phases {
    /// The probe's whole duration: the phases it went through, added.
    pub fn total(&self) -> f64 {
        [self.resolve, self.connect, self.tls, self.processing]
            .iter()
            .flatten()
            .sum()
    }
}

/// The certificate the path met, as far as the metrics carry it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainSeen {
    /// `TLS 1.3`, as blackbox_exporter writes it.
    pub version: String,
    /// The earliest `notAfter` of the presented chain, in Unix seconds.
    pub earliest_expiry: i64,
    pub leaf_subject: String,
    pub leaf_issuer: String,
}

/// The paths of one route and address family, and how many of them worked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathGroup {
    /// `direct` or `proxy`.
    pub route: &'static str,
    /// `ipv4`, `ipv6`, or `proxy` for a proxy's tunnel (its family is the proxy's business).
    pub family: &'static str,
    pub tried: u32,
    pub working: u32,
}

/// What one finished run says, in figures. Every label it gives comes from a bounded set: check codes,
/// outcome ids, layers, runtimes, [`ERROR_TYPES`], route and family names; the certificate's subject and
/// issuer are the server's (one pair per target at a time).
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The verdict's state: `healthy`, `degraded`, `broken` or `cancelled`.
    pub state: &'static str,
    /// Whether the API is usable from here: no check failed and the run finished.
    pub success: bool,
    /// For a broken or degraded verdict: its layer and its cause as `check/outcome`.
    pub layer: Option<&'static str>,
    pub cause: Option<String>,
    /// Each check run, with its status (`pass`, `warn`, `fail`, `info`, `skipped`).
    pub checks: Vec<(&'static str, &'static str)>,
    /// The whole run, in milliseconds.
    pub run_ms: u32,
    /// One request to the target on the app's path, start to end (lookup, connect, TLS, answer): the latency
    /// series' cold round trip, which runs alone; else the main path's phases, added.
    pub probe_ms: f64,
    pub phases: Phases,
    /// 4 or 6: the family of the address the main path connected to; `None` through a proxy.
    pub ip_protocol: Option<u8>,
    /// The API's answer to the request that tells most: the keyed request's, else the main path's.
    pub http_status: Option<u16>,
    /// 1.1 or 2, from ALPN.
    pub http_version: Option<f64>,
    pub chain: Option<ChainSeen>,
    /// The API's `error.type`s met in this run, each once, mapped into [`ERROR_TYPES`].
    pub errors: Vec<&'static str>,
    /// What is left of each rate limit, as a fraction of it.
    pub rate_limits: Vec<(&'static str, f64)>,
    pub first_token_ms: Option<f64>,
    /// How far the local clock is ahead of the API's, in seconds.
    pub clock_offset_s: Option<i64>,
    pub paths: Vec<PathGroup>,
    /// Whether each runtime would work (`None`: not decided).
    pub runtimes: Vec<(&'static str, Option<bool>)>,
    /// `service.status`'s outcome: `operational`, `degraded`, `partial_outage`, `major_outage`…
    pub status_page: Option<&'static str>,
}

/// The API's error types a label may carry; any other is `other`, so that a hostile server cannot grow the
/// set of series.
pub const ERROR_TYPES: &[&str] = &[
    "invalid_request_error",
    "authentication_error",
    "permission_error",
    "not_found_error",
    "request_too_large",
    "rate_limit_error",
    "api_error",
    "overloaded_error",
    "billing_error",
    "timeout_error",
    "forbidden",
];

/// The label for an `error.type`: itself when known, else `other`.
pub fn error_label(kind: &str) -> &'static str {
    ERROR_TYPES
        .iter()
        .find(|k| **k == kind)
        .copied()
        .unwrap_or("other")
}

/// The stable name of a check's status in a label.
fn status_label(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
        Status::Info => "info",
        Status::Skipped => "skipped",
    }
}

/// The figures of a finished run, from its report and the observations behind it.
pub fn sample(run: &Run, report: &Report) -> Sample {
    let ctx = run.context();
    let obs = run.observations();
    let (layer, cause) = match &report.verdict {
        Verdict::Broken {
            layer,
            code,
            outcome,
        } => (Some(layer.as_str()), Some(format!("{code}/{}", outcome.id))),
        Verdict::Degraded { code, outcome } => (
            Some(outcome.layer.as_str()),
            Some(format!("{code}/{}", outcome.id)),
        ),
        _ => (None, None),
    };
    let done = |code: &str| {
        report.entries.iter().find_map(|e| match &e.state {
            State::Done(f) if e.check.code == code => Some(f),
            _ => None,
        })
    };
    let facts = || {
        report.entries.iter().flat_map(|e| match &e.state {
            State::Done(f) => f.facts.as_slice(),
            _ => &[],
        })
    };

    let target = ctx.target.as_ref().ok();
    let main = target.and_then(|t| native::main_path(&ctx.native, t, obs));
    let through_proxy =
        target.is_some_and(|t| matches!(native::main_route(&ctx.native, t), Route::Proxy { .. }));
    let resolve = match obs.get(&ProbeId::Resolve) {
        Some(Observation::Net(Net::Resolved { elapsed_ms, .. }))
        | Some(Observation::Net(Net::ResolveFailed { elapsed_ms, .. })) => Some(*elapsed_ms),
        _ => None,
    };
    // The latency series' cold round trip runs alone, as blackbox_exporter's one request does, so its
    // phases are the probe's; the main path's (probed beside the run's other first probes) stand in when
    // the series did not run or reused a connection.
    let cold = match obs.get(&ProbeId::Latency(0)) {
        Some(Observation::Response(r)) => r
            .phases
            .filter(|p| p.new_connection)
            .map(|p| (r.elapsed_ms, p)),
        _ => None,
    };
    let (probe_ms, phases) = match cold {
        Some((elapsed, p)) => (
            elapsed,
            Phases {
                resolve: (!through_proxy).then_some(p.dns),
                connect: Some((p.connect - p.tls).max(0.0)),
                tls: (p.tls > 0.0).then_some(p.tls),
                processing: Some(p.ttfb),
            },
        ),
        None => {
            let phases = Phases {
                // Through a proxy, the proxy resolves the target's name.
                resolve: if through_proxy { None } else { resolve },
                connect: main.and_then(|p| p.connect_ms),
                tls: main.and_then(|p| p.tls.as_ref().map(|t| t.elapsed_ms)),
                processing: main.and_then(|p| p.ttfb_ms),
            };
            // A probe that stopped lasted until it stopped (a hang, its timeout), as blackbox_exporter
            // counts it; one that finished lasted its phases.
            let stopped = match obs.get(&ProbeId::Latency(0)) {
                Some(Observation::TimedOut { after_ms }) => Some(f64::from(*after_ms)),
                _ => main
                    .and_then(|p| p.failure)
                    .map(|f| phases.resolve.unwrap_or(0.0) + f.after_ms),
            };
            (stopped.unwrap_or_else(|| phases.total()), phases)
        }
    };
    let ip_protocol = if through_proxy {
        None
    } else {
        report.native.as_ref().and_then(|n| {
            n.paths
                .iter()
                .find(|p| {
                    p.route == "direct" && p.seen.as_ref().is_some_and(|s| s.connect_ms.is_some())
                })
                .map(|p| if is_v6(&p.via) { 6 } else { 4 })
        })
    };
    let keyed_status = done("auth.key").and_then(|f| {
        f.facts.iter().find_map(|fact| match fact {
            Fact::HttpStatus(s) => Some(*s),
            _ => None,
        })
    });
    let http_status = keyed_status.or_else(|| main.and_then(|p| p.http_status));
    let tls = main.and_then(|p| p.tls.as_ref());
    let http_version = tls.and_then(|t| match t.alpn.as_str() {
        "h2" => Some(2.0),
        "http/1.1" => Some(1.1),
        _ => None,
    });
    let chain = tls.and_then(|t| {
        let leaf = t.chain.first()?;
        Some(ChainSeen {
            version: t.version.replacen("TLSv", "TLS ", 1),
            earliest_expiry: t.chain.iter().map(|c| c.not_after).min()?,
            leaf_subject: leaf.subject.clone(),
            leaf_issuer: leaf.issuer.clone(),
        })
    });
    let mut errors: Vec<&'static str> = facts()
        .filter_map(|f| match f {
            Fact::ErrorType(kind) => Some(error_label(kind)),
            _ => None,
        })
        .collect();
    errors.sort_unstable();
    errors.dedup();
    let rate_limits = done("service.rate_limits")
        .map(|f| {
            f.facts
                .iter()
                .filter_map(|fact| match fact {
                    Fact::RateLimit {
                        name,
                        remaining,
                        limit,
                        ..
                    } if *limit > 0 => Some((*name, *remaining as f64 / *limit as f64)),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let first_token_ms = done("service.message").and_then(|f| {
        f.facts.iter().find_map(|fact| match fact {
            Fact::Duration(Timing::FirstToken, ms) => Some(*ms),
            _ => None,
        })
    });
    let clock_offset_s = done("service.clock").and_then(|f| {
        f.facts.iter().find_map(|fact| match fact {
            Fact::ClockSkew(s) => Some(*s),
            _ => None,
        })
    });
    let mut paths: Vec<PathGroup> = Vec::new();
    for row in report.native.iter().flat_map(|n| n.paths.iter()) {
        let family = match (row.route, is_v6(&row.via)) {
            ("proxy", _) => "proxy",
            (_, true) => "ipv6",
            (_, false) => "ipv4",
        };
        let works = row.seen.as_ref().is_some_and(|s| s.works());
        match paths
            .iter_mut()
            .find(|g| g.route == row.route && g.family == family)
        {
            Some(g) => {
                g.tried += 1;
                g.working += u32::from(works);
            }
            None => paths.push(PathGroup {
                route: row.route,
                family,
                tried: 1,
                working: u32::from(works),
            }),
        }
    }
    let runtimes = report
        .native
        .iter()
        .flat_map(|n| n.runtimes.iter())
        .map(|r| {
            let works = match r.prediction {
                Prediction::Works | Prediction::WorksAfterWait => Some(true),
                Prediction::Fails(_) => Some(false),
                Prediction::Unknown => None,
            };
            (r.runtime.as_str(), works)
        })
        .collect();
    let status_page = done("service.status")
        .map(|f| f.outcome.id)
        .filter(|id| *id != checks::not_run(super::finding::Layer::Service).id);
    Sample {
        state: report.verdict.state(),
        success: !report.failed(),
        layer,
        cause,
        checks: report
            .entries
            .iter()
            .filter_map(|e| Some((e.check.code, status_label(e.status()?))))
            .collect(),
        run_ms: report.took_ms,
        probe_ms,
        phases,
        ip_protocol,
        http_status,
        http_version,
        chain,
        errors,
        rate_limits,
        first_token_ms,
        clock_offset_s,
        paths,
        runtimes,
        status_page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_runs_keep_the_interval_and_failures_back_off_to_it() {
        let randoms = [0.0, 0.999, -1.0, 2.0, f64::NAN];
        // (interval, ran: failed?, then the waits for each random)
        let rows: [(u64, &[bool], [u64; 5]); 7] = [
            (60_000, &[false], [60_000; 5]),
            (60_000, &[true], [500, 999, 500, 1_000, 500]),
            (60_000, &[true, true], [1_000, 1_999, 1_000, 2_000, 1_000]),
            (60_000, &[true; 6], [16_000, 31_984, 16_000, 32_000, 16_000]),
            (60_000, &[true; 7], [30_000, 59_970, 30_000, 60_000, 30_000]),
            (10_000, &[true; 60], [5_000, 9_995, 5_000, 10_000, 5_000]),
            // A success resets the count: the next failure waits a second again.
            (
                60_000,
                &[true, true, true, false, true],
                [500, 999, 500, 1_000, 500],
            ),
        ];
        for (interval, runs, wants) in rows {
            for (i, (random, want)) in randoms.into_iter().zip(wants).enumerate() {
                let mut s = Schedule::new(interval, None);
                let mut wait = 0;
                for failed in runs {
                    wait = s.after_run(*failed, random);
                }
                assert_eq!(wait, want, "{interval} {runs:?}, random #{i}");
            }
        }
    }

    #[test]
    fn failures_are_counted_until_a_run_does_not_fail() {
        let mut s = Schedule::new(60_000, None);
        assert_eq!(s.consecutive_failures(), 0);
        s.after_run(true, 0.5);
        s.after_run(true, 0.5);
        assert_eq!(s.consecutive_failures(), 2);
        for _ in 0..100 {
            s.after_run(true, 0.5);
        }
        assert_eq!(s.consecutive_failures(), 102);
        s.after_run(false, 0.5);
        assert_eq!(s.consecutive_failures(), 0);
    }

    #[test]
    fn an_interval_under_a_second_is_a_second() {
        let mut s = Schedule::new(10, None);
        assert_eq!(s.interval_ms(), 1_000);
        assert_eq!(s.after_run(false, 0.0), 1_000);
    }

    #[test]
    fn the_message_goes_only_when_asked_and_at_most_every_fifteen_minutes() {
        let never = Schedule::new(60_000, None);
        assert!(!never.message_due(0.0));
        assert!(!never.message_due(1e12));

        // Asked every minute: held to fifteen.
        let mut s = Schedule::new(60_000, Some(60_000));
        assert!(s.message_due(5_000.0));
        s.message_sent(5_000.0);
        assert!(!s.message_due(5_000.0 + 60_000.0));
        assert!(!s.message_due(5_000.0 + 899_999.0));
        assert!(s.message_due(5_000.0 + 900_000.0));

        // Asked every hour: every hour.
        let mut s = Schedule::new(60_000, Some(3_600_000));
        s.message_sent(0.0);
        assert!(!s.message_due(1_000_000.0));
        assert!(s.message_due(3_600_000.0));
    }

    #[test]
    fn error_types_outside_the_known_set_are_other() {
        assert_eq!(error_label("overloaded_error"), "overloaded_error");
        assert_eq!(error_label("authentication_error"), "authentication_error");
        assert_eq!(error_label("x\"}\nevil 1"), "other");
        assert_eq!(error_label(""), "other");
    }

    use crate::core::fixtures as sim;
    use crate::core::input::Context;

    /// A native context aimed at the API, with the test's key, and `HTTPS_PROXY` when `proxy`.
    fn ctx(key: bool, proxy: bool) -> Context {
        let env: &[(&str, &str)] = if proxy {
            &[("HTTPS_PROXY", "http://127.0.0.1:3128")]
        } else {
            &[]
        };
        sim::native(if key { sim::key() } else { None }, env)
    }

    /// A whole run as a shell makes it (healthy, but for `overrides`), and its sample.
    fn sampled(ctx: Context, overrides: &[(ProbeId, Observation)]) -> Sample {
        let mut run = sim::finished(&ctx, overrides);
        let report = run
            .take_report("api-doctor", 0.0, 1_234)
            .expect("a finished run");
        sample(&run, &report)
    }

    #[test]
    fn a_healthy_keyed_run_gives_every_figure() {
        let s = sampled(ctx(true, false), &[]);
        assert!(s.success, "{s:?}");
        assert_eq!((s.layer, s.cause.as_deref()), (None, None));
        assert_eq!(s.run_ms, 1_234);
        assert_eq!(
            s.phases,
            Phases {
                resolve: Some(2.0),
                connect: Some(8.0),
                tls: Some(12.0),
                processing: Some(30.0),
            }
        );
        assert_eq!(s.phases.total(), 52.0);
        assert_eq!(s.probe_ms, 52.0);
        assert_eq!(s.ip_protocol, Some(4));
        // The keyed request's answer, not the keyless path's 401.
        assert_eq!(s.http_status, Some(200));
        assert_eq!(s.http_version, Some(2.0));
        let chain = s.chain.expect("a chain");
        assert_eq!(chain.version, "TLS 1.3");
        assert_eq!(chain.earliest_expiry, 1_893_456_000);
        assert_eq!(chain.leaf_subject, "CN=api.anthropic.com");
        assert_eq!(chain.leaf_issuer, "CN=WE1, O=Google Trust Services");
        assert!(s.errors.is_empty());
        assert_eq!(
            s.paths,
            [PathGroup {
                route: "direct",
                family: "ipv4",
                tried: 1,
                working: 1
            }]
        );
        assert_eq!(s.runtimes.len(), 4);
        assert!(
            s.runtimes.iter().all(|(_, works)| *works == Some(true)),
            "{:?}",
            s.runtimes
        );
        assert_eq!(s.status_page, Some("operational"));
        assert!(s.checks.contains(&("tls.trust", "pass")));
        assert!(s.checks.contains(&("auth.key", "pass")));
        assert!(s.clock_offset_s.is_some());
        // No message was asked for.
        assert_eq!(s.first_token_ms, None);
    }

    #[test]
    fn the_probe_is_the_cold_round_trip_when_the_series_opened_a_connection() {
        use crate::core::observation::Phases as Timed;
        let cold = |new_connection| {
            let mut r = sim::resp(401, "application/json", "{}", &[]);
            r.elapsed_ms = 9.5;
            r.phases = Some(Timed {
                dns: 1.0,
                connect: 4.0,
                tls: 2.5,
                ttfb: 3.0,
                new_connection,
            });
            Observation::Response(r)
        };
        let s = sampled(ctx(false, false), &[(ProbeId::Latency(0), cold(true))]);
        assert_eq!(s.probe_ms, 9.5);
        assert_eq!(
            s.phases,
            Phases {
                resolve: Some(1.0),
                connect: Some(1.5),
                tls: Some(2.5),
                processing: Some(3.0),
            }
        );
        // A cold round trip that timed out lasted its timeout.
        let s = sampled(
            ctx(false, false),
            &[(
                ProbeId::Latency(0),
                Observation::TimedOut { after_ms: 10_000 },
            )],
        );
        assert_eq!(s.probe_ms, 10_000.0);
        // A reused connection times no set-up: the main path's phases stand in.
        let s = sampled(ctx(false, false), &[(ProbeId::Latency(0), cold(false))]);
        assert_eq!(s.probe_ms, 52.0);
        assert_eq!(s.phases.tls, Some(12.0));
    }

    #[test]
    fn a_rejected_key_names_its_layer_cause_and_error_type() {
        let s = sampled(
            ctx(true, false),
            &[(
                ProbeId::KeyModels,
                sim::api_error_response(401, "authentication_error", "invalid x-api-key"),
            )],
        );
        assert!(!s.success);
        assert_eq!(s.state, "broken");
        assert_eq!(s.layer, Some("auth"));
        assert!(
            s.cause
                .as_deref()
                .is_some_and(|c| c.starts_with("auth.key/")),
            "{:?}",
            s.cause
        );
        assert_eq!(s.errors, ["authentication_error"]);
        assert_eq!(s.http_status, Some(401));
        assert!(s.checks.contains(&("auth.key", "fail")));
    }

    #[test]
    fn an_unknown_error_type_is_counted_as_other() {
        let s = sampled(
            ctx(true, false),
            &[(
                ProbeId::KeyModels,
                sim::api_error_response(400, "teapot_error", "no"),
            )],
        );
        assert_eq!(s.errors, ["other"]);
    }

    #[test]
    fn a_dead_path_fails_the_probe_and_its_group() {
        let refused = Observation::Net(Net::Path(crate::core::net::PathSeen {
            failure: Some(crate::core::net::Failure {
                stage: crate::core::net::Stage::Connect,
                error: crate::core::net::NetError::Refused,
                after_ms: 1.0,
            }),
            ..Default::default()
        }));
        let s = sampled(ctx(false, false), &[(ProbeId::Path(0), refused)]);
        // The probe lasted until the path stopped: the lookup, then a millisecond.
        assert_eq!(s.probe_ms, 3.0);
        assert!(!s.success);
        assert_eq!(s.layer, Some("network"));
        assert_eq!(s.paths[0].working, 0);
        assert_eq!(s.ip_protocol, None);
        assert!(s.runtimes.iter().all(|(_, works)| *works == Some(false)));
    }

    #[test]
    fn through_a_proxy_the_proxy_resolves_and_the_family_is_its_own() {
        let s = sampled(ctx(false, true), &[]);
        assert_eq!(s.phases.resolve, None);
        assert_eq!(s.ip_protocol, None);
        assert!(s
            .paths
            .iter()
            .any(|g| g.route == "proxy" && g.family == "proxy"));
    }
}
