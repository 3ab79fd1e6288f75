//! Starts the built mock-api on a free port and talks to it over real sockets.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_mock-api");

/// The running server; killed when dropped so that a failing test leaves nothing behind.
struct Server {
    child: Child,
    stdout: BufReader<ChildStdout>,
    port: u16,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(BIN)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
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
