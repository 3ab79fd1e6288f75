//! `service.clock`: this machine's clock against the server's `date` header.
//!
//! The keyless readable answer (`cors.read`) carries `date`, else the keyed one does. The header has one
//! second of resolution and is stamped before the answer travels back, so the skew is measured against the
//! middle of the stamped second and rounded to whole seconds: this check is about minutes and days, where
//! things break, not about milliseconds. A browser cannot read the clock it runs on any better than
//! `Date.now()`; `date` in a terminal shows the same.

use super::Check;
use crate::core::finding::{Fact, Finding, Layer, Outcome, Snippet, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::{Observations, Response};
use crate::core::probe::ProbeId;
use crate::core::time;

const CODE: &str = "service.clock";

/// A skew beyond a minute is worth fixing: request signing (AWS SigV4, which Claude on Amazon Bedrock uses,
/// allows five minutes), short-lived tokens and log correlation start to fail around here.
pub const WARN_SKEW_S: i64 = 60;

/// A skew beyond a day breaks TLS: certificates near either end of their validity read as not yet valid or
/// expired, so apps on this machine fail even where the browser got through.
pub const FAIL_SKEW_S: i64 = 86_400;

/// The most characters of the raw `date` header kept in a fact: it is server text.
pub const MAX_DATE_CHARS: usize = 100;

/// Turning time sync on, where one command does it.
const SYNC_SNIPPETS: &[Snippet] = &[Snippet {
    tool: "Linux",
    code: "sudo timedatectl set-ntp true",
}];

pub static IN_SYNC: Outcome = Outcome {
    id: "in_sync",
    status: Status::Pass,
    layer: Layer::Service,
    title: t!("The clock is in sync", "时钟同步正常"),
    detail: t!(
        "This machine's clock is within a minute of the server's, judged by the answer's date header.",
        "根据响应中的 date 头判断，本机时钟与服务器时钟相差不到一分钟。",
    ),
    fix: None,
    snippets: &[],
};

pub static SKEWED: Outcome = Outcome {
    id: "skewed",
    status: Status::Warn,
    layer: Layer::Service,
    title: t!("This machine's clock is off", "本机时钟不准"),
    detail: t!(
        "The local clock differs from the server's by more than a minute. The API itself does not mind, but request signing (AWS SigV4 for Claude on Amazon Bedrock allows five minutes), token expiry and matching logs start to fail.",
        "本机时钟与服务器时钟相差超过一分钟。API 本身不受影响，但请求签名（Amazon Bedrock 上的 Claude 所用的 AWS SigV4 只允许五分钟误差）、令牌过期判断以及日志对照都会开始出错。",
    ),
    fix: Some(t!(
        "Turn on automatic time sync. Windows: Settings → Time & language → Sync now. macOS: System Settings → General → Date & Time → Set automatically. Linux: timedatectl set-ntp true. Check with date.",
        "开启自动时间同步。Windows：设置 → 时间和语言 → 立即同步。macOS：系统设置 → 通用 → 日期与时间 → 自动设置。Linux：timedatectl set-ntp true。可用 date 命令检查。",
    )),
    snippets: SYNC_SNIPPETS,
};

pub static FAR_OFF: Outcome = Outcome {
    id: "far_off",
    status: Status::Fail,
    layer: Layer::Service,
    title: t!("This machine's clock is off by more than a day", "本机时钟偏差超过一天"),
    detail: t!(
        "Certificates can read as not yet valid or expired at this distance, so TLS fails in apps on this machine even where this browser got through; signed requests and tokens fail too.",
        "偏差如此之大时，证书可能被判定为尚未生效或已过期，因此即使本浏览器能连通，本机上的应用也会出现 TLS 错误；签名请求和令牌也会失效。",
    ),
    fix: Some(t!(
        "Set the date and turn on automatic time sync. Windows: Settings → Time & language → Sync now. macOS: System Settings → General → Date & Time → Set automatically. Linux: timedatectl set-ntp true. Check with date.",
        "设置正确日期并开启自动时间同步。Windows：设置 → 时间和语言 → 立即同步。macOS：系统设置 → 通用 → 日期与时间 → 自动设置。Linux：timedatectl set-ntp true。可用 date 命令检查。",
    )),
    snippets: SYNC_SNIPPETS,
};

pub static NO_DATE: Outcome = Outcome {
    id: "no_date",
    status: Status::Info,
    layer: Layer::Service,
    title: t!("The server's time is not readable", "无法读取服务器时间"),
    detail: t!(
        "The answer carried no readable date header, or one that could not be parsed, so the clocks were not compared. A gateway must send Access-Control-Expose-Headers: date for a page to read it. Run date to compare by hand.",
        "响应中没有可读取的 date 头，或其格式无法解析，因此未比较时钟。网关必须发送 Access-Control-Expose-Headers: date，页面才能读取它。可运行 date 命令手动比较。",
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
        "No readable answer came back to compare the clock with.",
        "没有收到可读取的响应，无法比较时钟。",
    ),
    fix: None,
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 10,
    applies: Applies::Everywhere,
    layer: Layer::Service,
    title: t!("This machine's clock", "本机时钟"),
    depends_on: &["cors.read", "tls.trust"],
    probes: &[ProbeId::CorsRead, ProbeId::KeyModels],
    outcomes: &[
        (0, &IN_SYNC),
        (1, &SKEWED),
        (2, &FAR_OFF),
        (3, &NO_DATE),
        (4, &NOT_RUN),
    ],
    retired: &[],
    evaluate,
};

fn evaluate(_: &Context, obs: &Observations) -> Option<Finding> {
    let keyless = obs.get(&ProbeId::CorsRead)?.readable();
    if let Some(f) = keyless.and_then(compare) {
        return Some(f);
    }
    // The keyless answer had no usable date: the keyed one may.
    let keyed = obs.get(&ProbeId::KeyModels)?.readable();
    if let Some(f) = keyed.and_then(compare) {
        return Some(f);
    }
    Some(match keyless.or(keyed) {
        Some(r) if r.received_at_ms.is_finite() && r.received_at_ms > 0.0 => {
            Finding::new(CODE, &NO_DATE).with_all(r.header("date").map(raw_date))
        }
        // Without the local time of arrival there is nothing to compare with.
        _ => Finding::new(CODE, &NOT_RUN),
    })
}

/// The clock finding from one response, when it has a parsable `date` and a local time of arrival.
fn compare(r: &Response) -> Option<Finding> {
    let raw = r.header("date")?;
    let server_s = time::parse_http_date(raw)?;
    let skew = skew_s(r.received_at_ms, server_s)?;
    let outcome = match skew.unsigned_abs() {
        s if s <= WARN_SKEW_S.unsigned_abs() => &IN_SYNC,
        s if s <= FAIL_SKEW_S.unsigned_abs() => &SKEWED,
        _ => &FAR_OFF,
    };
    Some(
        Finding::new(CODE, outcome)
            .with(Fact::ClockSkew(skew))
            .with(raw_date(raw)),
    )
}

/// Local minus server time in whole seconds; the server's time is taken as the middle of the second its
/// `date` names. `None` when the local time of arrival is missing.
fn skew_s(received_at_ms: f64, server_s: i64) -> Option<i64> {
    if !received_at_ms.is_finite() || received_at_ms <= 0.0 {
        return None;
    }
    let server_ms = server_s as f64 * 1000.0 + 500.0;
    // `as` saturates, so an absurd date cannot wrap around.
    Some(((received_at_ms - server_ms) / 1000.0).round() as i64)
}

/// The raw `date` header as a fact, capped.
fn raw_date(raw: &str) -> Fact {
    Fact::ServerDate(raw.chars().take(MAX_DATE_CHARS).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::opaque;
    use crate::core::fixtures::{api_error, resp};
    use crate::core::key::AuthMode;
    use crate::core::observation::{NotSent, Observation};
    use std::collections::BTreeSet;

    const DATE: &str = "Thu, 26 Nov 2026 08:00:00 GMT";
    /// `DATE` in Unix seconds.
    const DATE_S: i64 = 1_795_680_000;

    /// A readable 401 whose `date` is `date`, arriving when the local clock read `DATE` plus `skew` seconds.
    fn answer(date: Option<&str>, skew: i64) -> Observation {
        let headers: Vec<(&str, &str)> = date.map(|d| ("date", d)).into_iter().collect();
        let mut r = resp(
            401,
            "application/json",
            &api_error("authentication_error", "x-api-key header is required"),
            &headers,
        );
        r.received_at_ms = ((DATE_S + skew) * 1000 + 500) as f64;
        Observation::Response(r)
    }

    fn run(cors: Option<Observation>, key: Option<Observation>) -> Option<Finding> {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, None, true);
        let all = [(ProbeId::CorsRead, cors), (ProbeId::KeyModels, key)]
            .into_iter()
            .filter_map(|(id, o)| o.map(|o| (id, o)))
            .collect();
        evaluate(&ctx, &all)
    }

    #[test]
    fn outcomes_table() {
        let no_key = || Some(Observation::NotSent(NotSent::NoKey));
        let rejected = || Some(Observation::Rejected { elapsed_ms: 9.0 });
        let mut no_arrival = resp(200, "application/json", "{}", &[("date", DATE)]);
        no_arrival.received_at_ms = 0.0;
        // (CorsRead, KeyModels, outcome)
        let rows: Vec<(Option<Observation>, Option<Observation>, &str)> = vec![
            (Some(answer(Some(DATE), 0)), None, "in_sync"),
            (Some(answer(Some(DATE), 60)), None, "in_sync"),
            (Some(answer(Some(DATE), -60)), None, "in_sync"),
            (Some(answer(Some(DATE), 61)), None, "skewed"),
            (Some(answer(Some(DATE), -61)), None, "skewed"),
            (Some(answer(Some(DATE), 86_400)), None, "skewed"),
            (Some(answer(Some(DATE), 86_401)), None, "far_off"),
            (Some(answer(Some(DATE), -400_000_000)), None, "far_off"),
            (rejected(), Some(answer(Some(DATE), 300)), "skewed"),
            (
                Some(answer(None, 0)),
                Some(answer(Some(DATE), 0)),
                "in_sync",
            ),
            (Some(answer(None, 0)), no_key(), "no_date"),
            (Some(answer(Some("yesterday"), 0)), no_key(), "no_date"),
            (rejected(), Some(answer(None, 0)), "no_date"),
            (Some(opaque(5.0)), no_key(), "not_run"),
            (rejected(), no_key(), "not_run"),
            (
                Some(Observation::Cancelled),
                Some(Observation::Cancelled),
                "not_run",
            ),
            (Some(Observation::Response(no_arrival)), no_key(), "not_run"),
        ];
        let mut seen = BTreeSet::new();
        for (cors, key, want) in rows {
            let got = run(cors.clone(), key.clone())
                .unwrap_or_else(|| panic!("pending: {cors:?} {key:?}"))
                .outcome
                .id;
            assert_eq!(got, want, "{cors:?} {key:?}");
            seen.insert(got);
        }
        super::super::testing::assert_covers(&CHECK, seen.iter().copied());
    }

    #[test]
    fn waits_for_its_probe() {
        assert!(run(None, None).is_none());
        // The keyed answer is awaited only when the keyless one gave no usable date.
        assert!(run(Some(answer(None, 0)), None).is_none());
        assert!(run(Some(Observation::Rejected { elapsed_ms: 1.0 }), None).is_none());
        assert!(run(Some(answer(Some(DATE), 0)), None).is_some());
    }

    #[test]
    fn facts_carry_skew_and_raw_date() {
        let f = run(Some(answer(Some(DATE), -200)), None).unwrap();
        assert_eq!(
            f.facts,
            [Fact::ClockSkew(-200), Fact::ServerDate(DATE.into())]
        );
        let long = format!("{DATE}{}", "x".repeat(500));
        let f = run(Some(answer(Some(&long), 0)), Some(Observation::Cancelled)).unwrap();
        assert_eq!(f.outcome.id, "no_date");
        assert_eq!(
            f.facts,
            [Fact::ServerDate(
                long.chars().take(MAX_DATE_CHARS).collect()
            )]
        );
    }

    #[test]
    fn skew_rounds_against_the_middle_of_the_second() {
        let at = |ms: i64| (DATE_S * 1000 + ms) as f64;
        let rows = [
            (at(500), Some(0)),
            (at(0), Some(-1)),
            (at(999), Some(0)),
            (at(1_999), Some(1)),
            (at(-59_500), Some(-60)),
            (0.0, None),
            (-5.0, None),
            (f64::NAN, None),
            (f64::INFINITY, None),
        ];
        for (received, want) in rows {
            assert_eq!(skew_s(received, DATE_S), want, "{received}");
        }
        assert_eq!(skew_s(1.0, i64::MIN), Some(i64::MAX));
    }
}
