//! The monitor's HTTP endpoints: `/metrics` for Prometheus, `/health` (200 or 503, as JSON or the Prometheus
//! text by `Accept`), and `/` naming them. A request only reads the last results; it never starts a probe.
//! Slow or idle clients are bounded: a few seconds to send the request's head, a bounded number of
//! connections at once, and a bounded life for each, so no client can hold the monitor.

use super::metrics;
use super::state::State;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ACCEPT, ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Connections served at once; more wait in the kernel's backlog.
const MAX_CONNECTIONS: usize = 64;
/// How long a client may take to send a request's head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest one connection is served, however it behaves.
const CONNECTION_LIFE: Duration = Duration::from_secs(60);

/// Serves until the task is dropped.
pub async fn serve(listener: TcpListener, state: Arc<Mutex<State>>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            // Out of descriptors, or a connection reset before it was accepted: try again shortly.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(answer(&req, &state)) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_LIFE, conn).await;
            drop(permit);
        });
    }
}

/// Whether the `Accept` header names `kind`.
fn accepts(req: &Request<Incoming>, kind: &str) -> bool {
    req.headers()
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(kind))
}

/// The Prometheus text of `openmetrics` in the format the client takes: OpenMetrics when it asks for it
/// (Prometheus does), else the classic text format.
fn exposition(
    req: &Request<Incoming>,
    status: StatusCode,
    openmetrics: String,
) -> Response<Full<Bytes>> {
    if accepts(req, "application/openmetrics-text") {
        reply(status, metrics::OPENMETRICS, openmetrics)
    } else {
        reply(status, metrics::CLASSIC, metrics::classic(&openmetrics))
    }
}

/// A response with a body and its type.
fn reply(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The answer to one request.
fn answer(req: &Request<Incoming>, state: &Mutex<State>) -> Response<Full<Bytes>> {
    const TEXT: &str = "text/plain; charset=utf-8";
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = reply(
            StatusCode::METHOD_NOT_ALLOWED,
            TEXT,
            "GET or HEAD only\n".into(),
        );
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    // A poisoned lock means a probe task panicked while writing; what it left is still the best there is.
    let state = state.lock().unwrap_or_else(|p| p.into_inner());
    match req.uri().path() {
        "/metrics" => exposition(req, StatusCode::OK, metrics::metrics(&state)),
        "/health" => {
            let status = if state.healthy() {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            // Prometheus asks for OpenMetrics or the classic text; people and scripts get JSON.
            if accepts(req, "application/openmetrics-text") || accepts(req, "text/plain") {
                exposition(req, status, metrics::health(&state))
            } else {
                reply(status, "application/json", health_json(&state))
            }
        }
        "/" => reply(
            StatusCode::OK,
            TEXT,
            "api-doctor monitor\n/metrics  the checks' results for Prometheus\n/health   200 when every target is healthy, else 503 (JSON, or Prometheus text by Accept)\n".into(),
        ),
        _ => reply(StatusCode::NOT_FOUND, TEXT, "not found: /metrics, /health\n".into()),
    }
}

/// A JSON string.
fn string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// `/health` for people and scripts: whether every target is healthy, and each one's last verdict with its
/// whole report (the page's JSON schema).
pub fn health_json(state: &State) -> String {
    let mut out = format!("{{\"healthy\":{},\"targets\":[", state.healthy());
    for (i, t) in state.targets.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            "{{\"target\":{},\"base\":{},\"healthy\":{},\"consecutive_failures\":{}",
            string(&t.label),
            string(&t.base),
            t.healthy(),
            t.consecutive_failures
        ));
        match &t.last {
            None => out.push_str(",\"state\":\"pending\"}"),
            Some(last) => {
                let x = &last.sample;
                let opt = |v: Option<&str>| v.map_or("null".to_string(), string);
                out.push_str(&format!(
                    ",\"state\":{},\"layer\":{},\"cause\":{},\"checked_at\":{},\"report\":{}}}",
                    string(x.state),
                    opt(x.layer),
                    opt(x.cause.as_deref()),
                    last.at_unix,
                    last.report_json
                ));
            }
        }
    }
    out.push_str("]}\n");
    out
}
