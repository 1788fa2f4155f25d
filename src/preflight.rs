//! Build policy, before a build touches the network: which figures need a hosted provider
//! (not cached), what they would cost, and what the options make of them ([`decide`]):
//! `--offline` refuses them, `watch` defers them, `--max-cost` refuses the whole build, and
//! each service's account check (`Service::check`: online, key, credits) blocks that
//! provider's new submissions, and nothing is sent unless the cache and the providers'
//! journals are writable (a task that cannot be recorded would be paid for again by the
//! next build). Used by the pipeline (`generate_scanned`), `status` and
//! watch's background thread; the backends only answer questions (cost, account).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::diag::{Code, Diagnostic};
use crate::fsutil;
use crate::model::ProviderError;
use crate::options::HostedPolicy;
use crate::plan::{Job, provider_diagnostic};
use crate::provider::hosted::HostedProvider;
use crate::provider::hosted::cost::{Cost, Totals};
use crate::store::{Lookup, Store, StoreError};

/// What the build does with one figure.
#[derive(Clone, Debug)]
pub enum Decision {
    /// Look it up, and make it if it is missing.
    Run,
    /// A hosted figure left for later (`HostedPolicy::Defer`).
    Defer,
    /// A hosted figure that may not be made now: why.
    Refuse(Diagnostic),
}

/// What a build made in waves (`crate::waves`) has committed before this wave, for
/// `--max-cost`: the estimated cost of the figures it submitted.
#[derive(Clone, Debug, Default)]
pub struct Budget {
    pub spent: Totals,
}

/// Applies `policy` to every job's hosted figure that is not cached. `later` are the figures
/// the build makes in later waves, planned ahead (`plan::Planner::foresee`): they count in
/// `--max-cost` and the account checks, with what `budget` says earlier waves submitted, but
/// get no decision here. `Err` refuses the whole wave (over budget, or nowhere to record what
/// is submitted); nothing of it has been submitted then. The new submissions this decides
/// to run are added to `budget`.
pub fn decide(
    jobs: &[Job],
    store: &dyn Store,
    policy: HostedPolicy,
    budget: &mut Budget,
    later: &[Job],
) -> Result<Vec<Decision>, Refusal> {
    let mut decisions = vec![Decision::Run; jobs.len()];
    let pending = pending(jobs, store);
    let ahead = match policy {
        HostedPolicy::Build { .. } => self::pending(later, store),
        HostedPolicy::Refuse | HostedPolicy::Defer => Vec::new(),
    };
    if pending.is_empty() && ahead.is_empty() {
        return Ok(decisions);
    }
    match policy {
        HostedPolicy::Refuse => {
            for (p, diag) in pending.iter().zip(offline_errors(jobs, &pending)) {
                decisions[p.index] = Decision::Refuse(diag);
            }
        }
        HostedPolicy::Defer => {
            for p in &pending {
                decisions[p.index] = Decision::Defer;
            }
        }
        HostedPolicy::Build { max_cost } => {
            let everything: Vec<&Pending<'_>> = pending.iter().chain(&ahead).collect();
            if let Some(over) = max_cost.and_then(|max| over_budget(&budget.spent, &everything, max)) {
                return Err(over.into());
            }
            writable(&everything, store)?;
            let failed = account_checks(&everything);
            for p in pending.iter().filter(|p| p.submits()) {
                match failed.get(p.provider.name()) {
                    Some(e) => {
                        decisions[p.index] =
                            Decision::Refuse(provider_diagnostic(&jobs[p.index].directive, e.clone(), Code::Hosted))
                    }
                    None => budget.spent.add(p.cost),
                }
            }
        }
    }
    Ok(decisions)
}

/// A refusal of a wave after earlier waves of the build were made (so the build as a whole
/// cannot be refused any more): each figure of `jobs` the wave would submit anew is refused
/// with its reason; the others run.
pub fn refuse_submissions(jobs: &[Job], store: &dyn Store, refusal: &Refusal) -> Vec<Decision> {
    let mut decisions = vec![Decision::Run; jobs.len()];
    for p in pending(jobs, store).iter().filter(|p| p.submits()) {
        let d = &jobs[p.index].directive;
        let (code, hint) = match refusal {
            Refusal::OverBudget(_) => (Code::Budget, "raise --max-cost; the figures built before it are kept"),
            Refusal::Unwritable(_) => (Code::Hosted, "make the cache folder writable and build again"),
        };
        decisions[p.index] = Decision::Refuse(
            Diagnostic::error(code, format!("{refusal}; figure `{}` was not submitted", d.name))
                .at(d.head.clone(), "this figure")
                .hint(hint)
                .for_figure(&d.name),
        );
    }
    decisions
}

/// A figure that needs a hosted provider in this build.
pub struct Pending<'a> {
    /// Index into the job list.
    pub index: usize,
    pub provider: &'a HostedProvider,
    /// Estimated cost of submitting it.
    pub cost: Cost,
    /// Whether it is submitted now, or made at no new cost.
    pub how: How,
}

/// How a pending hosted figure is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// Submitted: costs its estimate.
    Submit,
    /// Its task was submitted by an interrupted build and is resumed (costs nothing new).
    Resume,
    /// Made from the images an earlier task of the same request returned, kept in the
    /// cache (`figure=N` of another number): nothing is sent.
    FromKept,
}

impl Pending<'_> {
    /// Whether making it sends a new submission (and costs its estimate).
    pub fn submits(&self) -> bool {
        self.how == How::Submit
    }
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
            let provider = job.hosted.as_deref()?;
            if cached(job, store) {
                return None;
            }
            let how = if provider.in_flight(&job.key).is_some() {
                How::Resume
            } else if provider.from_kept(&job.request, &|d| store.has_object(d).unwrap_or(false)) {
                How::FromKept
            } else {
                How::Submit
            };
            Some(Pending { index, provider, cost: provider.cost(&job.request), how })
        })
        .collect()
}

/// What the new submissions would cost, per unit.
pub fn totals(pending: &[Pending<'_>]) -> Totals {
    let mut t = Totals::default();
    for p in pending.iter().filter(|p| p.submits()) {
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
            Diagnostic::error(
                Code::Hosted,
                format!(
                    "--offline: figure `{}` needs the network provider `{}` ({})",
                    d.name,
                    p.provider.name(),
                    p.provider.config.service
                ),
            )
            .at(d.head.clone(), "this figure")
            .hint(format!(
                "figures that need a network provider: {}; run without --offline to build them",
                names.join(", ")
            ))
            .for_figure(&d.name)
        })
        .collect()
}

/// `--max-cost N` refuses a build whose new submissions would cost more than N in a unit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("this build would cost {totals}, more than --max-cost {max} ({over})")]
pub struct OverBudget {
    pub totals: Totals,
    pub max: f64,
    /// The first unit over the limit, with its total.
    pub over: Cost,
}

/// `--max-cost N`: the refusal, if what was `spent` already and the new submissions in
/// `pending` would cost more than `max` in any unit.
pub fn over_budget(spent: &Totals, pending: &[&Pending<'_>], max: f64) -> Option<OverBudget> {
    let mut totals = spent.clone();
    for p in pending.iter().filter(|p| p.submits()) {
        totals.add(p.cost);
    }
    let over = totals.over(max)?;
    Some(OverBudget { totals, max, over })
}

/// Why a build was refused before anything was sent.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
    #[error(transparent)]
    Unwritable(#[from] Unwritable),
}

/// A folder where a submitted task must be recorded cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum Unwritable {
    /// The local cache, where the figure is stored once it arrives.
    #[error("the cache cannot be written, so hosted figures were not submitted: {0}")]
    Cache(StoreError),
    /// A provider's journal, where its task ids are recorded before polling.
    #[error(
        "the journal of provider `{provider}` cannot be written ({}: {source}), so hosted figures were not submitted",
        dir.display()
    )]
    Journal { provider: String, dir: PathBuf, source: std::io::Error },
}

/// Before anything new is submitted: the journal of every provider about to submit, and the
/// cache, must take a new file (created and removed again).
pub fn writable(pending: &[&Pending<'_>], store: &dyn Store) -> Result<(), Unwritable> {
    let mut providers: BTreeMap<&str, &HostedProvider> = BTreeMap::new();
    for p in pending.iter().filter(|p| p.submits()) {
        providers.insert(p.provider.name(), p.provider);
    }
    if providers.is_empty() {
        return Ok(());
    }
    for (name, provider) in providers {
        let dir = provider.journal_dir();
        fsutil::probe_writable(dir).map_err(|source| Unwritable::Journal {
            provider: name.to_string(),
            dir: dir.to_path_buf(),
            source,
        })?;
    }
    store.check_writable().map_err(Unwritable::Cache)
}

/// Runs each provider's account check once for its share of the batch. Returns the
/// providers that failed it, with the message their figures fail with.
pub fn account_checks(pending: &[&Pending<'_>]) -> BTreeMap<&'static str, ProviderError> {
    shares(pending)
        .into_iter()
        .filter_map(|(name, (provider, total))| provider.preflight(total).err().map(|e| (name, e)))
        .collect()
}

/// Each provider's share of the new submissions in `pending` (resumed tasks cost nothing new).
fn shares<'a>(pending: &[&Pending<'a>]) -> BTreeMap<&'static str, (&'a HostedProvider, Cost)> {
    let mut shares: BTreeMap<&'static str, (&HostedProvider, Cost)> = BTreeMap::new();
    for p in pending.iter().filter(|p| p.submits()) {
        let e = shares.entry(p.provider.name()).or_insert((p.provider, Cost::new(0.0, p.cost.unit)));
        e.1.amount += p.cost.amount;
    }
    shares
}

/// One hosted provider as `paperfig status --check` found it.
pub struct Checked<'a> {
    pub provider: &'a HostedProvider,
    /// The estimated cost of what a build would submit to it now.
    pub total: Cost,
    /// Its findings, or why a build would fail.
    pub found: Result<Vec<String>, ProviderError>,
}

/// Asks every configured hosted provider what a build needs from it (`HostedProvider::check`),
/// each against its share of `pending`, all at once. Nothing is submitted.
pub fn check_services<'a>(
    providers: impl Iterator<Item = &'a HostedProvider>,
    pending: &[Pending<'_>],
) -> Vec<Checked<'a>> {
    let owed = shares(&pending.iter().collect::<Vec<_>>());
    let shares: Vec<(&HostedProvider, Cost)> =
        providers.map(|p| (p, owed.get(p.name()).map_or(Cost::new(0.0, p.cost_unit()), |&(_, total)| total))).collect();
    std::thread::scope(|scope| {
        let asked: Vec<_> = shares.iter().map(|&(p, total)| scope.spawn(move || p.check(total))).collect();
        shares
            .iter()
            .zip(asked)
            .map(|(&(provider, total), h)| {
                let found = h.join().unwrap_or_else(|_| Err(ProviderError::new("the check crashed")));
                Checked { provider, total, found }
            })
            .collect()
    })
}
