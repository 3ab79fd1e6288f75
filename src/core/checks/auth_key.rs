//! `auth.key`: `GET /v1/models?limit=1` with the key — free, needs no model access, and tells a good key
//! from a bad one, an organization that forbids browsers, rate limits and service trouble.

use super::{body, Check, NOT_RUN_DETAIL, NOT_RUN_TITLE};
use crate::core::finding::{Fact, Finding, Layer, Outcome, Snippet, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::key::AuthMode;
use crate::core::observation::{NotSent, Observation, Observations, Response, ResponseKind};
use crate::core::probe::ProbeId;
use crate::core::reply::{self, ApiError, Reply};

const CODE: &str = "auth.key";

pub static ACCEPTED: Outcome = Outcome {
    id: "accepted",
    status: Status::Pass,
    layer: Layer::Auth,
    title: t!("The key works", "密钥有效"),
    detail: t!(
        "The API accepted the key and listed models for it, from this browser.",
        "API 接受了该密钥，并在本浏览器中为其列出了模型。",
    ),
    fix: None,
    snippets: &[],
};

pub static NO_KEY: Outcome = Outcome {
    id: "no_key",
    status: Status::Info,
    layer: Layer::Auth,
    title: t!("Key not checked", "未检测密钥"),
    detail: t!(
        "No key was given, so nothing was sent with one.",
        "未提供密钥，因此没有发送带密钥的请求。",
    ),
    fix: None,
    snippets: &[],
};

pub static INVALID: Outcome = Outcome {
    id: "invalid",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("The key is not valid", "密钥无效"),
    detail: t!(
        "The API answered \"invalid x-api-key\": the key was revoked, belongs to another service, or is mistyped.",
        "API 返回 \"invalid x-api-key\"：密钥已被撤销、属于其他服务，或输入有误。",
    ),
    fix: Some(t!(
        "Create a new API key in the Claude Console and set it as ANTHROPIC_API_KEY; check that no older value overrides it (a .env file, a shell profile).",
        "在 Claude Console 中创建新的 API 密钥并设置为 ANTHROPIC_API_KEY；检查是否有旧值覆盖了它（.env 文件、shell 配置文件）。",
    )),
    snippets: &[Snippet { tool: "curl", code: "curl https://api.anthropic.com/v1/models -H \"Authorization: Bearer $ANTHROPIC_API_KEY\" -H 'anthropic-version: 2026-10-21'" }],
};

pub static KEY_MISSING: Outcome = Outcome {
    id: "key_missing",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("The key did not arrive", "密钥没有送达"),
    detail: t!(
        "The key was sent in the header named below, yet the server answered \"x-api-key header is required\", as the API does when no key arrives: a proxy or gateway on the way dropped that header, or it passes on only the other one. The API itself takes an API key in either x-api-key or Authorization: Bearer.",
        "密钥已通过下方所列的请求头发送，但服务器返回 \"x-api-key header is required\"，这是 API 在没有收到密钥时的响应：途中的代理或网关丢弃了该请求头，或者只转发另一个请求头。API 本身在 x-api-key 和 Authorization: Bearer 中都接受 API 密钥。",
    ),
    fix: Some(t!(
        "Make the gateway or proxy pass both x-api-key and Authorization through: today's SDKs send an API key as Authorization: Bearer, older SDKs and the API's curl examples as x-api-key. Run this page again with the other header to see which one gets through.",
        "让网关或代理同时透传 x-api-key 和 Authorization：当前的 SDK 以 Authorization: Bearer 发送 API 密钥，旧版 SDK 和 API 的 curl 示例使用 x-api-key。可在本页改用另一个请求头再运行一次，看哪一个能通过。",
    )),
    snippets: &[],
};

pub static OAUTH: Outcome = Outcome {
    id: "oauth",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("OAuth tokens are not accepted here", "此处不接受 OAuth 令牌"),
    detail: t!(
        "The API answered \"OAuth authentication is currently not supported.\": a Claude subscription token was used where an API key is needed.",
        "API 返回 \"OAuth authentication is currently not supported.\"：在需要 API 密钥的地方使用了 Claude 订阅令牌。",
    ),
    fix: Some(t!("Create an API key in the Claude Console and use it instead.", "在 Claude Console 中创建 API 密钥并改用它。")),
    snippets: &[],
};

pub static ORG_BLOCKS_BROWSER: Outcome = Outcome {
    id: "org_blocks_browser",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("This organization does not allow calls from browsers", "该组织不允许从浏览器调用"),
    detail: t!(
        "The API answered that CORS requests are not allowed for this organization (its settings, or zero data retention). No change in the browser fixes this.",
        "API 返回该组织不允许 CORS 请求（由于组织设置或零数据保留策略）。在浏览器端做任何修改都无法解决。",
    ),
    fix: Some(t!(
        "Call the API from a back end (a server or serverless function holding the key) and have the browser talk to that; the key then never reaches browsers either.",
        "改从后端（持有密钥的服务器或无服务器函数）调用 API，让浏览器与该后端通信；这样密钥也不会暴露给浏览器。",
    )),
    snippets: &[],
};

pub static PERMISSION: Outcome = Outcome {
    id: "permission",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("The key lacks permission", "密钥权限不足"),
    detail: t!("The API answered permission_error: the key may not use this resource.", "API 返回 permission_error：该密钥无权使用此资源。"),
    fix: Some(t!(
        "Check the key's workspace and role in the Console, or use a key from a workspace that has access.",
        "在 Console 中检查密钥所属的工作区和角色，或使用有访问权限的工作区的密钥。",
    )),
    snippets: &[],
};

pub static REGION: Outcome = Outcome {
    id: "region",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("Request not allowed: an unsupported region", "请求不被允许：不受支持的地区"),
    detail: t!(
        "The edge answered 403 \"Request not allowed\" to the keyed request: the API is not offered where this connection comes from.",
        "边缘节点对带密钥的请求返回 403 \"Request not allowed\"：该连接所在的地区不提供 API 服务。",
    ),
    fix: Some(t!("Use the API from a supported country or region.", "请在受支持的国家或地区使用 API。")),
    snippets: &[],
};

pub static BILLING: Outcome = Outcome {
    id: "billing",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("A billing problem", "账单问题"),
    detail: t!(
        "The API refused on billing grounds: the credit balance is too low, or payment failed.",
        "API 因账单原因拒绝了请求：额度余额不足，或付款失败。",
    ),
    fix: Some(t!(
        "Add credits or fix the payment method in the Console under Billing.",
        "在 Console 的 Billing 页面充值或更新付款方式。",
    )),
    snippets: &[],
};

pub static RATE_LIMITED: Outcome = Outcome {
    id: "rate_limited",
    status: Status::Warn,
    layer: Layer::Service,
    title: t!("Rate limited right now", "当前被限流"),
    detail: t!(
        "The API answered 429: this organization is over a rate limit at the moment. The SDKs wait and retry, honouring retry-after.",
        "API 返回 429：该组织目前超出了速率限制。SDK 会遵循 retry-after 等待并重试。",
    ),
    fix: Some(t!(
        "Wait for retry-after, spread requests out, or ask for a higher tier; keep max_retries at 2 or more.",
        "等待 retry-after 指定的时间、分散请求，或申请更高的用量等级；将 max_retries 保持在 2 或以上。",
    )),
    snippets: &[
        Snippet { tool: "Python", code: "client = anthropic.Anthropic(max_retries=4)" },
        Snippet { tool: "TypeScript", code: "const client = new Anthropic({ maxRetries: 4 });" },
    ],
};

pub static SPEND_CAP: Outcome = Outcome {
    id: "spend_cap",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("The monthly spend limit is reached", "已达到月度支出上限"),
    detail: t!(
        "The API answered 429 with enforced_spend_limit_reached: retrying will not help until the limit is raised or the month turns.",
        "API 返回 429 和 enforced_spend_limit_reached：在提高上限或进入下个月之前，重试无济于事。",
    ),
    fix: Some(t!("Raise the spend limit in the Console under Limits.", "在 Console 的 Limits 页面提高支出上限。")),
    snippets: &[],
};

pub static OVERLOADED: Outcome = Outcome {
    id: "overloaded",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("The API is overloaded (529)", "API 过载（529）"),
    detail: t!(
        "The API is overloaded across all users; this is not your network or key.",
        "API 在所有用户范围内过载；这与你的网络或密钥无关。",
    ),
    fix: Some(t!(
        "Retry with backoff (the SDKs do, max_retries); check status.claude.com.",
        "使用退避策略重试（SDK 会自动进行，见 max_retries）；查看 status.claude.com。",
    )),
    snippets: &[],
};

pub static SERVER_ERROR: Outcome = Outcome {
    id: "server_error",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("The API answered with a server error", "API 返回了服务器错误"),
    detail: t!(
        "A 5xx came back from the API itself: an internal error or a timeout on its side, not your network or key.",
        "API 本身返回了 5xx：是其内部错误或超时，与你的网络或密钥无关。",
    ),
    fix: Some(t!(
        "Retry later (the SDKs retry 5xx automatically); if it persists, send the request id to support and check status.claude.com.",
        "稍后重试（SDK 会自动重试 5xx）；如果持续出现，请将请求 ID 发给支持团队，并查看 status.claude.com。",
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
        "The CDN in front of the API answered with a 52x error.",
        "API 前面的 CDN 返回了 52x 错误。",
    ),
    fix: Some(t!(
        "Usually brief: retry in a minute and check status.claude.com.",
        "通常很快恢复：一分钟后重试，并查看 status.claude.com。",
    )),
    snippets: &[],
};

pub static NOT_API: Outcome = Outcome {
    id: "not_api",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("A web page answered the keyed request", "带密钥的请求得到的是网页"),
    detail: t!(
        "An HTML page came back instead of the API's JSON: a proxy, a gateway's login page or an edge challenge.",
        "返回的是 HTML 页面而不是 API 的 JSON：可能是代理、网关的登录页或边缘节点的验证页面。",
    ),
    fix: Some(t!("Open the base URL in a tab to see the page, and ask whoever runs that proxy or gateway.", "在标签页中打开基础 URL 查看该页面，并询问该代理或网关的管理者。")),
    snippets: &[],
};

pub static NOT_FOUND: Outcome = Outcome {
    id: "not_found",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!(
        "No model list at this path (404)",
        "该路径下没有模型列表（404）",
    ),
    detail: t!(
        "/v1/models under this base URL does not exist: the base path is probably wrong.",
        "该基础 URL 下不存在 /v1/models：基础路径很可能填错了。",
    ),
    fix: Some(t!(
        "Check the gateway's documented base URL (the part before /v1).",
        "查看网关文档中的基础 URL（/v1 之前的部分）。",
    )),
    snippets: &[],
};

pub static MALFORMED: Outcome = Outcome {
    id: "malformed",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("The answer was cut off or is not valid JSON", "响应被截断或不是有效的 JSON"),
    detail: t!(
        "The status looked fine but the body could not be read as the API's JSON: a proxy that rewrites or truncates responses, or a broken gateway.",
        "状态码看起来正常，但响应体无法按 API 的 JSON 读取：可能是改写或截断响应的代理，或者出故障的网关。",
    ),
    fix: Some(t!("Compare with curl -i from the same network; if curl's body is whole, a proxy on this path alters it.", "在同一网络中用 curl -i 对比；如果 curl 得到的响应体完整，则是这条路径上的代理修改了它。")),
    snippets: &[],
};

pub static UNEXPECTED: Outcome = Outcome {
    id: "unexpected",
    status: Status::Warn,
    layer: Layer::Auth,
    title: t!("An unexpected answer to the key", "对密钥的响应出乎意料"),
    detail: t!("The answer is readable but matches none of the API's known responses; see the status and message.", "响应可以读取，但与 API 的已知响应都不匹配；请查看状态码和消息。"),
    fix: Some(t!("Check the message below; a gateway may use its own error format.", "查看下方的消息；网关可能使用自有的错误格式。")),
    snippets: &[],
};

pub static REJECTED: Outcome = Outcome {
    id: "rejected",
    status: Status::Fail,
    layer: Layer::Cors,
    title: t!("The browser refused the request with the key", "浏览器拒绝了带密钥的请求"),
    detail: t!(
        "The keyless request was readable but the keyed one was refused: the target's CORS preflight does not allow the key's header (x-api-key or authorization).",
        "不带密钥的请求可以读取，但带密钥的请求被拒绝：目标的 CORS 预检不允许携带密钥的请求头（x-api-key 或 authorization）。",
    ),
    fix: Some(t!(
        "Add x-api-key and authorization to the gateway's Access-Control-Allow-Headers.",
        "在网关的 Access-Control-Allow-Headers 中加入 x-api-key 和 authorization。",
    )),
    snippets: &[],
};

pub static REDIRECTED: Outcome = Outcome {
    id: "redirected",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("The target redirects requests that carry the key", "目标对带密钥的请求进行了重定向"),
    detail: t!(
        "The keyed request was answered with a redirect, which was not followed: following it can carry the key's header on to wherever the redirect points, even another host. A base URL that redirects is either outdated or not the API.",
        "带密钥的请求得到了重定向响应，本工具没有跟随：跟随重定向可能会把携带密钥的请求头一起带到它指向的任何地方，哪怕是另一台主机。会重定向的基础 URL 要么已过时，要么并不是 API。",
    ),
    fix: Some(t!(
        "Find where it points (curl -i on the base URL shows the Location header) and, if you trust that host, use it as the base URL.",
        "查明它指向哪里（对基础 URL 运行 curl -i 可以看到 Location 响应头），如果信任该主机，就把它用作基础 URL。",
    )),
    snippets: &[Snippet { tool: "curl", code: "curl -i https://gateway.example.com/v1/models" }],
};

pub static TIMED_OUT: Outcome = Outcome {
    id: "timed_out",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("The keyed request timed out", "带密钥的请求超时"),
    detail: t!(
        "The request with the key got no answer before the probe's timeout, though the keyless one did.",
        "带密钥的请求在探测超时前没有得到响应，而不带密钥的请求得到了。",
    ),
    fix: Some(t!("Retry; if it persists, check status.claude.com and your gateway's logs.", "重试；如果持续出现，请查看 status.claude.com 和网关日志。")),
    snippets: &[],
};

pub static NOT_VALIDATED: Outcome = Outcome {
    id: "not_validated",
    status: Status::Warn,
    layer: Layer::Auth,
    title: t!(
        "The key was not validated: this server does not require one",
        "密钥未经验证：这个服务器不要求密钥",
    ),
    detail: t!(
        "The request without a key already succeeded, so the success of the request with the key proves nothing about the key: this server does not check keys (a gateway that adds its own credentials, a local proxy, or a mock). Whether your key is valid is decided wherever this server sends requests on, if anywhere.",
        "不带密钥的请求已经成功，因此带密钥的请求成功并不能说明密钥有效：这个服务器不检查密钥（可能是自行附加凭据的网关、本地代理或模拟服务）。你的密钥是否有效，要看这个服务器把请求转发到哪里（如果有的话）。",
    ),
    fix: Some(t!(
        "If the gateway should check keys, turn its authentication on. To check the key itself, run this page against https://api.anthropic.com with it.",
        "如果网关本应检查密钥，请开启其认证。要检验密钥本身，请用它在本页面针对 https://api.anthropic.com 再运行一次。",
    )),
    snippets: &[],
};

pub static NOT_ANTHROPIC: Outcome = Outcome {
    id: "not_anthropic",
    status: Status::Warn,
    layer: Layer::Auth,
    title: t!(
        "Not the Anthropic API: an OpenAI-compatible endpoint answered the key",
        "不是 Anthropic API：回应密钥的是兼容 OpenAI 的接口",
    ),
    detail: t!(
        "The request with the key was answered in the OpenAI format (a model list with \"object\": \"list\", or an error without the Anthropic API's \"type\": \"error\"). The models it lists are not Claude models, and the key was not judged by the Anthropic API. The Anthropic SDKs and Claude Code need the Messages API; some gateways serve both, under different paths.",
        "带密钥的请求得到的是 OpenAI 格式的响应（模型列表带有 \"object\": \"list\"，或者错误中没有 Anthropic API 的 \"type\": \"error\"）。它列出的不是 Claude 模型，密钥也没有经过 Anthropic API 的检验。Anthropic SDK 和 Claude Code 需要的是 Messages API；有些网关在不同路径下同时提供两者。",
    ),
    fix: Some(t!(
        "Use the gateway's Anthropic-compatible base URL (often another path, such as /anthropic), and the key it issues for that route.",
        "使用网关中兼容 Anthropic 的基础 URL（通常是另一个路径，例如 /anthropic），以及它为该路由签发的密钥。",
    )),
    snippets: &[],
};

pub static NOT_RUN: Outcome = Outcome {
    id: "not_run",
    status: Status::Info,
    layer: Layer::Auth,
    title: NOT_RUN_TITLE,
    detail: NOT_RUN_DETAIL,
    fix: None,
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 7,
    applies: Applies::Everywhere,
    layer: Layer::Auth,
    title: t!("The key, against the API", "用 API 验证密钥"),
    depends_on: &["cors.read", "tls.trust", "auth.key_shape"],
    // The keyless answer is read beside the keyed one: a server that answers without a key validates none.
    probes: &[ProbeId::KeyModels, ProbeId::CorsRead],
    outcomes: &[
        (0, &ACCEPTED),
        (1, &NO_KEY),
        (2, &INVALID),
        (3, &KEY_MISSING),
        (4, &OAUTH),
        (5, &ORG_BLOCKS_BROWSER),
        (6, &PERMISSION),
        (7, &REGION),
        (8, &BILLING),
        (9, &RATE_LIMITED),
        (10, &SPEND_CAP),
        (11, &OVERLOADED),
        (12, &SERVER_ERROR),
        (13, &EDGE_ERROR),
        (14, &NOT_API),
        (15, &NOT_FOUND),
        (16, &MALFORMED),
        (17, &UNEXPECTED),
        (18, &REDIRECTED),
        (19, &REJECTED),
        (20, &TIMED_OUT),
        (21, &NOT_RUN),
        (22, &body::BODY_STALLED),
        (23, &body::BODY_CUT),
        (24, &body::BODY_TOO_LARGE),
        (25, &NOT_VALIDATED),
        (26, &NOT_ANTHROPIC),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(ctx: &Context, obs: &Observations) -> Option<Finding> {
    Some(match obs.get(&ProbeId::KeyModels)? {
        Observation::Response(r) => {
            let finding = readable(r);
            if finding.outcome.id == KEY_MISSING.id {
                // Which header lost the key is what the reader acts on.
                finding.with(Fact::Offending(sent_in(ctx.auth).to_string()))
            } else if finding.outcome.id == ACCEPTED.id
                && open_without_key(obs.get(&ProbeId::CorsRead)?)
            {
                Finding {
                    outcome: &NOT_VALIDATED,
                    ..finding
                }
            } else {
                finding
            }
        }
        Observation::Rejected { elapsed_ms } => {
            Finding::new(CODE, &REJECTED).with(Fact::Elapsed(*elapsed_ms))
        }
        Observation::TimedOut { after_ms } => {
            Finding::new(CODE, &TIMED_OUT).with(Fact::TimeoutMs(*after_ms))
        }
        Observation::NotSent(NotSent::NoKey) => Finding::new(CODE, &NO_KEY),
        Observation::Cancelled
        | Observation::NotSent(_)
        | Observation::Series { .. }
        | Observation::Net(_) => Finding::new(CODE, &NOT_RUN),
    })
}

/// Whether the keyless request succeeded: then the server checks no key, and a keyed success proves nothing.
fn open_without_key(keyless: &Observation) -> bool {
    keyless
        .readable()
        .is_some_and(|r| (200..300).contains(&r.status))
}

/// The header the key travelled in, as the reader would look for it in a gateway's settings.
fn sent_in(auth: AuthMode) -> &'static str {
    match auth {
        AuthMode::ApiKey => "x-api-key",
        AuthMode::Bearer => "Authorization: Bearer",
    }
}

/// Classifies the answer to the keyed request by status, `error.type` and the known messages.
fn readable(r: &Response) -> Finding {
    match r.kind {
        ResponseKind::Readable => {}
        ResponseKind::HeldRedirect => {
            return Finding::new(CODE, &REDIRECTED).with(Fact::Elapsed(r.elapsed_ms))
        }
        // This probe is a CORS request, so an opaque answer means something other than the API replied.
        ResponseKind::Opaque => {
            return Finding::new(CODE, &UNEXPECTED).with(Fact::Elapsed(r.elapsed_ms))
        }
    }
    let reply = reply::classify(r);
    if let Some(outcome) = body::judge(r, &reply) {
        return Finding::new(CODE, outcome).with_all(reply::response_facts(r));
    }
    let mut extra = Vec::new();
    let outcome = match (&reply, r.status) {
        (Reply::Models { ids }, 200) => {
            extra.push(Fact::ModelCount(ids.len()));
            extra.extend(ids.first().cloned().map(Fact::Model));
            &ACCEPTED
        }
        (Reply::Html { title }, _) => {
            extra.extend(title.clone().map(Fact::PageTitle));
            &NOT_API
        }
        (Reply::RegionBlock, _) => &REGION,
        // Another service's list or error: not Claude models, and not the Anthropic API's judgement.
        (Reply::ForeignModels { ids }, _) => {
            extra.extend(ids.first().cloned().map(Fact::Offending));
            &NOT_ANTHROPIC
        }
        (Reply::ForeignError { message }, _) => {
            extra.push(Fact::ErrorMessage(message.clone()));
            &NOT_ANTHROPIC
        }
        (Reply::EdgeError { .. }, _) => &EDGE_ERROR,
        (Reply::ApiError { .. }, _) => match ApiError::read(r) {
            Some(e) => {
                extra.extend(e.facts());
                api_error(&e)
            }
            None => &UNEXPECTED,
        },
        (_, 404) => &NOT_FOUND,
        (
            Reply::Malformed
            | Reply::Empty
            | Reply::Models { .. }
            | Reply::Model { .. }
            | Reply::OtherJson,
            200..=299,
        ) => &MALFORMED,
        (_, 500..=599) => &SERVER_ERROR,
        _ => &UNEXPECTED,
    };
    extra.extend(reply::retry_after(r).map(Fact::RetryAfter));
    Finding::new(CODE, outcome)
        .with_all(reply::response_facts(r))
        .with_all(extra)
}

/// Maps the API's error to an outcome; unknown types fall back on the status, as the docs advise. The
/// spend cap and the credit balance are the rules of [`ApiError`], shared with every check.
fn api_error(e: &ApiError) -> &'static Outcome {
    let lower = e.message.to_ascii_lowercase();
    match (e.status, e.kind.as_str()) {
        _ if e.spend_cap() => &SPEND_CAP,
        _ if e.credit_low() => &BILLING,
        (_, "authentication_error") if lower.contains("cors requests are not allowed") => {
            &ORG_BLOCKS_BROWSER
        }
        (_, "authentication_error") if lower.contains("oauth") => &OAUTH,
        (_, "authentication_error") if lower.contains("header is required") => &KEY_MISSING,
        (_, "authentication_error") => &INVALID,
        (_, "permission_error") => &PERMISSION,
        (_, "billing_error") => &BILLING,
        _ if e.rate_limited() => &RATE_LIMITED,
        _ if e.overloaded() => &OVERLOADED,
        (_, "not_found_error") | (404, _) => &NOT_FOUND,
        _ if e.server_fault() => &SERVER_ERROR,
        (401, _) => &INVALID,
        (403, _) => &PERMISSION,
        _ => &UNEXPECTED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{api_error as body, resp};
    use crate::core::key::{ApiKey, AuthMode};
    use crate::core::observation::BodyState;

    fn run(obs: Observation) -> Finding {
        let ctx = Context::new(
            "https://api.anthropic.com",
            AuthMode::ApiKey,
            ApiKey::new("k".into()),
            true,
        );
        let keyless = crate::core::fixtures::healthy(&ctx, ProbeId::CorsRead);
        let all = [(ProbeId::KeyModels, obs), (ProbeId::CorsRead, keyless)]
            .into_iter()
            .collect();
        evaluate(&ctx, &all).unwrap()
    }

    /// The keyed and keyless answers read together.
    #[test]
    fn pairs_table() {
        let ctx = Context::new(
            "https://gw.example.com",
            AuthMode::Bearer,
            ApiKey::new("k".into()),
            true,
        );
        let list = || crate::core::fixtures::healthy(&ctx, ProbeId::KeyModels);
        let no_key_401 = || crate::core::fixtures::healthy(&ctx, ProbeId::CorsRead);
        // (keyed, keyless, outcome)
        let rows = [
            // The server needs a key and took this one.
            (list(), no_key_401(), "accepted"),
            // It answers without a key too: the key was not what let the request through.
            (list(), list(), "not_validated"),
            (
                list(),
                Observation::Response(resp(204, "application/json", "", &[])),
                "not_validated",
            ),
            // The keyless one could not be read: nothing says the server skips keys.
            (
                list(),
                Observation::Rejected { elapsed_ms: 3.0 },
                "accepted",
            ),
            // A server that answers without a key but refuses this key: the refusal stands.
            (
                json(401, "authentication_error", "invalid x-api-key"),
                list(),
                "invalid",
            ),
        ];
        for (keyed, keyless, want) in rows {
            let all = [
                (ProbeId::KeyModels, keyed.clone()),
                (ProbeId::CorsRead, keyless.clone()),
            ]
            .into_iter()
            .collect();
            assert_eq!(
                evaluate(&ctx, &all).unwrap().outcome.id,
                want,
                "{keyed:?} / {keyless:?}"
            );
        }
        // An accepted key waits for the keyless answer before it is called accepted.
        let all = [(ProbeId::KeyModels, list())].into_iter().collect();
        assert!(evaluate(&ctx, &all).is_none());
    }

    fn json(status: u16, kind: &str, message: &str) -> Observation {
        Observation::Response(resp(
            status,
            "application/json",
            &body(kind, message),
            &[("request-id", "req_k")],
        ))
    }

    #[test]
    fn a_key_that_did_not_arrive_names_the_header_it_was_sent_in() {
        for (mode, header) in [
            (AuthMode::Bearer, "Authorization: Bearer"),
            (AuthMode::ApiKey, "x-api-key"),
        ] {
            let ctx = Context::new(
                "https://gw.example.com",
                mode,
                ApiKey::new("k".into()),
                true,
            );
            let seen = json(401, "authentication_error", "x-api-key header is required");
            let all = [(ProbeId::KeyModels, seen)].into_iter().collect();
            let f = evaluate(&ctx, &all).unwrap();
            assert_eq!(f.outcome.id, "key_missing");
            assert!(
                f.facts.contains(&Fact::Offending(header.into())),
                "{:?}",
                f.facts
            );
        }
        // Other outcomes carry no such fact.
        let f = run(json(401, "authentication_error", "invalid x-api-key"));
        assert!(!f.facts.iter().any(|x| matches!(x, Fact::Offending(_))));
    }

    #[test]
    fn outcomes_table() {
        let spend = r#"{"type":"error","error":{"type":"rate_limit_error","message":"You have reached your monthly spend limit","details":{"error_code":"enforced_spend_limit_reached"}}}"#;
        let rows = [
            (Observation::Response(resp(200, "application/json", r#"{"data":[{"id":"claude-haiku-4-5","type":"model"}],"has_more":true}"#, &[])), "accepted"),
            (Observation::Response(resp(200, "application/json", r#"{"object":"list","data":[{"id":"gpt-4o","object":"model"}]}"#, &[])), "not_anthropic"),
            (Observation::Response(resp(401, "application/json", r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#, &[])), "not_anthropic"),
            (json(401, "authentication_error", "invalid x-api-key"), "invalid"),
            (json(401, "authentication_error", "x-api-key header is required"), "key_missing"),
            (json(401, "authentication_error", "OAuth authentication is currently not supported."), "oauth"),
            (json(401, "authentication_error", "CORS requests are not allowed for this Organization because of its settings."), "org_blocks_browser"),
            (json(401, "authentication_error", "CORS requests are not allowed for this Organization because of custom retention settings."), "org_blocks_browser"),
            (json(403, "permission_error", "Your API key does not have permission to use the specified resource."), "permission"),
            (Observation::Response(resp(403, "application/json", r#"{"error":{"type":"forbidden","message":"Request not allowed"}}"#, &[])), "region"),
            (json(402, "billing_error", "Payment required"), "billing"),
            (json(400, "invalid_request_error", "Your credit balance is too low to access the Anthropic API."), "billing"),
            (json(400, "invalid_request_error", "You have reached your specified API usage limits."), "spend_cap"),
            (json(429, "rate_limit_error", "Number of requests has exceeded your per-minute rate limit"), "rate_limited"),
            (Observation::Response(resp(429, "application/json", spend, &[])), "spend_cap"),
            (json(529, "overloaded_error", "Overloaded"), "overloaded"),
            (json(500, "api_error", "Internal server error"), "server_error"),
            (json(504, "timeout_error", "Request timeout"), "server_error"),
            (json(503, "some_new_error", "new"), "server_error"),
            (json(418, "some_new_error", "new"), "unexpected"),
            (Observation::Response(resp(520, "application/problem+json", r#"{"cloudflare_error":true}"#, &[])), "edge_error"),
            (Observation::Response(resp(403, "text/html", "<title>Just a moment...</title>", &[])), "not_api"),
            (Observation::Response(resp(404, "text/plain", "nope", &[])), "not_found"),
            (json(404, "not_found_error", "Not Found"), "not_found"),
            (Observation::Response(resp(200, "application/json", r#"{"data": [ {"id": "claude"#, &[])), "malformed"),
            (Observation::Response(resp(200, "application/json", "", &[])), "malformed"),
            (Observation::Response(resp(502, "text/plain", "Bad gateway", &[])), "server_error"),
            (crate::core::fixtures::held_redirect(), "redirected"),
            (crate::core::fixtures::opaque(5.0), "unexpected"),
            (Observation::Rejected { elapsed_ms: 9.0 }, "rejected"),
            (Observation::TimedOut { after_ms: 10_000 }, "timed_out"),
            (Observation::NotSent(NotSent::NoKey), "no_key"),
            (super::body::ended(BodyState::TimedOut), "body_stalled"),
            (super::body::ended(BodyState::Broken), "body_cut"),
            (super::body::ended(BodyState::Truncated), "body_too_large"),
            (Observation::Cancelled, "not_run"),
        ];
        let mut produced = vec!["not_validated"]; // a pair: `pairs_table`
        for (obs, want) in rows {
            produced.push(want);
            assert_eq!(run(obs.clone()).outcome.id, want, "{obs:?}");
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }

    #[test]
    fn facts_carry_request_id_message_and_retry_after() {
        let obs = Observation::Response(resp(
            429,
            "application/json",
            &body("rate_limit_error", "slow down"),
            &[("request-id", "req_42"), ("retry-after", "17")],
        ));
        let f = run(obs);
        crate::core::checks::testing::assert_has_facts(
            &f,
            &[
                Fact::RequestId("req_42".into()),
                Fact::RetryAfter("17".into()),
                Fact::ErrorMessage("slow down".into()),
            ],
        );
    }

    #[test]
    fn accepted_names_a_model() {
        let obs = Observation::Response(resp(
            200,
            "application/json",
            r#"{"data":[{"id":"claude-haiku-4-5"}]}"#,
            &[],
        ));
        assert!(run(obs)
            .facts
            .contains(&Fact::Model("claude-haiku-4-5".into())));
    }
}
