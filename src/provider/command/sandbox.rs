//! `sandbox = true` in `[runners]`: scripts run under bubblewrap (`bwrap`, Debian's
//! `bubblewrap`), which sees to it that a script can write only its working copy and
//! reach no network.
//!
//! The sandbox, in the order of `bwrap`'s arguments (later mounts cover earlier ones):
//!
//! - the whole filesystem read-only (`--ro-bind / /`), so interpreters, their packages and
//!   virtual environments work wherever they are installed; the script can read what the
//!   user can, but change nothing and tell no one: there is no network;
//! - a fresh `/dev` and `/proc`, a private empty `/tmp` (and `/var/tmp`);
//! - the working copy writable at its own path, with the script and its declared inputs
//!   bound read-only over their copies;
//! - new user, PID, network, IPC, UTS and cgroup namespaces (`--unshare-all`), no
//!   capabilities, a new session (no terminal to inject keystrokes into), and the whole
//!   sandbox killed with `bwrap` (`--die-with-parent`): the timeout and output limit of
//!   `exec`, which kill `bwrap`'s process group, still end everything.
//!
//! Whether `bwrap` works is probed once per run by building the same sandbox around `true`:
//! in a container without user namespaces it is installed but fails. Either way a figure
//! that asks for the sandbox then fails; it never runs unsandboxed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::check::last_lines;
use super::exec;
use crate::model::ProviderError;

/// A `bwrap` that was seen to build a sandbox on this machine.
#[derive(Clone, Debug)]
pub(super) struct Bwrap {
    program: PathBuf,
}

/// Why scripts cannot be sandboxed here.
#[derive(Clone, Debug)]
pub(super) enum Unavailable {
    NotInstalled,
    /// Installed, but it could not build the sandbox: its message.
    Fails {
        program: PathBuf,
        message: String,
    },
}

impl Unavailable {
    /// The error of a figure whose runner `runner` asks for the sandbox.
    pub(super) fn error(&self, runner: &str) -> ProviderError {
        let off = format!(
            "or, to run scripts without a sandbox, remove `sandbox = true` from [runners] (or set [runners.{runner}] sandbox = false) in paperfig.toml"
        );
        match self {
            Unavailable::NotInstalled => ProviderError::new(format!(
                "runner `{runner}` runs scripts in a sandbox (sandbox = true), which needs bubblewrap (`bwrap`), and it is not installed"
            ))
            .at_attr("runner")
            .hint(format!("install it (Debian and Ubuntu: apt-get install bubblewrap; scripts/setup does), {off}")),
            Unavailable::Fails { program, message } => ProviderError::new(format!(
                "runner `{runner}` runs scripts in a sandbox (sandbox = true), and bubblewrap cannot build one here: `{}` says:\n{message}",
                program.display()
            ))
            .at_attr("runner")
            .hint(format!("bubblewrap needs unprivileged user namespaces (Debian: sysctl kernel.unprivileged_userns_clone=1; in a container, one allowed to create namespaces); {off}")),
        }
    }
}

/// Finds `bwrap` on paperfig's `PATH` and checks that it can build the sandbox here.
pub(super) fn probe() -> Result<Bwrap, Unavailable> {
    let path = std::env::var("PATH").unwrap_or_default();
    let program = exec::find_program("bwrap", &path).ok_or(Unavailable::NotInstalled)?;
    let bwrap = Bwrap { program };
    let fails = |message: String| Unavailable::Fails { program: bwrap.program.clone(), message };
    let work = tempfile::Builder::new()
        .prefix("paperfig-sandbox-probe-")
        .tempdir()
        .map_err(|e| fails(format!("cannot create a temporary folder: {e}")))?;
    let argv = bwrap.wrap(&["true".to_string()], work.path(), &[]);
    let env = [("PATH".to_string(), path)];
    let limits = exec::Limits { timeout: Duration::from_secs(20), watch: None };
    let done = exec::run(&argv, work.path(), &env, &limits);
    match done.exit {
        exec::Exit::Success => Ok(bwrap),
        exec::Exit::NotStarted(e) => Err(fails(e.to_string())),
        exec::Exit::TimedOut => Err(fails("it did not finish within 20 s".into())),
        _ => Err(fails(last_lines(&done.stderr, 5))),
    }
}

impl Bwrap {
    /// `argv` run in the sandbox, with `work` (the working copy, also the current folder)
    /// writable and `read_only` (paths inside it) bound read-only.
    pub(super) fn wrap(&self, argv: &[String], work: &Path, read_only: &[PathBuf]) -> Vec<String> {
        let mut a: Vec<String> = vec![self.program.display().to_string()];
        let mut arg = |args: &[&str]| a.extend(args.iter().map(|s| s.to_string()));
        arg(&["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]);
        arg(&["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]);
        if Path::new("/var/tmp").is_dir() {
            arg(&["--tmpfs", "/var/tmp"]);
        }
        let w = work.display().to_string();
        arg(&["--bind", &w, &w]);
        for p in read_only {
            let p = p.display().to_string();
            arg(&["--ro-bind", &p, &p]);
        }
        arg(&["--chdir", &w, "--"]);
        a.extend(argv.iter().cloned());
        a
    }
}
