//! The browser shell: copies the form in and out of the DOM, executes the probes the core's run hands out
//! (concurrently, with `fetch`), and renders what the run concludes as observations land.

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

use crate::core::form::Form;
use crate::core::i18n::{self, Lang, Part};
use crate::core::input::MAX_SAMPLES;
use crate::core::link::{self, Fragment, Note};
use crate::core::probe::{ProbeId, ProbeSpec};
use crate::core::report::Report;
use crate::core::run::{Run, WatchNext};
use crate::core::share::ShareError;
use dom::{by_id, document, set_hidden};

/// The run in progress or finished, with what only the browser has of it.
struct Live {
    /// Increases with every run, so that late answers of an old run are dropped.
    serial: u32,
    run: Run,
    cancel: AbortController,
    /// When the run started: wall clock for the report, page clock for its duration.
    started_epoch_ms: f64,
    started: f64,
}

/// The page's state.
struct App {
    lang: Lang,
    /// The language the browser prefers; a config link names `lang=` only when the page shows another.
    preferred: Lang,
    live: Option<Live>,
    serial: u32,
    /// The host a config link aimed the checks at, when it is not the real API's.
    guarded: Option<String>,
    /// What to tell the person about the link the page was opened with.
    notes: Vec<Note>,
    /// Why a report link could not be opened.
    share_error: Option<ShareError>,
    /// The report on show: the last finished run's, or a shared one. Shared, never copied: the finished run's
    /// report is on show while its link is made, and a deep copy costs its code in the wasm (0.8 KB gzipped).
    report: Option<Rc<Report>>,
    /// The report's link, once made.
    report_link: Option<String>,
    /// Whether the page shows a shared report instead of the form.
    shared: bool,
    /// Whether the other language's texts could not be downloaded, the last time they were wanted.
    lang_unavailable: bool,
    /// Whether a report from the command line could not be shown because its texts could not be downloaded.
    report_texts_missing: bool,
}

type Shared = Rc<RefCell<App>>;

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
        live: None,
        serial: 0,
        guarded: None,
        notes: Vec::new(),
        share_error: None,
        report: None,
        report_link: None,
        shared: false,
        lang_unavailable: false,
        report_texts_missing: false,
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
            let mut form = read_form();
            form.apply(&config);
            write_form(&form);
        }
    }
    // Nothing is shown in a language before its texts are here; the static copy stays readable meanwhile.
    let wanted = app.borrow().lang;
    wasm_bindgen_futures::spawn_local(async move {
        let lang = if load_texts(wanted, Part::Page).await {
            wanted
        } else if load_texts(other(wanted), Part::Page).await {
            app.borrow_mut().lang_unavailable = true;
            other(wanted)
        } else {
            // Without texts the page cannot speak: say so as a failed start does, in both languages.
            set_hidden("boot-status", true);
            set_hidden("load-failed", false);
            return;
        };
        app.borrow_mut().lang = lang;
        show(&app, autorun, report_text);
    });
}

/// How long a language's file may take to arrive.
const TEXTS_TIMEOUT_MS: u32 = 15_000;

/// The other language.
fn other(lang: Lang) -> Lang {
    match lang {
        Lang::En => Lang::Zh,
        Lang::Zh => Lang::En,
    }
}

/// Downloads and installs a language's texts of `part` unless they are here already: whether the page may
/// now show what needs them.
async fn load_texts(lang: Lang, part: Part) -> bool {
    if i18n::is_installed(lang, part) {
        return true;
    }
    let name = i18n::file_name(lang, part);
    // The start-up script may have begun this download already; if that failed, it is tried once more.
    let file = match fetch::early_file(&name).await {
        Some(file) => Some(file),
        None => fetch::page_file(&name, TEXTS_TIMEOUT_MS).await,
    };
    file.is_some_and(|file| i18n::install(lang, part, file).is_ok())
}

/// Whether the page shows a report from the command line, whose texts are downloaded apart.
fn shows_native(app: &Shared) -> bool {
    let a = app.borrow();
    a.shared && a.report.as_ref().is_some_and(|r| r.native.is_some())
}

/// Downloads what `lang` needs in the page's present state: its texts, and the command line's while such
/// a report is on show. Whether the page may now show `lang`.
async fn load_language(app: &Shared, lang: Lang) -> bool {
    let native = shows_native(app);
    load_texts(lang, Part::Page).await && (!native || load_texts(lang, Part::Native).await)
}

/// Reports, on the console, a text shown before its file was installed: a bug of this shell, which the
/// end-to-end tests fail on.
fn check_texts() {
    if i18n::take_missed() {
        web_sys::console::error_1(
            &"a text was shown before its language file was installed".into(),
        );
    }
}

/// Shows the page in its language once the texts are here: the form, the notes, and a shared report or
/// a run the link asked for.
fn show(app: &Shared, autorun: bool, report_text: Option<String>) {
    let lang = app.borrow().lang;
    render::static_copy(lang);
    render::idle(lang);
    wire(app);
    set_hidden("lang", false);
    by_id::<HtmlButtonElement>("run").set_disabled(false);
    form_changed(app);
    render_notes(app);
    if let Some(text) = report_text {
        app.borrow_mut().shared = true;
        let app = app.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let decoded = share::decode(&text).await;
            // A report from the command line needs its texts, downloaded only now.
            let lang = app.borrow().lang;
            let native = decoded.as_ref().is_ok_and(|r| r.native.is_some());
            if native && !load_texts(lang, Part::Native).await {
                {
                    let mut a = app.borrow_mut();
                    a.shared = false;
                    a.report_texts_missing = true;
                }
                render_notes(&app);
                render_shared(&app);
            } else {
                show_shared(&app, decoded);
            }
            check_texts();
            ready();
        });
        return;
    }
    check_texts();
    ready();
    if autorun {
        start_run(app);
    }
}

/// Shows the page in `lang`, whose texts are installed.
fn switch_to(app: &Shared, lang: Lang) {
    {
        let mut a = app.borrow_mut();
        a.lang = lang;
        a.lang_unavailable = false;
    }
    render::static_copy(lang);
    render_notes(app);
    form_changed(app);
    if app.borrow().shared {
        render_shared(app);
    } else {
        refresh(app);
    }
    check_texts();
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
                .filter(|h| crate::core::share::can_share_on(h));
            a.report = Some(Rc::new(report));
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
    links::notes(
        &a.notes,
        a.share_error,
        (a.lang_unavailable, a.report_texts_missing),
        a.lang,
    );
}

/// Re-reads the form after a change: the link to copy and the key guard follow it.
fn form_changed(app: &Shared) {
    let a = app.borrow();
    let form = read_form();
    links::update_link(&form.config(a.lang, a.preferred), a.lang);
    links::update_guard(form.guarding(a.guarded.as_deref()), a.lang);
}

/// Puts the default endpoints and the auth header into the form, so that the page holds no copy of them.
fn fill_defaults() {
    for (id, value) in Form::defaults() {
        let input = by_id::<HtmlInputElement>(id);
        if input.value().is_empty() {
            input.set_value(&value);
        }
    }
    by_id::<HtmlInputElement>("samples").set_max(&MAX_SAMPLES.to_string());
    select("auth").set_value(Form::default_auth());
}

/// Attaches the form's event handlers.
fn wire(app: &Shared) {
    on(app, "form", "submit", |app, event| {
        event.prevent_default();
        let blocked = {
            let a = app.borrow();
            let blocked = read_form()
                .guard_blocks(a.guarded.as_deref())
                .map(str::to_string);
            links::show_guard_block(blocked.as_deref(), a.lang);
            blocked.is_some()
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
        if let Some(live) = &mut app.borrow_mut().live {
            live.run.cancel();
            live.cancel.abort();
        }
    });
    on(app, "lang", "click", |app, _| {
        let next = other(app.borrow().lang);
        let native = shows_native(app);
        if i18n::is_installed(next, Part::Page)
            && (!native || i18n::is_installed(next, Part::Native))
        {
            switch_to(app, next);
            return;
        }
        // The other language's texts are downloaded when first chosen; the page stays as it is until
        // they are here, and says so if they cannot be had.
        let button = by_id::<HtmlButtonElement>("lang");
        button.set_disabled(true);
        let app = app.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let loaded = load_language(&app, next).await;
            button.set_disabled(false);
            if loaded {
                switch_to(&app, next);
            } else {
                app.borrow_mut().lang_unavailable = true;
                render_notes(&app);
            }
        });
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

fn checked(id: &str) -> bool {
    by_id::<HtmlInputElement>(id).checked()
}

fn select(id: &str) -> HtmlSelectElement {
    by_id::<HtmlSelectElement>(id)
}

/// Copies the form's fields out of the DOM.
fn read_form() -> Form {
    Form {
        base: input("base"),
        auth: select("auth").value(),
        key: input("key"),
        model: input("model"),
        version: input("version"),
        checks: input("checks"),
        message: checked("message"),
        control_url: input("control-url"),
        resolvers: [input("doh1"), input("doh2")],
        status_url: input("status-url"),
        samples: input("samples"),
        watch: select("watch").value(),
        link_run: checked("link-run"),
        key_confirmed: checked("key-confirm"),
    }
}

/// Copies the fields a config link may set into the DOM.
fn write_form(form: &Form) {
    for (id, value) in [
        ("base", &form.base),
        ("model", &form.model),
        ("version", &form.version),
        ("checks", &form.checks),
    ] {
        by_id::<HtmlInputElement>(id).set_value(value);
    }
    by_id::<HtmlInputElement>("message").set_checked(form.message);
    select("auth").set_value(&form.auth);
    let watch = select("watch");
    watch.set_value(&form.watch);
    if watch.value() != form.watch {
        // A duration the menu does not offer gets an option of its own.
        let option = dom::el("option", "", Some(&format!("{} s", form.watch)));
        dom::attr(&option, "value", &form.watch);
        dom::append(&watch, &option);
        watch.set_value(&form.watch);
    }
}

/// Starts a run of what the form describes.
fn start_run(app: &Shared) {
    let window = web_sys::window().unwrap_throw();
    let secure = window.location().protocol().is_ok_and(|p| p == "https:");
    let ctx = read_form().context(secure, window.navigator().on_line());
    {
        let mut a = app.borrow_mut();
        if let Some(old) = &a.live {
            old.cancel.abort();
        }
        a.serial += 1;
        a.live = Some(Live {
            serial: a.serial,
            run: Run::new(ctx),
            cancel: AbortController::new().unwrap_throw(),
            started_epoch_ms: js_sys::Date::now(),
            started: fetch::now(),
        });
        a.report = None;
        a.report_link = None;
    }
    set_hidden("share", true);
    set_hidden("form-alert", true);
    render::reset();
    pump(app);
}

/// Sends every probe the run hands out, each in its own task.
fn pump(app: &Shared) {
    let (serial, batch, key, base, signal) = {
        let mut a = app.borrow_mut();
        let Some(live) = &mut a.live else { return };
        let batch = live.run.next_probes();
        let ctx = live.run.context();
        let base = ctx.target.as_ref().map(|t| t.base()).unwrap_or_default();
        (
            live.serial,
            batch,
            ctx.key.clone(),
            base,
            live.cancel.signal(),
        )
    };
    for spec in batch {
        let (app, key, base, signal) = (app.clone(), key.clone(), base.clone(), signal.clone());
        wasm_bindgen_futures::spawn_local(async move {
            if spec.id == ProbeId::Watch {
                watch(&app, serial, &spec, key.as_ref(), &base, &signal).await;
            } else {
                let seen = fetch::execute(&spec, key.as_ref(), &base, Some(&signal)).await;
                record(&app, serial, |run| run.record(spec.id, seen));
            }
        });
    }
    refresh(app);
}

/// Repeats the watch probe for as long as the run says, waiting between probes as it says.
async fn watch(
    app: &Shared,
    serial: u32,
    spec: &ProbeSpec,
    key: Option<&crate::core::key::ApiKey>,
    base: &str,
    signal: &AbortSignal,
) {
    let start = fetch::now();
    loop {
        let at_ms = fetch::now() - start;
        let due = with_run(app, serial, |run| run.watch_due(at_ms)).unwrap_or(false);
        if !due {
            break;
        }
        let seen = fetch::execute(spec, key, base, Some(signal)).await;
        let now_ms = fetch::now() - start;
        let next = with_run(app, serial, |run| {
            run.watch_sample(at_ms, seen, now_ms, js_sys::Math::random())
        });
        refresh(app);
        match next {
            Some(WatchNext::After { delay_ms }) => fetch::sleep(delay_ms, signal).await,
            Some(WatchNext::Done) | None => break,
        }
    }
    record(app, serial, Run::watch_end);
}

/// Applies `f` to the run if it is still the current one.
fn with_run<T>(app: &Shared, serial: u32, f: impl FnOnce(&mut Run) -> T) -> Option<T> {
    let mut a = app.borrow_mut();
    match &mut a.live {
        Some(live) if live.serial == serial => Some(f(&mut live.run)),
        _ => None,
    }
}

/// Hands the current run what a probe saw, then sends whatever that lets go out and re-renders. An answer
/// of an older run is dropped.
fn record(app: &Shared, serial: u32, f: impl FnOnce(&mut Run)) {
    if with_run(app, serial, f).is_some() {
        pump(app);
    }
}

/// Renders the current run; once it has finished, makes its report and link.
fn refresh(app: &Shared) {
    let report = {
        let mut a = app.borrow_mut();
        let lang = a.lang;
        let Some(live) = &mut a.live else {
            render::idle(lang);
            return;
        };
        let run = &mut live.run;
        render::diagnosis(&run.diagnosis(), lang, run.context().key.is_some());
        set_hidden("cancel", !run.busy());
        let browser = web_sys::window()
            .and_then(|w| w.navigator().user_agent().ok())
            .unwrap_or_default();
        let took = (fetch::now() - live.started).max(0.0) as u32;
        let Some(report) = run.take_report(&browser, live.started_epoch_ms, took) else {
            return;
        };
        let serial = live.serial;
        let report = Rc::new(report);
        a.report = Some(report.clone());
        (serial, report)
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
