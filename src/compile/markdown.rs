//! Markdown papers: the LaTeX writer (`texwriter`) turns the paper into
//! `<build dir>/<stem>.tex`, which is compiled like a LaTeX paper; TeX's messages about
//! lines of the generated file are mapped back to Markdown lines through the writer's
//! line map, and the writer's citation list locates undefined citations. A key the writer
//! already reported at its citation is not listed again from TeX's log.
//!
//! Under an installed engine (`[build] engine`) TeX runs in the project root, and the
//! writer makes the `.tex`'s paths relative to it.
//!
//! The paper's directives and the figures' files come from the `gen` that just ran
//! ([`Figures::of`] its report): the writer sees exactly what was built.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{CompileError, Compiled, LineMap, MappedFile, TexRun, compile_tex_in, source_file};
use crate::GenReport;
use crate::config::Engine;
use crate::diag::SourceFile;
use crate::emit::Manifest;
use crate::project::Project;
use crate::scan::{self, Directive, Scan};
use crate::texwriter::{self, WriteOptions};

/// What the figure stages give the writer: the scanned sources (the paper's text and
/// directives) and the manifest of the figures' files.
pub struct Figures<'a> {
    pub scan: Cow<'a, Scan>,
    pub manifest: Cow<'a, Manifest>,
}

impl Figures<'_> {
    /// What a `gen` report holds: the scan it planned from and the manifest it wrote.
    pub fn of(report: &GenReport) -> Figures<'_> {
        Figures { scan: Cow::Borrowed(&report.scan), manifest: Cow::Borrowed(&report.manifest) }
    }

    /// Without a report (watch, after a build that stopped before writing its manifest):
    /// the manifest the last build wrote, and no scan (the paper is read and scanned).
    pub fn last_written(output_dir: &Path) -> Figures<'static> {
        Figures { scan: Cow::Owned(Scan::default()), manifest: Cow::Owned(Manifest::read(output_dir)) }
    }

    /// The paper's text and its directives: from the scan when it covered `main`, else read
    /// and scanned now (a paper outside `[project] sources`).
    fn paper(&self, project: &Project, main: &Path) -> Result<(Arc<SourceFile>, Vec<Arc<Directive>>), CompileError> {
        let name = scan::relative_name(&project.root, main);
        let (file, directives) = match self.scan.files.iter().find(|f| f.name == name) {
            Some(file) => (file.clone(), &self.scan.directives),
            None => {
                let own = scan::scan_files(&project.root, &[main.to_path_buf()]);
                let file = match own.files.first() {
                    Some(f) => f.clone(),
                    None => source_file(&project.root, main)?,
                };
                let directives = own.directives.into_iter().filter(|d| d.loc.file.name == name).collect();
                return Ok((file, directives));
            }
        };
        Ok((file, directives.iter().filter(|d| d.loc.file.name == name).cloned().collect()))
    }
}

/// The generated `.tex` of a Markdown paper.
pub fn tex_path(project: &Project, main: &Path) -> PathBuf {
    let stem = main.file_stem().map_or_else(|| "paper".into(), |s| s.to_string_lossy().into_owned());
    project.config.build_dir.join(format!("{stem}.tex"))
}

/// Writes the Markdown paper `main` as LaTeX with the `figures` the last `gen` made, then
/// compiles it. Writer errors (front matter, template, bibliography) stop before TeX.
pub fn build(project: &Project, main: &Path, figures: &Figures<'_>, run: &TexRun) -> Result<Compiled, CompileError> {
    let config = &project.config;
    let (source, directives) = figures.paper(project, main)?;
    let files = texwriter::figure_files(&figures.manifest, &config.output_dir);
    // A file deleted since the last gen shows as "not generated" instead of a TeX error.
    let figure_file = |d: &Directive| files(d).filter(|p| p.is_file());
    // The embedded engine reads the document's files beside the `.tex`; an installed one
    // runs in the project (kpathsea's `openin_any = p` refuses `../refs.bib`), so names are
    // written relative to where TeX runs.
    let work_dir = match run.engine {
        Engine::Embedded => config.build_dir.clone(),
        _ if config.build_dir.starts_with(&project.root) => project.root.clone(),
        _ => config.build_dir.clone(),
    };
    let opts = WriteOptions::new(&project.root, &work_dir).trust(run.trust).with_manifest(&figures.manifest);
    let paper = match texwriter::write_paper(&source, &directives, &figure_file, &opts) {
        Ok(p) => p,
        Err(diagnostics) => {
            return Ok(Compiled { diagnostics, engine: run.engine, ..Compiled::default() });
        }
    };
    let tex = tex_path(project, main);
    std::fs::create_dir_all(&config.build_dir)
        .map_err(|source| CompileError::CreateDir { path: config.build_dir.clone(), source })?;
    crate::fsutil::write_if_changed(&tex, paper.tex.as_bytes())
        .map_err(|source| CompileError::Write { path: tex.clone(), source })?;
    let lines: Vec<usize> = (1..=paper.line_map.len()).map(|l| paper.line_map.lookup(l).unwrap_or(0)).collect();
    let generated = Arc::new(SourceFile::new(scan::relative_name(&project.root, &tex), tex.clone(), paper.tex));
    let map = LineMap {
        files: vec![MappedFile { tex: generated, source: Some((Arc::clone(&source), lines)) }],
        citations: paper.citations,
        reported_citations: paper.reported_citations,
    };
    let mut compiled = compile_tex_in(project, &tex, &work_dir, &map, run)?;
    let mut diagnostics = paper.warnings;
    diagnostics.append(&mut compiled.diagnostics);
    compiled.diagnostics = diagnostics;
    Ok(compiled)
}
