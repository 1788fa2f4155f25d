//! Where the writer is in the Markdown: the `End` of a block, source lines and
//! locations (diagnostics and the line map point into the user's file), ids defined twice,
//! floats that LaTeX allows here, and warnings given once.

use std::ops::Range;

use pulldown_cmark::Event;

use super::Writer;
use crate::diag::{Code, Diagnostic, Loc};
use crate::texwriter::escape::label;

impl Writer<'_> {
    /// Index of the `End` matching the `Start` at `i`.
    pub(in crate::texwriter) fn end_of(&self, i: usize) -> usize {
        let mut depth = 0;
        for (j, (e, _)) in self.events.iter().enumerate().skip(i) {
            match e {
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    depth -= 1;
                    if depth == 0 {
                        return j;
                    }
                }
                _ => {}
            }
        }
        self.events.len().saturating_sub(1)
    }

    /// 1-based Markdown line of a source offset.
    pub(in crate::texwriter) fn line(&self, offset: usize) -> u32 {
        self.lines.line(offset + self.base)
    }

    pub(in crate::texwriter) fn line_span(&self, line: u32) -> Range<usize> {
        let text = &self.file.text;
        let start = text.split_inclusive('\n').take(line.saturating_sub(1) as usize).map(str::len).sum::<usize>();
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        start..end
    }

    pub(in crate::texwriter) fn set_line(&mut self, range: &Range<usize>) {
        if self.loc_override.is_none() {
            self.out.cur = Some(self.line(range.start));
        }
    }

    pub(in crate::texwriter) fn loc(&self, range: Range<usize>) -> Loc {
        match &self.loc_override {
            Some(span) => Loc::new(self.file, span.clone()),
            None => Loc::new(self.file, range.start + self.base..range.end + self.base),
        }
    }

    /// Records an id (`\label`) defined at `at`; a second definition is a warning.
    pub(in crate::texwriter) fn define_label(&mut self, id: &str, at: Range<usize>) {
        if !self.labels.insert(label(id)) {
            let d = Diagnostic::warning(Code::Writer, format!("id `{id}` is defined twice"))
                .at(self.loc(at), "second definition")
                .hint("references go to one of them; give each figure, table, section and equation its own id");
            self.warnings.push(d);
        }
    }

    /// Inside a list, quote or footnote, where LaTeX allows no floats: figures and tables
    /// are set in place with `\captionof`.
    pub(in crate::texwriter) fn no_floats_here(&self) -> bool {
        !self.lists.is_empty() || self.quote_depth > 0 || self.footnote_depth > 0
    }

    pub(in crate::texwriter) fn warn_once(&mut self, what: &'static str, d: Diagnostic) {
        if self.warned.insert(what) {
            self.warnings.push(d);
        }
    }
}
