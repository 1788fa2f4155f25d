//! The line map kept while writing LaTeX: for every line of the `.tex` file, the Markdown
//! line it came from, so that a TeX error (`l.42`) can be reported at the user's line.
//!
//! `TexOut` is the output buffer the writer appends to; it records, for each finished TeX
//! line, the Markdown line that was current when the line's first character was written.

/// For each line of the generated `.tex` (1-based), the Markdown line (1-based) it came
/// from; lines the template adds on its own have none.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineMap {
    lines: Vec<Option<u32>>,
}

impl LineMap {
    /// The Markdown line that TeX line `tex_line` (1-based) was written from, if that line
    /// came from the Markdown (or from a front matter value).
    pub fn markdown_line(&self, tex_line: usize) -> Option<usize> {
        self.lines.get(tex_line.checked_sub(1)?).copied().flatten().map(|l| l as usize)
    }

    /// Like `markdown_line`, but a TeX line with no Markdown line of its own (a blank
    /// line, an `\end{figure}` the writer added) takes the nearest mapped line above it.
    pub fn lookup(&self, tex_line: usize) -> Option<usize> {
        let last = tex_line.min(self.lines.len());
        (1..=last).rev().find_map(|l| self.markdown_line(l))
    }

    /// Number of TeX lines covered.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Byte offset → 1-based line number in a source text.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn line(&self, offset: usize) -> u32 {
        (self.starts.partition_point(|&s| s <= offset)) as u32
    }
}

/// The LaTeX being written, with the Markdown line of every finished line.
#[derive(Default)]
pub(crate) struct TexOut {
    pub text: String,
    lines: Vec<Option<u32>>,
    /// Markdown line of the line being written (set by its first character).
    line_src: Option<u32>,
    /// The Markdown line the writer is at.
    pub cur: Option<u32>,
}

impl TexOut {
    /// Appends text written from the current Markdown line.
    pub fn push(&mut self, s: &str) {
        let mut rest = s;
        while let Some(nl) = rest.find('\n') {
            self.push_part(&rest[..nl]);
            self.text.push('\n');
            self.lines.push(self.line_src.take());
            rest = &rest[nl + 1..];
        }
        self.push_part(rest);
    }

    fn push_part(&mut self, part: &str) {
        if !part.is_empty() {
            if self.line_src.is_none() {
                self.line_src = self.cur;
            }
            self.text.push_str(part);
        }
    }

    /// Appends source text verbatim whose first line is Markdown line `first` (code, raw
    /// LaTeX, display math): each of its lines maps to its own Markdown line.
    pub fn push_lines(&mut self, s: &str, first: u32) {
        for (i, line) in s.split_inclusive('\n').enumerate() {
            self.cur = Some(first + i as u32);
            self.push(line);
        }
    }

    /// Ends the current line unless at the start of one.
    pub fn newline(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.push("\n");
        }
    }

    /// Ends the paragraph: makes the text end in one blank line.
    pub fn blank_line(&mut self) {
        // Not right after an opening brace or `\begin{..}`/`\item` line.
        let last = self.text.trim_end_matches('\n').rsplit('\n').next().unwrap_or("");
        if self.text.ends_with('{') || last.starts_with("\\begin{") || self.text.ends_with("\\item ") {
            return;
        }
        self.newline();
        if !self.text.is_empty() && !self.text.ends_with("\n\n") {
            self.push("\n");
        }
    }

    /// Removes trailing whitespace (before closing a `\footnote{`).
    pub fn trim_end(&mut self) {
        while self.text.ends_with(['\n', ' ']) {
            if self.text.pop() == Some('\n') {
                self.line_src = self.lines.pop().flatten();
            }
        }
    }

    /// Appends a finished buffer; its lines keep their Markdown lines. A partly written
    /// current line continues with the other buffer's first line.
    pub fn append(&mut self, other: TexOut) {
        let (text, map) = other.finish();
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if self.line_src.is_none() {
                self.line_src = map.lines.get(i).copied().flatten();
            }
            let saved = self.cur;
            self.cur = self.line_src;
            self.push(line);
            self.cur = saved;
        }
    }

    /// The text and its line map (a last unfinished line counts as a line).
    pub fn finish(mut self) -> (String, LineMap) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.lines.push(self.line_src.take());
        }
        (self.text, LineMap { lines: self.lines })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_from_one() {
        let idx = LineIndex::new("a\nbc\n\nd");
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(2), 2);
        assert_eq!(idx.line(3), 2);
        assert_eq!(idx.line(5), 3);
        assert_eq!(idx.line(6), 4);
    }

    #[test]
    fn each_line_takes_the_markdown_line_of_its_first_character() {
        let mut out = TexOut { cur: Some(3), ..TexOut::default() };
        out.push("\\section{A}");
        out.cur = Some(5);
        out.push(" more\n");
        out.push("x\n\n");
        out.push_lines("raw 1\nraw 2\n", 9);
        let (text, map) = out.finish();
        assert_eq!(text.lines().count(), 5);
        assert_eq!(map.markdown_line(1), Some(3));
        assert_eq!(map.markdown_line(2), Some(5));
        assert_eq!(map.markdown_line(3), None, "blank line");
        assert_eq!(map.lookup(3), Some(5));
        assert_eq!(map.markdown_line(4), Some(9));
        assert_eq!(map.markdown_line(5), Some(10));
        assert_eq!(map.markdown_line(6), None);
        assert_eq!(map.markdown_line(0), None);
    }

    #[test]
    fn appended_buffers_keep_their_lines() {
        let mut body = TexOut::default();
        body.push_lines("one\ntwo\n", 20);
        let mut page = TexOut::default();
        page.push("head\n");
        page.push("pre ");
        page.append(body);
        page.push("tail\n");
        let (text, map) = page.finish();
        assert_eq!(text, "head\npre one\ntwo\ntail\n");
        assert_eq!(map.markdown_line(1), None);
        assert_eq!(map.markdown_line(2), Some(20), "template text before the body takes the body's line");
        assert_eq!(map.markdown_line(3), Some(21));
        assert_eq!(map.markdown_line(4), None);
    }
}
