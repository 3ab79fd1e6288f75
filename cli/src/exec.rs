//! The native executor: carries out one probe description and says what happened, as an observation.
//!
//! It builds each connection itself (resolve, connect, `CONNECT` through a proxy, the TLS handshake, then
//! HTTP/1.1 or HTTP/2 as ALPN agreed), so that every phase is timed apart. It decides nothing: which probes
//! go out, over which route and trusting what, is in the description. A failed probe is an observation.

use crate::tls;
use api_doctor::core::key::ApiKey;
use api_doctor::core::net::{
    Failure, IdleEnd, Net, NetError, PathSeen, ResolveError, Stage, TlsSeen, TrustSource,
};
use api_doctor::core::observation::{
    BodyState, Chunk, Observation, Phases, Response, ResponseKind,
};
use api_doctor::core::probe::{Hop, NetKind, NetSpec, ProbeId, ProbeSpec, ProxyKind};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout_at;

/// A byte stream a connection runs over: plain TCP, or TLS over it.
trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// How far a connection got when it broke.
#[derive(Debug, Clone, Copy)]
struct Broke {
    stage: Stage,
    error: NetError,
}

/// A request sender on an open connection.
enum Sender {
    H1(hyper::client::conn::http1::SendRequest<Full<Bytes>>),
    H2(hyper::client::conn::http2::SendRequest<Full<Bytes>>),
}

impl Sender {
    /// Whether the connection under it is known to be closed.
    fn is_closed(&self) -> bool {
        match self {
            Sender::H1(s) => s.is_closed(),
            Sender::H2(s) => s.is_closed(),
        }
    }
}

/// An open connection and what it took to open it.
struct Opened {
    io: Box<dyn Io>,
    dns_ms: f64,
    connect_ms: f64,
    proxy_status: Option<u16>,
    tls: Option<(f64, String, String, String)>,
    /// The version, ALPN, cipher and the handshake's time, when TLS was spoken.
    alpn_h2: bool,
}

/// Executes probe descriptions for one run.
pub struct Executor {
    key: Option<ApiKey>,
    /// `scheme://host[:port]` of the target: the only origin the key is ever sent to.
    target_origin: String,
    /// The latency series' connection, reused by its warm round trips as an app's pool would.
    kept: Mutex<Option<(String, Sender)>>,
}

/// Milliseconds since `t`.
fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// The local wall clock in Unix milliseconds.
fn wall_ms() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// What an I/O error says about the connection, by its kind (never its text).
fn net_error(e: &std::io::Error) -> NetError {
    use std::io::ErrorKind::*;
    if let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return match tls {
            rustls::Error::AlertReceived(_) => NetError::TlsAlert,
            rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
                NetError::NotTls
            }
            _ => NetError::Other,
        };
    }
    match e.kind() {
        ConnectionRefused => NetError::Refused,
        ConnectionReset | ConnectionAborted | BrokenPipe => NetError::Reset,
        HostUnreachable | NetworkUnreachable | AddrNotAvailable => NetError::Unreachable,
        TimedOut => NetError::TimedOut,
        UnexpectedEof => NetError::Closed,
        InvalidData => NetError::NotTls,
        _ => NetError::Other,
    }
}

/// What a hyper error says, through the I/O error under it where there is one.
fn http_error(e: &hyper::Error) -> NetError {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return net_error(io);
        }
        source = s.source();
    }
    if e.is_parse() {
        NetError::BadAnswer
    } else if e.is_incomplete_message() || e.is_closed() || e.is_canceled() {
        NetError::Closed
    } else {
        NetError::Other
    }
}

/// Standard base64 with padding, for `Proxy-Authorization: Basic`.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The parts of a URL a request needs: scheme, host (without brackets), port, path and query, origin.
struct Url {
    https: bool,
    host: String,
    port: u16,
    path: String,
    origin: String,
}

fn parse_url(url: &str) -> Option<Url> {
    let (scheme, rest) = url.split_once("://")?;
    let https = match scheme {
        "https" => true,
        "http" => false,
        _ => return None,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let path = path.split('#').next().unwrap_or("");
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (h, after) = inner.split_once(']')?;
        (h, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None if https => 443,
        None => 80,
    };
    Some(Url {
        https,
        host: host.to_ascii_lowercase(),
        port,
        path: if path.is_empty() {
            "/".into()
        } else {
            path.into()
        },
        origin: format!("{scheme}://{}", authority.to_ascii_lowercase()),
    })
}

/// Resolves `host` with the system resolver (getaddrinfo), addresses in its order, each once.
async fn system_resolve(host: &str, port: u16) -> Result<Vec<IpAddr>, ResolveError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    let host = host.to_string();
    let found = tokio::task::spawn_blocking(move || {
        let hints = dns_lookup::AddrInfoHints {
            socktype: dns_lookup::SockType::Stream.into(),
            ..dns_lookup::AddrInfoHints::default()
        };
        dns_lookup::getaddrinfo(Some(&host), Some(&port.to_string()), Some(hints)).map(|iter| {
            let mut out: Vec<IpAddr> = Vec::new();
            for info in iter.flatten() {
                let ip = info.sockaddr.ip();
                if !out.contains(&ip) {
                    out.push(ip);
                }
            }
            out
        })
    })
    .await
    .map_err(|_| ResolveError::Failed)?;
    match found {
        Ok(addrs) if addrs.is_empty() => Err(ResolveError::NotFound),
        Ok(addrs) => Ok(addrs),
        Err(e) => Err(match e.kind() {
            dns_lookup::LookupErrorKind::NoName | dns_lookup::LookupErrorKind::NoData => {
                ResolveError::NotFound
            }
            dns_lookup::LookupErrorKind::Again => ResolveError::TimedOut,
            _ => ResolveError::Failed,
        }),
    }
}

/// Connects to the first of `addrs` that accepts, in order, within `deadline`.
async fn connect_any(
    addrs: &[IpAddr],
    port: u16,
    deadline: tokio::time::Instant,
) -> Result<TcpStream, NetError> {
    let mut last = NetError::Other;
    for ip in addrs {
        match timeout_at(deadline, TcpStream::connect(SocketAddr::new(*ip, port))).await {
            Ok(Ok(s)) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Ok(Err(e)) => last = net_error(&e),
            Err(_) => return Err(NetError::TimedOut),
        }
    }
    Err(last)
}

/// Sends `CONNECT host:port` over `stream` and reads the proxy's answer head; its status.
async fn tunnel(
    stream: &mut Box<dyn Io>,
    host: &str,
    port: u16,
    user: &Option<String>,
    password: &Option<String>,
) -> Result<u16, NetError> {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut head = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(user) = user {
        let pass = password.as_deref().unwrap_or("");
        head.push_str(&format!(
            "Proxy-Authorization: Basic {}\r\n",
            base64(format!("{}:{}", percent_decode(user), percent_decode(pass)).as_bytes())
        ));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| net_error(&e))?;
    // The answer's head, byte by byte up to its blank line, so that nothing of the tunnel is read here.
    let mut answer = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() >= 16 * 1024 {
            return Err(NetError::BadAnswer);
        }
        match stream.read(&mut byte).await {
            Ok(0) => return Err(NetError::Closed),
            Ok(_) => answer.push(byte[0]),
            Err(e) => return Err(net_error(&e)),
        }
    }
    let line = String::from_utf8_lossy(&answer);
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| line.starts_with("HTTP/1."))
        .ok_or(NetError::BadAnswer)?;
    Ok(status)
}

/// A SOCKS5 connect to `host:port` (the name passed to the proxy) over `stream`, with user and password
/// when the URL has them; 200 when the proxy connected, else where and how it refused. A proxy that
/// refuses the credentials counts as a 407, one that refuses the host by its rules as a 403.
async fn socks5(
    stream: &mut Box<dyn Io>,
    host: &str,
    port: u16,
    user: &Option<String>,
    password: &Option<String>,
) -> Result<u16, (Stage, NetError)> {
    let io = |e: std::io::Error| (Stage::Proxy, net_error(&e));
    let methods: &[u8] = if user.is_some() {
        &[5, 2, 0, 2]
    } else {
        &[5, 1, 0]
    };
    stream.write_all(methods).await.map_err(io)?;
    let mut choice = [0u8; 2];
    stream.read_exact(&mut choice).await.map_err(io)?;
    match choice {
        [5, 0] => {}
        [5, 2] => {
            let user = percent_decode(user.as_deref().unwrap_or(""));
            let pass = percent_decode(password.as_deref().unwrap_or(""));
            let (u, p) = (user.as_bytes(), pass.as_bytes());
            if u.len() > 255 || p.len() > 255 {
                return Err((Stage::Proxy, NetError::ProxyStatus(407)));
            }
            let mut auth = vec![1, u.len() as u8];
            auth.extend_from_slice(u);
            auth.push(p.len() as u8);
            auth.extend_from_slice(p);
            stream.write_all(&auth).await.map_err(io)?;
            let mut status = [0u8; 2];
            stream.read_exact(&mut status).await.map_err(io)?;
            if status[1] != 0 {
                return Err((Stage::Proxy, NetError::ProxyStatus(407)));
            }
        }
        [5, 0xff] => return Err((Stage::Proxy, NetError::ProxyStatus(407))),
        _ => return Err((Stage::Proxy, NetError::BadAnswer)),
    }
    let name = host.as_bytes();
    if name.len() > 255 {
        return Err((Stage::Proxy, NetError::Other));
    }
    let mut request = vec![5, 1, 0];
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            request.push(1);
            request.extend_from_slice(&ip.octets());
        }
        Ok(IpAddr::V6(ip)) => {
            request.push(4);
            request.extend_from_slice(&ip.octets());
        }
        Err(_) => {
            request.push(3);
            request.push(name.len() as u8);
            request.extend_from_slice(name);
        }
    }
    request.extend_from_slice(&port.to_be_bytes());
    stream.write_all(&request).await.map_err(io)?;
    let mut head = [0u8; 4];
    stream.read_exact(&mut head).await.map_err(io)?;
    if head[0] != 5 {
        return Err((Stage::Proxy, NetError::BadAnswer));
    }
    // The bound address that follows, skipped by its type.
    let rest = match head[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => {
            let mut len = [0u8; 1];
            stream.read_exact(&mut len).await.map_err(io)?;
            usize::from(len[0]) + 2
        }
        _ => return Err((Stage::Proxy, NetError::BadAnswer)),
    };
    let mut skip = vec![0u8; rest];
    stream.read_exact(&mut skip).await.map_err(io)?;
    match head[1] {
        0 => Ok(200),
        2 => Err((Stage::Proxy, NetError::ProxyStatus(403))),
        3 | 4 => Err((Stage::Connect, NetError::Unreachable)),
        5 => Err((Stage::Connect, NetError::Refused)),
        6 => Err((Stage::Connect, NetError::TimedOut)),
        _ => Err((Stage::Proxy, NetError::ProxyStatus(502))),
    }
}

/// `%xx` sequences in a proxy URL's user or password, decoded.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The TLS protocol version's name.
fn version_name(v: Option<rustls::ProtocolVersion>) -> String {
    match v {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".into(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".into(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

impl Executor {
    pub fn new(key: Option<ApiKey>, target_origin: String) -> Executor {
        Executor {
            key,
            target_origin,
            kept: Mutex::new(None),
        }
    }

    /// Carries out one probe.
    pub async fn execute(&self, spec: &ProbeSpec) -> Observation {
        let Some(net) = spec.net.as_deref() else {
            // Every native probe carries its route; one without is a bug of the plan, shown as not sent.
            return Observation::NotSent(api_doctor::core::observation::NotSent::InvalidUrl);
        };
        match net.kind {
            NetKind::Resolve => self.resolve(spec, net).await,
            NetKind::Path => Observation::Net(Net::Path(self.path(spec, net).await)),
            NetKind::Request => self.request(spec, net).await,
            NetKind::Idle(secs) => self.idle(spec, net, secs).await,
        }
    }

    /// The system resolver's answer for the target's host.
    async fn resolve(&self, spec: &ProbeSpec, net: &NetSpec) -> Observation {
        let start = Instant::now();
        let limit = Duration::from_millis(u64::from(spec.timeout_ms));
        match tokio::time::timeout(limit, system_resolve(&net.host, net.port)).await {
            Ok(Ok(addrs)) => Observation::Net(Net::Resolved {
                addrs: addrs.iter().map(IpAddr::to_string).collect(),
                elapsed_ms: ms_since(start),
            }),
            Ok(Err(error)) => Observation::Net(Net::ResolveFailed {
                error,
                elapsed_ms: ms_since(start),
            }),
            Err(_) => Observation::Net(Net::ResolveFailed {
                error: ResolveError::TimedOut,
                elapsed_ms: ms_since(start),
            }),
        }
    }

    /// Opens a TCP connection over `hop` to `host:port` (through the proxy when the hop says so).
    async fn open_tcp(
        &self,
        net: &NetSpec,
        host: &str,
        port: u16,
        deadline: tokio::time::Instant,
        seen: &mut PathSeen,
    ) -> Result<(Box<dyn Io>, f64), Broke> {
        let at = |stage, error| Broke { stage, error };
        match &net.hop {
            Hop::Addr(addr) => {
                let ip: IpAddr = addr
                    .parse()
                    .map_err(|_| at(Stage::Connect, NetError::Other))?;
                let t = Instant::now();
                let s = connect_any(&[ip], port, deadline)
                    .await
                    .map_err(|e| at(Stage::Connect, e))?;
                seen.connect_ms = Some(ms_since(t));
                Ok((Box::new(s), 0.0))
            }
            Hop::System { addrs } => {
                let t = Instant::now();
                let ips: Vec<IpAddr> = if addrs.is_empty() {
                    match timeout_at(deadline, system_resolve(host, port)).await {
                        Ok(Ok(ips)) => ips,
                        Ok(Err(_)) => return Err(at(Stage::Connect, NetError::Unreachable)),
                        Err(_) => return Err(at(Stage::Connect, NetError::TimedOut)),
                    }
                } else {
                    addrs.iter().filter_map(|a| a.parse().ok()).collect()
                };
                let dns_ms = ms_since(t);
                let t = Instant::now();
                let s = connect_any(&ips, port, deadline)
                    .await
                    .map_err(|e| at(Stage::Connect, e))?;
                seen.connect_ms = Some(ms_since(t));
                Ok((Box::new(s), dns_ms))
            }
            Hop::Proxy {
                kind,
                host: proxy_host,
                port: proxy_port,
                user,
                password,
            } => {
                let t = Instant::now();
                let ips = match timeout_at(deadline, system_resolve(proxy_host, *proxy_port)).await
                {
                    Ok(Ok(ips)) => ips,
                    Ok(Err(_)) => return Err(at(Stage::Connect, NetError::Unreachable)),
                    Err(_) => return Err(at(Stage::Connect, NetError::TimedOut)),
                };
                let dns_ms = ms_since(t);
                let t = Instant::now();
                let tcp = connect_any(&ips, *proxy_port, deadline)
                    .await
                    .map_err(|e| at(Stage::Connect, e))?;
                seen.connect_ms = Some(ms_since(t));
                let mut s: Box<dyn Io> = match kind {
                    ProxyKind::Http | ProxyKind::Socks => Box::new(tcp),
                    // TLS to the proxy itself, verified against the same sources as the target.
                    ProxyKind::Https => {
                        let config = tls::verifying(tls::union(&net.trust, &net.ca_files), &[])
                            .map_err(|_| at(Stage::Proxy, NetError::Other))?;
                        let name = rustls::pki_types::ServerName::try_from(proxy_host.clone())
                            .map_err(|_| at(Stage::Proxy, NetError::Other))?;
                        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
                        match timeout_at(deadline, connector.connect(name, tcp)).await {
                            Ok(Ok(tls)) => Box::new(tls),
                            Ok(Err(e)) => return Err(at(Stage::Proxy, net_error(&e))),
                            Err(_) => return Err(at(Stage::Proxy, NetError::TimedOut)),
                        }
                    }
                };
                let answer = async {
                    match kind {
                        ProxyKind::Socks => socks5(&mut s, host, port, user, password).await,
                        _ => tunnel(&mut s, host, port, user, password)
                            .await
                            .map_err(|e| (Stage::Proxy, e)),
                    }
                };
                let status = match timeout_at(deadline, answer).await {
                    Ok(Ok(status)) => status,
                    Ok(Err((stage, e))) => {
                        if let NetError::ProxyStatus(code) = e {
                            seen.proxy_status = Some(code);
                        }
                        return Err(at(stage, e));
                    }
                    Err(_) => return Err(at(Stage::Proxy, NetError::TimedOut)),
                };
                seen.proxy_status = Some(status);
                if status != 200 {
                    return Err(at(Stage::Proxy, NetError::ProxyStatus(status)));
                }
                Ok((s, dns_ms))
            }
        }
    }

    /// Opens a connection for a request or a path: TCP over the hop, then TLS with `config`.
    async fn open(
        &self,
        net: &NetSpec,
        host: &str,
        port: u16,
        tls_config: Option<rustls::ClientConfig>,
        deadline: tokio::time::Instant,
        seen: &mut PathSeen,
    ) -> Result<Opened, Broke> {
        let (tcp, dns_ms) = self.open_tcp(net, host, port, deadline, seen).await?;
        let connect_ms = seen.connect_ms.unwrap_or(0.0);
        let Some(config) = tls_config else {
            return Ok(Opened {
                io: tcp,
                dns_ms,
                connect_ms,
                proxy_status: seen.proxy_status,
                tls: None,
                alpn_h2: false,
            });
        };
        let t = Instant::now();
        let name =
            rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|_| Broke {
                stage: Stage::Tls,
                error: NetError::Other,
            })?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let stream = match timeout_at(deadline, connector.connect(name, tcp)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                return Err(Broke {
                    stage: Stage::Tls,
                    error: net_error(&e),
                })
            }
            Err(_) => {
                return Err(Broke {
                    stage: Stage::Tls,
                    error: NetError::TimedOut,
                })
            }
        };
        let tls_ms = ms_since(t);
        let (_, conn) = stream.get_ref();
        let alpn = conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default();
        let version = version_name(conn.protocol_version());
        let cipher = conn
            .negotiated_cipher_suite()
            .map(|c| format!("{:?}", c.suite()))
            .unwrap_or_default();
        Ok(Opened {
            alpn_h2: alpn == "h2",
            io: Box::new(stream),
            dns_ms,
            connect_ms,
            proxy_status: seen.proxy_status,
            tls: Some((tls_ms, version, alpn, cipher)),
        })
    }

    /// Starts HTTP on an open connection, as ALPN agreed.
    async fn handshake(io: Box<dyn Io>, h2: bool) -> Result<Sender, NetError> {
        let io = TokioIo::new(io);
        if h2 {
            let (sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                .await
                .map_err(|e| http_error(&e))?;
            tokio::spawn(conn);
            Ok(Sender::H2(sender))
        } else {
            let (sender, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| http_error(&e))?;
            tokio::spawn(conn);
            Ok(Sender::H1(sender))
        }
    }

    /// The request a probe describes, with the key only when it goes to the target's origin.
    fn build(&self, spec: &ProbeSpec, url: &Url, h2: bool) -> Option<hyper::Request<Full<Bytes>>> {
        let authority = if url.host.contains(':') {
            format!("[{}]", url.host)
        } else {
            url.host.clone()
        };
        let default_port = if url.https { 443 } else { 80 };
        let host_header = if url.port == default_port {
            authority
        } else {
            format!("{authority}:{}", url.port)
        };
        let uri = if h2 {
            format!(
                "{}://{host_header}{}",
                if url.https { "https" } else { "http" },
                url.path
            )
        } else {
            url.path.clone()
        };
        let mut req = hyper::Request::builder()
            .method(spec.method)
            .uri(uri)
            .header(
                "user-agent",
                concat!("api-doctor/", env!("CARGO_PKG_VERSION")),
            )
            .header("accept", "application/json");
        if !h2 {
            req = req.header("host", host_header);
        }
        for (name, value) in &spec.headers {
            req = req.header(*name, value.as_str());
        }
        // The key goes only to the target's origin, and only on a probe that asks for it.
        if let (Some(mode), Some(key)) = (spec.credential, &self.key) {
            if url.origin == self.target_origin {
                let (name, value) = mode.header(key);
                req = req.header(name, value);
            }
        }
        let body = spec.body.clone().unwrap_or_default();
        req.body(Full::new(Bytes::from(body))).ok()
    }

    /// Sends `req` and reads the answer up to the cap, timing its chunks.
    async fn exchange(
        sender: &mut Sender,
        req: hyper::Request<Full<Bytes>>,
        cap: usize,
        deadline: tokio::time::Instant,
        sent: Instant,
    ) -> Result<Response, (NetError, bool)> {
        let answer = match sender {
            Sender::H1(s) => {
                if timeout_at(deadline, s.ready()).await.is_err() {
                    return Err((NetError::TimedOut, false));
                }
                timeout_at(deadline, s.send_request(req)).await
            }
            Sender::H2(s) => {
                if timeout_at(deadline, s.ready()).await.is_err() {
                    return Err((NetError::TimedOut, false));
                }
                timeout_at(deadline, s.send_request(req)).await
            }
        };
        let res = match answer {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return Err((http_error(&e), false)),
            Err(_) => return Err((NetError::TimedOut, true)),
        };
        let elapsed_ms = ms_since(sent);
        let received_at_ms = wall_ms();
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .take(200)
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes())
                        .chars()
                        .take(2_000)
                        .collect(),
                )
            })
            .collect();
        let mut body = res.into_body();
        let mut bytes: Vec<u8> = Vec::new();
        let mut chunks = Vec::new();
        let mut state = BodyState::Complete;
        loop {
            match timeout_at(deadline, body.frame()).await {
                Err(_) => {
                    state = BodyState::TimedOut;
                    break;
                }
                Ok(None) => break,
                Ok(Some(Err(_))) => {
                    state = BodyState::Broken;
                    break;
                }
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        let room = cap.saturating_sub(bytes.len());
                        bytes.extend_from_slice(&data[..data.len().min(room)]);
                        chunks.push(Chunk {
                            at_ms: ms_since(sent),
                            end: bytes.len(),
                        });
                        if data.len() > room {
                            state = BodyState::Truncated;
                            break;
                        }
                    }
                }
            }
        }
        Ok(Response {
            status,
            kind: ResponseKind::Readable,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            body_state: state,
            redirected_to: None,
            elapsed_ms,
            received_at_ms,
            chunks,
            phases: None,
        })
    }

    /// A request: over the route, verified against the description's trust sources, answered or not.
    async fn request(&self, spec: &ProbeSpec, net: &NetSpec) -> Observation {
        let started = Instant::now();
        let deadline =
            tokio::time::Instant::now() + Duration::from_millis(u64::from(spec.timeout_ms));
        let Some(url) = parse_url(&spec.url) else {
            return Observation::NotSent(api_doctor::core::observation::NotSent::InvalidUrl);
        };
        // The latency series' warm round trips reuse the cold one's connection, as an app's pool does.
        let reuse = matches!(spec.id, ProbeId::Latency(i) if i > 0);
        let kept = if reuse {
            self.kept
                .lock()
                .ok()
                .and_then(|mut k| k.take())
                .filter(|(origin, sender)| *origin == url.origin && !sender.is_closed())
        } else {
            None
        };
        let (mut sender, phases_open) = match kept {
            Some((_, sender)) => (sender, None),
            None => {
                let config = if url.https {
                    match tls::verifying(
                        tls::union(&net.trust, &net.ca_files),
                        &[b"h2", b"http/1.1"],
                    ) {
                        Ok(c) => Some(c),
                        Err(_) => {
                            return Observation::Rejected {
                                elapsed_ms: ms_since(started),
                            }
                        }
                    }
                } else {
                    None
                };
                let mut seen = PathSeen::default();
                let opened = match self
                    .open(net, &url.host, url.port, config, deadline, &mut seen)
                    .await
                {
                    Ok(o) => o,
                    Err(b) if b.error == NetError::TimedOut => {
                        return Observation::TimedOut {
                            after_ms: spec.timeout_ms,
                        }
                    }
                    Err(_) => {
                        return Observation::Rejected {
                            elapsed_ms: ms_since(started),
                        }
                    }
                };
                let phases = (
                    opened.dns_ms,
                    opened.connect_ms,
                    opened.tls.as_ref().map_or(0.0, |t| t.0),
                );
                match timeout_at(deadline, Self::handshake(opened.io, opened.alpn_h2)).await {
                    Ok(Ok(s)) => (s, Some(phases)),
                    Ok(Err(_)) => {
                        return Observation::Rejected {
                            elapsed_ms: ms_since(started),
                        }
                    }
                    Err(_) => {
                        return Observation::TimedOut {
                            after_ms: spec.timeout_ms,
                        }
                    }
                }
            }
        };
        let h2 = matches!(sender, Sender::H2(_));
        let Some(req) = self.build(spec, &url, h2) else {
            return Observation::NotSent(api_doctor::core::observation::NotSent::InvalidUrl);
        };
        let sent = Instant::now();
        match Self::exchange(&mut sender, req, spec.body_cap, deadline, sent).await {
            Ok(mut r) => {
                let (dns, connect, tls) = phases_open.unwrap_or((0.0, 0.0, 0.0));
                r.phases = Some(Phases {
                    dns,
                    connect: connect + tls,
                    tls,
                    ttfb: r.elapsed_ms,
                    new_connection: phases_open.is_some(),
                });
                // The whole round trip, set-up included, as an app would time it.
                r.elapsed_ms = ms_since(started);
                // Kept for the next round trip unless the server said it closes this connection, as a
                // client's pool would.
                let closing = r
                    .header("connection")
                    .is_some_and(|v| v.to_ascii_lowercase().contains("close"));
                if matches!(spec.id, ProbeId::Latency(_)) && !closing {
                    if let Ok(mut k) = self.kept.lock() {
                        *k = Some((url.origin.clone(), sender));
                    }
                }
                Observation::Response(r)
            }
            Err((NetError::TimedOut, _)) => Observation::TimedOut {
                after_ms: spec.timeout_ms,
            },
            Err(_) => Observation::Rejected {
                elapsed_ms: ms_since(started),
            },
        }
    }

    /// One keyless request on an HTTP/1.1 connection, an idle wait watching the connection, then the same
    /// request on it again: what became of the connection.
    async fn idle(&self, spec: &ProbeSpec, net: &NetSpec, secs: u32) -> Observation {
        let limit = Duration::from_millis(u64::from(spec.timeout_ms));
        let first_failed = Observation::Net(Net::Idle {
            end: IdleEnd::FirstFailed,
            idle_ms: 0.0,
        });
        let Some(url) = parse_url(&spec.url) else {
            return first_failed;
        };
        let config = if url.https {
            match tls::verifying(tls::union(&net.trust, &net.ca_files), &[b"http/1.1"]) {
                Ok(c) => Some(c),
                Err(_) => return first_failed,
            }
        } else {
            None
        };
        let deadline = tokio::time::Instant::now() + limit;
        let mut seen = PathSeen::default();
        let Ok(opened) = self
            .open(net, &url.host, url.port, config, deadline, &mut seen)
            .await
        else {
            return first_failed;
        };
        let io = TokioIo::new(opened.io);
        let Ok(Ok((sender, conn))) =
            timeout_at(deadline, hyper::client::conn::http1::handshake(io)).await
        else {
            return first_failed;
        };
        let mut driver = tokio::spawn(conn);
        let mut sender = Sender::H1(sender);
        let mut keyless = spec.clone();
        keyless.credential = None;
        let Some(req) = self.build(&keyless, &url, false) else {
            return first_failed;
        };
        if Self::exchange(&mut sender, req, 4_096, deadline, Instant::now())
            .await
            .is_err()
        {
            return first_failed;
        }
        // The wait, watching the connection: a server that ends it while idle ends its driver.
        let idle_start = Instant::now();
        let idle_ms = || ms_since(idle_start);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(u64::from(secs))) => {}
            ended = &mut driver => {
                let end = match ended {
                    Ok(Ok(())) => IdleEnd::Closed,
                    _ => IdleEnd::Reset,
                };
                return Observation::Net(Net::Idle { end, idle_ms: idle_ms() });
            }
        }
        let waited = idle_ms();
        let Some(req) = self.build(&keyless, &url, false) else {
            return first_failed;
        };
        let deadline = tokio::time::Instant::now() + limit;
        let end = match Self::exchange(&mut sender, req, 4_096, deadline, Instant::now()).await {
            Ok(_) => IdleEnd::Kept,
            Err((NetError::TimedOut, _)) => IdleEnd::Dead,
            Err((NetError::Closed, _)) => IdleEnd::Closed,
            Err(_) => IdleEnd::Reset,
        };
        driver.abort();
        Observation::Net(Net::Idle {
            end,
            idle_ms: waited,
        })
    }

    /// One path: connect over the hop, shake hands recording the chain, ask each trust source about it,
    /// then one keyless request; how far it got.
    async fn path(&self, spec: &ProbeSpec, net: &NetSpec) -> PathSeen {
        let started = Instant::now();
        let deadline =
            tokio::time::Instant::now() + Duration::from_millis(u64::from(spec.timeout_ms));
        let mut seen = PathSeen::default();
        let fail = |seen: &mut PathSeen, stage, error| {
            seen.failure = Some(Failure {
                stage,
                error,
                after_ms: ms_since(started),
            });
        };
        let chain: tls::Chain = Arc::new(Mutex::new(Vec::new()));
        let config = if net.tls {
            match tls::recording(chain.clone()) {
                Ok(c) => Some(c),
                Err(_) => {
                    fail(&mut seen, Stage::Tls, NetError::Other);
                    return seen;
                }
            }
        } else {
            None
        };
        let opened = match self
            .open(net, &net.host, net.port, config, deadline, &mut seen)
            .await
        {
            Ok(o) => o,
            Err(b) => {
                fail(&mut seen, b.stage, b.error);
                return seen;
            }
        };
        seen.proxy_status = opened.proxy_status;
        if let Some((elapsed_ms, version, alpn, cipher)) = opened.tls.clone() {
            let presented = chain.lock().map(|c| c.clone()).unwrap_or_default();
            let trust = net
                .trust
                .iter()
                .map(|s: &TrustSource| (*s, tls::judge(&presented, &net.host, *s, &net.ca_files)))
                .collect();
            seen.tls = Some(TlsSeen {
                version,
                alpn,
                cipher,
                chain: presented.iter().map(tls::describe).collect(),
                trust,
                elapsed_ms,
                at_unix: (wall_ms() / 1000.0) as i64,
            });
        }
        let Some(url) = parse_url(&spec.url) else {
            fail(&mut seen, Stage::Http, NetError::Other);
            return seen;
        };
        let mut sender =
            match timeout_at(deadline, Self::handshake(opened.io, opened.alpn_h2)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    fail(&mut seen, Stage::Http, e);
                    return seen;
                }
                Err(_) => {
                    fail(&mut seen, Stage::Http, NetError::TimedOut);
                    return seen;
                }
            };
        let h2 = matches!(sender, Sender::H2(_));
        // A path's request never carries the key: its chain was recorded, not verified.
        let mut keyless = spec.clone();
        keyless.credential = None;
        let Some(req) = self.build(&keyless, &url, h2) else {
            fail(&mut seen, Stage::Http, NetError::Other);
            return seen;
        };
        let sent = Instant::now();
        match Self::exchange(&mut sender, req, 4_096, deadline, sent).await {
            Ok(r) => {
                seen.http_status = Some(r.status);
                seen.ttfb_ms = Some(r.elapsed_ms);
            }
            Err((e, _)) => fail(&mut seen, Stage::Http, e),
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_standard_base64() {
        let rows = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("user:pa ss", "dXNlcjpwYSBzcw=="),
        ];
        for (plain, want) in rows {
            assert_eq!(base64(plain.as_bytes()), want, "{plain}");
        }
        assert_eq!(percent_decode("p%40ss%3A1%"), "p@ss:1%");
    }

    #[test]
    fn urls_split_into_what_a_connection_needs() {
        let u = parse_url("https://[::1]:8443/s/x/v1/models?limit=1#f").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.https), ("::1", 8443, true));
        assert_eq!(u.path, "/s/x/v1/models?limit=1");
        assert_eq!(u.origin, "https://[::1]:8443");
        let d = parse_url("http://Example.com").unwrap();
        assert_eq!(
            (d.port, d.path.as_str(), d.origin.as_str()),
            (80, "/", "http://example.com")
        );
        assert!(parse_url("ftp://x").is_none());
        assert!(parse_url("https://x:99999/").is_none());
    }
}
