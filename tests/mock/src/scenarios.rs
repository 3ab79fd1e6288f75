//! The scenario table and what each scenario does; `/s/<scenario>/…` picks one.

use crate::api::{self, ApiError, Credential, Endpoint, RateLimit};
use crate::cors;
use crate::http::{Body, Request, Response};
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
    /// The API with its CORS rules, auth and endpoints, plus an optional fault.
    /// `cors: false` is a gateway that proxies the API but sends no access-control headers.
    Api { cors: bool, fault: Fault },
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
}

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
/// from the fields API-FACTS names (`cloudflare_error`, `zone`) and RFC 9457.
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
const DRIP_EVERY: Duration = Duration::from_millis(200);
const DRIP_LIMIT: Duration = Duration::from_secs(300);

const fn api(fault: Fault) -> Behaviour {
    Behaviour::Api { cors: true, fault }
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
        behaviour: Behaviour::Api { cors: false, fault: Fault::None },
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
        behaviour: keyed(400, "invalid_request_error", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."),
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
        behaviour: keyed(529, "overloaded_error", "Overloaded"),
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
        description: "200 {\"ok\":true} with access-control-allow-origin: *, no conditions",
        behaviour: Behaviour::Control,
    },
];

/// What the connection should do with a request.
#[derive(Debug)]
pub enum Outcome {
    Reply(Response),
    /// Say nothing and hold the socket.
    Hang,
}

/// Finds a scenario by its path segment, with its numeric parameter if it takes one.
pub fn lookup(segment: &str) -> Option<(&'static Scenario, Option<u64>)> {
    SCENARIOS.iter().find_map(|s| match s.name.split_once('<') {
        None => (s.name == segment).then_some((s, None)),
        Some((prefix, _)) => {
            let param = segment.strip_prefix(prefix)?;
            if param.is_empty() || param.len() > 12 || !param.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            param.parse().ok().map(|n| (s, Some(n)))
        }
    })
}

/// `GET /`: one `name<TAB>description` line per scenario.
pub fn listing() -> Response {
    let text: String = SCENARIOS
        .iter()
        .map(|s| format!("{}\t{}\n", s.name, s.description))
        .collect();
    Response::new(200)
        .with("date", crate::http::imf_fixdate(crate::http::now_secs()))
        .body("text/plain; charset=utf-8", text)
}

/// Answers a request: picks the scenario from the path and plays it.
pub fn handle(req: &Request) -> Outcome {
    let path = req.path();
    if path == "/" {
        return Outcome::Reply(listing());
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
        Behaviour::Api { cors: true, fault } => the_api(req, rest, fault),
        Behaviour::Api { cors: false, fault } => without_cors(req, rest, fault),
        Behaviour::Edge(edge) => edge_reply(req, &edge),
        Behaviour::Slow => {
            // The delay is spent here, in the connection's own thread, so that
            // the response (its `date` too) is built when it is due. Preflights
            // are answered at once so that one request costs one delay.
            if !req.is_preflight() {
                let ms = param.unwrap_or(0).min(SLOW_CAP_MS);
                std::thread::sleep(Duration::from_millis(ms));
            }
            the_api(req, rest, Fault::None)
        }
        Behaviour::Hang => return Outcome::Hang,
        Behaviour::Drip => {
            let mut resp = the_api(req, rest, Fault::None);
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
        Behaviour::Redirect => {
            let query = match req.query() {
                "" => String::new(),
                q => format!("?{q}"),
            };
            redirect(req, format!("/s/healthy{rest}{query}"))
        }
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
            if req.is_preflight() {
                cors::preflight_any(req)
            } else {
                cors::readable(Response::new(200).body("application/json", r#"{"ok":true}"#))
            }
        }
        Behaviour::NotFound => not_found(req),
    };
    Outcome::Reply(reply)
}

/// The API: browser gate, then path, version, credential, fault, endpoint.
fn the_api(req: &Request, rest: &str, fault: Fault) -> Response {
    cors::api_rules(req, || {
        if let Fault::All(e) = fault {
            if rest.starts_with("/v1/") {
                return api::error(&e, None);
            }
        }
        match api::endpoint_kind(&req.method, rest) {
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
        match credential.check() {
            Some(e) => api::error(&e, None),
            None => api::endpoint(req, rest),
        }
    })
}

/// A gateway without CORS in front of the API: preflights are refused with a
/// 405, and nothing it forwards carries access-control headers.
fn without_cors(req: &Request, rest: &str, fault: Fault) -> Response {
    if req.is_preflight() {
        return api::edge_headers(Response::new(405))
            .with("allow", "GET, POST")
            .body("text/plain", "Method Not Allowed");
    }
    let mut resp = the_api(req, rest, fault);
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
        resp = resp.with("date", crate::http::imf_fixdate(crate::http::now_secs()));
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
        for (i, s) in SCENARIOS.iter().enumerate() {
            assert!(
                SCENARIOS[..i].iter().all(|o| o.name != s.name),
                "{}",
                s.name
            );
            assert!(s
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-<>".contains(&b)));
            assert!(!s.description.contains('\n') && !s.description.contains('\t'));
        }
        let listing = listing().text();
        assert_eq!(listing.lines().count(), SCENARIOS.len());
        assert!(listing.lines().all(|l| l.split('\t').count() == 2));
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
}
