//! Leaf blocks of the body: code (listings), raw LaTeX blocks, display math (numbered
//! when labelled), footnotes, and HTML (dropped).

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event};

use super::blocks::Writer;
use super::escape::{escape, label};
use crate::diag::{Code, Diagnostic};

impl Writer<'_> {
    pub(super) fn display_math(&mut self, math: &str, range: Range<usize>, id: Option<&str>) {
        let first = self.line(range.start);
        let body = math.trim_matches(|c: char| c.is_whitespace());
        let body_line = first + math.len().saturating_sub(math.trim_start_matches('\n').len()) as u32;
        self.out.newline();
        // A display environment of its own (`\begin{align}`) needs no `\[ \]` around it;
        // inner environments (`aligned`, `cases`) do.
        let env_inside = DISPLAY_ENVS.iter().any(|e| body.starts_with(&format!("\\begin{{{e}}}")));
        let (open, close) = match id {
            Some(id) => {
                self.define_label(id, range.clone());
                ("\\begin{equation}\n".to_string(), format!("\n\\label{{{}}}\n\\end{{equation}}\n", label(id)))
            }
            None if env_inside => (String::new(), "\n".to_string()),
            None => ("\\[\n".to_string(), "\n\\]\n".to_string()),
        };
        if self.loc_override.is_none() {
            self.out.cur = Some(first);
        }
        self.out.push(&open);
        if self.loc_override.is_none() {
            self.out.push_lines(body, body_line);
        } else {
            self.out.push(body);
        }
        self.out.push(&close);
        if let Some(l) = self.out.cur {
            self.out.cur = Some(l + 1);
        }
    }

    /// HTML has no LaTeX meaning: comments are dropped silently, anything else with a
    /// warning (once).
    pub(super) fn html(&mut self, html: &str, range: Range<usize>) {
        let t = html.trim();
        if t.is_empty() || (t.starts_with("<!--") && t.ends_with("-->")) {
            return;
        }
        let d = Diagnostic::warning(Code::Writer, "HTML is left out of the LaTeX output")
            .at(self.loc(range), "dropped")
            .hint("use Markdown, or a ```{=latex} block for LaTeX");
        self.warn_once("html", d);
    }

    pub(super) fn footnote(&mut self, name: &str, range: Range<usize>) {
        match self.footnotes.get(name).copied() {
            Some((lo, hi)) if self.footnote_depth < 4 => {
                self.footnote_depth += 1;
                self.out.push("\\footnote{");
                let saved = self.out.cur;
                self.run(lo, hi);
                self.flush();
                self.out.trim_end();
                self.out.push("}");
                self.out.cur = saved;
                self.footnote_depth -= 1;
            }
            _ => {
                self.warnings.push(
                    Diagnostic::warning(Code::Writer, format!("footnote `[^{name}]` is not defined"))
                        .at(self.loc(range), "used here")
                        .hint(format!("define it on its own line: [^{name}]: text")),
                );
                self.out.push(&escape(&format!("[^{name}]")));
            }
        }
    }

    pub(super) fn code_block(&mut self, kind: CodeBlockKind<'static>, i: usize, range: Range<usize>) -> usize {
        let end = self.end_of(i);
        let info = match &kind {
            CodeBlockKind::Fenced(info) => info.trim().to_string(),
            CodeBlockKind::Indented => String::new(),
        };
        if info.starts_with('{') && info[1..].trim_start().trim_start_matches('.').starts_with("paperfig") {
            self.paperfig_block(range);
            return end + 1;
        }
        self.out.blank_line();
        self.set_line(&range);
        let raw = matches!(info.as_str(), "{=latex}" | "{=tex}");
        if !raw {
            let lang = listings_language(
                info.split(|c: char| c.is_whitespace() || c == '{' || c == '}').find(|w| !w.is_empty()).unwrap_or(""),
            );
            match lang {
                Some(l) => self.out.push(&format!("\\begin{{lstlisting}}[language={l}]\n")),
                None => self.out.push("\\begin{lstlisting}\n"),
            }
        } else {
            // Raw LaTeX may define labels that cross-references use.
            for (e, _) in &self.events[i + 1..end] {
                if let Event::Text(t) = e {
                    for part in t.split("\\label{").skip(1) {
                        if let Some(c) = part.find('}') {
                            self.labels.insert(label(&part[..c]));
                        }
                    }
                }
            }
        }
        for k in i + 1..end {
            if let (Event::Text(t), r) = &self.events[k] {
                let (t, line) = (t.clone(), self.line(r.start));
                if self.loc_override.is_none() {
                    self.out.push_lines(&t, line);
                } else {
                    self.out.push(&t);
                }
            }
        }
        self.out.newline();
        if !raw {
            self.out.push("\\end{lstlisting}\n");
        }
        self.out.push("\n");
        end + 1
    }
}

/// amsmath environments that start display math themselves (also starred).
const DISPLAY_ENVS: &[&str] = &[
    "equation",
    "equation*",
    "align",
    "align*",
    "gather",
    "gather*",
    "multline",
    "multline*",
    "flalign",
    "flalign*",
    "alignat",
    "alignat*",
    "eqnarray",
    "eqnarray*",
    "displaymath",
];

/// The `listings` name of a fence language, for the languages it knows.
fn listings_language(lang: &str) -> Option<&'static str> {
    Some(match lang.to_ascii_lowercase().as_str() {
        "python" | "py" => "Python",
        "c" => "C",
        "cpp" | "c++" | "cxx" => "C++",
        "java" => "Java",
        "bash" | "shell" => "bash",
        "sh" => "sh",
        "sql" => "SQL",
        "r" => "R",
        "matlab" => "Matlab",
        "tex" | "latex" => "[LaTeX]TeX",
        "html" => "HTML",
        "xml" => "XML",
        "ruby" => "Ruby",
        "perl" => "Perl",
        "haskell" => "Haskell",
        "fortran" => "Fortran",
        "lisp" => "Lisp",
        "make" | "makefile" => "make",
        _ => return None,
    })
}
