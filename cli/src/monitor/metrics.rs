//! `/metrics` and `/health`'s Prometheus text: the targets' last figures written in the OpenMetrics text
//! format with `prometheus-client`. The generic probe metrics keep blackbox_exporter's names and meanings;
//! the API's own go under `api_doctor_*`. A fresh registry is filled from the last results at each scrape,
//! so a series that no longer holds (an old verdict, a certificate's former issuer) simply ends.

use super::state::{State, TargetState};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

/// The content type of the OpenMetrics text, which Prometheus asks for first.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The content type of the classic text format, for clients that do not accept OpenMetrics (`promtool
/// check metrics`, older scrapers, a person's `curl`).
pub const CLASSIC: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The same exposition in the classic text format: a counter's family is named with its `_total` (as its
/// samples are), and OpenMetrics' `# UNIT` and `# EOF` lines go.
pub fn classic(openmetrics: &str) -> String {
    let counters: Vec<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len() + 64);
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(&name)
                .then(|| format!("{prefix}{name}_total {tail}"))
        });
        match renamed {
            Some(l) => out.push_str(&l),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// A label set: `target` first, then the metric's own.
type Labels = Vec<(String, String)>;
type Gauges = Family<Labels, Gauge<f64, AtomicU64>>;
type Counters = Family<Labels, Counter>;

/// The gauges and counters of one scrape, filled from every target, then registered.
#[derive(Default)]
struct Scrape {
    gauges: Vec<(&'static str, &'static str, Gauges)>,
    counters: Vec<(&'static str, &'static str, Counters)>,
}

/// The family called `name` in `families`, added with its help on first use.
fn family<'a, F: Default>(
    families: &'a mut Vec<(&'static str, &'static str, F)>,
    name: &'static str,
    help: &'static str,
) -> &'a F {
    let i = match families.iter().position(|(n, _, _)| *n == name) {
        Some(i) => i,
        None => {
            families.push((name, help, F::default()));
            families.len() - 1
        }
    };
    &families[i].2
}

impl Scrape {
    /// Sets gauge `name` for `target` and `labels` to `value`.
    fn gauge(
        &mut self,
        name: &'static str,
        help: &'static str,
        target: &str,
        labels: &[(&str, &str)],
        value: f64,
    ) {
        family(&mut self.gauges, name, help)
            .get_or_create(&labels_of(target, labels))
            .set(value);
    }

    /// Sets counter `name` for `target` and `labels` to `total`.
    fn counter(
        &mut self,
        name: &'static str,
        help: &'static str,
        target: &str,
        labels: &[(&str, &str)],
        total: u64,
    ) {
        family(&mut self.counters, name, help)
            .get_or_create(&labels_of(target, labels))
            .inc_by(total);
    }

    /// The OpenMetrics text of everything set.
    fn encode(self) -> String {
        let mut registry = Registry::default();
        for (name, help, family) in self.gauges {
            registry.register(name, help, family);
        }
        for (name, help, family) in self.counters {
            registry.register(name, help, family);
        }
        let mut text = String::with_capacity(8 * 1024);
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &registry);
        text
    }
}

/// The longest label value kept, in characters: a certificate's subject can be made as long as its maker
/// likes, and every scrape carries it.
const LABEL_CAP: usize = 256;

/// A label value as the text format must carry it: `\`, `"` and newlines escaped (the encoder writes
/// values as given, and a certificate's subject is the server's to choose), other control characters
/// replaced, and at most [`LABEL_CAP`] characters.
fn label_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len().min(LABEL_CAP) + 8);
    for (i, c) in v.chars().enumerate() {
        if i == LABEL_CAP {
            out.push('…');
            break;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// `target` and the metric's own labels, owned and escaped.
fn labels_of(target: &str, labels: &[(&str, &str)]) -> Labels {
    let mut v = Vec::with_capacity(labels.len() + 1);
    v.push(("target".to_string(), label_value(target)));
    v.extend(labels.iter().map(|(k, v)| (k.to_string(), label_value(v))));
    v
}

/// 1.0 or 0.0.
fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// Seconds from milliseconds.
fn secs(ms: f64) -> f64 {
    ms / 1000.0
}

/// The whole `/metrics` text.
pub fn metrics(state: &State) -> String {
    let mut s = Scrape::default();
    for t in &state.targets {
        probe_metrics(&mut s, t);
        api_metrics(&mut s, t);
    }
    let mut text = s.encode();
    // The build's version, without a target: one series for the process.
    let info = format!(
        "# HELP api_doctor_build_info The monitor's version.\n# TYPE api_doctor_build_info gauge\napi_doctor_build_info{{version=\"{}\"}} 1\n",
        env!("CARGO_PKG_VERSION")
    );
    match text.rfind("# EOF") {
        Some(i) => text.insert_str(i, &info),
        None => text.push_str(&info),
    }
    text
}

/// `/health`'s Prometheus text: each target's success and verdict only.
pub fn health(state: &State) -> String {
    let mut s = Scrape::default();
    for t in &state.targets {
        verdict_metrics(&mut s, t);
    }
    s.encode()
}

/// The verdict: whether the API is usable from here, and why not.
fn verdict_metrics(s: &mut Scrape, t: &TargetState) {
    let Some(last) = &t.last else { return };
    let x = &last.sample;
    s.gauge(
        "probe_success",
        "Displays whether or not the probe was a success: 1 when no check failed",
        &t.label,
        &[],
        flag(x.success),
    );
    s.gauge(
        "api_doctor_verdict",
        "The last verdict: its state (healthy, degraded, broken, cancelled), layer and cause (check/outcome)",
        &t.label,
        &[
            ("state", x.state),
            ("layer", x.layer.unwrap_or("")),
            ("cause", x.cause.as_deref().unwrap_or("")),
        ],
        1.0,
    );
}

/// blackbox_exporter's names, with its meanings, for the path the app's requests take. Its chain info
/// carries the leaf's subject and issuer; not its fingerprint or names, so that a renewed certificate
/// keeps its series and only a new issuer (new interception) starts one.
fn probe_metrics(s: &mut Scrape, t: &TargetState) {
    verdict_metrics(s, t);
    let Some(last) = &t.last else { return };
    let x = &last.sample;
    let target = t.label.as_str();
    s.gauge(
        "probe_duration_seconds",
        "Returns how long the probe took to complete in seconds: lookup, connect, TLS and the request on the app's path",
        target,
        &[],
        secs(x.probe_ms),
    );
    let phases = [
        ("resolve", x.phases.resolve),
        ("connect", x.phases.connect),
        ("tls", x.phases.tls),
        ("processing", x.phases.processing),
    ];
    for (phase, ms) in phases {
        if let Some(ms) = ms {
            s.gauge(
                "probe_http_duration_seconds",
                "Duration of http request by phase, summed over all redirects",
                target,
                &[("phase", phase)],
                secs(ms),
            );
        }
    }
    if let Some(ms) = x.phases.resolve {
        s.gauge(
            "probe_dns_lookup_time_seconds",
            "Returns the time taken for probe dns lookup in seconds",
            target,
            &[],
            secs(ms),
        );
    }
    if let Some(v) = x.ip_protocol {
        s.gauge(
            "probe_ip_protocol",
            "Specifies whether probe ip protocol is IP4 or IP6",
            target,
            &[],
            f64::from(v),
        );
    }
    if let Some(code) = x.http_status {
        s.gauge(
            "probe_http_status_code",
            "Response HTTP status code: the keyed request's when a key is set, else the path's",
            target,
            &[],
            f64::from(code),
        );
    }
    if let Some(v) = x.http_version {
        s.gauge(
            "probe_http_version",
            "Returns the version of HTTP of the probe response",
            target,
            &[],
            v,
        );
    }
    s.gauge(
        "probe_http_ssl",
        "Indicates if SSL was used for the final redirect",
        target,
        &[],
        flag(x.chain.is_some()),
    );
    if let Some(c) = &x.chain {
        s.gauge(
            "probe_ssl_earliest_cert_expiry",
            "Returns last SSL chain expiry in unixtime",
            target,
            &[],
            c.earliest_expiry as f64,
        );
        s.gauge(
            "probe_ssl_last_chain_info",
            "Contains SSL leaf certificate information",
            target,
            &[("subject", &c.leaf_subject), ("issuer", &c.leaf_issuer)],
            1.0,
        );
        s.gauge(
            "probe_ssl_last_chain_expiry_timestamp_seconds",
            "Returns last SSL chain expiry in timestamp",
            target,
            &[],
            c.earliest_expiry as f64,
        );
        s.gauge(
            "probe_tls_version_info",
            "Returns the TLS version used or NaN when unknown",
            target,
            &[("version", &c.version)],
            1.0,
        );
    }
}

/// The API's own meaning, under `api_doctor_*`.
fn api_metrics(s: &mut Scrape, t: &TargetState) {
    let target = t.label.as_str();
    s.gauge(
        "api_doctor_consecutive_failures",
        "Failed runs in a row; 0 after a run that did not fail",
        target,
        &[],
        f64::from(t.consecutive_failures),
    );
    for (state, n) in &t.runs {
        s.counter(
            "api_doctor_runs",
            "Runs finished, by the verdict's state",
            target,
            &[("state", state)],
            *n,
        );
    }
    for (kind, n) in &t.errors {
        s.counter(
            "api_doctor_api_errors",
            "The API's errors met, by error.type (unknown types as other)",
            target,
            &[("type", kind)],
            *n,
        );
    }
    if let Some((ms, at)) = t.first_token {
        s.gauge(
            "api_doctor_time_to_first_token_seconds",
            "The last message's time to its first token (the message runs at most every 15 minutes)",
            target,
            &[],
            secs(ms),
        );
        s.gauge(
            "api_doctor_message_timestamp_seconds",
            "When the last message was sent, in Unix seconds",
            target,
            &[],
            at,
        );
    }
    let Some(last) = &t.last else { return };
    let x = &last.sample;
    s.gauge(
        "api_doctor_last_run_timestamp_seconds",
        "When the last run finished, in Unix seconds",
        target,
        &[],
        last.at_unix,
    );
    s.gauge(
        "api_doctor_run_duration_seconds",
        "How long the last run of every check took",
        target,
        &[],
        f64::from(x.run_ms) / 1000.0,
    );
    for (check, status) in &x.checks {
        s.gauge(
            "api_doctor_check",
            "Each check's status in the last run (pass, warn, fail, info, skipped)",
            target,
            &[("check", check), ("status", status)],
            1.0,
        );
    }
    for (limit, ratio) in &x.rate_limits {
        s.gauge(
            "api_doctor_rate_limit_remaining_ratio",
            "What is left of each rate limit, as a fraction of it",
            target,
            &[("limit", limit)],
            *ratio,
        );
    }
    if let Some(offset) = x.clock_offset_s {
        s.gauge(
            "api_doctor_clock_offset_seconds",
            "How far the local clock is ahead of the API's (negative: behind)",
            target,
            &[],
            offset as f64,
        );
    }
    for g in &x.paths {
        s.gauge(
            "api_doctor_path_success",
            "1 when every path of this route and address family works",
            target,
            &[("route", g.route), ("family", g.family)],
            flag(g.working == g.tried),
        );
        s.gauge(
            "api_doctor_paths",
            "Paths tried, by route and address family",
            target,
            &[("route", g.route), ("family", g.family)],
            f64::from(g.tried),
        );
    }
    for (runtime, works) in &x.runtimes {
        if let Some(works) = works {
            s.gauge(
                "api_doctor_runtime_works",
                "Whether each runtime (python, node, claude_code, curl) would reach the API from here",
                target,
                &[("runtime", runtime)],
                flag(*works),
            );
        }
    }
    if let Some(state) = x.status_page {
        s.gauge(
            "api_doctor_status_page",
            "What the public status page says of the API (operational, degraded, partial_outage, major_outage, maintenance…)",
            target,
            &[("state", state)],
            1.0,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_doctor::core::monitor::{ChainSeen, Phases, Sample};

    /// A sample whose certificate was made by someone hostile.
    fn hostile() -> Sample {
        Sample {
            state: "broken",
            success: false,
            layer: Some("tls"),
            cause: Some("tls.trust/untrusted".into()),
            checks: vec![("tls.trust", "fail")],
            run_ms: 10,
            probe_ms: 3.0,
            phases: Phases {
                resolve: None,
                connect: Some(1.0),
                tls: Some(2.0),
                processing: None,
            },
            ip_protocol: Some(4),
            http_status: None,
            http_version: None,
            chain: Some(ChainSeen {
                version: "TLS 1.3".into(),
                earliest_expiry: 1_900_000_000,
                leaf_subject: "CN=x\"} probe_success{target=\"evil\"} 1\n# EOF\nA\\".into(),
                leaf_issuer: format!("CN={}", "A".repeat(5_000)),
            }),
            errors: vec![],
            rate_limits: vec![],
            first_token_ms: None,
            clock_offset_s: None,
            paths: vec![],
            runtimes: vec![],
            status_page: None,
        }
    }

    #[test]
    fn the_classic_text_names_counters_with_their_total() {
        let om = "# HELP a_runs Runs.\n# TYPE a_runs counter\na_runs_total{x=\"1\"} 3\n# HELP b Gauge.\n# TYPE b gauge\n# UNIT b seconds\nb 1.5\n# EOF\n";
        assert_eq!(
            classic(om),
            "# HELP a_runs_total Runs.\n# TYPE a_runs_total counter\na_runs_total{x=\"1\"} 3\n# HELP b Gauge.\n# TYPE b gauge\nb 1.5\n"
        );
    }

    #[test]
    fn label_values_are_escaped_and_bounded() {
        assert_eq!(label_value("plain"), "plain");
        assert_eq!(label_value("a\"b"), "a\\\"b");
        assert_eq!(label_value("a\\b"), "a\\\\b");
        assert_eq!(label_value("a\nb"), "a\\nb");
        assert_eq!(label_value("a\u{7}b"), "a\u{FFFD}b");
        let long = label_value(&"x".repeat(1_000));
        assert_eq!(long.chars().count(), LABEL_CAP + 1);
    }

    #[test]
    fn a_hostile_certificate_cannot_forge_series() {
        let mut state = State::default();
        let report_json = String::new();
        state.targets.push(TargetState {
            label: "t".into(),
            last: Some(super::super::state::Last {
                sample: hostile(),
                at_unix: 1.0,
                report_json,
            }),
            ..TargetState::default()
        });
        let text = metrics(&state);
        // One exposition, ending once, and no series but the monitor's own for target "t".
        assert_eq!(text.lines().filter(|l| *l == "# EOF").count(), 1, "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            assert!(
                line.contains("target=\"t\"") || line.starts_with("api_doctor_build_info"),
                "forged: {line}"
            );
        }
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("probe_success"))
                .count(),
            1
        );
        assert!(text.contains("issuer=\"CN=AAAA"));
        assert!(!text.contains(&"A".repeat(300)));
    }
}
