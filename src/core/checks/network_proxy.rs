//! `network.proxy`: each proxy the environment names: reachable, its answer to `CONNECT` (200, 407 wants
//! credentials, 403 denied), bypassed by `NO_PROXY`, or of a kind some runtimes cannot use.
//!
//! Natively only. Which runtime reads which proxy is the runtime table's; this check says whether each
//! proxy itself carries a tunnel to the target.

use super::Check;
use super::PROXY_SNIPPETS;
use crate::core::finding::{Fact, Finding, Layer, Outcome, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::native::{self, bypassed, path_seen, ProxyScheme};
use crate::core::net::NetError;
use crate::core::observation::{Observation, Observations};
use crate::core::probe::ProbeId;

const CODE: &str = "network.proxy";

pub static NONE: Outcome = Outcome {
    id: "none",
    status: Status::Pass,
    layer: Layer::Network,
    title: t!("No proxy is configured", "没有配置代理"),
    detail: t!(
        "No HTTPS_PROXY or ALL_PROXY is set (in either case; for a plain http:// base URL, HTTP_PROXY), so every runtime connects directly.",
        "没有设置 HTTPS_PROXY 或 ALL_PROXY（大小写均无；明文 http:// 基础 URL 看 HTTP_PROXY），因此每个运行时都直接连接。",
    ),
    fix: None,
    snippets: &[],
};

pub static TUNNEL_OK: Outcome = Outcome {
    id: "tunnel_ok",
    status: Status::Pass,
    layer: Layer::Network,
    title: t!("The proxy opens a tunnel to the target", "代理可以建立到目标的隧道"),
    detail: t!(
        "Each proxy answered CONNECT with 200 and the connection went through; the runtime table says which runtime uses it.",
        "每个代理都对 CONNECT 返回了 200，连接可以通过；哪个运行时会使用它见运行时表。",
    ),
    fix: None,
    snippets: &[],
};

pub static BYPASSED: Outcome = Outcome {
    id: "bypassed",
    status: Status::Info,
    layer: Layer::Network,
    title: t!("NO_PROXY exempts the target", "NO_PROXY 豁免了目标"),
    detail: t!(
        "A proxy is set, but NO_PROXY names the target's host (or a domain it is in, or *), so the runtimes connect directly. Python and curl match names only: an address in NO_PROXY does not exempt a name that resolves to it.",
        "设置了代理，但 NO_PROXY 包含目标主机（或其所在域，或 *），因此运行时会直接连接。Python 和 curl 只匹配名称：NO_PROXY 中的地址不会豁免解析到该地址的名称。",
    ),
    fix: None,
    snippets: &[],
};

pub static UNSUPPORTED_SCHEME: Outcome = Outcome {
    id: "unsupported_scheme",
    status: Status::Warn,
    layer: Layer::Network,
    title: t!("A proxy some runtimes cannot use", "部分运行时无法使用的代理"),
    detail: t!(
        "The proxy works, but it is SOCKS or https://. The Python SDK needs httpx2[socks] for SOCKS (without it the client fails when it is made), Claude Code has no SOCKS support, and curl does not trust an https:// proxy's certificate without --proxy-cacert. The runtime table says which runtime it stops.",
        "该代理可以使用，但它是 SOCKS 或 https:// 代理。Python SDK 使用 SOCKS 需要 httpx2[socks]（否则创建客户端时就会失败），Claude Code 不支持 SOCKS，curl 没有 --proxy-cacert 时不信任 https:// 代理的证书。运行时表列出了受影响的运行时。",
    ),
    fix: Some(t!(
        "Use the proxy's plain HTTP port in HTTPS_PROXY (http://host:port) where you can; otherwise see the runtime table for what each runtime needs.",
        "尽可能在 HTTPS_PROXY 中使用代理的 HTTP 端口（http://host:port）；否则请查看运行时表了解各运行时的要求。",
    )),
    snippets: PROXY_SNIPPETS,
};

pub static AUTH_REQUIRED: Outcome = Outcome {
    id: "auth_required",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!("The proxy wants credentials (407)", "代理要求身份验证（407）"),
    detail: t!(
        "The proxy answered CONNECT with 407 Proxy Authentication Required. Python reports ProxyError: 407, Node \"Proxy response (407) !== 200 when HTTP Tunneling\", curl (56) CONNECT tunnel failed, response 407.",
        "代理对 CONNECT 返回了 407 Proxy Authentication Required。Python 报 ProxyError: 407，Node 报 \"Proxy response (407) !== 200 when HTTP Tunneling\"，curl 报 (56) CONNECT tunnel failed, response 407。",
    ),
    fix: Some(t!(
        "Put the credentials in the proxy URL: HTTPS_PROXY=http://user:password@host:port (percent-encode special characters in the password). A proxy that wants NTLM or Kerberos needs a local helper such as cntlm or px.",
        "把凭据写进代理 URL：HTTPS_PROXY=http://user:password@host:port（密码中的特殊字符需百分号编码）。需要 NTLM 或 Kerberos 的代理需借助 cntlm、px 等本地工具。",
    )),
    snippets: PROXY_SNIPPETS,
};

pub static DENIED: Outcome = Outcome {
    id: "denied",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!("The proxy refuses the tunnel", "代理拒绝建立隧道"),
    detail: t!(
        "The proxy answered CONNECT with an error status (403 is a policy denying the host or port; 5xx the proxy failing to reach it).",
        "代理对 CONNECT 返回了错误状态（403 表示策略禁止该主机或端口；5xx 表示代理无法到达目标）。",
    ),
    fix: Some(t!(
        "Ask the proxy's operator to allow CONNECT to api.anthropic.com:443 (or your gateway's host and port).",
        "请代理管理员放行到 api.anthropic.com:443（或你的网关主机和端口）的 CONNECT。",
    )),
    snippets: &[],
};

pub static UNREACHABLE: Outcome = Outcome {
    id: "unreachable",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!("The proxy cannot be reached", "无法连接到代理"),
    detail: t!(
        "The connection to the proxy was refused, unreachable or silent, or it never answered CONNECT. Python reports \"Connection error.\" (connection refused), Node ECONNREFUSED when it uses the proxy, curl (7) Failed to connect.",
        "到代理的连接被拒绝、不可达或无响应，或者代理始终没有响应 CONNECT。Python 报 \"Connection error.\"（connection refused），Node 在使用代理时报 ECONNREFUSED，curl 报 (7) Failed to connect。",
    ),
    fix: Some(t!(
        "Check the proxy's host and port, and that it runs (on a laptop: the VPN or proxy client is connected); unset the variable if no proxy is needed.",
        "检查代理的主机和端口以及代理是否在运行（在笔记本电脑上：VPN 或代理客户端是否已连接）；如果不需要代理，请取消设置该变量。",
    )),
    snippets: &[],
};

pub static NOT_RUN: Outcome = super::not_run(Layer::Network);

pub static CHECK: Check = Check {
    code: CODE,
    wire: 18,
    applies: Applies::NativeOnly,
    layer: Layer::Network,
    title: t!("The proxy", "代理"),
    // Not on env.config: a setting no runtime can use is its own finding, and the proxies that parse are
    // still worth trying.
    depends_on: &[],
    probes: &[ProbeId::Tunnel(0)],
    outcomes: &[
        (0, &NONE),
        (1, &TUNNEL_OK),
        (2, &BYPASSED),
        (3, &UNSUPPORTED_SCHEME),
        (4, &AUTH_REQUIRED),
        (5, &DENIED),
        (6, &UNREACHABLE),
        (7, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

/// How bad each outcome is, so that the worst proxy names the finding.
fn rank(o: &Outcome) -> u8 {
    match o.id {
        "auth_required" => 5,
        "denied" => 4,
        "unreachable" => 3,
        "not_run" => 2,
        "unsupported_scheme" => 1,
        _ => 0,
    }
}

fn evaluate(ctx: &Context, obs: &Observations) -> Option<Finding> {
    if super::IN_PAGE {
        return None;
    }
    let Ok(target) = ctx.target.as_ref() else {
        return Some(Finding::new(CODE, &NOT_RUN));
    };
    let proxies = native::proxies(&ctx.native, target);
    if proxies.is_empty() {
        return Some(Finding::new(CODE, &NONE));
    }
    if (0..proxies.len()).any(|i| !obs.contains_key(&ProbeId::Tunnel(i as u8))) {
        return None;
    }
    let no_proxy = ctx
        .native
        .text("no_proxy")
        .or_else(|| ctx.native.text("NO_PROXY"));
    let mut facts = Vec::new();
    let mut worst = &TUNNEL_OK;
    for (i, (_, proxy)) in proxies.iter().enumerate() {
        facts.push(Fact::Proxy(proxy.shown.clone()));
        let outcome = {
            match path_seen(obs, ProbeId::Tunnel(i as u8)) {
                Some(p) => {
                    let to = format!("{}:{}", proxy.host, proxy.port);
                    match (p.proxy_status, p.failure) {
                        (Some(200), _) => {
                            facts.push(Fact::HttpStatus(200));
                            // It works, and the runtimes that cannot speak its kind go without it.
                            if proxy.scheme == ProxyScheme::Http {
                                &TUNNEL_OK
                            } else {
                                &UNSUPPORTED_SCHEME
                            }
                        }
                        (Some(status), _) => {
                            facts.push(Fact::HttpStatus(status));
                            if status == 407 {
                                &AUTH_REQUIRED
                            } else {
                                &DENIED
                            }
                        }
                        (None, Some(f)) => match f.error {
                            NetError::ProxyStatus(status) => {
                                facts.push(Fact::HttpStatus(status));
                                if status == 407 {
                                    &AUTH_REQUIRED
                                } else {
                                    &DENIED
                                }
                            }
                            error => {
                                facts.push(Fact::Connection {
                                    to,
                                    error: Some(error),
                                    ms: f.after_ms,
                                });
                                &UNREACHABLE
                            }
                        },
                        (None, None) => &UNREACHABLE,
                    }
                }
                None => match obs.get(&ProbeId::Tunnel(i as u8)) {
                    Some(Observation::NotSent(_)) | Some(Observation::Cancelled) | None => &NOT_RUN,
                    Some(_) => &UNREACHABLE,
                },
            }
        };
        if rank(outcome) > rank(worst) {
            worst = outcome;
        }
    }
    if no_proxy.is_some_and(|n| bypassed(n, &target.host)) {
        if let Some(n) = no_proxy {
            facts.push(Fact::Setting(format!("NO_PROXY={n}")));
        }
        return Some(Finding::new(CODE, &BYPASSED).with_all(facts));
    }
    Some(Finding::new(CODE, worst).with_all(facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::healthy_path;
    use crate::core::net::{Failure, Net, PathSeen, Stage};

    fn ctx(vars: &[(&str, &str)]) -> Context {
        crate::core::fixtures::native(None, vars)
    }

    fn tunnel(status: Option<u16>, failure: Option<Failure>) -> Observation {
        Observation::Net(Net::Path(PathSeen {
            connect_ms: status.map(|_| 1.0),
            proxy_status: status,
            failure,
            ..healthy_path()
        }))
    }

    fn refused() -> Option<Failure> {
        Some(Failure {
            stage: Stage::Connect,
            error: NetError::Refused,
            after_ms: 1.0,
        })
    }

    #[test]
    // A table's row type is read best written out whole.
    #[allow(clippy::type_complexity)]
    fn outcomes_table() {
        let p = [("HTTPS_PROXY", "http://127.0.0.1:3128")];
        let t0 = ProbeId::Tunnel(0);
        let rows: Vec<(Vec<(&str, &str)>, Vec<(ProbeId, Observation)>, &str)> = vec![
            (vec![], vec![], "none"),
            (p.to_vec(), vec![(t0, tunnel(Some(200), None))], "tunnel_ok"),
            (
                p.to_vec(),
                vec![(t0, tunnel(Some(407), None))],
                "auth_required",
            ),
            (
                p.to_vec(),
                vec![(
                    t0,
                    tunnel(
                        None,
                        Some(Failure {
                            stage: Stage::Proxy,
                            error: NetError::ProxyStatus(407),
                            after_ms: 2.0,
                        }),
                    ),
                )],
                "auth_required",
            ),
            (p.to_vec(), vec![(t0, tunnel(Some(403), None))], "denied"),
            (
                p.to_vec(),
                vec![(t0, tunnel(None, refused()))],
                "unreachable",
            ),
            (
                vec![
                    ("HTTPS_PROXY", "http://127.0.0.1:3128"),
                    ("NO_PROXY", "anthropic.com"),
                ],
                vec![(t0, tunnel(Some(200), None))],
                "bypassed",
            ),
            (
                vec![("HTTPS_PROXY", "socks5://127.0.0.1:1080")],
                vec![(t0, tunnel(Some(200), None))],
                "unsupported_scheme",
            ),
            (
                vec![("HTTPS_PROXY", "socks5://127.0.0.1:1080")],
                vec![(t0, tunnel(None, refused()))],
                "unreachable",
            ),
            (p.to_vec(), vec![(t0, Observation::Cancelled)], "not_run"),
        ];
        let mut produced = Vec::new();
        for (vars, seen, want) in rows {
            let obs: Observations = seen.into_iter().collect();
            assert_eq!(
                evaluate(&ctx(&vars), &obs).unwrap().outcome.id,
                want,
                "{vars:?} {obs:?}"
            );
            produced.push(want);
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }

    #[test]
    fn the_worst_proxy_names_the_finding_and_passwords_stay_hidden() {
        let c = ctx(&[
            ("HTTPS_PROXY", "http://me:pw1@127.0.0.1:3128"),
            ("ALL_PROXY", "http://127.0.0.1:3129"),
        ]);
        let obs: Observations = [
            (ProbeId::Tunnel(0), tunnel(Some(200), None)),
            (ProbeId::Tunnel(1), tunnel(Some(407), None)),
        ]
        .into_iter()
        .collect();
        let f = evaluate(&c, &obs).unwrap();
        assert_eq!(f.outcome.id, "auth_required");
        assert!(f
            .facts
            .contains(&Fact::Proxy("http://me:***@127.0.0.1:3128".into())));
        assert!(!format!("{:?}", f.facts).contains("pw1"));
    }

    #[test]
    fn it_waits_for_every_tunnel() {
        let c = ctx(&[("HTTPS_PROXY", "http://127.0.0.1:3128")]);
        assert!(evaluate(&c, &Observations::new()).is_none());
    }
}
