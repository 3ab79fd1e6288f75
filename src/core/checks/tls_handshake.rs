//! `tls.handshake`: the TLS handshake on the path the doctor's own requests take (the proxy's tunnel, or
//! the first address that connected): version, ALPN, cipher, the presented leaf, the time; a handshake
//! that stalls after the connection was made (MTU, a middlebox) told apart from one that is refused.
//!
//! Natively only. Whether the chain is trusted, and by which runtime, is `tls.trust`'s.

use super::Check;
use crate::core::finding::{Fact, Finding, Layer, Outcome, Status, Timing};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::native;
use crate::core::net::{NetError, Stage};
use crate::core::observation::Observations;
use crate::core::probe::ProbeId;

const CODE: &str = "tls.handshake";

pub static OK: Outcome = Outcome {
    id: "ok",
    status: Status::Pass,
    layer: Layer::Tls,
    title: t!("The TLS handshake completes", "TLS 握手完成"),
    detail: t!(
        "The server (or whatever answers for it) completed a TLS handshake; the version, protocol, cipher and certificate are below.",
        "服务器（或代替它应答的设备）完成了 TLS 握手；版本、协议、密码套件和证书见下方。",
    ),
    fix: None,
    snippets: &[],
};

pub static PLAIN_HTTP: Outcome = Outcome {
    id: "plain_http",
    status: Status::Info,
    layer: Layer::Tls,
    title: t!("The base URL is plain http://", "基础 URL 是明文 http://"),
    detail: t!(
        "There is no TLS to check: requests and the key travel unencrypted to this host. That is only safe on this machine or a trusted private network.",
        "没有 TLS 可以检测：请求和密钥以明文发送到该主机。只有在本机或可信的私有网络中才安全。",
    ),
    fix: None,
    snippets: &[],
};

pub static STALLED: Outcome = Outcome {
    id: "stalled",
    status: Status::Fail,
    layer: Layer::Tls,
    title: t!(
        "The TLS handshake stalls after the connection is made",
        "连接建立后 TLS 握手停滞",
    ),
    detail: t!(
        "TCP connects, then the handshake gets no answer until the timeout. Large packets are lost on the path (an MTU problem, common behind VPNs and in container or cloud overlays) or a middlebox holds TLS it does not like. The SDKs report \"Connection error.\" or \"Request timed out\" after their retries.",
        "TCP 可以连接，但握手直到超时都没有响应。路径上丢失了大包（MTU 问题，常见于 VPN、容器或云上的覆盖网络），或者中间设备扣住了它不认可的 TLS 流量。SDK 在重试之后会报告 \"Connection error.\" 或 \"Request timed out\"。",
    ),
    fix: Some(t!(
        "Lower the MTU of the VPN or container interface (for example 1400: ip link set dev <iface> mtu 1400), or ask the network's operator about TLS inspection; compare with curl -v on another network.",
        "降低 VPN 或容器网卡的 MTU（例如 1400：ip link set dev <iface> mtu 1400），或询问网络管理员是否有 TLS 检查；与在其他网络上运行 curl -v 的结果对比。",
    )),
    snippets: &[],
};

pub static FAILED: Outcome = Outcome {
    id: "failed",
    status: Status::Fail,
    layer: Layer::Tls,
    title: t!("The TLS handshake fails", "TLS 握手失败"),
    detail: t!(
        "The connection is made, then the handshake is refused: a TLS alert, a reset, or an answer that is not TLS at all (a plain-HTTP port behind an https:// base URL). A firewall that resets connections to this host by its name (SNI) looks like this too.",
        "连接已建立，但握手被拒绝：TLS 告警、连接被重置，或响应根本不是 TLS（https:// 基础 URL 指向了明文 HTTP 端口）。按名称（SNI）重置到该主机连接的防火墙也是这种表现。",
    ),
    fix: Some(t!(
        "Check the base URL's scheme and port (http:// for a plain-HTTP gateway), and run curl -v against it to see the alert; a firewall filtering by SNI must allow api.anthropic.com.",
        "检查基础 URL 的协议和端口（明文 HTTP 网关应使用 http://），并对它运行 curl -v 查看告警；按 SNI 过滤的防火墙必须放行 api.anthropic.com。",
    )),
    snippets: &[],
};

pub static NOT_RUN: Outcome = super::not_run(Layer::Tls);

pub static CHECK: Check = Check {
    code: CODE,
    wire: 19,
    applies: Applies::NativeOnly,
    layer: Layer::Tls,
    title: t!("The TLS handshake", "TLS 握手"),
    depends_on: &["network.connect", "network.proxy"],
    probes: &[ProbeId::Path(0), ProbeId::Tunnel(0)],
    outcomes: &[
        (0, &OK),
        (1, &PLAIN_HTTP),
        (2, &STALLED),
        (3, &FAILED),
        (4, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(ctx: &Context, obs: &Observations) -> Option<Finding> {
    if super::IN_PAGE {
        return None;
    }
    let target = match super::tls_ready(ctx, obs, &NOT_RUN, &PLAIN_HTTP) {
        Ok(target) => target,
        Err(decided) => return decided.map(|o| Finding::new(CODE, o)),
    };
    let Some(path) = native::main_path(&ctx.native, target, obs) else {
        return Some(Finding::new(CODE, &NOT_RUN));
    };
    if let Some(tls) = &path.tls {
        let mut f = Finding::new(CODE, &OK)
            .with(Fact::TlsVersion(tls.version.clone()))
            .with(Fact::Alpn(if tls.alpn.is_empty() {
                "-".to_string()
            } else {
                tls.alpn.clone()
            }))
            .with(Fact::Cipher(tls.cipher.clone()));
        if let Some(leaf) = tls.chain.first() {
            f = f
                .with(Fact::Subject(leaf.subject.clone()))
                .with(Fact::Issuer(leaf.issuer.clone()));
        }
        return Some(f.with(Fact::Duration(Timing::Tls, tls.elapsed_ms)));
    }
    Some(match path.failure {
        Some(f) if f.stage == Stage::Tls && f.error == NetError::TimedOut => {
            Finding::new(CODE, &STALLED).with(Fact::Elapsed(f.after_ms))
        }
        Some(f) if f.stage == Stage::Tls => Finding::new(CODE, &FAILED).with(Fact::Connection {
            to: target.host.clone(),
            error: Some(f.error),
            ms: f.after_ms,
        }),
        _ => Finding::new(CODE, &NOT_RUN),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::healthy_path;
    use crate::core::input::Vantage;
    use crate::core::key::AuthMode;
    use crate::core::net::{Failure, Net, PathSeen};
    use crate::core::observation::{NotSent, Observation};

    fn ctx(base: &str) -> Context {
        Context::new(base, AuthMode::Bearer, None, false).from_vantage(Vantage::Native)
    }

    fn at_tls(error: NetError) -> Observation {
        Observation::Net(Net::Path(PathSeen {
            connect_ms: Some(1.0),
            failure: Some(Failure {
                stage: Stage::Tls,
                error,
                after_ms: 10_000.0,
            }),
            ..PathSeen::default()
        }))
    }

    fn world(path: Observation) -> Observations {
        [
            (
                ProbeId::Resolve,
                Observation::Net(Net::Resolved {
                    addrs: vec!["127.0.0.1".into()],
                    elapsed_ms: 1.0,
                }),
            ),
            (ProbeId::Path(0), path),
            (
                ProbeId::Tunnel(0),
                Observation::NotSent(NotSent::NotApplicable),
            ),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn outcomes_table() {
        let https = "https://api.anthropic.com";
        let rows = [
            (
                https,
                world(Observation::Net(Net::Path(healthy_path()))),
                "ok",
            ),
            ("http://127.0.0.1:8080", Observations::new(), "plain_http"),
            (https, world(at_tls(NetError::TimedOut)), "stalled"),
            (https, world(at_tls(NetError::Reset)), "failed"),
            (https, world(at_tls(NetError::NotTls)), "failed"),
            (https, world(at_tls(NetError::TlsAlert)), "failed"),
            (https, world(Observation::Cancelled), "not_run"),
        ];
        let mut produced = Vec::new();
        for (base, obs, want) in rows {
            assert_eq!(
                evaluate(&ctx(base), &obs).unwrap().outcome.id,
                want,
                "{base} {obs:?}"
            );
            produced.push(want);
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }

    #[test]
    fn the_handshake_is_described() {
        let f = evaluate(
            &ctx("https://api.anthropic.com"),
            &world(Observation::Net(Net::Path(healthy_path()))),
        )
        .unwrap();
        for fact in [
            Fact::TlsVersion("TLSv1.3".into()),
            Fact::Alpn("h2".into()),
            Fact::Subject("CN=api.anthropic.com".into()),
            Fact::Duration(Timing::Tls, 12.0),
        ] {
            assert!(f.facts.contains(&fact), "{fact:?} in {:?}", f.facts);
        }
    }
}
