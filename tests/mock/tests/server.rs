//! Starts the built mock-api on a free port and talks to it over real sockets.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mock-api");

/// The running server; killed when dropped so that a failing test leaves nothing behind.
struct Server {
    child: Child,
    stdout: BufReader<ChildStdout>,
    port: u16,
}

impl Server {
    fn start() -> Server {
        Server::start_with(&[], Stdio::null())
    }

    /// Starts the server with extra arguments, its stderr going to `stderr`.
    fn start_with(extra: &[&str], stderr: Stdio) -> Server {
        let mut child = Command::new(BIN)
            .args(["--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn mock-api");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("listening line");
        let port = line
            .trim_end()
            .strip_prefix("mock-api listening on http://127.0.0.1:")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
        Server {
            child,
            stdout,
            port,
        }
    }

    fn connect(&self) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Conn {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Conn {
    fn send(&mut self, raw: &str) {
        self.writer.write_all(raw.as_bytes()).unwrap();
    }

    /// Reads one response whose body is framed by Content-Length (or absent).
    fn read(&mut self) -> Reply {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{line:?}"));
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (n, v) = line.split_once(':').unwrap();
            headers.push((n.to_ascii_lowercase(), v.trim().to_string()));
        }
        let len: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8(body).unwrap(),
        }
    }

    fn request(&mut self, raw: &str) -> Reply {
        self.send(raw);
        self.read()
    }
}

const BROWSER: &str = "Origin: http://localhost:8080\r\nanthropic-dangerous-direct-browser-access: true\r\nanthropic-version: 2023-06-01\r\n";

#[test]
fn healthy_no_key_is_a_readable_401() {
    let server = Server::start();
    let r = server.connect().request(&format!(
        "GET /s/healthy/v1/models?limit=1 HTTP/1.1\r\nHost: x\r\n{BROWSER}Connection: close\r\n\r\n"
    ));
    assert_eq!(r.status, 401);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(r.header("access-control-expose-headers"), Some("*"));
    let id = r.header("request-id").expect("request-id");
    assert!(
        r.body.contains("x-api-key header is required"),
        "{}",
        r.body
    );
    assert!(r.body.contains(&format!(r#""request_id":"{id}""#)));
    assert_eq!(r.header("connection"), Some("close"));
}

#[test]
fn keep_alive_serves_two_requests_on_one_connection() {
    let server = Server::start();
    let mut conn = server.connect();
    let key = format!("sk-ant-api03-{}AA", "x".repeat(93));
    let a = conn.request(&format!(
        "GET /s/healthy/v1/models?limit=1 HTTP/1.1\r\nHost: x\r\n{BROWSER}x-api-key: {key}\r\n\r\n"
    ));
    assert_eq!(a.status, 200);
    assert!(
        a.body.contains(r#""first_id":"claude-opus-4-5""#),
        "{}",
        a.body
    );
    // A POST with a body, then a preflight, on the same socket.
    let body = r#"{"model":"claude-haiku-4-5","max_tokens":1}"#;
    let b = conn.request(&format!(
        "POST /s/healthy/v1/messages HTTP/1.1\r\nHost: x\r\n{BROWSER}x-api-key: {key}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    assert_eq!(b.status, 200);
    assert!(b.body.contains("claude-haiku-4-5"));
    let c = conn.request(
        "OPTIONS /s/healthy/v1/models HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:8080\r\nAccess-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: x-api-key\r\n\r\n",
    );
    assert_eq!(c.status, 204);
    assert_eq!(c.header("access-control-max-age"), Some("600"));
}

#[test]
fn region_has_no_cors() {
    let server = Server::start();
    let r = server.connect().request(&format!(
        "GET /s/region/v1/models HTTP/1.1\r\nHost: x\r\n{BROWSER}\r\n"
    ));
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body,
        r#"{"error":{"type":"forbidden","message":"Request not allowed"}}"#
    );
    assert!(r
        .headers
        .iter()
        .all(|(n, _)| !n.starts_with("access-control-")));
    assert!(r.header("request-id").is_none());
}

#[test]
fn echo_reports_the_headers_sent() {
    let server = Server::start();
    let r = server
        .connect()
        .request("GET /s/echo/v1/models?x=1 HTTP/1.1\r\nHost: h\r\nX-Api-Key: secret\r\nOrigin: http://a\r\n\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        r#"{"method":"GET","path":"/s/echo/v1/models?x=1","headers":{"host":"h","x-api-key":"secret","origin":"http://a"}}"#
    );
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn garbage_gets_400_and_the_server_lives_on() {
    let server = Server::start();
    let mut conn = server.connect();
    conn.send("\u{1}\u{2}garbage\r\n\r\n");
    assert_eq!(conn.read().status, 400);
    // The connection is closed after a 400.
    let mut rest = Vec::new();
    let _ = conn.reader.read_to_end(&mut rest);
    assert!(rest.is_empty());
    let mut conn = server.connect();
    let mut big = String::from("GET / HTTP/1.1\r\nX: ");
    big.push_str(&"a".repeat(70_000));
    big.push_str("\r\n\r\n");
    conn.send(&big);
    assert_eq!(conn.read().status, 431);
    let r = server
        .connect()
        .request("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 200);
    assert!(r.body.lines().any(|l| l.starts_with("healthy\t")));
}

#[test]
fn reset_sends_less_than_it_announces() {
    let server = Server::start();
    let mut conn = server.connect();
    conn.send("GET /s/reset/v1/models HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut head = String::new();
    loop {
        let mut line = String::new();
        conn.reader.read_line(&mut line).unwrap();
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    assert!(head.contains("content-length: 1000\r\n"), "{head}");
    // The rest ends early: a reset (an error) or, where RST is unavailable, EOF.
    let mut body = Vec::new();
    let _ = conn.reader.read_to_end(&mut body);
    assert!(body.len() < 1000, "{}", body.len());
}

#[test]
fn stdout_holds_only_the_listening_line() {
    let mut server = Server::start();
    let _ = server
        .connect()
        .request("GET /s/healthy/v1/models HTTP/1.1\r\nConnection: close\r\n\r\n");
    let _ = server.child.kill();
    let _ = server.child.wait();
    let mut rest = String::new();
    server.stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "");
}

#[test]
fn closed_port_prints_a_port_that_refuses() {
    let out = Command::new(BIN).arg("--closed-port").output().unwrap();
    assert!(out.status.success());
    let port: u16 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(port > 0);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

/// Every read of a whole exchange on a fresh connection: when it came, what it held.
fn timed_reads(server: &Server, request: &str) -> (Instant, Vec<(Instant, Vec<u8>)>) {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let sent = Instant::now();
    stream.write_all(request.as_bytes()).unwrap();
    let mut reads = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => reads.push((Instant::now(), buf[..n].to_vec())),
            Err(e) => panic!("read failed after {} reads: {e}", reads.len()),
        }
    }
    (sent, reads)
}

/// Splits a raw response into its head and body bytes.
fn split_head(raw: &[u8]) -> (String, Vec<u8>) {
    let at = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    (
        String::from_utf8_lossy(&raw[..at + 4]).to_ascii_lowercase(),
        raw[at + 4..].to_vec(),
    )
}

/// Decodes a chunked body: the data, and whether the terminating chunk came.
fn dechunk(mut body: &[u8]) -> (String, bool) {
    let mut data = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&body[..eol]).unwrap(), 16).unwrap();
        if size == 0 {
            return (String::from_utf8(data).unwrap(), true);
        }
        let start = eol + 2;
        data.extend_from_slice(&body[start..start + size]);
        assert_eq!(&body[start + size..start + size + 2], b"\r\n");
        body = &body[start + size + 2..];
    }
    assert!(body.is_empty(), "a partial chunk: {body:?}");
    (String::from_utf8(data).unwrap(), false)
}

fn stream_request(scenario: &str, version: &str, close: bool) -> String {
    let body = r#"{"model":"claude-haiku-4-5","max_tokens":1,"stream":true}"#;
    format!(
        "POST /s/{scenario}/v1/messages {version}\r\nHost: x\r\n{BROWSER}x-api-key: sk-ant-api03-{}AA\r\n{}Content-Length: {}\r\n\r\n{body}",
        "x".repeat(93),
        if close { "Connection: close\r\n" } else { "" },
        body.len()
    )
}

/// Where the first read holding `needle` sits among the reads.
fn read_with(reads: &[(Instant, Vec<u8>)], needle: &str) -> usize {
    reads
        .iter()
        .position(|(_, b)| String::from_utf8_lossy(b).contains(needle))
        .unwrap_or_else(|| panic!("no read holds {needle}"))
}

#[test]
fn a_streamed_message_arrives_in_pieces() {
    let server = Server::start();
    let (_, reads) = timed_reads(&server, &stream_request("healthy", "HTTP/1.1", true));
    assert!(reads.len() >= 2, "{} reads", reads.len());
    // The opening events come at once; the answer only after the pause.
    let start = read_with(&reads, "event: message_start");
    let ping = read_with(&reads, "event: ping");
    let block = read_with(&reads, "event: content_block_start");
    let stop = read_with(&reads, "event: message_stop");
    assert_eq!(start, ping);
    assert!(block > start && stop >= block);
    let gap = reads[block].0 - reads[start].0;
    assert!(gap >= Duration::from_millis(100), "{gap:?}");
    let raw: Vec<u8> = reads.into_iter().flat_map(|(_, b)| b).collect();
    let (head, body) = split_head(&raw);
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    for line in [
        "content-type: text/event-stream; charset=utf-8\r\n",
        "cache-control: no-cache\r\n",
        "transfer-encoding: chunked\r\n",
        "access-control-allow-origin: *\r\n",
        "access-control-expose-headers: *\r\n",
        "request-id: req_",
    ] {
        assert!(head.contains(line), "{line}: {head}");
    }
    assert!(!head.contains("content-length"), "{head}");
    let (events, complete) = dechunk(&body);
    assert!(complete, "no terminating chunk");
    let names: Vec<&str> = events
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .collect();
    assert_eq!(
        names,
        [
            "message_start",
            "ping",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    assert!(events.contains(r#""model":"claude-haiku-4-5""#));
}

#[test]
fn a_buffering_proxy_sends_the_stream_in_one_piece() {
    let server = Server::start();
    let (sent, reads) = timed_reads(
        &server,
        &stream_request("stream-buffered", "HTTP/1.1", true),
    );
    assert_eq!(reads.len(), 1, "{} reads", reads.len());
    let waited = reads[0].0 - sent;
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    let (head, body) = split_head(&reads[0].1);
    assert!(head.contains("content-type: text/event-stream; charset=utf-8\r\n"));
    assert!(
        head.contains(&format!("content-length: {}\r\n", body.len())),
        "{head}"
    );
    let body = String::from_utf8(body).unwrap();
    assert!(
        body.starts_with("event: message_start\n")
            && body.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
    );
}

#[test]
fn a_cut_stream_ends_without_its_last_chunk() {
    let server = Server::start();
    // The client asks to keep the connection; the server drops it anyway.
    let (_, reads) = timed_reads(&server, &stream_request("stream-cut", "HTTP/1.1", false));
    let raw: Vec<u8> = reads.into_iter().flat_map(|(_, b)| b).collect();
    let (head, body) = split_head(&raw);
    assert!(head.contains("connection: keep-alive\r\n"), "{head}");
    let (events, complete) = dechunk(&body);
    assert!(!complete);
    assert!(events.contains("event: content_block_start\n"), "{events}");
    assert!(!events.contains("message_stop"));
}

#[test]
fn stream_error_ends_with_an_error_event() {
    let server = Server::start();
    let (_, reads) = timed_reads(&server, &stream_request("stream-error", "HTTP/1.1", true));
    let raw: Vec<u8> = reads.into_iter().flat_map(|(_, b)| b).collect();
    let (_, body) = split_head(&raw);
    let (events, complete) = dechunk(&body);
    assert!(complete);
    assert!(events.ends_with("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"), "{events}");
}

#[test]
fn http10_clients_get_a_close_delimited_stream() {
    let server = Server::start();
    let (_, reads) = timed_reads(&server, &stream_request("healthy", "HTTP/1.0", false));
    let raw: Vec<u8> = reads.into_iter().flat_map(|(_, b)| b).collect();
    let (head, body) = split_head(&raw);
    assert!(head.contains("connection: close\r\n"), "{head}");
    assert!(!head.contains("transfer-encoding") && !head.contains("content-length"));
    let body = String::from_utf8(body).unwrap();
    assert!(
        body.starts_with("event: message_start\n")
            && body.ends_with("{\"type\":\"message_stop\"}\n\n")
    );
}

#[test]
fn keep_alive_survives_a_stream() {
    let server = Server::start();
    let mut conn = server.connect();
    conn.send(&stream_request("healthy", "HTTP/1.1", false));
    // Reads the head, then chunks up to the terminating one.
    let mut head = String::new();
    loop {
        let mut line = String::new();
        conn.reader.read_line(&mut line).unwrap();
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    assert!(head.contains("transfer-encoding: chunked"));
    loop {
        let mut size = String::new();
        conn.reader.read_line(&mut size).unwrap();
        let n = usize::from_str_radix(size.trim_end(), 16).unwrap();
        let mut chunk = vec![0; n + 2];
        conn.reader.read_exact(&mut chunk).unwrap();
        if n == 0 {
            break;
        }
    }
    let r = conn.request(&format!(
        "GET /s/healthy/v1/models HTTP/1.1\r\nHost: x\r\n{BROWSER}\r\n"
    ));
    assert_eq!(r.status, 401);
}

#[test]
fn delay_ms_holds_every_response() {
    let server = Server::start_with(&["--delay-ms", "300"], Stdio::piped());
    let plain = Server::start();
    let requests = [
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_string(),
        "OPTIONS /s/healthy/v1/models HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n".into(),
        format!("GET /s/healthy/v1/models HTTP/1.1\r\nHost: x\r\n{BROWSER}Connection: close\r\n\r\n"),
        "GET /s/control/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".into(),
        "GET /doh/ok/dns-query?name=a.b&type=A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".into(),
        "GET /status/operational/api/v2/summary.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".into(),
        "\u{1}garbage\r\n\r\n".into(),
    ];
    for request in &requests {
        let (sent, reads) = timed_reads(&server, request);
        let waited = reads.first().expect("an answer").0 - sent;
        assert!(
            waited >= Duration::from_millis(300),
            "{waited:?}: {request}"
        );
        // The same request without the flag comes back well within the delay.
        let (sent, reads) = timed_reads(&plain, request);
        let waited = reads.first().expect("an answer").0 - sent;
        assert!(waited < Duration::from_millis(250), "{waited:?}: {request}");
    }
    // The delay is noted on stderr, not on stdout.
    let mut server = server;
    let mut err = BufReader::new(server.child.stderr.take().expect("stderr"));
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("300 ms"), "{line:?}");
}

#[test]
fn skew_moves_the_date_an_hour_ahead() {
    let server = Server::start();
    for (scenario, offset) in [("skew-3600", 3600i64), ("lag-3600", -3600), ("healthy", 0)] {
        let before = now();
        let r = server.connect().request(&format!(
            "GET /s/{scenario}/v1/models HTTP/1.1\r\nHost: x\r\n{BROWSER}Connection: close\r\n\r\n"
        ));
        let after = now();
        let date = parse_imf(r.header("date").expect("date"));
        assert!(
            date >= before + offset - 1 && date <= after + offset + 1,
            "{scenario}: {date} not {before}..{after} + {offset}"
        );
    }
}

#[test]
fn doh_and_status_over_tcp() {
    let server = Server::start();
    let r = server.connect().request(
        "GET /doh/ok/dns-query?name=api.anthropic.com&type=AAAA HTTP/1.1\r\nHost: x\r\nAccept: application/dns-json\r\nOrigin: http://a\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/dns-json"));
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert!(
        r.body
            .contains(r#""type":28,"TTL":60,"data":"2607:6bc0::10""#),
        "{}",
        r.body
    );
    let r = server
        .connect()
        .request("GET /status/partial/api/v2/summary.json HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n");
    assert_eq!(r.status, 200);
    assert!(r
        .body
        .contains(r#""url":"http://127.0.0.1:9/status/partial""#));
    assert!(r
        .body
        .contains(r#""name":"Claude API (api.anthropic.com)","status":"partial_outage""#));
}

/// Seconds since the Unix epoch.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) into Unix seconds.
fn parse_imf(date: &str) -> i64 {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = date.split([' ', ':']).collect();
    let [_, d, mon, y, hh, mm, ss, "GMT"] = parts[..] else {
        panic!("not an IMF-fixdate: {date}")
    };
    let num = |s: &str| s.parse::<i64>().unwrap();
    let m = MONTHS.iter().position(|x| *x == mon).unwrap() as i64 + 1;
    // Howard Hinnant's days_from_civil.
    let y = num(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + num(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + num(hh) * 3600 + num(mm) * 60 + num(ss)
}

#[test]
fn parse_imf_is_right() {
    assert_eq!(parse_imf("Sun, 06 Nov 1994 08:49:37 GMT"), 784_111_777);
    assert_eq!(parse_imf("Tue, 29 Feb 2000 12:00:00 GMT"), 951_825_600);
}
