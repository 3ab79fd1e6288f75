//! Links on the page: the config link in and out of the form, the key guard, notes about the link
//! opened, the shared-report banner and the share panel.

use wasm_bindgen::{JsValue, UnwrapThrowExt};
use web_sys::{Element, HtmlAnchorElement, HtmlElement, HtmlInputElement};

use super::dom::{append, attr, by_id, el, set_hidden};
use crate::core::export;
use crate::core::form;
use crate::core::i18n::{ui, Lang};
use crate::core::link::{self, Config, Note, GUARD_BLOCKED, GUARD_CONFIRM, GUARD_WARNING};
use crate::core::native_text;
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

/// Writes the link to copy.
pub fn update_link(config: &Config, lang: Lang) {
    input("config-link").set_value(&page_url(&link::write(config)));
    by_id::<HtmlElement>("copy-config").set_text_content(Some(tr("copy", lang)));
}

/// Shows the key guard while the form aims at `host`, the host a link chose.
pub fn update_guard(host: Option<&str>, lang: Lang) {
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

/// Says that the guard stopped the run for `host`, or hides what it said.
pub fn show_guard_block(host: Option<&str>, lang: Lang) {
    let alert = by_id::<HtmlElement>("form-alert");
    match host {
        Some(host) => {
            alert.set_text_content(Some(&link::guard_text(GUARD_BLOCKED, lang, host)));
            alert.set_hidden(false);
            let _ = input("key-confirm").focus();
        }
        None => alert.set_hidden(true),
    }
}

/// Shows the notes about the link the page was opened with, a report link that could not be read, a
/// language whose texts could not be downloaded, and a command line's report whose texts could not be.
pub fn notes(
    notes: &[Note],
    share_error: Option<ShareError>,
    (lang_unavailable, report_texts_missing): (bool, bool),
    lang: Lang,
) {
    let list = by_id::<HtmlElement>("notices");
    list.set_text_content(None);
    for (shown, kind, name) in [
        (lang_unavailable, "lang", "lang-unavailable"),
        (
            report_texts_missing,
            "report-texts",
            "report-texts-unavailable",
        ),
    ] {
        if shown {
            let p = el("p", "notice", Some(tr(name, lang)));
            attr(&p, "data-kind", kind);
            append(&list, &p);
        }
    }
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
    let who_line = match &r.native {
        Some(n) => tr("shared-who-native", lang)
            .replacen("{}", &native_text::clean(&n.host_kind), 1)
            .replacen("{}", &when, 1),
        None => tr("shared-who", lang)
            .replacen("{}", who, 1)
            .replacen("{}", &when, 1),
    };
    by_id::<HtmlElement>("shared-who").set_text_content(Some(&who_line));
    native_section(r, lang);
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
    let own = link::write(&form::own_run(&r.target));
    by_id::<HtmlAnchorElement>("shared-own").set_href(&page_url(&own));
}

/// Shows a native doctor's paths and runtimes under the banner, as text; hides them for a browser's report.
fn native_section(r: &Report, lang: Lang) {
    set_hidden("shared-native", r.native.is_none());
    set_hidden("shared-readonly", r.native.is_some());
    let paths = by_id::<Element>("shared-paths");
    let runtimes = by_id::<Element>("shared-runtimes");
    paths.set_text_content(None);
    runtimes.set_text_content(None);
    let Some(n) = &r.native else { return };
    for p in &n.paths {
        let (status, line) = native_text::path_line(p, lang);
        let item = el(
            "li",
            status.as_str(),
            Some(&format!("{} {line}", export::icon(status))),
        );
        append(&paths, &item);
    }
    for row in &n.runtimes {
        let l = native_text::runtime_line(row, lang);
        let item = el(
            "li",
            l.status.as_str(),
            Some(&format!("{} {}", export::icon(l.status), l.line)),
        );
        if let Some(issuer) = &l.issuer {
            append(
                &item,
                &el(
                    "span",
                    "fix",
                    Some(&format!("{}: {issuer}", native_text::ISSUER.get(lang))),
                ),
            );
        }
        if let Some(fix) = l.fix {
            append(
                &item,
                &el(
                    "span",
                    "fix",
                    Some(&format!("{}: {fix}", native_text::FIX.get(lang))),
                ),
            );
        }
        append(&runtimes, &item);
    }
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
