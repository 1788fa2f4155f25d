//! What every subcommand shares: the global flags, the exit codes, and writing to the
//! terminal. Results go to stdout through [`out`], which stops the command quietly when the
//! reader went away (`paperfig status | head -1`), as cargo and ripgrep do; messages go to
//! stderr through [`err`].

use std::fmt::Display;
use std::io::Write as _;

use crate::diag::{Code, Diagnostic};
use crate::diagnose::Diagnose;
use crate::progress::Verbosity;

/// Global flags, checked.
pub struct Global {
    pub verbosity: Verbosity,
}

pub const EXIT_FIGURE_ERRORS: u8 = 1;
pub const EXIT_FATAL: u8 = 2;

/// Why a subcommand stopped before its end.
#[derive(Debug)]
pub enum Stop {
    /// It could not run at all (exit 2), shown as this diagnostic.
    Fatal(Diagnostic),
    /// Standard output was closed by its reader: nothing more to say (exit 0).
    ClosedPipe,
}

impl From<Diagnostic> for Stop {
    fn from(d: Diagnostic) -> Stop {
        Stop::Fatal(d)
    }
}

/// A stage's error stops the command as its diagnostic.
impl<E: Diagnose> From<E> for Stop {
    fn from(e: E) -> Stop {
        Stop::Fatal(e.diagnostic())
    }
}

/// Writes one line of results to stdout.
pub fn out(line: impl Display) -> Result<(), Stop> {
    writeln!(std::io::stdout().lock(), "{line}").map_err(stdout_error)
}

/// Writes bytes to stdout as they are, and flushes them.
pub fn out_bytes(bytes: &[u8]) -> Result<(), Stop> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes).and_then(|()| stdout.flush()).map_err(stdout_error)
}

fn stdout_error(e: std::io::Error) -> Stop {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Stop::ClosedPipe
    } else {
        Stop::Fatal(Diagnostic::error(Code::Usage, format!("cannot write to stdout: {e}")))
    }
}

/// Writes a message to stderr. A closed stderr is ignored: there is nowhere left to say so.
pub fn err(text: impl Display) {
    let _ = write!(std::io::stderr().lock(), "{text}");
}

/// `n` and a noun, singular for one: `count(1, "figure")` is `1 figure`, `count(2, "figure")`
/// `2 figures`.
pub fn count(n: usize, noun: &str) -> String {
    counted(n, noun, &format!("{noun}s"))
}

/// `n` and the noun's singular (`one`) or plural (`many`) form.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// The end of a summary line that counts errors: nothing, `; 1 error` or `; N errors`.
pub fn errors_suffix(n: usize) -> String {
    if n == 0 { String::new() } else { format!("; {}", count(n, "error")) }
}

/// Prints diagnostics to stderr, errors always, warnings unless quiet.
pub fn print_diagnostics(diags: &[Diagnostic], global: &Global) {
    for d in diags {
        if d.is_error() || global.verbosity != Verbosity::Quiet {
            err(d.render());
        }
    }
}

/// A path relative to the project root, with forward slashes, for messages and JSON. A
/// path outside the root is written with `..` when it shares a folder with the root
/// (`../out/paper.pdf`), else as it is.
pub fn rel(root: &std::path::Path, path: &std::path::Path) -> String {
    if let Ok(p) = path.strip_prefix(root) {
        return p.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
    }
    let shared = root.components().zip(path.components()).take_while(|(a, b)| a == b).count();
    let root_only = usize::from(root.has_root());
    if path.is_absolute() && shared > root_only {
        crate::emit::fsutil_relative(root, path)
    } else {
        path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{count, counted, errors_suffix, rel};
    use std::path::Path;

    #[test]
    fn counts_say_one_in_the_singular() {
        assert_eq!(count(1, "figure"), "1 figure");
        assert_eq!(count(0, "figure"), "0 figures");
        assert_eq!(counted(3, "entry", "entries"), "3 entries");
        assert_eq!(errors_suffix(0), "");
        assert_eq!(errors_suffix(1), "; 1 error");
        assert_eq!(errors_suffix(2), "; 2 errors");
    }

    #[test]
    fn paths_are_shown_from_the_project_root() {
        let root = Path::new("/home/u/paper");
        assert_eq!(rel(root, Path::new("/home/u/paper/build/paper.pdf")), "build/paper.pdf");
        assert_eq!(rel(root, Path::new("/home/u/out/paper.pdf")), "../out/paper.pdf");
        assert_eq!(rel(root, Path::new("/srv/out/paper.pdf")), "/srv/out/paper.pdf");
    }
}
