//! Config links: settings in the URL fragment, read strictly and written back. A key in a link is never
//! read: the parameter holding it is dropped and the person is told why.

use super::i18n::{t, Lang, Text};
use super::input::Selection;
use super::input::MAX_WATCH_SECS;
use super::key::AuthMode;
use super::target::Target;

/// The base URL the form starts with; a link names `base=` only for another.
pub const DEFAULT_BASE: &str = "https://api.anthropic.com";
/// The longest fragment read at all; anything longer is not a config link anyone wrote by hand.
pub const MAX_FRAGMENT: usize = 8_192;
/// The most parameters read from one link.
const MAX_PARAMS: usize = 32;
/// How much of a bad name or value a note repeats.
const QUOTE_CHARS: usize = 60;

/// The settings a config link carries; `None` is "not in the link".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub base: Option<String>,
    pub auth: Option<AuthMode>,
    pub model: Option<String>,
    pub version: Option<String>,
    pub lang: Option<Lang>,
    /// `run=1`: start the checks at once.
    pub run: bool,
    pub watch: Option<u32>,
    /// The checks named, as a list that [`Selection::parse`] reads; may name `service.message`.
    pub checks: Option<String>,
}

/// Why a value was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Not valid percent-encoding or not UTF-8.
    Encoding,
    TooLong,
    /// Not one of the values the parameter takes.
    NotAllowed,
    /// The parameter appears twice; the first is used.
    Twice,
}

/// Something the person should know about the link they opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// A key, or something shaped like one, was in the link: it was removed and not used.
    KeyRemoved,
    /// A parameter this page does not know.
    Unknown(String),
    /// A value that was not taken, quoted.
    Malformed {
        name: &'static str,
        value: String,
        problem: Problem,
    },
    /// The fragment is too long or has too many parameters; the rest was ignored.
    TooLong,
}

/// What a fragment holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Fragment {
    /// Nothing to read.
    Empty,
    /// A shared report: the encoded text after `report=`.
    Report(String),
    /// Settings, what to tell the person about them, and the fragment to put back into the address bar
    /// when something had to be removed from it.
    Config {
        config: Config,
        notes: Vec<Note>,
        cleaned: Option<String>,
    },
}

/// The parameters a config link may carry, in the order links are written.
const NAMES: [&str; 8] = [
    "base", "auth", "model", "version", "lang", "run", "watch", "checks",
];

/// Parameter names under which people put keys; their values are dropped unread.
const KEY_NAMES: [&str; 10] = [
    "key",
    "api_key",
    "apikey",
    "api-key",
    "x-api-key",
    "token",
    "auth_token",
    "authorization",
    "bearer",
    "secret",
];

/// Whether `text` holds something shaped like a secret: an `sk-` key, or a long run of mixed-case
/// letters and digits such as a gateway token or a JWT. Model ids and host names are lower case.
pub fn looks_secret(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .any(|run| {
            let lower = run.to_ascii_lowercase();
            let sk = lower.starts_with("sk-") && run.len() >= 20 || lower.contains("sk-ant-");
            let mixed = run.len() >= 32
                && run.bytes().any(|b| b.is_ascii_uppercase())
                && run.bytes().any(|b| b.is_ascii_lowercase())
                && run.bytes().any(|b| b.is_ascii_digit());
            sk || mixed
        })
}

/// Decodes `%XX` escapes and `+` (as `URLSearchParams` writes a space); `None` when malformed.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                // Exactly two hex digits: `from_str_radix` alone would also take a sign, as in `%+1`.
                let hex = bytes.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Escapes everything but unreserved characters and the few that keep URLs readable in a fragment.
fn percent_encode(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/@,".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// The first characters of `s`, for a note.
fn quote(s: &str) -> String {
    let mut q: String = s.chars().take(QUOTE_CHARS).collect();
    if q.len() < s.len() {
        q.push('…');
    }
    q
}

/// Reads the fragment of the page's address, with or without its `#`.
pub fn read(fragment: &str) -> Fragment {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    if fragment.is_empty() {
        return Fragment::Empty;
    }
    if let Some(report) = fragment.strip_prefix("report=") {
        // A report is URL-safe base64: a parameter's `&` or `=`, or a percent-escape, means the link was
        // edited (an appended `&key=…`), and it is read as settings, where every key is dropped. Any other
        // stray character is damage, which the report reader names. Encoded reports are long mixed-case runs,
        // so within the alphabet only the key prefix itself marks such an edit (seven given characters: in
        // base64 by chance about once in 10^12 links).
        if !report.contains(['&', '=', '%']) && !report.contains("sk-ant-") {
            return Fragment::Report(report.to_string());
        }
    }
    let mut config = Config::default();
    let mut notes = Vec::new();
    let mut kept: Vec<&str> = Vec::new();
    let mut removed = false;
    let mut seen: Vec<&str> = Vec::new();
    let too_long = fragment.len() > MAX_FRAGMENT;
    let text = if too_long {
        // Cut at a parameter boundary within the limit, so no half value is read; by bytes, since the
        // limit may fall inside a character.
        let cut = fragment.as_bytes()[..MAX_FRAGMENT]
            .iter()
            .rposition(|b| *b == b'&')
            .unwrap_or(0);
        &fragment[..cut]
    } else {
        fragment
    };
    let mut params = text.split('&').filter(|p| !p.is_empty());
    for (i, param) in params.by_ref().enumerate() {
        if i == MAX_PARAMS {
            notes.push(Note::TooLong);
            break;
        }
        let (raw_name, raw_value) = param.split_once('=').unwrap_or((param, ""));
        let name = percent_decode(raw_name)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let value = percent_decode(raw_value);
        let secret = KEY_NAMES.contains(&name.as_str())
            || looks_secret(raw_name)
            || looks_secret(&percent_decode(raw_name).unwrap_or_default())
            // The decoded value when there is one: an escape such as `%3D` puts hex capitals beside a
            // lower-case id, which would then look like a mixed-case token.
            || value.as_deref().map_or_else(|| looks_secret(raw_value), looks_secret);
        if secret {
            removed = true;
            if !notes.contains(&Note::KeyRemoved) {
                notes.push(Note::KeyRemoved);
            }
            continue;
        }
        kept.push(param);
        let Some(&known) = NAMES.iter().find(|n| **n == name) else {
            notes.push(Note::Unknown(quote(&name)));
            continue;
        };
        let shown = quote(value.as_deref().unwrap_or(raw_value));
        let bad = |problem| Note::Malformed {
            name: known,
            value: shown.clone(),
            problem,
        };
        if seen.contains(&known) {
            notes.push(bad(Problem::Twice));
            continue;
        }
        seen.push(known);
        let Some(value) = value else {
            notes.push(bad(Problem::Encoding));
            continue;
        };
        let v = value.trim();
        if v.is_empty() {
            continue;
        }
        match known {
            "base" if v.len() > 2_048 => notes.push(bad(Problem::TooLong)),
            "base" => config.base = Some(v.to_string()),
            "auth" => match AuthMode::parse(v) {
                Some(a) => config.auth = Some(a),
                None => notes.push(bad(Problem::NotAllowed)),
            },
            "model" if v.len() > 128 => notes.push(bad(Problem::TooLong)),
            "model"
                if v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._:@/".contains(&b)) =>
            {
                config.model = Some(v.to_string())
            }
            "version" if is_date(v) => config.version = Some(v.to_string()),
            "lang" => match v.to_ascii_lowercase().as_str() {
                "en" | "en-us" | "en-gb" => config.lang = Some(Lang::En),
                "zh" | "zh-cn" | "zh-hans" | "zh-sg" => config.lang = Some(Lang::Zh),
                _ => notes.push(bad(Problem::NotAllowed)),
            },
            "run" => match v {
                "1" | "true" | "yes" => config.run = true,
                "0" | "false" | "no" => config.run = false,
                _ => notes.push(bad(Problem::NotAllowed)),
            },
            "watch" => match v.parse::<u32>() {
                Ok(s) if s <= MAX_WATCH_SECS => config.watch = Some(s),
                _ => notes.push(bad(Problem::NotAllowed)),
            },
            "checks" => {
                let (_, unknown) = Selection::parse(v);
                if unknown.is_empty() {
                    config.checks = Some(v.to_string());
                } else {
                    notes.push(Note::Malformed {
                        name: "checks",
                        value: quote(&unknown.join(",")),
                        problem: Problem::NotAllowed,
                    });
                    // Item by item: the note quotes unknown items shortened, so they cannot be matched.
                    let known: Vec<&str> = v
                        .split(',')
                        .map(str::trim)
                        .filter(|i| !i.is_empty() && Selection::parse(i).1.is_empty())
                        .collect();
                    config.checks = (!known.is_empty()).then(|| known.join(","));
                }
            }
            _ => notes.push(bad(Problem::NotAllowed)),
        }
    }
    if too_long && !notes.contains(&Note::TooLong) {
        notes.push(Note::TooLong);
    }
    // What was not read was not looked at for keys either, so it leaves the address bar too.
    let cut_short = notes.contains(&Note::TooLong);
    Fragment::Config {
        config,
        notes,
        cleaned: (removed || cut_short).then(|| kept.join("&")),
    }
}

/// Whether `v` is a date such as `2023-06-01`, the shape of `anthropic-version`.
fn is_date(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// Writes the fragment for `config`, without `#`; only what is set, in the documented order.
pub fn write(config: &Config) -> String {
    let mut out = String::new();
    let mut put = |name: &str, value: &str| {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        percent_encode(value, &mut out);
    };
    if let Some(v) = &config.base {
        put(NAMES[0], v);
    }
    if let Some(a) = config.auth {
        put(NAMES[1], a.as_str());
    }
    if let Some(v) = &config.model {
        put(NAMES[2], v);
    }
    if let Some(v) = &config.version {
        put(NAMES[3], v);
    }
    if let Some(l) = config.lang {
        put(NAMES[4], if l == Lang::Zh { "zh" } else { "en" });
    }
    if config.run {
        put(NAMES[5], "1");
    }
    if let Some(w) = config.watch {
        put(NAMES[6], &w.to_string());
    }
    if let Some(v) = &config.checks {
        put(NAMES[7], v);
    }
    out
}

/// The host to warn about when a link set the target: its host and port, unless it is the real API.
pub fn guarded_host(base: &str) -> Option<String> {
    let target = Target::parse(base).ok()?;
    if target.is_official() {
        return None;
    }
    Some(match target.port {
        Some(port) => format!("{}:{port}", target.host),
        None => target.host,
    })
}

/// The key guard's words; `{}` is the host.
pub const GUARD_WARNING: Text = t!(
    "This page was opened from a link that points the checks at {}, not at api.anthropic.com. A key typed here is sent to {}. Only go on if you trust it with your key.",
    "此页面是通过一个链接打开的，该链接把检测目标设为 {}，而不是 api.anthropic.com。在这里输入的密钥会被发送到 {}。只有在你信任它能保管你的密钥时才继续。",
);
/// See [`GUARD_WARNING`].
pub const GUARD_CONFIRM: Text = t!("I trust {} with this key", "我信任 {} 保管这个密钥");
/// See [`GUARD_WARNING`].
pub const GUARD_BLOCKED: Text = t!(
    "Nothing was sent. Confirm that you trust {} with the key, or clear the key field to run the checks without it.",
    "没有发送任何请求。请确认你信任 {} 保管该密钥，或者清空密钥字段以在不使用密钥的情况下运行检测。",
);

/// A guard text with the host filled in.
pub fn guard_text(text: Text, lang: Lang, host: &str) -> String {
    text.get(lang).replace("{}", host)
}

const KEY_REMOVED: Text = t!(
    "The link held a key. It was removed from the address bar and not used: a key in a link ends up in chat logs, browser history and screenshots. Paste the key into the form instead, and consider rotating the one that was shared.",
    "链接中包含密钥。它已从地址栏中移除且未被使用：链接中的密钥会留在聊天记录、浏览器历史和截图里。请改为在表单中粘贴密钥，并考虑轮换已被分享的密钥。",
);
const UNKNOWN: Text = t!(
    "The link has a setting this page does not know, so it was ignored:",
    "链接中有本页面不认识的设置，已忽略：",
);
const MALFORMED: Text = t!("The link's value was not used:", "链接中的值未被采用：");
const TOO_LONG: Text = t!(
    "The link is too long; only its beginning was read.",
    "链接过长，只读取了开头部分。",
);

impl Problem {
    /// Why, for people.
    fn text(self) -> Text {
        match self {
            Problem::Encoding => t!(
                "it is not valid percent-encoded UTF-8",
                "它不是有效的百分号编码 UTF-8",
            ),
            Problem::TooLong => t!("it is too long", "它太长了"),
            Problem::NotAllowed => t!("it is not one of the accepted values", "它不是可接受的值"),
            Problem::Twice => t!(
                "the setting appears twice; the first one is used",
                "该设置出现了两次，已采用第一个",
            ),
        }
    }

    /// What the parameter accepts.
    fn accepted(name: &str) -> &'static str {
        match name {
            "auth" => "key, bearer",
            "model" => "A-Z a-z 0-9 - . _ : @ /",
            "version" => "YYYY-MM-DD",
            "lang" => "en, zh",
            "run" => "1, 0",
            "watch" => "0–3600",
            "checks" => "page, dns, network, cors, auth, service, perf, all, <code>",
            _ => "",
        }
    }
}

impl Note {
    /// The note for people, in `lang`; quoted values stay as they were and reach the page as text.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Note::KeyRemoved => KEY_REMOVED.get(lang).to_string(),
            Note::Unknown(name) => format!("{} {name}", UNKNOWN.get(lang)),
            Note::Malformed {
                name,
                value,
                problem,
            } => {
                let accepted = Problem::accepted(name);
                let mut m = format!(
                    "{} {name}={value} ({})",
                    MALFORMED.get(lang),
                    problem.text().get(lang)
                );
                if *problem == Problem::NotAllowed && !accepted.is_empty() {
                    m.push_str(": ");
                    m.push_str(accepted);
                }
                m
            }
            Note::TooLong => TOO_LONG.get(lang).to_string(),
        }
    }

    /// A stable name for the page and the tests.
    pub fn kind(&self) -> &'static str {
        match self {
            Note::KeyRemoved => "key",
            Note::Unknown(_) => "unknown",
            Note::Malformed { .. } => "malformed",
            Note::TooLong => "too-long",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_are_two_hex_digits_and_nothing_else() {
        let rows = [
            ("a%20b", Some("a b")),
            ("%e4%b8%ad", Some("中")),
            ("a+b", Some("a b")),
            ("%+1", None),
            ("%-1", None),
            ("%1", None),
            ("%zz", None),
            ("%ff", None),
        ];
        for (text, want) in rows {
            assert_eq!(percent_decode(text).as_deref(), want, "{text}");
        }
    }

    fn config(fragment: &str) -> (Config, Vec<Note>, Option<String>) {
        match read(fragment) {
            Fragment::Config {
                config,
                notes,
                cleaned,
            } => (config, notes, cleaned),
            other => panic!("{fragment}: {other:?}"),
        }
    }

    fn key() -> String {
        format!("sk-ant-api03-{}AA", "Ab3".repeat(31))
    }

    #[test]
    fn every_setting_reads() {
        let (c, notes, cleaned) = config(
            "#base=https%3A%2F%2Fgw.example.com%2Fanthropic&auth=bearer&model=claude-sonnet-4-5&version=2023-06-01&lang=zh&run=1&watch=60&checks=network,cors",
        );
        assert_eq!(notes, []);
        assert_eq!(cleaned, None);
        assert_eq!(
            c,
            Config {
                base: Some("https://gw.example.com/anthropic".into()),
                auth: Some(AuthMode::Bearer),
                model: Some("claude-sonnet-4-5".into()),
                version: Some("2023-06-01".into()),
                lang: Some(Lang::Zh),
                run: true,
                watch: Some(60),
                checks: Some("network,cors".into()),
            }
        );
        assert_eq!(read(""), Fragment::Empty);
        assert_eq!(read("#"), Fragment::Empty);
        assert_eq!(read("#report=AbC"), Fragment::Report("AbC".into()));
    }

    #[test]
    fn a_written_link_reads_back() {
        let c = Config {
            base: Some("https://gw.example.com/a b&c=d#e".into()),
            auth: Some(AuthMode::ApiKey),
            model: Some("claude-x@2".into()),
            version: Some("2023-06-01".into()),
            lang: Some(Lang::En),
            run: true,
            watch: Some(3600),
            checks: Some("auth,perf.latency".into()),
        };
        let text = write(&c);
        assert!(!text.contains(' ') && !text.contains('#'), "{text}");
        let (back, notes, _) = config(&text);
        assert_eq!((back, notes), (c, vec![]));
        assert_eq!(write(&Config::default()), "");
    }

    #[test]
    fn keys_are_dropped_unread_and_the_rest_is_kept() {
        let k = key();
        let rows = [
            format!("base=https://gw.example.com&key={k}&model=m"),
            format!("base=https://gw.example.com&{k}&model=m"),
            format!("base=https://gw.example.com&model=m&x-api-key={k}"),
            "base=https://gw.example.com&model=m&TOKEN=abc".to_string(),
            format!("base=https://gw.example.com&model=m&note={}", k.replace('-', "%2D")),
            // A gateway token or JWT in any value, even inside the base URL's own query.
            "base=https://gw.example.com&model=m&x=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0".into(),
            "base=https://gw.example.com&model=m&b=https://x/?t=AbCdEfGh12345678IjKlMnOp90123456".into(),
        ];
        for row in rows {
            let (c, notes, cleaned) = config(&row);
            assert_eq!(notes, [Note::KeyRemoved], "{row}");
            let cleaned = cleaned.expect("the fragment to put back");
            assert_eq!(cleaned, "base=https://gw.example.com&model=m", "{row}");
            assert!(!format!("{c:?}").contains("sk-ant"), "{row}");
            assert_eq!(c.model.as_deref(), Some("m"));
        }
        // A model id or host name is not a secret.
        assert!(!looks_secret("claude-sonnet-4-5-20250929"));
        assert!(!looks_secret(
            "https://very-long-gateway-host-name-0123456789.example.com/v1"
        ));
        // Base64 that happens to hold `sk-` or a long mixed-case run is still a report.
        let report = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-sk-_Sk-x";
        assert_eq!(
            read(&format!("#report={report}")),
            Fragment::Report(report.into())
        );
        // A report link edited to carry a key is read as a config link and cleaned, whether the key was
        // pasted into the report or appended as a parameter of its own, under any name.
        assert!(matches!(
            read(&format!("report={k}")),
            Fragment::Config { .. }
        ));
        for edited in [
            format!("report={report}&key={k}"),
            format!("report={report}&token={}", k.replace('-', "%2D")),
            format!("report={report}&x=Zq8Lm3Np7Rt2Vw6Yb1Cd5Fg9Hj4Kx0Mz"),
        ] {
            let Fragment::Config { cleaned, notes, .. } = read(&edited) else {
                panic!("{edited} was read as a report");
            };
            // The report's own long mixed-case text reads as a secret too, so nothing of the link is kept.
            assert_eq!(cleaned.as_deref(), Some(""), "{edited}");
            assert!(
                notes.iter().any(|n| n.kind() == "key"),
                "{edited}: {notes:?}"
            );
        }
    }

    #[test]
    fn unknown_and_malformed_values_are_named() {
        let (c, notes, _) = config(
            "colour=red&auth=basic&lang=fr&run=yes&watch=99999&version=v1&model=%3Cscript%3E&checks=cors,bogus&base=%E0%A4&auth=key",
        );
        let kinds: Vec<_> = notes.iter().map(|n| n.message(Lang::En)).collect();
        assert_eq!(
            kinds,
            [
                "The link has a setting this page does not know, so it was ignored: colour",
                "The link's value was not used: auth=basic (it is not one of the accepted values): key, bearer",
                "The link's value was not used: lang=fr (it is not one of the accepted values): en, zh",
                "The link's value was not used: watch=99999 (it is not one of the accepted values): 0–3600",
                "The link's value was not used: version=v1 (it is not one of the accepted values): YYYY-MM-DD",
                "The link's value was not used: model=<script> (it is not one of the accepted values): A-Z a-z 0-9 - . _ : @ /",
                "The link's value was not used: checks=bogus (it is not one of the accepted values): page, dns, network, cors, auth, service, perf, all, <code>",
                "The link's value was not used: base=%E0%A4 (it is not valid percent-encoded UTF-8)",
                "The link's value was not used: auth=key (the setting appears twice; the first one is used)",
            ]
        );
        assert!(c.run, "run=yes reads as on");
        assert_eq!(c.checks.as_deref(), Some("cors"));
        assert_eq!(
            (c.auth, c.lang, c.watch, c.model, c.base),
            (None, None, None, None, None)
        );
        for n in &notes {
            assert!(!n.message(Lang::Zh).is_empty());
            assert_ne!(n.message(Lang::Zh), n.message(Lang::En));
        }
    }

    #[test]
    fn only_other_hosts_are_guarded() {
        assert_eq!(guarded_host("https://api.anthropic.com"), None);
        assert_eq!(guarded_host("https://api.anthropic.com/v1"), None);
        assert_eq!(guarded_host("not a url"), None);
        assert_eq!(
            guarded_host("https://Gateway.example.com/anthropic").as_deref(),
            Some("gateway.example.com")
        );
        assert_eq!(
            guarded_host("http://127.0.0.1:8787/s/healthy").as_deref(),
            Some("127.0.0.1:8787")
        );
        let warning = guard_text(GUARD_WARNING, Lang::Zh, "evil.example");
        assert_eq!(warning.matches("evil.example").count(), 2);
    }

    #[test]
    fn oversize_links_are_cut_at_a_parameter() {
        let long = format!("model=m&{}", "x=1&".repeat(5_000));
        let (c, notes, _) = config(&long);
        assert_eq!(c.model.as_deref(), Some("m"));
        assert_eq!(notes.last(), Some(&Note::TooLong));
        // Unknown parameters are noted, up to the limit of parameters read.
        assert!(notes.len() <= MAX_PARAMS + 1);
        let (_, notes, _) = config(&"a".repeat(MAX_FRAGMENT + 10));
        assert_eq!(notes, [Note::TooLong]);
    }

    /// Edges found by the property tests in `tests/hostile_decoders.rs`.
    #[test]
    fn hostile_edges() {
        // The limit can fall inside a character: the cut is at the last `&` before it, by bytes.
        let long = format!(
            "model=m&{}é{}",
            "a".repeat(MAX_FRAGMENT - 9),
            "b".repeat(99)
        );
        assert!(!long.is_char_boundary(MAX_FRAGMENT));
        let (c, notes, cleaned) = config(&long);
        assert_eq!(
            (c.model.as_deref(), notes),
            (Some("m"), vec![Note::TooLong])
        );
        // What was not read leaves the address bar, so a key past either limit does not stay in it.
        assert_eq!(cleaned.as_deref(), Some("model=m"));
        let k = key();
        for link in [
            format!("model=m&{}&key={k}", "x=1&".repeat(3_000)),
            format!("{}key={k}", "x=1&".repeat(MAX_PARAMS)),
        ] {
            let (_, _, cleaned) = config(&link);
            assert!(cleaned.is_some_and(|c| !c.contains("sk-ant")));
        }
        // An escape beside a lower-case id does not make the written link look like it holds a token.
        let c = Config {
            base: Some(
                "https://proxy.example.com/?deployment=0123456789abcdef0123456789abcdef".into(),
            ),
            ..Config::default()
        };
        assert_eq!(config(&write(&c)), (c, vec![], None));
        // An unknown check longer than a note quotes is dropped too; nothing known leaves no list.
        let (c, ..) = config(&format!("checks=cors,{}", "x".repeat(50)));
        assert_eq!(c.checks.as_deref(), Some("cors"));
        assert_eq!(config("checks=bogus").0.checks, None);
    }

    #[test]
    fn arbitrary_input_never_panics() {
        // A small deterministic generator over the characters that matter to the parser.
        let alphabet: Vec<char> = "=&%+#,.-_ab09AZsk-ant\u{e9}\u{4e2d}\u{0}~/:%2F%E0%zz"
            .chars()
            .collect();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 80) as usize;
            let text: String = (0..len)
                .map(|i| alphabet[((state >> (i % 50)) as usize + i * 7) % alphabet.len()])
                .collect();
            if let Fragment::Config { config, .. } = read(&text) {
                // Whatever was read writes back to something that reads as the same settings.
                if let Fragment::Config { config: back, .. } = read(&write(&config)) {
                    assert_eq!(back, config, "{text:?}");
                }
            }
        }
    }
}
