//! Renders the diagnosis into the page, as text only: layer groups, one item per check, and the verdict.

use wasm_bindgen::UnwrapThrowExt;
use web_sys::{Element, HtmlElement};

use super::dom::{append, attr, by_id, document, el};
use crate::core::diagnosis::{Diagnosis, Entry, State, Verdict};
use crate::core::export;
use crate::core::finding::{Fact, Finding, Layer, Outcome, Point, SampleKind, Status};
use crate::core::i18n::{ui, Lang, Text};

/// A page string; a missing name is a bug caught by the native tests of the catalogue.
fn tr(name: &str, lang: Lang) -> &'static str {
    ui(name).map_or("", |t: Text| t.get(lang))
}

/// The icon beside a status word, the same as in the Markdown export; `…` while pending.
fn icon(status: Option<Status>) -> &'static str {
    status.map_or("…", export::icon)
}

/// Puts the static copy of the page into `lang`.
pub fn static_copy(lang: Lang) {
    let doc = document();
    attr(&doc.document_element().unwrap_throw(), "lang", lang.tag());
    let nodes = doc.query_selector_all("[data-i18n]").unwrap_throw();
    for i in 0..nodes.length() {
        let Some(node) = nodes.item(i) else { continue };
        let Ok(e) = wasm_bindgen::JsCast::dyn_into::<Element>(node) else {
            continue;
        };
        if let Some(text) = e.get_attribute("data-i18n").and_then(|n| ui(&n)) {
            e.set_text_content(Some(text.get(lang)));
        }
    }
    // The switcher names the other language in that language.
    let switch = by_id::<HtmlElement>("lang");
    attr(
        &switch,
        "lang",
        if lang == Lang::En { "zh-Hans" } else { "en" },
    );
}

/// Shows the idle state.
pub fn idle(lang: Lang) {
    let verdict = by_id::<HtmlElement>("verdict");
    clear(&verdict);
    for name in ["data-layer", "data-code", "data-outcome"] {
        let _ = verdict.remove_attribute(name);
    }
    attr(&verdict, "data-state", "idle");
    append(&verdict, &el("p", "", Some(tr("idle", lang))));
}

fn clear(e: &Element) {
    e.set_text_content(None);
}

/// Renders the diagnosis: verdict on top, then the checks grouped by layer. Items whose content did not
/// change are left in place, so that a snippet someone opened stays open while other probes land.
pub fn diagnosis(d: &Diagnosis, lang: Lang, has_key: bool) {
    verdict(d, lang, has_key);
    let list = by_id::<HtmlElement>("findings");
    if list.get_attribute("data-lang").as_deref() == Some(lang.tag()) && list.has_child_nodes() {
        for entry in &d.entries {
            let selector = format!("li[data-code=\"{}\"]", entry.check.code);
            let Ok(Some(old)) = list.query_selector(&selector) else {
                continue;
            };
            if old.get_attribute("data-sig") != Some(signature(entry, lang)) {
                old.replace_with_with_node_1(&item(entry, lang))
                    .unwrap_throw();
            }
        }
        return;
    }
    clear(&list);
    attr(&list, "data-lang", lang.tag());
    let mut layer: Option<Layer> = None;
    let mut group: Option<Element> = None;
    for entry in &d.entries {
        if layer != Some(entry.check.layer) {
            layer = Some(entry.check.layer);
            let section = el("section", "layer", None);
            attr(&section, "data-layer", entry.check.layer.as_str());
            append(
                &section,
                &el("h3", "", Some(entry.check.layer.label().get(lang))),
            );
            let ul = el("ul", "checks", None);
            append(&section, &ul);
            append(&list, &section);
            group = Some(ul);
        }
        append(group.as_ref().unwrap_throw(), &item(entry, lang));
    }
}

/// What an item shows in `lang`, in one string: equal signatures render the same.
fn signature(entry: &Entry, lang: Lang) -> String {
    match &entry.state {
        State::Pending => "pending".to_string(),
        State::Skipped { because } => format!("skipped:{because}"),
        State::Done(f) => {
            let facts: Vec<String> = f.facts.iter().map(|fact| fact.value(lang)).collect();
            format!("{}:{}", f.outcome.id, facts.join("\u{1f}"))
        }
    }
}

/// Empties the findings, for a new run.
pub fn reset() {
    let list = by_id::<HtmlElement>("findings");
    clear(&list);
    let _ = list.remove_attribute("data-lang");
}

/// One check as a list item.
fn item(entry: &Entry, lang: Lang) -> Element {
    let status = entry.status();
    let li = el("li", "finding", None);
    attr(&li, "data-code", entry.check.code);
    attr(&li, "data-sig", &signature(entry, lang));
    attr(&li, "data-status", status.map_or("pending", Status::as_str));
    let head = el("div", "finding-head", None);
    let mark = el("span", "mark", Some(icon(status)));
    attr(&mark, "aria-hidden", "true");
    append(&head, &mark);
    let word = status.map_or(tr("pending", lang), |s| s.label().get(lang));
    append(&head, &el("span", "status-word", Some(word)));
    append(
        &head,
        &el("span", "check-title", Some(entry.check.title.get(lang))),
    );
    append(&head, &el("code", "check-code", Some(entry.check.code)));
    append(&li, &head);
    match &entry.state {
        State::Pending => {}
        State::Skipped { because } => {
            attr(&li, "data-outcome", "skipped");
            let text = tr("skipped-because", lang).replace("{}", because);
            append(&li, &el("p", "detail", Some(&text)));
        }
        State::Done(finding) => {
            attr(&li, "data-outcome", finding.outcome.id);
            outcome_body(&li, finding, lang);
        }
    }
    li
}

/// Title, detail, facts and fix of a finding.
fn outcome_body(parent: &Element, finding: &Finding, lang: Lang) {
    let o = finding.outcome;
    append(parent, &el("p", "outcome-title", Some(o.title.get(lang))));
    append(parent, &el("p", "detail", Some(o.detail.get(lang))));
    if !finding.facts.is_empty() {
        let dl = el("dl", "facts", None);
        for fact in &finding.facts {
            // The fact's stable slot lets tests and tools read it without depending on its wording.
            let slot = fact.slot();
            let dt = el("dt", "", Some(fact.label().get(lang)));
            let _ = dt.set_attribute("data-fact", &slot);
            append(&dl, &dt);
            let dd = el("dd", "", Some(&fact.value(lang)));
            let _ = dd.set_attribute("data-fact", &slot);
            if let Fact::Timeline(points) = fact {
                append(&dd, &timeline(points, lang));
            }
            append(&dl, &dd);
        }
        append(parent, &dl);
    }
    fix(parent, o, lang);
}

/// The fix and its snippets, when the outcome has one.
fn fix(parent: &Element, o: &Outcome, lang: Lang) {
    let Some(text) = o.fix else { return };
    let block = el("div", "fix", None);
    append(&block, &el("h4", "", Some(tr("fix", lang))));
    append(&block, &el("p", "", Some(text.get(lang))));
    for snippet in o.snippets {
        let details = el("details", "snippet", None);
        append(&details, &el("summary", "", Some(snippet.tool)));
        let pre = el("pre", "", None);
        append(&pre, &el("code", "", Some(snippet.code)));
        append(&details, &pre);
        append(&block, &details);
    }
    append(parent, &block);
}

/// Says `text` through the live region, once: screen readers hear the run start and its verdict, not
/// every finding as it lands.
fn announce(text: &str) {
    let region = by_id::<HtmlElement>("progress");
    if region.text_content().as_deref() != Some(text) {
        region.set_text_content(Some(text));
    }
}

/// The verdict box: state, root layer and cause as data attributes for tests, words for people.
fn verdict(d: &Diagnosis, lang: Lang, has_key: bool) {
    let v = by_id::<HtmlElement>("verdict");
    clear(&v);
    attr(&v, "data-state", d.verdict.state());
    for name in ["data-layer", "data-code", "data-outcome"] {
        let _ = v.remove_attribute(name);
    }
    let headline = |mark: &str, text: &str| {
        let p = el("p", "verdict-headline", None);
        let m = el("span", "mark", Some(mark));
        attr(&m, "aria-hidden", "true");
        append(&p, &m);
        append(&p, &el("span", "", Some(text)));
        p
    };
    match &d.verdict {
        Verdict::Running => {
            let done = d
                .entries
                .iter()
                .filter(|e| e.state != State::Pending)
                .count();
            let progress = tr("progress", lang)
                .replacen("{}", &done.to_string(), 1)
                .replacen("{}", &d.entries.len().to_string(), 1);
            append(&v, &headline("…", tr("verdict-running", lang)));
            append(&v, &el("p", "verdict-detail", Some(&progress)));
            announce(&format!("{} {progress}", tr("verdict-running", lang)));
        }
        Verdict::Cancelled => {
            append(&v, &headline("–", tr("verdict-cancelled", lang)));
            announce(tr("verdict-cancelled", lang));
        }
        Verdict::Healthy => {
            append(&v, &headline("✓", tr("verdict-healthy", lang)));
            announce(tr("verdict-healthy", lang));
            if !has_key {
                append(
                    &v,
                    &el(
                        "p",
                        "verdict-detail",
                        Some(tr("verdict-healthy-nokey", lang)),
                    ),
                );
            }
        }
        Verdict::Degraded { code, outcome } => {
            attr(&v, "data-layer", outcome.layer.as_str());
            attr(&v, "data-code", code);
            attr(&v, "data-outcome", outcome.id);
            append(&v, &headline("!", tr("verdict-degraded", lang)));
            announce(&format!(
                "{}: {}",
                tr("verdict-degraded", lang),
                outcome.title.get(lang)
            ));
            their_side(&v, d, lang);
            cause(&v, outcome, lang);
        }
        Verdict::Broken {
            layer,
            code,
            outcome,
        } => {
            attr(&v, "data-layer", layer.as_str());
            attr(&v, "data-code", code);
            attr(&v, "data-outcome", outcome.id);
            let text = format!(
                "{}: {}",
                tr("verdict-broken", lang),
                layer.label().get(lang)
            );
            append(&v, &headline("✕", &text));
            announce(&format!("{text}. {}", outcome.title.get(lang)));
            their_side(&v, d, lang);
            cause(&v, outcome, lang);
        }
    }
}

const SVG: &str = "http://www.w3.org/2000/svg";
/// The timeline's drawing area, in SVG units; it scales to the page's width.
const TL_WIDTH: f64 = 600.0;
const TL_HEIGHT: f64 = 90.0;

/// An SVG element with attributes.
fn svg(tag: &str, attrs: &[(&str, String)]) -> Element {
    let e = document().create_element_ns(Some(SVG), tag).unwrap_throw();
    for (name, value) in attrs {
        attr(&e, name, value);
    }
    e
}

/// A number for an SVG attribute, to a tenth of a unit, without float formatting.
fn num(x: f64) -> String {
    let tenths = (x * 10.0).round() as i64;
    format!("{}.{}", tenths / 10, (tenths % 10).abs())
}

/// The watch timeline: one mark per probe, left to right in time. Answers are bars as tall as the round
/// trip took (on a square-root scale, so that one slow probe does not flatten the rest); failures are
/// crosses along the top, so shape and not only colour tells them apart. A caption and the facts beside it
/// carry the same content as text.
fn timeline(points: &[Point], lang: Lang) -> Element {
    let figure = el("figure", "timeline", None);
    let span = points
        .iter()
        .map(|p| p.at_ms + p.elapsed_ms)
        .fold(1_000.0, f64::max);
    let slowest = points.iter().map(|p| p.elapsed_ms).fold(1.0, f64::max);
    let plot = svg(
        "svg",
        &[
            (
                "viewBox",
                format!("0 0 {} {}", num(TL_WIDTH), num(TL_HEIGHT + 16.0)),
            ),
            ("role", "img".into()),
            ("class", "timeline-plot".into()),
        ],
    );
    let ok = points.iter().filter(|p| p.kind == SampleKind::Ok).count();
    attr(
        &plot,
        "aria-label",
        &format!("{} {} / {}", tr("timeline-caption", lang), ok, points.len()),
    );
    append(
        &plot,
        &svg(
            "line",
            &[
                ("x1", "0".into()),
                ("y1", num(TL_HEIGHT)),
                ("x2", num(TL_WIDTH)),
                ("y2", num(TL_HEIGHT)),
                ("class", "axis".into()),
            ],
        ),
    );
    for p in points {
        // Marks stay inside the drawing: a cross reaches 4 units either side of its x.
        let x = (p.at_ms / span * (TL_WIDTH - 12.0) + 6.0).clamp(6.0, TL_WIDTH - 6.0);
        let mark = if p.kind == SampleKind::Ok {
            let h = ((p.elapsed_ms.max(0.0) / slowest).sqrt() * (TL_HEIGHT - 14.0)).max(2.0);
            svg(
                "rect",
                &[
                    ("x", num(x - 1.5)),
                    ("y", num(TL_HEIGHT - h)),
                    ("width", "3".into()),
                    ("height", num(h)),
                    ("class", "mark-ok".into()),
                ],
            )
        } else {
            let d = format!(
                "M{} 2L{} 10M{} 2L{} 10",
                num(x - 4.0),
                num(x + 4.0),
                num(x + 4.0),
                num(x - 4.0)
            );
            svg(
                "path",
                &[
                    ("d", d),
                    ("class", format!("mark-fail {}", p.kind.as_str())),
                ],
            )
        };
        let title = svg("title", &[]);
        title.set_text_content(Some(&format!(
            "{} · {} ms · {}",
            crate::core::finding::signed_seconds((p.at_ms / 1000.0) as i64),
            p.elapsed_ms.round() as u64,
            p.kind.label().get(lang)
        )));
        append(&mark, &title);
        append(&plot, &mark);
    }
    for (x, anchor, secs) in [(0.0, "start", 0.0), (TL_WIDTH, "end", span / 1000.0)] {
        let label = svg(
            "text",
            &[
                ("x", num(x)),
                ("y", num(TL_HEIGHT + 13.0)),
                ("text-anchor", anchor.into()),
                ("class", "axis-label".into()),
            ],
        );
        label.set_text_content(Some(&format!("{} s", secs.round() as u64)));
        append(&plot, &label);
    }
    append(&figure, &plot);
    append(
        &figure,
        &el("figcaption", "", Some(tr("timeline-caption", lang))),
    );
    figure
}

/// The line that says the status page reports trouble, when the diagnosis fused it into the verdict.
fn their_side(parent: &Element, d: &Diagnosis, lang: Lang) {
    if d.their_side {
        let p = el("p", "their-side", Some(tr("their-side", lang)));
        attr(&p, "data-their-side", "");
        append(parent, &p);
    }
}

/// The root cause under the headline, with its fix.
fn cause(parent: &Element, o: &Outcome, lang: Lang) {
    append(parent, &el("p", "verdict-cause", Some(o.title.get(lang))));
    append(parent, &el("p", "verdict-detail", Some(o.detail.get(lang))));
    fix(parent, o, lang);
}
