//! One run of the checks, driven to its end: the probes the core hands out executed concurrently, what each
//! met recorded, the watch paced, and everything stopped at once when asked or when the deadline passes.
//! `check` drives one run; `monitor` drives one per target on its schedule.

use crate::exec;
use crate::render;
use api_doctor::core::i18n::Lang;
use api_doctor::core::observation::Observation;
use api_doctor::core::probe::{ProbeId, ProbeSpec};
use api_doctor::core::run::{Run, WatchNext};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::task::JoinSet;

/// Unix milliseconds now.
pub fn wall_ms() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// A number in [0, 1) for the watch's jitter; the clock's nanoseconds mixed, which is random enough to
/// spread retries and needs no crate.
pub fn jitter() -> f64 {
    let n = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut x = u64::from(n) ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x % 1_000_000) as f64 / 1_000_000.0
}

/// Ctrl-C, and on Unix SIGTERM too: either stops the run.
pub struct Interrupt {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Interrupt {
    pub fn new() -> Interrupt {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Interrupt {
                int: signal(SignalKind::interrupt()).ok(),
                term: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        Interrupt {}
    }

    /// Resolves when an interrupt arrives; never, when no handler could be installed.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            let int = async {
                match &mut self.int {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let term = async {
                match &mut self.term {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = int => {}
                () = term => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// What a task of the run comes back with.
enum Done {
    /// A probe and what it met.
    Probe(ProbeId, Observation),
    /// One watch sample, sent `at` milliseconds after the watch began.
    Watch(f64, Observation),
    /// The watch's wait is over: time to ask whether another sample is due.
    WatchTimer,
}

/// Drives the run to its end: hands out probes, records what each came back with, paces the watch, and
/// stops everything at once when `stop` resolves or the run's deadline passes. Progress goes to stderr in
/// `progress`'s language when given. Says whether the run was stopped.
pub async fn drive<S: Future<Output = ()>>(
    run: &mut Run,
    key: Option<api_doctor::core::key::ApiKey>,
    origin: String,
    deadline: Duration,
    stop_when: S,
    progress: Option<Lang>,
) -> bool {
    let exec = Arc::new(exec::Executor::new(key, origin));
    let mut tasks: JoinSet<Done> = JoinSet::new();
    let deadline = tokio::time::sleep(deadline.max(Duration::from_secs(1)));
    tokio::pin!(deadline);
    tokio::pin!(stop_when);
    let mut watch: Option<(ProbeSpec, Instant)> = None;
    let mut stopped = false;
    loop {
        for spec in run.next_probes() {
            let exec = exec.clone();
            if spec.id == ProbeId::Watch {
                watch = Some((spec, Instant::now()));
                tasks.spawn(async { Done::WatchTimer });
                continue;
            }
            tasks.spawn(async move {
                let seen = exec.execute(&spec).await;
                Done::Probe(spec.id, seen)
            });
        }
        if tasks.is_empty() {
            break;
        }
        tokio::select! {
            done = tasks.join_next() => {
                let Some(Ok(done)) = done else { continue };
                match (done, &watch) {
                    (Done::Probe(id, seen), _) => run.record(id, seen),
                    (Done::WatchTimer, Some((spec, start))) => {
                        let at = start.elapsed().as_secs_f64() * 1000.0;
                        if run.watch_due(at) {
                            let (exec, spec) = (exec.clone(), spec.clone());
                            tasks.spawn(async move { Done::Watch(at, exec.execute(&spec).await) });
                        } else {
                            run.watch_end();
                        }
                    }
                    (Done::Watch(at, seen), Some((_, start))) => {
                        let now = start.elapsed().as_secs_f64() * 1000.0;
                        match run.watch_sample(at, seen, now, jitter()) {
                            WatchNext::After { delay_ms } => {
                                tasks.spawn(async move {
                                    tokio::time::sleep(Duration::from_millis(u64::from(delay_ms))).await;
                                    Done::WatchTimer
                                });
                            }
                            WatchNext::Done => run.watch_end(),
                        }
                    }
                    (_, None) => {}
                }
                if let Some(lang) = progress {
                    eprint!("{}", render::progress(lang, &run.diagnosis()));
                }
            }
            () = &mut stop_when, if !stopped => {
                stopped = true;
                stop(run, &mut tasks);
            }
            _ = &mut deadline, if !stopped => {
                stopped = true;
                stop(run, &mut tasks);
            }
        }
    }
    stopped
}

/// Cancels the run and every probe in flight at once; what was found stays.
fn stop(run: &mut Run, tasks: &mut JoinSet<Done>) {
    run.cancel();
    tasks.abort_all();
    let in_flight: Vec<ProbeId> = run.in_flight().to_vec();
    for id in in_flight {
        if id == ProbeId::Watch {
            run.watch_end();
        } else {
            run.record(id, Observation::Cancelled);
        }
    }
}
