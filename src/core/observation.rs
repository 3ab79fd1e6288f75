//! Observations: what happened when a probe ran. A failed probe is an observation, not an error.

use super::net::Net;
use super::probe::ProbeId;

/// Why a probe was not sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotSent {
    /// The base URL did not parse.
    InvalidTarget,
    /// The browser would block it as mixed content.
    MixedContent,
    /// A keyed probe with no key given.
    NoKey,
    /// The key's shape is broken (whitespace, quotes…): sending it would only fail.
    KeyShape,
    /// A probe URL from the settings (control, resolver, status page) is not an `http(s)://` URL.
    InvalidUrl,
    /// The check does not apply: DNS for an IP address or `localhost`, a model when none is named.
    NotApplicable,
    /// An opt-in check that was not asked for.
    Off,
    /// A probe it builds on did not give what it needs (no model to try, a key that was refused).
    Prerequisite,
    /// A series was stopped early after repeated failures.
    Stopped,
}

/// How much of a body was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BodyState {
    #[default]
    Complete,
    /// The cap was reached; the rest was not read.
    Truncated,
    /// The probe's timeout ran out while the body was arriving.
    TimedOut,
    /// The connection broke while the body was arriving.
    Broken,
}

/// What kind of response the browser handed over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResponseKind {
    /// Status, exposed headers and body can be read.
    #[default]
    Readable,
    /// A `no-cors` answer: it arrived, and nothing else can be known.
    Opaque,
    /// A redirect that was not followed (`redirect: "manual"`): its target cannot be read.
    HeldRedirect,
}

/// When one chunk of a body arrived.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Chunk {
    /// Milliseconds since the request was sent.
    pub at_ms: f64,
    /// The body's length in bytes once this chunk was added.
    pub end: usize,
}

/// Resource Timing phases, in milliseconds, when the server allowed them (`Timing-Allow-Origin`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Phases {
    pub dns: f64,
    pub connect: f64,
    /// Part of `connect`; zero for plain `http:` or a reused connection.
    pub tls: f64,
    /// From sending the request to the first byte of the response.
    pub ttfb: f64,
    /// Whether this request opened a new connection (non-zero connect time).
    pub new_connection: bool,
}

/// A response that arrived.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Response {
    /// 0 unless readable.
    pub status: u16,
    pub kind: ResponseKind,
    /// Headers the browser let the page read, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body up to the cap, decoded as UTF-8 with replacement characters.
    pub body: String,
    pub body_state: BodyState,
    /// Whether redirects were followed, and the final URL then.
    pub redirected_to: Option<String>,
    /// From sending to the response headers, in milliseconds.
    pub elapsed_ms: f64,
    /// The local wall clock when the headers arrived, in Unix milliseconds; compared with `date`.
    pub received_at_ms: f64,
    /// When each body chunk arrived; a stream that a proxy buffered arrives as one chunk.
    pub chunks: Vec<Chunk>,
    /// Resource Timing phases, when the server allowed the page to see them.
    pub phases: Option<Phases>,
}

impl Response {
    /// The first header called `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What happened to one probe.
#[derive(Clone, Debug, PartialEq)]
pub enum Observation {
    Response(Response),
    /// `fetch` rejected: DNS, refused, TLS, CORS, mixed content or a blocker; the browser does not say which.
    Rejected {
        elapsed_ms: f64,
    },
    /// The probe's own timeout ran out before the response headers.
    TimedOut {
        after_ms: u32,
    },
    /// The person pressed Cancel.
    Cancelled,
    NotSent(NotSent),
    /// What a native probe saw (the system resolver, one path to the target).
    Net(Net),
    /// A series of repeated probes (watch mode), as far as it has got.
    Series {
        samples: Vec<Sample>,
        /// The series ran its course (or was cancelled); more samples may follow until then.
        done: bool,
    },
}

impl Observation {
    /// The response, if one arrived.
    pub fn response(&self) -> Option<&Response> {
        match self {
            Observation::Response(r) => Some(r),
            _ => None,
        }
    }

    /// The response, if the page could read it.
    pub fn readable(&self) -> Option<&Response> {
        self.response().filter(|r| r.kind == ResponseKind::Readable)
    }
}

/// One probe of a series: when it started and what happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Milliseconds since the series started.
    pub at_ms: f64,
    pub seen: Observation,
}

/// The observations of one run so far, in probe order.
///
/// A run holds a few dozen, or a few hundred with a long latency series, so a sorted vector does what a `BTreeMap` would, in far fewer bytes of
/// wasm: the tree's node code was the largest single piece of the standard library in the bundle.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observations(Vec<(ProbeId, Observation)>);

impl Observations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Where `id` is, or where it would go.
    fn find(&self, id: &ProbeId) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.cmp(id))
    }

    /// Whether the CORS preflight is in question: the keyless request with the API's headers was refused
    /// while the same request without custom headers (no preflight) was read. The plan then sends the
    /// preflight probes, and `cors.read` waits for them; this is the one place the rule is written. A
    /// keyless request that timed out instead says already that the preflight stalls, and probes that
    /// would stall as long again are not sent.
    pub fn preflight_in_question(&self) -> bool {
        let refused = matches!(
            self.get(&ProbeId::CorsRead),
            Some(Observation::Rejected { .. })
        );
        refused
            && self
                .get(&ProbeId::CorsPlain)
                .and_then(Observation::readable)
                .is_some()
    }

    pub fn get(&self, id: &ProbeId) -> Option<&Observation> {
        self.find(id).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, id: &ProbeId) -> Option<&mut Observation> {
        self.find(id).ok().map(|i| &mut self.0[i].1)
    }

    pub fn contains_key(&self, id: &ProbeId) -> bool {
        self.find(id).is_ok()
    }

    /// Records `seen` for `id`, returning what it replaces.
    pub fn insert(&mut self, id: ProbeId, seen: Observation) -> Option<Observation> {
        match self.find(&id) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, seen)),
            Err(i) => {
                self.0.insert(i, (id, seen));
                None
            }
        }
    }

    pub fn remove(&mut self, id: &ProbeId) -> Option<Observation> {
        self.find(id).ok().map(|i| self.0.remove(i).1)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&ProbeId, &mut Observation) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ProbeId, &Observation)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &ProbeId> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &Observation> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(ProbeId, Observation)> for Observations {
    fn from_iter<I: IntoIterator<Item = (ProbeId, Observation)>>(items: I) -> Self {
        let mut obs = Self::new();
        for (id, seen) in items {
            obs.insert(id, seen);
        }
        obs
    }
}
