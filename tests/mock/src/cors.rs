//! CORS as the API plays it: the browser-access header gate, preflights, and the headers that make responses readable.

use crate::api;
use crate::http::{Request, Response};

/// The request headers the API's preflight allows. The real list is not on
/// record; these are the names browser apps are known to send successfully.
pub const ALLOW_HEADERS: &str =
    "x-api-key, anthropic-version, anthropic-dangerous-direct-browser-access, content-type, authorization";
pub const ALLOW_METHODS: &str = "GET, POST, OPTIONS";
/// The header a browser app must send to be served (the SDK's `dangerouslyAllowBrowser`).
pub const BROWSER_ACCESS: &str = "anthropic-dangerous-direct-browser-access";

/// Where a request stands at the API's browser gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// No `Origin`: not a browser's CORS request; served with plain headers.
    NotBrowser,
    /// `Origin` and `anthropic-dangerous-direct-browser-access: true`: served, readable.
    Allowed,
    /// `Origin` without the header: refused with a 401 the browser cannot read.
    Refused,
}

impl Gate {
    /// Classifies a request. Only the value `true` (any case) opens the gate;
    /// whether the API also accepts other truthy values is not on record.
    pub fn of(req: &Request) -> Self {
        if req.header("origin").is_none() {
            return Gate::NotBrowser;
        }
        let opted_in = req
            .header(BROWSER_ACCESS)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if opted_in {
            Gate::Allowed
        } else {
            Gate::Refused
        }
    }
}

/// Makes a response readable cross-origin: the wildcard origin, and every header exposed.
pub fn readable(resp: Response) -> Response {
    resp.with("access-control-allow-origin", "*")
        .with("access-control-expose-headers", "*")
}

/// The API's answer to a preflight: 204 allowing its fixed methods and headers.
pub fn preflight() -> Response {
    api::edge_headers(Response::new(204))
        .with("access-control-allow-origin", "*")
        .with("access-control-allow-methods", ALLOW_METHODS)
        .with("access-control-allow-headers", ALLOW_HEADERS)
        .with("access-control-max-age", "600")
}

/// A permissive preflight that allows whatever the browser asks for, for the
/// echo and control endpoints, which must never be the reason a request fails.
pub fn preflight_any(req: &Request) -> Response {
    let mut resp = Response::new(204)
        .with("date", crate::http::date_now())
        .with("access-control-allow-origin", "*")
        .with(
            "access-control-allow-methods",
            req.header("access-control-request-method").unwrap_or("GET"),
        )
        .with("access-control-max-age", "600");
    if let Some(h) = req.header("access-control-request-headers") {
        resp = resp.with("access-control-allow-headers", h);
    }
    resp
}

/// Applies the API's CORS rules around `serve`, which produces the answer for
/// a request that passed the gate. Preflights are answered here.
pub fn api_rules(req: &Request, serve: impl FnOnce() -> Response) -> Response {
    if req.is_preflight() {
        return preflight();
    }
    match Gate::of(req) {
        Gate::Refused => api::error(&api::BROWSER_HEADER, None),
        Gate::NotBrowser => serve(),
        Gate::Allowed => readable(serve()),
    }
}

/// Like [`api_rules`] without the gate: every actual request is served
/// readable, for scenarios about bodies (huge, reset) rather than CORS.
pub fn api_rules_open(req: &Request, serve: impl FnOnce() -> Response) -> Response {
    if req.is_preflight() {
        return preflight();
    }
    readable(serve())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, headers: &[(&str, &str)]) -> Request {
        Request::for_test(method, "/s/healthy/v1/models", headers)
    }

    fn ok() -> Response {
        Response::new(200)
    }

    const ORIGIN: (&str, &str) = ("origin", "http://localhost:8080");

    #[test]
    fn no_origin_is_served_plain() {
        let r = api_rules(&req("GET", &[]), ok);
        assert_eq!(r.status, 200);
        assert!(r.header("access-control-allow-origin").is_none());
    }

    #[test]
    fn origin_without_the_header_is_refused_unreadably() {
        for value in [None, Some("false"), Some("1")] {
            let mut headers = vec![ORIGIN];
            if let Some(v) = value {
                headers.push((BROWSER_ACCESS, v));
            }
            let r = api_rules(&req("GET", &headers), ok);
            assert_eq!(r.status, 401);
            assert!(r.text().contains("CORS requests must set"));
            assert!(r.header("access-control-allow-origin").is_none());
            assert!(r.header("request-id").is_some());
        }
    }

    #[test]
    fn origin_with_the_header_is_readable() {
        let r = api_rules(&req("GET", &[ORIGIN, (BROWSER_ACCESS, "true")]), ok);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        assert_eq!(r.header("access-control-expose-headers"), Some("*"));
    }

    #[test]
    fn preflight_allows_the_api_headers() {
        let r = api_rules(
            &req(
                "OPTIONS",
                &[ORIGIN, ("access-control-request-method", "GET")],
            ),
            || unreachable!("a preflight never reaches the endpoint"),
        );
        assert_eq!(r.status, 204);
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        assert_eq!(
            r.header("access-control-allow-methods"),
            Some(ALLOW_METHODS)
        );
        assert_eq!(
            r.header("access-control-allow-headers"),
            Some(ALLOW_HEADERS)
        );
        assert_eq!(r.header("access-control-max-age"), Some("600"));
        // An OPTIONS that is not a preflight goes through the gate like any request.
        let r = api_rules(&req("OPTIONS", &[ORIGIN]), ok);
        assert_eq!(r.status, 401);
    }

    #[test]
    fn permissive_preflight_echoes_the_request() {
        let r = preflight_any(&req(
            "OPTIONS",
            &[
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "x-foo, x-api-key"),
            ],
        ));
        assert_eq!(r.header("access-control-allow-methods"), Some("PUT"));
        assert_eq!(
            r.header("access-control-allow-headers"),
            Some("x-foo, x-api-key")
        );
    }
}
