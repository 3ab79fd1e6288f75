//! The API itself: its headers, error bodies, auth rules and endpoints, as its public behaviour shows them.

use crate::http::{self, Request, Response};
use crate::sse::{self, Streaming};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// An error the API answers with: status, `error.type`, `error.message`, and extras.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub kind: &'static str,
    pub message: &'static str,
    /// `error.details.error_code`, which only the spend cap carries.
    pub error_code: Option<&'static str>,
    /// Rate-limit headers to add, if any.
    pub rate_limit: RateLimit,
}

/// Which rate-limit headers an error carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimit {
    None,
    /// `anthropic-ratelimit-requests-*` without `retry-after`.
    Headers,
    /// `anthropic-ratelimit-requests-*` and `retry-after` in seconds.
    RetryAfter(u32),
}

impl ApiError {
    /// An error without extras; the table in scenarios.rs builds on this.
    pub const fn new(status: u16, kind: &'static str, message: &'static str) -> Self {
        ApiError {
            status,
            kind,
            message,
            error_code: None,
            rate_limit: RateLimit::None,
        }
    }
}

pub const NO_KEY: ApiError =
    ApiError::new(401, "authentication_error", "x-api-key header is required");
pub const INVALID_KEY: ApiError = ApiError::new(401, "authentication_error", "invalid x-api-key");
pub const OAUTH: ApiError = ApiError::new(
    401,
    "authentication_error",
    "OAuth authentication is currently not supported.",
);
/// A guess: the API's wording for a Bearer token that is neither OAuth nor valid is not on record.
pub const INVALID_BEARER: ApiError =
    ApiError::new(401, "authentication_error", "invalid bearer token");
pub const BROWSER_HEADER: ApiError = ApiError::new(
    401,
    "authentication_error",
    "CORS requests must set 'anthropic-dangerous-direct-browser-access' header",
);
pub const NO_VERSION: ApiError = ApiError::new(
    400,
    "invalid_request_error",
    "anthropic-version: header is required",
);
pub const NOT_FOUND: ApiError = ApiError::new(404, "not_found_error", "Not Found");
/// A guess: the 405 is on record, its body is not.
pub const METHOD_NOT_ALLOWED: ApiError =
    ApiError::new(405, "invalid_request_error", "Method Not Allowed");

/// One `anthropic-ratelimit-<name>-{limit,remaining,reset}` triple; the
/// reset lies `reset_in` seconds ahead, in RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub headers: [&'static str; 3],
    pub limit: u32,
    pub remaining: u32,
    pub reset_in: u64,
}

/// Builds a [`Limit`] for one name (`requests`, `tokens`, `input-tokens`, `output-tokens`).
macro_rules! limit {
    ($name:literal, $limit:expr, $remaining:expr, $reset_in:expr) => {
        Limit {
            headers: [
                concat!("anthropic-ratelimit-", $name, "-limit"),
                concat!("anthropic-ratelimit-", $name, "-remaining"),
                concat!("anthropic-ratelimit-", $name, "-reset"),
            ],
            limit: $limit,
            remaining: $remaining,
            reset_in: $reset_in,
        }
    };
}

/// The rate-limit headers one response carries.
pub type Quota = &'static [Limit];

/// What a rate-limited error carries: requests used up.
pub const EXHAUSTED: Quota = &[limit!("requests", 50, 0, 17)];

/// Plenty left. Token counts are in thousands, as the API rounds them.
pub const AMPLE: Quota = &[
    limit!("requests", 50, 49, 2),
    limit!("tokens", 100_000, 99_000, 2),
    limit!("input-tokens", 80_000, 80_000, 2),
    limit!("output-tokens", 20_000, 19_000, 2),
];

/// Nearly used up: a client about to be rate limited.
pub const LOW: Quota = &[
    limit!("requests", 50, 2, 20),
    limit!("tokens", 100_000, 4_000, 20),
    limit!("input-tokens", 80_000, 3_000, 20),
    limit!("output-tokens", 20_000, 1_000, 20),
];

/// Adds the headers of `quota`, with resets by the mock's clock.
pub fn with_quota(mut resp: Response, quota: Quota) -> Response {
    let now = http::clock_secs();
    for l in quota {
        resp = resp
            .with(l.headers[0], l.limit.to_string())
            .with(l.headers[1], l.remaining.to_string())
            .with(l.headers[2], http::rfc3339(now.saturating_add(l.reset_in)));
    }
    resp
}

/// Which responses past authentication carry rate-limit headers. On record:
/// they are documented, but not guaranteed on `/v1/models`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateHeaders {
    /// `POST /v1/messages` only.
    Messages(Quota),
    /// Every endpoint a key reaches: models, one model, messages, count_tokens.
    Keyed(Quota),
}

/// How a scenario's API answers once a request has passed every check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Serving {
    /// The models the key sees.
    pub models: &'static [Model],
    /// What a request with `"stream": true` gets.
    pub streaming: Streaming,
    pub rate: RateHeaders,
}

/// The healthy API past its checks.
pub const SERVING: Serving = Serving {
    models: MODELS,
    streaming: Streaming::Real,
    rate: RateHeaders::Messages(AMPLE),
};

/// A per-process random source without dependencies: `RandomState` is seeded
/// from the OS, and a counter makes every call differ.
pub fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u64(http::now_secs());
    h.finish()
}

/// `n` random lowercase hex digits.
pub fn random_hex(n: usize) -> String {
    let mut s = String::with_capacity(n + 16);
    while s.len() < n {
        s.push_str(&format!("{:016x}", random_u64()));
    }
    s.truncate(n);
    s
}

/// A fresh `request-id`, as every API response carries.
pub fn request_id() -> String {
    format!("req_{}", random_hex(24))
}

/// The headers Cloudflare adds to everything it serves: `date`, `server`, `cf-ray`.
/// `MCK` stands where the edge location (`FRA`, …) would.
pub fn edge_headers(resp: Response) -> Response {
    resp.with("date", http::date_now())
        .with("server", "cloudflare")
        .with("cf-ray", format!("{}-MCK", random_hex(16)))
}

/// A JSON response from the API itself: edge headers plus `request-id`.
pub fn json(status: u16, request_id: &str, body: String) -> Response {
    edge_headers(Response::new(status))
        .with("request-id", request_id)
        .with("via", "1.1 google")
        .body("application/json", body)
}

/// Escapes a string for a JSON string literal (without the quotes).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The API's error response for `e`; `message` overrides the fixed wording
/// where it depends on the request (the unknown model's id).
pub fn error(e: &ApiError, message: Option<&str>) -> Response {
    let id = request_id();
    let message = escape(message.unwrap_or(e.message));
    let details = match e.error_code {
        Some(code) => format!(r#","details":{{"error_code":"{}"}}"#, escape(code)),
        None => String::new(),
    };
    let body = format!(
        r#"{{"type":"error","error":{{"type":"{}","message":"{message}"{details}}},"request_id":"{id}"}}"#,
        escape(e.kind)
    );
    let mut resp = json(e.status, &id, body);
    if let RateLimit::Headers | RateLimit::RetryAfter(_) = e.rate_limit {
        resp = with_quota(resp, EXHAUSTED);
    }
    if let RateLimit::RetryAfter(secs) = e.rate_limit {
        resp = resp.with("retry-after", secs.to_string());
    }
    resp
}

/// Who the request says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// Neither `x-api-key` nor `authorization` (empty values count as absent).
    Missing,
    /// An API key, in `x-api-key` or as `Authorization: Bearer` (as today's SDKs send it), with whether
    /// its shape is an API key's.
    ApiKey { well_formed: bool },
    /// `authorization: Bearer sk-ant-oat01-…`, a subscription token.
    OAuth,
    /// Any other `authorization` value.
    OtherBearer,
}

impl Credential {
    /// Reads the credential headers; `x-api-key` wins when both are sent. The API takes an API key in
    /// either header, so a Bearer token with the API key's prefix is read as one.
    pub fn of(req: &Request) -> Self {
        let non_empty = |name| req.header(name).filter(|v| !v.trim().is_empty());
        if let Some(key) = non_empty("x-api-key") {
            return Credential::ApiKey {
                well_formed: is_api_key(key),
            };
        }
        match non_empty("authorization") {
            None => Credential::Missing,
            Some(auth) => {
                let token = auth
                    .split_once(' ')
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                    .map_or("", |(_, t)| t.trim());
                if token.starts_with("sk-ant-oat01-") {
                    Credential::OAuth
                } else if token.starts_with("sk-ant-api") {
                    Credential::ApiKey {
                        well_formed: is_api_key(token),
                    }
                } else {
                    Credential::OtherBearer
                }
            }
        }
    }

    pub fn present(self) -> bool {
        self != Credential::Missing
    }

    /// The healthy API's verdict: `None` when accepted, else the error.
    pub fn check(self) -> Option<ApiError> {
        match self {
            Credential::Missing => Some(NO_KEY),
            Credential::ApiKey { well_formed: true } => None,
            Credential::ApiKey { well_formed: false } => Some(INVALID_KEY),
            Credential::OAuth => Some(OAUTH),
            Credential::OtherBearer => Some(INVALID_BEARER),
        }
    }
}

/// `^sk-ant-api03-[A-Za-z0-9_-]{93}AA$`, the only keys the mock accepts.
pub fn is_api_key(key: &str) -> bool {
    let Some(rest) = key.strip_prefix("sk-ant-api03-") else {
        return false;
    };
    let Some(body) = rest.strip_suffix("AA") else {
        return false;
    };
    body.len() == 93
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A model: id, display name, release date (Unix seconds).
pub type Model = (&'static str, &'static str, u64);

/// The models the mock knows.
pub const MODELS: &[Model] = &[
    ("claude-opus-4-5", "Claude Opus 4.5", 1_763_942_400),
    ("claude-sonnet-4-5", "Claude Sonnet 4.5", 1_759_104_000),
    ("claude-haiku-4-5", "Claude Haiku 4.5", 1_760_486_400),
];

/// The model a body that names none gets; the mock does not validate bodies.
const DEFAULT_MODEL: &str = "claude-sonnet-4-5";

fn model_info(&(id, name, created): &Model) -> String {
    format!(
        r#"{{"id":"{id}","type":"model","display_name":"{name}","created_at":"{}"}}"#,
        http::rfc3339(created)
    )
}

/// The value of `name` in a query string, undecoded (the mock's values need no decoding).
fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `GET /v1/models`: the first `limit` of `models` (default 20; 1 to 1000 like the API).
pub fn list_models(query: &str, models: &[Model]) -> Response {
    let limit = match query_param(query, "limit") {
        None => 20,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return error(
                    &ApiError::new(400, "invalid_request_error", ""),
                    Some("limit: Input should be between 1 and 1000"),
                )
            }
        },
    };
    let page = &models[..limit.min(models.len())];
    let data: Vec<String> = page.iter().map(model_info).collect();
    let id_or_null = |m: Option<&Model>| m.map_or("null".into(), |m| format!("\"{}\"", m.0));
    let body = format!(
        r#"{{"data":[{}],"first_id":{},"last_id":{},"has_more":{}}}"#,
        data.join(","),
        id_or_null(page.first()),
        id_or_null(page.last()),
        limit < models.len()
    );
    json(200, &request_id(), body)
}

/// `GET /v1/models/{id}`: one model, or 404 naming the id.
pub fn get_model(id: &str, models: &[Model]) -> Response {
    match models.iter().find(|m| m.0 == id) {
        Some(m) => json(200, &request_id(), model_info(m)),
        None => unknown_model(id),
    }
}

/// The 404 for a model the key cannot see.
fn unknown_model(id: &str) -> Response {
    error(
        &ApiError::new(404, "not_found_error", ""),
        Some(&format!("model: {id}")),
    )
}

/// The naive value of a top-level string field in a JSON body, enough to echo
/// the requested model back; the mock does not validate bodies.
fn json_string_field(body: &[u8], field: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let after_key = text.split_once(&format!("\"{field}\""))?.1;
    let after_colon = after_key.trim_start().strip_prefix(':')?.trim_start();
    let value = after_colon.strip_prefix('"')?.split_once('"')?.0;
    Some(value.to_string())
}

/// Whether a JSON body sets a top-level boolean field to `true`, naively like
/// [`json_string_field`].
fn json_true_field(body: &[u8], field: &str) -> bool {
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    let key = format!("\"{field}\"");
    // The first occurrence followed by a colon is the key; others are values.
    text.match_indices(&key)
        .find_map(|(at, _)| text[at + key.len()..].trim_start().strip_prefix(':'))
        .is_some_and(|v| v.trim_start().starts_with("true"))
}

/// A fresh message id.
pub fn message_id() -> String {
    format!("msg_mock{}", random_hex(20))
}

/// `POST /v1/messages`. With `"stream": true`, the model must be one the key
/// sees and the answer is a stream (as `streaming` plays it); without, a
/// minimal message for whatever model the body names, leniently as before.
pub fn messages(body: &[u8], serving: &Serving) -> Response {
    let model = json_string_field(body, "model").unwrap_or_else(|| DEFAULT_MODEL.into());
    if !json_true_field(body, "stream") {
        return create_message(&model);
    }
    if !serving.models.iter().any(|m| m.0 == model) {
        return unknown_model(&model);
    }
    match serving.streaming {
        Streaming::Json => create_message(&model),
        how => sse::stream(&message_id(), &model, how),
    }
}

/// A minimal non-streaming message from `model`.
pub fn create_message(model: &str) -> Response {
    let body = format!(
        r#"{{"id":"{}","type":"message","role":"assistant","model":"{}","content":[{{"type":"text","text":"Hi"}}],"stop_reason":"max_tokens","stop_sequence":null,"usage":{{"input_tokens":8,"output_tokens":1}}}}"#,
        message_id(),
        escape(model)
    );
    json(200, &request_id(), body)
}

/// `POST /v1/messages/count_tokens`: a rough count, a quarter of the body's length.
pub fn count_tokens(body: &[u8]) -> Response {
    json(
        200,
        &request_id(),
        format!(r#"{{"input_tokens":{}}}"#, body.len() / 4 + 1),
    )
}

/// Routes an accepted request (browser check, version and auth all passed) to an endpoint.
pub fn endpoint(req: &Request, rest: &str, serving: &Serving) -> Response {
    let kind = endpoint_kind(&req.method, rest);
    let resp = match kind {
        Endpoint::Models => list_models(req.query(), serving.models),
        Endpoint::Model(id) => get_model(id, serving.models),
        Endpoint::Messages => messages(&req.body, serving),
        Endpoint::CountTokens => count_tokens(&req.body),
        Endpoint::WrongMethod => return error(&METHOD_NOT_ALLOWED, None),
        Endpoint::Unknown => return error(&NOT_FOUND, None),
    };
    match serving.rate {
        RateHeaders::Keyed(quota) => with_quota(resp, quota),
        RateHeaders::Messages(quota) if kind == Endpoint::Messages => with_quota(resp, quota),
        RateHeaders::Messages(_) => resp,
    }
}

/// What a method and path name, before any check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint<'a> {
    Models,
    Model(&'a str),
    Messages,
    CountTokens,
    WrongMethod,
    Unknown,
}

/// Matches the path after the scenario prefix (e.g. `/v1/models`).
pub fn endpoint_kind<'a>(method: &str, rest: &'a str) -> Endpoint<'a> {
    let (found, allowed) = match rest {
        "/v1/models" => (Endpoint::Models, "GET"),
        "/v1/messages" => (Endpoint::Messages, "POST"),
        "/v1/messages/count_tokens" => (Endpoint::CountTokens, "POST"),
        _ => match rest.strip_prefix("/v1/models/") {
            Some(id) if !id.is_empty() && !id.contains('/') => (Endpoint::Model(id), "GET"),
            _ => return Endpoint::Unknown,
        },
    };
    if method == allowed {
        found
    } else {
        Endpoint::WrongMethod
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn key() -> String {
        format!(
            "sk-ant-api03-{}AA",
            "a_-Z9".repeat(19).get(..93).unwrap_or_default()
        )
    }

    fn req(headers: &[(&str, &str)]) -> Request {
        Request::for_test("GET", "/", headers)
    }

    #[test]
    fn key_shape() {
        assert_eq!(key().len(), 108);
        assert!(is_api_key(&key()));
        assert!(!is_api_key(&key()[..107]));
        assert!(!is_api_key(&key().replace("api03", "api01")));
        assert!(!is_api_key(&format!("{}AB", &key()[..106])));
        assert!(!is_api_key(&key().replacen('a', "é", 1)));
        assert!(!is_api_key(&format!(" {}", key())));
        assert!(!is_api_key(""));
    }

    #[test]
    fn auth_rules() {
        let k = key();
        type Headers<'a> = &'a [(&'a str, &'a str)];
        let cases: &[(Headers, Option<ApiError>)] = &[
            (&[], Some(NO_KEY)),
            (&[("x-api-key", "  ")], Some(NO_KEY)),
            (&[("x-api-key", &k)], None),
            (&[("x-api-key", "sk-ant-api03-short")], Some(INVALID_KEY)),
            (&[("authorization", "Bearer sk-ant-oat01-abc")], Some(OAUTH)),
            (&[("authorization", "bearer sk-ant-oat01-abc")], Some(OAUTH)),
            (
                &[("authorization", "Bearer gateway-token")],
                Some(INVALID_BEARER),
            ),
            (
                &[("authorization", "Basic Zm9vOmJhcg==")],
                Some(INVALID_BEARER),
            ),
            // An API key as Bearer, as today's SDKs send it, in any case of the scheme.
            (&[("authorization", &*format!("Bearer {k}"))], None),
            (&[("authorization", &*format!("bearer {k}"))], None),
            (
                &[("authorization", "Bearer sk-ant-api03-short")],
                Some(INVALID_KEY),
            ),
            // x-api-key wins over authorization.
            (
                &[
                    ("x-api-key", &k),
                    ("authorization", "Bearer sk-ant-oat01-x"),
                ],
                None,
            ),
        ];
        for (headers, want) in cases {
            assert_eq!(Credential::of(&req(headers)).check(), *want, "{headers:?}");
        }
        assert!(!Credential::of(&req(&[])).present());
        assert!(Credential::of(&req(&[("authorization", "Bearer x")])).present());
    }

    #[test]
    fn error_body_shape() {
        let r = error(&INVALID_KEY, None);
        let id = r.header("request-id").unwrap().to_string();
        assert!(id.starts_with("req_") && id.len() == 28);
        assert_eq!(
            r.text(),
            format!(
                r#"{{"type":"error","error":{{"type":"authentication_error","message":"invalid x-api-key"}},"request_id":"{id}"}}"#
            )
        );
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("server"), Some("cloudflare"));
        let ray = r.header("cf-ray").unwrap();
        assert!(ray.len() == 20 && ray.ends_with("-MCK"));
        assert!(r.header("date").unwrap().ends_with(" GMT"));
    }

    #[test]
    fn request_ids_differ() {
        assert_ne!(request_id(), request_id());
    }

    #[test]
    fn escapes_json() {
        assert_eq!(escape("a\"b\\c\n\u{1}é"), "a\\\"b\\\\c\\n\\u0001é");
    }

    #[test]
    fn models_list_and_lookup() {
        let r = list_models("limit=1", MODELS);
        assert_eq!(
            r.text(),
            r#"{"data":[{"id":"claude-opus-4-5","type":"model","display_name":"Claude Opus 4.5","created_at":"2025-11-24T00:00:00Z"}],"first_id":"claude-opus-4-5","last_id":"claude-opus-4-5","has_more":true}"#
        );
        let r = list_models("", MODELS);
        assert!(r
            .text()
            .ends_with(r#""last_id":"claude-haiku-4-5","has_more":false}"#));
        assert_eq!(list_models("limit=0", MODELS).status, 400);
        assert_eq!(get_model("claude-haiku-4-5", MODELS).status, 200);
        let r = get_model("claude-nope", MODELS);
        assert_eq!(r.status, 404);
        assert!(r.text().contains(r#""message":"model: claude-nope""#));
    }

    #[test]
    fn endpoints() {
        assert_eq!(endpoint_kind("GET", "/v1/models"), Endpoint::Models);
        assert_eq!(endpoint_kind("GET", "/v1/models/x"), Endpoint::Model("x"));
        assert_eq!(endpoint_kind("POST", "/v1/messages"), Endpoint::Messages);
        assert_eq!(endpoint_kind("GET", "/v1/messages"), Endpoint::WrongMethod);
        assert_eq!(endpoint_kind("GET", "/v1/models/"), Endpoint::Unknown);
        assert_eq!(endpoint_kind("GET", "/v2/models"), Endpoint::Unknown);
    }

    #[test]
    fn rate_limit_headers() {
        let e = ApiError {
            rate_limit: RateLimit::RetryAfter(17),
            ..NO_KEY
        };
        let r = error(&e, None);
        assert_eq!(r.header("retry-after"), Some("17"));
        assert_eq!(
            r.header("anthropic-ratelimit-requests-remaining"),
            Some("0")
        );
        let r = error(
            &ApiError {
                rate_limit: RateLimit::Headers,
                ..NO_KEY
            },
            None,
        );
        assert!(r.header("retry-after").is_none());
        assert!(r
            .header("anthropic-ratelimit-requests-reset")
            .unwrap()
            .ends_with('Z'));
    }

    #[test]
    fn message_echoes_model() {
        let r = messages(br#"{"model": "claude-haiku-4-5","max_tokens":1}"#, &SERVING);
        assert!(r.text().contains(r#""model":"claude-haiku-4-5""#));
        assert_eq!(r.status, 200);
        // Without `stream`, any model is echoed, as the mock always did.
        let r = messages(br#"{"model":"claude-nope"}"#, &SERVING);
        assert_eq!(r.status, 200);
    }

    #[test]
    fn stream_field() {
        let cases: &[(&[u8], bool)] = &[
            (br#"{"stream":true}"#, true),
            (br#"{"model":"m", "stream" :  true ,"max_tokens":1}"#, true),
            (br#"{"stream":false}"#, false),
            (br#"{"stream":"true"}"#, false),
            (br#"{"streaming":true}"#, false),
            (br#"{"mode":"stream","stream":true}"#, true),
            (b"", false),
            (b"\xff\xfe", false),
        ];
        for &(body, want) in cases {
            assert_eq!(json_true_field(body, "stream"), want, "{body:?}");
        }
    }

    #[test]
    fn streamed_messages_need_a_known_model() {
        let cases: &[(&[u8], u16, &str)] = &[
            (
                br#"{"model":"claude-haiku-4-5","stream":true}"#,
                200,
                "text/event-stream; charset=utf-8",
            ),
            (
                br#"{"model":"claude-nope","stream":true}"#,
                404,
                "application/json",
            ),
            // No model named: the lenient default, which the mock knows.
            (
                br#"{"stream":true}"#,
                200,
                "text/event-stream; charset=utf-8",
            ),
        ];
        for &(body, status, ct) in cases {
            let r = messages(body, &SERVING);
            assert_eq!(r.status, status, "{}", String::from_utf8_lossy(body));
            assert_eq!(r.header("content-type"), Some(ct));
        }
        let r = messages(br#"{"model":"claude-nope","stream":true}"#, &SERVING);
        assert!(r.text().contains(r#""message":"model: claude-nope""#));
        assert_eq!(error_kind(&r), "not_found_error");
        // A gateway that ignores `stream` answers JSON.
        let json_only = Serving {
            streaming: Streaming::Json,
            ..SERVING
        };
        let r = messages(br#"{"model":"claude-haiku-4-5","stream":true}"#, &json_only);
        assert_eq!(
            (r.status, r.header("content-type")),
            (200, Some("application/json"))
        );
        // An empty catalogue knows no model.
        let none = Serving {
            models: &[],
            ..SERVING
        };
        let r = messages(br#"{"model":"claude-haiku-4-5","stream":true}"#, &none);
        assert_eq!(r.status, 404);
    }

    fn error_kind(r: &Response) -> String {
        let t = r.text();
        t.split_once(r#""error":{"type":""#)
            .and_then(|(_, rest)| rest.split_once('"'))
            .map_or(String::new(), |(ty, _)| ty.to_string())
    }

    #[test]
    fn quotas() {
        let names = |r: &Response| -> Vec<&str> {
            r.headers
                .iter()
                .map(|(n, _)| *n)
                .filter(|n| n.starts_with("anthropic-ratelimit-"))
                .collect()
        };
        for quota in [AMPLE, LOW] {
            let r = with_quota(Response::new(200), quota);
            assert_eq!(names(&r).len(), 12);
            for family in ["requests", "tokens", "input-tokens", "output-tokens"] {
                for part in ["limit", "remaining", "reset"] {
                    let name = format!("anthropic-ratelimit-{family}-{part}");
                    assert!(r.header(&name).is_some(), "{name}");
                }
            }
            for l in quota {
                assert!(l.remaining <= l.limit);
                let reset = r.header(l.headers[2]).unwrap();
                assert!(reset.ends_with('Z') && reset.len() == 20, "{reset}");
            }
        }
        let low = with_quota(Response::new(200), LOW);
        assert_eq!(
            low.header("anthropic-ratelimit-requests-remaining"),
            Some("2")
        );
        assert_eq!(
            low.header("anthropic-ratelimit-tokens-remaining"),
            Some("4000")
        );
        let ample = with_quota(Response::new(200), AMPLE);
        assert_eq!(
            ample.header("anthropic-ratelimit-requests-remaining"),
            Some("49")
        );
        assert_eq!(
            ample.header("anthropic-ratelimit-tokens-remaining"),
            Some("99000")
        );
        // A reset lies its seconds ahead of the `date` the mock's clock gives.
        let now = http::now_secs();
        let reset = low.header("anthropic-ratelimit-requests-reset").unwrap();
        assert!([http::rfc3339(now + 20), http::rfc3339(now + 21)].contains(&reset.to_string()));
        let skewed = http::with_clock_offset(3600, || with_quota(Response::new(200), LOW));
        let reset = skewed.header("anthropic-ratelimit-requests-reset").unwrap();
        assert!(
            [http::rfc3339(now + 3620), http::rfc3339(now + 3621)].contains(&reset.to_string()),
            "{reset}"
        );
    }

    #[test]
    fn rate_headers_by_endpoint() {
        let k = key();
        let req = |method: &str, rest: &str| {
            let mut r = Request::for_test(method, rest, &[("x-api-key", &k)]);
            r.body = br#"{"model":"claude-haiku-4-5","max_tokens":1}"#.to_vec();
            r
        };
        let limit = |r: &Response| r.header("anthropic-ratelimit-requests-limit").is_some();
        // Healthy: on messages only.
        assert!(!limit(&endpoint(
            &req("GET", "/v1/models"),
            "/v1/models",
            &SERVING
        )));
        assert!(limit(&endpoint(
            &req("POST", "/v1/messages"),
            "/v1/messages",
            &SERVING
        )));
        let keyed = Serving {
            rate: RateHeaders::Keyed(LOW),
            ..SERVING
        };
        for (method, rest) in [
            ("GET", "/v1/models"),
            ("GET", "/v1/models/claude-haiku-4-5"),
            ("POST", "/v1/messages"),
            ("POST", "/v1/messages/count_tokens"),
        ] {
            let r = endpoint(&req(method, rest), rest, &keyed);
            assert!(limit(&r), "{rest}");
        }
        // Routing errors carry none.
        assert!(!limit(&endpoint(
            &req("GET", "/v1/messages"),
            "/v1/messages",
            &keyed
        )));
    }

    #[test]
    fn empty_catalogue() {
        let r = list_models("limit=1", &[]);
        assert_eq!(
            r.text(),
            r#"{"data":[],"first_id":null,"last_id":null,"has_more":false}"#
        );
        assert_eq!(get_model("claude-haiku-4-5", &[]).status, 404);
    }
}
