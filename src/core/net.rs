//! What the native probes saw: the system resolver's answer, and one path to the target (a TCP connection
//! to one address or through one proxy, the TLS handshake with the chain it presented, and one request).
//!
//! These are observations like any other: a path that failed says where and how, never an `Err`. The chain
//! is recorded whatever it is (the native shell accepts and records it, then asks each trust source about
//! it); what it means for each runtime is decided in [`super::native`] and the TLS checks.

/// Where a path stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The TCP connection to the address or to the proxy.
    Connect,
    /// The proxy's answer to `CONNECT`.
    Proxy,
    /// The TLS handshake with the target.
    Tls,
    /// The request over the finished connection.
    Http,
}

impl Stage {
    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Connect => "connect",
            Stage::Proxy => "proxy",
            Stage::Tls => "tls",
            Stage::Http => "http",
        }
    }
}

/// How a stage failed, as the operating system or the peer said it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetError {
    /// The peer refused the connection (a closed port, an RST to the SYN).
    Refused,
    /// The connection was reset after it was made.
    Reset,
    /// No route to the host or network.
    Unreachable,
    /// Nothing came back within the stage's timeout: dropped packets, a stalled handshake.
    TimedOut,
    /// The peer closed the connection cleanly where an answer was due.
    Closed,
    /// The proxy answered `CONNECT` with this status instead of 200.
    ProxyStatus(u16),
    /// The peer spoke, but not TLS (a plain HTTP server on a TLS port, say).
    NotTls,
    /// The peer ended the handshake with a TLS alert.
    TlsAlert,
    /// The answer was not HTTP, or not what the stage expects.
    BadAnswer,
    /// Anything else the operating system said.
    Other,
}

impl NetError {
    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            NetError::Refused => "refused",
            NetError::Reset => "reset",
            NetError::Unreachable => "unreachable",
            NetError::TimedOut => "timed_out",
            NetError::Closed => "closed",
            NetError::ProxyStatus(_) => "proxy_status",
            NetError::NotTls => "not_tls",
            NetError::TlsAlert => "tls_alert",
            NetError::BadAnswer => "bad_answer",
            NetError::Other => "other",
        }
    }
}

/// One certificate of a presented chain, as far as the report needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cert {
    /// The subject's distinguished name, as text.
    pub subject: String,
    pub issuer: String,
    /// Validity, in Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// Whether it may sign other certificates (basic constraints).
    pub ca: bool,
}

impl Cert {
    /// Whether it names itself as its issuer: a root sent in the chain.
    pub fn self_issued(&self) -> bool {
        self.subject == self.issuer
    }
}

/// A set of trusted roots a runtime may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TrustSource {
    /// Mozilla's roots: what Node bundles, and what certifi gives the Python SDK 0.x.
    Mozilla,
    /// The operating system's store: what curl, browsers and the Python SDK 1.0 and later use.
    System,
    /// A CA file the environment or a flag names: index into [`super::native::Inputs::ca_files`].
    File(u8),
}

/// What one trust source said of a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustResult {
    Trusted,
    /// No path to a root of this source: an intercepting proxy, a private CA, or a missing intermediate.
    UnknownIssuer,
    Expired,
    NotYetValid,
    /// The chain is trusted but the leaf does not name the host.
    WrongName,
    /// The source itself could not be used (a CA file without certificates).
    Unusable,
    /// Any other verification error.
    Invalid,
}

impl TrustResult {
    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustResult::Trusted => "trusted",
            TrustResult::UnknownIssuer => "unknown_issuer",
            TrustResult::Expired => "expired",
            TrustResult::NotYetValid => "not_yet_valid",
            TrustResult::WrongName => "wrong_name",
            TrustResult::Unusable => "unusable",
            TrustResult::Invalid => "invalid",
        }
    }
}

/// A finished TLS handshake.
#[derive(Clone, Debug, PartialEq)]
pub struct TlsSeen {
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: String,
    /// The protocol agreed by ALPN (`h2`, `http/1.1`), empty when none was.
    pub alpn: String,
    pub cipher: String,
    /// The chain as presented, leaf first.
    pub chain: Vec<Cert>,
    /// Each trust source asked, and what it said of the chain for this host.
    pub trust: Vec<(TrustSource, TrustResult)>,
    /// From the start of the handshake to its end.
    pub elapsed_ms: f64,
    /// The local clock when the handshake finished, in Unix seconds: what expiry is measured against.
    pub at_unix: i64,
}

impl TlsSeen {
    /// What `source` said of the chain, when it was asked.
    pub fn result(&self, source: TrustSource) -> Option<TrustResult> {
        self.trust
            .iter()
            .find(|(s, _)| *s == source)
            .map(|(_, r)| *r)
    }

    /// The issuer of the chain's last certificate: the CA a runtime has to trust. A root sent in the chain
    /// names itself; otherwise the last certificate's issuer is the root that was not sent.
    pub fn anchor(&self) -> Option<&str> {
        self.chain.last().map(|c| c.issuer.as_str())
    }
}

/// Where one path stopped, how, and after how long since it began.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Failure {
    pub stage: Stage,
    pub error: NetError,
    pub after_ms: f64,
}

/// One path to the target, as far as it got.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PathSeen {
    /// The TCP connection's time, once made (to the address, or to the proxy).
    pub connect_ms: Option<f64>,
    /// The proxy's answer to `CONNECT`, for a path through a proxy.
    pub proxy_status: Option<u16>,
    pub tls: Option<TlsSeen>,
    /// The request's status, once answered.
    pub http_status: Option<u16>,
    /// From sending the request to the answer's first byte.
    pub ttfb_ms: Option<f64>,
    pub failure: Option<Failure>,
}

impl PathSeen {
    /// Whether every stage finished and the request was answered.
    pub fn works(&self) -> bool {
        self.failure.is_none() && self.http_status.is_some()
    }
}

/// Why the system resolver gave no address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResolveError {
    /// The name does not exist (NXDOMAIN, or no address of any family).
    NotFound,
    /// The resolver did not answer in time.
    TimedOut,
    /// The resolver failed (SERVFAIL, no resolver configured).
    Failed,
}

/// What became of a kept-alive connection left idle, then used again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleEnd {
    /// The second request was answered on the same connection.
    Kept,
    /// The server closed it cleanly while it was idle (a FIN): clients notice and open a new one.
    Closed,
    /// It was reset, while idle or when used again.
    Reset,
    /// It looked open, and the second request got no answer: a flow a middlebox dropped silently.
    Dead,
    /// The first request already failed: nothing was left idle.
    FirstFailed,
}

impl IdleEnd {
    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            IdleEnd::Kept => "kept",
            IdleEnd::Closed => "closed",
            IdleEnd::Reset => "reset",
            IdleEnd::Dead => "dead",
            IdleEnd::FirstFailed => "first_failed",
        }
    }
}

/// What a native probe saw.
#[derive(Clone, Debug, PartialEq)]
pub enum Net {
    /// The system resolver's addresses, in its order (IPv6 without brackets).
    Resolved { addrs: Vec<String>, elapsed_ms: f64 },
    /// The system resolver gave no address.
    ResolveFailed {
        error: ResolveError,
        elapsed_ms: f64,
    },
    /// One path, as far as it got.
    Path(PathSeen),
    /// A connection used, left idle for `idle_ms`, and used again.
    Idle { end: IdleEnd, idle_ms: f64 },
}

/// Whether an address (as the resolver gives it, without brackets) is IPv6.
pub fn is_v6(addr: &str) -> bool {
    addr.contains(':')
}
