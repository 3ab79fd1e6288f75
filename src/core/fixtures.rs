//! Test fixtures shared by the core's tests: a key, responses, API error bodies, what a healthy world
//! answers to each probe, and a run driven to its end the way a shell drives it.

use super::input::Context;
use super::key::ApiKey;
use super::net::{Cert, Net, PathSeen, TlsSeen, TrustResult, TrustSource};
use super::observation::{Chunk, Observation, Observations, Response, ResponseKind, Sample};
use super::probe::ProbeId;
use super::run::Run;

/// The text of a well-shaped API key that is no one's.
pub fn key_text() -> String {
    format!("sk-ant-api03-{}AA", "k".repeat(93))
}

/// [`key_text`] as a key.
pub fn key() -> Option<ApiKey> {
    ApiKey::new(key_text())
}

/// A readable response.
pub fn resp(status: u16, content_type: &str, body: &str, headers: &[(&str, &str)]) -> Response {
    let mut all: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    all.push(("content-type".into(), content_type.into()));
    Response {
        status,
        headers: all,
        body: body.into(),
        elapsed_ms: 42.0,
        ..Response::default()
    }
}

/// An API error body.
pub fn api_error(kind: &str, message: &str) -> String {
    format!(
        r#"{{"type":"error","error":{{"type":"{kind}","message":"{message}"}},"request_id":"req_1"}}"#
    )
}

/// A readable API error with a `request-id` header.
pub fn api_error_response(status: u16, kind: &str, message: &str) -> Observation {
    Observation::Response(resp(
        status,
        "application/json",
        &api_error(kind, message),
        &[("request-id", "req_1")],
    ))
}

/// A response of `kind` that carries nothing readable, after `ms` milliseconds.
fn unreadable(kind: ResponseKind, ms: f64) -> Observation {
    Observation::Response(Response {
        kind,
        elapsed_ms: ms,
        ..Response::default()
    })
}

/// An opaque answer to a `no-cors` probe after `ms` milliseconds.
pub fn opaque(ms: f64) -> Observation {
    unreadable(ResponseKind::Opaque, ms)
}

/// A redirect that a keyed probe held back instead of following.
pub fn held_redirect() -> Observation {
    unreadable(ResponseKind::HeldRedirect, 8.0)
}

/// The server's `date` in the healthy answers, and the local clock that agrees with it.
pub const DATE: &str = "Thu, 26 Nov 2026 12:00:00 GMT";

/// A readable answer whose `date` agrees with the local clock.
pub fn dated(mut r: Response) -> Observation {
    r.headers.push(("date".into(), DATE.into()));
    r.received_at_ms = crate::core::time::parse_http_date(DATE).unwrap() as f64 * 1000.0;
    Observation::Response(r)
}

/// A certificate valid from 2025 to 2030.
pub fn cert(subject: &str, issuer: &str) -> Cert {
    Cert {
        subject: subject.into(),
        issuer: issuer.into(),
        not_before: 1_735_689_600,
        not_after: 1_893_456_000,
        ca: false,
    }
}

/// A TLS handshake whose chain every store trusts.
pub fn healthy_tls() -> TlsSeen {
    TlsSeen {
        version: "TLSv1.3".into(),
        alpn: "h2".into(),
        cipher: "TLS13_AES_128_GCM_SHA256".into(),
        chain: vec![
            cert("CN=api.anthropic.com", "CN=WE1, O=Google Trust Services"),
            cert(
                "CN=WE1, O=Google Trust Services",
                "CN=GTS Root R4, O=Google Trust Services LLC",
            ),
        ],
        trust: vec![
            (TrustSource::Mozilla, TrustResult::Trusted),
            (TrustSource::System, TrustResult::Trusted),
        ],
        elapsed_ms: 12.0,
        at_unix: 1_796_000_000,
    }
}

/// A path that connected, shook hands with a trusted chain and was answered 401 (no key).
pub fn healthy_path() -> PathSeen {
    PathSeen {
        connect_ms: Some(8.0),
        proxy_status: None,
        tls: Some(healthy_tls()),
        http_status: Some(401),
        ttfb_ms: Some(30.0),
        failure: None,
    }
}

/// What a healthy API, resolver, status page and control endpoint answer to probe `id`.
pub fn healthy(ctx: &Context, id: ProbeId) -> Observation {
    let json = "application/json";
    match id {
        ProbeId::Control | ProbeId::ControlLatency(_) => opaque(15.0),
        ProbeId::Reach | ProbeId::Latency(_) => opaque(40.0),
        ProbeId::Doh(_) => Observation::Response(resp(
            200,
            "application/dns-json",
            r#"{"Status":0,"Answer":[{"name":"api.anthropic.com.","type":1,"TTL":60,"data":"160.79.104.10"}]}"#,
            &[],
        )),
        ProbeId::CorsRead => dated(resp(
            401,
            json,
            &api_error("authentication_error", "x-api-key header is required"),
            &[("request-id", "req_1")],
        )),
        // The API refuses a browser's request without the browser-access header, unreadably; the preflight
        // probes go out only when this one was read.
        ProbeId::CorsPlain | ProbeId::Preflight(_) => Observation::Rejected { elapsed_ms: 40.0 },
        ProbeId::KeyModels => dated(resp(
            200,
            json,
            r#"{"data":[{"id":"claude-haiku-4-5","type":"model"}],"has_more":true}"#,
            &[("request-id", "req_2")],
        )),
        ProbeId::Model => Observation::Response(resp(
            200,
            json,
            r#"{"id":"claude-haiku-4-5","type":"model","display_name":"Claude Haiku 4.5"}"#,
            &[],
        )),
        ProbeId::Status => Observation::Response(resp(
            200,
            json,
            r#"{"page":{"url":"https://status.claude.com"},"status":{"indicator":"none","description":"All Systems Operational"},"components":[{"name":"Claude API (api.anthropic.com)","status":"operational"}],"incidents":[],"scheduled_maintenances":[]}"#,
            &[],
        )),
        ProbeId::Message => {
            let events = [
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":8,\"output_tokens\":1}}}\n\n",
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
                "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":1}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
            ];
            let mut r = resp(200, "text/event-stream", &events.concat(), &[]);
            let mut end = 0;
            r.chunks = events
                .iter()
                .zip([300.0, 700.0, 720.0])
                .map(|(e, at_ms)| {
                    end += e.len();
                    Chunk { at_ms, end }
                })
                .collect();
            Observation::Response(r)
        }
        ProbeId::Resolve => Observation::Net(Net::Resolved {
            addrs: vec!["160.79.104.10".into()],
            elapsed_ms: 2.0,
        }),
        ProbeId::Path(_) | ProbeId::Tunnel(_) => Observation::Net(Net::Path(healthy_path())),
        // The API allows a browser app's preflight and lets it read errors.
        ProbeId::CorsHeaders(0) => Observation::Response(resp(
            204,
            "text/plain",
            "",
            &[
                ("access-control-allow-origin", "*"),
                (
                    "access-control-allow-headers",
                    "anthropic-version, anthropic-dangerous-direct-browser-access, authorization, content-type, x-api-key",
                ),
            ],
        )),
        ProbeId::Idle => Observation::Net(Net::Idle {
            end: crate::core::net::IdleEnd::Kept,
            idle_ms: 30_000.0,
        }),
        ProbeId::Upload => Observation::Response(resp(200, json, r#"{"input_tokens":1048580}"#, &[])),
        ProbeId::CorsHeaders(_) => Observation::Response(resp(
            401,
            json,
            &api_error("authentication_error", "x-api-key header is required"),
            &[("access-control-allow-origin", "*")],
        )),
        ProbeId::Watch => Observation::Series {
            samples: (0..3)
                .map(|i| Sample {
                    at_ms: f64::from(i) * 2_000.0,
                    seen: if ctx.key_usable() {
                        healthy(ctx, ProbeId::KeyModels)
                    } else {
                        healthy(ctx, ProbeId::CorsRead)
                    },
                })
                .collect(),
            done: true,
        },
    }
}

/// Runs a whole run the way a shell does: each probe it hands out is observed as `overrides` says, else as
/// a healthy world answers; probes it declines are recorded by the run with its reason.
pub fn run(ctx: &Context, overrides: &[(ProbeId, Observation)]) -> Observations {
    finished(ctx, overrides).observations().clone()
}

/// The same run, kept: for what is read from the run itself (its report, its samples).
pub fn finished(ctx: &Context, overrides: &[(ProbeId, Observation)]) -> Run {
    let mut run = Run::new(ctx.clone());
    loop {
        let batch = run.next_probes();
        if batch.is_empty() {
            return run;
        }
        for spec in batch {
            let seen = overrides
                .iter()
                .find(|(id, _)| *id == spec.id)
                .map_or_else(|| healthy(ctx, spec.id), |(_, o)| o.clone());
            run.record(spec.id, seen);
        }
    }
}

/// A native run's context aimed at the API, with `key`, and these environment variables as the app's
/// environment holds them.
pub fn native(key: Option<ApiKey>, env: &[(&str, &str)]) -> Context {
    use super::input::Vantage;
    use super::key::AuthMode;
    use super::native::{Origin, Value, Var};
    let mut c = Context::new("https://api.anthropic.com", AuthMode::Bearer, key, false)
        .from_vantage(Vantage::Native);
    for (name, value) in env {
        c.native.vars.push(Var {
            name: name.to_string(),
            value: Value::Text(value.to_string()),
            origin: Origin::Env,
        });
    }
    c
}
