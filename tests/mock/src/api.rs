//! The API itself: its headers, error bodies, auth rules and endpoints, as API-FACTS.md records them.

use crate::http::{self, Request, Response};
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
/// A guess: API-FACTS records the 405 but not its body.
pub const METHOD_NOT_ALLOWED: ApiError =
    ApiError::new(405, "invalid_request_error", "Method Not Allowed");

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
    resp.with("date", http::imf_fixdate(http::now_secs()))
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
        let now = http::now_secs();
        resp = resp
            .with("anthropic-ratelimit-requests-limit", "50")
            .with("anthropic-ratelimit-requests-remaining", "0")
            .with(
                "anthropic-ratelimit-requests-reset",
                http::rfc3339(now + 17),
            );
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
    /// An `x-api-key`, with whether its shape is an API key's.
    ApiKey { well_formed: bool },
    /// `authorization: Bearer sk-ant-oat01-…`, a subscription token.
    OAuth,
    /// Any other `authorization` value.
    OtherBearer,
}

impl Credential {
    /// Reads the credential headers; `x-api-key` wins when both are sent.
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

/// The models the mock knows: id, display name, release date (Unix seconds).
const MODELS: &[(&str, &str, u64)] = &[
    ("claude-opus-4-5", "Claude Opus 4.5", 1_763_942_400),
    ("claude-sonnet-4-5", "Claude Sonnet 4.5", 1_759_104_000),
    ("claude-haiku-4-5", "Claude Haiku 4.5", 1_760_486_400),
];

fn model_info(&(id, name, created): &(&str, &str, u64)) -> String {
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

/// `GET /v1/models`: the first `limit` models (default 20; 1 to 1000 like the API).
pub fn list_models(query: &str) -> Response {
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
    let page = &MODELS[..limit.min(MODELS.len())];
    let data: Vec<String> = page.iter().map(model_info).collect();
    let id_or_null =
        |m: Option<&(&str, &str, u64)>| m.map_or("null".into(), |m| format!("\"{}\"", m.0));
    let body = format!(
        r#"{{"data":[{}],"first_id":{},"last_id":{},"has_more":{}}}"#,
        data.join(","),
        id_or_null(page.first()),
        id_or_null(page.last()),
        limit < MODELS.len()
    );
    json(200, &request_id(), body)
}

/// `GET /v1/models/{id}`: one model, or 404 naming the id.
pub fn get_model(id: &str) -> Response {
    match MODELS.iter().find(|m| m.0 == id) {
        Some(m) => json(200, &request_id(), model_info(m)),
        None => error(
            &ApiError::new(404, "not_found_error", ""),
            Some(&format!("model: {id}")),
        ),
    }
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

/// `POST /v1/messages`: a minimal non-streaming message.
///
/// Streaming (`"stream": true`) is answered non-streaming for now: the SSE
/// writer (`message_start` … `message_stop` as `text/event-stream`) goes here,
/// keyed on that field, when a scenario needs it.
pub fn create_message(body: &[u8]) -> Response {
    let model = json_string_field(body, "model").unwrap_or_else(|| "claude-sonnet-4-5".into());
    let body = format!(
        r#"{{"id":"msg_mock{}","type":"message","role":"assistant","model":"{}","content":[{{"type":"text","text":"Hi"}}],"stop_reason":"max_tokens","stop_sequence":null,"usage":{{"input_tokens":8,"output_tokens":1}}}}"#,
        random_hex(20),
        escape(&model)
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
pub fn endpoint(req: &Request, rest: &str) -> Response {
    match endpoint_kind(&req.method, rest) {
        Endpoint::Models => list_models(req.query()),
        Endpoint::Model(id) => get_model(id),
        Endpoint::Messages => create_message(&req.body),
        Endpoint::CountTokens => count_tokens(&req.body),
        Endpoint::WrongMethod => error(&METHOD_NOT_ALLOWED, None),
        Endpoint::Unknown => error(&NOT_FOUND, None),
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
        let r = list_models("limit=1");
        assert_eq!(
            r.text(),
            r#"{"data":[{"id":"claude-opus-4-5","type":"model","display_name":"Claude Opus 4.5","created_at":"2025-11-24T00:00:00Z"}],"first_id":"claude-opus-4-5","last_id":"claude-opus-4-5","has_more":true}"#
        );
        let r = list_models("");
        assert!(r
            .text()
            .ends_with(r#""last_id":"claude-haiku-4-5","has_more":false}"#));
        assert_eq!(list_models("limit=0").status, 400);
        assert_eq!(get_model("claude-haiku-4-5").status, 200);
        let r = get_model("claude-nope");
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
        let r = create_message(br#"{"model": "claude-haiku-4-5","max_tokens":1}"#);
        assert!(r.text().contains(r#""model":"claude-haiku-4-5""#));
        assert_eq!(r.status, 200);
    }
}
