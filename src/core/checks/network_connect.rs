//! `network.connect`: a TCP connection to each of the target's addresses, IPv4 and IPv6 apart, so that no
//! fallback between families hides a dead one; and whether a proxy path works when no direct one does.
//!
//! Natively only. The runtimes move to the next address only when a connection was never made (and the
//! Python SDK only after its 5 s connect timeout when the first is silent), so a family that fails at
//! connect costs time, not the request; what happens after a connection is made is the TLS checks'.

use super::Check;
use super::PROXY_SNIPPETS;
use crate::core::finding::{Fact, Finding, Layer, Outcome, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::native::{self, path_seen};
use crate::core::net::Stage;
use crate::core::observation::Observations;
use crate::core::probe::ProbeId;

const CODE: &str = "network.connect";

pub static CONNECTED: Outcome = Outcome {
    id: "connected",
    status: Status::Pass,
    layer: Layer::Network,
    title: t!("Every address accepts a connection", "每个地址都接受连接"),
    detail: t!(
        "A TCP connection to each address the resolver gave succeeded, each family on its own.",
        "到解析器给出的每个地址的 TCP 连接都已成功，各地址族分别测试。",
    ),
    fix: None,
    snippets: &[],
};

pub static SOME_FAILED: Outcome = Outcome {
    id: "some_failed",
    status: Status::Warn,
    layer: Layer::Network,
    title: t!("Some addresses do not accept a connection", "部分地址不接受连接"),
    detail: t!(
        "At least one address connects, and at least one does not (often a broken IPv6 path while IPv4 works). The runtimes fall back to the next address when a connection is refused or never made — Node and curl within a second, the Python SDK only after its 5 s connect timeout when the address is silent — so requests work, some of them slowly.",
        "至少有一个地址可以连接，也至少有一个不行（常见于 IPv6 路径损坏而 IPv4 正常）。当连接被拒绝或始终未建立时，运行时会改用下一个地址——Node 和 curl 在一秒内完成，Python SDK 在地址无响应时要等到 5 秒连接超时之后——因此请求可以成功，但部分会变慢。",
    ),
    fix: Some(t!(
        "Repair the failing family's route or firewall (for IPv6: the router, the VPN, the container network), or disable it on this host if it is not used.",
        "修复失败地址族的路由或防火墙（IPv6：路由器、VPN、容器网络），如果不使用也可以在本机禁用它。",
    )),
    snippets: &[],
};

pub static DIRECT_BLOCKED: Outcome = Outcome {
    id: "direct_blocked",
    status: Status::Warn,
    layer: Layer::Network,
    title: t!(
        "Direct connections fail; the proxy works",
        "直接连接失败；代理可用",
    ),
    detail: t!(
        "No address of the target accepts a direct connection, and the proxy from the environment reaches it. Every runtime must go through the proxy: Python, curl and Claude Code read HTTPS_PROXY, but Node's fetch ignores it (on Node 22 and later it reads it with NODE_USE_ENV_PROXY=1), so a Node app fails with \"Connection error.\" here.",
        "目标的所有地址都不接受直接连接，而环境中的代理可以到达目标。每个运行时都必须经过代理：Python、curl 和 Claude Code 会读取 HTTPS_PROXY，但 Node 的 fetch 会忽略它（Node 22 及以上设置 NODE_USE_ENV_PROXY=1 后才会读取），因此这里的 Node 应用会报 \"Connection error.\"。",
    ),
    fix: Some(t!(
        "Make sure each runtime uses the proxy: for Node 22 and later set NODE_USE_ENV_PROXY=1; on Node 20 pass a ProxyAgent from undici@7, as below.",
        "确保每个运行时都使用代理：Node 22 及以上设置 NODE_USE_ENV_PROXY=1；Node 20 传入 undici@7 的 ProxyAgent，见下方示例。",
    )),
    snippets: PROXY_SNIPPETS,
};

pub static ALL_FAILED: Outcome = Outcome {
    id: "all_failed",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!("No address accepts a connection", "没有地址接受连接"),
    detail: t!(
        "Every address of the target refused the connection, was unreachable or stayed silent, and no proxy path works: the SDKs report \"Connection error.\". Refused means something answered for the address and nothing listens (a wrong port, a stopped gateway); silence means packets are dropped (a firewall, a dead route).",
        "目标的每个地址都拒绝连接、不可达或没有响应，并且没有可用的代理路径：SDK 会报告 \"Connection error.\"。被拒绝表示该地址有设备应答但没有服务在监听（端口错误、网关已停止）；无响应表示数据包被丢弃（防火墙、路由不通）。",
    ),
    fix: Some(t!(
        "Check the port in the base URL and that the gateway runs; allow api.anthropic.com on port 443 in the firewall (160.79.104.0/23 and 2607:6bc0::/48 by address), or route through your proxy with HTTPS_PROXY.",
        "检查基础 URL 中的端口以及网关是否在运行；在防火墙中放行 api.anthropic.com 的 443 端口（按地址：160.79.104.0/23 和 2607:6bc0::/48），或通过 HTTPS_PROXY 使用代理。",
    )),
    snippets: PROXY_SNIPPETS,
};

pub static NOT_RUN: Outcome = super::not_run(Layer::Network);

pub static CHECK: Check = Check {
    code: CODE,
    wire: 17,
    applies: Applies::NativeOnly,
    layer: Layer::Network,
    title: t!("Connecting to each address", "连接每个地址"),
    depends_on: &["dns.system"],
    probes: &[ProbeId::Path(0), ProbeId::Tunnel(0)],
    outcomes: &[
        (0, &CONNECTED),
        (1, &SOME_FAILED),
        (2, &DIRECT_BLOCKED),
        (3, &ALL_FAILED),
        (4, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(ctx: &Context, obs: &Observations) -> Option<Finding> {
    if super::IN_PAGE {
        return None;
    }
    let Ok(target) = ctx.target.as_ref() else {
        return Some(Finding::new(CODE, &NOT_RUN));
    };
    if !native::paths_done(&ctx.native, target, obs) {
        return None;
    }
    let addrs = native::addresses(&ctx.native, target, obs);
    let port = target.port_or_default();
    let mut facts = Vec::new();
    let (mut made, mut failed) = (0, 0);
    for (i, addr) in addrs.iter().enumerate() {
        let Some(p) = path_seen(obs, ProbeId::Path(i as u8)) else {
            continue;
        };
        let to = if addr.contains(':') {
            format!("[{addr}]:{port}")
        } else {
            format!("{addr}:{port}")
        };
        let connect_failure = p.failure.filter(|f| f.stage == Stage::Connect);
        match (p.connect_ms, connect_failure) {
            (Some(ms), _) => {
                made += 1;
                facts.push(Fact::Connection {
                    to,
                    error: None,
                    ms,
                });
            }
            (None, Some(f)) => {
                failed += 1;
                facts.push(Fact::Connection {
                    to,
                    error: Some(f.error),
                    ms: f.after_ms,
                });
            }
            (None, None) => {}
        }
    }
    if made + failed == 0 {
        return Some(Finding::new(CODE, &NOT_RUN));
    }
    let outcome = if failed == 0 {
        &CONNECTED
    } else if made > 0 {
        &SOME_FAILED
    } else {
        let proxy_works = (0..native::proxies(&ctx.native, target).len())
            .filter_map(|i| path_seen(obs, ProbeId::Tunnel(i as u8)))
            .any(|p| p.proxy_status == Some(200));
        if proxy_works {
            &DIRECT_BLOCKED
        } else {
            &ALL_FAILED
        }
    };
    Some(Finding::new(CODE, outcome).with_all(facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::healthy_path;
    use crate::core::net::{Failure, Net, NetError, PathSeen};
    use crate::core::observation::{NotSent, Observation};

    fn ctx(proxy: bool) -> Context {
        let env: &[(&str, &str)] = if proxy {
            &[("HTTPS_PROXY", "http://127.0.0.1:3128")]
        } else {
            &[]
        };
        crate::core::fixtures::native(None, env)
    }

    fn refused() -> Observation {
        Observation::Net(Net::Path(PathSeen {
            failure: Some(Failure {
                stage: Stage::Connect,
                error: NetError::Refused,
                after_ms: 1.0,
            }),
            ..PathSeen::default()
        }))
    }

    fn ok() -> Observation {
        Observation::Net(Net::Path(healthy_path()))
    }

    fn tunnel(status: u16) -> Observation {
        Observation::Net(Net::Path(PathSeen {
            connect_ms: Some(1.0),
            proxy_status: Some(status),
            ..healthy_path()
        }))
    }

    fn resolved() -> (ProbeId, Observation) {
        (
            ProbeId::Resolve,
            Observation::Net(Net::Resolved {
                addrs: vec!["::1".into(), "127.0.0.1".into()],
                elapsed_ms: 1.0,
            }),
        )
    }

    #[test]
    // A table's row type is read best written out whole.
    #[allow(clippy::type_complexity)]
    fn outcomes_table() {
        let none = (
            ProbeId::Tunnel(0),
            Observation::NotSent(NotSent::NotApplicable),
        );
        let rows: Vec<(bool, Vec<(ProbeId, Observation)>, &str)> = vec![
            (
                false,
                vec![
                    resolved(),
                    (ProbeId::Path(0), ok()),
                    (ProbeId::Path(1), ok()),
                    none.clone(),
                ],
                "connected",
            ),
            (
                false,
                vec![
                    resolved(),
                    (ProbeId::Path(0), refused()),
                    (ProbeId::Path(1), ok()),
                    none.clone(),
                ],
                "some_failed",
            ),
            (
                false,
                vec![
                    resolved(),
                    (ProbeId::Path(0), refused()),
                    (ProbeId::Path(1), refused()),
                    none.clone(),
                ],
                "all_failed",
            ),
            (
                true,
                vec![
                    resolved(),
                    (ProbeId::Path(0), refused()),
                    (ProbeId::Path(1), refused()),
                    (ProbeId::Tunnel(0), tunnel(200)),
                ],
                "direct_blocked",
            ),
            (
                true,
                vec![
                    resolved(),
                    (ProbeId::Path(0), refused()),
                    (ProbeId::Path(1), refused()),
                    (ProbeId::Tunnel(0), tunnel(403)),
                ],
                "all_failed",
            ),
            (
                false,
                vec![
                    resolved(),
                    (ProbeId::Path(0), Observation::Cancelled),
                    (ProbeId::Path(1), Observation::Cancelled),
                    none,
                ],
                "not_run",
            ),
        ];
        let mut produced = Vec::new();
        for (proxy, seen, want) in rows {
            let obs: Observations = seen.into_iter().collect();
            assert_eq!(
                evaluate(&ctx(proxy), &obs).unwrap().outcome.id,
                want,
                "{obs:?}"
            );
            produced.push(want);
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }

    #[test]
    fn it_waits_for_every_path() {
        let obs: Observations = [resolved(), (ProbeId::Path(0), ok())].into_iter().collect();
        assert!(evaluate(&ctx(false), &obs).is_none());
    }

    #[test]
    fn each_address_is_named_with_its_result() {
        let obs: Observations = [
            resolved(),
            (ProbeId::Path(0), refused()),
            (ProbeId::Path(1), ok()),
            (
                ProbeId::Tunnel(0),
                Observation::NotSent(NotSent::NotApplicable),
            ),
        ]
        .into_iter()
        .collect();
        let f = evaluate(&ctx(false), &obs).unwrap();
        assert_eq!(
            f.facts,
            [
                Fact::Connection {
                    to: "[::1]:443".into(),
                    error: Some(NetError::Refused),
                    ms: 1.0
                },
                Fact::Connection {
                    to: "127.0.0.1:443".into(),
                    error: None,
                    ms: 8.0
                },
            ]
        );
    }
}
