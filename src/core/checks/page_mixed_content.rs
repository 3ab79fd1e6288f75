//! `page.mixed_content`: an `https:` page cannot fetch an `http:` target that is not this machine.

use super::Check;
use crate::core::finding::{Finding, Layer, Outcome, Status};
use crate::core::i18n::t;
use crate::core::input::{Applies, Context};
use crate::core::observation::Observations;

const CODE: &str = "page.mixed_content";

pub static OK: Outcome = Outcome {
    id: "ok",
    status: Status::Pass,
    layer: Layer::Page,
    title: t!(
        "The browser allows requests to this target",
        "浏览器允许向该目标发送请求",
    ),
    detail: t!(
        "Either both use https, or the target is this machine.",
        "两者都使用 https，或者目标就是本机。",
    ),
    fix: None,
    snippets: &[],
};

pub static BLOCKED: Outcome = Outcome {
    id: "blocked",
    status: Status::Fail,
    layer: Layer::Page,
    title: t!("Blocked as mixed content", "被作为混合内容拦截"),
    detail: t!(
        "This page was loaded over https, and browsers refuse its requests to a plain-http host that is not this machine. Nothing was sent. A browser app on https hits the same wall.",
        "本页通过 https 加载，浏览器会拒绝它向非本机的 http 主机发出的请求，因此什么也没有发送。部署在 https 上的浏览器应用也会遇到同样的问题。",
    ),
    fix: Some(t!(
        "Serve the gateway over https (a certificate from any public CA), or test from a back end rather than a browser.",
        "让网关通过 https 提供服务（使用任意公共 CA 签发的证书），或改从后端而不是浏览器进行调用。",
    )),
    snippets: &[],
};

pub static CHECK: Check = Check {
    code: CODE,
    wire: 1,
    applies: Applies::BrowserOnly,
    layer: Layer::Page,
    title: t!("Mixed content", "混合内容"),
    depends_on: &["page.target"],
    probes: &[],
    outcomes: &[(0, &OK), (1, &BLOCKED)],
    retired: &[],
    evaluate,
};

fn evaluate(ctx: &Context, _: &Observations) -> Option<Finding> {
    Some(Finding::new(
        CODE,
        if ctx.mixed_content_blocked() {
            &BLOCKED
        } else {
            &OK
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::key::AuthMode;

    #[test]
    fn outcomes_table() {
        // (base, page is https, outcome)
        let rows = [
            ("https://api.anthropic.com", true, "ok"),
            ("http://gw.example.com", true, "blocked"),
            ("http://gw.example.com", false, "ok"),
            ("http://localhost:8080", true, "ok"),
            ("http://127.0.0.1:8787", true, "ok"),
            ("http://[::1]:8787", true, "ok"),
            ("http://10.1.2.3", true, "blocked"),
        ];
        let mut produced = Vec::new();
        for (base, secure, want) in rows {
            produced.push(want);
            let ctx = Context::new(base, AuthMode::ApiKey, None, secure);
            assert_eq!(
                evaluate(&ctx, &Default::default()).unwrap().outcome.id,
                want,
                "{base} secure={secure}"
            );
        }
        super::super::testing::assert_covers(&CHECK, produced);
    }
}
