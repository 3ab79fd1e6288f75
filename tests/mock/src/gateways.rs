//! Gateways, proxies and look-alikes in front of (or instead of) the API, each written the way a real one
//! gets it wrong: CORS only on successes or only on keyed requests, a preflight that fails or lacks a
//! header, credentials added for everyone, an OpenAI-compatible server, a captive portal, a redirect.
//!
//! Each forwards to the API the way a server does (without the browser's `Origin`, so the API adds no
//! CORS headers of its own) unless it says otherwise, and adds its own CORS headers by its own rule.

use crate::api;
use crate::cors;
use crate::http::{self, Request, Response};

/// One gateway's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    /// nginx's `add_header` without `always`: CORS headers on 2xx and 3xx answers only; its preflight
    /// (`if ($request_method = OPTIONS) { add_header …; return 204; }`) is a success, so it passes.
    CorsOnSuccess,
    /// Its own key check runs before its CORS middleware: a keyless request gets the gateway's own 401
    /// without CORS headers; a keyed one is passed to the API as the browser sent it (the API's CORS).
    CorsOnKeyed,
    /// Adds its own credential to every request, so a keyless request succeeds.
    InjectsKey,
    /// A spec-driven mock server: every GET gets the spec's example, whatever the key; CORS for all.
    SpecMock,
    /// An OpenAI-compatible server: its own error format without a key, an OpenAI model list with one.
    OpenAi,
    /// An OpenAI-compatible server with no authentication at all (a local model server).
    OpenAiOpen,
    /// CORS headers on every answer, but `OPTIONS` gets this status without any.
    PreflightStatus(u16),
    /// A preflight that allows only these request headers.
    PreflightAllows(&'static str),
    /// A captive portal: a 302 to its login page, both readable cross-origin.
    Portal,
    /// A 302 to the same path under `healthy`, with no CORS headers on the redirect itself.
    RedirectNoCors,
    /// A 307 readable cross-origin, to the same path under `no-cors`, a host that sends no CORS headers.
    RedirectToNoCors,
}

/// What the spec-driven mock answers: the spec's placeholder values, not real models.
const SPEC_MODELS: &str = r#"{"data":[{"type":"model","id":"string","display_name":"string","created_at":"2019-08-24T14:15:22Z"}],"has_more":true,"first_id":"string","last_id":"string"}"#;
const SPEC_MODEL: &str =
    r#"{"type":"model","id":"string","display_name":"string","created_at":"2019-08-24T14:15:22Z"}"#;
const OPENAI_MODELS: &str = r#"{"object":"list","data":[{"id":"gpt-4o","object":"model","created":1715367049,"owned_by":"system"},{"id":"gpt-4o-mini","object":"model","created":1721172741,"owned_by":"system"}]}"#;
const OPENAI_NO_KEY: &str = r#"{"error":{"message":"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).","type":"invalid_request_error","param":null,"code":null}}"#;
const GATEWAY_NO_KEY: &str = r#"{"error":"unauthorized","message":"missing credentials"}"#;
const PORTAL_LOGIN: &str = concat!(
    "<!DOCTYPE html><html><head><title>Guest Wi-Fi: sign in</title></head><body>",
    "<h1>Welcome</h1><p>Accept the terms to continue to the internet.</p>",
    "<form method=\"post\" action=\"/s/portal/login\"><button>Accept</button></form></body></html>"
);

/// The credential a gateway adds for its callers: of the API key's shape, so the mock accepts it.
fn gateway_key() -> String {
    format!("sk-ant-api03-{}AA", "g".repeat(93))
}

/// Answers `req` as `gateway` would, with `upstream` (the API) behind it; `rest` is the path after the
/// scenario's prefix.
pub fn play(
    gateway: Gateway,
    req: &Request,
    rest: &str,
    upstream: impl Fn(&Request, &str) -> Response,
) -> Response {
    let server_side = || upstream(&without(req, &["origin"]), rest);
    match gateway {
        Gateway::CorsOnSuccess => {
            if req.is_preflight() {
                return cors::preflight();
            }
            let resp = server_side();
            if (200..400).contains(&resp.status) {
                cors::readable(resp)
            } else {
                resp
            }
        }
        Gateway::CorsOnKeyed => {
            if req.is_preflight() {
                return cors::preflight();
            }
            if api::Credential::of(req).present() {
                upstream(req, rest)
            } else {
                api::edge_headers(Response::new(401)).body("application/json", GATEWAY_NO_KEY)
            }
        }
        Gateway::InjectsKey => {
            let mut forwarded = without(req, &["x-api-key", "authorization"]);
            forwarded.headers.push(("x-api-key".into(), gateway_key()));
            upstream(&forwarded, rest)
        }
        Gateway::SpecMock => open(req, || {
            let body = if rest.starts_with("/v1/models/") {
                SPEC_MODEL
            } else {
                SPEC_MODELS
            };
            Response::new(200).body("application/json", body)
        }),
        Gateway::OpenAi | Gateway::OpenAiOpen => open(req, || {
            let keyed = req
                .header("authorization")
                .is_some_and(|v| v.len() > "Bearer ".len());
            if gateway == Gateway::OpenAi && !keyed && req.header("x-api-key").is_none() {
                Response::new(401).body("application/json", OPENAI_NO_KEY)
            } else {
                Response::new(200).body("application/json", OPENAI_MODELS)
            }
        }),
        Gateway::PreflightStatus(status) => {
            if req.is_preflight() {
                return Response::new(status)
                    .with("date", http::date_now())
                    .body("text/plain", http::reason(status));
            }
            cors::readable(server_side())
        }
        Gateway::PreflightAllows(names) => {
            if req.is_preflight() {
                return Response::new(204)
                    .with("date", http::date_now())
                    .with("access-control-allow-origin", "*")
                    .with("access-control-allow-methods", cors::ALLOW_METHODS)
                    .with("access-control-allow-headers", names);
            }
            cors::readable(server_side())
        }
        Gateway::Portal => open(req, || {
            if rest.starts_with("/login") {
                Response::new(200).body("text/html; charset=utf-8", PORTAL_LOGIN)
            } else {
                Response::new(302).with("location", "/s/portal/login?continue=1")
            }
        }),
        Gateway::RedirectNoCors => {
            if req.is_preflight() {
                return cors::preflight();
            }
            moved(req, 302, "/s/healthy", rest)
        }
        Gateway::RedirectToNoCors => {
            if req.is_preflight() {
                return cors::preflight();
            }
            cors::readable(moved(req, 307, "/s/no-cors", rest))
        }
    }
}

/// `prefix`, then the request's path after its scenario and its query: where a redirect to the same
/// place under another scenario points.
pub fn same_place(req: &Request, prefix: &str, rest: &str) -> String {
    match req.query() {
        "" => format!("{prefix}{rest}"),
        q => format!("{prefix}{rest}?{q}"),
    }
}

/// A 302 or 307 to `prefix` + the same path and query.
fn moved(req: &Request, status: u16, prefix: &str, rest: &str) -> Response {
    Response::new(status)
        .with("date", http::date_now())
        .with("location", same_place(req, prefix, rest))
}

/// Readable by any origin, preflights allowed for whatever they ask.
fn open(req: &Request, serve: impl FnOnce() -> Response) -> Response {
    if req.is_preflight() {
        return cors::preflight_any(req);
    }
    cors::readable(serve().with("date", http::date_now()))
}

/// `req` without the named headers.
fn without(req: &Request, names: &[&str]) -> Request {
    let mut out = req.clone();
    out.headers.retain(|(n, _)| !names.contains(&n.as_str()));
    out
}

#[cfg(test)]
mod tests {
    use crate::http::{Request, Response};
    use crate::scenarios::{handle, Outcome};

    const ORIGIN: (&str, &str) = ("origin", "http://localhost:1");
    const VERSION: (&str, &str) = ("anthropic-version", "2023-06-01");
    const BROWSER: (&str, &str) = ("anthropic-dangerous-direct-browser-access", "true");

    fn key() -> String {
        format!("sk-ant-api03-{}AA", "k".repeat(93))
    }

    fn go(method: &str, target: &str, headers: &[(&str, &str)]) -> Response {
        match handle(&Request::for_test(method, target, headers)) {
            Outcome::Reply(r) => r,
            Outcome::Hang => panic!("unexpected hang"),
        }
    }

    fn preflight(target: &str, names: &str) -> Response {
        go(
            "OPTIONS",
            target,
            &[
                ORIGIN,
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", names),
            ],
        )
    }

    fn acao(r: &Response) -> Option<&str> {
        r.header("access-control-allow-origin")
    }

    #[test]
    fn cors_on_success_reads_only_the_keyed_success() {
        let path = "/s/cors-on-success/v1/models";
        let keyless = go("GET", path, &[ORIGIN, VERSION, BROWSER]);
        assert_eq!((keyless.status, acao(&keyless)), (401, None));
        let k = key();
        let keyed = go("GET", path, &[ORIGIN, VERSION, BROWSER, ("x-api-key", &k)]);
        assert_eq!((keyed.status, acao(&keyed)), (200, Some("*")));
        let bad = go(
            "GET",
            path,
            &[ORIGIN, VERSION, BROWSER, ("x-api-key", "sk-ant-api03-nope")],
        );
        assert_eq!((bad.status, acao(&bad)), (401, None));
        assert_eq!(preflight(path, "x-api-key").status, 204);
    }

    #[test]
    fn cors_on_keyed_reads_every_keyed_answer() {
        let path = "/s/cors-on-keyed/v1/models";
        let keyless = go("GET", path, &[ORIGIN, VERSION, BROWSER]);
        assert_eq!((keyless.status, acao(&keyless)), (401, None));
        assert!(
            !keyless.text().contains("\"type\":\"error\""),
            "the gateway's own format"
        );
        let bad = go(
            "GET",
            path,
            &[ORIGIN, VERSION, BROWSER, ("x-api-key", "sk-ant-api03-nope")],
        );
        assert_eq!((bad.status, acao(&bad)), (401, Some("*")));
    }

    #[test]
    fn a_gateway_that_adds_a_key_answers_without_one() {
        let r = go(
            "GET",
            "/s/injects-key/v1/models",
            &[ORIGIN, VERSION, BROWSER],
        );
        assert_eq!((r.status, acao(&r)), (200, Some("*")));
        assert!(r.text().contains("\"data\""));
        let spec = go("GET", "/s/spec-mock/v1/models/claude-x", &[ORIGIN]);
        assert_eq!(spec.status, 200);
        assert!(spec.text().contains("\"type\":\"model\""));
    }

    #[test]
    fn openai_servers_speak_their_own_format() {
        let r = go("GET", "/s/openai/v1/models", &[ORIGIN, VERSION, BROWSER]);
        assert_eq!((r.status, acao(&r)), (401, Some("*")));
        assert!(r.text().contains("\"param\":null") && !r.text().contains("\"type\":\"error\""));
        let r = go(
            "GET",
            "/s/openai/v1/models",
            &[ORIGIN, ("authorization", "Bearer sk-x")],
        );
        assert!(
            r.status == 200
                && r.text().contains("\"object\":\"list\"")
                && r.text().contains("gpt-4o")
        );
        let r = go("GET", "/s/openai-open/v1/models", &[ORIGIN]);
        assert!(r.status == 200 && r.text().contains("gpt-4o"));
    }

    #[test]
    fn preflights_that_fail_or_lack_a_header() {
        for (scenario, status) in [
            ("preflight-500", 500),
            ("preflight-404", 404),
            ("preflight-401", 401),
        ] {
            let path = format!("/s/{scenario}/v1/models");
            let p = preflight(&path, "anthropic-version");
            assert_eq!((p.status, acao(&p)), (status, None), "{scenario}");
            // A request without custom headers needs no preflight, and is readable.
            let plain = go("GET", &path, &[ORIGIN]);
            assert_eq!(acao(&plain), Some("*"), "{scenario}");
        }
        let p = preflight(
            "/s/preflight-no-browser-header/v1/models",
            "anthropic-dangerous-direct-browser-access",
        );
        assert_eq!(p.status, 204);
        assert!(!p
            .header("access-control-allow-headers")
            .unwrap()
            .contains("anthropic-dangerous-direct-browser-access"));
    }

    #[test]
    fn redirects_with_and_without_cors() {
        let r = go("GET", "/s/portal/v1/models", &[ORIGIN]);
        assert_eq!(
            (r.status, r.header("location"), acao(&r)),
            (302, Some("/s/portal/login?continue=1"), Some("*"))
        );
        let login = go("GET", "/s/portal/login?continue=1", &[ORIGIN]);
        assert!(
            login.text().contains("<title>Guest Wi-Fi: sign in</title>")
                && acao(&login) == Some("*")
        );
        let r = go("GET", "/s/redirect-no-cors/v1/models?limit=1", &[ORIGIN]);
        assert_eq!(
            (r.status, r.header("location"), acao(&r)),
            (302, Some("/s/healthy/v1/models?limit=1"), None)
        );
    }
}
