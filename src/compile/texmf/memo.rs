//! `kpsewhich`'s answer kept on disk, so that a build with nothing to do starts no process.
//!
//! The answer (kpathsea's expanded `TEXMF`) is a function of the `kpsewhich` program, the
//! `texmf.cnf` files it reads and the environment variables those files name (any variable
//! a `texmf.cnf` defines or uses may be set in the environment instead). The memo records
//! all three, and is used only while every one of them is as recorded:
//! - the program: its path as found, and the length, modification time and inode of the
//!   file it resolves to;
//! - each folder on kpathsea's `texmf.cnf` path (`--show-path=cnf`), present or not, and
//!   each `texmf.cnf` found there (`-all texmf.cnf`): a folder's modification time changes
//!   when a `texmf.cnf` is added to it or taken away;
//! - the value (or absence) of `HOME`, `TEXMFCNF`, every variable named in those files, the
//!   same with kpathsea's `_kpsewhich` suffix, and every variable whose name starts with
//!   `TEXMF`, `KPATHSEA` or `SELFAUTO`.
//!
//! A memo that cannot be read, is of another version, or was written for other inputs is
//! ignored and replaced. Writes are atomic; a failed write only costs the next run a
//! process.

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::fsutil::Fingerprint;

/// The first line of a memo: bumped with its layout.
const HEADER: &str = "paperfig kpsewhich memo 1";
/// A memo larger than this is no memo of ours.
const MAX_MEMO: u64 = 256 * 1024;
/// `texmf.cnf` files read for variable names, each at most this long.
const MAX_CNF: u64 = 4 * 1024 * 1024;
/// Environment variables with these prefixes are recorded whether or not a file names them.
const PREFIXES: &[&str] = &["TEXMF", "KPATHSEA", "SELFAUTO"];

/// What the answer was computed from.
#[derive(Debug, PartialEq, Eq)]
pub struct Inputs {
    program: PathBuf,
    /// Each path watched and its stamp (`-` when absent).
    stamps: Vec<(PathBuf, String)>,
    /// The variable names the `texmf.cnf` files hold.
    names: BTreeSet<String>,
    /// The recorded environment: name and value (`None`: unset).
    env: Vec<(String, Option<String>)>,
}

impl Inputs {
    /// The inputs now, for a `program` whose `texmf.cnf` path is `cnf_path` (kpathsea's
    /// `--show-path=cnf`) and whose `texmf.cnf` files are `cnf_files`, in the environment
    /// `vars`. `None` when a value there cannot be recorded (not UTF-8, or a line break) or
    /// a path changed too recently to be watched by its stamp.
    pub fn gather(
        program: &Path,
        cnf_path: &str,
        cnf_files: &[PathBuf],
        vars: &Vars,
        now: SystemTime,
    ) -> Option<Inputs> {
        let mut watched: Vec<PathBuf> = vec![program.to_path_buf()];
        watched.extend(cnf_path.split(':').filter(|d| !d.is_empty() && !d.starts_with('!')).map(PathBuf::from));
        watched.extend(cnf_files.iter().cloned());
        // A path changed within the last clock tick (before `now`) might change again
        // unseen: no memo.
        let mut stamps = Vec::with_capacity(watched.len());
        for p in watched {
            let (s, racy) = stamp_at(&p, now);
            if racy {
                return None;
            }
            stamps.push((p, s));
        }
        let mut names = BTreeSet::new();
        for f in cnf_files {
            if let Ok(bytes) = crate::fsutil::read_regular(f) {
                if bytes.len() as u64 <= MAX_CNF {
                    names.extend(cnf_names(&String::from_utf8_lossy(&bytes)));
                }
            }
        }
        let env = environment(&names, vars)?;
        Some(Inputs { program: program.to_path_buf(), stamps, names, env })
    }

    /// Whether these recorded inputs still hold for `program` in the environment `vars`.
    fn hold(&self, program: &Path, vars: &Vars) -> bool {
        self.program == program
            && self.stamps.iter().all(|(p, s)| stamp(p) == *s)
            && environment(&self.names, vars).is_some_and(|env| env == self.env)
    }
}

/// The memo file for `program` in `dir` (one per program, so two TeX installations do not
/// take turns).
pub fn file(dir: &Path, program: &Path) -> PathBuf {
    let key = crate::digest::Digest::of(program.as_os_str().as_encoded_bytes()).hex();
    dir.join("kpsewhich").join(format!("{}.memo", &key[..16]))
}

/// The environment, by name (`std::env::vars_os()` collected).
pub type Vars = HashMap<OsString, OsString>;

/// The recorded answer in `memo` for `program`, if its inputs still hold in `vars`.
pub fn load(memo: &Path, program: &Path, vars: &Vars) -> Option<String> {
    let meta = std::fs::metadata(memo).ok()?;
    if !meta.is_file() || meta.len() > MAX_MEMO {
        return None;
    }
    let text = std::fs::read_to_string(memo).ok()?;
    let (inputs, answer) = parse(&text)?;
    inputs.hold(program, vars).then_some(answer)
}

/// Records `answer` for `inputs` in `memo`, atomically; a failure is ignored (the next run
/// asks again).
pub fn store(memo: &Path, inputs: &Inputs, answer: &str) {
    if answer.contains(['\n', '\t']) {
        return;
    }
    if let Some(dir) = memo.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = crate::fsutil::write_atomic(memo, render(inputs, answer).as_bytes());
}

fn render(inputs: &Inputs, answer: &str) -> String {
    let mut s = format!("{HEADER}\nprogram\t{}\n", inputs.program.display());
    for (p, st) in &inputs.stamps {
        s.push_str(&format!("stamp\t{}\t{st}\n", p.display()));
    }
    for n in &inputs.names {
        s.push_str(&format!("name\t{n}\n"));
    }
    for (k, v) in &inputs.env {
        match v {
            Some(v) => s.push_str(&format!("env\t{k}\t{v}\n")),
            None => s.push_str(&format!("unset\t{k}\n")),
        }
    }
    s.push_str(&format!("texmf\t{answer}\n"));
    s
}

fn parse(text: &str) -> Option<(Inputs, String)> {
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let mut inputs = Inputs { program: PathBuf::new(), stamps: vec![], names: BTreeSet::new(), env: vec![] };
    let mut answer = None;
    for line in lines {
        let mut f = line.splitn(3, '\t');
        match (f.next()?, f.next(), f.next()) {
            ("program", Some(p), None) => inputs.program = PathBuf::from(p),
            ("stamp", Some(p), Some(s)) => inputs.stamps.push((PathBuf::from(p), s.to_string())),
            ("name", Some(n), None) => _ = inputs.names.insert(n.to_string()),
            ("env", Some(k), Some(v)) => inputs.env.push((k.to_string(), Some(v.to_string()))),
            ("unset", Some(k), None) => inputs.env.push((k.to_string(), None)),
            ("texmf", Some(a), None) => answer = Some(a.to_string()),
            _ => return None,
        }
    }
    (!inputs.program.as_os_str().is_empty()).then_some(())?;
    Some((inputs, answer?))
}

/// A path's stamp: its [`Fingerprint`] (a folder's too), `-` when it cannot be read; with
/// whether it is too recent to stand for what it holds ([`Fingerprint::racy`]).
fn stamp_at(p: &Path, now: SystemTime) -> (String, bool) {
    match std::fs::metadata(p) {
        Ok(m) => {
            let f = Fingerprint::of(&m);
            (format!("{}:{}:{}:{}:{}:{}", f.dev, f.ino, f.size, f.mode, f.mtime_ns, f.ctime_ns), f.racy(now))
        }
        Err(_) => ("-".into(), false),
    }
}

fn stamp(p: &Path) -> String {
    stamp_at(p, SystemTime::now()).0
}

/// The variable names a `texmf.cnf` defines (`NAME =`, `NAME.prog =`) or uses (`$NAME`,
/// `${NAME}`).
fn cnf_names(text: &str) -> BTreeSet<String> {
    let word = |s: &str| -> String { s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect() };
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let line = line.split('%').next().unwrap_or("");
        let head = word(line.trim_start());
        if !head.is_empty() && line.contains('=') {
            out.insert(head);
        }
        for (i, _) in line.match_indices('$') {
            let rest = &line[i + 1..];
            let name = word(rest.strip_prefix('{').unwrap_or(rest));
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// The recorded part of the environment, sorted: `HOME`, `TEXMFCNF`, every name in
/// `names` (also with `_kpsewhich`), and every variable with one of [`PREFIXES`].
fn environment(names: &BTreeSet<String>, vars: &Vars) -> Option<Vec<(String, Option<String>)>> {
    let mut wanted: BTreeSet<String> = ["HOME", "TEXMFCNF"].iter().map(|s| s.to_string()).collect();
    for n in names {
        wanted.insert(n.clone());
        wanted.insert(format!("{n}_kpsewhich"));
    }
    for k in vars.keys() {
        if let Some(k) = k.to_str().filter(|k| PREFIXES.iter().any(|p| k.starts_with(p))) {
            wanted.insert(k.to_string());
        }
    }
    let mut out = Vec::with_capacity(wanted.len());
    for k in wanted {
        let v = match vars.get(std::ffi::OsStr::new(&k)) {
            None => None,
            Some(v) => Some(recordable(v.clone())?),
        };
        out.push((k, v));
    }
    Some(out)
}

fn recordable(v: OsString) -> Option<String> {
    v.into_string().ok().filter(|s| !s.contains(['\n', '\t', '\r']))
}

#[cfg(test)]
#[path = "memo/tests.rs"]
mod tests;
