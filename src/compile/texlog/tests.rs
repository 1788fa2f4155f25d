//! Tests of `texlog.rs`.
use super::*;
use crate::compile::engine::EngineMessage;

fn src(name: &str, text: &str) -> Arc<SourceFile> {
    Arc::new(SourceFile::new(name.into(), format!("/p/{name}").into(), text.into()))
}

/// The line map of a LaTeX paper with one file, its own.
fn map_of(tex: Arc<SourceFile>) -> LineMap {
    LineMap { files: vec![MappedFile { tex, source: None }], citations: vec![], reported_citations: vec![] }
}

fn output(messages: Vec<(Kind, &str)>, log: &str, blg: Option<&str>) -> EngineOutput {
    EngineOutput {
        pdf: None,
        log: log.into(),
        log_path: None,
        blg: blg.map(String::from),
        messages: messages.into_iter().map(|(kind, t)| EngineMessage { kind, text: t.into() }).collect(),
        failure: Some("halted".into()),
        built_format: false,
        refused: Vec::new(),
        synctex: None,
        tex_files: Vec::new(),
        document_reads: None,
    }
}

#[test]
fn parses_location_message_and_context() {
    let e = parse_error("paper.tex:5: Undefined control sequence.\n\nl.5 \\foo\n         bar\n");
    assert_eq!(e.file.as_deref(), Some("paper.tex"));
    assert_eq!(e.line, Some(5));
    assert_eq!(e.message, "Undefined control sequence");
    assert_eq!(e.context, vec!["l.5 \\foo", "         bar"]);
    let e = parse_error("!Emergency stop.");
    assert_eq!((e.file, e.line, e.message.as_str()), (None, None, "Emergency stop"));
}

#[test]
fn context_comes_from_the_log_and_the_span_is_the_offending_command() {
    let tex = src("paper.tex", "a\nBroken \\undefinedmacro here.\n");
    let map = map_of(tex);
    let log = "! Undefined control sequence.\nl.2 Broken \\undefinedmacro\n                        here.\nNo pages of output.\n";
    let out = output(vec![(Kind::Error, "paper.tex:2: Undefined control sequence.")], log, None);
    let d = &diagnose(&out, &map)[0];
    assert_eq!(d.location().unwrap(), "paper.tex:2:8");
    assert_eq!(d.loc.as_ref().unwrap().span.len(), "\\undefinedmacro".len());
    assert!(d.hints.iter().any(|h| h.contains("l.2 Broken \\undefinedmacro")), "{:?}", d.hints);
}

#[test]
fn unwraps_lines_broken_at_79_characters() {
    let long = "x".repeat(79);
    assert_eq!(unwrap_lines(&format!("{long}\nyz\nnext")), vec![format!("{long}yz"), "next".to_string()]);
}

#[test]
fn missing_package_names_the_file_and_debian_package() {
    let tex = src("paper.tex", "\\documentclass{article}\n\\usepackage{siunitx}\n");
    let map = map_of(tex);
    let out = output(
        vec![(Kind::Error, "paper.tex:2: LaTeX Error: File `siunitx.sty' not found.\n\nl.2 \\usepackage{siunitx}\n")],
        "",
        None,
    );
    let d = &diagnose(&out, &map)[0];
    assert_eq!(d.message, "LaTeX package `siunitx.sty` not found");
    assert_eq!(d.location().unwrap(), "paper.tex:2:13");
    // TeX may report the line after the \usepackage (it looked for an optional argument).
    let later = output(
        vec![(Kind::Error, "paper.tex:3: LaTeX Error: File `siunitx.sty' not found.")],
        "! LaTeX Error: File `siunitx.sty' not found.\n\nl.3 \\begin\n",
        None,
    );
    let tex = src("paper.tex", "\\documentclass{article}\n\\usepackage{siunitx}\n\\begin{document}\n");
    let map = map_of(tex);
    assert_eq!(diagnose(&later, &map)[0].location().unwrap(), "paper.tex:2:13");
    assert!(d.hints[0].contains("texlive-science"), "{:?}", d.hints);
    assert!(!d.render().contains("terminal input"));
}

#[test]
fn generated_tex_lines_map_to_markdown_lines() {
    let md = src("paper.md", "# Title\n\nSome text\n\n```{=latex}\n\\foo\n```\n");
    let tex = src("build/paper.tex", "\\begin{document}\nSome text\n\\foo\n\\end{document}\n");
    let map = LineMap {
        files: vec![MappedFile { tex, source: Some((md, vec![0, 3, 6, 0])) }],
        citations: vec![],
        reported_citations: vec![],
    };
    assert_eq!(map.locate("paper.tex", 3).unwrap().display(), "paper.md:6:1");
    assert_eq!(map.locate("./paper.tex", 2).unwrap().display(), "paper.md:3:1");
    // Template lines have no Markdown counterpart: the generated file is named.
    assert_eq!(map.locate("paper.tex", 4).unwrap().display(), "build/paper.tex:4:1");
    assert!(map.locate("other.tex", 1).is_none());
}

#[test]
fn undefined_citations_become_one_warning_listing_the_keys() {
    let tex = src("paper.tex", "text \\cite{ghost} and \\cite{phantom}\n");
    let map = map_of(tex);
    let log = "LaTeX Warning: Citation `ghost' on page 1 undefined on input line 1.\n\
                   LaTeX Warning: Citation `phantom' on page 1 undefined on input line 1.\n\
                   LaTeX Warning: Citation `ghost' on page 1 undefined on input line 1.\n";
    let mut out = output(vec![], log, None);
    out.failure = None;
    let diags = diagnose(&out, &map);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(!diags[0].is_error());
    assert_eq!(diags[0].message, "undefined citations: `ghost`, `phantom`");
    assert_eq!(diags[0].location().unwrap(), "paper.tex:1:12");
}

#[test]
fn citations_the_writer_reported_are_not_listed_again() {
    let tex = src("paper.tex", "text \\cite{ghost} and \\cite{phantom}\n");
    let log = "LaTeX Warning: Citation `ghost' on page 1 undefined on input line 1.\n\
                   LaTeX Warning: Citation `phantom' on page 1 undefined on input line 1.\n";
    let mut out = output(vec![], log, None);
    out.failure = None;
    let map = |reported: &[&str]| LineMap {
        files: vec![MappedFile { tex: tex.clone(), source: None }],
        citations: vec![],
        reported_citations: reported.iter().map(|k| k.to_string()).collect(),
    };
    let diags = diagnose(&out, &map(&["ghost"]));
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].message, "undefined citation: `phantom`");
    assert!(diagnose(&out, &map(&["ghost", "phantom"])).is_empty());
}

#[test]
fn missing_bibliography_file_is_an_error() {
    let tex = src("paper.tex", "\\bibliography{nowhere}\n");
    let map = map_of(tex);
    let mut out = output(vec![], "", Some("I couldn't open database file nowhere.bib\n"));
    out.failure = None;
    let d = &diagnose(&out, &map)[0];
    assert!(d.is_error());
    assert_eq!(d.message, "bibliography file `nowhere.bib` not found");
    assert_eq!(d.location().unwrap(), "paper.tex:1:15");
}

/// Characters the fonts lack are gaps in the PDF: one warning naming them and the font, at
/// the first one in the source.
#[test]
fn missing_characters_are_one_warning_at_the_first() {
    let tex =
        src("paper.tex", "\\documentclass{article}\n\\begin{document}\nJapanese 日本語, emoji 🎉.\n\\end{document}\n");
    let map = map_of(tex);
    let log = "Missing character: There is no 日 (U+65E5) in font [lmroman10-regular]:mapping=tex-text;!\n\
               Missing character: There is no 本 (U+672C) in font [lmroman10-regular]:mapping=tex-text;!\n\
               Missing character: There is no 日 (U+65E5) in font [lmroman10-regular]:mapping=tex-text;!\n\
               Missing character: There is no 🎉 (U+1F389) in font [lmroman10-regular]:mapping=tex-text;!\n";
    let mut out = output(vec![], log, None);
    out.failure = None;
    let d = diagnose(&out, &map);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(!d[0].is_error());
    assert_eq!(d[0].message, "4 characters left blank in the PDF: the font `lmroman10-regular` has no 日 本 🎉");
    assert_eq!(d[0].location().unwrap(), "paper.tex:3:10");
    let clean = output(vec![], "Output written on paper.xdv.\n", None);
    assert!(super::warnings::missing_characters(&clean.log, &map).is_none());
}

/// A float taller than the page loses its end: a warning at its line.
#[test]
fn a_float_too_large_for_the_page_is_a_warning_at_it() {
    let tex = src(
        "paper.tex",
        "\\documentclass{article}\n\\begin{document}\n\\begin{table}\n\\end{table}\n\\end{document}\n",
    );
    let map = map_of(tex);
    let mut out = output(vec![], "\nLaTeX Warning: Float too large for page by 435.30264pt on input line 4.\n\n", None);
    out.failure = None;
    let d = diagnose(&out, &map);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].message, "a table or figure is 435 pt taller than the page: its end is cut off in the PDF");
    assert_eq!(d[0].location().unwrap(), "paper.tex:4:1");
}

/// Fonts of pdfLaTeX packages under XeTeX, and an index never sorted: warnings that say
/// what the PDF lacks and which engine makes it.
#[test]
fn substituted_fonts_and_a_missing_index_are_warnings() {
    let tex =
        src("paper.tex", "\\documentclass{article}\n\\usepackage{mathptmx}\n\\begin{document}\nx\n\\end{document}\n");
    let map = map_of(tex);
    let log = "LaTeX Font Warning: Font shape `TU/ptm/m/n' undefined\n(Font)              using `TU/lmr/m/n' instead on input line 3.\n\
               LaTeX Font Warning: Font shape `TU/ptm/b/n' undefined\nNo file paper.ind.\n";
    let mut out = output(vec![], log, None);
    out.failure = None;
    let d = diagnose(&out, &map);
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(d[0].message.contains("`ptm` the document asks for has no Unicode (TU) fonts"), "{}", d[0].message);
    assert!(d[0].hints.iter().any(|h| h.contains("--engine pdflatex")), "{:?}", d[0].hints);
    assert_eq!(d[1].message, "the index is not in the PDF: `paper.ind` was never made");
}

/// An undefined reference is shown where it is used, also in an `\input` file; after TeX
/// stopped at an error, no undefined citation or reference is reported at all.
#[test]
fn undefined_references_point_at_their_use_and_not_after_a_fatal_error() {
    let main = src("paper.tex", "\\documentclass{article}\n\\begin{document}\n\\input{intro}\n\\end{document}\n");
    let intro = src("intro.tex", "Intro.\nSee \\ref{sec:gone}.\n");
    let map = LineMap {
        files: vec![MappedFile { tex: main, source: None }, MappedFile { tex: intro, source: None }],
        citations: vec![],
        reported_citations: vec![],
    };
    let log = "LaTeX Warning: Reference `sec:gone' on page 1 undefined on input line 2.\n\
               LaTeX Warning: Citation `knuth84' on page 1 undefined on input line 2.\n";
    let mut fine = output(vec![], log, None);
    (fine.failure, fine.pdf) = (None, Some("paper.pdf".into()));
    let d = diagnose(&fine, &map);
    let r = d.iter().find(|d| d.message.starts_with("undefined reference")).unwrap();
    assert_eq!(r.location().unwrap(), "intro.tex:2:9");
    let stopped = output(vec![(Kind::Error, "paper.tex:3: Undefined control sequence.")], log, None);
    let d = diagnose(&stopped, &map);
    assert!(d.iter().all(|d| !d.message.starts_with("undefined")), "{d:?}");
}
