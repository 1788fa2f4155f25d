//! Stages 3–5 in dependency waves. A figure may take another figure's output as input
//! (`input=#fig:sketch`): its key holds that output's bytes (an AI service's output is not
//! reproducible, so the key follows what was made, not what was asked), so it can be planned
//! only once that figure is built. Each wave plans every figure whose inputs are ready
//! (`plan::Planner::next`), applies the build policy (`preflight::decide`) and runs them
//! (`run::run`); the next wave plans the figures that name those just built, with their PNG
//! outputs as stored, and so on: at most `plan::MAX_CHAIN` waves (longer chains are refused
//! when planned). A figure whose input failed fails naming it, and is never sent; one whose
//! input was left for later (watch's background thread) waits, its old outputs kept. A build
//! without such figures is one wave, as before.
//!
//! `--max-cost` covers the whole build in the first wave: the waiting figures are planned
//! ahead for it (`Planner::foresee`, from the outputs the store has for the figures they
//! name, or stand-ins). A later wave that would still go over (or finds the journal
//! unwritable) refuses its own new submissions, figure by figure: the build's earlier
//! figures are made by then.

use std::collections::HashMap;

use crate::diag::{Code, Diagnostic};
use crate::digest::Digest;
use crate::emit::OutputFile;
use crate::model::{Format, InputFile};
use crate::options::HostedPolicy;
use crate::plan::{Job, MAX_CHAIN, Planner, Upstream};
use crate::preflight::{self, Budget, Decision, Refusal};
use crate::run::{self, Figure, Outcome, Strategy};
use crate::store::{Lookup, Store};

/// What the waves did.
pub struct Waves {
    /// Every figure planned, in source order, with its outcome.
    pub figures: Vec<Figure>,
    /// The plan's problems, the figures that could not be made because of their inputs,
    /// and the run's warnings.
    pub diagnostics: Vec<Diagnostic>,
    /// Figures still waiting for an input left for later (their old outputs are kept).
    pub waiting: Vec<String>,
}

/// Plans and runs every figure `planner` can plan, wave after wave, each under `policy`
/// (a locked run decides nothing: it makes nothing). `Err` only from the first wave,
/// before anything was made or sent.
pub fn run(planner: &mut Planner<'_>, cx: &run::Context<'_>, policy: HostedPolicy) -> Result<Waves, Refusal> {
    let mut figures: Vec<Figure> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut settled: HashMap<String, Upstream> = HashMap::new();
    let mut budget = Budget::default();
    for wave in 0..=MAX_CHAIN {
        let plan = planner.next(&|job| settled.get(&job.directive.name).cloned());
        diagnostics.extend(plan.diagnostics);
        if plan.jobs.is_empty() {
            break;
        }
        let decisions = match cx.strategy {
            Strategy::Locked(_) => vec![Decision::Run; plan.jobs.len()],
            Strategy::Build => {
                let ahead = matches!(policy, HostedPolicy::Build { max_cost: Some(_) }) && wave == 0;
                let later: Vec<Job> = if ahead && !planner.waiting().is_empty() {
                    planner.foresee(&|job| stored_png(cx.store, job)).into_iter().map(|f| f.job).collect()
                } else {
                    Vec::new()
                };
                match preflight::decide(&plan.jobs, cx.store, policy, &mut budget, &later) {
                    Ok(decisions) => decisions,
                    Err(refusal) if wave == 0 => return Err(refusal),
                    Err(refusal) => preflight::refuse_submissions(&plan.jobs, cx.store, &refusal),
                }
            }
        };
        let (ran, warnings) = run_decided(plan.jobs, decisions, cx);
        diagnostics.extend(warnings);
        for f in &ran {
            let name = &f.job.directive.name;
            if planner.is_named(name) {
                let (upstream, problem) = upstream(f, cx);
                settled.insert(name.clone(), upstream);
                diagnostics.extend(problem);
            }
        }
        figures.extend(ran);
    }
    let mut waiting = Vec::new();
    for w in planner.waiting() {
        let d = w.directive;
        let names: Vec<String> = w.inputs.iter().map(|n| format!("`{n}`")).collect();
        diagnostics.push(
            Diagnostic::warning(
                Code::Plan,
                format!("figure `{}` waits for {}, not built yet: it is made after them", d.name, names.join(", ")),
            )
            .at(d.attr_loc(w.attr), "takes their output")
            .hint("they are left for later (made in the background); its previous outputs stay until then"),
        );
        waiting.push(d.name.clone());
    }
    figures.sort_by_key(|f| planner.position(&f.job.directive.name));
    Ok(Waves { figures, diagnostics, waiting })
}

/// What became of a figure that others name, for the next wave's plan: its PNG output as
/// the store has it (or as placed, checked against its digest); and a problem to report
/// when the figure was made but its PNG cannot be read.
fn upstream(f: &Figure, cx: &run::Context<'_>) -> (Upstream, Option<Diagnostic>) {
    match &f.outcome {
        Outcome::Deferred => (Upstream::Later, None),
        Outcome::Failed(_) => (Upstream::Failed, None),
        Outcome::Done(built) => match built.outputs.get(&Format::Png).map(|o| png_of(cx, o)) {
            Some(Some(png)) => (Upstream::Built(png), None),
            // It makes no PNG: the planner failed the figures naming it already.
            None => (Upstream::Failed, None),
            Some(None) => {
                let d = &f.job.directive;
                let problem = Diagnostic::error(
                    Code::Cache,
                    format!("the PNG output of figure `{}` cannot be read from the cache or the output folder", d.name),
                )
                .at(d.head.clone(), "this figure")
                .hint("run `paperfig cache verify`, then build again")
                .for_figure(&d.name);
                (Upstream::Failed, Some(problem))
            }
        },
    }
}

/// A placed PNG's bytes: the store's object, else the placed file when it still has the
/// digest.
fn png_of(cx: &run::Context<'_>, o: &OutputFile) -> Option<InputFile> {
    let bytes = match cx.store.get_object(&o.digest) {
        Ok(Lookup::Hit(bytes)) => bytes,
        _ => std::fs::read(cx.out_dir.join(&o.file)).ok().filter(|b| Digest::of(b) == o.digest)?,
    };
    Some(InputFile::new("png", bytes))
}

/// The PNG output the store has for a job's key, if any (what the job will give when it is
/// a cache hit): a prediction for estimates.
pub fn stored_png(store: &dyn Store, job: &Job) -> Option<InputFile> {
    let Ok(Lookup::Hit(entry)) = store.get_action(&job.key) else { return None };
    let png = entry.outputs.get(&Format::Png)?;
    match store.get_object(&png.digest) {
        Ok(Lookup::Hit(bytes)) => Some(InputFile::new("png", bytes)),
        _ => None,
    }
}

/// Runs the jobs the policy lets run; the others become their decision's outcome. Also
/// returns the run's own warnings. Figures come back in job order.
fn run_decided(jobs: Vec<Job>, decisions: Vec<Decision>, cx: &run::Context<'_>) -> (Vec<Figure>, Vec<Diagnostic>) {
    // The jobs to run are moved out and back, in order, not copied: a no-op run over
    // hundreds of figures spends a measurable share of its time copying jobs otherwise.
    let mut runnable = Vec::with_capacity(jobs.len());
    let mut others = Vec::new();
    for (job, decision) in jobs.into_iter().zip(decisions) {
        match decision {
            Decision::Run => runnable.push(job),
            Decision::Defer => others.push((runnable.len(), job, Outcome::Deferred)),
            Decision::Refuse(diag) => others.push((runnable.len(), job, Outcome::Failed(diag))),
        }
    }
    let run::Ran { outcomes, warnings } = run::run(&runnable, cx);
    debug_assert_eq!(outcomes.len(), runnable.len(), "one outcome per runnable job");
    let mut figures = Vec::with_capacity(runnable.len() + others.len());
    let mut others = others.into_iter().peekable();
    for (i, (job, outcome)) in runnable.into_iter().zip(outcomes).enumerate() {
        while let Some((_, job, outcome)) = others.next_if(|(before, _, _)| *before == i) {
            figures.push(Figure { job, outcome });
        }
        figures.push(Figure { job, outcome });
    }
    figures.extend(others.map(|(_, job, outcome)| Figure { job, outcome }));
    (figures, warnings)
}
