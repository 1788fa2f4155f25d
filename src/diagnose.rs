//! The drivers' edge: the typed errors that stop a command, as `Diagnostic`s with a stable
//! code and a hint for the user. The drivers (`cli`, `watch`, `mdbook`) call
//! [`Diagnose::diagnostic`] on what stopped them; the stages below only return their own
//! error types, which callers can inspect.

use crate::GenError;
use crate::compile::CompileError;
use crate::compile::bundle::BundleError;
use crate::compile::engine::EngineError;
use crate::compile::epoch::EpochError;
use crate::compile::external::ExternalError;
use crate::config::ConfigError;
use crate::diag::{Code, Diagnostic, Loc};
use crate::options::OptionsError;
use crate::preflight::{OverBudget, Refusal, Unwritable};
use crate::project::ProjectError;

/// An error as the user reads it.
pub trait Diagnose {
    fn diagnostic(&self) -> Diagnostic;
}

impl Diagnose for ConfigError {
    fn diagnostic(&self) -> Diagnostic {
        match self {
            ConfigError::Read { .. } => Diagnostic::error(Code::Config, self.to_string()),
            ConfigError::Invalid { file, span, message, hint } => {
                Diagnostic::error(Code::Config, message).at(Loc::new(file, span.clone()), "here").hint(hint)
            }
        }
    }
}

impl Diagnose for ProjectError {
    fn diagnostic(&self) -> Diagnostic {
        let hint = match self {
            ProjectError::Config(e) => return e.diagnostic(),
            ProjectError::Open { .. } => "give the paper's folder or one of its .md/.tex files",
            ProjectError::Pattern { .. } => "patterns are globs relative to the project folder, e.g. `chapters/*.md`",
            ProjectError::NoSources { .. } => "sources are globs of .md/.tex files relative to the project folder",
        };
        Diagnostic::error(Code::Project, self.to_string()).hint(hint)
    }
}

impl Diagnose for GenError {
    fn diagnostic(&self) -> Diagnostic {
        let (code, hint) = match self {
            GenError::OverBudget(over) => return over.diagnostic(),
            GenError::Unwritable(u) => return u.diagnostic(),
            GenError::Cache(e) if e.is_disk_full() => (Code::Cache, Some(crate::fsutil::DISK_FULL_HINT)),
            GenError::Cache(_) => (Code::Cache, Some("check that the cache folder is writable")),
            GenError::Remote(_) => {
                (Code::Cache, Some("check [cache] remote and [cache.remote_options] in paperfig.toml"))
            }
            GenError::NoLockfile => (Code::Lockfile, Some("build once without --locked, then commit paperfig.lock")),
            GenError::Lockfile { .. } => (Code::Lockfile, Some("fix paperfig.lock or rebuild it without --locked")),
            GenError::OutputDir { source, .. } if crate::fsutil::is_disk_full(source) => {
                (Code::Output, Some(crate::fsutil::DISK_FULL_HINT))
            }
            GenError::OutputDir { .. } => (Code::Output, None),
        };
        let d = Diagnostic::error(code, self.to_string());
        match hint {
            Some(h) => d.hint(h),
            None => d,
        }
    }
}

impl Diagnose for OverBudget {
    fn diagnostic(&self) -> Diagnostic {
        Diagnostic::error(Code::Budget, self.to_string()).hint(
            "nothing was submitted; raise --max-cost, or build fewer figures (paperfig status shows each one's cost)",
        )
    }
}

impl Diagnose for Unwritable {
    fn diagnostic(&self) -> Diagnostic {
        let folder = match self {
            Unwritable::Cache(_) => "the cache folder ([cache] dir in paperfig.toml, default .paperfig)".to_string(),
            Unwritable::Journal { dir, .. } => dir.display().to_string(),
        };
        Diagnostic::error(Code::Cache, self.to_string()).hint(format!(
            "nothing was submitted or paid for; make {folder} writable (or point [cache] dir at a writable \
             folder) and run again: a task that cannot be recorded would be submitted again by the next build"
        ))
    }
}

impl Diagnose for Refusal {
    fn diagnostic(&self) -> Diagnostic {
        match self {
            Refusal::OverBudget(o) => o.diagnostic(),
            Refusal::Unwritable(u) => u.diagnostic(),
        }
    }
}

impl Diagnose for CompileError {
    fn diagnostic(&self) -> Diagnostic {
        let hint = match self {
            CompileError::NotADocument { .. } => "paperfig builds a Markdown (.md) or LaTeX (.tex) paper",
            CompileError::MainMissing { .. } => "main is a path relative to the folder holding paperfig.toml",
            CompileError::NoPaper { .. } => {
                "a paper is a .tex file with \\documentclass or a .md file that starts with front matter (---); \
                 or give the file: paperfig build paper.md"
            }
            CompileError::SeveralPapers { .. } => {
                "name one: paperfig build paper.md, or set [build] main = \"paper.md\" in paperfig.toml"
            }
            CompileError::Engine(EngineError::Bundle(BundleError::Remote(_) | BundleError::RemoteFile(_))) => {
                "the bundle is [build] bundle in paperfig.toml; a build without --offline fetches what it needs \
                 once into the user's cache, and later builds (offline too) use that"
            }
            CompileError::Engine(EngineError::Bundle(
                BundleError::NoTex { .. } | BundleError::NoLatex { .. } | BundleError::Neither { .. },
            )) => {
                "install TeX (Debian: apt-get install texlive-latex-recommended texlive-fonts-recommended lmodern; \
                 or TeX Live's installer, MacTeX, TinyTeX), or name your TeX trees in [build] texmf = [...], or a \
                 tectonic bundle in [build] bundle = \"https://…/bundle.ttb\" (with no TeX installed, paperfig \
                 fetches tectonic's default bundle once when online; $PAPERFIG_TEX_BUNDLE names a mirror)"
            }
            CompileError::Engine(EngineError::CreateDir { .. } | EngineError::Write { .. }) => {
                "check that the build folder ([build] dir, `build` by default) and the cache folder are writable, and \
                 that their disk is not full"
            }
            CompileError::Engine(_) => {
                "install TeX Live: apt-get install texlive-latex-recommended texlive-fonts-recommended lmodern \
                 (or run scripts/setup)"
            }
            CompileError::External(ExternalError::NotInstalled { .. }) => {
                "install TeX Live with latexmk (Debian: apt-get install latexmk texlive-latex-recommended \
                 texlive-fonts-recommended lmodern; texlive-luatex for lualatex, texlive-xetex for xelatex), or \
                 build with the embedded engine: remove [build] engine, or pass --engine embedded"
            }
            CompileError::External(ExternalError::Spawn { .. }) => "check that latexmk runs: latexmk -v",
            CompileError::External(ExternalError::TimedOut { .. }) => {
                "look for a macro that calls itself or a loop that never ends in the lines last changed; \
                 build/*.log shows how far TeX got"
            }
            CompileError::Read { .. }
            | CompileError::CreateDir { .. }
            | CompileError::Write { .. }
            | CompileError::External(ExternalError::CreateDir { .. } | ExternalError::Write { .. }) => {
                return Diagnostic::error(Code::Build, self.to_string());
            }
        };
        Diagnostic::error(Code::Build, self.to_string()).hint(hint)
    }
}

impl Diagnose for EpochError {
    fn diagnostic(&self) -> Diagnostic {
        Diagnostic::error(Code::Build, self.to_string()).hint("set it to a Unix time such as 1700000000, or unset it")
    }
}

impl Diagnose for OptionsError {
    fn diagnostic(&self) -> Diagnostic {
        let hint = match self {
            OptionsError::LockedWatch => {
                "use `paperfig build --locked` (or --frozen) in CI; `watch --offline` keeps hosted providers off"
            }
        };
        Diagnostic::error(Code::Usage, self.to_string()).hint(hint)
    }
}
