//! Which TeX trees the embedded engine reads, found as kpathsea finds them.
//!
//! In order: `[build] texmf` when set; else the installed TeX's own configuration, asked
//! through `kpsewhich --var-brace-value=TEXMF` (so `TEXMFCNF`, `TEXMFHOME` and the other
//! variables in the environment count, as they do for `latexmk`); else Debian's fixed
//! trees. `kpsewhich` is looked for on `PATH`, then where TeX Live's installer, MacTeX
//! and TinyTeX put it. A tree kpathsea marks `!!` is searched through its `ls-R` only,
//! which lets paperfig trust the `ls-R` as the sign that the tree changed; the others
//! (TEXMFHOME, `/etc/texmf`) are watched folder by folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod memo;

/// The trees searched when neither `[build] texmf` nor `kpsewhich` gives any, highest
/// priority first (Debian's TEXMF order).
pub const DEBIAN_TREES: &[&str] =
    &["/etc/texmf", "/var/lib/texmf", "/usr/local/share/texmf", "/usr/share/texmf", "/usr/share/texlive/texmf-dist"];

/// One TeX tree.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tree {
    pub path: PathBuf,
    /// kpathsea's `!!`: only its `ls-R` database is searched.
    pub ls_r_only: bool,
}

/// How the trees were found (`paperfig status` prints it).
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// `[build] texmf` in `paperfig.toml`.
    Config,
    /// The installed TeX's configuration, through this `kpsewhich`.
    Kpsewhich { program: PathBuf, texmfcnf: Option<String> },
    /// Debian's fixed paths (no `kpsewhich` answered).
    Debian,
}

/// The trees to read, in priority order, and how they were found.
#[derive(Clone, Debug, PartialEq)]
pub struct TexTrees {
    pub trees: Vec<Tree>,
    pub origin: Origin,
    /// What was tried, for errors ("kpsewhich not found on PATH", each tree looked at).
    pub searched: Vec<String>,
}

impl TexTrees {
    /// The trees of `configured` (`[build] texmf`) if set, else as kpathsea sees them,
    /// else Debian's. Trees that are not folders are left out (and listed in `searched`).
    /// With `memo_dir`, kpsewhich's answer is kept there across runs (see [`memo`]).
    pub fn find(configured: Option<&[PathBuf]>, memo_dir: Option<&Path>) -> TexTrees {
        let mut searched = Vec::new();
        if let Some(list) = configured {
            let trees = list.iter().map(|p| Tree { path: p.clone(), ls_r_only: has_ls_r(p) }).collect();
            return TexTrees::existing(trees, Origin::Config, searched);
        }
        match kpsewhich() {
            Ok(program) => match ask_kpsewhich(&program, memo_dir) {
                Ok(trees) => {
                    let texmfcnf = std::env::var("TEXMFCNF").ok().filter(|v| !v.is_empty());
                    let found = TexTrees::existing(trees, Origin::Kpsewhich { program, texmfcnf }, searched);
                    if !found.trees.is_empty() {
                        return found;
                    }
                    searched = found.searched;
                }
                Err(why) => searched.push(format!("{}: {why}", program.display())),
            },
            Err(why) => searched.push(why),
        }
        let debian = DEBIAN_TREES.iter().map(|p| Tree { path: PathBuf::from(p), ls_r_only: has_ls_r(Path::new(p)) });
        let debian = debian.collect();
        TexTrees::existing(debian, Origin::Debian, searched)
    }

    fn existing(trees: Vec<Tree>, origin: Origin, mut searched: Vec<String>) -> TexTrees {
        let mut kept: Vec<Tree> = Vec::new();
        for t in trees {
            if t.path.is_dir() {
                if !kept.iter().any(|k| k.path == t.path) {
                    searched.push(t.path.display().to_string());
                    kept.push(t);
                }
            } else {
                searched.push(format!("{} (not a folder)", t.path.display()));
            }
        }
        TexTrees { trees: kept, origin, searched }
    }

    /// One line saying how the trees were found, for `status` and errors.
    pub fn describe(&self) -> String {
        match &self.origin {
            Origin::Config => "[build] texmf in paperfig.toml".into(),
            Origin::Kpsewhich { program, texmfcnf: Some(cnf) } => {
                format!("{} with TEXMFCNF={cnf}", program.display())
            }
            Origin::Kpsewhich { program, texmfcnf: None } => program.display().to_string(),
            Origin::Debian => "Debian's TeX Live paths (no kpsewhich answered)".into(),
        }
    }
}

/// A tree with an `ls-R` is kept up to date by the tools that change it (`mktexlsr`).
fn has_ls_r(tree: &Path) -> bool {
    tree.join("ls-R").is_file()
}

/// The `kpsewhich` to ask: on `PATH`, else where TeX installers put it.
fn kpsewhich() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join("kpsewhich");
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut roots: Vec<PathBuf> = vec![PathBuf::from("/Library/TeX/texbin")];
    // TeX Live's installer: /usr/local/texlive/YYYY/bin/ARCH, newest year first.
    roots.extend(newest_first(Path::new("/usr/local/texlive")).into_iter().flat_map(|y| subdirs(&y.join("bin"))));
    if let Some(h) = &home {
        for tiny in [".TinyTeX/bin", "Library/TinyTeX/bin"] {
            roots.extend(subdirs(&h.join(tiny)));
        }
    }
    roots
        .into_iter()
        .map(|r| r.join("kpsewhich"))
        .find(|p| p.is_file())
        .ok_or_else(|| "kpsewhich: not on PATH, nor in /usr/local/texlive, /Library/TeX/texbin or TinyTeX".into())
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

fn newest_first(dir: &Path) -> Vec<PathBuf> {
    let mut years: Vec<PathBuf> =
        subdirs(dir).into_iter().filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(is_year)).collect();
    years.reverse();
    years
}

fn is_year(name: &str) -> bool {
    name.len() == 4 && name.bytes().all(|b| b.is_ascii_digit())
}

/// What `kpsewhich` answered in this process, by program and `TEXMFCNF`: a build asks
/// for the trees twice (its TikZ figures' key, then the paper), and the answer takes a
/// process and several milliseconds. A long-running process (watch) keeps its first
/// answer, as it keeps its configuration.
static ASKED: std::sync::Mutex<Vec<(Asked, Vec<Tree>)>> = std::sync::Mutex::new(Vec::new());

/// Whom [`ASKED`] asked: the `kpsewhich` program and `TEXMFCNF`.
type Asked = (PathBuf, Option<String>);

/// `kpsewhich --var-brace-value=TEXMF`: its answer kept for this process ([`ASKED`]) and,
/// with `memo_dir`, on disk for as long as what it depends on stays the same ([`memo`]).
fn ask_kpsewhich(program: &Path, memo_dir: Option<&Path>) -> Result<Vec<Tree>, String> {
    let which = (program.to_path_buf(), std::env::var("TEXMFCNF").ok());
    if let Some((_, trees)) = ASKED.lock().unwrap_or_else(|p| p.into_inner()).iter().find(|(w, _)| *w == which) {
        return Ok(trees.clone());
    }
    let memo_file = memo_dir.map(|d| memo::file(d, program));
    let vars: memo::Vars = std::env::vars_os().collect();
    let answer = match memo_file.as_deref().and_then(|f| memo::load(f, program, &vars)) {
        Some(answer) => answer,
        None => {
            // What the answer depends on, taken before it: a change in between leaves the
            // memo stale at once, never wrongly fresh.
            let inputs = memo_file.as_ref().and_then(|_| {
                let cnf_path = ask(program, &["--show-path=cnf"]).ok()?;
                let cnf_files = ask(program, &["-all", "texmf.cnf"]).ok()?;
                let files: Vec<PathBuf> = cnf_files.lines().filter(|l| !l.is_empty()).map(PathBuf::from).collect();
                memo::Inputs::gather(program, &cnf_path, &files, &vars, crate::fsutil::clock())
            });
            let answer = ask(program, &["--var-brace-value=TEXMF"])?;
            if let (Some(f), Some(inputs)) = (&memo_file, &inputs) {
                memo::store(f, inputs, &answer);
            }
            answer
        }
    };
    let trees = parse_texmf(&answer);
    if trees.is_empty() {
        return Err("TEXMF is empty (is TEXMFCNF right?)".into());
    }
    ASKED.lock().unwrap_or_else(|p| p.into_inner()).push((which, trees.clone()));
    Ok(trees)
}

/// `kpsewhich ARGS`' output, trimmed, bounded to 10 s.
fn ask(program: &Path, args: &[&str]) -> Result<String, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(1)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("gave no answer in 10 s".into());
            }
            Err(e) => return Err(format!("cannot wait for it: {e}")),
        }
    }
    let out = child.wait_with_output().map_err(|e| format!("cannot read its output: {e}"))?;
    if !out.status.success() {
        return Err(format!("{} failed ({})", args.join(" "), out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// kpathsea's expanded TEXMF: `a:!!b:…` (`;` on Windows), `!!` = `ls-R` only.
pub fn parse_texmf(value: &str) -> Vec<Tree> {
    let sep = if cfg!(windows) { ';' } else { ':' };
    let mut out: Vec<Tree> = Vec::new();
    for item in value.split(sep).map(str::trim).filter(|s| !s.is_empty() && *s != "{}") {
        let (ls_r_only, path) = match item.strip_prefix("!!") {
            Some(rest) => (true, rest),
            None => (false, item),
        };
        let path = PathBuf::from(path.trim_end_matches('/'));
        if !out.iter().any(|t| t.path == path) {
            out.push(Tree { path, ls_r_only });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texmf_value_keeps_order_marks_ls_r_trees_and_drops_repeats() {
        let trees = parse_texmf("/h/.tl/texmf-config:/h/texmf:!!/usr/local/share/texmf:/etc/texmf:!!/d/:/h/texmf:");
        let paths: Vec<&str> = trees.iter().map(|t| t.path.to_str().unwrap()).collect();
        assert_eq!(paths, ["/h/.tl/texmf-config", "/h/texmf", "/usr/local/share/texmf", "/etc/texmf", "/d"]);
        let marked: Vec<bool> = trees.iter().map(|t| t.ls_r_only).collect();
        assert_eq!(marked, [false, false, true, false, true]);
        assert!(parse_texmf("").is_empty() && parse_texmf("{}").is_empty());
    }

    #[test]
    fn configured_trees_win_and_missing_ones_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let found = TexTrees::find(Some(&[dir.path().to_path_buf(), dir.path().join("nope")]), None);
        assert_eq!(found.origin, Origin::Config);
        assert_eq!(found.trees, [Tree { path: dir.path().to_path_buf(), ls_r_only: false }]);
        std::fs::write(dir.path().join("ls-R"), "").unwrap();
        assert!(TexTrees::find(Some(&[dir.path().to_path_buf()]), None).trees[0].ls_r_only);
        assert!(found.searched.iter().any(|s| s.ends_with("nope (not a folder)")), "{:?}", found.searched);
    }

    #[test]
    fn years_sort_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        for y in ["2023", "2025", "texmf-local", "2024"] {
            std::fs::create_dir(dir.path().join(y)).unwrap();
        }
        let names: Vec<String> =
            newest_first(dir.path()).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["2025", "2024", "2023"]);
    }
}
