//! How a readable answer's body ended, for the checks that read one: stalled, cut or far too large.
//!
//! These are faults of the path, not of the key or the API: the status and headers arrived, then something
//! between the browser and the API throttled, reset or replaced the body. They are shared outcomes, given by
//! `cors.read` for the keyless answer and by `auth.key` when only the keyed one suffers.

use crate::core::finding::{Layer, Outcome, Status};
use crate::core::i18n::t;
use crate::core::observation::{BodyState, Response};
use crate::core::reply::Reply;

pub static BODY_STALLED: Outcome = Outcome {
    id: "body_stalled",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!(
        "The answer started, then stalled",
        "响应开始后停滞了",
    ),
    detail: t!(
        "The status and headers came, but the body trickled in and was not whole before the probe's timeout: a proxy, antivirus or content filter that holds responses to inspect them, or a badly congested link. Apps see this as \"Request timed out\" in the middle of a response.",
        "状态码和响应头已经到达，但响应体来得极慢，在探测超时前没有收完：可能是扣住响应进行检查的代理、杀毒软件或内容过滤器，或者严重拥塞的链路。应用会在读取响应的中途报告 \"Request timed out\"。",
    ),
    fix: Some(t!(
        "Try another network, or pause the antivirus's or proxy's web inspection; curl -v --max-time 30 against the base URL shows whether the body arrives on this machine.",
        "换一个网络试试，或暂停杀毒软件或代理的网页检查；对基础 URL 运行 curl -v --max-time 30 可以看出响应体能否在这台机器上到达。",
    )),
    snippets: &[],
};

pub static BODY_CUT: Outcome = Outcome {
    id: "body_cut",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!(
        "The connection broke in the middle of the answer",
        "连接在响应中途断开",
    ),
    detail: t!(
        "The status and headers came, then the connection was closed or reset before the body ended: a proxy, firewall or VPN that cuts connections, or an unstable link. Apps see this as \"Connection error.\" even though the API answered.",
        "状态码和响应头已经到达，随后连接在响应体结束前被关闭或重置：可能是会切断连接的代理、防火墙或 VPN，或者不稳定的链路。即使 API 已经作答，应用也会报告 \"Connection error.\"。",
    ),
    fix: Some(t!(
        "Run the checks again, then from another network; if it persists, look at the proxy's or VPN's logs. curl -v shows where the transfer stops.",
        "再运行一次检测，然后换一个网络试试；如果问题持续，请查看代理或 VPN 的日志。curl -v 可以显示传输在哪里中断。",
    )),
    snippets: &[],
};

pub static BODY_TOO_LARGE: Outcome = Outcome {
    id: "body_too_large",
    status: Status::Fail,
    layer: Layer::Network,
    title: t!(
        "The answer was far larger than the API's",
        "响应远大于 API 的响应",
    ),
    detail: t!(
        "The body went on past the page's limit for this request (64 KiB, where the API's answer is a few hundred bytes) without being the API's JSON: something else answered, such as a captive portal, a download or a misrouted service.",
        "响应体超出了页面对这个请求的上限（64 KiB，而 API 的响应只有几百字节），且不是 API 的 JSON：作答的是别的东西，例如网络登录页、一个下载或路由错误的服务。",
    ),
    fix: Some(t!(
        "Open the base URL's /v1/models in a browser tab or with curl -i to see what answers, and check the base URL and any proxy settings.",
        "在浏览器标签页中打开基础 URL 的 /v1/models，或用 curl -i 查看是谁在作答，并检查基础 URL 和代理设置。",
    )),
    snippets: &[],
};

/// The outcome for a body that did not end well and could not be read as anything, or None.
///
/// A body that ended badly but still reads as something (an HTML page, the API's error) is judged by what
/// it says: the path delivered enough of it.
pub fn judge(r: &Response, reply: &Reply) -> Option<&'static Outcome> {
    if !matches!(reply, Reply::Malformed | Reply::Empty) {
        return None;
    }
    match r.body_state {
        BodyState::Complete => None,
        BodyState::TimedOut => Some(&BODY_STALLED),
        BodyState::Broken => Some(&BODY_CUT),
        BodyState::Truncated => Some(&BODY_TOO_LARGE),
    }
}

/// A readable answer whose body ended in `state` after its first bytes, for the checks' tables.
#[cfg(test)]
pub fn ended(state: BodyState) -> crate::core::observation::Observation {
    let mut r = crate::core::fixtures::resp(401, "application/json", r#"{"type":"er"#, &[]);
    r.body_state = state;
    crate::core::observation::Observation::Response(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::resp;
    use crate::core::reply::{self};

    #[test]
    fn a_body_that_ended_badly_is_named_only_when_it_reads_as_nothing() {
        let part = r#"{"type":"error","error":{"type":"authent"#;
        let rows = [
            (BodyState::TimedOut, part, Some("body_stalled")),
            (BodyState::Broken, part, Some("body_cut")),
            (BodyState::Truncated, "xxxxxxxx", Some("body_too_large")),
            (BodyState::Broken, "", Some("body_cut")),
            (BodyState::Complete, part, None),
            // Enough arrived to read the API's error, or a page: it is judged by what it says.
            (
                BodyState::Broken,
                r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
                None,
            ),
            (BodyState::Truncated, "<html><title>Portal</title>", None),
        ];
        for (state, body, want) in rows {
            let mut r = resp(401, "application/json", body, &[]);
            r.body_state = state;
            let got = judge(&r, &reply::classify(&r)).map(|o| o.id);
            assert_eq!(got, want, "{state:?} {body:?}");
        }
    }
}
