//! Running one subprocess for the command provider: its own process group, a cleared
//! environment, a timeout and an output size limit, both killing the whole group, and the
//! tails of stdout and stderr kept for error messages.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Bytes of stdout/stderr kept (the end of each stream).
const TAIL: usize = 8 * 1024;

/// How a subprocess ended.
#[derive(Debug)]
pub enum Exit {
    /// It exited with status 0.
    Success,
    /// It exited with this status, or was killed by a signal (`None`).
    Failed(Option<i32>),
    /// It ran longer than the timeout and was killed.
    TimedOut,
    /// Files under the watched folder grew by more than the limit and it was killed.
    TooLarge(u64),
    /// The program could not be started.
    NotStarted(std::io::Error),
}

/// What a subprocess did.
#[derive(Debug)]
pub struct Finished {
    pub exit: Exit,
    pub stdout: String,
    pub stderr: String,
}

/// Limits of one run.
pub struct Limits {
    pub timeout: Duration,
    /// Folder whose growth in total file size is watched while the process runs, and the
    /// limit on that growth (what was there before the run does not count).
    pub watch: Option<(PathBuf, u64)>,
}

/// Runs `argv` in `cwd` with exactly `env`, and waits for it within `limits`.
pub fn run(argv: &[String], cwd: &Path, env: &[(String, String)], limits: &Limits) -> Finished {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).current_dir(cwd).env_clear().envs(env.iter().map(|(k, v)| (k, v)));
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Finished { exit: Exit::NotStarted(e), stdout: String::new(), stderr: String::new() },
    };
    // Killed with the build if it is interrupted (the guard outlives the kill below).
    let _group = crate::children::Group::track(child.id());
    let out = tail_reader(child.stdout.take());
    let err = tail_reader(child.stderr.take());
    let before = limits.watch.as_ref().map_or(0, |(dir, _)| dir_size(dir));
    let start = Instant::now();
    let mut last_check = start;
    let mut nap = Duration::from_millis(2);
    let exit = loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break Exit::Success,
            Ok(Some(status)) => break Exit::Failed(status.code()),
            Ok(None) => {}
            Err(e) => break Exit::NotStarted(e),
        }
        if start.elapsed() >= limits.timeout {
            kill_group(&mut child);
            break Exit::TimedOut;
        }
        if let Some((dir, max)) = &limits.watch {
            if last_check.elapsed() >= Duration::from_millis(100) {
                last_check = Instant::now();
                let size = dir_size(dir).saturating_sub(before);
                if size > *max {
                    kill_group(&mut child);
                    break Exit::TooLarge(size);
                }
            }
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(50));
    };
    // Whatever the script started in the background goes too, so pipes close and nothing
    // outlives the figure.
    kill_group(&mut child);
    let _ = child.wait();
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Finished { exit, stdout, stderr }
}

/// Reads a pipe to its end on a thread, keeping the last `TAIL` bytes.
fn tail_reader<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let Some(mut pipe) = pipe else { return String::new() };
        let mut kept: Vec<u8> = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            kept.extend_from_slice(&buf[..n]);
            if kept.len() > 2 * TAIL {
                kept.drain(..kept.len() - TAIL);
            }
        }
        if kept.len() > TAIL {
            kept.drain(..kept.len() - TAIL);
        }
        String::from_utf8_lossy(&kept).into_owned()
    })
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // The child leads its own process group (process_group(0)), so -pid is the group.
        let pid = child.id() as libc::pid_t;
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
}

/// Total size of the files under `dir` (not following symlinks).
pub fn dir_size(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Where `program` would be found: itself if it has a slash, else the first match on `path`.
pub fn find_program(program: &str, path: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return p.is_file().then_some(p);
    }
    std::env::split_paths(path).map(|d| d.join(program)).find(|p| p.is_file())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str, timeout_ms: u64) -> Finished {
        let dir = tempfile::tempdir().unwrap();
        let env = vec![("PATH".to_string(), std::env::var("PATH").unwrap_or_default())];
        let limits =
            Limits { timeout: Duration::from_millis(timeout_ms), watch: Some((dir.path().to_path_buf(), 1_000_000)) };
        run(&["sh".into(), "-c".into(), script.into()], dir.path(), &env, &limits)
    }

    #[test]
    fn success_failure_and_streams() {
        let f = sh("echo out; echo err >&2", 10_000);
        assert!(matches!(f.exit, Exit::Success));
        assert_eq!(f.stdout, "out\n");
        assert_eq!(f.stderr, "err\n");
        assert!(matches!(sh("exit 3", 10_000).exit, Exit::Failed(Some(3))));
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let start = Instant::now();
        // The background sleep holds stderr open: without killing the group, joining the
        // reader would wait 30 s.
        let f = sh("sleep 30 & sleep 30", 300);
        assert!(matches!(f.exit, Exit::TimedOut), "{:?}", f.exit);
        assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    }

    #[test]
    fn output_limit_kills() {
        let f = sh("while true; do head -c 100000 /dev/zero >> big; done", 20_000);
        assert!(matches!(f.exit, Exit::TooLarge(n) if n > 1_000_000), "{:?}", f.exit);
    }

    #[test]
    fn environment_is_only_what_is_given() {
        let f = sh("env | sort", 10_000);
        let names: Vec<&str> = f
            .stdout
            .lines()
            .filter_map(|l| l.split('=').next())
            .filter(|n| !["PWD", "SHLVL", "_", "OLDPWD"].contains(n))
            .collect();
        assert_eq!(names, ["PATH"], "{}", f.stdout);
    }

    #[test]
    fn missing_program_is_not_started() {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits { timeout: Duration::from_secs(5), watch: None };
        let f = run(&["paperfig-no-such-program".into()], dir.path(), &[], &limits);
        assert!(matches!(f.exit, Exit::NotStarted(ref e) if e.kind() == std::io::ErrorKind::NotFound));
        assert!(find_program("sh", &std::env::var("PATH").unwrap()).is_some());
        assert!(find_program("paperfig-no-such-program", &std::env::var("PATH").unwrap()).is_none());
    }
}
