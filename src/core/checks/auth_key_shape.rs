//! `auth.key_shape`: the pasted key, judged locally by its public shape; nothing is sent.

use super::Check;
use crate::core::finding::{Fact, Finding, Layer, Outcome, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::key::{self, Flaw, KeyKind};
use crate::core::observation::Observations;

const CODE: &str = "auth.key_shape";

pub static NO_KEY: Outcome = Outcome {
    id: "no_key",
    status: Status::Info,
    layer: Layer::Auth,
    title: t!("No key given", "未提供密钥"),
    detail: t!(
        "Network and browser access were checked without one; paste a key to check it too.",
        "已在没有密钥的情况下检测了网络和浏览器访问；粘贴密钥即可一并检测。",
    ),
    fix: None,
    snippets: &[],
};

pub static API_KEY: Outcome = Outcome {
    id: "api_key",
    status: Status::Pass,
    layer: Layer::Auth,
    title: t!("Shaped like an API key", "格式符合 API 密钥"),
    detail: t!(
        "It has the API key prefix and length, and no stray characters.",
        "它具有 API 密钥的前缀和长度，且没有多余字符。",
    ),
    fix: None,
    snippets: &[],
};

pub static GATEWAY_TOKEN: Outcome = Outcome {
    id: "gateway_token",
    status: Status::Info,
    layer: Layer::Auth,
    title: t!("Not an Anthropic key shape: a gateway's own token?", "不是 Anthropic 密钥格式：可能是网关自己的令牌"),
    detail: t!(
        "Gateways issue tokens of their own shapes, so this is not judged here; the gateway's answer below decides.",
        "网关会签发自有格式的令牌，因此这里不作判断，以下方网关的响应为准。",
    ),
    fix: None,
    snippets: &[],
};

pub static OTHER_SHAPE: Outcome = Outcome {
    id: "other_shape",
    status: Status::Warn,
    layer: Layer::Auth,
    title: t!("Not shaped like an Anthropic API key", "格式不像 Anthropic API 密钥"),
    detail: t!(
        "API keys start with sk-ant-api03- and are 108 characters long. This may be another service's key.",
        "API 密钥以 sk-ant-api03- 开头，长度为 108 个字符。这可能是其他服务的密钥。",
    ),
    fix: Some(t!(
        "Create or copy an API key in the Claude Console, under API keys.",
        "在 Claude Console 的 API keys 页面创建或复制一个 API 密钥。",
    )),
    snippets: &[],
};

pub static TRUNCATED: Outcome = Outcome {
    id: "truncated",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("The API key is cut short or has extra characters", "API 密钥被截断或带有多余字符"),
    detail: t!(
        "It starts like an API key but does not have an API key's length or ending; a copy probably missed part of it.",
        "它的开头像 API 密钥，但长度或结尾不符合；复制时很可能漏掉了一部分。",
    ),
    fix: Some(t!(
        "Copy the key again in full; the Console shows a key only once, so create a new one if it is lost.",
        "重新完整复制密钥；Console 只会显示一次密钥，如果已丢失，请新建一个。",
    )),
    snippets: &[],
};

pub static WHITESPACE: Outcome = Outcome {
    id: "whitespace",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("The key contains spaces or line breaks", "密钥中含有空格或换行"),
    detail: t!(
        "Whitespace pasted with the key makes every request fail (in a browser the request cannot even be sent). It was not sent.",
        "随密钥一起粘贴的空白字符会导致所有请求失败（在浏览器中请求甚至无法发出）。因此未发送该密钥。",
    ),
    fix: Some(t!(
        "Remove the spaces and line breaks; in a .env file write ANTHROPIC_API_KEY=sk-ant-… with nothing around it.",
        "删除空格和换行；在 .env 文件中写成 ANTHROPIC_API_KEY=sk-ant-…，前后不要有其他字符。",
    )),
    snippets: &[],
};

pub static QUOTES: Outcome = Outcome {
    id: "quotes",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("The key is wrapped in quotes", "密钥被引号包裹"),
    detail: t!(
        "The quotes become part of the key and the API rejects it. It was not sent.",
        "引号会成为密钥的一部分，API 会拒绝它。因此未发送该密钥。",
    ),
    fix: Some(t!(
        "Remove the quotation marks around the key.",
        "去掉密钥两侧的引号。",
    )),
    snippets: &[],
};

pub static BEARER_PREFIX: Outcome = Outcome {
    id: "bearer_prefix",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("The key starts with \"Bearer \"", "密钥以 \"Bearer \" 开头"),
    detail: t!(
        "\"Bearer \" belongs to the Authorization header, not to the key; the SDKs add what is needed. It was not sent.",
        "\"Bearer \" 属于 Authorization 请求头，而不是密钥的一部分；SDK 会自动添加。因此未发送该密钥。",
    ),
    fix: Some(t!("Paste the key alone, without \"Bearer \".", "只粘贴密钥本身，不要带 \"Bearer \"。")),
    snippets: &[],
};

pub static NON_ASCII: Outcome = Outcome {
    id: "non_ascii",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("The key contains non-ASCII characters", "密钥中含有非 ASCII 字符"),
    detail: t!(
        "Look-alike letters or dashes (from a chat app, a PDF or a word processor) replaced some characters; HTTP headers cannot carry them. It was not sent.",
        "某些字符被外观相似的字母或破折号替换了（来自聊天软件、PDF 或文字处理软件）；HTTP 请求头无法携带这些字符。因此未发送该密钥。",
    ),
    fix: Some(t!("Copy the key from the Console again, straight into your configuration.", "从 Console 重新复制密钥，直接粘贴到你的配置中。")),
    snippets: &[],
};

pub static ADMIN_KEY: Outcome = Outcome {
    id: "admin_key",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("This is an Admin key", "这是一个 Admin 密钥"),
    detail: t!(
        "Admin keys (sk-ant-admin01-) manage an organization; the Messages and Models endpoints refuse them.",
        "Admin 密钥（sk-ant-admin01-）用于管理组织；Messages 和 Models 接口不接受它。",
    ),
    fix: Some(t!("Use an API key (sk-ant-api03-…) from the Console's API keys page.", "请使用 Console 中 API keys 页面上的 API 密钥（sk-ant-api03-…）。")),
    snippets: &[],
};

pub static OAUTH_TOKEN: Outcome = Outcome {
    id: "oauth_token",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("This is a Claude subscription token, not an API key", "这是 Claude 订阅令牌，而不是 API 密钥"),
    detail: t!(
        "sk-ant-oat01- tokens come from a Claude Pro or Max login (claude setup-token). The API answers them with \"OAuth authentication is currently not supported.\"",
        "sk-ant-oat01- 令牌来自 Claude Pro 或 Max 登录（claude setup-token）。API 对此会返回 \"OAuth authentication is currently not supported.\"",
    ),
    fix: Some(t!(
        "For the API, create an API key in the Claude Console; a subscription token works only with Claude Code.",
        "调用 API 请在 Claude Console 中创建 API 密钥；订阅令牌只能用于 Claude Code。",
    )),
    snippets: &[],
};

pub static COMPLIANCE_KEY: Outcome = Outcome {
    id: "compliance_key",
    status: Status::Warn,
    layer: Layer::Auth,
    title: t!(
        "This looks like a Compliance access key",
        "这看起来是 Compliance 访问密钥",
    ),
    detail: t!(
        "sk-ant-api01- keys are for the Compliance API, not for Messages.",
        "sk-ant-api01- 密钥用于 Compliance API，而不是 Messages。",
    ),
    fix: Some(t!(
        "Use an API key (sk-ant-api03-…) for Messages.",
        "调用 Messages 请使用 API 密钥（sk-ant-api03-…）。",
    )),
    snippets: &[],
};

/// Retired: earlier versions warned that an API key sent as `Authorization: Bearer` was a mistake. Today's
/// SDKs send API keys exactly so and the API takes them, so nothing gives this any more; it stays only so
/// that report links made then still open, and it now says what is true.
pub static WRONG_MODE: Outcome = Outcome {
    id: "wrong_mode",
    status: Status::Info,
    layer: Layer::Auth,
    title: t!("An API key sent as a Bearer token", "API 密钥作为 Bearer 令牌发送"),
    detail: t!(
        "A report from an older version of this page warned here that the key was sent as Authorization: Bearer. That is how today's SDKs send API keys, and the API accepts it: it is not a problem.",
        "这是旧版本页面生成的报告，它在此处警告密钥以 Authorization: Bearer 方式发送。如今的 SDK 正是这样发送 API 密钥的，API 也接受：这不是问题。",
    ),
    fix: None,
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 6,
    applies: Applies::Everywhere,
    layer: Layer::Auth,
    title: t!("Key format", "密钥格式"),
    depends_on: &[],
    probes: &[],
    outcomes: &[
        (0, &NO_KEY),
        (1, &API_KEY),
        (2, &GATEWAY_TOKEN),
        (3, &OTHER_SHAPE),
        (4, &TRUNCATED),
        (5, &WHITESPACE),
        (6, &QUOTES),
        (7, &BEARER_PREFIX),
        (8, &NON_ASCII),
        (9, &ADMIN_KEY),
        (10, &OAUTH_TOKEN),
        (11, &COMPLIANCE_KEY),
    ],
    retired: &[(12, &WRONG_MODE)],
    evaluate,
};

fn evaluate(ctx: &Context, _: &Observations) -> Option<Finding> {
    let Some(key) = &ctx.key else {
        return Some(Finding::new(CODE, &NO_KEY));
    };
    let text = key.expose();
    let kind = KeyKind::of(text.trim().trim_matches(['"', '\'']));
    let official = ctx.target.as_ref().map_or(true, |t| t.is_official());
    let outcome = match key::flaw(key) {
        Some(Flaw::BearerPrefix) => &BEARER_PREFIX,
        Some(Flaw::Quotes) => &QUOTES,
        Some(Flaw::Whitespace) => &WHITESPACE,
        Some(Flaw::NonAscii) => &NON_ASCII,
        Some(Flaw::Truncated) => &TRUNCATED,
        Some(Flaw::Admin) => &ADMIN_KEY,
        Some(Flaw::OAuth) => &OAUTH_TOKEN,
        None => match kind {
            KeyKind::Api => &API_KEY,
            KeyKind::Compliance => &COMPLIANCE_KEY,
            KeyKind::Other if official => &OTHER_SHAPE,
            KeyKind::Other => &GATEWAY_TOKEN,
            // `key::flaw` names these two first; the arms only keep the match whole.
            KeyKind::Admin => &ADMIN_KEY,
            KeyKind::OAuth => &OAUTH_TOKEN,
        },
    };
    Some(
        Finding::new(CODE, outcome)
            .with_all([Fact::KeyKind(kind.as_str()), Fact::KeyLength(key.len())]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::key::{ApiKey, AuthMode};

    fn good() -> String {
        format!("sk-ant-api03-{}AA", "a1_-".repeat(23) + "b")
    }

    fn outcome(base: &str, auth: AuthMode, key: &str) -> &'static str {
        let ctx = Context::new(base, auth, ApiKey::new(key.to_string()), true);
        evaluate(&ctx, &Default::default()).unwrap().outcome.id
    }

    #[test]
    fn outcomes_table() {
        let api = "https://api.anthropic.com";
        let gw = "https://gw.example.com";
        let k = good();
        let rows: Vec<(&str, AuthMode, String, &str)> = vec![
            (api, AuthMode::ApiKey, String::new(), "no_key"),
            (api, AuthMode::ApiKey, k.clone(), "api_key"),
            (gw, AuthMode::Bearer, k.clone(), "api_key"),
            // Today's SDKs send an API key as a Bearer token: not a mistake, to the API or a gateway.
            (api, AuthMode::Bearer, k.clone(), "api_key"),
            (gw, AuthMode::Bearer, "gw_live_123".into(), "gateway_token"),
            (api, AuthMode::ApiKey, "sk-proj-abc".into(), "other_shape"),
            (api, AuthMode::ApiKey, k[..100].to_string(), "truncated"),
            (api, AuthMode::ApiKey, format!("{k}\n"), "whitespace"),
            (api, AuthMode::ApiKey, format!(" {k}"), "whitespace"),
            (api, AuthMode::ApiKey, format!("\"{k}\""), "quotes"),
            (
                api,
                AuthMode::ApiKey,
                format!("\u{201c}{k}\u{201d}"),
                "quotes",
            ),
            (
                api,
                AuthMode::ApiKey,
                format!("Bearer {k}"),
                "bearer_prefix",
            ),
            (
                api,
                AuthMode::ApiKey,
                k.replacen('-', "\u{2010}", 1),
                "non_ascii",
            ),
            (
                api,
                AuthMode::ApiKey,
                format!("sk-ant-admin01-{}", "z".repeat(95)),
                "admin_key",
            ),
            (
                api,
                AuthMode::Bearer,
                format!("sk-ant-oat01-{}", "z".repeat(95)),
                "oauth_token",
            ),
            (
                api,
                AuthMode::ApiKey,
                format!("sk-ant-api01-{}", "z".repeat(95)),
                "compliance_key",
            ),
        ];
        let mut produced = Vec::new();
        for (base, auth, key, want) in rows {
            produced.push(want);
            assert_eq!(outcome(base, auth, &key), want, "{key:?} {auth:?} {base}");
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }

    #[test]
    fn facts_carry_kind_and_length_never_the_key() {
        let k = good();
        let ctx = Context::new(
            "https://api.anthropic.com",
            AuthMode::ApiKey,
            ApiKey::new(k.clone()),
            true,
        );
        let f = evaluate(&ctx, &Default::default()).unwrap();
        assert_eq!(f.facts, [Fact::KeyKind("api-key"), Fact::KeyLength(108)]);
        assert!(!format!("{f:?}").contains(&k[13..40]));
    }
}
