//! The native doctor's inputs, read as the app reads them, and what each runtime makes of them: which
//! proxy it takes, which roots it trusts, and so which of the probed paths is its own.
//!
//! The rules here follow the measured behaviour of each runtime (API-FACTS, *Runtimes*): the Python SDK
//! (1.0 and later) reads `HTTPS_PROXY` and `ALL_PROXY` and trusts the system store unless `SSL_CERT_FILE`
//! or `SSL_CERT_DIR` replace it; the TypeScript SDK on Node ignores every proxy variable (on Node 22 and
//! later it honours `HTTPS_PROXY` with `NODE_USE_ENV_PROXY=1`) and trusts its bundled Mozilla roots plus
//! `NODE_EXTRA_CA_CERTS`; Claude Code reads `HTTPS_PROXY` and trusts as Node does; curl reads
//! `https_proxy` and `ALL_PROXY` and trusts the system store, `SSL_CERT_FILE` and `CURL_CA_BUNDLE`.

use super::i18n::{t, Text};
use super::net::{
    is_v6, Failure, Net, NetError, PathSeen, Stage, TlsSeen, TrustResult, TrustSource,
};
use super::observation::{Observation, Observations};
use super::probe::{Hop, NetKind, NetSpec, ProbeId, ProxyKind};
use super::target::Target;
use std::fmt;

/// The key variables: their values are never held here, only whether they are set.
pub const KEY_VARS: [&str; 2] = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"];

/// Every variable the doctor reads, in the order it shows them; both cases where a runtime reads both.
pub const VARS: [&str; 18] = [
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "NODE_USE_ENV_PROXY",
    "NODE_OPTIONS",
];

/// The variables that name a CA file (or, for `SSL_CERT_DIR`, a folder of them); the shell reads each.
pub const CA_VARS: [&str; 5] = [
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
];

/// The name under which `--cacert` appears among the CA files.
pub const CACERT_FLAG: &str = "--cacert";

/// The most addresses of the target probed one by one, and the most proxies tried.
pub const MAX_ADDRS: usize = 8;
pub const MAX_PROXIES: usize = 4;

/// Where a setting came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The process environment.
    Env,
    /// The `env` block of Claude Code's `~/.claude/settings.json`.
    ClaudeSettings,
    /// A flag of the doctor, standing for the variable it overrides.
    Flag,
}

impl Origin {
    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Env => "env",
            Origin::ClaudeSettings => "claude_settings",
            Origin::Flag => "flag",
        }
    }
}

/// A variable's value as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text(String),
    /// Bytes that are not UTF-8, with each bad byte replaced (U+FFFD): no runtime reads them as the
    /// person meant, but curl and Node still read the rest (a proxy's host and port before a stray byte).
    NotUtf8(String),
    /// A key variable: set, and never held here.
    Secret,
}

/// One variable as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    pub name: String,
    pub value: Value,
    pub origin: Origin,
}

/// What reading a CA file (or folder) gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileState {
    /// A PEM file holding this many certificates.
    Pem {
        certs: u16,
    },
    /// A folder holding this many PEM certificates (for `SSL_CERT_DIR`).
    Dir {
        certs: u16,
    },
    Missing,
    /// A folder where a file is expected.
    IsDir,
    Unreadable,
    Empty,
    /// Not PEM: DER, a key, or something else.
    NotPem,
}

impl FileState {
    /// Whether the file gives a runtime anything to trust.
    pub fn usable(self) -> bool {
        matches!(self, FileState::Pem { certs } | FileState::Dir { certs } if certs > 0)
    }

    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FileState::Pem { .. } => "pem",
            FileState::Dir { .. } => "dir",
            FileState::Missing => "missing",
            FileState::IsDir => "is_dir",
            FileState::Unreadable => "unreadable",
            FileState::Empty => "empty",
            FileState::NotPem => "not_pem",
        }
    }
}

/// A CA file a variable or `--cacert` names, and what reading it gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaFile {
    /// The variable (or [`CACERT_FLAG`]).
    pub var: String,
    pub path: String,
    pub state: FileState,
}

/// What became of Claude Code's settings file.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum SettingsFile {
    /// There is none (or no home folder).
    #[default]
    Absent,
    /// Read; its `env` block is among the variables.
    Read,
    /// It exists and could not be used: why, in a few words.
    Unusable(String),
}

/// `--resolve HOST:PORT:ADDR`, as curl has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    pub host: String,
    pub port: u16,
    /// Addresses, IPv6 without brackets, in order.
    pub addrs: Vec<String>,
}

/// Everything the native doctor read before the first probe.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inputs {
    pub vars: Vec<Var>,
    pub ca_files: Vec<CaFile>,
    pub settings: SettingsFile,
    pub overrides: Vec<Override>,
    /// `node --version`'s major version, when Node is installed.
    pub node_major: Option<u32>,
    /// Where the doctor runs: operating system and architecture.
    pub host_kind: String,
}

impl Inputs {
    /// The variable called exactly `name` as `runtime` reads it: flags first, then for Claude Code its
    /// settings file (which it applies over the environment), then the environment. The other runtimes
    /// never read Claude Code's settings.
    pub fn var_for(&self, runtime: Runtime, name: &str) -> Option<&Var> {
        let rank = |o: Origin| match (o, runtime) {
            (Origin::Flag, _) => Some(0),
            (Origin::ClaudeSettings, Runtime::ClaudeCode) => Some(1),
            (Origin::ClaudeSettings, _) => None,
            (Origin::Env, _) => Some(2),
        };
        self.vars
            .iter()
            .filter(|v| v.name == name)
            .filter_map(|v| rank(v.origin).map(|r| (r, v)))
            .min_by_key(|(r, _)| *r)
            .map(|(_, v)| v)
    }

    /// The variable called `name` as the process environment and the flags give it.
    pub fn var(&self, name: &str) -> Option<&Var> {
        self.var_for(Runtime::Python, name)
    }

    /// The text of `name` as `runtime` reads it, when set, UTF-8 and not blank.
    pub fn text_for(&self, runtime: Runtime, name: &str) -> Option<&str> {
        match &self.var_for(runtime, name)?.value {
            Value::Text(s) if !s.trim().is_empty() => Some(s.as_str()),
            _ => None,
        }
    }

    /// The text of `name` in the process environment (or a flag), when set, UTF-8 and not blank.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.text_for(Runtime::Python, name)
    }

    /// The first of `names` that `runtime` finds set as text.
    fn first_text<'a>(
        &'a self,
        runtime: Runtime,
        names: &[&'static str],
    ) -> Option<(&'static str, &'a str)> {
        names
            .iter()
            .find_map(|n| self.text_for(runtime, n).map(|v| (*n, v)))
    }

    /// The first of `names` that `runtime` finds set, as text even when it is not UTF-8 (each bad byte
    /// replaced), and whether it was.
    fn first_value<'a>(
        &'a self,
        runtime: Runtime,
        names: &[&'static str],
    ) -> Option<(&'static str, &'a str, bool)> {
        names
            .iter()
            .find_map(|n| match &self.var_for(runtime, n)?.value {
                Value::Text(s) if !s.trim().is_empty() => Some((*n, s.as_str(), false)),
                Value::NotUtf8(s) => Some((*n, s.as_str(), true)),
                _ => None,
            })
    }

    /// The CA file a variable names, when it was read.
    pub fn ca_file(&self, var: &str) -> Option<(u8, &CaFile)> {
        self.ca_files
            .iter()
            .enumerate()
            .find(|(_, f)| f.var == var)
            .map(|(i, f)| (i as u8, f))
    }

    /// The addresses `--resolve` gives `host:port`, if it names them.
    pub fn override_for(&self, host: &str, port: u16) -> Option<&Override> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.overrides
            .iter()
            .find(|o| o.host.eq_ignore_ascii_case(host) && o.port == port)
    }
}

/// The scheme of a proxy URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyScheme {
    Http,
    /// TLS to the proxy itself.
    Https,
    Socks,
}

/// A proxy URL, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    pub scheme: ProxyScheme,
    /// Whether the URL said its scheme; `host:port` alone is read as `http://` by Python and curl, and
    /// stops every Node process at start when Node reads the variable.
    pub had_scheme: bool,
    /// Lower-cased; IPv6 without brackets.
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    /// The URL as shown: the password replaced by `***`.
    pub shown: String,
}

/// Why a proxy URL cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxyError {
    /// Whitespace inside the URL.
    Spaces,
    /// A scheme no runtime takes for a proxy.
    BadScheme(String),
    BadHost,
    BadPort,
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::Spaces => write!(f, "the proxy URL contains whitespace"),
            ProxyError::BadScheme(s) => {
                write!(f, "the proxy scheme {s:?} is not http, https or socks")
            }
            ProxyError::BadHost => write!(f, "the proxy URL has no valid host"),
            ProxyError::BadPort => write!(f, "the proxy port is not a number from 1 to 65535"),
        }
    }
}

impl std::error::Error for ProxyError {}

/// Parses a proxy URL as the runtimes read one: a missing scheme is `http://`, a missing port the
/// scheme's default (1080 for SOCKS), `user:password@` allowed.
pub fn parse_proxy(raw: &str) -> Result<Proxy, ProxyError> {
    let text = raw.trim();
    if text.chars().any(char::is_whitespace) {
        return Err(ProxyError::Spaces);
    }
    let (scheme, had_scheme, rest) = match text.split_once("://") {
        Some((s, rest)) => {
            let scheme = match s.to_ascii_lowercase().as_str() {
                "http" => ProxyScheme::Http,
                "https" => ProxyScheme::Https,
                "socks" | "socks4" | "socks4a" | "socks5" | "socks5h" => ProxyScheme::Socks,
                _ => return Err(ProxyError::BadScheme(bounded(s, 20))),
            };
            (scheme, true, rest)
        }
        None => (ProxyScheme::Http, false, text),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let (h, after) = inner.split_once(']').ok_or(ProxyError::BadHost)?;
        (h, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b));
    if !host_ok {
        return Err(ProxyError::BadHost);
    }
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or(ProxyError::BadPort)?,
        None => match scheme {
            ProxyScheme::Http => 80,
            ProxyScheme::Https => 443,
            ProxyScheme::Socks => 1080,
        },
    };
    let (user, password) = match userinfo {
        Some(u) => match u.split_once(':') {
            Some((name, pass)) => (Some(name.to_string()), Some(pass.to_string())),
            None => (Some(u.to_string()), None),
        },
        None => (None, None),
    };
    let scheme_text = match scheme {
        ProxyScheme::Http => "http",
        ProxyScheme::Https => "https",
        ProxyScheme::Socks => text.split_once("://").map_or("socks5", |(s, _)| s),
    };
    let host = host.to_ascii_lowercase();
    let host_shown = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.clone()
    };
    let auth_shown = match (&user, &password) {
        (Some(u), Some(_)) => format!("{u}:***@"),
        (Some(u), None) => format!("{u}@"),
        _ => String::new(),
    };
    Ok(Proxy {
        scheme,
        had_scheme,
        shown: format!("{scheme_text}://{auth_shown}{host_shown}:{port}"),
        host,
        port,
        user,
        password,
    })
}

/// A proxy value that did not parse, safe to show: anything before an `@` (credentials) replaced by `***`,
/// and at most 200 characters.
pub fn redacted(raw: &str) -> String {
    let shown = match raw.rsplit_once('@') {
        Some((before, after)) => match before.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://***@{after}"),
            None => format!("***@{after}"),
        },
        None => raw.to_string(),
    };
    bounded(&shown, 200)
}

/// At most `max` characters of `s`.
fn bounded(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Whether `NO_PROXY` exempts `host`, matching names only, as Python and curl do: `*`, the host itself, or
/// a domain it is in (`example.com` and `.example.com` both match `api.example.com`). An address in the
/// list matches only that address written as the host, never a name that resolves to it.
pub fn bypassed(no_proxy: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    no_proxy.split(',').any(|entry| {
        let entry = entry.trim().to_ascii_lowercase();
        if entry == "*" {
            return true;
        }
        // An entry may carry a port; only the name is compared.
        let name = match entry.rsplit_once(':') {
            Some((n, p)) if !n.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => entry.as_str(),
        };
        let name = name
            .trim_start_matches("*.")
            .trim_start_matches('.')
            .trim_end_matches('.');
        !name.is_empty() && (host == name || host.ends_with(&format!(".{name}")))
    })
}

/// A runtime an app may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// The Python SDK, 1.0 and later (on httpx2).
    Python,
    /// The TypeScript SDK on Node (the global `fetch`).
    Node,
    ClaudeCode,
    Curl,
}

/// Every runtime, in the order the table shows them.
pub const RUNTIMES: [Runtime; 4] = [
    Runtime::Python,
    Runtime::Node,
    Runtime::ClaudeCode,
    Runtime::Curl,
];

impl Runtime {
    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Python => "python",
            Runtime::Node => "node",
            Runtime::ClaudeCode => "claude_code",
            Runtime::Curl => "curl",
        }
    }

    /// The runtime's name for people.
    pub fn label(self) -> Text {
        match self {
            Runtime::Python => t!("Python SDK", "Python SDK"),
            Runtime::Node => t!("Node SDK", "Node SDK"),
            Runtime::ClaudeCode => t!("Claude Code", "Claude Code"),
            Runtime::Curl => t!("curl", "curl"),
        }
    }

    /// Reads a runtime's stable name.
    pub fn parse(name: &str) -> Option<Runtime> {
        RUNTIMES.into_iter().find(|r| r.as_str() == name)
    }
}

/// The proxy variables a runtime reads for an `https` target, first match wins.
fn proxy_vars(runtime: Runtime, node_env_proxy: bool, https: bool) -> &'static [&'static str] {
    match (runtime, https) {
        // Python's proxy reader lets the lower-case name win; curl reads the lower-case one first too.
        (Runtime::Python | Runtime::Curl, true) => {
            &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
        }
        (Runtime::Python, false) => &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"],
        // curl never reads HTTP_PROXY in upper case (a CGI script's environment could set it).
        (Runtime::Curl, false) => &["http_proxy", "all_proxy", "ALL_PROXY"],
        (Runtime::ClaudeCode, true) => &["HTTPS_PROXY", "https_proxy"],
        (Runtime::ClaudeCode, false) => &["HTTP_PROXY", "http_proxy"],
        (Runtime::Node, true) if node_env_proxy => &["HTTPS_PROXY", "https_proxy"],
        (Runtime::Node, false) if node_env_proxy => &["HTTP_PROXY", "http_proxy"],
        (Runtime::Node, _) => &[],
    }
}

/// The proxies the environment names for `target`'s scheme, each once, in the order runtimes look for
/// them: the ones the paths go through. Unparseable values are `env.config`'s to report.
pub fn proxies(inputs: &Inputs, target: &Target) -> Vec<(String, Proxy)> {
    let mut out: Vec<(String, Proxy)> = Vec::new();
    let names = if target.scheme == super::target::Scheme::Https {
        ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
    };
    for name in names {
        // Every origin: Claude Code's settings may name a proxy the environment does not.
        for var in inputs.vars.iter().filter(|v| v.name == name) {
            let (Value::Text(raw) | Value::NotUtf8(raw)) = &var.value else {
                continue;
            };
            if let Ok(p) = parse_proxy(raw) {
                if !out
                    .iter()
                    .any(|(_, q)| q.host == p.host && q.port == p.port && q.scheme == p.scheme)
                {
                    out.push((name.to_string(), p));
                }
            }
        }
    }
    out.truncate(MAX_PROXIES);
    out
}

/// The index in [`proxies`] of the proxy `raw` names.
fn proxy_index(inputs: &Inputs, target: &Target, raw: &str) -> Option<usize> {
    let p = parse_proxy(raw).ok()?;
    proxies(inputs, target)
        .iter()
        .position(|(_, q)| q.host == p.host && q.port == p.port && q.scheme == p.scheme)
}

/// The flags of `NODE_OPTIONS` that Node 20 refuses there, stopping every Node process at start
/// (measured: "--use-system-ca is not allowed in NODE_OPTIONS", exit 9).
pub const NODE_20_REFUSES: [&str; 2] = ["--use-system-ca", "--use-env-proxy"];

/// Whether this Node refuses a flag of `NODE_OPTIONS` and so never starts: Node before 22 with a flag of
/// [`NODE_20_REFUSES`]. An unknown Node version is taken as one that accepts them.
pub fn node_refuses_options(inputs: &Inputs) -> bool {
    let options = inputs.text("NODE_OPTIONS").unwrap_or("");
    inputs.node_major.is_some_and(|m| m < 22)
        && NODE_20_REFUSES
            .iter()
            .any(|flag| options.split_whitespace().any(|o| o == *flag))
}

/// Whether Node would read the proxy variables: `NODE_USE_ENV_PROXY=1` on Node 22 and later (Node 20
/// ignores it). An unknown Node version is taken as one that honours it.
fn node_reads_proxy(inputs: &Inputs) -> bool {
    let set = inputs
        .text("NODE_USE_ENV_PROXY")
        .is_some_and(|v| v.trim() == "1")
        || inputs
            .text("NODE_OPTIONS")
            .is_some_and(|v| v.contains("--use-env-proxy"));
    set && inputs.node_major.map_or(true, |m| m >= 22)
}

/// Why a runtime cannot get as far as a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Node 22+ reads a proxy variable without a scheme and every process stops at start.
    DiesAtStart,
    /// The Python SDK needs `httpx2[socks]` for a SOCKS proxy; the client fails when it is made.
    SocksNeedsExtra,
    /// Claude Code cannot use a SOCKS proxy.
    SocksUnsupported,
    /// curl does not trust an `https://` proxy's certificate without `--proxy-cacert`.
    HttpsProxy,
    /// The proxy URL does not parse.
    BadProxy,
    /// Node (before 22) refuses a flag of `NODE_OPTIONS` and does not start.
    NodeOptions,
    /// The Python SDK fails when its client is made: a proxy variable is not UTF-8.
    NotText,
    /// The Python SDK fails when its client is made: `SSL_CERT_FILE` names a file it cannot load.
    CaFile,
}

/// Which route a runtime takes to the target.
#[derive(Clone, Debug, PartialEq)]
pub enum Route {
    Direct,
    /// Through the proxy at this index of [`proxies`], named by the variable it came from.
    Proxy {
        index: usize,
        var: String,
    },
    /// It never gets to a path.
    Stopped(Stop),
}

/// The route `runtime` takes to `target` with these inputs.
pub fn route(inputs: &Inputs, runtime: Runtime, target: &Target) -> Route {
    if matches!(runtime, Runtime::Node | Runtime::ClaudeCode) && node_refuses_options(inputs) {
        return Route::Stopped(Stop::NodeOptions);
    }
    // Python loads SSL_CERT_FILE when it makes its client, and a file it cannot load stops it there.
    if runtime == Runtime::Python
        && inputs.text("SSL_CERT_FILE").is_some()
        && inputs
            .ca_file("SSL_CERT_FILE")
            .is_some_and(|(_, f)| !f.state.usable())
    {
        return Route::Stopped(Stop::CaFile);
    }
    let node_env = node_reads_proxy(inputs);
    let https = target.scheme == super::target::Scheme::Https;
    let Some((var, raw, not_text)) =
        inputs.first_value(runtime, proxy_vars(runtime, node_env, https))
    else {
        return Route::Direct;
    };
    // Python encodes every proxy variable when it makes the client, and fails there on bytes that are not
    // UTF-8; curl and Node read the rest of the value.
    if not_text && runtime == Runtime::Python {
        return Route::Stopped(Stop::NotText);
    }
    let no_proxy = inputs
        .first_text(runtime, &["no_proxy", "NO_PROXY"])
        .map(|(_, v)| v);
    if no_proxy.is_some_and(|n| bypassed(n, &target.host)) {
        return Route::Direct;
    }
    let proxy = match parse_proxy(raw) {
        Ok(p) => p,
        Err(_) => return Route::Stopped(Stop::BadProxy),
    };
    match (runtime, proxy.scheme) {
        (Runtime::Node, _) if !proxy.had_scheme => return Route::Stopped(Stop::DiesAtStart),
        (Runtime::Python, ProxyScheme::Socks) => return Route::Stopped(Stop::SocksNeedsExtra),
        (Runtime::ClaudeCode, ProxyScheme::Socks) => return Route::Stopped(Stop::SocksUnsupported),
        (Runtime::Curl, ProxyScheme::Https) => return Route::Stopped(Stop::HttpsProxy),
        _ => {}
    }
    match proxy_index(inputs, target, raw) {
        Some(index) => Route::Proxy {
            index,
            var: var.to_string(),
        },
        None => Route::Stopped(Stop::BadProxy),
    }
}

/// The trust sources `runtime` uses: it trusts a chain that any of them trusts.
pub fn trust(inputs: &Inputs, runtime: Runtime) -> Vec<TrustSource> {
    let file = |var: &str| {
        inputs
            .ca_file(var)
            .filter(|(_, f)| f.state.usable())
            .map(|(i, _)| TrustSource::File(i))
    };
    let options = inputs.text_for(runtime, "NODE_OPTIONS").unwrap_or("");
    let set = |var: &str| inputs.text_for(runtime, var).is_some();
    match runtime {
        Runtime::Python => {
            // SSL_CERT_FILE and SSL_CERT_DIR replace the system store rather than add to it.
            if set("SSL_CERT_FILE") || set("SSL_CERT_DIR") {
                ["SSL_CERT_FILE", "SSL_CERT_DIR"]
                    .into_iter()
                    .filter_map(file)
                    .collect()
            } else {
                vec![TrustSource::System]
            }
        }
        Runtime::Node | Runtime::ClaudeCode => {
            let mut out = if options.contains("--use-openssl-ca") {
                let mut v = vec![TrustSource::System];
                v.extend(file("SSL_CERT_FILE"));
                v
            } else {
                vec![TrustSource::Mozilla]
            };
            if options.contains("--use-system-ca") && inputs.node_major.map_or(true, |m| m >= 22) {
                out.push(TrustSource::System);
            }
            out.extend(file("NODE_EXTRA_CA_CERTS"));
            out
        }
        Runtime::Curl => {
            let mut out = vec![TrustSource::System];
            out.extend(file("SSL_CERT_FILE"));
            out.extend(file("CURL_CA_BUNDLE"));
            out
        }
    }
}

/// The trust sources every path's chain is judged against: the two stores and every usable CA file.
pub fn all_sources(inputs: &Inputs) -> Vec<TrustSource> {
    let mut out = vec![TrustSource::Mozilla, TrustSource::System];
    for (i, f) in inputs.ca_files.iter().enumerate() {
        if f.state.usable() && i < usize::from(u8::MAX) {
            out.push(TrustSource::File(i as u8));
        }
    }
    out
}

/// A trust source's name for people, with the file it reads.
pub fn source_name(inputs: &Inputs, source: TrustSource) -> String {
    match source {
        TrustSource::Mozilla => "Mozilla roots".to_string(),
        TrustSource::System => "system store".to_string(),
        TrustSource::File(i) => match inputs.ca_files.get(usize::from(i)) {
            Some(f) => format!("{} ({})", f.var, f.path),
            None => format!("CA file {i}"),
        },
    }
}

/// The target's addresses: `--resolve`'s when it names the target, else the system resolver's.
pub fn addresses(inputs: &Inputs, target: &Target, obs: &Observations) -> Vec<String> {
    let port = target.port_or_default();
    if let Some(o) = inputs.override_for(&target.host, port) {
        return o.addrs.iter().take(MAX_ADDRS).cloned().collect();
    }
    let host = target.host.trim_start_matches('[').trim_end_matches(']');
    if host.contains(':') || super::target::parse_ipv4(host).is_some() {
        return vec![host.to_string()];
    }
    match obs.get(&ProbeId::Resolve) {
        Some(Observation::Net(Net::Resolved { addrs, .. })) => {
            addrs.iter().take(MAX_ADDRS).cloned().collect()
        }
        _ => Vec::new(),
    }
}

/// The path observation of a probe, when it ran.
pub fn path_seen(obs: &Observations, id: ProbeId) -> Option<&PathSeen> {
    match obs.get(&id) {
        Some(Observation::Net(Net::Path(p))) => Some(p),
        _ => None,
    }
}

/// Whether the system resolver is asked for the target's host: always, unless the host is an address
/// (`localhost` too is asked: a resolver may give it both families).
pub fn resolvable(target: &Target) -> bool {
    let host = target.host.trim_start_matches('[').trim_end_matches(']');
    !(host.contains(':') || super::target::parse_ipv4(host).is_some())
}

/// Whether every native probe of the paths has been observed (sent and back, or not sent): the resolver,
/// each address's path and each proxy's. Checks that read the paths wait for this.
pub fn paths_done(inputs: &Inputs, target: &Target, obs: &Observations) -> bool {
    let has = |id| obs.contains_key(&id);
    let port = target.port_or_default();
    let resolving = resolvable(target) && inputs.override_for(&target.host, port).is_none();
    if resolving && !has(ProbeId::Resolve) {
        return false;
    }
    let addrs = addresses(inputs, target, obs).len();
    let direct = (0..addrs.max(1)).all(|i| has(ProbeId::Path(i as u8)));
    let tunnels = (0..proxies(inputs, target).len().max(1)).all(|i| has(ProbeId::Tunnel(i as u8)));
    direct && tunnels
}

/// What a runtime would meet, and why.
#[derive(Clone, Debug, PartialEq)]
pub enum Prediction {
    Works,
    /// It works only after waiting out a silent address family (the Python SDK waits for its 5 s
    /// connect timeout before it tries the next address).
    WorksAfterWait,
    Fails(Why),
    /// Not decided: its path was not probed (a cancelled run, a target that does not parse).
    Unknown,
}

/// Why a runtime fails.
#[derive(Clone, Debug, PartialEq)]
pub enum Why {
    Stopped(Stop),
    /// No address to connect to.
    NotResolved,
    /// Its route failed at this stage.
    Path(Failure),
    /// The first address it would use connects and then fails, and no runtime falls back from that.
    NoFallback(Failure),
    /// None of its trust sources trusts the chain; the result of the first one it uses.
    Untrusted(TrustResult),
}

impl Why {
    /// The stable name used in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            Why::Stopped(Stop::DiesAtStart) => "dies_at_start",
            Why::Stopped(Stop::SocksNeedsExtra) => "socks_needs_extra",
            Why::Stopped(Stop::SocksUnsupported) => "socks_unsupported",
            Why::Stopped(Stop::HttpsProxy) => "https_proxy",
            Why::Stopped(Stop::BadProxy) => "bad_proxy",
            Why::Stopped(Stop::NodeOptions) => "node_options",
            Why::Stopped(Stop::NotText) => "not_text",
            Why::Stopped(Stop::CaFile) => "ca_file",
            Why::NotResolved => "not_resolved",
            Why::Path(f) | Why::NoFallback(f) => match (f.stage, f.error) {
                (Stage::Proxy, NetError::ProxyStatus(407)) => "proxy_auth",
                (Stage::Proxy, NetError::ProxyStatus(_)) => "proxy_denied",
                (Stage::Connect, _) => "connect",
                (Stage::Proxy, _) => "proxy",
                (Stage::Tls, _) => "tls",
                (Stage::Http, _) => "http",
            },
            Why::Untrusted(_) => "untrusted",
        }
    }
}

/// One row of the runtime table.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeRow {
    pub runtime: Runtime,
    pub route: Route,
    /// The route as shown: `direct`, or the proxy URL (password hidden) and its variable.
    pub route_shown: String,
    pub prediction: Prediction,
    /// The issuer of the chain it met, when trust is the reason.
    pub issuer: Option<String>,
}

/// The runtime table: which path each runtime takes with these inputs, and whether it works.
pub fn runtimes(inputs: &Inputs, target: Option<&Target>, obs: &Observations) -> Vec<RuntimeRow> {
    RUNTIMES
        .into_iter()
        .map(|runtime| {
            let Some(target) = target else {
                return RuntimeRow {
                    runtime,
                    route: Route::Direct,
                    route_shown: "direct".to_string(),
                    prediction: Prediction::Unknown,
                    issuer: None,
                };
            };
            let route = route(inputs, runtime, target);
            let route_shown = match &route {
                Route::Direct => "direct".to_string(),
                Route::Proxy { index, var } => proxies(inputs, target)
                    .get(*index)
                    .map_or_else(String::new, |(_, p)| format!("{} ({var})", p.shown)),
                Route::Stopped(_) => "-".to_string(),
            };
            let (prediction, issuer) = predict(inputs, runtime, &route, target, obs);
            RuntimeRow {
                runtime,
                route,
                route_shown,
                prediction,
                issuer,
            }
        })
        .collect()
}

/// Whether a failure happened before the connection was made: the runtimes try the next address then. A
/// reset or a stall after the connection was made is not such a failure.
fn at_connect(f: &Failure) -> bool {
    f.stage == Stage::Connect
}

/// The prediction for one runtime on its route, and the issuer when trust decides it.
fn predict(
    inputs: &Inputs,
    runtime: Runtime,
    route: &Route,
    target: &Target,
    obs: &Observations,
) -> (Prediction, Option<String>) {
    let seen: Vec<&PathSeen> = match route {
        Route::Stopped(stop) => return (Prediction::Fails(Why::Stopped(*stop)), None),
        Route::Proxy { index, .. } => match path_seen(obs, ProbeId::Tunnel(*index as u8)) {
            Some(p) => vec![p],
            None => return (Prediction::Unknown, None),
        },
        Route::Direct => {
            let addrs = addresses(inputs, target, obs);
            if addrs.is_empty() {
                return match obs.get(&ProbeId::Resolve) {
                    Some(Observation::Net(Net::ResolveFailed { .. })) => {
                        (Prediction::Fails(Why::NotResolved), None)
                    }
                    _ => (Prediction::Unknown, None),
                };
            }
            let mut out = Vec::new();
            for i in 0..addrs.len() {
                match path_seen(obs, ProbeId::Path(i as u8)) {
                    Some(p) => out.push(p),
                    None => return (Prediction::Unknown, None),
                }
            }
            out
        }
    };
    // The runtimes try addresses in the resolver's order and move on only from a connection that was never
    // made; Python waits out a silent one for its 5 s connect timeout first.
    let any_works = seen.iter().any(|p| p.works());
    let mut waited = false;
    let mut last_failure = None;
    for p in seen {
        if let Some(f) = p.failure.filter(at_connect) {
            waited |= f.error == NetError::TimedOut;
            last_failure = Some(f);
            continue;
        }
        // This connection was made: it is the one the runtime keeps, whatever happens on it.
        if let Some(tls) = &p.tls {
            let mine = trust(inputs, runtime);
            if !mine
                .iter()
                .any(|s| tls.result(*s) == Some(TrustResult::Trusted))
            {
                let first = mine
                    .iter()
                    .find_map(|s| tls.result(*s))
                    .unwrap_or(TrustResult::UnknownIssuer);
                return (
                    Prediction::Fails(Why::Untrusted(first)),
                    tls.anchor().map(str::to_string),
                );
            }
        }
        return match p.failure {
            Some(f) if any_works && matches!(route, Route::Direct) => {
                (Prediction::Fails(Why::NoFallback(f)), None)
            }
            Some(f) => (Prediction::Fails(Why::Path(f)), None),
            None if waited && runtime == Runtime::Python => (Prediction::WorksAfterWait, None),
            None => (Prediction::Works, None),
        };
    }
    match last_failure {
        Some(f) => (Prediction::Fails(Why::Path(f)), None),
        None => (Prediction::Unknown, None),
    }
}

/// The words for why a runtime fails, with its fix for that runtime.
pub fn why_text(why: &Why, runtime: Runtime) -> (Text, Text) {
    use Runtime::*;
    let what = match why {
        Why::Stopped(Stop::DiesAtStart) => t!(
            "the proxy variable has no scheme: with NODE_USE_ENV_PROXY=1 every Node process stops at start (ERR_INVALID_URL)",
            "代理变量没有协议头：设置 NODE_USE_ENV_PROXY=1 时，每个 Node 进程都会在启动时退出（ERR_INVALID_URL）",
        ),
        Why::Stopped(Stop::SocksNeedsExtra) => t!(
            "a SOCKS proxy: the client fails when it is made unless httpx2[socks] is installed",
            "SOCKS 代理：除非安装了 httpx2[socks]，否则创建客户端时就会失败",
        ),
        Why::Stopped(Stop::SocksUnsupported) => t!(
            "a SOCKS proxy, which Claude Code does not support",
            "SOCKS 代理，Claude Code 不支持",
        ),
        Why::Stopped(Stop::HttpsProxy) => t!(
            "an https:// proxy, whose certificate curl does not trust without --proxy-cacert",
            "https:// 代理，没有 --proxy-cacert 时 curl 不信任其证书",
        ),
        Why::Stopped(Stop::BadProxy) => t!(
            "the proxy URL it reads cannot be parsed",
            "它读取的代理 URL 无法解析",
        ),
        Why::Stopped(Stop::NodeOptions) => t!(
            "this Node refuses a flag in NODE_OPTIONS (--use-system-ca or --use-env-proxy need Node 22) and every Node process stops at start",
            "此版本的 Node 不接受 NODE_OPTIONS 中的某个参数（--use-system-ca 或 --use-env-proxy 需要 Node 22），每个 Node 进程都会在启动时退出",
        ),
        Why::Stopped(Stop::NotText) => t!(
            "a proxy variable is not UTF-8, and the client fails when it is made (UnicodeEncodeError)",
            "某个代理变量不是 UTF-8，创建客户端时就会失败（UnicodeEncodeError）",
        ),
        Why::Stopped(Stop::CaFile) => t!(
            "SSL_CERT_FILE names a file it cannot load, and the client fails when it is made (FileNotFoundError, or no certificates)",
            "SSL_CERT_FILE 指向的文件无法加载，创建客户端时就会失败（FileNotFoundError 或没有证书）",
        ),
        Why::NotResolved => t!(
            "the system resolver gives no address for the host",
            "系统解析器没有给出该主机的地址",
        ),
        Why::Path(f) | Why::NoFallback(f) => match (f.stage, f.error) {
            (Stage::Proxy, NetError::ProxyStatus(407)) => t!(
                "the proxy asks for credentials (407)",
                "代理要求身份验证（407）",
            ),
            (Stage::Proxy, NetError::ProxyStatus(_)) => t!(
                "the proxy refuses the tunnel",
                "代理拒绝建立隧道",
            ),
            (Stage::Connect, NetError::TimedOut) => t!(
                "its connection gets no answer (dropped packets)",
                "连接没有任何响应（数据包被丢弃）",
            ),
            (Stage::Connect, _) => t!(
                "its connection is refused or unreachable",
                "连接被拒绝或不可达",
            ),
            (Stage::Proxy, _) => t!(
                "the proxy does not answer the tunnel request",
                "代理没有响应隧道请求",
            ),
            (Stage::Tls, NetError::TimedOut) => t!(
                "the TLS handshake stalls after the connection is made (an MTU problem or a middlebox)",
                "连接建立后 TLS 握手停滞（MTU 问题或中间设备）",
            ),
            (Stage::Tls, _) => t!(
                "the TLS handshake fails or is reset after the connection is made; no runtime falls back to another address from that",
                "连接建立后 TLS 握手失败或被重置；任何运行时都不会因此改用其他地址",
            ),
            (Stage::Http, _) => t!(
                "the connection breaks before the answer; no runtime falls back to another address from that",
                "在收到响应之前连接中断；任何运行时都不会因此改用其他地址",
            ),
        },
        Why::Untrusted(_) => t!(
            "it does not trust the certificate chain the server (or a proxy intercepting TLS) presents",
            "它不信任服务器（或拦截 TLS 的代理）出示的证书链",
        ),
    };
    let fix = match (why, runtime) {
        (Why::Stopped(Stop::DiesAtStart), _) => t!(
            "Write the proxy with its scheme: HTTPS_PROXY=http://host:port.",
            "为代理写上协议头：HTTPS_PROXY=http://host:port。",
        ),
        (Why::Stopped(Stop::SocksNeedsExtra), _) => t!(
            "pip install \"httpx2[socks]\", or use the proxy's HTTP port.",
            "pip install \"httpx2[socks]\"，或改用代理的 HTTP 端口。",
        ),
        (Why::Stopped(Stop::SocksUnsupported), _) => t!(
            "Give Claude Code an HTTP proxy in HTTPS_PROXY (many SOCKS proxies offer an HTTP port too).",
            "在 HTTPS_PROXY 中为 Claude Code 设置 HTTP 代理（许多 SOCKS 代理也提供 HTTP 端口）。",
        ),
        (Why::Stopped(Stop::HttpsProxy), _) => t!(
            "Pass the proxy's CA with --proxy-cacert, or use the proxy's plain http:// address.",
            "用 --proxy-cacert 传入代理的 CA，或改用代理的 http:// 地址。",
        ),
        (Why::Stopped(Stop::NodeOptions), _) => t!(
            "Remove the flag from NODE_OPTIONS on Node 20 (trust a CA with NODE_EXTRA_CA_CERTS or --use-openssl-ca instead), or upgrade to Node 22 or later.",
            "在 Node 20 上从 NODE_OPTIONS 中去掉该参数（改用 NODE_EXTRA_CA_CERTS 或 --use-openssl-ca 信任 CA），或升级到 Node 22 及以上。",
        ),
        (Why::Stopped(Stop::CaFile), _) => t!(
            "Point SSL_CERT_FILE at a readable PEM bundle (which replaces the system store for Python), or unset it.",
            "让 SSL_CERT_FILE 指向可读的 PEM 证书包（对 Python 而言它会替换系统证书库），或取消设置。",
        ),
        (Why::Stopped(Stop::NotText), _) => t!(
            "Set the proxy variable again by typing it, in plain ASCII: export HTTPS_PROXY=http://host:port.",
            "手动以纯 ASCII 重新设置代理变量：export HTTPS_PROXY=http://host:port。",
        ),
        (Why::Stopped(Stop::BadProxy), _) => t!(
            "Fix the proxy variable: http://host:port, no spaces, the password percent-encoded.",
            "修正代理变量：http://host:port，不含空格，密码需百分号编码。",
        ),
        (Why::NotResolved, _) => t!(
            "Fix this machine's resolver (/etc/resolv.conf, the container's DNS), or compare with a public resolver: nslookup api.anthropic.com 1.1.1.1.",
            "修复本机的解析器（/etc/resolv.conf、容器的 DNS），或与公共解析器对比：nslookup api.anthropic.com 1.1.1.1。",
        ),
        (Why::Untrusted(_), Node | ClaudeCode) => t!(
            "Trust the issuing CA: NODE_EXTRA_CA_CERTS=/path/to/ca.pem (a PEM file holding that CA). Never set NODE_TLS_REJECT_UNAUTHORIZED=0.",
            "信任签发的 CA：NODE_EXTRA_CA_CERTS=/path/to/ca.pem（包含该 CA 的 PEM 文件）。切勿设置 NODE_TLS_REJECT_UNAUTHORIZED=0。",
        ),
        (Why::Untrusted(_), Python) => t!(
            "Add the CA to the system store (update-ca-certificates), or pass it: DefaultHttpxClient(verify=ssl.create_default_context(cafile=\"/path/to/ca.pem\")). SSL_CERT_FILE replaces the system store; never verify=False.",
            "将该 CA 加入系统证书库（update-ca-certificates），或在客户端传入：DefaultHttpxClient(verify=ssl.create_default_context(cafile=\"/path/to/ca.pem\"))。SSL_CERT_FILE 会替换系统证书库；切勿使用 verify=False。",
        ),
        (Why::Untrusted(_), Curl) => t!(
            "Add the CA to the system store (update-ca-certificates), or pass --cacert /path/to/ca.pem (CURL_CA_BUNDLE). Never -k.",
            "将该 CA 加入系统证书库（update-ca-certificates），或使用 --cacert /path/to/ca.pem（CURL_CA_BUNDLE）。切勿使用 -k。",
        ),
        (Why::Path(f), Node) if f.stage == Stage::Connect => t!(
            "Node's fetch ignores HTTPS_PROXY: on Node 22+ set NODE_USE_ENV_PROXY=1; on Node 20 pass a ProxyAgent from undici@7 in fetchOptions. Or allow api.anthropic.com:443 in the firewall.",
            "Node 的 fetch 会忽略 HTTPS_PROXY：Node 22 及以上设置 NODE_USE_ENV_PROXY=1；Node 20 在 fetchOptions 中传入 undici@7 的 ProxyAgent。或在防火墙中放行 api.anthropic.com:443。",
        ),
        (Why::Path(f) | Why::NoFallback(f), _) if f.stage == Stage::Proxy => t!(
            "Check the proxy: its address, and credentials as http://user:password@host:port (407), or ask its operator to allow api.anthropic.com:443 (403).",
            "检查代理：地址是否正确；需要身份验证时写成 http://user:password@host:port（407）；被拒绝时请代理管理员放行 api.anthropic.com:443（403）。",
        ),
        (Why::NoFallback(_), _) => t!(
            "Repair or disable the failing address family on this host (for IPv6: the route, the firewall, or the VPN), or point the name at the working family (a hosts entry); no SDK falls back from a connection that was made.",
            "修复或禁用本机上失败的地址族（IPv6：路由、防火墙或 VPN），或让该名称只指向可用的地址族（hosts 条目）；连接一旦建立，SDK 不会再回退。",
        ),
        (Why::Path(_), _) => t!(
            "Allow api.anthropic.com:443 in the firewall, or route through a proxy this runtime reads (HTTPS_PROXY for Python, curl and Claude Code).",
            "在防火墙中放行 api.anthropic.com:443，或通过该运行时会读取的代理访问（Python、curl 和 Claude Code 读取 HTTPS_PROXY）。",
        ),
    };
    (what, fix)
}

/// One row of the paths table: a route, and how far it got.
#[derive(Clone, Debug, PartialEq)]
pub struct PathRow {
    /// `direct` or `proxy`.
    pub route: &'static str,
    /// The address (direct) or the proxy URL, password hidden.
    pub via: String,
    /// `4`, `6`, or 0 for a proxy.
    pub family: u8,
    pub seen: Option<PathSeen>,
}

/// The paths table: every address directly, then every proxy.
pub fn paths(inputs: &Inputs, target: Option<&Target>, obs: &Observations) -> Vec<PathRow> {
    let mut rows = Vec::new();
    if let Some(target) = target {
        for (i, addr) in addresses(inputs, target, obs).into_iter().enumerate() {
            rows.push(PathRow {
                route: "direct",
                family: if is_v6(&addr) { 6 } else { 4 },
                via: addr,
                seen: path_seen(obs, ProbeId::Path(i as u8)).cloned(),
            });
        }
    }
    for (i, (_, p)) in target
        .map(|t| proxies(inputs, t))
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        rows.push(PathRow {
            route: "proxy",
            family: 0,
            via: p.shown,
            seen: path_seen(obs, ProbeId::Tunnel(i as u8)).cloned(),
        });
    }
    rows
}

/// The route the doctor's own requests take: the proxy most runtimes read (`HTTPS_PROXY`, as Python, curl
/// and Claude Code do), unless `NO_PROXY` exempts the target; else direct.
pub fn main_route(inputs: &Inputs, target: &Target) -> Route {
    match route(inputs, Runtime::Curl, target) {
        Route::Stopped(_) => match route(inputs, Runtime::Python, target) {
            Route::Stopped(_) => Route::Direct,
            other => other,
        },
        other => other,
    }
}

/// The path the doctor's own requests take, as observed: the proxy's tunnel, or the first direct path
/// that connected (the one a runtime would keep).
pub fn main_path<'a>(
    inputs: &Inputs,
    target: &Target,
    obs: &'a Observations,
) -> Option<&'a PathSeen> {
    match main_route(inputs, target) {
        Route::Proxy { index, .. } => path_seen(obs, ProbeId::Tunnel(index as u8)),
        _ => {
            let n = addresses(inputs, target, obs).len();
            let all: Vec<&PathSeen> = (0..n)
                .filter_map(|i| path_seen(obs, ProbeId::Path(i as u8)))
                .collect();
            all.iter()
                .copied()
                .find(|p| p.connect_ms.is_some())
                .or_else(|| all.first().copied())
        }
    }
}

/// The TLS handshake of the main path, when one finished.
pub fn main_tls<'a>(
    inputs: &Inputs,
    target: &Target,
    obs: &'a Observations,
) -> Option<&'a TlsSeen> {
    main_path(inputs, target, obs).and_then(|p| p.tls.as_ref())
}

/// The hop to `target`'s origin for the doctor's own requests: the main route's proxy, else the system
/// resolver with `--resolve`'s addresses when it names the host.
fn hop(inputs: &Inputs, target: &Target) -> Hop {
    if let Route::Proxy { index, .. } = main_route(inputs, target) {
        if let Some((_, p)) = proxies(inputs, target).get(index) {
            return proxy_hop(p);
        }
    }
    let addrs = inputs
        .override_for(&target.host, target.port_or_default())
        .map(|o| o.addrs.clone())
        .unwrap_or_default();
    Hop::System { addrs }
}

/// `CONNECT` through `p`.
fn proxy_hop(p: &Proxy) -> Hop {
    Hop::Proxy {
        kind: match p.scheme {
            ProxyScheme::Http => ProxyKind::Http,
            ProxyScheme::Https => ProxyKind::Https,
            ProxyScheme::Socks => ProxyKind::Socks,
        },
        host: p.host.clone(),
        port: p.port,
        user: p.user.clone(),
        password: p.password.clone(),
    }
}

/// A native spec for `target` of this kind over `hop`.
fn spec_for(inputs: &Inputs, target: &Target, kind: NetKind, hop: Hop) -> NetSpec {
    NetSpec {
        kind,
        host: target
            .host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port: target.port_or_default(),
        tls: target.scheme == super::target::Scheme::Https,
        hop,
        trust: all_sources(inputs),
        ca_files: inputs
            .ca_files
            .iter()
            .map(|f| {
                if f.state.usable() {
                    f.path.clone()
                } else {
                    String::new()
                }
            })
            .collect(),
    }
}

/// How the doctor sends a request to `url`: over the main route, trusting every source (any one
/// suffices; which runtime trusts what is `tls.trust`'s to say). `None` for a URL without an origin.
pub fn request_net(inputs: &Inputs, url: &str) -> Option<NetSpec> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let origin = Target::parse(&format!("{scheme}://{authority}")).ok()?;
    Some(spec_for(
        inputs,
        &origin,
        NetKind::Request,
        hop(inputs, &origin),
    ))
}

/// The system resolver's probe for the target's host.
pub fn resolve_net(inputs: &Inputs, target: &Target) -> NetSpec {
    spec_for(
        inputs,
        target,
        NetKind::Resolve,
        Hop::System { addrs: Vec::new() },
    )
}

/// The path straight to the target's address `addr`.
pub fn direct_path_net(inputs: &Inputs, target: &Target, addr: &str) -> NetSpec {
    spec_for(inputs, target, NetKind::Path, Hop::Addr(addr.to_string()))
}

/// The path to the target through proxy `index` of [`proxies`], when there is one: `CONNECT` in the
/// clear, inside TLS to an `https://` proxy, or SOCKS5.
pub fn tunnel_net(inputs: &Inputs, target: &Target, index: usize) -> Option<NetSpec> {
    let (_, p) = proxies(inputs, target).into_iter().nth(index)?;
    Some(spec_for(inputs, target, NetKind::Path, proxy_hop(&p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::i18n::Lang;
    use crate::core::net::Cert;

    pub fn env(pairs: &[(&str, &str)]) -> Inputs {
        Inputs {
            vars: pairs
                .iter()
                .map(|(n, v)| Var {
                    name: n.to_string(),
                    value: Value::Text(v.to_string()),
                    origin: Origin::Env,
                })
                .collect(),
            ..Inputs::default()
        }
    }

    fn api() -> Target {
        Target::parse("https://api.anthropic.com").unwrap()
    }

    #[test]
    fn proxy_urls_parse_as_the_runtimes_read_them() {
        let p = parse_proxy("http://user:secret@Proxy.corp:3128").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("proxy.corp", 3128));
        assert_eq!(p.shown, "http://user:***@proxy.corp:3128");
        assert!(!p.shown.contains("secret"));
        let bare = parse_proxy("proxy.corp:8080").unwrap();
        assert!(!bare.had_scheme && bare.scheme == ProxyScheme::Http);
        assert_eq!(parse_proxy("socks5h://127.0.0.1").unwrap().port, 1080);
        assert_eq!(
            parse_proxy("http://[::1]:9").unwrap().shown,
            "http://[::1]:9"
        );
        assert_eq!(parse_proxy("http://proxy corp:1"), Err(ProxyError::Spaces));
        assert_eq!(
            parse_proxy("ftp://x:1"),
            Err(ProxyError::BadScheme("ftp".into()))
        );
        assert_eq!(parse_proxy("http://x:99999"), Err(ProxyError::BadPort));
        assert_eq!(parse_proxy("http://:8080"), Err(ProxyError::BadHost));
        assert_eq!(parse_proxy("http://x\u{7f}y:1"), Err(ProxyError::BadHost));
    }

    #[test]
    fn no_proxy_matches_names_only() {
        let rows = [
            ("*", "api.anthropic.com", true),
            ("anthropic.com", "api.anthropic.com", true),
            (".anthropic.com", "api.anthropic.com", true),
            (
                "localhost, api.anthropic.com:443",
                "api.anthropic.com",
                true,
            ),
            ("notanthropic.com", "api.anthropic.com", false),
            ("160.79.104.10", "api.anthropic.com", false),
            ("127.0.0.1", "127.0.0.1", true),
            ("::1", "[::1]", true),
            ("", "api.anthropic.com", false),
        ];
        for (list, host, want) in rows {
            assert_eq!(bypassed(list, host), want, "{list} {host}");
        }
    }

    #[test]
    // A table's row type is read best written out whole.
    #[allow(clippy::type_complexity)]
    fn routes_table() {
        use Runtime::*;
        let p = "http://127.0.0.1:3128";
        let rows: [(&[(&str, &str)], Option<u32>, Runtime, &str); 14] = [
            (&[], Some(20), Python, "direct"),
            (&[("HTTPS_PROXY", p)], Some(20), Python, "proxy HTTPS_PROXY"),
            (&[("HTTPS_PROXY", p)], Some(20), Node, "direct"),
            (
                &[("HTTPS_PROXY", p), ("NODE_USE_ENV_PROXY", "1")],
                Some(20),
                Node,
                "direct",
            ),
            (
                &[("HTTPS_PROXY", p), ("NODE_USE_ENV_PROXY", "1")],
                Some(22),
                Node,
                "proxy HTTPS_PROXY",
            ),
            (
                &[
                    ("HTTPS_PROXY", "127.0.0.1:3128"),
                    ("NODE_USE_ENV_PROXY", "1"),
                ],
                Some(24),
                Node,
                "dies_at_start",
            ),
            (
                &[("HTTPS_PROXY", "127.0.0.1:3128")],
                Some(20),
                Python,
                "proxy HTTPS_PROXY",
            ),
            (&[("ALL_PROXY", p)], Some(20), Curl, "proxy ALL_PROXY"),
            (&[("ALL_PROXY", p)], Some(20), ClaudeCode, "direct"),
            (&[("HTTP_PROXY", p)], Some(20), Python, "direct"),
            (
                &[("HTTPS_PROXY", p), ("NO_PROXY", "anthropic.com")],
                Some(20),
                Curl,
                "direct",
            ),
            (
                &[("HTTPS_PROXY", "socks5://127.0.0.1:1080")],
                Some(20),
                Python,
                "socks_needs_extra",
            ),
            (
                &[("HTTPS_PROXY", "socks5://127.0.0.1:1080")],
                Some(20),
                ClaudeCode,
                "socks_unsupported",
            ),
            (
                &[("HTTPS_PROXY", "https://127.0.0.1:3129")],
                Some(20),
                Curl,
                "https_proxy",
            ),
        ];
        for (vars, node, runtime, want) in rows {
            let mut inputs = env(vars);
            inputs.node_major = node;
            let got = match route(&inputs, runtime, &api()) {
                Route::Direct => "direct".to_string(),
                Route::Proxy { var, .. } => format!("proxy {var}"),
                Route::Stopped(s) => Why::Stopped(s).as_str().to_string(),
            };
            assert_eq!(got, want, "{vars:?} {runtime:?}");
        }
    }

    #[test]
    fn node_20_refuses_flags_that_22_takes_and_python_refuses_bytes_curl_reads() {
        let mut inputs = env(&[("NODE_OPTIONS", "--max-old-space-size=100 --use-system-ca")]);
        inputs.node_major = Some(20);
        for runtime in [Runtime::Node, Runtime::ClaudeCode] {
            assert_eq!(
                route(&inputs, runtime, &api()),
                Route::Stopped(Stop::NodeOptions)
            );
        }
        assert_eq!(route(&inputs, Runtime::Python, &api()), Route::Direct);
        inputs.node_major = Some(22);
        assert_eq!(route(&inputs, Runtime::Node, &api()), Route::Direct);
        let mut bytes = env(&[]);
        bytes.vars.push(Var {
            name: "HTTPS_PROXY".into(),
            value: Value::NotUtf8("http://127.0.0.1:3128/\u{fffd}".into()),
            origin: Origin::Env,
        });
        assert_eq!(
            route(&bytes, Runtime::Python, &api()),
            Route::Stopped(Stop::NotText)
        );
        assert!(matches!(
            route(&bytes, Runtime::Curl, &api()),
            Route::Proxy { .. }
        ));
    }

    #[test]
    fn a_plain_http_target_reads_the_http_proxy_variables() {
        let gw = Target::parse("http://gw.internal:8080").unwrap();
        let upper = env(&[
            ("HTTP_PROXY", "http://127.0.0.1:3128"),
            ("HTTPS_PROXY", "http://127.0.0.1:9"),
        ]);
        let via = |inputs: &Inputs, runtime| match route(inputs, runtime, &gw) {
            Route::Proxy { var, .. } => var,
            Route::Direct => "direct".into(),
            Route::Stopped(s) => Why::Stopped(s).as_str().into(),
        };
        assert_eq!(via(&upper, Runtime::Python), "HTTP_PROXY");
        // curl never reads HTTP_PROXY in upper case.
        assert_eq!(via(&upper, Runtime::Curl), "direct");
        let lower = env(&[("http_proxy", "http://127.0.0.1:3128")]);
        assert_eq!(via(&lower, Runtime::Curl), "http_proxy");
        assert_eq!(proxies(&upper, &gw).len(), 1);
        assert_eq!(proxies(&upper, &api())[0].1.port, 9);
    }

    #[test]
    fn the_lower_case_proxy_wins_for_python_and_curl() {
        let inputs = env(&[("HTTPS_PROXY", "http://a:1"), ("https_proxy", "http://b:2")]);
        for (runtime, want) in [
            (Runtime::Python, "https_proxy"),
            (Runtime::ClaudeCode, "HTTPS_PROXY"),
        ] {
            match route(&inputs, runtime, &api()) {
                Route::Proxy { var, .. } => assert_eq!(var, want, "{runtime:?}"),
                other => panic!("{runtime:?}: {other:?}"),
            }
        }
    }

    fn with_files(pairs: &[(&str, &str)]) -> Inputs {
        let mut inputs = env(pairs);
        inputs.ca_files = pairs
            .iter()
            .filter(|(n, _)| CA_VARS.contains(n))
            .map(|(n, v)| CaFile {
                var: n.to_string(),
                path: v.to_string(),
                state: FileState::Pem { certs: 1 },
            })
            .collect();
        inputs
    }

    #[test]
    // A table's row type is read best written out whole.
    #[allow(clippy::type_complexity)]
    fn trust_table() {
        use Runtime::*;
        use TrustSource::*;
        let rows: [(&[(&str, &str)], Runtime, Vec<TrustSource>); 8] = [
            (&[], Python, vec![System]),
            (&[], Node, vec![Mozilla]),
            (&[], Curl, vec![System]),
            (&[("SSL_CERT_FILE", "/ca.pem")], Python, vec![File(0)]),
            (&[("SSL_CERT_FILE", "/ca.pem")], Node, vec![Mozilla]),
            (
                &[("NODE_EXTRA_CA_CERTS", "/ca.pem")],
                ClaudeCode,
                vec![Mozilla, File(0)],
            ),
            (&[("REQUESTS_CA_BUNDLE", "/ca.pem")], Python, vec![System]),
            (
                &[("CURL_CA_BUNDLE", "/ca.pem")],
                Curl,
                vec![System, File(0)],
            ),
        ];
        for (vars, runtime, want) in rows {
            assert_eq!(
                trust(&with_files(vars), runtime),
                want,
                "{vars:?} {runtime:?}"
            );
        }
        // A CA file that could not be read gives nothing to trust, and still replaces Python's store.
        let mut broken = with_files(&[("SSL_CERT_FILE", "/nope.pem")]);
        broken.ca_files[0].state = FileState::Missing;
        assert_eq!(trust(&broken, Python), Vec::<TrustSource>::new());
    }

    fn tls(results: &[(TrustSource, TrustResult)]) -> TlsSeen {
        TlsSeen {
            version: "TLSv1.3".into(),
            alpn: "h2".into(),
            cipher: "TLS13_AES_128_GCM_SHA256".into(),
            chain: vec![Cert {
                subject: "CN=api.anthropic.com".into(),
                issuer: "CN=Corp Intercept CA".into(),
                not_before: 0,
                not_after: i64::MAX,
                ca: false,
            }],
            trust: results.to_vec(),
            elapsed_ms: 5.0,
            at_unix: 0,
        }
    }

    fn path(tls_seen: Option<TlsSeen>, failure: Option<Failure>) -> Observation {
        Observation::Net(Net::Path(PathSeen {
            connect_ms: failure
                .filter(|f| f.stage == Stage::Connect)
                .map_or(Some(1.0), |_| None),
            proxy_status: None,
            http_status: failure.is_none().then_some(401),
            tls: tls_seen,
            ttfb_ms: Some(2.0),
            failure,
        }))
    }

    fn fail(stage: Stage, error: NetError) -> Option<Failure> {
        Some(Failure {
            stage,
            error,
            after_ms: 3.0,
        })
    }

    fn predictions(inputs: &Inputs, obs: &Observations) -> Vec<String> {
        runtimes(inputs, Some(&api()), obs)
            .into_iter()
            .map(|r| match r.prediction {
                Prediction::Works => "works".to_string(),
                Prediction::WorksAfterWait => "works_after_wait".to_string(),
                Prediction::Fails(w) => w.as_str().to_string(),
                Prediction::Unknown => "unknown".to_string(),
            })
            .collect()
    }

    fn resolved(addrs: &[&str]) -> (ProbeId, Observation) {
        (
            ProbeId::Resolve,
            Observation::Net(Net::Resolved {
                addrs: addrs.iter().map(|a| a.to_string()).collect(),
                elapsed_ms: 1.0,
            }),
        )
    }

    #[test]
    // A table's row type is read best written out whole.
    #[allow(clippy::type_complexity)]
    fn prediction_table() {
        use TrustResult::*;
        use TrustSource::*;
        let trusted_by_all = tls(&[(Mozilla, Trusted), (System, Trusted)]);
        let intercepted_system_only = tls(&[(Mozilla, UnknownIssuer), (System, Trusted)]);
        let proxy = "http://127.0.0.1:3128";
        // Inputs, observations, then Python, Node, Claude Code, curl.
        let rows: Vec<(Inputs, Vec<(ProbeId, Observation)>, [&str; 4])> = vec![
            (
                env(&[]),
                vec![
                    resolved(&["10.0.0.1"]),
                    (ProbeId::Path(0), path(Some(trusted_by_all.clone()), None)),
                ],
                ["works", "works", "works", "works"],
            ),
            (
                env(&[]),
                vec![
                    resolved(&["10.0.0.1"]),
                    (
                        ProbeId::Path(0),
                        path(Some(intercepted_system_only.clone()), None),
                    ),
                ],
                ["works", "untrusted", "untrusted", "works"],
            ),
            // A silent IPv6 address before a working IPv4 one: Python waits out its connect timeout.
            (
                env(&[]),
                vec![
                    resolved(&["2001:db8::1", "10.0.0.1"]),
                    (
                        ProbeId::Path(0),
                        path(None, fail(Stage::Connect, NetError::TimedOut)),
                    ),
                    (ProbeId::Path(1), path(Some(trusted_by_all.clone()), None)),
                ],
                ["works_after_wait", "works", "works", "works"],
            ),
            // IPv6 connects and then resets: nobody falls back.
            (
                env(&[]),
                vec![
                    resolved(&["2001:db8::1", "10.0.0.1"]),
                    (
                        ProbeId::Path(0),
                        path(None, fail(Stage::Tls, NetError::Reset)),
                    ),
                    (ProbeId::Path(1), path(Some(trusted_by_all.clone()), None)),
                ],
                ["tls", "tls", "tls", "tls"],
            ),
            // Direct is blocked, the proxy works: Node on 20 ignores the proxy.
            (
                env(&[("HTTPS_PROXY", proxy)]),
                vec![
                    resolved(&["10.0.0.1"]),
                    (
                        ProbeId::Path(0),
                        path(None, fail(Stage::Connect, NetError::TimedOut)),
                    ),
                    (ProbeId::Tunnel(0), path(Some(trusted_by_all.clone()), None)),
                ],
                ["works", "connect", "works", "works"],
            ),
            // The proxy wants credentials.
            (
                env(&[("HTTPS_PROXY", proxy)]),
                vec![
                    resolved(&["10.0.0.1"]),
                    (ProbeId::Path(0), path(Some(trusted_by_all.clone()), None)),
                    (
                        ProbeId::Tunnel(0),
                        path(None, fail(Stage::Proxy, NetError::ProxyStatus(407))),
                    ),
                ],
                ["proxy_auth", "works", "proxy_auth", "proxy_auth"],
            ),
            (
                env(&[]),
                vec![(
                    ProbeId::Resolve,
                    Observation::Net(Net::ResolveFailed {
                        error: crate::core::net::ResolveError::NotFound,
                        elapsed_ms: 1.0,
                    }),
                )],
                [
                    "not_resolved",
                    "not_resolved",
                    "not_resolved",
                    "not_resolved",
                ],
            ),
            (
                env(&[]),
                vec![],
                ["unknown", "unknown", "unknown", "unknown"],
            ),
        ];
        for (mut inputs, obs, want) in rows {
            inputs.node_major = Some(20);
            let obs: Observations = obs.into_iter().collect();
            assert_eq!(predictions(&inputs, &obs), want, "{inputs:?} {obs:?}");
        }
    }

    #[test]
    fn the_intercepting_issuer_is_named() {
        let inputs = env(&[]);
        let obs: Observations = [
            resolved(&["10.0.0.1"]),
            (
                ProbeId::Path(0),
                path(
                    Some(tls(&[
                        (TrustSource::Mozilla, TrustResult::UnknownIssuer),
                        (TrustSource::System, TrustResult::UnknownIssuer),
                    ])),
                    None,
                ),
            ),
        ]
        .into_iter()
        .collect();
        let rows = runtimes(&inputs, Some(&api()), &obs);
        assert!(rows
            .iter()
            .all(|r| r.issuer.as_deref() == Some("CN=Corp Intercept CA")));
    }

    #[test]
    fn every_reason_has_words_and_a_fix_for_every_runtime() {
        let f = |stage, error| Failure {
            stage,
            error,
            after_ms: 1.0,
        };
        let whys = [
            Why::Stopped(Stop::DiesAtStart),
            Why::Stopped(Stop::SocksNeedsExtra),
            Why::Stopped(Stop::SocksUnsupported),
            Why::Stopped(Stop::HttpsProxy),
            Why::Stopped(Stop::BadProxy),
            Why::Stopped(Stop::NodeOptions),
            Why::Stopped(Stop::NotText),
            Why::Stopped(Stop::CaFile),
            Why::NotResolved,
            Why::Path(f(Stage::Connect, NetError::Refused)),
            Why::Path(f(Stage::Proxy, NetError::ProxyStatus(403))),
            Why::NoFallback(f(Stage::Tls, NetError::Reset)),
            Why::Untrusted(TrustResult::UnknownIssuer),
        ];
        for why in whys {
            for runtime in RUNTIMES {
                let (what, fix) = why_text(&why, runtime);
                for text in [what, fix] {
                    assert!(
                        !text.get(Lang::En).is_empty()
                            && !text.get(Lang::Zh).is_empty()
                            && text.get(Lang::En) != text.get(Lang::Zh)
                    );
                    assert!(
                        !text.get(Lang::En).contains("verify=False\"")
                            && !text.get(Lang::En).contains("REJECT_UNAUTHORIZED=0\"")
                    );
                }
            }
        }
    }
}
