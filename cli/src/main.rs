//! `api-doctor`: the native doctor. `api-doctor check` runs API Doctor's checks where the app runs, reads
//! the settings the app reads, tries every path it might take, and says which runtime would fail and why.
//!
//! This is a shell over the core: it reads the inputs into a `Context`, executes the probes the core's
//! `Run` hands out, records what each came back with, and renders the report. It decides nothing.

mod args;
mod exec;
mod help;
mod inputs;
mod monitor;
mod render;
mod runner;
mod tls;

use api_doctor::core::i18n::Lang;
use api_doctor::core::input::Selection;
use api_doctor::core::input::{Context, Settings, Vantage};
use api_doctor::core::key::AuthMode;
use api_doctor::core::run::Run;
use api_doctor::core::target::DEFAULT_BASE;
use args::{language, AuthArg, LangArg, ProbeArgs, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

#[derive(Parser)]
// The about and the key's note are help::localized's, in the reader's language.
#[command(name = "api-doctor", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the API from here: settings, DNS, every address and proxy, TLS and trust, key, service, speed.
    Check(CheckArgs),
    /// Run the checks on a schedule and serve the results to Prometheus (/metrics) and as /health.
    Monitor(monitor::MonitorArgs),
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The base URL [default: --base, else ANTHROPIC_BASE_URL, else https://api.anthropic.com].
    #[arg(value_name = "BASE_URL", conflicts_with = "base")]
    base_url: Option<String>,
    /// The base URL (as the positional argument).
    #[arg(long, value_name = "URL")]
    base: Option<String>,
    /// How the key is sent.
    #[arg(long, value_enum)]
    auth: Option<AuthArg>,
    #[command(flatten)]
    probe: ProbeArgs,
    /// Read the key from this environment variable.
    #[arg(long, value_name = "NAME", conflicts_with = "key_stdin")]
    key_env: Option<String>,
    /// Read the key from the first line of stdin.
    #[arg(long)]
    key_stdin: bool,
    /// Also send a streamed message with max_tokens 1 (spends a few tokens).
    #[arg(long)]
    message: bool,
    /// Repeat a probe for this many seconds with backoff after failures, and show the timeline.
    #[arg(long, value_name = "SECS")]
    watch: Option<u32>,
    /// The report's language [default: from LANG].
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// Print the report as JSON (the page's schema, plus the native section).
    #[arg(long, conflicts_with = "markdown")]
    json: bool,
    /// Print the report as Markdown, for a ticket.
    #[arg(long)]
    markdown: bool,
    /// Also print a report link the page opens read-only: PAGE_URL#report=… (no key in it, ever).
    #[arg(
        long,
        value_name = "PAGE_URL",
        num_args = 0..=1,
        default_missing_value = "http://127.0.0.1:8080/"
    )]
    link: Option<String>,
    /// No colour (also with NO_COLOR, or when stdout is not a terminal).
    #[arg(long)]
    no_color: bool,
}

/// Whether a page address can carry a report link: http(s), no whitespace, quotes or backslashes (it is
/// printed inside JSON and Markdown as it is), no fragment of its own.
fn page_url_ok(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2_000
        && !url.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | '\\' | '#' | '`' | '<' | '>')
        })
}

/// The report link: the page's address, then `#report=` and the packed, compressed, framed report.
fn report_link(page: &str, report: &api_doctor::core::report::Report) -> String {
    use api_doctor::core::share;
    let compressed = miniz_oxide::deflate::compress_to_vec(&share::pack(report), 9);
    format!("{page}#report={}", share::frame_report(report, &compressed))
}

/// The language asked for before the arguments are parsed (so that `--help` and usage errors speak it):
/// `--lang` among the arguments, else the locale.
fn early_language() -> Lang {
    let args: Vec<String> = std::env::args().collect();
    let flag = args
        .iter()
        .enumerate()
        .find_map(|(i, a)| match a.strip_prefix("--lang=") {
            Some(v) => Some(v.to_string()),
            None if a == "--lang" => args.get(i + 1).cloned(),
            None => None,
        });
    match flag.as_deref() {
        Some("zh") => Lang::Zh,
        Some("en") => Lang::En,
        _ => language(None),
    }
}

fn main() -> std::process::ExitCode {
    let lang = early_language();
    let parsed = help::localized(Cli::command(), lang)
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return std::process::ExitCode::from(code);
        }
    };
    // The monitor's work is waiting on sockets and timers, a handful of probes at a time: one thread does
    // it, with no wake-ups handed between threads inside a timed handshake, and with less memory.
    let mut builder = match &cli.command {
        Command::Check(_) => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(2);
            b
        }
        Command::Monitor(_) => tokio::runtime::Builder::new_current_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            let why = e.to_string();
            eprintln!(
                "api-doctor: {}",
                help::Usage::CannotStart(&why).message(lang)
            );
            return std::process::ExitCode::from(EXIT_FAILED);
        }
    };
    let code = match cli.command {
        Command::Check(args) => runtime.block_on(check(args)),
        Command::Monitor(args) => runtime.block_on(monitor::monitor(args)),
    };
    // A lookup still under way (getaddrinfo cannot be cancelled) must not hold the exit: the report is
    // out already.
    runtime.shutdown_background();
    std::process::ExitCode::from(code)
}

/// `api-doctor check`.
async fn check(args: CheckArgs) -> u8 {
    let lang = language(args.lang);
    if let Some(page) = &args.link {
        if !page_url_ok(page) {
            eprintln!("api-doctor: {}", help::Usage::Link(page).message(lang));
            return EXIT_USAGE;
        }
    }
    let flags = match args.probe.flags() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("api-doctor: {}", help::Usage::Input(&e).message(lang));
            return EXIT_USAGE;
        }
    };
    let key_source = match (&args.key_env, args.key_stdin) {
        (Some(name), _) => inputs::KeySource::Variable(name.clone()),
        (None, true) => inputs::KeySource::Stdin,
        (None, false) => inputs::KeySource::Environment,
    };
    let read = match inputs::read(flags, key_source).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("api-doctor: {}", help::Usage::Input(&e).message(lang));
            return EXIT_USAGE;
        }
    };
    // The system store is read without the variables that would replace it: they were read above and are
    // judged as their own trust sources.
    std::env::remove_var("SSL_CERT_FILE");
    std::env::remove_var("SSL_CERT_DIR");

    let base = args
        .base_url
        .clone()
        .or(args.base.clone())
        .or(read.base_env.clone())
        .unwrap_or_else(|| DEFAULT_BASE.to_string());
    let auth = match (args.auth, read.token) {
        (Some(AuthArg::Key), _) => AuthMode::ApiKey,
        _ => AuthMode::Bearer,
    };
    let mut settings = Settings {
        model: args.probe.model.clone(),
        message: args.message,
        watch_secs: args.watch.unwrap_or(0),
        probe_timeout_ms: args.probe.timeout_ms,
        upload: args.probe.upload,
        idle_secs: args.probe.idle.unwrap_or(0),
        ..Settings::default()
    };
    if let Some(n) = args.probe.samples {
        settings.samples = n;
    }
    if let Some(list) = &args.probe.checks {
        let (selection, unknown) = Selection::parse(list);
        if !unknown.is_empty() {
            let list = unknown.join(", ");
            eprintln!(
                "api-doctor: {}",
                help::Usage::UnknownChecks(&list).message(lang)
            );
            return EXIT_USAGE;
        }
        settings.checks = selection;
    }
    if let Some(url) = &args.probe.status_url {
        settings.status_url = url.clone();
    }
    for (i, url) in args.probe.doh_url.iter().take(2).enumerate() {
        settings.resolvers[i] = url.clone();
    }
    if args.probe.doh_url.len() == 1 {
        settings.resolvers[1] = args.probe.doh_url[0].clone();
    }
    let mut ctx = Context::new(&base, auth, read.key, false)
        .with_settings(settings)
        .from_vantage(Vantage::Native);
    ctx.native = read.inputs;
    let origin = ctx.target.as_ref().map(|t| t.origin()).unwrap_or_default();
    let key = ctx.key.clone();

    let stderr_tty = std::io::stderr().is_terminal();
    let color = !args.no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    if stderr_tty {
        eprint!("{}", render::progress_start(lang, &base));
    }
    let started_ms = runner::wall_ms();
    let started = Instant::now();
    let mut run = Run::new(ctx);
    // The handlers are in place before the first probe goes out, so that Ctrl-C (or a container's
    // SIGTERM) at any moment stops the run and still prints what was found.
    let mut interrupt = runner::Interrupt::new();
    let interrupted = runner::drive(
        &mut run,
        key,
        origin,
        Duration::from_secs(args.probe.deadline),
        interrupt.recv(),
        stderr_tty.then_some(lang),
    )
    .await;
    if stderr_tty {
        eprint!("\r\x1b[2K");
    }
    let took = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    let browser = format!(
        "api-doctor {} ({})",
        env!("CARGO_PKG_VERSION"),
        run.context().native.host_kind
    );
    let Some(report) = run.take_report(&browser, started_ms, took) else {
        eprintln!("api-doctor: {}", help::Usage::Unfinished.message(lang));
        return EXIT_FAILED;
    };
    let link = args.link.as_deref().map(|page| report_link(page, &report));
    let text = if args.json {
        let mut j = api_doctor::core::export::json(&report);
        if let (Some(link), Some(end)) = (&link, j.rfind('}')) {
            // The link is base64url after a checked address: nothing in it needs escaping.
            j.insert_str(end, &format!(",\"link\":\"{link}\""));
        }
        j.push('\n');
        j
    } else if args.markdown {
        render::markdown(&report, lang, link.as_deref())
    } else {
        let mut t = render::terminal(&report, lang, color);
        if let Some(link) = &link {
            t.push_str(&format!("\n{}\n{link}\n", render::link_label(lang)));
        }
        t
    };
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error of the run.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    if interrupted {
        return EXIT_FAILED;
    }
    if report.failed() {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}
