//! The executor's seams in headless Chromium: each kind of observation from a real `fetch` against the mock.
#![cfg(target_arch = "wasm32")]
// The whole file is tests: its helpers may unwrap like its test functions.
#![allow(clippy::unwrap_used)]

use api_doctor::core::checks::network_reach::FAST_FAIL_MS;
use api_doctor::core::key::{ApiKey, AuthMode};
use api_doctor::core::observation::{BodyState, Observation, Response, ResponseKind};
use api_doctor::core::probe::{self, describe, Mode, ProbeId, ProbeSpec, API_VERSION};
use api_doctor::core::target::Target;
use api_doctor::web::fetch::{execute, same_origin};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The mock's origin, given by scripts/test at compile time.
const MOCK: &str = match option_env!("MOCK_ORIGIN") {
    Some(origin) => origin,
    None => "http://127.0.0.1:8787",
};
/// A port with nothing listening, given by scripts/test.
const CLOSED_PORT: &str = match option_env!("CLOSED_PORT") {
    Some(port) => port,
    None => "9",
};

fn key() -> ApiKey {
    ApiKey::new(format!("sk-ant-api03-{}AA", "w".repeat(93))).unwrap()
}

fn spec(scenario: &str, id: ProbeId) -> (ProbeSpec, String) {
    let target = Target::parse(&format!("{MOCK}/s/{scenario}")).unwrap();
    (
        describe(id, &target, AuthMode::ApiKey, API_VERSION),
        target.base(),
    )
}

fn response(obs: Observation) -> Response {
    match obs {
        Observation::Response(r) => r,
        other => panic!("expected a response, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn no_cors_gives_an_opaque_answer() {
    let (spec, base) = spec("no-cors", ProbeId::Reach);
    let r = response(execute(&spec, None, &base, None).await);
    assert!(
        r.kind == ResponseKind::Opaque && r.status == 0 && r.body.is_empty(),
        "{r:?}"
    );
    assert!(r.elapsed_ms >= 0.0);
}

#[wasm_bindgen_test]
async fn a_cors_response_is_readable_with_its_headers() {
    let (spec, base) = spec("healthy", ProbeId::CorsRead);
    let r = response(execute(&spec, None, &base, None).await);
    assert_eq!(r.status, 401);
    assert_eq!(r.kind, ResponseKind::Readable);
    assert!(
        r.header("request-id")
            .is_some_and(|id| id.starts_with("req_")),
        "{:?}",
        r.headers
    );
    assert!(r.header("cf-ray").is_some());
    assert!(
        r.body.contains("x-api-key header is required"),
        "{}",
        r.body
    );
    assert_eq!(r.body_state, BodyState::Complete);
}

#[wasm_bindgen_test]
async fn a_cors_refusal_is_a_rejection() {
    let (spec, base) = spec("no-cors", ProbeId::CorsRead);
    let obs = execute(&spec, None, &base, None).await;
    assert!(matches!(obs, Observation::Rejected { .. }), "{obs:?}");
}

#[wasm_bindgen_test]
async fn silence_becomes_a_timeout() {
    let (mut spec, base) = spec("hang", ProbeId::Reach);
    spec.timeout_ms = 700;
    assert_eq!(
        execute(&spec, None, &base, None).await,
        Observation::TimedOut { after_ms: 700 }
    );
}

#[wasm_bindgen_test]
async fn a_closed_port_fails_fast() {
    let target = Target::parse(&format!("http://127.0.0.1:{CLOSED_PORT}")).unwrap();
    let spec = describe(ProbeId::Reach, &target, AuthMode::ApiKey, API_VERSION);
    match execute(&spec, None, &target.base(), None).await {
        Observation::Rejected { elapsed_ms } => {
            assert!(elapsed_ms < FAST_FAIL_MS, "{elapsed_ms} ms")
        }
        other => panic!("expected a fast rejection, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn the_body_is_read_only_up_to_the_cap() {
    let (mut spec, base) = spec("huge", ProbeId::CorsRead);
    spec.mode = Mode::Cors;
    spec.headers.clear();
    spec.body_cap = 1000;
    let r = response(execute(&spec, None, &base, None).await);
    assert_eq!((r.body.len(), r.body_state), (1000, BodyState::Truncated));
}

#[wasm_bindgen_test]
async fn the_key_goes_to_the_target_origin() {
    let (spec, base) = spec("echo", ProbeId::KeyModels);
    let r = response(execute(&spec, Some(&key()), &base, None).await);
    assert!(
        r.body.contains(key().expose()),
        "the echo should show the key it was sent: {}",
        r.body
    );
}

#[wasm_bindgen_test]
async fn the_key_never_goes_to_another_origin() {
    let (spec, _) = spec("echo", ProbeId::KeyModels);
    // The same server under another origin name: the executor must see a different origin and hold the key back.
    let other_base = format!("{}/s/echo", MOCK.replace("127.0.0.1", "localhost"));
    assert!(!same_origin(&spec.url, &other_base));
    let r = response(execute(&spec, Some(&key()), &other_base, None).await);
    assert_eq!(r.status, 200);
    assert!(r.body.contains("\"headers\""), "{}", r.body);
    assert!(
        !r.body.contains("x-api-key") && !r.body.contains(key().expose()),
        "the key leaked: {}",
        r.body
    );
    assert!(
        !r.body.to_ascii_lowercase().contains("authorization"),
        "{}",
        r.body
    );
}

/// Resolves after `ms` milliseconds.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_keyed_probe_holds_a_redirect_instead_of_following_it() {
    // The mock's redirect scenario answers 307 to another path; following it would carry the key along.
    let (spec, base) = spec("redirect", ProbeId::KeyModels);
    let r = response(execute(&spec, Some(&key()), &base, None).await);
    assert_eq!((r.kind, r.status), (ResponseKind::HeldRedirect, 0), "{r:?}");
}

#[wasm_bindgen_test]
async fn a_keyless_probe_follows_a_redirect() {
    let (spec, base) = spec("redirect", ProbeId::CorsRead);
    let r = response(execute(&spec, None, &base, None).await);
    assert_eq!(r.status, 401);
    assert!(
        r.redirected_to
            .as_deref()
            .is_some_and(|to| to.contains("/s/healthy/")),
        "{r:?}"
    );
}

#[wasm_bindgen_test]
async fn cancel_ends_a_probe_in_flight() {
    let (spec, base) = spec("hang", ProbeId::Reach);
    let controller = web_sys::AbortController::new().unwrap();
    let signal = controller.signal();
    let canceller = controller.clone();
    wasm_bindgen_futures::spawn_local(async move {
        sleep(300).await;
        canceller.abort();
    });
    // The probe's own timeout is 10 s; only the cancel can end it this early.
    let started = js_sys::Date::now();
    assert_eq!(
        execute(&spec, None, &base, Some(&signal)).await,
        Observation::Cancelled
    );
    assert!(js_sys::Date::now() - started < 5_000.0);
}

#[wasm_bindgen_test]
async fn an_already_cancelled_run_sends_nothing() {
    let (spec, base) = spec("healthy", ProbeId::Reach);
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    assert_eq!(
        execute(&spec, None, &base, Some(&controller.signal())).await,
        Observation::Cancelled
    );
}

#[wasm_bindgen_test]
fn origins_compare_by_the_browsers_parser() {
    assert!(same_origin(
        "https://api.anthropic.com/v1/models",
        "https://API.anthropic.com:443"
    ));
    assert!(!same_origin(
        "https://api.anthropic.com/v1/models",
        "http://api.anthropic.com"
    ));
    assert!(!same_origin(
        "https://api.anthropic.com.evil.example/v1",
        "https://api.anthropic.com"
    ));
    assert!(!same_origin("not a url", "https://api.anthropic.com"));
}

#[wasm_bindgen_test]
async fn the_message_probe_posts_its_body_and_notes_when_chunks_arrive() {
    let target = Target::parse(&format!("{MOCK}/s/healthy")).unwrap();
    let spec = probe::message(&target, AuthMode::ApiKey, API_VERSION, "claude-haiku-4-5");
    let r = response(execute(&spec, Some(&key()), &target.base(), None).await);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("event: message_start") && r.body.contains("event: message_stop"));
    // The mock sends message_start at once and the rest 120 ms later: at least two chunks, apart in time.
    assert!(r.chunks.len() >= 2, "{:?}", r.chunks);
    let (first, last) = (r.chunks[0], r.chunks[r.chunks.len() - 1]);
    assert!(last.at_ms - first.at_ms >= 80.0, "{:?}", r.chunks);
    assert_eq!(last.end, r.body.len());
}

#[wasm_bindgen_test]
async fn a_buffered_stream_arrives_at_once() {
    let target = Target::parse(&format!("{MOCK}/s/stream-buffered")).unwrap();
    let spec = probe::message(&target, AuthMode::ApiKey, API_VERSION, "claude-haiku-4-5");
    let r = response(execute(&spec, Some(&key()), &target.base(), None).await);
    let spread = r.chunks.last().unwrap().at_ms - r.chunks[0].at_ms;
    assert!(spread < 50.0, "{:?}", r.chunks);
}

#[wasm_bindgen_test]
async fn the_local_clock_is_noted_on_arrival() {
    let (spec, base) = spec("healthy", ProbeId::CorsRead);
    let before = js_sys::Date::now();
    let r = response(execute(&spec, None, &base, None).await);
    assert!(r.received_at_ms >= before && r.received_at_ms <= js_sys::Date::now());
}

#[wasm_bindgen_test]
async fn resource_timing_phases_only_when_the_server_allows_them() {
    let (allowed, base) = spec("tao", ProbeId::CorsRead);
    let allowed = allowed.with_id(ProbeId::Latency(1));
    let r = response(execute(&allowed, None, &base, None).await);
    let phases = r
        .phases
        .expect("timing-allow-origin lets the page see the phases");
    assert!(
        phases.ttfb >= 0.0 && phases.ttfb <= r.elapsed_ms + 1.0,
        "{phases:?}"
    );
    let (hidden, base) = spec("healthy", ProbeId::Latency(1));
    assert_eq!(
        response(execute(&hidden, None, &base, None).await).phases,
        None
    );
}

#[wasm_bindgen_test]
async fn a_sleep_ends_early_on_cancel() {
    let cancel = web_sys::AbortController::new().unwrap();
    let signal = cancel.signal();
    let started = api_doctor::web::fetch::now();
    let sleeping = api_doctor::web::fetch::sleep(5_000, &signal);
    cancel.abort();
    sleeping.await;
    assert!(api_doctor::web::fetch::now() - started < 1_000.0);
}
