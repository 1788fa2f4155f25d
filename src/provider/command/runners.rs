//! `[runners]` in `paperfig.toml`: which interpreters `kind=command` figures may run, and how.
//!
//! ```toml
//! [runners]
//! allow = true                       # every runner may run (default: none may)
//! sandbox = true                     # run them under bubblewrap (`sandbox.rs`)
//!
//! [runners.python]                   # overrides fields of the `python` preset
//! packages = ["matplotlib", "numpy"] # their versions are part of every key
//! env = ["SEED"]                     # passed to the script; values are part of the key
//! secret_env = ["API_TOKEN"]         # passed to the script; never in the key
//! timeout = 120                      # seconds (default 60)
//!
//! [runners.julia]                    # a runner of your own
//! allow = true                       # this runner only
//! command = ["julia", "{script}", "{outputs}"]
//! version = ["julia", "--version"]
//! extension = "jl"
//! probe_paths = ["julia", "-e", "println(join(DEPOT_PATH, \"\\n\"))"]
//! ```
//!
//! `probe_paths` prints, one per line, the files and folders whose changes can change what
//! `version` and `package_version` print (for Python: `sys.path` and its `.pth` files).
//! With it, probe results are cached in the cache folder until the interpreter or one of
//! those paths changes (see `provider::command::probe_cache`).
//!
//! Placeholders in `command`: `{script}` (the script file), `{out}` (the first output
//! path), `{outputs}` (one argument per output path), `{out.svg}`/`{out.pdf}`/`{out.png}`.
//! In `package_version`: `{package}`.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A checked runner: everything needed to probe and run it.
#[derive(Clone, Debug, PartialEq)]
pub struct Runner {
    pub name: String,
    /// Whether this runner may run (`[runners] allow` or its own `allow`).
    pub allowed: bool,
    /// Whether its scripts run in the sandbox (its own `sandbox`, else `[runners] sandbox`).
    pub sandbox: bool,
    pub command: Vec<String>,
    /// Command printing the runner's version (stdout and stderr are both read); empty = none.
    pub version: Vec<String>,
    /// Command printing one package's version, with `{package}`; empty = packages unsupported.
    pub package_version: Vec<String>,
    pub packages: Vec<String>,
    /// Command printing, one per line, the files and folders the version probes read; empty
    /// = unknown (package probes are then never cached).
    pub probe_paths: Vec<String>,
    pub env: Vec<String>,
    pub secret_env: Vec<String>,
    pub timeout_secs: f64,
    pub max_output_bytes: u64,
    /// Extension of the script file written from the body (`py`), so interpreters that
    /// look at it (Rscript, gnuplot) behave.
    pub extension: String,
}

/// All runners of a project: the presets, overridden and extended by `paperfig.toml`.
#[derive(Clone, Debug, PartialEq)]
pub struct Runners {
    pub runners: BTreeMap<String, Runner>,
}

pub const DEFAULT_TIMEOUT_SECS: f64 = 60.0;
pub const DEFAULT_MAX_OUTPUT_MB: f64 = 50.0;

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn preset(
    name: &str,
    command: &[&str],
    version: &[&str],
    package_version: &[&str],
    packages: &[&str],
    ext: &str,
) -> Runner {
    Runner {
        name: name.into(),
        allowed: false,
        sandbox: false,
        command: strings(command),
        version: strings(version),
        package_version: strings(package_version),
        packages: strings(packages),
        probe_paths: Vec::new(),
        env: Vec::new(),
        secret_env: Vec::new(),
        timeout_secs: DEFAULT_TIMEOUT_SECS,
        max_output_bytes: (DEFAULT_MAX_OUTPUT_MB * 1e6) as u64,
        extension: ext.into(),
    }
}

/// Where Python finds packages and their metadata: `sys.path`, the site folders (also the
/// user's, which may not exist yet), their `.pth` files, the interpreter and `pyvenv.cfg`.
/// `pip install` replaces `*.dist-info` folders, which changes the folder holding them.
const PY_PATHS: &str = "import glob, os, site, sys
dirs = [p for p in sys.path if p]
try:
    dirs += site.getsitepackages() + [site.getusersitepackages()]
except Exception:
    pass
out = dirs + [sys.executable, os.path.join(sys.prefix, 'pyvenv.cfg')]
for d in dirs:
    out += sorted(glob.glob(os.path.join(glob.escape(d), '*.pth')))
print('\\n'.join(dict.fromkeys(out)))
";

/// Where R finds packages (installing one replaces its folder in a library) and R itself.
const R_PATHS: &str = "cat(.libPaths(), R.home(), sep = '\\n')";

/// The built-in runners, none of them allowed until `paperfig.toml` says so.
pub fn presets() -> BTreeMap<String, Runner> {
    let py_pkg = "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))";
    let r_pkg = "cat(as.character(packageVersion(commandArgs(TRUE)[1])))";
    let mut python = preset(
        "python",
        &["python3", "{script}", "{outputs}"],
        &["python3", "--version"],
        &["python3", "-c", py_pkg, "{package}"],
        &["matplotlib"],
        "py",
    );
    python.probe_paths = strings(&["python3", "-c", PY_PATHS]);
    let mut r = preset(
        "r",
        &["Rscript", "{script}", "{outputs}"],
        &["Rscript", "--version"],
        &["Rscript", "-e", r_pkg, "{package}"],
        &[],
        "R",
    );
    r.probe_paths = strings(&["Rscript", "-e", R_PATHS]);
    [
        python,
        r,
        preset("gnuplot", &["gnuplot", "-c", "{script}", "{out}"], &["gnuplot", "--version"], &[], &[], "gp"),
        preset("sh", &["sh", "{script}", "{outputs}"], &[], &[], &[], "sh"),
    ]
    .into_iter()
    .map(|r| (r.name.clone(), r))
    .collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRunner {
    allow: Option<bool>,
    sandbox: Option<bool>,
    command: Option<Vec<String>>,
    version: Option<Vec<String>>,
    package_version: Option<Vec<String>>,
    packages: Option<Vec<String>>,
    probe_paths: Option<Vec<String>>,
    env: Option<Vec<String>>,
    secret_env: Option<Vec<String>>,
    timeout: Option<f64>,
    max_output_mb: Option<f64>,
    extension: Option<String>,
}

/// A problem in `[runners]`.
pub type RunnersError = crate::model::TableError;

fn err(key: &str, message: String, hint: &str) -> RunnersError {
    RunnersError::new(key, message, hint)
}

impl Runners {
    pub fn defaults() -> Runners {
        Runners { runners: presets() }
    }

    /// Checks the `[runners]` table (absent = presets, none allowed).
    pub fn parse(table: Option<&toml::Table>) -> Result<Runners, RunnersError> {
        let mut runners = presets();
        let Some(table) = table else { return Ok(Runners { runners }) };
        let flag = |key: &str| match table.get(key) {
            None => Ok(false),
            Some(v) => v.as_bool().ok_or_else(|| {
                err(key, format!("`[runners] {key}` must be true or false"), &format!("write `{key} = true`"))
            }),
        };
        let (allow_all, sandbox_all) = (flag("allow")?, flag("sandbox")?);
        // A runner's own `sandbox` wins over the table's.
        let mut own_sandbox = std::collections::BTreeSet::new();
        for (name, value) in table.iter().filter(|(k, _)| !["allow", "sandbox"].contains(&k.as_str())) {
            if value.get("sandbox").is_some() {
                own_sandbox.insert(name.clone());
            }
            parse_runner(&mut runners, name, value).map_err(|e| e.within(name))?;
        }
        for r in runners.values_mut() {
            r.allowed |= allow_all;
            if !own_sandbox.contains(&r.name) {
                r.sandbox = sandbox_all;
            }
        }
        Ok(Runners { runners })
    }
}

/// Checks one runner's table into `runners` (a preset's fields overridden, or a new runner).
fn parse_runner(runners: &mut BTreeMap<String, Runner>, name: &str, value: &toml::Value) -> Result<(), RunnersError> {
    let raw: RawRunner = value.clone().try_into().map_err(|e: toml::de::Error| {
        err(name, format!("invalid runner `{name}`: {}", e.message()), "runner keys are allow, sandbox, command, version, package_version, packages, probe_paths, env, secret_env, timeout, max_output_mb, extension")
    })?;
    let is_new = !runners.contains_key(name);
    if is_new && raw.command.is_none() {
        return Err(err(
            name,
            format!("runner `{name}` has no `command`"),
            "give e.g. command = [\"julia\", \"{script}\", \"{out}\"]; presets are python, r, gnuplot, sh",
        ));
    }
    let r = runners.entry(name.to_string()).or_insert_with(|| preset(name, &[], &[], &[], &[], "txt"));
    if let Some(a) = raw.allow {
        r.allowed = a;
    }
    if let Some(s) = raw.sandbox {
        r.sandbox = s;
    }
    if let Some(c) = raw.command {
        if c.is_empty() || c[0].is_empty() {
            return Err(err(
                "command",
                format!("runner `{name}`: `command` is empty"),
                "the first item is the program to run",
            ));
        }
        if !c.iter().any(|a| a.contains("{script}")) {
            return Err(err(
                "command",
                format!("runner `{name}`: `command` never mentions {{script}}"),
                "paperfig passes the script file as {script}",
            ));
        }
        r.command = c;
    }
    if let Some(v) = raw.version {
        r.version = v;
    }
    if let Some(v) = raw.package_version {
        r.package_version = v;
    }
    if let Some(p) = raw.packages {
        r.packages = p;
    }
    if let Some(p) = raw.probe_paths {
        if p.first().is_some_and(|a| a.is_empty()) {
            return Err(err(
                "probe_paths",
                format!("runner `{name}`: `probe_paths` names no program"),
                "the first item is the program to run, e.g. [\"python3\", \"-c\", \"...\"]; [] turns it off",
            ));
        }
        r.probe_paths = p;
    }
    if !r.packages.is_empty() && !r.package_version.iter().any(|a| a.contains("{package}")) {
        return Err(err(
            "packages",
            format!("runner `{name}` lists packages but has no `package_version` command with {{package}}"),
            "add package_version = [..., \"{package}\"]",
        ));
    }
    for (key, list) in [("env", raw.env), ("secret_env", raw.secret_env)] {
        if let Some(vars) = list {
            if let Some(bad) = vars.iter().find(|v| !valid_env_name(v) || RESERVED_ENV.contains(&v.as_str())) {
                return Err(err(
                    key,
                    format!("runner `{name}`: `{bad}` cannot be passed to scripts"),
                    "use names of letters, digits and _, other than the variables paperfig sets itself (PATH, HOME, SOURCE_DATE_EPOCH, MPLBACKEND, PAPERFIG_*)",
                ));
            }
            if key == "env" {
                r.env = vars;
            } else {
                r.secret_env = vars;
            }
        }
    }
    if let Some(t) = raw.timeout {
        if !(t > 0.0 && t <= 86400.0) {
            return Err(err(
                "timeout",
                format!("runner `{name}`: timeout = {t} is out of range"),
                "give seconds, from 0.1 to 86400",
            ));
        }
        r.timeout_secs = t;
    }
    if let Some(mb) = raw.max_output_mb {
        if !(mb > 0.0 && mb <= 10_000.0) {
            return Err(err(
                "max_output_mb",
                format!("runner `{name}`: max_output_mb = {mb} is out of range"),
                "give megabytes, up to 10000",
            ));
        }
        r.max_output_bytes = (mb * 1e6) as u64;
    }
    if let Some(x) = raw.extension {
        if x.is_empty() || !x.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(err(
                "extension",
                format!("runner `{name}`: extension `{x}` is not a file extension"),
                "give letters and digits without the dot, e.g. \"py\"",
            ));
        }
        r.extension = x;
    }
    Ok(())
}

/// Variables paperfig sets for every script; users cannot override them.
pub const RESERVED_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "TMPDIR",
    "LANG",
    "LC_ALL",
    "TZ",
    "SOURCE_DATE_EPOCH",
    "MPLBACKEND",
    "MATPLOTLIBRC",
    "MPLCONFIGDIR",
    "PYTHONHASHSEED",
    "PYTHONDONTWRITEBYTECODE",
];

fn valid_env_name(v: &str) -> bool {
    !v.is_empty()
        && !v.starts_with(|c: char| c.is_ascii_digit())
        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !v.starts_with("PAPERFIG_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Runners, RunnersError> {
        let t: toml::Table = toml::from_str(text).unwrap();
        Runners::parse(t.get("runners").and_then(|v| v.as_table()))
    }

    #[test]
    fn presets_exist_and_are_not_allowed_by_default() {
        let r = Runners::parse(None).unwrap();
        for name in ["python", "r", "gnuplot", "sh"] {
            assert!(!r.runners[name].allowed, "{name}");
        }
        assert_eq!(r.runners["python"].packages, ["matplotlib"]);
    }

    #[test]
    fn allow_all_or_one() {
        let r = parse("[runners]\nallow = true\n").unwrap();
        assert!(r.runners.values().all(|r| r.allowed));
        let r = parse("[runners.sh]\nallow = true\n").unwrap();
        assert!(r.runners["sh"].allowed);
        assert!(!r.runners["python"].allowed);
    }

    #[test]
    fn sandbox_for_all_or_one_and_a_runner_may_opt_out() {
        let r = parse("[runners]\nsandbox = true\n[runners.sh]\nsandbox = false\n[runners.julia]\ncommand = [\"julia\", \"{script}\"]\n").unwrap();
        assert!(r.runners["python"].sandbox && r.runners["julia"].sandbox);
        assert!(!r.runners["sh"].sandbox);
        let r = parse("[runners.gnuplot]\nsandbox = true\n").unwrap();
        assert!(r.runners["gnuplot"].sandbox && !r.runners["python"].sandbox);
        assert!(!Runners::parse(None).unwrap().runners["sh"].sandbox);
    }

    #[test]
    fn overrides_and_new_runners() {
        let r = parse(
            "[runners.python]\npackages = [\"numpy\"]\nenv = [\"SEED\"]\nsecret_env = [\"TOKEN\"]\ntimeout = 5\nmax_output_mb = 1\n[runners.julia]\ncommand = [\"julia\", \"{script}\", \"{out}\"]\nextension = \"jl\"\n",
        )
        .unwrap();
        let py = &r.runners["python"];
        assert_eq!(py.command[0], "python3", "preset command kept");
        assert_eq!(py.packages, ["numpy"]);
        assert_eq!(py.env, ["SEED"]);
        assert_eq!(py.secret_env, ["TOKEN"]);
        assert_eq!(py.timeout_secs, 5.0);
        assert_eq!(py.max_output_bytes, 1_000_000);
        assert_eq!(r.runners["julia"].extension, "jl");
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases = [
            ("[runners]\nallow = \"yes\"\n", "allow"),
            ("[runners]\nsandbox = 1\n", "sandbox"),
            ("[runners.sh]\nsandbox = \"yes\"\n", "sh"),
            ("[runners.julia]\nversion = [\"julia\"]\n", "julia"),
            ("[runners.sh]\ncommand = []\n", "command"),
            ("[runners.sh]\ncommand = [\"sh\", \"x.sh\"]\n", "command"),
            ("[runners.sh]\ntimeout = -1\n", "timeout"),
            ("[runners.sh]\nmax_output_mb = 0\n", "max_output_mb"),
            ("[runners.sh]\nenv = [\"PATH\"]\n", "env"),
            ("[runners.sh]\nsecret_env = [\"A-B\"]\n", "secret_env"),
            ("[runners.sh]\npackages = [\"x\"]\n", "packages"),
            ("[runners.sh]\nextension = \".sh\"\n", "extension"),
            ("[runners.sh]\nprobe_paths = [\"\"]\n", "probe_paths"),
            ("[runners.sh]\ntimeuot = 1\n", "sh"),
        ];
        for (text, key) in cases {
            let e = parse(text).err().unwrap_or_else(|| panic!("{text} accepted"));
            assert_eq!(e.key, key, "{text}: {}", e.message);
        }
    }
}
