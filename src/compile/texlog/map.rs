//! Where a line of a `.tex` file TeX read is in what the user wrote ([`LineMap`]), and TeX's
//! log lines joined where TeX broke them.

use std::sync::Arc;

use crate::diag::{Loc, SourceFile};

/// How a `.tex` file TeX read maps back to what the user wrote.
#[derive(Clone, Debug)]
pub struct MappedFile {
    /// The file TeX read (for TeX's `file:line` messages).
    pub tex: Arc<SourceFile>,
    /// The user's file and, for each `.tex` line (index 0 = line 1), its 1-based line
    /// there (0 = no counterpart, e.g. template lines). `None` = the `.tex` is the user's.
    pub source: Option<(Arc<SourceFile>, Vec<usize>)>,
}

/// The files errors may point into, by the name TeX uses for them.
#[derive(Clone, Debug, Default)]
pub struct LineMap {
    pub files: Vec<MappedFile>,
    /// Citation keys with where the user wrote them (Markdown papers).
    pub citations: Vec<(String, Loc)>,
    /// Citation keys already reported at the citation (by the Markdown writer); the
    /// log's undefined-citation warning leaves them out.
    pub reported_citations: Vec<String>,
}

impl LineMap {
    /// The user's location of line `line` of the `.tex` file TeX calls `name`.
    pub fn locate(&self, name: &str, line: usize) -> Option<Loc> {
        let name = name.trim_start_matches("./");
        let file = self.files.iter().find(|f| {
            let tex_name = f.tex.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            tex_name == name || f.tex.name == name || f.tex.path.to_string_lossy().ends_with(&format!("/{name}"))
        })?;
        match &file.source {
            None => line_loc(&file.tex, line),
            Some((src, map)) => match map.get(line.checked_sub(1)?) {
                Some(&l) if l > 0 => line_loc(src, l),
                _ => line_loc(&file.tex, line),
            },
        }
    }

    /// Where `needle` first appears in any of the user's files.
    pub fn find_anywhere(&self, needle: &str) -> Option<Loc> {
        self.files.iter().map(|f| f.source.as_ref().map_or(&f.tex, |(s, _)| s)).find_map(|src| {
            let at = src.text.find(needle)?;
            Some(Loc::new(src, at..at + needle.len()))
        })
    }

    /// The main file (the first), in the user's terms.
    fn main_source(&self) -> Option<&Arc<SourceFile>> {
        self.files.first().map(|f| f.source.as_ref().map_or(&f.tex, |(s, _)| s))
    }

    /// Where `needle` first appears in the user's main file, else its first line.
    pub(crate) fn find_in_main(&self, needle: &str) -> Option<Loc> {
        let src = self.main_source()?;
        match src.text.find(needle) {
            Some(at) => Some(Loc::new(src, at..at + needle.len())),
            None => line_loc(src, 1),
        }
    }
}

/// The span of line `line` (1-based) without its indentation.
pub fn line_loc(file: &Arc<SourceFile>, line: usize) -> Option<Loc> {
    let mut start = 0;
    for _ in 1..line {
        start += file.text[start..].find('\n')? + 1;
    }
    let end = file.text[start..].find('\n').map_or(file.text.len(), |i| start + i);
    let indent = file.text[start..end].len() - file.text[start..end].trim_start().len();
    Some(Loc::new(file, start + indent..end.max(start + indent)))
}

/// Joins lines TeX broke at its 79-character limit.
pub fn unwrap_lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut joining = false;
    for line in text.lines() {
        if joining {
            if let Some(last) = out.last_mut() {
                last.push_str(line);
            }
        } else {
            out.push(line.to_string());
        }
        joining = line.chars().count() == 79;
    }
    out
}
