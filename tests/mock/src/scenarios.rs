//! The scenario table and what each scenario does; `/s/<scenario>/…` picks one.

use crate::api::{self, ApiError, Credential, Endpoint, RateHeaders, RateLimit, Serving};
use crate::cors;
use crate::doh;
use crate::gateways::{self, Gateway};
use crate::http::{self, Body, Request, Response};
use crate::sse::Streaming;
use crate::statuspage;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One row of the table. Adding a scenario is adding a row.
pub struct Scenario {
    /// The path segment. `<…>` marks a numeric parameter after a dash: `slow-<ms>` matches `slow-1500`.
    pub name: &'static str,
    /// One line for `GET /` and `scripts/serve --demo`.
    pub description: &'static str,
    pub behaviour: Behaviour,
}

/// What a scenario does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// The API with its CORS rules, auth and endpoints, as [`Api`] varies it.
    Api(Api),
    /// A reply that does not come from the API, to every request, preflights included.
    Edge(Edge),
    /// The API, after waiting the parameter in milliseconds (preflights are not delayed).
    Slow,
    /// Reads the request and never answers.
    Hang,
    /// The API's headers at once, then the body one byte every 200 ms.
    Drip,
    /// 200 with a 50 MB body.
    Huge,
    /// 307 to the same path under `healthy`.
    Redirect,
    /// 307 to itself.
    RedirectLoop,
    /// Headers announcing 1000 bytes, 10 bytes, then a reset connection.
    Reset,
    /// Reports the method, path and headers it received.
    Echo,
    /// `{"ok":true}`, readable from anywhere.
    Control,
    /// The API's 404 for every request, as a wrong base path gets.
    NotFound,
    /// Something in front of the API (played as the [`Api`] says), or instead of it, as [`Gateway`] says.
    Gateway(Gateway, Api),
}

/// The API as one scenario plays it: [`HEALTHY`] with some fields changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Api {
    /// `false` is a gateway that proxies the API but sends no access-control headers.
    pub cors: bool,
    pub fault: Fault,
    /// Where the `date` header (and every time the API reports) stands.
    pub clock: Clock,
    /// What a request gets once it passes every check.
    pub serving: Serving,
    /// Whether every response carries `timing-allow-origin: *`, which the real API never sends.
    pub timing: bool,
}

/// The API as it is.
pub const HEALTHY: Api = Api {
    cors: true,
    fault: Fault::None,
    clock: Clock::Real,
    serving: api::SERVING,
    timing: false,
};

/// The API's clock against real time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    Real,
    /// The parameter's seconds ahead: the user's clock is that far behind.
    Ahead,
    /// The parameter's seconds behind: the user's clock is that far ahead.
    Behind,
}

/// A fault the API injects once a request has passed the browser gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Requests with any credential (`x-api-key` or `authorization`) get this
    /// error; requests without one get the usual "x-api-key header is required".
    Keyed(ApiError),
    /// Every `/v1/` request gets this error, credential or not.
    All(ApiError),
    /// Requests with a credential get 200 and truncated JSON.
    KeyedMalformed,
    /// `POST /v1/messages` with an accepted key gets this error; the rest works,
    /// as for a key that is valid but cannot spend.
    Messages(ApiError),
    /// Every third non-preflight `/v1/` request that names `anthropic-version`
    /// ([`FLAKY_REQUESTS`] % 3 == 2) gets this error as [`Fault::All`] would;
    /// the others are healthy. Requests without the header (the page's `no-cors`
    /// probes and its probe with no custom header, whose answers it cannot or
    /// need not read) do not count, so that the rhythm is the readable requests'.
    Flaky(ApiError),
}

/// The `flaky` scenario's count of the requests it counts, over the whole
/// process, so that every connection sees the same rhythm.
static FLAKY_REQUESTS: AtomicU64 = AtomicU64::new(0);

/// A reply from something in front of the API (Cloudflare, a proxy): no `request-id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub status: u16,
    pub content_type: &'static str,
    pub body: &'static str,
    /// Whether it carries `access-control-allow-origin: *`.
    pub cors: bool,
    /// Whether it carries Cloudflare's `server` and `cf-ray`.
    pub cloudflare: bool,
    pub extra: &'static [(&'static str, &'static str)],
}

/// nginx's own 502 page, as a proxy in front of an unreachable upstream sends it.
const NGINX_502_PAGE: &str = concat!(
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n",
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n",
    "</body>\r\n</html>\r\n"
);

const REGION_BODY: &str = r#"{"error":{"type":"forbidden","message":"Request not allowed"}}"#;

const CHALLENGE_HTML: &str = concat!(
    "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>",
    "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">",
    "<meta name=\"robots\" content=\"noindex,nofollow\"></head>",
    "<body><div class=\"main-wrapper\" role=\"main\"><h1>api.anthropic.com</h1>",
    "<p>Verifying you are human. This may take a few seconds.</p>",
    "<div id=\"challenge-stage\"></div><noscript>Enable JavaScript and cookies to continue</noscript>",
    "</div></body></html>"
);

/// Cloudflare's problem-details form of a 520. The field set is a guess built
/// from the fields the edge's error pages carry (`cloudflare_error`, `zone`) and RFC 9457.
const CF_520_BODY: &str = concat!(
    "{\"type\":\"https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-520/\",",
    "\"title\":\"Error 520: Web server is returning an unknown error\",",
    "\"status\":520,",
    "\"detail\":\"The origin web server returned an empty, unknown, or unexpected response to Cloudflare.\",",
    "\"error_code\":520,",
    "\"error_name\":\"origin_unknown_error\",",
    "\"error_category\":\"origin\",",
    "\"ray_id\":\"0000000000000000\",",
    "\"retryable\":true,",
    "\"zone\":\"api.anthropic.com\",",
    "\"cloudflare_error\":true}"
);

/// What `malformed` sends: JSON cut off mid-string.
const MALFORMED_BODY: &str = r#"{"data": [ {"id": "claude"#;

/// What `reset` announces and what it sends before resetting.
const RESET_DECLARED: u64 = 1000;
const RESET_SENT: &[u8] = br#"{"data":[{"#;

const HUGE_LEN: u64 = 50_000_000;
const SLOW_CAP_MS: u64 = 120_000;
/// The largest clock skew played: ten years, beyond which dates stop looking like dates.
const SKEW_CAP_SECS: u64 = 10 * 365 * 86_400;
const DRIP_EVERY: Duration = Duration::from_millis(200);
const DRIP_LIMIT: Duration = Duration::from_secs(300);

const fn api(fault: Fault) -> Behaviour {
    Behaviour::Api(Api { fault, ..HEALTHY })
}

/// The healthy API serving differently past its checks.
const fn serving(serving: Serving) -> Behaviour {
    Behaviour::Api(Api { serving, ..HEALTHY })
}

/// The healthy API, its stream spoilt as `how` says.
const fn streaming(how: Streaming) -> Behaviour {
    serving(Serving {
        streaming: how,
        ..api::SERVING
    })
}

const fn keyed(status: u16, kind: &'static str, message: &'static str) -> Behaviour {
    api(Fault::Keyed(ApiError::new(status, kind, message)))
}

const RATE_LIMITED: ApiError = ApiError {
    status: 429,
    kind: "rate_limit_error",
    message: "Number of request tokens has exceeded your per-minute rate limit (https://docs.claude.com/en/api/rate-limits); see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.",
    error_code: None,
    rate_limit: RateLimit::RetryAfter(17),
};

const OVERLOADED: ApiError = ApiError::new(529, "overloaded_error", "Overloaded");

const CREDIT_LOW: ApiError = ApiError::new(
    400,
    "invalid_request_error",
    "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
);

/// The spend cap's wording is a guess; its `error_code` is documented.
const SPEND_CAP: ApiError = ApiError {
    status: 429,
    kind: "rate_limit_error",
    message: "You have reached your monthly spend limit. Raise the limit in the Console under Settings > Limits, or wait until it resets at the start of next month.",
    error_code: Some("enforced_spend_limit_reached"),
    rate_limit: RateLimit::None,
};

const REGION: Edge = Edge {
    status: 403,
    content_type: "application/json",
    body: REGION_BODY,
    cors: false,
    cloudflare: true,
    extra: &[],
};

const CHALLENGE: Edge = Edge {
    status: 403,
    content_type: "text/html; charset=UTF-8",
    body: CHALLENGE_HTML,
    cors: false,
    cloudflare: true,
    extra: &[("cf-mitigated", "challenge")],
};

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "healthy",
        description: "the API as it is: 401 without a key, models with a well-formed key, CORS with the browser header",
        behaviour: api(Fault::None),
    },
    Scenario {
        name: "no-cors",
        description: "a gateway proxying the API without any access-control headers; preflight 405",
        behaviour: Behaviour::Api(Api { cors: false, ..HEALTHY }),
    },
    Scenario {
        name: "org-blocked",
        description: "with a key: 401 CORS requests are not allowed for this Organization (settings)",
        behaviour: keyed(401, "authentication_error", "CORS requests are not allowed for this Organization because of its settings. If you believe this is an error, contact support."),
    },
    Scenario {
        name: "org-retention",
        description: "with a key: 401 CORS requests are not allowed for this Organization (custom retention)",
        behaviour: keyed(401, "authentication_error", "CORS requests are not allowed for this Organization because of custom retention settings. If you believe this is an error, contact support."),
    },
    Scenario {
        name: "bad-key",
        description: "with any key: 401 invalid x-api-key",
        behaviour: api(Fault::Keyed(api::INVALID_KEY)),
    },
    Scenario {
        name: "oauth",
        description: "with any key: 401 OAuth authentication is currently not supported",
        behaviour: api(Fault::Keyed(api::OAUTH)),
    },
    Scenario {
        name: "permission",
        description: "with a key: 403 permission_error",
        behaviour: keyed(403, "permission_error", "Your API key does not have permission to use the specified resource."),
    },
    Scenario {
        name: "region",
        description: "every request, preflight too: Cloudflare's 403 Request not allowed, no CORS, no request-id",
        behaviour: Behaviour::Edge(REGION),
    },
    Scenario {
        name: "region-cors",
        description: "the region 403 with access-control-allow-origin: * (the readable variant)",
        behaviour: Behaviour::Edge(Edge { cors: true, ..REGION }),
    },
    Scenario {
        name: "edge-html",
        description: "every request, preflight too: a Cloudflare challenge page, 403 HTML, no CORS",
        behaviour: Behaviour::Edge(CHALLENGE),
    },
    Scenario {
        name: "edge-html-cors",
        description: "every request: 200 HTML with access-control-allow-origin: * (a captive portal or proxy)",
        behaviour: Behaviour::Edge(Edge { status: 200, cors: true, cloudflare: false, extra: &[], ..CHALLENGE }),
    },
    Scenario {
        name: "rate-limited",
        description: "with a key: 429 rate_limit_error, retry-after: 17, anthropic-ratelimit-* headers",
        behaviour: api(Fault::Keyed(RATE_LIMITED)),
    },
    Scenario {
        name: "rate-limited-no-retry-after",
        description: "with a key: 429 rate_limit_error with anthropic-ratelimit-* headers, no retry-after",
        behaviour: api(Fault::Keyed(ApiError { rate_limit: RateLimit::Headers, ..RATE_LIMITED })),
    },
    Scenario {
        name: "spend-cap",
        description: "with a key: 429 enforced_spend_limit_reached, no retry-after",
        behaviour: api(Fault::Keyed(SPEND_CAP)),
    },
    Scenario {
        name: "credit-low",
        description: "with a key: 400 credit balance is too low",
        behaviour: api(Fault::Keyed(CREDIT_LOW)),
    },
    Scenario {
        name: "server-error",
        description: "with a key: 500 api_error; without one the usual 401",
        behaviour: keyed(500, "api_error", "Internal server error"),
    },
    Scenario {
        name: "server-error-all",
        description: "every /v1 request, key or not: 500 api_error",
        behaviour: api(Fault::All(ApiError::new(500, "api_error", "Internal server error"))),
    },
    Scenario {
        name: "overloaded",
        description: "with a key: 529 overloaded_error",
        behaviour: api(Fault::Keyed(OVERLOADED)),
    },
    Scenario {
        name: "gateway-timeout",
        description: "with a key: 504 timeout_error",
        behaviour: keyed(504, "timeout_error", "Request timed out"),
    },
    Scenario {
        name: "edge-520",
        description: "every request: Cloudflare 520 problem-details JSON, readable (ACAO *), no request-id",
        behaviour: Behaviour::Edge(Edge {
            status: 520,
            content_type: "application/problem+json",
            body: CF_520_BODY,
            cors: true,
            cloudflare: true,
            extra: &[],
        }),
    },
    Scenario {
        name: "malformed",
        description: "with a key: 200 application/json with truncated JSON",
        behaviour: api(Fault::KeyedMalformed),
    },
    Scenario {
        name: "not-found",
        description: "a wrong base path: 404 not_found_error for every request, with CORS",
        behaviour: Behaviour::NotFound,
    },
    Scenario {
        name: "slow-<ms>",
        description: "healthy after <ms> milliseconds (at most 120000) per request; preflights not delayed",
        behaviour: Behaviour::Slow,
    },
    Scenario {
        name: "hang",
        description: "reads the request and never answers (holds the socket up to 300 s)",
        behaviour: Behaviour::Hang,
    },
    Scenario {
        name: "drip",
        description: "healthy headers at once, then the body one byte every 200 ms",
        behaviour: Behaviour::Drip,
    },
    Scenario {
        name: "huge",
        description: "200 with CORS and a 50 MB JSON body, streamed",
        behaviour: Behaviour::Huge,
    },
    Scenario {
        name: "redirect",
        description: "307 to the same path under /s/healthy, with CORS",
        behaviour: Behaviour::Redirect,
    },
    Scenario {
        name: "redirect-loop",
        description: "307 to itself, forever",
        behaviour: Behaviour::RedirectLoop,
    },
    Scenario {
        name: "reset",
        description: "headers announcing 1000 bytes, 10 bytes of body, then a connection reset",
        behaviour: Behaviour::Reset,
    },
    Scenario {
        name: "echo",
        description: "200 JSON of the method, path and headers received; any header allowed",
        behaviour: Behaviour::Echo,
    },
    Scenario {
        name: "control",
        description: "200 {\"ok\":true} with access-control-allow-origin: * and timing-allow-origin: *, any path or method",
        behaviour: Behaviour::Control,
    },
    Scenario {
        name: "skew-<s>",
        description: "healthy, its date header (and rate-limit resets) <s> seconds ahead of real time (at most 10 years)",
        behaviour: Behaviour::Api(Api { clock: Clock::Ahead, ..HEALTHY }),
    },
    Scenario {
        name: "lag-<s>",
        description: "healthy, its date header (and rate-limit resets) <s> seconds behind real time (at most 10 years)",
        behaviour: Behaviour::Api(Api { clock: Clock::Behind, ..HEALTHY }),
    },
    Scenario {
        name: "ratelimit-low",
        description: "healthy, keyed models and messages carry anthropic-ratelimit-* headers nearly used up (requests 2 of 50)",
        behaviour: serving(Serving { rate: RateHeaders::Keyed(api::LOW), ..api::SERVING }),
    },
    Scenario {
        name: "ratelimit-ok",
        description: "healthy, keyed models and messages carry ample anthropic-ratelimit-* headers (requests 49 of 50)",
        behaviour: serving(Serving { rate: RateHeaders::Keyed(api::AMPLE), ..api::SERVING }),
    },
    Scenario {
        name: "stream-buffered",
        description: "a buffering proxy: a streamed message arrives after 300 ms in one write, with a length",
        behaviour: streaming(Streaming::Buffered),
    },
    Scenario {
        name: "stream-error",
        description: "a streamed message: message_start, ping, then an overloaded_error event ends it",
        behaviour: streaming(Streaming::Error),
    },
    Scenario {
        name: "stream-cut",
        description: "a streamed message: message_start, ping, content_block_start, then the connection closes mid-stream",
        behaviour: streaming(Streaming::Cut),
    },
    Scenario {
        name: "stream-json",
        description: "a gateway that ignores stream: true and answers the JSON message",
        behaviour: streaming(Streaming::Json),
    },
    Scenario {
        name: "credit-low-messages",
        description: "models work with a key; messages get 400 credit balance is too low",
        behaviour: api(Fault::Messages(CREDIT_LOW)),
    },
    Scenario {
        name: "spend-cap-messages",
        description: "models work with a key; messages get 429 enforced_spend_limit_reached, no retry-after",
        behaviour: api(Fault::Messages(SPEND_CAP)),
    },
    Scenario {
        name: "overloaded-messages",
        description: "models work with a key; messages get 529 overloaded_error",
        behaviour: api(Fault::Messages(OVERLOADED)),
    },
    Scenario {
        name: "billing-messages",
        description: "models work with a key; messages get 402 billing_error",
        behaviour: api(Fault::Messages(ApiError::new(402, "billing_error", "There is a problem with your billing information. Please check Plans & Billing."))),
    },
    Scenario {
        name: "no-models",
        description: "healthy, but the key sees no models: an empty list; 404 for a model lookup or a streamed message",
        behaviour: serving(Serving { models: &[], ..api::SERVING }),
    },
    Scenario {
        name: "tao",
        description: "healthy, with timing-allow-origin: * on every response, preflights and refusals too",
        behaviour: Behaviour::Api(Api { timing: true, ..HEALTHY }),
    },
    Scenario {
        name: "flaky",
        description: "healthy, but every third /v1 request with anthropic-version of the process gets 529 overloaded_error (for watch mode)",
        behaviour: api(Fault::Flaky(OVERLOADED)),
    },
    // Fault suite (tests/e2e/faults.test.mjs): HTML error pages of a proxy or CDN in front of the API.
    Scenario {
        name: "edge-502-html",
        description: "every request, preflight too: a proxy's 502 Bad Gateway HTML page, no CORS",
        behaviour: Behaviour::Edge(Edge {
            status: 502,
            content_type: "text/html",
            body: NGINX_502_PAGE,
            cors: false,
            cloudflare: false,
            extra: &[("server", "nginx")],
        }),
    },
    Scenario {
        name: "edge-502-html-cors",
        description: "every request: the proxy's 502 Bad Gateway HTML page with access-control-allow-origin: *",
        behaviour: Behaviour::Edge(Edge {
            status: 502,
            content_type: "text/html",
            body: NGINX_502_PAGE,
            cors: true,
            cloudflare: false,
            extra: &[("server", "nginx")],
        }),
    },
    Scenario {
        name: "edge-403-html-cors",
        description: "every request: a proxy's 403 Access Denied HTML page with access-control-allow-origin: *",
        behaviour: Behaviour::Edge(Edge {
            status: 403,
            content_type: "text/html; charset=utf-8",
            body: concat!(
                "<!DOCTYPE html><html><head><title>Access Denied</title></head><body>",
                "<h1>Access Denied</h1><p>Your request was blocked by the network's web filter.</p>",
                "</body></html>"
            ),
            cors: true,
            cloudflare: false,
            extra: &[],
        }),
    },
    Scenario {
        name: "cors-on-success",
        description: "a gateway adding CORS headers only to 2xx/3xx answers (nginx add_header without always); preflight 204",
        behaviour: Behaviour::Gateway(Gateway::CorsOnSuccess, HEALTHY),
    },
    Scenario {
        name: "cors-on-keyed",
        description: "a gateway whose own key check runs before CORS: keyless 401 without CORS headers; keyed requests go to the API",
        behaviour: Behaviour::Gateway(Gateway::CorsOnKeyed, HEALTHY),
    },
    Scenario {
        name: "cors-on-keyed-bad-key",
        description: "cors-on-keyed in front of an API that refuses the key: its 401 readable, the gateway's own 401 not",
        behaviour: Behaviour::Gateway(Gateway::CorsOnKeyed, Api { fault: Fault::Keyed(api::INVALID_KEY), ..HEALTHY }),
    },
    Scenario {
        name: "injects-key",
        description: "a gateway adding its own credential to every request: 200 without a key",
        behaviour: Behaviour::Gateway(Gateway::InjectsKey, HEALTHY),
    },
    Scenario {
        name: "spec-mock",
        description: "a spec-driven mock server: every GET gets the spec's example (200), keys ignored, CORS for all",
        behaviour: Behaviour::Gateway(Gateway::SpecMock, HEALTHY),
    },
    Scenario {
        name: "openai",
        description: "an OpenAI-compatible server: its own 401 without a key, an OpenAI model list (gpt-*) with one",
        behaviour: Behaviour::Gateway(Gateway::OpenAi, HEALTHY),
    },
    Scenario {
        name: "openai-open",
        description: "an OpenAI-compatible server without authentication: an OpenAI model list to everyone",
        behaviour: Behaviour::Gateway(Gateway::OpenAiOpen, HEALTHY),
    },
    Scenario {
        name: "preflight-500",
        description: "a gateway with CORS on every answer, but OPTIONS answered 500 without CORS headers",
        behaviour: Behaviour::Gateway(Gateway::PreflightStatus(500), HEALTHY),
    },
    Scenario {
        name: "preflight-404",
        description: "a gateway with CORS on every answer, but no route for OPTIONS: 404 without CORS headers",
        behaviour: Behaviour::Gateway(Gateway::PreflightStatus(404), HEALTHY),
    },
    Scenario {
        name: "preflight-401",
        description: "a gateway with CORS on every answer, but its key check refuses OPTIONS: 401 without CORS headers",
        behaviour: Behaviour::Gateway(Gateway::PreflightStatus(401), HEALTHY),
    },
    Scenario {
        name: "preflight-no-browser-header",
        description: "a gateway whose preflight allows content-type, authorization, x-api-key and anthropic-version only",
        behaviour: Behaviour::Gateway(Gateway::PreflightAllows("content-type, authorization, x-api-key, anthropic-version"), HEALTHY),
    },
    Scenario {
        name: "preflight-no-anthropic-headers",
        description: "a gateway whose preflight allows content-type and authorization only",
        behaviour: Behaviour::Gateway(Gateway::PreflightAllows("content-type, authorization"), HEALTHY),
    },
    Scenario {
        name: "portal",
        description: "a captive portal: 302 to its Wi-Fi login page, both readable cross-origin",
        behaviour: Behaviour::Gateway(Gateway::Portal, HEALTHY),
    },
    Scenario {
        name: "redirect-no-cors",
        description: "302 to the same path under /s/healthy, without CORS headers on the redirect",
        behaviour: Behaviour::Gateway(Gateway::RedirectNoCors, HEALTHY),
    },
    Scenario {
        name: "redirect-to-no-cors",
        description: "307 readable cross-origin, to the same path under /s/no-cors, which sends no CORS headers",
        behaviour: Behaviour::Gateway(Gateway::RedirectToNoCors, HEALTHY),
    },
];

/// What the connection should do with a request.
#[derive(Debug)]
pub enum Outcome {
    Reply(Response),
    /// Say nothing and hold the socket.
    Hang,
}

/// Matches a path segment against a table name: `Some(None)` for a plain
/// name, `Some(Some(n))` for a name with a `<…>` parameter, `None` otherwise.
pub fn match_name(name: &str, segment: &str) -> Option<Option<u64>> {
    match name.split_once('<') {
        None => (name == segment).then_some(None),
        Some((prefix, _)) => {
            let param = segment.strip_prefix(prefix)?;
            if param.is_empty() || param.len() > 12 || !param.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            param.parse().ok().map(Some)
        }
    }
}

/// Finds a scenario by its path segment, with its numeric parameter if it takes one.
pub fn lookup(segment: &str) -> Option<(&'static Scenario, Option<u64>)> {
    SCENARIOS
        .iter()
        .find_map(|s| match_name(s.name, segment).map(|p| (s, p)))
}

/// `GET /`: one `name<TAB>description` line per scenario, then one
/// `path<TAB>description` line per resolver mode and status-page state; those
/// paths start with `/` and are not under `/s/`.
pub fn listing() -> Response {
    let scenarios = SCENARIOS
        .iter()
        .map(|s| format!("{}\t{}\n", s.name, s.description));
    let resolvers = doh::MODES.iter().map(|m| {
        format!(
            "/doh/{}/dns-query\tDNS-over-HTTPS, also at /doh/{}/resolve, ?name=<host>&type=A|AAAA: {}\n",
            m.name, m.name, m.description
        )
    });
    let pages = statuspage::STATES.iter().map(|s| {
        format!(
            "/status/{}/api/v2/summary.json\t{}\n",
            s.name, s.description
        )
    });
    let text: String = scenarios.chain(resolvers).chain(pages).collect();
    Response::new(200)
        .with("date", http::date_now())
        .body("text/plain; charset=utf-8", text)
}

/// Answers a request: picks the scenario from the path and plays it.
pub fn handle(req: &Request) -> Outcome {
    let path = req.path();
    if path == "/" {
        return Outcome::Reply(listing());
    }
    // `/doh` and `/status` stand for other hosts, so they sit beside the scenarios, not under them.
    for (prefix, serve) in [
        ("/doh", doh::handle as fn(&Request, &str) -> Response),
        ("/status", statuspage::handle),
    ] {
        if let Some(rest) = path.strip_prefix(prefix) {
            if rest.is_empty() || rest.starts_with('/') {
                return Outcome::Reply(serve(req, rest));
            }
        }
    }
    let found = path
        .strip_prefix("/s/")
        .map(|p| {
            p.split_once('/')
                .map_or((p, ""), |(name, _)| (name, &p[name.len()..]))
        })
        .and_then(|(name, rest)| lookup(name).map(|(s, param)| (s, param, rest)));
    let Some((scenario, param, rest)) = found else {
        return Outcome::Reply(not_found(req));
    };
    play(scenario.behaviour, param, req, rest)
}

/// Plays one behaviour. `rest` is the path after `/s/<scenario>`.
fn play(behaviour: Behaviour, param: Option<u64>, req: &Request, rest: &str) -> Outcome {
    let reply = match behaviour {
        Behaviour::Api(api) => play_api(req, rest, &api, param),
        Behaviour::Edge(edge) => edge_reply(req, &edge),
        Behaviour::Slow => {
            // The delay is spent here, in the connection's own thread, so that
            // the response (its `date` too) is built when it is due. Preflights
            // are answered at once so that one request costs one delay.
            if !req.is_preflight() {
                let ms = param.unwrap_or(0).min(SLOW_CAP_MS);
                std::thread::sleep(Duration::from_millis(ms));
            }
            the_api(req, rest, &HEALTHY)
        }
        Behaviour::Hang => return Outcome::Hang,
        Behaviour::Drip => {
            let mut resp = the_api(req, rest, &HEALTHY);
            if let Body::Full(bytes) = resp.body {
                resp.body = Body::Drip {
                    bytes,
                    every: DRIP_EVERY,
                    limit: DRIP_LIMIT,
                };
            }
            resp
        }
        Behaviour::Huge => cors::api_rules_open(req, || {
            let mut resp = api::json(200, &api::request_id(), String::new());
            resp.body = Body::Huge { len: HUGE_LEN };
            resp
        }),
        Behaviour::Redirect => redirect(req, gateways::same_place(req, "/s/healthy", rest)),
        Behaviour::RedirectLoop => redirect(req, req.target.clone()),
        Behaviour::Reset => cors::api_rules_open(req, || {
            let mut resp = api::json(200, &api::request_id(), String::new());
            resp.body = Body::Truncated {
                declared: RESET_DECLARED,
                bytes: RESET_SENT.to_vec(),
            };
            resp
        }),
        Behaviour::Echo => echo(req),
        Behaviour::Control => {
            // Timing-Allow-Origin lets the page read the control's DNS, connect
            // and TLS phases, which the API hides.
            if req.is_preflight() {
                cors::preflight_any(req).with("timing-allow-origin", "*")
            } else {
                cors::readable(Response::new(200).body("application/json", r#"{"ok":true}"#))
                    .with("timing-allow-origin", "*")
            }
        }
        Behaviour::NotFound => not_found(req),
        Behaviour::Gateway(g, api) => gateways::play(g, req, rest, |r, p| the_api(r, p, &api)),
    };
    Outcome::Reply(reply)
}

/// The API as `api` varies it: its clock, its CORS, and Timing-Allow-Origin
/// around [`the_api`]. `param` is the scenario's parameter (the skew).
fn play_api(req: &Request, rest: &str, api: &Api, param: Option<u64>) -> Response {
    let skew = param.unwrap_or(0).min(SKEW_CAP_SECS) as i64;
    let offset = match api.clock {
        Clock::Real => 0,
        Clock::Ahead => skew,
        Clock::Behind => -skew,
    };
    let resp = http::with_clock_offset(offset, || {
        if api.cors {
            the_api(req, rest, api)
        } else {
            without_cors(req, rest, api)
        }
    });
    if api.timing {
        resp.with("timing-allow-origin", "*")
    } else {
        resp
    }
}

/// The API: browser gate, then path, version, credential, fault, endpoint.
fn the_api(req: &Request, rest: &str, api: &Api) -> Response {
    let fault = match api.fault {
        Fault::Flaky(e) => {
            let counted = !req.is_preflight()
                && rest.starts_with("/v1/")
                && req.header("anthropic-version").is_some();
            if counted && FLAKY_REQUESTS.fetch_add(1, Ordering::Relaxed) % 3 == 2 {
                Fault::All(e)
            } else {
                Fault::None
            }
        }
        f => f,
    };
    cors::api_rules(req, || {
        if let Fault::All(e) = fault {
            if rest.starts_with("/v1/") {
                return api::error(&e, None);
            }
        }
        let kind = api::endpoint_kind(&req.method, rest);
        match kind {
            Endpoint::Unknown => return api::error(&api::NOT_FOUND, None),
            Endpoint::WrongMethod => return api::error(&api::METHOD_NOT_ALLOWED, None),
            _ => {}
        }
        if req
            .header("anthropic-version")
            .is_none_or(|v| v.trim().is_empty())
        {
            return api::error(&api::NO_VERSION, None);
        }
        let credential = Credential::of(req);
        match fault {
            Fault::Keyed(e) if credential.present() => return api::error(&e, None),
            Fault::KeyedMalformed if credential.present() => {
                return api::json(200, &api::request_id(), MALFORMED_BODY.into())
            }
            _ => {}
        }
        match (credential.check(), fault) {
            (Some(e), _) => api::error(&e, None),
            (None, Fault::Messages(e)) if kind == Endpoint::Messages => api::error(&e, None),
            (None, _) => api::endpoint(req, rest, &api.serving),
        }
    })
}

/// A gateway without CORS in front of the API: preflights are refused with a
/// 405, and nothing it forwards carries access-control headers.
fn without_cors(req: &Request, rest: &str, api: &Api) -> Response {
    if req.is_preflight() {
        return api::edge_headers(Response::new(405))
            .with("allow", "GET, POST")
            .body("text/plain", "Method Not Allowed");
    }
    let mut resp = the_api(req, rest, api);
    resp.strip_headers("access-control-");
    resp
}

fn edge_reply(req: &Request, edge: &Edge) -> Response {
    // Something in front of the API that sends CORS headers on its answers would also allow the preflight;
    // otherwise its readable variants could never be read by a page that sends the API's headers.
    if edge.cors && req.is_preflight() {
        return cors::preflight();
    }
    let mut resp = Response::new(edge.status);
    if edge.cloudflare {
        resp = api::edge_headers(resp);
    } else {
        resp = resp.with("date", http::date_now());
    }
    for (name, value) in edge.extra {
        resp = resp.with(name, *value);
    }
    if edge.cors {
        resp = resp.with("access-control-allow-origin", "*");
    }
    resp.body(edge.content_type, edge.body)
}

/// The API's 404 for an unknown path or scenario: readable by any origin.
fn not_found(req: &Request) -> Response {
    if req.is_preflight() {
        return cors::preflight();
    }
    cors::readable(api::error(&api::NOT_FOUND, None))
}

/// A 307 to `location`, readable cross-origin so that the browser follows it.
fn redirect(req: &Request, location: String) -> Response {
    if req.is_preflight() {
        return cors::preflight();
    }
    cors::readable(api::edge_headers(Response::new(307)).with("location", location))
}

/// Reports what the browser sent, and allows whatever it asks to send.
fn echo(req: &Request) -> Response {
    if req.is_preflight() {
        return cors::preflight_any(req);
    }
    // Repeated headers are joined as a browser's `Headers.get` would show them.
    let mut merged: Vec<(&str, String)> = Vec::new();
    for (name, value) in &req.headers {
        match merged.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => {
                v.push_str(", ");
                v.push_str(value);
            }
            None => merged.push((name, value.clone())),
        }
    }
    let headers: Vec<String> = merged
        .iter()
        .map(|(n, v)| format!(r#""{}":"{}""#, api::escape(n), api::escape(v)))
        .collect();
    let body = format!(
        r#"{{"method":"{}","path":"{}","headers":{{{}}}}}"#,
        api::escape(&req.method),
        api::escape(&req.target),
        headers.join(",")
    );
    cors::readable(Response::new(200).body("application/json", body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn key() -> String {
        format!("sk-ant-api03-{}AA", "k".repeat(93))
    }

    struct R(Request);

    impl R {
        fn new(method: &str, target: &str) -> Self {
            R(Request {
                method: method.into(),
                target: target.into(),
                http11: true,
                ..Default::default()
            })
        }
        fn h(mut self, name: &str, value: &str) -> Self {
            self.0.headers.push((name.into(), value.into()));
            self
        }
        /// A browser request that passes the gate and names the version.
        fn browser(self) -> Self {
            self.h("origin", "http://localhost:1")
                .h(cors::BROWSER_ACCESS, "true")
                .h("anthropic-version", "2023-06-01")
        }
        fn preflight(self) -> Self {
            self.h("origin", "http://localhost:1")
                .h("access-control-request-method", "GET")
                .h(
                    "access-control-request-headers",
                    "x-api-key, anthropic-version",
                )
        }
        fn go(self) -> Response {
            match handle(&self.0) {
                Outcome::Reply(r) => r,
                Outcome::Hang => panic!("unexpected hang"),
            }
        }
    }

    fn acao(r: &Response) -> Option<&str> {
        r.header("access-control-allow-origin")
    }

    fn error_type(r: &Response) -> String {
        let t = r.text();
        t.split_once(r#""error":{"type":""#)
            .and_then(|(_, rest)| rest.split_once('"'))
            .map_or(String::new(), |(ty, _)| ty.to_string())
    }

    #[test]
    fn names_are_unique_and_well_formed() {
        let tables: [Vec<(&str, &str)>; 3] = [
            SCENARIOS.iter().map(|s| (s.name, s.description)).collect(),
            doh::MODES.iter().map(|m| (m.name, m.description)).collect(),
            statuspage::STATES
                .iter()
                .map(|s| (s.name, s.description))
                .collect(),
        ];
        for table in &tables {
            for (i, (name, description)) in table.iter().enumerate() {
                assert!(table[..i].iter().all(|o| o.0 != *name), "{name}");
                assert!(name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-<>".contains(&b)));
                assert!(!description.contains('\n') && !description.contains('\t'));
            }
        }
        let listing = listing().text();
        let lines: Vec<&str> = listing.lines().collect();
        assert_eq!(lines.len(), tables.iter().map(Vec::len).sum::<usize>());
        assert!(lines.iter().all(|l| l.split('\t').count() == 2));
        // Scenarios first, as bare names; then the other endpoints, as paths.
        let (names, paths) = lines.split_at(SCENARIOS.len());
        assert!(names.iter().all(|l| !l.starts_with('/')));
        assert!(paths.iter().all(|l| l.starts_with('/')));
        // Every listed path answers (a parameter filled in), none with a 404.
        for line in paths {
            let path = line.split('\t').next().unwrap().replace("<ms>", "1");
            let r = R::new("GET", &format!("{path}?name=api.anthropic.com")).go();
            assert_ne!(r.status, 404, "{path}");
        }
    }

    #[test]
    fn the_briefed_scenarios_exist() {
        for name in [
            "healthy",
            "no-cors",
            "org-blocked",
            "org-retention",
            "bad-key",
            "oauth",
            "permission",
            "region",
            "region-cors",
            "edge-html",
            "edge-html-cors",
            "rate-limited",
            "rate-limited-no-retry-after",
            "spend-cap",
            "credit-low",
            "server-error",
            "server-error-all",
            "overloaded",
            "gateway-timeout",
            "edge-520",
            "malformed",
            "not-found",
            "slow-1500",
            "hang",
            "drip",
            "huge",
            "redirect",
            "redirect-loop",
            "reset",
            "echo",
            "control",
            "skew-3600",
            "lag-3600",
            "ratelimit-low",
            "ratelimit-ok",
            "stream-buffered",
            "stream-error",
            "stream-cut",
            "stream-json",
            "credit-low-messages",
            "spend-cap-messages",
            "overloaded-messages",
            "billing-messages",
            "no-models",
            "tao",
            "flaky",
        ] {
            assert!(lookup(name).is_some(), "{name}");
        }
    }

    #[test]
    fn parameters() {
        assert_eq!(
            lookup("slow-1500").map(|(s, p)| (s.name, p)),
            Some(("slow-<ms>", Some(1500)))
        );
        for bad in [
            "slow",
            "slow-",
            "slow-1.5",
            "slow--1",
            "slow-99999999999999",
            "slow-<ms>",
            "nope",
            "",
        ] {
            assert!(lookup(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn routing_and_unknown_scenarios() {
        assert_eq!(R::new("GET", "/").go().status, 200);
        for target in [
            "/s/nope/v1/models",
            "/favicon.ico",
            "/s/",
            "/s/healthy",
            "/s/healthy/v2/x",
        ] {
            let r = R::new("GET", target).browser().go();
            assert_eq!(r.status, 404, "{target}");
            assert_eq!(error_type(&r), "not_found_error");
            assert_eq!(acao(&r), Some("*"), "{target}");
        }
        assert_eq!(
            R::new("OPTIONS", "/s/nope/v1/models")
                .preflight()
                .go()
                .status,
            204
        );
    }

    #[test]
    fn healthy() {
        let base = "/s/healthy/v1/models?limit=1";
        // The page's CORS probe: no key, readable 401 with request-id.
        let r = R::new("GET", base).browser().go();
        assert_eq!(r.status, 401);
        assert!(r.text().contains("x-api-key header is required"));
        assert_eq!(acao(&r), Some("*"));
        assert!(r.header("request-id").is_some());
        // Browser header missing: unreadable 401.
        let r = R::new("GET", base)
            .h("origin", "http://x")
            .h("anthropic-version", "2023-06-01")
            .go();
        assert_eq!(r.status, 401);
        assert!(acao(&r).is_none());
        // Version missing.
        let r = R::new("GET", base).h("x-api-key", &key()).go();
        assert_eq!(
            (r.status, error_type(&r).as_str()),
            (400, "invalid_request_error")
        );
        // A good key.
        let r = R::new("GET", base).browser().h("x-api-key", &key()).go();
        assert_eq!(r.status, 200);
        assert!(r.text().contains(r#""has_more":true"#));
        let r = R::new("GET", "/s/healthy/v1/models/claude-nope")
            .browser()
            .h("x-api-key", &key())
            .go();
        assert_eq!(r.status, 404);
        let r = R::new("GET", base)
            .browser()
            .h("x-api-key", "sk-ant-api03-x")
            .go();
        assert!(r.text().contains("invalid x-api-key"));
        let r = R::new("POST", "/s/healthy/v1/messages")
            .browser()
            .h("x-api-key", &key())
            .go();
        assert_eq!(r.status, 200);
        // curl: no Origin, no CORS headers at all.
        let r = R::new("GET", base)
            .h("anthropic-version", "2023-06-01")
            .h("x-api-key", &key())
            .go();
        assert_eq!(r.status, 200);
        assert!(acao(&r).is_none());
        // Preflight.
        let r = R::new("OPTIONS", base).preflight().go();
        assert_eq!(r.status, 204);
        assert_eq!(
            r.header("access-control-allow-headers"),
            Some(cors::ALLOW_HEADERS)
        );
    }

    #[test]
    fn no_cors() {
        let r = R::new("OPTIONS", "/s/no-cors/v1/models").preflight().go();
        assert_eq!(r.status, 405);
        assert!(r
            .headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-")));
        let r = R::new("GET", "/s/no-cors/v1/models").browser().go();
        assert_eq!(r.status, 401);
        assert!(r
            .headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-")));
    }

    #[test]
    fn keyed_faults() {
        let cases: &[(&str, u16, &str)] = &[
            ("org-blocked", 401, "because of its settings"),
            ("org-retention", 401, "custom retention settings"),
            ("bad-key", 401, "invalid x-api-key"),
            (
                "oauth",
                401,
                "OAuth authentication is currently not supported.",
            ),
            ("permission", 403, "permission_error"),
            ("rate-limited", 429, "rate_limit_error"),
            ("rate-limited-no-retry-after", 429, "rate_limit_error"),
            (
                "spend-cap",
                429,
                r#""details":{"error_code":"enforced_spend_limit_reached"}"#,
            ),
            ("credit-low", 400, "credit balance is too low"),
            ("server-error", 500, "api_error"),
            ("overloaded", 529, "overloaded_error"),
            ("gateway-timeout", 504, "timeout_error"),
        ];
        for &(name, status, needle) in cases {
            let target = format!("/s/{name}/v1/models?limit=1");
            for cred in [
                ("x-api-key", key()),
                ("authorization", "Bearer anything".into()),
            ] {
                let r = R::new("GET", &target).browser().h(cred.0, &cred.1).go();
                assert_eq!(r.status, status, "{name}");
                assert!(r.text().contains(needle), "{name}: {}", r.text());
                assert_eq!(acao(&r), Some("*"), "{name}");
                assert!(r.header("request-id").is_some(), "{name}");
            }
            let r = R::new("GET", &target).browser().go();
            assert_eq!(r.status, 401, "{name} without a key");
            assert!(r.text().contains("x-api-key header is required"));
        }
        let with_key = |name: &str| {
            R::new("GET", &format!("/s/{name}/v1/models"))
                .browser()
                .h("x-api-key", "k")
                .go()
        };
        assert_eq!(with_key("rate-limited").header("retry-after"), Some("17"));
        assert!(with_key("rate-limited-no-retry-after")
            .header("retry-after")
            .is_none());
        assert!(with_key("rate-limited-no-retry-after")
            .header("anthropic-ratelimit-requests-limit")
            .is_some());
        assert!(with_key("spend-cap").header("retry-after").is_none());
        let r = with_key("malformed");
        assert_eq!((r.status, r.text().as_str()), (200, MALFORMED_BODY));
        let r = R::new("GET", "/s/server-error-all/v1/models")
            .browser()
            .go();
        assert_eq!(r.status, 500);
    }

    #[test]
    fn edges() {
        for (name, status, ct, cors) in [
            ("region", 403, "application/json", false),
            ("region-cors", 403, "application/json", true),
            ("edge-html", 403, "text/html; charset=UTF-8", false),
            ("edge-html-cors", 200, "text/html; charset=UTF-8", true),
            ("edge-520", 520, "application/problem+json", true),
        ] {
            let target = format!("/s/{name}/v1/models");
            let r = R::new("GET", &target).browser().go();
            assert_eq!(r.status, status, "{name}");
            assert_eq!(r.header("content-type"), Some(ct), "{name}");
            assert_eq!(acao(&r).is_some(), cors, "{name}");
            assert!(r.header("request-id").is_none(), "{name}");
            // An edge that sends CORS headers passes the preflight; one that does not refuses it with its page.
            let pre = R::new("OPTIONS", &target).preflight().go();
            if cors {
                assert_eq!(pre.status, 204, "{name}");
                assert!(
                    pre.header("access-control-allow-headers")
                        .is_some_and(|h| h.contains("x-api-key")),
                    "{name}"
                );
            } else {
                assert_eq!(pre.status, status, "{name}");
                assert!(
                    acao(&pre).is_none() && pre.header("access-control-allow-headers").is_none(),
                    "{name}"
                );
            }
        }
        assert_eq!(R::new("GET", "/s/region/").go().text(), REGION_BODY);
        assert!(R::new("GET", "/s/edge-html/")
            .go()
            .text()
            .contains("<title>Just a moment...</title>"));
        assert!(R::new("GET", "/s/edge-520/")
            .go()
            .text()
            .contains(r#""cloudflare_error":true"#));
    }

    #[test]
    fn not_found_scenario() {
        let r = R::new("GET", "/s/not-found/v1/models")
            .browser()
            .h("x-api-key", &key())
            .go();
        assert_eq!((r.status, acao(&r)), (404, Some("*")));
        assert!(r.text().contains(r#""message":"Not Found""#));
    }

    #[test]
    fn timing_and_body_scenarios() {
        assert!(matches!(
            handle(&R::new("GET", "/s/hang/v1/models").0),
            Outcome::Hang
        ));
        assert!(matches!(
            handle(&R::new("OPTIONS", "/s/hang/v1/models").preflight().0),
            Outcome::Hang
        ));
        let r = R::new("GET", "/s/slow-1/v1/models").browser().go();
        assert_eq!((r.status, acao(&r)), (401, Some("*")));
        let r = R::new("GET", "/s/drip/v1/models").browser().go();
        assert!(matches!(r.body, Body::Drip { .. }));
        assert_eq!(acao(&r), Some("*"));
        let r = R::new("GET", "/s/huge/v1/models").browser().go();
        assert_eq!(
            (r.status, &r.body, acao(&r)),
            (200, &Body::Huge { len: HUGE_LEN }, Some("*"))
        );
        let r = R::new("GET", "/s/reset/v1/models").browser().go();
        assert!(matches!(r.body, Body::Truncated { declared: 1000, .. }));
        assert_eq!(RESET_SENT.len(), 10);
    }

    #[test]
    fn redirects() {
        let r = R::new("GET", "/s/redirect/v1/models?limit=1")
            .browser()
            .go();
        assert_eq!(
            (r.status, r.header("location")),
            (307, Some("/s/healthy/v1/models?limit=1"))
        );
        assert_eq!(acao(&r), Some("*"));
        let r = R::new("GET", "/s/redirect-loop/v1/models?limit=1")
            .browser()
            .go();
        assert_eq!(
            r.header("location"),
            Some("/s/redirect-loop/v1/models?limit=1")
        );
        assert_eq!(
            R::new("OPTIONS", "/s/redirect/v1/models")
                .preflight()
                .go()
                .status,
            204
        );
    }

    #[test]
    fn echo_and_control() {
        let r = R::new("PUT", "/s/echo/any/where?x=1")
            .h("x-foo", "a\"b")
            .h("x-foo", "c")
            .go();
        assert_eq!(
            r.text(),
            r#"{"method":"PUT","path":"/s/echo/any/where?x=1","headers":{"x-foo":"a\"b, c"}}"#
        );
        assert_eq!(acao(&r), Some("*"));
        let r = R::new("OPTIONS", "/s/echo/x").preflight().go();
        assert_eq!(
            r.header("access-control-allow-headers"),
            Some("x-api-key, anthropic-version")
        );
        let r = R::new("GET", "/s/control/anything")
            .h("origin", "http://x")
            .go();
        assert_eq!(
            (r.status, r.text().as_str(), acao(&r)),
            (200, r#"{"ok":true}"#, Some("*"))
        );
    }

    /// A browser request with a good key, and a body when `body` is not empty.
    fn with_key(method: &str, target: &str, body: &str) -> Response {
        let mut r = R::new(method, target).browser().h("x-api-key", &key());
        r.0.body = body.as_bytes().to_vec();
        r.go()
    }

    const STREAM_BODY: &str = r#"{"model":"claude-haiku-4-5","max_tokens":1,"stream":true}"#;
    const PLAIN_BODY: &str = r#"{"model":"claude-haiku-4-5","max_tokens":1}"#;

    /// The `date` header as seconds, checked against `date_now` over a window.
    fn date_is(r: &Response, offset: i64, from: u64, to: u64) -> bool {
        let date = r.header("date").unwrap_or("");
        (from..=to).any(|t| date == http::imf_fixdate(t.saturating_add_signed(offset)))
    }

    #[test]
    fn clock_skew_moves_every_date() {
        for (name, offset) in [
            ("skew-3600", 3600),
            ("lag-3600", -3600),
            ("skew-0", 0),
            ("healthy", 0),
        ] {
            let base = format!("/s/{name}/v1/models");
            let from = http::now_secs();
            let replies = [
                ("a 200", with_key("GET", &base, "")),
                ("a 401", R::new("GET", &base).browser().go()),
                (
                    "a refusal",
                    R::new("GET", &base).h("origin", "http://x").go(),
                ),
                ("a preflight", R::new("OPTIONS", &base).preflight().go()),
                ("a 404", with_key("GET", &format!("/s/{name}/v1/nope"), "")),
                (
                    "a message",
                    with_key("POST", &format!("/s/{name}/v1/messages"), PLAIN_BODY),
                ),
            ];
            let to = http::now_secs();
            for (what, r) in &replies {
                assert!(
                    date_is(r, offset, from, to),
                    "{name} {what}: {:?}",
                    r.header("date")
                );
            }
            // The reset lies 2 s after the (moved) date, as the mock's clock tells it.
            let reset = replies[5]
                .1
                .header("anthropic-ratelimit-requests-reset")
                .unwrap();
            assert!(
                (from..=to).any(|t| reset == http::rfc3339(t.saturating_add_signed(offset) + 2)),
                "{name}: {reset}"
            );
        }
        // The clock returns to real time after the request.
        let from = http::now_secs();
        let r = R::new("GET", "/s/healthy/v1/models").browser().go();
        assert!(date_is(&r, 0, from, http::now_secs()));
        // Huge skews are capped rather than overflowing.
        for name in ["skew-999999999999", "lag-999999999999"] {
            let r = R::new("GET", &format!("/s/{name}/v1/models"))
                .browser()
                .go();
            assert_eq!(r.status, 401, "{name}");
            assert!(r.header("date").is_some_and(|d| d.ends_with(" GMT")));
        }
    }

    #[test]
    fn rate_limit_headers_by_scenario() {
        // (scenario, method, path, remaining requests or None for no headers)
        let rows: &[(&str, &str, &str, Option<&str>)] = &[
            ("healthy", "GET", "/v1/models", None),
            ("healthy", "GET", "/v1/models/claude-haiku-4-5", None),
            ("healthy", "POST", "/v1/messages", Some("49")),
            ("ratelimit-ok", "GET", "/v1/models", Some("49")),
            ("ratelimit-ok", "POST", "/v1/messages", Some("49")),
            ("ratelimit-low", "GET", "/v1/models", Some("2")),
            (
                "ratelimit-low",
                "GET",
                "/v1/models/claude-haiku-4-5",
                Some("2"),
            ),
            ("ratelimit-low", "POST", "/v1/messages", Some("2")),
            (
                "ratelimit-low",
                "POST",
                "/v1/messages/count_tokens",
                Some("2"),
            ),
        ];
        for &(name, method, path, remaining) in rows {
            let body = if method == "POST" { PLAIN_BODY } else { "" };
            let r = with_key(method, &format!("/s/{name}{path}"), body);
            assert_eq!(r.status, 200, "{name} {path}");
            assert_eq!(
                r.header("anthropic-ratelimit-requests-remaining"),
                remaining,
                "{name} {path}"
            );
            if remaining.is_some() {
                for family in ["requests", "tokens", "input-tokens", "output-tokens"] {
                    let reset = r.header(&format!("anthropic-ratelimit-{family}-reset"));
                    assert!(reset.is_some_and(|v| v.ends_with('Z')), "{name} {family}");
                }
            }
        }
        let low = with_key("GET", "/s/ratelimit-low/v1/models", "");
        for (header, value) in [
            ("anthropic-ratelimit-requests-limit", "50"),
            ("anthropic-ratelimit-tokens-limit", "100000"),
            ("anthropic-ratelimit-tokens-remaining", "4000"),
        ] {
            assert_eq!(low.header(header), Some(value), "{header}");
        }
        // Without an accepted key, no quota: the 401 is the gate's.
        let r = R::new("GET", "/s/ratelimit-low/v1/models").browser().go();
        assert_eq!(r.status, 401);
        assert!(r.header("anthropic-ratelimit-requests-limit").is_none());
    }

    #[test]
    fn streaming_scenarios() {
        // (scenario, content type, paced?, cut?)
        let rows: &[(&str, &str, bool, bool)] = &[
            ("healthy", "text/event-stream; charset=utf-8", true, false),
            (
                "stream-error",
                "text/event-stream; charset=utf-8",
                true,
                false,
            ),
            ("stream-cut", "text/event-stream; charset=utf-8", true, true),
            (
                "stream-buffered",
                "text/event-stream; charset=utf-8",
                false,
                false,
            ),
            ("stream-json", "application/json", false, false),
            (
                "ratelimit-low",
                "text/event-stream; charset=utf-8",
                true,
                false,
            ),
        ];
        for &(name, ct, paced, cut) in rows {
            let r = with_key("POST", &format!("/s/{name}/v1/messages"), STREAM_BODY);
            assert_eq!(r.status, 200, "{name}");
            assert_eq!(r.header("content-type"), Some(ct), "{name}");
            assert_eq!(acao(&r), Some("*"), "{name}");
            assert_eq!(
                r.header("access-control-expose-headers"),
                Some("*"),
                "{name}"
            );
            assert!(r.header("request-id").is_some(), "{name}");
            assert!(
                r.header("anthropic-ratelimit-requests-remaining").is_some(),
                "{name}"
            );
            match &r.body {
                Body::Paced { cut: c, .. } => assert!(paced && *c == cut, "{name}"),
                Body::Full(_) => assert!(!paced, "{name}"),
                other => panic!("{name}: {other:?}"),
            }
            // Without `stream`, the JSON message as always.
            let r = with_key("POST", &format!("/s/{name}/v1/messages"), PLAIN_BODY);
            assert_eq!(r.header("content-type"), Some("application/json"), "{name}");
            assert!(r.text().contains(r#""type":"message""#));
        }
        assert!(with_key("POST", "/s/stream-json/v1/messages", STREAM_BODY)
            .text()
            .starts_with(r#"{"id":"msg_"#));
        // An unknown model is a JSON 404, not a stream.
        let r = with_key(
            "POST",
            "/s/healthy/v1/messages",
            r#"{"model":"claude-nope","stream":true}"#,
        );
        assert_eq!(
            (r.status, error_type(&r).as_str()),
            (404, "not_found_error")
        );
        assert!(r.text().contains(r#""message":"model: claude-nope""#));
        assert_eq!(acao(&r), Some("*"));
        // The gates come first: no key, no browser header.
        let mut r = R::new("POST", "/s/healthy/v1/messages").browser();
        r.0.body = STREAM_BODY.into();
        assert_eq!(r.go().status, 401);
        let mut r = R::new("POST", "/s/healthy/v1/messages").h("origin", "http://x");
        r.0.body = STREAM_BODY.into();
        let r = r.go();
        assert_eq!((r.status, acao(&r)), (401, None));
    }

    #[test]
    fn faults_on_messages_only() {
        // (scenario, status, error type, needle)
        let rows: &[(&str, u16, &str, &str)] = &[
            ("credit-low-messages", 400, "invalid_request_error", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."),
            ("spend-cap-messages", 429, "rate_limit_error", r#""details":{"error_code":"enforced_spend_limit_reached"}"#),
            ("overloaded-messages", 529, "overloaded_error", "Overloaded"),
            ("billing-messages", 402, "billing_error", "billing"),
        ];
        for &(name, status, kind, needle) in rows {
            for body in [PLAIN_BODY, STREAM_BODY] {
                let r = with_key("POST", &format!("/s/{name}/v1/messages"), body);
                assert_eq!(
                    (r.status, error_type(&r).as_str()),
                    (status, kind),
                    "{name}"
                );
                assert!(r.text().contains(needle), "{name}: {}", r.text());
                assert_eq!(r.header("content-type"), Some("application/json"));
                assert_eq!(acao(&r), Some("*"), "{name}");
                assert!(r.header("retry-after").is_none(), "{name}");
            }
            for path in ["/v1/models", "/v1/models/claude-haiku-4-5"] {
                let r = with_key("GET", &format!("/s/{name}{path}"), "");
                assert_eq!(r.status, 200, "{name} {path}");
            }
            // A bad key is still refused as such.
            let r = R::new("POST", &format!("/s/{name}/v1/messages"))
                .browser()
                .h("x-api-key", "sk-ant-api03-short")
                .go();
            assert!(r.text().contains("invalid x-api-key"), "{name}");
        }
        // The spend cap on messages is the spend-cap scenario's body.
        let a = with_key("POST", "/s/spend-cap-messages/v1/messages", PLAIN_BODY);
        let b = with_key("GET", "/s/spend-cap/v1/models", "");
        let message = |r: &Response| {
            r.text()
                .split(r#""request_id""#)
                .next()
                .unwrap()
                .to_string()
        };
        assert_eq!(message(&a), message(&b));
        // The keyed `overloaded` still hits every keyed endpoint, messages included.
        for (method, path) in [("GET", "/v1/models"), ("POST", "/v1/messages")] {
            let r = with_key(method, &format!("/s/overloaded{path}"), STREAM_BODY);
            assert_eq!(r.status, 529, "{path}");
        }
    }

    #[test]
    fn no_models() {
        let r = with_key("GET", "/s/no-models/v1/models?limit=1", "");
        assert_eq!(r.status, 200);
        let v = serde_json::from_str::<Value>(&r.text()).unwrap();
        assert_eq!(
            v.get("data").and_then(Value::as_array).map(Vec::len),
            Some(0)
        );
        assert_eq!(v.get("has_more").and_then(Value::as_bool), Some(false));
        assert_eq!(v.get("first_id"), Some(&Value::Null));
        assert_eq!(v.get("last_id"), Some(&Value::Null));
        assert_eq!(
            with_key("GET", "/s/no-models/v1/models/claude-haiku-4-5", "").status,
            404
        );
        assert_eq!(
            with_key("POST", "/s/no-models/v1/messages", STREAM_BODY).status,
            404
        );
    }

    #[test]
    fn timing_allow_origin() {
        let base = "/s/tao/v1/models";
        let replies = [
            ("a 200", with_key("GET", base, "")),
            ("a readable 401", R::new("GET", base).browser().go()),
            (
                "a no-cors probe",
                R::new("GET", base).h("origin", "http://x").go(),
            ),
            ("a preflight", R::new("OPTIONS", base).preflight().go()),
            ("a 404", R::new("GET", "/s/tao/nope").browser().go()),
            (
                "a stream",
                with_key("POST", "/s/tao/v1/messages", STREAM_BODY),
            ),
        ];
        for (what, r) in &replies {
            assert_eq!(r.header("timing-allow-origin"), Some("*"), "{what}");
        }
        // The no-cors probe is still the refusal the browser cannot read.
        assert_eq!((replies[2].1.status, acao(&replies[2].1)), (401, None));
        assert!(R::new("GET", "/s/healthy/v1/models")
            .browser()
            .go()
            .header("timing-allow-origin")
            .is_none());
    }

    #[test]
    fn flaky_fails_every_third_request() {
        let statuses: Vec<u16> = (0..9)
            .map(|i| {
                // Preflights, paths outside /v1 and requests without anthropic-version do not count.
                R::new("OPTIONS", "/s/flaky/v1/models").preflight().go();
                R::new("GET", "/s/flaky/other").browser().go();
                R::new("GET", "/s/flaky/v1/models")
                    .h("origin", "http://localhost:1")
                    .go();
                R::new("GET", "/s/flaky/v1/models").go();
                match i % 3 {
                    0 => with_key("GET", "/s/flaky/v1/models", ""),
                    1 => with_key("POST", "/s/flaky/v1/messages", PLAIN_BODY),
                    _ => R::new("GET", "/s/flaky/v1/models").browser().go(),
                }
                .status
            })
            .collect();
        let failed: Vec<usize> = (0..9).filter(|&i| statuses[i] == 529).collect();
        assert_eq!(failed.len(), 3, "{statuses:?}");
        assert!(failed.windows(2).all(|w| w[1] - w[0] == 3), "{statuses:?}");
        let r = (0..3)
            .map(|_| R::new("GET", "/s/flaky/v1/models").browser().go())
            .find(|r| r.status == 529)
            .expect("one of three fails");
        assert_eq!(error_type(&r), "overloaded_error");
        assert_eq!(acao(&r), Some("*"));
        assert!(r.header("request-id").is_some());
    }

    #[test]
    fn control_answers_anything() {
        for (method, target, origin_only) in [
            ("GET", "/s/control", false),
            ("GET", "/s/control/", false),
            ("GET", "/s/control/v1/models?limit=1", true),
            ("POST", "/s/control/a/b/c", false),
            ("HEAD", "/s/control/x", true),
        ] {
            let mut r = R::new(method, target).h("origin", "http://x");
            if !origin_only {
                r = r.h(cors::BROWSER_ACCESS, "true");
            }
            let r = r.go();
            assert_eq!(
                (r.status, r.text().as_str()),
                (200, r#"{"ok":true}"#),
                "{target}"
            );
            assert_eq!(acao(&r), Some("*"), "{target}");
            assert_eq!(r.header("timing-allow-origin"), Some("*"), "{target}");
        }
        let r = R::new("OPTIONS", "/s/control/x").preflight().go();
        assert_eq!((r.status, acao(&r)), (204, Some("*")));
        assert_eq!(r.header("timing-allow-origin"), Some("*"));
    }

    #[test]
    fn other_hosts_sit_beside_the_scenarios() {
        let r = R::new("GET", "/doh/ok/dns-query?name=api.anthropic.com&type=A").go();
        assert_eq!(r.header("content-type"), Some("application/dns-json"));
        let r = R::new("GET", "/status/degraded/api/v2/summary.json").go();
        assert!(r.text().contains("degraded_performance"));
        // Only the exact prefixes route there.
        for target in [
            "/dohx/ok/dns-query",
            "/statusx/operational/api/v2/summary.json",
        ] {
            let r = R::new("GET", target).browser().go();
            assert_eq!(
                (r.status, error_type(&r).as_str()),
                (404, "not_found_error"),
                "{target}"
            );
        }
    }

    // Fault suite (tests/e2e/faults.test.mjs): the HTML error pages.
    #[test]
    fn fault_suite_html_pages() {
        // (scenario, status, title, readable cross-origin)
        let rows = [
            ("edge-502-html", 502, "502 Bad Gateway", false),
            ("edge-502-html-cors", 502, "502 Bad Gateway", true),
            ("edge-403-html-cors", 403, "Access Denied", true),
        ];
        for (name, status, title, cors) in rows {
            let target = format!("/s/{name}/v1/models?limit=1");
            for r in [
                R::new("GET", &target).browser().go(),
                R::new("GET", &target).browser().h("x-api-key", &key()).go(),
            ] {
                assert_eq!(r.status, status, "{name}");
                assert!(
                    r.header("content-type")
                        .is_some_and(|c| c.starts_with("text/html")),
                    "{name}"
                );
                assert!(
                    r.text().contains(&format!("<title>{title}</title>")),
                    "{name}"
                );
                assert_eq!(acao(&r).is_some(), cors, "{name}");
                assert!(r.header("request-id").is_none(), "{name}");
            }
            // A proxy without CORS refuses the preflight with its page; one with CORS lets it through.
            let pre = R::new("OPTIONS", &target).preflight().go();
            assert_eq!(pre.status, if cors { 204 } else { status }, "{name}");
        }
    }
}
