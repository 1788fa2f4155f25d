//! The command provider: `kind=command` figures made by the authors' own scripts, run by an
//! interpreter configured in `[runners]` (`runners.rs`).
//!
//! Plan time (`prepare`): the runner must be allowed by `paperfig.toml`; declared `inputs`
//! (files and globs) are read into the request as `input:<relative path>` files; the
//! runner's command, its version and the versions of listed packages (probed once per
//! process and runner, cached between builds by `probe_cache`), the values of declared environment variables and the names of
//! secret ones go into `Request::extra`. So the key covers everything the script can
//! legitimately see.
//!
//! Generate time: the script runs in a fresh temporary working copy holding only the
//! script and the declared inputs (at their paths relative to the directive's file), with
//! a cleared environment, a timeout and an output size limit. Its outputs are validated by
//! format (SVG parsed by usvg, PNG decoded, PDF header and trailer) and formats it did not
//! write are derived from its SVG through `crate::render`. Nothing partial is returned.
//! With `sandbox = true` the script runs under bubblewrap (`sandbox.rs`); the sandbox is
//! not part of the key: it can make a script fail, never write other bytes.

mod check;
pub mod exec;
mod probe;
mod probe_cache;
pub mod runners;
mod sandbox;
mod workdir;

use check::{derive, line_range, script_line, stderr_block, undeclared, validate};
use probe::{Probe, not_installed, probe};
use workdir::{INPUT, MATPLOTLIBRC, OUT_DIR, SCRIPT, base_env};

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

#[cfg(test)]
use super::inputs::patterns;
use super::inputs::read_listed;
use super::{PrepareContext, Provider};
use crate::digest::Digest;
use crate::fsutil::{self, NotRegular};
use crate::model::{Artifact, Format, Kind, ProviderError, Request};
use runners::{Runner, Runners};

/// Version of the command provider: BUMP WHENEVER THE SAME SCRIPT COULD WRITE DIFFERENT
/// BYTES because of paperfig: the fixed environment, the matplotlibrc, the file names the
/// script sees, output validation or derivation (and the versions of svg2pdf/resvg/fonts,
/// which derive PDF and PNG from a script's SVG).
pub const VERSION: &str = "command/2 svg2pdf-0.13 resvg-0.45 liberation-2";

/// Reads an environment variable (the process's, or a fake in tests).
pub type EnvLookup = std::sync::Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub struct CommandProvider {
    runners: Runners,
    env: EnvLookup,
    /// Probed key material per runner, once per process.
    probes: Mutex<HashMap<String, Probe>>,
    /// The cache folder keeping probe results between processes (`probe_cache`).
    probe_cache: Option<PathBuf>,
    /// Whether bubblewrap can sandbox scripts here, probed once, when a script first needs it.
    sandbox: OnceLock<Result<sandbox::Bwrap, sandbox::Unavailable>>,
}

impl CommandProvider {
    pub fn new(runners: Runners) -> CommandProvider {
        CommandProvider::with_env(runners, std::sync::Arc::new(|name| std::env::var(name).ok()))
    }

    /// With declared and secret environment variables read through `env`.
    pub fn with_env(runners: Runners, env: EnvLookup) -> CommandProvider {
        CommandProvider {
            runners,
            env,
            probes: Mutex::new(HashMap::new()),
            probe_cache: None,
            sandbox: OnceLock::new(),
        }
    }

    /// Keeps probe results in `cache_dir` (paperfig's cache folder) between processes,
    /// revalidated by `stat` (see `probe_cache`).
    pub fn with_probe_cache(mut self, cache_dir: PathBuf) -> CommandProvider {
        self.probe_cache = Some(cache_dir);
        self
    }

    fn runner(&self, req: &Request) -> Result<&Runner, ProviderError> {
        let names = || self.runners.runners.keys().cloned().collect::<Vec<_>>().join(", ");
        let name = req.attr("runner").ok_or_else(|| {
            ProviderError::new("kind=command figures need runner=, the interpreter that runs the script")
                .at_attr("kind")
                .hint(format!("add e.g. runner=python; runners: {}", names()))
        })?;
        self.runners.runners.get(name).ok_or_else(|| {
            ProviderError::new(format!("unknown runner `{name}`"))
                .at_attr("runner")
                .hint(format!("runners are {} (configure more under [runners.NAME] in paperfig.toml)", names()))
        })
    }

    /// The runner's version and package versions, probed once per process (and reused
    /// across processes while nothing they depend on changed, when there is a cache).
    fn probe(&self, r: &Runner) -> Probe {
        let mut probes = self.probes.lock().unwrap_or_else(|p| p.into_inner());
        probes
            .entry(r.name.clone())
            .or_insert_with(|| match &self.probe_cache {
                Some(dir) => probe_cache::probe_cached(dir, r),
                None => probe(r),
            })
            .clone()
    }
}

/// The formats the script writes (`outputs=`, default svg).
fn outputs(req: &Request) -> Result<Vec<Format>, ProviderError> {
    let list = req.attr("outputs").unwrap_or("svg");
    let mut out = Vec::new();
    for name in list.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
        let f = Format::parse(name).ok_or_else(|| {
            ProviderError::new(format!("unknown output format `{name}`"))
                .at_attr("outputs")
                .hint("outputs is a comma list of svg, pdf, png")
        })?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        return Err(ProviderError::new("outputs= names no format")
            .at_attr("outputs")
            .hint("e.g. outputs=svg or outputs=pdf,png"));
    }
    Ok(out)
}

fn out_path(f: Format) -> String {
    format!("{OUT_DIR}/figure.{}", f.ext())
}

/// Reads what the script left at format `f`'s output path: a regular file in its working
/// copy of at most `max_output_mb`, reached through no symbolic link (a script could
/// otherwise hand paperfig any file of the machine as its figure) and never a pipe or a
/// device (reading one could block, or never end).
fn read_output(work: &Path, f: Format, r: &Runner, stderr: &str) -> Result<Vec<u8>, ProviderError> {
    let (name, rel) = (&r.name, out_path(f));
    let what = format!("the `{name}` script's {f} output `{rel}`");
    let not_a_file = "outputs are regular files the script writes in its working copy; write (or copy) the figure itself to that path";
    fsutil::read_regular_beneath(work, Path::new(&rel), r.max_output_bytes).map_err(|e| match e {
        NotRegular::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
            ProviderError::new(format!("the `{name}` script succeeded but wrote no {f} output{}", stderr_block(stderr)))
                .at_attr("outputs")
                .hint(format!("write the figure to the path paperfig passes ({{out.{0}}} in the command, $PAPERFIG_OUT_{1} in the environment: {2}), or change outputs=", f.ext(), f.ext().to_uppercase(), rel))
        }
        NotRegular::Io(e) => ProviderError::new(format!("cannot read {what}: {e}")).at_attr("outputs"),
        NotRegular::Symlink(link) => {
            let to = std::fs::read_link(work.join(&link)).map(|t| format!(" to `{}`", t.display())).unwrap_or_default();
            let at = if link == Path::new(&rel) { String::new() } else { format!(" under `{}`,", link.display()) };
            ProviderError::new(format!("{what} is{at} a symbolic link{to}; paperfig follows no link out of the script's working copy"))
                .at_attr("outputs")
                .hint(not_a_file)
        }
        NotRegular::Folder => ProviderError::new(format!("{what} is a folder, not a file")).at_attr("outputs").hint(not_a_file),
        NotRegular::Special => {
            ProviderError::new(format!("{what} is a pipe, socket or device, not a regular file"))
                .at_attr("outputs")
                .hint(not_a_file)
        }
        NotRegular::TooLarge(max) => ProviderError::new(format!(
            "{what} is larger than the limit of {:.1} MB",
            max as f64 / 1e6
        ))
        .at_attr("outputs")
        .hint(format!("raise [runners.{name}] max_output_mb in paperfig.toml if this is intended")),
    })
}

/// Copies matplotlib's font cache (`fontlist-*.json`, a few hundred KB at most) from the
/// shared folder into a sandboxed script's own, so it is not rebuilt on every run.
fn seed_font_cache(shared: &Path, own: &Path) {
    let Ok(entries) = std::fs::read_dir(shared) else { return };
    let _ = std::fs::create_dir_all(own);
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name();
        let n = name.to_string_lossy();
        if n.starts_with("fontlist-") && n.ends_with(".json") && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::copy(e.path(), own.join(&name));
        }
    }
}

/// The script's text: the body, or the `script=` file.
fn script(req: &Request) -> Result<&[u8], ProviderError> {
    match (req.files.get("script"), req.body.trim().is_empty()) {
        (Some(_), false) => Err(ProviderError::new("this figure has both a script= file and a script in its body")
            .at_attr("script")
            .hint("keep one of them")),
        (Some(f), true) => Ok(&f.bytes[..]),
        (None, false) => Ok(req.body.as_bytes()),
        (None, true) => Err(ProviderError::new("kind=command figure without a script")
            .at_attr("kind")
            .hint("write the script in the block, or name a file with script=")),
    }
}

/// Expands `{script}`, `{out}`, `{outputs}` and `{out.FORMAT}` in a command template.
fn expand(template: &[String], script: &str, outs: &[Format]) -> Result<Vec<String>, ProviderError> {
    let mut argv = Vec::new();
    for arg in template {
        if arg == "{outputs}" {
            argv.extend(outs.iter().map(|f| out_path(*f)));
            continue;
        }
        let mut a = arg.replace("{script}", script).replace("{out}", &out_path(outs[0]));
        for f in Format::ALL {
            let placeholder = format!("{{out.{}}}", f.ext());
            if a.contains(&placeholder) {
                if !outs.contains(&f) {
                    return Err(ProviderError::new(format!(
                        "the runner's command uses {placeholder} but outputs= lacks {f}"
                    ))
                    .at_attr("outputs")
                    .hint(format!("add {f} to outputs=")));
                }
                a = a.replace(&placeholder, &out_path(f));
            }
        }
        argv.push(a);
    }
    Ok(argv)
}

impl Provider for CommandProvider {
    fn id(&self) -> &'static str {
        "command"
    }
    fn version(&self) -> &'static str {
        VERSION
    }
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Command]
    }
    fn attrs(&self, _kind: Kind) -> &'static [&'static str] {
        &["runner", "outputs", "inputs"]
    }
    fn file_attrs(&self) -> &'static [&'static str] {
        &["script"]
    }

    fn prepare(&self, req: &mut Request, ctx: &PrepareContext<'_>) -> Result<(), ProviderError> {
        let r = self.runner(req)?;
        if !r.allowed {
            return Err(ProviderError::new(format!("this figure runs a `{}` script, and paperfig.toml does not allow runners", r.name))
                .at_attr("kind")
                .hint(format!("building runs the project's scripts; if you trust them, add to paperfig.toml:\n[runners]\nallow = true    # or, for this runner only: [runners.{}] allow = true", r.name)));
        }
        script(req)?;
        let outs = outputs(req)?;
        expand(&r.command, "s", &outs)?;
        read_listed(req, ctx, "inputs")?;
        let command = serde_json::to_string(&r.command).unwrap_or_default();
        let probed = self.probe(r)?;
        let extra = &mut req.extra;
        extra.insert("runner.command".into(), command);
        extra.insert("runner.extension".into(), r.extension.clone());
        extra.extend(probed);
        for name in &r.env {
            // `set:` and `unset` differ, so an empty value and no value key differently.
            let v = (self.env)(name).map_or_else(|| "unset".to_string(), |v| format!("set:{v}"));
            extra.insert(format!("env.{name}"), v);
        }
        for name in &r.secret_env {
            // Only the name: a secret's value (or its hash) never enters the key or lockfile.
            extra.insert(format!("secret_env.{name}"), "declared".into());
        }
        Ok(())
    }

    fn generate(&self, req: &Request, _key: &Digest) -> Result<Vec<Artifact>, ProviderError> {
        let r = self.runner(req)?;
        if !r.allowed {
            return Err(ProviderError::new("runners are not allowed").at_attr("kind"));
        }
        let outs = outputs(req)?;
        let bwrap = if r.sandbox {
            Some(self.sandbox.get_or_init(sandbox::probe).as_ref().map_err(|u| u.error(&r.name))?)
        } else {
            None
        };
        let io = |e: std::io::Error| {
            let temp = std::env::temp_dir();
            if fsutil::is_disk_full(&e) {
                ProviderError::new(format!(
                    "no space left on device while writing the script's working copy in {}",
                    temp.display()
                ))
                .hint("free space on that disk, or point TMPDIR at a folder on another disk")
            } else {
                ProviderError::new(format!("cannot prepare the script's working copy in {}: {e}", temp.display()))
                    .hint("check that TMPDIR (or /tmp) is a writable folder")
            }
        };
        let tmp = tempfile::Builder::new().prefix("paperfig-run-").tempdir().map_err(io)?;
        // Removed if the build is interrupted, like the script's process group.
        let _folder = crate::children::Folder::track(tmp.path().to_path_buf());
        let work = tmp.path();
        for (name, f) in &req.files {
            if let Some(rel) = name.strip_prefix(INPUT) {
                let p = work.join(rel);
                std::fs::create_dir_all(p.parent().unwrap_or(work)).map_err(io)?;
                std::fs::write(&p, &f.bytes[..]).map_err(io)?;
            }
        }
        let script_name = format!("{SCRIPT}.{}", r.extension);
        std::fs::write(work.join(&script_name), script(req)?).map_err(io)?;
        std::fs::create_dir_all(work.join(OUT_DIR)).map_err(io)?;
        std::fs::create_dir_all(work.join("tmp")).map_err(io)?;
        if !req.files.contains_key(&format!("{INPUT}matplotlibrc")) {
            std::fs::write(work.join("matplotlibrc"), MATPLOTLIBRC).map_err(io)?;
        }
        // The command as keyed (the config's copy is the same within one process).
        let template: Vec<String> = req
            .extra
            .get("runner.command")
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_else(|| r.command.clone());
        let mut argv = expand(&template, &script_name, &outs)?;
        let mut env = base_env(work);
        if let Some(bwrap) = bwrap {
            // The script and its inputs read-only; matplotlib's font cache copied in, as the
            // shared one cannot be written from the sandbox.
            let read_only: Vec<PathBuf> = std::iter::once(script_name.as_str())
                .chain(req.files.keys().filter_map(|n| n.strip_prefix(INPUT)))
                .map(|rel| work.join(rel))
                .collect();
            argv = bwrap.wrap(&argv, work, &read_only);
            let mpl = work.join("tmp/matplotlib");
            if let Some((_, dir)) = env.iter_mut().find(|(k, _)| k == "MPLCONFIGDIR") {
                seed_font_cache(Path::new(dir), &mpl);
                *dir = mpl.display().to_string();
            }
        }
        let o = &req.output;
        env.push(("PAPERFIG_OUT".into(), out_path(outs[0])));
        for f in &outs {
            env.push((format!("PAPERFIG_OUT_{}", f.ext().to_uppercase()), out_path(*f)));
        }
        // Rounded to a millionth so scripts see `2.376`, not `2.3759999999999994`.
        let num = |x: f64| format!("{}", (x * 1e6).round() / 1e6);
        env.push(("PAPERFIG_WIDTH_IN".into(), num(o.width_in)));
        env.push(("PAPERFIG_HEIGHT_IN".into(), num(o.height_in)));
        env.push(("PAPERFIG_DPI".into(), num(o.png_dpi)));
        for (k, v) in &req.extra {
            if let (Some(name), Some(value)) = (k.strip_prefix("env."), v.strip_prefix("set:")) {
                env.push((name.into(), value.into()));
            }
        }
        for name in &r.secret_env {
            if let Some(v) = (self.env)(name) {
                env.push((name.clone(), v));
            }
        }
        let limits = exec::Limits {
            timeout: Duration::from_secs_f64(r.timeout_secs),
            watch: Some((work.to_path_buf(), r.max_output_bytes)),
        };
        let done = exec::run(&argv, work, &env, &limits);
        let name = &r.name;
        match done.exit {
            exec::Exit::Success => {}
            exec::Exit::NotStarted(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(not_installed(r, &argv[0]));
            }
            exec::Exit::NotStarted(e) => {
                return Err(
                    ProviderError::new(format!("runner `{name}`: cannot run `{}`: {e}", argv[0])).at_attr("runner")
                );
            }
            exec::Exit::TimedOut => {
                return Err(ProviderError::new(format!(
                    "the `{name}` script ran longer than {} s and was stopped{}",
                    r.timeout_secs,
                    stderr_block(&done.stderr)
                ))
                .hint(format!("make it faster, or raise [runners.{name}] timeout in paperfig.toml")));
            }
            exec::Exit::TooLarge(n) => {
                return Err(ProviderError::new(format!(
                    "the `{name}` script wrote {:.1} MB, more than the limit of {:.1} MB, and was stopped",
                    n as f64 / 1e6,
                    r.max_output_bytes as f64 / 1e6
                ))
                .hint(format!("raise [runners.{name}] max_output_mb in paperfig.toml if this is intended")));
            }
            exec::Exit::Failed(code) => {
                let status = code.map_or("was killed by a signal".to_string(), |c| format!("exited with status {c}"));
                let mut e = ProviderError::new(format!("the `{name}` script {status}{}", stderr_block(&done.stderr)));
                if !req.files.contains_key("script") {
                    if let Some(range) = script_line(&done.stderr, &script_name).and_then(|n| line_range(&req.body, n))
                    {
                        e = e.at_body(range);
                    }
                }
                e = e.hint(match undeclared(&done.stderr, req, work) {
                    Some(p) => format!("the script looked for `{p}`, which is not in its working copy; if it is a project file, declare it with inputs= (relative to this file's folder) so changes to it rerun the script"),
                    None if r.sandbox => "the script runs in a sandbox, in a temporary copy holding only itself and the files declared in inputs=: it can write only there (and in a private /tmp), and has no network".to_string(),
                    None => "the script runs in a temporary copy holding only itself and the files declared in inputs=".to_string(),
                });
                return Err(e);
            }
        }
        let mut written = BTreeMap::new();
        for f in &outs {
            let bytes = read_output(work, *f, r, &done.stderr)?;
            validate(*f, &bytes).map_err(|why| {
                ProviderError::new(format!("the `{name}` script's {f} output is not a valid {f} file: {why}"))
                    .at_attr("outputs")
                    .hint("nothing was stored; check what the script writes to that path")
            })?;
            written.insert(*f, bytes);
        }
        derive(&written, &o.formats, o.png_dpi)
    }
}

#[cfg(test)]
mod tests;
