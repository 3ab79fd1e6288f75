//! The monitor's targets: from a small TOML file, from the command line, or both; checked whole before
//! anything starts, so that a bad file is one clear line and not a monitor that half works.

use serde::Deserialize;
use std::fmt;
use std::path::Path;

/// The most bytes read of a config file: a monitor's file is a few hundred bytes.
const FILE_CAP: u64 = 256 * 1024;
/// The most targets one monitor probes: each is a set of series and a run per interval.
pub const MAX_TARGETS: usize = 64;

/// The file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Seconds between the runs of a healthy target.
    pub interval_secs: Option<u64>,
    /// `ADDRESS:PORT` to serve `/metrics` and `/health` on.
    pub listen: Option<String>,
    #[serde(default, rename = "target")]
    pub targets: Vec<TargetConfig>,
}

/// One target, as written.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// The `target` label; the base URL's host (and port) when not given.
    pub name: Option<String>,
    pub base: String,
    /// `bearer` (the default) or `key`.
    pub auth: Option<String>,
    /// The variable the key is read from; without it, `ANTHROPIC_API_KEY` (or `ANTHROPIC_AUTH_TOKEN`).
    pub key_env: Option<String>,
    /// Run without a key even when the environment holds one.
    #[serde(default)]
    pub no_key: bool,
    pub model: Option<String>,
    /// Send the streamed message (spends a few tokens), at most every `message_every_mins`.
    #[serde(default)]
    pub message: bool,
    /// Minutes between messages: 15 at least, and by default.
    pub message_every_mins: Option<u64>,
    /// Also send a body of a few megabytes.
    #[serde(default)]
    pub upload: bool,
    /// Leave a kept-alive connection idle this many seconds, and use it again.
    pub idle_secs: Option<u32>,
    /// Only these check codes or layers, comma-separated.
    pub checks: Option<String>,
    pub timeout_ms: Option<u32>,
    pub samples: Option<u16>,
    pub status_url: Option<String>,
    #[serde(default)]
    pub doh_urls: Vec<String>,
}

/// Why a configuration cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The file could not be read.
    Read(String, String),
    /// The file is not the TOML expected: where and why, as the parser says.
    Parse(String, String),
    NoTargets,
    TooMany(usize),
    /// Two targets would have the same `target` label.
    DuplicateName(String),
    /// A name that is not a tidy label value.
    BadName(String),
    BadAuth(String),
    /// The base URL of the target at this place (from 1) holds a user or a password: it is not repeated,
    /// since `/health` and the logs would show it.
    Credentials(usize),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read(path, why) => write!(f, "--config {path}: cannot read it: {why}"),
            ConfigError::Parse(path, why) => write!(f, "--config {path}: {why}"),
            ConfigError::NoTargets => write!(
                f,
                "no target: give a base URL, or a --config file with [[target]] tables"
            ),
            ConfigError::TooMany(n) => write!(f, "{n} targets: at most {MAX_TARGETS}"),
            ConfigError::DuplicateName(n) => {
                write!(f, "two targets are named {n:?}: give each its own name")
            }
            ConfigError::BadName(n) => write!(
                f,
                "target name {n:?}: use up to 64 letters, digits and . _ : / -"
            ),
            ConfigError::BadAuth(a) => write!(f, "auth {a:?}: expected bearer or key"),
            ConfigError::Credentials(n) => write!(
                f,
                "target {n}: its base URL holds a user or password (…@host); a key goes in a variable (key_env), never in a URL"
            ),
        }
    }
}

impl ConfigError {
    /// The message in Chinese.
    pub fn zh(&self) -> String {
        match self {
            ConfigError::Read(path, why) => format!("--config {path}：无法读取：{why}"),
            ConfigError::Parse(path, why) => format!("--config {path}：格式错误：{why}"),
            ConfigError::NoTargets => {
                "没有目标：请给出基础 URL，或在 --config 文件中写 [[target]] 表".to_string()
            }
            ConfigError::TooMany(n) => format!("{n} 个目标：最多 {MAX_TARGETS} 个"),
            ConfigError::DuplicateName(n) => format!("有两个目标都叫 {n:?}：请各取一个名字"),
            ConfigError::BadName(n) => {
                format!("目标名 {n:?}：最多 64 个字母、数字及 . _ : / -")
            }
            ConfigError::BadAuth(a) => format!("auth {a:?}：应为 bearer 或 key"),
            ConfigError::Credentials(n) => format!(
                "第 {n} 个目标：基础 URL 含有用户名或密码（…@主机）；密钥应放在变量中（key_env），绝不放在 URL 里"
            ),
        }
    }
}

/// Reads and parses a config file.
pub fn read(path: &Path) -> Result<File, ConfigError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(FILE_CAP).read_to_string(&mut text))
        .map_err(|e| ConfigError::Read(shown.clone(), e.to_string()))?;
    parse(&text).map_err(|why| ConfigError::Parse(shown, why))
}

/// Parses a config file's text; the error is the parser's, on one line.
pub fn parse(text: &str) -> Result<File, String> {
    toml::from_str::<File>(text).map_err(|e| {
        // The parser's message spans lines (a caret under the place); one line is kept, with the place.
        let message = e.message().to_string();
        match e.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}: {message}")
            }
            None => message,
        }
    })
}

/// The label a target goes by: its name, else its base URL without the scheme (host, port and path).
pub fn label_of(t: &TargetConfig) -> String {
    match &t.name {
        Some(n) => n.clone(),
        None => {
            let rest = t
                .base
                .trim()
                .split_once("://")
                .map_or(t.base.trim(), |(_, r)| r);
            rest.split(['?', '#'])
                .next()
                .unwrap_or("")
                .trim_end_matches('/')
                .to_string()
        }
    }
}

/// The authority of a base URL as written: between the scheme and the path.
fn authority_of(base: &str) -> &str {
    let rest = base
        .trim()
        .split_once("://")
        .map_or(base.trim(), |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or("")
}

/// Whether a name makes a tidy label value: short, printable, no quotes or spaces.
fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '/' | '-' | '[' | ']')
        })
}

/// Checks the targets as a whole: there are some, not too many, each with a distinct tidy name and a
/// known auth mode. Gives each one's label.
pub fn check(targets: &[TargetConfig]) -> Result<Vec<String>, ConfigError> {
    if targets.is_empty() {
        return Err(ConfigError::NoTargets);
    }
    if targets.len() > MAX_TARGETS {
        return Err(ConfigError::TooMany(targets.len()));
    }
    let mut labels: Vec<String> = Vec::with_capacity(targets.len());
    for (i, t) in targets.iter().enumerate() {
        // Checked first, so that no message below repeats the URL.
        if authority_of(&t.base).contains('@') {
            return Err(ConfigError::Credentials(i + 1));
        }
        let label = label_of(t);
        if !name_ok(&label) {
            return Err(ConfigError::BadName(label));
        }
        if labels.contains(&label) {
            return Err(ConfigError::DuplicateName(label));
        }
        if let Some(a) = &t.auth {
            if a != "bearer" && a != "key" {
                return Err(ConfigError::BadAuth(a.clone()));
            }
        }
        labels.push(label);
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_reads_as_written() {
        let f = parse(
            r#"
interval_secs = 30
listen = "127.0.0.1:9500"

[[target]]
name = "anthropic"
base = "https://api.anthropic.com"
key_env = "MONITOR_KEY"
model = "claude-haiku-4-5"
message = true
message_every_mins = 60

[[target]]
base = "https://gateway.example.com/anthropic"
auth = "key"
checks = "network,tls"
"#,
        )
        .expect("parses");
        assert_eq!(f.interval_secs, Some(30));
        assert_eq!(f.listen.as_deref(), Some("127.0.0.1:9500"));
        assert_eq!(f.targets.len(), 2);
        assert_eq!(f.targets[0].key_env.as_deref(), Some("MONITOR_KEY"));
        assert!(f.targets[0].message);
        assert_eq!(f.targets[0].message_every_mins, Some(60));
        assert_eq!(
            check(&f.targets).expect("valid"),
            ["anthropic", "gateway.example.com/anthropic"]
        );
    }

    #[test]
    fn bad_files_say_where_and_why_on_one_line() {
        for (text, want) in [
            ("interval_secs = \"soon\"", "line 1"),
            (
                "[[target]]\nbase = \"x\"\nkey = \"sk-ant\"",
                "unknown field `key`",
            ),
            ("[[target]]\nname = \"a\"", "missing field `base`"),
            ("[[target]\nbase=1", "line 1"),
        ] {
            let e = parse(text).expect_err(text);
            assert!(e.contains(want), "{text}: {e}");
            assert!(!e.contains('\n'), "{text}: {e}");
        }
    }

    #[test]
    fn targets_are_checked_as_a_whole() {
        let t = |name: Option<&str>, base: &str| TargetConfig {
            name: name.map(str::to_string),
            base: base.to_string(),
            ..TargetConfig::default()
        };
        assert_eq!(check(&[]), Err(ConfigError::NoTargets));
        assert_eq!(
            check(&[t(None, "https://a.test"), t(None, "http://a.test/")]),
            Err(ConfigError::DuplicateName("a.test".into()))
        );
        assert_eq!(
            check(&[t(Some("two words"), "https://a.test")]),
            Err(ConfigError::BadName("two words".into()))
        );
        assert_eq!(
            check(&[t(Some("x\"}"), "https://a.test")]),
            Err(ConfigError::BadName("x\"}".into()))
        );
        let many: Vec<TargetConfig> = (0..=MAX_TARGETS)
            .map(|i| t(Some(&format!("t{i}")), "https://a.test"))
            .collect();
        assert_eq!(check(&many), Err(ConfigError::TooMany(MAX_TARGETS + 1)));
        for base in [
            "https://u:secret@a.test",
            "https://key@a.test/v1",
            "u:secret@a.test",
        ] {
            let e =
                check(&[t(Some("named"), "https://b.test"), t(Some("x"), base)]).expect_err(base);
            assert_eq!(e, ConfigError::Credentials(2));
            assert!(!e.to_string().contains("secret") && !e.zh().contains("secret"));
        }
        let mut bad_auth = t(None, "https://a.test");
        bad_auth.auth = Some("basic".into());
        assert_eq!(
            check(&[bad_auth]),
            Err(ConfigError::BadAuth("basic".into()))
        );
        assert_eq!(
            check(&[
                t(None, "http://127.0.0.1:8080/s/healthy"),
                t(None, "https://[::1]:443")
            ]),
            Ok(vec![
                "127.0.0.1:8080/s/healthy".to_string(),
                "[::1]:443".to_string()
            ])
        );
    }
}
