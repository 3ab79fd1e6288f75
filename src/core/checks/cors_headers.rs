//! `cors.headers`: for gateway operators, read natively: the gateway's answer to a browser's preflight and
//! to a browser's keyless request, header by header: which `Access-Control-*` header is missing, and on
//! which answers (a gateway that adds CORS only to successes makes every error unreadable in a browser).
//!
//! Natively only. A page can see only that a request was refused; from here every header can be read.
//! What a gateway's CORS lacks concerns browser apps alone, not the app this doctor runs beside, so every
//! outcome is information (with the fix for the gateway's operator): none fails or degrades a run.

use super::Check;
use crate::core::finding::{Fact, Finding, Layer, Outcome, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::{Observations, Response};
use crate::core::probe::ProbeId;

const CODE: &str = "cors.headers";

/// The origin the probes claim: a browser app's, on a name reserved for examples.
pub const ORIGIN: &str = "https://app.example";
/// The headers a browser app's preflight asks for: the API's own, the browser-access one, and both key
/// headers, since today's SDKs send a key as `Authorization: Bearer`.
pub const REQUESTED: [&str; 5] = [
    "anthropic-version",
    "anthropic-dangerous-direct-browser-access",
    "authorization",
    "content-type",
    "x-api-key",
];

pub static OPEN: Outcome = Outcome {
    id: "open",
    status: Status::Pass,
    layer: Layer::Cors,
    title: t!("Browsers may call it, errors included", "浏览器可以调用它，错误响应也可读取"),
    detail: t!(
        "The preflight allows every header a browser app sends, and a keyless request's error carries Access-Control-Allow-Origin, so a page can read errors as well as successes.",
        "预检允许浏览器应用发送的每个请求头，无密钥请求的错误响应也带有 Access-Control-Allow-Origin，因此网页既能读取成功响应，也能读取错误。",
    ),
    fix: None,
    snippets: &[],
};

pub static NO_CORS: Outcome = Outcome {
    id: "no_cors",
    status: Status::Info,
    layer: Layer::Cors,
    title: t!("No CORS: browsers cannot call it", "没有 CORS：浏览器无法调用它"),
    detail: t!(
        "Neither the preflight nor a request carries Access-Control-Allow-Origin. Server-side apps (the SDKs, Claude Code, curl) are not affected; a browser app gets only \"Failed to fetch\". If browser apps should call it, add CORS to the gateway.",
        "预检和请求都没有 Access-Control-Allow-Origin。服务器端应用（SDK、Claude Code、curl）不受影响；浏览器应用只会得到 \"Failed to fetch\"。如果需要浏览器应用调用它，请为网关添加 CORS。",
    ),
    fix: None,
    snippets: &[],
};

pub static PREFLIGHT_REFUSED: Outcome = Outcome {
    id: "preflight_refused",
    status: Status::Info,
    layer: Layer::Cors,
    title: t!("The preflight is refused", "预检被拒绝"),
    detail: t!(
        "Requests carry CORS headers, but the OPTIONS preflight gets an error status or no Access-Control-Allow-Origin, so a browser never sends the real request (every one carries custom headers, so every one is preflighted).",
        "请求带有 CORS 头，但 OPTIONS 预检得到错误状态或没有 Access-Control-Allow-Origin，因此浏览器根本不会发送真正的请求（每个请求都带自定义请求头，都需要预检）。",
    ),
    fix: Some(t!(
        "Answer OPTIONS before any key check or routing, with 204, Access-Control-Allow-Origin, Access-Control-Allow-Methods: GET, POST, OPTIONS and Access-Control-Allow-Headers naming anthropic-version, anthropic-dangerous-direct-browser-access, authorization, content-type, x-api-key.",
        "在任何密钥检查或路由之前响应 OPTIONS：返回 204，并带上 Access-Control-Allow-Origin、Access-Control-Allow-Methods: GET, POST, OPTIONS，以及列出 anthropic-version、anthropic-dangerous-direct-browser-access、authorization、content-type、x-api-key 的 Access-Control-Allow-Headers。",
    )),
    snippets: &[],
};

pub static HEADERS_MISSING: Outcome = Outcome {
    id: "headers_missing",
    status: Status::Info,
    layer: Layer::Cors,
    title: t!(
        "The preflight does not allow every header",
        "预检没有允许所有请求头",
    ),
    detail: t!(
        "Access-Control-Allow-Headers lacks the names below, so a browser refuses requests that carry them. A wildcard (*) does not cover Authorization: it must be named.",
        "Access-Control-Allow-Headers 中缺少下列名称，浏览器会拒绝带有这些请求头的请求。通配符（*）不包括 Authorization：它必须单独列出。",
    ),
    fix: Some(t!(
        "Add the missing names to Access-Control-Allow-Headers (all of anthropic-version, anthropic-dangerous-direct-browser-access, authorization, content-type, x-api-key).",
        "将缺少的名称加入 Access-Control-Allow-Headers（anthropic-version、anthropic-dangerous-direct-browser-access、authorization、content-type、x-api-key 全部都要）。",
    )),
    snippets: &[],
};

pub static ERRORS_WITHOUT_CORS: Outcome = Outcome {
    id: "errors_without_cors",
    status: Status::Info,
    layer: Layer::Cors,
    title: t!(
        "Errors carry no CORS headers",
        "错误响应不带 CORS 头",
    ),
    detail: t!(
        "The preflight is fine, but the keyless request's error answer has no Access-Control-Allow-Origin: the gateway adds CORS only to successes. In a browser every error (a bad key, a rate limit, an overload) then looks like \"Connection error.\", with no status and no message.",
        "预检正常，但无密钥请求的错误响应没有 Access-Control-Allow-Origin：网关只给成功响应加 CORS。于是在浏览器中，每个错误（密钥错误、限流、过载）都会显示为 \"Connection error.\"，没有状态码也没有消息。",
    ),
    fix: Some(t!(
        "Send the CORS headers on every answer, errors included: nginx add_header … always; Express cors() before the routes; Cloudflare Workers set them on the error Response too.",
        "在每个响应上（包括错误）都发送 CORS 头：nginx 使用 add_header … always；Express 在路由之前使用 cors()；Cloudflare Workers 也要在错误 Response 上设置。",
    )),
    snippets: &[],
};

pub static NOT_RUN: Outcome = super::not_run(Layer::Cors);

pub static CHECK: Check = Check {
    code: CODE,
    wire: 21,
    applies: Applies::NativeOnly,
    layer: Layer::Cors,
    title: t!("CORS headers, read natively", "CORS 头（原生读取）"),
    depends_on: &["tls.trust"],
    probes: &[ProbeId::CorsHeaders(0), ProbeId::CorsHeaders(1)],
    outcomes: &[
        (0, &OPEN),
        (1, &NO_CORS),
        (2, &PREFLIGHT_REFUSED),
        (3, &HEADERS_MISSING),
        (4, &ERRORS_WITHOUT_CORS),
        (5, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

/// Whether an answer lets the probes' origin read it.
fn allows_origin(r: &Response) -> bool {
    r.header("access-control-allow-origin")
        .is_some_and(|v| v.trim() == "*" || v.trim().eq_ignore_ascii_case(ORIGIN))
}

/// The requested headers a preflight's `Access-Control-Allow-Headers` does not allow. A wildcard allows
/// every name but `authorization`, which must be listed by name.
pub fn missing_headers(r: &Response) -> Vec<&'static str> {
    let allowed: Vec<String> = r
        .header("access-control-allow-headers")
        .unwrap_or("")
        .split(',')
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    let wildcard = allowed.iter().any(|n| n == "*");
    REQUESTED
        .into_iter()
        .filter(|name| {
            let named = allowed.iter().any(|n| n == name);
            !(named || wildcard && *name != "authorization")
        })
        .collect()
}

fn evaluate(_: &Context, obs: &Observations) -> Option<Finding> {
    if super::IN_PAGE {
        return None;
    }
    let preflight = obs.get(&ProbeId::CorsHeaders(0))?;
    let request = obs.get(&ProbeId::CorsHeaders(1))?;
    let (Some(p), Some(g)) = (preflight.readable(), request.readable()) else {
        return Some(Finding::new(CODE, &NOT_RUN));
    };
    let status = |r: &Response| Fact::HttpStatus(r.status);
    if !allows_origin(p) && !allows_origin(g) {
        return Some(Finding::new(CODE, &NO_CORS).with(status(p)));
    }
    if !(200..300).contains(&p.status) || !allows_origin(p) {
        return Some(Finding::new(CODE, &PREFLIGHT_REFUSED).with(status(p)));
    }
    let missing = missing_headers(p);
    if !missing.is_empty() {
        return Some(
            Finding::new(CODE, &HEADERS_MISSING)
                .with_all(missing.into_iter().map(|n| Fact::Offending(n.to_string()))),
        );
    }
    if !allows_origin(g) {
        return Some(Finding::new(CODE, &ERRORS_WITHOUT_CORS).with(status(g)));
    }
    Some(Finding::new(CODE, &OPEN).with(status(g)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::resp;
    use crate::core::input::Vantage;
    use crate::core::key::AuthMode;
    use crate::core::observation::Observation;

    fn answer(status: u16, headers: &[(&str, &str)]) -> Observation {
        Observation::Response(resp(status, "application/json", "{}", headers))
    }

    #[test]
    fn outcomes_table() {
        let all = "anthropic-version, anthropic-dangerous-direct-browser-access, authorization, content-type, x-api-key";
        let ok_preflight = answer(
            204,
            &[
                ("access-control-allow-origin", "*"),
                ("access-control-allow-headers", all),
            ],
        );
        let readable_401 = answer(401, &[("access-control-allow-origin", "*")]);
        let bare_401 = answer(401, &[]);
        let rows = [
            (ok_preflight.clone(), readable_401.clone(), "open"),
            (answer(404, &[]), bare_401.clone(), "no_cors"),
            (
                answer(500, &[("access-control-allow-origin", "*")]),
                readable_401.clone(),
                "preflight_refused",
            ),
            (answer(204, &[]), readable_401.clone(), "preflight_refused"),
            (
                answer(
                    204,
                    &[
                        ("access-control-allow-origin", "*"),
                        ("access-control-allow-headers", "*"),
                    ],
                ),
                readable_401.clone(),
                "headers_missing",
            ),
            (
                answer(
                    204,
                    &[
                        ("access-control-allow-origin", ORIGIN),
                        ("access-control-allow-headers", "content-type"),
                    ],
                ),
                readable_401.clone(),
                "headers_missing",
            ),
            (ok_preflight.clone(), bare_401, "errors_without_cors"),
            (
                Observation::Rejected { elapsed_ms: 1.0 },
                readable_401,
                "not_run",
            ),
        ];
        let ctx = Context::new("https://gw.example.com", AuthMode::Bearer, None, false)
            .from_vantage(Vantage::Native);
        let mut produced = Vec::new();
        for (p, g, want) in rows {
            let obs = [
                (ProbeId::CorsHeaders(0), p.clone()),
                (ProbeId::CorsHeaders(1), g.clone()),
            ]
            .into_iter()
            .collect();
            assert_eq!(
                evaluate(&ctx, &obs).unwrap().outcome.id,
                want,
                "{p:?} {g:?}"
            );
            produced.push(want);
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }

    #[test]
    fn a_wildcard_does_not_cover_authorization() {
        let Observation::Response(r) = answer(204, &[("access-control-allow-headers", "*")]) else {
            unreachable!()
        };
        assert_eq!(missing_headers(&r), ["authorization"]);
    }
}
