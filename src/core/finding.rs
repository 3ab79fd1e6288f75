//! Findings: what one check concluded, as a stable outcome with typed facts.

use super::dns::ResolverView;
use super::i18n::{t, Lang, Text};
use super::native::{FileState, Runtime};
use super::net::{NetError, TrustResult};

/// The layers, lowest first: the verdict names the lowest one that fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    Page,
    /// Natively: the settings the app reads (variables, CA files, Claude Code's settings).
    Config,
    Dns,
    Network,
    /// Natively: the handshake and the chain against each trust source.
    Tls,
    Cors,
    Auth,
    Service,
    Performance,
}

impl Layer {
    /// The stable name used in reports and the DOM.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Page => "page",
            Layer::Config => "config",
            Layer::Dns => "dns",
            Layer::Network => "network",
            Layer::Tls => "tls",
            Layer::Cors => "cors",
            Layer::Auth => "auth",
            Layer::Service => "service",
            Layer::Performance => "performance",
        }
    }

    /// The layer's name for people.
    pub fn label(self) -> Text {
        match self {
            Layer::Page => t!("Page and settings", "页面与设置"),
            Layer::Config => t!("Configuration", "配置"),
            Layer::Dns => t!("DNS", "DNS"),
            Layer::Network => t!("Network", "网络"),
            Layer::Tls => t!("TLS", "TLS"),
            Layer::Cors => t!("Browser access (CORS)", "浏览器访问（CORS）"),
            Layer::Auth => t!("Key", "密钥"),
            Layer::Service => t!("Service", "服务"),
            Layer::Performance => t!("Speed", "速度"),
        }
    }
}

/// How a finding came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Pass,
    Warn,
    Fail,
    /// Could not be decided from here.
    Info,
    /// A lower layer it depends on failed.
    Skipped,
}

impl Status {
    /// The stable name used in reports and the DOM.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Info => "info",
            Status::Skipped => "skipped",
        }
    }

    /// The word shown beside the icon, so that status never rests on colour alone.
    pub fn label(self) -> Text {
        match self {
            Status::Pass => t!("Pass", "通过"),
            Status::Warn => t!("Warning", "警告"),
            Status::Fail => t!("Fail", "失败"),
            Status::Info => t!("Info", "信息"),
            Status::Skipped => t!("Skipped", "已跳过"),
        }
    }
}

/// A code sample for a fix, in one tool's own syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// The tool: "Python", "TypeScript", "Claude Code", "curl".
    pub tool: &'static str,
    pub code: &'static str,
}

/// One possible result of a check: a stable id, a status and the words that explain and fix it.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Stable id within its check, never reworded: reports refer to it.
    pub id: &'static str,
    pub status: Status,
    /// The layer the verdict blames when this outcome is the root cause; usually the check's own.
    pub layer: Layer,
    /// One line: what was found.
    pub title: Text,
    /// Why, and what it means; for failures the likely causes.
    pub detail: Text,
    /// What to do about it; every warn and fail outcome has one.
    pub fix: Option<Text>,
    pub snippets: &'static [Snippet],
}

/// Which duration a [`Fact::Duration`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    Min,
    Median,
    P90,
    /// Mean difference between consecutive round trips.
    Jitter,
    /// The first round trip of the series.
    Cold,
    /// The first round trip minus the warm median: connection, TLS and DNS set-up.
    Setup,
    /// The control endpoint's median round trip.
    ControlMedian,
    /// From sending the message to its first token.
    FirstToken,
    Dns,
    Connect,
    Tls,
    /// From sending the request to the first byte of the answer.
    Ttfb,
    /// How long a kept-alive connection was left idle before it was used again.
    Idle,
}

impl Timing {
    fn label(self) -> Text {
        match self {
            Timing::Min => t!("Fastest round trip", "最快往返"),
            Timing::Median => t!("Median round trip", "往返中位数"),
            Timing::P90 => t!("90th percentile", "第 90 百分位"),
            Timing::Jitter => t!("Jitter", "抖动"),
            Timing::Cold => t!("First (cold) round trip", "首次（冷）往返"),
            Timing::Setup => t!("Connection set-up cost", "建立连接的开销"),
            Timing::ControlMedian => t!("Control endpoint median", "对照端点中位数"),
            Timing::FirstToken => t!("Time to first token", "首个 token 用时"),
            Timing::Dns => t!("DNS lookup", "DNS 查询"),
            Timing::Connect => t!("Connect", "建立连接"),
            Timing::Tls => t!("TLS handshake", "TLS 握手"),
            Timing::Ttfb => t!("Time to first byte", "首字节时间"),
            Timing::Idle => t!("Left idle for", "空闲时长"),
        }
    }
}

/// How a latency series was timed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// The browser's Resource Timing entries, which the server allowed with `Timing-Allow-Origin`.
    ResourceTiming,
    /// `performance.now()` around `fetch`: whole round trips only.
    FetchRoundTrip,
    /// The native doctor: each phase timed around the socket, the handshake and the request it makes.
    Sockets,
}

/// What one probe of a series met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SampleKind {
    /// The expected answer.
    Ok,
    /// 429.
    RateLimited,
    /// 529.
    Overloaded,
    /// Another 5xx, or an edge error page.
    ServerError,
    /// Any other status, or a body that is not the API's.
    Unexpected,
    /// The answer could not be read (CORS refused, or a redirect).
    Unreadable,
    /// `fetch` rejected.
    Failed,
    TimedOut,
}

impl SampleKind {
    /// The stable name used in reports and the DOM.
    pub fn as_str(self) -> &'static str {
        match self {
            SampleKind::Ok => "ok",
            SampleKind::RateLimited => "rate_limited",
            SampleKind::Overloaded => "overloaded",
            SampleKind::ServerError => "server_error",
            SampleKind::Unexpected => "unexpected",
            SampleKind::Unreadable => "unreadable",
            SampleKind::Failed => "failed",
            SampleKind::TimedOut => "timed_out",
        }
    }

    /// The kind's name for people.
    pub fn label(self) -> Text {
        match self {
            SampleKind::Ok => t!("answered", "正常"),
            SampleKind::RateLimited => t!("429 rate limited", "429 限流"),
            SampleKind::Overloaded => t!("529 overloaded", "529 过载"),
            SampleKind::ServerError => t!("server error", "服务器错误"),
            SampleKind::Unexpected => t!("unexpected answer", "意外的响应"),
            SampleKind::Unreadable => t!("unreadable (CORS)", "无法读取（CORS）"),
            SampleKind::Failed => t!("connection failed", "连接失败"),
            SampleKind::TimedOut => t!("timed out", "超时"),
        }
    }
}

/// One probe on the watch timeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Milliseconds since the watch started.
    pub at_ms: f64,
    /// How long the probe took (its timeout when it timed out).
    pub elapsed_ms: f64,
    pub kind: SampleKind,
}

/// A typed fact behind a finding; the renderer formats it.
#[derive(Clone, Debug, PartialEq)]
pub enum Fact {
    /// How long the probe took, in milliseconds.
    Elapsed(f64),
    /// The probe's own timeout that ran out, in milliseconds.
    TimeoutMs(u32),
    HttpStatus(u16),
    /// The API's `request-id` header or body field: what support asks for.
    RequestId(String),
    /// The edge location from `cf-ray`, e.g. `FRA`.
    Edge(String),
    /// The response's `date` header.
    ServerDate(String),
    /// The response's `server` header.
    Server(String),
    /// The API's `error.type`.
    ErrorType(String),
    /// The API's `error.message`, as text.
    ErrorMessage(String),
    /// `retry-after`, as sent.
    RetryAfter(String),
    /// The `<title>` of an HTML page that answered instead of the API.
    PageTitle(String),
    /// The host the checks were aimed at.
    Host(String),
    /// The base URL the probes used after corrections.
    BaseUsed(String),
    /// The kind of key, from its prefix.
    KeyKind(&'static str),
    /// The key's length in characters (never the key).
    KeyLength(usize),
    /// A model the key can see.
    Model(String),
    /// How many models the list returned.
    ModelCount(usize),
    /// The URL the response finally came from after redirects.
    RedirectedTo(String),
    /// The part of the input that is wrong.
    Offending(String),
    /// A named duration in milliseconds.
    Duration(Timing, f64),
    /// How far the local clock is ahead of the server's, in seconds (negative: behind).
    ClockSkew(i64),
    /// How many round trips a figure rests on.
    Samples(usize),
    /// How the latency was measured.
    Method(Method),
    /// One rate limit: which (`requests`, `tokens`, `input-tokens`, `output-tokens`), what is left of it,
    /// and in how many seconds it resets.
    RateLimit {
        name: &'static str,
        remaining: u64,
        limit: u64,
        reset_in_s: Option<i64>,
    },
    /// The status page's own summary line.
    StatusDescription(String),
    /// The state of the API's component on the status page, as sent (`partial_outage`…).
    ComponentState(String),
    /// An open incident or a maintenance in progress, by name.
    Incident(String),
    /// Where to look next.
    Link(String),
    /// What public resolver 1 or 2 answered: its host and the addresses or the DNS status.
    Resolver(u8, ResolverView),
    /// A command that shows what a browser cannot see.
    Command(String),
    /// The control endpoint's host.
    ControlHost(String),
    /// Probes that got the expected answer, of all.
    SuccessRatio {
        ok: usize,
        total: usize,
    },
    /// How often each kind of failure was seen.
    Failures(Vec<(SampleKind, usize)>),
    /// The watch timeline; the renderer draws it.
    Timeline(Vec<Point>),
    /// How many stream events arrived, and in how many network chunks.
    StreamChunks {
        events: usize,
        chunks: usize,
    },
    /// Natively: a setting the app reads, as `NAME=value` (a key as `set`, a proxy's password hidden), with
    /// ` [settings.json]` or ` [flag]` when it came from there.
    Setting(String),
    /// Natively: one connection attempt: the address (or proxy), how it ended, and after how long.
    Connection {
        to: String,
        error: Option<NetError>,
        ms: f64,
    },
    /// Natively: a proxy URL, its password hidden.
    Proxy(String),
    /// Natively: a CA file a variable names, and what reading it gave.
    CaFile {
        var: String,
        path: String,
        state: FileState,
    },
    TlsVersion(String),
    /// The protocol ALPN agreed on (`h2`, `http/1.1`).
    Alpn(String),
    Cipher(String),
    /// A certificate's subject and issuer.
    Subject(String),
    Issuer(String),
    /// When the leaf certificate expires, in Unix seconds.
    Expires(i64),
    /// What a trust source said of the chain.
    Trust {
        source: String,
        result: TrustResult,
    },
    /// A runtime this finding's problem stops.
    FailsFor(Runtime),
    /// Natively: an address the system resolver (or `--resolve`) gave.
    Address(String),
}

impl Fact {
    /// The fact's name for people; the renderer formats the value.
    pub fn label(&self) -> Text {
        match self {
            Fact::Elapsed(_) => t!("Time", "耗时"),
            Fact::TimeoutMs(_) => t!("Gave up after", "超时时间"),
            Fact::HttpStatus(_) => t!("HTTP status", "HTTP 状态码"),
            Fact::RequestId(_) => t!("Request id", "请求 ID"),
            Fact::Edge(_) => t!("Edge location", "边缘节点"),
            Fact::ServerDate(_) => t!("Server date", "服务器时间"),
            Fact::Server(_) => t!("Server", "服务器"),
            Fact::ErrorType(_) => t!("Error type", "错误类型"),
            Fact::ErrorMessage(_) => t!("Message", "消息"),
            Fact::RetryAfter(_) => t!("Retry after (s)", "重试等待（秒）"),
            Fact::PageTitle(_) => t!("Page title", "页面标题"),
            Fact::Host(_) => t!("Host", "主机"),
            Fact::BaseUsed(_) => t!("Base URL used", "实际使用的基础 URL"),
            Fact::KeyKind(_) => t!("Key kind", "密钥类型"),
            Fact::KeyLength(_) => t!("Key length (characters)", "密钥长度（字符）"),
            Fact::Model(_) => t!("Model", "模型"),
            Fact::ModelCount(_) => t!("Models listed", "列出的模型数"),
            Fact::RedirectedTo(_) => t!("Redirected to", "重定向到"),
            Fact::Offending(_) => t!("The part in question", "有问题的部分"),
            Fact::Duration(which, _) => which.label(),
            Fact::ClockSkew(_) => t!("Local clock minus server clock", "本地时钟与服务器时钟之差"),
            Fact::Samples(_) => t!("Round trips", "往返次数"),
            Fact::Method(_) => t!("Measured with", "测量方式"),
            Fact::RateLimit { name, .. } => match *name {
                "requests" => t!("Requests left", "剩余请求数"),
                "input-tokens" => t!("Input tokens left", "剩余输入 token"),
                "output-tokens" => t!("Output tokens left", "剩余输出 token"),
                _ => t!("Tokens left", "剩余 token"),
            },
            Fact::StatusDescription(_) => t!("Status page says", "状态页显示"),
            Fact::ComponentState(_) => t!("API component", "API 组件状态"),
            Fact::Incident(_) => t!("Open incident", "未结束的事件"),
            Fact::Link(_) => t!("See", "查看"),
            Fact::Resolver(1, _) => t!("Public resolver 1", "公共解析器 1"),
            Fact::Resolver(_, _) => t!("Public resolver 2", "公共解析器 2"),
            Fact::Command(_) => t!(
                "To see your own resolver's answer, run",
                "查看本机解析结果，请运行",
            ),
            Fact::ControlHost(_) => t!("Control endpoint", "对照端点"),
            Fact::SuccessRatio { .. } => t!("Answered as expected", "正常响应"),
            Fact::Failures(_) => t!("Failures", "失败"),
            Fact::Timeline(_) => t!("Timeline", "时间线"),
            Fact::StreamChunks { .. } => t!("Events / network chunks", "事件数 / 网络分块数"),
            Fact::Setting(_) => t!("Setting", "设置"),
            Fact::Connection { .. } => t!("Connection", "连接"),
            Fact::Proxy(_) => t!("Proxy", "代理"),
            Fact::CaFile { .. } => t!("CA file", "CA 文件"),
            Fact::TlsVersion(_) => t!("TLS version", "TLS 版本"),
            Fact::Alpn(_) => t!("Protocol (ALPN)", "协议（ALPN）"),
            Fact::Cipher(_) => t!("Cipher suite", "密码套件"),
            Fact::Subject(_) => t!("Certificate subject", "证书主体"),
            Fact::Issuer(_) => t!("Issued by", "签发者"),
            Fact::Expires(_) => t!("Expires", "过期时间"),
            Fact::Trust { .. } => t!("Trust", "信任"),
            Fact::FailsFor(_) => t!("Fails for", "失败的运行时"),
            Fact::Address(_) => t!("Address", "地址"),
        }
    }

    /// The text of a fact that is just text (ids, headers, names, URLs, messages), as it came.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Fact::RequestId(s)
            | Fact::Edge(s)
            | Fact::ServerDate(s)
            | Fact::Server(s)
            | Fact::ErrorType(s)
            | Fact::ErrorMessage(s)
            | Fact::RetryAfter(s)
            | Fact::PageTitle(s)
            | Fact::Host(s)
            | Fact::BaseUsed(s)
            | Fact::Model(s)
            | Fact::RedirectedTo(s)
            | Fact::Offending(s)
            | Fact::StatusDescription(s)
            | Fact::ComponentState(s)
            | Fact::Incident(s)
            | Fact::Link(s)
            | Fact::Command(s)
            | Fact::ControlHost(s)
            | Fact::Setting(s)
            | Fact::Proxy(s)
            | Fact::TlsVersion(s)
            | Fact::Alpn(s)
            | Fact::Cipher(s)
            | Fact::Subject(s)
            | Fact::Issuer(s)
            | Fact::Address(s) => Some(s),
            _ => None,
        }
    }

    /// The value as text in `lang`; numbers carry their unit. Integer arithmetic only: float formatting
    /// would add kilobytes of formatting code to the wasm.
    pub fn value(&self, lang: Lang) -> String {
        if let Some(text) = self.as_text() {
            return text.to_string();
        }
        match self {
            // `as` saturates: a negative or absurd reading cannot wrap around.
            Fact::Elapsed(ms) | Fact::Duration(_, ms) => format!("{} ms", ms.round() as u64),
            Fact::ClockSkew(s) => signed_seconds(*s),
            Fact::Samples(n) => n.to_string(),
            Fact::Method(Method::ResourceTiming) => {
                "Resource Timing (Timing-Allow-Origin)".to_string()
            }
            Fact::Method(Method::FetchRoundTrip) => "performance.now() + fetch".to_string(),
            Fact::Method(Method::Sockets) => t!(
                "timed at the socket: DNS, connect, TLS, first byte",
                "在套接字层计时：DNS、连接、TLS、首字节",
            )
            .get(lang)
            .to_string(),
            Fact::RateLimit {
                remaining,
                limit,
                reset_in_s,
                ..
            } => match reset_in_s {
                Some(s) => format!(
                    "{remaining} / {limit} · {} {}",
                    t!("resets in", "重置于").get(lang),
                    signed_seconds(*s).trim_start_matches('+')
                ),
                None => format!("{remaining} / {limit}"),
            },
            Fact::Resolver(_, view) => view.text(lang),
            Fact::SuccessRatio { ok, total } => {
                format!(
                    "{ok} / {total} ({} %)",
                    // In floating point: a shared report can claim any counts, and `ok * 100` could overflow.
                    if *total == 0 {
                        0
                    } else {
                        (*ok as f64 * 100.0 / *total as f64) as usize
                    }
                )
            }
            Fact::Failures(kinds) if kinds.is_empty() => t!("none", "无").get(lang).to_string(),
            Fact::Failures(kinds) => kinds
                .iter()
                .map(|(k, n)| format!("{} ×{n}", k.label().get(lang)))
                .collect::<Vec<_>>()
                .join(", "),
            Fact::Timeline(points) => {
                let span = points.last().map_or(0.0, |p| p.at_ms + p.elapsed_ms);
                format!(
                    "{} × {}",
                    points.len(),
                    signed_seconds((span / 1000.0).round() as i64).trim_start_matches('+')
                )
            }
            Fact::StreamChunks { events, chunks } => format!("{events} / {chunks}"),
            Fact::TimeoutMs(ms) => format!("{}.{} s", ms / 1000, ms % 1000 / 100),
            Fact::HttpStatus(code) => code.to_string(),
            Fact::KeyLength(n) | Fact::ModelCount(n) => n.to_string(),
            Fact::KeyKind(kind) => kind.to_string(),
            Fact::Connection { to, error, ms } => format!(
                "{to}: {} · {} ms",
                net_error_label(*error).get(lang),
                ms.max(0.0).round() as u64
            ),
            Fact::CaFile { var, path, state } => {
                format!("{var}={path}: {}", file_state_label(*state).get(lang))
            }
            Fact::Expires(secs) => super::time::rfc3339(secs.saturating_mul(1000) as f64),
            Fact::Trust { source, result } => {
                format!("{source}: {}", trust_label(*result).get(lang))
            }
            Fact::FailsFor(runtime) => runtime.label().get(lang).to_string(),
            // Text facts returned above.
            _ => String::new(),
        }
    }

    /// The fact's stable name within one finding: its [`Fact::key`], told apart where a finding can hold two
    /// of a kind (`resolver_1`, `rate_limit_input-tokens`); the items of a list (incidents) share theirs. Never
    /// reworded; the page renders it as `data-fact`.
    pub fn slot(&self) -> String {
        match self {
            Fact::Resolver(n, _) => format!("resolver_{n}"),
            Fact::RateLimit { name, .. } => format!("rate_limit_{name}"),
            other => other.key().to_string(),
        }
    }

    /// The fact's stable snake_case name for machine-readable exports; never reworded, like check codes.
    pub fn key(&self) -> &'static str {
        match self {
            Fact::Elapsed(_) => "elapsed_ms",
            Fact::TimeoutMs(_) => "timeout_ms",
            Fact::HttpStatus(_) => "http_status",
            Fact::RequestId(_) => "request_id",
            Fact::Edge(_) => "edge",
            Fact::ServerDate(_) => "server_date",
            Fact::Server(_) => "server",
            Fact::ErrorType(_) => "error_type",
            Fact::ErrorMessage(_) => "error_message",
            Fact::RetryAfter(_) => "retry_after",
            Fact::PageTitle(_) => "page_title",
            Fact::Host(_) => "host",
            Fact::BaseUsed(_) => "base_used",
            Fact::KeyKind(_) => "key_kind",
            Fact::KeyLength(_) => "key_length",
            Fact::Model(_) => "model",
            Fact::ModelCount(_) => "model_count",
            Fact::RedirectedTo(_) => "redirected_to",
            Fact::Offending(_) => "offending",
            Fact::Duration(which, _) => match which {
                Timing::Min => "duration_min_ms",
                Timing::Median => "duration_median_ms",
                Timing::P90 => "duration_p90_ms",
                Timing::Jitter => "duration_jitter_ms",
                Timing::Cold => "duration_cold_ms",
                Timing::Setup => "duration_setup_ms",
                Timing::ControlMedian => "duration_control_median_ms",
                Timing::FirstToken => "duration_first_token_ms",
                Timing::Dns => "duration_dns_ms",
                Timing::Connect => "duration_connect_ms",
                Timing::Tls => "duration_tls_ms",
                Timing::Ttfb => "duration_ttfb_ms",
                Timing::Idle => "duration_idle_ms",
            },
            Fact::ClockSkew(_) => "clock_skew_s",
            Fact::Samples(_) => "samples",
            Fact::Method(_) => "method",
            Fact::RateLimit { .. } => "rate_limit",
            Fact::StatusDescription(_) => "status_description",
            Fact::ComponentState(_) => "component_state",
            Fact::Incident(_) => "incident",
            Fact::Link(_) => "link",
            Fact::Resolver(..) => "resolver",
            Fact::Command(_) => "command",
            Fact::ControlHost(_) => "control_host",
            Fact::SuccessRatio { .. } => "success_ratio",
            Fact::Failures(_) => "failures",
            Fact::Timeline(_) => "timeline",
            Fact::StreamChunks { .. } => "stream_chunks",
            Fact::Setting(_) => "setting",
            Fact::Connection { .. } => "connection",
            Fact::Proxy(_) => "proxy",
            Fact::CaFile { .. } => "ca_file",
            Fact::TlsVersion(_) => "tls_version",
            Fact::Alpn(_) => "alpn",
            Fact::Cipher(_) => "cipher",
            Fact::Subject(_) => "subject",
            Fact::Issuer(_) => "issuer",
            Fact::Expires(_) => "expires",
            Fact::Trust { .. } => "trust",
            Fact::FailsFor(_) => "fails_for",
            Fact::Address(_) => "address",
        }
    }
}

/// How a connection ended, for people.
pub fn net_error_label(error: Option<NetError>) -> Text {
    match error {
        None => t!("connected", "已连接"),
        Some(NetError::Refused) => t!("refused", "被拒绝"),
        Some(NetError::Reset) => t!("reset", "被重置"),
        Some(NetError::Unreachable) => t!("unreachable", "不可达"),
        Some(NetError::TimedOut) => t!("no answer (timed out)", "无响应（超时）"),
        Some(NetError::Closed) => t!("closed without an answer", "未响应即关闭"),
        Some(NetError::ProxyStatus(_)) => t!("refused by the proxy", "被代理拒绝"),
        Some(NetError::NotTls) => t!("not TLS", "不是 TLS"),
        Some(NetError::TlsAlert) => t!("TLS alert", "TLS 告警"),
        Some(NetError::BadAnswer) => t!("not an HTTP answer", "不是 HTTP 响应"),
        Some(NetError::Other) => t!("failed", "失败"),
    }
}

/// What reading a CA file gave, for people.
pub fn file_state_label(state: FileState) -> Text {
    match state {
        FileState::Pem { .. } => t!("PEM certificates", "PEM 证书"),
        FileState::Dir { .. } => t!("a folder of certificates", "证书文件夹"),
        FileState::Missing => t!("no such file", "文件不存在"),
        FileState::IsDir => t!("a folder, not a file", "是文件夹而不是文件"),
        FileState::Unreadable => t!("cannot be read", "无法读取"),
        FileState::Empty => t!("empty", "为空"),
        FileState::NotPem => t!("not PEM certificates", "不是 PEM 证书"),
    }
}

/// What a trust source said, for people.
pub fn trust_label(result: TrustResult) -> Text {
    match result {
        TrustResult::Trusted => t!("trusted", "受信任"),
        TrustResult::UnknownIssuer => t!("unknown issuer", "未知签发者"),
        TrustResult::Expired => t!("expired", "已过期"),
        TrustResult::NotYetValid => t!("not yet valid", "尚未生效"),
        TrustResult::WrongName => t!("issued for another name", "签发给其他名称"),
        TrustResult::Unusable => t!("nothing to trust in it", "其中没有可信任的证书"),
        TrustResult::Invalid => t!("invalid", "无效"),
    }
}

/// Seconds with a sign and the largest sensible units: `+45 s`, `-3 min 20 s`, `+2 h 5 min`, `+3 d 4 h`.
pub fn signed_seconds(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "+" };
    let s = secs.unsigned_abs();
    let (d, h, m, rest) = (s / 86_400, s / 3_600 % 24, s / 60 % 60, s % 60);
    let body = if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min {rest} s")
    } else {
        format!("{rest} s")
    };
    format!("{sign}{body}")
}

/// What one check concluded.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub code: &'static str,
    pub outcome: &'static Outcome,
    pub facts: Vec<Fact>,
}

impl Finding {
    /// A finding with no facts.
    pub fn new(code: &'static str, outcome: &'static Outcome) -> Self {
        Finding {
            code,
            outcome,
            facts: Vec::new(),
        }
    }

    /// Adds a fact.
    pub fn with(mut self, fact: Fact) -> Self {
        self.facts.push(fact);
        self
    }

    /// Adds facts.
    pub fn with_all(mut self, facts: impl IntoIterator<Item = Fact>) -> Self {
        self.facts.extend(facts);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_tell_apart_two_facts_of_a_kind() {
        let limit = |name| Fact::RateLimit {
            name,
            remaining: 1,
            limit: 2,
            reset_in_s: None,
        };
        let view = crate::core::dns::ResolverView::parse("x: no address");
        let rows = [
            (Fact::Resolver(1, view.clone()), "resolver_1"),
            (Fact::Resolver(2, view), "resolver_2"),
            (limit("requests"), "rate_limit_requests"),
            (limit("input-tokens"), "rate_limit_input-tokens"),
            (Fact::HttpStatus(401), "http_status"),
            (Fact::Duration(Timing::P90, 1.0), "duration_p90_ms"),
        ];
        for (fact, slot) in rows {
            assert_eq!(fact.slot(), slot, "{fact:?}");
        }
    }

    #[test]
    fn values_carry_their_units() {
        let rows = [
            (Fact::Elapsed(41.6), "42 ms"),
            (Fact::Elapsed(-3.0), "0 ms"),
            (Fact::TimeoutMs(10_000), "10.0 s"),
            (Fact::TimeoutMs(2_750), "2.7 s"),
            (Fact::HttpStatus(529), "529"),
            (Fact::KeyKind("api-key"), "api-key"),
            (Fact::RequestId("req_1".into()), "req_1"),
            (Fact::Duration(Timing::Median, 87.5), "88 ms"),
            (Fact::ClockSkew(-200), "-3 min 20 s"),
            (Fact::ClockSkew(7_500), "+2 h 5 min"),
            (Fact::ClockSkew(273_600), "+3 d 4 h"),
            (Fact::ClockSkew(0), "+0 s"),
            (Fact::SuccessRatio { ok: 9, total: 12 }, "9 / 12 (75 %)"),
            (Fact::SuccessRatio { ok: 0, total: 0 }, "0 / 0 (0 %)"),
            (
                Fact::RateLimit {
                    name: "requests",
                    remaining: 2,
                    limit: 50,
                    reset_in_s: Some(20),
                },
                "2 / 50 · resets in 20 s",
            ),
            (
                Fact::Failures(vec![(SampleKind::Overloaded, 2), (SampleKind::TimedOut, 1)]),
                "529 overloaded ×2, timed out ×1",
            ),
            (Fact::Failures(vec![]), "none"),
            (
                Fact::StreamChunks {
                    events: 7,
                    chunks: 1,
                },
                "7 / 1",
            ),
        ];
        for (fact, want) in rows {
            assert_eq!(fact.value(Lang::En), want, "{fact:?}");
        }
        // A shared report can claim any counts: the share is still right instead of overflowing.
        let huge = Fact::SuccessRatio {
            ok: usize::MAX,
            total: usize::MAX,
        };
        assert_eq!(
            huge.value(Lang::En),
            format!("{0} / {0} (100 %)", usize::MAX)
        );
    }
}
