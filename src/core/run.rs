//! One run's inputs and its plan: which probes to send, and which not and why.

use super::checks::{self, page_mixed_content};
use super::finding::Status;
use super::key::{ApiKey, AuthMode};
use super::observation::NotSent;
use super::probe::{self, ProbeId, ProbeSpec};
use super::target::{Target, TargetError};

/// Everything a run starts from.
#[derive(Clone, Debug)]
pub struct Context {
    /// The base URL as typed.
    pub base_input: String,
    pub target: Result<Target, TargetError>,
    pub auth: AuthMode,
    pub key: Option<ApiKey>,
    /// Whether the page itself was loaded over `https:`.
    pub page_secure: bool,
}

impl Context {
    /// Builds a context, parsing the base URL.
    pub fn new(
        base_input: &str,
        auth: AuthMode,
        key: Option<ApiKey>,
        page_secure: bool,
    ) -> Context {
        Context {
            base_input: base_input.to_string(),
            target: Target::parse(base_input),
            auth,
            key,
            page_secure,
        }
    }
}

/// A probe to send, or the reason it is not sent (recorded as its observation).
pub type Planned = Result<ProbeSpec, (ProbeId, NotSent)>;

/// The probes of a run, each once, in a stable order.
pub fn plan(ctx: &Context) -> Vec<Planned> {
    let mut ids: Vec<ProbeId> = checks::REGISTRY
        .iter()
        .flat_map(|c| c.probes.iter().copied())
        .collect();
    ids.sort();
    ids.dedup();
    let key_shape_broken = (checks::auth_key_shape::CHECK.evaluate)(ctx, &Default::default())
        .is_some_and(|f| f.outcome.status == Status::Fail);
    ids.into_iter()
        .map(|id| {
            let target = ctx
                .target
                .as_ref()
                .map_err(|_| (id, NotSent::InvalidTarget))?;
            if page_mixed_content::blocked(ctx) {
                return Err((id, NotSent::MixedContent));
            }
            if id == ProbeId::KeyModels {
                if ctx.key.is_none() {
                    return Err((id, NotSent::NoKey));
                }
                if key_shape_broken {
                    return Err((id, NotSent::KeyShape));
                }
            }
            Ok(probe::describe(id, target, ctx.auth))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Option<ApiKey> {
        ApiKey::new(format!("sk-ant-api03-{}AA", "k".repeat(93)))
    }

    fn sent(plan: &[Planned]) -> Vec<ProbeId> {
        plan.iter()
            .filter_map(|p| p.as_ref().ok().map(|s| s.id))
            .collect()
    }

    fn not_sent(plan: &[Planned]) -> Vec<(ProbeId, NotSent)> {
        plan.iter()
            .filter_map(|p| p.as_ref().err().copied())
            .collect()
    }

    #[test]
    fn no_key_sends_the_keyless_probes_only() {
        let p = plan(&Context::new(
            "https://api.anthropic.com",
            AuthMode::ApiKey,
            None,
            true,
        ));
        assert_eq!(sent(&p), [ProbeId::Reach, ProbeId::CorsRead]);
        assert_eq!(not_sent(&p), [(ProbeId::KeyModels, NotSent::NoKey)]);
    }

    #[test]
    fn a_key_adds_the_keyed_probe() {
        let p = plan(&Context::new(
            "https://api.anthropic.com",
            AuthMode::ApiKey,
            key(),
            true,
        ));
        assert_eq!(
            sent(&p),
            [ProbeId::Reach, ProbeId::CorsRead, ProbeId::KeyModels]
        );
    }

    #[test]
    fn an_invalid_target_sends_nothing() {
        let p = plan(&Context::new(
            "api.anthropic.com",
            AuthMode::ApiKey,
            key(),
            true,
        ));
        assert!(sent(&p).is_empty());
        assert!(not_sent(&p)
            .iter()
            .all(|(_, why)| *why == NotSent::InvalidTarget));
    }

    #[test]
    fn mixed_content_sends_nothing() {
        let p = plan(&Context::new(
            "http://gw.example.com",
            AuthMode::ApiKey,
            key(),
            true,
        ));
        assert!(sent(&p).is_empty());
        assert!(not_sent(&p)
            .iter()
            .all(|(_, why)| *why == NotSent::MixedContent));
        let loopback = plan(&Context::new(
            "http://127.0.0.1:9",
            AuthMode::ApiKey,
            key(),
            true,
        ));
        assert_eq!(sent(&loopback).len(), 3);
    }

    #[test]
    fn a_broken_key_is_not_sent() {
        let p = plan(&Context::new(
            "https://api.anthropic.com",
            AuthMode::ApiKey,
            ApiKey::new("\"sk\"".into()),
            false,
        ));
        assert_eq!(not_sent(&p), [(ProbeId::KeyModels, NotSent::KeyShape)]);
    }
}
