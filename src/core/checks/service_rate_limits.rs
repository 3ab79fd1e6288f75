//! `service.rate_limits`: how close the key's organization is to its rate limits, from the response headers.
//!
//! The API reports each limit as `anthropic-ratelimit-{name}-{limit,remaining,reset}`, the reset as an
//! RFC 3339 time. Seconds to the reset are counted from the response's own `date`, server time against
//! server time, so a wrong local clock cannot distort them. The streamed message carries the headers
//! reliably and the model list often not at all, so the message's response is read first.

use super::{Check, RETRY_SNIPPETS};
use crate::core::finding::{Fact, Finding, Layer, Outcome, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::{NotSent, Observation, Observations, Response};
use crate::core::probe::ProbeId;
use crate::core::reply::{self, ApiError};
use crate::core::time;

const CODE: &str = "service.rate_limits";

/// A limit with less than this share left, in percent, is close: at 10 % a burst of the app's usual size
/// is likely to hit 429s before the window resets.
pub const LOW_SHARE: u64 = 10;

/// The limits the API reports, by the name in their header.
pub const LIMITS: [&str; 4] = ["requests", "tokens", "input-tokens", "output-tokens"];

pub static ABSENT: Outcome = Outcome {
    id: "absent",
    status: Status::Info,
    layer: Layer::Service,
    title: t!("No rate-limit headers to read", "没有可读取的限流响应头"),
    detail: t!(
        "The answer carried no anthropic-ratelimit-* headers. That is normal for the model list; the test message shows them. A gateway may also strip them.",
        "响应中没有 anthropic-ratelimit-* 响应头。模型列表接口通常如此；发送测试消息即可看到。网关也可能去掉了这些响应头。",
    ),
    fix: None,
    snippets: &[],
};

pub static AMPLE: Outcome = Outcome {
    id: "ample",
    status: Status::Pass,
    layer: Layer::Service,
    title: t!("Well within the rate limits", "远未达到速率限制"),
    detail: t!(
        "Every limit the API reported has at least a tenth left in the current window.",
        "API 报告的每项限制在当前窗口内都至少还剩十分之一。",
    ),
    fix: None,
    snippets: &[],
};

pub static LOW: Outcome = Outcome {
    id: "low",
    status: Status::Warn,
    layer: Layer::Service,
    title: t!("Close to a rate limit", "接近速率限制"),
    detail: t!(
        "Less than a tenth of a limit is left in the current window: more requests before the reset will get 429 rate_limit_error.",
        "某项限制在当前窗口内剩余不足十分之一：在重置之前继续请求会收到 429 rate_limit_error。",
    ),
    fix: Some(t!(
        "Spread requests out, and let the SDKs retry: they wait as retry-after says (max_retries in Python, maxRetries in TypeScript). For more headroom, move to a higher usage tier in the Console under Limits.",
        "分散请求，并让 SDK 自动重试：它们会按 retry-after 等待（Python 用 max_retries，TypeScript 用 maxRetries）。如需更多余量，请在 Console 的 Limits 页面升级到更高的用量等级。",
    )),
    snippets: RETRY_SNIPPETS,
};

pub static EXHAUSTED: Outcome = Outcome {
    id: "exhausted",
    status: Status::Warn,
    layer: Layer::Service,
    title: t!("A rate limit is used up", "某项速率限制已用尽"),
    detail: t!(
        "A limit has nothing left, or the API answered 429 and said when to retry: requests fail until the window resets.",
        "某项限制已无剩余，或 API 返回了 429 并告知重试时间：在窗口重置之前请求都会失败。",
    ),
    fix: Some(t!(
        "Wait for the reset (retry-after, in seconds); the SDKs do so when retrying (max_retries, maxRetries). Lower the request rate or the tokens per request, or ask for a higher tier in the Console.",
        "等待重置（retry-after，单位为秒）；SDK 重试时会自动等待（max_retries、maxRetries）。降低请求频率或每次请求的 token 数，或在 Console 中申请更高的用量等级。",
    )),
    snippets: RETRY_SNIPPETS,
};

pub static NO_KEY: Outcome = Outcome {
    id: "no_key",
    status: Status::Info,
    layer: Layer::Service,
    title: t!("Rate limits not checked", "未检测速率限制"),
    detail: t!(
        "Rate limits belong to a key's organization, and no keyed request was sent.",
        "速率限制属于密钥所在的组织，而本次没有发送带密钥的请求。",
    ),
    fix: None,
    snippets: &[],
};

pub static NOT_RUN: Outcome = Outcome {
    id: "not_run",
    status: Status::Info,
    layer: Layer::Service,
    title: t!("Not checked", "未检测"),
    detail: t!(
        "The run was cancelled, or no readable answer to a keyed request came back.",
        "检测已取消，或带密钥的请求没有返回可读取的响应。",
    ),
    fix: None,
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 11,
    applies: Applies::Everywhere,
    layer: Layer::Service,
    title: t!("Rate limits", "速率限制"),
    depends_on: &["auth.key"],
    probes: &[ProbeId::KeyModels, ProbeId::Message],
    outcomes: &[
        (0, &ABSENT),
        (1, &AMPLE),
        (2, &LOW),
        (3, &EXHAUSTED),
        (4, &NO_KEY),
        (5, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(ctx: &Context, obs: &Observations) -> Option<Finding> {
    let models = obs.get(&ProbeId::KeyModels)?;
    // The message goes out only after the model list; when it is asked for, its headers are the better
    // source, so the check waits for it.
    let message = if ctx.settings.message {
        Some(obs.get(&ProbeId::Message)?)
    } else {
        None
    };
    let chosen = match (message.and_then(Observation::readable), models.readable()) {
        (Some(m), _) if informative(m) => Some(m),
        (_, Some(k)) => Some(k),
        (m, None) => m,
    };
    let Some(r) = chosen else {
        return Some(match models {
            Observation::NotSent(NotSent::NoKey | NotSent::KeyShape) => Finding::new(CODE, &NO_KEY),
            _ => Finding::new(CODE, &NOT_RUN),
        });
    };
    let limits = read_limits(r);
    let retry_after = reply::retry_after(r);
    let retry_after = retry_after.as_deref();
    let outcome = if limits.iter().any(|l| l.remaining == 0) || rate_limited(r, retry_after) {
        &EXHAUSTED
    } else if limits.iter().any(|l| is_low(l.remaining, l.limit)) {
        &LOW
    } else if !limits.is_empty() {
        &AMPLE
    } else {
        &ABSENT
    };
    let facts = limits.into_iter().map(|l| Fact::RateLimit {
        name: l.name,
        remaining: l.remaining,
        limit: l.limit,
        reset_in_s: l.reset_in_s,
    });
    Some(
        Finding::new(CODE, outcome)
            .with_all(facts)
            .with_all(retry_after.map(|s| Fact::RetryAfter(s.to_string()))),
    )
}

/// One limit as the headers report it.
#[derive(Debug, PartialEq)]
struct Limit {
    name: &'static str,
    remaining: u64,
    limit: u64,
    reset_in_s: Option<i64>,
}

/// Whether a response says anything about rate limits: a limit header, or a 429.
fn informative(r: &Response) -> bool {
    r.status == 429
        || r.headers
            .iter()
            .any(|(n, _)| n.starts_with("anthropic-ratelimit-"))
}

/// The limits whose `limit` and `remaining` both parse as integers; garbage is skipped, not guessed at.
fn read_limits(r: &Response) -> Vec<Limit> {
    let now = server_now(r);
    let number = |name: &str, part: &str| {
        r.header(&format!("anthropic-ratelimit-{name}-{part}"))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    LIMITS
        .iter()
        .filter_map(|&name| {
            let (limit, remaining) = (number(name, "limit")?, number(name, "remaining")?);
            let reset = r
                .header(&format!("anthropic-ratelimit-{name}-reset"))
                .and_then(time::parse_rfc3339);
            // A reset already past reads as "now": the window has turned, or the clocks differ by a second.
            let reset_in_s = reset
                .zip(now)
                .map(|(at, now)| at.saturating_sub(now).max(0));
            Some(Limit {
                name,
                remaining,
                limit,
                reset_in_s,
            })
        })
        .collect()
}

/// The server's time when it answered, in Unix seconds: its `date` header, else the local clock when the
/// headers arrived (unknown when the shell did not record it).
fn server_now(r: &Response) -> Option<i64> {
    r.header("date")
        .and_then(time::parse_http_date)
        .or_else(|| (r.received_at_ms > 0.0).then(|| (r.received_at_ms / 1000.0) as i64))
}

/// Whether less than [`LOW_SHARE`] percent of `limit` remains; wide arithmetic, so huge values cannot
/// overflow.
fn is_low(remaining: u64, limit: u64) -> bool {
    u128::from(remaining) * 100 < u128::from(limit) * u128::from(LOW_SHARE)
}

/// A 429 that is a rate limit: with `retry-after`, or the API's `rate_limit_error` that is not the monthly
/// spend cap (the cap is a billing matter, and waiting for a window does not lift it).
fn rate_limited(r: &Response, retry_after: Option<&str>) -> bool {
    if r.status != 429 {
        return false;
    }
    if retry_after.is_some() {
        return true;
    }
    ApiError::read(r).is_some_and(|e| e.rate_limited())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::opaque;
    use crate::core::fixtures::{api_error, resp};
    use crate::core::input::Settings;
    use crate::core::key::{ApiKey, AuthMode};
    use std::collections::BTreeSet;

    const DATE: (&str, &str) = ("date", "Thu, 26 Nov 2026 08:00:00 GMT");

    fn ctx(message: bool) -> Context {
        Context::new(
            "https://api.anthropic.com",
            AuthMode::ApiKey,
            ApiKey::new("k".into()),
            true,
        )
        .with_settings(Settings {
            message,
            ..Settings::default()
        })
    }

    fn run(
        message: bool,
        models: Option<Observation>,
        msg: Option<Observation>,
    ) -> Option<Finding> {
        let all = [(ProbeId::KeyModels, models), (ProbeId::Message, msg)]
            .into_iter()
            .filter_map(|(id, o)| o.map(|o| (id, o)))
            .collect();
        evaluate(&ctx(message), &all)
    }

    /// A 200 with the requests limit at `remaining` of `limit`, resetting 20 s after `DATE`.
    fn with_requests(remaining: &str, limit: &str) -> Observation {
        Observation::Response(resp(
            200,
            "application/json",
            r#"{"data":[]}"#,
            &[
                DATE,
                ("anthropic-ratelimit-requests-limit", limit),
                ("anthropic-ratelimit-requests-remaining", remaining),
                ("anthropic-ratelimit-requests-reset", "2026-11-26T08:00:20Z"),
            ],
        ))
    }

    fn plain() -> Observation {
        Observation::Response(resp(200, "application/json", r#"{"data":[]}"#, &[DATE]))
    }

    #[test]
    fn outcomes_table() {
        let rate = api_error(
            "rate_limit_error",
            "Number of requests has exceeded your rate limit",
        );
        let spend = r#"{"type":"error","error":{"type":"rate_limit_error","message":"spend limit","details":{"error_code":"enforced_spend_limit_reached"}}}"#;
        let r429 = |body: &str, headers: &[(&str, &str)]| {
            Some(Observation::Response(resp(
                429,
                "application/json",
                body,
                headers,
            )))
        };
        let rows = [
            (false, Some(plain()), None, "absent"),
            (true, Some(plain()), Some(plain()), "absent"),
            (false, Some(with_requests("50", "50")), None, "ample"),
            (false, Some(with_requests("5", "50")), None, "ample"),
            (false, Some(with_requests("4", "50")), None, "low"),
            (false, Some(with_requests("0", "50")), None, "exhausted"),
            // The message's headers win over the model list's.
            (
                true,
                Some(with_requests("50", "50")),
                Some(with_requests("1", "50")),
                "low",
            ),
            // A message without them leaves the model list's.
            (true, Some(with_requests("1", "50")), Some(plain()), "low"),
            // A message that was not readable leaves the model list's too.
            (
                true,
                Some(with_requests("0", "50")),
                Some(opaque(3.0)),
                "exhausted",
            ),
            (
                false,
                r429(&rate, &[("retry-after", "17")]),
                None,
                "exhausted",
            ),
            (false, r429(&rate, &[]), None, "exhausted"),
            (false, r429("", &[("retry-after", "3")]), None, "exhausted"),
            (false, r429(spend, &[]), None, "absent"),
            // Garbage is skipped, not read as zero.
            (false, Some(with_requests("lots", "50")), None, "absent"),
            (false, Some(with_requests("-1", "50")), None, "absent"),
            (false, Some(with_requests("3", "")), None, "absent"),
            (
                false,
                Some(Observation::NotSent(NotSent::NoKey)),
                None,
                "no_key",
            ),
            (
                false,
                Some(Observation::NotSent(NotSent::KeyShape)),
                None,
                "no_key",
            ),
            (
                true,
                Some(Observation::NotSent(NotSent::NoKey)),
                Some(Observation::NotSent(NotSent::NoKey)),
                "no_key",
            ),
            (false, Some(Observation::Cancelled), None, "not_run"),
            (
                false,
                Some(Observation::Rejected { elapsed_ms: 4.0 }),
                None,
                "not_run",
            ),
            (
                false,
                Some(Observation::TimedOut { after_ms: 10_000 }),
                None,
                "not_run",
            ),
            (
                true,
                Some(Observation::Rejected { elapsed_ms: 4.0 }),
                Some(Observation::NotSent(NotSent::Prerequisite)),
                "not_run",
            ),
        ];
        let mut seen = BTreeSet::new();
        for (message, models, msg, want) in rows {
            let got = run(message, models.clone(), msg.clone())
                .unwrap()
                .outcome
                .id;
            assert_eq!(got, want, "{models:?} {msg:?}");
            seen.insert(got);
        }
        super::super::testing::assert_covers(&CHECK, seen.iter().copied());
    }

    #[test]
    fn waits_for_its_probe() {
        assert!(run(false, None, None).is_none());
        assert!(run(true, None, Some(plain())).is_none());
        // With the message asked for, the model list alone is not enough.
        assert!(run(true, Some(plain()), None).is_none());
        assert!(run(false, Some(plain()), None).is_some());
    }

    #[test]
    fn resets_are_counted_from_the_server_date() {
        let f = run(false, Some(with_requests("4", "50")), None).unwrap();
        assert_eq!(
            f.facts,
            [Fact::RateLimit {
                name: "requests",
                remaining: 4,
                limit: 50,
                reset_in_s: Some(20),
            }]
        );
    }

    #[test]
    fn resets_fall_back_to_the_local_clock_and_never_go_negative() {
        let mut r = resp(
            200,
            "application/json",
            "{}",
            &[
                ("anthropic-ratelimit-tokens-limit", "80000"),
                ("anthropic-ratelimit-tokens-remaining", "79000"),
                (
                    "anthropic-ratelimit-tokens-reset",
                    "2026-11-26T08:00:05.5+00:00",
                ),
                ("anthropic-ratelimit-output-tokens-limit", "16000"),
                ("anthropic-ratelimit-output-tokens-remaining", " 16000 "),
                (
                    "anthropic-ratelimit-output-tokens-reset",
                    "2026-11-26T07:59:00Z",
                ),
                (
                    "anthropic-ratelimit-input-tokens-limit",
                    "18446744073709551615",
                ),
                (
                    "anthropic-ratelimit-input-tokens-remaining",
                    "18446744073709551615",
                ),
                ("anthropic-ratelimit-input-tokens-reset", "soon"),
            ],
        );
        // 2026-11-26T08:00:00Z in Unix milliseconds.
        r.received_at_ms = 1_795_680_000_000.0;
        let f = run(false, Some(Observation::Response(r)), None).unwrap();
        assert_eq!(f.outcome.id, "ample");
        let resets: Vec<_> = f
            .facts
            .iter()
            .map(|fact| match fact {
                Fact::RateLimit {
                    name, reset_in_s, ..
                } => (*name, *reset_in_s),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            resets,
            [
                ("tokens", Some(5)),
                ("input-tokens", None),
                ("output-tokens", Some(0)),
            ]
        );
    }

    #[test]
    fn no_clock_at_all_leaves_the_reset_unknown() {
        let r = resp(
            200,
            "application/json",
            "{}",
            &[
                ("anthropic-ratelimit-requests-limit", "50"),
                ("anthropic-ratelimit-requests-remaining", "49"),
                ("anthropic-ratelimit-requests-reset", "2026-11-26T08:00:05Z"),
            ],
        );
        let f = run(false, Some(Observation::Response(r)), None).unwrap();
        assert!(matches!(
            f.facts[..],
            [Fact::RateLimit {
                reset_in_s: None,
                ..
            }]
        ));
    }

    #[test]
    fn a_429_carries_retry_after() {
        let r = resp(
            429,
            "application/json",
            &api_error("rate_limit_error", "slow down"),
            &[("retry-after", "17")],
        );
        let f = run(false, Some(Observation::Response(r)), None).unwrap();
        assert!(f.facts.contains(&Fact::RetryAfter("17".into())));
    }
}
