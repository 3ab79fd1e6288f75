//! The streamed `POST /v1/messages`: its server-sent events, and the ways a path can spoil them.

use crate::api;
use crate::http::{Body, Response};
use std::time::Duration;

/// How a request with `"stream": true` is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Streaming {
    /// A real stream: `message_start` and `ping` at once, the rest after [`GAP`].
    Real,
    /// A buffering proxy: nothing for [`HOLD`], then every event in one write.
    Buffered,
    /// `message_start` and `ping`, then an `error` event (overloaded) that ends the stream.
    Error,
    /// `message_start`, `ping`, `content_block_start`, then the connection closes mid-stream.
    Cut,
    /// A gateway that ignores `stream`: the plain JSON message.
    Json,
}

/// The pause between the opening events and the rest, as a model thinks.
pub const GAP: Duration = Duration::from_millis(120);
/// How long the buffering proxy holds the whole stream.
pub const HOLD: Duration = Duration::from_millis(300);

/// What the `error` event of [`Streaming::Error`] carries, as the API's 529 error event.
const OVERLOADED: &str =
    r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;

/// One event as it goes on the wire.
pub fn event(kind: &str, data: &str) -> Vec<u8> {
    format!("event: {kind}\ndata: {data}\n\n").into_bytes()
}

/// `message_start` and `ping`, which the API sends before the first token.
fn opening(id: &str, model: &str) -> Vec<u8> {
    let start = format!(
        r#"{{"type":"message_start","message":{{"id":"{id}","type":"message","role":"assistant","model":"{}","content":[],"stop_reason":null,"stop_sequence":null,"usage":{{"input_tokens":8,"output_tokens":1}}}}}}"#,
        api::escape(model)
    );
    let mut out = event("message_start", &start);
    out.extend(event("ping", r#"{"type":"ping"}"#));
    out
}

/// The events after the opening of a one-token answer, `Hi`, cut off by `max_tokens`.
fn answer() -> Vec<Vec<u8>> {
    vec![
        event(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        ),
        event(
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#,
        ),
        event(
            "content_block_stop",
            r#"{"type":"content_block_stop","index":0}"#,
        ),
        event(
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":1}}"#,
        ),
        event("message_stop", r#"{"type":"message_stop"}"#),
    ]
}

/// The streamed answer to a message request, before CORS and rate-limit headers.
/// `Json` is not a stream and is answered by the caller; here it streams like `Real`.
pub fn stream(id: &str, model: &str, how: Streaming) -> Response {
    let opening = opening(id, model);
    let steps: Vec<(Duration, Vec<u8>)> = match how {
        Streaming::Real | Streaming::Json => std::iter::once((Duration::ZERO, opening))
            .chain(answer().into_iter().enumerate().map(|(i, e)| {
                // Only the first event after the opening waits; the rest follow
                // it, each its own write.
                (if i == 0 { GAP } else { Duration::ZERO }, e)
            }))
            .collect(),
        Streaming::Buffered => {
            // The proxy holds everything, head included, and then sends it
            // with a length, as it does once it has the whole body.
            std::thread::sleep(HOLD);
            let mut all = opening;
            answer().into_iter().for_each(|e| all.extend(e));
            return head().body("text/event-stream; charset=utf-8", all);
        }
        Streaming::Error => vec![(Duration::ZERO, opening), (GAP, event("error", OVERLOADED))],
        Streaming::Cut => {
            let first = answer().into_iter().next().unwrap_or_default();
            let mut resp = head().with("content-type", "text/event-stream; charset=utf-8");
            resp.body = Body::Paced {
                steps: vec![(Duration::ZERO, opening), (GAP, first)],
                cut: true,
            };
            return resp;
        }
    };
    let mut resp = head().with("content-type", "text/event-stream; charset=utf-8");
    resp.body = Body::Paced { steps, cut: false };
    resp
}

/// The API's headers on a stream: the edge's, `request-id`, and no caching.
fn head() -> Response {
    api::edge_headers(Response::new(200))
        .with("request-id", api::request_id())
        .with("via", "1.1 google")
        .with("cache-control", "no-cache")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::time::Instant;

    /// The events of a body: (name, parsed data).
    fn events(text: &str) -> Vec<(String, Value)> {
        text.split("\n\n")
            .filter(|e| !e.is_empty())
            .map(|e| {
                let (kind, data) = e.split_once('\n').expect("two lines");
                let kind = kind.strip_prefix("event: ").expect("event line");
                let data = data.strip_prefix("data: ").expect("data line");
                let value =
                    serde_json::from_str::<Value>(data).unwrap_or_else(|e| panic!("{e}: {data}"));
                assert_eq!(value.get("type").and_then(|t| t.as_str()), Some(kind));
                (kind.to_string(), value)
            })
            .collect()
    }

    fn kinds(text: &str) -> Vec<String> {
        events(text).into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn each_variant_sends_its_events() {
        let full = [
            "message_start",
            "ping",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop",
        ];
        let cases: &[(Streaming, &[&str], bool)] = &[
            (Streaming::Real, &full, false),
            (Streaming::Buffered, &full, false),
            (Streaming::Error, &["message_start", "ping", "error"], false),
            (
                Streaming::Cut,
                &["message_start", "ping", "content_block_start"],
                true,
            ),
        ];
        for &(how, want, cut) in cases {
            let r = stream("msg_x", "claude-haiku-4-5", how);
            assert_eq!(kinds(&r.text()), want, "{how:?}");
            assert_eq!(
                r.header("content-type"),
                Some("text/event-stream; charset=utf-8")
            );
            assert_eq!(r.header("cache-control"), Some("no-cache"));
            assert!(r.header("request-id").is_some());
            match &r.body {
                Body::Paced { cut: c, .. } => assert_eq!(*c, cut, "{how:?}"),
                Body::Full(_) => assert_eq!(how, Streaming::Buffered),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn the_real_stream_pauses_after_the_opening() {
        let r = stream("msg_x", "m", Streaming::Real);
        let Body::Paced { steps, .. } = &r.body else {
            panic!("not paced")
        };
        assert_eq!(steps[0].0, Duration::ZERO);
        assert_eq!(
            kinds(&String::from_utf8_lossy(&steps[0].1)),
            ["message_start", "ping"]
        );
        assert_eq!(steps[1].0, GAP);
        assert_eq!(steps.len(), 6);
    }

    #[test]
    fn buffering_holds_the_answer() {
        let start = Instant::now();
        let r = stream("msg_x", "m", Streaming::Buffered);
        assert!(start.elapsed() >= HOLD);
        assert!(matches!(r.body, Body::Full(_)));
    }

    #[test]
    fn event_payloads() {
        let r = stream("msg_abc", "claude-\"q\"", Streaming::Real);
        let evs = events(&r.text());
        let msg = evs[0].1.get("message").unwrap();
        assert_eq!(msg.get("id").and_then(|v| v.as_str()), Some("msg_abc"));
        assert_eq!(
            msg.get("model").and_then(|v| v.as_str()),
            Some("claude-\"q\"")
        );
        assert_eq!(msg.get("role").and_then(|v| v.as_str()), Some("assistant"));
        assert_eq!(msg.get("stop_reason"), Some(&Value::Null));
        assert!(msg
            .get("usage")
            .and_then(|u| u.get("input_tokens"))
            .is_some());
        let delta = &evs[3].1;
        assert_eq!(
            delta
                .get("delta")
                .and_then(|d| d.get("text"))
                .and_then(|v| v.as_str()),
            Some("Hi")
        );
        let md = &evs[5].1;
        assert_eq!(
            md.get("delta")
                .and_then(|d| d.get("stop_reason"))
                .and_then(|v| v.as_str()),
            Some("max_tokens")
        );
        let r = stream("msg_abc", "m", Streaming::Error);
        let evs = events(&r.text());
        assert_eq!(
            evs[2]
                .1
                .get("error")
                .and_then(|e| e.get("type"))
                .and_then(|v| v.as_str()),
            Some("overloaded_error")
        );
    }
}
