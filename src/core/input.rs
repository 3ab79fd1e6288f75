//! One run's inputs: where it runs, the target, the key and the settings, with their defaults, and the
//! facts about them that planning needs (is the key sendable, does DNS apply, would mixed content block).
//!
//! These are inputs, not decisions of any check: the planner and the checks both read them, and nothing
//! here looks at a check, so changing a check's statuses can never change which probes go out.

use super::dns;
use super::key::{self, ApiKey, AuthMode};
use super::probe::{ProbeId, API_VERSION};
use super::statuspage;
use super::target::{parse_ipv4, Scheme, Target, TargetError};

/// The control endpoint: independent of the API, reachable from most networks, and open to CORS.
pub const DEFAULT_CONTROL_URL: &str =
    "https://cloudflare-dns.com/dns-query?name=example.com&type=A";
/// Warm round trips in the latency series unless the settings say otherwise.
pub const DEFAULT_SAMPLES: u16 = 10;
/// The most warm round trips a run may ask for.
pub const MAX_SAMPLES: u16 = 50;
/// Warm round trips to the control endpoint, interleaved with the target's first ones: enough for a median.
pub const CONTROL_SAMPLES: u16 = 5;
/// The longest watch a run may ask for: one hour.
pub const MAX_WATCH_SECS: u32 = 3_600;

/// Where a run looks from: the checks that apply, and how probes are executed, follow from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Vantage {
    /// A page in the user's browser: `fetch`, CORS, mixed content, `navigator.onLine`.
    #[default]
    Browser,
    /// A native program where the app runs: sockets, the system resolver, trust stores, proxies.
    Native,
}

/// Which vantages a check applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applies {
    Everywhere,
    BrowserOnly,
    NativeOnly,
}

impl Applies {
    /// Whether a check with this reach is shown from `vantage`.
    pub fn to(self, vantage: Vantage) -> bool {
        match self {
            Applies::Everywhere => true,
            Applies::BrowserOnly => vantage == Vantage::Browser,
            Applies::NativeOnly => vantage == Vantage::Native,
        }
    }
}

/// A set of checks by their wire ids (see `checks::Check::wire`); [`super::select`] reads and writes
/// lists of codes into it and keeps it closed under dependencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selection(pub(crate) u64);

impl Selection {
    /// Every check.
    pub const ALL: Selection = Selection(u64::MAX);

    /// Whether the check with this wire id is in the set.
    pub fn has_wire(self, wire: u8) -> bool {
        wire < 64 && self.0 & (1 << wire) != 0
    }
}

impl Default for Selection {
    fn default() -> Selection {
        Selection::ALL
    }
}

/// A run's settings beyond the target and the key; the form or a config link sets them.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The model to check and to send the message to; `None` when none is named.
    pub model: Option<String>,
    /// The `anthropic-version` header.
    pub version: String,
    pub control_url: String,
    /// The two public DNS-over-HTTPS resolvers' JSON endpoints.
    pub resolvers: [String; 2],
    /// The status page's summary JSON.
    pub status_url: String,
    /// Warm round trips in the latency series.
    pub samples: u16,
    /// Whether to send the streamed message (it spends a few tokens).
    pub message: bool,
    /// How long watch mode repeats its probe, in seconds; 0 is off.
    pub watch_secs: u32,
    /// The checks shown; probes only they read are not sent.
    pub checks: Selection,
    /// A shorter timeout for every probe, in milliseconds (the native doctor's `--timeout-ms`).
    pub probe_timeout_ms: Option<u32>,
    /// Natively: send a body of a few megabytes (`network.upload`).
    pub upload: bool,
    /// Natively: leave a kept-alive connection idle this many seconds and use it again (`network.idle`);
    /// 0 is off.
    pub idle_secs: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            model: None,
            version: API_VERSION.to_string(),
            control_url: DEFAULT_CONTROL_URL.to_string(),
            resolvers: dns::DEFAULT_RESOLVERS.map(str::to_string),
            status_url: statuspage::DEFAULT_SUMMARY_URL.to_string(),
            samples: DEFAULT_SAMPLES,
            message: false,
            watch_secs: 0,
            checks: Selection::ALL,
            probe_timeout_ms: None,
            upload: false,
            idle_secs: 0,
        }
    }
}

/// Everything a run starts from.
#[derive(Clone, Debug)]
pub struct Context {
    /// Where the run looks from.
    pub vantage: Vantage,
    /// The base URL as typed.
    pub base_input: String,
    pub target: Result<Target, TargetError>,
    pub auth: AuthMode,
    pub key: Option<ApiKey>,
    /// Whether the page itself was loaded over `https:`.
    pub page_secure: bool,
    /// `navigator.onLine` when the run started.
    pub online: bool,
    pub settings: Settings,
    /// Natively: the variables, CA files and overrides the app's environment holds; empty in a browser.
    pub native: super::native::Inputs,
}

impl Context {
    /// Builds a browser context with default settings, parsing the base URL.
    pub fn new(
        base_input: &str,
        auth: AuthMode,
        key: Option<ApiKey>,
        page_secure: bool,
    ) -> Context {
        Context {
            vantage: Vantage::Browser,
            base_input: base_input.to_string(),
            target: Target::parse(base_input),
            auth,
            key,
            page_secure,
            online: true,
            settings: Settings::default(),
            native: super::native::Inputs::default(),
        }
    }

    /// The same context with other settings.
    pub fn with_settings(mut self, settings: Settings) -> Context {
        self.settings = settings;
        self
    }

    /// The same context seen from another vantage.
    pub fn from_vantage(mut self, vantage: Vantage) -> Context {
        self.vantage = vantage;
        self
    }

    /// The model named in the settings, trimmed; `None` when empty.
    pub fn model(&self) -> Option<&str> {
        self.settings
            .model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
    }

    /// Warm samples in the latency series, within bounds.
    pub fn samples(&self) -> u16 {
        self.settings.samples.clamp(1, MAX_SAMPLES)
    }

    /// Whether `host` is one that DNS has nothing to say about: an IP address or `localhost`.
    pub fn dns_not_applicable(target: &Target) -> bool {
        let h = target.host.as_str();
        h.starts_with('[')
            || parse_ipv4(h).is_some()
            || h == "localhost"
            || h.ends_with(".localhost")
    }

    /// Whether the browser will block every request to the target as mixed content: an `https:` page
    /// and a plain-`http:` target that is not this machine. Never so natively.
    pub fn mixed_content_blocked(&self) -> bool {
        self.vantage == Vantage::Browser
            && self.page_secure
            && self
                .target
                .as_ref()
                .is_ok_and(|t| t.scheme == Scheme::Http && !t.is_loopback())
    }

    /// Whether keyed probes go out in this run: a key is given and it is not one that sending would only
    /// waste (see [`key::flaw`]).
    pub fn key_usable(&self) -> bool {
        self.key.as_ref().is_some_and(|k| key::flaw(k).is_none())
    }

    /// The latency series in order: the cold round trip, then warm ones, with the control endpoint's
    /// interleaved after the first few so that both see the same moment of the network.
    pub fn series_order(&self) -> Vec<ProbeId> {
        let mut order = vec![ProbeId::Latency(0)];
        for i in 1..=self.samples() {
            order.push(ProbeId::Latency(i));
            if i <= CONTROL_SAMPLES {
                order.push(ProbeId::ControlLatency(i));
            }
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::key;

    #[test]
    fn mixed_content_is_a_browser_rule() {
        let rows = [
            ("http://gw.example.com", true, Vantage::Browser, true),
            ("http://gw.example.com", false, Vantage::Browser, false),
            ("http://127.0.0.1:9", true, Vantage::Browser, false),
            ("https://gw.example.com", true, Vantage::Browser, false),
            ("http://gw.example.com", true, Vantage::Native, false),
        ];
        for (base, secure, vantage, want) in rows {
            let ctx = Context::new(base, AuthMode::ApiKey, None, secure).from_vantage(vantage);
            assert_eq!(
                ctx.mixed_content_blocked(),
                want,
                "{base} {secure} {vantage:?}"
            );
        }
    }

    #[test]
    fn a_key_is_usable_unless_it_is_missing_or_flawed() {
        let ctx = |k: Option<ApiKey>| {
            Context::new("https://api.anthropic.com", AuthMode::ApiKey, k, true)
        };
        assert!(ctx(key()).key_usable());
        assert!(!ctx(None).key_usable());
        assert!(!ctx(ApiKey::new("\"sk\"".into())).key_usable());
    }

    #[test]
    fn applies_table() {
        use Applies::*;
        use Vantage::*;
        let rows = [
            (Everywhere, Browser, true),
            (Everywhere, Native, true),
            (BrowserOnly, Browser, true),
            (BrowserOnly, Native, false),
            (NativeOnly, Browser, false),
            (NativeOnly, Native, true),
        ];
        for (applies, vantage, want) in rows {
            assert_eq!(applies.to(vantage), want, "{applies:?} {vantage:?}");
        }
    }
}
