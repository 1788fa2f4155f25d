//! The event walker: pulldown-cmark events of the paper's body → LaTeX blocks (headings,
//! paragraphs, lists, quotes, code, raw LaTeX, display math, footnotes, links, figures),
//! keeping the line map. Tables and figures are in `floats.rs`; code, raw LaTeX, display
//! math and footnotes in `leaves.rs`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

use super::escape::{escape, escape_url, label};
use super::frontmatter::Author;
use super::inline;
use super::linemap::{LineIndex, TexOut};
use crate::diag::{Code, Diagnostic, Loc, SourceFile};
use crate::scan::Directive;

pub(super) type Ev = (Event<'static>, Range<usize>);

/// The parser options: those of the scanner (so both see the same blocks) plus smart
/// punctuation for running text.
fn options() -> Options {
    crate::scan::markdown::options() | Options::ENABLE_SMART_PUNCTUATION
}

pub(crate) struct Writer<'a> {
    pub(super) file: &'a Arc<SourceFile>,
    lines: LineIndex,
    pub(super) directives: HashMap<usize, &'a Directive>,
    pub(super) figure_file: &'a dyn Fn(&Directive) -> Option<PathBuf>,
    /// Figures whose last build failed: name → short reason.
    pub(super) failed: &'a BTreeMap<String, String>,
    /// What services said about figures (name → notes): titles, alt texts.
    pub(super) notes: &'a BTreeMap<String, crate::model::Notes>,
    pub(super) src_dir: &'a Path,
    pub(super) out_dir: &'a Path,
    pub(super) events: Vec<Ev>,
    /// Offset of the parsed text in the source file.
    base: usize,
    /// While rendering a front matter value or caption: where its citations are.
    pub(super) loc_override: Option<Range<usize>>,
    pub(super) footnotes: HashMap<String, (usize, usize)>,
    pub(super) footnote_depth: usize,
    pub(super) out: TexOut,
    /// Running text not yet written, the source offset of each piece, and the Markdown
    /// line of each of its lines.
    text: String,
    segs: Vec<(usize, usize)>,
    text_lines: Vec<u32>,
    pending_math: Option<(String, Range<usize>)>,
    strip_raw_attr: bool,
    /// Open headings: id and where the heading is.
    heading: Vec<(String, Range<usize>)>,
    /// Where the heading is that the bibliography goes under (see [`Writer::body`]).
    references_heading: Option<usize>,
    enum_depth: usize,
    lists: Vec<bool>,
    quote_depth: usize,
    pub(super) table_caption: Option<(usize, usize)>,
    cites: Vec<(String, Loc)>,
    refs: Vec<(String, Loc)>,
    pub(super) labels: HashSet<String>,
    pub(super) warnings: Vec<Diagnostic>,
    warned: HashSet<&'static str>,
}

impl<'a> Writer<'a> {
    pub fn new(
        file: &'a Arc<SourceFile>,
        directives: &'a [Arc<Directive>],
        figure_file: &'a dyn Fn(&Directive) -> Option<PathBuf>,
        failed: &'a BTreeMap<String, String>,
        notes: &'a BTreeMap<String, crate::model::Notes>,
        src_dir: &'a Path,
        out_dir: &'a Path,
    ) -> Writer<'a> {
        let directives = directives
            .iter()
            .filter(|d| Arc::ptr_eq(&d.loc.file, file) || d.loc.file.name == file.name)
            .map(|d| (d.loc.span.start, &**d))
            .collect();
        Writer {
            file,
            lines: LineIndex::new(&file.text),
            directives,
            figure_file,
            failed,
            notes,
            src_dir,
            out_dir,
            events: Vec::new(),
            base: 0,
            loc_override: None,
            footnotes: HashMap::new(),
            footnote_depth: 0,
            out: TexOut::default(),
            text: String::new(),
            segs: Vec::new(),
            text_lines: Vec::new(),
            pending_math: None,
            strip_raw_attr: false,
            heading: Vec::new(),
            references_heading: None,
            enum_depth: 0,
            lists: Vec::new(),
            quote_depth: 0,
            table_caption: None,
            cites: Vec::new(),
            refs: Vec::new(),
            labels: HashSet::new(),
            warnings: Vec::new(),
            warned: HashSet::new(),
        }
    }

    /// Writes the Markdown from `start` (after the front matter) to the end. With a
    /// `bibliography` (printed after the body), a last heading that names it
    /// ([`is_references_heading`]) is where it goes, as pandoc places it: the
    /// bibliography's own heading is left out.
    pub fn body(&mut self, start: usize, bibliography: bool) -> TexOut {
        let text = &self.file.text[start..];
        self.events = Parser::new_ext(text, options())
            .into_offset_iter()
            .map(|(e, r)| (e.into_static(), r.start + start..r.end + start))
            .collect();
        self.base = 0;
        if bibliography {
            self.references_heading = self.last_heading().filter(|&i| self.is_references_heading(i)).map(|i| {
                let (_, range) = &self.events[i];
                range.start
            });
        }
        self.collect_footnotes();
        self.run(0, self.events.len());
        self.flush();
        self.out.newline();
        std::mem::take(&mut self.out)
    }

    /// The event index of the document's last heading.
    fn last_heading(&self) -> Option<usize> {
        self.events.iter().rposition(|(e, _)| matches!(e, Event::Start(Tag::Heading { .. })))
    }

    /// Whether the heading starting at event `i` names the bibliography: its text is
    /// "References" or "Bibliography" (any case), or its id is `refs` (pandoc's name).
    fn is_references_heading(&self, i: usize) -> bool {
        if let (Event::Start(Tag::Heading { id: Some(id), .. }), _) = &self.events[i] {
            if id.as_ref() == "refs" {
                return true;
            }
        }
        let end = self.end_of(i);
        let text: String = self.events[i + 1..end]
            .iter()
            .filter_map(|(e, _)| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        let text = text.trim().trim_end_matches(['.', ':']).trim();
        text.eq_ignore_ascii_case("references") || text.eq_ignore_ascii_case("bibliography")
    }

    /// Citations used and warnings (including references to labels never defined).
    pub fn finish(mut self) -> (Vec<(String, Loc)>, Vec<Diagnostic>) {
        for (key, loc) in std::mem::take(&mut self.refs) {
            if !self.labels.contains(&label(&key)) {
                self.warnings.push(
                    Diagnostic::warning(Code::Writer, format!("reference to unknown label `{key}`"))
                        .at(loc, "no figure, section, table or equation has this id")
                        .hint("ids are set with {#fig:x} on figures, {#sec:x} on headings, {#tbl:x} on table captions, {#eq:x} after $$…$$"),
                );
            }
        }
        (self.cites, self.warnings)
    }

    /// A front matter value (Markdown, one paragraph) as inline LaTeX.
    pub fn inline_fragment(&mut self, text: &str, line: Option<u32>) -> String {
        let tex = self.fragment(text, line);
        tex.trim().replace("\n\n", " ")
    }

    /// A front matter value (Markdown, paragraphs) as LaTeX blocks.
    pub fn block_fragment(&mut self, text: &str, line: Option<u32>) -> String {
        self.fragment(text, line).trim().to_string()
    }

    fn fragment(&mut self, text: &str, line: Option<u32>) -> String {
        let events: Vec<Ev> =
            Parser::new_ext(text, options()).into_offset_iter().map(|(e, r)| (e.into_static(), r)).collect();
        let span = line.map(|l| self.line_span(l)).unwrap_or(0..0);
        self.render_events(events, Some(span), line)
    }

    /// Renders `events` on their own (a caption, a cell, a fragment) and returns the text.
    pub(super) fn render_events(&mut self, events: Vec<Ev>, loc: Option<Range<usize>>, line: Option<u32>) -> String {
        // Pending text belongs to the enclosing output.
        self.flush();
        let saved_events = std::mem::replace(&mut self.events, events);
        let inherited = loc.or_else(|| self.loc_override.clone());
        let saved_loc = std::mem::replace(&mut self.loc_override, inherited);
        let saved_out = std::mem::take(&mut self.out);
        self.out.cur = line;
        self.run(0, self.events.len());
        self.flush();
        let out = std::mem::replace(&mut self.out, saved_out);
        self.events = saved_events;
        self.loc_override = saved_loc;
        out.text
    }

    /// Renders events `lo..hi` of the current list into a string.
    pub(super) fn render_range(&mut self, lo: usize, hi: usize) -> String {
        let events = self.events[lo..hi].to_vec();
        let line = self.events.get(lo).map(|(_, r)| self.line(r.start));
        self.render_events(events, None, line)
    }

    /// The `\author{..}` argument: names joined by `\and`, each with its affiliation and
    /// e-mail on lines of their own.
    pub fn authors(&self, authors: &[Author]) -> String {
        let one = |a: &Author| {
            let mut s = escape(&a.name);
            if let Some(aff) = &a.affiliation {
                s.push_str(&format!("\\\\\n{{\\small {}}}", escape(aff)));
            }
            if let Some(mail) = &a.email {
                s.push_str(&format!(
                    "\\\\\n{{\\small\\href{{mailto:{}}}{{\\texttt{{{}}}}}}}",
                    escape_url(mail),
                    escape(mail)
                ));
            }
            s
        };
        authors.iter().map(one).collect::<Vec<_>>().join("\n\\and\n")
    }

    fn collect_footnotes(&mut self) {
        let mut i = 0;
        while i < self.events.len() {
            if let (Event::Start(Tag::FootnoteDefinition(name)), _) = &self.events[i] {
                let end = self.end_of(i);
                self.footnotes.insert(name.to_string(), (i + 1, end));
                i = end;
            }
            i += 1;
        }
    }

    /// Writes events `lo..hi`.
    pub(super) fn run(&mut self, lo: usize, hi: usize) {
        let mut i = lo;
        while i < hi {
            let (event, range) = self.events[i].clone();
            if !matches!(event, Event::Text(_) | Event::SoftBreak) {
                self.flush();
            }
            i = match event {
                Event::Start(tag) => self.start(tag, i, range),
                Event::End(tag) => {
                    self.end(tag);
                    i + 1
                }
                Event::Text(t) => {
                    self.push_text(&t, range);
                    i + 1
                }
                Event::SoftBreak => {
                    self.push_text("\n", range.clone());
                    self.text_lines.push(self.line(range.start) + 1);
                    i + 1
                }
                Event::HardBreak => {
                    self.out.push("\\\\\n");
                    i + 1
                }
                Event::Code(t) => {
                    self.set_line(&range);
                    let next_is_raw = matches!(self.events.get(i + 1), Some((Event::Text(n), _)) if n.starts_with("{=latex}") || n.starts_with("{=tex}"));
                    if next_is_raw {
                        self.out.push(&t);
                        self.strip_raw_attr = true;
                    } else {
                        self.out.push(&format!("\\texttt{{{}}}", escape(&t)));
                    }
                    i + 1
                }
                Event::InlineMath(m) => {
                    self.set_line(&range);
                    self.out.push(&format!("${m}$"));
                    i + 1
                }
                Event::DisplayMath(m) => {
                    self.pending_math = Some((m.to_string(), range));
                    i + 1
                }
                Event::FootnoteReference(name) => {
                    self.footnote(&name, range);
                    i + 1
                }
                Event::Rule => {
                    self.out.blank_line();
                    self.set_line(&range);
                    self.out.push("\\begin{center}\\rule{0.5\\linewidth}{0.4pt}\\end{center}\n\n");
                    i + 1
                }
                Event::Html(h) | Event::InlineHtml(h) => {
                    self.html(&h, range);
                    i + 1
                }
                Event::TaskListMarker(done) => {
                    self.out.push(if done { "$\\boxtimes$ " } else { "$\\square$ " });
                    i + 1
                }
            };
        }
    }

    fn start(&mut self, tag: Tag<'static>, i: usize, range: Range<usize>) -> usize {
        match tag {
            Tag::Paragraph => {
                if let Some(next) = self.special_paragraph(i) {
                    return next;
                }
                self.out.blank_line();
                self.set_line(&range);
            }
            Tag::Heading { level, id, classes, attrs } => {
                self.out.blank_line();
                self.set_line(&range);
                // pandoc's `{-}` shorthand for `{.unnumbered}` (pulldown-cmark drops it).
                let src =
                    if self.loc_override.is_none() { self.file.text.get(range.clone()).unwrap_or("") } else { "" };
                let shorthand = src
                    .trim_end()
                    .strip_suffix('}')
                    .and_then(|s| s.rsplit_once('{'))
                    .is_some_and(|(_, inner)| inner.split_whitespace().any(|w| w == "-"));
                let star = shorthand
                    || classes.iter().any(|c| c.as_ref() == "unnumbered")
                    || attrs.iter().any(|(k, _)| k.as_ref() == "-" || k.as_ref() == "unnumbered");
                let cmd = match level {
                    HeadingLevel::H1 => "section",
                    HeadingLevel::H2 => "subsection",
                    HeadingLevel::H3 => "subsubsection",
                    HeadingLevel::H4 => "paragraph",
                    _ => "subparagraph",
                };
                self.out.push(&format!("\\{cmd}{}{{", if star { "*" } else { "" }));
                self.heading.push((id.map(|s| s.to_string()).unwrap_or_default(), range.clone()));
            }
            Tag::BlockQuote(_) => {
                self.quote_depth += 1;
                self.out.blank_line();
                self.set_line(&range);
                self.out.push("\\begin{quote}\n");
            }
            Tag::CodeBlock(kind) => return self.code_block(kind, i, range),
            Tag::HtmlBlock => {
                let end = self.end_of(i);
                let html: String = self.events[i + 1..end]
                    .iter()
                    .filter_map(|(e, _)| match e {
                        Event::Html(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                self.html(&html, range);
                return end + 1;
            }
            Tag::List(start) => {
                self.out.newline();
                self.set_line(&range);
                match start {
                    Some(n) => {
                        self.enum_depth += 1;
                        self.out.push("\\begin{enumerate}\n");
                        if n != 1 && self.enum_depth <= 4 {
                            let counter = ["i", "ii", "iii", "iv"][self.enum_depth - 1];
                            self.out.push(&format!("\\setcounter{{enum{counter}}}{{{}}}\n", n as i64 - 1));
                        }
                    }
                    None => self.out.push("\\begin{itemize}\n"),
                }
                self.lists.push(start.is_some());
            }
            Tag::Item => {
                self.out.newline();
                self.set_line(&range);
                self.out.push("\\item ");
            }
            Tag::FootnoteDefinition(_) => return self.end_of(i) + 1,
            Tag::Table(_) => return self.table(i),
            Tag::TableHead | Tag::TableRow | Tag::TableCell => {}
            Tag::Emphasis => self.out.push("\\emph{"),
            Tag::Strong => self.out.push("\\textbf{"),
            Tag::Strikethrough => {
                let d = Diagnostic::warning(Code::Writer, "strikethrough is printed as plain text in LaTeX")
                    .at(self.loc(range), "here")
                    .hint("the standard TeX packages have no strike-out that works in every engine");
                self.warn_once("strike", d);
                self.out.push("{");
            }
            Tag::Link { link_type, dest_url, .. } => {
                let end = self.end_of(i);
                match link_type {
                    LinkType::Autolink => {
                        self.out.push(&format!("\\url{{{}}}", escape_url(&dest_url)));
                        return end + 1;
                    }
                    LinkType::Email => {
                        let addr = dest_url.trim_start_matches("mailto:");
                        self.out.push(&format!("\\href{{mailto:{}}}{{{}}}", escape_url(addr), escape(addr)));
                        return end + 1;
                    }
                    _ if dest_url.starts_with('#') => {
                        self.out.push(&format!("\\hyperref[{}]{{", label(&dest_url[1..])));
                    }
                    _ => self.out.push(&format!("\\href{{{}}}{{", escape_url(&dest_url))),
                }
            }
            Tag::Image { dest_url, .. } => return self.inline_image(i, &dest_url, range),
            Tag::MetadataBlock(_) => return self.end_of(i) + 1,
            _ => {}
        }
        i + 1
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.out.blank_line(),
            TagEnd::Heading(_) => {
                self.out.push("}");
                let mut references = false;
                if let Some((id, at)) = self.heading.pop() {
                    references = self.references_heading == Some(at.start);
                    if !id.is_empty() {
                        self.define_label(&id, at);
                        self.out.push(&format!("\\label{{{}}}", label(&id)));
                    }
                }
                if references {
                    // natbib's `\bibsection` is the bibliography's heading; this one replaces it.
                    self.out.push("\n\\providecommand{\\bibsection}{}\\renewcommand{\\bibsection}{}");
                }
                self.out.push("\n\n");
            }
            TagEnd::BlockQuote(_) => {
                self.quote_depth = self.quote_depth.saturating_sub(1);
                self.out.trim_end();
                self.out.push("\n\\end{quote}\n\n");
            }
            TagEnd::List(_) => {
                let ordered = self.lists.pop().unwrap_or(false);
                self.out.trim_end();
                self.out.newline();
                if ordered {
                    self.enum_depth = self.enum_depth.saturating_sub(1);
                    self.out.push("\\end{enumerate}\n");
                } else {
                    self.out.push("\\end{itemize}\n");
                }
                if self.lists.is_empty() {
                    self.out.push("\n");
                }
            }
            TagEnd::Item => {
                self.out.trim_end();
                self.out.newline();
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link => self.out.push("}"),
            _ => {}
        }
    }

    /// Buffers running text (so citations split over several events are seen whole).
    fn push_text(&mut self, t: &str, range: Range<usize>) {
        let mut t = t;
        if std::mem::take(&mut self.strip_raw_attr) {
            t = t.strip_prefix("{=latex}").or_else(|| t.strip_prefix("{=tex}")).unwrap_or(t);
        }
        if let Some((math, mrange)) = self.pending_math.take() {
            let trimmed = t.trim_start();
            let eq = trimmed.strip_prefix("{#").and_then(|r| r.find('}').map(|c| (&r[..c], &r[c + 1..])));
            match eq {
                Some((id, rest)) if id.starts_with("eq:") && !id.contains(char::is_whitespace) => {
                    self.display_math(&math, mrange, Some(id));
                    t = rest;
                }
                _ => self.display_math(&math, mrange, None),
            }
        }
        if t.is_empty() {
            return;
        }
        if self.text.is_empty() {
            self.text_lines.clear();
            self.text_lines.push(self.line(range.start));
        }
        self.segs.push((self.text.len(), range.start));
        // An escaped backslash (`\\`) is text, never the start of a raw command;
        // pulldown-cmark starts the text event at the second backslash.
        let src = self.file.text.as_bytes();
        let escaped = t.starts_with('\\')
            && self.loc_override.is_none()
            && range.start > 0
            && src.get(range.start - 1..=range.start) == Some(b"\\\\".as_slice());
        if escaped {
            self.text.push(super::escape::LITERAL_BACKSLASH);
            self.text.push_str(&t[1..]);
        } else {
            self.text.push_str(t);
        }
    }

    /// Writes buffered text and any display math waiting for its label.
    pub(super) fn flush(&mut self) {
        if let Some((math, range)) = self.pending_math.take() {
            self.display_math(&math, range, None);
        }
        if self.text.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.text);
        let segs = std::mem::take(&mut self.segs);
        let lines = std::mem::take(&mut self.text_lines);
        let r = inline::render(&text);
        let src = |pos: usize| {
            let (tpos, spos) = segs.iter().rev().find(|(t, _)| *t <= pos).copied().unwrap_or((0, 0));
            spos + (pos - tpos)
        };
        for (key, pos) in r.cites {
            let at = src(pos);
            let loc = self.loc(at..at + key.len() + 1);
            self.cites.push((key, loc));
        }
        // pulldown-cmark leaves a reference to an undefined footnote as text.
        let mut from = 0;
        while let Some(open) = text[from..].find("[^").map(|o| from + o) {
            let Some(close) = text[open..].find(']').map(|c| open + c) else { break };
            let name = &text[open + 2..close];
            if !name.is_empty() && !name.contains(char::is_whitespace) {
                let at = src(open);
                self.warnings.push(
                    Diagnostic::warning(Code::Writer, format!("footnote `[^{name}]` is not defined"))
                        .at(self.loc(at..at + close + 1 - open), "used here")
                        .hint(format!("define it on a line of its own: [^{name}]: text")),
                );
            }
            from = close;
        }
        for (key, pos) in r.refs {
            let at = src(pos);
            let loc = self.loc(at..at + key.len() + 1);
            self.refs.push((key, loc));
        }
        for (k, piece) in r.tex.split('\n').enumerate() {
            if k > 0 {
                self.out.push("\n");
            }
            if self.loc_override.is_none() {
                self.out.cur = lines.get(k).or(lines.last()).copied().or(self.out.cur);
            }
            self.out.push(piece);
        }
    }
}

mod position;
