//! Reads a readable response the way the API's error format and the edge's pages are known to look.

use super::json::Json;

use super::finding::Fact;
use super::observation::Response;

/// What a readable response turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The API's own error body: `{"type":"error","error":{"type","message"},"request_id"}`.
    ApiError {
        kind: String,
        message: String,
        /// `error.details.error_code`, such as `enforced_spend_limit_reached`.
        code: Option<String>,
    },
    /// A model list: `{"data":[{"id":…}…]}`.
    Models {
        ids: Vec<String>,
    },
    /// One model: `{"type":"model","id":…}`.
    Model {
        id: String,
    },
    /// A model list in the OpenAI format (`"object":"list"`, entries `"object":"model"`): an
    /// OpenAI-compatible endpoint, not the Anthropic API. Its ids are not Claude models.
    ForeignModels {
        ids: Vec<String>,
    },
    /// An error in another service's format (`{"error":{"message":…}}` without the API's
    /// `"type":"error"`), such as an OpenAI-compatible endpoint's.
    ForeignError {
        message: String,
    },
    /// The edge's region block: `{"error":{"type":"forbidden","message":"Request not allowed"}}`.
    RegionBlock,
    /// The edge's problem-details JSON (`"cloudflare_error": true`).
    EdgeError {
        title: Option<String>,
    },
    /// An HTML page: a proxy, a captive portal or an edge challenge, not the API.
    Html {
        title: Option<String>,
    },
    /// JSON of another shape.
    OtherJson,
    /// Not JSON, not HTML, or cut off.
    Malformed,
    Empty,
}

/// The most characters of an API error's message, `error.type` or `details.error_code` a finding keeps.
pub const MESSAGE_CHARS: usize = 300;
/// The most characters of a `retry-after` a finding keeps: seconds are a few digits, an HTTP date 29.
pub const RETRY_AFTER_CHARS: usize = 40;

/// The one reading of an API error response, used by every check that reads one: the status, the
/// error's type, message and `details.error_code`, each bounded once, and the `retry-after` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    /// `error.type`; types may grow, so an unknown one is kept as it is.
    pub kind: String,
    pub message: String,
    /// `error.details.error_code`, such as `enforced_spend_limit_reached`.
    pub code: Option<String>,
    /// `retry-after`, trimmed.
    pub retry_after: Option<String>,
}

/// The error code of the monthly spend cap.
const SPEND_CAP_CODE: &str = "enforced_spend_limit_reached";

impl ApiError {
    /// Reads a response as the API's error, if its body is one.
    pub fn read(resp: &Response) -> Option<ApiError> {
        let Reply::ApiError {
            kind,
            message,
            code,
        } = classify(resp)
        else {
            return None;
        };
        Some(ApiError {
            status: resp.status,
            kind: bounded(&kind, MESSAGE_CHARS),
            message: bounded(&message, MESSAGE_CHARS),
            code: code.map(|c| bounded(&c, MESSAGE_CHARS)),
            retry_after: retry_after(resp),
        })
    }

    /// The monthly spend cap: `details.error_code` says so (under any type or status: the code alone is
    /// specific), or an `invalid_request_error` says "You have reached your specified API usage limits".
    /// Waiting for a rate-limit window does not lift it.
    pub fn spend_cap(&self) -> bool {
        self.code.as_deref() == Some(SPEND_CAP_CODE)
            || (self.kind == "invalid_request_error"
                && self.message.to_ascii_lowercase().contains("usage limits"))
    }

    /// "Your credit balance is too low…": an `invalid_request_error` or `billing_error` naming the credit
    /// balance, under any status (the API pairs it with 400, and the type is what it promises to keep).
    pub fn credit_low(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "invalid_request_error" | "billing_error"
        ) && self.message.to_ascii_lowercase().contains("credit balance")
    }

    /// A rate limit that waiting lifts: `rate_limit_error` or a 429, unless it is the spend cap.
    pub fn rate_limited(&self) -> bool {
        (self.kind == "rate_limit_error" || self.status == 429) && !self.spend_cap()
    }

    /// Overloaded across all users: `overloaded_error` under any status, or a 529 whatever its type.
    pub fn overloaded(&self) -> bool {
        self.kind == "overloaded_error" || self.status == 529
    }

    /// A fault inside the service that is not an overload: `api_error` or `timeout_error` under any
    /// status, or another 5xx.
    pub fn server_fault(&self) -> bool {
        !self.overloaded()
            && (matches!(self.kind.as_str(), "api_error" | "timeout_error")
                || (500..=599).contains(&self.status))
    }

    /// The service's own trouble, which says nothing about a key or a model: a rate limit, any 429
    /// (the spend cap's too), an overload or a server fault.
    pub fn service_trouble(&self) -> bool {
        self.rate_limited() || self.status == 429 || self.overloaded() || self.server_fault()
    }

    /// The facts every check shows of an API error: its type and message.
    pub fn facts(&self) -> [Fact; 2] {
        [
            Fact::ErrorType(self.kind.clone()),
            Fact::ErrorMessage(self.message.clone()),
        ]
    }
}

/// `retry-after`, trimmed and bounded.
pub fn retry_after(resp: &Response) -> Option<String> {
    resp.header("retry-after")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| bounded(v, RETRY_AFTER_CHARS))
}

/// At most `max` characters of `s`.
fn bounded(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Classifies a response body; status is judged by the checks.
pub fn classify(resp: &Response) -> Reply {
    let body = resp.body.trim_start_matches('\u{feff}').trim();
    if body.is_empty() {
        return Reply::Empty;
    }
    let content_type = resp
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.contains("html") || body.starts_with('<') {
        return Reply::Html {
            title: html_title(body),
        };
    }
    let Ok(json) = Json::parse(body) else {
        return Reply::Malformed;
    };
    let error = &json["error"];
    if error.is_object() {
        let kind = error["type"].as_str().unwrap_or("").to_string();
        let message = error["message"].as_str().unwrap_or("").to_string();
        if json["type"] == "error" {
            let code = error["details"]["error_code"].as_str().map(str::to_string);
            return Reply::ApiError {
                kind,
                message,
                code,
            };
        }
        if kind == "forbidden" {
            return Reply::RegionBlock;
        }
        if let Some(message) = error["message"].as_str() {
            return Reply::ForeignError {
                message: bounded(message, MESSAGE_CHARS),
            };
        }
    }
    if json["cloudflare_error"] == true {
        return Reply::EdgeError {
            title: json["title"].as_str().map(str::to_string),
        };
    }
    if let Some(data) = json["data"].as_array() {
        let ids = data
            .iter()
            .filter_map(|m| m["id"].as_str().map(str::to_string))
            .collect();
        // The Anthropic list's entries say `"type":"model"`; the OpenAI format says `"object"` instead.
        let openai = json["object"] == "list"
            || data
                .iter()
                .any(|m| m["object"] == "model" && m["type"].as_str().is_none());
        return if openai {
            Reply::ForeignModels { ids }
        } else {
            Reply::Models { ids }
        };
    }
    if json["type"] == "model" {
        if let Some(id) = json["id"].as_str() {
            return Reply::Model { id: id.to_string() };
        }
    }
    Reply::OtherJson
}

/// The text of the first `<title>`, bounded and with whitespace folded.
fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title: String = body
        .get(start..end)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(120)
        .collect();
    (!title.is_empty()).then_some(title)
}

/// Facts every readable response offers: status, request id, edge location, date, server.
pub fn response_facts(resp: &Response) -> Vec<Fact> {
    let mut facts = vec![Fact::HttpStatus(resp.status)];
    let request_id = resp
        .header("request-id")
        .map(str::to_string)
        .or_else(|| body_request_id(&resp.body));
    if let Some(id) = request_id {
        facts.push(Fact::RequestId(id));
    }
    if let Some(colo) = resp
        .header("cf-ray")
        .and_then(|ray| ray.rsplit_once('-'))
        .map(|(_, c)| c)
    {
        facts.push(Fact::Edge(colo.to_string()));
    }
    if let Some(date) = resp.header("date") {
        facts.push(Fact::ServerDate(date.to_string()));
    }
    if let Some(server) = resp.header("server") {
        facts.push(Fact::Server(server.to_string()));
    }
    if let Some(to) = &resp.redirected_to {
        facts.push(Fact::RedirectedTo(to.clone()));
    }
    facts.push(Fact::Elapsed(resp.elapsed_ms));
    facts
}

/// `request_id` from an error body, when the header was not readable.
fn body_request_id(body: &str) -> Option<String> {
    let json = Json::parse(body).ok()?;
    json["request_id"].as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{api_error, resp};

    #[test]
    fn api_error_rules_table() {
        let error = |status: u16, body: &str, headers: &[(&str, &str)]| {
            ApiError::read(&resp(status, "application/json", body, headers)).unwrap()
        };
        let plain = |status, kind, message| error(status, &api_error(kind, message), &[]);
        let capped = r#"{"type":"error","error":{"type":"rate_limit_error","message":"cap","details":{"error_code":"enforced_spend_limit_reached"}}}"#;
        let capped_other = r#"{"type":"error","error":{"type":"invalid_request_error","message":"cap","details":{"error_code":"enforced_spend_limit_reached"}}}"#;
        // (error, spend cap, credit low, rate limited)
        let rows = [
            (
                plain(
                    400,
                    "invalid_request_error",
                    "Your credit balance is too low to access the Anthropic API.",
                ),
                false,
                true,
                false,
            ),
            (
                plain(402, "billing_error", "Your credit balance is too low."),
                false,
                true,
                false,
            ),
            (
                plain(
                    403,
                    "invalid_request_error",
                    "Your credit balance is too low.",
                ),
                false,
                true,
                false,
            ),
            (
                plain(
                    400,
                    "invalid_request_error",
                    "You have reached your specified API usage limits.",
                ),
                true,
                false,
                false,
            ),
            (error(429, capped, &[]), true, false, false),
            (error(400, capped_other, &[]), true, false, false),
            (
                plain(429, "rate_limit_error", "Number of requests exceeded"),
                false,
                false,
                true,
            ),
            (plain(429, "something_new", "slow down"), false, false, true),
            (
                plain(400, "invalid_request_error", "max_tokens: field required"),
                false,
                false,
                false,
            ),
        ];
        for (e, cap, credit, limited) in rows {
            assert_eq!(
                (e.spend_cap(), e.credit_low(), e.rate_limited()),
                (cap, credit, limited),
                "{e:?}"
            );
        }
        // (error, overloaded, server fault, service trouble)
        let rows = [
            (
                plain(529, "overloaded_error", "Overloaded"),
                true,
                false,
                true,
            ),
            (
                plain(503, "overloaded_error", "Overloaded"),
                true,
                false,
                true,
            ),
            (plain(529, "something_new", "busy"), true, false, true),
            (
                plain(500, "api_error", "Internal server error"),
                false,
                true,
                true,
            ),
            (plain(504, "timeout_error", "Timed out"), false, true, true),
            (plain(200, "api_error", "odd"), false, true, true),
            (
                plain(502, "something_new", "bad gateway"),
                false,
                true,
                true,
            ),
            (
                plain(429, "rate_limit_error", "slow down"),
                false,
                false,
                true,
            ),
            (error(429, capped, &[]), false, false, true),
            (
                plain(401, "authentication_error", "invalid x-api-key"),
                false,
                false,
                false,
            ),
            (
                plain(404, "not_found_error", "model: x"),
                false,
                false,
                false,
            ),
        ];
        for (e, overloaded, fault, trouble) in rows {
            assert_eq!(
                (e.overloaded(), e.server_fault(), e.service_trouble()),
                (overloaded, fault, trouble),
                "{e:?}"
            );
        }
    }

    #[test]
    fn an_api_error_is_bounded_once() {
        let long = "x".repeat(5_000);
        let e = ApiError::read(&resp(
            429,
            "application/json",
            &api_error(&long, &long),
            &[("retry-after", &format!(" {long} "))],
        ))
        .unwrap();
        assert_eq!(e.kind.len(), MESSAGE_CHARS);
        assert_eq!(e.message.chars().count(), MESSAGE_CHARS);
        assert_eq!(e.retry_after.map(|r| r.len()), Some(RETRY_AFTER_CHARS));
        assert_eq!(ApiError::read(&resp(200, "text/html", "<p>", &[])), None);
    }

    #[test]
    fn classifies_known_bodies() {
        let json = "application/json";
        let rows: Vec<(Response, Reply)> = vec![
            (
                resp(
                    401,
                    json,
                    &api_error("authentication_error", "invalid x-api-key"),
                    &[],
                ),
                Reply::ApiError {
                    kind: "authentication_error".into(),
                    message: "invalid x-api-key".into(),
                    code: None,
                },
            ),
            (
                resp(
                    429,
                    json,
                    r#"{"type":"error","error":{"type":"rate_limit_error","message":"cap","details":{"error_code":"enforced_spend_limit_reached"}}}"#,
                    &[],
                ),
                Reply::ApiError {
                    kind: "rate_limit_error".into(),
                    message: "cap".into(),
                    code: Some("enforced_spend_limit_reached".into()),
                },
            ),
            (
                resp(
                    200,
                    json,
                    r#"{"data":[{"id":"claude-x","type":"model"}],"has_more":true}"#,
                    &[],
                ),
                Reply::Models {
                    ids: vec!["claude-x".into()],
                },
            ),
            (
                resp(200, json, r#"{"type":"model","id":"claude-y"}"#, &[]),
                Reply::Model {
                    id: "claude-y".into(),
                },
            ),
            (
                resp(
                    403,
                    json,
                    r#"{"error":{"type":"forbidden","message":"Request not allowed"}}"#,
                    &[],
                ),
                Reply::RegionBlock,
            ),
            (
                resp(
                    520,
                    "application/problem+json",
                    r#"{"title":"Error 520","status":520,"cloudflare_error":true}"#,
                    &[],
                ),
                Reply::EdgeError {
                    title: Some("Error 520".into()),
                },
            ),
            (
                resp(
                    403,
                    "text/html",
                    "<!DOCTYPE html><html><head><TITLE>\n Just a   moment...</title>",
                    &[],
                ),
                Reply::Html {
                    title: Some("Just a moment...".into()),
                },
            ),
            (
                resp(200, "text/plain", "<html>no title", &[]),
                Reply::Html { title: None },
            ),
            (
                resp(200, json, r#"{"data": [ {"id": "claude"#, &[]),
                Reply::Malformed,
            ),
            (resp(200, json, "\u{fffd}\u{fffd}", &[]), Reply::Malformed),
            (resp(200, json, r#"{"ok":true}"#, &[]), Reply::OtherJson),
            (resp(204, json, "  ", &[]), Reply::Empty),
            // An OpenAI-compatible endpoint: its list and its error are named as another service's.
            (
                resp(
                    200,
                    json,
                    r#"{"object":"list","data":[{"id":"gpt-4o","object":"model","owned_by":"openai"}]}"#,
                    &[],
                ),
                Reply::ForeignModels {
                    ids: vec!["gpt-4o".into()],
                },
            ),
            (
                resp(
                    200,
                    json,
                    r#"{"data":[{"id":"gpt-4o-mini","object":"model","created":1}]}"#,
                    &[],
                ),
                Reply::ForeignModels {
                    ids: vec!["gpt-4o-mini".into()],
                },
            ),
            (
                resp(
                    401,
                    json,
                    r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
                    &[],
                ),
                Reply::ForeignError {
                    message: "Incorrect API key provided".into(),
                },
            ),
        ];
        for (r, want) in rows {
            assert_eq!(classify(&r), want, "{}", r.body);
        }
    }

    #[test]
    fn facts_from_headers() {
        let r = resp(
            401,
            "application/json",
            &api_error("authentication_error", "x"),
            &[
                ("request-id", "req_abc"),
                ("cf-ray", "8f1e2d3c4b5a6978-FRA"),
                ("date", "Thu, 26 Nov 2026 08:00:00 GMT"),
            ],
        );
        let facts = response_facts(&r);
        assert!(facts.contains(&Fact::RequestId("req_abc".into())));
        assert!(facts.contains(&Fact::Edge("FRA".into())));
        assert!(facts.contains(&Fact::ServerDate("Thu, 26 Nov 2026 08:00:00 GMT".into())));
        assert!(facts.contains(&Fact::HttpStatus(401)));
    }

    #[test]
    fn request_id_falls_back_to_the_body() {
        let r = resp(
            401,
            "application/json",
            &api_error("authentication_error", "x"),
            &[],
        );
        assert!(response_facts(&r).contains(&Fact::RequestId("req_1".into())));
    }
}
