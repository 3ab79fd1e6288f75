//! The command line's own words in Chinese: `--help` (the English is in `main.rs`'s argument docs) and the
//! one-line messages for bad usage. The report's words are the core's.

use api_doctor::core::i18n::{t, Lang, Text};
use clap::{Arg, ArgAction, Command};

/// The program's and the subcommand's descriptions, and the key's note under the help.
const ABOUT: Text = t(
    "Can this program, on this network, with this key, use the Claude API? Which layer breaks, and what fixes it.",
    "这个程序、这个网络、这个密钥，能否使用 Claude API？哪一层出了问题，又该如何修复。",
);
const CHECK_ABOUT: Text = t(
    "Check the API from here: settings, DNS, every address and proxy, TLS and trust, key, service, speed",
    "从这里检测 API：设置、DNS、每个地址和代理、TLS 与信任、密钥、服务、速度",
);
const MONITOR_ABOUT: Text = t(
    "Run the checks on a schedule and serve the results to Prometheus (/metrics) and as /health",
    "按计划运行检测，并把结果提供给 Prometheus（/metrics）和 /health",
);
const MONITOR_NOTE: Text = t(
    "Keys are read from ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) or the variable --key-env (or a target's key_env) names; never from the command line or the file. The endpoints carry no secret.",
    "密钥从 ANTHROPIC_API_KEY（或 ANTHROPIC_AUTH_TOKEN）或 --key-env（或目标的 key_env）指定的变量读取；绝不从命令行或配置文件读取。这些端点不含任何机密。",
);
const KEY_NOTE: Text = t(
    "The key is read from ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), --key-env NAME or --key-stdin; never from the command line.",
    "密钥从 ANTHROPIC_API_KEY（或 ANTHROPIC_AUTH_TOKEN）、--key-env NAME 或 --key-stdin 读取；绝不从命令行参数读取。",
);

/// Each argument only `check` takes, by its id, and its help in Chinese.
pub const ARGS_ZH: &[(&str, &str)] = &[
    (
        "base_url",
        "基础 URL［默认：--base，否则 ANTHROPIC_BASE_URL，否则 https://api.anthropic.com］",
    ),
    ("base", "基础 URL（同位置参数）"),
    (
        "auth",
        "密钥的发送方式：bearer（Authorization: Bearer，当前 SDK 的方式）或 key（x-api-key）",
    ),
    ("key_env", "从这个环境变量读取密钥"),
    ("key_stdin", "从标准输入的第一行读取密钥"),
    (
        "message",
        "另外发送一条 max_tokens 为 1 的流式消息（消耗少量 token）",
    ),
    ("watch", "在这么多秒内重复探测，失败后退避，并显示时间线"),
    ("lang", "报告的语言：en 或 zh［默认：来自 LANG］"),
    ("json", "以 JSON 输出报告（页面的格式，外加原生部分）"),
    ("markdown", "以 Markdown 输出报告，便于贴到工单"),
    (
        "link",
        "另外输出可在页面中只读打开的报告链接：PAGE_URL#report=…（绝不含密钥）",
    ),
    (
        "no_color",
        "不使用颜色（设置 NO_COLOR 或标准输出不是终端时也不使用）",
    ),
];

/// Each argument `check` and `monitor` share (`ProbeArgs`), by its id, and its help in Chinese.
pub const PROBE_ARGS_ZH: &[(&str, &str)] = &[
    ("idle", "使用一个保持活动的连接，让它空闲这么多秒，再次使用"),
    ("upload", "另外向免费端点发送几兆字节：大提示词能否通过？"),
    ("model", "要查询的模型（使用 --message 时也会向它发送消息）"),
    ("proxy", "按 HTTPS_PROXY 为此 URL 的情况检测"),
    ("no_proxy", "按 NO_PROXY 为此列表的情况检测"),
    (
        "cacert",
        "只有本工具自己的请求信任的 CA 文件（同 curl 的 --cacert）；运行时不会读取它",
    ),
    (
        "resolve",
        "将 HOST:PORT 连接到这些地址而不解析，同 curl 的 --resolve",
    ),
    (
        "checks",
        "只检测这些检测项代码或层（逗号分隔；其依赖也会运行）",
    ),
    ("samples", "延迟系列中的热往返次数"),
    ("timeout_ms", "为每个探测设置更短的超时（毫秒）"),
    ("deadline", "一次检测最长可用的秒数"),
    ("status_url", "状态页摘要 JSON 的地址"),
    (
        "doh_url",
        "公共 DNS-over-HTTPS 解析器的 JSON 端点（给两次即两个）",
    ),
];

/// Each argument only `monitor` takes, by its id, and its help in Chinese.
pub const MONITOR_ARGS_ZH: &[(&str, &str)] = &[
    ("bases", "要监测的基础 URL［默认：--config 文件中的目标，否则 ANTHROPIC_BASE_URL，否则 https://api.anthropic.com］"),
    ("config", "从 TOML 文件读取目标（以及间隔、监听地址）；见 deploy/monitor.toml"),
    ("interval", "健康目标两次检测之间的秒数；失败后会更快地再次检测［默认：60］"),
    ("listen", "提供 /metrics 和 /health 的地址［默认：127.0.0.1:9464，仅本机］"),
    ("auth", "密钥的发送方式（命令行给出的目标）：bearer 或 key"),
    ("key_env", "从这个环境变量读取密钥（命令行给出的目标）"),
    ("message", "另外发送一条 max_tokens 为 1 的流式消息，最多每 15 分钟一次（消耗少量 token）"),
    ("lang", "监测器自身输出的语言：en 或 zh［默认：来自 LANG］"),
];

/// The command line in `lang`: for Chinese, every description and heading of `--help` in Chinese.
pub fn localized(cmd: Command, lang: Lang) -> Command {
    let cmd = cmd
        .about(ABOUT.get(lang))
        .after_help(KEY_NOTE.get(lang))
        .mut_subcommand("monitor", |m| m.after_help(MONITOR_NOTE.get(lang)));
    if lang == Lang::En {
        return cmd;
    }
    let template = "{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";
    cmd.help_template(template)
        .mut_subcommand("check", |mut check| {
            check = check
                .about(CHECK_ABOUT.get(lang))
                .after_help(KEY_NOTE.get(lang))
                .help_template(template);
            for (id, zh) in ARGS_ZH.iter().chain(PROBE_ARGS_ZH) {
                let heading = if *id == "base_url" {
                    "参数"
                } else {
                    "选项"
                };
                check = check.mut_arg(*id, |a| a.help(*zh).help_heading(heading));
            }
            // The Chinese help names the values itself; clap's list would be headed in English.
            for id in ["auth", "lang"] {
                check = check.mut_arg(id, |a| a.hide_possible_values(true));
            }
            check
                .disable_help_flag(true)
                .arg(help_flag().help_heading("选项"))
        })
        .mut_subcommand("monitor", |mut monitor| {
            monitor = monitor
                .about(MONITOR_ABOUT.get(lang))
                .after_help(MONITOR_NOTE.get(lang))
                .help_template(template);
            for (id, zh) in MONITOR_ARGS_ZH.iter().chain(PROBE_ARGS_ZH) {
                let heading = if *id == "bases" { "参数" } else { "选项" };
                monitor = monitor.mut_arg(*id, |a| a.help(*zh).help_heading(heading));
            }
            for id in ["auth", "lang"] {
                monitor = monitor.mut_arg(id, |a| a.hide_possible_values(true));
            }
            monitor
                .disable_help_flag(true)
                .arg(help_flag().help_heading("选项"))
        })
        .subcommand_help_heading("命令")
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .next_help_heading("选项")
        .arg(help_flag())
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本"),
        )
}

/// `-h`, `--help` in Chinese.
fn help_flag() -> Arg {
    Arg::new("help")
        .short('h')
        .long("help")
        .action(ArgAction::Help)
        .help("显示帮助")
}

/// A one-line message of the command line's own (bad usage, or a run that could not start or finish).
pub enum Usage<'a> {
    Link(&'a str),
    UnknownChecks(&'a str),
    Input(&'a crate::inputs::InputError),
    /// The async runtime could not be made (the operating system refused threads).
    CannotStart(&'a str),
    /// The run ended with a check undecided: a bug of the doctor, said rather than hidden.
    Unfinished,
    /// The monitor's config, as `ConfigError` says.
    Config(&'a crate::monitor::ConfigError),
    /// `--interval` out of 1 to 86400 seconds.
    Interval(u64),
    /// `--listen` that is not `ADDRESS:PORT`.
    Listen(&'a str),
    /// The monitor's address could not be bound, and the system's reason.
    CannotListen(&'a str, &'a str),
    /// A target asks for the message and has no key.
    MessageWithoutKey(&'a str),
}

impl Usage<'_> {
    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        use crate::inputs::InputError::*;
        let zh = lang == Lang::Zh;
        match self {
            Usage::Link(page) if zh => {
                format!("--link {page:?}：需要 http(s) 地址，不含空格、引号或 #")
            }
            Usage::Link(page) => {
                format!("--link {page:?}: expected an http(s) address without spaces, quotes or #")
            }
            Usage::UnknownChecks(list) if zh => format!("--checks：未知的检测项 {list}"),
            Usage::UnknownChecks(list) => format!("--checks: unknown {list}"),
            Usage::Input(e) if zh => match e {
                Resolve(s) => format!(
                    "--resolve {s:?}：应为 HOST:PORT:ADDR[,ADDR...]（IPv6 地址放在方括号中）"
                ),
                KeyEnvMissing(name) => format!("--key-env {name}：该变量没有设置"),
                KeyNotText => "密钥不是 UTF-8 文本".to_string(),
                KeyStdin(why) => format!("--key-stdin：{why}"),
            },
            Usage::Input(e) => e.to_string(),
            Usage::CannotStart(why) if zh => format!("无法启动：{why}"),
            Usage::CannotStart(why) => format!("cannot start: {why}"),
            Usage::Unfinished if zh => "检测没有完成".to_string(),
            Usage::Unfinished => "the run did not finish".to_string(),
            Usage::Config(e) if zh => e.zh(),
            Usage::Config(e) => e.to_string(),
            Usage::Interval(n) if zh => format!("--interval {n}：应在 1 到 86400 秒之间"),
            Usage::Interval(n) => format!("--interval {n}: expected 1 to 86400 seconds"),
            Usage::Listen(t) if zh => {
                format!("--listen {t:?}：应为 地址:端口，例如 127.0.0.1:9464")
            }
            Usage::Listen(t) => {
                format!("--listen {t:?}: expected ADDRESS:PORT, such as 127.0.0.1:9464")
            }
            Usage::CannotListen(addr, why) if zh => format!("无法在 {addr} 上监听：{why}"),
            Usage::CannotListen(addr, why) => format!("cannot listen on {addr}: {why}"),
            Usage::MessageWithoutKey(label) if zh => {
                format!("{label}：message 需要密钥，但没有读到")
            }
            Usage::MessageWithoutKey(label) => {
                format!("{label}: message needs a key, and none was read")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every argument of `sub` has its Chinese help in `table` or the shared one, and the localized help
    /// renders with `words` and without `english`.
    fn localized_whole(sub: &str, table: &[(&str, &str)], words: &[&str], english: &str) {
        let cmd = crate::Cli::command();
        let found = cmd.find_subcommand(sub).expect("subcommand");
        let ids: Vec<&str> = found
            .get_arguments()
            .map(|a| a.get_id().as_str())
            .filter(|id| *id != "help")
            .collect();
        let known = || table.iter().chain(PROBE_ARGS_ZH);
        for id in &ids {
            assert!(
                known().any(|(z, _)| z == id),
                "no Chinese help for {sub} --{id}"
            );
        }
        for (id, _) in known() {
            assert!(ids.contains(id), "{id} is not an argument of {sub}");
        }
        let mut zh = localized(crate::Cli::command(), Lang::Zh);
        let help = zh
            .find_subcommand_mut(sub)
            .expect("subcommand")
            .render_help()
            .to_string();
        for w in words {
            assert!(help.contains(w), "{w} missing from:\n{help}");
        }
        assert!(!help.contains(english), "English left in:\n{help}");
    }

    #[test]
    fn every_argument_has_its_chinese_help() {
        localized_whole(
            "check",
            ARGS_ZH,
            &[
                "用法",
                "选项",
                "基础 URL",
                "密钥从 ANTHROPIC_API_KEY",
                "一次检测最长可用的秒数",
            ],
            "The base URL",
        );
        localized_whole(
            "monitor",
            MONITOR_ARGS_ZH,
            &[
                "用法",
                "选项",
                "健康目标",
                "这些端点不含任何机密",
                "状态页摘要",
            ],
            "Seconds between",
        );
    }
}
