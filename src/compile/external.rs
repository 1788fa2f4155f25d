//! The installed TeX's engines (`[build] engine = "pdflatex" | "lualatex" | "xelatex"`),
//! for papers written for them: run through `latexmk`, which runs the engine, BibTeX or
//! biber and the reruns references need, in a folder of intermediate files in the cache
//! (one per document and engine, kept between builds so an unchanged paper is not
//! compiled again). The PDF, `.log`, `.blg` and SyncTeX file are then written atomically
//! to the build folder, as the embedded engine writes them.
//!
//! The same guarantees as the embedded engine, where the engine allows:
//! - dates: `SOURCE_DATE_EPOCH` with `FORCE_SOURCE_DATE=1` (every date TeX and the PDF
//!   writer know of); pdfTeX and LuaTeX get a fixed trailer `/ID` (`\pdftrailerid`), so
//!   equal sources give byte-identical PDFs in any folder;
//! - paths: TeX runs in the document's folder and is given relative names, so the PDF
//!   holds no absolute path of the document's files;
//! - access: kpathsea's own rule, from the environment: `openin_any = p` under
//!   `trust = "project"` (no absolute name outside the intermediate files' folder, no
//!   `..`, no dot files; the TeX trees are searched as always), `openout_any = p` always;
//!   names refused are reported as the embedded engine reports them, and then no output
//!   of the run is written; shell escape is off (`-no-shell-escape`) unless allowed;
//! - messages: TeX's `file:line:` errors (`-file-line-error`) and the log's warnings go
//!   through [`texlog`](super::texlog) like the embedded engine's.
//!
//! `latexmk` reads no rc file (`-norc`): what a build does depends on `paperfig.toml` only.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::engine::{EngineMessage, EngineOutput, Kind};
use crate::config::{Engine, Trust};
use crate::fsutil;

/// What to compile with an installed engine.
pub struct ExternalJob {
    pub engine: Engine,
    /// The main `.tex` file.
    pub main: PathBuf,
    /// The folder TeX runs in: relative names in the document are relative to it.
    pub work_dir: PathBuf,
    /// Where the PDF, `.log`, `.blg` and SyncTeX file go.
    pub out_dir: PathBuf,
    /// latexmk's folder of intermediate files (`-outdir`), kept between builds.
    pub aux_dir: PathBuf,
    pub trust: Trust,
    pub shell_escape: bool,
    /// Seconds since 1970 for every date in the PDF; `None` = now.
    pub epoch: Option<u64>,
    /// Files TeX finds before any other of their name (`paperfig.sty`).
    pub memory_files: Vec<(String, Vec<u8>)>,
    /// The longest latexmk may run (TeX loops forever on `\def\x{\x}\x`): then it and
    /// the engine it started are stopped, and the build fails saying so.
    pub time_limit: Duration,
}

/// [`ExternalJob::time_limit`] of a build: far above any paper's compile time.
pub const TIME_LIMIT: Duration = Duration::from_secs(600);

/// Why an installed engine could not run (TeX's own errors are in the output).
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    #[error("[build] engine = \"{engine}\" needs `{program}`, which is not installed (not on PATH)")]
    NotInstalled { engine: Engine, program: &'static str },
    #[error("cannot run {program}: {source}")]
    Spawn { program: String, source: std::io::Error },
    #[error("cannot create {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("latexmk was stopped after {} s: TeX did not finish (a loop in a macro?)", limit.as_secs())]
    TimedOut { limit: Duration },
}

/// Whether `program` is on `PATH`.
pub fn installed(program: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else { return false };
    std::env::split_paths(&path).any(|dir| {
        let p = dir.join(program);
        p.metadata().is_ok_and(|m| m.is_file() && is_executable(&m))
    })
}

#[cfg(unix)]
fn is_executable(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    m.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    true
}

/// The engine's first line of `--version`, e.g. `pdfTeX 3.141592653-2.6-1.40.24 (TeX Live
/// 2022/Debian)`; `None` when it does not run.
pub fn version(engine: Engine) -> Option<String> {
    let program = engine.program()?;
    let out = Command::new(program).arg("--version").stdin(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    out.status.success().then(|| text.lines().next().unwrap_or("").trim().to_string()).filter(|l| !l.is_empty())
}

/// latexmk's option for the engine.
fn latexmk_mode(engine: Engine) -> &'static str {
    match engine {
        Engine::Lualatex => "-pdflua",
        Engine::Xelatex => "-pdfxe",
        _ => "-pdf",
    }
}

/// TeX code run before the document: a fixed PDF trailer `/ID` (pdfTeX and LuaTeX derive
/// it from the time and the output's absolute path otherwise).
fn pre_tex(engine: Engine, stem: &str, epoch: Option<u64>) -> Option<String> {
    let epoch = epoch?;
    let id = crate::digest::Digest::of(format!("{stem} {epoch}").as_bytes()).hex();
    match engine {
        Engine::Pdflatex => Some(format!("\\pdftrailerid{{{}}}", &id[..32])),
        Engine::Lualatex => Some(format!("\\pdfvariable trailerid{{[<{0}> <{0}>]}}", &id[..32])),
        _ => None,
    }
}

/// Runs `cmd` in a process group of its own, its output in files of `aux` (no pipe to
/// drain), and waits at most `limit`: then the whole group (latexmk and the engine it
/// started) is killed.
fn run_bounded(mut cmd: Command, aux: &Path, limit: Duration) -> Result<Output, ExternalError> {
    use std::os::unix::process::CommandExt as _;
    let spawn_err = |source| ExternalError::Spawn { program: "latexmk".into(), source };
    let (out_path, err_path) = (aux.join("latexmk.out"), aux.join("latexmk.err"));
    let file =
        |p: &Path| std::fs::File::create(p).map_err(|source| ExternalError::Write { path: p.to_path_buf(), source });
    cmd.stdout(file(&out_path)?).stderr(file(&err_path)?).process_group(0);
    let mut child = cmd.spawn().map_err(spawn_err)?;
    let _group = crate::children::Group::track(child.id());
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait().map_err(spawn_err)? {
            Some(status) => break status,
            None if Instant::now() >= deadline => {
                // The group's id is the child's: `kill -KILL -- -ID` stops every process in it.
                let group = format!("-{}", child.id());
                let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
                let _ = child.kill();
                let _ = child.wait();
                return Err(ExternalError::TimedOut { limit });
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let read = |p: &Path| std::fs::read(p).unwrap_or_default();
    Ok(Output { status, stdout: read(&out_path), stderr: read(&err_path) })
}

/// Makes in `aux` each folder of `work_dir` that holds a `.tex` file: `\include{chapters/a}`
/// writes `chapters/a.aux` into the output folder, and TeX cannot create folders. Hidden
/// folders are skipped; the walk is bounded (depth 6, 20000 entries).
fn mirror_tex_folders(work_dir: &Path, aux: &Path) {
    let walk = walkdir::WalkDir::new(work_dir)
        .max_depth(6)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .take(20_000)
        .filter_map(Result::ok);
    for entry in walk {
        let is_tex = entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "tex");
        let folder = entry.path().parent().and_then(|p| p.strip_prefix(work_dir).ok());
        if let (true, Some(rel)) = (is_tex, folder.filter(|r| !r.as_os_str().is_empty())) {
            let _ = std::fs::create_dir_all(aux.join(rel));
        }
    }
}

/// Compiles `job.main` with latexmk and the job's engine. Also returns the files TeX read
/// in the document's folder (from latexmk's `-recorder` file), when it could tell.
pub fn compile(job: &ExternalJob) -> Result<(EngineOutput, Option<Vec<PathBuf>>), ExternalError> {
    let program = job.engine.program().unwrap_or("pdflatex");
    for needed in ["latexmk", program] {
        if !installed(needed) {
            let program = if needed == "latexmk" { "latexmk" } else { program };
            return Err(ExternalError::NotInstalled { engine: job.engine, program });
        }
    }
    let aux = &job.aux_dir;
    std::fs::create_dir_all(aux).map_err(|source| ExternalError::CreateDir { path: aux.clone(), source })?;
    // Two builds of one document at once would share latexmk's folder: one waits.
    let _claim = claim(&aux.join("lock"));
    // TeX looks for a file in `-output-directory` before anywhere else (that is how it
    // reads its `.aux` there), so files put there take the place of the document's own,
    // and the user's own TEXINPUTS stays as it is.
    for (name, bytes) in &job.memory_files {
        let path = aux.join(name);
        fsutil::write_if_changed(&path, bytes).map_err(|source| ExternalError::Write { path, source })?;
    }
    mirror_tex_folders(&job.work_dir, aux);
    let stem = job.main.file_stem().map_or_else(|| "paper".into(), |s| s.to_string_lossy().into_owned());
    let rel_main = job.main.strip_prefix(&job.work_dir).unwrap_or(&job.main).to_path_buf();
    let pre = pre_tex(job.engine, &stem, job.epoch);

    // latexmk decides from its own records whether to run TeX; anything else that changes
    // the output must make it run again. Those records trust a file's size and time to the
    // second (measured: an edit that kept the size, saved within the second of the last
    // build, left latexmk with "Nothing to do"), so the contents of the document's files the
    // last run read are part of what must be the same.
    let (_, last_inputs) = recorded_files(&aux.join(format!("{stem}.fls")), &job.work_dir);
    let mut read = String::new();
    for path in last_inputs.unwrap_or_default() {
        let digest = std::fs::read(&path).map(|b| crate::digest::Digest::of(&b).hex()).unwrap_or_default();
        read.push_str(&format!("{} {digest}\n", path.display()));
    }
    let identity = format!(
        "paperfig-latexmk/2 {} {} epoch={:?} trust={:?} shell={} pre={:?} read={}\n",
        job.engine,
        rel_main.display(),
        job.epoch,
        job.trust,
        job.shell_escape,
        pre,
        crate::digest::Digest::of(read.as_bytes()).hex()
    );
    let stamp = aux.join("paperfig-run");
    let same = std::fs::read_to_string(&stamp).is_ok_and(|s| s == identity);
    let _ = std::fs::remove_file(&stamp);

    let mut cmd = Command::new("latexmk");
    cmd.arg("-norc")
        .arg(latexmk_mode(job.engine))
        .args(["-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "-synctex=1"])
        .arg(if job.shell_escape { "-shell-escape" } else { "-no-shell-escape" })
        .arg(format!("-outdir={}", aux.display()));
    if !same {
        cmd.arg("-g");
    }
    if let Some(pre) = &pre {
        cmd.arg(format!("-usepretex={pre}"));
    }
    cmd.arg(&rel_main).current_dir(&job.work_dir).stdin(Stdio::null());
    cmd.env("openin_any", if job.trust == Trust::All { "a" } else { "p" })
        .env("openout_any", "p")
        .env("TEXMFOUTPUT", aux);
    match job.epoch {
        Some(e) => cmd.env("SOURCE_DATE_EPOCH", e.to_string()).env("FORCE_SOURCE_DATE", "1"),
        None => cmd.env_remove("SOURCE_DATE_EPOCH").env_remove("FORCE_SOURCE_DATE"),
    };
    let timer = super::engine::Timer::from_env();
    timer.lap(&format!("latexmk {} starts", latexmk_mode(job.engine)));
    let out = run_bounded(cmd, aux, job.time_limit)?;
    timer.lap("latexmk done");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();

    let log = std::fs::read(aux.join(format!("{stem}.log"))).unwrap_or_default();
    let log_text = String::from_utf8_lossy(&log).into_owned();
    let refused = refused_names(&stderr);
    let mut messages = log_messages(&log_text);
    messages.push(EngineMessage { kind: Kind::ToolOutput, text: format!("{stdout}\n{stderr}") });
    let (tex_files, document_files) = recorded_files(&aux.join(format!("{stem}.fls")), &job.work_dir);
    let mut output = EngineOutput {
        pdf: None,
        log: String::new(),
        log_path: None,
        blg: None,
        messages,
        failure: None,
        built_format: false,
        refused,
        synctex: None,
        tex_files,
        document_reads: None,
    };
    let ok = out.status.success();
    if !output.refused.is_empty() {
        // As with the embedded engine: nothing of a run that was refused files leaves the cache.
        output.failure = Some("TeX was refused files outside the project".into());
        let _ = std::fs::remove_file(aux.join(format!("{stem}.pdf")));
        return Ok((output, None));
    }
    std::fs::create_dir_all(&job.out_dir)
        .map_err(|source| ExternalError::CreateDir { path: job.out_dir.clone(), source })?;
    let copy = |name: &str| -> Result<Option<(PathBuf, Vec<u8>)>, ExternalError> {
        let Ok(bytes) = std::fs::read(aux.join(name)) else { return Ok(None) };
        let path = job.out_dir.join(name);
        fsutil::write_if_changed(&path, &bytes)
            .map_err(|source| ExternalError::Write { path: path.clone(), source })?;
        Ok(Some((path, bytes)))
    };
    if !log.is_empty() {
        output.log = log_text;
        output.log_path = copy(&format!("{stem}.log"))?.map(|(p, _)| p);
    }
    output.blg = copy(&format!("{stem}.blg"))?.map(|(_, b)| String::from_utf8_lossy(&b).into_owned());
    if ok {
        output.pdf = copy(&format!("{stem}.pdf"))?.map(|(p, _)| p);
        output.synctex = copy(&format!("{stem}.synctex.gz"))?.map(|(p, _)| p);
        if output.pdf.is_none() {
            output.failure = Some(format!("{} produced no PDF (is the document empty?)", job.engine));
        } else {
            let _ = fsutil::write_atomic(&stamp, identity.as_bytes());
        }
    } else {
        let last: Vec<&str> = stdout.lines().chain(stderr.lines()).filter(|l| !l.trim().is_empty()).collect();
        let tail = last[last.len().saturating_sub(3)..].join("\n");
        output.failure = Some(format!("latexmk ({}) failed:\n{tail}", job.engine));
    }
    Ok((output, document_files))
}

/// An exclusive `flock` on `path`, held while the returned file is open (`None` where it
/// cannot be taken: then builds are not kept apart).
#[cfg(unix)]
fn claim(path: &Path) -> Option<std::fs::File> {
    use std::os::fd::AsRawFd as _;
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(path).ok()?;
    // SAFETY: flock on a file descriptor this `File` owns for the whole call.
    (unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0).then_some(file)
}

#[cfg(not(unix))]
fn claim(_: &Path) -> Option<std::fs::File> {
    None
}

/// What the log says about the installation itself: LuaLaTeX without luaotfload (Debian
/// ships it apart, in `texlive-luatex`) falls back to 8-bit fonts, and every non-ASCII
/// character of the document prints as another one.
pub fn installation_problems(engine: Engine, log: &str) -> Vec<crate::diag::Diagnostic> {
    use crate::diag::{Code, Diagnostic};
    let mut out = Vec::new();
    if engine == Engine::Lualatex && log.contains("Error in luaotfload: reverting to OT1") {
        out.push(
            Diagnostic::warning(
                Code::Tex,
                "LuaLaTeX could not load luaotfload: it fell back to 8-bit fonts, in which non-ASCII text prints wrong",
            )
            .hint("install luaotfload (Debian: apt-get install texlive-luatex; TeX Live: tlmgr install luaotfload)"),
        );
    }
    out
}

/// Files whose refusal costs the document nothing: `/dev/null` holds nothing to leak, and
/// packages that probe the platform (`ifplatform`, loaded by tufte, minted, hardwrap) only
/// ask whether it exists.
const HARMLESS: &[&str] = &["/dev/null"];

/// kpathsea's "pdflatex: Not reading from /etc/x (openin_any = p)." lines.
fn refused_names(stderr: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in stderr.lines() {
        let Some((_, rest)) = line.split_once(": Not reading from ") else { continue };
        let name = rest.rsplit_once(" (openin_any").map_or(rest, |(n, _)| n).to_string();
        if !out.contains(&name) && !HARMLESS.contains(&name.as_str()) {
            out.push(name);
        }
    }
    out
}

/// TeX's errors in the log, each as the embedded engine reports one: `file:line: message`
/// (or `! message` when TeX gave no location) with the context lines after it.
pub(crate) fn log_messages(log: &str) -> Vec<EngineMessage> {
    let lines = super::texlog::unwrap_lines(log);
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let start = &lines[i];
        let located = location(start);
        let bang = start.starts_with("! ");
        if located.is_none() && !bang {
            i += 1;
            continue;
        }
        let message = located.map_or(&start[2..], |(_, _, m)| m);
        if message.starts_with("Emergency stop") || message.trim_start().starts_with("==> Fatal error") {
            i += 1;
            continue;
        }
        let mut block = vec![start.clone()];
        let mut j = i + 1;
        while j < lines.len() && block.len() < 16 {
            let l = &lines[j];
            if l.starts_with("! ") || location(l).is_some() {
                break;
            }
            block.push(l.clone());
            j += 1;
            if l.starts_with("l.") {
                if let Some(next) = lines.get(j) {
                    block.push(next.clone());
                    j += 1;
                }
                break;
            }
        }
        let mut text = block.join("\n");
        if bang {
            // `! LaTeX Error: File `x.sty' not found.` has no location; the `l.N` line and
            // the emergency stop after it (`./paper.tex:N: Emergency stop.`) give one.
            let n = block.iter().find_map(|l| l.strip_prefix("l.")?.split(' ').next()?.parse::<usize>().ok());
            let file = lines[j..(j + 20).min(lines.len())]
                .iter()
                .find_map(|l| location(l).filter(|(_, line, _)| Some(*line) == n).map(|(f, _, _)| f.to_string()));
            if let (Some(f), Some(n)) = (file, n) {
                text = format!("{f}:{n}: {}\n{}", &start[2..], block[1..].join("\n"));
            }
        }
        out.push(EngineMessage { kind: Kind::Error, text });
        i = j;
    }
    out
}

/// `./paper.tex:12: Undefined control sequence.` → (file, 12, message), for names of TeX
/// source files only (not "LaTeX Warning: …" or a page number).
fn location(line: &str) -> Option<(&str, usize, &str)> {
    let (head, rest) = line.split_once(": ")?;
    let (file, num) = head.rsplit_once(':')?;
    let n = num.parse::<usize>().ok()?;
    let looks_like_file = !file.is_empty()
        && !file.contains(' ')
        && (file.starts_with("./") || file.starts_with('/') || file.contains('.'));
    looks_like_file.then_some((file, n, rest))
}

/// The `-recorder` file: the TeX files read (absolute names, the trees) and the document's
/// own (relative names, made absolute in `work_dir`).
fn recorded_files(fls: &Path, work_dir: &Path) -> (Vec<PathBuf>, Option<Vec<PathBuf>>) {
    let Ok(text) = std::fs::read_to_string(fls) else { return (Vec::new(), None) };
    let (mut tex, mut doc) = (Vec::new(), Vec::new());
    for name in text.lines().filter_map(|l| l.strip_prefix("INPUT ")) {
        let p = Path::new(name);
        let list = if p.is_absolute() { &mut tex } else { &mut doc };
        let p = if p.is_absolute() { p.to_path_buf() } else { work_dir.join(p.strip_prefix("./").unwrap_or(p)) };
        if !list.contains(&p) {
            list.push(p);
        }
    }
    // The intermediate files are latexmk's business, not the document's.
    doc.retain(|p| !p.starts_with(fls.parent().unwrap_or(work_dir)));
    tex.retain(|p| !p.starts_with(fls.parent().unwrap_or(work_dir)) && !p.starts_with(work_dir));
    (tex, Some(doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_in_the_log_become_engine_messages_with_their_context() {
        let log = "(./paper.tex\n./paper.tex:5: Undefined control sequence.\nl.5 Broken \\undefinedmacro\n\n  here\n\n\
                   ! LaTeX Error: File `nosuch.sty' not found.\n\nType X to quit or <RETURN> to proceed,\n\
                   \nEnter file name: \n./paper.tex:3: Emergency stop.\n<read *> \n\nl.3 \\usepackage\n\n\
                   ./paper.tex:3:  ==> Fatal error occurred, no output PDF file produced!\n";
        let m = log_messages(log);
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].text.starts_with("./paper.tex:5: Undefined control sequence."), "{}", m[0].text);
        assert!(m[0].text.contains("l.5 Broken \\undefinedmacro"), "{}", m[0].text);
        // The file comes from the emergency stop at the same line; l.3 is from the log's context.
        assert!(m[1].text.starts_with("! LaTeX Error") || m[1].text.starts_with("./paper.tex:"), "{}", m[1].text);
        assert!(m.iter().all(|m| !m.text.contains("Emergency stop")));
        assert!(location("LaTeX Warning: Citation `x' on page 1 undefined on input line 5.").is_none());
        assert!(location("Package hyperref Warning: x:3: y").is_none());
    }

    #[test]
    fn lualatex_without_luaotfload_is_reported() {
        let log = "[\\directlua]:1: module 'luaotfload-main' not found:\nError in luaotfload: reverting to OT1\n";
        assert_eq!(installation_problems(Engine::Lualatex, log).len(), 1);
        assert!(installation_problems(Engine::Lualatex, "fine").is_empty());
        assert!(installation_problems(Engine::Pdflatex, log).is_empty());
    }

    #[test]
    fn kpathsea_refusals_are_read_once_per_name() {
        let err = "\npdflatex: Not reading from /etc/hostname (openin_any = p).\n\n\
                   pdflatex: Not reading from /etc/hostname (openin_any = p).\nlualatex: Not reading from /x/y.tex (openin_any = p).\n\
                   pdflatex: Not reading from /dev/null (openin_any = p).\n";
        assert_eq!(refused_names(err), ["/etc/hostname", "/x/y.tex"]);
    }

    #[test]
    fn a_document_that_loops_forever_is_stopped_at_the_limit_with_its_engine() {
        if !installed("latexmk") || !installed("pdflatex") {
            eprintln!("skipped: latexmk or pdflatex is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("loop.tex"),
            "\\documentclass{article}\\begin{document}\n\\def\\x{\\x}\\x\n\\end{document}\n",
        )
        .unwrap();
        let job = ExternalJob {
            engine: Engine::Pdflatex,
            main: dir.path().join("loop.tex"),
            work_dir: dir.path().to_path_buf(),
            out_dir: dir.path().join("build"),
            aux_dir: dir.path().join("aux"),
            trust: Trust::Project,
            shell_escape: false,
            epoch: Some(1),
            memory_files: Vec::new(),
            time_limit: Duration::from_secs(3),
        };
        let start = Instant::now();
        let err = compile(&job).map(|_| ()).unwrap_err();
        assert!(matches!(err, ExternalError::TimedOut { .. }), "{err}");
        assert!(start.elapsed() < Duration::from_secs(20), "{:?}", start.elapsed());
        // The engine went with latexmk: no pdflatex is left running on that file.
        std::thread::sleep(Duration::from_millis(200));
        let ps = Command::new("ps").args(["-eo", "args"]).output().unwrap();
        let left = String::from_utf8_lossy(&ps.stdout)
            .lines()
            .filter(|l| l.contains("pdflatex") && l.contains("loop"))
            .count();
        assert_eq!(left, 0, "{}", String::from_utf8_lossy(&ps.stdout));
    }

    #[test]
    fn only_pdftex_and_luatex_get_a_trailer_id_and_only_with_a_date() {
        assert!(pre_tex(Engine::Pdflatex, "paper", Some(1)).unwrap().starts_with("\\pdftrailerid{"));
        assert!(pre_tex(Engine::Lualatex, "paper", Some(1)).unwrap().starts_with("\\pdfvariable trailerid"));
        assert_eq!(pre_tex(Engine::Xelatex, "paper", Some(1)), None);
        assert_eq!(pre_tex(Engine::Pdflatex, "paper", None), None);
        assert_ne!(pre_tex(Engine::Pdflatex, "paper", Some(1)), pre_tex(Engine::Pdflatex, "paper", Some(2)));
    }
}
