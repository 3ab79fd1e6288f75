//! `network.reach`: did anything at the target answer a `no-cors` request, failed fast, or stay silent?
//!
//! A rejection within [`FAST_FAIL_MS`] is something that answered or refused at once (a refused port,
//! NXDOMAIN, a TLS failure, or an answer the browser blocked); silence until the probe's timeout is dropped
//! packets (a firewall or a dead route). They have different fixes.

use super::{Check, NOT_RUN_DETAIL, NOT_RUN_TITLE};
use super::{PROXY_SNIPPETS, TRUST_SNIPPETS};
use crate::core::finding::{Fact, Finding, Layer, Outcome, Snippet, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::{Observation, Observations};
use crate::core::probe::ProbeId;

const CODE: &str = "network.reach";

/// A rejection faster than this is a refusal, not a stall. DNS failures, refused ports, TLS alerts and
/// blockers all answer within a few hundred milliseconds; a slow resolver can take a couple of seconds.
pub const FAST_FAIL_MS: f64 = 3_000.0;

pub static ANSWERED: Outcome = Outcome {
    id: "answered",
    status: Status::Pass,
    layer: Layer::Network,
    title: t!("The host answered", "主机有响应"),
    detail: t!(
        "A request without custom headers reached a server and got a response: DNS, the connection and TLS work from this browser.",
        "一个不带自定义请求头的请求到达了服务器并得到了响应：DNS、连接和 TLS 在这个浏览器中均正常。",
    ),
    fix: None,
    snippets: &[],
};

pub static FAILED_FAST: Outcome = Outcome {
    id: "failed_fast",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!("The request failed at once", "请求立即失败"),
    detail: t!(
        "The browser gave up within moments, and a browser does not say why. It may be a connection that never came about: the name does not resolve (DNS), nothing listens on that port, the TLS certificate is not trusted (a corporate proxy intercepting TLS, a self-signed gateway), or the address redirects in a loop (a browser gives up after 20 redirects). It may also be an answer the browser received and then blocked: a firewall or challenge page sent with Cross-Origin-Resource-Policy, an extension, or a browser or enterprise policy that blocks the host. From a page these all look the same.",
        "浏览器几乎立刻就放弃了，而浏览器不会说明原因。可能是连接根本没有建立：域名无法解析（DNS）、该端口没有服务在监听、TLS 证书不受信任（企业代理拦截 TLS、自签名网关），或者该地址陷入重定向循环（浏览器在 20 次重定向后放弃）。也可能是浏览器收到了响应却将其拦截：带有 Cross-Origin-Resource-Policy 的防火墙或验证页面、扩展程序，或拦截该主机的浏览器或企业策略。在网页中，这些情况看起来完全一样。",
    ),
    fix: Some(t!(
        "Run the native doctor on the same machine (api-doctor check with your base URL): it resolves, connects and shakes hands step by step and names the one that fails. Without it, curl -v against the base URL shows the failing step (curl -L --max-redirs 5 shows a loop); also try a private window without extensions. If a proxy or antivirus intercepts TLS, trust its CA: Node and Claude Code through NODE_EXTRA_CA_CERTS; the Python SDK (1.0 and later) through the system store or its client, as below. SSL_CERT_FILE works for Python too but replaces the whole system store, and REQUESTS_CA_BUNDLE is read by neither SDK.",
        "在同一台机器上运行原生诊断（api-doctor check 加上你的基础 URL）：它会逐步进行解析、连接和 TLS 握手，并指出失败的那一步。没有它时，可对基础 URL 运行 curl -v 查看失败的步骤（curl -L --max-redirs 5 可以看出重定向循环）；也可以在不带扩展的无痕窗口中再试一次。如果有代理或杀毒软件拦截 TLS，请信任其 CA：Node 和 Claude Code 使用 NODE_EXTRA_CA_CERTS；Python SDK（1.0 及以后）通过系统证书库或其客户端设置，见下方示例。SSL_CERT_FILE 对 Python 也有效，但会替换整个系统证书库；两个 SDK 都不读取 REQUESTS_CA_BUNDLE。",
    )),
    snippets: &[
        Snippet { tool: "curl", code: "curl -v https://api.anthropic.com/v1/models" },
        TRUST_SNIPPETS[0],
        TRUST_SNIPPETS[1],
        TRUST_SNIPPETS[2],
    ],
};

pub static FAILED_SLOW: Outcome = Outcome {
    id: "failed_slow",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!("The connection failed after a wait", "连接在等待后失败"),
    detail: t!(
        "The browser waited seconds, then gave up before the probe's own timeout: a slow or failing DNS resolver, or a connection that something on the path reset.",
        "浏览器等待了数秒后放弃，早于探测自身的超时：DNS 解析器缓慢或出错，或者路径上有设备重置了连接。",
    ),
    fix: Some(t!(
        "Compare nslookup of the host with a public resolver (nslookup api.anthropic.com 1.1.1.1), and run curl -v to see where it stops.",
        "用 nslookup 对比本地与公共解析器的结果（nslookup api.anthropic.com 1.1.1.1），并运行 curl -v 查看在哪一步停住。",
    )),
    snippets: &[Snippet { tool: "curl", code: "curl -v https://api.anthropic.com/v1/models" }],
};

pub static TIMED_OUT: Outcome = Outcome {
    id: "timed_out",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!("No answer: the request timed out", "无响应：请求超时"),
    detail: t!(
        "Nothing came back before the probe's timeout. Packets are being dropped silently: a firewall, a network that blocks this host, or a dead route. The SDKs report this as \"Request timed out\" or \"Connection error.\".",
        "在探测超时之前没有任何返回，数据包被静默丢弃：防火墙、屏蔽该主机的网络，或者路由不通。SDK 会将其报告为 \"Request timed out\" 或 \"Connection error.\"。",
    ),
    fix: Some(t!(
        "Allow api.anthropic.com on port 443 in the firewall (by address: 160.79.104.0/23 and 2607:6bc0::/48), or route through your proxy: Claude Code, curl and the Python SDK read HTTPS_PROXY; Node ignores it unless NODE_USE_ENV_PROXY=1 (Node 22 and later), so on Node 20 the app passes a proxy agent, as below. traceroute shows where packets stop.",
        "在防火墙中放行 api.anthropic.com 的 443 端口（按地址放行：160.79.104.0/23 和 2607:6bc0::/48），或通过代理访问：Claude Code、curl 和 Python SDK 读取 HTTPS_PROXY；Node 会忽略它，除非设置 NODE_USE_ENV_PROXY=1（Node 22 及以后），因此在 Node 20 上需要由应用传入代理 agent，见下方示例。traceroute 可以显示数据包在哪里中断。",
    )),
    snippets: PROXY_SNIPPETS,
};

pub static NOT_RUN: Outcome = Outcome {
    id: "not_run",
    status: Status::Info,
    layer: Layer::Network,
    title: NOT_RUN_TITLE,
    detail: NOT_RUN_DETAIL,
    fix: None,
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 4,
    applies: Applies::BrowserOnly,
    layer: Layer::Network,
    title: t!("Reaching the host", "连接主机"),
    depends_on: &[
        "page.target",
        "page.mixed_content",
        "page.online",
        "dns.public",
    ],
    probes: &[ProbeId::Reach],
    outcomes: &[
        (0, &ANSWERED),
        (1, &FAILED_FAST),
        (2, &FAILED_SLOW),
        (3, &TIMED_OUT),
        (4, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(_: &Context, obs: &Observations) -> Option<Finding> {
    Some(match obs.get(&ProbeId::Reach)? {
        Observation::Response(r) => Finding::new(CODE, &ANSWERED).with(Fact::Elapsed(r.elapsed_ms)),
        Observation::Rejected { elapsed_ms } if *elapsed_ms < FAST_FAIL_MS => {
            Finding::new(CODE, &FAILED_FAST).with(Fact::Elapsed(*elapsed_ms))
        }
        Observation::Rejected { elapsed_ms } => {
            Finding::new(CODE, &FAILED_SLOW).with(Fact::Elapsed(*elapsed_ms))
        }
        Observation::TimedOut { after_ms } => {
            Finding::new(CODE, &TIMED_OUT).with(Fact::TimeoutMs(*after_ms))
        }
        Observation::Cancelled
        | Observation::NotSent(_)
        | Observation::Series { .. }
        | Observation::Net(_) => Finding::new(CODE, &NOT_RUN),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::opaque;
    use crate::core::key::AuthMode;
    use crate::core::observation::NotSent;

    #[test]
    fn outcomes_table() {
        let rows = [
            (opaque(35.0), "answered"),
            (Observation::Rejected { elapsed_ms: 4.0 }, "failed_fast"),
            (
                Observation::Rejected {
                    elapsed_ms: 2_999.0,
                },
                "failed_fast",
            ),
            (
                Observation::Rejected {
                    elapsed_ms: 3_000.0,
                },
                "failed_slow",
            ),
            (Observation::TimedOut { after_ms: 10_000 }, "timed_out"),
            (Observation::Cancelled, "not_run"),
            (Observation::NotSent(NotSent::MixedContent), "not_run"),
        ];
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, None, true);
        let mut produced = Vec::new();
        for (obs, want) in rows {
            produced.push(want);
            let all = [(ProbeId::Reach, obs.clone())].into_iter().collect();
            assert_eq!(evaluate(&ctx, &all).unwrap().outcome.id, want, "{obs:?}");
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }

    #[test]
    fn waits_for_its_probe() {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, None, true);
        assert!(evaluate(&ctx, &Default::default()).is_none());
    }
}
