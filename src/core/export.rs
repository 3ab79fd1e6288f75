//! Report exports: Markdown in the reader's language for tickets, and language-neutral JSON for tools.

use super::diagnosis::{Entry, State, Verdict};
use super::finding::{Fact, Method, Status};
use super::i18n::{t, ui, Lang, Text};
use super::native::{FileState, Prediction, Route};
use super::net::{NetError, TrustSource};
use super::report::NativeSection;
use super::report::Report;
use super::time::rfc3339;

/// The version of the JSON's shape: raised whenever a field changes meaning or goes away.
pub const JSON_SCHEMA: u32 = 1;

const HEADING: Text = t!("API Doctor report", "API Doctor 检测报告");
const TARGET: Text = t!("Target", "检测目标");
const TIME: Text = t!("Time", "时间");
const BROWSER: Text = t!("Browser", "浏览器");
const TOOK: Text = t!("The run took", "检测用时");
const KEY: Text = t!("Key", "密钥");
const CHARACTERS: Text = t!("characters", "个字符");
const COMPARE: Text = t!("compare with", "可用此命令比对");
/// Between a label and its value.
const COLON: Text = t!(": ", "：");

/// The command that prints the same short hash of a key as [`super::report::KeyPrint::hash_hex`].
const HASH_COMMAND: &str = "printf %s \"$ANTHROPIC_API_KEY\" | sha256sum | cut -c1-8";

/// A page string, so that the export says what the page says; a missing name is caught by a test.
fn tr(name: &str, lang: Lang) -> &'static str {
    ui(name).map_or("", |text| text.get(lang))
}

/// The icon beside a status word, as the page shows it; the word carries the meaning.
pub fn icon(status: Status) -> &'static str {
    match status {
        Status::Pass => "✓",
        Status::Warn => "!",
        Status::Fail => "✕",
        Status::Info => "i",
        Status::Skipped => "–",
    }
}

/// The report as Markdown in `lang`: verdict, run metadata, then each layer's checks with facts and fixes,
/// in the page's order. `link` is the report link, when there is one.
///
/// Our own texts are escaped lightly; everything a server, a link or a shared report controls (target,
/// browser, fact values) goes into inline code spans, where Markdown makes neither links nor HTML.
pub fn markdown(report: &Report, lang: Lang, link: Option<&str>) -> String {
    let mut md = String::with_capacity(4096);
    md.push_str("# ");
    md.push_str(HEADING.get(lang));
    md.push_str("\n\n**");
    let cause = match &report.verdict {
        Verdict::Running => {
            md.push_str("… ");
            md.push_str(tr("verdict-running", lang));
            None
        }
        Verdict::Cancelled => {
            md.push_str("– ");
            md.push_str(tr("verdict-cancelled", lang));
            None
        }
        Verdict::Healthy => {
            md.push_str("✓ ");
            md.push_str(tr("verdict-healthy", lang));
            None
        }
        Verdict::Degraded { outcome, .. } => {
            md.push_str("! ");
            md.push_str(tr("verdict-degraded", lang));
            Some(outcome)
        }
        Verdict::Broken { layer, outcome, .. } => {
            md.push_str("✕ ");
            md.push_str(tr("verdict-broken", lang));
            md.push_str(COLON.get(lang));
            prose(&mut md, layer.label().get(lang));
            Some(outcome)
        }
    };
    md.push_str("**");
    if let Some(outcome) = cause {
        md.push_str(" — ");
        prose(&mut md, outcome.title.get(lang));
    }
    md.push_str("\n\n");
    if report.verdict == Verdict::Healthy && report.key.is_none() {
        paragraph(&mut md, "", tr("verdict-healthy-nokey", lang));
    }
    if report.their_side {
        paragraph(&mut md, "", tr("their-side", lang));
    }

    label(&mut md, "- ", TARGET, lang);
    code(&mut md, &report.target);
    label(&mut md, "\n- ", TIME, lang);
    md.push_str(&rfc3339(report.started_ms));
    label(&mut md, "\n- ", BROWSER, lang);
    code(&mut md, &report.browser);
    label(&mut md, "\n- ", TOOK, lang);
    md.push_str(&report.took_ms.to_string());
    md.push_str(" ms");
    if let Some(key) = &report.key {
        label(&mut md, "\n- ", KEY, lang);
        md.push_str(key.kind);
        md.push_str(", ");
        md.push_str(&key.length.to_string());
        md.push(' ');
        md.push_str(CHARACTERS.get(lang));
        md.push_str(", `sha256 ");
        md.push_str(&key.hash_hex());
        md.push_str("` (");
        md.push_str(COMPARE.get(lang));
        md.push_str(" `");
        md.push_str(HASH_COMMAND);
        md.push_str("`)");
    }
    if let Some(link) = link {
        md.push_str("\n- ");
        md.push_str(tr("report-link-label", lang));
        md.push_str(COLON.get(lang));
        url(&mut md, link);
    }
    md.push('\n');

    let mut layer = None;
    for entry in &report.entries {
        if entry.state == State::Pending {
            continue;
        }
        if layer != Some(entry.check.layer) {
            layer = Some(entry.check.layer);
            // Items end with a blank line already; the metadata list does not.
            if !md.ends_with("\n\n") {
                md.push('\n');
            }
            md.push_str("## ");
            prose(&mut md, entry.check.layer.label().get(lang));
            md.push_str("\n\n");
        }
        entry_markdown(&mut md, entry, lang);
    }
    md
}

/// One check as a list item: status, check, outcome, detail, facts, fix and snippets.
fn entry_markdown(md: &mut String, entry: &Entry, lang: Lang) {
    let Some(status) = entry.status() else { return };
    md.push_str("- ");
    md.push_str(icon(status));
    md.push_str(" **");
    md.push_str(status.label().get(lang));
    md.push_str("** · ");
    prose(md, entry.check.title.get(lang));
    md.push_str(" (`");
    md.push_str(entry.check.code);
    md.push_str("`) — ");
    match &entry.state {
        State::Pending => {}
        State::Skipped { because } => {
            let (before, after) = tr("skipped-because", lang)
                .split_once("{}")
                .unwrap_or_default();
            prose(md, before);
            md.push('`');
            md.push_str(because);
            md.push('`');
            prose(md, after);
            md.push_str("\n\n");
        }
        State::Done(finding) => {
            let o = finding.outcome;
            prose(md, o.title.get(lang));
            md.push_str("\n\n");
            paragraph(md, "  ", o.detail.get(lang));
            for fact in &finding.facts {
                md.push_str("  - ");
                prose(md, fact.label().get(lang));
                md.push_str(COLON.get(lang));
                code(md, &fact.value(lang));
                md.push('\n');
            }
            if !finding.facts.is_empty() {
                md.push('\n');
            }
            if let Some(fix) = o.fix {
                md.push_str("  **");
                md.push_str(tr("fix", lang));
                md.push_str("**");
                md.push_str(COLON.get(lang));
                prose(md, fix.get(lang));
                md.push_str("\n\n");
            }
            for snippet in o.snippets {
                md.push_str("  ");
                md.push_str(snippet.tool);
                md.push_str(":\n\n");
                fenced(md, snippet.tool, snippet.code);
            }
        }
    }
}

/// `prefix`, a label in `lang` and the colon after it.
fn label(md: &mut String, prefix: &str, text: Text, lang: Lang) {
    md.push_str(prefix);
    md.push_str(text.get(lang));
    md.push_str(COLON.get(lang));
}

/// One paragraph of our own prose, indented by `indent`.
fn paragraph(md: &mut String, indent: &str, text: &str) {
    md.push_str(indent);
    prose(md, text);
    md.push_str("\n\n");
}

/// Our own prose, with the characters that could start emphasis, code, links or HTML escaped. An
/// underscore inside a word (`max_tokens`) cannot start emphasis, so it stays as it is, readable raw.
fn prose(md: &mut String, text: &str) {
    // Any non-ASCII character counts as part of a word: Unicode's letter tables would cost kilobytes of
    // wasm, and our texts put no underscore beside non-ASCII punctuation.
    let wordy = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || !c.is_ascii());
    let mut prev = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let inside_word = wordy(prev.as_ref()) && wordy(chars.peek());
        if matches!(c, '\\' | '`' | '*' | '<' | '>' | '[' | ']') || (c == '_' && !inside_word) {
            md.push('\\');
        }
        md.push(c);
        prev = Some(c);
    }
}

/// Text that someone else controls, as an inline code span: inside one, Markdown makes no emphasis, links
/// or HTML. The fence is one backtick longer than the longest run inside, so nothing inside can close it,
/// and control characters become their visible pictures (`␊`), since a line break would end the list
/// item and let the rest be read as Markdown.
fn code(md: &mut String, text: &str) {
    let ticks = longest_run(text) + 1;
    // CommonMark strips one space from each side when both are there; a backtick at either end would
    // join the fence. Padding both sides covers both cases, and an empty span. The pictures below are
    // never spaces or backticks, so the original's ends decide.
    let end = |b: Option<u8>| matches!(b, Some(b' ' | b'`'));
    let pad = text.is_empty() || end(text.bytes().next()) || end(text.bytes().last());
    fence(md, ticks);
    if pad {
        md.push(' ');
    }
    for c in text.chars() {
        md.push(match c {
            '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('�'),
            '\u{7f}' => '␡',
            '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' => '�',
            c => c,
        });
    }
    if pad {
        md.push(' ');
    }
    fence(md, ticks);
}

/// The report link: an autolink when it is a plain web address, else a code span, so that a hostile
/// shared report cannot plant a `javascript:` link.
fn url(md: &mut String, link: &str) {
    let web = link.starts_with("https://") || link.starts_with("http://");
    if web
        && link
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
    {
        md.push('<');
        md.push_str(link);
        md.push('>');
    } else {
        code(md, link);
    }
}

/// A snippet as a fenced code block inside a list item, with the tool's language for highlighting.
fn fenced(md: &mut String, tool: &str, code: &str) {
    let ticks = longest_run(code).max(2) + 1;
    md.push_str("  ");
    fence(md, ticks);
    md.push_str(match tool {
        "Python" => "python",
        "TypeScript" => "typescript",
        _ => "sh",
    });
    for line in code.lines() {
        md.push_str("\n  ");
        md.push_str(line);
    }
    md.push_str("\n  ");
    fence(md, ticks);
    md.push_str("\n\n");
}

/// `n` backticks.
fn fence(md: &mut String, n: usize) {
    for _ in 0..n {
        md.push('`');
    }
}

/// The length of the longest run of backticks in `text`.
fn longest_run(text: &str) -> usize {
    let (mut run, mut longest) = (0, 0);
    for b in text.bytes() {
        run = if b == b'`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// The report as JSON with stable machine names, in no language:
/// `{"schema","tool","target","started","started_ms","took_ms","browser","key","verdict","their_side",
/// "findings":[{"code","layer","status","outcome","skipped_because"?,"facts":[{"name","value"}]}]}`.
pub fn json(report: &Report) -> String {
    let mut w = Json::default();
    w.open('{');
    w.key("schema");
    w.int(i64::from(JSON_SCHEMA));
    w.key("tool");
    w.str("api-doctor");
    w.key("target");
    w.str(&report.target);
    w.key("started");
    w.str(&rfc3339(report.started_ms));
    w.key("started_ms");
    w.ms(report.started_ms);
    w.key("took_ms");
    w.int(i64::from(report.took_ms));
    w.key("browser");
    w.str(&report.browser);
    w.key("key");
    match &report.key {
        None => w.raw("null"),
        Some(key) => {
            w.open('{');
            w.key("kind");
            w.str(key.kind);
            w.key("length");
            w.count(key.length);
            w.key("sha256_prefix");
            w.str(&key.hash_hex());
            w.close('}');
        }
    }
    w.key("verdict");
    w.open('{');
    w.key("state");
    w.str(report.verdict.state());
    if let Verdict::Broken { code, outcome, .. } | Verdict::Degraded { code, outcome } =
        &report.verdict
    {
        w.key("layer");
        w.str(outcome.layer.as_str());
        w.key("code");
        w.str(code);
        w.key("outcome");
        w.str(outcome.id);
    }
    w.close('}');
    w.key("their_side");
    w.raw(if report.their_side { "true" } else { "false" });
    w.key("findings");
    w.open('[');
    for entry in &report.entries {
        let Some(status) = entry.status() else {
            continue;
        };
        w.open('{');
        w.key("code");
        w.str(entry.check.code);
        w.key("layer");
        w.str(entry.check.layer.as_str());
        w.key("status");
        w.str(status.as_str());
        w.key("outcome");
        let facts: &[Fact] = match &entry.state {
            State::Done(finding) => {
                w.str(finding.outcome.id);
                &finding.facts
            }
            // The page marks a skipped item's outcome "skipped" too.
            State::Skipped { because } => {
                w.str("skipped");
                w.key("skipped_because");
                w.str(because);
                &[]
            }
            // Never reached: a pending entry has no status. Written anyway, so the JSON stays whole.
            State::Pending => {
                w.str("pending");
                &[]
            }
        };
        w.key("facts");
        w.open('[');
        for fact in facts {
            w.open('{');
            w.key("name");
            w.str(fact.key());
            w.key("value");
            fact_json(&mut w, fact);
            w.close('}');
        }
        w.close(']');
        w.close('}');
    }
    w.close(']');
    if let Some(native) = &report.native {
        w.key("native");
        native_json(&mut w, native);
    }
    w.close('}');
    w.out
}

/// The native section: where it ran, each path and how far it got, each runtime's route and prediction.
fn native_json(w: &mut Json, n: &NativeSection) {
    w.open('{');
    w.key("host");
    w.str(&n.host_kind);
    w.key("paths");
    w.open('[');
    for p in &n.paths {
        w.open('{');
        w.key("route");
        w.str(p.route);
        w.key("via");
        w.str(&p.via);
        w.key("family");
        w.int(i64::from(p.family));
        let seen = p.seen.as_ref();
        w.key("works");
        w.raw(if seen.is_some_and(|s| s.works()) {
            "true"
        } else {
            "false"
        });
        w.key("connect_ms");
        opt_ms(w, seen.and_then(|s| s.connect_ms));
        w.key("proxy_status");
        opt_int(w, seen.and_then(|s| s.proxy_status).map(i64::from));
        w.key("tls");
        match seen.and_then(|s| s.tls.as_ref()) {
            None => w.raw("null"),
            Some(tls) => {
                w.open('{');
                w.key("version");
                w.str(&tls.version);
                w.key("alpn");
                w.str(&tls.alpn);
                w.key("cipher");
                w.str(&tls.cipher);
                w.key("ms");
                w.ms(tls.elapsed_ms);
                w.key("issuer");
                w.str(tls.anchor().unwrap_or_default());
                w.key("subject");
                w.str(tls.chain.first().map_or("", |c| c.subject.as_str()));
                w.key("trust");
                w.open('[');
                for (source, result) in &tls.trust {
                    w.open('{');
                    w.key("source");
                    w.str(match source {
                        TrustSource::Mozilla => "mozilla",
                        TrustSource::System => "system",
                        TrustSource::File(_) => "file",
                    });
                    if let TrustSource::File(i) = source {
                        w.key("file");
                        w.int(i64::from(*i));
                    }
                    w.key("result");
                    w.str(result.as_str());
                    w.close('}');
                }
                w.close(']');
                w.close('}');
            }
        }
        w.key("http_status");
        opt_int(w, seen.and_then(|s| s.http_status).map(i64::from));
        w.key("ttfb_ms");
        opt_ms(w, seen.and_then(|s| s.ttfb_ms));
        w.key("failure");
        match seen.and_then(|s| s.failure) {
            None => w.raw("null"),
            Some(f) => {
                w.open('{');
                w.key("stage");
                w.str(f.stage.as_str());
                w.key("error");
                w.str(f.error.as_str());
                if let NetError::ProxyStatus(code) = f.error {
                    w.key("status");
                    w.int(i64::from(code));
                }
                w.key("after_ms");
                w.ms(f.after_ms);
                w.close('}');
            }
        }
        w.close('}');
    }
    w.close(']');
    w.key("runtimes");
    w.open('[');
    for r in &n.runtimes {
        w.open('{');
        w.key("runtime");
        w.str(r.runtime.as_str());
        w.key("route");
        w.str(match r.route {
            Route::Direct => "direct",
            Route::Proxy { .. } => "proxy",
            Route::Stopped(_) => "stopped",
        });
        w.key("via");
        w.str(&r.route_shown);
        w.key("prediction");
        w.str(match r.prediction {
            Prediction::Works => "works",
            Prediction::WorksAfterWait => "works_after_wait",
            Prediction::Fails(_) => "fails",
            Prediction::Unknown => "unknown",
        });
        w.key("why");
        match &r.prediction {
            Prediction::Fails(why) => w.str(why.as_str()),
            _ => w.raw("null"),
        }
        w.key("issuer");
        match &r.issuer {
            Some(i) => w.str(i),
            None => w.raw("null"),
        }
        w.close('}');
    }
    w.close(']');
    w.close('}');
}

/// Milliseconds, or null.
fn opt_ms(w: &mut Json, ms: Option<f64>) {
    match ms {
        Some(ms) => w.ms(ms),
        None => w.raw("null"),
    }
}

/// An integer, or null.
fn opt_int(w: &mut Json, n: Option<i64>) {
    match n {
        Some(n) => w.int(n),
        None => w.raw("null"),
    }
}

/// A fact's value, typed: numbers as numbers (milliseconds as whole numbers), text as strings, and the
/// structured facts as small objects and arrays.
fn fact_json(w: &mut Json, fact: &Fact) {
    match fact {
        Fact::Elapsed(ms) | Fact::Duration(_, ms) => w.ms(*ms),
        Fact::TimeoutMs(ms) => w.int(i64::from(*ms)),
        Fact::HttpStatus(code) => w.int(i64::from(*code)),
        Fact::ClockSkew(s) => w.int(*s),
        Fact::KeyLength(n) | Fact::ModelCount(n) | Fact::Samples(n) => w.count(*n),
        Fact::KeyKind(s) => w.str(s),
        Fact::Method(m) => w.str(match m {
            Method::ResourceTiming => "resource_timing",
            Method::FetchRoundTrip => "fetch_round_trip",
            Method::Sockets => "sockets",
        }),
        Fact::RateLimit {
            name,
            remaining,
            limit,
            reset_in_s,
        } => {
            w.open('{');
            w.key("name");
            w.str(name);
            w.key("remaining");
            w.count(*remaining);
            w.key("limit");
            w.count(*limit);
            w.key("reset_in_s");
            match reset_in_s {
                Some(s) => w.int(*s),
                None => w.raw("null"),
            }
            w.close('}');
        }
        Fact::Resolver(which, answer) => {
            w.open('{');
            w.key("resolver");
            w.int(i64::from(*which));
            w.key("answer");
            w.str(&answer.canonical());
            w.close('}');
        }
        Fact::SuccessRatio { ok, total } => {
            w.open('{');
            w.key("ok");
            w.count(*ok);
            w.key("total");
            w.count(*total);
            w.close('}');
        }
        Fact::StreamChunks { events, chunks } => {
            w.open('{');
            w.key("events");
            w.count(*events);
            w.key("chunks");
            w.count(*chunks);
            w.close('}');
        }
        Fact::Failures(kinds) => {
            w.open('[');
            for (kind, n) in kinds {
                w.open('{');
                w.key("kind");
                w.str(kind.as_str());
                w.key("count");
                w.count(*n);
                w.close('}');
            }
            w.close(']');
        }
        Fact::Timeline(points) => {
            w.open('[');
            for p in points {
                w.open('{');
                w.key("at_ms");
                w.ms(p.at_ms);
                w.key("elapsed_ms");
                w.ms(p.elapsed_ms);
                w.key("kind");
                w.str(p.kind.as_str());
                w.close('}');
            }
            w.close(']');
        }
        Fact::Connection { to, error, ms } => {
            w.open('{');
            w.key("to");
            w.str(to);
            w.key("result");
            w.str(error.map_or("connected", NetError::as_str));
            if let Some(NetError::ProxyStatus(code)) = error {
                w.key("status");
                w.int(i64::from(*code));
            }
            w.key("ms");
            w.ms(*ms);
            w.close('}');
        }
        Fact::CaFile { var, path, state } => {
            w.open('{');
            w.key("var");
            w.str(var);
            w.key("path");
            w.str(path);
            w.key("state");
            w.str(state.as_str());
            if let FileState::Pem { certs } | FileState::Dir { certs } = state {
                w.key("certs");
                w.int(i64::from(*certs));
            }
            w.close('}');
        }
        Fact::Expires(secs) => w.str(&super::time::rfc3339(secs.saturating_mul(1000) as f64)),
        Fact::Trust { source, result } => {
            w.open('{');
            w.key("source");
            w.str(source);
            w.key("result");
            w.str(result.as_str());
            w.close('}');
        }
        Fact::FailsFor(runtime) => w.str(runtime.as_str()),
        _ => w.str(fact.as_text().unwrap_or_default()),
    }
}

/// A minimal JSON writer: it places the commas, and escapes strings. No float formatting: every number
/// written is an integer, which keeps float-printing code out of the wasm.
#[derive(Default)]
struct Json {
    out: String,
    /// Whether the next value or key needs a comma before it.
    comma: bool,
}

impl Json {
    /// Any value: the comma first, when one is due.
    fn raw(&mut self, text: &str) {
        if self.comma {
            self.out.push(',');
        }
        self.out.push_str(text);
        self.comma = true;
    }

    fn open(&mut self, bracket: char) {
        self.raw("");
        self.out.push(bracket);
        self.comma = false;
    }

    fn close(&mut self, bracket: char) {
        self.out.push(bracket);
        self.comma = true;
    }

    fn key(&mut self, name: &str) {
        self.str(name);
        self.out.push(':');
        self.comma = false;
    }

    fn int(&mut self, n: i64) {
        self.raw(&n.to_string());
    }

    /// A count; one integer writer serves all, and no count comes near `i64::MAX`.
    fn count(&mut self, n: impl TryInto<i64>) {
        self.int(n.try_into().unwrap_or(i64::MAX));
    }

    /// Milliseconds rounded to a whole number; NaN and infinities, which JSON cannot hold, as `null`.
    fn ms(&mut self, ms: f64) {
        if ms.is_finite() {
            // `as` saturates, so an absurd reading cannot wrap around.
            self.int(ms.round() as i64);
        } else {
            self.raw("null");
        }
    }

    /// A string, escaped: quotes, backslashes and control characters as JSON requires, and U+2028/2029,
    /// which end a line in JavaScript source, so that the output is also safe to paste into a script.
    fn str(&mut self, s: &str) {
        self.raw("\"");
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                '\0'..='\u{1f}' | '\u{2028}' | '\u{2029}' => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.out.push_str("\\u");
                    for shift in [12, 8, 4, 0] {
                        self.out.push(char::from(HEX[(c as usize >> shift) & 15]));
                    }
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::diagnosis::diagnose;
    use crate::core::finding::{Point, SampleKind, Timing};
    use crate::core::fixtures as sim;
    use crate::core::fixtures::{api_error, resp};
    use crate::core::input::{Context, Settings};
    use crate::core::key::{ApiKey, AuthMode};
    use crate::core::observation::Observation;
    use crate::core::probe::ProbeId;
    use serde_json::{json as j, Value};

    /// A key whose secret part is easy to look for.
    const SECRET: &str = "s3cr3tS3CR3T";

    fn key() -> Option<ApiKey> {
        ApiKey::new(format!(
            "sk-ant-api03-{}AA",
            SECRET.repeat(7) + "x".repeat(9).as_str()
        ))
    }

    /// A run with everything on — key, model, message, watch — where the key is refused: facts of
    /// every kind, passes, a failure and skips.
    fn broken() -> Report {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, key(), true)
            .with_settings(Settings {
                model: Some("claude-haiku-4-5".into()),
                message: true,
                watch_secs: 60,
                ..Settings::default()
            });
        let refused = Observation::Response(resp(
            401,
            "application/json",
            &api_error("authentication_error", "invalid x-api-key"),
            &[("request-id", "req_refused_7"), ("cf-ray", "8f00-FRA")],
        ));
        let obs = sim::run(&ctx, &[(ProbeId::KeyModels, refused)]);
        Report::new(
            &ctx,
            &diagnose(&ctx, &obs),
            "Mozilla/5.0 (X11) Test/1",
            1_795_687_323_456.0,
            4_321,
        )
    }

    /// The same with nothing refused: every check that can run does, and passes.
    fn healthy() -> Report {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, key(), true)
            .with_settings(Settings {
                model: Some("claude-haiku-4-5".into()),
                message: true,
                watch_secs: 60,
                ..Settings::default()
            });
        let obs = sim::run(&ctx, &[]);
        Report::new(
            &ctx,
            &diagnose(&ctx, &obs),
            "Mozilla/5.0 (X11) Test/1",
            0.0,
            10,
        )
    }

    fn parse(report: &Report) -> Value {
        serde_json::from_str(&json(report)).expect("the export is JSON")
    }

    fn facts(report: &Report) -> impl Iterator<Item = &Fact> {
        report.entries.iter().flat_map(|e| match &e.state {
            State::Done(f) => f.facts.as_slice(),
            _ => &[],
        })
    }

    fn request_ids(report: &Report) -> Vec<&str> {
        facts(report)
            .filter_map(|f| match f {
                Fact::RequestId(id) => Some(id.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The contents of the inline code spans of one line, by CommonMark's rule: a run of n backticks
    /// opens a span that the next run of exactly n closes; a backslash escapes a backtick outside one.
    fn code_spans(line: &str) -> Vec<&str> {
        let b = line.as_bytes();
        let run_at = |i: usize| b[i..].iter().take_while(|c| **c == b'`').count();
        let (mut spans, mut i) = (Vec::new(), 0);
        while i < b.len() {
            if b[i] == b'\\' {
                i += 2;
                continue;
            }
            if b[i] != b'`' {
                i += 1;
                continue;
            }
            let n = run_at(i);
            let start = i + n;
            let mut k = start;
            let close = loop {
                if k >= b.len() {
                    break None;
                }
                if b[k] == b'`' {
                    let m = run_at(k);
                    if m == n {
                        break Some(k);
                    }
                    k += m;
                } else {
                    k += 1;
                }
            };
            match close {
                Some(end) => {
                    spans.push(&line[start..end]);
                    i = end + n;
                }
                None => i = start,
            }
        }
        spans
    }

    #[test]
    fn markdown_says_what_the_page_says() {
        let report = broken();
        let md = markdown(&report, Lang::En, None);
        let Verdict::Broken { code, outcome, .. } = &report.verdict else {
            panic!("expected a broken run, got {:?}", report.verdict)
        };
        assert_eq!(*code, "auth.key");
        let verdict_line = md.lines().nth(2).expect("a verdict line");
        assert_eq!(
            verdict_line,
            format!("**✕ Broken at: Key** — {}", outcome.title.get(Lang::En))
        );
        assert!(md.starts_with("# API Doctor report\n\n"));
        assert!(md.contains("\n- Time: 2026-11-26T10:02:03Z\n"), "{md}");
        assert!(md.contains("\n- The run took: 4321 ms\n"));
        assert!(md.contains("\n- Browser: `Mozilla/5.0 (X11) Test/1`\n"));
        let print = report.key.expect("a fingerprint");
        assert!(md.contains(&format!(
            "- Key: api-key, 108 characters, `sha256 {}` (compare with `{HASH_COMMAND}`)",
            print.hash_hex()
        )));
        let mut skipped = 0;
        for entry in &report.entries {
            let head = md
                .lines()
                .find(|l| l.contains(&format!("(`{}`)", entry.check.code)))
                .unwrap_or_else(|| panic!("{} is missing", entry.check.code));
            match &entry.state {
                State::Done(f) => {
                    assert!(head.ends_with(f.outcome.title.get(Lang::En)), "{head}");
                    assert!(
                        md.contains(f.outcome.detail.get(Lang::En)),
                        "{}",
                        entry.check.code
                    );
                    if let Some(fix) = f.outcome.fix {
                        assert!(md.contains(&format!("**Fix**: {}", fix.get(Lang::En))));
                    }
                    for s in f.outcome.snippets {
                        let first = s.code.lines().next().unwrap();
                        assert!(md.contains(&format!("\n  {first}\n")), "{}", s.code);
                    }
                }
                State::Skipped { because } => {
                    skipped += 1;
                    assert!(head.starts_with("- – **Skipped** · "), "{head}");
                    assert!(
                        head.ends_with(&format!(
                            "— Skipped: it depends on `{because}`, which failed."
                        )),
                        "{head}"
                    );
                }
                State::Pending => panic!("a report holds no pending entry"),
            }
        }
        assert!(skipped > 0, "the refused key skips its dependents");
        for id in request_ids(&report) {
            assert!(md.contains(&format!("  - Request id: `{id}`\n")), "{id}");
        }
        assert!(request_ids(&report).contains(&"req_refused_7"));
        // Layers come in the page's order, each once.
        let layers: Vec<&str> = md.lines().filter_map(|l| l.strip_prefix("## ")).collect();
        assert_eq!(
            layers,
            [
                "Page and settings",
                "DNS",
                "Network",
                "Browser access (CORS)",
                "Key",
                "Service",
                "Speed"
            ]
        );
    }

    #[test]
    fn snippets_are_fenced_code_in_their_item() {
        let report = broken();
        let md = markdown(&report, Lang::En, None);
        let with_snippets = report
            .entries
            .iter()
            .filter_map(|e| match &e.state {
                State::Done(f) => Some(f.outcome.snippets),
                _ => None,
            })
            .flatten()
            .count();
        assert!(with_snippets > 0, "the refused key comes with snippets");
        assert_eq!(md.matches("\n  ```").count(), 2 * with_snippets);
        assert!(md.contains("  curl:\n\n  ```sh\n  curl "), "{md}");
    }

    #[test]
    fn healthy_runs_say_so_and_the_link_is_clickable() {
        let report = healthy();
        assert_eq!(report.verdict, Verdict::Healthy);
        let md = markdown(
            &report,
            Lang::En,
            Some("https://doctor.test/#report=AbC-_1"),
        );
        assert!(md.contains("\n\n**✓ This browser can use the API**\n\n- Target: "));
        assert!(md.contains("\n- Report link: <https://doctor.test/#report=AbC-_1>\n"));
        assert!(md.contains("\n- Time: 1970-01-01T00:00:00Z\n"));
        assert!(
            !md.contains("Paste a key"),
            "a run with a key does not ask for one"
        );
        let mut no_key = report.clone();
        no_key.key = None;
        let md = markdown(&no_key, Lang::En, None);
        assert!(md.contains(tr("verdict-healthy-nokey", Lang::En)));
        assert!(!md.contains("- Key:") && !md.contains("sha256"));
        assert!(!md.contains("Report link"));
        // Not a web address: no link is made of it.
        let md = markdown(&report, Lang::En, Some("javascript:alert(1)"));
        assert!(md.contains("- Report link: `javascript:alert(1)`\n"));
        let md = markdown(&report, Lang::En, Some("https://x.test/<b>"));
        assert!(md.contains("- Report link: `https://x.test/<b>`\n"));
    }

    #[test]
    fn the_status_page_line_comes_with_the_verdict() {
        let mut report = broken();
        report.their_side = true;
        let md = markdown(&report, Lang::Zh, None);
        let said = tr("their-side", Lang::Zh);
        assert!(!said.is_empty());
        let verdict_at = md.find("**✕ ").unwrap();
        let said_at = md.find(said).expect("the their-side sentence");
        assert!(verdict_at < said_at && said_at < md.find("- 检测目标").unwrap());
        assert!(!markdown(&broken(), Lang::Zh, None).contains(said));
        assert_eq!(parse(&report)["their_side"], true);
        assert_eq!(parse(&broken())["their_side"], false);
    }

    #[test]
    fn chinese_markdown_has_no_english_fixed_words() {
        let report = broken();
        let zh = markdown(&report, Lang::Zh, Some("https://doctor.test/#report=x"));
        let en = markdown(&report, Lang::En, Some("https://doctor.test/#report=x"));
        let words = [
            HEADING.get(Lang::En),
            TARGET.get(Lang::En),
            BROWSER.get(Lang::En),
            TOOK.get(Lang::En),
            CHARACTERS.get(Lang::En),
            COMPARE.get(Lang::En),
            "Report link",
            "Broken at",
            "**Pass**",
            "**Fail**",
            "**Skipped**",
            "**Fix**",
            "depends on",
            "Page and settings",
            "Browser access",
            "Request id",
            "- Time: ",
            "- Key: ",
        ];
        for word in words {
            assert!(en.contains(word), "the English export says {word:?}");
            assert!(!zh.contains(word), "the Chinese export says {word:?}");
        }
        assert!(zh.starts_with("# API Doctor 检测报告\n\n**✕ 故障位置：密钥** — "));
        assert!(zh.contains("\n- 时间：2026-11-26T10:02:03Z\n"));
        for id in request_ids(&report) {
            assert!(zh.contains(&format!("  - 请求 ID：`{id}`\n")), "{id}");
        }
    }

    #[test]
    fn the_key_never_leaves() {
        for report in [broken(), healthy()] {
            assert!(report.key.is_some());
            for lang in Lang::ALL {
                assert!(!markdown(&report, lang, None).contains(SECRET));
            }
            assert!(!json(&report).contains(SECRET));
            assert!(json(&report).contains(&report.key.unwrap().hash_hex()));
        }
    }

    #[test]
    fn hostile_text_stays_inside_code_spans() {
        let hostile = [
            "<img src=x onerror=alert(1)>",
            "`a` | b",
            "line\nbreak",
            "[x](javascript:alert(1))",
            "``",
            " `x",
            "**bold** _it_ # h\r\n- item\u{2028}\u{85}",
            "",
        ];
        let mut report = broken();
        report.target = "https://x.test/<script>alert(1)</script>".into();
        report.browser = "Mozilla ![x](https://x.test/p.png)\n# owned".into();
        let State::Done(finding) = &mut report.entries[0].state else {
            panic!("page.target is decided")
        };
        finding.facts = hostile
            .iter()
            .map(|s| Fact::ErrorMessage(s.to_string()))
            .collect();
        for lang in Lang::ALL {
            let md = markdown(&report, lang, None);
            let mut expected: Vec<String> = hostile.iter().map(|s| s.to_string()).collect();
            expected.push(report.target.clone());
            expected.push(report.browser.clone());
            for text in &expected {
                let shown: String = text
                    .chars()
                    .map(|c| match c {
                        '\n' => '␊',
                        '\r' => '␍',
                        '\u{2028}' | '\u{85}' => '�',
                        c => c,
                    })
                    .collect();
                let found = md.lines().any(|line| {
                    code_spans(line).iter().any(|span| {
                        // CommonMark strips one space from each end of a padded span.
                        let inner = match span.strip_prefix(' ').and_then(|s| s.strip_suffix(' ')) {
                            Some(inner) if !span.trim().is_empty() => inner,
                            _ => span,
                        };
                        inner == shown
                            || (shown.is_empty() && !span.is_empty() && span.trim().is_empty())
                    })
                });
                assert!(found, "{text:?} is not exactly one code span in:\n{md}");
            }
            // No line break of theirs reached the Markdown.
            assert!(
                !md.contains("\n# owned") && !md.contains("\n- item") && !md.contains("\nbreak")
            );
        }
        let v = parse(&report);
        let values: Vec<&str> = v["findings"][0]["facts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["value"].as_str().unwrap())
            .collect();
        assert_eq!(values, hostile);
        assert_eq!(v["target"], report.target.as_str());
        assert_eq!(v["browser"], report.browser.as_str());
    }

    #[test]
    fn our_own_prose_is_escaped_only_where_markdown_would_read_it() {
        let rows = [
            (
                "max_tokens and message_start",
                "max_tokens and message_start",
            ),
            (
                "anthropic-ratelimit-* headers",
                "anthropic-ratelimit-\\* headers",
            ),
            (
                "_x_ <b> [a](b) `c` \\",
                "\\_x\\_ \\<b\\> \\[a\\](b) \\`c\\` \\\\",
            ),
            ("最大_令牌", "最大_令牌"),
        ];
        for (text, want) in rows {
            let mut md = String::new();
            prose(&mut md, text);
            assert_eq!(md, want);
        }
    }

    #[test]
    fn json_has_the_documented_shape() {
        let report = broken();
        let v = parse(&report);
        let print = report.key.unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(v["tool"], "api-doctor");
        assert_eq!(v["target"], "https://api.anthropic.com");
        assert_eq!(v["started"], "2026-11-26T10:02:03Z");
        assert_eq!(v["started_ms"], 1_795_687_323_456_i64);
        assert_eq!(v["took_ms"], 4_321);
        assert_eq!(v["browser"], "Mozilla/5.0 (X11) Test/1");
        assert_eq!(
            v["key"],
            j!({"kind": "api-key", "length": 108, "sha256_prefix": print.hash_hex()})
        );
        let Verdict::Broken { outcome, .. } = &report.verdict else {
            panic!("broken")
        };
        assert_eq!(
            v["verdict"],
            j!({"state": "broken", "layer": "auth", "code": "auth.key", "outcome": outcome.id})
        );
        let findings = v["findings"].as_array().unwrap();
        assert_eq!(findings.len(), report.entries.len());
        for (f, entry) in findings.iter().zip(&report.entries) {
            assert_eq!(f["code"], entry.check.code);
            assert_eq!(f["layer"], entry.check.layer.as_str());
            assert_eq!(f["status"], entry.status().unwrap().as_str());
            let names: Vec<&str> = f["facts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|fact| fact["name"].as_str().unwrap())
                .collect();
            match &entry.state {
                State::Done(finding) => {
                    assert_eq!(f["outcome"], finding.outcome.id);
                    assert!(f.get("skipped_because").is_none());
                    let keys: Vec<&str> = finding.facts.iter().map(Fact::key).collect();
                    assert_eq!(names, keys, "{}", entry.check.code);
                }
                State::Skipped { because } => {
                    assert_eq!(f["outcome"], "skipped");
                    assert_eq!(f["skipped_because"], *because);
                    assert!(names.is_empty());
                }
                State::Pending => unreachable!(),
            }
        }
        // The same request ids as the Markdown, in the same order.
        let ids: Vec<&str> = findings
            .iter()
            .flat_map(|f| f["facts"].as_array().unwrap())
            .filter(|fact| fact["name"] == "request_id")
            .map(|fact| fact["value"].as_str().unwrap())
            .collect();
        assert_eq!(ids, request_ids(&report));
        let md = markdown(&report, Lang::En, None);
        let md_ids: Vec<&str> = md
            .lines()
            .filter_map(|l| l.strip_prefix("  - Request id: `"))
            .map(|l| l.trim_end_matches('`'))
            .collect();
        assert_eq!(md_ids, ids);
        // A run without a key says null; a healthy verdict carries no root.
        let mut healthy = healthy();
        healthy.key = None;
        let v = parse(&healthy);
        assert_eq!(v["key"], Value::Null);
        assert_eq!(v["verdict"], j!({"state": "healthy"}));
    }

    #[test]
    fn every_fact_has_a_typed_json_value_and_a_unique_name() {
        let rows = [
            (Fact::Elapsed(41.6), "elapsed_ms", j!(42)),
            (Fact::Elapsed(f64::NAN), "elapsed_ms", Value::Null),
            (Fact::TimeoutMs(10_000), "timeout_ms", j!(10_000)),
            (Fact::HttpStatus(529), "http_status", j!(529)),
            (Fact::RequestId("req_1".into()), "request_id", j!("req_1")),
            (Fact::Edge("FRA".into()), "edge", j!("FRA")),
            (Fact::ServerDate("d".into()), "server_date", j!("d")),
            (Fact::Server("s".into()), "server", j!("s")),
            (Fact::ErrorType("e".into()), "error_type", j!("e")),
            (Fact::ErrorMessage("m".into()), "error_message", j!("m")),
            (Fact::RetryAfter("30".into()), "retry_after", j!("30")),
            (Fact::PageTitle("t".into()), "page_title", j!("t")),
            (Fact::Host("h".into()), "host", j!("h")),
            (Fact::BaseUsed("b".into()), "base_used", j!("b")),
            (Fact::KeyKind("api-key"), "key_kind", j!("api-key")),
            (Fact::KeyLength(108), "key_length", j!(108)),
            (Fact::Model("m".into()), "model", j!("m")),
            (Fact::ModelCount(3), "model_count", j!(3)),
            (Fact::RedirectedTo("r".into()), "redirected_to", j!("r")),
            (Fact::Offending("/v1".into()), "offending", j!("/v1")),
            (
                Fact::Duration(Timing::Median, 87.5),
                "duration_median_ms",
                j!(88),
            ),
            (
                Fact::Duration(Timing::Min, f64::INFINITY),
                "duration_min_ms",
                Value::Null,
            ),
            (Fact::Duration(Timing::P90, 1.0), "duration_p90_ms", j!(1)),
            (
                Fact::Duration(Timing::Jitter, 1.0),
                "duration_jitter_ms",
                j!(1),
            ),
            (Fact::Duration(Timing::Cold, 1.0), "duration_cold_ms", j!(1)),
            (
                Fact::Duration(Timing::Setup, -1.0),
                "duration_setup_ms",
                j!(-1),
            ),
            (
                Fact::Duration(Timing::ControlMedian, 1.0),
                "duration_control_median_ms",
                j!(1),
            ),
            (
                Fact::Duration(Timing::FirstToken, 1.0),
                "duration_first_token_ms",
                j!(1),
            ),
            (Fact::Duration(Timing::Dns, 1.0), "duration_dns_ms", j!(1)),
            (
                Fact::Duration(Timing::Connect, 1.0),
                "duration_connect_ms",
                j!(1),
            ),
            (Fact::Duration(Timing::Tls, 1.0), "duration_tls_ms", j!(1)),
            (Fact::Duration(Timing::Ttfb, 1.0), "duration_ttfb_ms", j!(1)),
            (Fact::ClockSkew(-200), "clock_skew_s", j!(-200)),
            (Fact::Samples(10), "samples", j!(10)),
            (
                Fact::Method(Method::ResourceTiming),
                "method",
                j!("resource_timing"),
            ),
            (
                Fact::RateLimit {
                    name: "requests",
                    remaining: 2,
                    limit: 50,
                    reset_in_s: Some(20),
                },
                "rate_limit",
                j!({"name": "requests", "remaining": 2, "limit": 50, "reset_in_s": 20}),
            ),
            (
                Fact::RateLimit {
                    name: "tokens",
                    remaining: 0,
                    limit: 1,
                    reset_in_s: None,
                },
                "rate_limit",
                j!({"name": "tokens", "remaining": 0, "limit": 1, "reset_in_s": null}),
            ),
            (
                Fact::StatusDescription("ok".into()),
                "status_description",
                j!("ok"),
            ),
            (
                Fact::ComponentState("partial_outage".into()),
                "component_state",
                j!("partial_outage"),
            ),
            (Fact::Incident("i".into()), "incident", j!("i")),
            (Fact::Link("l".into()), "link", j!("l")),
            (
                Fact::Resolver(2, crate::core::dns::ResolverView::parse("NXDOMAIN")),
                "resolver",
                j!({"resolver": 2, "answer": "NXDOMAIN"}),
            ),
            (
                Fact::Command("nslookup x".into()),
                "command",
                j!("nslookup x"),
            ),
            (Fact::ControlHost("c".into()), "control_host", j!("c")),
            (
                Fact::SuccessRatio { ok: 9, total: 12 },
                "success_ratio",
                j!({"ok": 9, "total": 12}),
            ),
            (
                Fact::Failures(vec![(SampleKind::Overloaded, 2), (SampleKind::TimedOut, 1)]),
                "failures",
                j!([{"kind": "overloaded", "count": 2}, {"kind": "timed_out", "count": 1}]),
            ),
            (
                Fact::Timeline(vec![
                    Point {
                        at_ms: 0.4,
                        elapsed_ms: 41.5,
                        kind: SampleKind::Ok,
                    },
                    Point {
                        at_ms: 2_000.0,
                        elapsed_ms: f64::NAN,
                        kind: SampleKind::Failed,
                    },
                ]),
                "timeline",
                j!([
                    {"at_ms": 0, "elapsed_ms": 42, "kind": "ok"},
                    {"at_ms": 2000, "elapsed_ms": null, "kind": "failed"}
                ]),
            ),
            (
                Fact::StreamChunks {
                    events: 7,
                    chunks: 1,
                },
                "stream_chunks",
                j!({"events": 7, "chunks": 1}),
            ),
        ];
        let mut report = broken();
        let State::Done(finding) = &mut report.entries[0].state else {
            panic!("page.target is decided")
        };
        finding.facts = rows.iter().map(|(f, _, _)| f.clone()).collect();
        let v = parse(&report);
        let got = v["findings"][0]["facts"].as_array().unwrap();
        let mut names = Vec::new();
        for ((fact, name, value), out) in rows.iter().zip(got) {
            assert_eq!(fact.key(), *name);
            assert_eq!(out, &j!({"name": name, "value": value}), "{fact:?}");
            assert!(name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
            names.push(*name);
        }
        names.dedup();
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "two kinds of fact share a name");
    }

    #[test]
    fn json_strings_are_escaped() {
        let nasty = "q\"b\\s/\n\r\t\u{0}\u{1f}\u{7f}\u{2028}\u{2029}é😀</script>";
        let mut w = Json::default();
        w.str(nasty);
        assert_eq!(
            w.out,
            "\"q\\\"b\\\\s/\\n\\r\\t\\u0000\\u001f\u{7f}\\u2028\\u2029é😀</script>\""
        );
        assert_eq!(serde_json::from_str::<String>(&w.out).unwrap(), nasty);
    }

    #[test]
    fn every_page_string_the_export_uses_exists() {
        // The code before the tests: the tests name the marker themselves.
        let source = include_str!("export.rs")
            .split("#[cfg(test)]")
            .next()
            .unwrap();
        // Calls of `tr`, not of `push_str`: the byte before the name is not part of an identifier.
        let names: Vec<&str> = source
            .match_indices("tr(\"")
            .filter(|(at, _)| !source.as_bytes()[at - 1].is_ascii_alphanumeric())
            .filter_map(|(at, _)| source[at + 4..].split('"').next())
            .collect();
        assert!(names.len() >= 8, "found {names:?}");
        for name in names {
            let text = ui(name).unwrap_or_else(|| panic!("{name} has no text"));
            assert!(!text.get(Lang::En).is_empty() && !text.get(Lang::Zh).is_empty());
        }
        assert!(tr("skipped-because", Lang::Zh).contains("{}"));
    }
}
