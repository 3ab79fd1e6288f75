//! `api-doctor monitor`: the checks that cost nothing, for one or more targets, on a schedule of their own,
//! with the last results served to Prometheus (`/metrics`) and to people and load balancers (`/health`).
//! Probing and serving are apart: a scrape only reads what the last runs left.

mod config;
pub use config::ConfigError;
mod metrics;
mod serve;
mod state;

use crate::args::{language, AuthArg, LangArg, ProbeArgs, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::help::Usage;
use crate::inputs;
use crate::runner;
use api_doctor::core::i18n::Lang;
use api_doctor::core::input::{Context, Selection, Settings, Vantage};
use api_doctor::core::key::{ApiKey, AuthMode};
use api_doctor::core::monitor::{self as plan, Schedule};
use api_doctor::core::native::Inputs;
use api_doctor::core::run::Run;
use api_doctor::core::target::DEFAULT_BASE;
use config::TargetConfig;
use state::{State, TargetState};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Where `/metrics` and `/health` are served unless told otherwise: loopback only.
const DEFAULT_LISTEN: &str = "127.0.0.1:9464";

#[derive(clap::Args)]
pub struct MonitorArgs {
    /// Base URLs to watch [default: the --config file's targets, else ANTHROPIC_BASE_URL, else https://api.anthropic.com].
    #[arg(value_name = "BASE_URL")]
    bases: Vec<String>,
    /// Targets (and interval, listen) from a TOML file; see deploy/monitor.toml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Seconds between the runs of a healthy target; after a failure it is probed again sooner [default: 60].
    #[arg(long, value_name = "SECS")]
    interval: Option<u64>,
    /// Where to serve /metrics and /health [default: 127.0.0.1:9464, loopback only].
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<String>,
    /// How the key is sent (the BASE_URL targets).
    #[arg(long, value_enum)]
    auth: Option<AuthArg>,
    /// Read the key from this environment variable (the BASE_URL targets).
    #[arg(long, value_name = "NAME")]
    key_env: Option<String>,
    /// Also send a streamed message with max_tokens 1, at most every 15 minutes (spends a few tokens).
    #[arg(long)]
    message: bool,
    #[command(flatten)]
    probe: ProbeArgs,
    /// The language of the monitor's own lines [default: from LANG].
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
}

/// One target, ready to run.
struct Prepared {
    label: String,
    base: String,
    auth: AuthMode,
    key: Option<ApiKey>,
    settings: Settings,
    inputs: Inputs,
    message_every_ms: Option<u64>,
}

/// A line that stops the monitor before it starts, and the exit status it gives.
struct Refusal(String, u8);

/// `api-doctor monitor`.
pub async fn monitor(args: MonitorArgs) -> u8 {
    let lang = language(args.lang);
    match start(args, lang).await {
        Ok(code) => code,
        Err(Refusal(line, code)) => {
            eprintln!("api-doctor monitor: {line}");
            code
        }
    }
}

/// Reads the configuration, binds the port, and runs until Ctrl-C or SIGTERM.
async fn start(args: MonitorArgs, lang: Lang) -> Result<u8, Refusal> {
    let zh = lang == Lang::Zh;
    let usage = |line: String| Refusal(line, EXIT_USAGE);
    let file = match &args.config {
        Some(path) => config::read(path).map_err(|e| usage(Usage::Config(&e).message(lang)))?,
        None => config::File::default(),
    };
    let mut targets = file.targets.clone();
    let from_flags = |base: String| TargetConfig {
        base,
        auth: args.auth.map(|a| match a {
            AuthArg::Bearer => "bearer".to_string(),
            AuthArg::Key => "key".to_string(),
        }),
        key_env: args.key_env.clone(),
        model: args.probe.model.clone(),
        message: args.message,
        upload: args.probe.upload,
        idle_secs: args.probe.idle,
        checks: args.probe.checks.clone(),
        timeout_ms: args.probe.timeout_ms,
        samples: args.probe.samples,
        status_url: args.probe.status_url.clone(),
        doh_urls: args.probe.doh_url.clone(),
        ..TargetConfig::default()
    };
    targets.extend(args.bases.iter().cloned().map(from_flags));
    if targets.is_empty() && args.config.is_none() {
        let base = std::env::var("ANTHROPIC_BASE_URL")
            .ok()
            .filter(|b| !b.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_BASE.to_string());
        targets.push(from_flags(base));
    }
    let labels = config::check(&targets).map_err(|e| usage(Usage::Config(&e).message(lang)))?;

    let interval_secs = args
        .interval
        .or(file.interval_secs)
        .unwrap_or(plan::DEFAULT_INTERVAL_MS / 1000);
    if interval_secs == 0 || interval_secs > 86_400 {
        return Err(usage(Usage::Interval(interval_secs).message(lang)));
    }
    let listen_text = args
        .listen
        .clone()
        .or(file.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
    let listen: SocketAddr = listen_text
        .parse()
        .map_err(|_| usage(Usage::Listen(&listen_text).message(lang)))?;

    let flags = args
        .probe
        .flags()
        .map_err(|e| usage(Usage::Input(&e).message(lang)))?;
    let mut prepared = Vec::with_capacity(targets.len());
    for (t, label) in targets.iter().zip(labels) {
        prepared.push(prepare(t, label, &flags, lang).await?);
    }
    // The system store is read without the variables that would replace it: they were read above and are
    // judged as their own trust sources.
    std::env::remove_var("SSL_CERT_FILE");
    std::env::remove_var("SSL_CERT_DIR");

    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        let why = e.to_string();
        Refusal(
            Usage::CannotListen(&listen.to_string(), &why).message(lang),
            EXIT_FAILED,
        )
    })?;
    // With port 0 the system picks one: say which, so that tests and people can find it.
    let bound = listener.local_addr().unwrap_or(listen);
    let state = Arc::new(Mutex::new(State {
        targets: prepared
            .iter()
            .map(|p| TargetState {
                label: p.label.clone(),
                base: p.base.clone(),
                ..TargetState::default()
            })
            .collect(),
    }));
    let names: Vec<&str> = prepared.iter().map(|p| p.label.as_str()).collect();
    eprintln!(
        "api-doctor monitor: {}",
        if zh {
            format!(
                "在 http://{bound}/metrics 和 /health 提供结果；{} 个目标（{}），每 {interval_secs} 秒一次",
                names.len(),
                names.join(", ")
            )
        } else {
            format!(
                "serving http://{bound}/metrics and /health; {} target(s) ({}) every {interval_secs} s",
                names.len(),
                names.join(", ")
            )
        }
    );
    if !bound.ip().is_loopback() {
        eprintln!(
            "api-doctor monitor: {}",
            if zh {
                format!("注意：{bound} 不只是本机可访问；这些端点不含密钥，但会显示检测结果")
            } else {
                format!("note: {bound} is reachable beyond this machine; the endpoints hold no secret, but they show the results")
            }
        );
    }

    let mut interrupt = runner::Interrupt::new();
    let (stop_tx, stop_rx) = watch::channel(false);
    let server = tokio::spawn(serve::serve(listener, state.clone()));
    let mut probes = tokio::task::JoinSet::new();
    let interval = Duration::from_secs(interval_secs);
    let deadline = Duration::from_secs(args.probe.deadline.max(1));
    for (i, p) in prepared.into_iter().enumerate() {
        probes.spawn(probe_loop(
            i,
            p,
            interval,
            deadline,
            state.clone(),
            stop_rx.clone(),
            lang,
        ));
    }
    interrupt.recv().await;
    // Every run in flight stops at once; the server goes with them.
    let _ = stop_tx.send(true);
    server.abort();
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while probes.join_next().await.is_some() {}
    })
    .await;
    eprintln!(
        "api-doctor monitor: {}",
        if zh { "已停止" } else { "stopped" }
    );
    Ok(EXIT_OK)
}

/// Reads one target's key and environment and settles its settings.
async fn prepare(
    t: &TargetConfig,
    label: String,
    flags: &inputs::Flags,
    lang: Lang,
) -> Result<Prepared, Refusal> {
    let source = match &t.key_env {
        Some(name) => inputs::KeySource::Variable(name.clone()),
        None => inputs::KeySource::Environment,
    };
    let read = inputs::read(flags.clone(), source).await.map_err(|e| {
        Refusal(
            format!("{label}: {}", Usage::Input(&e).message(lang)),
            EXIT_USAGE,
        )
    })?;
    let auth = match (t.auth.as_deref(), read.token) {
        (Some("key"), _) => AuthMode::ApiKey,
        _ => AuthMode::Bearer,
    };
    let mut settings = Settings {
        model: t.model.clone(),
        probe_timeout_ms: t.timeout_ms,
        upload: t.upload,
        idle_secs: t.idle_secs.unwrap_or(0),
        ..Settings::default()
    };
    if let Some(n) = t.samples {
        settings.samples = n;
    }
    if let Some(list) = &t.checks {
        let (selection, unknown) = Selection::parse(list);
        if !unknown.is_empty() {
            return Err(Refusal(
                format!(
                    "{label}: {}",
                    Usage::UnknownChecks(&unknown.join(", ")).message(lang)
                ),
                EXIT_USAGE,
            ));
        }
        settings.checks = selection;
    }
    if let Some(url) = &t.status_url {
        settings.status_url = url.clone();
    }
    for (i, url) in t.doh_urls.iter().take(2).enumerate() {
        settings.resolvers[i] = url.clone();
    }
    if t.doh_urls.len() == 1 {
        settings.resolvers[1] = t.doh_urls[0].clone();
    }
    let key = if t.no_key { None } else { read.key };
    if t.message && key.is_none() {
        return Err(Refusal(
            Usage::MessageWithoutKey(&label).message(lang),
            EXIT_USAGE,
        ));
    }
    Ok(Prepared {
        label,
        base: t.base.trim().to_string(),
        auth,
        key,
        settings,
        inputs: read.inputs,
        // The schedule raises anything shorter to the least time between messages.
        message_every_ms: t.message.then(|| {
            t.message_every_mins
                .map_or(plan::MESSAGE_EVERY_MS, |m| m.saturating_mul(60_000))
        }),
    })
}

/// One target's runs, for as long as the monitor runs: one run, its result kept, then the wait the
/// schedule gives (the interval, or a shorter backoff after a failure).
async fn probe_loop(
    index: usize,
    p: Prepared,
    interval: Duration,
    deadline: Duration,
    state: Arc<Mutex<State>>,
    mut stop: watch::Receiver<bool>,
    lang: Lang,
) {
    let interval_ms = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX);
    let mut schedule = Schedule::new(interval_ms, p.message_every_ms);
    let epoch = Instant::now();
    let browser = format!(
        "api-doctor {} monitor ({})",
        env!("CARGO_PKG_VERSION"),
        p.inputs.host_kind
    );
    let mut last_state: Option<(&'static str, Option<String>)> = None;
    loop {
        let now_ms = epoch.elapsed().as_secs_f64() * 1000.0;
        let mut settings = p.settings.clone();
        settings.message = schedule.message_due(now_ms);
        let message = settings.message;
        let mut ctx = Context::new(&p.base, p.auth, p.key.clone(), false)
            .with_settings(settings)
            .from_vantage(Vantage::Native);
        ctx.native = p.inputs.clone();
        let origin = ctx.target.as_ref().map(|t| t.origin()).unwrap_or_default();
        let key = ctx.key.clone();
        let started_ms = runner::wall_ms();
        let started = Instant::now();
        let mut run = Run::new(ctx);
        let mut until_stop = stop.clone();
        runner::drive(
            &mut run,
            key,
            origin,
            deadline,
            async move {
                let _ = until_stop.wait_for(|s| *s).await;
            },
            None,
        )
        .await;
        if *stop.borrow() {
            return;
        }
        if message {
            schedule.message_sent(now_ms);
        }
        let took = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        let wait = match run.take_report(&browser, started_ms, took) {
            Some(report) => {
                let sample = plan::sample(&run, &report);
                let wait = schedule.after_run(!sample.success, runner::jitter());
                let now = (sample.state, sample.cause.clone());
                if last_state.as_ref() != Some(&now) {
                    log_change(lang, &p.label, &now, wait);
                    last_state = Some(now);
                }
                let report_json = api_doctor::core::export::json(&report);
                let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(t) = s.targets.get_mut(index) {
                    t.record(
                        sample,
                        report_json,
                        runner::wall_ms() / 1000.0,
                        schedule.consecutive_failures(),
                    );
                }
                wait
            }
            // A run that ends undecided is a bug of the core; it counts as a failure, and is tried again.
            None => schedule.after_run(true, runner::jitter()),
        };
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(wait)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// One line on stderr when a target's verdict changes: its state, cause and when it is probed next.
fn log_change(
    lang: Lang,
    label: &str,
    (state, cause): &(&'static str, Option<String>),
    wait_ms: u64,
) {
    let cause = cause
        .as_deref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    let secs = wait_ms as f64 / 1000.0;
    if lang == Lang::Zh {
        eprintln!("api-doctor monitor: {label}：{state}{cause}，{secs:.1} 秒后再次检测");
    } else {
        eprintln!("api-doctor monitor: {label}: {state}{cause}; next run in {secs:.1} s");
    }
}
