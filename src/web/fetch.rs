//! The executor: the only place that calls `fetch`. It turns a probe description into an observation,
//! with its own timeout, timing, a body cap, and the key attached only for the target's origin.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue, UnwrapThrowExt};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, Headers, ReadableStreamDefaultReader, Request, RequestCache,
    RequestCredentials, RequestInit, RequestMode, RequestRedirect, Response, Url,
};

use crate::core::key::ApiKey;
use crate::core::observation::{
    BodyState, Chunk, Observation, Phases, Response as Seen, ResponseKind,
};
use crate::core::probe::{Mode, ProbeId, ProbeSpec};

/// Whether a thrown value is an `AbortError`, which our timer or Cancel causes, rather than the `TypeError`
/// of a browser's refusal. Only its `name` is read: browsers word the message vaguely on purpose, and some
/// put a rejected header's value (the key) into it.
fn aborted(thrown: &JsValue) -> bool {
    Reflect::get(thrown, &"name".into())
        .ok()
        .and_then(|v| v.as_string())
        .is_some_and(|name| name == "AbortError")
}

/// Whether two URLs have the same origin, by the browser's own URL parser; unparsable means no.
pub fn same_origin(a: &str, b: &str) -> bool {
    match (Url::new(a), Url::new(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// The page's monotonic clock, in milliseconds.
pub fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Waits `ms` milliseconds, or less if `cancel` fires first.
pub async fn sleep(ms: u32, cancel: &AbortSignal) {
    if cancel.aborted() {
        return;
    }
    let signal = cancel.clone();
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let window = web_sys::window().unwrap_throw();
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            &resolve,
            i32::try_from(ms).unwrap_or(i32::MAX),
        );
        let _ = signal.add_event_listener_with_callback("abort", &resolve);
    });
    let _ = JsFuture::from(promise).await;
}

/// Aborts the probe when its timeout runs out or the run is cancelled, and cleans up after itself.
struct Guard {
    controller: AbortController,
    timed_out: Rc<Cell<bool>>,
    timer: i32,
    cancel: Option<(AbortSignal, Closure<dyn FnMut()>)>,
    _on_timeout: Closure<dyn FnMut()>,
}

impl Guard {
    fn new(timeout_ms: u32, cancel: Option<&AbortSignal>) -> Guard {
        let controller = AbortController::new().unwrap_throw();
        let timed_out = Rc::new(Cell::new(false));
        let on_timeout = {
            let (controller, timed_out) = (controller.clone(), timed_out.clone());
            Closure::<dyn FnMut()>::new(move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        let timer = web_sys::window()
            .unwrap_throw()
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                on_timeout.as_ref().unchecked_ref(),
                i32::try_from(timeout_ms).unwrap_or(i32::MAX),
            )
            .unwrap_throw();
        let cancel = cancel.map(|signal| {
            let controller = controller.clone();
            let on_cancel = Closure::<dyn FnMut()>::new(move || controller.abort());
            signal
                .add_event_listener_with_callback("abort", on_cancel.as_ref().unchecked_ref())
                .unwrap_throw();
            (signal.clone(), on_cancel)
        });
        Guard {
            controller,
            timed_out,
            timer,
            cancel,
            _on_timeout: on_timeout,
        }
    }

    fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|(s, _)| s.aborted())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            w.clear_timeout_with_handle(self.timer);
        }
        if let Some((signal, closure)) = &self.cancel {
            let _ = signal
                .remove_event_listener_with_callback("abort", closure.as_ref().unchecked_ref());
        }
    }
}

/// Downloads a file that sits beside the page (a language's texts) as text: `None` when it cannot be had,
/// whether the request fails, answers with a status other than 200, or takes longer than `timeout_ms`.
pub async fn page_file(name: &str, timeout_ms: u32) -> Option<String> {
    let guard = Guard::new(timeout_ms, None);
    let init = RequestInit::new();
    init.set_credentials(RequestCredentials::Omit);
    init.set_signal(Some(&guard.controller.signal()));
    // A relative name resolves against the page's own address, so the file comes from the page's folder.
    let request = Request::new_with_str_and_init(name, &init).ok()?;
    let answer = JsFuture::from(web_sys::window()?.fetch_with_request(&request))
        .await
        .ok()?;
    let response: Response = answer.dyn_into().ok()?;
    if response.status() != 200 {
        return None;
    }
    JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()
}

/// Takes over the download of `name` that the start-up script began while the wasm compiled
/// (`window.apiDoctorTexts`, see scripts/postbuild), if it began that one: its text, or `None` when it
/// began another file, none at all (debug builds), or it failed.
pub async fn early_file(name: &str) -> Option<String> {
    let window = web_sys::window()?;
    let key = JsValue::from_str("apiDoctorTexts");
    let early = Reflect::get(&window, &key).ok()?;
    let began = Reflect::get(&early, &"name".into()).ok()?.as_string()?;
    if began != name {
        return None;
    }
    // Taken once: a later wish for this file (none is expected) downloads it again.
    let _ = Reflect::set(&window, &key, &JsValue::UNDEFINED);
    let text: js_sys::Promise = Reflect::get(&early, &"text".into()).ok()?.dyn_into().ok()?;
    JsFuture::from(text).await.ok()?.as_string()
}

/// Builds the request; the key goes only into a request for the target's own origin.
fn request(
    spec: &ProbeSpec,
    key: Option<&ApiKey>,
    target_base: &str,
    signal: &AbortSignal,
) -> Result<Request, JsValue> {
    let headers = Headers::new()?;
    if spec.mode == Mode::Cors {
        for (name, value) in &spec.headers {
            headers.append(name, value)?;
        }
        if let (Some(auth), Some(key)) = (spec.credential, key) {
            if same_origin(&spec.url, target_base) {
                let (name, value) = auth.header(key);
                headers.append(name, &value)?;
            }
        }
    }
    let init = RequestInit::new();
    init.set_method(spec.method);
    init.set_mode(match spec.mode {
        Mode::Cors => RequestMode::Cors,
        Mode::NoCors => RequestMode::NoCors,
    });
    // Credentials are never sent: the API's wildcard CORS holds only without them.
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    init.set_redirect(if spec.follow_redirects {
        RequestRedirect::Follow
    } else {
        RequestRedirect::Manual
    });
    init.set_headers(&headers);
    if let Some(body) = &spec.body {
        init.set_body(&JsValue::from_str(body));
    }
    init.set_signal(Some(signal));
    Request::new_with_str_and_init(&spec.url, &init)
}

/// Runs one probe. Never fails: whatever happens becomes an observation.
pub async fn execute(
    spec: &ProbeSpec,
    key: Option<&ApiKey>,
    target_base: &str,
    cancel: Option<&AbortSignal>,
) -> Observation {
    if cancel.is_some_and(AbortSignal::aborted) {
        return Observation::Cancelled;
    }
    let timed = matches!(spec.id, ProbeId::Latency(_) | ProbeId::ControlLatency(_));
    let performance = web_sys::window().and_then(|w| w.performance());
    if let (true, Some(p)) = (timed, &performance) {
        // The latency series runs alone, so after clearing, the entry for this URL is this request's; it also
        // keeps the browser's buffer of 250 entries from filling up.
        p.clear_resource_timings();
    }
    let guard = Guard::new(spec.timeout_ms, cancel);
    let started = now();
    let outcome = match request(spec, key, target_base, &guard.controller.signal()) {
        // A request the browser will not even build (an invalid header value, say) fails like a refusal.
        Err(e) => Err(e),
        Ok(req) => JsFuture::from(web_sys::window().unwrap_throw().fetch_with_request(&req)).await,
    };
    let elapsed_ms = now() - started;
    let received_at_ms = js_sys::Date::now();
    let response: Response = match outcome {
        Ok(value) => value.unchecked_into(),
        // Only an abort is ours: a refusal that came before the timer fired stays a refusal.
        Err(e) if aborted(&e) && guard.timed_out.get() => {
            return Observation::TimedOut {
                after_ms: spec.timeout_ms,
            }
        }
        Err(e) if aborted(&e) && guard.cancelled() => return Observation::Cancelled,
        Err(_) => return Observation::Rejected { elapsed_ms },
    };
    let kind = match response.type_() {
        web_sys::ResponseType::Opaque => ResponseKind::Opaque,
        web_sys::ResponseType::Opaqueredirect => ResponseKind::HeldRedirect,
        _ => ResponseKind::Readable,
    };
    let headers = read_headers(&response.headers());
    let (body, body_state, chunks) = if kind != ResponseKind::Readable {
        (String::new(), BodyState::Complete, Vec::new())
    } else {
        read_body(&response, spec.body_cap, &guard, started).await
    };
    if guard.cancelled() {
        return Observation::Cancelled;
    }
    let phases = match (timed, &performance) {
        (true, Some(p)) => phases_of(p, &spec.url).await,
        _ => None,
    };
    Observation::Response(Seen {
        status: response.status(),
        kind,
        headers,
        body,
        body_state,
        redirected_to: response.redirected().then(|| response.url()),
        elapsed_ms,
        received_at_ms,
        chunks,
        phases,
    })
}

/// How long to wait for a Resource Timing entry: up to 50 turns of 4 ms.
const PHASES_WAIT_TURNS: u32 = 50;
const PHASES_WAIT_MS: u32 = 4;

/// The Resource Timing phases of the latest request to `url`, when the server allowed them
/// (`Timing-Allow-Origin`); without it the browser zeroes them, and `requestStart` reads 0.
async fn phases_of(performance: &web_sys::Performance, url: &str) -> Option<Phases> {
    // The entry is queued when the response has been fully received, which comes a few milliseconds after
    // `fetch` resolved (and the page does not read an opaque body); wait for it briefly.
    for _ in 0..PHASES_WAIT_TURNS {
        let entries = performance.get_entries_by_name_with_entry_type(url, "resource");
        if let Ok(e) = entries
            .pop()
            .dyn_into::<web_sys::PerformanceResourceTiming>()
        {
            if e.request_start() <= 0.0 {
                return None;
            }
            let tls = if e.secure_connection_start() > 0.0 {
                e.connect_end() - e.secure_connection_start()
            } else {
                0.0
            };
            return Some(Phases {
                dns: e.domain_lookup_end() - e.domain_lookup_start(),
                connect: e.connect_end() - e.connect_start(),
                tls,
                ttfb: e.response_start() - e.request_start(),
                new_connection: e.connect_end() > e.connect_start(),
            });
        }
        let never = AbortController::new().unwrap_throw().signal();
        sleep(PHASES_WAIT_MS, &never).await;
    }
    None
}

/// The headers the browser exposes, names lower-cased.
fn read_headers(headers: &Headers) -> Vec<(String, String)> {
    let Ok(Some(iter)) = js_sys::try_iter(headers) else {
        return Vec::new();
    };
    iter.filter_map(Result::ok)
        .filter_map(|pair| {
            let pair: Array = pair.dyn_into().ok()?;
            Some((
                pair.get(0).as_string()?.to_ascii_lowercase(),
                pair.get(1).as_string()?,
            ))
        })
        .collect()
}

/// Reads the body chunk by chunk up to `cap` bytes, then stops reading; notes when each chunk arrived.
async fn read_body(
    response: &Response,
    cap: usize,
    guard: &Guard,
    started: f64,
) -> (String, BodyState, Vec<Chunk>) {
    let mut chunks = Vec::new();
    let Some(stream) = response.body() else {
        return (String::new(), BodyState::Complete, chunks);
    };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut bytes: Vec<u8> = Vec::new();
    let state = loop {
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(chunk) => chunk,
            Err(e) if aborted(&e) && guard.timed_out.get() => break BodyState::TimedOut,
            Err(_) => break BodyState::Broken,
        };
        let done = Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            break BodyState::Complete;
        }
        let Ok(value) = Reflect::get(&chunk, &"value".into()) else {
            break BodyState::Broken;
        };
        let data = Uint8Array::new(&value);
        let room = cap.saturating_sub(bytes.len());
        let take = (data.length() as usize).min(room);
        let start = bytes.len();
        bytes.resize(start + take, 0);
        data.subarray(0, take as u32).copy_to(&mut bytes[start..]);
        if take > 0 {
            chunks.push(Chunk {
                at_ms: now() - started,
                end: bytes.len(),
            });
        }
        if bytes.len() >= cap {
            // Cancelling tells the browser to stop downloading the rest.
            let _ = reader.cancel();
            break BodyState::Truncated;
        }
    };
    (String::from_utf8_lossy(&bytes).into_owned(), state, chunks)
}
