//! `dns.public`: what two public DNS-over-HTTPS resolvers say about the target's name — the public view.
//!
//! A page cannot see its own resolver, so this is the public view only, read together with `network.reach`:
//! a name that public DNS does not know but this browser reached is split-horizon DNS, not a failure, so DNS
//! is blamed only when the browser also failed to reach the host. Every finding names `nslookup`, which
//! shows the local view. The decision, in order:
//!
//! 1. An invalid base URL: `not_run`; an IP address or `localhost`: `not_applicable` (no name to look up).
//! 2. Both resolvers observed. A resolver that failed, answered other than 200 or not in the DoH JSON format
//!    is unavailable; with neither usable: `unavailable` (`not_run` if the run was cancelled). With one, it
//!    alone decides.
//! 3. One gives public addresses and the other does not: `disagree`. Different public addresses are normal
//!    for CDNs and agree.
//! 4. Public addresses: `resolves`; no address record: `no_address`.
//! 5. Otherwise (most telling first: NXDOMAIN, a sinkhole, private addresses, a DNS error) the target's
//!    `no-cors` probe decides: answered is `private_name`, `split_view`, `resolves` or `servfail_reached`;
//!    not answered is `nxdomain`, `sinkhole`, `private_address` or `servfail`.

use super::Check;
use crate::core::dns::{self, AddrClass, DohAnswer, ResolverAnswer, ResolverView};
use crate::core::finding::{Fact, Finding, Layer, Outcome, Snippet, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::{Observation, Observations, ResponseKind};
use crate::core::probe::ProbeId;

const CODE: &str = "dns.public";

/// The most addresses listed per resolver; CDNs can return many, and the rest says nothing new.
pub const MAX_ADDRESSES: usize = 4;

/// The most characters of a resolver's host kept in a fact: the settings can carry anything.
pub const MAX_HOST_CHARS: usize = 100;

/// The snippets that set the base URL, for a misspelled host.
const BASE_URL_SNIPPETS: &[Snippet] = &[
    Snippet {
        tool: "Claude Code",
        code: "export ANTHROPIC_BASE_URL=https://api.anthropic.com",
    },
    Snippet {
        tool: "Python",
        code: "client = anthropic.Anthropic(base_url=\"https://api.anthropic.com\")",
    },
    Snippet {
        tool: "TypeScript",
        code: "const client = new Anthropic({ baseURL: \"https://api.anthropic.com\" });",
    },
];

pub static NOT_APPLICABLE: Outcome = Outcome {
    id: "not_applicable",
    status: Status::Info,
    layer: Layer::Dns,
    title: t!("No name to look up", "无需解析域名"),
    detail: t!(
        "The target is an IP address or localhost, so DNS plays no part.",
        "目标是 IP 地址或 localhost，不涉及 DNS。",
    ),
    fix: None,
    snippets: &[],
};

pub static RESOLVES: Outcome = Outcome {
    id: "resolves",
    status: Status::Pass,
    layer: Layer::Dns,
    title: t!("Public DNS resolves the name", "公共 DNS 能解析该域名"),
    detail: t!(
        "Public resolvers return addresses for the host. This is the public view: this machine's own resolver is invisible to a page, and nslookup shows it.",
        "公共解析器返回了该主机的地址。这是公共视角：页面看不到本机自己的解析器，可用 nslookup 查看。",
    ),
    fix: None,
    snippets: &[],
};

pub static NXDOMAIN: Outcome = Outcome {
    id: "nxdomain",
    status: Status::Fail,
    layer: Layer::Dns,
    title: t!("The name does not exist", "该域名不存在"),
    detail: t!(
        "Public DNS says this name does not exist (NXDOMAIN), and this browser could not reach the host either: the host is misspelled, or the name exists only on a private network.",
        "公共 DNS 表示该域名不存在（NXDOMAIN），并且本浏览器也无法连接该主机：主机名拼写有误，或者该域名只存在于某个内部网络中。",
    ),
    fix: Some(t!(
        "Check the spelling of the host in the base URL (ANTHROPIC_BASE_URL for the SDKs and Claude Code). A company gateway's name may exist only on the company network: connect to the VPN.",
        "检查基础 URL 中主机名的拼写（SDK 和 Claude Code 使用 ANTHROPIC_BASE_URL）。公司网关的域名可能只在公司网络内有效：请连接 VPN。",
    )),
    snippets: BASE_URL_SNIPPETS,
};

pub static PRIVATE_NAME: Outcome = Outcome {
    id: "private_name",
    status: Status::Info,
    layer: Layer::Dns,
    title: t!("A name only this network knows", "只有本网络认识的域名"),
    detail: t!(
        "Public DNS says this name does not exist, yet this browser reached the host: split DNS, a hosts file entry or a VPN resolves it here. Machines outside this network will not find it.",
        "公共 DNS 表示该域名不存在，但本浏览器连上了该主机：这里通过内部 DNS、hosts 文件或 VPN 解析它。此网络之外的机器将无法找到它。",
    ),
    fix: None,
    snippets: &[],
};

pub static SINKHOLE: Outcome = Outcome {
    id: "sinkhole",
    status: Status::Fail,
    layer: Layer::Dns,
    title: t!("The name points nowhere", "该域名指向无效地址"),
    detail: t!(
        "Public DNS answers with an address that leads nowhere (0.0.0.0, ::, loopback or a reserved range), and this browser could not reach the host: a blocklist or a misconfigured record.",
        "公共 DNS 返回的地址无法到达（0.0.0.0、::、环回地址或保留地址段），并且本浏览器也无法连接该主机：可能是被拦截列表屏蔽，或 DNS 记录配置错误。",
    ),
    fix: Some(t!(
        "If a DNS filter or security product blocks this host, allow it; if you own the domain, fix its A record. Compare with nslookup on this machine.",
        "如果有 DNS 过滤器或安全软件屏蔽了该主机，请将其放行；如果你拥有该域名，请修正其 A 记录。可在本机用 nslookup 对比。",
    )),
    snippets: &[],
};

pub static SPLIT_VIEW: Outcome = Outcome {
    id: "split_view",
    status: Status::Info,
    layer: Layer::Dns,
    title: t!("This network resolves the name its own way", "本网络以自己的方式解析该域名"),
    detail: t!(
        "Public DNS points this name nowhere, yet this browser reached the host: this network resolves it differently from the public view (split DNS, a hosts file, a VPN).",
        "公共 DNS 将该域名指向无效地址，但本浏览器连上了该主机：本网络的解析结果与公共视角不同（内部 DNS、hosts 文件或 VPN）。",
    ),
    fix: None,
    snippets: &[],
};

pub static PRIVATE_ADDRESS: Outcome = Outcome {
    id: "private_address",
    status: Status::Warn,
    layer: Layer::Dns,
    title: t!("The name points into a private network", "该域名指向内部网络"),
    detail: t!(
        "Public DNS gives a private address (10/8, 172.16/12, 192.168/16, 100.64/10 or link-local), and this browser could not reach it: the host is reachable only inside that private network.",
        "公共 DNS 返回的是内网地址（10/8、172.16/12、192.168/16、100.64/10 或链路本地地址），并且本浏览器无法连接：该主机只能在对应的内部网络中访问。",
    ),
    fix: Some(t!(
        "Connect to the VPN or office network the host belongs to, or use the gateway's public address.",
        "连接该主机所属的 VPN 或办公网络，或改用网关的公网地址。",
    )),
    snippets: &[],
};

pub static SERVFAIL: Outcome = Outcome {
    id: "servfail",
    status: Status::Fail,
    layer: Layer::Dns,
    title: t!("DNS cannot resolve the name", "DNS 无法解析该域名"),
    detail: t!(
        "The public resolvers could not resolve the name (the DNS status is below): the domain's authoritative servers are broken or unreachable, or its DNSSEC signatures fail. This browser could not reach the host either.",
        "公共解析器无法解析该域名（DNS 状态码见下方）：该域名的权威服务器故障或无法访问，或其 DNSSEC 签名校验失败。本浏览器也无法连接该主机。",
    ),
    fix: Some(t!(
        "If you run the domain, check its name servers and DNSSEC (dnsviz.net shows both); otherwise tell its owner and retry later. For api.anthropic.com, check status.claude.com.",
        "如果你管理该域名，请检查其域名服务器和 DNSSEC（dnsviz.net 可同时检查两者）；否则请告知域名所有者并稍后重试。对于 api.anthropic.com，请查看 status.claude.com。",
    )),
    snippets: &[],
};

pub static SERVFAIL_REACHED: Outcome = Outcome {
    id: "servfail_reached",
    status: Status::Warn,
    layer: Layer::Dns,
    title: t!("Public DNS fails for a host this browser reached", "公共 DNS 解析失败，但本浏览器连上了主机"),
    detail: t!(
        "The public resolvers could not resolve the name (the DNS status is below), though this browser reached the host, perhaps from a cached answer: other networks and machines may fail.",
        "公共解析器无法解析该域名（DNS 状态码见下方），但本浏览器连上了该主机，可能用的是缓存的结果：其他网络和机器可能会失败。",
    ),
    fix: Some(t!(
        "If you run the domain, check its name servers and DNSSEC (dnsviz.net shows both); otherwise tell its owner.",
        "如果你管理该域名，请检查其域名服务器和 DNSSEC（dnsviz.net 可同时检查两者）；否则请告知域名所有者。",
    )),
    snippets: &[],
};

pub static NO_ADDRESS: Outcome = Outcome {
    id: "no_address",
    status: Status::Warn,
    layer: Layer::Dns,
    title: t!("The name has no IPv4 address", "该域名没有 IPv4 地址"),
    detail: t!(
        "Public DNS knows the name but returns no A record: perhaps an IPv6-only host, which networks without IPv6 cannot reach.",
        "公共 DNS 知道该域名，但没有返回 A 记录：可能是仅支持 IPv6 的主机，没有 IPv6 的网络无法访问它。",
    ),
    fix: Some(t!(
        "Check with nslookup on this machine; if the host is IPv6-only, use a network with IPv6 or ask its owner to add an A record.",
        "在本机用 nslookup 检查；如果该主机仅支持 IPv6，请使用支持 IPv6 的网络，或请其所有者添加 A 记录。",
    )),
    snippets: &[],
};

pub static DISAGREE: Outcome = Outcome {
    id: "disagree",
    status: Status::Warn,
    layer: Layer::Dns,
    title: t!("The public resolvers disagree", "公共解析器的结果不一致"),
    detail: t!(
        "One public resolver gives public addresses and the other does not (no such name, an address leading nowhere, or an error): the record is changing right now, or an answer is being tampered with. Different public addresses alone are normal for CDNs; this is more.",
        "一个公共解析器返回了公网地址，另一个却没有（域名不存在、地址无效或出错）：该记录正在变更，或者某个结果被篡改。仅仅公网地址不同对 CDN 来说很正常，而这里的差异不止于此。",
    ),
    fix: Some(t!(
        "Compare nslookup against both resolvers (1.1.1.1 and 8.8.8.8) now and in a few minutes; if it persists and you own the domain, check its records.",
        "现在以及几分钟后，分别用 nslookup 对两个解析器（1.1.1.1 和 8.8.8.8）进行查询对比；如果问题持续且你拥有该域名，请检查其记录。",
    )),
    snippets: &[],
};

pub static UNAVAILABLE: Outcome = Outcome {
    id: "unavailable",
    status: Status::Info,
    layer: Layer::Dns,
    title: t!("The public DNS view is unavailable", "无法获取公共 DNS 视角"),
    detail: t!(
        "Neither public resolver could be asked from this page (blocked, offline, or not answering in the DoH JSON format). Run nslookup to see what this machine's resolver says.",
        "本页无法查询任何一个公共解析器（被拦截、离线，或没有以 DoH JSON 格式应答）。请运行 nslookup 查看本机解析器的结果。",
    ),
    fix: None,
    snippets: &[],
};

pub static NOT_RUN: Outcome = Outcome {
    id: "not_run",
    status: Status::Info,
    layer: Layer::Dns,
    title: t!("Not checked", "未检测"),
    detail: t!(
        "The run was cancelled, or the base URL is not valid.",
        "检测已取消，或基础 URL 无效。",
    ),
    fix: None,
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 3,
    applies: Applies::Everywhere,
    layer: Layer::Dns,
    title: t!("The name in public DNS", "公共 DNS 中的域名"),
    depends_on: &["page.target", "page.online"],
    probes: &[ProbeId::Doh(0), ProbeId::Doh(1), ProbeId::Reach],
    outcomes: &[
        (0, &NOT_APPLICABLE),
        (1, &RESOLVES),
        (2, &NXDOMAIN),
        (3, &PRIVATE_NAME),
        (4, &SINKHOLE),
        (5, &SPLIT_VIEW),
        (6, &PRIVATE_ADDRESS),
        (7, &SERVFAIL),
        (8, &SERVFAIL_REACHED),
        (9, &NO_ADDRESS),
        (10, &DISAGREE),
        (11, &UNAVAILABLE),
        (12, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

/// What one public resolver said, as this check reads it.
#[derive(Clone, Debug, PartialEq)]
enum View {
    /// At least one globally routable address.
    Public(Vec<dns::Addr>),
    /// No public address but a private, CGNAT or link-local one.
    Private(Vec<dns::Addr>),
    /// Only addresses that lead nowhere: unspecified, loopback or reserved.
    Sinkhole(Vec<dns::Addr>),
    NxDomain,
    NoAddress,
    /// Another DNS status: 2 is SERVFAIL.
    Failure(u16),
    /// Could not be asked, or did not answer in the DoH JSON format.
    Unavailable,
    /// The run was cancelled first.
    Cancelled,
}

impl View {
    /// Reads one resolver probe's observation.
    fn of(obs: &Observation) -> View {
        let r = match obs {
            Observation::Response(r) if r.kind == ResponseKind::Readable && r.status == 200 => r,
            Observation::Cancelled => return View::Cancelled,
            _ => return View::Unavailable,
        };
        match dns::parse_doh(&r.body) {
            DohAnswer::Addresses(ips) => {
                let has = |class| ips.iter().any(|ip| dns::classify(ip) == class);
                if has(AddrClass::Public) {
                    View::Public(ips)
                } else if has(AddrClass::Private) {
                    View::Private(ips)
                } else {
                    View::Sinkhole(ips)
                }
            }
            DohAnswer::NoAddress => View::NoAddress,
            DohAnswer::NxDomain => View::NxDomain,
            DohAnswer::Failure(code) => View::Failure(code),
            DohAnswer::Malformed => View::Unavailable,
        }
    }

    /// Whether the resolver gave an answer to reason with.
    fn usable(&self) -> bool {
        !matches!(self, View::Unavailable | View::Cancelled)
    }

    /// Which of two non-public answers speaks louder: a name that does not exist says most about the
    /// base URL, an error least.
    fn rank(&self) -> u8 {
        match self {
            View::NxDomain => 0,
            View::Sinkhole(_) => 1,
            View::Private(_) => 2,
            View::Failure(_) => 3,
            View::NoAddress => 4,
            View::Public(_) => 5,
            View::Unavailable | View::Cancelled => 6,
        }
    }

    /// The answer as a report carries it.
    fn answer(&self) -> ResolverAnswer {
        match self {
            View::Public(ips) | View::Private(ips) | View::Sinkhole(ips) => {
                let mut text = ips
                    .iter()
                    .take(MAX_ADDRESSES)
                    .map(dns::Addr::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                if ips.len() > MAX_ADDRESSES {
                    text.push_str(&format!(" (+{})", ips.len() - MAX_ADDRESSES));
                }
                ResolverAnswer::Addresses(text)
            }
            View::NxDomain => ResolverAnswer::NxDomain,
            View::NoAddress => ResolverAnswer::NoAddress,
            View::Failure(code) => ResolverAnswer::Failure(*code),
            View::Unavailable | View::Cancelled => ResolverAnswer::Unavailable,
        }
    }
}

fn evaluate(ctx: &Context, obs: &Observations) -> Option<Finding> {
    let Ok(target) = &ctx.target else {
        return Some(Finding::new(CODE, &NOT_RUN));
    };
    if Context::dns_not_applicable(target) {
        return Some(Finding::new(CODE, &NOT_APPLICABLE));
    }
    let views = [
        View::of(obs.get(&ProbeId::Doh(0))?),
        View::of(obs.get(&ProbeId::Doh(1))?),
    ];
    let facts = [
        Fact::Resolver(1, resolver_fact(&ctx.settings.resolvers[0], &views[0])),
        Fact::Resolver(2, resolver_fact(&ctx.settings.resolvers[1], &views[1])),
        Fact::Command(format!("nslookup {}", target.host)),
    ];
    let finding = |outcome| Some(Finding::new(CODE, outcome).with_all(facts.clone()));
    let usable: Vec<&View> = views.iter().filter(|v| v.usable()).collect();
    // The loudest usable answer; with none, the public view is unavailable.
    let Some(loudest) = usable.iter().min_by_key(|v| v.rank()) else {
        let cancelled = views.contains(&View::Cancelled);
        return finding(if cancelled { &NOT_RUN } else { &UNAVAILABLE });
    };
    let public = |v: &&View| matches!(v, View::Public(_));
    if usable.iter().any(public) && !usable.iter().all(public) {
        return finding(&DISAGREE);
    }
    // Only answers that point nowhere need the browser's own attempt to interpret.
    let (reached, missed) = match loudest {
        View::Public(_) => return finding(&RESOLVES),
        View::NoAddress => return finding(&NO_ADDRESS),
        View::NxDomain => (&PRIVATE_NAME, &NXDOMAIN),
        View::Sinkhole(_) => (&SPLIT_VIEW, &SINKHOLE),
        View::Private(_) => (&RESOLVES, &PRIVATE_ADDRESS),
        View::Failure(_) | View::Unavailable | View::Cancelled => (&SERVFAIL_REACHED, &SERVFAIL),
    };
    match obs.get(&ProbeId::Reach)? {
        Observation::Response(_) => finding(reached),
        Observation::Cancelled => finding(&NOT_RUN),
        Observation::Rejected { .. }
        | Observation::TimedOut { .. }
        | Observation::NotSent(_)
        | Observation::Series { .. }
        | Observation::Net(_) => finding(missed),
    }
}

/// What one resolver answered, beside its host.
fn resolver_fact(resolver_url: &str, view: &View) -> ResolverView {
    ResolverView {
        host: host_of(resolver_url),
        answer: view.answer(),
    }
}

/// The host of a resolver's URL, found simply; it is only shown as text.
fn host_of(url: &str) -> String {
    let url = url.trim();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .chars()
        .take(MAX_HOST_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::opaque;
    use crate::core::fixtures::resp;
    use crate::core::i18n::Lang;
    use crate::core::key::AuthMode;
    use crate::core::observation::NotSent;
    use std::collections::BTreeSet;

    const API: &str = "https://api.anthropic.com";

    /// A resolver's 200 JSON answer with `status` and A records `ips`.
    fn doh(status: u16, ips: &[&str]) -> Observation {
        let answers: Vec<String> = ips
            .iter()
            .map(|ip| format!(r#"{{"name":"h","type":1,"TTL":60,"data":"{ip}"}}"#))
            .collect();
        let body = format!(r#"{{"Status":{status},"Answer":[{}]}}"#, answers.join(","));
        Observation::Response(resp(200, "application/dns-json", &body, &[]))
    }

    fn run(base: &str, obs: &[(ProbeId, Observation)]) -> Option<Finding> {
        let ctx = Context::new(base, AuthMode::ApiKey, None, true);
        evaluate(&ctx, &obs.iter().cloned().collect())
    }

    #[test]
    fn outcomes_table() {
        let public = || doh(0, &["160.79.104.10"]);
        let other_public = || doh(0, &["104.18.1.1", "104.18.1.2"]);
        let nx = || doh(3, &[]);
        let sink = || doh(0, &["0.0.0.0"]);
        let private = || doh(0, &["10.1.2.3"]);
        let servfail = || doh(2, &[]);
        let failed = || Observation::Rejected { elapsed_ms: 20.0 };
        let reached = || opaque(40.0);
        let html = || Observation::Response(resp(200, "text/html", "<title>Blocked</title>", &[]));
        let (d0, d1, reach) = (ProbeId::Doh(0), ProbeId::Doh(1), ProbeId::Reach);
        // (base URL, observations, outcome)
        type Row<'a> = (&'a str, Vec<(ProbeId, Observation)>, &'a str);
        let rows: Vec<Row> = vec![
            (
                "https://127.0.0.1:8080",
                vec![(d0, Observation::NotSent(NotSent::NotApplicable))],
                "not_applicable",
            ),
            ("http://localhost:3000", vec![], "not_applicable"),
            ("https://[::1]", vec![], "not_applicable"),
            (API, vec![(d0, public()), (d1, public())], "resolves"),
            (API, vec![(d0, public()), (d1, other_public())], "resolves"),
            (API, vec![(d0, public()), (d1, failed())], "resolves"),
            (
                API,
                vec![(d0, nx()), (d1, nx()), (reach, failed())],
                "nxdomain",
            ),
            (
                API,
                vec![
                    (d0, nx()),
                    (d1, servfail()),
                    (reach, Observation::TimedOut { after_ms: 10_000 }),
                ],
                "nxdomain",
            ),
            (
                API,
                vec![
                    (d0, nx()),
                    (d1, nx()),
                    (reach, Observation::NotSent(NotSent::MixedContent)),
                ],
                "nxdomain",
            ),
            (
                API,
                vec![(d0, nx()), (d1, html()), (reach, reached())],
                "private_name",
            ),
            (
                API,
                vec![(d0, sink()), (d1, sink()), (reach, failed())],
                "sinkhole",
            ),
            (
                API,
                vec![
                    (d0, doh(0, &["127.0.0.1", "::"])),
                    (d1, failed()),
                    (reach, failed()),
                ],
                "sinkhole",
            ),
            (
                API,
                vec![(d0, sink()), (d1, sink()), (reach, reached())],
                "split_view",
            ),
            (
                API,
                vec![(d0, private()), (d1, private()), (reach, failed())],
                "private_address",
            ),
            (
                API,
                vec![
                    (d0, doh(0, &["100.64.0.1", "0.0.0.0"])),
                    (d1, private()),
                    (reach, failed()),
                ],
                "private_address",
            ),
            (
                API,
                vec![(d0, private()), (d1, private()), (reach, reached())],
                "resolves",
            ),
            (
                API,
                vec![(d0, servfail()), (d1, servfail()), (reach, failed())],
                "servfail",
            ),
            (
                API,
                vec![(d0, doh(5, &[])), (d1, failed()), (reach, failed())],
                "servfail",
            ),
            (
                API,
                vec![(d0, servfail()), (d1, servfail()), (reach, reached())],
                "servfail_reached",
            ),
            (
                API,
                vec![(d0, doh(0, &[])), (d1, doh(0, &[]))],
                "no_address",
            ),
            (API, vec![(d0, public()), (d1, nx())], "disagree"),
            (API, vec![(d0, sink()), (d1, public())], "disagree"),
            (API, vec![(d0, public()), (d1, servfail())], "disagree"),
            (API, vec![(d0, private()), (d1, public())], "disagree"),
            (API, vec![(d0, failed()), (d1, html())], "unavailable"),
            (
                API,
                vec![
                    (
                        d0,
                        Observation::Response(resp(
                            403,
                            "application/dns-json",
                            r#"{"Status":0}"#,
                            &[],
                        )),
                    ),
                    (d1, Observation::TimedOut { after_ms: 5_000 }),
                ],
                "unavailable",
            ),
            (
                API,
                vec![
                    (d0, Observation::NotSent(NotSent::InvalidUrl)),
                    (d1, opaque(9.0)),
                ],
                "unavailable",
            ),
            ("api.anthropic.com", vec![], "not_run"),
            (
                API,
                vec![(d0, Observation::Cancelled), (d1, Observation::Cancelled)],
                "not_run",
            ),
            (
                API,
                vec![(d0, Observation::Cancelled), (d1, failed())],
                "not_run",
            ),
            (
                API,
                vec![(d0, nx()), (d1, nx()), (reach, Observation::Cancelled)],
                "not_run",
            ),
        ];
        let mut seen = BTreeSet::new();
        for (base, obs, want) in rows {
            let got = run(base, &obs).unwrap_or_else(|| panic!("pending: {base} {obs:?}"));
            assert_eq!(got.outcome.id, want, "{base} {obs:?}");
            seen.insert(got.outcome.id);
        }
        super::super::testing::assert_covers(&CHECK, seen.iter().copied());
    }

    #[test]
    fn waits_for_its_probe() {
        let nx = doh(3, &[]);
        assert!(run(API, &[]).is_none());
        assert!(run(API, &[(ProbeId::Doh(0), doh(0, &["160.79.104.10"]))]).is_none());
        // The target's probe is awaited only when the public answer points nowhere.
        assert!(run(API, &[(ProbeId::Doh(0), nx.clone()), (ProbeId::Doh(1), nx)]).is_none());
    }

    #[test]
    fn facts_show_both_resolvers_and_the_local_command() {
        let many: Vec<String> = (1..=6).map(|i| format!("104.18.0.{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let f = run(
            API,
            &[
                (ProbeId::Doh(0), doh(0, &many)),
                (ProbeId::Doh(1), doh(2, &[])),
            ],
        );
        assert_eq!(
            f.unwrap().facts,
            [
                Fact::Resolver(
                    1,
                    ResolverView::parse(
                        "cloudflare-dns.com: 104.18.0.1, 104.18.0.2, 104.18.0.3, 104.18.0.4 (+2)"
                    )
                ),
                Fact::Resolver(2, ResolverView::parse("dns.google: SERVFAIL (status 2)")),
                Fact::Command("nslookup api.anthropic.com".into()),
            ]
        );
        let f = run(
            "https://gw.example.com/anthropic",
            &[
                (ProbeId::Doh(0), doh(0, &[])),
                (ProbeId::Doh(1), Observation::Rejected { elapsed_ms: 1.0 }),
            ],
        )
        .unwrap();
        assert_eq!(f.outcome.id, "no_address");
        assert_eq!(
            f.facts,
            [
                Fact::Resolver(
                    1,
                    ResolverView {
                        host: "cloudflare-dns.com".into(),
                        answer: ResolverAnswer::NoAddress
                    }
                ),
                Fact::Resolver(
                    2,
                    ResolverView {
                        host: "dns.google".into(),
                        answer: ResolverAnswer::Unavailable
                    }
                ),
                Fact::Command("nslookup gw.example.com".into()),
            ]
        );
    }

    #[test]
    fn answers_are_described() {
        let rows = [
            (View::NxDomain, "NXDOMAIN"),
            (View::Failure(5), "REFUSED (status 5)"),
            (View::Failure(9), "DNS error (status 9)"),
            (
                View::Sinkhole(vec![dns::Addr::parse_v6("::").unwrap()]),
                "::",
            ),
            (View::Cancelled, "unavailable"),
        ];
        for (view, want) in rows {
            assert_eq!(view.answer().text(Lang::En), want, "{view:?}");
        }
    }

    #[test]
    fn resolver_hosts_table() {
        let rows = [
            ("https://cloudflare-dns.com/dns-query", "cloudflare-dns.com"),
            (" https://dns.google/resolve?x=1 ", "dns.google"),
            ("https://127.0.0.1:8053", "127.0.0.1:8053"),
            ("dns.example/q", "dns.example"),
            ("", ""),
        ];
        for (url, want) in rows {
            assert_eq!(host_of(url), want, "{url}");
        }
        assert_eq!(host_of(&"é".repeat(300)).chars().count(), MAX_HOST_CHARS);
    }

    #[test]
    fn hostile_bodies_do_not_panic() {
        let bodies = [
            "",
            "null",
            r#"{"Status":0,"Answer":[{"type":1,"data":"999.1.1.1"}]}"#,
            r#"{"Status":18446744073709551615}"#,
            "\u{0}\u{ffff}",
        ];
        for body in bodies {
            let obs = Observation::Response(resp(200, "application/dns-json", body, &[]));
            let all = [
                (ProbeId::Doh(0), obs.clone()),
                (ProbeId::Doh(1), obs),
                (ProbeId::Reach, opaque(1.0)),
            ];
            assert!(run(API, &all).is_some(), "{body:?}");
        }
    }
}
