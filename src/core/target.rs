//! The target: a base URL parsed and checked the way an SDK would use it.
//!
//! The parser is hand-written because a base URL needs only scheme, host, port and path, and a general URL
//! crate (with international domain tables) would cost more bundle than this whole module.

use std::fmt;

/// The host of the real API.
pub const API_HOST: &str = "api.anthropic.com";
/// The default base URL.
pub const DEFAULT_BASE: &str = "https://api.anthropic.com";

/// URL schemes a base URL may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// A base URL that parsed, with what the parser noticed along the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub scheme: Scheme,
    /// Lower-cased host; IPv6 literals keep their brackets.
    pub host: String,
    /// The port when it is not the scheme's default.
    pub port: Option<u16>,
    /// The path prefix without a trailing slash and without a trailing `/v1`; empty for none.
    pub path: String,
    /// Whitespace around the input was removed.
    pub trimmed: bool,
    /// A trailing `/v1` was removed: the SDKs append it themselves.
    pub had_v1: bool,
    /// A pasted endpoint (such as `/v1/messages`) was removed from the end of the path.
    pub endpoint: Option<&'static str>,
    /// A `?query` or `#fragment` was removed, kept here (bounded) to be shown.
    pub query: Option<String>,
}

/// Endpoints people paste where a base URL belongs; longest first, so that the most specific one is named.
pub const ENDPOINTS: [&str; 5] = [
    "/v1/messages/count_tokens",
    "/v1/chat/completions",
    "/v1/messages",
    "/v1/complete",
    "/v1/models",
];

/// The most characters of a removed query or fragment kept to be shown.
const QUERY_CHARS: usize = 200;

/// Why a base URL cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetError {
    Empty,
    /// No `scheme://`; holds the input.
    NoScheme(String),
    /// A scheme other than http or https.
    BadScheme(String),
    /// Whitespace inside the URL.
    InnerSpace,
    /// `user:password@` in the URL.
    Credentials,
    /// The host is missing or has characters a host cannot have.
    BadHost(String),
    /// The port is not a number from 1 to 65535.
    BadPort(String),
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetError::Empty => write!(f, "the base URL is empty"),
            TargetError::NoScheme(s) => write!(f, "the base URL {s:?} has no http:// or https://"),
            TargetError::BadScheme(s) => write!(f, "the scheme {s:?} is not http or https"),
            TargetError::InnerSpace => write!(f, "the base URL contains whitespace"),
            TargetError::Credentials => write!(f, "the base URL contains a user name or password"),
            TargetError::BadHost(h) => write!(f, "the host {h:?} is not a valid host name"),
            TargetError::BadPort(p) => write!(f, "the port {p:?} is not a number from 1 to 65535"),
        }
    }
}

impl std::error::Error for TargetError {}

impl Target {
    /// Parses a base URL as typed by a person.
    pub fn parse(input: &str) -> Result<Target, TargetError> {
        let text = input.trim();
        let trimmed = text.len() != input.len();
        if text.is_empty() {
            return Err(TargetError::Empty);
        }
        if text.chars().any(char::is_whitespace) {
            return Err(TargetError::InnerSpace);
        }
        let Some((scheme_text, rest)) = text.split_once("://") else {
            return Err(TargetError::NoScheme(text.to_string()));
        };
        let scheme = match scheme_text.to_ascii_lowercase().as_str() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            _ => return Err(TargetError::BadScheme(scheme_text.to_string())),
        };
        // A query or fragment is removed and noted: the SDKs append paths to the base, so either would
        // land in the wrong place on every request, and what comes before it is the base that was meant.
        let (rest, query) = match rest.find(['?', '#']) {
            Some(i) => (
                &rest[..i],
                Some(rest[i..].chars().take(QUERY_CHARS).collect()),
            ),
            None => (rest, None),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(TargetError::Credentials);
        }
        let (host, port_text) = split_host_port(authority)?;
        let host = validate_host(host)?;
        let port = match port_text {
            None => None,
            Some(p) => {
                let n: u16 = p
                    .parse()
                    .ok()
                    .filter(|n| *n > 0 && p.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| TargetError::BadPort(p.to_string()))?;
                (n != scheme.default_port()).then_some(n)
            }
        };
        let mut path = path.trim_end_matches('/').to_string();
        let endpoint = ENDPOINTS
            .into_iter()
            .find(|e| path.to_ascii_lowercase().ends_with(e));
        if let Some(e) = endpoint {
            path.truncate(path.len() - e.len());
            path = path.trim_end_matches('/').to_string();
        }
        let had_v1 = path.to_ascii_lowercase().ends_with("/v1");
        if had_v1 {
            path.truncate(path.len() - 3);
            path = path.trim_end_matches('/').to_string();
        }
        Ok(Target {
            scheme,
            host,
            port,
            path,
            trimmed,
            had_v1,
            endpoint,
            query,
        })
    }

    /// `scheme://host[:port]`, as a browser writes an origin.
    pub fn origin(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{}", self.scheme.as_str(), self.host, p),
            None => format!("{}://{}", self.scheme.as_str(), self.host),
        }
    }

    /// The base URL the probes use: origin and path prefix, with corrections applied.
    pub fn base(&self) -> String {
        format!("{}{}", self.origin(), self.path)
    }

    /// The URL of an API path such as `/v1/models`.
    pub fn url(&self, api_path: &str) -> String {
        format!("{}{}", self.base(), api_path)
    }

    /// The port the probes connect to: the one given, else the scheme's.
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }

    /// Whether the host is the real API's.
    pub fn is_official(&self) -> bool {
        self.host == API_HOST
    }

    /// Whether the host is loopback, which browsers exempt from mixed-content blocking.
    pub fn is_loopback(&self) -> bool {
        let h = self.host.as_str();
        h == "localhost"
            || h.ends_with(".localhost")
            || h == "[::1]"
            || parse_ipv4(h).is_some_and(|ip| ip[0] == 127)
    }
}

/// Splits `host[:port]`, keeping IPv6 brackets.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), TargetError> {
    if authority.starts_with('[') {
        let end = authority
            .find(']')
            .ok_or_else(|| TargetError::BadHost(authority.to_string()))?;
        let (host, after) = authority.split_at(end + 1);
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(TargetError::BadHost(authority.to_string())),
        };
    }
    Ok(match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

/// Checks a host: a DNS name, an IPv4 address, or a bracketed IPv6 address; lower-cases it.
fn validate_host(host: &str) -> Result<String, TargetError> {
    let bad = || TargetError::BadHost(host.to_string());
    if host.is_empty() {
        return Err(bad());
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ok = inner.contains(':')
            && inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        return if ok {
            Ok(host.to_ascii_lowercase())
        } else {
            Err(bad())
        };
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    let labels_ok = name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    let looks_numeric = name
        .split('.')
        .all(|l| l.bytes().all(|b| b.is_ascii_digit()));
    if !labels_ok || (looks_numeric && parse_ipv4(name).is_none()) {
        return Err(bad());
    }
    Ok(name.to_ascii_lowercase())
}

/// Parses a dotted-quad IPv4 address.
pub fn parse_ipv4(text: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = text.split('.');
    for slot in &mut out {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_default_base() {
        let t = Target::parse(DEFAULT_BASE).unwrap();
        assert_eq!(t.origin(), "https://api.anthropic.com");
        assert_eq!(t.url("/v1/models"), "https://api.anthropic.com/v1/models");
        assert!(t.is_official() && !t.trimmed && !t.had_v1 && !t.is_loopback());
    }

    #[test]
    fn valid_inputs_table() {
        // (input, origin, base, trimmed, had_v1)
        let rows = [
            (
                "  https://API.Anthropic.com/  ",
                "https://api.anthropic.com",
                "https://api.anthropic.com",
                true,
                false,
            ),
            (
                "https://api.anthropic.com/v1",
                "https://api.anthropic.com",
                "https://api.anthropic.com",
                false,
                true,
            ),
            (
                "https://api.anthropic.com/v1/",
                "https://api.anthropic.com",
                "https://api.anthropic.com",
                false,
                true,
            ),
            (
                "http://127.0.0.1:8787/s/healthy",
                "http://127.0.0.1:8787",
                "http://127.0.0.1:8787/s/healthy",
                false,
                false,
            ),
            (
                "https://gw.example.com:443/anthropic/v1",
                "https://gw.example.com",
                "https://gw.example.com/anthropic",
                false,
                true,
            ),
            (
                "HTTP://[::1]:8080/x",
                "http://[::1]:8080",
                "http://[::1]:8080/x",
                false,
                false,
            ),
            (
                "https://gw.example.com./a",
                "https://gw.example.com",
                "https://gw.example.com/a",
                false,
                false,
            ),
        ];
        for (input, origin, base, trimmed, had_v1) in rows {
            let t = Target::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(t.origin(), origin, "{input}");
            assert_eq!(t.base(), base, "{input}");
            assert_eq!((t.trimmed, t.had_v1), (trimmed, had_v1), "{input}");
        }
    }

    #[test]
    fn invalid_inputs_table() {
        let rows = [
            ("", TargetError::Empty),
            ("   ", TargetError::Empty),
            (
                "api.anthropic.com",
                TargetError::NoScheme("api.anthropic.com".into()),
            ),
            (
                "ftp://api.anthropic.com",
                TargetError::BadScheme("ftp".into()),
            ),
            (
                "javascript://alert(1)",
                TargetError::BadScheme("javascript".into()),
            ),
            ("https://api.anth ropic.com", TargetError::InnerSpace),
            (
                "https://user:pw@api.anthropic.com",
                TargetError::Credentials,
            ),
            ("https://", TargetError::BadHost("".into())),
            ("https://exa mple", TargetError::InnerSpace),
            (
                "https://bad_<host>",
                TargetError::BadHost("bad_<host>".into()),
            ),
            (
                "https://ex\u{430}mple.com",
                TargetError::BadHost("ex\u{430}mple.com".into()),
            ),
            (
                "https://999.1.1.1",
                TargetError::BadHost("999.1.1.1".into()),
            ),
            ("https://-a.com", TargetError::BadHost("-a.com".into())),
            ("https://[zz::1]", TargetError::BadHost("[zz::1]".into())),
            ("https://a.com:0", TargetError::BadPort("0".into())),
            ("https://a.com:70000", TargetError::BadPort("70000".into())),
            ("https://a.com:+80", TargetError::BadPort("+80".into())),
            ("https://a.com:", TargetError::BadPort("".into())),
        ];
        for (input, want) in rows {
            assert_eq!(Target::parse(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn pasted_endpoints_and_queries_are_removed_and_named() {
        // (input, base, endpoint, query)
        let rows = [
            (
                "https://api.anthropic.com/v1/messages",
                "https://api.anthropic.com",
                Some("/v1/messages"),
                None,
            ),
            (
                "https://gw.example.com/anthropic/v1/models/",
                "https://gw.example.com/anthropic",
                Some("/v1/models"),
                None,
            ),
            (
                "https://gw.example.com/V1/Complete",
                "https://gw.example.com",
                Some("/v1/complete"),
                None,
            ),
            (
                "https://gw.example.com/openai/v1/chat/completions",
                "https://gw.example.com/openai",
                Some("/v1/chat/completions"),
                None,
            ),
            (
                "https://api.anthropic.com/v1/messages/count_tokens",
                "https://api.anthropic.com",
                Some("/v1/messages/count_tokens"),
                None,
            ),
            (
                "https://api.anthropic.com/v1/messages?beta=true",
                "https://api.anthropic.com",
                Some("/v1/messages"),
                Some("?beta=true"),
            ),
            ("https://a.com/?x=1", "https://a.com", None, Some("?x=1")),
            ("https://a.com#frag", "https://a.com", None, Some("#frag")),
            (
                "https://a.com/messages",
                "https://a.com/messages",
                None,
                None,
            ),
        ];
        for (input, base, endpoint, query) in rows {
            let t = Target::parse(input).unwrap();
            assert_eq!(
                (t.base().as_str(), t.endpoint, t.query.as_deref()),
                (base, endpoint, query),
                "{input:?}"
            );
        }
        let long = format!("https://a.com/?{}", "q".repeat(5_000));
        assert_eq!(
            Target::parse(&long).unwrap().query.unwrap().chars().count(),
            QUERY_CHARS
        );
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "http://localhost:1",
            "http://127.0.0.1",
            "http://127.9.9.9",
            "http://[::1]",
            "http://a.localhost",
        ] {
            assert!(Target::parse(h).unwrap().is_loopback(), "{h}");
        }
        for h in [
            "http://128.0.0.1",
            "http://localhost.example.com",
            "http://10.0.0.1",
        ] {
            assert!(!Target::parse(h).unwrap().is_loopback(), "{h}");
        }
    }

    #[test]
    fn errors_display_in_plain_words() {
        assert_eq!(
            TargetError::BadPort("x".into()).to_string(),
            "the port \"x\" is not a number from 1 to 65535"
        );
    }
}
