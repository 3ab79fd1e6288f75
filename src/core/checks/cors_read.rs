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
use crate::core::probe::{ProbeId, PREFLIGHT_HEADERS};
use crate::core::reply::{self, Reply};

const CODE: &str = "cors.read";

pub static READABLE: Outcome = Outcome {
    id: "readable",
    status: Status::Pass,
    layer: Layer::Cors,
    title: t!("The API answers this browser readably", "API 的响应可被本浏览器读取"),
    detail: t!(
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
    title: t!("The target answered without a key", "目标在没有密钥的情况下给出了响应"),
    detail: t!(
        "The model list came back without any key, readably: this server does not require one (a gateway that adds its own credentials, a local proxy, or a mock). So a key sent to it proves nothing about the key; see the key check.",
        "没有提供任何密钥也以可读的方式返回了模型列表：这个服务器不要求密钥（可能是自行附加凭据的网关、本地代理或模拟服务）。因此向它发送密钥并不能证明密钥有效，请看密钥检测。",
    ),
    fix: None,
    snippets: &[],
};

pub static UNEXPECTED: Outcome = Outcome {
    id: "unexpected",
    status: Status::Warn,
    layer: Layer::Cors,
    title: t!("Readable, but not the API's usual answer", "可以读取，但不是 API 的常规响应"),
    detail: t!(
        "CORS works, but the answer does not look like the Claude API's: a gateway with its own format, or a different service at this address.",
        "CORS 正常，但响应看起来不像 Claude API 的：可能是使用自有格式的网关，或者这个地址上是别的服务。",
    ),
    fix: Some(t!(
        "Check that the base URL points at the Anthropic-compatible route of your gateway.",
        "确认基础 URL 指向网关中兼容 Anthropic 的路由。",
    )),
    snippets: &[],
};

pub static SERVICE_ERROR: Outcome = Outcome {
    id: "service_error",
    status: Status::Warn,
    layer: Layer::Service,
    title: t!("Readable, but the service answered with an error", "可以读取，但服务返回了错误"),
    detail: t!(
        "The browser path works, yet even a keyless request got a server error or an overload response.",
        "浏览器路径正常，但即使是不带密钥的请求也收到了服务器错误或过载响应。",
    ),
    fix: Some(t!(
        "Check status.claude.com; the SDKs retry these automatically (max_retries, default 2). Keep the request id for support.",
        "查看 status.claude.com；SDK 会自动重试这类错误（max_retries，默认 2 次）。请保留请求 ID 以便联系支持。",
    )),
    snippets: &[],
};

pub static EDGE_ERROR: Outcome = Outcome {
    id: "edge_error",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!(
        "The edge could not reach the service",
        "边缘节点无法连接到服务",
    ),
    detail: t!(
        "The answer came from the CDN in front of the API (a 52x error), not from the API itself.",
        "响应来自 API 前面的 CDN（52x 错误），而不是 API 本身。",
    ),
    fix: Some(t!(
        "Usually brief: retry in a minute and check status.claude.com.",
        "通常很快恢复：一分钟后重试，并查看 status.claude.com。",
    )),
    snippets: &[],
};

pub static NOT_FOUND: Outcome = Outcome {
    id: "not_found",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t!("No API at this path (404)", "该路径下没有 API（404）"),
    detail: t!(
        "The host answered readably, but /v1/models under this base URL does not exist: the base path is probably wrong.",
        "主机给出了可读响应，但该基础 URL 下不存在 /v1/models：基础路径很可能填错了。",
    ),
    fix: Some(t!(
        "Check the gateway's documented base URL; it is the part before /v1, without /v1.",
        "查看网关文档中的基础 URL；它是 /v1 之前的部分，不包含 /v1。",
    )),
    snippets: &[],
};

pub static REGION: Outcome = Outcome {
    id: "region",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t!("Request not allowed: an unsupported region", "请求不被允许：不受支持的地区"),
    detail: t!(
        "The edge answered 403 \"Request not allowed\": the API is not offered where this connection comes from.",
        "边缘节点返回了 403 \"Request not allowed\"：该连接所在的地区不提供 API 服务。",
    ),
    fix: Some(t!(
        "Use the API from a supported country or region (see Anthropic's supported regions list); a VPN exit elsewhere can trigger this too.",
        "请在受支持的国家或地区使用 API（参见 Anthropic 的支持地区列表）；VPN 的出口节点位于其他地区也可能导致这一问题。",
    )),
    snippets: &[],
};

pub static NOT_API: Outcome = Outcome {
    id: "not_api",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t!("A web page answered instead of the API", "返回的是网页，而不是 API"),
    detail: t!(
        "An HTML page came back: a captive portal (hotel or airport Wi-Fi login), a corporate proxy's notice, or an edge challenge.",
        "返回的是一个 HTML 页面：可能是强制门户（酒店或机场 Wi-Fi 登录页）、企业代理的提示页，或边缘节点的验证页面。",
    ),
    fix: Some(t!(
        "Open the base URL in a new tab to see the page; log in to the network or ask IT to allow api.anthropic.com.",
        "在新标签页中打开基础 URL 查看该页面；登录网络，或请 IT 部门放行 api.anthropic.com。",
    )),
    snippets: &[],
};

pub static REFUSED: Outcome = Outcome {
    id: "refused",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t!("The host answers, but this page may not read it", "主机有响应，但本页面无法读取"),
    detail: t!(
        "A plain request got an answer, yet the readable one was refused by the browser: the answer lacked CORS headers. Likely causes, most likely first: a gateway or proxy without CORS; an unsupported region (the edge's 403 carries no CORS headers); an edge challenge page; a corporate proxy answering instead of the API; a redirect (a captive portal's login page, a moved base URL), which a browser does not let a page see when it carries no CORS headers.",
        "普通请求得到了响应，但可读请求被浏览器拒绝：响应缺少 CORS 头。可能的原因（按可能性排序）：网关或代理未启用 CORS；所在地区不受支持（边缘节点的 403 不带 CORS 头）；边缘节点的验证页面；企业代理代替 API 作出了响应；重定向（强制门户的登录页、已迁移的基础 URL）——不带 CORS 头的重定向，浏览器不会让页面看到。",
    ),
    fix: Some(t!(
        "A gateway: allow CORS (Access-Control-Allow-Origin, and the headers x-api-key, anthropic-version, anthropic-dangerous-direct-browser-access, content-type, authorization). The real API: check that you are in a supported region. Either way, curl -i against /v1/models shows the status, and a Location header if it redirects.",
        "如果是网关：启用 CORS（Access-Control-Allow-Origin，并允许 x-api-key、anthropic-version、anthropic-dangerous-direct-browser-access、content-type、authorization 这些请求头）。如果是官方 API：确认你所在的地区受支持。无论哪种情况，用 curl -i 请求 /v1/models 都能看到状态码，如有重定向还会看到 Location 响应头。",
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
    title: t!("The readable request timed out", "可读请求超时"),
    detail: t!(
        "A plain request was answered, but the readable one (with its CORS preflight) got no answer in time: a gateway or proxy that stalls on preflight or on custom headers.",
        "普通请求得到了响应，但可读请求（及其 CORS 预检）未能及时得到响应：网关或代理在处理预检或自定义请求头时卡住了。",
    ),
    fix: Some(t!(
        "Make the gateway answer OPTIONS requests at once with the CORS headers.",
        "让网关立即以 CORS 头响应 OPTIONS 请求。",
    )),
    snippets: &[],
};

pub static ERRORS_UNREADABLE: Outcome = Outcome {
    id: "errors_unreadable",
    status: Status::Warn,
    layer: Layer::Cors,
    title: t!(
        "Only successful answers can be read: errors will look like \"Connection error.\"",
        "只有成功的响应可读：错误会表现为 \"Connection error.\"",
    ),
    detail: t!(
        "The request with the key was read and succeeded, so this browser path works for real calls. The same request without a key, which gets an error, could not be read: the gateway adds its CORS headers only to successful responses (nginx's add_header without always is the classic), or only to requests that carry a key. So every error the app meets, a bad key, a rate limit, an overload, will reach it as an opaque \"Connection error.\" instead of the API's message.",
        "带密钥的请求可以读取且成功了，因此这条浏览器路径对真实调用是通的。但不带密钥的同一请求（得到的是错误）无法读取：网关只给成功的响应加上 CORS 头（典型情况是 nginx 的 add_header 没有加 always），或者只给带密钥的请求加上。因此应用遇到的每一个错误——密钥错误、限流、过载——都会变成不透明的 \"Connection error.\"，而不是 API 的错误消息。",
    ),
    fix: Some(t!(
        "Send the CORS headers on every response, errors included: in nginx, add always to each add_header (add_header Access-Control-Allow-Origin * always;); in Express, mount cors() before the proxy, the key check and the error handler; in a Cloudflare Worker or another function, set the headers on the error responses it returns too.",
        "让每个响应（包括错误响应）都带上 CORS 头：nginx 中给每条 add_header 加上 always（add_header Access-Control-Allow-Origin * always;）；Express 中把 cors() 挂在代理、密钥检查和错误处理之前；Cloudflare Worker 或其他函数中，也要在返回的错误响应上设置这些头。",
    )),
    snippets: &[],
};

pub static KEYLESS_UNREADABLE: Outcome = Outcome {
    id: "keyless_unreadable",
    status: Status::Warn,
    layer: Layer::Cors,
    title: t!(
        "Requests with the key can be read; without one, not",
        "带密钥的请求可读，不带密钥的不可读",
    ),
    detail: t!(
        "The request with the key came back readable (its answer is judged by the key check), so this browser path works for calls that carry a key. The same request without a key could not be read: whatever answers unkeyed requests (a gateway's own authentication, a rule for anonymous traffic) sends no CORS headers, and the errors it produces will reach the app as \"Connection error.\".",
        "带密钥的请求得到了可读的响应（其结果见密钥检测），因此这条浏览器路径对带密钥的调用是通的。但不带密钥的同一请求无法读取：处理无密钥请求的那一层（网关自身的认证、针对匿名流量的规则）没有发送 CORS 头，它产生的错误会以 \"Connection error.\" 的形式出现在应用中。",
    ),
    fix: Some(t!(
        "Make the gateway send the CORS headers on its own refusals too (its 401 for a missing key), not only on what it passes on.",
        "让网关在它自己的拒绝响应（例如缺少密钥时的 401）上也发送 CORS 头，而不只是在转发的响应上。",
    )),
    snippets: &[],
};

pub static PREFLIGHT_FAILED: Outcome = Outcome {
    id: "preflight_failed",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t!(
        "The gateway answers plain requests, but its CORS preflight fails",
        "网关能响应普通请求，但 CORS 预检失败",
    ),
    detail: t!(
        "A readable request without custom headers (which needs no preflight) was read, but the same request with the headers the SDK sends was refused, and so was a request with any single custom header, even content-type: the gateway's answer to the OPTIONS preflight fails (an error status, a 404 or a redirect for OPTIONS, an authentication check that rejects it, or no Access-Control-Allow-Origin on it), or never comes.",
        "一个不带自定义请求头（无需预检）的可读请求可以读取，但带上 SDK 所发请求头的同一请求被拒绝，而且只带任意一个自定义请求头（哪怕是 content-type）的请求也被拒绝：网关对 OPTIONS 预检的响应失败了（返回错误状态码、对 OPTIONS 返回 404 或重定向、认证检查拒绝了它，或者响应中没有 Access-Control-Allow-Origin），或者根本没有响应。",
    ),
    fix: Some(t!(
        "Answer OPTIONS on every path at once, before any authentication (browsers send the preflight without the key), with 204, Access-Control-Allow-Origin, Access-Control-Allow-Methods: GET, POST, OPTIONS and Access-Control-Allow-Headers: x-api-key, authorization, anthropic-version, anthropic-dangerous-direct-browser-access, content-type.",
        "在所有路径上立即响应 OPTIONS，且放在任何认证之前（浏览器发送预检时不带密钥）：返回 204，以及 Access-Control-Allow-Origin、Access-Control-Allow-Methods: GET, POST, OPTIONS 和 Access-Control-Allow-Headers: x-api-key, authorization, anthropic-version, anthropic-dangerous-direct-browser-access, content-type。",
    )),
    snippets: &[],
};

pub static HEADER_NOT_ALLOWED: Outcome = Outcome {
    id: "header_not_allowed",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t!(
        "The CORS preflight does not allow a header the SDK sends",
        "CORS 预检不允许 SDK 发送的某个请求头",
    ),
    detail: t!(
        "Requests without custom headers, and with content-type, were read; with the header named below they were refused: the gateway's preflight answers, but its Access-Control-Allow-Headers does not list that name. The SDK sends it on every request from a browser.",
        "不带自定义请求头以及带 content-type 的请求都可以读取，但带上下方所列请求头后就被拒绝：网关会响应预检，但其 Access-Control-Allow-Headers 中没有列出该名称。SDK 在浏览器中的每个请求都会发送它。",
    ),
    fix: Some(t!(
        "Add the header named below to the gateway's Access-Control-Allow-Headers, with the rest the SDK sends: x-api-key, authorization, anthropic-version, anthropic-dangerous-direct-browser-access, content-type.",
        "把下方所列的请求头加入网关的 Access-Control-Allow-Headers，并一同加入 SDK 发送的其他请求头：x-api-key、authorization、anthropic-version、anthropic-dangerous-direct-browser-access、content-type。",
    )),
    snippets: &[],
};

pub static REDIRECTED: Outcome = Outcome {
    id: "redirected",
    status: Status::Warn,
    layer: Layer::Cors,
    title: t!("The base URL redirects", "基础 URL 发生了重定向"),
    detail: t!(
        "The request without a key was sent on to the address below and read there: the path works through the redirect. Browsers follow it; an SDK may not, and this page does not follow it with the key, since a key header can travel on to wherever a redirect points.",
        "不带密钥的请求被转到了下方所列的地址，并在那里被读取：经过重定向后路径是通的。浏览器会跟随重定向，但 SDK 不一定会；本页面也不会带着密钥跟随，因为携带密钥的请求头可能被带到重定向所指的任何地方。",
    ),
    fix: Some(t!(
        "If you trust the host it points to, use that address (the part before /v1/models) as the base URL.",
        "如果信任它所指向的主机，就把该地址（/v1/models 之前的部分）用作基础 URL。",
    )),
    snippets: &[],
};

pub static REDIRECTED_ELSEWHERE: Outcome = Outcome {
    id: "redirected_elsewhere",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t!("Redirected somewhere that is not the API", "被重定向到了不是 API 的地方"),
    detail: t!(
        "The request without a key was redirected to the address below, and what answered there is not the API: a captive portal's login page (hotel or airport Wi-Fi), a corporate proxy's notice, or a base URL that has moved.",
        "不带密钥的请求被重定向到了下方所列的地址，而在那里响应的不是 API：可能是强制门户的登录页（酒店或机场 Wi-Fi）、企业代理的提示页，或者基础 URL 已经迁移。",
    ),
    fix: Some(t!(
        "Open the base URL in a new tab to see where it leads; log in to the network, or ask whoever runs the gateway for its current address.",
        "在新标签页中打开基础 URL 查看它跳转到哪里；登录网络，或向网关的管理者询问其当前地址。",
    )),
    snippets: &[],
};

pub static REDIRECT_HIDDEN: Outcome = Outcome {
    id: "redirect_hidden",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t!(
        "The target redirects, and the browser does not show where",
        "目标发生了重定向，但浏览器不显示去向",
    ),
    detail: t!(
        "A request without custom headers was answered with a redirect that allows cross-origin reads, so the page knows it is one; but a browser never lets a page see where a redirect points, and the request that followed it could not be read at its destination (no CORS there, or a loop). A moved base URL or an http to https hop behaves this way.",
        "一个不带自定义请求头的请求得到了允许跨源读取的重定向响应，因此页面知道这是一次重定向；但浏览器从不让页面看到重定向指向哪里，而跟随重定向的请求在目的地无法读取（那里没有 CORS，或者形成了循环）。已迁移的基础 URL，或从 http 跳转到 https，都会这样。",
    ),
    fix: Some(t!(
        "Run curl -i against the base URL: its Location header says where the redirect points. If you trust that host, use it as the base URL; if it is a login page, log in to the network.",
        "对基础 URL 运行 curl -i：其 Location 响应头会显示重定向指向哪里。如果信任该主机，就把它用作基础 URL；如果是登录页，请先登录网络。",
    )),
    snippets: &[Snippet { tool: "curl", code: "curl -i https://gateway.example.com/v1/models" }],
};

pub static NOT_ANTHROPIC: Outcome = Outcome {
    id: "not_anthropic",
    status: Status::Warn,
    layer: Layer::Cors,
    title: t!(
        "Not the Anthropic API's answer: an OpenAI-compatible endpoint",
        "不是 Anthropic API 的响应：这是兼容 OpenAI 的接口",
    ),
    detail: t!(
        "The answer is in the OpenAI format (a model list with \"object\": \"list\", or an error without the Anthropic API's \"type\": \"error\"), so this address is an OpenAI-compatible endpoint, not the Anthropic Messages API. The Anthropic SDKs and Claude Code need the Messages API; some gateways serve both, under different paths.",
        "响应采用 OpenAI 的格式（模型列表带有 \"object\": \"list\"，或者错误中没有 Anthropic API 的 \"type\": \"error\"），因此这个地址是兼容 OpenAI 的接口，而不是 Anthropic Messages API。Anthropic SDK 和 Claude Code 需要的是 Messages API；有些网关在不同路径下同时提供两者。",
    ),
    fix: Some(t!(
        "Find the gateway's Anthropic-compatible base URL (often another path, such as /anthropic) and use that; the OpenAI-compatible one is for OpenAI SDKs.",
        "找到网关中兼容 Anthropic 的基础 URL（通常是另一个路径，例如 /anthropic）并使用它；兼容 OpenAI 的地址是给 OpenAI SDK 用的。",
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
    title: t!("Reading the API from a browser", "在浏览器中读取 API"),
    depends_on: &["network.reach"],
    // The keyed answer and the plain and preflight probes are read beside the keyless one: where they
    // disagree with it, they say why it could not be read (ARCHITECTURE.md, *Pairs of probes*).
    probes: &[
        ProbeId::CorsRead,
        ProbeId::CorsPlain,
        ProbeId::Preflight(0),
        ProbeId::KeyModels,
    ],
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
        (14, &ERRORS_UNREADABLE),
        (15, &KEYLESS_UNREADABLE),
        (16, &PREFLIGHT_FAILED),
        (17, &HEADER_NOT_ALLOWED),
        (18, &REDIRECTED),
        (19, &REDIRECTED_ELSEWHERE),
        (20, &REDIRECT_HIDDEN),
        (21, &NOT_ANTHROPIC),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(_: &Context, obs: &Observations) -> Option<Finding> {
    let seen = obs.get(&ProbeId::CorsRead)?;
    let refusal = match seen {
        Observation::Response(r) => return Some(readable(r)),
        Observation::Rejected { elapsed_ms } => {
            Finding::new(CODE, &REFUSED).with(Fact::Elapsed(*elapsed_ms))
        }
        Observation::TimedOut { after_ms } => {
            Finding::new(CODE, &TIMED_OUT).with(Fact::TimeoutMs(*after_ms))
        }
        Observation::Cancelled
        | Observation::NotSent(_)
        | Observation::Series { .. }
        | Observation::Net(_) => return Some(Finding::new(CODE, &NOT_RUN)),
    };
    unreadable(refusal, obs)
}

/// The keyless readable request got no readable answer: the other probes of the pair say why.
fn unreadable(refusal: Finding, obs: &Observations) -> Option<Finding> {
    let again =
        |outcome: &'static Outcome| Finding::new(CODE, outcome).with_all(refusal.facts.clone());
    // The keyed request read: the browser path works for real calls, so this is not a broken path.
    if let Some(keyed) = obs.get(&ProbeId::KeyModels)?.readable() {
        return Some(if (200..300).contains(&keyed.status) {
            again(&ERRORS_UNREADABLE)
        } else {
            again(&KEYLESS_UNREADABLE)
        });
    }
    match obs.get(&ProbeId::CorsPlain)? {
        Observation::Response(r) if r.kind == ResponseKind::HeldRedirect => {
            Some(again(&REDIRECT_HIDDEN))
        }
        _ if obs.preflight_in_question() => preflight(refusal, obs),
        _ => Some(refusal),
    }
}

/// The plain request was read and the one with the API's headers was not: which header's preflight fails,
/// from the probes that carry one header each.
fn preflight(refusal: Finding, obs: &Observations) -> Option<Finding> {
    let mut refused = Vec::new();
    for (i, name) in PREFLIGHT_HEADERS.iter().enumerate() {
        let seen = obs.get(&ProbeId::Preflight(i as u8))?;
        if !matches!(seen, Observation::Response(_)) {
            refused.push(*name);
        }
    }
    let content_type_passed = refused.first() != Some(&PREFLIGHT_HEADERS[0]);
    let finding = if content_type_passed && !refused.is_empty() {
        Finding::new(CODE, &HEADER_NOT_ALLOWED)
            .with_all(refused.iter().map(|h| Fact::Offending(h.to_string())))
    } else {
        Finding::new(CODE, &PREFLIGHT_FAILED)
    };
    Some(finding.with_all(refusal.facts))
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
    if r.redirected_to.is_some() {
        // Sent somewhere else: where is among the response's facts; whether the API answered there decides.
        let api = matches!(
            reply,
            Reply::ApiError { .. } | Reply::Models { .. } | Reply::Model { .. }
        );
        let outcome = if api {
            &REDIRECTED
        } else {
            &REDIRECTED_ELSEWHERE
        };
        let title = match reply {
            Reply::Html { title } => title.map(Fact::PageTitle),
            _ => None,
        };
        return Finding::new(CODE, outcome)
            .with_all(reply::response_facts(r))
            .with_all(title);
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
        (_, Reply::ForeignModels { .. } | Reply::ForeignError { .. }) => &NOT_ANTHROPIC,
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
    use crate::core::observation::{BodyState, NotSent};

    /// The keyless readable probe's outcome, the others as without a key against the real API.
    fn outcome(obs: Observation) -> &'static str {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, None, true);
        let all = [
            (ProbeId::CorsRead, obs),
            (
                ProbeId::CorsPlain,
                Observation::Rejected { elapsed_ms: 9.0 },
            ),
            (ProbeId::KeyModels, Observation::NotSent(NotSent::NoKey)),
        ]
        .into_iter()
        .collect();
        evaluate(&ctx, &all).unwrap().outcome.id
    }

    fn openai_list() -> Observation {
        Observation::Response(resp(
            200,
            "application/json",
            r#"{"object":"list","data":[{"id":"gpt-4o","object":"model","owned_by":"openai"}]}"#,
            &[],
        ))
    }

    fn redirected(status: u16, content_type: &str, body: &str) -> Observation {
        let mut r = resp(status, content_type, body, &[]);
        r.redirected_to = Some("https://elsewhere.example.com/v1/models".into());
        Observation::Response(r)
    }

    /// Every pair (and triple) of probes read together, and what it means; ARCHITECTURE.md's table
    /// (*Pairs of probes*) follows these rows.
    #[test]
    fn pairs_table() {
        let refused = || Observation::Rejected { elapsed_ms: 12.0 };
        let json = "application/json";
        let ok_401 = || {
            Observation::Response(resp(
                401,
                json,
                &api_error("authentication_error", "x-api-key header is required"),
                &[],
            ))
        };
        let keyed_200 = || {
            Observation::Response(resp(
                200,
                json,
                r#"{"data":[{"id":"claude-x","type":"model"}]}"#,
                &[],
            ))
        };
        let keyed_401 = || {
            Observation::Response(resp(
                401,
                json,
                &api_error("authentication_error", "invalid x-api-key"),
                &[],
            ))
        };
        let no_key = || Observation::NotSent(NotSent::NoKey);
        let not_needed = || Observation::NotSent(NotSent::NotApplicable);
        // (keyless with the API's headers, plain, keyed, preflight probes, outcome)
        let rows: Vec<(
            Observation,
            Observation,
            Observation,
            [Observation; 3],
            &str,
        )> = vec![
            // The real API: plain refused (no browser-access header), keyless readable.
            (
                ok_401(),
                refused(),
                keyed_200(),
                [not_needed(), not_needed(), not_needed()],
                "readable",
            ),
            // No CORS anywhere.
            (
                refused(),
                refused(),
                no_key(),
                [not_needed(), not_needed(), not_needed()],
                "refused",
            ),
            (
                refused(),
                refused(),
                refused(),
                [not_needed(), not_needed(), not_needed()],
                "refused",
            ),
            // CORS only on successes: the keyed success was read, the keyless error was not.
            (
                refused(),
                refused(),
                keyed_200(),
                [not_needed(), not_needed(), not_needed()],
                "errors_unreadable",
            ),
            (
                Observation::TimedOut { after_ms: 10_000 },
                refused(),
                keyed_200(),
                [not_needed(), not_needed(), not_needed()],
                "errors_unreadable",
            ),
            // CORS only on requests that carry a key: the keyed error was read.
            (
                refused(),
                refused(),
                keyed_401(),
                [not_needed(), not_needed(), not_needed()],
                "keyless_unreadable",
            ),
            // A held keyed redirect is not a readable keyed answer.
            (
                refused(),
                refused(),
                crate::core::fixtures::held_redirect(),
                [not_needed(), not_needed(), not_needed()],
                "refused",
            ),
            // The plain request was read, the one with headers not: the preflight, and which header.
            (
                refused(),
                ok_401(),
                no_key(),
                [refused(), refused(), refused()],
                "preflight_failed",
            ),
            // The keyless one timed out while the plain one was read: the preflight stalls, and the
            // preflight probes, which would stall as long, are not sent.
            (
                Observation::TimedOut { after_ms: 10_000 },
                ok_401(),
                no_key(),
                [not_needed(), not_needed(), not_needed()],
                "timed_out",
            ),
            (
                refused(),
                ok_401(),
                no_key(),
                [ok_401(), refused(), refused()],
                "header_not_allowed",
            ),
            (
                refused(),
                ok_401(),
                no_key(),
                [ok_401(), ok_401(), refused()],
                "header_not_allowed",
            ),
            // Each header alone passes, together they do not: the preflight, without a name to blame.
            (
                refused(),
                ok_401(),
                no_key(),
                [ok_401(), ok_401(), ok_401()],
                "preflight_failed",
            ),
            // A redirect the plain probe held, whose destination could not be read.
            (
                refused(),
                crate::core::fixtures::held_redirect(),
                no_key(),
                [not_needed(), not_needed(), not_needed()],
                "redirect_hidden",
            ),
            // Followed and read: where it went is shown.
            (
                redirected(
                    401,
                    json,
                    &api_error("authentication_error", "x-api-key header is required"),
                ),
                crate::core::fixtures::held_redirect(),
                no_key(),
                [not_needed(), not_needed(), not_needed()],
                "redirected",
            ),
            (
                redirected(200, "text/html", "<title>Guest Wi-Fi</title>"),
                crate::core::fixtures::held_redirect(),
                no_key(),
                [not_needed(), not_needed(), not_needed()],
                "redirected_elsewhere",
            ),
            // The keyless answer is readable: the others change nothing.
            (
                openai_list(),
                openai_list(),
                no_key(),
                [not_needed(), not_needed(), not_needed()],
                "not_anthropic",
            ),
        ];
        for (keyless, plain, keyed, preflights, want) in rows {
            let mut all: Observations = [
                (ProbeId::CorsRead, keyless.clone()),
                (ProbeId::CorsPlain, plain.clone()),
                (ProbeId::KeyModels, keyed.clone()),
            ]
            .into_iter()
            .collect();
            let asked = all.preflight_in_question();
            for (i, p) in preflights.iter().enumerate() {
                // The plan sends the preflight probes exactly when the rule says so; the rows agree.
                assert_eq!(
                    asked,
                    !matches!(p, Observation::NotSent(_)),
                    "{keyless:?} / {plain:?}"
                );
                all.insert(ProbeId::Preflight(i as u8), p.clone());
            }
            let ctx = Context::new("https://gw.example.com", AuthMode::Bearer, None, true);
            let got = evaluate(&ctx, &all).unwrap();
            assert_eq!(got.outcome.id, want, "{keyless:?} / {plain:?} / {keyed:?}");
        }
    }

    #[test]
    fn it_waits_for_the_probe_that_decides() {
        let ctx = Context::new("https://gw.example.com", AuthMode::Bearer, None, true);
        let refused = Observation::Rejected { elapsed_ms: 5.0 };
        // Refused without the keyed answer yet: pending, not "refused".
        let mut all: Observations = [(ProbeId::CorsRead, refused.clone())].into_iter().collect();
        assert!(evaluate(&ctx, &all).is_none());
        all.insert(ProbeId::KeyModels, Observation::NotSent(NotSent::NoKey));
        assert!(
            evaluate(&ctx, &all).is_none(),
            "the plain probe decides next"
        );
        let plain = Observation::Response(resp(200, "application/json", "{}", &[]));
        all.insert(ProbeId::CorsPlain, plain);
        assert!(
            evaluate(&ctx, &all).is_none(),
            "the preflight probes decide last"
        );
        for i in 0..3 {
            all.insert(ProbeId::Preflight(i), refused.clone());
        }
        assert_eq!(evaluate(&ctx, &all).unwrap().outcome.id, "preflight_failed");
    }

    #[test]
    fn a_header_the_preflight_refuses_is_named() {
        let ctx = Context::new("https://gw.example.com", AuthMode::Bearer, None, true);
        let ok = || Observation::Response(resp(200, "application/json", "{}", &[]));
        let refused = || Observation::Rejected { elapsed_ms: 5.0 };
        let all: Observations = [
            (ProbeId::CorsRead, refused()),
            (ProbeId::CorsPlain, ok()),
            (ProbeId::KeyModels, Observation::NotSent(NotSent::NoKey)),
            (ProbeId::Preflight(0), ok()),
            (ProbeId::Preflight(1), ok()),
            (ProbeId::Preflight(2), refused()),
        ]
        .into_iter()
        .collect();
        let f = evaluate(&ctx, &all).unwrap();
        assert_eq!(f.outcome.id, "header_not_allowed");
        assert!(f.facts.contains(&Fact::Offending(
            "anthropic-dangerous-direct-browser-access".into()
        )));
        assert!(!f
            .facts
            .contains(&Fact::Offending("anthropic-version".into())));
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
            (openai_list(), "not_anthropic"),
            (
                Observation::Response(resp(
                    401,
                    json,
                    r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#,
                    &[],
                )),
                "not_anthropic",
            ),
            (redirected(401, json, &no_key), "redirected"),
            (
                redirected(200, "text/html", "<title>Login</title>"),
                "redirected_elsewhere",
            ),
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
        // The outcomes only a pair of probes reaches are the rows of `pairs_table`.
        produced.extend([
            "errors_unreadable",
            "keyless_unreadable",
            "preflight_failed",
            "header_not_allowed",
            "redirect_hidden",
        ]);
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
