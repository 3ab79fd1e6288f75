//! `env.config`: the settings the app reads (key, base URL, proxies, CA files, Claude Code's settings
//! file), where each comes from, and the ones no runtime can use as written.
//!
//! Natively only. It reads the inputs alone, before any probe: a proxy URL that does not parse, a CA file
//! that cannot be read or a variable that is not text breaks every runtime that reads it, whatever the
//! network does.

use super::{Check, PROXY_SNIPPETS, TRUST_SNIPPETS};
use crate::core::finding::{Fact, Finding, Layer, Outcome, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::native::{
    node_refuses_options, parse_proxy, redacted, Inputs, Origin, SettingsFile, Value, KEY_VARS,
    VARS,
};
use crate::core::observation::Observations;

const CODE: &str = "env.config";

/// The variables that hold a proxy URL: those of [`VARS`] from `HTTPS_PROXY` to `http_proxy`.
const PROXY_VARS: &[&str] = VARS.split_at(3).1.split_at(6).0;

pub static OK: Outcome = Outcome {
    id: "ok",
    status: Status::Pass,
    layer: Layer::Config,
    title: t!("The settings can be used", "设置可以使用"),
    detail: t!(
        "Every variable the SDKs, Claude Code and curl read is text, every proxy URL parses and every CA file named holds certificates. The settings found are listed; which runtime reads which is in the runtime table.",
        "SDK、Claude Code 和 curl 读取的每个变量都是文本，每个代理 URL 都能解析，指定的每个 CA 文件都包含证书。下面列出了找到的设置；哪个运行时读取哪些设置见运行时表。",
    ),
    fix: None,
    snippets: &[],
};

pub static NOT_UTF8: Outcome = Outcome {
    id: "not_utf8",
    status: Status::Fail,
    layer: Layer::Config,
    title: t!("A setting is not text", "有设置不是文本"),
    detail: t!(
        "A variable holds bytes that are not UTF-8 (often a stray character pasted from a document, or a file saved in another encoding). No runtime reads it as meant.",
        "某个变量包含非 UTF-8 字节（常见于从文档中粘贴的多余字符，或以其他编码保存的文件），没有任何运行时能按原意读取它。",
    ),
    fix: Some(t!(
        "Set the variable again by typing it, in plain ASCII: unset NAME; export NAME=value.",
        "手动重新输入并设置该变量，只用 ASCII 字符：unset NAME; export NAME=value。",
    )),
    snippets: &[],
};

pub static BAD_PROXY: Outcome = Outcome {
    id: "bad_proxy",
    status: Status::Fail,
    layer: Layer::Config,
    title: t!("A proxy URL cannot be used", "代理 URL 无法使用"),
    detail: t!(
        "A proxy variable holds a value that is not a proxy URL: whitespace inside it, a scheme other than http, https or socks, or no valid host or port. The runtimes that read it fail before they connect.",
        "某个代理变量的值不是有效的代理 URL：其中有空白字符、协议不是 http、https 或 socks，或者主机、端口无效。读取它的运行时会在连接之前就失败。",
    ),
    fix: Some(t!(
        "Write the proxy as http://host:port (http://user:password@host:port with credentials, the password percent-encoded), or unset the variable.",
        "把代理写成 http://host:port（需要身份验证时写成 http://user:password@host:port，密码需百分号编码），或取消设置该变量。",
    )),
    snippets: PROXY_SNIPPETS,
};

pub static CA_FILE_UNUSABLE: Outcome = Outcome {
    id: "ca_file_unusable",
    status: Status::Fail,
    layer: Layer::Config,
    title: t!("A CA file cannot be used", "CA 文件无法使用"),
    detail: t!(
        "A variable names a CA file that is missing, a folder, unreadable, empty, or not PEM certificates. The runtimes that read it trust nothing from it; for the Python SDK, SSL_CERT_FILE replaces the system store, so every TLS connection fails.",
        "某个变量指定的 CA 文件不存在、是文件夹、无法读取、为空，或不是 PEM 证书。读取它的运行时无法从中信任任何证书；对 Python SDK 而言，SSL_CERT_FILE 会替换系统证书库，因此所有 TLS 连接都会失败。",
    ),
    fix: Some(t!(
        "Point the variable at a readable PEM file holding the CA (openssl x509 -in ca.crt -inform der -out ca.pem converts DER), or unset it.",
        "让该变量指向包含该 CA 的可读 PEM 文件（openssl x509 -in ca.crt -inform der -out ca.pem 可以转换 DER），或取消设置。",
    )),
    snippets: TRUST_SNIPPETS,
};

pub static BOTH_KEYS: Outcome = Outcome {
    id: "both_keys",
    status: Status::Warn,
    layer: Layer::Config,
    title: t!(
        "ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN are both set",
        "同时设置了 ANTHROPIC_API_KEY 和 ANTHROPIC_AUTH_TOKEN",
    ),
    detail: t!(
        "The SDKs send both (x-api-key and Authorization: Bearer), and Claude Code warns about the conflict; a gateway or the API may then reject the request for the credential you did not mean to send.",
        "SDK 会同时发送两者（x-api-key 和 Authorization: Bearer），Claude Code 也会提示冲突；网关或 API 可能因为你无意发送的那个凭据而拒绝请求。",
    ),
    fix: Some(t!(
        "Keep one: unset ANTHROPIC_AUTH_TOKEN for an API key, or unset ANTHROPIC_API_KEY for a gateway or OAuth token.",
        "只保留一个：使用 API 密钥时取消设置 ANTHROPIC_AUTH_TOKEN；使用网关或 OAuth 令牌时取消设置 ANTHROPIC_API_KEY。",
    )),
    snippets: &[],
};

pub static NODE_OPTIONS_REFUSED: Outcome = Outcome {
    id: "node_options_refused",
    status: Status::Warn,
    layer: Layer::Config,
    title: t!(
        "NODE_OPTIONS holds a flag this Node refuses",
        "NODE_OPTIONS 中有此版本 Node 不接受的参数",
    ),
    detail: t!(
        "--use-system-ca and --use-env-proxy are Node 22 flags; Node 20 refuses them in NODE_OPTIONS (\"is not allowed in NODE_OPTIONS\") and every Node process, the Node SDK's app and Claude Code included, stops at start.",
        "--use-system-ca 和 --use-env-proxy 是 Node 22 的参数；Node 20 不接受 NODE_OPTIONS 中的它们（\"is not allowed in NODE_OPTIONS\"），每个 Node 进程（包括使用 Node SDK 的应用和 Claude Code）都会在启动时退出。",
    ),
    fix: Some(t!(
        "Remove the flag from NODE_OPTIONS on Node 20: trust a CA with NODE_EXTRA_CA_CERTS (or --use-openssl-ca), pass a proxy agent for a proxy; or upgrade to Node 22 or later.",
        "在 Node 20 上从 NODE_OPTIONS 中去掉该参数：用 NODE_EXTRA_CA_CERTS（或 --use-openssl-ca）信任 CA，用代理 agent 使用代理；或升级到 Node 22 及以上。",
    )),
    snippets: &[],
};

pub static PROXY_WITHOUT_SCHEME: Outcome = Outcome {
    id: "proxy_without_scheme",
    status: Status::Warn,
    layer: Layer::Config,
    title: t!("A proxy URL has no scheme", "代理 URL 没有协议头"),
    detail: t!(
        "Python and curl read host:port as http://host:port, but when Node reads the variable (NODE_USE_ENV_PROXY=1 on Node 22 and later) every Node process stops at start with ERR_INVALID_URL.",
        "Python 和 curl 会把 host:port 当作 http://host:port，但当 Node 读取该变量时（Node 22 及以上设置 NODE_USE_ENV_PROXY=1），每个 Node 进程都会在启动时以 ERR_INVALID_URL 退出。",
    ),
    fix: Some(t!(
        "Write the scheme: HTTPS_PROXY=http://host:port.",
        "写上协议头：HTTPS_PROXY=http://host:port。",
    )),
    snippets: &[],
};

pub static IGNORED_CA_VAR: Outcome = Outcome {
    id: "ignored_ca_var",
    status: Status::Warn,
    layer: Layer::Config,
    title: t!(
        "REQUESTS_CA_BUNDLE is set, and no runtime here reads it",
        "设置了 REQUESTS_CA_BUNDLE，但这里的运行时都不读取它",
    ),
    detail: t!(
        "Neither SDK, nor Claude Code, nor curl reads REQUESTS_CA_BUNDLE (only the requests library does), so the CA it names is not trusted by them.",
        "两个 SDK、Claude Code 和 curl 都不读取 REQUESTS_CA_BUNDLE（只有 requests 库会读取），因此它们不会信任其中指定的 CA。",
    ),
    fix: Some(t!(
        "Trust the CA the way each runtime reads trust: NODE_EXTRA_CA_CERTS for Node and Claude Code, the system store or the client's verify= for Python, as below.",
        "按各运行时读取信任的方式来信任该 CA：Node 和 Claude Code 使用 NODE_EXTRA_CA_CERTS，Python 使用系统证书库或客户端的 verify=，见下方示例。",
    )),
    snippets: TRUST_SNIPPETS,
};

pub static SETTINGS_UNUSABLE: Outcome = Outcome {
    id: "settings_unusable",
    status: Status::Warn,
    layer: Layer::Config,
    title: t!(
        "Claude Code's settings file cannot be read",
        "无法读取 Claude Code 的设置文件",
    ),
    detail: t!(
        "~/.claude/settings.json exists but is not a JSON object with an env object of strings, so the variables it sets for Claude Code were not read here.",
        "~/.claude/settings.json 存在，但不是带有字符串 env 对象的 JSON 对象，因此这里没有读取它为 Claude Code 设置的变量。",
    ),
    fix: Some(t!(
        "Fix the file (python3 -m json.tool ~/.claude/settings.json shows where it breaks).",
        "修复该文件（python3 -m json.tool ~/.claude/settings.json 可以显示出错位置）。",
    )),
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 15,
    applies: Applies::NativeOnly,
    layer: Layer::Config,
    title: t!("Settings the app reads", "应用读取的设置"),
    depends_on: &[],
    probes: &[],
    outcomes: &[
        (0, &OK),
        (1, &NOT_UTF8),
        (2, &BAD_PROXY),
        (3, &CA_FILE_UNUSABLE),
        (4, &BOTH_KEYS),
        (5, &PROXY_WITHOUT_SCHEME),
        (6, &IGNORED_CA_VAR),
        (7, &SETTINGS_UNUSABLE),
        (8, &NODE_OPTIONS_REFUSED),
    ],
    retired: &[],
    evaluate,
};

/// A setting as shown: `NAME=value`, a key as `set`, a proxy's password hidden, and where it came from.
pub fn shown(inputs: &Inputs) -> Vec<Fact> {
    inputs
        .vars
        .iter()
        .map(|v| {
            let value = match &v.value {
                Value::Secret => "set".to_string(),
                Value::NotUtf8(_) => "(not UTF-8)".to_string(),
                Value::Text(s) if PROXY_VARS.contains(&v.name.as_str()) => {
                    parse_proxy(s).map_or_else(|_| redacted(s), |p| p.shown)
                }
                Value::Text(s) => bounded(s),
            };
            let from = match v.origin {
                Origin::Env => "",
                Origin::ClaudeSettings => " [settings.json]",
                Origin::Flag => " [flag]",
            };
            Fact::Setting(format!("{}={value}{from}", v.name))
        })
        .collect()
}

/// At most 200 characters of a value, so that a hostile environment cannot flood the report.
fn bounded(s: &str) -> String {
    s.chars().take(200).collect()
}

fn evaluate(ctx: &Context, _: &Observations) -> Option<Finding> {
    if super::IN_PAGE {
        return None;
    }
    let inputs = &ctx.native;
    let settings = shown(inputs);
    let finding = |o| Some(Finding::new(CODE, o));
    let not_text: Vec<Fact> = inputs
        .vars
        .iter()
        .filter(|v| matches!(v.value, Value::NotUtf8(_)))
        .map(|v| Fact::Offending(v.name.clone()))
        .collect();
    if !not_text.is_empty() {
        return finding(&NOT_UTF8).map(|f| f.with_all(not_text));
    }
    let bad_proxies: Vec<Fact> = inputs
        .vars
        .iter()
        .filter(|v| PROXY_VARS.contains(&v.name.as_str()))
        .filter_map(|v| match &v.value {
            Value::Text(s) if !s.trim().is_empty() => parse_proxy(s)
                .err()
                .map(|_| Fact::Offending(format!("{}={}", v.name, redacted(s)))),
            _ => None,
        })
        .collect();
    if !bad_proxies.is_empty() {
        return finding(&BAD_PROXY).map(|f| f.with_all(bad_proxies));
    }
    let bad_files: Vec<Fact> = inputs
        .ca_files
        .iter()
        .filter(|f| !f.state.usable())
        .map(|f| Fact::CaFile {
            var: f.var.clone(),
            path: bounded(&f.path),
            state: f.state,
        })
        .collect();
    if !bad_files.is_empty() {
        return finding(&CA_FILE_UNUSABLE).map(|f| f.with_all(bad_files));
    }
    if node_refuses_options(inputs) {
        let options = inputs.text("NODE_OPTIONS").unwrap_or_default();
        return finding(&NODE_OPTIONS_REFUSED).map(|f| {
            f.with(Fact::Offending(format!(
                "NODE_OPTIONS={}",
                bounded(options)
            )))
            .with(Fact::Setting(format!(
                "node v{}",
                inputs.node_major.unwrap_or_default()
            )))
        });
    }
    if KEY_VARS.iter().all(|k| inputs.var(k).is_some()) {
        return finding(&BOTH_KEYS).map(|f| f.with_all(settings));
    }
    let schemeless: Vec<Fact> = inputs
        .vars
        .iter()
        .filter(|v| PROXY_VARS.contains(&v.name.as_str()))
        .filter_map(|v| match &v.value {
            Value::Text(s) => parse_proxy(s)
                .ok()
                .filter(|p| !p.had_scheme)
                .map(|p| Fact::Offending(format!("{}={}", v.name, p.shown))),
            _ => None,
        })
        .collect();
    if !schemeless.is_empty() {
        return finding(&PROXY_WITHOUT_SCHEME).map(|f| f.with_all(schemeless));
    }
    if inputs.text("REQUESTS_CA_BUNDLE").is_some() {
        return finding(&IGNORED_CA_VAR).map(|f| f.with_all(settings));
    }
    if let SettingsFile::Unusable(why) = &inputs.settings {
        return finding(&SETTINGS_UNUSABLE).map(|f| f.with(Fact::Offending(bounded(why))));
    }
    let mut facts = settings;
    facts.extend(inputs.ca_files.iter().map(|f| Fact::CaFile {
        var: f.var.clone(),
        path: bounded(&f.path),
        state: f.state,
    }));
    finding(&OK).map(|f| f.with_all(facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::input::Vantage;
    use crate::core::key::AuthMode;
    use crate::core::native::{CaFile, FileState, Var};

    fn var(name: &str, value: Value) -> Var {
        Var {
            name: name.into(),
            value,
            origin: Origin::Env,
        }
    }

    fn text(name: &str, value: &str) -> Var {
        var(name, Value::Text(value.into()))
    }

    fn ctx(vars: Vec<Var>, files: Vec<CaFile>, settings: SettingsFile) -> Context {
        let mut ctx = Context::new("https://api.anthropic.com", AuthMode::Bearer, None, false)
            .from_vantage(Vantage::Native);
        ctx.native = Inputs {
            vars,
            ca_files: files,
            settings,
            node_major: Some(20),
            ..Inputs::default()
        };
        ctx
    }

    fn file(state: FileState) -> CaFile {
        CaFile {
            var: "SSL_CERT_FILE".into(),
            path: "/etc/ca.pem".into(),
            state,
        }
    }

    #[test]
    fn outcomes_table() {
        let pem = FileState::Pem { certs: 2 };
        let rows: Vec<(Vec<Var>, Vec<CaFile>, SettingsFile, &str)> = vec![
            (vec![], vec![], SettingsFile::Absent, "ok"),
            (
                vec![
                    text("HTTPS_PROXY", "http://p:3128"),
                    text("SSL_CERT_FILE", "/etc/ca.pem"),
                ],
                vec![file(pem)],
                SettingsFile::Read,
                "ok",
            ),
            (
                vec![var(
                    "HTTPS_PROXY",
                    Value::NotUtf8("http://p:1/\u{fffd}".into()),
                )],
                vec![],
                SettingsFile::Absent,
                "not_utf8",
            ),
            (
                vec![text("HTTPS_PROXY", "http://proxy corp:1")],
                vec![],
                SettingsFile::Absent,
                "bad_proxy",
            ),
            (
                vec![text("ALL_PROXY", "ftp://p:1")],
                vec![],
                SettingsFile::Absent,
                "bad_proxy",
            ),
            (
                vec![text("http_proxy", "http://p:0")],
                vec![],
                SettingsFile::Absent,
                "bad_proxy",
            ),
            (
                vec![],
                vec![file(FileState::Missing)],
                SettingsFile::Absent,
                "ca_file_unusable",
            ),
            (
                vec![],
                vec![file(FileState::IsDir)],
                SettingsFile::Absent,
                "ca_file_unusable",
            ),
            (
                vec![],
                vec![file(FileState::Empty)],
                SettingsFile::Absent,
                "ca_file_unusable",
            ),
            (
                vec![],
                vec![file(FileState::NotPem)],
                SettingsFile::Absent,
                "ca_file_unusable",
            ),
            (
                vec![],
                vec![file(FileState::Unreadable)],
                SettingsFile::Absent,
                "ca_file_unusable",
            ),
            (
                vec![],
                vec![file(FileState::Pem { certs: 0 })],
                SettingsFile::Absent,
                "ca_file_unusable",
            ),
            (
                vec![
                    var("ANTHROPIC_API_KEY", Value::Secret),
                    var("ANTHROPIC_AUTH_TOKEN", Value::Secret),
                ],
                vec![],
                SettingsFile::Absent,
                "both_keys",
            ),
            (
                vec![text("HTTPS_PROXY", "p.corp:8080")],
                vec![],
                SettingsFile::Absent,
                "proxy_without_scheme",
            ),
            (
                vec![text("REQUESTS_CA_BUNDLE", "/etc/ca.pem")],
                vec![],
                SettingsFile::Absent,
                "ignored_ca_var",
            ),
            (
                vec![],
                vec![],
                SettingsFile::Unusable("not JSON".into()),
                "settings_unusable",
            ),
            (
                vec![text("NODE_OPTIONS", "--use-system-ca")],
                vec![],
                SettingsFile::Absent,
                "node_options_refused",
            ),
            (
                vec![text("NODE_OPTIONS", "--use-openssl-ca")],
                vec![],
                SettingsFile::Absent,
                "ok",
            ),
        ];
        let mut produced = Vec::new();
        for (vars, files, settings, want) in rows {
            let c = ctx(vars.clone(), files, settings);
            let f = evaluate(&c, &Observations::new()).unwrap();
            assert_eq!(f.outcome.id, want, "{vars:?}");
            produced.push(want);
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }

    #[test]
    fn the_proxy_variables_are_the_six_proxy_urls() {
        assert_eq!(
            PROXY_VARS,
            [
                "HTTPS_PROXY",
                "https_proxy",
                "ALL_PROXY",
                "all_proxy",
                "HTTP_PROXY",
                "http_proxy"
            ]
        );
    }

    #[test]
    fn a_proxy_password_and_a_key_are_never_shown() {
        let c = ctx(
            vec![
                text("HTTPS_PROXY", "http://me:hunter2@p:3128"),
                var("ANTHROPIC_API_KEY", Value::Secret),
            ],
            vec![],
            SettingsFile::Absent,
        );
        let f = evaluate(&c, &Observations::new()).unwrap();
        let all = format!("{:?}", f.facts);
        assert!(!all.contains("hunter2"), "{all}");
        assert!(all.contains("HTTPS_PROXY=http://me:***@p:3128"), "{all}");
        assert!(all.contains("ANTHROPIC_API_KEY=set"), "{all}");
        // A proxy URL that does not parse keeps no password either.
        let bad = ctx(
            vec![text("HTTPS_PROXY", "http://me:pw9@p :1")],
            vec![],
            SettingsFile::Absent,
        );
        let f = evaluate(&bad, &Observations::new()).unwrap();
        assert_eq!(f.outcome.id, "bad_proxy");
        assert_eq!(
            f.facts,
            [Fact::Offending("HTTPS_PROXY=http://***@p :1".into())]
        );
    }

    #[test]
    fn claude_settings_are_marked() {
        let mut v = text("HTTPS_PROXY", "http://p:1");
        v.origin = Origin::ClaudeSettings;
        let c = ctx(vec![v], vec![], SettingsFile::Read);
        let f = evaluate(&c, &Observations::new()).unwrap();
        assert!(f.facts.contains(&Fact::Setting(
            "HTTPS_PROXY=http://p:1 [settings.json]".into()
        )));
    }
}
