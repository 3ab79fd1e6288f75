//! The native section in words, for every shell: one line per path (how far it got) and per runtime (what
//! it would meet, why, and the fix for that runtime), in the reader's language. The terminal, Markdown and
//! the page (opening a report link from the command line) all show these lines.

use super::finding::{net_error_label, Status};
use super::i18n::{t, Lang, Text};
use super::native::{why_text, PathRow, Prediction, Route, RuntimeRow};
use super::net::{NetError, TrustResult, TrustSource};

pub const PATHS: Text = t!("Paths", "路径");
pub const RUNTIMES: Text = t!("Runtimes", "运行时");
pub const FIX: Text = t!("Fix", "修复");
pub const ISSUER: Text = t!("Issuer", "签发者");
const WORKS: Text = t!("works", "可用");
const WORKS_AFTER_WAIT: Text = t!(
    "works, after a 5 s wait on a silent address",
    "可用，但要先在无响应的地址上等待 5 秒",
);
const FAILS: Text = t!("fails", "失败");
const UNKNOWN: Text = t!("not decided", "未判定");
const DIRECT: Text = t!("direct", "直连");
const VIA: Text = t!("through", "经由");
const STOPPED: Text = t!("does not start", "无法启动");

/// Text a server, a certificate or the environment chose, safe for a terminal or a page: no control
/// characters (which could move a terminal's cursor or change its colours), bounded.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .take(400)
        .collect()
}

/// One path: its status and its line (`direct 127.0.0.1 IPv4  TCP 1 ms · TLSv1.3 h2 4 ms [mozilla✓ …]`).
pub fn path_line(p: &PathRow, lang: Lang) -> (Status, String) {
    let route = if p.route == "direct" {
        format!("{} {}", DIRECT.get(lang), clean(&p.via))
    } else {
        format!("{} {}", VIA.get(lang), clean(&p.via))
    };
    let family = match p.family {
        4 => " IPv4",
        6 => " IPv6",
        _ => "",
    };
    let Some(seen) = &p.seen else {
        return (
            Status::Info,
            format!("{route}{family}  {}", UNKNOWN.get(lang)),
        );
    };
    let mut parts = Vec::new();
    if let Some(ms) = seen.connect_ms {
        parts.push(format!("TCP {} ms", ms.max(0.0).round() as u64));
    }
    if let Some(status) = seen.proxy_status {
        parts.push(format!("CONNECT {status}"));
    }
    if let Some(tls) = &seen.tls {
        let trust: Vec<String> = tls
            .trust
            .iter()
            .map(|(s, r)| {
                let name = match s {
                    TrustSource::Mozilla => "mozilla".to_string(),
                    TrustSource::System => "system".to_string(),
                    TrustSource::File(i) => format!("file{i}"),
                };
                let mark = if *r == TrustResult::Trusted {
                    "✓"
                } else {
                    "✗"
                };
                format!("{name}{mark}")
            })
            .collect();
        parts.push(format!(
            "{} {} {} ms [{}]",
            clean(&tls.version),
            if tls.alpn.is_empty() {
                "-"
            } else {
                tls.alpn.as_str()
            },
            tls.elapsed_ms.max(0.0).round() as u64,
            trust.join(" ")
        ));
    }
    if let Some(status) = seen.http_status {
        parts.push(format!("HTTP {status}"));
    }
    if let Some(f) = seen.failure {
        let extra = match f.error {
            NetError::ProxyStatus(code) => format!(" {code}"),
            _ => String::new(),
        };
        parts.push(format!(
            "{}: {}{extra} ({} ms)",
            f.stage.as_str(),
            net_error_label(Some(f.error)).get(lang),
            f.after_ms.max(0.0).round() as u64
        ));
    }
    let status = if seen.failure.is_some() {
        Status::Fail
    } else {
        Status::Pass
    };
    (status, format!("{route}{family}  {}", parts.join(" · ")))
}

/// One runtime's row in words.
pub struct RuntimeLine {
    pub status: Status,
    /// `Node SDK: fails — it does not trust … (direct)`.
    pub line: String,
    /// The issuer of the chain it does not trust.
    pub issuer: Option<String>,
    /// The fix for this runtime, when it fails.
    pub fix: Option<&'static str>,
}

/// One runtime: its status, its line, and when it fails, the issuer and the fix.
pub fn runtime_line(r: &RuntimeRow, lang: Lang) -> RuntimeLine {
    let name = r.runtime.label().get(lang);
    let route = match &r.route {
        Route::Direct => DIRECT.get(lang).to_string(),
        Route::Proxy { .. } => format!("{} {}", VIA.get(lang), clean(&r.route_shown)),
        Route::Stopped(_) => STOPPED.get(lang).to_string(),
    };
    let (status, what, fix) = match &r.prediction {
        Prediction::Works => (Status::Pass, WORKS.get(lang).to_string(), None),
        Prediction::WorksAfterWait => (Status::Warn, WORKS_AFTER_WAIT.get(lang).to_string(), None),
        Prediction::Unknown => (Status::Info, UNKNOWN.get(lang).to_string(), None),
        Prediction::Fails(why) => {
            let (what, fix) = why_text(why, r.runtime);
            (
                Status::Fail,
                format!("{} — {}", FAILS.get(lang), what.get(lang)),
                Some(fix.get(lang)),
            )
        }
    };
    RuntimeLine {
        status,
        line: format!("{name}: {what} ({route})"),
        issuer: match r.prediction {
            Prediction::Fails(_) => r.issuer.as_deref().map(clean),
            _ => None,
        },
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::healthy_path;
    use crate::core::native::{Runtime, Why};
    use crate::core::net::{Failure, Stage};

    #[test]
    fn paths_read_as_how_far_they_got() {
        let ok = PathRow {
            route: "direct",
            via: "160.79.104.10".into(),
            family: 4,
            seen: Some(healthy_path()),
        };
        let (status, line) = path_line(&ok, Lang::En);
        assert_eq!(status, Status::Pass);
        assert_eq!(
            line,
            "direct 160.79.104.10 IPv4  TCP 8 ms · TLSv1.3 h2 12 ms [mozilla✓ system✓] · HTTP 401"
        );
        let refused = PathRow {
            route: "proxy",
            via: "http://u:***@p:3128".into(),
            family: 0,
            seen: Some(crate::core::net::PathSeen {
                connect_ms: Some(1.0),
                proxy_status: Some(407),
                failure: Some(Failure {
                    stage: Stage::Proxy,
                    error: NetError::ProxyStatus(407),
                    after_ms: 3.0,
                }),
                ..Default::default()
            }),
        };
        let (status, line) = path_line(&refused, Lang::Zh);
        assert_eq!(status, Status::Fail);
        assert_eq!(
            line,
            "经由 http://u:***@p:3128  TCP 1 ms · CONNECT 407 · proxy: 被代理拒绝 407 (3 ms)"
        );
    }

    #[test]
    fn a_failing_runtime_names_its_reason_issuer_and_fix() {
        let row = RuntimeRow {
            runtime: Runtime::Node,
            route: Route::Direct,
            route_shown: "direct".into(),
            prediction: Prediction::Fails(Why::Untrusted(TrustResult::UnknownIssuer)),
            issuer: Some("CN=Corp\u{1b}[31m CA".into()),
        };
        let l = runtime_line(&row, Lang::En);
        assert_eq!(l.status, Status::Fail);
        assert!(
            l.line.starts_with("Node SDK: fails — it does not trust"),
            "{}",
            l.line
        );
        assert_eq!(l.issuer.as_deref(), Some("CN=Corp·[31m CA"));
        assert!(l.fix.is_some_and(|f| f.contains("NODE_EXTRA_CA_CERTS")));
    }
}
