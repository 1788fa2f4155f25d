//! The date written into PDFs, for reproducible builds: an explicit `--source-date-epoch`,
//! else `SOURCE_DATE_EPOCH` from the environment, else the last commit's time when the
//! project is in a git repository, else `[build] source_date_epoch`; with none of them
//! the current time (and the PDF then differs from run to run only by its dates).

use std::path::Path;
use std::process::Command;

/// Where the epoch came from (shown with `-v`).
#[derive(Clone, Debug, PartialEq)]
pub enum EpochSource {
    Option,
    Environment,
    GitCommit,
    Config,
    Now,
}

/// Why no build date can be taken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EpochError {
    #[error("SOURCE_DATE_EPOCH = `{0}` is not a number of seconds")]
    NotSeconds(String),
}

/// Picks the build date in seconds since 1970; `None` = now.
pub fn source_date_epoch(
    root: &Path,
    option: Option<u64>,
    env: Option<String>,
    config: Option<u64>,
) -> Result<(Option<u64>, EpochSource), EpochError> {
    if let Some(e) = option {
        return Ok((Some(e), EpochSource::Option));
    }
    if let Some(v) = env.filter(|v| !v.trim().is_empty()) {
        let e = v.trim().parse::<u64>().map_err(|_| EpochError::NotSeconds(v.clone()))?;
        return Ok((Some(e), EpochSource::Environment));
    }
    if let Some(e) = last_commit_time(root) {
        return Ok((Some(e), EpochSource::GitCommit));
    }
    if let Some(e) = config {
        return Ok((Some(e), EpochSource::Config));
    }
    Ok((None, EpochSource::Now))
}

/// The build date for a project as `build` and `watch` decide it: the flag, then
/// `SOURCE_DATE_EPOCH`, then the last commit, then `[build] source_date_epoch`.
pub fn for_project(project: &crate::project::Project, option: Option<u64>) -> Result<Option<u64>, EpochError> {
    let env = std::env::var("SOURCE_DATE_EPOCH").ok();
    source_date_epoch(&project.root, option, env, project.config.source_date_epoch).map(|(e, _)| e)
}

/// The committer time of `HEAD` when `root` is inside a git work tree (and git is installed).
pub fn last_commit_time(root: &Path) -> Option<u64> {
    let out = Command::new("git")
        .args(["log", "-1", "--format=%ct"])
        .current_dir(root)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_beats_environment_beats_git_beats_config() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        assert_eq!(source_date_epoch(p, Some(5), Some("7".into()), Some(9)).unwrap(), (Some(5), EpochSource::Option));
        assert_eq!(source_date_epoch(p, None, Some("7".into()), Some(9)).unwrap(), (Some(7), EpochSource::Environment));
        assert_eq!(source_date_epoch(p, None, None, Some(9)).unwrap(), (Some(9), EpochSource::Config));
        assert_eq!(source_date_epoch(p, None, None, None).unwrap(), (None, EpochSource::Now));
        let e = source_date_epoch(p, None, Some("yesterday".into()), None).unwrap_err();
        assert!(e.to_string().contains("`yesterday`"), "{e}");
    }

    #[test]
    fn git_commit_time_is_used_in_a_repository() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        let git = |args: &[&str]| {
            Command::new("git")
                .args(args)
                .current_dir(p)
                .env("GIT_COMMITTER_DATE", "1600000000 +0000")
                .env("GIT_AUTHOR_DATE", "1600000000 +0000")
                .output()
        };
        if git(&["init", "-q"]).map(|o| !o.status.success()).unwrap_or(true) {
            eprintln!("skipped: git is not installed");
            return;
        }
        std::fs::write(p.join("paper.tex"), "x").unwrap();
        git(&["add", "paper.tex"]).unwrap();
        let out = git(&["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x"]).unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(source_date_epoch(p, None, None, Some(9)).unwrap(), (Some(1_600_000_000), EpochSource::GitCommit));
    }
}
