//! Probe descriptions: plain data saying what request to make; the shell executes them.

use super::dns;
use super::key::AuthMode;
use super::target::Target;

/// The `anthropic-version` sent on every API request; a config link may override it later.
pub const API_VERSION: &str = "2026-10-21";
/// Every probe's own timeout, in milliseconds, unless a probe says otherwise. Ten seconds is far beyond
/// any healthy round trip (hundreds of milliseconds even across continents) and short enough to wait for.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// The timeout of side probes (control, resolvers, status page): they inform the diagnosis, so they must
/// not hold it up for as long as the target's own probes may.
pub const SIDE_TIMEOUT_MS: u32 = 5_000;
/// The streamed message's timeout: it includes the model's time to the first token.
pub const MESSAGE_TIMEOUT_MS: u32 = 30_000;
/// Bodies are read up to this many bytes, so that a huge or endless body cannot hold the page.
pub const BODY_CAP: usize = 64 * 1024;

/// Which probe; each is executed at most once per run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProbeId {
    /// `no-cors` GET of the control endpoint: is this connection up at all?
    Control,
    /// Readable GET of a public DNS-over-HTTPS resolver (0 or 1) for the target's A records.
    Doh(u8),
    /// `no-cors` GET of the model list: did anything answer at all?
    Reach,
    /// Readable GET of the model list without a key, with the browser-access header.
    CorsRead,
    /// Readable GET of the model list with no custom header at all, so no preflight, and redirects held:
    /// read against `CorsRead`, it tells a failing preflight from no CORS at all, and shows a redirect.
    CorsPlain,
    /// Readable GET of the model list with one custom header, [`PREFLIGHT_HEADERS`]`[i]`, sent only when
    /// the preflight is in question: which header's preflight fails.
    Preflight(u8),
    /// Readable GET of one model list entry with the key.
    KeyModels,
    /// Readable GET of the named model with the key.
    Model,
    /// Readable GET of the status page's summary.
    Status,
    /// Streamed `POST /v1/messages` with `max_tokens: 1`, opt-in.
    Message,
    /// `no-cors` round trip to the target for the latency series; 0 is the first (cold) one.
    Latency(u16),
    /// `no-cors` round trip to the control endpoint, interleaved with the target's.
    ControlLatency(u16),
    /// Watch mode's repeated probes, recorded as one growing series.
    Watch,
    /// Native: the system resolver's answer for the target's host.
    Resolve,
    /// Native: one path to the target straight to its address `i` (in the resolver's order): connect, TLS
    /// with the chain recorded, one keyless request.
    Path(u8),
    /// Native: one path to the target through proxy `i` of [`super::native::proxies`].
    Tunnel(u8),
    /// Native: a browser app's requests, read header by header: 0 the preflight, 1 a keyless GET.
    CorsHeaders(u8),
    /// Native, opt-in: a body of a few megabytes to `count_tokens`.
    Upload,
    /// Native, opt-in: one kept-alive connection used, left idle, and used again.
    Idle,
}

impl ProbeId {
    /// Stable name for logs and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeId::Control => "control",
            ProbeId::Doh(_) => "doh",
            ProbeId::Reach => "reach",
            ProbeId::CorsRead => "cors_read",
            ProbeId::CorsPlain => "cors_plain",
            ProbeId::Preflight(_) => "preflight",
            ProbeId::KeyModels => "key_models",
            ProbeId::Model => "model",
            ProbeId::Status => "status",
            ProbeId::Message => "message",
            ProbeId::Latency(_) => "latency",
            ProbeId::ControlLatency(_) => "control_latency",
            ProbeId::Watch => "watch",
            ProbeId::Resolve => "resolve",
            ProbeId::Path(_) => "path",
            ProbeId::Tunnel(_) => "tunnel",
            ProbeId::CorsHeaders(_) => "cors_headers",
            ProbeId::Upload => "upload",
            ProbeId::Idle => "idle",
        }
    }
}

/// The fetch mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A readable request; the server must allow it by CORS.
    Cors,
    /// An opaque request with no custom headers: the response cannot be read, only its arrival seen.
    NoCors,
}

/// One request to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeSpec {
    pub id: ProbeId,
    pub url: String,
    pub method: &'static str,
    pub mode: Mode,
    /// Headers other than the key.
    pub headers: Vec<(&'static str, String)>,
    /// Attach the key in this style, and only if the URL's origin is the target's.
    pub credential: Option<AuthMode>,
    /// Whether to follow redirects. Keyed probes never do: browsers carry custom headers such as `x-api-key`
    /// across a redirect to another origin, so following one could hand the key to a host that is not the target.
    pub follow_redirects: bool,
    /// A request body (JSON), for `POST`.
    pub body: Option<String>,
    pub timeout_ms: u32,
    pub body_cap: usize,
    /// Natively: how to reach the target, and what else to observe on the way. `None` in a browser.
    pub net: Option<Box<NetSpec>>,
}

/// What a native probe does beyond its request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetKind {
    /// The request alone, over the route, verified against the trust sources (any one suffices).
    Request,
    /// Ask the system resolver for the host's addresses; nothing is sent to the target.
    Resolve,
    /// Connect over the route, shake hands recording the chain and asking each trust source about it, then
    /// send the request (which never carries a key) and time each stage.
    Path,
    /// Send the request on one HTTP/1.1 connection, leave it idle this many seconds, send it again on the
    /// same connection: kept, closed, reset or silently dead.
    Idle(u32),
}

/// How to reach the target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hop {
    /// Resolve the host (or take `--resolve`'s addresses, listed here) and connect to the first that answers.
    System { addrs: Vec<String> },
    /// Connect to this address only (IPv6 without brackets).
    Addr(String),
    /// Through a proxy: `CONNECT` to an HTTP proxy (over TLS to an `https://` one), or a SOCKS5 connect.
    Proxy {
        kind: ProxyKind,
        host: String,
        port: u16,
        /// `Proxy-Authorization: Basic` credentials, when the proxy URL has them.
        user: Option<String>,
        password: Option<String>,
    },
}

/// How a proxy is spoken to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    /// `CONNECT` in the clear.
    Http,
    /// TLS to the proxy, then `CONNECT` inside it.
    Https,
    /// SOCKS5, the host name passed to the proxy.
    Socks,
}

/// A native probe's route and trust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetSpec {
    pub kind: NetKind,
    /// The target's host (for the resolver, SNI and `CONNECT`), without IPv6 brackets, and port.
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub hop: Hop,
    /// The trust sources: for a request, any one trusting the chain suffices; a path asks each of them.
    pub trust: Vec<super::net::TrustSource>,
    /// The CA files `TrustSource::File(i)` names, by index (empty strings for ones not to read).
    pub ca_files: Vec<String>,
}

/// The custom headers the preflight probes send one at a time: `content-type`, which any CORS set-up
/// allows, first, so that a preflight that fails for every header is told from one that lacks a name.
pub const PREFLIGHT_HEADERS: [&str; 3] = [
    "content-type",
    "anthropic-version",
    "anthropic-dangerous-direct-browser-access",
];

/// The headers every readable API request carries from a browser.
fn api_headers(version: &str) -> Vec<(&'static str, String)> {
    vec![
        ("anthropic-version", version.to_string()),
        (
            "anthropic-dangerous-direct-browser-access",
            "true".to_string(),
        ),
    ]
}

/// A readable keyless GET of `url` with no custom headers.
fn plain_get(id: ProbeId, url: String, timeout_ms: u32) -> ProbeSpec {
    ProbeSpec {
        id,
        url,
        method: "GET",
        mode: Mode::Cors,
        headers: Vec::new(),
        credential: None,
        follow_redirects: true,
        body: None,
        timeout_ms,
        body_cap: BODY_CAP,
        net: None,
    }
}

/// Describes probe `id` against `target`, for the probes that need nothing but the target.
pub fn describe(id: ProbeId, target: &Target, auth: AuthMode, version: &str) -> ProbeSpec {
    let base = ProbeSpec {
        headers: api_headers(version),
        ..plain_get(id, target.url("/v1/models"), DEFAULT_TIMEOUT_MS)
    };
    match id {
        ProbeId::Reach | ProbeId::Latency(_) => ProbeSpec {
            mode: Mode::NoCors,
            headers: Vec::new(),
            ..base
        },
        ProbeId::KeyModels => key_models(id, target, auth, version),
        // Redirects are held, so that one is seen as a redirect even when its destination is unreadable.
        ProbeId::CorsPlain => ProbeSpec {
            headers: Vec::new(),
            follow_redirects: false,
            ..base
        },
        ProbeId::Preflight(i) => {
            let name = PREFLIGHT_HEADERS[usize::from(i).min(PREFLIGHT_HEADERS.len() - 1)];
            let value = match name {
                "content-type" => "application/json".to_string(),
                "anthropic-version" => version.to_string(),
                _ => "true".to_string(),
            };
            ProbeSpec {
                headers: vec![(name, value)],
                follow_redirects: false,
                ..base
            }
        }
        _ => base,
    }
}

/// The keyed model list, as the key check and a keyed watch use it.
pub fn key_models(id: ProbeId, target: &Target, auth: AuthMode, version: &str) -> ProbeSpec {
    ProbeSpec {
        url: target.url("/v1/models?limit=1"),
        credential: Some(auth),
        follow_redirects: false,
        ..describe(ProbeId::CorsRead, target, auth, version)
    }
    .with_id(id)
}

/// Watch mode's probe: the keyed model list when there is a key (it tells rate limits and overloads
/// apart), else the keyless readable one (whose expected answer is a 401).
pub fn watch(target: &Target, auth: AuthMode, version: &str, keyed: bool) -> ProbeSpec {
    if keyed {
        key_models(ProbeId::Watch, target, auth, version)
    } else {
        describe(ProbeId::CorsRead, target, auth, version).with_id(ProbeId::Watch)
    }
}

/// `GET /v1/models/{model}` with the key; `model` must be [`valid_model`].
pub fn model(target: &Target, auth: AuthMode, version: &str, model: &str) -> ProbeSpec {
    ProbeSpec {
        url: target.url(&format!("/v1/models/{model}")),
        ..key_models(ProbeId::Model, target, auth, version)
    }
}

/// The streamed `POST /v1/messages` with `max_tokens: 1`; `model` must be [`valid_model`], so that it
/// needs no escaping inside the JSON.
pub fn message(target: &Target, auth: AuthMode, version: &str, model: &str) -> ProbeSpec {
    let mut spec = key_models(ProbeId::Message, target, auth, version);
    spec.url = target.url("/v1/messages");
    spec.method = "POST";
    spec.headers
        .push(("content-type", "application/json".to_string()));
    spec.body = Some(format!(
        r#"{{"model":"{model}","max_tokens":1,"stream":true,"messages":[{{"role":"user","content":"Hi"}}]}}"#
    ));
    spec.timeout_ms = MESSAGE_TIMEOUT_MS;
    spec
}

/// Whether a model id is safe in a URL path and a JSON string: letters, digits and `._:@-`, at most 128.
pub fn valid_model(model: &str) -> bool {
    !model.is_empty()
        && model.len() <= 128
        && model
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:@-".contains(&b))
}

/// A `no-cors` round trip to the control endpoint.
pub fn control(id: ProbeId, url: &str) -> ProbeSpec {
    ProbeSpec {
        mode: Mode::NoCors,
        ..plain_get(id, url.to_string(), SIDE_TIMEOUT_MS)
    }
}

/// A DNS-over-HTTPS query for `host`'s A records at `resolver`.
pub fn doh(index: u8, resolver: &str, host: &str) -> ProbeSpec {
    let mut spec = plain_get(
        ProbeId::Doh(index),
        dns::query_url(resolver, host, "A"),
        SIDE_TIMEOUT_MS,
    );
    // Cloudflare's resolver answers JSON only when asked exactly so; `accept` is a CORS-safelisted header,
    // so the request needs no preflight.
    spec.headers
        .push(("accept", "application/dns-json".to_string()));
    spec
}

/// The status page's summary JSON.
pub fn status(url: &str) -> ProbeSpec {
    plain_get(ProbeId::Status, url.to_string(), SIDE_TIMEOUT_MS)
}

impl ProbeSpec {
    /// The same request under another probe's name.
    pub fn with_id(mut self, id: ProbeId) -> ProbeSpec {
        self.id = id;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_sends_no_custom_headers_and_no_key() {
        let t = Target::parse("https://api.anthropic.com").unwrap();
        let p = describe(ProbeId::Reach, &t, AuthMode::ApiKey, API_VERSION);
        assert_eq!(p.mode, Mode::NoCors);
        assert!(p.headers.is_empty() && p.credential.is_none());
    }

    #[test]
    fn cors_read_has_browser_header_but_no_key() {
        let t = Target::parse("http://127.0.0.1:1/s/x").unwrap();
        let p = describe(ProbeId::CorsRead, &t, AuthMode::Bearer, API_VERSION);
        assert_eq!(p.url, "http://127.0.0.1:1/s/x/v1/models");
        assert!(p
            .headers
            .contains(&("anthropic-dangerous-direct-browser-access", "true".into())));
        assert!(p.headers.iter().any(|(n, _)| *n == "anthropic-version"));
        assert!(p.credential.is_none() && p.follow_redirects);
    }

    #[test]
    fn the_plain_and_preflight_probes_carry_no_key_and_at_most_one_header() {
        let t = Target::parse("https://gw.example.com").unwrap();
        let plain = describe(ProbeId::CorsPlain, &t, AuthMode::Bearer, API_VERSION);
        assert_eq!(plain.mode, Mode::Cors);
        assert!(plain.headers.is_empty() && plain.credential.is_none() && !plain.follow_redirects);
        for (i, name) in PREFLIGHT_HEADERS.iter().enumerate() {
            let p = describe(ProbeId::Preflight(i as u8), &t, AuthMode::Bearer, "v");
            assert_eq!(p.headers.len(), 1);
            assert_eq!(p.headers[0].0, *name);
            assert!(p.credential.is_none());
        }
    }

    #[test]
    fn key_probe_asks_for_one_model_with_the_key() {
        let t = Target::parse("https://api.anthropic.com/").unwrap();
        let p = describe(ProbeId::KeyModels, &t, AuthMode::Bearer, API_VERSION);
        assert_eq!(p.url, "https://api.anthropic.com/v1/models?limit=1");
        assert_eq!(p.credential, Some(AuthMode::Bearer));
        assert!(
            !p.follow_redirects,
            "a keyed probe must not follow redirects to other origins"
        );
    }
}
