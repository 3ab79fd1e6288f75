//! `network.idle`: opt-in (`--idle SECS`): one kept-alive connection used, left idle, and used again:
//! kept, closed cleanly, reset, or silently dead.
//!
//! Natively only. The SDKs' pools drop idle connections themselves (Node after 4 s, Python after 5 s), and
//! notice a server's FIN or RST; only a flow that dies silently (a NAT or firewall forgetting it) fails on
//! reuse, as "Server disconnected without sending a response" or "read ECONNRESET", which the default
//! retries usually hide. A long-lived custom pool, or a middlebox that drops flows within seconds, is
//! where it bites.

use super::Check;
use crate::core::finding::{Fact, Finding, Layer, Outcome, Status, Timing};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::net::{IdleEnd, Net};
use crate::core::observation::{NotSent, Observation, Observations};
use crate::core::probe::ProbeId;

const CODE: &str = "network.idle";

pub static KEPT: Outcome = Outcome {
    id: "kept",
    status: Status::Pass,
    layer: Layer::Network,
    title: t!("An idle connection stays usable", "空闲连接保持可用"),
    detail: t!(
        "The same connection answered again after the idle wait: nothing on the path forgets idle flows that soon.",
        "空闲等待之后，同一连接再次得到了响应：路径上没有设备会这么快遗忘空闲连接。",
    ),
    fix: None,
    snippets: &[],
};

pub static CLOSED: Outcome = Outcome {
    id: "closed",
    status: Status::Pass,
    layer: Layer::Network,
    title: t!(
        "The server closes idle connections cleanly",
        "服务器会正常关闭空闲连接",
    ),
    detail: t!(
        "The server ended the connection while it was idle, with a FIN. The SDKs and curl notice that and open a new connection for the next request, so nothing fails.",
        "服务器在连接空闲时用 FIN 正常结束了连接。SDK 和 curl 会察觉并为下一个请求打开新连接，因此不会失败。",
    ),
    fix: None,
    snippets: &[],
};

pub static RESET: Outcome = Outcome {
    id: "reset",
    status: Status::Warn,
    layer: Layer::Network,
    title: t!("Idle connections are reset", "空闲连接被重置"),
    detail: t!(
        "The connection was reset while idle or when it was used again. A client that sends on it at that moment gets \"read ECONNRESET\" (Node) or \"Server disconnected without sending a response\" (Python); the SDKs retry twice by default, which usually hides it.",
        "连接在空闲时或再次使用时被重置。恰好在此时发送请求的客户端会得到 \"read ECONNRESET\"（Node）或 \"Server disconnected without sending a response\"（Python）；SDK 默认会重试两次，通常可以掩盖这个问题。",
    ),
    fix: Some(t!(
        "Keep the SDKs' default retries (max_retries 2 or more), and make any custom connection pool drop idle connections sooner than the path does (a keep-alive or idle timeout of a few seconds).",
        "保留 SDK 的默认重试（max_retries 为 2 或更多），并让自定义连接池比路径更早丢弃空闲连接（将 keep-alive 或空闲超时设为几秒）。",
    )),
    snippets: &[],
};

pub static DEAD: Outcome = Outcome {
    id: "dead",
    status: Status::Warn,
    layer: Layer::Network,
    title: t!("Idle connections die silently", "空闲连接被静默丢弃"),
    detail: t!(
        "After the idle wait the connection looked open but the request on it got no answer: a NAT, firewall or load balancer forgot the flow without telling either side. Requests on such a connection hang until the client's timeout, then are retried.",
        "空闲等待之后，连接看起来仍然打开，但在其上发送的请求没有任何响应：NAT、防火墙或负载均衡器在不通知任何一方的情况下遗忘了该连接。在这种连接上的请求会一直挂起直到客户端超时，然后被重试。",
    ),
    fix: Some(t!(
        "Drop idle connections in the client before the path does (a pool idle timeout of a few seconds; the SDKs' defaults already do), enable TCP keepalive on long-lived connections, or raise the middlebox's idle timeout.",
        "让客户端早于路径丢弃空闲连接（连接池空闲超时设为几秒；SDK 默认已如此），为长连接启用 TCP keepalive，或提高中间设备的空闲超时。",
    )),
    snippets: &[],
};

pub static OFF: Outcome = Outcome {
    id: "off",
    status: Status::Info,
    layer: Layer::Network,
    title: t!("Idle connections not tested", "未测试空闲连接"),
    detail: t!(
        "Run with --idle SECS to use a connection, leave it idle that long, and use it again.",
        "使用 --idle SECS 运行：先使用一个连接，让它空闲这么久，再次使用。",
    ),
    fix: None,
    snippets: &[],
};

pub static NOT_RUN: Outcome = super::not_run(Layer::Network);

pub static CHECK: Check = Check {
    code: CODE,
    wire: 23,
    applies: Applies::NativeOnly,
    layer: Layer::Network,
    title: t!("Reusing an idle connection", "重用空闲连接"),
    depends_on: &["network.connect", "network.proxy"],
    probes: &[ProbeId::Idle],
    outcomes: &[
        (0, &KEPT),
        (1, &CLOSED),
        (2, &RESET),
        (3, &DEAD),
        (4, &OFF),
        (5, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(_: &Context, obs: &Observations) -> Option<Finding> {
    if super::IN_PAGE {
        return None;
    }
    Some(match obs.get(&ProbeId::Idle)? {
        Observation::Net(Net::Idle { end, idle_ms }) => {
            let outcome = match end {
                IdleEnd::Kept => &KEPT,
                IdleEnd::Closed => &CLOSED,
                IdleEnd::Reset => &RESET,
                IdleEnd::Dead => &DEAD,
                IdleEnd::FirstFailed => &NOT_RUN,
            };
            Finding::new(CODE, outcome).with(Fact::Duration(Timing::Idle, *idle_ms))
        }
        Observation::NotSent(NotSent::Off) => Finding::new(CODE, &OFF),
        _ => Finding::new(CODE, &NOT_RUN),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::input::Vantage;
    use crate::core::key::AuthMode;

    #[test]
    fn outcomes_table() {
        let idle = |end| {
            Observation::Net(Net::Idle {
                end,
                idle_ms: 5_000.0,
            })
        };
        let rows = [
            (idle(IdleEnd::Kept), "kept"),
            (idle(IdleEnd::Closed), "closed"),
            (idle(IdleEnd::Reset), "reset"),
            (idle(IdleEnd::Dead), "dead"),
            (idle(IdleEnd::FirstFailed), "not_run"),
            (Observation::NotSent(NotSent::Off), "off"),
            (Observation::Cancelled, "not_run"),
        ];
        let ctx = Context::new("https://api.anthropic.com", AuthMode::Bearer, None, false)
            .from_vantage(Vantage::Native);
        let mut produced = Vec::new();
        for (seen, want) in rows {
            let obs = [(ProbeId::Idle, seen.clone())].into_iter().collect();
            assert_eq!(evaluate(&ctx, &obs).unwrap().outcome.id, want, "{seen:?}");
            produced.push(want);
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }
}
