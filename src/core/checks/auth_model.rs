//! `auth.model`: can this key see the model the app uses? `GET /v1/models/{model}` with the key.
//!
//! The call is free and needs no model access beyond listing, so it tells a mistyped, retired or
//! unavailable model id from a working one before any tokens are spent. It is sent only when the config
//! link or the form names a model; a name that could not be a model id is caught here, locally.

use super::{Check, NOT_RUN_DETAIL, NOT_RUN_TITLE};
use crate::core::finding::{Fact, Finding, Layer, Outcome, Snippet, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::{NotSent, Observation, Observations, Response, ResponseKind};
use crate::core::probe::{self, ProbeId};
use crate::core::reply::{self, ApiError, Reply};

const CODE: &str = "auth.model";

/// The longest part of a bad model name that is shown back: enough to spot the mistake, bounded so a
/// pasted essay cannot fill the report.
pub const SHOWN_NAME_CHARS: usize = 128;

/// Lists the models this key can see; the same call in every fix that asks for a model id.
const LIST_MODELS: Snippet = Snippet {
    tool: "curl",
    code: "curl https://api.anthropic.com/v1/models -H \"Authorization: Bearer $ANTHROPIC_API_KEY\" -H \"anthropic-version: 2026-10-21\"",
};

pub static NO_MODEL: Outcome = Outcome {
    id: "no_model",
    status: Status::Info,
    layer: Layer::Auth,
    title: t!("No model named", "未指定模型"),
    detail: t!(
        "No model was named, so model access was not checked. Name the model your app uses in the form, or with model= in the config link.",
        "未指定模型，因此没有检测模型访问权限。请在表单中填写应用所用的模型，或在配置链接中加上 model=。",
    ),
    fix: None,
    snippets: &[],
};

pub static BAD_NAME: Outcome = Outcome {
    id: "bad_name",
    status: Status::Fail,
    layer: Layer::Page,
    title: t!("This is not a model id", "这不是有效的模型 ID"),
    detail: t!(
        "The model named has characters no model id has (ids use letters, digits, dots, dashes, such as claude-haiku-4-5), so it was not sent.",
        "所填模型包含模型 ID 中不会出现的字符（模型 ID 只含字母、数字、点和连字符，例如 claude-haiku-4-5），因此没有发送。",
    ),
    fix: Some(t!(
        "Copy the model id exactly, for example from the model list, without spaces, quotes or a display name.",
        "请准确复制模型 ID（例如从模型列表中复制），不要带空格、引号或显示名称。",
    )),
    snippets: &[LIST_MODELS],
};

pub static AVAILABLE: Outcome = Outcome {
    id: "available",
    status: Status::Pass,
    layer: Layer::Auth,
    title: t!("The key can use this model", "该密钥可以使用此模型"),
    detail: t!(
        "The API returned the model for this key.",
        "API 为该密钥返回了此模型。",
    ),
    fix: None,
    snippets: &[],
};

pub static NOT_FOUND: Outcome = Outcome {
    id: "not_found",
    status: Status::Fail,
    layer: Layer::Auth,
    title: t!("This key cannot see the model", "该密钥看不到此模型"),
    detail: t!(
        "The API answered 404 not_found_error: the id is mistyped, the model is retired, or it is not enabled for this organization or workspace.",
        "API 返回 404 not_found_error：模型 ID 拼写有误、模型已停用，或该组织或工作区未开通此模型。",
    ),
    fix: Some(t!(
        "List the models this key can see and use an id from that list in your app (ANTHROPIC_MODEL for Claude Code).",
        "列出该密钥可见的模型，并在应用中使用列表里的 ID（Claude Code 使用 ANTHROPIC_MODEL）。",
    )),
    snippets: &[LIST_MODELS],
};

pub static BUSY: Outcome = Outcome {
    id: "busy",
    status: Status::Info,
    layer: Layer::Service,
    title: t!("Could not ask about the model right now", "暂时无法查询该模型"),
    detail: t!(
        "The lookup got a rate limit or a server error (429, 5xx or 529), which says nothing about the model: the key check above tells what the service is doing.",
        "查询收到了限流或服务器错误（429、5xx 或 529），这与模型本身无关：上方的密钥检测说明了服务当前的状态。",
    ),
    fix: None,
    snippets: &[],
};

pub static UNEXPECTED: Outcome = Outcome {
    id: "unexpected",
    status: Status::Warn,
    layer: Layer::Auth,
    title: t!("An unexpected answer about the model", "关于该模型的响应出乎意料"),
    detail: t!(
        "The answer is readable but is neither the model nor the API's 404; see the status and message. A gateway may not offer this endpoint.",
        "响应可以读取，但既不是模型信息也不是 API 的 404；请查看状态码和消息。网关可能不提供此接口。",
    ),
    fix: Some(t!(
        "Check the message below; if a gateway answered, ask its operator which model ids it serves.",
        "查看下方的消息；如果是网关返回的，请询问其管理者支持哪些模型 ID。",
    )),
    snippets: &[],
};

pub static NO_KEY: Outcome = Outcome {
    id: "no_key",
    status: Status::Info,
    layer: Layer::Auth,
    title: t!("Model access not checked", "未检测模型访问权限"),
    detail: t!(
        "Checking a model needs a usable key, and none was given.",
        "检测模型需要一个可用的密钥，但未提供。",
    ),
    fix: None,
    snippets: &[],
};

pub static UNREADABLE: Outcome = Outcome {
    id: "unreadable",
    status: Status::Warn,
    layer: Layer::Auth,
    title: t!("The answer about the model could not be read", "无法读取关于该模型的响应"),
    detail: t!(
        "The request was refused by the browser, or answered with a redirect or an unreadable response, so model access is unknown.",
        "请求被浏览器拒绝，或得到的是重定向或无法读取的响应，因此无法判断模型访问权限。",
    ),
    fix: Some(t!(
        "Run the model list call below from the same machine; a gateway must allow CORS on /v1/models/… as well.",
        "在同一台机器上运行下方的模型列表命令；网关也必须对 /v1/models/… 允许 CORS。",
    )),
    snippets: &[LIST_MODELS],
};

pub static TIMED_OUT: Outcome = Outcome {
    id: "timed_out",
    status: Status::Warn,
    layer: Layer::Service,
    title: t!("The model check timed out", "模型检测超时"),
    detail: t!(
        "No answer came before the probe's timeout.",
        "在探测超时之前没有收到响应。",
    ),
    fix: Some(t!(
        "Retry; if it persists, check status.claude.com and your gateway's logs.",
        "重试；如果持续出现，请查看 status.claude.com 和网关日志。",
    )),
    snippets: &[],
};

pub static NOT_RUN: Outcome = Outcome {
    id: "not_run",
    status: Status::Info,
    layer: Layer::Auth,
    title: NOT_RUN_TITLE,
    detail: NOT_RUN_DETAIL,
    fix: None,
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 8,
    applies: Applies::Everywhere,
    layer: Layer::Auth,
    title: t!("Access to the model", "模型访问权限"),
    depends_on: &["auth.key"],
    probes: &[ProbeId::Model],
    outcomes: &[
        (0, &NO_MODEL),
        (1, &BAD_NAME),
        (2, &AVAILABLE),
        (3, &NOT_FOUND),
        (4, &BUSY),
        (5, &UNEXPECTED),
        (6, &NO_KEY),
        (7, &UNREADABLE),
        (8, &TIMED_OUT),
        (9, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(ctx: &Context, obs: &Observations) -> Option<Finding> {
    // Both local verdicts come at once: no probe is sent for them, so waiting would leave them pending.
    let Some(model) = ctx.model() else {
        return Some(Finding::new(CODE, &NO_MODEL));
    };
    if !probe::valid_model(model) {
        let shown = model.chars().take(SHOWN_NAME_CHARS).collect();
        return Some(Finding::new(CODE, &BAD_NAME).with(Fact::Offending(shown)));
    }
    Some(match obs.get(&ProbeId::Model)? {
        Observation::Response(r) => readable(r, model),
        Observation::Rejected { elapsed_ms } => {
            Finding::new(CODE, &UNREADABLE).with(Fact::Elapsed(*elapsed_ms))
        }
        Observation::TimedOut { after_ms } => {
            Finding::new(CODE, &TIMED_OUT).with(Fact::TimeoutMs(*after_ms))
        }
        Observation::NotSent(NotSent::NoKey | NotSent::KeyShape) => Finding::new(CODE, &NO_KEY),
        Observation::Cancelled
        | Observation::NotSent(_)
        | Observation::Series { .. }
        | Observation::Net(_) => Finding::new(CODE, &NOT_RUN),
    })
}

/// Classifies the answer about `model`: the model object, the API's 404, or anything else.
fn readable(r: &Response, model: &str) -> Finding {
    if r.kind != ResponseKind::Readable {
        return Finding::new(CODE, &UNREADABLE).with(Fact::Elapsed(r.elapsed_ms));
    }
    let facts = reply::response_facts(r);
    match (reply::classify(r), r.status) {
        (Reply::Model { id }, 200) => Finding::new(CODE, &AVAILABLE)
            .with(Fact::Model(id))
            .with_all(facts),
        (Reply::ApiError { .. }, _) => {
            let Some(e) = ApiError::read(r) else {
                return Finding::new(CODE, &UNEXPECTED).with_all(facts);
            };
            let outcome = if e.status == 404 && e.kind == "not_found_error" {
                &NOT_FOUND
            } else if e.service_trouble() {
                // The service's own trouble: auth.key reports it; blaming the model would mislead.
                &BUSY
            } else {
                &UNEXPECTED
            };
            Finding::new(CODE, outcome)
                .with(Fact::Offending(model.to_string()))
                .with_all(e.facts())
                .with_all(facts)
        }
        (Reply::Html { title }, _) => Finding::new(CODE, &UNEXPECTED)
            .with_all(title.map(Fact::PageTitle))
            .with_all(facts),
        _ => Finding::new(CODE, &UNEXPECTED).with_all(facts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{api_error, resp};
    use crate::core::fixtures::{held_redirect, opaque};
    use crate::core::input::Settings;
    use crate::core::key::{ApiKey, AuthMode};
    use std::collections::BTreeSet;

    fn ctx(model: Option<&str>) -> Context {
        Context::new(
            "https://api.anthropic.com",
            AuthMode::ApiKey,
            ApiKey::new("k".into()),
            true,
        )
        .with_settings(Settings {
            model: model.map(str::to_string),
            ..Settings::default()
        })
    }

    fn run(model: Option<&str>, obs: Option<Observation>) -> Option<Finding> {
        let all = obs.map(|o| (ProbeId::Model, o)).into_iter().collect();
        evaluate(&ctx(model), &all)
    }

    fn json(status: u16, body: &str) -> Observation {
        Observation::Response(resp(
            status,
            "application/json",
            body,
            &[("request-id", "req_m")],
        ))
    }

    #[test]
    fn outcomes_table() {
        let m = Some("claude-haiku-4-5");
        let model_body = r#"{"type":"model","id":"claude-haiku-4-5","display_name":"Claude Haiku 4.5","created_at":"2025-10-01T00:00:00Z"}"#;
        let not_found = api_error("not_found_error", "model: claude-haiku-9");
        let rows = [
            (None, None, "no_model"),
            (Some("  "), None, "no_model"),
            (Some("Claude Haiku 4.5"), None, "bad_name"),
            (Some("claude\"}"), None, "bad_name"),
            (m, Some(json(200, model_body)), "available"),
            (m, Some(json(404, &not_found)), "not_found"),
            (
                m,
                Some(json(429, &api_error("rate_limit_error", "slow down"))),
                "busy",
            ),
            (
                m,
                Some(json(529, &api_error("overloaded_error", "Overloaded"))),
                "busy",
            ),
            (
                m,
                Some(json(404, &api_error("invalid_request_error", "x"))),
                "unexpected",
            ),
            (
                m,
                Some(json(500, &api_error("api_error", "Internal"))),
                "busy",
            ),
            (m, Some(json(200, r#"{"ok":true}"#)), "unexpected"),
            (m, Some(json(200, r#"{"type":"model","id":"#)), "unexpected"),
            (
                m,
                Some(Observation::Response(resp(
                    404,
                    "text/plain",
                    "404 page not found",
                    &[],
                ))),
                "unexpected",
            ),
            (
                m,
                Some(Observation::Response(resp(
                    200,
                    "text/html",
                    "<title>Sign in</title>",
                    &[],
                ))),
                "unexpected",
            ),
            (m, Some(Observation::NotSent(NotSent::NoKey)), "no_key"),
            (m, Some(Observation::NotSent(NotSent::KeyShape)), "no_key"),
            (m, Some(held_redirect()), "unreadable"),
            (m, Some(opaque(5.0)), "unreadable"),
            (
                m,
                Some(Observation::Rejected { elapsed_ms: 7.0 }),
                "unreadable",
            ),
            (
                m,
                Some(Observation::TimedOut { after_ms: 10_000 }),
                "timed_out",
            ),
            (m, Some(Observation::Cancelled), "not_run"),
            (
                m,
                Some(Observation::NotSent(NotSent::InvalidTarget)),
                "not_run",
            ),
        ];
        let mut seen = BTreeSet::new();
        for (model, obs, want) in rows {
            let got = run(model, obs.clone()).unwrap().outcome.id;
            assert_eq!(got, want, "{model:?} {obs:?}");
            seen.insert(got);
        }
        super::super::testing::assert_covers(&CHECK, seen.iter().copied());
    }

    #[test]
    fn waits_for_its_probe() {
        assert!(run(Some("claude-haiku-4-5"), None).is_none());
    }

    #[test]
    fn facts_name_the_model_and_the_request() {
        let ok = run(
            Some("claude-haiku-4-5"),
            Some(json(200, r#"{"type":"model","id":"claude-haiku-4-5"}"#)),
        )
        .unwrap();
        assert!(ok.facts.contains(&Fact::Model("claude-haiku-4-5".into())));
        assert!(ok.facts.contains(&Fact::RequestId("req_m".into())));
        let missing = run(
            Some("claude-haiku-9"),
            Some(json(
                404,
                &api_error("not_found_error", "model: claude-haiku-9"),
            )),
        )
        .unwrap();
        for fact in [
            Fact::Offending("claude-haiku-9".into()),
            Fact::ErrorType("not_found_error".into()),
            Fact::ErrorMessage("model: claude-haiku-9".into()),
        ] {
            assert!(missing.facts.contains(&fact), "{fact:?}");
        }
    }

    #[test]
    fn a_long_bad_name_is_shown_bounded() {
        let name = "é".repeat(10_000);
        let f = run(Some(&name), None).unwrap();
        assert_eq!(f.facts, [Fact::Offending("é".repeat(SHOWN_NAME_CHARS))]);
    }
}
