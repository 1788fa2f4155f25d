//! Before a build touches the network: which figures need a hosted provider (not cached),
//! what they would cost, whether `--offline` or `--max-cost` forbids them, and whether each
//! service's account can pay for its share (`Service::preflight`). Used by `gen` and
//! `status`.

use std::collections::BTreeMap;

use super::HostedProvider;
use super::cost::{Cost, Totals};
use crate::diag::Diagnostic;
use crate::plan::Job;
use crate::store::{Lookup, Store};

/// A figure that needs a hosted provider in this build.
pub struct Pending<'a> {
    /// Index into the job list.
    pub index: usize,
    pub provider: &'a HostedProvider,
    /// Estimated cost of submitting it.
    pub cost: Cost,
    /// Its task was submitted by an interrupted build and will be resumed (costs nothing new).
    pub resuming: bool,
}

/// Whether a job's outputs are all in the store.
pub fn cached(job: &Job, store: &dyn Store) -> bool {
    match store.get_action(&job.key) {
        Ok(Lookup::Hit(entry)) => entry.outputs.values().all(|o| store.has_object(&o.digest).unwrap_or(false)),
        _ => false,
    }
}

/// Every hosted figure that is not cached.
pub fn pending<'a>(jobs: &'a [Job], store: &dyn Store) -> Vec<Pending<'a>> {
    jobs.iter()
        .enumerate()
        .filter_map(|(index, job)| {
            let provider = job.provider.hosted()?;
            if cached(job, store) {
                return None;
            }
            let resuming = provider.in_flight(&job.key).is_some();
            Some(Pending { index, provider, cost: provider.cost(&job.request), resuming })
        })
        .collect()
}

/// What the new submissions would cost, per unit.
pub fn totals(pending: &[Pending<'_>]) -> Totals {
    let mut t = Totals::default();
    for p in pending.iter().filter(|p| !p.resuming) {
        t.add(p.cost);
    }
    t
}

/// `--offline`: one error per figure that needs the network, each naming its provider.
pub fn offline_errors(jobs: &[Job], pending: &[Pending<'_>]) -> Vec<Diagnostic> {
    let names: Vec<String> = pending.iter().map(|p| jobs[p.index].directive.name.clone()).collect();
    pending
        .iter()
        .map(|p| {
            let d = &jobs[p.index].directive;
            Diagnostic::error(format!(
                "--offline: figure `{}` needs the network provider `{}` ({})",
                d.name,
                p.provider.name(),
                p.provider.config.service
            ))
            .at(d.head.clone(), "this figure")
            .hint(format!(
                "figures that need a network provider: {}; run without --offline to build them",
                names.join(", ")
            ))
            .for_figure(&d.name)
        })
        .collect()
}

/// `--max-cost N`: the refusal, if the new submissions would cost more than `max` in any unit.
pub fn over_budget(pending: &[Pending<'_>], max: f64) -> Option<Diagnostic> {
    let t = totals(pending);
    let over = t.over(max)?;
    Some(Diagnostic::error(format!("this build would cost {t}, more than --max-cost {max} ({over})")).hint(
        "nothing was submitted; raise --max-cost, or build fewer figures (paperfig status shows each one's cost)",
    ))
}

/// Runs each provider's account check once for its share of the batch. Returns the
/// providers that failed it, with the message their figures fail with.
pub fn preflight(pending: &[Pending<'_>]) -> BTreeMap<&'static str, crate::provider::ProviderError> {
    let mut shares: BTreeMap<&'static str, (&HostedProvider, Cost)> = BTreeMap::new();
    for p in pending.iter().filter(|p| !p.resuming) {
        let e = shares.entry(p.provider.name()).or_insert((p.provider, Cost::new(0.0, p.cost.unit)));
        e.1.amount += p.cost.amount;
    }
    shares
        .into_iter()
        .filter_map(|(name, (provider, total))| provider.preflight(total).err().map(|e| (name, e)))
        .collect()
}
