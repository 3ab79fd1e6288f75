//! mock-api: a loopback stand-in for the Claude API, one scenario per path prefix (args, listener, one thread per connection).

/// Writes one line to stderr, ignoring failure: `eprintln!` panics when stderr
/// is a closed pipe, and a log line is never worth the server.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod api;
mod cors;
mod doh;
mod gateways;
mod http;
mod scenarios;
mod sse;
mod statuspage;

use http::{Body, Framing, ReadError, Request, Response};
use scenarios::Outcome;
use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long an idle keep-alive connection, or a client slow to send its head, is kept.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a write may block on a client that stopped reading.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `hang` holds a socket.
const HANG_LIMIT: Duration = Duration::from_secs(300);
/// How long `reset` waits after its partial body so that the client has read
/// the head before the reset discards whatever is still in flight.
const RESET_PAUSE: Duration = Duration::from_millis(200);

/// The largest `--delay-ms` accepted: two minutes, like `slow-<ms>`.
const MAX_DELAY_MS: u64 = 120_000;

const USAGE: &str =
    "usage: mock-api [--port N] [--host 127.0.0.1] [--delay-ms N] | mock-api --closed-port";

struct Args {
    host: String,
    port: u16,
    closed_port: bool,
    /// How long every response waits before its head is written.
    delay: Duration,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        host: "127.0.0.1".into(),
        port: 8787,
        closed_port: false,
        delay: Duration::ZERO,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let v = args.next().ok_or("--port needs a value")?;
                parsed.port = v.parse().map_err(|_| format!("bad port: {v}"))?;
            }
            "--host" => parsed.host = args.next().ok_or("--host needs a value")?,
            "--delay-ms" => {
                let v = args.next().ok_or("--delay-ms needs a value")?;
                let ms = v
                    .parse::<u64>()
                    .ok()
                    .filter(|ms| *ms <= MAX_DELAY_MS)
                    .ok_or_else(|| format!("bad --delay-ms (0 to {MAX_DELAY_MS}): {v}"))?;
                parsed.delay = Duration::from_millis(ms);
            }
            "--closed-port" => parsed.closed_port = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument: {other}\n{USAGE}")),
        }
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            note!("{e}");
            return ExitCode::from(2);
        }
    };
    if args.closed_port {
        return closed_port(&args.host);
    }
    let listener = match TcpListener::bind((args.host.as_str(), args.port)) {
        Ok(l) => l,
        Err(e) => {
            note!("mock-api: cannot bind {}:{}: {e}", args.host, args.port);
            return ExitCode::FAILURE;
        }
    };
    let port = listener.local_addr().map_or(args.port, |a| a.port());
    // An IPv6 literal needs brackets in a URL.
    let host = if args.host.contains(':') {
        format!("[{}]", args.host)
    } else {
        args.host.clone()
    };
    // The one line on stdout: scripts wait for it and read the port from it.
    let mut out = std::io::stdout().lock();
    if writeln!(out, "mock-api listening on http://{host}:{port}")
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(out);
    // Only stdout's one line is parsed by harnesses; the delay is noted on stderr.
    if !args.delay.is_zero() {
        note!(
            "mock-api: every response waits {} ms before its head",
            args.delay.as_millis()
        );
    }
    let delay = args.delay;
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        // A thread that cannot be spawned (resources exhausted) drops the
        // connection rather than the server.
        let spawned = std::thread::Builder::new()
            .name("conn".into())
            .spawn(move || {
                // Belt and braces: the code avoids panics on client input, and a
                // panic that slips through ends only this connection (the
                // workspace's release profile keeps unwinding for this).
                if panic::catch_unwind(AssertUnwindSafe(|| serve(stream, delay))).is_err() {
                    note!("mock-api: connection handler panicked");
                }
            });
        if let Err(e) = spawned {
            note!("mock-api: cannot spawn a thread: {e}");
        }
    }
    ExitCode::SUCCESS
}

/// Binds an ephemeral port, lets it go, and prints its number: a port that is
/// closed, give or take a race with other processes picking ports.
fn closed_port(host: &str) -> ExitCode {
    match TcpListener::bind((host, 0)).and_then(|l| l.local_addr()) {
        Ok(addr) => {
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{}", addr.port()).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        }
        Err(e) => {
            note!("mock-api: cannot bind {host}:0: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Serves one connection until the client closes it, asks to, or misbehaves.
/// Every response waits `delay` first (`--delay-ms`).
fn serve(stream: TcpStream, delay: Duration) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let mut req = match http::read_head(&mut reader) {
            Ok(Some(req)) => req,
            Ok(None) | Err(ReadError::Io(_)) => return,
            Err(e) => return refuse(&mut writer, "-", e, delay),
        };
        if req.expects_continue() && writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err() {
            return;
        }
        match http::read_body(&mut reader, &mut req) {
            Ok(()) => {}
            Err(ReadError::Io(e)) => {
                note!("{} {} - (body not received: {e})", req.method, req.target);
                return;
            }
            Err(e) => return refuse(&mut writer, &req.target, e, delay),
        }
        // The delay comes before the scenario plays, so that what it builds
        // (the `date` header, a stream's pacing) starts when the head is due.
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let resp = match scenarios::handle(&req) {
            Outcome::Reply(resp) => resp,
            Outcome::Hang => {
                log(&req, "hang");
                return hang(reader);
            }
        };
        let truncated = matches!(resp.body, Body::Truncated { .. });
        // A paced body for an HTTP/1.0 client ends where the connection does.
        let paced = matches!(resp.body, Body::Paced { .. });
        let cut = matches!(resp.body, Body::Paced { cut: true, .. });
        let keep_alive = req.keep_alive() && !truncated && (req.http11 || !paced);
        log(&req, &resp.status.to_string());
        let framing = Framing {
            keep_alive,
            head_only: req.method == "HEAD",
            chunked: req.http11,
        };
        let written = http::write_response(&mut writer, &resp, framing);
        if truncated {
            return reset(writer);
        }
        // A cut stream announced keep-alive like any other; closing now,
        // without the terminating chunk, is the fault.
        if cut && written.is_ok() {
            // A browser's stream drops chunks it has queued but not yet
            // handed to the page when the error arrives, so the close waits
            // until the last event has surely been read, as a real cut
            // some time after the last event would.
            std::thread::sleep(sse::GAP);
        }
        if written.is_err() || !keep_alive || cut {
            let _ = writer.shutdown(Shutdown::Write);
            return;
        }
    }
}

/// One stderr line per request: method, target, status (or what happened instead).
fn log(req: &Request, status: &str) {
    note!("{} {} {status}", req.method, req.target);
}

/// Answers a request that could not be read, after `delay`, then closes.
fn refuse(w: &mut TcpStream, target: &str, e: ReadError, delay: Duration) {
    let (status, why) = match e {
        ReadError::HeadTooLarge => (431, "request head too large"),
        ReadError::BodyTooLarge => (413, "request body too large"),
        ReadError::Malformed(why) => (400, why),
        ReadError::Io(_) => return,
    };
    note!("? {target} {status} ({why})");
    if !delay.is_zero() {
        std::thread::sleep(delay);
    }
    let resp = Response::new(status)
        .with("date", http::date_now())
        .body("text/plain", format!("{why}\n"));
    let framing = Framing {
        keep_alive: false,
        head_only: false,
        chunked: false,
    };
    let _ = http::write_response(w, &resp, framing);
    let _ = w.shutdown(Shutdown::Write);
    // Drain a little of what the client still sends, so that closing with
    // unread data does not reset the connection before it reads the 400.
    let _ = w.set_read_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 4096];
    for _ in 0..16 {
        if matches!(w.read(&mut sink), Ok(0) | Err(_)) {
            break;
        }
    }
}

/// Holds the socket without answering until the client closes it or the limit passes.
fn hang(mut reader: BufReader<TcpStream>) {
    let start = Instant::now();
    let mut sink = [0u8; 4096];
    while let Some(left) = HANG_LIMIT
        .checked_sub(start.elapsed())
        .filter(|d| !d.is_zero())
    {
        let _ = reader.get_ref().set_read_timeout(Some(left));
        match reader.get_mut().read(&mut sink) {
            Ok(0) => return,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        }
    }
}

/// Ends a connection with a TCP reset rather than an orderly close.
fn reset(stream: TcpStream) {
    std::thread::sleep(RESET_PAUSE);
    linger_zero(&stream);
    drop(stream);
}

/// SO_LINGER with a zero timeout makes close() send RST. std has no stable
/// setter, so this calls setsockopt directly (libc is linked by std already).
#[cfg(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "x86",
        target_arch = "arm",
        target_arch = "riscv64"
    )
))]
fn linger_zero(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    #[repr(C)]
    struct Linger {
        l_onoff: i32,
        l_linger: i32,
    }
    extern "C" {
        fn setsockopt(fd: i32, level: i32, name: i32, value: *const Linger, len: u32) -> i32;
    }
    const SOL_SOCKET: i32 = 1;
    const SO_LINGER: i32 = 13;
    let linger = Linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the fd is open for the duration of the call and the option value
    // is a properly sized `struct linger` that outlives it.
    let rc = unsafe {
        setsockopt(
            stream.as_raw_fd(),
            SOL_SOCKET,
            SO_LINGER,
            &linger,
            std::mem::size_of::<Linger>() as u32,
        )
    };
    if rc != 0 {
        note!("mock-api: setsockopt(SO_LINGER) failed; closing normally");
    }
}

/// Elsewhere (other systems, or Linux ports whose socket constants differ) the
/// connection just closes: the client still sees a body shorter than announced.
#[cfg(not(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "x86",
        target_arch = "arm",
        target_arch = "riscv64"
    )
)))]
fn linger_zero(_stream: &TcpStream) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse_args(list.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_arguments() {
        let a = args(&[]).unwrap();
        assert_eq!(
            (a.host.as_str(), a.port, a.closed_port, a.delay),
            ("127.0.0.1", 8787, false, Duration::ZERO)
        );
        let a = args(&["--delay-ms", "250", "--port", "0"]).unwrap();
        assert_eq!((a.delay, a.port), (Duration::from_millis(250), 0));
        for bad in [
            &["--delay-ms"][..],
            &["--delay-ms", "-1"],
            &["--delay-ms", "1.5"],
            &["--delay-ms", "120001"],
            &["--delay-ms", "x"],
        ] {
            assert!(args(bad).is_err(), "{bad:?}");
        }
        let a = args(&["--port", "0", "--host", "::1"]).unwrap();
        assert_eq!((a.host.as_str(), a.port), ("::1", 0));
        assert!(args(&["--closed-port"]).unwrap().closed_port);
        assert!(args(&["--port"]).is_err());
        assert!(args(&["--port", "70000"]).is_err());
        assert!(args(&["--what"]).is_err());
    }
}
