//! The plan of a run: which probes to send and when, and which not and why.
//!
//! Planning is incremental: [`next`] is asked again whenever an observation lands, and hands out the
//! probes whose turn has come. Independent probes go out at once and concurrently; the streamed message
//! waits for the model list; the latency series runs alone, one round trip at a time, after everything
//! else, so that it measures the network and not the page; watch mode comes last.
//!
//! The plan reads the inputs and the observations, and of the checks only which probes each one reads:
//! it never asks a check for its finding, so a check's statuses cannot change what is sent.

use super::checks::{IN_PAGE, REGISTRY};
use super::input::{Context, Vantage};
use super::native;
use super::observation::{NotSent, Observation, Observations};
use super::probe::{self, ProbeId, ProbeSpec};
use super::reply::{self, Reply};
use super::select;
use super::target::{Scheme, Target};

/// The latency series stops after this many failures in a row: a dead path has nothing left to time.
pub const SERIES_STOP_AFTER: usize = 2;

/// A probe to send, or the reason it is not sent (recorded as its observation).
pub type Planned = Result<ProbeSpec, (ProbeId, NotSent)>;

/// Whether a side probe's URL (control, resolver, status page) can be sent from this page.
pub fn side_url(url: &str, page_secure: bool) -> Result<(), NotSent> {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(NotSent::InvalidUrl);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let origin =
        Target::parse(&format!("{scheme}://{authority}")).map_err(|_| NotSent::InvalidUrl)?;
    if url.len() > 2_000 || url.chars().any(char::is_whitespace) {
        return Err(NotSent::InvalidUrl);
    }
    if page_secure && origin.scheme == Scheme::Http && !origin.is_loopback() {
        return Err(NotSent::MixedContent);
    }
    Ok(())
}

/// The probes of a run before anything is observed.
pub fn plan(ctx: &Context) -> Vec<Planned> {
    next(ctx, &Observations::new(), &[])
}

/// The probes whose turn has come, given what has been observed and what has already been started
/// (observed or in flight); each probe is handed out once.
pub fn next(ctx: &Context, obs: &Observations, started: &[ProbeId]) -> Vec<Planned> {
    let mut out = Vec::new();
    // Native probes are planned only natively; the branch is compiled out of the page (checks::IN_PAGE).
    let native = !IN_PAGE && ctx.vantage == Vantage::Native;
    let mut give = |p: Planned| {
        let id = match &p {
            Ok(spec) => spec.id,
            Err((id, _)) => *id,
        };
        if !started.contains(&id) && wanted(ctx, id) {
            // Natively every request says how it reaches its host: the route the app's settings give.
            out.push(p.map(|mut spec| {
                // IN_PAGE here too: the closure does not see that `native` is always false in the wasm.
                if !IN_PAGE && native && spec.net.is_none() {
                    spec.net = native::request_net(&ctx.native, &spec.url).map(Box::new);
                }
                if let Some(limit) = ctx.settings.probe_timeout_ms {
                    spec.timeout_ms = spec.timeout_ms.min(limit.max(1));
                }
                spec
            }));
        }
    };
    for id in FIRST_WAVE {
        give(first_wave(ctx, id));
    }
    // A probe no check reads counts as done, so that it cannot hold up the probes after it.
    let seen = |id: &ProbeId| !wanted(ctx, *id) || obs.contains_key(id);
    let mut native_done = true;
    if native {
        give(cors_headers(ctx, ProbeId::CorsHeaders(0)));
        give(cors_headers(ctx, ProbeId::CorsHeaders(1)));
        give(upload(ctx));
        give(idle(ctx));
        native_done &= seen(&ProbeId::CorsHeaders(0))
            && seen(&ProbeId::CorsHeaders(1))
            && seen(&ProbeId::Upload)
            && seen(&ProbeId::Idle);
        give(resolve(ctx));
        for p in tunnels(ctx) {
            native_done &= seen(&planned_id(&p));
            give(p);
        }
        native_done &= seen(&ProbeId::Resolve);
        if seen(&ProbeId::Resolve) {
            for p in direct_paths(ctx, obs) {
                native_done &= seen(&planned_id(&p));
                give(p);
            }
        }
    }
    if seen(&ProbeId::KeyModels) {
        give(message(ctx, obs));
    }
    if seen(&ProbeId::CorsRead) && seen(&ProbeId::CorsPlain) {
        for id in PREFLIGHTS {
            give(preflight(ctx, obs, id));
        }
    }
    let first_done = FIRST_WAVE.iter().all(seen)
        && seen(&ProbeId::Message)
        && PREFLIGHTS.iter().all(seen)
        && native_done;
    if !first_done {
        return out;
    }
    let mut series_done = true;
    for p in latency_series(ctx, obs) {
        let id = match &p {
            Ok(spec) => spec.id,
            Err((id, _)) => *id,
        };
        if !seen(&id) {
            series_done = false;
            give(p);
            break;
        }
    }
    if series_done {
        give(watch(ctx));
    }
    out
}

/// The probe a planned entry names.
fn planned_id(p: &Planned) -> ProbeId {
    match p {
        Ok(spec) => spec.id,
        Err((id, _)) => *id,
    }
}

/// A native probe of the target: a keyless GET of the model list, carrying `net`.
fn native_probe(ctx: &Context, id: ProbeId, target: &Target, net: probe::NetSpec) -> ProbeSpec {
    let mut spec =
        probe::describe(ProbeId::CorsRead, target, ctx.auth, &ctx.settings.version).with_id(id);
    // A path's request is judged by how far it got, not followed anywhere.
    spec.follow_redirects = false;
    spec.net = Some(Box::new(net));
    spec
}

/// Natively: a browser app's preflight (0) and keyless request (1), from a made-up origin, to be read
/// header by header.
fn cors_headers(ctx: &Context, id: ProbeId) -> Planned {
    use super::checks::cors_headers::{ORIGIN, REQUESTED};
    let target = target_for(ctx, id)?;
    let mut spec =
        probe::describe(ProbeId::CorsRead, target, ctx.auth, &ctx.settings.version).with_id(id);
    spec.follow_redirects = false;
    if id == ProbeId::CorsHeaders(0) {
        spec.method = "OPTIONS";
        spec.headers = vec![
            ("origin", ORIGIN.to_string()),
            ("access-control-request-method", "GET".to_string()),
            ("access-control-request-headers", REQUESTED.join(",")),
        ];
    } else {
        spec.headers.push(("origin", ORIGIN.to_string()));
    }
    Ok(spec)
}

/// Natively and when asked: a body of a few megabytes to `count_tokens` (free), with the key when there is
/// a usable one, so that the server reads the whole body before it answers.
fn upload(ctx: &Context) -> Planned {
    use super::checks::network_upload::UPLOAD_BYTES;
    let id = ProbeId::Upload;
    if !ctx.settings.upload {
        return Err((id, NotSent::Off));
    }
    let target = target_for(ctx, id)?;
    let model = ctx
        .model()
        .filter(|m| probe::valid_model(m))
        .unwrap_or("claude-haiku-4-5");
    let mut spec =
        probe::describe(ProbeId::CorsRead, target, ctx.auth, &ctx.settings.version).with_id(id);
    spec.url = target.url("/v1/messages/count_tokens");
    spec.method = "POST";
    spec.follow_redirects = false;
    spec.headers
        .push(("content-type", "application/json".to_string()));
    spec.credential = ctx.key_usable().then_some(ctx.auth);
    let filler = "a".repeat(UPLOAD_BYTES);
    spec.body = Some(format!(
        r#"{{"model":"{model}","messages":[{{"role":"user","content":"{filler}"}}]}}"#
    ));
    spec.timeout_ms = probe::MESSAGE_TIMEOUT_MS;
    Ok(spec)
}

/// The longest idle wait a run may ask for: ten minutes, past any pool's or middlebox's idle timeout.
pub const MAX_IDLE_SECS: u32 = 600;

/// Natively and when asked: one keyless request, an idle wait, the same request on the same connection.
fn idle(ctx: &Context) -> Planned {
    let id = ProbeId::Idle;
    if ctx.settings.idle_secs == 0 {
        return Err((id, NotSent::Off));
    }
    let target = target_for(ctx, id)?;
    let mut spec =
        probe::describe(ProbeId::CorsRead, target, ctx.auth, &ctx.settings.version).with_id(id);
    spec.follow_redirects = false;
    let mut net =
        native::request_net(&ctx.native, &spec.url).ok_or((id, NotSent::InvalidTarget))?;
    net.kind = probe::NetKind::Idle(ctx.settings.idle_secs.min(MAX_IDLE_SECS));
    spec.net = Some(Box::new(net));
    Ok(spec)
}

/// Natively: the system resolver, unless the host is an address or `--resolve` names it.
fn resolve(ctx: &Context) -> Planned {
    let id = ProbeId::Resolve;
    let target = target_for(ctx, id)?;
    let port = target.port_or_default();
    if !native::resolvable(target) || ctx.native.override_for(&target.host, port).is_some() {
        return Err((id, NotSent::NotApplicable));
    }
    Ok(native_probe(
        ctx,
        id,
        target,
        native::resolve_net(&ctx.native, target),
    ))
}

/// Natively: one path per address of the target, once the addresses are known.
fn direct_paths(ctx: &Context, obs: &Observations) -> Vec<Planned> {
    let target = match target_for(ctx, ProbeId::Path(0)) {
        Ok(t) => t,
        Err(e) => return vec![Err(e)],
    };
    let addrs = native::addresses(&ctx.native, target, obs);
    if addrs.is_empty() {
        return vec![Err((ProbeId::Path(0), NotSent::Prerequisite))];
    }
    addrs
        .iter()
        .enumerate()
        .map(|(i, addr)| {
            let net = native::direct_path_net(&ctx.native, target, addr);
            Ok(native_probe(ctx, ProbeId::Path(i as u8), target, net))
        })
        .collect()
}

/// Natively: one path through each proxy the environment names, or none to try.
fn tunnels(ctx: &Context) -> Vec<Planned> {
    let target = match target_for(ctx, ProbeId::Tunnel(0)) {
        Ok(t) => t,
        Err(e) => return vec![Err(e)],
    };
    let count = native::proxies(&ctx.native, target).len();
    if count == 0 {
        return vec![Err((ProbeId::Tunnel(0), NotSent::NotApplicable))];
    }
    (0..count)
        .map(|i| {
            let id = ProbeId::Tunnel(i as u8);
            match native::tunnel_net(&ctx.native, target, i) {
                Some(net) => Ok(native_probe(ctx, id, target, net)),
                None => Err((id, NotSent::NotApplicable)),
            }
        })
        .collect()
}

/// The probes that go out at once.
const FIRST_WAVE: [ProbeId; 9] = [
    ProbeId::Control,
    ProbeId::Doh(0),
    ProbeId::Doh(1),
    ProbeId::Reach,
    ProbeId::CorsRead,
    ProbeId::CorsPlain,
    ProbeId::KeyModels,
    ProbeId::Model,
    ProbeId::Status,
];

/// Whether a check the run shows reads this kind of probe.
fn wanted(ctx: &Context, id: ProbeId) -> bool {
    let kind = std::mem::discriminant(&id);
    REGISTRY
        .iter()
        .filter(|c| select::shown(ctx, c))
        .flat_map(|c| c.probes.iter())
        .any(|p| std::mem::discriminant(p) == kind)
}

/// The target, or why probes to it are not sent.
fn target_for(ctx: &Context, id: ProbeId) -> Result<&Target, (ProbeId, NotSent)> {
    let target = ctx
        .target
        .as_ref()
        .map_err(|_| (id, NotSent::InvalidTarget))?;
    if ctx.mixed_content_blocked() {
        return Err((id, NotSent::MixedContent));
    }
    Ok(target)
}

/// The key, or why keyed probes are not sent.
fn key_for(ctx: &Context, id: ProbeId) -> Result<(), (ProbeId, NotSent)> {
    if ctx.key.is_none() {
        return Err((id, NotSent::NoKey));
    }
    if !ctx.key_usable() {
        return Err((id, NotSent::KeyShape));
    }
    Ok(())
}

/// One probe of the first wave.
fn first_wave(ctx: &Context, id: ProbeId) -> Planned {
    let s = &ctx.settings;
    // Mixed content is a browser rule: natively any scheme may be sent.
    let secure = ctx.page_secure && ctx.vantage == Vantage::Browser;
    let side = |url: &str| side_url(url, secure).map_err(|why| (id, why));
    match id {
        ProbeId::Control => {
            side(&s.control_url)?;
            Ok(probe::control(id, s.control_url.trim()))
        }
        ProbeId::Doh(i) => {
            let resolver = &s.resolvers[usize::from(i).min(1)];
            let target = ctx
                .target
                .as_ref()
                .map_err(|_| (id, NotSent::InvalidTarget))?;
            if Context::dns_not_applicable(target) {
                return Err((id, NotSent::NotApplicable));
            }
            side(resolver)?;
            Ok(probe::doh(i, resolver.trim(), &target.host))
        }
        ProbeId::Status => {
            side(&s.status_url)?;
            Ok(probe::status(s.status_url.trim()))
        }
        ProbeId::KeyModels => {
            let target = target_for(ctx, id)?;
            key_for(ctx, id)?;
            Ok(probe::describe(id, target, ctx.auth, &s.version))
        }
        ProbeId::Model => {
            let target = target_for(ctx, id)?;
            let model = ctx
                .model()
                .filter(|m| probe::valid_model(m))
                .ok_or((id, NotSent::NotApplicable))?;
            key_for(ctx, id)?;
            Ok(probe::model(target, ctx.auth, &s.version, model))
        }
        _ => {
            let target = target_for(ctx, id)?;
            Ok(probe::describe(id, target, ctx.auth, &s.version))
        }
    }
}

/// The preflight probes, one per header of [`probe::PREFLIGHT_HEADERS`].
const PREFLIGHTS: [ProbeId; 3] = [
    ProbeId::Preflight(0),
    ProbeId::Preflight(1),
    ProbeId::Preflight(2),
];

/// A preflight probe, sent only when the readable probes say the preflight is in question.
fn preflight(ctx: &Context, obs: &Observations, id: ProbeId) -> Planned {
    let target = target_for(ctx, id)?;
    if !obs.preflight_in_question() {
        return Err((id, NotSent::NotApplicable));
    }
    Ok(probe::describe(id, target, ctx.auth, &ctx.settings.version))
}

/// The streamed message, once the model list has said which model to try.
fn message(ctx: &Context, obs: &Observations) -> Planned {
    let id = ProbeId::Message;
    if !ctx.settings.message {
        return Err((id, NotSent::Off));
    }
    let target = target_for(ctx, id)?;
    key_for(ctx, id)?;
    let listed = match obs.get(&ProbeId::KeyModels).and_then(Observation::response) {
        Some(r) if r.status == 200 => match reply::classify(r) {
            Reply::Models { ids } => ids,
            _ => return Err((id, NotSent::Prerequisite)),
        },
        _ => return Err((id, NotSent::Prerequisite)),
    };
    let model = match ctx.model() {
        Some(m) if probe::valid_model(m) => m,
        Some(_) => return Err((id, NotSent::Prerequisite)),
        None => listed
            .iter()
            .map(String::as_str)
            .find(|m| probe::valid_model(m))
            .ok_or((id, NotSent::Prerequisite))?,
    };
    Ok(probe::message(
        target,
        ctx.auth,
        &ctx.settings.version,
        model,
    ))
}

/// Each probe of the latency series, or why it is not sent.
fn latency_series(ctx: &Context, obs: &Observations) -> Vec<Planned> {
    let answered = |id| matches!(obs.get(&id), Some(Observation::Response(_)));
    let reach_ok = answered(ProbeId::Reach);
    let control_ok = answered(ProbeId::Control);
    // Browsers hide the Resource Timing phases of opaque answers even when the server allows them, so when
    // the readable probe showed `Timing-Allow-Origin`, the series is timed with readable requests instead.
    let readable = obs
        .get(&ProbeId::CorsRead)
        .and_then(Observation::response)
        .is_some_and(|r| r.header("timing-allow-origin").is_some());
    let mut failures_in_a_row = 0;
    ctx.series_order()
        .into_iter()
        .map(|id| {
            if let ProbeId::ControlLatency(_) = id {
                // The control's round trips are only a yardstick for the target's.
                if !control_ok || !reach_ok {
                    return Err((id, NotSent::Prerequisite));
                }
                return Ok(probe::control(id, ctx.settings.control_url.trim()));
            }
            let target = target_for(ctx, id)?;
            if !reach_ok {
                return Err((id, NotSent::Prerequisite));
            }
            if failures_in_a_row >= SERIES_STOP_AFTER {
                return Err((id, NotSent::Stopped));
            }
            match obs.get(&id) {
                Some(Observation::Response(_)) => failures_in_a_row = 0,
                Some(_) => failures_in_a_row += 1,
                None => {}
            }
            if readable {
                return Ok(probe::describe(
                    ProbeId::CorsRead,
                    target,
                    ctx.auth,
                    &ctx.settings.version,
                )
                .with_id(id));
            }
            Ok(probe::describe(id, target, ctx.auth, &ctx.settings.version))
        })
        .collect()
}

/// Watch mode's probe; the shell repeats it on the schedule of [`super::watch`].
fn watch(ctx: &Context) -> Planned {
    let id = ProbeId::Watch;
    if ctx.settings.watch_secs == 0 {
        return Err((id, NotSent::Off));
    }
    let target = target_for(ctx, id)?;
    let keyed = ctx.key_usable();
    Ok(probe::watch(target, ctx.auth, &ctx.settings.version, keyed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures as sim;
    use crate::core::fixtures::key;
    use crate::core::input::Settings;
    use crate::core::key::{ApiKey, AuthMode};

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
        assert_eq!(
            sent(&p),
            [
                ProbeId::Control,
                ProbeId::Doh(0),
                ProbeId::Doh(1),
                ProbeId::Reach,
                ProbeId::CorsRead,
                ProbeId::CorsPlain,
                ProbeId::Status
            ]
        );
        assert!(not_sent(&p).contains(&(ProbeId::KeyModels, NotSent::NoKey)));
        for (_, spec) in p.iter().flatten().map(|s| (s.id, s)) {
            assert!(spec.credential.is_none(), "{spec:?}");
        }
    }

    #[test]
    fn a_key_adds_the_keyed_probe() {
        let p = plan(&Context::new(
            "https://api.anthropic.com",
            AuthMode::ApiKey,
            key(),
            true,
        ));
        assert!(sent(&p).contains(&ProbeId::KeyModels));
        let keyed: Vec<_> = p
            .iter()
            .flatten()
            .filter(|s| s.credential.is_some())
            .map(|s| s.id)
            .collect();
        assert_eq!(keyed, [ProbeId::KeyModels]);
    }

    #[test]
    fn an_invalid_target_sends_only_what_does_not_need_it() {
        let p = plan(&Context::new(
            "api.anthropic.com",
            AuthMode::ApiKey,
            key(),
            true,
        ));
        assert_eq!(sent(&p), [ProbeId::Control, ProbeId::Status]);
        assert!(not_sent(&p)
            .iter()
            .all(|(_, why)| *why == NotSent::InvalidTarget));
    }

    #[test]
    fn mixed_content_sends_nothing_to_the_target() {
        let p = plan(&Context::new(
            "http://gw.example.com",
            AuthMode::ApiKey,
            key(),
            true,
        ));
        assert_eq!(
            sent(&p),
            [
                ProbeId::Control,
                ProbeId::Doh(0),
                ProbeId::Doh(1),
                ProbeId::Status
            ]
        );
        assert!(not_sent(&p)
            .iter()
            .all(|(_, why)| *why == NotSent::MixedContent));
        let loopback = plan(&Context::new(
            "http://127.0.0.1:9",
            AuthMode::ApiKey,
            key(),
            true,
        ));
        assert!(sent(&loopback).contains(&ProbeId::KeyModels));
        assert!(not_sent(&loopback).contains(&(ProbeId::Doh(0), NotSent::NotApplicable)));
    }

    #[test]
    fn a_broken_key_is_not_sent() {
        let p = plan(&Context::new(
            "https://api.anthropic.com",
            AuthMode::ApiKey,
            ApiKey::new("\"sk\"".into()),
            false,
        ));
        assert!(not_sent(&p).contains(&(ProbeId::KeyModels, NotSent::KeyShape)));
    }

    #[test]
    fn side_urls_table() {
        let rows = [
            ("https://dns.google/resolve", true, Ok(())),
            ("http://127.0.0.1:8787/doh/ok/resolve?x=1", true, Ok(())),
            (
                "http://resolver.example.com/resolve",
                true,
                Err(NotSent::MixedContent),
            ),
            ("http://resolver.example.com/resolve", false, Ok(())),
            ("dns.google/resolve", false, Err(NotSent::InvalidUrl)),
            ("javascript:alert(1)", false, Err(NotSent::InvalidUrl)),
            ("https://a b/", false, Err(NotSent::InvalidUrl)),
            ("https://user:pw@host/", false, Err(NotSent::InvalidUrl)),
            ("", false, Err(NotSent::InvalidUrl)),
        ];
        for (url, secure, want) in rows {
            assert_eq!(side_url(url, secure), want, "{url}");
        }
    }

    /// The order in which a simulated run hands out its probes, wave by wave.
    fn waves(ctx: &Context) -> Vec<Vec<ProbeId>> {
        let mut obs = Observations::new();
        let mut waves = Vec::new();
        loop {
            let started: Vec<ProbeId> = obs.keys().copied().collect();
            let batch = next(ctx, &obs, &started);
            if batch.is_empty() {
                return waves;
            }
            let mut wave = Vec::new();
            for p in batch {
                let id = match p {
                    Ok(spec) => {
                        wave.push(spec.id);
                        spec.id
                    }
                    Err((id, _)) => id,
                };
                obs.insert(id, sim::healthy(ctx, id));
            }
            waves.push(wave);
        }
    }

    #[test]
    fn the_latency_series_runs_alone_and_in_order_then_the_watch() {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, key(), true)
            .with_settings(Settings {
                samples: 3,
                message: true,
                watch_secs: 60,
                ..Settings::default()
            });
        let w = waves(&ctx);
        assert!(w[0].contains(&ProbeId::Reach) && w[0].contains(&ProbeId::KeyModels));
        assert_eq!(
            w[1],
            [ProbeId::Message],
            "the message waits for the model list"
        );
        let rest: Vec<ProbeId> = w[2..].iter().flatten().copied().collect();
        assert!(
            w[2..].iter().all(|wave| wave.len() == 1),
            "{w:?}: one at a time"
        );
        assert_eq!(
            rest,
            [
                ProbeId::Latency(0),
                ProbeId::Latency(1),
                ProbeId::ControlLatency(1),
                ProbeId::Latency(2),
                ProbeId::ControlLatency(2),
                ProbeId::Latency(3),
                ProbeId::ControlLatency(3),
                ProbeId::Watch,
            ]
        );
    }

    #[test]
    fn the_message_goes_to_the_named_model_or_the_first_listed() {
        let settings = |model: Option<&str>| Settings {
            model: model.map(str::to_string),
            message: true,
            ..Settings::default()
        };
        let rows = [
            (None, Some("claude-haiku-4-5")),
            (Some("claude-opus-4-1"), Some("claude-opus-4-1")),
            (Some("bad model\""), None),
        ];
        for (named, want) in rows {
            let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, key(), true)
                .with_settings(settings(named));
            let obs: Observations = [(ProbeId::KeyModels, sim::healthy(&ctx, ProbeId::KeyModels))]
                .into_iter()
                .collect();
            let got = match message(&ctx, &obs) {
                Ok(spec) => {
                    let body = spec.body.unwrap();
                    assert!(body.contains("\"max_tokens\":1") && body.contains("\"stream\":true"));
                    if let Some(m) = want {
                        assert!(body.contains(&format!("\"model\":\"{m}\"")));
                    }
                    want
                }
                Err((_, why)) => {
                    assert_eq!(why, NotSent::Prerequisite);
                    None
                }
            };
            assert_eq!(got, want, "{named:?}");
        }
        let off = Context::new("https://api.anthropic.com", AuthMode::ApiKey, key(), true);
        assert_eq!(
            message(&off, &Observations::new()),
            Err((ProbeId::Message, NotSent::Off))
        );
    }

    #[test]
    fn the_series_is_readable_when_the_server_allows_timing() {
        let ctx = Context::new("https://gw.example.com", AuthMode::ApiKey, None, true);
        let mut obs = sim::run(&ctx, &[]);
        let plain = latency_series(&ctx, &obs);
        assert!(plain
            .iter()
            .flatten()
            .filter(|s| matches!(s.id, ProbeId::Latency(_)))
            .all(|s| s.mode == probe::Mode::NoCors));
        if let Some(Observation::Response(r)) = obs.get_mut(&ProbeId::CorsRead) {
            r.headers.push(("timing-allow-origin".into(), "*".into()));
        }
        let timed = latency_series(&ctx, &obs);
        let target: Vec<_> = timed
            .iter()
            .flatten()
            .filter(|s| matches!(s.id, ProbeId::Latency(_)))
            .collect();
        assert_eq!(target.len(), usize::from(ctx.samples()) + 1);
        assert!(target
            .iter()
            .all(|s| s.mode == probe::Mode::Cors && s.credential.is_none()));
    }

    #[test]
    fn the_series_stops_after_repeated_failures() {
        let ctx = Context::new("https://api.anthropic.com", AuthMode::ApiKey, None, true)
            .with_settings(Settings {
                samples: 5,
                ..Settings::default()
            });
        let mut obs = sim::run(&ctx, &[]);
        obs.retain(|id, _| !matches!(id, ProbeId::Latency(_) | ProbeId::ControlLatency(_)));
        obs.insert(ProbeId::Latency(0), sim::healthy(&ctx, ProbeId::Latency(0)));
        obs.insert(
            ProbeId::Latency(1),
            Observation::TimedOut { after_ms: 10_000 },
        );
        obs.insert(
            ProbeId::ControlLatency(1),
            sim::healthy(&ctx, ProbeId::Control),
        );
        obs.insert(
            ProbeId::Latency(2),
            Observation::Rejected { elapsed_ms: 4.0 },
        );
        let plan = latency_series(&ctx, &obs);
        let at = |id| {
            plan.iter()
                .find(|p| matches!(p, Err((i, _)) if *i == id) || matches!(p, Ok(s) if s.id == id))
                .unwrap()
                .clone()
        };
        assert_eq!(
            at(ProbeId::Latency(3)),
            Err((ProbeId::Latency(3), NotSent::Stopped))
        );
        assert_eq!(
            at(ProbeId::Latency(5)),
            Err((ProbeId::Latency(5), NotSent::Stopped))
        );
    }
}
