//! The standalone LaTeX document a TikZ figure is compiled in, and where each of its lines
//! came from (the preamble file, a figure's body, or paperfig), so that TeX's errors are
//! reported at the user's line.
//!
//! A body holding `\documentclass` is a whole document: it is compiled as written, alone.
//! Any other body is a picture: it goes into a `standalone` document with the `multi`
//! option, one page per figure (`paperfigpage` environment, which is also a TeX group, so a
//! figure's local settings end with it), cropped to the picture's bounding box. Several
//! pictures with the same preamble share one document (one TeX run), each on its page.
//!
//! The preamble is `preamble=FILE` after `\usepackage{tikz}`. Without one, the pictures
//! get [`PRELOADED`]: a format the engine dumps once with the class and pgfplots already
//! loaded, so that the document is only `\begin{document}` and its pages, and loading
//! pgfplots costs nothing per run (half of a picture's time otherwise). XeTeX cannot dump a
//! format holding OpenType fonts, so that preamble sets Latin Modern's Type 1 fonts (`T1`).

/// The preloaded format: its name (with a version: the engine caches a format by its name
/// and the TeX files' digest) and its source.
pub const PRELOADED: (&str, &str) = ("paperfig-tikz-1", PRELOADED_SOURCE);

const PRELOADED_SOURCE: &str = "\\let\\paperfigdump\\dump \\let\\dump\\relax
\\input xelatex.ini
\\let\\dump\\paperfigdump
\\def\\encodingdefault{OT1}\\fontencoding{OT1}
\\documentclass[multi=paperfigpage,border=1pt]{standalone}
\\usepackage[T1]{fontenc}
\\usepackage{lmodern}
\\usepackage{pgfplots}
\\pgfplotsset{compat=newest}
\\newenvironment{paperfigpage}{}{}
\\dump
";

/// Space around the picture's bounding box, in points (TikZ's box leaves out half of a
/// stroke's width); the preloaded format sets the same.
const BORDER: &str = "1pt";

/// Where a line of the generated document came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Origin {
    /// Line (1-based) of the `preamble=` file.
    Preamble(usize),
    /// Line (1-based) of the body of figure number `figure` (0-based, in batch order).
    Body { figure: usize, line: usize },
    /// A line paperfig wrote.
    Ours,
}

/// A generated document with the origin of each of its lines.
#[derive(Debug)]
pub struct Document {
    pub tex: String,
    /// `origins[i]` is where line `i + 1` came from.
    origins: Vec<Origin>,
}

impl Document {
    /// Where line `line` (1-based) of the document came from.
    pub fn origin(&self, line: usize) -> Origin {
        line.checked_sub(1).and_then(|i| self.origins.get(i)).copied().unwrap_or(Origin::Ours)
    }

    fn push(&mut self, text: &str, origin: impl Fn(usize) -> Origin) {
        for (i, l) in text.lines().enumerate() {
            self.tex.push_str(l);
            self.tex.push('\n');
            self.origins.push(origin(i + 1));
        }
    }

    /// A whole document written by the user: every line is the body's.
    pub fn whole(body: &str) -> Document {
        let mut d = Document { tex: String::new(), origins: Vec::new() };
        d.push(body, |line| Origin::Body { figure: 0, line });
        d
    }

    /// One standalone document with each of `bodies` on its own page, in order.
    /// `preamble` is the `preamble=` file's text, if the figures have one; without it the
    /// document is for the [`PRELOADED`] format.
    pub fn pictures(preamble: Option<&str>, bodies: &[&str]) -> Document {
        let mut d = Document { tex: String::new(), origins: Vec::new() };
        if let Some(p) = preamble {
            d.push(&format!("\\documentclass[multi=paperfigpage,border={BORDER}]{{standalone}}"), |_| Origin::Ours);
            d.push("\\usepackage{tikz}", |_| Origin::Ours);
            d.push(p, Origin::Preamble);
            d.push("\\newenvironment{paperfigpage}{}{}", |_| Origin::Ours);
        }
        d.push("\\begin{document}", |_| Origin::Ours);
        for (figure, body) in bodies.iter().enumerate() {
            // TeX reports an unfinished picture (a missing `}`) at the page's end: the
            // picture's last line.
            let last = body.lines().count().max(1);
            d.push("\\begin{paperfigpage}%", |_| Origin::Body { figure, line: 1 });
            d.push(body, |line| Origin::Body { figure, line });
            d.push("\\end{paperfigpage}%", |_| Origin::Body { figure, line: last });
        }
        d.push("\\end{document}", |_| Origin::Ours);
        d
    }
}

/// Whether a body is a whole LaTeX document (an uncommented `\documentclass`).
pub fn is_whole_document(body: &str) -> bool {
    body.lines().any(|l| l.split('%').next().unwrap_or("").contains("\\documentclass"))
}

/// The byte range of line `line` (1-based) of `text`, without its line break; the end of
/// the text when there is no such line.
pub fn line_range(text: &str, line: usize) -> std::ops::Range<usize> {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len()..text.len(),
        }
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_map_back_to_the_preamble_and_each_body() {
        let d = Document::pictures(Some("\\usetikzlibrary{arrows}\n\\newcommand\\x{1}"), &["a\nb", "c"]);
        let lines: Vec<&str> = d.tex.lines().collect();
        let at = |text: &str| lines.iter().position(|l| *l == text).unwrap() + 1;
        assert_eq!(d.origin(at("\\newcommand\\x{1}")), Origin::Preamble(2));
        assert_eq!(d.origin(at("b")), Origin::Body { figure: 0, line: 2 });
        assert_eq!(d.origin(at("c")), Origin::Body { figure: 1, line: 1 });
        assert_eq!(d.origin(1), Origin::Ours);
        // Without a preamble, the document is for the preloaded format: no preamble at all.
        let bare = Document::pictures(None, &["a"]);
        assert!(bare.tex.starts_with("\\begin{document}"), "{}", bare.tex);
        assert_eq!(bare.origin(3), Origin::Body { figure: 0, line: 1 });
        assert_eq!(d.origin(lines.len() + 5), Origin::Ours);
        assert_eq!(d.tex.matches("\\begin{paperfigpage}").count(), 2);
    }

    #[test]
    fn a_whole_document_is_the_body_line_for_line() {
        let body = "\\documentclass{standalone}\n\\begin{document}\nx\n\\end{document}";
        assert!(is_whole_document(body));
        assert!(!is_whole_document("% \\documentclass{article}\n\\begin{tikzpicture}\\end{tikzpicture}"));
        let d = Document::whole(body);
        assert_eq!(d.tex.lines().nth(2), Some("x"));
        assert_eq!(d.origin(3), Origin::Body { figure: 0, line: 3 });
    }

    #[test]
    fn line_ranges() {
        assert_eq!(line_range("ab\ncd\n", 2), 3..5);
        assert_eq!(line_range("ab", 1), 0..2);
        assert_eq!(line_range("ab", 4), 2..2);
    }
}
