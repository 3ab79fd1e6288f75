//! The report for a terminal (verdict first, then the paths, the runtimes, and the findings by layer with
//! their facts and fixes), for Markdown, and the progress line. Colour only when asked for.

use api_doctor::core::diagnosis::{Diagnosis, Entry, State, Verdict};
use api_doctor::core::export;
use api_doctor::core::finding::Status;
use api_doctor::core::i18n::{t, ui, Lang, Text};
use api_doctor::core::native::RuntimeRow;
use api_doctor::core::native_text::{self, clean};
use api_doctor::core::report::Report;
use api_doctor::core::time::rfc3339;
use std::fmt::Write;

const FINDINGS: Text = t("Findings", "检测结果");
const HEALTHY: Text = t("Everything works from here", "从这里一切正常");
const CHECKING: Text = t("Checking", "正在检测");
const DECIDED: Text = t("checks decided", "项检测已完成");
const SKIPPED_BECAUSE: Text = t("skipped because this failed:", "已跳过，因为此项失败：");
const FROM: Text = t("from", "来自");
const NO_PATHS: Text = t("No path was tried.", "没有尝试任何路径。");

/// ANSI styles, or nothing.
struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn status(&self, status: Status) -> String {
        let icon = export::icon(status);
        match status {
            Status::Pass => self.paint("32", icon),
            Status::Warn => self.paint("33", icon),
            Status::Fail => self.paint("31;1", icon),
            Status::Info | Status::Skipped => self.paint("2", icon),
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// A UI string of the page's catalogue.
fn uis(name: &str, lang: Lang) -> &'static str {
    ui(name).map_or("", |t| t.get(lang))
}

/// The words before a report link.
pub fn link_label(lang: Lang) -> &'static str {
    t(
        "Report link (opens read-only in the page; holds no key):",
        "报告链接（在页面中以只读方式打开；不含密钥）：",
    )
    .get(lang)
}

/// The first line shown while the run starts, on stderr.
pub fn progress_start(lang: Lang, base: &str) -> String {
    let base: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    format!("{} {base} …", CHECKING.get(lang))
}

/// The progress line, rewritten in place on stderr.
pub fn progress(lang: Lang, d: &Diagnosis) -> String {
    let done = d
        .entries
        .iter()
        .filter(|e| e.state != State::Pending)
        .count();
    format!("\r\x1b[2K{done}/{} {}", d.entries.len(), DECIDED.get(lang))
}

/// The verdict's line and its cause.
fn verdict(out: &mut String, r: &Report, lang: Lang, st: &Style) {
    let (line, cause) = match &r.verdict {
        Verdict::Running => (uis("verdict-running", lang).to_string(), None),
        Verdict::Cancelled => (st.dim(uis("verdict-cancelled", lang)), None),
        Verdict::Healthy => (st.paint("32;1", HEALTHY.get(lang)), None),
        Verdict::Degraded { code, outcome } => (
            st.paint("33;1", uis("verdict-degraded", lang)),
            Some((code, outcome)),
        ),
        Verdict::Broken {
            layer,
            code,
            outcome,
        } => (
            st.paint(
                "31;1",
                &format!(
                    "{}: {}",
                    uis("verdict-broken", lang),
                    layer.label().get(lang)
                ),
            ),
            Some((code, outcome)),
        ),
    };
    let _ = writeln!(out, "{line}");
    if let Some((code, o)) = cause {
        let _ = writeln!(
            out,
            "  {} {}",
            st.bold(o.title.get(lang)),
            st.dim(&format!("({code})"))
        );
        let _ = writeln!(out, "  {}", o.detail.get(lang));
        if let Some(fix) = o.fix {
            let _ = writeln!(
                out,
                "  {}: {}",
                st.bold(native_text::FIX.get(lang)),
                fix.get(lang)
            );
        }
    }
}

/// One runtime's row, and its issuer and fix when it fails.
fn runtime_lines(out: &mut String, r: &RuntimeRow, lang: Lang, st: &Style) {
    let l = native_text::runtime_line(r, lang);
    let _ = writeln!(out, "  {} {}", st.status(l.status), l.line);
    if let Some(issuer) = &l.issuer {
        let _ = writeln!(out, "      {}: {issuer}", native_text::ISSUER.get(lang));
    }
    if let Some(fix) = l.fix {
        let _ = writeln!(out, "      {}: {fix}", st.bold(native_text::FIX.get(lang)));
    }
}

/// One finding with its facts, and its fix when it warns or fails.
fn entry_lines(out: &mut String, e: &Entry, lang: Lang, st: &Style) {
    let Some(status) = e.status() else { return };
    match &e.state {
        State::Done(f) => {
            let _ = writeln!(
                out,
                "  {} {} {}",
                st.status(status),
                f.outcome.title.get(lang),
                st.dim(&format!("({}/{})", e.check.code, f.outcome.id))
            );
            for fact in &f.facts {
                if matches!(fact, api_doctor::core::finding::Fact::Timeline(_)) {
                    continue;
                }
                let _ = writeln!(
                    out,
                    "      {}: {}",
                    st.dim(fact.label().get(lang)),
                    clean(&fact.value(lang))
                );
            }
            if matches!(status, Status::Warn | Status::Fail) || f.outcome.fix.is_some() {
                let _ = writeln!(out, "      {}", f.outcome.detail.get(lang));
                if let Some(fix) = f.outcome.fix {
                    let _ = writeln!(
                        out,
                        "      {}: {}",
                        st.bold(native_text::FIX.get(lang)),
                        fix.get(lang)
                    );
                }
                for s in f.outcome.snippets {
                    let _ = writeln!(
                        out,
                        "        [{}] {}",
                        s.tool,
                        s.code.replace('\n', "\n          ")
                    );
                }
            }
        }
        State::Skipped { because } => {
            let _ = writeln!(
                out,
                "  {} {} {} {because}",
                st.status(status),
                e.check.title.get(lang),
                SKIPPED_BECAUSE.get(lang)
            );
        }
        State::Pending => {}
    }
}

/// The report for a terminal.
pub fn terminal(r: &Report, lang: Lang, color: bool) -> String {
    let st = Style { on: color };
    let mut out = String::with_capacity(4096);
    let _ = writeln!(
        out,
        "{} {}  {}",
        st.bold("API Doctor"),
        clean(&r.target),
        st.dim(&format!(
            "({}, {}, {} ms)",
            clean(&r.browser),
            rfc3339(r.started_ms),
            r.took_ms
        ))
    );
    out.push('\n');
    verdict(&mut out, r, lang, &st);
    if let Some(n) = &r.native {
        let _ = writeln!(out, "\n{}", st.bold(native_text::PATHS.get(lang)));
        if n.paths.is_empty() {
            let _ = writeln!(out, "  {}", NO_PATHS.get(lang));
        }
        for p in &n.paths {
            let (status, line) = native_text::path_line(p, lang);
            let _ = writeln!(out, "  {} {line}", st.status(status));
        }
        let _ = writeln!(out, "\n{}", st.bold(native_text::RUNTIMES.get(lang)));
        for row in &n.runtimes {
            runtime_lines(&mut out, row, lang, &st);
        }
    }
    let _ = writeln!(out, "\n{}", st.bold(FINDINGS.get(lang)));
    let mut layer = None;
    for e in &r.entries {
        if layer != Some(e.check.layer) {
            layer = Some(e.check.layer);
            let _ = writeln!(out, " {}", st.bold(e.check.layer.label().get(lang)));
        }
        entry_lines(&mut out, e, lang, &st);
    }
    out
}

/// The report as Markdown: the page's Markdown, with the paths and runtimes after the verdict.
pub fn markdown(r: &Report, lang: Lang, link: Option<&str>) -> String {
    let base = export::markdown(r, lang, link);
    let Some(n) = &r.native else { return base };
    let mut extra = String::new();
    let _ = writeln!(extra, "## {}\n", native_text::PATHS.get(lang));
    let st = Style { on: false };
    for p in &n.paths {
        let (status, line) = native_text::path_line(p, lang);
        let _ = writeln!(
            extra,
            "- {} `{}`",
            export::icon(status),
            line.replace('`', "'")
        );
    }
    let _ = writeln!(extra, "\n## {}\n", native_text::RUNTIMES.get(lang));
    let mut rows = String::new();
    for row in &n.runtimes {
        runtime_lines(&mut rows, row, lang, &st);
    }
    for line in rows.lines() {
        let _ = writeln!(extra, "    {}", line.trim_end());
    }
    let _ = writeln!(extra, "\n_{} {}_\n", FROM.get(lang), clean(&n.host_kind));
    // After the verdict's block: before the first layer's heading.
    match base.find("\n## ") {
        Some(at) => format!("{}\n{extra}{}", &base[..at], &base[at..]),
        None => format!("{base}\n{extra}"),
    }
}
