//! The API key: held in memory only, redacted in every printout, never serialized.

use std::fmt;

/// How the key is sent. The API takes an API key in either header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// `x-api-key: <key>`, as the 0.x Python SDK and the API's curl examples send API keys.
    ApiKey,
    /// `Authorization: Bearer <key or token>`, as today's SDKs send an API key (Python `anthropic` 1.0 and
    /// later, `@anthropic-ai/sdk`), and as gateway and OAuth tokens (`ANTHROPIC_AUTH_TOKEN`) travel.
    #[default]
    Bearer,
}

impl AuthMode {
    /// The config-link name of the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::ApiKey => "key",
            AuthMode::Bearer => "bearer",
        }
    }

    /// Parses a config-link or form value.
    pub fn parse(text: &str) -> Option<AuthMode> {
        match text {
            "key" => Some(AuthMode::ApiKey),
            "bearer" => Some(AuthMode::Bearer),
            _ => None,
        }
    }

    /// The header name and value that carry `key` in this mode.
    pub fn header(self, key: &ApiKey) -> (&'static str, String) {
        match self {
            AuthMode::ApiKey => ("x-api-key", key.0.clone()),
            AuthMode::Bearer => ("authorization", format!("Bearer {}", key.0)),
        }
    }
}

/// A secret. It implements neither `Display` nor serialization, and its `Debug` shows only its length,
/// so that no log, report or link can carry it by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps the key as pasted; `None` for an empty field.
    pub fn new(pasted: String) -> Option<ApiKey> {
        (!pasted.is_empty()).then_some(ApiKey(pasted))
    }

    /// The key's text, for the one place that sends it and for local shape checks.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in characters.
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    /// Always false: an empty key is never constructed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey(<redacted>, {} chars)", self.len())
    }
}

/// Kinds of key, told apart by their public prefixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// `sk-ant-api03-`: an API key.
    Api,
    /// `sk-ant-admin01-`: an Admin key, refused by the models and messages endpoints.
    Admin,
    /// `sk-ant-oat01-`: a Claude subscription's OAuth token, not an API key.
    OAuth,
    /// `sk-ant-api01-`: a Compliance access key.
    Compliance,
    /// Anything else; gateways issue their own shapes.
    Other,
}

impl KeyKind {
    /// Tells the kind from the prefix.
    pub fn of(text: &str) -> KeyKind {
        if text.starts_with("sk-ant-api03-") {
            KeyKind::Api
        } else if text.starts_with("sk-ant-admin01-") {
            KeyKind::Admin
        } else if text.starts_with("sk-ant-oat01-") {
            KeyKind::OAuth
        } else if text.starts_with("sk-ant-api01-") {
            KeyKind::Compliance
        } else {
            KeyKind::Other
        }
    }

    /// Stable name for facts and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Api => "api-key",
            KeyKind::Admin => "admin-key",
            KeyKind::OAuth => "oauth-token",
            KeyKind::Compliance => "compliance-key",
            KeyKind::Other => "other",
        }
    }
}

/// The length of an `sk-ant-api03-` key: prefix, 93 characters, then `AA`.
pub const API_KEY_LEN: usize = 108;

/// Whether `text` is shaped exactly like an API key.
pub fn is_api_key_shape(text: &str) -> bool {
    text.len() == API_KEY_LEN
        && text.starts_with("sk-ant-api03-")
        && text.ends_with("AA")
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A key that sending would only waste: a paste mistake the server would refuse, or a kind of key that the
/// endpoints the run calls never accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// It starts with `Bearer `: the header word was pasted with it.
    BearerPrefix,
    /// Wrapped in quotes.
    Quotes,
    /// Holds a space, tab or newline.
    Whitespace,
    /// Holds a character outside ASCII, such as a look-alike dash.
    NonAscii,
    /// An API key's prefix, but not its length or alphabet.
    Truncated,
    /// An Admin key.
    Admin,
    /// A subscription's OAuth token.
    OAuth,
}

/// The key's flaw, if it has one, judged in this order: what was pasted around the key first, then its kind.
pub fn flaw(key: &ApiKey) -> Option<Flaw> {
    let text = key.expose();
    if text.to_ascii_lowercase().starts_with("bearer ") {
        return Some(Flaw::BearerPrefix);
    }
    if text.starts_with(['"', '\'', '\u{201c}', '\u{2018}'])
        || text.ends_with(['"', '\'', '\u{201d}', '\u{2019}'])
    {
        return Some(Flaw::Quotes);
    }
    if text.chars().any(char::is_whitespace) {
        return Some(Flaw::Whitespace);
    }
    if !text.is_ascii() {
        return Some(Flaw::NonAscii);
    }
    match KeyKind::of(text) {
        KeyKind::Api if !is_api_key_shape(text) => Some(Flaw::Truncated),
        KeyKind::Admin => Some(Flaw::Admin),
        KeyKind::OAuth => Some(Flaw::OAuth),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample_key() -> String {
        format!("sk-ant-api03-{}AA", "x".repeat(93))
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = ApiKey::new(sample_key()).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains("xxxx") && shown.contains("108"), "{shown}");
    }

    #[test]
    fn empty_field_is_no_key() {
        assert!(ApiKey::new(String::new()).is_none());
    }

    #[test]
    fn kinds_by_prefix() {
        assert_eq!(KeyKind::of(&sample_key()), KeyKind::Api);
        assert_eq!(KeyKind::of("sk-ant-admin01-abc"), KeyKind::Admin);
        assert_eq!(KeyKind::of("sk-ant-oat01-abc"), KeyKind::OAuth);
        assert_eq!(KeyKind::of("sk-ant-api01-abc"), KeyKind::Compliance);
        assert_eq!(KeyKind::of("gw-123"), KeyKind::Other);
    }

    #[test]
    fn api_key_shape_is_exact() {
        assert!(is_api_key_shape(&sample_key()));
        assert!(!is_api_key_shape(&sample_key()[..107]));
        assert!(!is_api_key_shape(&format!(
            "sk-ant-api03-{}AB",
            "x".repeat(93)
        )));
        assert!(!is_api_key_shape(&format!(
            "sk-ant-api03-{}AA",
            "x!".repeat(46) + "x"
        )));
    }

    #[test]
    fn flaws_table() {
        let rows = [
            (sample_key(), None),
            (format!("Bearer {}", sample_key()), Some(Flaw::BearerPrefix)),
            (format!("\"{}\"", sample_key()), Some(Flaw::Quotes)),
            (format!("{}\n", sample_key()), Some(Flaw::Whitespace)),
            (
                sample_key().replacen('-', "\u{2013}", 1),
                Some(Flaw::NonAscii),
            ),
            (sample_key()[..100].to_string(), Some(Flaw::Truncated)),
            ("sk-ant-admin01-abc".into(), Some(Flaw::Admin)),
            ("sk-ant-oat01-abc".into(), Some(Flaw::OAuth)),
            ("sk-ant-api01-abc".into(), None),
            ("gw_live_123".into(), None),
        ];
        for (text, want) in rows {
            let key = ApiKey::new(text.clone()).unwrap();
            assert_eq!(flaw(&key), want, "{text:?}");
        }
    }

    #[test]
    fn headers_by_mode() {
        let key = ApiKey::new("tok".into()).unwrap();
        assert_eq!(
            AuthMode::ApiKey.header(&key),
            ("x-api-key", "tok".to_string())
        );
        assert_eq!(
            AuthMode::Bearer.header(&key),
            ("authorization", "Bearer tok".to_string())
        );
        assert_eq!(AuthMode::parse("bearer"), Some(AuthMode::Bearer));
        assert_eq!(AuthMode::parse("Bearer"), None);
    }
}
