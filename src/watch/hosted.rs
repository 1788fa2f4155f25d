//! Hosted figures in the background. A watch rebuild builds everything else at once; the
//! hosted figures that are not cached yet are deferred there (`HostedPolicy::Defer`: the
//! report lists them, and the document shows their previous version or the placeholder).
//! Their jobs, taken from the report, are handed to one background thread that checks the
//! accounts, submits them, polls, and puts the results in the store (local and remote).
//! When it is done the loop rebuilds, the figures are now cache hits, and the document is
//! compiled again.

use std::collections::BTreeSet;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use crate::diag::{Code, Diagnostic};
use crate::diagnose::Diagnose;
use crate::emit::Manifest;
use crate::options::HostedPolicy;
use crate::plan::Job;
use crate::preflight::{self, Decision};
use crate::progress::{Progress, Verbosity};
use crate::run::{self, Outcome, Strategy};
use crate::store::layered::LayeredStore;

/// What the background thread reports.
pub struct Finished {
    pub arrived: Vec<String>,
    /// Figures of the batch that did not arrive.
    pub failed: BTreeSet<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// At most one batch of hosted figures in flight.
#[derive(Default)]
pub struct Background {
    rx: Option<Receiver<Finished>>,
    /// Names of the figures in flight.
    pub names: BTreeSet<String>,
}

impl Background {
    pub fn running(&self) -> bool {
        self.rx.is_some()
    }

    /// Starts building `jobs` (hosted, not cached) into `store`.
    pub fn start(&mut self, jobs: Vec<Job>, store: LayeredStore) {
        let (tx, rx) = channel();
        self.names = jobs.iter().map(|j| j.directive.name.clone()).collect();
        std::thread::spawn(move || {
            let _ = tx.send(build(&jobs, &store));
        });
        self.rx = Some(rx);
    }

    /// The result, once the thread is done.
    pub fn poll(&mut self) -> Option<Finished> {
        let rx = self.rx.as_ref()?;
        let mut res = match rx.try_recv() {
            Ok(f) => f,
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => Finished {
                arrived: Vec::new(),
                failed: BTreeSet::new(),
                diagnostics: vec![Diagnostic::error(Code::Watch, "the background thread for hosted figures stopped")],
            },
        };
        res.failed = self.names.iter().filter(|n| !res.arrived.contains(n)).cloned().collect();
        self.rx = None;
        self.names.clear();
        Some(res)
    }
}

fn build(jobs: &[Job], store: &LayeredStore) -> Finished {
    let mut diagnostics = Vec::new();
    // Each service's account check, as a build does before submitting.
    let decisions =
        match preflight::decide(jobs, store, HostedPolicy::Build { max_cost: None }, &mut Default::default(), &[]) {
            Ok(d) => d,
            Err(refused) => {
                return Finished {
                    arrived: Vec::new(),
                    failed: BTreeSet::new(),
                    diagnostics: vec![refused.diagnostic()],
                };
            }
        };
    let mut runnable = Vec::new();
    for (job, decision) in jobs.iter().zip(decisions) {
        match decision {
            Decision::Refuse(diag) => diagnostics.push(diag),
            Decision::Run | Decision::Defer => runnable.push(job.clone()),
        }
    }
    // Outputs are placed by the next rebuild; here they only go to the store.
    let Ok(scratch) = tempfile::tempdir() else {
        diagnostics.push(Diagnostic::error(Code::Watch, "cannot create a temporary folder for hosted figures"));
        return Finished { arrived: Vec::new(), failed: BTreeSet::new(), diagnostics };
    };
    let progress = Progress::new(Verbosity::Quiet, runnable.len());
    let previous = Manifest::default();
    let cx = run::Context {
        store,
        out_dir: scratch.path(),
        previous: &previous,
        threads: 1,
        progress: &progress,
        strategy: Strategy::Build,
    };
    let mut arrived = Vec::new();
    let ran = run::run(&runnable, &cx);
    diagnostics.extend(ran.warnings);
    for (job, outcome) in runnable.iter().zip(ran.outcomes) {
        match outcome {
            Outcome::Done(_) => arrived.push(job.directive.name.clone()),
            Outcome::Deferred => {}
            Outcome::Failed(d) => diagnostics.push(d),
        }
    }
    Finished { arrived, failed: BTreeSet::new(), diagnostics }
}
