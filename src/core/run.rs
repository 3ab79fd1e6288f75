//! One run's inputs and its plan: which probes to send and when, and which not and why.
//!
//! Planning is incremental: [`next`] is asked again whenever an observation lands, and hands out the
//! probes whose turn has come. Independent probes go out at once and concurrently; the streamed message
//! waits for the model list; the latency series runs alone, one round trip at a time, after everything
//! else, so that it measures the network and not the page; watch mode comes last.

use super::checks::{self, page_mixed_content};
use super::dns;
use super::finding::Status;
use super::key::{ApiKey, AuthMode};
use super::observation::{NotSent, Observation, Observations};
use super::probe::{self, ProbeId, ProbeSpec, API_VERSION};
use super::reply::{self, Reply};
use super::select::Selection;
use super::statuspage;
use super::target::{parse_ipv4, Scheme, Target, TargetError};

/// The control endpoint: independent of the API, reachable from most networks, and open to CORS.
pub const DEFAULT_CONTROL_URL: &str =
    "https://cloudflare-dns.com/dns-query?name=example.com&type=A";
/// Warm round trips in the latency series unless the settings say otherwise.
pub const DEFAULT_SAMPLES: u16 = 10;
/// The most warm round trips a run may ask for.
pub const MAX_SAMPLES: u16 = 50;
/// Warm round trips to the control endpoint, interleaved with the target's first ones: enough for a median.
pub const CONTROL_SAMPLES: u16 = 5;
/// The longest watch a run may ask for: one hour.
pub const MAX_WATCH_SECS: u32 = 3_600;
/// The latency series stops after this many failures in a row: a dead path has nothing left to time.
pub const SERIES_STOP_AFTER: usize = 2;

/// A run's settings beyond the target and the key; the form or a config link sets them.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The model to check and to send the message to; `None` when none is named.
    pub model: Option<String>,
    /// The `anthropic-version` header.
    pub version: String,
    pub control_url: String,
    /// The two public DNS-over-HTTPS resolvers' JSON endpoints.
    pub resolvers: [String; 2],
    /// The status page's summary JSON.
    pub status_url: String,
    /// Warm round trips in the latency series.
    pub samples: u16,
    /// Whether to send the streamed message (it spends a few tokens).
    pub message: bool,
    /// How long watch mode repeats its probe, in seconds; 0 is off.
    pub watch_secs: u32,
    /// The checks shown; probes only they read are not sent.
    pub checks: Selection,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            model: None,
            version: API_VERSION.to_string(),
            control_url: DEFAULT_CONTROL_URL.to_string(),
            resolvers: dns::DEFAULT_RESOLVERS.map(str::to_string),
            status_url: statuspage::DEFAULT_SUMMARY_URL.to_string(),
            samples: DEFAULT_SAMPLES,
            message: false,
            watch_secs: 0,
            checks: Selection::ALL,
        }
    }
}

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
    /// `navigator.onLine` when the run started.
    pub online: bool,
    pub settings: Settings,
}

impl Context {
    /// Builds a context with default settings, parsing the base URL.
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
            online: true,
            settings: Settings::default(),
        }
    }

    /// The same context with other settings.
    pub fn with_settings(mut self, settings: Settings) -> Context {
        self.settings = settings;
        self
    }

    /// The model named in the settings, trimmed; `None` when empty.
    pub fn model(&self) -> Option<&str> {
        self.settings
            .model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
    }

    /// Warm samples in the latency series, within bounds.
    pub fn samples(&self) -> u16 {
        self.settings.samples.clamp(1, MAX_SAMPLES)
    }

    /// Whether `host` is one that DNS has nothing to say about: an IP address or `localhost`.
    pub fn dns_not_applicable(target: &Target) -> bool {
        let h = target.host.as_str();
        h.starts_with('[')
            || parse_ipv4(h).is_some()
            || h == "localhost"
            || h.ends_with(".localhost")
    }
}

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
    let mut give = |p: Planned| {
        let id = match &p {
            Ok(spec) => spec.id,
            Err((id, _)) => *id,
        };
        if !started.contains(&id) && wanted(ctx, id) {
            out.push(p);
        }
    };
    for id in FIRST_WAVE {
        give(first_wave(ctx, id));
    }
    // A probe no check reads counts as done, so that it cannot hold up the probes after it.
    let seen = |id: &ProbeId| !wanted(ctx, *id) || obs.contains_key(id);
    if seen(&ProbeId::KeyModels) {
        give(message(ctx, obs));
    }
    let first_done = FIRST_WAVE.iter().all(seen) && seen(&ProbeId::Message);
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

/// The probes that go out at once.
const FIRST_WAVE: [ProbeId; 8] = [
    ProbeId::Control,
    ProbeId::Doh(0),
    ProbeId::Doh(1),
    ProbeId::Reach,
    ProbeId::CorsRead,
    ProbeId::KeyModels,
    ProbeId::Model,
    ProbeId::Status,
];

/// Whether a check the run shows reads this kind of probe.
fn wanted(ctx: &Context, id: ProbeId) -> bool {
    let kind = std::mem::discriminant(&id);
    checks::REGISTRY
        .iter()
        .filter(|c| ctx.settings.checks.has(c))
        .flat_map(|c| c.probes.iter())
        .any(|p| std::mem::discriminant(p) == kind)
}

/// The target, or why probes to it are not sent.
fn target_for(ctx: &Context, id: ProbeId) -> Result<&Target, (ProbeId, NotSent)> {
    let target = ctx
        .target
        .as_ref()
        .map_err(|_| (id, NotSent::InvalidTarget))?;
    if page_mixed_content::blocked(ctx) {
        return Err((id, NotSent::MixedContent));
    }
    Ok(target)
}

/// The key, or why keyed probes are not sent.
fn key_for(ctx: &Context, id: ProbeId) -> Result<(), (ProbeId, NotSent)> {
    if ctx.key.is_none() {
        return Err((id, NotSent::NoKey));
    }
    let broken = (checks::auth_key_shape::CHECK.evaluate)(ctx, &Observations::new())
        .is_some_and(|f| f.outcome.status == Status::Fail);
    if broken {
        return Err((id, NotSent::KeyShape));
    }
    Ok(())
}

/// Whether keyed probes go out in this run: a key is given and its shape is not broken.
pub fn key_usable(ctx: &Context) -> bool {
    key_for(ctx, ProbeId::KeyModels).is_ok()
}

/// One probe of the first wave.
fn first_wave(ctx: &Context, id: ProbeId) -> Planned {
    let s = &ctx.settings;
    let side = |url: &str| side_url(url, ctx.page_secure).map_err(|why| (id, why));
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

/// The latency series in order: the cold round trip, then warm ones, with the control endpoint's
/// interleaved after the first few so that both see the same moment of the network.
pub fn series_order(ctx: &Context) -> Vec<ProbeId> {
    let mut order = vec![ProbeId::Latency(0)];
    for i in 1..=ctx.samples() {
        order.push(ProbeId::Latency(i));
        if i <= CONTROL_SAMPLES {
            order.push(ProbeId::ControlLatency(i));
        }
    }
    order
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
    series_order(ctx)
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
    let keyed = key_usable(ctx);
    Ok(probe::watch(target, ctx.auth, &ctx.settings.version, keyed))
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
        assert_eq!(
            sent(&p),
            [
                ProbeId::Control,
                ProbeId::Doh(0),
                ProbeId::Doh(1),
                ProbeId::Reach,
                ProbeId::CorsRead,
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

/// A simulated run for tests: the planner driven the way the shell drives it.
#[cfg(test)]
pub mod sim {
    use super::*;
    use crate::core::observation::fixtures::opaque;
    use crate::core::observation::{Response, Sample};
    use crate::core::reply::tests::{api_error, resp};

    /// The server's `date` in the healthy answers, and the local clock that agrees with it.
    pub const DATE: &str = "Thu, 26 Nov 2026 12:00:00 GMT";

    /// A readable answer whose `date` agrees with the local clock.
    pub fn dated(mut r: Response) -> Observation {
        r.headers.push(("date".into(), DATE.into()));
        r.received_at_ms = crate::core::time::parse_http_date(DATE).unwrap() as f64 * 1000.0;
        Observation::Response(r)
    }

    /// What a healthy API, resolver, status page and control endpoint answer to probe `id`.
    pub fn healthy(ctx: &Context, id: ProbeId) -> Observation {
        let json = "application/json";
        match id {
            ProbeId::Control | ProbeId::ControlLatency(_) => opaque(15.0),
            ProbeId::Reach | ProbeId::Latency(_) => opaque(40.0),
            ProbeId::Doh(_) => Observation::Response(resp(
                200,
                "application/dns-json",
                r#"{"Status":0,"Answer":[{"name":"api.anthropic.com.","type":1,"TTL":60,"data":"160.79.104.10"}]}"#,
                &[],
            )),
            ProbeId::CorsRead => dated(resp(
                401,
                json,
                &api_error("authentication_error", "x-api-key header is required"),
                &[("request-id", "req_1")],
            )),
            ProbeId::KeyModels => dated(resp(
                200,
                json,
                r#"{"data":[{"id":"claude-haiku-4-5","type":"model"}],"has_more":true}"#,
                &[("request-id", "req_2")],
            )),
            ProbeId::Model => Observation::Response(resp(
                200,
                json,
                r#"{"id":"claude-haiku-4-5","type":"model","display_name":"Claude Haiku 4.5"}"#,
                &[],
            )),
            ProbeId::Status => Observation::Response(resp(
                200,
                json,
                r#"{"page":{"url":"https://status.claude.com"},"status":{"indicator":"none","description":"All Systems Operational"},"components":[{"name":"Claude API (api.anthropic.com)","status":"operational"}],"incidents":[],"scheduled_maintenances":[]}"#,
                &[],
            )),
            ProbeId::Message => {
                let events = [
                    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":8,\"output_tokens\":1}}}\n\n",
                    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
                    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":1}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
                ];
                let mut r = resp(200, "text/event-stream", &events.concat(), &[]);
                let mut end = 0;
                r.chunks = events
                    .iter()
                    .zip([300.0, 700.0, 720.0])
                    .map(|(e, at_ms)| {
                        end += e.len();
                        crate::core::observation::Chunk { at_ms, end }
                    })
                    .collect();
                Observation::Response(r)
            }
            ProbeId::Watch => Observation::Series {
                samples: (0..3)
                    .map(|i| Sample {
                        at_ms: f64::from(i) * 2_000.0,
                        seen: if key_usable(ctx) {
                            healthy(ctx, ProbeId::KeyModels)
                        } else {
                            healthy(ctx, ProbeId::CorsRead)
                        },
                    })
                    .collect(),
                done: true,
            },
        }
    }

    /// Runs the planner to the end: each probe it hands out is observed as `overrides` says, else as a
    /// healthy world answers; probes it declines are recorded with its reason.
    pub fn run(ctx: &Context, overrides: &[(ProbeId, Observation)]) -> Observations {
        let mut obs = Observations::new();
        loop {
            let started: Vec<ProbeId> = obs.keys().copied().collect();
            let batch = next(ctx, &obs, &started);
            if batch.is_empty() {
                return obs;
            }
            for p in batch {
                let (id, seen) = match p {
                    Ok(spec) => {
                        let seen = overrides
                            .iter()
                            .find(|(id, _)| *id == spec.id)
                            .map_or_else(|| healthy(ctx, spec.id), |(_, o)| o.clone());
                        (spec.id, seen)
                    }
                    Err((id, why)) => (id, Observation::NotSent(why)),
                };
                obs.insert(id, seen);
            }
        }
    }
}
