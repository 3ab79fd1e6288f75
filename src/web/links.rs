//! Links on the page: the config link in and out of the form, the key guard, notes about the link
//! opened, the shared-report banner and the share panel.

use wasm_bindgen::{JsValue, UnwrapThrowExt};
use web_sys::{HtmlAnchorElement, HtmlElement, HtmlInputElement, HtmlSelectElement};

use super::dom::{append, attr, by_id, el, set_hidden};
use crate::core::i18n::{ui, Lang};
use crate::core::key::AuthMode;
use crate::core::link::{self, Config, Note, GUARD_BLOCKED, GUARD_CONFIRM, GUARD_WARNING};
use crate::core::probe::API_VERSION;
use crate::core::report::{browser_name, Report};
use crate::core::share::ShareError;
use crate::core::time::rfc3339;

/// A page string; the i18n tests check that every name used here has both languages.
fn tr(name: &str, lang: Lang) -> &'static str {
    ui(name).map_or("", |t| t.get(lang))
}

fn input(id: &str) -> HtmlInputElement {
    by_id::<HtmlInputElement>(id)
}

/// The page's address without its fragment, plus `#fragment` when there is one.
pub fn page_url(fragment: &str) -> String {
    let href = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let base = href.split('#').next().unwrap_or_default();
    if fragment.is_empty() {
        base.to_string()
    } else {
        format!("{base}#{fragment}")
    }
}

/// Replaces the address bar's fragment without a new history entry, so the old one is gone from history.
pub fn replace_fragment(fragment: &str) {
    let window = web_sys::window().unwrap_throw();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&page_url(fragment)));
    }
}

/// Fills the form from a config link.
pub fn apply(c: &Config) {
    if let Some(base) = &c.base {
        input("base").set_value(base);
    }
    if let Some(auth) = c.auth {
        by_id::<HtmlSelectElement>("auth").set_value(auth.as_str());
    }
    if let Some(model) = &c.model {
        input("model").set_value(model);
    }
    if let Some(version) = &c.version {
        input("version").set_value(version);
    }
    if let Some(secs) = c.watch {
        let select = by_id::<HtmlSelectElement>("watch");
        let value = secs.to_string();
        select.set_value(&value);
        if select.value() != value {
            // A duration the menu does not offer gets an option of its own.
            let option = el("option", "", Some(&format!("{secs} s")));
            attr(&option, "value", &value);
            append(&select, &option);
            select.set_value(&value);
        }
    }
    if let Some(list) = &c.checks {
        // The test message has its own box; the rest of the list goes to the field.
        let mut message = false;
        let rest: Vec<&str> = list
            .split(',')
            .map(str::trim)
            .filter(|i| {
                let m = i.eq_ignore_ascii_case("service.message");
                message |= m;
                !m && !i.is_empty()
            })
            .collect();
        input("message").set_checked(message);
        let rest = if rest.is_empty() && message {
            // The message alone (with what it depends on), not every check plus the message.
            "service.message".to_string()
        } else if rest.iter().all(|i| i.eq_ignore_ascii_case("all")) {
            String::new()
        } else {
            rest.join(",")
        };
        input("checks").set_value(&rest);
    }
}

/// The config link the form describes: only what differs from the defaults, and never the key.
fn from_form(lang: Lang, preferred: Lang) -> Config {
    let text = |id: &str| {
        let v = input(id).value();
        let v = v.trim();
        (!v.is_empty()).then(|| v.to_string())
    };
    let mut checks = text("checks");
    if input("message").checked() {
        checks = Some(match checks {
            None => "all,service.message".to_string(),
            Some(list) if list.contains("service.message") => list,
            Some(list) => format!("{list},service.message"),
        });
    }
    Config {
        base: text("base").filter(|b| b != link::DEFAULT_BASE),
        auth: AuthMode::parse(&by_id::<HtmlSelectElement>("auth").value())
            .filter(|a| *a == AuthMode::Bearer),
        model: text("model"),
        version: text("version").filter(|v| v != API_VERSION),
        lang: (lang != preferred).then_some(lang),
        run: input("link-run").checked(),
        watch: by_id::<HtmlSelectElement>("watch")
            .value()
            .parse()
            .ok()
            .filter(|s| *s > 0),
        checks,
    }
}

/// Writes the link to copy from the form as it is now.
pub fn update_link(lang: Lang, preferred: Lang) {
    input("config-link").set_value(&page_url(&link::write(&from_form(lang, preferred))));
    by_id::<HtmlElement>("copy-config").set_text_content(Some(tr("copy", lang)));
}

/// The guarded host, while the form still aims at it.
fn guarding(guarded: Option<&str>) -> Option<&str> {
    guarded.filter(|host| link::guarded_host(&input("base").value()).as_deref() == Some(*host))
}

/// Shows the key guard while the form aims at the host a link chose.
pub fn update_guard(guarded: Option<&str>, lang: Lang) {
    let host = guarding(guarded);
    set_hidden("key-guard", host.is_none());
    let key = input("key");
    let Some(host) = host else {
        let _ = key.remove_attribute("aria-describedby");
        attr(&key, "aria-describedby", "key-hint");
        return;
    };
    attr(&key, "aria-describedby", "key-hint key-guard-text");
    by_id::<HtmlElement>("key-guard-text").set_text_content(Some(&link::guard_text(
        GUARD_WARNING,
        lang,
        host,
    )));
    by_id::<HtmlElement>("key-confirm-label").set_text_content(Some(&link::guard_text(
        GUARD_CONFIRM,
        lang,
        host,
    )));
}

/// Whether the guard stops a run: a key is typed for the guarded host and not confirmed. Says so.
pub fn guard_blocks(guarded: Option<&str>, lang: Lang) -> bool {
    let alert = by_id::<HtmlElement>("form-alert");
    let blocked = guarding(guarded)
        .filter(|_| !input("key").value().trim().is_empty() && !input("key-confirm").checked());
    match blocked {
        Some(host) => {
            alert.set_text_content(Some(&link::guard_text(GUARD_BLOCKED, lang, host)));
            alert.set_hidden(false);
            let _ = input("key-confirm").focus();
            true
        }
        None => {
            alert.set_hidden(true);
            false
        }
    }
}

/// Shows the notes about the link the page was opened with, and a report link that could not be read.
pub fn notes(notes: &[Note], share_error: Option<ShareError>, lang: Lang) {
    let list = by_id::<HtmlElement>("notices");
    list.set_text_content(None);
    if let Some(e) = share_error {
        let p = el("p", "notice", None);
        attr(&p, "data-kind", "report");
        append(&p, &el("strong", "", Some(tr("report-unreadable", lang))));
        append(&p, &el("span", "", Some(&format!(" {}", e.message(lang)))));
        append(&list, &p);
    }
    for note in notes {
        let p = el("p", "notice", Some(&note.message(lang)));
        attr(&p, "data-kind", note.kind());
        append(&list, &p);
    }
}

/// Fills the shared report's banner: whose browser, when, against what, and the key's fingerprint.
pub fn banner(r: &Report, lang: Lang) {
    let when = js_sys::Date::new(&JsValue::from_f64(r.started_ms))
        .to_locale_string(
            if lang == Lang::Zh { "zh-CN" } else { "en" },
            &JsValue::UNDEFINED,
        )
        .as_string()
        .unwrap_or_default();
    let who = browser_name(&r.browser);
    let who = if who.is_empty() { "?" } else { who.as_str() };
    by_id::<HtmlElement>("shared-who").set_text_content(Some(
        &tr("shared-who", lang)
            .replacen("{}", who, 1)
            .replacen("{}", &when, 1),
    ));
    let meta = by_id::<HtmlElement>("shared-meta");
    meta.set_text_content(None);
    let key = match &r.key {
        Some(k) => tr("shared-key-print", lang)
            .replacen("{}", k.kind, 1)
            .replacen("{}", &k.length.to_string(), 1)
            .replacen("{}", &k.hash_hex(), 1),
        None => tr("shared-nokey", lang).to_string(),
    };
    for (name, value) in [
        (tr("shared-target", lang), r.target.clone()),
        (tr("shared-time", lang), rfc3339(r.started_ms)),
        (tr("shared-browser", lang), r.browser.clone()),
        (
            tr("shared-took", lang),
            format!("{}.{} s", r.took_ms / 1000, r.took_ms % 1000 / 100),
        ),
        (tr("shared-key", lang), key),
    ] {
        append(&meta, &el("dt", "", Some(name)));
        append(&meta, &el("dd", "", Some(&value)));
    }
    // Running the checks here starts from the same target, through a config link.
    let own = link::write(&Config {
        base: Some(r.target.clone()).filter(|b| b != link::DEFAULT_BASE),
        ..Config::default()
    });
    by_id::<HtmlAnchorElement>("shared-own").set_href(&page_url(&own));
}

/// Shows the share panel with the report link, once there is one.
pub fn share_panel(link: Option<&str>) {
    input("report-link").set_value(link.unwrap_or_default());
    set_hidden("report-link-row", link.is_none());
    by_id::<HtmlElement>("share-status").set_text_content(None);
    set_hidden("share", false);
}

/// Says whether a share action worked.
pub fn share_status(what: &str, ok: bool, lang: Lang) {
    let text = match (what, ok) {
        (_, false) => tr("copy-refused", lang),
        ("link", true) => tr("copied-link", lang),
        ("markdown", true) => tr("copied-markdown", lang),
        _ => tr("saved-json", lang),
    };
    by_id::<HtmlElement>("share-status").set_text_content(Some(text));
}

/// Marks the config link's Copy button as done, until the form changes.
pub fn copied(button: &str, ok: bool, lang: Lang) {
    let text = if ok {
        tr("copied", lang)
    } else {
        tr("copy-refused", lang)
    };
    by_id::<HtmlElement>(button).set_text_content(Some(text));
}
