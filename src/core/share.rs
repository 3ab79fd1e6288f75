//! Report links: a report packed into compact bytes, and the versioned, URL-safe text around the compressed
//! pack. The browser's own `CompressionStream` compresses (no compressor in the wasm); everything else,
//! and every check on the way back in, is here.
//!
//! The pack names checks and outcomes by their wire ids (`checks/wire_ids.txt`), one byte each, which
//! never change when checks or outcomes are added, removed or reordered; the version byte changes only
//! when the layout does. Version 1 named them by their place in the registry, and every wire id is the
//! place its check or outcome had then, so every version 1 link ever made reads the same today.

use super::b64;
use super::checks::{by_code, by_wire, Check, REGISTRY};
use super::diagnosis::{Entry, State, Verdict};
use super::dns::ResolverView;
use super::finding::{Fact, Finding, Method, Point, SampleKind, Timing};
use super::i18n::{t, Lang, Text};
use super::native::{FileState, PathRow, Prediction, Route, RuntimeRow, Stop, Why, RUNTIMES};
use super::net::{Cert, Failure, NetError, PathSeen, Stage, TlsSeen, TrustResult, TrustSource};
use super::report::{KeyPrint, NativeSection, Report};

/// The layout of the pack; a link of another version is refused, never guessed at.
pub const VERSION: u8 = 1;
/// The layout of a native doctor's report: version 1's, then the native section (paths and runtimes).
pub const VERSION_NATIVE: u8 = 2;
/// The most paths, runtimes, certificates of a chain and trust verdicts of a path a native section holds.
const MAX_PATHS: usize = 16;
const MAX_RUNTIMES: usize = 8;
const MAX_CHAIN: usize = 16;
const MAX_TRUST: usize = 32;
/// The longest report link text read, in characters.
pub const MAX_LINK_CHARS: usize = 40_000;
/// Room beside the report text in a whole address (origin, path, `#r=`) that is still offered to share on.
const ADDRESS_ROOM: usize = 512;

/// Whether a report's whole address, as the reader opened it, may be offered to share on: no longer than a
/// report link the page reads, with room for the page's own address.
pub fn can_share_on(address: &str) -> bool {
    address.len() <= MAX_LINK_CHARS + ADDRESS_ROOM
}

/// The most bytes a pack may inflate to: the shell stops decompressing beyond it.
pub const MAX_PACK_BYTES: usize = 256 * 1024;
/// The longest string a pack may hold.
const MAX_STR: usize = 8_192;
/// The most facts in one finding, and timeline points in one report (a run has one watch, which keeps at
/// most 2,000 probes): a short link of repeated points would otherwise inflate to tens of thousands.
const MAX_FACTS: usize = 64;
const MAX_POINTS: usize = 2_000;

/// Why a report link could not be opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareError {
    Empty,
    TooLong,
    /// Not URL-safe base64.
    Encoding,
    /// Made by another version of this page.
    Version(u8),
    /// The compressed part does not inflate, or inflates beyond [`MAX_PACK_BYTES`].
    Corrupt,
    /// The pack is cut short, has bytes left over, or names something that does not exist.
    Malformed,
}

impl std::fmt::Display for ShareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // English, for logs and the native doctor; people see `text()` in their own language.
        f.write_str(self.text().get(Lang::En))?;
        if let ShareError::Version(v) = self {
            write!(f, " ({v})")?;
        }
        Ok(())
    }
}

impl ShareError {
    /// What went wrong, for people.
    pub fn text(self) -> Text {
        match self {
            ShareError::Empty => t!("The report link is empty.", "报告链接是空的。"),
            ShareError::TooLong => t!(
                "The report link is too long to be one this page made.",
                "报告链接过长，不是本页面生成的。",
            ),
            ShareError::Encoding => t!(
                "The report link is damaged: it holds characters a report never has. It may have been cut or changed when it was pasted.",
                "报告链接已损坏：其中含有报告中不会出现的字符。它可能在粘贴时被截断或修改了。",
            ),
            ShareError::Version(_) => t!(
                "The report link was made by another version of API Doctor and cannot be shown here.",
                "该报告链接由其他版本的 API Doctor 生成，无法在此显示。",
            ),
            ShareError::Corrupt => t!(
                "The report link is damaged: its compressed data does not unpack. It may have been cut short when it was pasted.",
                "报告链接已损坏：压缩数据无法解开。它可能在粘贴时被截断了。",
            ),
            ShareError::Malformed => t!(
                "The report link is damaged: its data does not describe a report.",
                "报告链接已损坏：其数据不是一份报告。",
            ),
        }
    }

    /// The message in `lang`.
    pub fn message(self, lang: Lang) -> &'static str {
        self.text().get(lang)
    }
}

/// The link text around a compressed pack.
pub fn frame(compressed: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(compressed.len() + 1);
    bytes.push(VERSION);
    bytes.extend_from_slice(compressed);
    b64::encode(&bytes)
}

/// The link text around a report's compressed pack, with the version its layout needs.
pub fn frame_report(report: &Report, compressed: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(compressed.len() + 1);
    bytes.push(if report.native.is_some() {
        VERSION_NATIVE
    } else {
        VERSION
    });
    bytes.extend_from_slice(compressed);
    b64::encode(&bytes)
}

/// The version and the compressed pack inside a link text of either version.
pub fn open(text: &str) -> Result<(u8, Vec<u8>), ShareError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ShareError::Empty);
    }
    if text.len() > MAX_LINK_CHARS {
        return Err(ShareError::TooLong);
    }
    let bytes = b64::decode(text).map_err(|_| ShareError::Encoding)?;
    match bytes.split_first() {
        Some((&v, rest)) if (v == VERSION || v == VERSION_NATIVE) && !rest.is_empty() => {
            Ok((v, rest.to_vec()))
        }
        Some((&v, _)) if v == VERSION || v == VERSION_NATIVE => Err(ShareError::Malformed),
        Some((&v, _)) => Err(ShareError::Version(v)),
        None => Err(ShareError::Empty),
    }
}

/// The compressed pack inside a link text, once its length, encoding and version are right.
pub fn unframe(text: &str) -> Result<Vec<u8>, ShareError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ShareError::Empty);
    }
    if text.len() > MAX_LINK_CHARS {
        return Err(ShareError::TooLong);
    }
    let bytes = b64::decode(text).map_err(|_| ShareError::Encoding)?;
    match bytes.split_first() {
        Some((&VERSION, rest)) if !rest.is_empty() => Ok(rest.to_vec()),
        Some((&VERSION, _)) => Err(ShareError::Malformed),
        Some((&v, _)) => Err(ShareError::Version(v)),
        None => Err(ShareError::Empty),
    }
}

const KEY_KINDS: [&str; 5] = [
    "api-key",
    "admin-key",
    "oauth-token",
    "compliance-key",
    "other",
];
const LIMITS: [&str; 4] = ["requests", "tokens", "input-tokens", "output-tokens"];
/// Every kind of duration, in the order a report names them by; a new one is appended.
pub const TIMINGS: [Timing; 13] = [
    Timing::Min,
    Timing::Median,
    Timing::P90,
    Timing::Jitter,
    Timing::Cold,
    Timing::Setup,
    Timing::ControlMedian,
    Timing::FirstToken,
    Timing::Dns,
    Timing::Connect,
    Timing::Tls,
    Timing::Ttfb,
    Timing::Idle,
];
/// Every kind of watch sample, in the order a report names them by; a new one is appended.
pub const KINDS: [SampleKind; 8] = [
    SampleKind::Ok,
    SampleKind::RateLimited,
    SampleKind::Overloaded,
    SampleKind::ServerError,
    SampleKind::Unexpected,
    SampleKind::Unreadable,
    SampleKind::Failed,
    SampleKind::TimedOut,
];

/// Every way a connection can end, in the order a report names them by; a new one is appended. A proxy's
/// status travels beside its place.
const NET_ERRORS: [NetError; 10] = [
    NetError::Refused,
    NetError::Reset,
    NetError::Unreachable,
    NetError::TimedOut,
    NetError::Closed,
    NetError::ProxyStatus(0),
    NetError::NotTls,
    NetError::TlsAlert,
    NetError::BadAnswer,
    NetError::Other,
];
/// Every state of a CA file, in report order; counts travel beside their place.
const FILE_STATES: [FileState; 7] = [
    FileState::Pem { certs: 0 },
    FileState::Dir { certs: 0 },
    FileState::Missing,
    FileState::IsDir,
    FileState::Unreadable,
    FileState::Empty,
    FileState::NotPem,
];
/// Every stage of a path, in report order.
const STAGES: [Stage; 4] = [Stage::Connect, Stage::Proxy, Stage::Tls, Stage::Http];
/// Every reason a runtime never reaches a path, in report order.
const STOPS: [Stop; 8] = [
    Stop::DiesAtStart,
    Stop::SocksNeedsExtra,
    Stop::SocksUnsupported,
    Stop::HttpsProxy,
    Stop::BadProxy,
    Stop::NodeOptions,
    Stop::NotText,
    Stop::CaFile,
];
/// Every trust result, in report order.
const TRUST_RESULTS: [TrustResult; 7] = [
    TrustResult::Trusted,
    TrustResult::UnknownIssuer,
    TrustResult::Expired,
    TrustResult::NotYetValid,
    TrustResult::WrongName,
    TrustResult::Unusable,
    TrustResult::Invalid,
];

/// The place of `x` in `list`; values always come from these lists.
fn index_of<T: PartialEq>(list: &[T], x: &T) -> u8 {
    list.iter().position(|y| y == x).unwrap_or(0) as u8
}

/// Appends bytes.
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, b: u8) {
        self.0.push(b);
    }
    /// LEB128.
    fn uint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }
    /// Zigzag, then LEB128.
    fn int(&mut self, n: i64) {
        self.uint(((n << 1) ^ (n >> 63)) as u64);
    }
    /// Whole milliseconds: the page shows no finer.
    fn ms(&mut self, ms: f64) {
        self.int(if ms.is_finite() { ms.round() as i64 } else { 0 });
    }
    fn str(&mut self, s: &str) {
        let s = &s[..floor_boundary(s, MAX_STR)];
        self.uint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
}

/// The largest char boundary of `s` not beyond `max`.
fn floor_boundary(s: &str, max: usize) -> usize {
    let mut i = max.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Packs a report into bytes for [`unpack`].
pub fn pack(r: &Report) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(512));
    w.ms(r.started_ms);
    w.uint(u64::from(r.took_ms));
    w.str(&r.target);
    w.str(&r.browser);
    match &r.key {
        None => w.u8(0),
        Some(k) => {
            w.u8(1);
            w.u8(index_of(&KEY_KINDS, &k.kind));
            w.uint(k.length as u64);
            w.0.extend_from_slice(&k.sha256);
        }
    }
    // Codes and outcome ids always come from the registry, so the fallbacks are never taken.
    let place = |code: &str| by_code(code).map_or(0, |c| c.wire);
    let outcome = |code: &str, id: &str| by_code(code).and_then(|c| c.wire_of(id)).unwrap_or(0);
    match &r.verdict {
        Verdict::Running => w.u8(0),
        Verdict::Cancelled => w.u8(1),
        Verdict::Healthy => w.u8(2),
        Verdict::Degraded { code, outcome: o } => {
            w.u8(3);
            w.u8(place(code));
            w.u8(outcome(code, o.id));
        }
        Verdict::Broken {
            code, outcome: o, ..
        } => {
            w.u8(4);
            w.u8(place(code));
            w.u8(outcome(code, o.id));
        }
    }
    w.u8(u8::from(r.their_side));
    w.uint(r.entries.len() as u64);
    for e in &r.entries {
        w.u8(place(e.check.code));
        match &e.state {
            State::Pending => w.u8(0),
            State::Done(f) => {
                w.u8(1);
                w.u8(outcome(f.code, f.outcome.id));
                w.uint(f.facts.len() as u64);
                for fact in &f.facts {
                    pack_fact(&mut w, fact);
                }
            }
            State::Skipped { because } => {
                w.u8(2);
                w.u8(place(because));
            }
        }
    }
    if let Some(native) = &r.native {
        pack_native(&mut w, native);
    }
    w.0
}

/// The native section: where it ran, each path as far as it got, each runtime's route and prediction.
fn pack_native(w: &mut Writer, n: &NativeSection) {
    w.str(&n.host_kind);
    w.uint(n.paths.len().min(MAX_PATHS) as u64);
    for p in n.paths.iter().take(MAX_PATHS) {
        w.u8(u8::from(p.route == "proxy"));
        w.str(&p.via);
        w.u8(p.family);
        match &p.seen {
            None => w.u8(0),
            Some(seen) => {
                w.u8(1);
                opt_ms(w, seen.connect_ms);
                opt_uint(w, seen.proxy_status.map(u64::from));
                match &seen.tls {
                    None => w.u8(0),
                    Some(tls) => {
                        w.u8(1);
                        w.str(&tls.version);
                        w.str(&tls.alpn);
                        w.str(&tls.cipher);
                        w.ms(tls.elapsed_ms);
                        w.int(tls.at_unix);
                        w.uint(tls.chain.len().min(MAX_CHAIN) as u64);
                        for c in tls.chain.iter().take(MAX_CHAIN) {
                            w.str(&c.subject);
                            w.str(&c.issuer);
                            w.int(c.not_before);
                            w.int(c.not_after);
                            w.u8(u8::from(c.ca));
                        }
                        w.uint(tls.trust.len().min(MAX_TRUST) as u64);
                        for (source, result) in tls.trust.iter().take(MAX_TRUST) {
                            match source {
                                TrustSource::Mozilla => w.u8(0),
                                TrustSource::System => w.u8(1),
                                TrustSource::File(i) => {
                                    w.u8(2);
                                    w.u8(*i);
                                }
                            }
                            w.u8(index_of(&TRUST_RESULTS, result));
                        }
                    }
                }
                opt_uint(w, seen.http_status.map(u64::from));
                opt_ms(w, seen.ttfb_ms);
                match &seen.failure {
                    None => w.u8(0),
                    Some(f) => {
                        w.u8(1);
                        pack_failure(w, f);
                    }
                }
            }
        }
    }
    w.uint(n.runtimes.len().min(MAX_RUNTIMES) as u64);
    for r in n.runtimes.iter().take(MAX_RUNTIMES) {
        w.u8(index_of(&RUNTIMES, &r.runtime));
        match &r.route {
            Route::Direct => w.u8(0),
            Route::Proxy { index, var } => {
                w.u8(1);
                w.uint(*index as u64);
                w.str(var);
            }
            Route::Stopped(stop) => {
                w.u8(2);
                w.u8(index_of(&STOPS, stop));
            }
        }
        w.str(&r.route_shown);
        match &r.prediction {
            Prediction::Works => w.u8(0),
            Prediction::WorksAfterWait => w.u8(1),
            Prediction::Unknown => w.u8(3),
            Prediction::Fails(why) => {
                w.u8(2);
                match why {
                    Why::Stopped(stop) => {
                        w.u8(0);
                        w.u8(index_of(&STOPS, stop));
                    }
                    Why::NotResolved => w.u8(1),
                    Why::Path(f) => {
                        w.u8(2);
                        pack_failure(w, f);
                    }
                    Why::NoFallback(f) => {
                        w.u8(3);
                        pack_failure(w, f);
                    }
                    Why::Untrusted(result) => {
                        w.u8(4);
                        w.u8(index_of(&TRUST_RESULTS, result));
                    }
                }
            }
        }
        match &r.issuer {
            None => w.u8(0),
            Some(i) => {
                w.u8(1);
                w.str(i);
            }
        }
    }
}

/// Where a path stopped.
fn pack_failure(w: &mut Writer, f: &Failure) {
    w.u8(index_of(&STAGES, &f.stage));
    let kind = match f.error {
        NetError::ProxyStatus(_) => NetError::ProxyStatus(0),
        other => other,
    };
    w.u8(index_of(&NET_ERRORS, &kind));
    if let NetError::ProxyStatus(code) = f.error {
        w.uint(u64::from(code));
    }
    w.ms(f.after_ms);
}

/// Milliseconds or none.
fn opt_ms(w: &mut Writer, ms: Option<f64>) {
    match ms {
        None => w.u8(0),
        Some(ms) => {
            w.u8(1);
            w.ms(ms);
        }
    }
}

/// A number or none.
fn opt_uint(w: &mut Writer, n: Option<u64>) {
    match n {
        None => w.u8(0),
        Some(n) => {
            w.u8(1);
            w.uint(n);
        }
    }
}

/// One fact: its tag, the place of its variant in [`Fact`], then its fields.
fn pack_fact(w: &mut Writer, fact: &Fact) {
    match fact {
        Fact::Elapsed(ms) => {
            w.u8(0);
            w.ms(*ms);
        }
        Fact::TimeoutMs(ms) => {
            w.u8(1);
            w.uint(u64::from(*ms));
        }
        Fact::HttpStatus(s) => {
            w.u8(2);
            w.uint(u64::from(*s));
        }
        Fact::RequestId(s) => text(w, 3, s),
        Fact::Edge(s) => text(w, 4, s),
        Fact::ServerDate(s) => text(w, 5, s),
        Fact::Server(s) => text(w, 6, s),
        Fact::ErrorType(s) => text(w, 7, s),
        Fact::ErrorMessage(s) => text(w, 8, s),
        Fact::RetryAfter(s) => text(w, 9, s),
        Fact::PageTitle(s) => text(w, 10, s),
        Fact::Host(s) => text(w, 11, s),
        Fact::BaseUsed(s) => text(w, 12, s),
        Fact::KeyKind(k) => {
            w.u8(13);
            w.u8(index_of(&KEY_KINDS, k));
        }
        Fact::KeyLength(n) => {
            w.u8(14);
            w.uint(*n as u64);
        }
        Fact::Model(s) => text(w, 15, s),
        Fact::ModelCount(n) => {
            w.u8(16);
            w.uint(*n as u64);
        }
        Fact::RedirectedTo(s) => text(w, 17, s),
        Fact::Offending(s) => text(w, 18, s),
        Fact::Duration(which, ms) => {
            w.u8(19);
            w.u8(index_of(&TIMINGS, which));
            w.ms(*ms);
        }
        Fact::ClockSkew(s) => {
            w.u8(20);
            w.int(*s);
        }
        Fact::Samples(n) => {
            w.u8(21);
            w.uint(*n as u64);
        }
        Fact::Method(m) => {
            w.u8(22);
            w.u8(match m {
                Method::ResourceTiming => 0,
                Method::FetchRoundTrip => 1,
                Method::Sockets => 2,
            });
        }
        Fact::RateLimit {
            name,
            remaining,
            limit,
            reset_in_s,
        } => {
            w.u8(23);
            w.u8(index_of(&LIMITS, name));
            w.uint(*remaining);
            w.uint(*limit);
            match reset_in_s {
                None => w.u8(0),
                Some(s) => {
                    w.u8(1);
                    w.int(*s);
                }
            }
        }
        Fact::StatusDescription(s) => text(w, 24, s),
        Fact::ComponentState(s) => text(w, 25, s),
        Fact::Incident(s) => text(w, 26, s),
        Fact::Link(s) => text(w, 27, s),
        Fact::Resolver(n, view) => {
            // The English line, as links carried it before the answer was typed; see `ResolverView::parse`.
            w.u8(28);
            w.u8(*n);
            w.str(&view.canonical());
        }
        Fact::Command(s) => text(w, 29, s),
        Fact::ControlHost(s) => text(w, 30, s),
        Fact::SuccessRatio { ok, total } => {
            w.u8(31);
            w.uint(*ok as u64);
            w.uint(*total as u64);
        }
        Fact::Failures(kinds) => {
            w.u8(32);
            w.uint(kinds.len() as u64);
            for (k, n) in kinds {
                w.u8(index_of(&KINDS, k));
                w.uint(*n as u64);
            }
        }
        Fact::Timeline(points) => {
            w.u8(33);
            w.uint(points.len() as u64);
            for p in points {
                w.ms(p.at_ms);
                w.ms(p.elapsed_ms);
                w.u8(index_of(&KINDS, &p.kind));
            }
        }
        Fact::StreamChunks { events, chunks } => {
            w.u8(34);
            w.uint(*events as u64);
            w.uint(*chunks as u64);
        }
        Fact::Setting(s) => text(w, 35, s),
        Fact::Connection { to, error, ms } => {
            w.u8(36);
            w.str(to);
            match error {
                None => w.u8(0),
                Some(e) => {
                    let kind = match e {
                        NetError::ProxyStatus(_) => NetError::ProxyStatus(0),
                        other => *other,
                    };
                    w.u8(1 + index_of(&NET_ERRORS, &kind));
                    if let NetError::ProxyStatus(code) = e {
                        w.uint(u64::from(*code));
                    }
                }
            }
            w.ms(*ms);
        }
        Fact::Proxy(s) => text(w, 37, s),
        Fact::CaFile { var, path, state } => {
            w.u8(38);
            w.str(var);
            w.str(path);
            let (kind, count) = match state {
                FileState::Pem { certs } => (FileState::Pem { certs: 0 }, Some(*certs)),
                FileState::Dir { certs } => (FileState::Dir { certs: 0 }, Some(*certs)),
                other => (*other, None),
            };
            w.u8(index_of(&FILE_STATES, &kind));
            if let Some(n) = count {
                w.uint(u64::from(n));
            }
        }
        Fact::TlsVersion(s) => text(w, 39, s),
        Fact::Alpn(s) => text(w, 40, s),
        Fact::Cipher(s) => text(w, 41, s),
        Fact::Subject(s) => text(w, 42, s),
        Fact::Issuer(s) => text(w, 43, s),
        Fact::Expires(secs) => {
            w.u8(44);
            w.int(*secs);
        }
        Fact::Trust { source, result } => {
            w.u8(45);
            w.str(source);
            w.u8(index_of(&TRUST_RESULTS, result));
        }
        Fact::FailsFor(runtime) => {
            w.u8(46);
            w.u8(index_of(&RUNTIMES, runtime));
        }
        Fact::Address(s) => text(w, 47, s),
    }
}

fn text(w: &mut Writer, tag: u8, s: &str) {
    w.u8(tag);
    w.str(s);
}

/// Reads bytes; every read fails cleanly at the end of the input.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Timeline points the rest of the report may still hold.
    points: usize,
}

type R<T> = Result<T, ShareError>;

impl<'a> Reader<'a> {
    fn u8(&mut self) -> R<u8> {
        let b = *self.bytes.get(self.at).ok_or(ShareError::Malformed)?;
        self.at += 1;
        Ok(b)
    }
    fn uint(&mut self) -> R<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(n);
            }
        }
        Err(ShareError::Malformed)
    }
    /// A count, refused beyond `max` before anything is allocated for it.
    fn count(&mut self, max: usize) -> R<usize> {
        usize::try_from(self.uint()?)
            .ok()
            .filter(|n| *n <= max)
            .ok_or(ShareError::Malformed)
    }
    fn int(&mut self) -> R<i64> {
        let n = self.uint()?;
        Ok((n >> 1) as i64 ^ -((n & 1) as i64))
    }
    fn ms(&mut self) -> R<f64> {
        Ok(self.int()? as f64)
    }
    fn str(&mut self) -> R<String> {
        let len = self.count(MAX_STR)?;
        let end = self.at.checked_add(len).ok_or(ShareError::Malformed)?;
        let bytes = self.bytes.get(self.at..end).ok_or(ShareError::Malformed)?;
        self.at = end;
        String::from_utf8(bytes.to_vec()).map_err(|_| ShareError::Malformed)
    }
    /// A check by its wire id.
    fn check(&mut self) -> R<&'static Check> {
        by_wire(self.u8()?).ok_or(ShareError::Malformed)
    }
    /// An outcome of `check` by its wire id.
    fn outcome(&mut self, check: &Check) -> R<&'static super::finding::Outcome> {
        check
            .outcome_by_wire(self.u8()?)
            .ok_or(ShareError::Malformed)
    }
    /// An item of a fixed list by its place.
    fn pick<T: Copy>(&mut self, list: &[T]) -> R<T> {
        list.get(usize::from(self.u8()?))
            .copied()
            .ok_or(ShareError::Malformed)
    }
}

/// Reads a version 1 pack back into a report, refusing anything [`pack`] would not have written.
pub fn unpack(bytes: &[u8]) -> Result<Report, ShareError> {
    unpack_version(VERSION, bytes)
}

/// Reads a pack of `version` back into a report: version 1's layout, then for [`VERSION_NATIVE`] the
/// native section; anything [`pack`] would not have written is refused.
pub fn unpack_version(version: u8, bytes: &[u8]) -> Result<Report, ShareError> {
    if bytes.len() > MAX_PACK_BYTES {
        return Err(ShareError::Corrupt);
    }
    let mut r = Reader {
        bytes,
        at: 0,
        points: MAX_POINTS,
    };
    let started_ms = r.ms()?;
    let took_ms = u32::try_from(r.uint()?).map_err(|_| ShareError::Malformed)?;
    let target = r.str()?;
    let browser = r.str()?;
    let key = match r.u8()? {
        0 => None,
        1 => {
            let kind = r.pick(&KEY_KINDS)?;
            let length = r.count(100_000)?;
            let sha256 = [r.u8()?, r.u8()?, r.u8()?, r.u8()?];
            Some(KeyPrint {
                kind,
                length,
                sha256,
            })
        }
        _ => return Err(ShareError::Malformed),
    };
    let verdict = match r.u8()? {
        0 => Verdict::Running,
        1 => Verdict::Cancelled,
        2 => Verdict::Healthy,
        tag @ (3 | 4) => {
            let check = r.check()?;
            let outcome = r.outcome(check)?;
            if tag == 3 {
                Verdict::Degraded {
                    code: check.code,
                    outcome,
                }
            } else {
                Verdict::Broken {
                    layer: outcome.layer,
                    code: check.code,
                    outcome,
                }
            }
        }
        _ => return Err(ShareError::Malformed),
    };
    let their_side = match r.u8()? {
        0 => false,
        1 => true,
        _ => return Err(ShareError::Malformed),
    };
    let n = r.count(REGISTRY.len())?;
    let mut entries: Vec<Entry> = Vec::with_capacity(n);
    let mut last: Option<usize> = None;
    for _ in 0..n {
        let check = r.check()?;
        // Registry order, each check once: what `pack` writes.
        let place = REGISTRY
            .iter()
            .position(|c| c.wire == check.wire)
            .ok_or(ShareError::Malformed)?;
        if last.is_some_and(|l| place <= l) {
            return Err(ShareError::Malformed);
        }
        last = Some(place);
        let state = match r.u8()? {
            1 => {
                let outcome = r.outcome(check)?;
                let count = r.count(MAX_FACTS)?;
                let mut facts = Vec::with_capacity(count);
                for _ in 0..count {
                    facts.push(unpack_fact(&mut r)?);
                }
                State::Done(Finding {
                    code: check.code,
                    outcome,
                    facts,
                })
            }
            2 => State::Skipped {
                because: r.check()?.code,
            },
            _ => return Err(ShareError::Malformed),
        };
        entries.push(Entry { check, state });
    }
    let native = match version {
        VERSION => None,
        VERSION_NATIVE => Some(unpack_native(&mut r)?),
        v => return Err(ShareError::Version(v)),
    };
    if r.at != bytes.len() {
        return Err(ShareError::Malformed);
    }
    Ok(Report {
        target,
        key,
        browser,
        started_ms,
        took_ms,
        verdict,
        their_side,
        entries,
        native,
    })
}

/// Reads the native section [`pack_native`] writes.
fn unpack_native(r: &mut Reader) -> R<NativeSection> {
    let host_kind = r.str()?;
    let n = r.count(MAX_PATHS)?;
    let mut paths = Vec::with_capacity(n);
    for _ in 0..n {
        let route = match r.u8()? {
            0 => "direct",
            1 => "proxy",
            _ => return Err(ShareError::Malformed),
        };
        let via = r.str()?;
        let family = r.u8()?;
        if ![0, 4, 6].contains(&family) {
            return Err(ShareError::Malformed);
        }
        let seen = match r.u8()? {
            0 => None,
            1 => {
                let connect_ms = opt_ms_read(r)?;
                let proxy_status = opt_u16_read(r)?;
                let tls = match r.u8()? {
                    0 => None,
                    1 => {
                        let version = r.str()?;
                        let alpn = r.str()?;
                        let cipher = r.str()?;
                        let elapsed_ms = r.ms()?;
                        let at_unix = r.int()?;
                        let c = r.count(MAX_CHAIN)?;
                        let mut chain = Vec::with_capacity(c);
                        for _ in 0..c {
                            chain.push(Cert {
                                subject: r.str()?,
                                issuer: r.str()?,
                                not_before: r.int()?,
                                not_after: r.int()?,
                                ca: bool_read(r)?,
                            });
                        }
                        let t = r.count(MAX_TRUST)?;
                        let mut trust = Vec::with_capacity(t);
                        for _ in 0..t {
                            let source = match r.u8()? {
                                0 => TrustSource::Mozilla,
                                1 => TrustSource::System,
                                2 => TrustSource::File(r.u8()?),
                                _ => return Err(ShareError::Malformed),
                            };
                            trust.push((source, r.pick(&TRUST_RESULTS)?));
                        }
                        Some(TlsSeen {
                            version,
                            alpn,
                            cipher,
                            chain,
                            trust,
                            elapsed_ms,
                            at_unix,
                        })
                    }
                    _ => return Err(ShareError::Malformed),
                };
                let http_status = opt_u16_read(r)?;
                let ttfb_ms = opt_ms_read(r)?;
                let failure = match r.u8()? {
                    0 => None,
                    1 => Some(failure_read(r)?),
                    _ => return Err(ShareError::Malformed),
                };
                Some(PathSeen {
                    connect_ms,
                    proxy_status,
                    tls,
                    http_status,
                    ttfb_ms,
                    failure,
                })
            }
            _ => return Err(ShareError::Malformed),
        };
        paths.push(PathRow {
            route,
            via,
            family,
            seen,
        });
    }
    let n = r.count(MAX_RUNTIMES)?;
    let mut runtimes = Vec::with_capacity(n);
    for _ in 0..n {
        let runtime = r.pick(&RUNTIMES)?;
        let route = match r.u8()? {
            0 => Route::Direct,
            1 => Route::Proxy {
                index: r.count(MAX_PATHS)?,
                var: r.str()?,
            },
            2 => Route::Stopped(r.pick(&STOPS)?),
            _ => return Err(ShareError::Malformed),
        };
        let route_shown = r.str()?;
        let prediction = match r.u8()? {
            0 => Prediction::Works,
            1 => Prediction::WorksAfterWait,
            3 => Prediction::Unknown,
            2 => Prediction::Fails(match r.u8()? {
                0 => Why::Stopped(r.pick(&STOPS)?),
                1 => Why::NotResolved,
                2 => Why::Path(failure_read(r)?),
                3 => Why::NoFallback(failure_read(r)?),
                4 => Why::Untrusted(r.pick(&TRUST_RESULTS)?),
                _ => return Err(ShareError::Malformed),
            }),
            _ => return Err(ShareError::Malformed),
        };
        let issuer = match r.u8()? {
            0 => None,
            1 => Some(r.str()?),
            _ => return Err(ShareError::Malformed),
        };
        runtimes.push(RuntimeRow {
            runtime,
            route,
            route_shown,
            prediction,
            issuer,
        });
    }
    Ok(NativeSection {
        host_kind,
        paths,
        runtimes,
    })
}

/// A flag byte: 0 or 1.
fn bool_read(r: &mut Reader) -> R<bool> {
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(ShareError::Malformed),
    }
}

/// Milliseconds or none, as [`opt_ms`] wrote them.
fn opt_ms_read(r: &mut Reader) -> R<Option<f64>> {
    Ok(if bool_read(r)? { Some(r.ms()?) } else { None })
}

/// A status or none, as [`opt_uint`] wrote it.
fn opt_u16_read(r: &mut Reader) -> R<Option<u16>> {
    Ok(if bool_read(r)? {
        Some(u16::try_from(r.uint()?).map_err(|_| ShareError::Malformed)?)
    } else {
        None
    })
}

/// Where a path stopped, as [`pack_failure`] wrote it.
fn failure_read(r: &mut Reader) -> R<Failure> {
    let stage = r.pick(&STAGES)?;
    let error = match r.pick(&NET_ERRORS)? {
        NetError::ProxyStatus(_) => {
            NetError::ProxyStatus(u16::try_from(r.uint()?).map_err(|_| ShareError::Malformed)?)
        }
        other => other,
    };
    Ok(Failure {
        stage,
        error,
        after_ms: r.ms()?,
    })
}

fn unpack_fact(r: &mut Reader) -> R<Fact> {
    let small = |n: u64| usize::try_from(n).map_err(|_| ShareError::Malformed);
    Ok(match r.u8()? {
        0 => Fact::Elapsed(r.ms()?),
        1 => Fact::TimeoutMs(u32::try_from(r.uint()?).map_err(|_| ShareError::Malformed)?),
        2 => Fact::HttpStatus(u16::try_from(r.uint()?).map_err(|_| ShareError::Malformed)?),
        3 => Fact::RequestId(r.str()?),
        4 => Fact::Edge(r.str()?),
        5 => Fact::ServerDate(r.str()?),
        6 => Fact::Server(r.str()?),
        7 => Fact::ErrorType(r.str()?),
        8 => Fact::ErrorMessage(r.str()?),
        9 => Fact::RetryAfter(r.str()?),
        10 => Fact::PageTitle(r.str()?),
        11 => Fact::Host(r.str()?),
        12 => Fact::BaseUsed(r.str()?),
        13 => Fact::KeyKind(r.pick(&KEY_KINDS)?),
        14 => Fact::KeyLength(small(r.uint()?)?),
        15 => Fact::Model(r.str()?),
        16 => Fact::ModelCount(small(r.uint()?)?),
        17 => Fact::RedirectedTo(r.str()?),
        18 => Fact::Offending(r.str()?),
        19 => {
            let which = r.pick(&TIMINGS)?;
            Fact::Duration(which, r.ms()?)
        }
        20 => Fact::ClockSkew(r.int()?),
        21 => Fact::Samples(small(r.uint()?)?),
        22 => match r.u8()? {
            0 => Fact::Method(Method::ResourceTiming),
            1 => Fact::Method(Method::FetchRoundTrip),
            2 => Fact::Method(Method::Sockets),
            _ => return Err(ShareError::Malformed),
        },
        23 => {
            let name = r.pick(&LIMITS)?;
            let remaining = r.uint()?;
            let limit = r.uint()?;
            let reset_in_s = match r.u8()? {
                0 => None,
                1 => Some(r.int()?),
                _ => return Err(ShareError::Malformed),
            };
            Fact::RateLimit {
                name,
                remaining,
                limit,
                reset_in_s,
            }
        }
        24 => Fact::StatusDescription(r.str()?),
        25 => Fact::ComponentState(r.str()?),
        26 => Fact::Incident(r.str()?),
        27 => Fact::Link(r.str()?),
        28 => {
            let n = r.u8()?;
            Fact::Resolver(n, ResolverView::parse(&r.str()?))
        }
        29 => Fact::Command(r.str()?),
        30 => Fact::ControlHost(r.str()?),
        31 => {
            let ok = small(r.uint()?)?;
            let total = small(r.uint()?)?;
            Fact::SuccessRatio { ok, total }
        }
        32 => {
            let n = r.count(KINDS.len())?;
            let mut kinds = Vec::with_capacity(n);
            for _ in 0..n {
                let k = r.pick(&KINDS)?;
                kinds.push((k, small(r.uint()?)?));
            }
            Fact::Failures(kinds)
        }
        33 => {
            let n = r.count(r.points)?;
            r.points -= n;
            let mut points = Vec::with_capacity(n);
            for _ in 0..n {
                let at_ms = r.ms()?;
                let elapsed_ms = r.ms()?;
                let kind = r.pick(&KINDS)?;
                points.push(Point {
                    at_ms,
                    elapsed_ms,
                    kind,
                });
            }
            Fact::Timeline(points)
        }
        34 => {
            let events = small(r.uint()?)?;
            let chunks = small(r.uint()?)?;
            Fact::StreamChunks { events, chunks }
        }
        35 => Fact::Setting(r.str()?),
        36 => {
            let to = r.str()?;
            let error = match r.u8()? {
                0 => None,
                n => match NET_ERRORS.get(usize::from(n) - 1) {
                    Some(NetError::ProxyStatus(_)) => Some(NetError::ProxyStatus(
                        u16::try_from(r.uint()?).map_err(|_| ShareError::Malformed)?,
                    )),
                    Some(e) => Some(*e),
                    None => return Err(ShareError::Malformed),
                },
            };
            Fact::Connection {
                to,
                error,
                ms: r.ms()?,
            }
        }
        37 => Fact::Proxy(r.str()?),
        38 => {
            let var = r.str()?;
            let path = r.str()?;
            let certs =
                |r: &mut Reader| u16::try_from(r.uint()?).map_err(|_| ShareError::Malformed);
            let state = match r.pick(&FILE_STATES)? {
                FileState::Pem { .. } => FileState::Pem { certs: certs(r)? },
                FileState::Dir { .. } => FileState::Dir { certs: certs(r)? },
                other => other,
            };
            Fact::CaFile { var, path, state }
        }
        39 => Fact::TlsVersion(r.str()?),
        40 => Fact::Alpn(r.str()?),
        41 => Fact::Cipher(r.str()?),
        42 => Fact::Subject(r.str()?),
        43 => Fact::Issuer(r.str()?),
        44 => Fact::Expires(r.int()?),
        45 => {
            let source = r.str()?;
            Fact::Trust {
                source,
                result: r.pick(&TRUST_RESULTS)?,
            }
        }
        46 => Fact::FailsFor(r.pick(&RUNTIMES)?),
        47 => Fact::Address(r.str()?),
        _ => return Err(ShareError::Malformed),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::diagnosis::diagnose;
    use crate::core::fixtures as sim;
    use crate::core::input::{Context, Settings};
    use crate::core::key::{ApiKey, AuthMode};
    use crate::core::observation::Observation;
    use crate::core::probe::ProbeId;

    /// The native doctor's facts, with awkward values; links before the native doctor never held them.
    fn every_native_fact() -> Vec<Fact> {
        vec![
            Fact::Setting("HTTPS_PROXY=http://u:***@p:1 [settings.json]".into()),
            Fact::Connection {
                to: "[::1]:443".into(),
                error: Some(NetError::ProxyStatus(407)),
                ms: 3.0,
            },
            Fact::Connection {
                to: "127.0.0.1:443".into(),
                error: None,
                ms: 1.0,
            },
            Fact::Proxy("http://p:1".into()),
            Fact::CaFile {
                var: "SSL_CERT_FILE".into(),
                path: "/ca.pem".into(),
                state: FileState::Pem { certs: 3 },
            },
            Fact::CaFile {
                var: "NODE_EXTRA_CA_CERTS".into(),
                path: "/nope".into(),
                state: FileState::Missing,
            },
            Fact::TlsVersion("TLSv1.3".into()),
            Fact::Alpn("h2".into()),
            Fact::Cipher("TLS13_AES_256_GCM_SHA384".into()),
            Fact::Subject("CN=api.anthropic.com".into()),
            Fact::Issuer("CN=Corp CA".into()),
            Fact::Expires(1_900_000_000),
            Fact::Trust {
                source: "system store".into(),
                result: TrustResult::WrongName,
            },
            Fact::FailsFor(crate::core::native::Runtime::ClaudeCode),
            Fact::Address("2607:6bc0::10".into()),
            Fact::Method(Method::Sockets),
        ]
    }

    /// Every fact variant a browser's report holds, as the golden link of every fact has them.
    fn every_fact() -> Vec<Fact> {
        vec![
            Fact::Elapsed(42.0),
            Fact::TimeoutMs(10_000),
            Fact::HttpStatus(529),
            Fact::RequestId("req_011CXyz".into()),
            Fact::Edge("FRA".into()),
            Fact::ServerDate("Thu, 26 Nov 2026 10:00:00 GMT".into()),
            Fact::Server("cloudflare".into()),
            Fact::ErrorType("overloaded_error".into()),
            Fact::ErrorMessage("<img src=x onerror=alert(1)> 中文".into()),
            Fact::RetryAfter("20".into()),
            Fact::PageTitle("502 Bad Gateway".into()),
            Fact::Host("api.anthropic.com".into()),
            Fact::BaseUsed("https://api.anthropic.com".into()),
            Fact::KeyKind("oauth-token"),
            Fact::KeyLength(108),
            Fact::Model("claude-x".into()),
            Fact::ModelCount(9),
            Fact::RedirectedTo("https://x/".into()),
            Fact::Offending(" ".into()),
            Fact::Duration(Timing::Ttfb, 3.0),
            Fact::ClockSkew(-90_000),
            Fact::Samples(10),
            Fact::Method(Method::ResourceTiming),
            Fact::RateLimit {
                name: "output-tokens",
                remaining: u64::MAX,
                limit: 0,
                reset_in_s: Some(-5),
            },
            Fact::StatusDescription("Partial outage".into()),
            Fact::ComponentState("partial_outage".into()),
            Fact::Incident("Elevated errors".into()),
            Fact::Link("https://status.example/".into()),
            Fact::Resolver(2, crate::core::dns::ResolverView::parse("1.2.3.4")),
            Fact::Command("nslookup api.anthropic.com".into()),
            Fact::ControlHost("control.example".into()),
            Fact::SuccessRatio { ok: 3, total: 4 },
            Fact::Failures(vec![(SampleKind::TimedOut, 1), (SampleKind::Overloaded, 2)]),
            Fact::Timeline(vec![
                Point {
                    at_ms: 0.0,
                    elapsed_ms: 12.0,
                    kind: SampleKind::Ok,
                },
                Point {
                    at_ms: 2_000.0,
                    elapsed_ms: 10_000.0,
                    kind: SampleKind::TimedOut,
                },
            ]),
            Fact::StreamChunks {
                events: 7,
                chunks: 1,
            },
        ]
    }

    fn report() -> Report {
        let key = ApiKey::new(format!("sk-ant-api03-{}AA", "k".repeat(93)));
        let settings = Settings {
            message: true,
            ..Settings::default()
        };
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, key, true)
            .with_settings(settings);
        let obs = sim::run(
            &ctx,
            &[(ProbeId::Reach, Observation::TimedOut { after_ms: 10_000 })],
        );
        let mut r = Report::new(
            &ctx,
            &diagnose(&ctx, &obs),
            "Mozilla/5.0 test",
            1.79e12,
            2_345,
        );
        // Put every kind of fact into the first finding.
        if let State::Done(f) = &mut r.entries[0].state {
            f.facts = every_fact();
            f.facts.extend(every_native_fact());
        }
        r
    }

    /// A native doctor's report of a run in which one address resets during TLS, a proxy wants
    /// credentials and the chain is trusted only by the system store.
    fn native_report() -> Report {
        use crate::core::fixtures::{healthy_path, healthy_tls};
        use crate::core::input::Vantage;
        use crate::core::native::{Origin, Value, Var};
        use crate::core::net::Net;
        let mut ctx = Context::new("https://api.anthropic.com", AuthMode::Bearer, None, false)
            .from_vantage(Vantage::Native);
        ctx.native.host_kind = "linux x86_64".into();
        ctx.native.vars.push(Var {
            name: "HTTPS_PROXY".into(),
            value: Value::Text("http://u:p@127.0.0.1:3128".into()),
            origin: Origin::Env,
        });
        let mut tls = healthy_tls();
        tls.trust[0].1 = TrustResult::UnknownIssuer;
        tls.elapsed_ms = 7.0;
        let overrides = [
            (
                ProbeId::Resolve,
                Observation::Net(Net::Resolved {
                    addrs: vec!["2607:6bc0::10".into(), "160.79.104.10".into()],
                    elapsed_ms: 3.0,
                }),
            ),
            (
                ProbeId::Path(0),
                Observation::Net(Net::Path(PathSeen {
                    connect_ms: Some(2.0),
                    failure: Some(Failure {
                        stage: Stage::Tls,
                        error: NetError::Reset,
                        after_ms: 9.0,
                    }),
                    ..PathSeen::default()
                })),
            ),
            (
                ProbeId::Path(1),
                Observation::Net(Net::Path(PathSeen {
                    tls: Some(tls),
                    ..healthy_path()
                })),
            ),
            (
                ProbeId::Tunnel(0),
                Observation::Net(Net::Path(PathSeen {
                    connect_ms: Some(1.0),
                    proxy_status: Some(407),
                    tls: None,
                    http_status: None,
                    ttfb_ms: None,
                    failure: Some(Failure {
                        stage: Stage::Proxy,
                        error: NetError::ProxyStatus(407),
                        after_ms: 4.0,
                    }),
                })),
            ),
        ];
        let obs = sim::run(&ctx, &overrides);
        Report::new(
            &ctx,
            &diagnose(&ctx, &obs),
            "api-doctor 0.1.0",
            1.79e12,
            321,
        )
        .with_native(&ctx, &obs)
    }

    #[test]
    fn a_native_report_travels_whole_under_its_own_version() {
        let r = native_report();
        let native = r.native.as_ref().expect("a native section");
        assert_eq!(native.paths.len(), 3);
        assert!(native
            .runtimes
            .iter()
            .any(|row| matches!(row.prediction, Prediction::Fails(_))));
        let packed = pack(&r);
        assert_eq!(unpack_version(VERSION_NATIVE, &packed), Ok(r.clone()));
        // Version 1's reader refuses the section it does not know, rather than dropping it.
        assert_eq!(unpack(&packed), Err(ShareError::Malformed));
        let text = frame_report(&r, &[9, 8, 7]);
        assert_eq!(open(&text), Ok((VERSION_NATIVE, vec![9, 8, 7])));
        assert_eq!(unframe(&text), Err(ShareError::Version(VERSION_NATIVE)));
        assert_eq!(open(&b64::encode(&[3, 1])), Err(ShareError::Version(3)));
        // A browser's report keeps version 1, byte for byte.
        let browser = report();
        assert_eq!(frame_report(&browser, &[1]), frame(&[1]));
        // Every prefix of the pack is refused, never a panic.
        for cut in 0..packed.len() {
            assert!(
                unpack_version(VERSION_NATIVE, &packed[..cut]).is_err(),
                "{cut}"
            );
        }
    }

    #[test]
    fn a_report_packs_and_unpacks_to_itself() {
        let r = report();
        assert!(matches!(r.verdict, Verdict::Broken { .. }));
        assert!(r
            .entries
            .iter()
            .any(|e| matches!(e.state, State::Skipped { .. })));
        let bytes = pack(&r);
        assert_eq!(unpack(&bytes), Ok(r.clone()));
        // Whole milliseconds only: 41.6 ms comes back as 42 ms, which is what the page shows.
        let mut r = r;
        if let State::Done(f) = &mut r.entries[0].state {
            f.facts = vec![Fact::Elapsed(41.6)];
        }
        let back = unpack(&pack(&r)).unwrap();
        let State::Done(f) = &back.entries[0].state else {
            panic!("the first entry is done")
        };
        assert_eq!(f.facts, [Fact::Elapsed(42.0)]);
    }

    #[test]
    fn an_address_is_shared_on_only_when_the_page_would_read_it() {
        let at = |n: usize| format!("https://doctor.example/#r={}", "A".repeat(n));
        assert!(can_share_on(&at(MAX_LINK_CHARS)));
        assert!(!can_share_on(&at(MAX_LINK_CHARS + ADDRESS_ROOM)));
    }

    #[test]
    fn a_retired_outcome_in_an_old_report_still_opens_and_shares_on() {
        let mut r = report();
        let shape = r
            .entries
            .iter_mut()
            .find(|e| e.check.code == "auth.key_shape")
            .expect("auth.key_shape is in the report");
        let retired = &crate::core::checks::auth_key_shape::WRONG_MODE;
        shape.state = State::Done(Finding::new("auth.key_shape", retired));
        let back = unpack(&pack(&r)).expect("a retired outcome decodes");
        assert_eq!(back, r);
        let shape = back
            .entries
            .iter()
            .find(|e| e.check.code == "auth.key_shape");
        assert!(
            matches!(shape.map(|e| &e.state), Some(State::Done(f)) if f.outcome.id == "wrong_mode")
        );
    }

    #[test]
    fn framing_checks_length_encoding_and_version() {
        let text = frame(&[9, 8, 7]);
        assert_eq!(unframe(&text), Ok(vec![9, 8, 7]));
        assert_eq!(unframe(""), Err(ShareError::Empty));
        assert_eq!(unframe("a+b/"), Err(ShareError::Encoding));
        assert_eq!(
            unframe(&"A".repeat(MAX_LINK_CHARS + 1)),
            Err(ShareError::TooLong)
        );
        assert_eq!(
            unframe(&b64::encode(&[2, 1, 1])),
            Err(ShareError::Version(2))
        );
        assert_eq!(
            unframe(&b64::encode(&[VERSION])),
            Err(ShareError::Malformed)
        );
        for e in [
            ShareError::Empty,
            ShareError::Version(3),
            ShareError::Corrupt,
        ] {
            assert!(!e.message(Lang::Zh).is_empty() && !e.to_string().is_empty());
        }
    }

    #[test]
    fn damaged_packs_are_refused_never_a_panic() {
        let bytes = pack(&report());
        // Every truncation is refused.
        for cut in 0..bytes.len() {
            assert_eq!(
                unpack(&bytes[..cut]),
                Err(ShareError::Malformed),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(unpack(&longer), Err(ShareError::Malformed));
        // Every single-byte change either reads as some report or is refused; never a panic or a hang.
        for i in 0..bytes.len() {
            for v in [0u8, 1, 0x7f, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] = v;
                let _ = unpack(&b);
            }
        }
        // Timeline points are capped across the report, not per timeline.
        let mut r = report();
        let points = |n| {
            Fact::Timeline(vec![
                Point {
                    at_ms: 0.0,
                    elapsed_ms: 1.0,
                    kind: SampleKind::Ok,
                };
                n
            ])
        };
        if let State::Done(f) = &mut r.entries[0].state {
            f.facts = vec![points(MAX_POINTS)];
        }
        assert!(unpack(&pack(&r)).is_ok());
        if let State::Done(f) = &mut r.entries[0].state {
            f.facts = vec![points(MAX_POINTS / 2), points(MAX_POINTS / 2 + 1)];
        }
        assert_eq!(unpack(&pack(&r)), Err(ShareError::Malformed));
        // Huge counts are refused before anything is allocated for them.
        let mut w = Writer(Vec::new());
        w.ms(0.0);
        w.uint(0);
        w.uint(u64::MAX);
        assert_eq!(unpack(&w.0), Err(ShareError::Malformed));
    }

    /// The golden reports: a healthy run, a broken run with many facts, and one with every kind of fact.
    fn golden_reports() -> Vec<(&'static str, Report)> {
        let key = ApiKey::new(format!("sk-ant-api03-{}AA", "g".repeat(93)));
        let settings = Settings {
            message: true,
            model: Some("claude-haiku-4-5".into()),
            ..Settings::default()
        };
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, key, true)
            .with_settings(settings);
        let freeze = |obs: &crate::core::observation::Observations| {
            Report::new(
                &ctx,
                &diagnose(&ctx, obs),
                "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36",
                1_796_220_000_000.0,
                2_345,
            )
        };
        let healthy = freeze(&sim::run(&ctx, &[]));
        let limited = Observation::Response(sim::resp(
            401,
            "application/json",
            &sim::api_error("authentication_error", "invalid x-api-key"),
            &[
                ("request-id", "req_011CXgolden"),
                ("retry-after", "17"),
                ("cf-ray", "8f0c0ffee-FRA"),
                ("server", "cloudflare"),
                ("anthropic-ratelimit-requests-limit", "50"),
                ("anthropic-ratelimit-requests-remaining", "0"),
                ("anthropic-ratelimit-requests-reset", "2026-12-02T12:00:30Z"),
            ],
        ));
        let broken = freeze(&sim::run(
            &ctx,
            &[
                (ProbeId::KeyModels, limited),
                (ProbeId::Model, Observation::TimedOut { after_ms: 10_000 }),
            ],
        ));
        vec![
            ("healthy", healthy),
            ("broken", broken),
            ("every-fact", report()),
        ]
    }

    /// The link text of a report, deflated natively as the browser's `deflate-raw` does.
    fn golden_link(r: &Report) -> String {
        frame(&miniz_oxide::deflate::compress_to_vec(&pack(r), 9))
    }

    /// Opens a link text natively, as the page does with the browser's inflater.
    fn open_link(text: &str) -> Result<Report, ShareError> {
        let packed =
            miniz_oxide::inflate::decompress_to_vec_with_limit(&unframe(text)?, MAX_PACK_BYTES)
                .map_err(|_| ShareError::Corrupt)?;
        unpack(&packed)
    }

    /// Writes the golden links and what they decode to. Run by hand, once per new golden link:
    /// `cargo test --lib write_golden_links -- --ignored`. Existing files are never rewritten, so that a
    /// golden link made by one version stays what every later version must read.
    #[test]
    #[ignore]
    fn write_golden_links() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");
        std::fs::create_dir_all(dir).unwrap();
        for (name, r) in golden_reports() {
            let link = format!("{dir}/report-{name}.link");
            if std::fs::read_to_string(&link).is_ok_and(|t| !t.trim().is_empty()) {
                continue;
            }
            std::fs::write(&link, golden_link(&r) + "\n").unwrap();
            std::fs::write(
                format!("{dir}/report-{name}.json"),
                crate::core::export::json(&r) + "\n",
            )
            .unwrap();
        }
    }

    #[test]
    fn golden_links_decode_into_the_same_report_forever() {
        let golden = [
            (
                include_str!("../../tests/golden/report-healthy.link"),
                include_str!("../../tests/golden/report-healthy.json"),
            ),
            (
                include_str!("../../tests/golden/report-broken.link"),
                include_str!("../../tests/golden/report-broken.json"),
            ),
            (
                include_str!("../../tests/golden/report-every-fact.link"),
                include_str!("../../tests/golden/report-every-fact.json"),
            ),
        ];
        for (link, json) in golden {
            let r = open_link(link).unwrap_or_else(|e| panic!("{e}: {link}"));
            assert_eq!(crate::core::export::json(&r), json.trim_end(), "{link}");
        }
        // The golden set covers what it promises: a healthy run, a broken one, and every kind of fact.
        let every = open_link(golden[2].0).unwrap();
        let State::Done(f) = &every.entries[0].state else {
            panic!("the first entry is done")
        };
        assert_eq!(f.facts, every_fact());
        assert_eq!(open_link(golden[0].0).unwrap().verdict, Verdict::Healthy);
        assert!(matches!(
            open_link(golden[1].0).unwrap().verdict,
            Verdict::Broken { .. }
        ));
    }
}
