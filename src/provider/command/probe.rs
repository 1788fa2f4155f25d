//! Probing a runner: its version and the versions of listed packages (key material), and
//! the messages for a runner that is not installed.

use std::time::Duration;

use super::check::last_lines;
use super::exec;
use super::runners::Runner;
use super::workdir::base_env;
use crate::model::ProviderError;

/// A runner's probed key material (`runner.version`, `runner.package.NAME`), or why not.
pub(super) type Probe = Result<Vec<(String, String)>, ProviderError>;

/// Runs a probe command and returns its trimmed output (stdout then stderr).
pub(super) fn probe_output(r: &Runner, argv: &[String], what: &str) -> Result<String, ProviderError> {
    let dir = tempfile::tempdir().map_err(|e| ProviderError::new(format!("cannot create a temporary folder: {e}")))?;
    let limits = exec::Limits { timeout: Duration::from_secs(60), watch: None };
    let f = exec::run(argv, dir.path(), &base_env(dir.path()), &limits);
    let shown = argv.join(" ");
    match f.exit {
        exec::Exit::Success => Ok(format!("{}\n{}", f.stdout.trim(), f.stderr.trim()).trim().to_string()),
        exec::Exit::NotStarted(e) if e.kind() == std::io::ErrorKind::NotFound => Err(not_installed(r, &argv[0])),
        exec::Exit::NotStarted(e) => {
            Err(ProviderError::new(format!("runner `{}`: cannot run `{shown}`: {e}", r.name)).at_attr("runner"))
        }
        _ => Err(ProviderError::new(format!(
            "runner `{}`: `{shown}` failed, so the {what} is unknown:\n{}",
            r.name,
            last_lines(&f.stderr, 5)
        ))
        .at_attr("runner")
        .hint(if what.starts_with("version of package") {
            install_hint(r, what)
        } else {
            format!("check that `{}` works, or set [runners.{}] version", argv[0], r.name)
        })),
    }
}

pub(super) fn probe(r: &Runner) -> Probe {
    let path = std::env::var("PATH").unwrap_or_default();
    if exec::find_program(&r.command[0], &path).is_none() {
        return Err(not_installed(r, &r.command[0]));
    }
    let mut out = Vec::new();
    if !r.version.is_empty() {
        out.push(("runner.version".to_string(), probe_output(r, &r.version, "runner version")?));
    }
    for p in &r.packages {
        let argv: Vec<String> = r.package_version.iter().map(|a| a.replace("{package}", p)).collect();
        out.push((format!("runner.package.{p}"), probe_output(r, &argv, &format!("version of package `{p}`"))?));
    }
    Ok(out)
}

pub(super) fn not_installed(r: &Runner, program: &str) -> ProviderError {
    let how = match program {
        "python3" | "python" => "install Python 3 (Debian: apt-get install python3)",
        "gnuplot" => "install gnuplot (Debian: apt-get install gnuplot-nox; scripts/setup does)",
        "Rscript" => "install R (Debian: apt-get install r-base-core)",
        _ => "install it, or point [runners.NAME] command at it in paperfig.toml",
    };
    ProviderError::new(format!("runner `{}` needs `{program}`, which is not installed (not found on PATH)", r.name))
        .at_attr("runner")
        .hint(how.replace("NAME", &r.name))
}

pub(super) fn install_hint(r: &Runner, what: &str) -> String {
    let pkg = what.split('`').nth(1).unwrap_or("");
    if r.command[0].starts_with("python") {
        format!("install it (python3 -m pip install {pkg}) or remove it from [runners.{}] packages", r.name)
    } else {
        format!("install it or remove it from [runners.{}] packages", r.name)
    }
}
