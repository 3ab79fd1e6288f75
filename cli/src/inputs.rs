//! Reads what the app reads: the environment, Claude Code's settings file, the CA files the variables
//! name, `node --version`, and the flags that stand for them; and the key, from the environment or stdin.

use api_doctor::core::key::ApiKey;
use api_doctor::core::native::{
    CaFile, FileState, Inputs, Origin, Override, SettingsFile, Value, Var, CACERT_FLAG, CA_VARS,
    KEY_VARS, VARS,
};
use std::ffi::OsString;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The most bytes read of a CA file or of Claude Code's settings: a bundle of every public root is about
/// 200 KB, so this leaves room while keeping a hostile file from filling memory.
const FILE_CAP: u64 = 8 * 1024 * 1024;
/// The longest key accepted on stdin.
const KEY_CAP: u64 = 4 * 1024;

/// A flag or input that cannot be used; printed as one line, exit status 2.
#[derive(Debug, PartialEq, Eq)]
pub enum InputError {
    /// `--resolve` is not `HOST:PORT:ADDR[,ADDR…]`.
    Resolve(String),
    /// `--key-env NAME` names a variable that is not set.
    KeyEnvMissing(String),
    /// The key (from the variable or stdin) is not UTF-8.
    KeyNotText,
    /// stdin could not be read, or held no key.
    KeyStdin(String),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Resolve(s) => write!(
                f,
                "--resolve {s:?}: expected HOST:PORT:ADDR[,ADDR...] (an IPv6 address in brackets)"
            ),
            InputError::KeyEnvMissing(name) => {
                write!(f, "--key-env {name}: that variable is not set")
            }
            InputError::KeyNotText => write!(f, "the key is not UTF-8 text"),
            InputError::KeyStdin(why) => write!(f, "--key-stdin: {why}"),
        }
    }
}

impl std::error::Error for InputError {}

/// Where the key comes from.
pub enum KeySource {
    /// `ANTHROPIC_API_KEY`, else `ANTHROPIC_AUTH_TOKEN` (the Claude Code settings' too), as the SDKs read it.
    Environment,
    /// A variable the person named.
    Variable(String),
    /// One line on stdin.
    Stdin,
}

/// Parses `--resolve HOST:PORT:ADDR[,ADDR…]`, as curl has it.
pub fn parse_resolve(text: &str) -> Result<Override, InputError> {
    let bad = || InputError::Resolve(text.chars().take(100).collect());
    let (host, rest) = text.split_once(':').ok_or_else(bad)?;
    let (port, addrs) = rest.split_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().ok().filter(|p| *p > 0).ok_or_else(bad)?;
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c == '/') {
        return Err(bad());
    }
    let addrs: Result<Vec<String>, InputError> = addrs
        .split(',')
        .map(|a| {
            let a = a.trim().trim_start_matches('[').trim_end_matches(']');
            a.parse::<std::net::IpAddr>()
                .map(|ip| ip.to_string())
                .map_err(|_| bad())
        })
        .collect();
    let addrs = addrs?;
    if addrs.is_empty() {
        return Err(bad());
    }
    Ok(Override {
        host: host.to_ascii_lowercase(),
        port,
        addrs,
    })
}

/// A variable's value as read: text, or not UTF-8.
fn value_of(raw: OsString) -> Value {
    match raw.into_string() {
        Ok(s) => Value::Text(s),
        Err(raw) => Value::NotUtf8(raw.to_string_lossy().into_owned()),
    }
}

/// Every variable of [`VARS`] the environment sets; the key variables only as set.
fn environment() -> Vec<Var> {
    VARS.iter()
        .filter_map(|name| {
            let raw = std::env::var_os(name)?;
            let value = if KEY_VARS.contains(name) {
                Value::Secret
            } else {
                value_of(raw)
            };
            Some(Var {
                name: name.to_string(),
                value,
                origin: Origin::Env,
            })
        })
        .collect()
}

/// What Claude Code's settings file holds for the variables the doctor reads, and its key if it sets one.
fn claude_settings(home: Option<&Path>) -> (SettingsFile, Vec<Var>, Option<String>) {
    let Some(home) = home else {
        return (SettingsFile::Absent, Vec::new(), None);
    };
    let path = home.join(".claude").join("settings.json");
    let text = match read_capped(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => return (SettingsFile::Unusable("not UTF-8".into()), Vec::new(), None),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return (SettingsFile::Absent, Vec::new(), None)
        }
        Err(e) => return (SettingsFile::Unusable(e.to_string()), Vec::new(), None),
    };
    use api_doctor::core::json::Json;
    let json = match Json::parse(&text) {
        Ok(j) if j.is_object() => j,
        _ => {
            return (
                SettingsFile::Unusable("not a JSON object".into()),
                Vec::new(),
                None,
            )
        }
    };
    let members = match &json["env"] {
        Json::Null => return (SettingsFile::Read, Vec::new(), None),
        Json::Object(members) => members,
        _ => {
            return (
                SettingsFile::Unusable("\"env\" is not an object".into()),
                Vec::new(),
                None,
            )
        }
    };
    let mut vars = Vec::new();
    let mut key = None;
    for (name, value) in members {
        let Some(text) = value.as_str() else {
            return (
                SettingsFile::Unusable(format!("\"env\".{name} is not a string")),
                Vec::new(),
                None,
            );
        };
        if let Some(known) = VARS.iter().find(|v| **v == name.as_str()) {
            let value = if KEY_VARS.contains(known) {
                if key.is_none() || *known == "ANTHROPIC_API_KEY" {
                    key = Some(text.to_string());
                }
                Value::Secret
            } else {
                Value::Text(text.to_string())
            };
            vars.push(Var {
                name: known.to_string(),
                value,
                origin: Origin::ClaudeSettings,
            });
        }
    }
    (SettingsFile::Read, vars, key)
}

/// Reads at most [`FILE_CAP`] bytes of a file.
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    std::fs::File::open(path)?
        .take(FILE_CAP)
        .read_to_end(&mut out)?;
    Ok(out)
}

/// How many PEM certificates `bytes` holds; `None` when it holds no PEM certificate at all.
fn pem_certs(bytes: &[u8]) -> Option<u16> {
    use rustls_pki_types::pem::PemObject;
    let n = rustls_pki_types::CertificateDer::pem_slice_iter(bytes)
        .filter(Result::is_ok)
        .count();
    (n > 0).then(|| u16::try_from(n).unwrap_or(u16::MAX))
}

/// What reading a CA file (or, for `SSL_CERT_DIR`, a folder) gives.
pub fn read_ca(path: &Path, folder: bool) -> FileState {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return FileState::Missing,
        Err(_) => return FileState::Unreadable,
    };
    if folder {
        if !meta.is_dir() {
            return FileState::NotPem;
        }
        let Ok(entries) = std::fs::read_dir(path) else {
            return FileState::Unreadable;
        };
        let certs: u32 = entries
            .flatten()
            .take(10_000)
            .filter_map(|e| read_capped(&e.path()).ok())
            .filter_map(|b| pem_certs(&b))
            .map(u32::from)
            .sum();
        return FileState::Dir {
            certs: u16::try_from(certs).unwrap_or(u16::MAX),
        };
    }
    if meta.is_dir() {
        return FileState::IsDir;
    }
    match read_capped(path) {
        Err(_) => FileState::Unreadable,
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => FileState::Empty,
        Ok(b) => match pem_certs(&b) {
            Some(certs) => FileState::Pem { certs },
            None => FileState::NotPem,
        },
    }
}

/// The major version `node --version` prints, when Node runs within two seconds.
async fn node_major() -> Option<u32> {
    // Without NODE_OPTIONS: a flag this Node refuses there would stop `node --version` too, and the
    // version is what tells whether it refuses it.
    let run = tokio::process::Command::new("node")
        .arg("--version")
        .env_remove("NODE_OPTIONS")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(2), run)
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    text.trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// The flags that stand for settings.
#[derive(Clone)]
pub struct Flags {
    pub proxy: Option<String>,
    pub no_proxy: Option<String>,
    pub cacert: Option<PathBuf>,
    pub resolve: Vec<Override>,
}

/// Everything read, and the key.
pub struct Gathered {
    pub inputs: Inputs,
    pub key: Option<ApiKey>,
    /// Whether the key is a token (`ANTHROPIC_AUTH_TOKEN`), which travels as Bearer.
    pub token: bool,
    /// `ANTHROPIC_BASE_URL` as the app would read it (the environment, else Claude Code's settings).
    pub base_env: Option<String>,
}

/// Reads the inputs as the app would, with the flags over them.
pub async fn read(flags: Flags, key_source: KeySource) -> Result<Gathered, InputError> {
    let mut vars = environment();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let (settings, settings_vars, settings_key) = claude_settings(home.as_deref());
    vars.extend(settings_vars);
    for (name, value) in [("HTTPS_PROXY", &flags.proxy), ("NO_PROXY", &flags.no_proxy)] {
        if let Some(v) = value {
            vars.push(Var {
                name: name.to_string(),
                value: Value::Text(v.clone()),
                origin: Origin::Flag,
            });
        }
    }
    let mut inputs = Inputs {
        vars,
        settings,
        overrides: flags.resolve,
        host_kind: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        ..Inputs::default()
    };
    // Every CA variable, from every origin: Claude Code's settings may name one the environment does not.
    let mut files = Vec::new();
    for var in CA_VARS {
        let named: Vec<String> = inputs
            .vars
            .iter()
            .filter(|v| v.name == var)
            .filter_map(|v| match &v.value {
                Value::Text(s) if !s.trim().is_empty() => Some(s.clone()),
                _ => None,
            })
            .collect();
        for path in named {
            if files
                .iter()
                .any(|f: &CaFile| f.var == var && f.path == path)
            {
                continue;
            }
            let state = read_ca(Path::new(&path), var == "SSL_CERT_DIR");
            files.push(CaFile {
                var: var.to_string(),
                path,
                state,
            });
        }
    }
    if let Some(path) = &flags.cacert {
        files.push(CaFile {
            var: CACERT_FLAG.to_string(),
            path: path.display().to_string(),
            state: read_ca(path, false),
        });
    }
    inputs.ca_files = files;
    inputs.node_major = node_major().await;

    let env_text = |name: &str| match std::env::var_os(name).map(OsString::into_string) {
        Some(Ok(s)) if !s.is_empty() => Ok(Some(s)),
        Some(Err(_)) => Err(InputError::KeyNotText),
        _ => Ok(None),
    };
    let (key, token) = match key_source {
        KeySource::Environment => match env_text("ANTHROPIC_API_KEY")? {
            Some(k) => (Some(k), false),
            None => match env_text("ANTHROPIC_AUTH_TOKEN")? {
                Some(t) => (Some(t), true),
                None => (settings_key, false),
            },
        },
        KeySource::Variable(name) => match env_text(&name)? {
            Some(k) => (Some(k), false),
            None => return Err(InputError::KeyEnvMissing(name)),
        },
        KeySource::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(KEY_CAP)
                .read_to_end(&mut bytes)
                .map_err(|e| InputError::KeyStdin(e.to_string()))?;
            let text = String::from_utf8(bytes).map_err(|_| InputError::KeyNotText)?;
            // One line: the newline a shell or a file adds is not part of the key.
            let line = text.lines().next().unwrap_or("").to_string();
            if line.is_empty() {
                return Err(InputError::KeyStdin("no key on stdin".into()));
            }
            (Some(line), false)
        }
    };
    let base_env = inputs
        .text_for(
            api_doctor::core::native::Runtime::ClaudeCode,
            "ANTHROPIC_BASE_URL",
        )
        .map(str::to_string);
    Ok(Gathered {
        inputs,
        key: key.and_then(ApiKey::new),
        token,
        base_env,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_flags_read_as_curl_writes_them() {
        let o = parse_resolve("api.anthropic.com:443:[::1],127.0.0.1").unwrap();
        assert_eq!(o.host, "api.anthropic.com");
        assert_eq!(o.port, 443);
        assert_eq!(o.addrs, ["::1", "127.0.0.1"]);
        for bad in [
            "x",
            "x:1",
            "x:0:1.2.3.4",
            "x:1:",
            "x:1:nope",
            ":1:1.2.3.4",
            "a b:1:1.2.3.4",
        ] {
            assert!(parse_resolve(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ca_files_are_read_without_trusting_their_names() {
        let dir = std::env::temp_dir().join(format!("api-doctor-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, body: &[u8]| {
            let p = dir.join(name);
            std::fs::write(&p, body).unwrap();
            p
        };
        let empty = write("empty.pem", b"  \n");
        let junk = write(
            "junk.pem",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        );
        let der = write("ca.der", &[0x30, 0x82, 0x01, 0x0a]);
        assert_eq!(read_ca(&empty, false), FileState::Empty);
        assert_eq!(read_ca(&junk, false), FileState::NotPem);
        assert_eq!(read_ca(&der, false), FileState::NotPem);
        assert_eq!(read_ca(&dir, false), FileState::IsDir);
        assert_eq!(read_ca(&dir.join("missing.pem"), false), FileState::Missing);
        assert_eq!(read_ca(&dir, true), FileState::Dir { certs: 0 });
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
