//! `dns.system`: the system resolver (`getaddrinfo`, what every runtime uses) for the target's host: the
//! addresses of each family and how long it took, or why there are none.
//!
//! Natively only. A container's resolver can fail while public DNS works (`getaddrinfo ENOTFOUND`); the
//! public view is `dns.public`'s, and the two side by side tell a local fault from a missing name.

use super::Check;
use crate::core::finding::{Fact, Finding, Layer, Outcome, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::net::{Net, ResolveError};
use crate::core::observation::{NotSent, Observation, Observations};
use crate::core::probe::ProbeId;

const CODE: &str = "dns.system";

pub static RESOLVED: Outcome = Outcome {
    id: "resolved",
    status: Status::Pass,
    layer: Layer::Dns,
    title: t!("The system resolver finds the host", "系统解析器可以解析该主机"),
    detail: t!(
        "getaddrinfo, which every runtime uses, gave the addresses below; each is tried on its own under Paths.",
        "每个运行时都使用的 getaddrinfo 给出了下面的地址；每个地址都在“路径”中单独测试。",
    ),
    fix: None,
    snippets: &[],
};

pub static OVERRIDDEN: Outcome = Outcome {
    id: "overridden",
    status: Status::Info,
    layer: Layer::Dns,
    title: t!("--resolve gives the addresses", "--resolve 指定了地址"),
    detail: t!(
        "The system resolver was not asked: --resolve (or an address as the host) says where to connect. The runtimes resolve the name themselves, so compare with a run without --resolve.",
        "没有查询系统解析器：--resolve（或以地址作为主机）指定了连接位置。运行时会自行解析名称，请与不带 --resolve 的运行结果对比。",
    ),
    fix: None,
    snippets: &[],
};

pub static NOT_FOUND: Outcome = Outcome {
    id: "not_found",
    status: Status::Fail,
    layer: Layer::Dns,
    title: t!("The system resolver does not know the host", "系统解析器找不到该主机"),
    detail: t!(
        "getaddrinfo says the name does not exist (NXDOMAIN, or no address of any family): the SDKs report this as \"Connection error.\" (getaddrinfo ENOTFOUND underneath). A typo in the base URL, a split-horizon or VPN resolver that lacks the name, or a container whose resolver cannot see it.",
        "getaddrinfo 表示该名称不存在（NXDOMAIN，或没有任何地址族的地址）：SDK 会报告为 \"Connection error.\"（底层为 getaddrinfo ENOTFOUND）。可能是基础 URL 拼写错误、分离解析或 VPN 的解析器没有该名称，或容器的解析器看不到它。",
    ),
    fix: Some(t!(
        "Check the host's spelling, then compare with a public resolver (nslookup api.anthropic.com 1.1.1.1); in a container, check /etc/resolv.conf and the runtime's DNS setting.",
        "检查主机名拼写，再与公共解析器对比（nslookup api.anthropic.com 1.1.1.1）；在容器中检查 /etc/resolv.conf 和容器运行时的 DNS 设置。",
    )),
    snippets: &[],
};

pub static FAILED: Outcome = Outcome {
    id: "failed",
    status: Status::Fail,
    layer: Layer::Dns,
    title: t!("The system resolver fails", "系统解析器出错"),
    detail: t!(
        "getaddrinfo could not get an answer (a temporary failure, a resolver that is down or unreachable, or no answer in time). The SDKs report \"Connection error.\" (EAI_AGAIN underneath).",
        "getaddrinfo 没有得到答复（临时故障、解析器宕机或不可达，或超时未答复）。SDK 会报告 \"Connection error.\"（底层为 EAI_AGAIN）。",
    ),
    fix: Some(t!(
        "Check the resolver this machine uses (/etc/resolv.conf, resolvectl status), that it is reachable, and in a container the runtime's DNS setting (docker run --dns).",
        "检查本机使用的解析器（/etc/resolv.conf、resolvectl status）是否可达；在容器中检查容器运行时的 DNS 设置（docker run --dns）。",
    )),
    snippets: &[],
};

pub static NOT_RUN: Outcome = super::not_run(Layer::Dns);

pub static CHECK: Check = Check {
    code: CODE,
    wire: 16,
    applies: Applies::NativeOnly,
    layer: Layer::Dns,
    title: t!("The system resolver", "系统解析器"),
    depends_on: &["page.target"],
    probes: &[ProbeId::Resolve],
    outcomes: &[
        (0, &RESOLVED),
        (1, &OVERRIDDEN),
        (2, &NOT_FOUND),
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
    let target = ctx.target.as_ref().ok();
    let host = || Fact::Host(target.map_or_else(String::new, |t| t.host.clone()));
    Some(match obs.get(&ProbeId::Resolve)? {
        Observation::Net(Net::Resolved { addrs, elapsed_ms }) => Finding::new(CODE, &RESOLVED)
            .with(host())
            .with_all(addrs.iter().map(|a| Fact::Address(a.clone())))
            .with(Fact::Elapsed(*elapsed_ms)),
        Observation::Net(Net::ResolveFailed { error, elapsed_ms }) => {
            let outcome = match error {
                ResolveError::NotFound => &NOT_FOUND,
                ResolveError::TimedOut | ResolveError::Failed => &FAILED,
            };
            Finding::new(CODE, outcome)
                .with(host())
                .with(Fact::Elapsed(*elapsed_ms))
        }
        Observation::NotSent(NotSent::NotApplicable) => {
            let addrs = target
                .map(|t| crate::core::native::addresses(&ctx.native, t, obs))
                .unwrap_or_default();
            Finding::new(CODE, &OVERRIDDEN)
                .with(host())
                .with_all(addrs.into_iter().map(Fact::Address))
        }
        _ => Finding::new(CODE, &NOT_RUN),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::input::Vantage;
    use crate::core::key::AuthMode;
    use crate::core::native::Override;

    fn ctx(base: &str) -> Context {
        Context::new(base, AuthMode::Bearer, None, false).from_vantage(Vantage::Native)
    }

    #[test]
    fn outcomes_table() {
        let resolved = Observation::Net(Net::Resolved {
            addrs: vec!["2607:6bc0::10".into(), "160.79.104.10".into()],
            elapsed_ms: 3.0,
        });
        let failed = |error| {
            Observation::Net(Net::ResolveFailed {
                error,
                elapsed_ms: 9.0,
            })
        };
        let rows = [
            (resolved, "resolved"),
            (failed(ResolveError::NotFound), "not_found"),
            (failed(ResolveError::Failed), "failed"),
            (failed(ResolveError::TimedOut), "failed"),
            (Observation::NotSent(NotSent::NotApplicable), "overridden"),
            (Observation::Cancelled, "not_run"),
            (Observation::NotSent(NotSent::InvalidTarget), "not_run"),
        ];
        let c = ctx("https://api.anthropic.com");
        let mut produced = Vec::new();
        for (seen, want) in rows {
            let obs = [(ProbeId::Resolve, seen.clone())].into_iter().collect();
            assert_eq!(evaluate(&c, &obs).unwrap().outcome.id, want, "{seen:?}");
            produced.push(want);
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }

    #[test]
    fn the_addresses_are_listed_in_the_resolvers_order() {
        let c = ctx("https://api.anthropic.com");
        let obs = [(
            ProbeId::Resolve,
            Observation::Net(Net::Resolved {
                addrs: vec!["2607:6bc0::10".into(), "160.79.104.10".into()],
                elapsed_ms: 3.0,
            }),
        )]
        .into_iter()
        .collect();
        let f = evaluate(&c, &obs).unwrap();
        let addrs: Vec<&Fact> = f
            .facts
            .iter()
            .filter(|x| matches!(x, Fact::Address(_)))
            .collect();
        assert_eq!(
            addrs,
            [
                &Fact::Address("2607:6bc0::10".into()),
                &Fact::Address("160.79.104.10".into())
            ]
        );
    }

    #[test]
    fn an_override_shows_its_addresses() {
        let mut c = ctx("https://api.anthropic.com");
        c.native.overrides.push(Override {
            host: "api.anthropic.com".into(),
            port: 443,
            addrs: vec!["127.0.0.1".into()],
        });
        let obs = [(
            ProbeId::Resolve,
            Observation::NotSent(NotSent::NotApplicable),
        )]
        .into_iter()
        .collect();
        let f = evaluate(&c, &obs).unwrap();
        assert_eq!(f.outcome.id, "overridden");
        assert!(f.facts.contains(&Fact::Address("127.0.0.1".into())));
    }
}
