//! The fault campaign: paperfig driven as careless users, crashing machines and hostile
//! inputs would drive it, with every trial counted. `scripts/faults` runs it at full scale
//! (`PAPERFIG_FAULTS=full`: 50 kills, 20 rounds of 4 concurrent builds, 100 cache damages,
//! 200 damaged PDFs, every bad input at its full size) and prints one line per campaign;
//! every `cargo test` runs the short scale, so CI keeps each campaign honest.
//!
//! Each campaign is one test that runs all its trials, then fails listing the failed ones
//! (so a failure says how often, not just that it happened). Trials draw their random
//! choices from a generator seeded by the trial number: a failure can be run again.

mod damage;
mod inputs;
mod money;
mod pdfs;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::Run;

/// How many trials each campaign runs.
pub(crate) struct Scale {
    pub full: bool,
    pub kills: usize,
    pub rounds: usize,
    pub damages: usize,
    pub pdfs: usize,
}

pub(crate) fn scale() -> Scale {
    match std::env::var("PAPERFIG_FAULTS").as_deref() {
        Ok("full") => Scale { full: true, kills: 50, rounds: 20, damages: 100, pdfs: 200 },
        _ => Scale { full: false, kills: 4, rounds: 5, damages: 14, pdfs: 24 },
    }
}

/// The trials of one campaign and the ones that failed.
pub(crate) struct Tally {
    name: &'static str,
    trials: usize,
    failures: Vec<String>,
    started: Instant,
}

impl Tally {
    pub fn new(name: &'static str) -> Tally {
        Tally { name, trials: 0, failures: Vec::new(), started: Instant::now() }
    }

    /// Counts a trial; `Err` describes how it failed.
    pub fn trial(&mut self, outcome: Result<(), String>) {
        self.trials += 1;
        if let Err(why) = outcome {
            self.failures.push(format!("trial {}: {why}", self.trials));
        }
    }

    /// Prints the campaign's line and fails the test on any failed trial.
    pub fn finish(self) {
        eprintln!(
            "faults: {:<44} {:>4} trials {:>3} failures  ({:.0} s)",
            self.name,
            self.trials,
            self.failures.len(),
            self.started.elapsed().as_secs_f64()
        );
        assert!(self.trials > 0, "{}: no trial ran", self.name);
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} trials failed:\n{}",
            self.name,
            self.failures.len(),
            self.trials,
            self.failures.iter().take(12).cloned().collect::<Vec<_>>().join("\n")
        );
    }
}

/// A small deterministic generator (64-bit LCG, high bits out), seeded per trial.
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

/// What a bounded run ended as.
pub(crate) enum Ended {
    /// Exited with a code (the output as usual).
    Exited(Run),
    /// Killed by a signal (an abort: a stack overflow, or `kill`).
    Signalled(Run),
    /// Still running at the limit: killed, counted as a hang.
    Hung,
}

/// Runs `cmd` to its end or `limit`, whichever is first; output is read as it comes, so a
/// chatty child never blocks on a full pipe.
pub(crate) fn bounded(mut cmd: Command, limit: Duration) -> Ended {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn paperfig");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let read_out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut b);
        b
    });
    let read_err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err, &mut b);
        b
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let (stdout, stderr) = (read_out.join().unwrap(), read_err.join().unwrap());
    let Some(status) = status else { return Ended::Hung };
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    };
    if status.code().is_some() { Ended::Exited(run) } else { Ended::Signalled(run) }
}

/// A bounded run that must end by itself with exit code 0 or 1 and without a panic.
pub(crate) fn settled(cmd: Command, limit: Duration) -> Result<Run, String> {
    match bounded(cmd, limit) {
        Ended::Hung => Err(format!("still running after {} s", limit.as_secs())),
        Ended::Signalled(run) => Err(format!("killed by a signal (an abort?):\n{}", tail(&run.stderr))),
        Ended::Exited(run) if run.stderr.contains("panicked") => Err(format!("panicked:\n{}", tail(&run.stderr))),
        Ended::Exited(run) if !matches!(run.code, 0..=2) => {
            Err(format!("exit code {}:\n{}", run.code, tail(&run.stderr)))
        }
        Ended::Exited(run) => Ok(run),
    }
}

/// The last lines of a long output, for failure messages.
pub(crate) fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}
