//! Findings: what one check concluded, as a stable outcome with typed facts.

use super::i18n::Text;

/// The layers, lowest first: the verdict names the lowest one that fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    Page,
    Dns,
    Network,
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
            Layer::Dns => "dns",
            Layer::Network => "network",
            Layer::Cors => "cors",
            Layer::Auth => "auth",
            Layer::Service => "service",
            Layer::Performance => "performance",
        }
    }

    /// The layer's name for people.
    pub fn label(self) -> Text {
        use super::i18n::t;
        match self {
            Layer::Page => t("Page and settings", "页面与设置"),
            Layer::Dns => t("DNS", "DNS"),
            Layer::Network => t("Network", "网络"),
            Layer::Cors => t("Browser access (CORS)", "浏览器访问（CORS）"),
            Layer::Auth => t("Key", "密钥"),
            Layer::Service => t("Service", "服务"),
            Layer::Performance => t("Speed", "速度"),
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
        use super::i18n::t;
        match self {
            Status::Pass => t("Pass", "通过"),
            Status::Warn => t("Warning", "警告"),
            Status::Fail => t("Fail", "失败"),
            Status::Info => t("Info", "信息"),
            Status::Skipped => t("Skipped", "已跳过"),
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
}

impl Fact {
    /// The fact's name for people; the renderer formats the value.
    pub fn label(&self) -> Text {
        use super::i18n::t;
        match self {
            Fact::Elapsed(_) => t("Time", "耗时"),
            Fact::TimeoutMs(_) => t("Gave up after", "超时时间"),
            Fact::HttpStatus(_) => t("HTTP status", "HTTP 状态码"),
            Fact::RequestId(_) => t("Request id", "请求 ID"),
            Fact::Edge(_) => t("Edge location", "边缘节点"),
            Fact::ServerDate(_) => t("Server date", "服务器时间"),
            Fact::Server(_) => t("Server", "服务器"),
            Fact::ErrorType(_) => t("Error type", "错误类型"),
            Fact::ErrorMessage(_) => t("Message", "消息"),
            Fact::RetryAfter(_) => t("Retry after (s)", "重试等待（秒）"),
            Fact::PageTitle(_) => t("Page title", "页面标题"),
            Fact::Host(_) => t("Host", "主机"),
            Fact::BaseUsed(_) => t("Base URL used", "实际使用的基础 URL"),
            Fact::KeyKind(_) => t("Key kind", "密钥类型"),
            Fact::KeyLength(_) => t("Key length (characters)", "密钥长度（字符）"),
            Fact::Model(_) => t("Model", "模型"),
            Fact::ModelCount(_) => t("Models listed", "列出的模型数"),
            Fact::RedirectedTo(_) => t("Redirected to", "重定向到"),
            Fact::Offending(_) => t("The part in question", "有问题的部分"),
        }
    }

    /// The value as text; numbers carry their unit. Integer arithmetic only: float formatting would add
    /// kilobytes of formatting code to the wasm for two numbers.
    pub fn value(&self) -> String {
        match self {
            // `as` saturates: a negative or absurd reading cannot wrap around.
            Fact::Elapsed(ms) => format!("{} ms", ms.round() as u64),
            Fact::TimeoutMs(ms) => format!("{}.{} s", ms / 1000, ms % 1000 / 100),
            Fact::HttpStatus(code) => code.to_string(),
            Fact::KeyLength(n) | Fact::ModelCount(n) => n.to_string(),
            Fact::KeyKind(kind) => kind.to_string(),
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
            | Fact::Offending(s) => s.clone(),
        }
    }
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
    fn values_carry_their_units() {
        let rows = [
            (Fact::Elapsed(41.6), "42 ms"),
            (Fact::Elapsed(-3.0), "0 ms"),
            (Fact::TimeoutMs(10_000), "10.0 s"),
            (Fact::TimeoutMs(2_750), "2.7 s"),
            (Fact::HttpStatus(529), "529"),
            (Fact::KeyKind("api-key"), "api-key"),
            (Fact::RequestId("req_1".into()), "req_1"),
        ];
        for (fact, want) in rows {
            assert_eq!(fact.value(), want, "{fact:?}");
        }
    }
}
