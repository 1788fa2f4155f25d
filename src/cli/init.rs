//! `paperfig init`: write a commented `paperfig.toml` with the defaults spelled out.

use std::path::PathBuf;
use std::process::ExitCode;

use super::shared::{Global, Stop, err};
use crate::config::FILE_NAME;
use crate::diag::{Code, Diagnostic};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folder to initialise.
    #[arg(default_value = ".")]
    path: PathBuf,
}

const TEMPLATE: &str = r#"# paperfig configuration. Every key is optional; the values shown are the defaults.

[project]
# sources = ["paper.md"]        # files or globs; default: every .md and .tex file
# exclude = ["drafts/**"]

[output]
# dir = "build/figures"         # where finished figures and manifest.json are written
# formats = ["svg", "pdf", "png"]
# png_dpi = 192                 # 2x a 96 dpi screen
# size = "column"               # column (3.3 in), wide (7 in), or a width like "5in"

[cache]
# dir = ".paperfig"             # the content-addressed cache (do not commit it)

[defaults]
# plot = "builtin"              # provider per figure kind

[runners]                       # interpreters of kind=command (script) figures
# allow = false                 # true lets building run this project's scripts
# sandbox = false               # true runs them under bubblewrap: no network, only their working copy writable
"#;

pub fn run(args: Args, _global: &Global) -> Result<ExitCode, Stop> {
    let path = args.path.join(FILE_NAME);
    if path.exists() {
        return Err(Diagnostic::error(Code::Usage, format!("{} already exists", path.display()))
            .hint("edit it, or delete it and run paperfig init again")
            .into());
    }
    crate::fsutil::write_atomic(&path, TEMPLATE.as_bytes())
        .map_err(|e| Diagnostic::error(Code::Usage, format!("cannot write {}: {e}", path.display())))?;
    err(format_args!("wrote {}\n", path.display()));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn template_parses_to_the_defaults() {
        use crate::config::Config;
        use crate::diag::SourceFile;
        use std::path::Path;
        use std::sync::Arc;
        let file = Arc::new(SourceFile::new("paperfig.toml".into(), "paperfig.toml".into(), super::TEMPLATE.into()));
        let c = Config::parse(Path::new("/p"), &file).unwrap();
        let d = Config::defaults(Path::new("/p"));
        assert_eq!(
            (c.formats, c.png_dpi, c.size, c.output_dir, c.cache_dir),
            (d.formats, d.png_dpi, d.size, d.output_dir, d.cache_dir)
        );
        assert_eq!(c.runners, d.runners, "no runner is allowed by default");
    }
}
