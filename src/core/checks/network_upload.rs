//! `network.upload`: opt-in (`--upload`): a request body of a few megabytes to a free endpoint
//! (`POST /v1/messages/count_tokens`, which spends no tokens) over the app's route: completes, stalls or
//! is reset.
//!
//! Natively only. A path whose MTU is broken (VPNs, container overlays) or an upload filter passes small
//! requests and stalls large ones: the model list works, long prompts never arrive.

use super::Check;
use crate::core::finding::{Fact, Finding, Layer, Outcome, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::{NotSent, Observation, Observations};
use crate::core::probe::ProbeId;

const CODE: &str = "network.upload";

/// The body's size: a long prompt's, large enough to need many full-size packets.
pub const UPLOAD_BYTES: usize = 4 * 1024 * 1024;

pub static COMPLETED: Outcome = Outcome {
    id: "completed",
    status: Status::Pass,
    layer: Layer::Network,
    title: t!("A large request goes through", "大请求可以通过"),
    detail: t!(
        "A request of a few megabytes was sent and answered over the app's route: large prompts are not stalled on the way.",
        "一个几兆字节的请求经由应用的路径发送并得到了响应：大提示词不会在路上卡住。",
    ),
    fix: None,
    snippets: &[],
};

pub static STALLED: Outcome = Outcome {
    id: "stalled",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!("A large request stalls", "大请求卡住"),
    detail: t!(
        "Small requests work, but a body of a few megabytes got no answer before the timeout: large packets are dropped on the path (an MTU problem behind a VPN or in a container overlay) or an upload filter holds it. Long prompts will time out (\"Request timed out\") while short ones work.",
        "小请求正常，但几兆字节的请求体在超时前没有得到响应：路径上的大包被丢弃（VPN 或容器覆盖网络中的 MTU 问题），或者有上传过滤设备扣住了它。长提示词会超时（\"Request timed out\"），短提示词却正常。",
    ),
    fix: Some(t!(
        "Lower the MTU of the VPN or container interface (ip link set dev <iface> mtu 1400), enable MSS clamping on the router, or ask the network's operator about upload limits.",
        "降低 VPN 或容器网卡的 MTU（ip link set dev <iface> mtu 1400），在路由器上启用 MSS clamping，或询问网络管理员是否有上传限制。",
    )),
    snippets: &[],
};

pub static RESET: Outcome = Outcome {
    id: "reset",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!("A large request is cut off", "大请求被中断"),
    detail: t!(
        "The connection broke while a body of a few megabytes was being sent: a proxy or filter with a request size limit, or a middlebox resetting long uploads. The SDKs report \"Connection error.\" for long prompts only.",
        "在发送几兆字节的请求体时连接中断：有请求大小限制的代理或过滤设备，或会重置长时间上传的中间设备。SDK 只会对长提示词报告 \"Connection error.\"。",
    ),
    fix: Some(t!(
        "Raise the request size limit of the proxy or gateway on the path (nginx client_max_body_size, for instance), or ask the network's operator which device resets it.",
        "提高路径上代理或网关的请求大小限制（例如 nginx 的 client_max_body_size），或询问网络管理员是哪台设备重置了连接。",
    )),
    snippets: &[],
};

pub static OFF: Outcome = Outcome {
    id: "off",
    status: Status::Info,
    layer: Layer::Network,
    title: t!("Large uploads not tested", "未测试大请求上传"),
    detail: t!(
        "Run with --upload to send a few megabytes to a free endpoint and see whether large prompts get through.",
        "使用 --upload 运行，向免费端点发送几兆字节，检查大提示词能否通过。",
    ),
    fix: None,
    snippets: &[],
};

pub static NOT_RUN: Outcome = super::not_run(Layer::Network);

pub static CHECK: Check = Check {
    code: CODE,
    wire: 22,
    applies: Applies::NativeOnly,
    layer: Layer::Network,
    title: t!("Sending a large request", "发送大请求"),
    depends_on: &["network.connect", "network.proxy"],
    probes: &[ProbeId::Upload],
    outcomes: &[
        (0, &COMPLETED),
        (1, &STALLED),
        (2, &RESET),
        (3, &OFF),
        (4, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(_: &Context, obs: &Observations) -> Option<Finding> {
    if super::IN_PAGE {
        return None;
    }
    let size = Fact::Offending(format!("{} MiB", UPLOAD_BYTES / (1024 * 1024)));
    Some(match obs.get(&ProbeId::Upload)? {
        Observation::Response(r) => Finding::new(CODE, &COMPLETED)
            .with(size)
            .with(Fact::HttpStatus(r.status))
            .with(Fact::Elapsed(r.elapsed_ms)),
        Observation::TimedOut { after_ms } => Finding::new(CODE, &STALLED)
            .with(size)
            .with(Fact::TimeoutMs(*after_ms)),
        Observation::Rejected { elapsed_ms } => Finding::new(CODE, &RESET)
            .with(size)
            .with(Fact::Elapsed(*elapsed_ms)),
        Observation::NotSent(NotSent::Off) => Finding::new(CODE, &OFF),
        _ => Finding::new(CODE, &NOT_RUN),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::resp;
    use crate::core::input::Vantage;
    use crate::core::key::AuthMode;

    #[test]
    fn outcomes_table() {
        let rows = [
            (
                Observation::Response(resp(401, "application/json", "{}", &[])),
                "completed",
            ),
            (Observation::TimedOut { after_ms: 10_000 }, "stalled"),
            (Observation::Rejected { elapsed_ms: 900.0 }, "reset"),
            (Observation::NotSent(NotSent::Off), "off"),
            (Observation::Cancelled, "not_run"),
        ];
        let ctx = Context::new("https://api.anthropic.com", AuthMode::Bearer, None, false)
            .from_vantage(Vantage::Native);
        let mut produced = Vec::new();
        for (seen, want) in rows {
            let obs = [(ProbeId::Upload, seen.clone())].into_iter().collect();
            assert_eq!(evaluate(&ctx, &obs).unwrap().outcome.id, want, "{seen:?}");
            produced.push(want);
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }
}
