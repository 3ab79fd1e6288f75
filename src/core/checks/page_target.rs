//! `page.target`: the base URL parses, and is written the way the SDKs expect.

use super::Check;
use crate::core::finding::{Fact, Finding, Layer, Outcome, Snippet, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::Observations;
use crate::core::target::TargetError;

const CODE: &str = "page.target";

pub static OK: Outcome = Outcome {
    id: "ok",
    status: Status::Pass,
    layer: Layer::Page,
    title: t!("The base URL is well formed", "基础 URL 格式正确"),
    detail: t!(
        "It parses, and the SDKs will append /v1/… to it as expected.",
        "它可以被正确解析，SDK 会按预期在其后追加 /v1/…。",
    ),
    fix: None,
    snippets: &[],
};

pub static TRAILING_V1: Outcome = Outcome {
    id: "trailing_v1",
    status: Status::Warn,
    layer: Layer::Page,
    title: t!("The base URL ends in /v1", "基础 URL 以 /v1 结尾"),
    detail: t!(
        "The SDKs and Claude Code append /v1 themselves, so this base makes them call /v1/v1/… and get 404. The checks below used the base without /v1.",
        "SDK 和 Claude Code 会自行追加 /v1，因此这个地址会让它们请求 /v1/v1/… 并得到 404。下面的检测使用的是去掉 /v1 的地址。",
    ),
    fix: Some(t!("Remove the trailing /v1 from base_url / ANTHROPIC_BASE_URL.", "从 base_url / ANTHROPIC_BASE_URL 中去掉末尾的 /v1。")),
    snippets: &[
        Snippet { tool: "Python", code: "client = anthropic.Anthropic(base_url=\"https://api.anthropic.com\")  # no /v1" },
        Snippet { tool: "TypeScript", code: "const client = new Anthropic({ baseURL: \"https://api.anthropic.com\" }); // no /v1" },
        Snippet { tool: "Claude Code", code: "export ANTHROPIC_BASE_URL=https://api.anthropic.com   # no /v1" },
    ],
};

pub static UNEXPECTED_PATH: Outcome = Outcome {
    id: "unexpected_path",
    status: Status::Warn,
    layer: Layer::Page,
    title: t!(
        "api.anthropic.com with a path",
        "api.anthropic.com 后带有路径",
    ),
    detail: t!(
        "The real API takes no path before /v1; requests to this base will get 404.",
        "真实 API 在 /v1 之前不需要任何路径；使用这个地址的请求会得到 404。",
    ),
    fix: Some(t!(
        "Use https://api.anthropic.com with nothing after it.",
        "使用 https://api.anthropic.com，后面不要附加任何内容。",
    )),
    snippets: &[],
};

pub static PLAIN_HTTP: Outcome = Outcome {
    id: "plain_http",
    status: Status::Warn,
    layer: Layer::Page,
    title: t!("The base URL uses plain http", "基础 URL 使用了不加密的 http"),
    detail: t!(
        "Over http the key and every prompt cross the network unencrypted, readable by anyone on the path.",
        "通过 http，密钥和所有提示词都以明文在网络上传输，路径上的任何人都能读取。",
    ),
    fix: Some(t!("Use https:// for any host that is not this machine.", "对于非本机的主机，请使用 https://。")),
    snippets: &[],
};

pub static TRIMMED: Outcome = Outcome {
    id: "trimmed",
    status: Status::Warn,
    layer: Layer::Page,
    title: t!("Spaces around the base URL", "基础 URL 前后有空白字符"),
    detail: t!(
        "The checks removed them, but an SDK or environment variable may keep them and fail.",
        "检测时已去掉它们，但 SDK 或环境变量可能会保留并因此出错。",
    ),
    fix: Some(t!(
        "Remove the spaces or line breaks around the URL in your configuration.",
        "删除配置中 URL 前后的空格或换行。",
    )),
    snippets: &[],
};

pub static EMPTY: Outcome = Outcome {
    id: "empty",
    status: Status::Fail,
    layer: Layer::Page,
    title: t!("No base URL given", "未填写基础 URL"),
    detail: t!("There is nothing to check.", "没有可检测的目标。"),
    fix: Some(t!(
        "Enter https://api.anthropic.com, or your gateway's base URL.",
        "填写 https://api.anthropic.com，或你的网关的基础 URL。",
    )),
    snippets: &[],
};

pub static NO_SCHEME: Outcome = Outcome {
    id: "no_scheme",
    status: Status::Fail,
    layer: Layer::Page,
    title: t!("The base URL has no https://", "基础 URL 缺少 https://"),
    detail: t!(
        "Without a scheme, neither the SDKs nor a browser can use it.",
        "没有协议部分，SDK 和浏览器都无法使用它。",
    ),
    fix: Some(t!(
        "Write it in full, starting with https://.",
        "请写出完整地址，以 https:// 开头。",
    )),
    snippets: &[],
};

pub static BAD_SCHEME: Outcome = Outcome {
    id: "bad_scheme",
    status: Status::Fail,
    layer: Layer::Page,
    title: t!(
        "The base URL is not http or https",
        "基础 URL 的协议不是 http 或 https",
    ),
    detail: t!(
        "The API and gateways speak HTTPS only.",
        "API 和网关只支持 HTTPS。",
    ),
    fix: Some(t!(
        "Start the base URL with https://.",
        "基础 URL 应以 https:// 开头。",
    )),
    snippets: &[],
};

pub static INNER_SPACE: Outcome = Outcome {
    id: "inner_space",
    status: Status::Fail,
    layer: Layer::Page,
    title: t!("The base URL contains spaces", "基础 URL 中含有空白字符"),
    detail: t!(
        "A URL cannot contain spaces or line breaks; it was probably pasted with extra text.",
        "URL 中不能有空格或换行，可能是粘贴时带入了多余的文字。",
    ),
    fix: Some(t!(
        "Paste the URL alone, with no spaces.",
        "只粘贴 URL 本身，不要包含空格。",
    )),
    snippets: &[],
};

pub static CREDENTIALS: Outcome = Outcome {
    id: "credentials",
    status: Status::Fail,
    layer: Layer::Page,
    title: t!("The base URL contains a user name or password", "基础 URL 中含有用户名或密码"),
    detail: t!(
        "Credentials in a URL leak into logs and histories, and browsers refuse to send them with fetch.",
        "写在 URL 里的凭据会泄露到日志和历史记录中，且浏览器的 fetch 会拒绝发送。",
    ),
    fix: Some(t!("Remove user:password@ and pass the credential as the key instead.", "删除 user:password@，改为通过密钥字段提供凭据。")),
    snippets: &[],
};

pub static BAD_HOST: Outcome = Outcome {
    id: "bad_host",
    status: Status::Fail,
    layer: Layer::Page,
    title: t!("The host name is not valid", "主机名无效"),
    detail: t!(
        "It has characters a host name cannot have (non-ASCII look-alikes count), or it is empty.",
        "它含有主机名不允许的字符（包括看起来相似的非 ASCII 字符），或者为空。",
    ),
    fix: Some(t!("Retype the host name, e.g. api.anthropic.com; use the punycode form for international names.", "重新输入主机名，例如 api.anthropic.com；国际化域名请使用 punycode 形式。")),
    snippets: &[],
};

pub static BAD_PORT: Outcome = Outcome {
    id: "bad_port",
    status: Status::Fail,
    layer: Layer::Page,
    title: t!("The port is not valid", "端口无效"),
    detail: t!(
        "A port is a number from 1 to 65535.",
        "端口必须是 1 到 65535 之间的数字。",
    ),
    fix: Some(t!(
        "Correct the number after the colon, or remove it for the default port.",
        "更正冒号后的数字，或将其删除以使用默认端口。",
    )),
    snippets: &[],
};

pub static QUERY_OR_FRAGMENT: Outcome = Outcome {
    id: "query_or_fragment",
    status: Status::Warn,
    layer: Layer::Page,
    title: t!("The base URL has a ? or #", "基础 URL 中含有 ? 或 #"),
    detail: t!(
        "The SDKs append /v1/… to the base, so a query or fragment ends up in the wrong place on every request. The checks below used the base without it (shown below).",
        "SDK 会在基础 URL 后追加 /v1/…，因此查询串或片段会出现在每个请求的错误位置。下面的检测使用的是去掉它之后的地址（见下方）。",
    ),
    fix: Some(t!(
        "Set base_url / ANTHROPIC_BASE_URL to the base URL used below, without the ? or # and what follows.",
        "将 base_url / ANTHROPIC_BASE_URL 设为下方所列的地址，去掉 ? 或 # 及其后的内容。",
    )),
    snippets: &[],
};

pub static ENDPOINT: Outcome = Outcome {
    id: "endpoint",
    status: Status::Warn,
    layer: Layer::Page,
    title: t!("The base URL is an endpoint, not a base", "基础 URL 填成了接口地址"),
    detail: t!(
        "It ends in an API endpoint (below), as copied from a request or another tool's docs. The SDKs and Claude Code append /v1/… to the base themselves, so they would call that endpoint with /v1/… added again and get 404. The checks below used the base without it.",
        "它以一个 API 接口路径结尾（见下方），像是从某个请求或其他工具的文档中复制来的。SDK 和 Claude Code 会自行在基础 URL 后追加 /v1/…，因此会在该接口后再拼上 /v1/… 并得到 404。下面的检测使用的是去掉它之后的地址。",
    ),
    fix: Some(t!(
        "Set base_url / ANTHROPIC_BASE_URL to the base URL used below: the part before /v1.",
        "将 base_url / ANTHROPIC_BASE_URL 设为下方所列的地址，即 /v1 之前的部分。",
    )),
    snippets: &[
        Snippet { tool: "Python", code: "client = anthropic.Anthropic(base_url=\"https://api.anthropic.com\")  # not …/v1/messages" },
        Snippet { tool: "Claude Code", code: "export ANTHROPIC_BASE_URL=https://api.anthropic.com   # not …/v1/messages" },
    ],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 0,
    applies: Applies::Everywhere,
    layer: Layer::Page,
    title: t!("Base URL", "基础 URL"),
    depends_on: &[],
    probes: &[],
    outcomes: &[
        (0, &OK),
        (1, &TRAILING_V1),
        (2, &UNEXPECTED_PATH),
        (3, &PLAIN_HTTP),
        (4, &TRIMMED),
        (5, &EMPTY),
        (6, &NO_SCHEME),
        (7, &BAD_SCHEME),
        (8, &INNER_SPACE),
        (9, &CREDENTIALS),
        (10, &BAD_HOST),
        (11, &BAD_PORT),
        (12, &QUERY_OR_FRAGMENT),
        (13, &ENDPOINT),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(ctx: &Context, _: &Observations) -> Option<Finding> {
    let target = match &ctx.target {
        Ok(target) => target,
        Err(error) => {
            let (outcome, offending) = match error {
                TargetError::Empty => (&EMPTY, None),
                TargetError::NoScheme(s) => (&NO_SCHEME, Some(s)),
                TargetError::BadScheme(s) => (&BAD_SCHEME, Some(s)),
                TargetError::InnerSpace => (&INNER_SPACE, None),
                TargetError::Credentials => (&CREDENTIALS, None),
                TargetError::BadHost(h) => (&BAD_HOST, Some(h)),
                TargetError::BadPort(p) => (&BAD_PORT, Some(p)),
            };
            let finding = Finding::new(CODE, outcome);
            return Some(match offending {
                Some(text) => finding.with(Fact::Offending(text.clone())),
                None => finding,
            });
        }
    };
    // One finding per check, so the most consequential warning wins; the others are rarer together.
    let pasted = target
        .endpoint
        .map(str::to_string)
        .into_iter()
        .chain(target.query.clone());
    let outcome = if target.endpoint.is_some() {
        &ENDPOINT
    } else if target.query.is_some() {
        &QUERY_OR_FRAGMENT
    } else if target.had_v1 {
        &TRAILING_V1
    } else if target.is_official() && !target.path.is_empty() {
        &UNEXPECTED_PATH
    } else if target.scheme.as_str() == "http" && !target.is_loopback() {
        &PLAIN_HTTP
    } else if target.trimmed {
        &TRIMMED
    } else {
        &OK
    };
    Some(
        Finding::new(CODE, outcome)
            .with_all(pasted.map(Fact::Offending))
            .with_all([
                Fact::Host(target.host.clone()),
                Fact::BaseUsed(target.base()),
            ]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::key::AuthMode;

    fn outcome_of(base: &str) -> &'static str {
        let ctx = Context::new(base, AuthMode::ApiKey, None, true);
        evaluate(&ctx, &Default::default()).unwrap().outcome.id
    }

    #[test]
    fn outcomes_table() {
        let rows = [
            ("https://api.anthropic.com", "ok"),
            ("http://127.0.0.1:8787/s/healthy", "ok"),
            ("https://gw.example.com/anthropic", "ok"),
            ("https://api.anthropic.com/v1", "trailing_v1"),
            ("https://gw.example.com/anthropic/v1/", "trailing_v1"),
            ("https://api.anthropic.com/anthropic", "unexpected_path"),
            ("http://gw.example.com", "plain_http"),
            (" https://api.anthropic.com\n", "trimmed"),
            ("", "empty"),
            ("api.anthropic.com", "no_scheme"),
            ("wss://api.anthropic.com", "bad_scheme"),
            ("https://api.anthropic .com", "inner_space"),
            ("https://me:pw@api.anthropic.com", "credentials"),
            ("https://api.anthropic.com:99999", "bad_port"),
            ("https://\u{0430}pi.anthropic.com", "bad_host"),
            ("https://api.anthropic.com/?beta=1", "query_or_fragment"),
            ("https://api.anthropic.com/v1/messages", "endpoint"),
            ("https://gw.example.com/v1/chat/completions", "endpoint"),
            ("https://gw.example.com/x/v1/models?limit=1", "endpoint"),
        ];
        let mut produced = Vec::new();
        for (base, want) in rows {
            produced.push(want);
            assert_eq!(outcome_of(base), want, "{base:?}");
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }

    #[test]
    fn facts_name_the_base_used_and_the_offending_part() {
        let ctx = Context::new("https://gw.example.com/x/v1", AuthMode::ApiKey, None, true);
        let f = evaluate(&ctx, &Default::default()).unwrap();
        assert!(f
            .facts
            .contains(&Fact::BaseUsed("https://gw.example.com/x".into())));
        let ctx = Context::new(
            "https://gw.example.com/x/v1/messages?beta=true",
            AuthMode::ApiKey,
            None,
            true,
        );
        let f = evaluate(&ctx, &Default::default()).unwrap();
        assert_eq!(f.outcome.id, "endpoint");
        for fact in [
            Fact::Offending("/v1/messages".into()),
            Fact::Offending("?beta=true".into()),
            Fact::BaseUsed("https://gw.example.com/x".into()),
        ] {
            assert!(f.facts.contains(&fact), "{fact:?} in {:?}", f.facts);
        }
        let ctx = Context::new("ftp://x", AuthMode::ApiKey, None, true);
        let f = evaluate(&ctx, &Default::default()).unwrap();
        assert_eq!(f.facts, [Fact::Offending("ftp".into())]);
    }
}
