//! `service.status`: what the public status page says about the API component and open incidents.
//!
//! The page is an Atlassian Statuspage summary, fetched readably. It informs, it never breaks the run: a
//! status page that cannot be fetched or read degrades to a link. The API component's own state decides;
//! while it reads operational, an open incident that is not clearly about another product (claude.ai,
//! Claude Code, the Console) still counts as degraded when the page's overall indicator is raised. Incident
//! names are hostile server text: they are kept as capped fact strings only.

use super::{Check, RETRY_SNIPPETS};
use crate::core::finding::{Fact, Finding, Layer, Outcome, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::{Observation, Observations, ResponseKind};
use crate::core::probe::ProbeId;
use crate::core::statuspage::{self, ComponentState, Incident, StatusSummary};

const CODE: &str = "service.status";

/// The most incidents named in a finding; the status page has the rest.
pub const MAX_INCIDENTS: usize = 3;

/// The most characters kept of any text from the status page or the settings.
pub const MAX_CHARS: usize = 200;

/// Words in an incident's name that place it on a product other than the API, unless it also names the API.
const OTHER_PRODUCTS: [&str; 7] = [
    "claude.ai",
    "claude code",
    "console",
    "platform.claude.com",
    "mobile app",
    "desktop app",
    "claude app",
];

pub static OPERATIONAL: Outcome = Outcome {
    id: "operational",
    status: Status::Pass,
    layer: Layer::Service,
    title: t!(
        "The status page reports the API operational",
        "状态页显示 API 运行正常",
    ),
    detail: t!(
        "The API component is operational and no open incident affects it.",
        "API 组件运行正常，没有影响它的未结束事件。",
    ),
    fix: None,
    snippets: &[],
};

pub static DEGRADED: Outcome = Outcome {
    id: "degraded",
    status: Status::Warn,
    layer: Layer::Service,
    title: t!("The status page reports degraded performance", "状态页显示性能下降"),
    detail: t!(
        "The API component is degraded, or an open incident may affect it: slow or failed requests right now may be the service's, not yours.",
        "API 组件性能下降，或者有未结束的事件可能影响它：此刻请求变慢或失败，可能是服务方的问题，而不是你的。",
    ),
    fix: Some(t!(
        "Retry with backoff (the SDKs do: raise max_retries) and follow the incident on the status page.",
        "使用退避策略重试（SDK 会自动进行：可调高 max_retries），并在状态页上关注该事件。",
    )),
    snippets: RETRY_SNIPPETS,
};

pub static PARTIAL_OUTAGE: Outcome = Outcome {
    id: "partial_outage",
    status: Status::Warn,
    layer: Layer::Service,
    title: t!("The status page reports a partial outage of the API", "状态页显示 API 部分中断"),
    detail: t!(
        "Some API requests are failing for everyone right now: errors may be the service's, not your network or key.",
        "目前部分 API 请求对所有用户都会失败：出现的错误可能来自服务方，而不是你的网络或密钥。",
    ),
    fix: Some(t!(
        "Retry with backoff (the SDKs do: raise max_retries) and follow the incident on the status page.",
        "使用退避策略重试（SDK 会自动进行：可调高 max_retries），并在状态页上关注该事件。",
    )),
    snippets: RETRY_SNIPPETS,
};

pub static MAJOR_OUTAGE: Outcome = Outcome {
    id: "major_outage",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("The status page reports a major outage of the API", "状态页显示 API 严重中断"),
    detail: t!(
        "The API is down for everyone right now: failures are the service's, not your network or key.",
        "API 目前对所有用户都不可用：失败来自服务方，而不是你的网络或密钥。",
    ),
    fix: Some(t!(
        "Wait for the incident to be resolved and follow it on the status page; retrying harder will not help.",
        "等待事件解决，并在状态页上关注进展；加大重试力度无济于事。",
    )),
    snippets: &[],
};

pub static MAINTENANCE: Outcome = Outcome {
    id: "maintenance",
    status: Status::Warn,
    layer: Layer::Service,
    title: t!("Maintenance is in progress", "正在进行维护"),
    detail: t!(
        "The status page shows the API under maintenance, or a maintenance in progress: requests may fail until it ends.",
        "状态页显示 API 正在维护，或有维护正在进行：在维护结束前请求可能会失败。",
    ),
    fix: Some(t!(
        "Wait for the maintenance window to end; the status page shows when.",
        "等待维护窗口结束；状态页会显示结束时间。",
    )),
    snippets: &[],
};

pub static ELSEWHERE: Outcome = Outcome {
    id: "elsewhere",
    status: Status::Info,
    layer: Layer::Service,
    title: t!("Incidents elsewhere; the API is reported operational", "其他产品有事件；API 显示运行正常"),
    detail: t!(
        "The status page lists open incidents, but the API component itself is reported operational and the page's overall status does not point at it: they concern other products, such as claude.ai, or are minor.",
        "状态页列出了未结束的事件，但 API 组件本身显示运行正常，页面总体状态也未指向它：这些事件涉及其他产品（例如 claude.ai），或影响轻微。",
    ),
    fix: None,
    snippets: &[],
};

pub static UNKNOWN_COMPONENT: Outcome = Outcome {
    id: "unknown_component",
    status: Status::Info,
    layer: Layer::Service,
    title: t!("The status page does not show the API's state", "状态页未显示 API 的状态"),
    detail: t!(
        "The status page was read, but no API component or state could be recognised in it; its overall status is below.",
        "已读取状态页，但无法从中识别出 API 组件或其状态；页面的总体状态见下方。",
    ),
    fix: None,
    snippets: &[],
};

pub static UNAVAILABLE: Outcome = Outcome {
    id: "unavailable",
    status: Status::Info,
    layer: Layer::Service,
    title: t!("The status page could not be read from here", "无法在此读取状态页"),
    detail: t!(
        "The status page's summary could not be fetched or read from this page (blocked, not readable by CORS, or another format). The other checks are not affected; open the link to look yourself.",
        "本页无法获取或读取状态页摘要（被拦截、CORS 不允许读取，或格式不同）。这不影响其他检测；请打开链接自行查看。",
    ),
    fix: None,
    snippets: &[],
};

pub static NOT_RUN: Outcome = Outcome {
    id: "not_run",
    status: Status::Info,
    layer: Layer::Service,
    title: t!("Not checked", "未检测"),
    detail: t!("The run was cancelled.", "检测已取消。"),
    fix: None,
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 9,
    applies: Applies::Everywhere,
    layer: Layer::Service,
    title: t!("The service's status page", "服务状态页"),
    depends_on: &["page.online"],
    probes: &[ProbeId::Status],
    outcomes: &[
        (0, &OPERATIONAL),
        (1, &DEGRADED),
        (2, &PARTIAL_OUTAGE),
        (3, &MAJOR_OUTAGE),
        (4, &MAINTENANCE),
        (5, &ELSEWHERE),
        (6, &UNKNOWN_COMPONENT),
        (7, &UNAVAILABLE),
        (8, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

/// Whether the status page reports trouble with the API itself: the diagnosis then says "it's them, not you".
pub fn reports_trouble(f: &Finding) -> bool {
    f.code == CODE
        && matches!(
            f.outcome.id,
            "degraded" | "partial_outage" | "major_outage" | "maintenance"
        )
}

fn evaluate(ctx: &Context, obs: &Observations) -> Option<Finding> {
    let fallback = || Fact::Link(page_link(&ctx.settings.status_url));
    let unavailable = || Finding::new(CODE, &UNAVAILABLE).with(fallback());
    Some(match obs.get(&ProbeId::Status)? {
        Observation::Response(r) if r.kind == ResponseKind::Readable && r.status == 200 => {
            match statuspage::parse_summary(&r.body) {
                Some(summary) => judge(summary, fallback()),
                None => unavailable(),
            }
        }
        Observation::Response(r) if r.kind == ResponseKind::Readable => {
            unavailable().with(Fact::HttpStatus(r.status))
        }
        Observation::Response(_)
        | Observation::Rejected { .. }
        | Observation::TimedOut { .. }
        | Observation::NotSent(_) => unavailable(),
        Observation::Cancelled | Observation::Series { .. } | Observation::Net(_) => {
            Finding::new(CODE, &NOT_RUN)
        }
    })
}

/// Decides from a parsed summary; `fallback` links to the page when the summary names none.
fn judge(s: StatusSummary, fallback: Fact) -> Finding {
    let description = if s.description.trim().is_empty() {
        capped(&s.indicator)
    } else {
        capped(&s.description)
    };
    let Some((_, state)) = &s.api else {
        return with_incidents(
            Finding::new(CODE, &UNKNOWN_COMPONENT).with(Fact::StatusDescription(description)),
            &s,
            fallback,
        );
    };
    let relevant = |list: &[Incident]| {
        list.iter()
            .any(|i| i.impact != "none" && !clearly_elsewhere(&i.name))
    };
    let outcome = match state {
        ComponentState::MajorOutage => &MAJOR_OUTAGE,
        ComponentState::PartialOutage => &PARTIAL_OUTAGE,
        ComponentState::Degraded => &DEGRADED,
        ComponentState::Maintenance => &MAINTENANCE,
        ComponentState::Unknown => &UNKNOWN_COMPONENT,
        // The component may lag behind an incident: the page raises its indicator first.
        ComponentState::Operational if relevant(&s.maintenances) => &MAINTENANCE,
        ComponentState::Operational if s.indicator != "none" && relevant(&s.incidents) => &DEGRADED,
        ComponentState::Operational if !s.incidents.is_empty() || !s.maintenances.is_empty() => {
            &ELSEWHERE
        }
        ComponentState::Operational => {
            return Finding::new(CODE, &OPERATIONAL)
                .with(Fact::StatusDescription(description))
                .with(Fact::ComponentState(state_name(state).to_string()))
        }
    };
    let f = Finding::new(CODE, outcome)
        .with(Fact::StatusDescription(description))
        .with(Fact::ComponentState(state_name(state).to_string()));
    with_incidents(f, &s, fallback)
}

/// Adds the open incidents and maintenances by name (at most [`MAX_INCIDENTS`]) and a link: the first
/// incident's own page, else the status page.
fn with_incidents(f: Finding, s: &StatusSummary, fallback: Fact) -> Finding {
    let open = s.incidents.iter().chain(&s.maintenances);
    let names = open
        .clone()
        .map(|i| capped(&i.name))
        .filter(|n| !n.trim().is_empty())
        .take(MAX_INCIDENTS)
        .map(Fact::Incident);
    let link = open
        .filter_map(|i| i.shortlink.clone())
        .chain(s.page_url.clone())
        .next()
        .map_or(fallback, Fact::Link);
    f.with_all(names).with(link)
}

/// Whether an incident's name places it on another product and not on the API.
fn clearly_elsewhere(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let names_api = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| word == "api");
    !names_api && OTHER_PRODUCTS.iter().any(|p| lower.contains(p))
}

/// A component state as Statuspage spells it.
fn state_name(state: &ComponentState) -> &'static str {
    match state {
        ComponentState::Operational => "operational",
        ComponentState::Degraded => "degraded_performance",
        ComponentState::PartialOutage => "partial_outage",
        ComponentState::MajorOutage => "major_outage",
        ComponentState::Maintenance => "under_maintenance",
        ComponentState::Unknown => "unknown",
    }
}

/// The human status page for a summary URL from the settings; Claude's own when that URL is not a plain
/// http(s) URL, since a link must never carry another scheme.
fn page_link(summary_url: &str) -> String {
    let page = statuspage::page_url_of(summary_url);
    let lower = page.to_ascii_lowercase();
    let fit = (lower.starts_with("https://") || lower.starts_with("http://"))
        && page.chars().count() <= MAX_CHARS
        && !page.chars().any(|c| c.is_whitespace() || c.is_control());
    if fit {
        page
    } else {
        statuspage::page_url_of(statuspage::DEFAULT_SUMMARY_URL)
    }
}

/// At most [`MAX_CHARS`] characters of `s`.
fn capped(s: &str) -> String {
    s.chars().take(MAX_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::opaque;
    use crate::core::fixtures::resp;
    use crate::core::key::AuthMode;
    use crate::core::observation::NotSent;
    use std::collections::BTreeSet;

    /// A summary body: the API component in `api` (or none), the overall indicator, and open incidents and
    /// maintenances as (name, impact).
    fn summary(
        indicator: &str,
        api: Option<&str>,
        incidents: &[(&str, &str)],
        maintenances: &[&str],
    ) -> String {
        let mut components = vec![r#"{"name":"claude.ai","status":"operational"}"#.to_string()];
        if let Some(state) = api {
            components.push(format!(
                r#"{{"name":"Claude API (api.anthropic.com)","status":"{state}"}}"#
            ));
        }
        let incidents: Vec<String> = incidents
            .iter()
            .map(|(name, impact)| {
                format!(
                    r#"{{"name":"{name}","status":"investigating","impact":"{impact}","shortlink":"https://stspg.io/i1"}}"#
                )
            })
            .collect();
        let maintenances: Vec<String> = maintenances
            .iter()
            .map(|name| {
                format!(r#"{{"name":"{name}","status":"in_progress","impact":"maintenance"}}"#)
            })
            .collect();
        format!(
            r#"{{"page":{{"url":"https://status.claude.com"}},"status":{{"indicator":"{indicator}","description":"Desc"}},"components":[{}],"incidents":[{}],"scheduled_maintenances":[{}]}}"#,
            components.join(","),
            incidents.join(","),
            maintenances.join(",")
        )
    }

    fn ok(body: &str) -> Observation {
        Observation::Response(resp(200, "application/json", body, &[]))
    }

    fn run(obs: Observation) -> Finding {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, None, true);
        let all = [(ProbeId::Status, obs)].into_iter().collect();
        evaluate(&ctx, &all).unwrap()
    }

    #[test]
    fn outcomes_table() {
        let rows = [
            (
                ok(&summary("none", Some("operational"), &[], &[])),
                "operational",
            ),
            (
                ok(&summary(
                    "none",
                    Some("operational"),
                    &[("Elevated errors on Claude Opus", "minor")],
                    &[],
                )),
                "elsewhere",
            ),
            (
                ok(&summary("minor", Some("degraded_performance"), &[], &[])),
                "degraded",
            ),
            (
                ok(&summary(
                    "minor",
                    Some("operational"),
                    &[("Elevated errors on Claude Opus", "minor")],
                    &[],
                )),
                "degraded",
            ),
            (
                ok(&summary(
                    "minor",
                    Some("operational"),
                    &[("Errors on claude.ai and the API", "minor")],
                    &[],
                )),
                "degraded",
            ),
            (
                ok(&summary(
                    "minor",
                    Some("operational"),
                    &[("Elevated errors on claude.ai", "minor")],
                    &[],
                )),
                "elsewhere",
            ),
            (
                ok(&summary(
                    "minor",
                    Some("operational"),
                    &[("Claude Code login issues", "major")],
                    &[],
                )),
                "elsewhere",
            ),
            (
                ok(&summary(
                    "minor",
                    Some("operational"),
                    &[("Informational notice", "none")],
                    &[],
                )),
                "elsewhere",
            ),
            (
                ok(&summary(
                    "major",
                    Some("partial_outage"),
                    &[("Errors", "major")],
                    &[],
                )),
                "partial_outage",
            ),
            (
                ok(&summary(
                    "critical",
                    Some("major_outage"),
                    &[("Down", "critical")],
                    &[],
                )),
                "major_outage",
            ),
            (
                ok(&summary(
                    "maintenance",
                    Some("under_maintenance"),
                    &[],
                    &["Upgrade"],
                )),
                "maintenance",
            ),
            (
                ok(&summary(
                    "maintenance",
                    Some("operational"),
                    &[],
                    &["Database upgrade"],
                )),
                "maintenance",
            ),
            (
                ok(&summary(
                    "maintenance",
                    Some("operational"),
                    &[],
                    &["Console maintenance"],
                )),
                "elsewhere",
            ),
            (ok(&summary("none", None, &[], &[])), "unknown_component"),
            (
                ok(&summary("minor", Some("flaky"), &[], &[])),
                "unknown_component",
            ),
            (ok("<!DOCTYPE html><title>Status</title>"), "unavailable"),
            (ok(r#"{"status":"ok"}"#), "unavailable"),
            (
                Observation::Response(resp(404, "text/plain", "no", &[])),
                "unavailable",
            ),
            (opaque(30.0), "unavailable"),
            (Observation::Rejected { elapsed_ms: 30.0 }, "unavailable"),
            (Observation::TimedOut { after_ms: 5_000 }, "unavailable"),
            (Observation::NotSent(NotSent::InvalidUrl), "unavailable"),
            (Observation::NotSent(NotSent::MixedContent), "unavailable"),
            (Observation::Cancelled, "not_run"),
        ];
        let mut seen = BTreeSet::new();
        for (obs, want) in rows {
            let got = run(obs.clone()).outcome.id;
            assert_eq!(got, want, "{obs:?}");
            seen.insert(got);
        }
        super::super::testing::assert_covers(&CHECK, seen.iter().copied());
    }

    #[test]
    fn waits_for_its_probe() {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, None, true);
        assert!(evaluate(&ctx, &Default::default()).is_none());
    }

    #[test]
    fn trouble_names_incidents_and_links_the_first() {
        let body = summary(
            "major",
            Some("partial_outage"),
            &[
                ("One", "major"),
                ("Two", "minor"),
                ("Three", "minor"),
                ("Four", "minor"),
            ],
            &["Five"],
        );
        let f = run(ok(&body));
        assert_eq!(
            f.facts,
            [
                Fact::StatusDescription("Desc".into()),
                Fact::ComponentState("partial_outage".into()),
                Fact::Incident("One".into()),
                Fact::Incident("Two".into()),
                Fact::Incident("Three".into()),
                Fact::Link("https://stspg.io/i1".into()),
            ]
        );
        assert!(reports_trouble(&f));
        assert!(!reports_trouble(&run(ok(&summary(
            "none",
            Some("operational"),
            &[],
            &[]
        )))));
        assert!(!reports_trouble(&run(Observation::Cancelled)));
    }

    #[test]
    fn unavailable_links_to_the_page() {
        assert_eq!(
            run(Observation::Rejected { elapsed_ms: 1.0 }).facts,
            [Fact::Link("https://status.claude.com".into())]
        );
        let rows = [
            (
                "https://status.example.com/api/v2/summary.json",
                "https://status.example.com",
            ),
            ("javascript:alert(1)", "https://status.claude.com"),
            (
                "https://a b/api/v2/summary.json",
                "https://status.claude.com",
            ),
        ];
        for (url, want) in rows {
            assert_eq!(page_link(url), want, "{url}");
        }
    }

    #[test]
    fn hostile_text_is_capped() {
        let long = "x".repeat(500);
        let body = summary(
            "critical",
            Some("major_outage"),
            &[(long.as_str(), "critical")],
            &[],
        )
        .replace("Desc", &long);
        for fact in run(ok(&body)).facts {
            if let Fact::Incident(s) | Fact::StatusDescription(s) = fact {
                assert!(s.chars().count() <= MAX_CHARS);
            }
        }
        let no_description = r#"{"status":{"indicator":"minor"},"components":[]}"#;
        assert_eq!(
            run(ok(no_description)).facts[0],
            Fact::StatusDescription("minor".into())
        );
    }

    #[test]
    fn incidents_elsewhere_table() {
        let rows = [
            ("Elevated errors on claude.ai", true),
            ("Claude Code sessions failing", true),
            ("Console login issues", true),
            ("Errors on claude.ai and the API", false),
            ("api.anthropic.com latency, claude.ai too", false),
            ("Elevated errors on Claude Sonnet", false),
            ("Rapid API-key revocations", false),
            ("", false),
        ];
        for (name, want) in rows {
            assert_eq!(clearly_elsewhere(name), want, "{name}");
        }
    }
}
