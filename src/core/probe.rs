//! Probe descriptions: plain data saying what request to make; the shell executes them.

use super::key::AuthMode;
use super::target::Target;

/// The `anthropic-version` sent on every API request; a config link may override it later.
pub const API_VERSION: &str = "2023-06-01";
/// Every probe's own timeout, in milliseconds, unless a probe says otherwise.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// Bodies are read up to this many bytes, so that a huge or endless body cannot hold the page.
pub const BODY_CAP: usize = 64 * 1024;

/// Which probe; each is executed at most once per run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProbeId {
    /// `no-cors` GET of the model list: did anything answer at all?
    Reach,
    /// Readable GET of the model list without a key, with the browser-access header.
    CorsRead,
    /// Readable GET of one model list entry with the key.
    KeyModels,
}

impl ProbeId {
    /// Stable name for logs and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeId::Reach => "reach",
            ProbeId::CorsRead => "cors_read",
            ProbeId::KeyModels => "key_models",
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
    pub timeout_ms: u32,
    pub body_cap: usize,
}

/// The headers every readable API request carries from a browser.
fn api_headers() -> Vec<(&'static str, String)> {
    vec![
        ("anthropic-version", API_VERSION.to_string()),
        (
            "anthropic-dangerous-direct-browser-access",
            "true".to_string(),
        ),
    ]
}

/// Describes probe `id` against `target`.
pub fn describe(id: ProbeId, target: &Target, auth: AuthMode) -> ProbeSpec {
    let base = ProbeSpec {
        id,
        url: target.url("/v1/models"),
        method: "GET",
        mode: Mode::Cors,
        headers: api_headers(),
        credential: None,
        follow_redirects: true,
        timeout_ms: DEFAULT_TIMEOUT_MS,
        body_cap: BODY_CAP,
    };
    match id {
        ProbeId::Reach => ProbeSpec {
            mode: Mode::NoCors,
            headers: Vec::new(),
            ..base
        },
        ProbeId::CorsRead => base,
        ProbeId::KeyModels => ProbeSpec {
            url: target.url("/v1/models?limit=1"),
            credential: Some(auth),
            follow_redirects: false,
            ..base
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_sends_no_custom_headers_and_no_key() {
        let t = Target::parse("https://api.anthropic.com").unwrap();
        let p = describe(ProbeId::Reach, &t, AuthMode::ApiKey);
        assert_eq!(p.mode, Mode::NoCors);
        assert!(p.headers.is_empty() && p.credential.is_none());
    }

    #[test]
    fn cors_read_has_browser_header_but_no_key() {
        let t = Target::parse("http://127.0.0.1:1/s/x").unwrap();
        let p = describe(ProbeId::CorsRead, &t, AuthMode::Bearer);
        assert_eq!(p.url, "http://127.0.0.1:1/s/x/v1/models");
        assert!(p
            .headers
            .contains(&("anthropic-dangerous-direct-browser-access", "true".into())));
        assert!(p.headers.iter().any(|(n, _)| *n == "anthropic-version"));
        assert!(p.credential.is_none() && p.follow_redirects);
    }

    #[test]
    fn key_probe_asks_for_one_model_with_the_key() {
        let t = Target::parse("https://api.anthropic.com/").unwrap();
        let p = describe(ProbeId::KeyModels, &t, AuthMode::Bearer);
        assert_eq!(p.url, "https://api.anthropic.com/v1/models?limit=1");
        assert_eq!(p.credential, Some(AuthMode::Bearer));
        assert!(
            !p.follow_redirects,
            "a keyed probe must not follow redirects to other origins"
        );
    }
}
