//! The working copy and environment every script and probe runs in: the file names a script
//! sees and the fixed environment variables (the same for every run, so part of what makes a
//! script's output reproducible).

use std::path::Path;

/// The name the script file has in the working copy (plus the runner's extension).
pub(super) const SCRIPT: &str = "paperfig-script";
/// The folder of the working copy the outputs go to.
pub(super) const OUT_DIR: &str = "paperfig-out";
/// `SOURCE_DATE_EPOCH` for every script: dates embedded in outputs are fixed.
const SOURCE_DATE_EPOCH: &str = "0";
/// Written as `matplotlibrc` in the working copy (matplotlib reads the current folder's
/// first): a fixed SVG id salt, text as paths in SVG (no font lookup at view time) and
/// TrueType fonts in PDF.
pub(super) const MATPLOTLIBRC: &str = "backend: Agg\nsvg.hashsalt: paperfig\nsvg.fonttype: path\npdf.fonttype: 42\n";
/// Prefix of `Request::files` names holding declared inputs.
pub(super) use crate::provider::inputs::INPUT;

/// The environment every script and probe starts from: PATH and HOME (to find the
/// interpreter), the variables that select a Python environment, and fixed values.
pub(super) fn base_env(work: &Path) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = Vec::new();
    for name in ["PATH", "HOME", "VIRTUAL_ENV", "PYENV_ROOT", "PYENV_VERSION", "CONDA_PREFIX"] {
        if let Ok(v) = std::env::var(name) {
            env.push((name.into(), v));
        }
    }
    let mplconfig = std::env::var("HOME").map_or_else(
        |_| std::env::temp_dir().join("paperfig-matplotlib"),
        |h| Path::new(&h).join(".cache/paperfig/matplotlib"),
    );
    for (k, v) in [
        ("LANG", "C.UTF-8".to_string()),
        ("LC_ALL", "C.UTF-8".to_string()),
        ("TZ", "UTC".to_string()),
        ("TMPDIR", work.join("tmp").display().to_string()),
        ("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH.to_string()),
        ("MPLBACKEND", "Agg".to_string()),
        ("MATPLOTLIBRC", work.join("matplotlibrc").display().to_string()),
        // Only matplotlib's font cache lives here; it never changes what is drawn.
        ("MPLCONFIGDIR", mplconfig.display().to_string()),
        ("PYTHONHASHSEED", "0".to_string()),
        ("PYTHONDONTWRITEBYTECODE", "1".to_string()),
    ] {
        env.push((k.into(), v));
    }
    env
}
