//! `cors.read`: can this page read the API's answers? A keyless, readable `GET /v1/models` with the
//! browser-access header: a readable 401 proves the whole path works for browsers.
//!
//! Read together with `network.reach`: the host answered a plain request, so a rejection here is the
//! browser refusing to let the page read the answer — CORS — whatever sent it.

use super::{body, Check, NOT_RUN_DETAIL, NOT_RUN_TITLE};
use crate::core::finding::{Fact, Finding, Layer, Outcome, Snippet, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::{Observation, Observations, Response, ResponseKind};
use crate::core::probe::ProbeId;
use crate::core::reply::{self, Reply};

const CODE: &str = "cors.read";

pub static READABLE: Outcome = Outcome {
    id: "readable",
    status: Status::Pass,
    layer: Layer::Cors,
    title: t("The API answers this browser readably", "API 的响应可被本浏览器读取"),
    detail: t(
        "A request without a key came back as the API's own readable answer, with CORS allowed: the path from this browser to the API works.",
        "一个不带密钥的请求得到了 API 自身的、允许 CORS 的可读响应：从这个浏览器到 API 的路径是通的。",
    ),
    fix: None,
    snippets: &[],
};

pub static OPEN_WITHOUT_KEY: Outcome = Outcome {
    id: "open_without_key",
    status: Status::Pass,
    layer: Layer::Cors,
    title: t("The target answered without a key", "目标在没有密钥的情况下给出了响应"),
    detail: t(
        "The model list came back without any key: this is a gateway that adds its own credentials. Browsers can read it.",
        "没有提供任何密钥也返回了模型列表：这是一个自行附加凭据的网关。浏览器可以读取它的响应。",
    ),
    fix: None,
    snippets: &[],
};

pub static UNEXPECTED: Outcome = Outcome {
    id: "unexpected",
    status: Status::Warn,
    layer: Layer::Cors,
    title: t("Readable, but not the API's usual answer", "可以读取，但不是 API 的常规响应"),
    detail: t(
        "CORS works, but the answer does not look like the Claude API's: a gateway with its own format, or a different service at this address.",
        "CORS 正常，但响应看起来不像 Claude API 的：可能是使用自有格式的网关，或者这个地址上是别的服务。",
    ),
    fix: Some(t(
        "Check that the base URL points at the Anthropic-compatible route of your gateway.",
        "确认基础 URL 指向网关中兼容 Anthropic 的路由。",
    )),
    snippets: &[],
};

pub static SERVICE_ERROR: Outcome = Outcome {
    id: "service_error",
    status: Status::Warn,
    layer: Layer::Service,
    title: t("Readable, but the service answered with an error", "可以读取，但服务返回了错误"),
    detail: t(
        "The browser path works, yet even a keyless request got a server error or an overload response.",
        "浏览器路径正常，但即使是不带密钥的请求也收到了服务器错误或过载响应。",
    ),
    fix: Some(t(
        "Check status.claude.com; the SDKs retry these automatically (max_retries, default 2). Keep the request id for support.",
        "查看 status.claude.com；SDK 会自动重试这类错误（max_retries，默认 2 次）。请保留请求 ID 以便联系支持。",
    )),
    snippets: &[],
};

pub static EDGE_ERROR: Outcome = Outcome {
    id: "edge_error",
    status: Status::Fail,
    layer: Layer::Service,
    title: t(
        "The edge could not reach the service",
        "边缘节点无法连接到服务",
    ),
    detail: t(
        "The answer came from the CDN in front of the API (a 52x error), not from the API itself.",
        "响应来自 API 前面的 CDN（52x 错误），而不是 API 本身。",
    ),
    fix: Some(t(
        "Usually brief: retry in a minute and check status.claude.com.",
        "通常很快恢复：一分钟后重试，并查看 status.claude.com。",
    )),
    snippets: &[],
};

pub static NOT_FOUND: Outcome = Outcome {
    id: "not_found",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t("No API at this path (404)", "该路径下没有 API（404）"),
    detail: t(
        "The host answered readably, but /v1/models under this base URL does not exist: the base path is probably wrong.",
        "主机给出了可读响应，但该基础 URL 下不存在 /v1/models：基础路径很可能填错了。",
    ),
    fix: Some(t(
        "Check the gateway's documented base URL; it is the part before /v1, without /v1.",
        "查看网关文档中的基础 URL；它是 /v1 之前的部分，不包含 /v1。",
    )),
    snippets: &[],
};

pub static REGION: Outcome = Outcome {
    id: "region",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t("Request not allowed: an unsupported region", "请求不被允许：不受支持的地区"),
    detail: t(
        "The edge answered 403 \"Request not allowed\": the API is not offered where this connection comes from.",
        "边缘节点返回了 403 \"Request not allowed\"：该连接所在的地区不提供 API 服务。",
    ),
    fix: Some(t(
        "Use the API from a supported country or region (see Anthropic's supported regions list); a VPN exit elsewhere can trigger this too.",
        "请在受支持的国家或地区使用 API（参见 Anthropic 的支持地区列表）；VPN 的出口节点位于其他地区也可能导致这一问题。",
    )),
    snippets: &[],
};

pub static NOT_API: Outcome = Outcome {
    id: "not_api",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t("A web page answered instead of the API", "返回的是网页，而不是 API"),
    detail: t(
        "An HTML page came back: a captive portal (hotel or airport Wi-Fi login), a corporate proxy's notice, or an edge challenge.",
        "返回的是一个 HTML 页面：可能是强制门户（酒店或机场 Wi-Fi 登录页）、企业代理的提示页，或边缘节点的验证页面。",
    ),
    fix: Some(t(
        "Open the base URL in a new tab to see the page; log in to the network or ask IT to allow api.anthropic.com.",
        "在新标签页中打开基础 URL 查看该页面；登录网络，或请 IT 部门放行 api.anthropic.com。",
    )),
    snippets: &[],
};

pub static REFUSED: Outcome = Outcome {
    id: "refused",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t("The host answers, but this page may not read it", "主机有响应，但本页面无法读取"),
    detail: t(
        "A plain request got an answer, yet the readable one was refused by the browser: the answer lacked CORS headers. Likely causes, most likely first: a gateway or proxy without CORS; an unsupported region (the edge's 403 carries no CORS headers); an edge challenge page; a corporate proxy answering instead of the API.",
        "普通请求得到了响应，但可读请求被浏览器拒绝：响应缺少 CORS 头。可能的原因（按可能性排序）：网关或代理未启用 CORS；所在地区不受支持（边缘节点的 403 不带 CORS 头）；边缘节点的验证页面；企业代理代替 API 作出了响应。",
    ),
    fix: Some(t(
        "A gateway: allow CORS (Access-Control-Allow-Origin, and the headers x-api-key, anthropic-version, anthropic-dangerous-direct-browser-access, content-type, authorization). The real API: check that you are in a supported region, and run curl -i against /v1/models to see the status.",
        "如果是网关：启用 CORS（Access-Control-Allow-Origin，并允许 x-api-key、anthropic-version、anthropic-dangerous-direct-browser-access、content-type、authorization 这些请求头）。如果是官方 API：确认你所在的地区受支持，并用 curl -i 请求 /v1/models 查看状态码。",
    )),
    snippets: &[Snippet {
        tool: "curl",
        code: "curl -i https://api.anthropic.com/v1/models -H 'anthropic-version: 2026-10-21'",
    }],
};

pub static TIMED_OUT: Outcome = Outcome {
    id: "timed_out",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t("The readable request timed out", "可读请求超时"),
    detail: t(
        "A plain request was answered, but the readable one (with its CORS preflight) got no answer in time: a gateway or proxy that stalls on preflight or on custom headers.",
        "普通请求得到了响应，但可读请求（及其 CORS 预检）未能及时得到响应：网关或代理在处理预检或自定义请求头时卡住了。",
    ),
    fix: Some(t(
        "Make the gateway answer OPTIONS requests at once with the CORS headers.",
        "让网关立即以 CORS 头响应 OPTIONS 请求。",
    )),
    snippets: &[],
};

pub static NOT_RUN: Outcome = Outcome {
    id: "not_run",
    status: Status::Info,
    layer: Layer::Cors,
    title: NOT_RUN_TITLE,
    detail: NOT_RUN_DETAIL,
    fix: None,
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 5,
    applies: Applies::BrowserOnly,
    layer: Layer::Cors,
    title: t("Reading the API from a browser", "在浏览器中读取 API"),
    depends_on: &["network.reach"],
    probes: &[ProbeId::CorsRead],
    outcomes: &[
        (0, &READABLE),
        (1, &OPEN_WITHOUT_KEY),
        (2, &UNEXPECTED),
        (3, &SERVICE_ERROR),
        (4, &EDGE_ERROR),
        (5, &NOT_FOUND),
        (6, &REGION),
        (7, &NOT_API),
        (8, &REFUSED),
        (9, &TIMED_OUT),
        (10, &NOT_RUN),
        (11, &body::BODY_STALLED),
        (12, &body::BODY_CUT),
        (13, &body::BODY_TOO_LARGE),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(_: &Context, obs: &Observations) -> Option<Finding> {
    Some(match obs.get(&ProbeId::CorsRead)? {
        Observation::Response(r) => readable(r),
        Observation::Rejected { elapsed_ms } => {
            Finding::new(CODE, &REFUSED).with(Fact::Elapsed(*elapsed_ms))
        }
        Observation::TimedOut { after_ms } => {
            Finding::new(CODE, &TIMED_OUT).with(Fact::TimeoutMs(*after_ms))
        }
        Observation::Cancelled | Observation::NotSent(_) | Observation::Series { .. } => {
            Finding::new(CODE, &NOT_RUN)
        }
    })
}

/// Classifies a response the page could read.
fn readable(r: &Response) -> Finding {
    if r.kind != ResponseKind::Readable {
        // This probe follows redirects and is readable by construction; anything else is not the API's answer.
        return Finding::new(CODE, &UNEXPECTED).with(Fact::Elapsed(r.elapsed_ms));
    }
    let reply = reply::classify(r);
    if let Some(outcome) = body::judge(r, &reply) {
        return Finding::new(CODE, outcome).with_all(reply::response_facts(r));
    }
    let outcome = match (r.status, reply) {
        (_, Reply::Html { title }) => {
            let finding = Finding::new(CODE, &NOT_API);
            return match title {
                Some(title) => finding.with(Fact::PageTitle(title)),
                None => finding,
            }
            .with_all(reply::response_facts(r));
        }
        (_, Reply::RegionBlock) => &REGION,
        (_, Reply::EdgeError { .. }) => &EDGE_ERROR,
        (404, _) => &NOT_FOUND,
        (500..=599, Reply::ApiError { .. }) => &SERVICE_ERROR,
        (200, Reply::Models { .. }) => &OPEN_WITHOUT_KEY,
        (_, Reply::ApiError { .. }) => &READABLE,
        _ => &UNEXPECTED,
    };
    Finding::new(CODE, outcome).with_all(reply::response_facts(r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{api_error, resp};
    use crate::core::key::AuthMode;
    use crate::core::observation::BodyState;

    fn outcome(obs: Observation) -> &'static str {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, None, true);
        let all = [(ProbeId::CorsRead, obs)].into_iter().collect();
        evaluate(&ctx, &all).unwrap().outcome.id
    }

    #[test]
    fn outcomes_table() {
        let json = "application/json";
        let no_key = api_error("authentication_error", "x-api-key header is required");
        let rows = [
            (
                Observation::Response(resp(401, json, &no_key, &[("request-id", "req_1")])),
                "readable",
            ),
            (
                Observation::Response(resp(
                    400,
                    json,
                    &api_error("invalid_request_error", "x"),
                    &[],
                )),
                "readable",
            ),
            (
                Observation::Response(resp(200, json, r#"{"data":[{"id":"claude-x"}]}"#, &[])),
                "open_without_key",
            ),
            (
                Observation::Response(resp(401, "text/plain", "Unauthorized", &[])),
                "unexpected",
            ),
            (
                Observation::Response(resp(
                    500,
                    json,
                    &api_error("api_error", "Internal server error"),
                    &[],
                )),
                "service_error",
            ),
            (
                Observation::Response(resp(
                    529,
                    json,
                    &api_error("overloaded_error", "Overloaded"),
                    &[],
                )),
                "service_error",
            ),
            (
                Observation::Response(resp(
                    520,
                    "application/problem+json",
                    r#"{"cloudflare_error":true,"status":520}"#,
                    &[],
                )),
                "edge_error",
            ),
            (
                Observation::Response(resp(
                    404,
                    json,
                    &api_error("not_found_error", "Not Found"),
                    &[],
                )),
                "not_found",
            ),
            (
                Observation::Response(resp(
                    403,
                    json,
                    r#"{"error":{"type":"forbidden","message":"Request not allowed"}}"#,
                    &[],
                )),
                "region",
            ),
            (
                Observation::Response(resp(200, "text/html", "<title>Wi-Fi login</title>", &[])),
                "not_api",
            ),
            (crate::core::fixtures::opaque(5.0), "unexpected"),
            (Observation::Rejected { elapsed_ms: 12.0 }, "refused"),
            (super::body::ended(BodyState::TimedOut), "body_stalled"),
            (super::body::ended(BodyState::Broken), "body_cut"),
            (super::body::ended(BodyState::Truncated), "body_too_large"),
            (Observation::TimedOut { after_ms: 10_000 }, "timed_out"),
            (Observation::Cancelled, "not_run"),
        ];
        let mut produced = Vec::new();
        for (obs, want) in rows {
            produced.push(want);
            assert_eq!(outcome(obs.clone()), want, "{obs:?}");
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }

    #[test]
    fn readable_401_yields_request_id_and_edge() {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, None, true);
        let r = resp(
            401,
            "application/json",
            &api_error("authentication_error", "x"),
            &[("request-id", "req_9"), ("cf-ray", "abc-NRT")],
        );
        let all = [(ProbeId::CorsRead, Observation::Response(r))]
            .into_iter()
            .collect();
        let f = evaluate(&ctx, &all).unwrap();
        assert!(
            f.facts.contains(&Fact::RequestId("req_9".into()))
                && f.facts.contains(&Fact::Edge("NRT".into()))
        );
    }

    #[test]
    fn html_page_title_is_a_fact() {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, None, true);
        let r = resp(
            403,
            "text/html",
            "<html><title>Just a moment...</title>",
            &[],
        );
        let all = [(ProbeId::CorsRead, Observation::Response(r))]
            .into_iter()
            .collect();
        assert!(evaluate(&ctx, &all)
            .unwrap()
            .facts
            .contains(&Fact::PageTitle("Just a moment...".into())));
    }
}
