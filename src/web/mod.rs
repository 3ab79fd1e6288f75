//! The browser shell: reads the form, executes the planned probes concurrently, and renders as they land.

pub mod dom;
pub mod fetch;
pub mod render;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, UnwrapThrowExt};
use web_sys::{
    AbortController, Event, HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlSelectElement,
};

use crate::core::diagnosis::{diagnose, Verdict};
use crate::core::i18n::Lang;
use crate::core::key::{ApiKey, AuthMode};
use crate::core::observation::{Observation, Observations};
use crate::core::probe::ProbeId;
use crate::core::run::{plan, Context};
use dom::{by_id, document, set_hidden};

/// One run in progress or finished.
struct Run {
    /// Increases with every run, so that late answers of an old run are dropped.
    serial: u32,
    ctx: Context,
    obs: Observations,
    cancel: AbortController,
}

/// The page's state.
struct App {
    lang: Lang,
    run: Option<Run>,
    serial: u32,
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
    let lang = Lang::from_preferences(prefs.iter().map(String::as_str));
    let app: Shared = Rc::new(RefCell::new(App {
        lang,
        run: None,
        serial: 0,
    }));
    render::static_copy(lang);
    render::idle(lang);
    wire(&app);
    set_hidden("lang", false);
    by_id::<HtmlButtonElement>("run").set_disabled(false);
    let root = document().document_element().unwrap_throw();
    dom::attr(&root, "data-ready", "");
}

/// Attaches the form's event handlers.
fn wire(app: &Shared) {
    on(app, "form", "submit", |app, event| {
        event.prevent_default();
        start_run(app);
    });
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
        refresh(app);
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

/// Reads the form into a run context.
fn read_form() -> Context {
    let base = by_id::<HtmlInputElement>("base").value();
    let auth = AuthMode::parse(&by_id::<HtmlSelectElement>("auth").value()).unwrap_or_default();
    let key = ApiKey::new(by_id::<HtmlInputElement>("key").value());
    let secure = web_sys::window()
        .unwrap_throw()
        .location()
        .protocol()
        .is_ok_and(|p| p == "https:");
    Context::new(&base, auth, key, secure)
}

/// Starts a run: plans, records what is not sent, and sends the rest concurrently.
fn start_run(app: &Shared) {
    let ctx = read_form();
    let planned = plan(&ctx);
    let cancel = AbortController::new().unwrap_throw();
    let serial = {
        let mut a = app.borrow_mut();
        if let Some(old) = &a.run {
            old.cancel.abort();
        }
        a.serial += 1;
        let mut obs = Observations::new();
        for p in &planned {
            if let Err((id, why)) = p {
                obs.insert(*id, Observation::NotSent(*why));
            }
        }
        a.run = Some(Run {
            serial: a.serial,
            ctx: ctx.clone(),
            obs,
            cancel: cancel.clone(),
        });
        a.serial
    };
    render::reset();
    refresh(app);
    let base = ctx.target.as_ref().map(|t| t.base()).unwrap_or_default();
    for spec in planned.into_iter().flatten() {
        let (app, key, base, signal) =
            (app.clone(), ctx.key.clone(), base.clone(), cancel.signal());
        wasm_bindgen_futures::spawn_local(async move {
            let seen = fetch::execute(&spec, key.as_ref(), &base, Some(&signal)).await;
            record(&app, serial, spec.id, seen);
        });
    }
}

/// Stores one observation of the current run and re-renders.
fn record(app: &Shared, serial: u32, id: ProbeId, seen: Observation) {
    {
        let mut a = app.borrow_mut();
        match &mut a.run {
            Some(run) if run.serial == serial => {
                run.obs.insert(id, seen);
            }
            _ => return,
        }
    }
    refresh(app);
}

/// Re-diagnoses the current run and renders it.
fn refresh(app: &Shared) {
    let a = app.borrow();
    let Some(run) = &a.run else {
        render::idle(a.lang);
        return;
    };
    let d = diagnose(&run.ctx, &run.obs);
    render::diagnosis(&d, a.lang, run.ctx.key.is_some());
    let running = d.verdict == Verdict::Running;
    set_hidden("cancel", !running);
}
