//! `service.message`: a real, streamed `POST /v1/messages` with `max_tokens: 1` — opt-in, it spends a few tokens.
//!
//! Only a message shows billing trouble, model access for generation, and whether a stream survives the
//! path. The body is parsed with the same event-stream parser a client uses, fed in the network chunks the
//! shell recorded, so each event is known to have arrived with a given chunk at a given time: a stream
//! whose events all arrive together was held back by something on the way (a buffering proxy), and one
//! that ends before `message_stop` was cut by it.

use crate::core::json::Json;

use super::{Check, NOT_RUN_DETAIL, NOT_RUN_TITLE, RETRY_SNIPPETS};
use crate::core::finding::{Fact, Finding, Layer, Outcome, Snippet, Status, Timing};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::{
    BodyState, NotSent, Observation, Observations, Response, ResponseKind,
};
use crate::core::probe::ProbeId;
use crate::core::reply::{self, ApiError, Reply};
use crate::core::sse::{SseEvent, SseParser};

const CODE: &str = "service.message";

/// Events that arrive within this many milliseconds of each other came together. A real stream spaces
/// `message_start` and the first token by the model's time to answer (hundreds of milliseconds); a
/// buffered one delivers everything in one burst, which a browser may still hand over in several reads
/// a millisecond or two apart.
pub const BUFFER_WINDOW_MS: f64 = 5.0;

/// Longest error message or model name kept as a fact: enough to read, bounded against hostile servers.
const MAX_TEXT: usize = 300;

/// A streamed request from the command line; `-N` prints events as they arrive, so a buffering path shows.
const STREAM_CURL: Snippet = Snippet {
    tool: "curl",
    code: "curl -N https://api.anthropic.com/v1/messages -H \"Authorization: Bearer $ANTHROPIC_API_KEY\" -H \"anthropic-version: 2026-10-21\" -H \"content-type: application/json\" -d '{\"model\":\"claude-haiku-4-5\",\"max_tokens\":16,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}'",
};

/// Lists the models this key can see.
const LIST_MODELS: Snippet = Snippet {
    tool: "curl",
    code: "curl https://api.anthropic.com/v1/models -H \"Authorization: Bearer $ANTHROPIC_API_KEY\" -H \"anthropic-version: 2026-10-21\"",
};

pub static OFF: Outcome = Outcome {
    id: "off",
    status: Status::Info,
    layer: Layer::Service,
    title: t!("Test message not sent", "未发送测试消息"),
    detail: t!(
        "Sending a real message is opt-in: it spends a few tokens (max_tokens 1). Turn it on to check billing, model access, streaming through this path and time to the first token.",
        "发送真实消息需要手动开启：它会消耗少量 token（max_tokens 为 1）。开启后可检测账单、模型访问、经由当前路径的流式传输以及首个 token 的用时。",
    ),
    fix: None,
    snippets: &[],
};

pub static NO_KEY: Outcome = Outcome {
    id: "no_key",
    status: Status::Info,
    layer: Layer::Service,
    title: t!("Test message not sent", "未发送测试消息"),
    detail: t!(
        "Sending a message needs a usable key, and none was given.",
        "发送消息需要一个可用的密钥，但未提供。",
    ),
    fix: None,
    snippets: &[],
};

pub static NO_MODEL: Outcome = Outcome {
    id: "no_model",
    status: Status::Info,
    layer: Layer::Service,
    title: t!("No model to send the message to", "没有可用于发送消息的模型"),
    detail: t!(
        "No valid model was named, and the key's model list listed none or could not be read, so there was nothing to try.",
        "未指定有效的模型，而该密钥的模型列表为空或无法读取，因此没有可尝试的模型。",
    ),
    fix: None,
    snippets: &[],
};

pub static STREAMED: Outcome = Outcome {
    id: "streamed",
    status: Status::Pass,
    layer: Layer::Service,
    title: t!("The message streamed", "消息以流式返回"),
    detail: t!(
        "The API streamed the answer from message_start to message_stop, in pieces over time: billing, model access and streaming through this path work.",
        "API 以流式返回了从 message_start 到 message_stop 的完整回答，并分多次陆续到达：账单、模型访问以及经由当前路径的流式传输均正常。",
    ),
    fix: None,
    snippets: &[],
};

pub static BUFFERED: Outcome = Outcome {
    id: "buffered",
    status: Status::Warn,
    layer: Layer::Service,
    title: t!("The stream arrived all at once", "流式响应一次性到达"),
    detail: t!(
        "The stream was complete, but all its events arrived together, as when a proxy or gateway buffers responses: long answers would then appear only at the end, and may hit its timeout first. With max_tokens 1 the stream is short, so this is a strong hint, not proof.",
        "流式响应是完整的，但所有事件同时到达，就像代理或网关缓冲了响应：较长的回答将会在最后才一次性出现，还可能先触发其超时。由于 max_tokens 为 1，流很短，所以这只是强烈的迹象，而非确证。",
    ),
    fix: Some(t!(
        "Turn off response buffering for text/event-stream on the proxy or gateway (nginx: proxy_buffering off; or the response header X-Accel-Buffering: no), or stream through another path. curl -N shows whether events trickle in on this machine.",
        "在代理或网关上关闭 text/event-stream 的响应缓冲（nginx：proxy_buffering off;，或响应头 X-Accel-Buffering: no），或改走其他路径进行流式传输。curl -N 可以显示事件在本机上是否逐个到达。",
    )),
    snippets: &[STREAM_CURL],
};

pub static ERROR_EVENT: Outcome = Outcome {
    id: "error_event",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("The stream carried an error", "流中出现了错误事件"),
    detail: t!(
        "The API answered 200, then sent an error event in the stream (overloaded_error, for instance). The SDKs raise it while the stream is read, after the 200 (Python: an APIStatusError; TypeScript: an APIError), and do not retry it for you.",
        "API 先返回了 200，随后在流中发送了错误事件（例如 overloaded_error）。SDK 会在读取流的过程中（200 之后）抛出该错误（Python 为 APIStatusError，TypeScript 为 APIError），且不会自动重试。",
    ),
    fix: Some(t!(
        "Catch that error around the stream and retry the request with backoff; if it persists, check status.claude.com.",
        "在读取流的代码外捕获该错误，并以退避策略重试请求；如果持续出现，请查看 status.claude.com。",
    )),
    snippets: &[],
};

pub static CUT: Outcome = Outcome {
    id: "cut",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("The stream was cut off", "流被中途截断"),
    detail: t!(
        "The stream ended before message_stop: something on the path closed it early, such as a proxy's or gateway's read timeout, or antivirus or a firewall that inspects HTTPS.",
        "流在 message_stop 之前就结束了：路径上的某个环节提前关闭了它，例如代理或网关的读取超时，或检查 HTTPS 流量的杀毒软件或防火墙。",
    ),
    fix: Some(t!(
        "Raise the proxy's or gateway's timeout for streamed responses and exempt api.anthropic.com from HTTPS inspection. curl -N on the same machine shows whether the stream completes there.",
        "调高代理或网关对流式响应的超时时间，并将 api.anthropic.com 排除在 HTTPS 检查之外。在同一台机器上运行 curl -N 可查看流能否完整结束。",
    )),
    snippets: &[STREAM_CURL],
};

pub static NOT_STREAMED: Outcome = Outcome {
    id: "not_streamed",
    status: Status::Warn,
    layer: Layer::Service,
    title: t!("The answer was not streamed", "回答没有以流式返回"),
    detail: t!(
        "The message asked for a stream but came back as one JSON body: a gateway on the path ignores stream: true. Streaming clients will wait for the whole answer, or fail to read it.",
        "请求要求流式返回，但得到的是一个完整的 JSON 响应体：路径上的网关忽略了 stream: true。流式客户端将一直等到完整回答，或无法读取它。",
    ),
    fix: Some(t!(
        "Make the gateway pass streaming through as text/event-stream, or call it without streaming.",
        "让网关以 text/event-stream 透传流式响应，或改用非流式调用。",
    )),
    snippets: &[STREAM_CURL],
};

pub static CREDIT_LOW: Outcome = Outcome {
    id: "credit_low",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("The credit balance is too low", "额度余额不足"),
    detail: t!(
        "The API answered \"Your credit balance is too low…\": the key works, but the organization has no credits left to spend.",
        "API 返回 \"Your credit balance is too low…\"：密钥有效，但该组织已没有可用额度。",
    ),
    fix: Some(t!(
        "Buy credits in the Console under Plans & Billing, then run again.",
        "在 Console 的 Plans & Billing 页面购买额度，然后重新检测。",
    )),
    snippets: &[],
};

pub static BILLING: Outcome = Outcome {
    id: "billing",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("A billing problem", "账单问题"),
    detail: t!(
        "The API answered billing_error: a payment failed, or billing is not set up for this organization.",
        "API 返回 billing_error：付款失败，或该组织尚未设置账单。",
    ),
    fix: Some(t!(
        "Check the payment method and invoices in the Console under Plans & Billing.",
        "在 Console 的 Plans & Billing 页面检查付款方式和账单。",
    )),
    snippets: &[],
};

pub static SPEND_CAP: Outcome = Outcome {
    id: "spend_cap",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("The spend limit is reached", "已达到支出上限"),
    detail: t!(
        "The API refused because the organization's usage limit is reached (enforced_spend_limit_reached): retrying does not help until the limit is raised or the month turns.",
        "API 因组织已达到用量上限而拒绝（enforced_spend_limit_reached）：在提高上限或进入下个月之前，重试无济于事。",
    ),
    fix: Some(t!(
        "Raise the spend limit in the Console under Limits; do not retry in a loop.",
        "在 Console 的 Limits 页面提高支出上限；不要循环重试。",
    )),
    snippets: &[],
};

pub static RATE_LIMITED: Outcome = Outcome {
    id: "rate_limited",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("The message was rate limited (429)", "消息被限流（429）"),
    detail: t!(
        "The message hit a rate limit of this organization. The SDKs wait and retry, honouring retry-after.",
        "该消息触发了该组织的速率限制。SDK 会遵循 retry-after 等待并重试。",
    ),
    fix: Some(t!(
        "Wait for retry-after and keep the SDKs' retries on (max_retries, maxRetries); spread requests out, or ask for a higher tier in the Console.",
        "等待 retry-after 指定的时间，并保持 SDK 的重试开启（max_retries、maxRetries）；分散请求，或在 Console 中申请更高的用量等级。",
    )),
    snippets: RETRY_SNIPPETS,
};

pub static OVERLOADED: Outcome = Outcome {
    id: "overloaded",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("The API is overloaded (529)", "API 过载（529）"),
    detail: t!(
        "The API is busy across all users; this is not your network or key.",
        "API 在所有用户范围内繁忙；这与你的网络或密钥无关。",
    ),
    fix: Some(t!(
        "The SDKs retry 529 with backoff; raise max_retries (maxRetries) for more patience, and check status.claude.com.",
        "SDK 会以退避策略重试 529；可调高 max_retries（maxRetries）以多等一会儿，并查看 status.claude.com。",
    )),
    snippets: RETRY_SNIPPETS,
};

pub static SERVER_ERROR: Outcome = Outcome {
    id: "server_error",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("The message got a server error", "消息遇到服务器错误"),
    detail: t!(
        "A 5xx came back for the message: an error or a timeout on the service's side, not your network or key.",
        "消息请求返回了 5xx：是服务端的错误或超时，与你的网络或密钥无关。",
    ),
    fix: Some(t!(
        "Retry in a minute (the SDKs retry 5xx) and check status.claude.com; if it persists, give support the request id.",
        "一分钟后重试（SDK 会自动重试 5xx），并查看 status.claude.com；如果持续出现，请把请求 ID 提供给支持团队。",
    )),
    snippets: &[],
};

pub static UNKNOWN_MODEL: Outcome = Outcome {
    id: "unknown_model",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("The key cannot use this model", "该密钥无法使用此模型"),
    detail: t!(
        "The API answered 404 not_found_error for the model: the id is mistyped, the model is retired, or it is not enabled for this organization or workspace.",
        "API 对该模型返回 404 not_found_error：模型 ID 拼写有误、模型已停用，或该组织或工作区未开通此模型。",
    ),
    fix: Some(t!(
        "Use an id from this key's model list.",
        "请使用该密钥模型列表中的 ID。",
    )),
    snippets: &[LIST_MODELS],
};

pub static UNEXPECTED: Outcome = Outcome {
    id: "unexpected",
    status: Status::Warn,
    layer: Layer::Service,
    title: t!("An unexpected answer to the message", "对消息的响应出乎意料"),
    detail: t!(
        "The answer is readable but matches none of the API's known responses; see the status and message. A gateway may answer in its own format.",
        "响应可以读取，但与 API 的已知响应都不匹配；请查看状态码和消息。网关可能使用自有的格式。",
    ),
    fix: Some(t!(
        "Check the message below, and compare with curl from the same machine.",
        "查看下方的消息，并在同一台机器上用 curl 对比。",
    )),
    snippets: &[STREAM_CURL],
};

pub static FAILED: Outcome = Outcome {
    id: "failed",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("The message request failed", "消息请求失败"),
    detail: t!(
        "The browser refused the message, or it was redirected or unreadable, though the model list worked: likely a gateway whose CORS preflight does not allow POST with content-type, or a blocker or proxy that stops POSTs to this host.",
        "模型列表请求正常，但消息请求被浏览器拒绝、被重定向或无法读取：很可能是网关的 CORS 预检不允许带 content-type 的 POST，或有拦截工具或代理阻止了发往该主机的 POST。",
    ),
    fix: Some(t!(
        "Allow POST and the content-type header in the gateway's CORS settings (Access-Control-Allow-Methods, Access-Control-Allow-Headers); the request below, with curl -v, shows what the host answers.",
        "在网关的 CORS 设置中允许 POST 方法和 content-type 请求头（Access-Control-Allow-Methods、Access-Control-Allow-Headers）；用 curl -v 运行下方的请求可以看到主机的响应。",
    )),
    snippets: &[STREAM_CURL],
};

pub static TIMED_OUT: Outcome = Outcome {
    id: "timed_out",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("The message got no answer in time", "消息未能及时得到响应"),
    detail: t!(
        "No response headers came before the probe's timeout: the service is very slow or overloaded, or a proxy holds streamed responses back.",
        "在探测超时之前没有收到响应头：服务非常缓慢或过载，或者有代理扣住了流式响应。",
    ),
    fix: Some(t!(
        "Retry and check status.claude.com; if a proxy is on the path, make it pass text/event-stream through unbuffered. Keep the SDKs' timeout long enough for long answers.",
        "重试并查看 status.claude.com；如果路径上有代理，请让它不加缓冲地透传 text/event-stream。请将 SDK 的超时时间设置得足以容纳较长的回答。",
    )),
    snippets: &[
        Snippet {
            tool: "Python",
            code: "import httpx2\nclient = anthropic.Anthropic(timeout=httpx2.Timeout(600.0, connect=5.0))",
        },
        Snippet {
            tool: "TypeScript",
            code: "const client = new Anthropic({ timeout: 600000 });",
        },
    ],
};

pub static NOT_RUN: Outcome = Outcome {
    id: "not_run",
    status: Status::Info,
    layer: Layer::Service,
    title: NOT_RUN_TITLE,
    detail: NOT_RUN_DETAIL,
    fix: None,
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 12,
    applies: Applies::Everywhere,
    layer: Layer::Service,
    title: t!("A streamed test message", "流式测试消息"),
    depends_on: &["auth.key", "auth.model"],
    probes: &[ProbeId::KeyModels, ProbeId::Message],
    outcomes: &[
        (0, &OFF),
        (1, &NO_KEY),
        (2, &NO_MODEL),
        (3, &STREAMED),
        (4, &BUFFERED),
        (5, &ERROR_EVENT),
        (6, &CUT),
        (7, &NOT_STREAMED),
        (8, &CREDIT_LOW),
        (9, &BILLING),
        (10, &SPEND_CAP),
        (11, &RATE_LIMITED),
        (12, &OVERLOADED),
        (13, &SERVER_ERROR),
        (14, &UNKNOWN_MODEL),
        (15, &UNEXPECTED),
        (16, &FAILED),
        (17, &TIMED_OUT),
        (18, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(ctx: &Context, obs: &Observations) -> Option<Finding> {
    // Not asked for: known at once, so the finding does not sit pending until the model list is back.
    if !ctx.settings.message {
        return Some(Finding::new(CODE, &OFF));
    }
    Some(match obs.get(&ProbeId::Message)? {
        Observation::Response(r) => readable(r),
        Observation::Rejected { elapsed_ms } => {
            Finding::new(CODE, &FAILED).with(Fact::Elapsed(*elapsed_ms))
        }
        Observation::TimedOut { after_ms } => {
            Finding::new(CODE, &TIMED_OUT).with(Fact::TimeoutMs(*after_ms))
        }
        Observation::NotSent(NotSent::Off) => Finding::new(CODE, &OFF),
        Observation::NotSent(NotSent::NoKey | NotSent::KeyShape) => Finding::new(CODE, &NO_KEY),
        Observation::NotSent(NotSent::Prerequisite) => Finding::new(CODE, &NO_MODEL),
        Observation::Cancelled
        | Observation::NotSent(_)
        | Observation::Series { .. }
        | Observation::Net(_) => Finding::new(CODE, &NOT_RUN),
    })
}

/// Classifies the answer to the message: a stream to read, or the API's (or a gateway's) error.
fn readable(r: &Response) -> Finding {
    if r.kind != ResponseKind::Readable {
        return Finding::new(CODE, &FAILED).with(Fact::Elapsed(r.elapsed_ms));
    }
    let facts = reply::response_facts(r);
    let content_type = r.header("content-type").unwrap_or("").to_ascii_lowercase();
    if r.status == 200 && content_type.contains("json") {
        return Finding::new(CODE, &NOT_STREAMED).with_all(facts);
    }
    let reply = reply::classify(r);
    if r.status == 200 {
        return match reply {
            Reply::Html { title } => Finding::new(CODE, &UNEXPECTED)
                .with_all(title.map(Fact::PageTitle))
                .with_all(facts),
            _ => stream(r).with_all(facts),
        };
    }
    let mut extra = Vec::new();
    let outcome = match &reply {
        Reply::ApiError { .. } => match ApiError::read(r) {
            Some(e) => {
                extra.extend(e.facts());
                api_error(&e)
            }
            None => by_status(r.status),
        },
        Reply::Html { title } => {
            extra.extend(title.clone().map(Fact::PageTitle));
            by_status(r.status)
        }
        _ => by_status(r.status),
    };
    extra.extend(reply::retry_after(r).map(Fact::RetryAfter));
    Finding::new(CODE, outcome).with_all(extra).with_all(facts)
}

/// Maps the API's error to an outcome; unknown types fall back on the status, as the docs advise. The
/// spend cap and the credit balance are the rules of [`ApiError`], shared with every check.
fn api_error(e: &ApiError) -> &'static Outcome {
    match e.kind.as_str() {
        _ if e.spend_cap() => &SPEND_CAP,
        _ if e.credit_low() => &CREDIT_LOW,
        "billing_error" => &BILLING,
        _ if e.rate_limited() => &RATE_LIMITED,
        _ if e.overloaded() => &OVERLOADED,
        "not_found_error" => &UNKNOWN_MODEL,
        _ if e.server_fault() => &SERVER_ERROR,
        _ => by_status(e.status),
    }
}

/// The outcome a status alone implies, for bodies that are not the API's.
fn by_status(status: u16) -> &'static Outcome {
    match status {
        402 => &BILLING,
        429 => &RATE_LIMITED,
        529 => &OVERLOADED,
        500..=599 => &SERVER_ERROR,
        _ => &UNEXPECTED,
    }
}

/// One event of the stream and when the network delivered it.
struct Arrived {
    /// The event's type: the `event:` field, else the data's `type`.
    kind: String,
    data: Json,
    /// Which non-empty network chunk completed it, counting from 0.
    chunk: usize,
    /// When that chunk arrived, in milliseconds since sending.
    at_ms: f64,
}

/// Parses the body as an event stream, fed at the recorded chunk boundaries.
///
/// Chunk ends are clamped to the body and made non-decreasing, so a shell's odd record cannot panic the
/// slicing. Bytes past the last recorded end (or a body with no record at all) count as one more chunk
/// at the last recorded time, or at the headers' time: nothing shows they came apart. The body was
/// decoded as UTF-8 with replacement characters, so a stream with invalid bytes maps to chunks only
/// approximately; the API sends valid UTF-8.
fn arrivals(r: &Response) -> (Vec<Arrived>, usize) {
    let body = r.body.as_bytes();
    let last_at = r.chunks.last().map_or(r.elapsed_ms, |c| c.at_ms);
    let cuts = r
        .chunks
        .iter()
        .map(|c| (c.end, c.at_ms))
        .chain(std::iter::once((body.len(), last_at)));
    let mut parser = SseParser::default();
    let (mut start, mut chunks, mut out) = (0, 0, Vec::new());
    for (end, at_ms) in cuts {
        let end = end.min(body.len());
        let Some(piece) = body.get(start..end).filter(|p| !p.is_empty()) else {
            continue;
        };
        out.extend(
            parser
                .feed(piece)
                .into_iter()
                .map(|e| arrived(e, chunks, at_ms)),
        );
        start = end;
        chunks += 1;
    }
    (out, chunks)
}

/// An event with its type and data read leniently: data that is not JSON reads as `null`.
fn arrived(e: SseEvent, chunk: usize, at_ms: f64) -> Arrived {
    let data = Json::parse(&e.data).unwrap_or_default();
    let kind = if e.event == "message" {
        data["type"].as_str().unwrap_or("message").to_string()
    } else {
        e.event
    };
    Arrived {
        kind,
        data,
        chunk,
        at_ms,
    }
}

/// Judges a 200 stream: an error event, a cut, or a whole stream that was or was not held back.
fn stream(r: &Response) -> Finding {
    let (events, chunks) = arrivals(r);
    let counts = Fact::StreamChunks {
        events: events.len(),
        chunks,
    };
    let has = |kind: &str| events.iter().any(|e| e.kind == kind);
    if let Some(error) = events.iter().find(|e| e.kind == "error") {
        let text = |field: &str| bounded(error.data["error"][field].as_str().unwrap_or(""));
        return Finding::new(CODE, &ERROR_EVENT)
            .with(Fact::ErrorType(text("type")))
            .with(Fact::ErrorMessage(text("message")))
            .with(counts);
    }
    if !has("message_stop") {
        // Only a stream that ended (closed, broke or ran out of time) was cut; a body the page stopped
        // reading at its cap, or one with no events at all, is something else.
        let not_a_stream = events.is_empty() && !r.body.trim().is_empty();
        let outcome = if r.body_state == BodyState::Truncated || not_a_stream {
            &UNEXPECTED
        } else {
            &CUT
        };
        return Finding::new(CODE, outcome).with(counts);
    }
    if !has("message_start") {
        return Finding::new(CODE, &UNEXPECTED).with(counts);
    }
    let (first, last) = events
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), e| {
            (lo.min(e.at_ms), hi.max(e.at_ms))
        });
    let spread_over_chunks = events.iter().any(|e| e.chunk != events[0].chunk);
    let outcome = if spread_over_chunks && last - first > BUFFER_WINDOW_MS {
        &STREAMED
    } else {
        &BUFFERED
    };
    let first_token = events
        .iter()
        .find(|e| e.kind == "content_block_delta")
        .or_else(|| events.iter().find(|e| e.kind == "message_delta"))
        .map(|e| Fact::Duration(Timing::FirstToken, e.at_ms));
    let model = events
        .iter()
        .find(|e| e.kind == "message_start")
        .and_then(|e| e.data["message"]["model"].as_str())
        .map(|m| Fact::Model(bounded(m)));
    Finding::new(CODE, outcome)
        .with_all(first_token)
        .with_all(model)
        .with(counts)
}

/// Server text as a fact, bounded.
fn bounded(s: &str) -> String {
    s.chars().take(MAX_TEXT).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{api_error, resp};
    use crate::core::fixtures::{held_redirect, opaque};
    use crate::core::input::Settings;
    use crate::core::key::{ApiKey, AuthMode};
    use crate::core::observation::Chunk;
    use std::collections::BTreeSet;

    /// The events of a one-token answer, as the API streams them.
    const EVENTS: [(&str, &str); 7] = [
        (
            "message_start",
            r#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":8,"output_tokens":1}}}"#,
        ),
        ("ping", r#"{"type": "ping"}"#),
        (
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#,
        ),
        (
            "content_block_stop",
            r#"{"type":"content_block_stop","index":0}"#,
        ),
        (
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":1}}"#,
        ),
        ("message_stop", r#"{"type":"message_stop"}"#),
    ];

    /// The wire form of events, each with its own end offset.
    fn wire(events: &[(&str, &str)]) -> (String, Vec<usize>) {
        let mut body = String::new();
        let mut ends = Vec::new();
        for (kind, data) in events {
            body.push_str(&format!("event: {kind}\ndata: {data}\n\n"));
            ends.push(body.len());
        }
        (body, ends)
    }

    /// A 200 stream whose body arrived in the given chunks.
    fn streamed(body: &str, chunks: &[(usize, f64)], state: BodyState) -> Observation {
        let mut r = resp(200, "text/event-stream", body, &[("request-id", "req_s")]);
        r.chunks = chunks
            .iter()
            .map(|&(end, at_ms)| Chunk { end, at_ms })
            .collect();
        r.body_state = state;
        Observation::Response(r)
    }

    /// The whole answer, `message_start` and `ping` at 100 ms, then each event 20 ms after the last.
    fn real_stream() -> Observation {
        let (body, ends) = wire(&EVENTS);
        let mut chunks = vec![(ends[1], 100.0)];
        for (i, &end) in ends[2..].iter().enumerate() {
            chunks.push((end, 300.0 + 20.0 * i as f64));
        }
        streamed(&body, &chunks, BodyState::Complete)
    }

    fn ctx(message: bool) -> Context {
        Context::new(
            "https://api.anthropic.com",
            AuthMode::ApiKey,
            ApiKey::new("k".into()),
            true,
        )
        .with_settings(Settings {
            message,
            ..Settings::default()
        })
    }

    fn run(obs: Option<Observation>) -> Option<Finding> {
        let all = obs.map(|o| (ProbeId::Message, o)).into_iter().collect();
        evaluate(&ctx(true), &all)
    }

    fn error(status: u16, kind: &str, message: &str) -> Observation {
        Observation::Response(resp(
            status,
            "application/json",
            &api_error(kind, message),
            &[("request-id", "req_e")],
        ))
    }

    #[test]
    fn outcomes_table() {
        let (body, ends) = wire(&EVENTS);
        let len = body.len();
        let (errored, _) = wire(&[
            EVENTS[0],
            EVENTS[1],
            (
                "error",
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
            ),
        ]);
        let (cut, cut_ends) = wire(&EVENTS[..3]);
        let (no_start, _) = wire(&EVENTS[1..]);
        // Every 7 bytes, a millisecond apart: lines and even field names split across chunks.
        let sevens: Vec<(usize, f64)> = (1..=len.div_ceil(7))
            .map(|i| ((i * 7).min(len), i as f64))
            .collect();
        let spend = r#"{"type":"error","error":{"type":"rate_limit_error","message":"You have reached your monthly spend limit","details":{"error_code":"enforced_spend_limit_reached"}}}"#;
        let rows = [
            (Observation::NotSent(NotSent::Off), "off"),
            (Observation::NotSent(NotSent::NoKey), "no_key"),
            (Observation::NotSent(NotSent::KeyShape), "no_key"),
            (Observation::NotSent(NotSent::Prerequisite), "no_model"),
            (real_stream(), "streamed"),
            (streamed(&body, &sevens, BodyState::Complete), "streamed"),
            // The opening first, the rest 200 ms later: two chunks suffice.
            (
                streamed(&body, &[(ends[1], 90.0), (len, 290.0)], BodyState::Complete),
                "streamed",
            ),
            // Carriage returns and line feeds, as some servers end lines.
            (
                streamed(
                    &body.replace('\n', "\r\n"),
                    &[(ends[1] + 4, 90.0), (2 * len, 290.0)],
                    BodyState::Complete,
                ),
                "streamed",
            ),
            (streamed(&body, &[(len, 300.0)], BodyState::Complete), "buffered"),
            // Several reads of one burst, within the window.
            (
                streamed(
                    &body,
                    &[(ends[1], 300.0), (ends[4], 301.5), (len, 303.0)],
                    BodyState::Complete,
                ),
                "buffered",
            ),
            // No chunk record at all: one burst as far as anything shows.
            (streamed(&body, &[], BodyState::Complete), "buffered"),
            (
                streamed(&errored, &[(errored.len(), 80.0)], BodyState::Complete),
                "error_event",
            ),
            (
                streamed(&cut, &[(cut_ends[1], 80.0), (cut.len(), 200.0)], BodyState::Broken),
                "cut",
            ),
            (streamed(&cut, &[(cut.len(), 80.0)], BodyState::Complete), "cut"),
            (streamed(&cut, &[(cut.len(), 80.0)], BodyState::TimedOut), "cut"),
            // Everything but the last event arrived, then nothing: the stop was lost on the way.
            (
                streamed(&body[..ends[5]], &[(ends[5], 80.0)], BodyState::Broken),
                "cut",
            ),
            (streamed("", &[], BodyState::Complete), "cut"),
            (streamed(&cut, &[(cut.len(), 80.0)], BodyState::Truncated), "unexpected"),
            (streamed("hello", &[(5, 80.0)], BodyState::Complete), "unexpected"),
            (streamed(&no_start, &[(10, 1.0), (no_start.len(), 90.0)], BodyState::Complete), "unexpected"),
            (
                Observation::Response(resp(
                    200,
                    "application/json",
                    r#"{"type":"message","content":[{"type":"text","text":"Hi"}]}"#,
                    &[],
                )),
                "not_streamed",
            ),
            (
                Observation::Response(resp(200, "text/html", "<title>Proxy login</title>", &[])),
                "unexpected",
            ),
            (
                error(400, "invalid_request_error", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."),
                "credit_low",
            ),
            (error(402, "billing_error", "Payment required"), "billing"),
            (
                Observation::Response(resp(402, "text/plain", "Payment Required", &[])),
                "billing",
            ),
            (
                error(400, "invalid_request_error", "You have reached your specified API usage limits. You will regain access on 2026-12-01 at 00:00 UTC."),
                "spend_cap",
            ),
            (
                Observation::Response(resp(429, "application/json", spend, &[])),
                "spend_cap",
            ),
            (
                error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
                "rate_limited",
            ),
            (
                Observation::Response(resp(429, "text/plain", "Too many requests", &[])),
                "rate_limited",
            ),
            (error(529, "overloaded_error", "Overloaded"), "overloaded"),
            (error(500, "api_error", "Internal server error"), "server_error"),
            (error(504, "timeout_error", "Request timeout"), "server_error"),
            (error(503, "some_new_error", "new"), "server_error"),
            (
                Observation::Response(resp(520, "application/problem+json", r#"{"cloudflare_error":true}"#, &[])),
                "server_error",
            ),
            (
                Observation::Response(resp(502, "text/html", "<title>502 Bad Gateway</title>", &[])),
                "server_error",
            ),
            (error(404, "not_found_error", "model: claude-haiku-9"), "unknown_model"),
            (
                Observation::Response(resp(404, "text/plain", "no such route", &[])),
                "unexpected",
            ),
            (
                error(400, "invalid_request_error", "max_tokens: Field required"),
                "unexpected",
            ),
            (error(403, "permission_error", "not allowed"), "unexpected"),
            (Observation::Rejected { elapsed_ms: 6.0 }, "failed"),
            (held_redirect(), "failed"),
            (opaque(6.0), "failed"),
            (Observation::TimedOut { after_ms: 30_000 }, "timed_out"),
            (Observation::Cancelled, "not_run"),
            (Observation::NotSent(NotSent::MixedContent), "not_run"),
        ];
        let mut seen = BTreeSet::new();
        for (obs, want) in rows {
            let got = run(Some(obs.clone())).unwrap().outcome.id;
            assert_eq!(got, want, "{obs:?}");
            seen.insert(got);
        }
        super::super::testing::assert_covers(&CHECK, seen.iter().copied());
    }

    #[test]
    fn waits_for_its_probe() {
        assert!(run(None).is_none());
    }

    #[test]
    fn off_is_decided_at_once() {
        let f = evaluate(&ctx(false), &Default::default()).unwrap();
        assert_eq!(f.outcome.id, "off");
    }

    #[test]
    fn a_stream_reports_first_token_model_and_chunks() {
        let f = run(Some(real_stream())).unwrap();
        crate::core::checks::testing::assert_has_facts(
            &f,
            &[
                Fact::Duration(Timing::FirstToken, 320.0),
                Fact::Model("claude-haiku-4-5".into()),
                Fact::StreamChunks {
                    events: 7,
                    chunks: 6,
                },
                Fact::RequestId("req_s".into()),
            ],
        );
    }

    #[test]
    fn first_token_falls_back_to_message_delta() {
        let events: Vec<_> = EVENTS
            .iter()
            .copied()
            .filter(|(k, _)| !k.starts_with("content_block"))
            .collect();
        let (body, ends) = wire(&events);
        let f = run(Some(streamed(
            &body,
            &[(ends[1], 100.0), (ends[2], 250.0), (body.len(), 260.0)],
            BodyState::Complete,
        )))
        .unwrap();
        assert_eq!(f.outcome.id, "streamed");
        assert!(f.facts.contains(&Fact::Duration(Timing::FirstToken, 250.0)));
    }

    #[test]
    fn events_without_names_are_known_by_their_data() {
        let body: String = EVENTS
            .iter()
            .map(|(_, d)| format!("data: {d}\n\n"))
            .collect();
        let first = format!("data: {}\n\n", EVENTS[0].1).len();
        let f = run(Some(streamed(
            &body,
            &[(first, 100.0), (body.len(), 300.0)],
            BodyState::Complete,
        )))
        .unwrap();
        assert_eq!(f.outcome.id, "streamed");
    }

    #[test]
    fn the_error_event_names_its_type_and_message() {
        let (body, _) = wire(&[
            EVENTS[0],
            (
                "error",
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
            ),
        ]);
        let f = run(Some(streamed(
            &body,
            &[(body.len(), 50.0)],
            BodyState::Complete,
        )))
        .unwrap();
        assert!(f
            .facts
            .contains(&Fact::ErrorType("overloaded_error".into())));
        assert!(f.facts.contains(&Fact::ErrorMessage("Overloaded".into())));
    }

    #[test]
    fn odd_chunk_records_do_not_panic() {
        let (body, _) = wire(&EVENTS);
        let len = body.len();
        let records: [&[(usize, f64)]; 5] = [
            &[(len + 500, 10.0)],
            &[(50, 10.0), (20, 20.0), (len, 30.0)],
            &[(0, 1.0), (0, 2.0)],
            &[(usize::MAX, f64::NAN)],
            &[(3, -5.0), (len - 1, f64::INFINITY)],
        ];
        for chunks in records {
            let f = run(Some(streamed(&body, chunks, BodyState::Complete))).unwrap();
            assert!(
                ["streamed", "buffered"].contains(&f.outcome.id),
                "{chunks:?}"
            );
        }
        // Multi-byte characters cut by a chunk end, and garbage data.
        let odd = "event: message_start\ndata: {\"message\":{\"model\":\"é😀\"}}\n\ndata: [\n\nevent: message_stop\ndata: x\n\n";
        for end in 0..odd.len() {
            run(Some(streamed(
                odd,
                &[(end, 1.0), (odd.len(), 9.0)],
                BodyState::Complete,
            )))
            .unwrap();
        }
    }

    #[test]
    fn a_429_carries_retry_after() {
        let mut r = resp(
            429,
            "application/json",
            &api_error("rate_limit_error", "slow down"),
            &[("retry-after", "17")],
        );
        r.elapsed_ms = 80.0;
        let f = run(Some(Observation::Response(r))).unwrap();
        assert!(f.facts.contains(&Fact::RetryAfter("17".into())));
    }
}
