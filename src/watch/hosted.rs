//! Hosted figures in the background. A watch rebuild builds everything else at once (the
//! hosted figures that are not cached yet fail there as `--offline` would, so the document
//! shows their previous version or the placeholder); their jobs are handed to one
//! background thread that submits them, polls, and puts the results in the store. When
//! it is done the loop rebuilds, the figures are now cache hits, and the document is
//! compiled again.

use std::collections::BTreeSet;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use crate::diag::Diagnostic;
use crate::emit::Manifest;
use crate::plan::Job;
use crate::progress::{Progress, Verbosity};
use crate::provider::hosted::batch;
use crate::run::{self, Outcome};
use crate::store::{LocalStore, Store};

/// Whether a diagnostic of a foreground rebuild only says "this hosted figure was deferred".
pub fn is_deferred(d: &Diagnostic) -> bool {
    d.figure.is_some() && d.message.starts_with("--offline:")
}

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
    pub fn start(&mut self, jobs: Vec<Job>, store: LocalStore) {
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
                diagnostics: vec![Diagnostic::error("the background thread for hosted figures stopped")],
            },
        };
        res.failed = self.names.iter().filter(|n| !res.arrived.contains(n)).cloned().collect();
        self.rx = None;
        self.names.clear();
        Some(res)
    }
}

fn build(jobs: &[Job], store: &LocalStore) -> Finished {
    let mut diagnostics = Vec::new();
    // Each service's account check, as a build does before submitting.
    let pending = batch::pending(jobs, store);
    let failed = batch::preflight(&pending);
    let mut runnable = Vec::new();
    for p in &pending {
        let job = &jobs[p.index];
        match failed.get(p.provider.name()) {
            Some(e) if !p.resuming => {
                diagnostics.push(crate::plan::provider_diagnostic(&job.directive, e.clone()));
            }
            _ => runnable.push(job.clone()),
        }
    }
    // Outputs are placed by the next rebuild; here they only go to the store.
    let Ok(scratch) = tempfile::tempdir() else {
        diagnostics.push(Diagnostic::error("cannot create a temporary folder for hosted figures"));
        return Finished { arrived: Vec::new(), failed: BTreeSet::new(), diagnostics };
    };
    let progress = Progress::new(Verbosity::Quiet, runnable.len());
    let outcomes = run::run(&runnable, store as &dyn Store, scratch.path(), &Manifest::default(), 1, &progress);
    let mut arrived = Vec::new();
    for (job, outcome) in runnable.iter().zip(outcomes) {
        match outcome {
            Outcome::Done { .. } => arrived.push(job.directive.name.clone()),
            Outcome::Failed(d) => diagnostics.push(d),
        }
    }
    Finished { arrived, failed: BTreeSet::new(), diagnostics }
}
