//! `page.online`: is this connection up at all, judged by `navigator.onLine` and an independent control endpoint?
//!
//! A browser that says it is offline needs no probe. Otherwise a `no-cors` request to a control endpoint
//! that has nothing to do with the API tells a dead connection from a dead target: when the control and the
//! target both stay silent, the fault is this connection (or a proxy or filter in front of everything), not
//! the API. The target's own probe is read only when the control failed, to make that comparison.

use super::Check;
use super::PROXY_SNIPPETS;
use crate::core::finding::{Fact, Finding, Layer, Outcome, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::{Observation, Observations};
use crate::core::probe::ProbeId;

const CODE: &str = "page.online";

/// The most characters of a settings URL kept in a fact: a config link can carry anything.
pub const MAX_URL_CHARS: usize = 200;

pub static ONLINE: Outcome = Outcome {
    id: "online",
    status: Status::Pass,
    layer: Layer::Page,
    title: t!("This connection is up", "网络连接正常"),
    detail: t!(
        "An independent control endpoint answered, so this browser can reach the internet.",
        "一个与 API 无关的对照端点有响应，说明这个浏览器可以访问互联网。",
    ),
    fix: None,
    snippets: &[],
};

pub static OFFLINE: Outcome = Outcome {
    id: "offline",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!("The browser says it is offline", "浏览器显示处于离线状态"),
    detail: t!(
        "The browser reports no network connection at all, so no request can leave this device.",
        "浏览器报告完全没有网络连接，任何请求都无法离开这台设备。",
    ),
    fix: Some(t!(
        "Reconnect: check Wi-Fi or the network cable, turn airplane mode off, and reconnect the VPN if you use one; then run the checks again.",
        "重新连接网络：检查 Wi-Fi 或网线，关闭飞行模式，如果使用 VPN 请重新连接；然后再次运行检测。",
    )),
    snippets: &[],
};

pub static CONNECTION_DOWN: Outcome = Outcome {
    id: "connection_down",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!(
        "This connection, not the API: nothing answers",
        "问题在本机网络而非 API：没有任何响应",
    ),
    detail: t!(
        "An independent control endpoint failed too, so the problem is this connection, a proxy that must be configured, or a filter that blocks both hosts.",
        "一个独立的对照端点也失败了，所以问题出在这条网络连接、一个需要配置的代理，或者同时拦截了两个主机的过滤器。",
    ),
    fix: Some(t!(
        "Check the connection (open any website), sign in on a captive portal page (hotel, airport, guest Wi-Fi), and check the proxy settings: Claude Code, curl and the Python SDK read HTTPS_PROXY; Node reads it only with NODE_USE_ENV_PROXY=1 (Node 22 and later), and on Node 20 the app passes a proxy agent.",
        "检查网络连接（打开任意网站试试），如果是酒店、机场或访客 Wi-Fi，请先在认证页面登录，并检查代理设置：Claude Code、curl 和 Python SDK 会读取 HTTPS_PROXY；Node 只有在设置 NODE_USE_ENV_PROXY=1（Node 22 及以后）时才读取，在 Node 20 上需要由应用传入代理 agent。",
    )),
    snippets: PROXY_SNIPPETS,
};

pub static CONTROL_BLOCKED: Outcome = Outcome {
    id: "control_blocked",
    status: Status::Info,
    layer: Layer::Page,
    title: t!("The control endpoint is blocked here", "对照端点在此处被拦截"),
    detail: t!(
        "The control endpoint failed but the target answered: a filter blocks the control host. Nothing needs fixing for the API, but comparisons with the control are unavailable.",
        "对照端点失败了，但目标有响应：有过滤器拦截了对照主机。API 这边无需修复，只是无法再与对照端点做比较。",
    ),
    fix: None,
    snippets: &[],
};

pub static CONTROL_FAILED: Outcome = Outcome {
    id: "control_failed",
    status: Status::Warn,
    layer: Layer::Page,
    title: t!("The control endpoint did not answer", "对照端点没有响应"),
    detail: t!(
        "The control endpoint failed, and the target's own probe was not sent or did not finish, so the two cannot be compared: the connection may be down.",
        "对照端点失败了，而目标自身的探测没有发送或没有完成，因此无法比较两者：网络连接可能已经断开。",
    ),
    fix: Some(t!(
        "Check the connection by opening any website, fix the base URL if it is reported above, and run the checks again.",
        "打开任意网站检查网络连接；如果上方提示基础 URL 有问题，请先修正，然后再次运行检测。",
    )),
    snippets: &[],
};

pub static NO_CONTROL: Outcome = Outcome {
    id: "no_control",
    status: Status::Info,
    layer: Layer::Page,
    title: t!("No control endpoint was used", "未使用对照端点"),
    detail: t!(
        "The control URL in the settings cannot be used from this page (not an http(s) URL, or plain http from an https page), so only the browser's own online flag was checked.",
        "设置中的对照 URL 无法在本页使用（不是 http(s) URL，或在 https 页面中使用了普通 http），因此只检查了浏览器自身的在线状态。",
    ),
    fix: None,
    snippets: &[],
};

pub static NOT_RUN: Outcome = Outcome {
    id: "not_run",
    status: Status::Info,
    layer: Layer::Page,
    title: t!("Not checked", "未检测"),
    detail: t!("The run was cancelled.", "检测已取消。"),
    fix: None,
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 2,
    applies: Applies::BrowserOnly,
    layer: Layer::Page,
    title: t!("Internet connection", "互联网连接"),
    depends_on: &[],
    probes: &[ProbeId::Control, ProbeId::Reach],
    outcomes: &[
        (0, &ONLINE),
        (1, &OFFLINE),
        (2, &CONNECTION_DOWN),
        (3, &CONTROL_BLOCKED),
        (4, &CONTROL_FAILED),
        (5, &NO_CONTROL),
        (6, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(ctx: &Context, obs: &Observations) -> Option<Finding> {
    // The browser's own flag is decisive when it says offline: nothing could have been sent.
    if !ctx.online {
        return Some(Finding::new(CODE, &OFFLINE));
    }
    let url = &ctx.settings.control_url;
    let host = || Fact::ControlHost(origin_of(url));
    let failure = match obs.get(&ProbeId::Control)? {
        Observation::Response(r) => {
            return Some(
                Finding::new(CODE, &ONLINE)
                    .with(host())
                    .with(Fact::Elapsed(r.elapsed_ms)),
            )
        }
        Observation::NotSent(_) => {
            let shown = url.trim().chars().take(MAX_URL_CHARS).collect();
            return Some(Finding::new(CODE, &NO_CONTROL).with(Fact::Offending(shown)));
        }
        Observation::Cancelled | Observation::Series { .. } | Observation::Net(_) => {
            return Some(Finding::new(CODE, &NOT_RUN))
        }
        Observation::Rejected { elapsed_ms } => Fact::Elapsed(*elapsed_ms),
        Observation::TimedOut { after_ms } => Fact::TimeoutMs(*after_ms),
    };
    // The control failed: only the target's own probe can say whether the whole connection is down.
    let outcome = match obs.get(&ProbeId::Reach)? {
        Observation::Response(_) => &CONTROL_BLOCKED,
        Observation::Rejected { .. } | Observation::TimedOut { .. } => &CONNECTION_DOWN,
        Observation::NotSent(_)
        | Observation::Cancelled
        | Observation::Series { .. }
        | Observation::Net(_) => &CONTROL_FAILED,
    };
    Some(Finding::new(CODE, outcome).with(host()).with(failure))
}

/// `scheme://host[:port]` of a URL, found simply: the control URL has passed the planner's checks when it
/// was sent, and this is only shown as text.
fn origin_of(url: &str) -> String {
    let url = url.trim();
    let origin = match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            format!("{scheme}://{authority}")
        }
        None => url.to_string(),
    };
    origin.chars().take(MAX_URL_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::opaque;
    use crate::core::key::AuthMode;
    use crate::core::observation::NotSent;
    use std::collections::BTreeSet;

    fn ctx(online: bool) -> Context {
        let mut ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, None, true);
        ctx.online = online;
        ctx
    }

    #[test]
    fn outcomes_table() {
        let rejected = || Observation::Rejected { elapsed_ms: 12.0 };
        let timed_out = || Observation::TimedOut { after_ms: 5_000 };
        // (navigator.onLine, control, reach, outcome)
        let rows: Vec<(bool, Option<Observation>, Option<Observation>, &str)> = vec![
            (true, Some(opaque(30.0)), None, "online"),
            (true, Some(opaque(30.0)), Some(rejected()), "online"),
            (false, None, None, "offline"),
            (false, Some(opaque(30.0)), Some(opaque(30.0)), "offline"),
            (true, Some(rejected()), Some(rejected()), "connection_down"),
            (
                true,
                Some(timed_out()),
                Some(timed_out()),
                "connection_down",
            ),
            (true, Some(rejected()), Some(timed_out()), "connection_down"),
            (
                true,
                Some(timed_out()),
                Some(opaque(80.0)),
                "control_blocked",
            ),
            (
                true,
                Some(rejected()),
                Some(Observation::NotSent(NotSent::InvalidTarget)),
                "control_failed",
            ),
            (
                true,
                Some(rejected()),
                Some(Observation::Cancelled),
                "control_failed",
            ),
            (
                true,
                Some(Observation::NotSent(NotSent::InvalidUrl)),
                None,
                "no_control",
            ),
            (
                true,
                Some(Observation::NotSent(NotSent::MixedContent)),
                None,
                "no_control",
            ),
            (true, Some(Observation::Cancelled), None, "not_run"),
        ];
        let mut seen = BTreeSet::new();
        for (online, control, reach, want) in rows {
            let all = [(ProbeId::Control, control), (ProbeId::Reach, reach)]
                .into_iter()
                .filter_map(|(id, o)| o.map(|o| (id, o)))
                .collect();
            let got = evaluate(&ctx(online), &all).unwrap().outcome.id;
            assert_eq!(got, want, "online {online}, {all:?}");
            seen.insert(got);
        }
        super::super::testing::assert_covers(&CHECK, seen.iter().copied());
    }

    #[test]
    fn waits_for_its_probe() {
        assert!(evaluate(&ctx(true), &Default::default()).is_none());
        // The target's probe is awaited only once the control has failed.
        let failed = [(ProbeId::Control, Observation::Rejected { elapsed_ms: 3.0 })]
            .into_iter()
            .collect();
        assert!(evaluate(&ctx(true), &failed).is_none());
    }

    #[test]
    fn facts_name_the_control_host() {
        let all = [(ProbeId::Control, opaque(30.0))].into_iter().collect();
        let f = evaluate(&ctx(true), &all).unwrap();
        assert_eq!(
            f.facts,
            [
                Fact::ControlHost("https://cloudflare-dns.com".into()),
                Fact::Elapsed(30.0)
            ]
        );
        let mut bad = ctx(true);
        bad.settings.control_url = " ftp://x ".into();
        let all = [(ProbeId::Control, Observation::NotSent(NotSent::InvalidUrl))]
            .into_iter()
            .collect();
        let f = evaluate(&bad, &all).unwrap();
        assert_eq!(f.facts, [Fact::Offending("ftp://x".into())]);
    }

    #[test]
    fn origins_table() {
        let long = format!("https://{}", "a".repeat(300));
        let rows = [
            (
                "https://cloudflare-dns.com/dns-query?name=x",
                "https://cloudflare-dns.com",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("https://h.example?q#f", "https://h.example"),
            ("https://[::1]:9/x", "https://[::1]:9"),
            ("no scheme", "no scheme"),
            ("", ""),
            ("://", "://"),
            ("https://é.example/ü", "https://é.example"),
        ];
        for (url, want) in rows {
            assert_eq!(origin_of(url), want, "{url}");
        }
        assert_eq!(origin_of(&long).chars().count(), MAX_URL_CHARS);
    }
}
