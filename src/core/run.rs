//! One run, from its inputs to its report: the loop every shell drives.
//!
//! A shell asks [`Run::next_probes`] for the probes whose turn has come, executes each as described, and hands
//! back what it saw with [`Run::record`]; it asks [`Run::diagnosis`] for what to show, and once the run is
//! over [`Run::take_report`] gives the report exactly once. Watch mode's samples go through
//! [`Run::watch_sample`], which says how long to wait before the next. The shell decides nothing: which
//! probes go out, in which order, when the run is over and what it concluded are all decided here.

use super::diagnosis::{diagnose, Diagnosis, Verdict};
use super::input::{Context, MAX_WATCH_SECS};
use super::observation::{Observation, Observations, Sample};
use super::plan;
use super::probe::{ProbeId, ProbeSpec};
use super::report::Report;
use super::watch;

/// The most probes a watch keeps; at one every two seconds that is more than an hour.
pub const MAX_WATCH_SAMPLES: usize = 2_000;
/// How much of each watch probe's body is kept: enough to classify an error, not a megabyte per probe.
pub const WATCH_BODY_KEEP: usize = 2_048;

/// What a shell does after a watch sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchNext {
    /// Wait this long, then send the watch probe again.
    After { delay_ms: u32 },
    /// The watch is over: its time is up, it holds all the samples it may, or the run was cancelled.
    Done,
}

/// One run in progress or finished.
#[derive(Debug)]
pub struct Run {
    ctx: Context,
    obs: Observations,
    /// Probes handed out and not yet recorded.
    in_flight: Vec<ProbeId>,
    cancelled: bool,
    /// The watch's samples so far, and its consecutive failures.
    samples: Vec<Sample>,
    watch_failures: u32,
    /// Whether the finished run's report has been taken.
    reported: bool,
}

impl Run {
    /// A run that has sent nothing yet.
    pub fn new(ctx: Context) -> Run {
        Run {
            ctx,
            obs: Observations::new(),
            in_flight: Vec::new(),
            cancelled: false,
            samples: Vec::new(),
            watch_failures: 0,
            reported: false,
        }
    }

    /// The run's inputs.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// What has been observed so far.
    pub fn observations(&self) -> &Observations {
        &self.obs
    }

    /// The probes whose turn has come, each handed out once; they are in flight until recorded. The probes
    /// that are not to be sent are recorded here with the reason, so the shell only executes what it gets.
    pub fn next_probes(&mut self) -> Vec<ProbeSpec> {
        let mut out = Vec::new();
        loop {
            let started: Vec<ProbeId> = self
                .obs
                .keys()
                .chain(self.in_flight.iter())
                .copied()
                .collect();
            let batch = plan::next(&self.ctx, &self.obs, &started);
            if batch.is_empty() {
                return out;
            }
            for planned in batch {
                match planned {
                    // After Cancel nothing more goes out: each probe whose turn comes is recorded as
                    // cancelled, so that every check it feeds is decided (not run) rather than pending.
                    Ok(spec) if self.cancelled => {
                        self.obs.insert(spec.id, Observation::Cancelled);
                    }
                    Ok(spec) => {
                        self.in_flight.push(spec.id);
                        out.push(spec);
                    }
                    Err((id, why)) => {
                        self.obs.insert(id, Observation::NotSent(why));
                    }
                }
            }
        }
    }

    /// Records what a probe handed out by [`Run::next_probes`] came back with; it is no longer in flight. An
    /// answer for a probe that is not in flight (a late one after the watch ended, say) is dropped.
    pub fn record(&mut self, id: ProbeId, seen: Observation) {
        if let Some(at) = self.in_flight.iter().position(|&f| f == id) {
            self.in_flight.remove(at);
            self.obs.insert(id, seen);
        }
    }

    /// Stops handing out probes: from now on each is recorded as cancelled when its turn comes. Those in
    /// flight still land (as cancelled, once the shell aborts them).
    pub fn cancel(&mut self) {
        self.cancelled = true;
    }

    /// Whether the person cancelled the run.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    /// Probes handed out and not yet recorded.
    pub fn in_flight(&self) -> &[ProbeId] {
        &self.in_flight
    }

    /// Every check's state and the verdict so far. A cancelled run whose checks are not all decided says
    /// so, rather than running forever.
    pub fn diagnosis(&self) -> Diagnosis {
        let mut d = diagnose(&self.ctx, &self.obs);
        if self.cancelled && d.verdict == Verdict::Running && self.in_flight.is_empty() {
            d.verdict = Verdict::Cancelled;
        }
        d
    }

    /// Whether the run is still under way: a check undecided, or a probe in flight.
    pub fn busy(&self) -> bool {
        !self.in_flight.is_empty() || self.diagnosis().verdict == Verdict::Running
    }

    /// The report, once the run is over, and only the first time it is asked for.
    pub fn take_report(&mut self, browser: &str, started_ms: f64, took_ms: u32) -> Option<Report> {
        if self.reported || self.busy() {
            return None;
        }
        self.reported = true;
        Some(
            Report::new(&self.ctx, &self.diagnosis(), browser, started_ms, took_ms)
                .with_native(&self.ctx, &self.obs),
        )
    }

    /// How long the watch lasts, in milliseconds since its first probe.
    fn watch_deadline_ms(&self) -> f64 {
        f64::from(self.ctx.settings.watch_secs.min(MAX_WATCH_SECS)) * 1000.0
    }

    /// Whether the watch probe should be sent again, `at_ms` after the watch began.
    pub fn watch_due(&self, at_ms: f64) -> bool {
        self.in_flight.contains(&ProbeId::Watch)
            && !self.cancelled
            && self.samples.len() < MAX_WATCH_SAMPLES
            && at_ms < self.watch_deadline_ms()
    }

    /// Records one watch sample sent `at_ms` after the watch began, seen `now_ms` after it began; says how
    /// long to wait before the next, or that the watch is over (and then records the whole series).
    pub fn watch_sample(
        &mut self,
        at_ms: f64,
        mut seen: Observation,
        now_ms: f64,
        random: f64,
    ) -> WatchNext {
        if !self.in_flight.contains(&ProbeId::Watch) {
            return WatchNext::Done;
        }
        if seen == Observation::Cancelled {
            self.watch_end();
            return WatchNext::Done;
        }
        self.watch_failures = if perf_failed(&self.ctx, &seen) {
            self.watch_failures + 1
        } else {
            0
        };
        if let Observation::Response(r) = &mut seen {
            if r.body.len() > WATCH_BODY_KEEP {
                let mut cut = WATCH_BODY_KEEP;
                while !r.body.is_char_boundary(cut) {
                    cut -= 1;
                }
                r.body.truncate(cut);
            }
        }
        self.samples.push(Sample { at_ms, seen });
        self.obs.insert(
            ProbeId::Watch,
            Observation::Series {
                samples: self.samples.clone(),
                done: false,
            },
        );
        if !self.watch_due(now_ms) {
            self.watch_end();
            return WatchNext::Done;
        }
        let left = (self.watch_deadline_ms() - now_ms).max(0.0) as u32;
        WatchNext::After {
            delay_ms: watch::next_delay_ms(self.watch_failures, random).min(left),
        }
    }

    /// Ends the watch: records the series as finished. Harmless when there is no watch in flight.
    pub fn watch_end(&mut self) {
        if !self.in_flight.contains(&ProbeId::Watch) {
            return;
        }
        let series = Observation::Series {
            samples: std::mem::take(&mut self.samples),
            done: true,
        };
        self.record(ProbeId::Watch, series);
    }
}

/// Whether a watch sample counts as a failure for the backoff.
fn perf_failed(ctx: &Context, seen: &Observation) -> bool {
    super::checks::perf_watch::failed(ctx, seen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{self, key, opaque};
    use crate::core::input::Settings;
    use crate::core::key::AuthMode;
    use crate::core::observation::NotSent;

    fn ctx(settings: Settings) -> Context {
        Context::new("https://api.anthropic.com", AuthMode::ApiKey, key(), true)
            .with_settings(settings)
    }

    #[test]
    fn probes_are_handed_out_once_and_not_sent_ones_recorded() {
        let mut run = Run::new(Context::new(
            "https://api.anthropic.com",
            AuthMode::ApiKey,
            None,
            true,
        ));
        let first = run.next_probes();
        assert!(first.iter().any(|s| s.id == ProbeId::Reach));
        assert_eq!(
            run.observations().get(&ProbeId::KeyModels),
            Some(&Observation::NotSent(NotSent::NoKey))
        );
        assert!(
            run.next_probes().is_empty(),
            "nothing new until something lands"
        );
        assert_eq!(run.in_flight().len(), first.len());
        assert!(run.busy());
        // A late or unknown answer is dropped, not recorded.
        run.record(ProbeId::Watch, opaque(1.0));
        assert!(!run.observations().contains_key(&ProbeId::Watch));
    }

    #[test]
    fn a_run_ends_in_one_report() {
        let ctx = ctx(Settings::default());
        let mut run = Run::new(ctx.clone());
        assert_eq!(run.take_report("b", 0.0, 0), None);
        loop {
            let batch = run.next_probes();
            if batch.is_empty() {
                break;
            }
            for spec in batch {
                run.record(spec.id, fixtures::healthy(&ctx, spec.id));
            }
        }
        assert!(!run.busy());
        assert_eq!(run.diagnosis().verdict, Verdict::Healthy);
        let report = run.take_report("b", 1.0, 2).expect("a report");
        assert_eq!(report.verdict, Verdict::Healthy);
        assert_eq!(run.take_report("b", 1.0, 2), None, "only once");
    }

    #[test]
    fn cancel_stops_the_plan_and_the_verdict_says_so() {
        let ctx = ctx(Settings::default());
        let mut run = Run::new(ctx.clone());
        let first = run.next_probes();
        run.cancel();
        for spec in &first {
            let seen = if spec.id == ProbeId::Reach {
                Observation::Cancelled
            } else {
                fixtures::healthy(&ctx, spec.id)
            };
            run.record(spec.id, seen);
        }
        assert!(run.next_probes().is_empty(), "no probe after Cancel");
        assert_eq!(run.diagnosis().verdict, Verdict::Cancelled);
        assert!(!run.busy());
        // Every check is decided: the ones whose probes never went out say they were not run.
        let d = run.diagnosis();
        assert!(d
            .entries
            .iter()
            .all(|e| e.state != crate::core::diagnosis::State::Pending));
        assert_eq!(
            run.observations().get(&ProbeId::Latency(0)),
            Some(&Observation::NotSent(NotSent::Prerequisite))
        );
        // Cancelled between probes, with nothing in flight and nothing cancelled: still cancelled.
        let mut quiet = Run::new(ctx.clone());
        for spec in quiet.next_probes() {
            quiet.record(spec.id, fixtures::healthy(&ctx, spec.id));
        }
        quiet.cancel();
        assert!(quiet.next_probes().is_empty());
        assert_eq!(quiet.diagnosis().verdict, Verdict::Cancelled);
    }

    /// Drives a run to its watch, and returns it with the watch in flight.
    fn at_the_watch(watch_secs: u32) -> Run {
        let ctx = ctx(Settings {
            samples: 1,
            watch_secs,
            ..Settings::default()
        });
        let mut run = Run::new(ctx.clone());
        loop {
            let batch = run.next_probes();
            assert!(!batch.is_empty(), "the watch never came");
            for spec in batch {
                if spec.id == ProbeId::Watch {
                    return run;
                }
                run.record(spec.id, fixtures::healthy(&ctx, spec.id));
            }
        }
    }

    #[test]
    fn the_watch_backs_off_after_failures_and_ends_on_time() {
        let mut run = at_the_watch(10);
        assert!(run.watch_due(0.0));
        let ok = fixtures::healthy(run.context(), ProbeId::KeyModels);
        let failed = Observation::TimedOut { after_ms: 10_000 };
        assert_eq!(
            run.watch_sample(0.0, ok.clone(), 50.0, 0.0),
            WatchNext::After {
                delay_ms: watch::INTERVAL_MS
            }
        );
        assert_eq!(
            run.watch_sample(2_000.0, failed.clone(), 2_050.0, 0.0),
            WatchNext::After { delay_ms: 500 }
        );
        assert_eq!(
            run.watch_sample(2_600.0, failed, 2_650.0, 0.0),
            WatchNext::After { delay_ms: 1_000 }
        );
        assert!(run.busy(), "the watch is still going");
        // The last wait is cut to the time left.
        assert_eq!(
            run.watch_sample(9_000.0, ok.clone(), 9_500.0, 0.0),
            WatchNext::After { delay_ms: 500 }
        );
        assert!(!run.watch_due(10_000.0));
        assert_eq!(
            run.watch_sample(10_000.0, ok, 10_050.0, 0.0),
            WatchNext::Done
        );
        match run.observations().get(&ProbeId::Watch) {
            Some(Observation::Series { samples, done }) => {
                assert!(*done);
                assert_eq!(samples.len(), 5);
            }
            other => panic!("{other:?}"),
        }
        assert!(!run.busy());
        assert!(run.take_report("b", 0.0, 0).is_some());
    }

    #[test]
    fn a_watch_keeps_short_bodies_and_stops_when_cancelled() {
        let mut run = at_the_watch(60);
        let mut big = fixtures::resp(500, "text/plain", &"é".repeat(WATCH_BODY_KEEP), &[]);
        big.headers.clear();
        run.watch_sample(0.0, Observation::Response(big), 10.0, 0.5);
        match run.observations().get(&ProbeId::Watch) {
            Some(Observation::Series { samples, done }) => {
                assert!(!done);
                let Observation::Response(r) = &samples[0].seen else {
                    panic!("a response")
                };
                assert!(r.body.len() <= WATCH_BODY_KEEP && !r.body.is_empty());
            }
            other => panic!("{other:?}"),
        }
        run.cancel();
        assert!(!run.watch_due(20.0));
        run.watch_end();
        assert!(matches!(
            run.observations().get(&ProbeId::Watch),
            Some(Observation::Series { done: true, .. })
        ));
        assert!(!run.busy());
    }
}
