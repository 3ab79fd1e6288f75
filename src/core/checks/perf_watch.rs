//! `perf.watch` (opt-in): the same probe repeated for a chosen time, to catch what a single run misses.
//!
//! The shell repeats the probe on the schedule of [`crate::core::watch`] (a steady interval, exponential
//! backoff with jitter after failures) and records the growing series; this check classifies each probe,
//! counts the kinds of failure, and keeps the timeline that the page draws. While the watch runs, the
//! finding is `watching`, so the rest of the report stands; when it ends, the share that answered as
//! expected and the kind of failure that dominated decide the outcome.

use super::{Check, PROXY_SNIPPETS, RETRY_SNIPPETS};
use crate::core::finding::{Fact, Finding, Layer, Outcome, Point, SampleKind, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::{NotSent, Observation, Observations, ResponseKind};
use crate::core::probe::ProbeId;
use crate::core::reply::{self, ApiError, Reply};

const CODE: &str = "perf.watch";

/// Below this share of expected answers the target is mostly failing, not merely flaky.
pub const DOWN_SHARE_PERCENT: usize = 50;

pub static OFF: Outcome = Outcome {
    id: "off",
    status: Status::Info,
    layer: Layer::Performance,
    title: t!("Watch mode is off", "观察模式未开启"),
    detail: t!(
        "Choose a watch duration to repeat the probe for minutes and catch failures that come and go.",
        "选择观察时长，可在数分钟内重复探测，捕捉时有时无的故障。",
    ),
    fix: None,
    snippets: &[],
};

pub static WATCHING: Outcome = Outcome {
    id: "watching",
    status: Status::Info,
    layer: Layer::Performance,
    title: t!("Watching…", "正在观察…"),
    detail: t!(
        "The probe repeats until the chosen time is up; the timeline grows as answers land. The rest of the report is already final.",
        "探测会一直重复到所选时间结束；时间线随响应不断延长。报告的其余部分已经确定。",
    ),
    fix: None,
    snippets: &[],
};

pub static STEADY: Outcome = Outcome {
    id: "steady",
    status: Status::Pass,
    layer: Layer::Performance,
    title: t!("Every probe answered", "每次探测都有正常响应"),
    detail: t!(
        "Throughout the watch, every probe got the expected answer.",
        "在整个观察期间，每次探测都得到了预期的响应。",
    ),
    fix: None,
    snippets: &[],
};

pub static FLAKY_NETWORK: Outcome = Outcome {
    id: "flaky_network",
    status: Status::Warn,
    layer: Layer::Network,
    title: t!("The connection drops now and then", "连接时断时续"),
    detail: t!(
        "Most probes answered, but some failed to connect or timed out: something on the path (Wi-Fi, a VPN, a proxy or a firewall) drops requests from time to time. Apps see this as \"Connection error.\" or \"Request timed out\".",
        "大多数探测有响应，但有一些连接失败或超时：路径上的某个环节（Wi-Fi、VPN、代理或防火墙）会不时丢弃请求。应用会看到 \"Connection error.\" 或 \"Request timed out\"。",
    ),
    fix: Some(t!(
        "Keep the SDK's retries on (they back off with jitter). Compare with a wired connection or without the VPN; the timeline shows whether failures cluster in time.",
        "保持 SDK 的重试开启（会带抖动地退避）。与有线连接或不使用 VPN 时对比；时间线可以显示故障是否集中在某段时间。",
    )),
    snippets: RETRY_SNIPPETS,
};

pub static FLAKY_SERVICE: Outcome = Outcome {
    id: "flaky_service",
    status: Status::Warn,
    layer: Layer::Service,
    title: t!("The service refuses some requests", "服务拒绝了部分请求"),
    detail: t!(
        "Most probes answered, but some got 429, 529 or another server error: rate limits or load on the service side, not the network.",
        "大多数探测有响应，但有一些收到 429、529 或其他服务器错误：这是服务端的限流或负载问题，而不是网络问题。",
    ),
    fix: Some(t!(
        "Let the SDK retry (it honours retry-after and backs off on 529); for 429s, spread requests or ask for higher limits. The status page says whether others see it too.",
        "让 SDK 自动重试（会遵守 retry-after，并在 529 时退避）；对于 429，请分散请求或申请更高的限额。状态页可以说明其他人是否也遇到。",
    )),
    snippets: RETRY_SNIPPETS,
};

pub static DOWN_NETWORK: Outcome = Outcome {
    id: "down_network",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!("Most probes could not connect", "大多数探测无法连接"),
    detail: t!(
        "Fewer than half of the probes got through; most failed to connect or timed out. The connection to this host is unreliable right now.",
        "不到一半的探测成功；大多数连接失败或超时。目前到该主机的连接很不可靠。",
    ),
    fix: Some(t!(
        "Check the network path: another network, without the VPN or proxy, or through the proxy your company requires (each runtime reads it its own way, as below). The timeline shows when it started.",
        "检查网络路径：换一个网络，不使用 VPN 或代理，或通过公司要求的代理（各运行时读取代理的方式不同，见下方示例）。时间线可以显示问题何时开始。",
    )),
    snippets: PROXY_SNIPPETS,
};

pub static DOWN_SERVICE: Outcome = Outcome {
    id: "down_service",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("Most probes got server errors", "大多数探测收到服务器错误"),
    detail: t!(
        "Fewer than half of the probes got the expected answer; most got 429, 529 or other server errors.",
        "不到一半的探测得到预期响应；大多数收到 429、529 或其他服务器错误。",
    ),
    fix: Some(t!(
        "Check the status page for an incident; if it is 429, the key's limits are exhausted: wait for the reset or raise the limits in the Console.",
        "查看状态页是否有事故；如果是 429，说明密钥的限额已用尽：等待重置或在 Console 中提高限额。",
    )),
    snippets: RETRY_SNIPPETS,
};

pub static NOT_RUN: Outcome = Outcome {
    id: "not_run",
    status: Status::Info,
    layer: Layer::Performance,
    title: t!("Watch did not run", "观察未运行"),
    detail: t!(
        "The watch was cancelled before any probe, or the target cannot be probed.",
        "观察在任何探测之前被取消，或目标无法探测。",
    ),
    fix: None,
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 14,
    applies: Applies::Everywhere,
    layer: Layer::Performance,
    title: t!("Watch over time", "持续观察"),
    depends_on: &["page.target", "page.mixed_content"],
    probes: &[ProbeId::Watch],
    outcomes: &[
        (0, &OFF),
        (1, &WATCHING),
        (2, &STEADY),
        (3, &FLAKY_NETWORK),
        (4, &FLAKY_SERVICE),
        (5, &DOWN_NETWORK),
        (6, &DOWN_SERVICE),
        (7, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

/// What one probe of the watch met. A keyless probe expects the API's 401 "key required"; a keyed one 200.
pub fn classify(ctx: &Context, seen: &Observation) -> SampleKind {
    let r = match seen {
        Observation::Response(r) => r,
        Observation::TimedOut { .. } => return SampleKind::TimedOut,
        _ => return SampleKind::Failed,
    };
    if r.kind != ResponseKind::Readable {
        return SampleKind::Unreadable;
    }
    let expected = if ctx.key_usable() { 200 } else { 401 };
    if r.status == expected {
        return match reply::classify(r) {
            Reply::Models { .. } | Reply::ApiError { .. } => SampleKind::Ok,
            _ => SampleKind::Unexpected,
        };
    }
    // The API's own error by the one reading; the spend cap is a limit of the account, counted with the
    // rate limits as the service's side. A body that is not the API's (an edge page, a gateway's
    // limiter) is judged by its status alone.
    match ApiError::read(r) {
        Some(e) if e.rate_limited() || e.spend_cap() => SampleKind::RateLimited,
        Some(e) if e.overloaded() => SampleKind::Overloaded,
        Some(e) if e.server_fault() => SampleKind::ServerError,
        Some(_) => SampleKind::Unexpected,
        None => match r.status {
            429 => SampleKind::RateLimited,
            529 => SampleKind::Overloaded,
            500..=599 => SampleKind::ServerError,
            _ => SampleKind::Unexpected,
        },
    }
}

fn evaluate(ctx: &Context, obs: &Observations) -> Option<Finding> {
    let (samples, done) = match obs.get(&ProbeId::Watch)? {
        Observation::Series { samples, done } => (samples, *done),
        Observation::NotSent(NotSent::Off) => return Some(Finding::new(CODE, &OFF)),
        _ => return Some(Finding::new(CODE, &NOT_RUN)),
    };
    if samples.is_empty() {
        return Some(Finding::new(CODE, if done { &NOT_RUN } else { &WATCHING }));
    }
    let points: Vec<Point> = samples
        .iter()
        .map(|s| Point {
            at_ms: s.at_ms,
            elapsed_ms: match &s.seen {
                Observation::Response(r) => r.elapsed_ms,
                Observation::Rejected { elapsed_ms } => *elapsed_ms,
                Observation::TimedOut { after_ms } => f64::from(*after_ms),
                _ => 0.0,
            },
            kind: classify(ctx, &s.seen),
        })
        .collect();
    let total = points.len();
    let ok = points.iter().filter(|p| p.kind == SampleKind::Ok).count();
    let mut failures: Vec<(SampleKind, usize)> = Vec::new();
    for p in points.iter().filter(|p| p.kind != SampleKind::Ok) {
        match failures.iter_mut().find(|(k, _)| *k == p.kind) {
            Some((_, n)) => *n += 1,
            None => failures.push((p.kind, 1)),
        }
    }
    crate::core::stats::sort_small(&mut failures, |a, b| a < b);
    let outcome = if !done {
        &WATCHING
    } else if ok == total {
        &STEADY
    } else {
        let service = failures
            .iter()
            .filter(|(k, _)| is_service(*k))
            .map(|(_, n)| n)
            .sum::<usize>();
        let service_dominates = service * 2 > total - ok;
        match (ok * 100 < DOWN_SHARE_PERCENT * total, service_dominates) {
            (false, false) => &FLAKY_NETWORK,
            (false, true) => &FLAKY_SERVICE,
            (true, false) => &DOWN_NETWORK,
            (true, true) => &DOWN_SERVICE,
        }
    };
    Some(Finding::new(CODE, outcome).with_all([
        Fact::SuccessRatio { ok, total },
        Fact::Failures(failures),
        Fact::Timeline(points),
    ]))
}

/// Whether a failure comes from the service rather than the path to it.
fn is_service(kind: SampleKind) -> bool {
    matches!(
        kind,
        SampleKind::RateLimited | SampleKind::Overloaded | SampleKind::ServerError
    )
}

/// Whether a probe of the watch failed, for the backoff schedule.
pub fn failed(ctx: &Context, seen: &Observation) -> bool {
    classify(ctx, seen) != SampleKind::Ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{api_error, resp};
    use crate::core::key::{ApiKey, AuthMode};
    use crate::core::observation::Sample;

    fn ctx(key: bool) -> Context {
        let key = key.then(|| ApiKey::new(format!("sk-ant-api03-{}AA", "k".repeat(93))).unwrap());
        Context::new("https://api.anthropic.com", AuthMode::ApiKey, key, true)
    }

    fn api(status: u16, kind: &str) -> Observation {
        Observation::Response(resp(status, "application/json", &api_error(kind, "m"), &[]))
    }

    fn keyless_ok() -> Observation {
        api(401, "authentication_error")
    }

    fn keyed_ok() -> Observation {
        Observation::Response(resp(
            200,
            "application/json",
            r#"{"data":[{"id":"claude-x","type":"model"}]}"#,
            &[],
        ))
    }

    fn watch(ctx: &Context, seen: Vec<Observation>, done: bool) -> Finding {
        let samples = seen
            .into_iter()
            .enumerate()
            .map(|(i, seen)| Sample {
                at_ms: i as f64 * 2_000.0,
                seen,
            })
            .collect();
        let obs = [(ProbeId::Watch, Observation::Series { samples, done })]
            .into_iter()
            .collect();
        evaluate(ctx, &obs).unwrap()
    }

    #[test]
    fn classifies_each_probe() {
        let rows = [
            (false, keyless_ok(), SampleKind::Ok),
            (true, keyed_ok(), SampleKind::Ok),
            (true, keyless_ok(), SampleKind::Unexpected),
            (false, api(429, "rate_limit_error"), SampleKind::RateLimited),
            (false, api(529, "overloaded_error"), SampleKind::Overloaded),
            (false, api(500, "api_error"), SampleKind::ServerError),
            (false, api(503, "overloaded_error"), SampleKind::Overloaded),
            (false, api(400, "rate_limit_error"), SampleKind::RateLimited),
            (
                false,
                api(400, "invalid_request_error"),
                SampleKind::Unexpected,
            ),
            (
                true,
                Observation::Response(resp(
                    429,
                    "application/json",
                    r#"{"type":"error","error":{"type":"rate_limit_error","message":"cap","details":{"error_code":"enforced_spend_limit_reached"}}}"#,
                    &[],
                )),
                SampleKind::RateLimited,
            ),
            (
                false,
                Observation::Response(resp(
                    502,
                    "text/html",
                    "<title>502 Bad Gateway</title>",
                    &[],
                )),
                SampleKind::ServerError,
            ),
            (
                false,
                Observation::Response(resp(429, "text/plain", "slow down", &[])),
                SampleKind::RateLimited,
            ),
            (
                false,
                Observation::Response(resp(401, "text/html", "<title>x</title>", &[])),
                SampleKind::Unexpected,
            ),
            (
                false,
                crate::core::fixtures::held_redirect(),
                SampleKind::Unreadable,
            ),
            (
                false,
                Observation::Rejected { elapsed_ms: 3.0 },
                SampleKind::Failed,
            ),
            (
                false,
                Observation::TimedOut { after_ms: 10_000 },
                SampleKind::TimedOut,
            ),
        ];
        for (keyed, seen, want) in rows {
            assert_eq!(classify(&ctx(keyed), &seen), want, "{seen:?}");
        }
    }

    #[test]
    fn outcomes_table() {
        let c = ctx(false);
        let ok = keyless_ok;
        let busy = || api(529, "overloaded_error");
        let fail = || Observation::Rejected { elapsed_ms: 2.0 };
        let timeout = || Observation::TimedOut { after_ms: 10_000 };
        let rows: Vec<(Vec<Observation>, bool, &str)> = vec![
            (vec![ok(), ok(), ok()], true, "steady"),
            (
                vec![ok(), fail(), ok(), timeout(), ok()],
                true,
                "flaky_network",
            ),
            (vec![ok(), busy(), ok(), ok()], true, "flaky_service"),
            (vec![fail(), fail(), ok(), timeout()], true, "down_network"),
            (vec![busy(), busy(), ok(), fail()], true, "down_service"),
            (vec![ok(), fail()], false, "watching"),
            (vec![], false, "watching"),
            (vec![], true, "not_run"),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for (samples, done, want) in rows {
            let f = watch(&c, samples, done);
            assert_eq!(f.outcome.id, want);
            seen.insert(want);
        }
        let off = [(ProbeId::Watch, Observation::NotSent(NotSent::Off))]
            .into_iter()
            .collect();
        let f = evaluate(&c, &off).unwrap();
        seen.insert(f.outcome.id);
        super::super::testing::assert_covers(&CHECK, seen.iter().copied());
    }

    #[test]
    fn counts_and_timeline() {
        let c = ctx(false);
        let f = watch(
            &c,
            vec![
                keyless_ok(),
                api(529, "overloaded_error"),
                Observation::TimedOut { after_ms: 10_000 },
                api(529, "overloaded_error"),
            ],
            true,
        );
        assert!(f.facts.contains(&Fact::SuccessRatio { ok: 1, total: 4 }));
        assert!(f.facts.contains(&Fact::Failures(vec![
            (SampleKind::Overloaded, 2),
            (SampleKind::TimedOut, 1)
        ])));
        let Some(Fact::Timeline(points)) = f.facts.last() else {
            panic!("no timeline: {:?}", f.facts);
        };
        assert_eq!(points.len(), 4);
        assert_eq!(points[2].elapsed_ms, 10_000.0);
        assert_eq!(points[3].at_ms, 6_000.0);
        assert_eq!(points[3].kind, SampleKind::Overloaded);
    }

    #[test]
    fn waits_for_its_probe() {
        assert!(evaluate(&ctx(false), &Default::default()).is_none());
    }
}
