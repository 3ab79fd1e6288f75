//! Hand-written HTTP/1.1: request parsing with hard limits, response writing, and HTTP dates.

use std::cell::Cell;
use std::io::{self, BufRead, Read, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The largest request head (request line and headers) accepted, in bytes.
pub const MAX_HEAD: usize = 64 * 1024;

/// The largest request body accepted, in bytes. The page sends tiny JSON bodies;
/// anything near this size is a client gone wrong and must not fill memory.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// One parsed request. Header names are lowercased; values are trimmed.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// The request target as received: path and query.
    pub target: String,
    /// True for HTTP/1.1, false for HTTP/1.0.
    pub http11: bool,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// A request for unit tests: HTTP/1.1, no body.
    #[cfg(test)]
    pub fn for_test(method: &str, target: &str, headers: &[(&str, &str)]) -> Request {
        Request {
            method: method.into(),
            target: target.into(),
            http11: true,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: vec![],
        }
    }

    /// The first value of a header, by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path part of the target, without the query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The query part of the target, without the `?`; empty when there is none.
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// Whether the client asked to keep the connection open after this exchange:
    /// the default in HTTP/1.1, opt-in in HTTP/1.0.
    pub fn keep_alive(&self) -> bool {
        let tokens = self.header("connection").unwrap_or("").to_ascii_lowercase();
        let has = |t: &str| tokens.split(',').any(|x| x.trim() == t);
        if self.http11 {
            !has("close")
        } else {
            has("keep-alive")
        }
    }

    /// Whether the client waits for `100 Continue` before sending its body.
    pub fn expects_continue(&self) -> bool {
        self.header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    }

    /// A CORS preflight: OPTIONS that names the method it asks about.
    pub fn is_preflight(&self) -> bool {
        self.method == "OPTIONS" && self.header("access-control-request-method").is_some()
    }
}

/// Why a request could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The socket failed or timed out; nothing can be answered.
    Io(io::Error),
    /// The bytes are not HTTP/1.x; the reason goes to the log and the 400 body.
    Malformed(&'static str),
    /// The head exceeded [`MAX_HEAD`].
    HeadTooLarge,
    /// The body exceeded [`MAX_BODY`].
    BodyTooLarge,
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Reads one line ending in LF, counting its bytes against `budget`.
/// Returns `None` at end of stream before any byte of the line.
fn read_line<R: BufRead>(r: &mut R, budget: &mut usize) -> Result<Option<Vec<u8>>, ReadError> {
    let mut line = Vec::new();
    // One byte more than the budget tells "exactly full" from "overflowing".
    let limit = u64::try_from(*budget).unwrap_or(u64::MAX).saturating_add(1);
    let n = r.by_ref().take(limit).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    // Checked before the line's end: a line of exactly budget + 1 bytes that
    // ends in LF is still too large.
    if n > *budget {
        return Err(ReadError::HeadTooLarge);
    }
    if line.last() != Some(&b'\n') {
        return Err(ReadError::Malformed(
            "connection closed inside the request head",
        ));
    }
    *budget -= n;
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

/// RFC 9110 `tchar`: the characters allowed in methods and header names.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Reads a request head. `Ok(None)` means the client closed the connection
/// cleanly between requests, which is how keep-alive connections end.
pub fn read_head<R: BufRead>(r: &mut R) -> Result<Option<Request>, ReadError> {
    let mut budget = MAX_HEAD;
    // RFC 9112 asks servers to ignore empty lines before the request line.
    let line = loop {
        match read_line(r, &mut budget)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let line = std::str::from_utf8(&line)
        .map_err(|_| ReadError::Malformed("request line is not UTF-8"))?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Malformed(
            "request line is not METHOD TARGET VERSION",
        ));
    };
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(ReadError::Malformed("bad method"));
    }
    if !(target.starts_with('/') || (target == "*" && method == "OPTIONS")) {
        return Err(ReadError::Malformed("target must be a path"));
    }
    if !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ReadError::Malformed("bad character in target"));
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Err(ReadError::Malformed("unsupported HTTP version")),
    };
    let mut headers = Vec::new();
    loop {
        let Some(line) = read_line(r, &mut budget)? else {
            return Err(ReadError::Malformed(
                "connection closed inside the request head",
            ));
        };
        if line.is_empty() {
            break;
        }
        // Obsolete line folding is a smuggling vector; RFC 9112 allows rejecting it.
        if line[0] == b' ' || line[0] == b'\t' {
            return Err(ReadError::Malformed("folded header line"));
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Err(ReadError::Malformed("header line without a colon"));
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(ReadError::Malformed("bad header name"));
        }
        if value.iter().any(|&b| b == b'\r' || b == 0) {
            return Err(ReadError::Malformed("bad character in header value"));
        }
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        let value = String::from_utf8_lossy(value)
            .trim_matches(|c| c == ' ' || c == '\t')
            .to_string();
        headers.push((name, value));
    }
    Ok(Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        http11,
        headers,
        body: Vec::new(),
    }))
}

/// Reads the body the head announces (Content-Length or chunked) into `req.body`.
pub fn read_body<R: BufRead>(r: &mut R, req: &mut Request) -> Result<(), ReadError> {
    let te = req.header("transfer-encoding").map(str::to_ascii_lowercase);
    let lengths: Vec<&str> = req
        .headers
        .iter()
        .filter(|(n, _)| n == "content-length")
        .map(|(_, v)| v.as_str())
        .collect();
    if let Some(te) = te {
        // Both framings at once is the classic smuggling shape: refuse it.
        if !lengths.is_empty() {
            return Err(ReadError::Malformed(
                "both Transfer-Encoding and Content-Length",
            ));
        }
        if te.rsplit(',').next().map(str::trim) != Some("chunked") {
            return Err(ReadError::Malformed("request body length unknown"));
        }
        req.body = read_chunked(r)?;
        return Ok(());
    }
    let Some(first) = lengths.first() else {
        return Ok(());
    };
    if lengths.iter().any(|l| l != first) {
        return Err(ReadError::Malformed("conflicting Content-Length"));
    }
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ReadError::Malformed("bad Content-Length"));
    }
    let len: usize = first.parse().map_err(|_| ReadError::BodyTooLarge)?;
    if len > MAX_BODY {
        return Err(ReadError::BodyTooLarge);
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    req.body = body;
    Ok(())
}

/// Decodes a chunked body, discarding chunk extensions and trailers.
fn read_chunked<R: BufRead>(r: &mut R) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        // Size lines and trailers share one small budget of their own.
        let mut budget = 4096;
        let Some(line) = read_line(r, &mut budget)? else {
            return Err(ReadError::Malformed(
                "connection closed inside a chunked body",
            ));
        };
        let size = line.split(|&b| b == b';').next().unwrap_or(&[]);
        let size = std::str::from_utf8(size)
            .ok()
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 8)
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .ok_or(ReadError::Malformed("bad chunk size"))?;
        if size == 0 {
            loop {
                match read_line(r, &mut budget)? {
                    Some(l) if !l.is_empty() => continue,
                    _ => return Ok(body),
                }
            }
        }
        if body.len().saturating_add(size) > MAX_BODY {
            return Err(ReadError::BodyTooLarge);
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(ReadError::Malformed("chunk not followed by CRLF"));
        }
    }
}

/// How a response body goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Sent at once.
    Full(Vec<u8>),
    /// Sent one byte per `every`, giving up after `limit` in total.
    Drip {
        bytes: Vec<u8>,
        every: Duration,
        limit: Duration,
    },
    /// `len` bytes of valid JSON generated while sending, never held in memory.
    Huge { len: u64 },
    /// Declares `declared` bytes, sends `bytes`, then resets the connection.
    Truncated { declared: u64, bytes: Vec<u8> },
    /// Sent in steps of unknown total length: each step waits its delay, then
    /// goes out in one write, flushed. Chunked on HTTP/1.1, close-delimited on
    /// HTTP/1.0. With `cut`, the stream stops without its terminating chunk and
    /// the connection closes, as when an upstream dies mid-stream.
    Paced {
        steps: Vec<(Duration, Vec<u8>)>,
        cut: bool,
    },
}

impl Body {
    /// The Content-Length the head announces; `None` for a paced body, whose
    /// length is not known when the head goes out.
    fn declared_len(&self) -> Option<u64> {
        match self {
            Body::Full(b) | Body::Drip { bytes: b, .. } => Some(b.len() as u64),
            Body::Huge { len } => Some(*len),
            Body::Truncated { declared, .. } => Some(*declared),
            Body::Paced { .. } => None,
        }
    }
}

/// A response to write. Header names are lowercase, as HTTP/2 would show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

impl Response {
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Full(Vec::new()),
        }
    }

    /// Adds a header (builder style).
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets a full body and its content type.
    pub fn body(self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        let mut r = self.with("content-type", content_type);
        r.body = Body::Full(body.into());
        r
    }

    /// The first value of a header, by lowercase name.
    #[cfg(test)]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Drops every header whose name starts with `prefix`.
    pub fn strip_headers(&mut self, prefix: &str) {
        self.headers.retain(|(n, _)| !n.starts_with(prefix));
    }

    /// The body as text, for tests; empty for generated bodies.
    #[cfg(test)]
    pub fn text(&self) -> String {
        match &self.body {
            Body::Full(b) | Body::Drip { bytes: b, .. } | Body::Truncated { bytes: b, .. } => {
                String::from_utf8_lossy(b).into_owned()
            }
            Body::Paced { steps, .. } => steps
                .iter()
                .map(|(_, b)| String::from_utf8_lossy(b))
                .collect(),
            Body::Huge { .. } => String::new(),
        }
    }
}

/// The reason phrase for a status; browsers show it as `statusText`.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        520 => "Unknown Error",
        529 => "Site Overloaded",
        _ => "Unknown",
    }
}

/// How a response goes on the wire, beyond the response itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    /// Decides the `connection` header.
    pub keep_alive: bool,
    /// A HEAD request: the head alone.
    pub head_only: bool,
    /// The client speaks HTTP/1.1, so a paced body may be chunked.
    pub chunked: bool,
}

/// Writes the response as `framing` says.
pub fn write_response<W: Write>(w: &mut W, resp: &Response, framing: Framing) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (name, value) in &resp.headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    // RFC 9110 forbids Content-Length on 204.
    if resp.status != 204 {
        match resp.body.declared_len() {
            Some(len) => head.push_str(&format!("content-length: {len}\r\n")),
            None if framing.chunked => head.push_str("transfer-encoding: chunked\r\n"),
            // HTTP/1.0 has no chunks: the body ends where the connection does.
            None => {}
        }
    }
    head.push_str(if framing.keep_alive {
        "connection: keep-alive\r\n"
    } else {
        "connection: close\r\n"
    });
    head.push_str("\r\n");
    let mut head = head.into_bytes();
    if framing.head_only || resp.status == 204 {
        w.write_all(&head)?;
        return w.flush();
    }
    match &resp.body {
        // Head and body in one write, so that a client sees them arrive together,
        // as from a proxy that buffered the whole response.
        Body::Full(b) | Body::Truncated { bytes: b, .. } => {
            head.extend_from_slice(b);
            w.write_all(&head)?;
        }
        Body::Drip {
            bytes,
            every,
            limit,
        } => {
            w.write_all(&head)?;
            w.flush()?;
            let start = Instant::now();
            for byte in bytes {
                if start.elapsed() >= *limit {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "drip limit reached",
                    ));
                }
                std::thread::sleep(*every);
                w.write_all(&[*byte])?;
                w.flush()?;
            }
        }
        Body::Huge { len } => {
            w.write_all(&head)?;
            write_huge(w, *len)?;
        }
        Body::Paced { steps, cut } => {
            w.write_all(&head)?;
            w.flush()?;
            for (delay, bytes) in steps {
                if !delay.is_zero() {
                    std::thread::sleep(*delay);
                }
                // An empty chunk would end the stream early.
                if bytes.is_empty() {
                    continue;
                }
                let mut out = Vec::with_capacity(bytes.len() + 12);
                if framing.chunked {
                    out.extend_from_slice(format!("{:x}\r\n", bytes.len()).as_bytes());
                    out.extend_from_slice(bytes);
                    out.extend_from_slice(b"\r\n");
                } else {
                    out.extend_from_slice(bytes);
                }
                w.write_all(&out)?;
                w.flush()?;
            }
            if framing.chunked && !cut {
                w.write_all(b"0\r\n\r\n")?;
            }
        }
    }
    w.flush()
}

/// Streams `len` bytes of valid JSON: `{"data":[],"padding":"xxxx…"}`.
/// Bodies too short for the frame are plain padding.
fn write_huge<W: Write>(w: &mut W, len: u64) -> io::Result<()> {
    const OPEN: &[u8] = br#"{"data":[],"padding":""#;
    const CLOSE: &[u8] = br#""}"#;
    let frame = (OPEN.len() + CLOSE.len()) as u64;
    let mut padding = len;
    if len >= frame {
        w.write_all(OPEN)?;
        padding = len - frame;
    }
    let chunk = [b'x'; 64 * 1024];
    while padding > 0 {
        let n = padding.min(chunk.len() as u64) as usize;
        w.write_all(&chunk[..n])?;
        padding -= n as u64;
    }
    if len >= frame {
        w.write_all(CLOSE)?;
    }
    Ok(())
}

/// Seconds since the Unix epoch, from the system clock.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

thread_local! {
    /// How far this thread's answers put the mock's clock from real time, in seconds.
    static CLOCK_OFFSET: Cell<i64> = const { Cell::new(0) };
}

/// The mock's clock as its answers show it (`date`, rate-limit resets): real
/// time, moved by the offset a clock-skew scenario set around the call.
pub fn clock_secs() -> u64 {
    now_secs().saturating_add_signed(CLOCK_OFFSET.with(Cell::get))
}

/// The `date` header's value, by the mock's clock.
pub fn date_now() -> String {
    imf_fixdate(clock_secs())
}

/// Runs `f` with the mock's clock moved by `secs` on this thread, and restores it.
pub fn with_clock_offset<T>(secs: i64, f: impl FnOnce() -> T) -> T {
    let before = CLOCK_OFFSET.with(|c| c.replace(secs));
    let out = f();
    CLOCK_OFFSET.with(|c| c.set(before));
    out
}

/// The civil date (year, month 1–12, day 1–31) of a day count since 1970-01-01,
/// after Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Splits a timestamp into date and time of day.
fn split(secs: u64) -> (i64, u32, u32, u64, u64, u64, i64) {
    let days = (secs / 86_400) as i64;
    let (y, m, d) = civil_from_days(days);
    let rem = secs % 86_400;
    (y, m, d, rem / 3600, rem / 60 % 60, rem % 60, days)
}

/// RFC 7231 IMF-fixdate, the `date` header's form: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn imf_fixdate(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d, hh, mm, ss, days) = split(secs);
    // 1970-01-01 was a Thursday, the first entry of DAYS.
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month = MONTHS[(m as usize).saturating_sub(1).min(11)];
    format!("{weekday}, {d:02} {month} {y:04} {hh:02}:{mm:02}:{ss:02} GMT")
}

/// RFC 3339 in UTC, the form of `created_at` and rate-limit resets.
pub fn rfc3339(secs: u64) -> String {
    let (y, m, d, hh, mm, ss, _) = split(secs);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> Result<Option<Request>, ReadError> {
        let mut r = raw;
        let mut req = read_head(&mut r)?;
        if let Some(req) = req.as_mut() {
            read_body(&mut r, req)?;
        }
        Ok(req)
    }

    #[test]
    fn parses_a_plain_request() {
        let req = parse(
            b"GET /s/healthy/v1/models?limit=1 HTTP/1.1\r\nHost: x\r\nX-Api-Key:  k \r\n\r\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(req.method, "GET");
        assert_eq!(req.path(), "/s/healthy/v1/models");
        assert_eq!(req.query(), "limit=1");
        assert_eq!(req.header("x-api-key"), Some("k"));
        assert!(req.http11 && req.keep_alive());
    }

    #[test]
    fn reads_content_length_and_chunked_bodies() {
        let req = parse(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
            .unwrap()
            .unwrap();
        assert_eq!(req.body, b"hello");
        let req = parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nhel\r\n2\r\nlo\r\n0\r\nT: 1\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(req.body, b"hello");
    }

    #[test]
    fn tolerates_bare_lf_and_leading_blank_lines() {
        let req = parse(b"\r\n\nGET / HTTP/1.0\nConnection: keep-alive\n\n")
            .unwrap()
            .unwrap();
        assert!(!req.http11 && req.keep_alive());
    }

    #[test]
    fn clean_close_is_not_an_error() {
        assert!(matches!(parse(b""), Ok(None)));
    }

    #[test]
    fn rejects_garbage() {
        let cases: &[&[u8]] = &[
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
            b"GET\r\n\r\n",
            b"GET / HTTP/2.0\r\n\r\n",
            b"GET http://x/ HTTP/1.1\r\n\r\n",
            b"GE T / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Name: b\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            b"POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ];
        for raw in cases {
            assert!(
                matches!(parse(raw), Err(ReadError::Malformed(_))),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn truncated_body_is_an_io_error() {
        assert!(matches!(
            parse(b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc"),
            Err(ReadError::Io(_))
        ));
    }

    #[test]
    fn caps_the_head_and_the_body() {
        let mut raw = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
        raw.extend(std::iter::repeat_n(b'a', MAX_HEAD));
        raw.extend(b"\r\n\r\n");
        assert!(matches!(parse(&raw), Err(ReadError::HeadTooLarge)));
        // Many small headers add up against the same budget.
        let mut raw = b"GET / HTTP/1.1\r\n".to_vec();
        for _ in 0..MAX_HEAD / 10 {
            raw.extend(b"A: bcdefg\r\n");
        }
        assert!(matches!(parse(&raw), Err(ReadError::HeadTooLarge)));
        // A request line alone that is too long, with no newline at all.
        let raw = vec![b'G'; MAX_HEAD + 10];
        assert!(matches!(parse(&raw), Err(ReadError::HeadTooLarge)));
        let raw = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        assert!(matches!(
            parse(raw.as_bytes()),
            Err(ReadError::BodyTooLarge)
        ));
        let raw = "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n";
        assert!(matches!(
            parse(raw.as_bytes()),
            Err(ReadError::BodyTooLarge)
        ));
    }

    #[test]
    fn a_head_one_byte_over_the_limit_is_refused() {
        let start = b"GET / HTTP/1.1\r\nX: ";
        let mut raw = start.to_vec();
        raw.extend(std::iter::repeat_n(b'a', MAX_HEAD - start.len() - 3));
        raw.extend(b"\r\n\r\n");
        assert_eq!(raw.len(), MAX_HEAD + 1);
        assert!(matches!(parse(&raw), Err(ReadError::HeadTooLarge)));
        // A header line that alone overflows by one byte and ends exactly in LF.
        let mut raw = start.to_vec();
        raw.extend(std::iter::repeat_n(b'a', MAX_HEAD - start.len()));
        raw.extend(b"\n\r\n");
        assert!(matches!(parse(&raw), Err(ReadError::HeadTooLarge)));
    }

    #[test]
    fn a_head_of_exactly_the_limit_is_accepted() {
        let start = b"GET / HTTP/1.1\r\nX: ";
        let mut raw = start.to_vec();
        raw.extend(std::iter::repeat_n(b'a', MAX_HEAD - start.len() - 4));
        raw.extend(b"\r\n\r\n");
        assert_eq!(raw.len(), MAX_HEAD);
        assert!(parse(&raw).unwrap().is_some());
    }

    #[test]
    fn connection_header_tokens() {
        let req = parse(b"GET / HTTP/1.1\r\nConnection: Upgrade, Close\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(!req.keep_alive());
        let req = parse(b"GET / HTTP/1.0\r\n\r\n").unwrap().unwrap();
        assert!(!req.keep_alive());
    }

    #[test]
    fn formats_imf_fixdate() {
        assert_eq!(imf_fixdate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(imf_fixdate(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(imf_fixdate(951_825_600), "Tue, 29 Feb 2000 12:00:00 GMT");
        assert_eq!(imf_fixdate(1_735_689_599), "Tue, 31 Dec 2024 23:59:59 GMT");
        assert_eq!(imf_fixdate(4_107_542_400), "Mon, 01 Mar 2100 00:00:00 GMT");
    }

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_763_942_400), "2025-11-24T00:00:00Z");
    }

    fn written(resp: &Response, keep_alive: bool, head_only: bool) -> String {
        let mut out = Vec::new();
        let framing = Framing {
            keep_alive,
            head_only,
            chunked: true,
        };
        write_response(&mut out, resp, framing).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn writes_responses() {
        let resp = Response::new(200).body("text/plain", "hi");
        assert_eq!(
            written(&resp, true, false),
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nhi"
        );
        assert!(written(&resp, false, true).ends_with("connection: close\r\n\r\n"));
        let s = written(&Response::new(204), true, false);
        assert!(!s.contains("content-length"), "{s}");
    }

    #[test]
    fn huge_bodies_are_exact_valid_json() {
        for len in [0u64, 5, 24, 25, 100, 200_000] {
            let resp = Response {
                status: 200,
                headers: vec![],
                body: Body::Huge { len },
            };
            let mut out = Vec::new();
            let framing = Framing {
                keep_alive: false,
                head_only: false,
                chunked: true,
            };
            write_response(&mut out, &resp, framing).unwrap();
            let body_at = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            assert_eq!((out.len() - body_at) as u64, len);
            if len >= 100 {
                assert!(out[body_at..].starts_with(b"{\"data\":[]") && out.ends_with(b"\"}"));
            }
        }
    }
}
