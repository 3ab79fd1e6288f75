//! Observations: what happened when a probe ran. A failed probe is an observation, not an error.

use std::collections::BTreeMap;

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
}

/// How much of a body was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyState {
    Complete,
    /// The cap was reached; the rest was not read.
    Truncated,
    /// The probe's timeout ran out while the body was arriving.
    TimedOut,
    /// The connection broke while the body was arriving.
    Broken,
}

/// What kind of response the browser handed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseKind {
    /// Status, exposed headers and body can be read.
    Readable,
    /// A `no-cors` answer: it arrived, and nothing else can be known.
    Opaque,
    /// A redirect that was not followed (`redirect: "manual"`): its target cannot be read.
    HeldRedirect,
}

/// A response that arrived.
#[derive(Clone, Debug, PartialEq)]
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
}

/// The observations of one run so far.
pub type Observations = BTreeMap<ProbeId, Observation>;

/// Observations for tests of the checks.
#[cfg(test)]
pub mod fixtures {
    use super::*;

    /// A response of `kind` that carries nothing readable, after `ms` milliseconds.
    fn unreadable(kind: ResponseKind, ms: f64) -> Observation {
        Observation::Response(Response {
            status: 0,
            kind,
            headers: vec![],
            body: String::new(),
            body_state: BodyState::Complete,
            redirected_to: None,
            elapsed_ms: ms,
        })
    }

    /// An opaque answer to a `no-cors` probe after `ms` milliseconds.
    pub fn opaque(ms: f64) -> Observation {
        unreadable(ResponseKind::Opaque, ms)
    }

    /// A redirect that a keyed probe held back instead of following.
    pub fn held_redirect() -> Observation {
        unreadable(ResponseKind::HeldRedirect, 8.0)
    }
}
