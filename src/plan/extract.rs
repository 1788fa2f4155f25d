//! Planning `kind=extract` figures: finding the PDF a directive names and the provenance
//! line its caption gets.
//!
//! The PDF comes from `pdf=` (a path relative to the source file, `path.pdf#figure=N`) or
//! from `cite=KEY` (`cite:KEY#figure=N`, `\paperfigextract[figure=N]{KEY}{…}`):
//! 1. the `file` field of KEY's entry in the bibliography, where the `.bib` files are
//!    `[extract] bibliography` if set, else those named by the source's front matter
//!    (`bibliography:`), else every `.bib` file in the project; paths in `file` are
//!    relative to the `.bib` file's folder (or else the project root);
//! 2. else `<[extract] pdf_dir>/KEY.pdf`.
//!
//! The PDF's contents become `Request::files["pdf"]`, whatever provider makes the figure;
//! its path, the citation key and `provenance=` never reach the request.

use std::path::{Path, PathBuf};

use super::digests::Fingerprint;
use super::files::{FileCache, read_input};
use crate::bib;
use crate::config::Config;
use crate::diag::{Code, Diagnostic};
use crate::model::{InputFile, Notes};
use crate::scan::Directive;

/// Attributes of extract figures that are references or presentation, never inputs.
pub const NOT_INPUTS: &[&str] = &["cite", "pdf", "provenance"];

/// Folders never searched for `.bib` files.
const SKIP_DIRS: &[&str] = &["target", "node_modules", "build", "book"];

/// The PDF the directive names, read.
pub(super) fn resolve_pdf(
    root: &Path,
    config: &Config,
    d: &Directive,
    files: &mut FileCache,
) -> Result<InputFile, Diagnostic> {
    if let Some(a) = d.attr("pdf") {
        return read_input(root, d, "pdf", &a.value, files);
    }
    let Some(key) = d.attr("cite").map(|a| a.value.trim().to_string()) else {
        return Err(Diagnostic::error(Code::Plan, "extract figure names no PDF")
            .at(d.head.clone(), "from which PDF?")
            .hint("use cite:KEY#figure=N, path/to.pdf#figure=N, or the attributes cite= or pdf="));
    };
    let loc = d.attr_loc("cite");
    let bibs = bib_files(root, config, d);
    let shown = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
    let mut entry_without_file = None;
    for bib_path in &bibs {
        let Ok(bytes) = crate::fsutil::read_regular(bib_path) else { continue };
        // .bib files are often Latin-1; keys and file paths are ASCII in practice.
        let text = String::from_utf8_lossy(&bytes);
        let Some(entry) = bib::parse(&text).into_iter().find(|e| e.key == key) else { continue };
        let Some(file) = entry.fields.get("file").and_then(|f| bib::pdf_path(f)) else {
            entry_without_file.get_or_insert_with(|| shown(bib_path));
            continue;
        };
        let dir = bib_path.parent().unwrap_or(root);
        let candidates = [dir.join(&file), root.join(&file)];
        let Some(found) = candidates.iter().find(|p| p.is_file()) else {
            return Err(Diagnostic::error(Code::Plan, format!("the PDF of `{key}` is missing: no file `{file}`"))
                .at(loc, "this citation")
                .hint(format!(
                    "the `file` field of `{key}` in {} names it; paths are relative to that .bib file's folder",
                    shown(bib_path)
                )));
        };
        return read_pdf(found, &files.canonical_root.clone(), files).map_err(|why| {
            Diagnostic::error(Code::Plan, format!("cannot use the PDF of `{key}` (`{file}`): {why}"))
                .at(loc.clone(), "this citation")
                .hint("PDFs must be inside the project folder; copy the file into it and fix the `file` field")
        });
    }
    if let Some(dir) = &config.extract.pdf_dir {
        let path = dir.join(format!("{key}.pdf"));
        if path.is_file() {
            return read_pdf(&path, &files.canonical_root.clone(), files).map_err(|why| {
                Diagnostic::error(Code::Plan, format!("cannot use `{}`: {why}", shown(&path)))
                    .at(loc.clone(), "this citation")
            });
        }
    }
    let searched = if bibs.is_empty() {
        "no .bib file was found".to_string()
    } else {
        format!("searched {}", bibs.iter().map(|p| shown(p)).collect::<Vec<_>>().join(", "))
    };
    let message = match &entry_without_file {
        Some(bib) => format!("citation `{key}` has no PDF: its entry in {bib} has no `file` field"),
        None => format!("no PDF for citation `{key}`: it is in no bibliography ({searched})"),
    };
    let pdf_dir_hint = match &config.extract.pdf_dir {
        Some(dir) => format!("put {key}.pdf in {}", shown(dir)),
        None => format!("set [extract] pdf_dir in paperfig.toml to a folder holding {key}.pdf"),
    };
    Err(Diagnostic::error(Code::Plan, message)
        .at(loc, "this citation")
        .hint(format!("add `file = {{papers/{key}.pdf}}` to the entry of `{key}`, or {pdf_dir_hint}")))
}

/// Reads a PDF found through the bibliography or `pdf_dir`; it must be inside the project.
fn read_pdf(path: &Path, canonical_root: &Path, files: &mut FileCache) -> Result<InputFile, String> {
    let canonical = path.canonicalize().map_err(|e| e.to_string())?;
    if !canonical.starts_with(canonical_root) {
        return Err("it is outside the project".into());
    }
    files.input(&canonical, Fingerprint::of_file(&canonical), "pdf").map_err(|e| e.to_string())
}

/// The `.bib` files searched for a directive's citation key, in order.
pub fn bib_files(root: &Path, config: &Config, d: &Directive) -> Vec<PathBuf> {
    if let Some(list) = &config.extract.bibliography {
        return list.clone();
    }
    let base = d.loc.file.path.parent().unwrap_or(root);
    let named = front_matter_bibliography(&d.loc.file.text);
    if !named.is_empty() {
        return named.iter().map(|n| base.join(n)).collect();
    }
    let walker = walkdir::WalkDir::new(root).sort_by_file_name().into_iter().filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        e.depth() == 0
            || !e.file_type().is_dir()
            || !(name.starts_with('.')
                || SKIP_DIRS.contains(&name.as_ref())
                || e.path() == config.cache_dir
                || e.path() == config.output_dir)
    });
    walker
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x.eq_ignore_ascii_case("bib")))
        .map(|e| e.into_path())
        .collect()
}

/// The `bibliography:` of a Markdown file's YAML front matter: one name, a `[a, b]` list
/// or a `- a` block list. Empty when there is none.
pub fn front_matter_bibliography(text: &str) -> Vec<String> {
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some("---") {
        return Vec::new();
    }
    let clean = |s: &str| s.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
    let mut out = Vec::new();
    let mut in_list = false;
    for line in lines {
        if matches!(line.trim_end(), "---" | "...") {
            break;
        }
        if in_list {
            match line.trim_start().strip_prefix("- ") {
                Some(item) if line.starts_with(' ') || line.starts_with('-') => {
                    out.push(clean(item));
                    continue;
                }
                _ => in_list = false,
            }
        }
        let Some(value) = line.strip_prefix("bibliography:") else { continue };
        let value = value.trim();
        if value.is_empty() {
            in_list = true;
        } else if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            out.extend(inner.split(',').map(clean).filter(|s| !s.is_empty()));
        } else {
            out.push(clean(value));
        }
    }
    out
}

/// The caption to show for a figure: the directive's caption, else the title the service
/// found for it (`notes`, see [`title_caption`]); for extract figures, with a provenance
/// line ("Reproduced from [@KEY], Fig. N.", `\cite{KEY}` in LaTeX sources) unless
/// `provenance=false`. The line is presentation only: it is never part of a request.
pub fn manifest_caption(d: &Directive, notes: &Notes) -> Option<String> {
    let latex = d.loc.file.path.extension().is_some_and(|e| e == "tex" || e == "ltx");
    provenance_caption(d, notes, &|key| if latex { format!("\\cite{{{key}}}") } else { format!("[@{key}]") })
}

/// The caption an mdBook page shows: as [`manifest_caption`], but mdBook has no citation
/// processor, so the cited paper is named by its key in brackets ("[chen2024]").
pub fn book_caption(d: &Directive, notes: &Notes) -> Option<String> {
    provenance_caption(d, notes, &|key| format!("[{key}]"))
}

/// A service's title as a caption: the document's own numbering ("Figure 3.", "Fig. 3:")
/// is dropped, since the paper numbers its figures itself. `None` without a title.
pub fn title_caption(notes: &Notes) -> Option<String> {
    let title = notes.get(crate::model::note::TITLE)?.trim();
    let rest = ["Figure", "Fig."].iter().find_map(|w| title.strip_prefix(w)).map(|r| r.trim_start());
    let digits = rest.map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit()));
    let stripped = match (rest, digits) {
        (Some(r), Some(d)) if d.len() < r.len() && d.starts_with(['.', ':']) => d[1..].trim(),
        _ => title,
    };
    Some(if stripped.is_empty() { title } else { stripped }.to_string())
}

fn provenance_caption(d: &Directive, notes: &Notes, cite: &dyn Fn(&str) -> String) -> Option<String> {
    let caption = match d.caption.clone() {
        Some(c) if !c.trim().is_empty() => Some(c),
        blank => title_caption(notes).or(blank),
    };
    if d.kind != crate::model::Kind::Extract || d.attr("provenance").is_some_and(|a| a.value == "false") {
        return caption;
    }
    let latex = d.loc.file.path.extension().is_some_and(|e| e == "tex" || e == "ltx");
    let source = match (d.attr("cite"), d.attr("pdf")) {
        (Some(c), _) => cite(c.value.trim()),
        (None, Some(p)) => {
            let name = Path::new(&p.value).file_name().map_or(p.value.clone(), |n| n.to_string_lossy().into_owned());
            if latex { format!("\\texttt{{{}}}", name.replace('_', "\\_")) } else { format!("`{name}`") }
        }
        (None, None) => return caption,
    };
    let what = match (d.attr("figure"), d.attr("page")) {
        (Some(f), _) => format!(", Fig. {}", f.value),
        (None, Some(p)) => format!(", p. {}", p.value),
        _ => String::new(),
    };
    let line = format!("Reproduced from {source}{what}.");
    Some(match caption {
        Some(c) if !c.trim().is_empty() => {
            let sep = if c.trim_end().ends_with(['.', '!', '?']) { " " } else { ". " };
            format!("{}{sep}{line}", c.trim_end())
        }
        _ => line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::scan_text;

    fn caption(name: &str, text: &str) -> Option<String> {
        let scan = scan_text(name, text);
        assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
        manifest_caption(&scan.directives[0], &Notes::new())
    }

    #[test]
    fn a_service_title_is_the_caption_of_a_figure_without_one() {
        let notes = |t: &str| Notes::from([(crate::model::note::TITLE.to_string(), t.to_string())]);
        for (title, caption) in [
            ("Figure 1. Evaluation pipeline overview", "Evaluation pipeline overview"),
            ("Fig. 12: Loss curves", "Loss curves"),
            ("Figure 3", "Figure 3"),
            ("Figures of merit", "Figures of merit"),
            ("  Attention maps ", "Attention maps"),
        ] {
            assert_eq!(title_caption(&notes(title)).as_deref(), Some(caption), "{title}");
        }
        assert_eq!(title_caption(&Notes::new()), None);
        let scan = scan_text("ch.md", "![](papers/rel.pdf#figure=1)\n");
        let d = &scan.directives[0];
        assert_eq!(
            manifest_caption(d, &notes("Figure 1. Overview")).unwrap(),
            "Overview. Reproduced from `rel.pdf`, Fig. 1."
        );
        // The directive's own caption wins.
        let scan = scan_text("ch.md", "![Mine](papers/rel.pdf#figure=1)\n");
        assert!(manifest_caption(&scan.directives[0], &notes("Figure 1. Overview")).unwrap().starts_with("Mine."));
        let scan = scan_text("p.md", "```{paperfig #fig:a kind=plot}\nx\n```\n");
        assert_eq!(manifest_caption(&scan.directives[0], &notes("A title")).as_deref(), Some("A title"));
        assert_eq!(manifest_caption(&scan.directives[0], &Notes::new()), None);
    }

    #[test]
    fn books_name_the_cited_key_in_brackets() {
        let scan = scan_text("ch.md", "![Attention maps](cite:vaswani2017#figure=3)\n");
        assert_eq!(
            book_caption(&scan.directives[0], &Notes::new()).unwrap(),
            "Attention maps. Reproduced from [vaswani2017], Fig. 3."
        );
        let scan = scan_text("ch.md", "![](papers/rel.pdf#figure=1)\n");
        assert_eq!(book_caption(&scan.directives[0], &Notes::new()).unwrap(), "Reproduced from `rel.pdf`, Fig. 1.");
    }

    #[test]
    fn provenance_line_per_syntax() {
        assert_eq!(
            caption("p.md", "![Attention maps](cite:vaswani2017#figure=3)\n").unwrap(),
            "Attention maps. Reproduced from [@vaswani2017], Fig. 3."
        );
        assert_eq!(
            caption("p.tex", "\\paperfigextract[figure=2]{he2016}{Residual blocks.}\n").unwrap(),
            "Residual blocks. Reproduced from \\cite{he2016}, Fig. 2."
        );
        assert_eq!(caption("p.md", "![](papers/rel.pdf#figure=1)\n").unwrap(), "Reproduced from `rel.pdf`, Fig. 1.");
        assert_eq!(caption("p.md", "![Maps](cite:k#figure=3&provenance=false)\n").unwrap(), "Maps");
        assert_eq!(
            caption("p.md", "![Maps](cite:k#page=2&bbox=0,0,10,10)\n").unwrap(),
            "Maps. Reproduced from [@k], p. 2."
        );
    }

    #[test]
    fn front_matter_forms() {
        assert_eq!(front_matter_bibliography("---\ntitle: x\nbibliography: refs.bib\n---\n"), ["refs.bib"]);
        assert_eq!(front_matter_bibliography("---\nbibliography: [a.bib, \"b.bib\"]\n---\n"), ["a.bib", "b.bib"]);
        assert_eq!(
            front_matter_bibliography("---\nbibliography:\n  - a.bib\n  - b.bib\ntitle: t\n---\n"),
            ["a.bib", "b.bib"]
        );
        assert!(front_matter_bibliography("# no front matter\nbibliography: x.bib\n").is_empty());
        assert!(front_matter_bibliography("---\ntitle: t\n---\nbibliography: late.bib\n").is_empty());
    }
}
