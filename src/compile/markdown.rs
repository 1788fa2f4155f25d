//! Markdown papers: written as `build/<stem>.tex` by the LaTeX writer, then compiled;
//! TeX's messages are mapped back to Markdown lines through the writer's line map.

use std::path::Path;

use super::Compiled;
use crate::diag::Diagnostic;
use crate::project::Project;

pub fn build(_project: &Project, main: &Path, _epoch: Option<u64>) -> Result<Compiled, Diagnostic> {
    Err(Diagnostic::error(format!("cannot build {}: Markdown papers are not supported yet", main.display())))
}
