//! Floats: paperfig figure blocks, image figures and PDF-extract links → `figure`
//! environments; GFM tables → booktabs `tabular` in a `table` with a caption; raw LaTeX
//! paragraphs (`\begin{env} … \end{env}`) passed through.

use std::ops::Range;
use std::path::PathBuf;

use pulldown_cmark::{Alignment, Event, Tag, TagEnd};

use super::blocks::{Ev, Writer};
use super::escape::{escape, label};
use super::{relative_to, tex_path};
use crate::diag::{Code, Diagnostic};
use crate::scan::Directive;
use crate::scan::attrs::parse_pandoc;

/// What a figure shows.
enum Graphic {
    File(PathBuf),
    /// Not available: the text of the placeholder box.
    Missing(String),
}

struct FigureSpec {
    /// Where the figure is written.
    at: Range<usize>,
    graphic: Graphic,
    caption: String,
    /// Alt text for `\includegraphics[alt=…]` (graphicx's key for tagged PDF).
    alt: Option<String>,
    label: Option<String>,
    width: Option<String>,
    wide: bool,
    placement: String,
}

impl Writer<'_> {
    /// Handles a paragraph that is not running text: a table caption, a lone image (a
    /// figure), raw LaTeX. Returns the index after it, or `None` for a normal paragraph.
    pub(super) fn special_paragraph(&mut self, i: usize) -> Option<usize> {
        let end = self.end_of(i);
        if self.is_table_caption(i) && matches!(self.events.get(end + 1), Some((Event::Start(Tag::Table(_)), _))) {
            self.table_caption = Some((i, end));
            return Some(end + 1);
        }
        let range = self.events[i].1.clone();
        let source = self.source(&range).trim();
        if source.starts_with("\\begin{") && source.ends_with('}') && source.contains("\\end{") {
            self.raw_paragraph(i, end);
            return Some(end + 1);
        }
        if let Some((Event::Start(Tag::Image { dest_url, .. }), img_range)) = self.events.get(i + 1).cloned() {
            let img_end = self.end_of(i + 1);
            let rest_is_attrs = self.events[img_end + 1..end].iter().all(|(e, _)| match e {
                Event::Text(t) => t.trim().is_empty() || t.trim().starts_with('{') || t.trim().ends_with('}'),
                Event::SoftBreak => true,
                _ => false,
            });
            if rest_is_attrs && self.loc_override.is_none() {
                self.image_figure(i + 1, img_end, &dest_url, img_range);
                return Some(end + 1);
            }
        }
        None
    }

    /// The Markdown source of a range of the parsed text.
    fn source(&self, range: &Range<usize>) -> &str {
        let text = &self.file.text;
        if self.loc_override.is_none() && range.end <= text.len() { &text[range.clone()] } else { "" }
    }

    fn is_table_caption(&self, i: usize) -> bool {
        matches!(self.events.get(i + 1), Some((Event::Text(t), _)) if t.starts_with("Table:") || t.starts_with(": "))
    }

    fn raw_paragraph(&mut self, i: usize, _end: usize) {
        let range = self.events[i].1.clone();
        let src = self.source(&range).trim_end().to_string();
        for part in src.split("\\label{").skip(1) {
            if let Some(c) = part.find('}') {
                self.labels.insert(label(&part[..c]));
            }
        }
        self.out.blank_line();
        let line = self.line(range.start);
        self.out.push_lines(&src, line);
        self.out.push("\n\n");
    }

    /// A paperfig block: the directive's figure.
    pub(super) fn paperfig_block(&mut self, range: Range<usize>) {
        let Some(d) = self.directives.get(&range.start).copied() else {
            // The scanner reported this block's error; leave a visible box.
            self.set_line(&range);
            self.figure(FigureSpec {
                at: range.clone(),
                graphic: Graphic::Missing("figure block with errors: see \\texttt{paperfig gen}".into()),
                caption: String::new(),
                alt: None,
                label: None,
                width: None,
                wide: false,
                placement: "tbp".into(),
            });
            return;
        };
        self.set_line(&range);
        let caption = match &d.caption {
            Some(c) => {
                let at = d.attr("caption").map(|a| a.value_span.clone()).unwrap_or(d.head.span.clone());
                let line = Some(self.line(range.start));
                let events = caption_events(c);
                self.render_events(events, Some(at), line).trim().to_string()
            }
            None => self.title_caption(d),
        };
        let graphic = match (self.figure_file)(d) {
            Some(path) => Graphic::File(path),
            None => self.not_available(d, "generated"),
        };
        let wide = d.attr("size").is_some_and(|a| a.value == "wide") || d.classes.iter().any(|c| c == "wide");
        let width = d.attr("width").map(|a| a.value.clone());
        let placement = d.attr("placement").map_or("tbp".to_string(), |a| a.value.clone());
        self.set_line(&range);
        self.figure(FigureSpec {
            at: d.head.span.clone(),
            graphic,
            caption,
            alt: self.alt_text(d),
            label: d.label.clone(),
            width,
            wide,
            placement,
        });
    }

    /// `![caption](path){#fig:x width=50%}` alone in a paragraph (`lo` is the image start).
    fn image_figure(&mut self, lo: usize, hi: usize, dest: &str, range: Range<usize>) {
        let caption = self.render_range(lo + 1, hi).trim().to_string();
        // Attributes right after the image, as the scanner reads them.
        let text = &self.file.text;
        let mut attrs = crate::scan::attrs::AttrList::default();
        if let Some(rest) = text.get(range.end..).and_then(|r| r.strip_prefix('{')) {
            if let Some(close) = rest.find('}').filter(|&c| !rest[..c].contains('\n')) {
                match parse_pandoc(&rest[..close], range.end + 1) {
                    Ok((_, a)) => attrs = a,
                    Err(e) => self.warnings.push(
                        Diagnostic::warning(Code::Writer, format!("image attributes ignored: {}", e.message))
                            .at(self.loc(e.span.start..e.span.end), e.label)
                            .hint(e.hint),
                    ),
                }
            }
        }
        self.set_line(&range);
        let directive = self.directives.get(&range.start).copied();
        let graphic = match directive {
            Some(d) => match (self.figure_file)(d) {
                Some(p) => Graphic::File(p),
                None => self.not_available(d, "extracted"),
            },
            None => self.image_file(dest, range.clone()),
        };
        let label = directive.and_then(|d| d.label.clone()).or_else(|| attrs.id.as_ref().map(|(id, _)| id.clone()));
        let width = attrs.get("width").map(|a| a.value.clone());
        let wide = attrs.classes.iter().any(|c| c == "wide") || attrs.get("size").is_some_and(|a| a.value == "wide");
        let placement = attrs.get("placement").map_or("tbp".to_string(), |a| a.value.clone());
        let caption = match directive {
            Some(d) if caption.is_empty() => self.title_caption(d),
            _ => caption,
        };
        let alt = directive.and_then(|d| self.alt_text(d));
        self.figure(FigureSpec { at: range.clone(), graphic, caption, alt, label, width, wide, placement });
    }

    /// The caption of a figure whose directive has none: the title its service found, as
    /// escaped LaTeX; empty without one.
    fn title_caption(&self, d: &Directive) -> String {
        self.notes.get(&d.name).and_then(crate::plan::extract::title_caption).map(|t| escape(&t)).unwrap_or_default()
    }

    /// A figure's alt text (its service's description), escaped for a key value.
    fn alt_text(&self, d: &Directive) -> Option<String> {
        let alt = self.notes.get(&d.name)?.get(crate::model::note::ALT)?;
        Some(escape(&alt.split_whitespace().collect::<Vec<_>>().join(" ")))
    }

    /// The placeholder of a figure that has no file: why its build failed, else that it is
    /// not `made` yet.
    fn not_available(&self, d: &Directive, made: &str) -> Graphic {
        let name = escape(&d.name);
        Graphic::Missing(match self.failed.get(&d.name) {
            Some(reason) => format!(
                "Figure \\texttt{{{name}}} failed to build:\\\\ {}\\\\ fix it and run \\texttt{{paperfig gen}}",
                crate::emit::reason_tex(reason)
            ),
            None => format!("Figure \\texttt{{{name}}} is not {made} yet:\\\\ run \\texttt{{paperfig gen}}"),
        })
    }

    /// An image inside running text: included at the text's height.
    pub(super) fn inline_image(&mut self, i: usize, dest: &str, range: Range<usize>) -> usize {
        let end = self.end_of(i);
        match self.image_file(dest, range) {
            Graphic::File(p) => {
                let path = tex_path(&relative_to(&p, self.out_dir));
                self.out.push(&format!("\\includegraphics[height=1em]{{{path}}}"));
            }
            Graphic::Missing(_) => self.out.push("\\fbox{?}"),
        }
        end + 1
    }

    /// The file for an image link: relative to the Markdown file; an SVG is replaced by a
    /// PDF or PNG beside it.
    fn image_file(&mut self, dest: &str, range: Range<usize>) -> Graphic {
        if dest.contains("://") {
            self.warnings.push(
                Diagnostic::warning(Code::Writer, format!("remote image `{dest}` cannot be included offline"))
                    .at(self.loc(range), "here")
                    .hint("download the image next to the paper and link the local file"),
            );
            return Graphic::Missing(format!("remote image: \\url{{{}}}", super::escape::escape_url(dest)));
        }
        let path = self.src_dir.join(dest);
        let is_svg = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        let candidates: Vec<PathBuf> =
            if is_svg { vec![path.with_extension("pdf"), path.with_extension("png")] } else { vec![path.clone()] };
        if let Some(found) = candidates.into_iter().find(|p| p.is_file()) {
            return Graphic::File(found);
        }
        let hint = if is_svg {
            "LaTeX cannot include SVG: put a PDF or PNG of the same name beside it".to_string()
        } else {
            format!("looked for {}; image paths are relative to the Markdown file", path.display())
        };
        self.warnings.push(
            Diagnostic::warning(Code::Writer, format!("image `{dest}` not found"))
                .at(self.loc(range), "linked here")
                .hint(hint),
        );
        Graphic::Missing(format!("image not found: \\texttt{{{}}}", escape(dest)))
    }

    fn figure(&mut self, f: FigureSpec) {
        let in_place = self.no_floats_here();
        let env = if in_place {
            "center"
        } else if f.wide {
            "figure*"
        } else {
            "figure"
        };
        let placement: String = f.placement.chars().filter(|c| "htbpH!".contains(*c)).collect();
        self.out.blank_line();
        if in_place {
            self.out.push("\\begin{center}\n");
        } else {
            self.out.push(&format!("\\begin{{{env}}}[{placement}]\n\\centering\n"));
        }
        let width = f.width.as_deref().and_then(tex_width);
        match f.graphic {
            Graphic::File(p) => {
                let path = tex_path(&relative_to(&p, self.out_dir));
                let alt = f.alt.as_deref().map(|a| format!("alt={{{a}}}"));
                match width {
                    Some(w) => {
                        let keys = [Some(format!("width={w}")), alt].into_iter().flatten().collect::<Vec<_>>();
                        self.out.push(&format!("\\includegraphics[{}]{{{path}}}\n", keys.join(",")))
                    }
                    // Natural size (figures are drawn at their final size), at most the line.
                    None => {
                        let keys = alt.map(|a| format!("[{a}]")).unwrap_or_default();
                        self.out.push(&format!(
                            "\\sbox0{{\\includegraphics{keys}{{{path}}}}}\\ifdim\\wd0>\\linewidth\\resizebox{{\\linewidth}}{{!}}{{\\usebox0}}\\else\\usebox0\\fi\n"
                        ))
                    }
                }
            }
            Graphic::Missing(text) => self.out.push(&format!(
                "\\fbox{{\\parbox[c][0.35\\linewidth][c]{{0.9\\linewidth}}{{\\centering\\small {text}}}}}\n"
            )),
        }
        if !f.caption.is_empty() || f.label.is_some() {
            let cmd = if in_place { "\\captionof{figure}" } else { "\\caption" };
            self.out.push(&format!("{cmd}{{{}}}", f.caption));
        }
        if let Some(id) = &f.label {
            self.define_label(id, f.at.clone());
            self.out.push(&format!("\\label{{{}}}", label(id)));
        }
        self.out.newline();
        self.out.push(&format!("\\end{{{env}}}\n\n"));
    }

    /// A GFM table at `i` → booktabs, in a `table` float when it has a caption.
    pub(super) fn table(&mut self, i: usize) -> usize {
        let end = self.end_of(i);
        let Event::Start(Tag::Table(aligns)) = self.events[i].0.clone() else { return end + 1 };
        // Caption: a `Table: …` paragraph just before (remembered) or just after.
        let mut next = end + 1;
        let mut caption = self.table_caption.take();
        if caption.is_none()
            && matches!(self.events.get(end + 1), Some((Event::Start(Tag::Paragraph), _)))
            && self.is_table_caption(end + 1)
        {
            let cap_end = self.end_of(end + 1);
            caption = Some((end + 1, cap_end));
            next = cap_end + 1;
        }
        let table_at = caption.map_or_else(|| self.events[i].1.clone(), |(lo, _)| self.events[lo].1.clone());
        let (caption_tex, id, wide) = match caption {
            Some((lo, hi)) => self.table_caption_tex(lo, hi),
            None => (String::new(), None, false),
        };
        // Rows: (is head, line, cells).
        let mut rows: Vec<(bool, u32, Vec<String>)> = Vec::new();
        let mut in_head = false;
        let mut k = i + 1;
        while k < end {
            let (e, r) = self.events[k].clone();
            match e {
                Event::Start(Tag::TableHead) => {
                    in_head = true;
                    rows.push((true, self.line(r.start), Vec::new()));
                }
                Event::End(TagEnd::TableHead) => in_head = false,
                Event::Start(Tag::TableRow) => rows.push((in_head, self.line(r.start), Vec::new())),
                Event::Start(Tag::TableCell) => {
                    let cell_end = self.end_of(k);
                    let tex = self.render_range(k + 1, cell_end).trim().replace('\n', " ");
                    if let Some(row) = rows.last_mut() {
                        row.2.push(tex);
                    }
                    k = cell_end;
                }
                _ => {}
            }
            k += 1;
        }
        let cols = column_spec(&aligns, &rows);
        let captioned = !caption_tex.is_empty() || id.is_some();
        let float = captioned && !self.no_floats_here();
        let env = if wide { "table*" } else { "table" };
        self.out.blank_line();
        self.set_line(&self.events[i].1.clone());
        if !float {
            self.out.push("\\begin{center}\n");
        }
        if captioned {
            if float {
                self.out.push(&format!("\\begin{{{env}}}[tbp]\n\\centering\n\\caption{{{caption_tex}}}"));
            } else {
                self.out.push(&format!("\\captionof{{table}}{{{caption_tex}}}"));
            }
            if let Some(id) = &id {
                self.define_label(id, table_at.clone());
                self.out.push(&format!("\\label{{{}}}", label(id)));
            }
            self.out.push("\n");
        }
        // A table wider than the column is scaled down to fit it.
        self.out.push(&format!("\\sbox0{{\\begin{{tabular}}{{{cols}}}\n\\toprule\n"));
        let mut was_head = false;
        for (head, line, cells) in rows {
            if was_head && !head {
                self.out.push("\\midrule\n");
            }
            was_head = head;
            self.out.cur = Some(line);
            self.out.push(&format!("{} \\\\\n", cells.join(" & ")));
        }
        self.out.push("\\bottomrule\n\\end{tabular}}%\n");
        self.out.push("\\ifdim\\wd0>\\linewidth\\resizebox{\\linewidth}{!}{\\usebox0}\\else\\usebox0\\fi\n");
        let close = if float { format!("\\end{{{env}}}\n\n") } else { "\\end{center}\n\n".to_string() };
        self.out.push(&close);
        next
    }

    /// The caption paragraph's content without `Table:` and the trailing `{#tbl:id .wide}`.
    fn table_caption_tex(&mut self, lo: usize, hi: usize) -> (String, Option<String>, bool) {
        let range = self.events[lo].1.clone();
        let src = self.source(&range).trim_end().to_string();
        let mut id = None;
        let mut wide = false;
        let mut strip_back = 0;
        if src.ends_with('}') {
            if let Some(open) = src.rfind('{') {
                let inner = &src[open + 1..src.len() - 1];
                if inner.split_whitespace().all(|w| w.starts_with('#') || w.starts_with('.')) {
                    for w in inner.split_whitespace() {
                        match w.strip_prefix('#') {
                            Some(i) => id = Some(i.to_string()),
                            None => wide |= w == ".wide",
                        }
                    }
                    strip_back = src.len() - open;
                }
            }
        }
        let mut events: Vec<Ev> = self.events[lo + 1..hi].to_vec();
        let front = match &events.first() {
            Some((Event::Text(t), _)) if t.starts_with("Table:") => "Table:".len(),
            _ => 1,
        };
        strip_text(&mut events, front, strip_back);
        let tex = self.render_events(events, None, Some(self.line(range.start)));
        (tex.trim().to_string(), id, wide)
    }
}

/// Text columns longer than this (in characters, roughly) are set as paragraphs.
const LONG_CELL: usize = 40;

/// The `tabular` column spec: `l`/`c`/`r` from the alignment row; a table whose text is
/// too long for one line gets paragraph columns (`p{..}`) for its long columns, sharing
/// the line by their length, so it wraps instead of being scaled down.
fn column_spec(aligns: &[Alignment], rows: &[(bool, u32, Vec<String>)]) -> String {
    let visible = |tex: &str| {
        // Rough printed length: characters outside control words.
        let mut n = 0;
        let mut in_cmd = false;
        for c in tex.chars() {
            if c == '\\' {
                in_cmd = true;
            } else if in_cmd && c.is_ascii_alphabetic() {
                continue;
            } else {
                in_cmd = false;
                if !matches!(c, '{' | '}') {
                    n += 1;
                }
            }
        }
        n
    };
    let widths: Vec<usize> = (0..aligns.len())
        .map(|c| rows.iter().filter_map(|(_, _, cells)| cells.get(c)).map(|t| visible(t)).max().unwrap_or(0))
        .collect();
    let total: usize = widths.iter().sum();
    let long: usize = widths.iter().filter(|&&w| w > LONG_CELL).sum();
    let wrap = total > 2 * LONG_CELL && long > 0;
    aligns
        .iter()
        .zip(&widths)
        .map(|(a, &w)| {
            if wrap && w > LONG_CELL {
                // The long columns share what the short ones leave of the line.
                let share = 0.95 * (1.0 - (total - long) as f64 / total as f64) * w as f64 / long as f64;
                format!("p{{{:.2}\\linewidth}}", share.max(0.15))
            } else {
                match a {
                    Alignment::Center => "c".into(),
                    Alignment::Right => "r".into(),
                    _ => "l".into(),
                }
            }
        })
        .collect()
}

/// Removes `front` bytes of text from the first text events and `back` from the last.
fn strip_text(events: &mut Vec<Ev>, mut front: usize, mut back: usize) {
    while front > 0 {
        let Some((Event::Text(t), r)) = events.first().cloned() else { break };
        if t.len() <= front {
            front -= t.len();
            events.remove(0);
        } else {
            let Some(rest) = t.get(front..) else { break };
            let rest = rest.trim_start().to_string();
            let skipped = t.len() - rest.len();
            events[0] = (Event::Text(rest.into()), r.start + skipped..r.end);
            front = 0;
        }
    }
    while back > 0 {
        let Some((Event::Text(t), r)) = events.last().cloned() else { break };
        let n = events.len() - 1;
        if t.len() <= back {
            back -= t.len();
            events.pop();
        } else {
            let Some(keep) = t.get(..t.len() - back) else { break };
            let keep = keep.trim_end().to_string();
            events[n] = (Event::Text(keep.into()), r);
            back = 0;
        }
    }
}

/// A caption string (Markdown) as events.
fn caption_events(text: &str) -> Vec<Ev> {
    pulldown_cmark::Parser::new_ext(
        text,
        crate::scan::markdown::options() | pulldown_cmark::Options::ENABLE_SMART_PUNCTUATION,
    )
    .into_offset_iter()
    .map(|(e, r)| (e.into_static(), r))
    .collect()
}

/// A `width=` value as a LaTeX length: `80%` → `0.8\linewidth`, `0.5` → `0.5\linewidth`,
/// `8cm`/`3in`/`.7\textwidth` as written.
pub(super) fn tex_width(w: &str) -> Option<String> {
    let w = w.trim();
    if let Some(p) = w.strip_suffix('%') {
        let v: f64 = p.trim().parse().ok()?;
        return Some(format!("{}\\linewidth", v / 100.0));
    }
    if let Ok(v) = w.parse::<f64>() {
        return Some(format!("{v}\\linewidth"));
    }
    let num_end = w.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(w.len());
    let unit = &w[num_end..];
    let ok_unit = ["cm", "mm", "in", "pt", "bp", "em", "ex", "pc"].contains(&unit)
        || ["\\linewidth", "\\textwidth", "\\columnwidth"].contains(&unit);
    (num_end > 0 || unit.starts_with('\\')).then_some(()).filter(|_| ok_unit).map(|_| w.to_string())
}
