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

/// Picks the build date in seconds since 1970; `None` = now. `cache_dir` keeps the last
/// commit's time between builds (see [`commit_time`]).
pub fn source_date_epoch(
    root: &Path,
    cache_dir: Option<&Path>,
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
    if let Some(e) = commit_time(root, cache_dir) {
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
    let cache = Some(project.config.cache_dir.as_path());
    source_date_epoch(&project.root, cache, option, env, project.config.source_date_epoch).map(|(e, _)| e)
}

/// [`last_commit_time`] without starting git when it cannot answer or has answered
/// before: no folder from `root` up holds a repository (a `.git`, or a bare one), so
/// there is no commit; or the files that say which commit `HEAD` is (`HEAD`, the ref it
/// names, `packed-refs`) are as they were when git last answered (the same settled
/// stamps, remembered in `cache_dir`). A repository whose `.git` is a file (a worktree,
/// a submodule) or whose refs are a reftable is always asked.
pub fn commit_time(root: &Path, cache_dir: Option<&Path>) -> Option<u64> {
    let git_dir = match repository(root) {
        Repository::None => return None,
        Repository::Other => return last_commit_time(root),
        Repository::Plain(dir) => dir,
    };
    let Some(cache_dir) = cache_dir.filter(|_| !git_dir.join("reftable").exists()) else {
        return last_commit_time(root);
    };
    let which = crate::digest::Digest::of(git_dir.as_os_str().as_encoded_bytes()).hex();
    let memo = cache_dir.join(format!("git-epoch-{}", &which[..16]));
    let now = crate::fsutil::clock();
    let Some(stamps) = head_stamps(&git_dir) else { return last_commit_time(root) };
    let settled = stamps.iter().all(|s| s.as_ref().is_none_or(|s| !s.racy(now)));
    let line = |time: u64| format!("git-epoch/1 {time} {stamps:?}\n");
    if let Some(time) = std::fs::read_to_string(&memo).ok().and_then(|m| {
        let time: u64 = m.strip_prefix("git-epoch/1 ")?.split(' ').next()?.parse().ok()?;
        (settled && m == line(time)).then_some(time)
    }) {
        return Some(time);
    }
    let time = last_commit_time(root)?;
    if settled && cache_dir.is_dir() {
        let _ = crate::fsutil::replace(&memo, line(time).as_bytes());
    }
    Some(time)
}

/// Where git would find the repository of a work tree at `root`.
enum Repository {
    None,
    /// A `.git` folder.
    Plain(std::path::PathBuf),
    /// A `.git` file, or a bare repository.
    Other,
}

fn repository(root: &Path) -> Repository {
    let start = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    for dir in start.ancestors() {
        let dot_git = dir.join(".git");
        match std::fs::symlink_metadata(&dot_git) {
            Ok(m) if m.is_dir() => return Repository::Plain(dot_git),
            Ok(_) => return Repository::Other,
            Err(_) => {}
        }
        if dir.join("HEAD").is_file() && dir.join("objects").is_dir() && dir.join("refs").is_dir() {
            return Repository::Other;
        }
    }
    Repository::None
}

/// The stamps of the files that say which commit `HEAD` is (each `None`: no such file);
/// `None` when one is a link (its stamp would not stand for what it points to).
fn head_stamps(git_dir: &Path) -> Option<Vec<Option<crate::fsutil::Fingerprint>>> {
    let head = git_dir.join("HEAD");
    let named = std::fs::read_to_string(&head)
        .ok()
        .and_then(|h| h.strip_prefix("ref: ").map(|r| git_dir.join(r.trim())))
        .filter(|r| r.starts_with(git_dir) && !r.components().any(|c| c == std::path::Component::ParentDir));
    let mut files = vec![head];
    files.extend(named);
    files.push(git_dir.join("packed-refs"));
    let mut stamps = Vec::new();
    for f in &files {
        match std::fs::symlink_metadata(f) {
            Ok(m) if m.file_type().is_symlink() => return None,
            Ok(m) => stamps.push(Some(crate::fsutil::Fingerprint::of(&m))),
            Err(_) => stamps.push(None),
        }
    }
    Some(stamps)
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
        assert_eq!(
            source_date_epoch(p, None, Some(5), Some("7".into()), Some(9)).unwrap(),
            (Some(5), EpochSource::Option)
        );
        assert_eq!(
            source_date_epoch(p, None, None, Some("7".into()), Some(9)).unwrap(),
            (Some(7), EpochSource::Environment)
        );
        assert_eq!(source_date_epoch(p, None, None, None, Some(9)).unwrap(), (Some(9), EpochSource::Config));
        assert_eq!(source_date_epoch(p, None, None, None, None).unwrap(), (None, EpochSource::Now));
        let e = source_date_epoch(p, None, None, Some("yesterday".into()), None).unwrap_err();
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
        assert_eq!(
            source_date_epoch(p, None, None, None, Some(9)).unwrap(),
            (Some(1_600_000_000), EpochSource::GitCommit)
        );

        // Remembered while HEAD and its branch are as they were; a new commit is seen.
        let cache = tempfile::tempdir().unwrap();
        let settle = || std::thread::sleep(crate::fsutil::RACY + std::time::Duration::from_millis(50));
        settle();
        assert_eq!(commit_time(p, Some(cache.path())), Some(1_600_000_000));
        let memo: Vec<_> = std::fs::read_dir(cache.path()).unwrap().collect();
        assert_eq!(memo.len(), 1, "the answer is remembered once the files have settled");
        let memo = memo[0].as_ref().unwrap().path();
        // The memo is what answers: a different remembered time (same stamps) is returned.
        let text = std::fs::read_to_string(&memo).unwrap();
        std::fs::write(&memo, text.replacen("1600000000", "1600000001", 1)).unwrap();
        assert_eq!(commit_time(p, Some(cache.path())), Some(1_600_000_001));
        let commit = |date: &str| {
            Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "y"])
                .current_dir(p)
                .env("GIT_COMMITTER_DATE", date)
                .env("GIT_AUTHOR_DATE", date)
                .output()
                .unwrap()
        };
        assert!(commit("1700000000 +0000").status.success());
        assert_eq!(commit_time(p, Some(cache.path())), Some(1_700_000_000));
    }

    /// Outside any repository the answer is known without starting git.
    #[test]
    fn no_repository_above_is_no_commit() {
        let dir = tempfile::tempdir().unwrap();
        if matches!(repository(dir.path()), Repository::None) {
            assert_eq!(commit_time(dir.path(), Some(dir.path())), None);
            assert_eq!(last_commit_time(dir.path()), None);
        }
        std::fs::create_dir_all(dir.path().join("w/.git")).unwrap();
        assert!(matches!(repository(&dir.path().join("w/sub")), Repository::Plain(g) if g.ends_with("w/.git")));
        std::fs::create_dir_all(dir.path().join("v")).unwrap();
        std::fs::write(dir.path().join("v/.git"), "gitdir: elsewhere\n").unwrap();
        assert!(matches!(repository(&dir.path().join("v")), Repository::Other));
    }
}
