//! `perf.latency`: one cold and N warm round trips to the target, run alone, graded and compared with the
//! control endpoint.
//!
//! Each round trip is a `no-cors` GET timed with `performance.now()` around `fetch`: it needs no preflight
//! and no key, and it is what a plain JavaScript timing loop measures too. When the server sends
//! `Timing-Allow-Origin`, the browser's Resource Timing entries add the phases (DNS, connect, TLS, time to
//! first byte); without it (the real API sends none) only whole round trips can be seen, and the finding
//! says which method measured. The control endpoint's round trips, interleaved with the target's, tell a
//! slow network from a slow API.

use super::{Check, RETRY_SNIPPETS};
use crate::core::finding::{Fact, Finding, Layer, Method, Outcome, Snippet, Status, Timing};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::{NotSent, Observation, Observations, Phases};
use crate::core::probe::ProbeId;
use crate::core::stats::{summarize, Summary};

const CODE: &str = "perf.latency";

/// A warm median at or below this is good: a round trip to a nearby edge takes tens of milliseconds, and
/// a request that then waits seconds for the model does not notice a few hundred more.
pub const FAST_MS: f64 = 300.0;
/// Beyond this every request pays a second before the model starts: a far-away proxy or VPN, or a
/// congested link.
pub const VERY_SLOW_MS: f64 = 1_000.0;
/// A spread between the fastest round trip and the 90th percentile above both this and [`JITTER_SHARE`]
/// of the median makes round trips unpredictable. The percentile, not the mean difference between
/// neighbours, so that one stall of a loaded machine does not count as an unstable network.
pub const JITTER_MS: f64 = 50.0;
/// See [`JITTER_MS`].
pub const JITTER_SHARE: f64 = 0.5;
/// Fewer warm round trips than this cannot tell an unstable network from one stall.
pub const JITTER_MIN_SAMPLES: usize = 5;
/// A cold round trip costing more than both this and [`SETUP_FACTOR`] warm medians on top of a warm one
/// points at slow connection set-up: DNS, or TLS inspected by a proxy or antivirus.
pub const SETUP_MS: f64 = 300.0;
/// See [`SETUP_MS`].
pub const SETUP_FACTOR: f64 = 2.0;

/// The outcome's snippets for timeouts: the SDKs' defaults are generous; a shorter timeout turns a slow
/// path into failures.
const TIMEOUT_SNIPPETS: &[Snippet] = &[
    Snippet {
        tool: "Python",
        code: "import httpx2\nclient = anthropic.Anthropic(timeout=httpx2.Timeout(600.0, connect=10.0), max_retries=2)",
    },
    Snippet {
        tool: "TypeScript",
        code: "const client = new Anthropic({ timeout: 600_000, maxRetries: 2 });",
    },
];

pub static FAST: Outcome = Outcome {
    id: "fast",
    status: Status::Pass,
    layer: Layer::Performance,
    title: t!("Round trips are quick", "往返很快"),
    detail: t!(
        "The round trips to the target are short and steady from this browser.",
        "从本浏览器到目标的往返时间短且稳定。",
    ),
    fix: None,
    snippets: &[],
};

pub static SLOW: Outcome = Outcome {
    id: "slow",
    status: Status::Warn,
    layer: Layer::Performance,
    title: t!("Round trips are slow", "往返较慢"),
    detail: t!(
        "Each request waits several hundred milliseconds before the API even sees it, while the control endpoint is quick: the path to this host is long (a distant proxy, VPN or gateway, or an unlucky route).",
        "每个请求在到达 API 之前就要等待数百毫秒，而对照端点很快：到该主机的路径较长（远处的代理、VPN 或网关，或不理想的路由）。",
    ),
    fix: Some(t!(
        "Run traceroute to the host to see where the time goes; use a proxy or gateway close to you, or none. Stream responses so that people see text early, and keep the SDK's default timeouts.",
        "运行 traceroute 查看时间花在哪里；使用离你近的代理或网关，或不用代理。使用流式响应让用户尽早看到文字，并保留 SDK 的默认超时。",
    )),
    snippets: TIMEOUT_SNIPPETS,
};

pub static VERY_SLOW: Outcome = Outcome {
    id: "very_slow",
    status: Status::Warn,
    layer: Layer::Performance,
    title: t!("Round trips take over a second", "往返超过一秒"),
    detail: t!(
        "A second or more per round trip, while the control endpoint is quicker: short client timeouts will fail, and interactive use feels sluggish.",
        "每次往返一秒或更久，而对照端点更快：较短的客户端超时会失败，交互使用会感觉迟缓。",
    ),
    fix: Some(t!(
        "Find the slow hop with traceroute; bypass a distant proxy or VPN for this host (NO_PROXY) or move the gateway closer. Do not shorten the SDK's timeouts.",
        "用 traceroute 找出慢的一跳；让该主机绕过远处的代理或 VPN（NO_PROXY），或把网关部署得更近。不要缩短 SDK 的超时。",
    )),
    snippets: TIMEOUT_SNIPPETS,
};

pub static SLOW_NETWORK: Outcome = Outcome {
    id: "slow_network",
    status: Status::Warn,
    layer: Layer::Performance,
    title: t!("This connection is slow for everything", "这个网络连接整体较慢"),
    detail: t!(
        "The independent control endpoint is about as slow as the target: the connection itself is slow, not the API.",
        "独立的对照端点与目标一样慢：慢的是网络连接本身，而不是 API。",
    ),
    fix: Some(t!(
        "Try another network (wired instead of Wi-Fi, another provider), pause large downloads or backups, and compare again.",
        "尝试其他网络（有线代替 Wi-Fi，或换一家运营商），暂停大文件下载或备份后再比较。",
    )),
    snippets: &[],
};

pub static UNSTABLE: Outcome = Outcome {
    id: "unstable",
    status: Status::Warn,
    layer: Layer::Performance,
    title: t!("Round trips vary a lot", "往返时间波动很大"),
    detail: t!(
        "Round trips vary much more than usual: the slowest tenth take far longer than the fastest. A busy or weak Wi-Fi link, or a congested route. Requests will sometimes be slow, and timeouts may fire now and then.",
        "往返时间的波动远超正常：最慢的十分之一比最快的慢得多。可能是 Wi-Fi 繁忙或信号弱，或路由拥塞。请求有时会很慢，偶尔可能超时。",
    ),
    fix: Some(t!(
        "Move closer to the access point or use a cable, and keep the SDK's retries on (they back off and honour retry-after). Watch mode shows how often it happens.",
        "靠近无线接入点或使用网线，并保持 SDK 的重试开启（会退避并遵守 retry-after）。观察模式可以显示发生频率。",
    )),
    snippets: RETRY_SNIPPETS,
};

pub static SLOW_SETUP: Outcome = Outcome {
    id: "slow_setup",
    status: Status::Warn,
    layer: Layer::Performance,
    title: t!("New connections are slow to set up", "新连接建立缓慢"),
    detail: t!(
        "The first round trip cost much more than the warm ones: DNS, the TCP connection or the TLS handshake is slow. A proxy or antivirus that inspects TLS often does this.",
        "首次往返比后续往返慢得多：DNS、TCP 连接或 TLS 握手较慢。检查 TLS 流量的代理或杀毒软件常会造成这种情况。",
    ),
    fix: Some(t!(
        "Create one client and reuse it, so that requests share warm connections; check for TLS inspection (a certificate issued by your company or antivirus instead of a public CA).",
        "只创建一个客户端并重复使用，让请求共享已建立的连接；检查是否存在 TLS 检查（证书由公司或杀毒软件签发，而非公共 CA）。",
    )),
    snippets: &[
        Snippet {
            tool: "Python",
            code: "client = anthropic.Anthropic()  # create once at start-up, reuse for every request",
        },
        Snippet {
            tool: "curl",
            code: "curl -sv -o /dev/null https://api.anthropic.com/v1/models 2>&1 | grep -i issuer",
        },
    ],
};

pub static LOSSY: Outcome = Outcome {
    id: "lossy",
    status: Status::Warn,
    layer: Layer::Performance,
    title: t!("Some round trips failed", "部分往返失败"),
    detail: t!(
        "The host answered before, but some round trips of the series failed or timed out: the connection drops requests now and then.",
        "主机之前有响应，但这一系列往返中有一些失败或超时：连接会不时丢失请求。",
    ),
    fix: Some(t!(
        "Turn on watch mode to see how often and when it happens; keep the SDK's retries on. If it persists, the proxy, VPN or firewall on the path is the first suspect.",
        "开启观察模式查看发生的频率和时间；保持 SDK 的重试开启。如果一直存在，首先怀疑路径上的代理、VPN 或防火墙。",
    )),
    snippets: RETRY_SNIPPETS,
};

pub static NOT_RUN: Outcome = Outcome {
    id: "not_run",
    status: Status::Info,
    layer: Layer::Performance,
    title: t!("Not measured", "未测量"),
    detail: t!(
        "The round trips were not timed: the run was cancelled, or no round trip succeeded.",
        "未测量往返时间：检测已取消，或没有一次往返成功。",
    ),
    fix: None,
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 13,
    applies: Applies::Everywhere,
    layer: Layer::Performance,
    title: t!("Latency", "延迟"),
    depends_on: &["network.reach", "tls.trust"],
    probes: &[ProbeId::Latency(0), ProbeId::ControlLatency(0)],
    outcomes: &[
        (0, &FAST),
        (1, &SLOW),
        (2, &VERY_SLOW),
        (3, &SLOW_NETWORK),
        (4, &UNSTABLE),
        (5, &SLOW_SETUP),
        (6, &LOSSY),
        (7, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

/// Round trips of the series, by whether they answered.
struct Series {
    cold: Option<f64>,
    cold_phases: Option<Phases>,
    warm: Vec<f64>,
    warm_phases: Vec<Phases>,
    failed: usize,
    control: Vec<f64>,
}

fn collect(ctx: &Context, obs: &Observations) -> Option<Series> {
    let mut s = Series {
        cold: None,
        cold_phases: None,
        warm: Vec::new(),
        warm_phases: Vec::new(),
        failed: 0,
        control: Vec::new(),
    };
    for id in ctx.series_order() {
        let seen = obs.get(&id)?;
        match (id, seen) {
            (ProbeId::ControlLatency(_), Observation::Response(r)) => s.control.push(r.elapsed_ms),
            (ProbeId::Latency(0), Observation::Response(r)) => {
                s.cold = Some(r.elapsed_ms);
                s.cold_phases = r.phases;
            }
            (ProbeId::Latency(_), Observation::Response(r)) => {
                s.warm.push(r.elapsed_ms);
                s.warm_phases.extend(r.phases);
            }
            (ProbeId::Latency(_), Observation::Rejected { .. } | Observation::TimedOut { .. }) => {
                s.failed += 1
            }
            (ProbeId::Latency(_), Observation::NotSent(NotSent::Stopped)) => s.failed += 1,
            _ => {}
        }
    }
    Some(s)
}

fn evaluate(ctx: &Context, obs: &Observations) -> Option<Finding> {
    if matches!(obs.get(&ProbeId::Latency(0)), Some(Observation::Cancelled))
        || obs.values().any(|o| *o == Observation::Cancelled)
    {
        return Some(Finding::new(CODE, &NOT_RUN));
    }
    let series = collect(ctx, obs)?;
    let Some(warm) = summarize(&series.warm) else {
        return Some(Finding::new(CODE, &NOT_RUN));
    };
    let control = summarize(&series.control);
    let setup = series.cold.map(|cold| (cold - warm.median).max(0.0));
    let outcome = grade(&warm, control.as_ref(), setup, series.failed);
    let mut facts = vec![
        Fact::Samples(warm.n),
        Fact::Duration(Timing::Median, warm.median),
        Fact::Duration(Timing::Min, warm.min),
        Fact::Duration(Timing::P90, warm.p90),
        Fact::Duration(Timing::Jitter, warm.jitter),
    ];
    facts.extend(series.cold.map(|c| Fact::Duration(Timing::Cold, c)));
    facts.extend(setup.map(|s| Fact::Duration(Timing::Setup, s)));
    facts.extend(control.map(|c| Fact::Duration(Timing::ControlMedian, c.median)));
    facts.extend(phase_facts(
        series.cold_phases,
        &series.warm_phases,
        ctx.vantage == crate::core::input::Vantage::Native,
    ));
    Some(Finding::new(CODE, outcome).with_all(facts))
}

/// The phases, when the server allowed them: set-up from the cold round trip if it opened a connection,
/// and the warm median time to first byte; then the method that measured.
fn phase_facts(cold: Option<Phases>, warm: &[Phases], native: bool) -> Vec<Fact> {
    let mut facts = Vec::new();
    if let Some(p) = cold.filter(|p| p.new_connection) {
        facts.push(Fact::Duration(Timing::Dns, p.dns));
        facts.push(Fact::Duration(Timing::Connect, p.connect));
        if p.tls > 0.0 {
            facts.push(Fact::Duration(Timing::Tls, p.tls));
        }
    }
    let ttfb: Vec<f64> = warm.iter().map(|p| p.ttfb).collect();
    if let Some(t) = summarize(&ttfb) {
        facts.push(Fact::Duration(Timing::Ttfb, t.median));
    }
    facts.push(Fact::Method(if native {
        Method::Sockets
    } else if cold.is_some() || !warm.is_empty() {
        Method::ResourceTiming
    } else {
        Method::FetchRoundTrip
    }));
    facts
}

/// Grades the warm round trips; the first matching reason wins, most actionable first.
fn grade(
    warm: &Summary,
    control: Option<&Summary>,
    setup: Option<f64>,
    failed: usize,
) -> &'static Outcome {
    if failed > 0 {
        return &LOSSY;
    }
    let slow = warm.median > FAST_MS;
    // The network is to blame when the independent endpoint is slow too: at least half the target's time.
    if slow && control.is_some_and(|c| c.median > FAST_MS || c.median * 2.0 >= warm.median) {
        return &SLOW_NETWORK;
    }
    if warm.median > VERY_SLOW_MS {
        return &VERY_SLOW;
    }
    if slow {
        return &SLOW;
    }
    let spread = warm.p90 - warm.min;
    if warm.n >= JITTER_MIN_SAMPLES && spread > JITTER_MS && spread > JITTER_SHARE * warm.median {
        return &UNSTABLE;
    }
    if setup.is_some_and(|s| s > SETUP_MS && s > SETUP_FACTOR * warm.median) {
        return &SLOW_SETUP;
    }
    &FAST
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::input::Settings;
    use crate::core::key::AuthMode;
    use crate::core::observation::Response;

    fn ctx(samples: u16) -> Context {
        Context::new("https://api.anthropic.com", AuthMode::ApiKey, None, true).with_settings(
            Settings {
                samples,
                ..Settings::default()
            },
        )
    }

    fn answered(ms: f64, phases: Option<Phases>) -> Observation {
        Observation::Response(Response {
            kind: crate::core::observation::ResponseKind::Opaque,
            elapsed_ms: ms,
            phases,
            ..Response::default()
        })
    }

    /// A series: the cold round trip, the warm ones, and the control's.
    fn series(cold: f64, warm: &[f64], control: &[f64]) -> Observations {
        let ctx = ctx(warm.len() as u16);
        let mut obs = Observations::new();
        let (mut w, mut c) = (warm.iter(), control.iter());
        for id in ctx.series_order() {
            let seen = match id {
                ProbeId::Latency(0) => answered(cold, None),
                ProbeId::Latency(_) => answered(*w.next().unwrap(), None),
                _ => c
                    .next()
                    .map_or(Observation::NotSent(NotSent::Prerequisite), |ms| {
                        answered(*ms, None)
                    }),
            };
            obs.insert(id, seen);
        }
        obs
    }

    fn outcome_of(cold: f64, warm: &[f64], control: &[f64]) -> &'static str {
        let obs = series(cold, warm, control);
        evaluate(&ctx(warm.len() as u16), &obs).unwrap().outcome.id
    }

    /// (name, cold round trip, warm round trips, control round trips, outcome)
    type Row = (&'static str, f64, Vec<f64>, Vec<f64>, &'static str);

    #[test]
    fn outcomes_table() {
        let steady = [40.0, 42.0, 41.0, 43.0, 40.0];
        let rows: Vec<Row> = vec![
            (
                "quick and steady",
                90.0,
                steady.to_vec(),
                vec![20.0; 5],
                "fast",
            ),
            ("no control", 90.0, steady.to_vec(), vec![], "fast"),
            (
                "slow, control quick",
                500.0,
                vec![450.0; 5],
                vec![30.0; 5],
                "slow",
            ),
            ("slow, no control", 500.0, vec![450.0; 5], vec![], "slow"),
            (
                "over a second",
                1500.0,
                vec![1200.0; 5],
                vec![30.0; 5],
                "very_slow",
            ),
            (
                "control slow too",
                900.0,
                vec![800.0; 5],
                vec![700.0; 5],
                "slow_network",
            ),
            (
                "control half as slow",
                900.0,
                vec![800.0; 5],
                vec![400.0; 5],
                "slow_network",
            ),
            (
                "jittery",
                60.0,
                vec![20.0, 200.0, 20.0, 200.0, 20.0],
                vec![],
                "unstable",
            ),
            (
                "jitter small in absolute terms",
                60.0,
                vec![10.0, 40.0, 10.0, 40.0],
                vec![],
                "fast",
            ),
            ("slow set-up", 900.0, steady.to_vec(), vec![], "slow_setup"),
            (
                "set-up cost within bounds",
                250.0,
                steady.to_vec(),
                vec![],
                "fast",
            ),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for (name, cold, warm, control, want) in rows {
            assert_eq!(outcome_of(cold, &warm, &control), want, "{name}");
            seen.insert(want);
        }
        let failing = {
            let mut obs = series(90.0, &[40.0, 41.0, 42.0], &[]);
            obs.insert(
                ProbeId::Latency(2),
                Observation::TimedOut { after_ms: 10_000 },
            );
            evaluate(&ctx(3), &obs).unwrap().outcome.id
        };
        assert_eq!(failing, "lossy");
        seen.insert(failing);
        let cancelled = {
            let mut obs = series(90.0, &[40.0], &[]);
            obs.insert(ProbeId::Latency(1), Observation::Cancelled);
            evaluate(&ctx(1), &obs).unwrap().outcome.id
        };
        assert_eq!(cancelled, "not_run");
        seen.insert(cancelled);
        super::super::testing::assert_covers(&CHECK, seen.iter().copied());
    }

    #[test]
    fn waits_for_the_whole_series() {
        let mut obs = series(90.0, &[40.0, 41.0], &[20.0, 21.0]);
        obs.remove(&ProbeId::ControlLatency(2));
        assert!(evaluate(&ctx(2), &obs).is_none());
    }

    #[test]
    fn figures_and_method() {
        let f = evaluate(
            &ctx(5),
            &series(190.0, &[50.0, 40.0, 60.0, 45.0, 55.0], &[20.0; 5]),
        )
        .unwrap();
        let has = |fact: Fact| f.facts.contains(&fact);
        assert!(has(Fact::Duration(Timing::Median, 50.0)), "{:?}", f.facts);
        assert!(has(Fact::Duration(Timing::Min, 40.0)));
        assert!(has(Fact::Duration(Timing::P90, 60.0)));
        assert!(has(Fact::Duration(Timing::Cold, 190.0)));
        assert!(has(Fact::Duration(Timing::Setup, 140.0)));
        assert!(has(Fact::Duration(Timing::ControlMedian, 20.0)));
        assert!(has(Fact::Samples(5)));
        assert!(has(Fact::Method(Method::FetchRoundTrip)));
    }

    #[test]
    fn resource_timing_phases_when_allowed() {
        let mut obs = series(190.0, &[50.0, 40.0], &[]);
        let cold = Phases {
            dns: 12.0,
            connect: 60.0,
            tls: 30.0,
            ttfb: 100.0,
            new_connection: true,
        };
        let warm = Phases {
            dns: 0.0,
            connect: 0.0,
            tls: 0.0,
            ttfb: 38.0,
            new_connection: false,
        };
        obs.insert(ProbeId::Latency(0), answered(190.0, Some(cold)));
        obs.insert(ProbeId::Latency(1), answered(50.0, Some(warm)));
        obs.insert(ProbeId::Latency(2), answered(40.0, Some(warm)));
        let f = evaluate(&ctx(2), &obs).unwrap();
        for fact in [
            Fact::Duration(Timing::Dns, 12.0),
            Fact::Duration(Timing::Connect, 60.0),
            Fact::Duration(Timing::Tls, 30.0),
            Fact::Duration(Timing::Ttfb, 38.0),
            Fact::Method(Method::ResourceTiming),
        ] {
            assert!(f.facts.contains(&fact), "{fact:?} in {:?}", f.facts);
        }
    }
}
