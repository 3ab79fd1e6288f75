//! `tls.trust`: the presented chain against each trust source (Mozilla's roots, the system store, each CA
//! file the environment names), and so for each runtime by the sources it uses: TLS interception named by
//! its issuer, a chain no runtime trusts, an expired or soon-expiring certificate, a certificate for
//! another name.
//!
//! Natively only. The chain was recorded whatever it was and each source asked about it; nothing here ever
//! switches verification off, and every fix is a CA to trust.

use super::Check;
use super::TRUST_SNIPPETS;
use crate::core::finding::{Fact, Finding, Layer, Outcome, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::native::{self, Prediction, Why};
use crate::core::net::TrustResult;
use crate::core::observation::Observations;
use crate::core::probe::ProbeId;

const CODE: &str = "tls.trust";

/// A certificate that expires within this many days is a warning.
pub const EXPIRY_WARN_DAYS: i64 = 14;

pub static TRUSTED: Outcome = Outcome {
    id: "trusted",
    status: Status::Pass,
    layer: Layer::Tls,
    title: t!("Every runtime trusts the certificate", "每个运行时都信任该证书"),
    detail: t!(
        "The chain presented is trusted by the roots each runtime uses (the Python SDK and curl the system store, Node and Claude Code their bundled Mozilla roots, plus any CA file they read).",
        "出示的证书链被每个运行时使用的根证书信任（Python SDK 和 curl 使用系统证书库，Node 和 Claude Code 使用内置的 Mozilla 根证书，另加它们读取的 CA 文件）。",
    ),
    fix: None,
    snippets: &[],
};

pub static PARTLY_TRUSTED: Outcome = Outcome {
    id: "partly_trusted",
    status: Status::Warn,
    layer: Layer::Tls,
    title: t!(
        "Some runtimes do not trust the certificate",
        "部分运行时不信任该证书",
    ),
    detail: t!(
        "The chain is trusted by the roots some runtimes use and not by others: typically a proxy or antivirus intercepting TLS with a corporate CA that is in the system store (so curl and the Python SDK work) but not in Node's bundled roots (so the Node SDK and Claude Code fail with \"Connection error.\", SELF_SIGNED_CERT_IN_CHAIN or UNABLE_TO_GET_ISSUER_CERT_LOCALLY underneath). The runtimes it stops and the issuer are named below.",
        "该证书链被部分运行时使用的根证书信任，而不被另一些信任：典型情况是代理或杀毒软件用企业 CA 拦截 TLS，该 CA 在系统证书库中（所以 curl 和 Python SDK 正常），但不在 Node 内置的根证书中（所以 Node SDK 和 Claude Code 报 \"Connection error.\"，底层为 SELF_SIGNED_CERT_IN_CHAIN 或 UNABLE_TO_GET_ISSUER_CERT_LOCALLY）。下面列出了受影响的运行时和签发者。",
    ),
    fix: Some(t!(
        "Trust the issuing CA in the runtimes that fail: NODE_EXTRA_CA_CERTS=/path/to/ca.pem for Node and Claude Code; the system store or the client's verify= for Python. Never switch verification off.",
        "在失败的运行时中信任签发的 CA：Node 和 Claude Code 使用 NODE_EXTRA_CA_CERTS=/path/to/ca.pem；Python 使用系统证书库或客户端的 verify=。切勿关闭证书验证。",
    )),
    snippets: TRUST_SNIPPETS,
};

pub static UNTRUSTED: Outcome = Outcome {
    id: "untrusted",
    status: Status::Fail,
    layer: Layer::Tls,
    title: t!("No runtime trusts the certificate", "没有运行时信任该证书"),
    detail: t!(
        "None of the roots the runtimes use leads to this chain: a proxy or antivirus intercepting TLS with its own CA, a gateway with a private or self-signed certificate, or a server that leaves out its intermediate certificate (the runtimes' error texts are the same in all three). The issuer is named below.",
        "运行时使用的根证书都无法验证这条证书链：代理或杀毒软件用自己的 CA 拦截 TLS、网关使用私有或自签名证书，或服务器没有发送中间证书（三种情况下运行时的报错完全相同）。下面列出了签发者。",
    ),
    fix: Some(t!(
        "If the issuer is your organisation's proxy, get its CA certificate and trust it as each runtime reads trust (below); if it is your gateway, give it a certificate from a public CA or send the full chain. Never set verify=False or NODE_TLS_REJECT_UNAUTHORIZED=0.",
        "如果签发者是你所在组织的代理，获取其 CA 证书并按各运行时读取信任的方式信任它（见下方）；如果是你的网关，请为其使用公共 CA 签发的证书或发送完整的证书链。切勿设置 verify=False 或 NODE_TLS_REJECT_UNAUTHORIZED=0。",
    )),
    snippets: TRUST_SNIPPETS,
};

pub static EXPIRED: Outcome = Outcome {
    id: "expired",
    status: Status::Fail,
    layer: Layer::Tls,
    title: t!("The certificate has expired", "证书已过期"),
    detail: t!(
        "The chain leads to a trusted root but a certificate in it is out of its validity period. Either it really expired, or this machine's clock is wrong (compare the date below with the real one).",
        "证书链可以通向受信任的根证书，但其中有证书不在有效期内。要么它确实已过期，要么本机时钟有误（将下面的日期与真实日期对比）。",
    ),
    fix: Some(t!(
        "Renew the gateway's certificate; if it is not yours, check this machine's clock (timedatectl) before anything else.",
        "更新网关的证书；如果证书不归你管理，请先检查本机时钟（timedatectl）。",
    )),
    snippets: &[],
};

pub static WRONG_NAME: Outcome = Outcome {
    id: "wrong_name",
    status: Status::Fail,
    layer: Layer::Tls,
    title: t!(
        "The certificate is for another name",
        "证书签发给了其他名称",
    ),
    detail: t!(
        "The chain is trusted but the certificate does not name the host in the base URL: a base URL that uses an address or an alias the certificate lacks, or something else answering for the host.",
        "证书链受信任，但证书中没有基础 URL 里的主机名：基础 URL 使用了证书中没有的地址或别名，或者是其他服务在代替该主机应答。",
    ),
    fix: Some(t!(
        "Use the name the certificate is for in the base URL (its subject is below), or give the gateway a certificate that names the host you use.",
        "在基础 URL 中使用证书签发的名称（证书主体见下方），或为网关签发包含你所用主机名的证书。",
    )),
    snippets: &[],
};

pub static EXPIRING: Outcome = Outcome {
    id: "expiring",
    status: Status::Warn,
    layer: Layer::Tls,
    title: t!("The certificate expires soon", "证书即将过期"),
    detail: t!(
        "Every runtime trusts the chain today, but the certificate expires within two weeks; after that every request fails.",
        "目前每个运行时都信任该证书链，但证书将在两周内过期；过期后所有请求都会失败。",
    ),
    fix: Some(t!(
        "Renew the certificate now (or make sure its automatic renewal runs).",
        "立即续期证书（或确认其自动续期正常运行）。",
    )),
    snippets: &[],
};

pub static PLAIN_HTTP: Outcome = Outcome {
    id: "plain_http",
    status: Status::Info,
    layer: Layer::Tls,
    title: t!("No certificate: plain http://", "没有证书：明文 http://"),
    detail: t!(
        "The base URL is plain http://, so there is no certificate to trust.",
        "基础 URL 是明文 http://，因此没有需要信任的证书。",
    ),
    fix: None,
    snippets: &[],
};

pub static NOT_RUN: Outcome = super::not_run(Layer::Tls);

pub static CHECK: Check = Check {
    code: CODE,
    wire: 20,
    applies: Applies::NativeOnly,
    layer: Layer::Tls,
    title: t!("Trusting the certificate", "信任证书"),
    depends_on: &["tls.handshake"],
    probes: &[ProbeId::Path(0), ProbeId::Tunnel(0)],
    outcomes: &[
        (0, &TRUSTED),
        (1, &PARTLY_TRUSTED),
        (2, &UNTRUSTED),
        (3, &EXPIRED),
        (4, &WRONG_NAME),
        (5, &EXPIRING),
        (6, &PLAIN_HTTP),
        (7, &NOT_RUN),
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
    let Some(tls) = native::main_tls(&ctx.native, target, obs) else {
        return Some(Finding::new(CODE, &NOT_RUN));
    };
    let mut facts = Vec::new();
    if let Some(anchor) = tls.anchor() {
        facts.push(Fact::Issuer(anchor.to_string()));
    }
    if let Some(leaf) = tls.chain.first() {
        facts.push(Fact::Subject(leaf.subject.clone()));
        facts.push(Fact::Expires(leaf.not_after));
    }
    for (source, result) in &tls.trust {
        facts.push(Fact::Trust {
            source: native::source_name(&ctx.native, *source),
            result: *result,
        });
    }
    let rows = native::runtimes(&ctx.native, Some(target), obs);
    let untrusted: Vec<_> = rows
        .iter()
        .filter(|r| matches!(r.prediction, Prediction::Fails(Why::Untrusted(_))))
        .collect();
    let said = |r: TrustResult| tls.trust.iter().any(|(_, x)| *x == r);
    let outcome = if untrusted.is_empty() {
        let left = tls
            .chain
            .first()
            .map_or(i64::MAX, |leaf| leaf.not_after.saturating_sub(tls.at_unix));
        if left < EXPIRY_WARN_DAYS * 86_400 {
            &EXPIRING
        } else {
            &TRUSTED
        }
    } else if untrusted.len() < rows.len() {
        &PARTLY_TRUSTED
    } else if said(TrustResult::Expired) || said(TrustResult::NotYetValid) {
        &EXPIRED
    } else if said(TrustResult::WrongName) {
        &WRONG_NAME
    } else {
        &UNTRUSTED
    };
    facts.extend(untrusted.iter().map(|r| Fact::FailsFor(r.runtime)));
    Some(Finding::new(CODE, outcome).with_all(facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{cert, healthy_path, healthy_tls};
    use crate::core::input::Vantage;
    use crate::core::key::AuthMode;
    use crate::core::native::Runtime;
    use crate::core::net::{Net, PathSeen, TlsSeen, TrustSource};
    use crate::core::observation::{NotSent, Observation};

    fn ctx(base: &str) -> Context {
        Context::new(base, AuthMode::Bearer, None, false).from_vantage(Vantage::Native)
    }

    fn world(tls: Option<TlsSeen>) -> Observations {
        [
            (
                ProbeId::Resolve,
                Observation::Net(Net::Resolved {
                    addrs: vec!["127.0.0.1".into()],
                    elapsed_ms: 1.0,
                }),
            ),
            (
                ProbeId::Path(0),
                match tls {
                    Some(tls) => Observation::Net(Net::Path(PathSeen {
                        tls: Some(tls),
                        ..healthy_path()
                    })),
                    None => Observation::Cancelled,
                },
            ),
            (
                ProbeId::Tunnel(0),
                Observation::NotSent(NotSent::NotApplicable),
            ),
        ]
        .into_iter()
        .collect()
    }

    fn judged(mozilla: TrustResult, system: TrustResult) -> TlsSeen {
        TlsSeen {
            chain: vec![cert("CN=api.anthropic.com", "CN=Corp Intercept CA")],
            trust: vec![
                (TrustSource::Mozilla, mozilla),
                (TrustSource::System, system),
            ],
            ..healthy_tls()
        }
    }

    #[test]
    fn outcomes_table() {
        use TrustResult::*;
        let https = "https://api.anthropic.com";
        let mut soon = healthy_tls();
        soon.at_unix = soon.chain[0].not_after - 3 * 86_400;
        let rows = [
            (https, world(Some(healthy_tls())), "trusted"),
            (
                https,
                world(Some(judged(UnknownIssuer, Trusted))),
                "partly_trusted",
            ),
            (
                https,
                world(Some(judged(UnknownIssuer, UnknownIssuer))),
                "untrusted",
            ),
            (https, world(Some(judged(Expired, Expired))), "expired"),
            (
                https,
                world(Some(judged(WrongName, WrongName))),
                "wrong_name",
            ),
            (https, world(Some(soon)), "expiring"),
            ("http://127.0.0.1:1", Observations::new(), "plain_http"),
            (https, world(None), "not_run"),
        ];
        let mut produced = Vec::new();
        for (base, obs, want) in rows {
            assert_eq!(
                evaluate(&ctx(base), &obs).unwrap().outcome.id,
                want,
                "{obs:?}"
            );
            produced.push(want);
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }

    #[test]
    fn interception_names_its_issuer_and_the_runtimes_it_stops() {
        let f = evaluate(
            &ctx("https://api.anthropic.com"),
            &world(Some(judged(
                TrustResult::UnknownIssuer,
                TrustResult::Trusted,
            ))),
        )
        .unwrap();
        assert!(f
            .facts
            .contains(&Fact::Issuer("CN=Corp Intercept CA".into())));
        let stopped: Vec<&Fact> = f
            .facts
            .iter()
            .filter(|x| matches!(x, Fact::FailsFor(_)))
            .collect();
        assert_eq!(
            stopped,
            [
                &Fact::FailsFor(Runtime::Node),
                &Fact::FailsFor(Runtime::ClaudeCode)
            ]
        );
    }
}
