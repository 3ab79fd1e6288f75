//! What the monitor knows between runs: each target's last result and its running totals. Probes write
//! it when a run ends; scrapes only read it.

use api_doctor::core::monitor::Sample;

/// Every target, in the order given.
#[derive(Debug, Default)]
pub struct State {
    pub targets: Vec<TargetState>,
}

/// One target between runs.
#[derive(Debug, Default)]
pub struct TargetState {
    /// The `target` label.
    pub label: String,
    /// The base URL, as given (it holds no secret: a key never goes in a URL).
    pub base: String,
    /// The last finished run; `None` until the first one ends.
    pub last: Option<Last>,
    pub consecutive_failures: u32,
    /// Runs finished, by the verdict's state; a handful of states, each counted.
    pub runs: Vec<(&'static str, u64)>,
    /// The API's errors met, by (bounded) type.
    pub errors: Vec<(&'static str, u64)>,
    /// The last message's time to first token (ms), and when it was sent (Unix seconds).
    pub first_token: Option<(f64, f64)>,
}

/// A finished run, as kept.
#[derive(Debug)]
pub struct Last {
    pub sample: Sample,
    /// When it finished, in Unix seconds.
    pub at_unix: f64,
    /// The report as JSON (the page's schema): what `/health` gives people and scripts.
    pub report_json: String,
}

/// Adds one to `name`'s count in a small tally.
fn bump(tally: &mut Vec<(&'static str, u64)>, name: &'static str) {
    match tally.iter_mut().find(|(n, _)| *n == name) {
        Some((_, count)) => *count += 1,
        None => tally.push((name, 1)),
    }
}

impl TargetState {
    /// Takes a finished run in: its figures, its report as JSON (written before the lock is taken, so that
    /// a scrape never waits for it), and the totals it adds to.
    pub fn record(&mut self, sample: Sample, report_json: String, at_unix: f64, failures: u32) {
        bump(&mut self.runs, sample.state);
        for kind in &sample.errors {
            bump(&mut self.errors, kind);
        }
        if let Some(ms) = sample.first_token_ms {
            self.first_token = Some((ms, at_unix));
        }
        self.consecutive_failures = failures;
        self.last = Some(Last {
            sample,
            at_unix,
            report_json,
        });
    }

    /// Whether the last run found the API usable from here; `false` before the first one ends.
    pub fn healthy(&self) -> bool {
        self.last.as_ref().is_some_and(|l| l.sample.success)
    }
}

impl State {
    /// Whether every target's last run found the API usable: what `/health` answers 200 for.
    pub fn healthy(&self) -> bool {
        self.targets.iter().all(TargetState::healthy)
    }
}
