//! The browser shell: reads the form, executes the planned probes concurrently, and renders as they land.

pub mod dom;
pub mod fetch;
pub mod links;
pub mod render;
pub mod share;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, UnwrapThrowExt};
use web_sys::{
    AbortController, AbortSignal, Event, HtmlButtonElement, HtmlElement, HtmlInputElement,
    HtmlSelectElement,
};

use crate::core::checks::perf_watch;
use crate::core::diagnosis::{diagnose, Verdict};
use crate::core::i18n::Lang;
use crate::core::key::{ApiKey, AuthMode};
use crate::core::link::{self, Fragment, Note};
use crate::core::observation::{Observation, Observations, Sample};
use crate::core::probe::{ProbeId, ProbeSpec};
use crate::core::report::Report;
use crate::core::run::{next, Context, Settings, MAX_SAMPLES, MAX_WATCH_SECS};
use crate::core::select::Selection;
use crate::core::share::ShareError;
use crate::core::watch;
use dom::{by_id, document, set_hidden};

/// One run in progress or finished.
struct Run {
    /// Increases with every run, so that late answers of an old run are dropped.
    serial: u32,
    ctx: Context,
    obs: Observations,
    /// Probes sent and not yet observed.
    in_flight: Vec<ProbeId>,
    cancel: AbortController,
    /// When the run started: wall clock for the report, page clock for its duration.
    started_epoch_ms: f64,
    started: f64,
    /// Whether the finished run's report has been made.
    reported: bool,
}

/// The page's state.
struct App {
    lang: Lang,
    /// The language the browser prefers; a config link names `lang=` only when the page shows another.
    preferred: Lang,
    run: Option<Run>,
    serial: u32,
    /// The host a config link aimed the checks at, when it is not the real API's.
    guarded: Option<String>,
    /// What to tell the person about the link the page was opened with.
    notes: Vec<Note>,
    /// Why a report link could not be opened.
    share_error: Option<ShareError>,
    /// The report on show: the last finished run's, or a shared one.
    report: Option<Report>,
    /// The report's link, once made.
    report_link: Option<String>,
    /// Whether the page shows a shared report instead of the form.
    shared: bool,
}

type Shared = Rc<RefCell<App>>;

/// The most probes a watch keeps; at one every two seconds that is more than an hour.
const MAX_WATCH_SAMPLES: usize = 2_000;
/// How much of each watch probe's body is kept: enough to classify an error, not a megabyte per probe.
const WATCH_BODY_KEEP: usize = 2_048;

/// Entry point, called once the wasm module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    let window = web_sys::window().unwrap_throw();
    let prefs: Vec<String> = window
        .navigator()
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    let preferred = Lang::from_preferences(prefs.iter().map(String::as_str));
    // The fragment is read first, so that a key in it leaves the address bar before anything else runs.
    let fragment = link::read(&window.location().hash().unwrap_or_default());
    let app: Shared = Rc::new(RefCell::new(App {
        lang: preferred,
        preferred,
        run: None,
        serial: 0,
        guarded: None,
        notes: Vec::new(),
        share_error: None,
        report: None,
        report_link: None,
        shared: false,
    }));
    fill_defaults();
    let mut autorun = false;
    let mut report_text = None;
    match fragment {
        Fragment::Empty => {}
        Fragment::Report(text) => report_text = Some(text),
        Fragment::Config {
            config,
            notes,
            cleaned,
        } => {
            if let Some(cleaned) = cleaned {
                links::replace_fragment(&cleaned);
            }
            let mut a = app.borrow_mut();
            a.lang = config.lang.unwrap_or(preferred);
            a.guarded = config.base.as_deref().and_then(link::guarded_host);
            a.notes = notes;
            autorun = config.run;
            links::apply(&config);
        }
    }
    let lang = app.borrow().lang;
    render::static_copy(lang);
    render::idle(lang);
    wire(&app);
    set_hidden("lang", false);
    by_id::<HtmlButtonElement>("run").set_disabled(false);
    form_changed(&app);
    render_notes(&app);
    if let Some(text) = report_text {
        app.borrow_mut().shared = true;
        let app = app.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let decoded = share::decode(&text).await;
            show_shared(&app, decoded);
            ready();
        });
        return;
    }
    ready();
    if autorun {
        start_run(&app);
    }
}

/// Marks the page as started, for the load-failure notice and the tests.
fn ready() {
    let root = document().document_element().unwrap_throw();
    dom::attr(&root, "data-ready", "");
}

/// Shows a shared report read-only, or says why it cannot be shown and offers the form instead.
fn show_shared(app: &Shared, decoded: Result<Report, ShareError>) {
    match decoded {
        Ok(report) => {
            let mut a = app.borrow_mut();
            a.report_link = web_sys::window()
                .and_then(|w| w.location().href().ok())
                .filter(|h| h.len() <= crate::core::share::MAX_LINK_CHARS + 512);
            a.report = Some(report);
        }
        Err(e) => {
            let mut a = app.borrow_mut();
            a.shared = false;
            a.share_error = Some(e);
        }
    }
    render_notes(app);
    render_shared(app);
}

/// Renders the shared report, its banner and its share panel, in the page's language.
fn render_shared(app: &Shared) {
    let a = app.borrow();
    set_hidden("setup", a.shared);
    set_hidden("shared", !a.shared);
    let Some(report) = a.report.as_ref().filter(|_| a.shared) else {
        return;
    };
    links::banner(report, a.lang);
    render::reset();
    render::diagnosis(&report.diagnosis(), a.lang, report.key.is_some());
    links::share_panel(a.report_link.as_deref());
}

/// Shows the notes about the link the page was opened with.
fn render_notes(app: &Shared) {
    let a = app.borrow();
    links::notes(&a.notes, a.share_error, a.lang);
}

/// Re-reads the form after a change: the link to copy and the key guard follow it.
fn form_changed(app: &Shared) {
    let a = app.borrow();
    links::update_link(a.lang, a.preferred);
    links::update_guard(a.guarded.as_deref(), a.lang);
}

/// Puts the default endpoints into the advanced settings, so that the page holds no copy of them.
fn fill_defaults() {
    let d = Settings::default();
    for (id, value) in [
        ("control-url", d.control_url.as_str()),
        ("doh1", d.resolvers[0].as_str()),
        ("doh2", d.resolvers[1].as_str()),
        ("status-url", d.status_url.as_str()),
        ("version", d.version.as_str()),
    ] {
        let input = by_id::<HtmlInputElement>(id);
        if input.value().is_empty() {
            input.set_value(value);
        }
    }
    let samples = by_id::<HtmlInputElement>("samples");
    if samples.value().is_empty() {
        samples.set_value(&d.samples.to_string());
    }
    samples.set_max(&MAX_SAMPLES.to_string());
}

/// Attaches the form's event handlers.
fn wire(app: &Shared) {
    on(app, "form", "submit", |app, event| {
        event.prevent_default();
        let blocked = {
            let a = app.borrow();
            links::guard_blocks(a.guarded.as_deref(), a.lang)
        };
        if !blocked {
            start_run(app);
        }
    });
    on(app, "form", "input", |app, _| form_changed(app));
    on(app, "form", "change", |app, _| form_changed(app));
    on(app, "copy-config", "click", |app, _| {
        let lang = app.borrow().lang;
        let text = by_id::<HtmlInputElement>("config-link").value();
        wasm_bindgen_futures::spawn_local(async move {
            links::copied("copy-config", share::copy(&text).await, lang);
        });
    });
    on(app, "copy-report", "click", |app, _| {
        let lang = app.borrow().lang;
        let text = by_id::<HtmlInputElement>("report-link").value();
        wasm_bindgen_futures::spawn_local(async move {
            links::share_status("link", share::copy(&text).await, lang);
        });
    });
    on(app, "copy-md", "click", |app, _| {
        let a = app.borrow();
        let Some(report) = &a.report else { return };
        let text = crate::core::export::markdown(report, a.lang, a.report_link.as_deref());
        let lang = a.lang;
        wasm_bindgen_futures::spawn_local(async move {
            links::share_status("markdown", share::copy(&text).await, lang);
        });
    });
    on(app, "download-json", "click", |app, _| {
        let a = app.borrow();
        let Some(report) = &a.report else { return };
        let name = format!(
            "api-doctor-report-{}.json",
            crate::core::time::rfc3339(report.started_ms).replace(':', "-")
        );
        share::download(
            &name,
            &crate::core::export::json(report),
            "application/json",
        );
        links::share_status("json", true, a.lang);
    });
    // A new link pasted into this tab's address bar is a new page: start again from it.
    let reload = Closure::<dyn FnMut()>::new(|| {
        let _ = web_sys::window().unwrap_throw().location().reload();
    });
    web_sys::window()
        .unwrap_throw()
        .add_event_listener_with_callback("hashchange", reload.as_ref().unchecked_ref())
        .unwrap_throw();
    reload.forget();
    on(app, "cancel", "click", |app, _| {
        if let Some(run) = &app.borrow().run {
            run.cancel.abort();
        }
    });
    on(app, "lang", "click", |app, _| {
        let lang = {
            let mut a = app.borrow_mut();
            a.lang = if a.lang == Lang::En {
                Lang::Zh
            } else {
                Lang::En
            };
            a.lang
        };
        render::static_copy(lang);
        render_notes(app);
        form_changed(app);
        if app.borrow().shared {
            render_shared(app);
        } else {
            refresh(app);
        }
    });
}

/// Adds an event listener that lives as long as the page.
fn on(app: &Shared, id: &str, event: &str, handler: fn(&Shared, &Event)) {
    let app = app.clone();
    let closure = Closure::<dyn FnMut(Event)>::new(move |e: Event| handler(&app, &e));
    by_id::<HtmlElement>(id)
        .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())
        .unwrap_throw();
    closure.forget();
}

fn input(id: &str) -> String {
    by_id::<HtmlInputElement>(id).value()
}

/// Reads the form into a run context.
fn read_form() -> Context {
    let window = web_sys::window().unwrap_throw();
    let auth = AuthMode::parse(&by_id::<HtmlSelectElement>("auth").value()).unwrap_or_default();
    let key = ApiKey::new(input("key"));
    let secure = window.location().protocol().is_ok_and(|p| p == "https:");
    let defaults = Settings::default();
    let message = by_id::<HtmlInputElement>("message").checked();
    // The test message is opt-in by its own box, so a list of checks that leaves it out still has it.
    let list = input("checks");
    let checks = match (list.trim().is_empty(), message) {
        (true, _) => Selection::ALL,
        (false, true) => Selection::parse(&format!("{list},service.message")).0,
        (false, false) => Selection::parse(&list).0,
    };
    let version = input("version");
    let settings = Settings {
        model: Some(input("model")),
        version: if version.trim().is_empty() {
            defaults.version.clone()
        } else {
            version.trim().to_string()
        },
        checks,
        control_url: input("control-url"),
        resolvers: [input("doh1"), input("doh2")],
        status_url: input("status-url"),
        samples: input("samples").trim().parse().unwrap_or(defaults.samples),
        message,
        watch_secs: by_id::<HtmlSelectElement>("watch")
            .value()
            .parse()
            .unwrap_or(0),
    };
    let mut ctx = Context::new(&input("base"), auth, key, secure).with_settings(settings);
    ctx.online = window.navigator().on_line();
    ctx
}

/// Starts a run: plans, records what is not sent, and sends the rest.
fn start_run(app: &Shared) {
    let ctx = read_form();
    {
        let mut a = app.borrow_mut();
        if let Some(old) = &a.run {
            old.cancel.abort();
        }
        a.serial += 1;
        a.run = Some(Run {
            serial: a.serial,
            ctx,
            obs: Observations::new(),
            in_flight: Vec::new(),
            cancel: AbortController::new().unwrap_throw(),
            started_epoch_ms: js_sys::Date::now(),
            started: fetch::now(),
            reported: false,
        });
        a.report = None;
        a.report_link = None;
    }
    set_hidden("share", true);
    set_hidden("form-alert", true);
    render::reset();
    pump(app);
}

/// Hands out every probe whose turn has come: records those not sent, and sends the rest.
fn pump(app: &Shared) {
    loop {
        let (serial, batch, ctx, signal) = {
            let a = app.borrow();
            let Some(run) = &a.run else { return };
            let started: Vec<ProbeId> = run
                .obs
                .keys()
                .chain(run.in_flight.iter())
                .copied()
                .collect();
            (
                run.serial,
                next(&run.ctx, &run.obs, &started),
                run.ctx.clone(),
                run.cancel.signal(),
            )
        };
        if batch.is_empty() {
            break;
        }
        let base = ctx.target.as_ref().map(|t| t.base()).unwrap_or_default();
        for planned in batch {
            let spec = match planned {
                Ok(spec) => spec,
                Err((id, why)) => {
                    if let Some(run) = &mut app.borrow_mut().run {
                        run.obs.insert(id, Observation::NotSent(why));
                    }
                    continue;
                }
            };
            if let Some(run) = &mut app.borrow_mut().run {
                run.in_flight.push(spec.id);
            }
            let (app, ctx, base, signal) = (app.clone(), ctx.clone(), base.clone(), signal.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if spec.id == ProbeId::Watch {
                    watch(&app, serial, &ctx, &spec, &base, &signal).await;
                } else {
                    let seen = fetch::execute(&spec, ctx.key.as_ref(), &base, Some(&signal)).await;
                    record(&app, serial, spec.id, seen, true);
                }
            });
        }
    }
    refresh(app);
}

/// Repeats the watch probe until its time is up or the run is cancelled, recording the growing series.
async fn watch(
    app: &Shared,
    serial: u32,
    ctx: &Context,
    spec: &ProbeSpec,
    base: &str,
    signal: &AbortSignal,
) {
    let start = fetch::now();
    let deadline = f64::from(ctx.settings.watch_secs.min(MAX_WATCH_SECS)) * 1000.0;
    let mut samples: Vec<Sample> = Vec::new();
    let mut failures = 0;
    while !signal.aborted() && samples.len() < MAX_WATCH_SAMPLES {
        let at_ms = fetch::now() - start;
        if at_ms >= deadline {
            break;
        }
        let mut seen = fetch::execute(spec, ctx.key.as_ref(), base, Some(signal)).await;
        if seen == Observation::Cancelled {
            break;
        }
        failures = if perf_watch::failed(ctx, &seen) {
            failures + 1
        } else {
            0
        };
        if let Observation::Response(r) = &mut seen {
            if r.body.len() > WATCH_BODY_KEEP {
                let mut cut = WATCH_BODY_KEEP;
                while !r.body.is_char_boundary(cut) {
                    cut -= 1;
                }
                r.body.truncate(cut);
            }
        }
        samples.push(Sample { at_ms, seen });
        let series = Observation::Series {
            samples: samples.clone(),
            done: false,
        };
        if !record(app, serial, ProbeId::Watch, series, false) {
            return;
        }
        let left = (deadline - (fetch::now() - start)).max(0.0) as u32;
        let delay = watch::next_delay_ms(failures, js_sys::Math::random()).min(left);
        fetch::sleep(delay, signal).await;
    }
    let series = Observation::Series {
        samples,
        done: true,
    };
    record(app, serial, ProbeId::Watch, series, true);
}

/// Stores one observation of the current run and re-renders; `landed` ends the probe's flight. Returns
/// whether the run is still the current one.
fn record(app: &Shared, serial: u32, id: ProbeId, seen: Observation, landed: bool) -> bool {
    {
        let mut a = app.borrow_mut();
        match &mut a.run {
            Some(run) if run.serial == serial => {
                run.obs.insert(id, seen);
                if landed {
                    run.in_flight.retain(|&f| f != id);
                }
            }
            _ => return false,
        }
    }
    pump(app);
    true
}

/// Re-diagnoses the current run and renders it; once it has finished, makes its report and link.
fn refresh(app: &Shared) {
    let report = {
        let mut a = app.borrow_mut();
        let lang = a.lang;
        let Some(run) = &mut a.run else {
            render::idle(lang);
            return;
        };
        let d = diagnose(&run.ctx, &run.obs);
        render::diagnosis(&d, lang, run.ctx.key.is_some());
        let busy = d.verdict == Verdict::Running || !run.in_flight.is_empty();
        set_hidden("cancel", !busy);
        if busy || run.reported {
            return;
        }
        run.reported = true;
        let browser = web_sys::window()
            .and_then(|w| w.navigator().user_agent().ok())
            .unwrap_or_default();
        let took = (fetch::now() - run.started).max(0.0) as u32;
        let report = Report::new(&run.ctx, &d, &browser, run.started_epoch_ms, took);
        a.report = Some(report.clone());
        (a.serial, report)
    };
    let app = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let (serial, report) = report;
        let text = share::encode(&report).await;
        let mut a = app.borrow_mut();
        if a.serial != serial {
            return;
        }
        a.report_link = text.map(|t| links::page_url(&format!("report={t}")));
        links::share_panel(a.report_link.as_deref());
    });
}
