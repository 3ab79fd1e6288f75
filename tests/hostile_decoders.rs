//! Hostile input for the two decoders that read text from strangers: config links (`link::read`) and
//! report links (`share::unframe` and `share::unpack`, and the whole path from `#report=…` to what the
//! page shows of a report). Valid links and packs are mutated by a seeded xorshift generator; every
//! property says what must hold for any input, and a counting allocator bounds the memory of each call.
//!
//! The page inflates a report link's payload with the browser's own `deflate-raw` between `unframe` and
//! `unpack`; natively there is no inflater, so the payload here is the pack itself. The inflater's own
//! cap ([`share::MAX_PACK_BYTES`]) is tested by giving `unpack` packs of that size directly.
#![cfg(not(target_arch = "wasm32"))]
#![allow(unsafe_code)] // The counting allocator below: a global allocator cannot be written without it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use api_doctor::core::checks::REGISTRY;
use api_doctor::core::diagnosis::{Entry, State, Verdict};
use api_doctor::core::dns::ResolverView;
use api_doctor::core::export;
use api_doctor::core::finding::{Fact, Finding, Method, Point};
use api_doctor::core::i18n::Lang;
use api_doctor::core::input::Selection;
use api_doctor::core::input::MAX_WATCH_SECS;
use api_doctor::core::key::{AuthMode, KeyKind};
use api_doctor::core::link::{self, Config, Fragment, Note, MAX_FRAGMENT};
use api_doctor::core::report::{browser_name, KeyPrint, NativeSection, Report};
use api_doctor::core::share::{self, ShareError, MAX_LINK_CHARS, MAX_PACK_BYTES};
use api_doctor::core::time::rfc3339;

// --- Memory: a counting allocator, per thread so that tests running side by side do not mix ---------------

/// Counts the bytes each thread holds and the most it held since [`peak_of`] last reset it.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`, because a thread being torn down may still free memory after its counters are gone.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is passed on to the system allocator unchanged; only the counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        System.dealloc(p, layout);
        count(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = System.realloc(p, layout, new_size);
        if !q.is_null() {
            // Old and new block may both exist for a moment: counted so, the peak never understates.
            count(new_size as isize);
            count(-(layout.size() as isize));
        }
        q
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result with the most bytes this thread held at once meanwhile, beyond what
/// it held before (the result included, since it is alive at the end).
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    let peak = PEAK.with(Cell::get) - base;
    (out, peak.max(0) as usize)
}

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

// --- A small deterministic generator ------------------------------------------------------------------

/// xorshift64*: fixed seeds, so that a failure reproduces; no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    fn pick_ref<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Markup and script that must stay text wherever it lands.
const PAYLOADS: [&str; 10] = [
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    "\"><svg onload=window.__xss=1>",
    "javascript:window.__xss=1",
    "</code></pre></dd><iframe src=javascript:window.__xss=1>",
    "`code` ``two`` ```three``` \\` *em* _em_ [link](javascript:x) ![i](x) <b>b</b> &amp; &lt;",
    "# heading\n- item\n\n<script>x</script>\r\n```\nfence",
    "[a]: javascript:window.__xss=1 \"t\"",
    "'; window.__xss=1; //",
    "{{constructor.constructor('window.__xss=1')()}}",
];

/// Text that is valid Unicode but awkward: direction overrides, zero-width and joiners, BOM, combining
/// marks, CJK, emoji, and the Unicode line and paragraph separators.
const UNICODE: [&str; 12] = [
    "\u{202e}evil\u{202c}",
    "\u{2066}\u{2067}\u{2068}\u{2069}",
    "\u{200b}\u{200c}\u{200d}\u{2060}",
    "\u{feff}",
    "e\u{301}\u{301}\u{301}",
    "中文测试",
    "🦀👩‍👩‍👧",
    "\u{2028}\u{2029}",
    "\u{85}\u{9b}",
    "\u{fffd}",
    "ａｐｉ．ａｎｔｈｒｏｐｉｃ．ｃｏｍ",
    "\u{10ffff}",
];

/// NUL and control characters.
const CONTROLS: [&str; 8] = [
    "\0",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{8}",
];

/// A string someone else controls: payloads, Unicode, controls, backtick runs, or a long repetition.
fn hostile_string(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..1 + rng.below(4) {
        match rng.below(8) {
            0 | 1 => s.push_str(rng.pick(&PAYLOADS)),
            2 => s.push_str(rng.pick(&UNICODE)),
            3 => s.push_str(rng.pick(&CONTROLS)),
            4 => s.push_str(&"`".repeat(1 + rng.below(12))),
            5 => s.push_str(&rng.pick(&["ab", "<", "é", "`", " "]).repeat(rng.below(600))),
            6 => s.push_str("req_011CXyz"),
            _ => {}
        }
    }
    s
}

// --- Config links ---------------------------------------------------------------------------------------

/// The most parameters `link::read` reads (its private `MAX_PARAMS`), for the bound on notes.
const MAX_PARAMS: usize = 32;

/// Links people write by hand or the page writes, to mutate.
fn link_seeds() -> Vec<String> {
    let mut seeds: Vec<String> = [
        "#base=https%3A%2F%2Fgw.example.com%2Fanthropic&auth=bearer&model=claude-sonnet-4-5&version=2023-06-01&lang=zh&run=1&watch=60&checks=network,cors",
        "base=https://gateway.ai.cloudflare.com/v1/0123456789abcdef0123456789abcdef/gw/anthropic&run=1",
        "model=claude-opus-4-1&checks=all&lang=en-GB",
        "checks=service.message&model=claude-x%40v2",
        "watch=3600&run=true&auth=key",
        "report=AQID",
        "base=http://127.0.0.1:8787/s/healthy&checks=auth,perf.latency",
        "colour=red&auth=basic&lang=fr&run=yes&watch=99999&version=v1&model=%3Cscript%3E&checks=cors,bogus",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20 {
        seeds.push(link::write(&random_config(&mut rng)));
    }
    seeds
}

/// Percent-escapes that are malformed, decode to something awkward, or to a delimiter.
const ESCAPES: [&str; 20] = [
    "%",
    "%2",
    "%zz",
    "%+1",
    "%-1",
    "%25",
    "%2525",
    "%00",
    "%0A",
    "%0d%0a",
    "%ED%A0%80",
    "%C0%AF",
    "%E2%80%AE",
    "%E2%80%8B",
    "%F4%90%80%80",
    "%FF",
    "%26",
    "%3D",
    "%23",
    "%E0%A4",
];

/// Numbers no parameter takes.
const NUMBERS: [&str; 10] = [
    "99999999999999999999999999",
    "-1",
    "4294967296",
    "+3600",
    "3601",
    "1e3",
    "0x10",
    "３６００",
    "18446744073709551616",
    "NaN",
];

/// Characters one substitution may put in.
const CHARS: [char; 24] = [
    '=', '&', '%', '+', '#', ',', '.', '-', '_', '~', '/', ':', '?', ' ', 'a', 'Z', '9', '\0',
    '\n', 'é', '中', '\u{202e}', '\u{200b}', '🦀',
];

/// A char boundary of `s`, at random.
fn boundary(rng: &mut Rng, s: &str) -> usize {
    let mut i = rng.below(s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One structured mutation of a link text.
fn mutate_text(rng: &mut Rng, s: &mut String, other: &str) {
    let at = boundary(rng, s);
    match rng.below(11) {
        // A character replaced.
        0 => {
            if let Some(c) = s[at..].chars().next() {
                s.replace_range(at..at + c.len_utf8(), &rng.pick(&CHARS).to_string());
            }
        }
        // Cut short.
        1 => s.truncate(at),
        2 => s.insert_str(at, rng.pick(&ESCAPES)),
        3 => {
            let n = rng.pick(&NUMBERS);
            let at = s[..at].rfind('=').map_or(at, |i| i + 1);
            s.insert_str(at, n);
        }
        // Deep repetition of a piece, sometimes far past the limit.
        4 => {
            let end = boundary(rng, s).max(at);
            let piece = if end > at {
                s[at..end].to_string()
            } else {
                rng.pick(&["&", "=", "%", "a=1&", "checks=,,,&", "%E2%80%AE"])
                    .to_string()
            };
            let times = if rng.one_in(10) {
                MAX_FRAGMENT / piece.len().max(1) + 2
            } else {
                1 + rng.below(40)
            };
            s.insert_str(at, &piece.repeat(times));
        }
        5 => s.insert_str(at, rng.pick(&UNICODE)),
        6 => s.insert_str(at, rng.pick(&CONTROLS)),
        7 => s.insert_str(at, rng.pick(&PAYLOADS)),
        // Spliced with another link.
        8 => {
            let from = boundary(rng, other);
            s.insert_str(at, &other[from..]);
        }
        // A parameter name or value upper-cased.
        9 => *s = format!("{}{}", &s[..at], s[at..].to_uppercase()),
        _ => {
            let names = [
                "base", "auth", "model", "version", "lang", "run", "watch", "checks",
            ];
            let value = hostile_string(rng);
            s.push_str(&format!("&{}={}", rng.pick(&names), value));
        }
    }
}

/// Settings as the form could hold them; the base sometimes carries ids and queries that real gateways have.
fn random_config(rng: &mut Rng) -> Config {
    let hosts = [
        "https://api.anthropic.com",
        "https://gw.example.com/anthropic",
        "http://127.0.0.1:8787/s/healthy",
        "https://gateway.ai.cloudflare.com/v1/0123456789abcdef0123456789abcdef/gw/anthropic",
        "https://proxy.example.com/?deployment=0123456789abcdef0123456789abcdef",
        "https://proxy.example.com/a;v=1/b c/é/中/<x>/\"q\"/'s'/`t`",
        "https://例子.测试/路径?x=1&y=2#frag",
    ];
    let checks = [
        "all",
        "network,cors",
        "auth,perf.latency",
        "service.message",
        "page, dns , service.status",
    ];
    Config {
        base: rng.one_in(4).then(|| rng.pick(&hosts).to_string()),
        auth: rng
            .one_in(2)
            .then(|| rng.pick(&[AuthMode::ApiKey, AuthMode::Bearer])),
        model: rng.one_in(2).then(|| {
            rng.pick(&["claude-sonnet-4-5", "claude-x@2", "a/b:c.d_e"])
                .to_string()
        }),
        version: rng.one_in(3).then(|| "2023-06-01".to_string()),
        lang: rng.one_in(2).then(|| rng.pick(&Lang::ALL)),
        run: rng.one_in(2),
        watch: rng
            .one_in(3)
            .then(|| rng.below(MAX_WATCH_SECS as usize + 1) as u32),
        checks: rng.one_in(2).then(|| rng.pick(&checks).to_string()),
    }
}

/// What must hold for every fragment: no panic, bounded notes, values within their grammar, memory
/// bounded by the limit and not by the input, and settings that write back to themselves. Returns the
/// call's peak allocation.
fn check_read(input: &str) -> usize {
    let (fragment, peak) = match catch_unwind(AssertUnwindSafe(|| peak_of(|| link::read(input)))) {
        Ok(out) => out,
        Err(_) => panic!("link::read panicked on {:?}", clip(input)),
    };
    let show = || format!("{:?}", clip(input));
    match fragment {
        Fragment::Empty => assert!(input.trim_start_matches('#').is_empty(), "{}", show()),
        Fragment::Report(text) => {
            // Only a fragment that starts with report= is one, and the text is the rest, unchanged.
            let body = input.strip_prefix('#').unwrap_or(input);
            assert_eq!(Some(text.as_str()), body.strip_prefix("report="));
            // Copying the text is the only cost, whatever its length.
            assert!(peak <= text.len() + KIB, "{peak} bytes for {}", show());
        }
        Fragment::Config {
            config,
            notes,
            cleaned,
        } => {
            // The cut at MAX_FRAGMENT bounds the work: the memory does not grow with the input.
            assert!(peak <= 64 * KIB, "{peak} bytes for {}", show());
            assert!(
                notes.len() <= MAX_PARAMS + 2,
                "{} notes for {}",
                notes.len(),
                show()
            );
            for note in &notes {
                for lang in Lang::ALL {
                    let m = note.message(lang);
                    assert!(
                        m.chars().count() <= 400,
                        "note of {} chars",
                        m.chars().count()
                    );
                }
            }
            if let Some(cleaned) = &cleaned {
                assert!(cleaned.len() <= MAX_FRAGMENT, "{}", show());
                assert!(notes
                    .iter()
                    .any(|n| *n == Note::KeyRemoved || *n == Note::TooLong));
            }
            check_config(&config, input);
            // The page's own link to these settings reads back as the same settings, with nothing to say.
            let written = link::write(&config);
            match link::read(&written) {
                Fragment::Config {
                    config: back,
                    notes,
                    ..
                } => {
                    assert_eq!(back, config, "{} wrote {written:?}", show());
                    assert_eq!(notes, [], "{} wrote {written:?}", show());
                }
                Fragment::Empty => assert_eq!(config, Config::default(), "{}", show()),
                other => panic!("{} wrote {written:?}, read as {other:?}", show()),
            }
        }
    }
    peak
}

/// Every value a config link sets is one its parameter accepts.
fn check_config(c: &Config, input: &str) {
    let show = || format!("{:?} gave {c:?}", clip(input));
    if let Some(base) = &c.base {
        assert!(
            !base.is_empty() && base.len() <= 2_048 && base.trim() == base,
            "{}",
            show()
        );
        assert!(!link::looks_secret(base), "{}", show());
    }
    if let Some(model) = &c.model {
        assert!(model.len() <= 128, "{}", show());
        assert!(
            model
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._:@/".contains(&b)),
            "{}",
            show()
        );
    }
    if let Some(v) = &c.version {
        assert!(
            v.len() == 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-',
            "{}",
            show()
        );
    }
    if let Some(w) = c.watch {
        assert!(w <= MAX_WATCH_SECS, "{}", show());
    }
    if let Some(checks) = &c.checks {
        assert_eq!(
            Selection::parse(checks).1,
            Vec::<String>::new(),
            "{}",
            show()
        );
    }
}

/// The start of a long input, for messages.
fn clip(s: &str) -> String {
    s.chars().take(300).collect()
}

#[test]
fn config_links_survive_structured_mutation() {
    let seeds = link_seeds();
    let mut rng = Rng(0x51ed_270b_9a3c_f00d);
    let mut worst = 0;
    for _ in 0..6_000 {
        let mut s = rng.pick_ref(&seeds).clone();
        let other = rng.pick_ref(&seeds).clone();
        for _ in 0..1 + rng.below(4) {
            mutate_text(&mut rng, &mut s, &other);
        }
        if rng.one_in(3) {
            s.insert(0, '#');
        }
        worst = worst.max(check_read(&s));
    }
    // Any input up to the longest link anyone writes stays far below a mebibyte.
    assert!(worst < MIB, "{worst} bytes");
}

#[test]
fn written_links_read_back_without_notes() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for _ in 0..4_000 {
        let mut c = random_config(&mut rng);
        if rng.one_in(3) {
            // Bases as people type them, but never with a secret, which a link must not carry.
            let base = format!("https://gw.example.com/{}", hostile_string(&mut rng));
            let base = base.trim().to_string();
            if base.len() <= 2_048 && !link::looks_secret(&base) {
                c.base = Some(base);
            }
        }
        let text = link::write(&c);
        check_read(&text);
        let Fragment::Config { config, notes, .. } = link::read(&text) else {
            assert_eq!(c, Config::default());
            continue;
        };
        assert_eq!((config, notes), (c, vec![]), "{text:?}");
    }
}

/// An API key's shape, with a random body.
fn random_key(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let body: String = (0..93).map(|_| char::from(rng.pick(ALPHABET))).collect();
    format!("sk-ant-api03-{body}AA")
}

/// `s` with every byte, or only its `-`, percent-encoded.
fn escaped(s: &str, all: bool) -> String {
    s.bytes()
        .map(|b| {
            if all || b == b'-' {
                format!("%{b:02X}")
            } else {
                char::from(b).to_string()
            }
        })
        .collect()
}

#[test]
fn a_planted_key_never_survives_reading() {
    let seeds = link_seeds();
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for i in 0..3_000 {
        let mut s = rng.pick_ref(&seeds).clone();
        let other = rng.pick_ref(&seeds).clone();
        for _ in 0..rng.below(3) {
            mutate_text(&mut rng, &mut s, &other);
        }
        // A report link edited to carry a key is its own case (below); the rest is a config link.
        if s.trim_start_matches('#').starts_with("report=") {
            s.replace_range(..s.find('=').unwrap_or(0), "x");
        }
        let key = random_key(&mut rng);
        let form = match rng.below(4) {
            0 => key.clone(),
            1 => escaped(&key, true),
            2 => escaped(&key, false),
            _ => key.replace('-', "%2d"),
        };
        let param = match rng.below(6) {
            0 => format!("key={form}"),
            1 => form.clone(),
            2 => format!("note={form}"),
            3 => format!("base=https%3A%2F%2Fgw.example.com%2F%3Fk%3D{form}"),
            4 => format!("model={form}"),
            _ => format!("X-Api-Key={form}"),
        };
        // Anywhere: first, between parameters, or last; past the limit too.
        let at = match rng.below(3) {
            0 => 0,
            1 => s.find('&').unwrap_or(s.len()),
            _ => s.len(),
        };
        s.insert_str(at, &format!("&{param}&"));
        let read = link::read(&s);
        let Fragment::Config {
            config,
            notes,
            cleaned,
        } = &read
        else {
            panic!("#{i} {:?} read as {read:?}", clip(&s));
        };
        // The key's random part is nowhere in what was read, said, or put back into the address bar.
        let secret = &key[20..60];
        let kept = format!("{config:?} {notes:?} {cleaned:?}");
        assert!(!kept.contains(secret), "#{i} {:?}: {kept}", clip(&s));
        let upper = secret.to_uppercase();
        assert!(
            !kept.to_uppercase().contains(&upper),
            "#{i} {:?}: {kept}",
            clip(&s)
        );
        // And the address bar is rewritten, so the key leaves the history too.
        assert!(
            cleaned.is_some(),
            "#{i} {:?} kept in the address bar",
            clip(&s)
        );
    }
}

#[test]
fn oversize_links_are_cut_with_bounded_memory() {
    let eight_mb = 8 * MIB;
    let inputs = [
        "a".repeat(eight_mb),
        "x=1&".repeat(eight_mb / 4),
        // A multi-byte character across the limit.
        format!(
            "model=m&{}é{}",
            "a".repeat(MAX_FRAGMENT - 9),
            "b".repeat(eight_mb)
        ),
        format!("model=m&{}", "中".repeat(eight_mb / 3)),
        format!("base=https://x/{}", "%41".repeat(eight_mb / 3)),
        format!("checks={}", ",".repeat(eight_mb)),
        "&".repeat(eight_mb),
        "=".repeat(eight_mb),
        format!("report={}sk-ant-", "A".repeat(eight_mb)),
    ];
    for input in &inputs {
        let peak = check_read(input);
        assert!(peak <= 64 * KIB, "{peak} bytes for {:?}", clip(input));
        let Fragment::Config { notes, .. } = link::read(input) else {
            panic!("{:?}", clip(input))
        };
        assert!(
            notes.contains(&Note::TooLong),
            "{:?}: {notes:?}",
            clip(input)
        );
    }
    // A report link of any length is refused by its framing before anything is decoded.
    let text = "A".repeat(eight_mb);
    let (out, peak) = peak_of(|| share::unframe(&text));
    assert_eq!((out, peak), (Err(ShareError::TooLong), 0));
}

// --- Report links -----------------------------------------------------------------------------------------

const KEY_KINDS: [KeyKind; 5] = [
    KeyKind::Api,
    KeyKind::Admin,
    KeyKind::OAuth,
    KeyKind::Compliance,
    KeyKind::Other,
];
const LIMITS: [&str; 4] = ["requests", "tokens", "input-tokens", "output-tokens"];

/// Whole milliseconds, from ordinary to absurd.
fn ms(rng: &mut Rng) -> f64 {
    let any = (rng.next() >> 12) as f64;
    rng.pick(&[
        0.0,
        42.0,
        -1.0,
        10_000.0,
        1.79e12,
        -62_135_596_800_000.0,
        9.0e15,
        -9.0e15,
        any,
    ])
}

/// A big number, often a boundary.
fn big(rng: &mut Rng) -> u64 {
    let any = rng.next();
    rng.pick(&[0, 1, 127, 128, u64::from(u32::MAX), u64::MAX, any])
}

/// Every variant of [`Fact`] can come out, with hostile text and boundary numbers.
fn random_fact(rng: &mut Rng) -> Fact {
    let s = hostile_string(rng);
    let n = big(rng) as usize;
    match rng.below(35) {
        0 => Fact::Elapsed(ms(rng)),
        1 => Fact::TimeoutMs(big(rng) as u32),
        2 => Fact::HttpStatus(big(rng) as u16),
        3 => Fact::RequestId(s),
        4 => Fact::Edge(s),
        5 => Fact::ServerDate(s),
        6 => Fact::Server(s),
        7 => Fact::ErrorType(s),
        8 => Fact::ErrorMessage(s),
        9 => Fact::RetryAfter(s),
        10 => Fact::PageTitle(s),
        11 => Fact::Host(s),
        12 => Fact::BaseUsed(s),
        13 => Fact::KeyKind(rng.pick(&KEY_KINDS).as_str()),
        14 => Fact::KeyLength(n),
        15 => Fact::Model(s),
        16 => Fact::ModelCount(n),
        17 => Fact::RedirectedTo(s),
        18 => Fact::Offending(s),
        19 => Fact::Duration(rng.pick(&share::TIMINGS), ms(rng)),
        20 => Fact::ClockSkew(big(rng) as i64),
        21 => Fact::Samples(n),
        22 => Fact::Method(rng.pick(&[Method::ResourceTiming, Method::FetchRoundTrip])),
        23 => Fact::RateLimit {
            name: rng.pick(&LIMITS),
            remaining: big(rng),
            limit: big(rng),
            reset_in_s: rng.one_in(2).then(|| big(rng) as i64),
        },
        24 => Fact::StatusDescription(s),
        25 => Fact::ComponentState(s),
        26 => Fact::Incident(s),
        27 => Fact::Link(s),
        28 => Fact::Resolver(rng.below(256) as u8, ResolverView::parse(&s)),
        29 => Fact::Command(s),
        30 => Fact::ControlHost(s),
        31 => Fact::SuccessRatio {
            ok: n,
            total: big(rng) as usize,
        },
        32 => Fact::Failures(
            (0..rng.below(9))
                .map(|_| (rng.pick(&share::KINDS), big(rng) as usize))
                .collect(),
        ),
        33 => Fact::Timeline(
            (0..rng.below(50))
                .map(|_| Point {
                    at_ms: ms(rng),
                    elapsed_ms: ms(rng),
                    kind: rng.pick(&share::KINDS),
                })
                .collect(),
        ),
        _ => Fact::StreamChunks {
            events: n,
            chunks: big(rng) as usize,
        },
    }
}

/// A report as `pack` could be given one: checks in registry order, any outcome, hostile facts.
fn random_report(rng: &mut Rng) -> Report {
    let mut entries = Vec::new();
    for check in REGISTRY.iter().copied() {
        if rng.one_in(4) {
            continue;
        }
        let state = if rng.one_in(4) {
            State::Skipped {
                because: rng.pick(REGISTRY).code,
            }
        } else {
            State::Done(Finding {
                code: check.code,
                outcome: rng.pick(check.outcomes).1,
                facts: (0..rng.below(6)).map(|_| random_fact(rng)).collect(),
            })
        };
        entries.push(Entry { check, state });
    }
    let check = rng.pick(REGISTRY);
    let outcome = rng.pick(check.outcomes).1;
    Report {
        target: hostile_string(rng),
        key: rng.one_in(2).then(|| KeyPrint {
            kind: rng.pick(&KEY_KINDS).as_str(),
            length: rng.below(100_001),
            sha256: (rng.next() as u32).to_be_bytes(),
        }),
        browser: hostile_string(rng),
        native: None,
        started_ms: ms(rng),
        took_ms: big(rng) as u32,
        verdict: match rng.below(5) {
            0 => Verdict::Running,
            1 => Verdict::Cancelled,
            2 => Verdict::Healthy,
            3 => Verdict::Degraded {
                code: check.code,
                outcome,
            },
            _ => Verdict::Broken {
                layer: outcome.layer,
                code: check.code,
                outcome,
            },
        },
        their_side: rng.one_in(2),
        entries,
    }
}

/// LEB128, as the pack writes counts.
fn leb(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out
}

/// One structured mutation of a pack's bytes.
fn mutate_bytes(rng: &mut Rng, b: &mut Vec<u8>, other: &[u8]) {
    let at = rng.below(b.len() + 1);
    match rng.below(9) {
        0 => {
            if at < b.len() {
                let any = rng.next() as u8;
                b[at] = rng.pick(&[0, 1, 2, 0x7f, 0x80, 0xff, any]);
            }
        }
        1 => b.truncate(at),
        2 => {
            let n = leb(rng.pick(&[100_000_000, u64::MAX, u64::from(u32::MAX) + 1, 8_193]));
            b.splice(at..at, n);
        }
        // A count or length overwritten by a huge one.
        3 => {
            let n = leb(rng.pick(&[100_000_000, u64::MAX]));
            let end = (at + n.len()).min(b.len());
            b.splice(at..end, n);
        }
        // Deep repetition of a piece.
        4 => {
            let end = rng.below(b.len() + 1).max(at);
            let piece = b[at..end].to_vec();
            let most = if rng.one_in(8) { 2_000 } else { 8 };
            let times = 1 + rng.below(most);
            b.splice(at..at, piece.repeat(times));
        }
        // A string of broken UTF-8: a lone surrogate, an overlong slash, a cut sequence.
        5 => {
            let bad: &[u8] = rng.pick(&[
                &[0xed, 0xa0, 0x80][..],
                &[0xc0, 0xaf],
                &[0xe4, 0xb8],
                &[0xff],
            ]);
            b.splice(
                at..at,
                leb(bad.len() as u64).into_iter().chain(bad.iter().copied()),
            );
        }
        6 => {
            let end = rng.below(b.len() + 1).max(at);
            b.drain(at..end);
        }
        7 => {
            let from = rng.below(other.len() + 1);
            b.splice(at..at, other[from..].iter().copied());
        }
        _ => b.insert(at, rng.next() as u8),
    }
}

/// Everything the page does with a decoded report, natively: the findings' labels and values, the
/// banner's fields, the config link for "run it yourself", Markdown in both languages, and JSON.
fn present(r: &Report, link_text: &str) -> usize {
    let mut size = 0;
    let d = r.diagnosis();
    for e in &d.entries {
        let _ = e.status();
        if let State::Done(f) = &e.state {
            for fact in &f.facts {
                for lang in Lang::ALL {
                    size += fact.label().get(lang).len() + fact.value(lang).len();
                }
                let _ = (fact.key(), fact.as_text());
            }
        }
    }
    size += browser_name(&r.browser).len() + rfc3339(r.started_ms).len();
    size += r.key.map_or(0, |k| k.hash_hex().len());
    size += link::write(&Config {
        base: Some(r.target.clone()),
        ..Config::default()
    })
    .len();
    for lang in Lang::ALL {
        size += export::markdown(r, lang, Some(link_text)).len();
    }
    size + export::json(r).len()
}

/// Runs `f`, naming `what` if it panics.
fn no_panic<T>(what: &dyn Fn() -> String, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| panic!("panicked on {}", what()))
}

/// A native section with hostile strings and every kind of path, failure and prediction.
fn random_native(rng: &mut Rng) -> NativeSection {
    use api_doctor::core::native::{PathRow, Prediction, Route, Runtime, RuntimeRow, Stop, Why};
    use api_doctor::core::net::{
        Cert, Failure, NetError, PathSeen, Stage, TlsSeen, TrustResult, TrustSource,
    };
    let failure = |rng: &mut Rng| {
        let status = rng.below(1_000) as u16;
        Failure {
            stage: rng.pick(&[Stage::Connect, Stage::Proxy, Stage::Tls, Stage::Http]),
            error: rng.pick(&[
                NetError::Refused,
                NetError::Reset,
                NetError::TimedOut,
                NetError::ProxyStatus(status),
                NetError::NotTls,
                NetError::Other,
            ]),
            after_ms: ms(rng),
        }
    };
    let trust_results = [
        TrustResult::Trusted,
        TrustResult::UnknownIssuer,
        TrustResult::Expired,
        TrustResult::WrongName,
        TrustResult::Unusable,
    ];
    let paths = (0..rng.below(5))
        .map(|_| PathRow {
            route: rng.pick(&["direct", "proxy"]),
            via: hostile_string(rng),
            family: rng.pick(&[0, 4, 6]),
            seen: rng.one_in(4).then(|| PathSeen {
                connect_ms: rng.one_in(2).then(|| ms(rng)),
                proxy_status: rng.one_in(2).then(|| rng.below(1_000) as u16),
                tls: rng.one_in(2).then(|| TlsSeen {
                    version: hostile_string(rng),
                    alpn: hostile_string(rng),
                    cipher: hostile_string(rng),
                    chain: (0..rng.below(3))
                        .map(|_| Cert {
                            subject: hostile_string(rng),
                            issuer: hostile_string(rng),
                            not_before: big(rng) as i64,
                            not_after: -(big(rng) as i64),
                            ca: rng.one_in(2),
                        })
                        .collect(),
                    trust: (0..rng.below(4))
                        .map(|i| {
                            let source = [
                                TrustSource::Mozilla,
                                TrustSource::System,
                                TrustSource::File(i as u8),
                            ];
                            (rng.pick(&source), rng.pick(&trust_results))
                        })
                        .collect(),
                    elapsed_ms: ms(rng),
                    at_unix: big(rng) as i64,
                }),
                http_status: rng.one_in(2).then(|| rng.below(600) as u16),
                ttfb_ms: rng.one_in(2).then(|| ms(rng)),
                failure: rng.one_in(2).then(|| failure(rng)),
            }),
        })
        .collect();
    let runtimes = (0..rng.below(5))
        .map(|_| RuntimeRow {
            runtime: rng.pick(&[
                Runtime::Python,
                Runtime::Node,
                Runtime::ClaudeCode,
                Runtime::Curl,
            ]),
            route: match rng.below(3) {
                0 => Route::Direct,
                1 => Route::Proxy {
                    index: rng.below(4),
                    var: hostile_string(rng),
                },
                _ => {
                    Route::Stopped(rng.pick(&[Stop::DiesAtStart, Stop::BadProxy, Stop::HttpsProxy]))
                }
            },
            route_shown: hostile_string(rng),
            prediction: match rng.below(4) {
                0 => Prediction::Works,
                1 => Prediction::WorksAfterWait,
                2 => Prediction::Unknown,
                _ => Prediction::Fails(match rng.below(5) {
                    0 => Why::Stopped(Stop::SocksNeedsExtra),
                    1 => Why::NotResolved,
                    2 => Why::Path(failure(rng)),
                    3 => Why::NoFallback(failure(rng)),
                    _ => Why::Untrusted(rng.pick(&trust_results)),
                }),
            },
            issuer: rng.one_in(2).then(|| hostile_string(rng)),
        })
        .collect();
    NativeSection {
        host_kind: hostile_string(rng),
        paths,
        runtimes,
    }
}

#[test]
fn native_packs_survive_structured_mutation() {
    let mut rng = Rng(0x0dd5_eed5_cafe_babe);
    let packs: Vec<Vec<u8>> = (0..40)
        .map(|_| {
            let mut r = random_report(&mut rng);
            r.native = Some(random_native(&mut rng));
            let packed = share::pack(&r);
            // Unmutated, each reads back to itself under its own version, and version 1 refuses it.
            assert_eq!(share::unpack_version(share::VERSION_NATIVE, &packed), Ok(r));
            assert!(share::unpack(&packed).is_err());
            packed
        })
        .collect();
    let mut accepted = 0;
    for i in 0..4_000 {
        let mut b = rng.pick_ref(&packs).clone();
        let other = rng.pick_ref(&packs).clone();
        for _ in 0..1 + rng.below(3) {
            mutate_bytes(&mut rng, &mut b, &other);
        }
        let what = || format!("#{i}: {:02x?}", &b[..b.len().min(200)]);
        let (out, peak) = no_panic(&what, || {
            peak_of(|| share::unpack_version(share::VERSION_NATIVE, &b))
        });
        assert!(
            peak <= 16 * b.len() + 4 * KIB,
            "{peak} bytes for {} bytes",
            b.len()
        );
        if let Ok(r) = out {
            accepted += 1;
            no_panic(&what, || present(&r, "https://example.com/#report=x"));
            let again = share::pack(&r);
            assert_eq!(
                share::unpack_version(share::VERSION_NATIVE, &again).as_ref(),
                Ok(&r),
                "{}",
                what()
            );
        }
    }
    assert!(accepted > 50, "only {accepted} mutated native packs read");
}

#[test]
fn packs_survive_structured_mutation() {
    let mut rng = Rng(0xfeed_face_0bad_f00d);
    let packs: Vec<Vec<u8>> = (0..40)
        .map(|_| share::pack(&random_report(&mut rng)))
        .collect();
    let (mut accepted, mut worst) = (0, 0);
    for i in 0..6_000 {
        let mut b = rng.pick_ref(&packs).clone();
        let other = rng.pick_ref(&packs).clone();
        for _ in 0..1 + rng.below(3) {
            mutate_bytes(&mut rng, &mut b, &other);
        }
        let what = || format!("#{i}: {:02x?}", &b[..b.len().min(200)]);
        let (out, peak) = no_panic(&what, || peak_of(|| share::unpack(&b)));
        // Nothing is held beyond a small multiple of the input: counts are capped before allocation.
        assert!(
            peak <= 16 * b.len() + 4 * KIB,
            "{peak} bytes for {} bytes",
            b.len()
        );
        worst = worst.max(peak);
        if let Ok(r) = out {
            accepted += 1;
            // What was accepted is a report the page can show, and packs to a fixpoint.
            no_panic(&what, || present(&r, "https://example.com/#report=x"));
            let again = share::pack(&r);
            assert_eq!(share::unpack(&again).as_ref(), Ok(&r), "{}", what());
        }
    }
    assert!(
        accepted > 100,
        "only {accepted} mutated packs read: the mutations are too blunt"
    );
    assert!(worst < MIB, "{worst} bytes");
}

#[test]
fn report_links_read_end_to_end() {
    let mut rng = Rng(0x0ddb_a11c_0ffe_e000);
    let texts: Vec<String> = (0..40)
        .map(|_| share::frame(&share::pack(&random_report(&mut rng))))
        .collect();
    let (mut shown, mut worst) = (0, 0);
    for i in 0..4_000 {
        let mut text = rng.pick_ref(&texts).clone();
        let other = rng.pick_ref(&texts).clone();
        if !rng.one_in(5) {
            for _ in 0..1 + rng.below(3) {
                mutate_text(&mut rng, &mut text, &other);
            }
        }
        let fragment = format!("#report={text}");
        let what = || format!("#{i}: {:?}", clip(&fragment));
        let ((out, link_text), peak) = no_panic(&what, || {
            peak_of(|| {
                let Fragment::Report(link_text) = link::read(&fragment) else {
                    return (None, String::new());
                };
                let report = share::unframe(&link_text).and_then(|pack| share::unpack(&pack));
                (Some(report), link_text)
            })
        });
        // Up to the longest link read, the whole decode stays under a mebibyte.
        if fragment.len() <= MAX_LINK_CHARS {
            assert!(peak < MIB, "{peak} bytes for {}", what());
        }
        worst = worst.max(peak);
        match out {
            // Only an edit makes it a config link: a planted key prefix, an appended parameter or a
            // percent-escape.
            None => {
                let body = fragment.strip_prefix("#report=").unwrap_or(&fragment);
                let edited = body.contains(['&', '=', '%']) || !fragment.starts_with("#report=");
                assert!(fragment.contains("sk-ant-") || edited, "{}", what());
            }
            Some(Ok(r)) => {
                shown += 1;
                let (_, peak) = no_panic(&what, || peak_of(|| present(&r, &link_text)));
                assert!(peak < 4 * MIB, "{peak} bytes to present {}", what());
            }
            Some(Err(e)) => {
                for lang in Lang::ALL {
                    assert!(!e.message(lang).is_empty());
                }
            }
        }
    }
    assert!(shown > 500, "only {shown} links opened");
    assert!(worst < 4 * MIB, "{worst} bytes");
}

/// `line` with its code spans taken out, as CommonMark reads them: a run of n backticks opens one, the
/// next run of exactly n closes it; a backslash-escaped backtick opens nothing; an unclosed run is text.
fn outside_code_spans(line: &str) -> String {
    let b: Vec<char> = line.chars().collect();
    let run = |i: usize| b[i..].iter().take_while(|c| **c == '`').count();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == '\\' && i + 1 < b.len() {
            out.push(b[i]);
            out.push(b[i + 1]);
            i += 2;
            continue;
        }
        if b[i] != '`' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let n = run(i);
        let mut j = i + n;
        let close = loop {
            if j >= b.len() {
                break None;
            }
            if b[j] == '`' {
                let m = run(j);
                if m == n {
                    break Some(j);
                }
                j += m;
            } else {
                j += 1;
            }
        };
        match close {
            Some(j) => {
                out.push('·');
                i = j + n;
            }
            None => {
                out.extend(&b[i..i + n]);
                i += n;
            }
        }
    }
    out
}

/// `r` with every string someone else controls replaced by a harmless one.
fn tamed(r: &Report) -> Report {
    let mut r = r.clone();
    r.target = "t".into();
    r.browser = "b".into();
    for e in &mut r.entries {
        if let State::Done(f) = &mut e.state {
            for fact in &mut f.facts {
                let plain = match &*fact {
                    Fact::Resolver(n, _) => Fact::Resolver(*n, ResolverView::parse("x")),
                    other if other.as_text().is_some() => Fact::Model("x".into()),
                    other => other.clone(),
                };
                *fact = plain;
            }
        }
    }
    r
}

#[test]
fn exports_keep_hostile_text_inert() {
    let mut rng = Rng(0x1234_5678_9abc_def0);
    let mut spans = 0;
    for i in 0..600 {
        let r = random_report(&mut rng);
        let link_text = if rng.one_in(2) {
            format!("https://example.com/#report={}", share::frame(&[1, 2, 3]))
        } else {
            hostile_string(&mut rng)
        };
        for lang in Lang::ALL {
            let md = export::markdown(&r, lang, Some(&link_text));
            // No string can start a line of its own: the shape is the same as with harmless strings.
            let plain = export::markdown(&tamed(&r), lang, Some("https://example.com/"));
            assert_eq!(md.lines().count(), plain.lines().count(), "#{i}\n{md}");
            assert!(
                !md.chars().any(|c| c.is_control() && c != '\n'),
                "#{i}: a control character in\n{md}"
            );
            for line in md.lines() {
                let rest = outside_code_spans(line);
                spans += line.matches('`').count().min(1);
                for bad in [
                    "<img",
                    "<script",
                    "<svg",
                    "<iframe",
                    "<b>",
                    "javascript:",
                    "](",
                    "&lt;",
                ] {
                    assert!(
                        !rest.contains(bad),
                        "#{i}: {bad} outside a code span in {line:?}"
                    );
                }
                // Outside code spans a `<` is escaped, or opens the report link's autolink.
                for (at, _) in rest.match_indices('<') {
                    let escaped = rest[..at].ends_with('\\');
                    assert!(
                        escaped || rest[at..].starts_with("<https://"),
                        "#{i}: {line:?}"
                    );
                }
            }
        }
        // The JSON parses, and gives back every string exactly.
        let json = export::json(&r);
        let v: serde_json::Value =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("#{i}: {e} in {json}"));
        assert_eq!(v["target"].as_str(), Some(r.target.as_str()));
        assert_eq!(v["browser"].as_str(), Some(r.browser.as_str()));
        let findings = v["findings"].as_array().expect("findings");
        assert_eq!(findings.len(), r.entries.len());
        for (e, f) in r.entries.iter().zip(findings) {
            let State::Done(finding) = &e.state else {
                continue;
            };
            for (fact, j) in finding
                .facts
                .iter()
                .zip(f["facts"].as_array().expect("facts"))
            {
                match fact {
                    Fact::Resolver(_, view) => {
                        assert_eq!(j["value"]["answer"].as_str(), Some(&*view.canonical()))
                    }
                    _ => {
                        if let Some(s) = fact.as_text() {
                            assert_eq!(j["value"].as_str(), Some(s), "#{i}");
                        }
                    }
                }
            }
        }
    }
    assert!(spans > 1_000, "the reports put too little into code spans");
}

#[test]
fn claimed_counts_are_refused_before_allocation() {
    let huge = 100_000_000u64;
    // A report's head up to the first count: started, took, then the target's length.
    let head = |rest: &[u8]| [&leb(0)[..], &leb(0), rest].concat();
    let str0 = leb(0);
    let no_key_verdict = [0u8, 2, 0];
    // A one-entry report whose first check is done with one fact, up to that fact's tag.
    let fact = |tag: u8, rest: &[u8]| {
        let body = [
            &str0[..],
            &str0,
            &no_key_verdict,
            &leb(1),
            &[0, 1, 0],
            &leb(1),
            &[tag],
            rest,
        ];
        head(&body.concat())
    };
    let rows: Vec<(&str, Vec<u8>)> = vec![
        ("the target's length", head(&leb(huge))),
        (
            "the browser's length",
            head(&[&str0[..], &leb(huge)].concat()),
        ),
        (
            "the key's length",
            head(&[&str0[..], &str0, &[1, 0], &leb(huge)].concat()),
        ),
        (
            "the number of entries",
            head(&[&str0[..], &str0, &no_key_verdict, &leb(huge)].concat()),
        ),
        (
            "the number of facts",
            head(
                &[
                    &str0[..],
                    &str0,
                    &no_key_verdict,
                    &leb(1),
                    &[0, 1, 0],
                    &leb(huge),
                ]
                .concat(),
            ),
        ),
        ("a fact's text", fact(8, &leb(huge))),
        (
            "a resolver's answer",
            fact(28, &[&[1u8][..], &leb(huge)].concat()),
        ),
        ("the kinds of failure", fact(32, &leb(huge))),
        ("the timeline's points", fact(33, &leb(huge))),
        ("a timeline of u64::MAX points", fact(33, &leb(u64::MAX))),
    ];
    for (what, bytes) in rows {
        let (out, peak) = peak_of(|| share::unpack(&bytes));
        assert_eq!(out, Err(ShareError::Malformed), "{what}");
        // Nothing was allocated for the claim: at most the few empty strings read before it.
        assert!(peak <= 256, "{what}: {peak} bytes");
    }
    // The same head with a small count is read, so the rows above fail for their counts and nothing else.
    let fine = fact(8, &leb(0));
    assert!(share::unpack(&fine).is_ok(), "{fine:02x?}");
}

/// A pack of a report with no key whose checks, from the first, are done with these encoded facts.
fn pack_with(checks: &[Vec<Vec<u8>>]) -> Vec<u8> {
    let mut b = [&leb(0)[..], &leb(0), &leb(0), &leb(0), &[0, 2, 0]].concat();
    b.extend(leb(checks.len() as u64));
    for (place, facts) in checks.iter().enumerate() {
        b.extend_from_slice(&[place as u8, 1, 0]);
        b.extend(leb(facts.len() as u64));
        b.extend(facts.concat());
    }
    b
}

/// As many checks of up to 64 copies of `fact` as fit in the inflater's cap; `first` leads the first.
fn fill_cap(first: &[u8], fact: &[u8]) -> Vec<u8> {
    let mut checks: Vec<Vec<Vec<u8>>> = vec![vec![first.to_vec()]];
    while pack_with(&checks).len() + fact.len() + 8 <= MAX_PACK_BYTES {
        let last = checks.last_mut().expect("a check");
        if last.len() < 64 {
            last.push(fact.to_vec());
        } else if checks.len() < REGISTRY.len() {
            checks.push(vec![fact.to_vec()]);
        } else {
            break;
        }
    }
    pack_with(&checks)
}

#[test]
fn the_largest_packs_hold_bounded_memory() {
    // Past the inflater's cap, nothing is read.
    let over = vec![0u8; MAX_PACK_BYTES + 1];
    let (out, peak) = peak_of(|| share::unpack(&over));
    assert_eq!((out, peak), (Err(ShareError::Corrupt), 0));
    // Points are the densest fact: 3 bytes in a pack, 24 in memory; deflate shrinks a pack of repeated
    // ones a thousandfold. One watch's worth is read; more in the same report is refused.
    let timeline = |n: u64| [&[33u8][..], &leb(n), &[0, 0, 0].repeat(n as usize)].concat();
    let text = [&[8u8][..], &leb(8_192), &[b'<'; 8_192]].concat();
    let points = fill_cap(&timeline(2_000), &timeline(2_000));
    assert_eq!(share::unpack(&points), Err(ShareError::Malformed));
    let split = pack_with(&[vec![timeline(1_000), timeline(1_001)]]);
    assert_eq!(share::unpack(&split), Err(ShareError::Malformed));
    // The largest pack that is read: one full timeline, then texts of the longest length to the cap.
    let largest = fill_cap(&timeline(2_000), &text);
    assert!(largest.len() > MAX_PACK_BYTES - 9_000, "{}", largest.len());
    let (out, peak) = peak_of(|| share::unpack(&largest));
    let r = out.unwrap_or_else(|e| panic!("{e:?}"));
    assert!(peak <= 2 * MAX_PACK_BYTES, "unpack held {peak} bytes");
    // Everything the page makes of it, both Markdowns and the JSON included, stays within a few MiB.
    let (size, shown) = peak_of(|| present(&r, "x"));
    assert!(
        shown <= 4 * MIB,
        "{shown} bytes to present {size} bytes of text"
    );
    // Shown with --nocapture, for the record.
    eprintln!(
        "largest pack read: {} bytes; unpack peak {} KiB; presenting peak {} KiB",
        largest.len(),
        peak / KIB,
        shown / KIB
    );
}
