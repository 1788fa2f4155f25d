//! Progress output: a bar on a terminal, plain lines otherwise, nothing with `-q`.

use std::io::{IsTerminal, Write as _};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    #[default]
    Normal,
    Verbose,
}

pub struct Progress {
    bar: Option<ProgressBar>,
    verbosity: Verbosity,
}

impl Progress {
    /// A bar when stderr is a terminal and output is not quiet; plain lines otherwise.
    pub fn new(verbosity: Verbosity, total: usize) -> Progress {
        let bar = (verbosity != Verbosity::Quiet && std::io::stderr().is_terminal() && total > 0).then(|| {
            let bar = ProgressBar::new(total as u64);
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { bar, verbosity }
    }

    pub fn hidden() -> Progress {
        Progress { bar: None, verbosity: Verbosity::Quiet }
    }

    /// A figure finished. `important` lines (generated, failed) show at normal verbosity,
    /// others (cache hits) only with `-v`.
    pub fn figure_done(&self, line: &str, important: bool) {
        let show = match self.verbosity {
            Verbosity::Quiet => false,
            Verbosity::Normal => important,
            Verbosity::Verbose => true,
        };
        match &self.bar {
            Some(bar) => {
                if show {
                    bar.println(line);
                }
                bar.set_message(line.to_string());
                bar.inc(1);
            }
            None if show => stderr_line(line),
            None => {}
        }
    }

    /// A line about work in progress (a hosted figure's remote stage), shown at normal
    /// verbosity.
    pub fn note(&self, line: &str) {
        match (&self.bar, self.verbosity) {
            (_, Verbosity::Quiet) => {}
            (Some(bar), _) => bar.println(line),
            (None, _) => stderr_line(line),
        }
    }

    /// A line shown only with `-v` (what a figure's provider explains about it).
    pub fn detail(&self, line: &str) {
        match (&self.bar, self.verbosity) {
            (Some(bar), Verbosity::Verbose) => bar.println(line),
            (None, Verbosity::Verbose) => stderr_line(line),
            _ => {}
        }
    }

    pub fn verbose(&self) -> bool {
        self.verbosity == Verbosity::Verbose
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A plain progress line on stderr; a closed stderr is ignored.
fn stderr_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
