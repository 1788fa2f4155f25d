//! `paperfig.sty`: every option the guide documents (guide/latex.md), in one paper built
//! both ways: `paperfig gen` then Debian's `latexmk -pdf`, and `paperfig build`. The PDFs
//! are read with poppler: where each caption sits (`pdftotext -bbox`) and how wide each
//! figure is placed (`pdfimages -list`: pixels over pixels per inch), so an option that is
//! ignored changes what is measured.

use std::path::Path;
use std::process::Command;

use crate::compile::with_shared_cache;
use crate::util::{PaperTest, pdf_text, poppler, repo};

/// A bar chart drawn as a PNG only (so `pdfimages` sees it) at `size`.
fn png_plot(options: &str, size: &str, caption_arg: &str, label: &str) -> String {
    format!(
        "\\begin{{paperfigure}}[kind=plot, formats=png, size={size}, {options}]{caption_arg}\n\
         Bar chart\n---\nx,y\n{label}a,1\n{label}b,2\n\\end{{paperfigure}}\n"
    )
}

/// The paper: two columns, so `wide` (figure*) and the line width differ. Each caption has
/// a word of its own to find it by; the figures' sizes in inches (at 192 dpi: 2in is 384
/// pixels) tell their images apart.
fn paper() -> String {
    [
        "\\documentclass[twocolumn]{article}\n\\usepackage{paperfig}\n\\begin{document}\n",
        "Opening words. Widths: column \\the\\columnwidth, text \\the\\textwidth.\n",
        "See Figure~\\ref{fig:half}, Figure~\\ref{fig:here} and Figure~\\ref{fig:ext}.\n\n",
        // placement=t, no id (found as paper.tex-1), the caption as an option.
        &png_plot("placement=t, caption={Quokka on top}", "2in", "", "q"),
        "\nBefore words.\n\n",
        &png_plot("id=fig:here, placement=h", "1.5in", "{Pangolin here}", "p"),
        "\nAfter words.\n\n",
        // id, width, placement=b, the caption argument on the line after the options. (After
        // the `h` figure: LaTeX puts no float "here" above a bottom float of the same page.)
        &png_plot("id=fig:half, width=.5\\linewidth, placement=b", "column", "\n  {Narwhal at the bottom}", "n"),
        // No width: wider than the column, so shrunk to it.
        &png_plot("id=fig:shrunk", "5in", "{Axolotl shrunk}", "a"),
        // `wide`: figure*, where \linewidth is the text width.
        &png_plot("id=fig:wide, wide, width=\\linewidth", "4in", "{Capybara wide}", "c"),
        // size=wide: figure* at its natural width (7in), shrunk to the text width.
        &png_plot("id=fig:sizewide", "wide", "{Wombat sized wide}", "w"),
        // On a page of its own: pdftotext also reads the text its crop hides, around the figure.
        "\\paperfigextract[id=fig:ext, figure=1, placement=p]{related.pdf}{Ibis extracted}\n\n",
        "Closing words.\n\\end{document}\n",
    ]
    .concat()
}

/// One word of a PDF, as `pdftotext -bbox` places it (points, origin top-left).
#[derive(Debug)]
struct Word {
    page: usize,
    x: f64,
    y: f64,
    text: String,
}

fn bbox_words(pdf: &Path) -> Vec<Word> {
    let out = Command::new("pdftotext").arg("-bbox").arg(pdf).arg("-").output().expect("pdftotext; run scripts/setup");
    assert!(out.status.success(), "pdftotext -bbox {}: {}", pdf.display(), String::from_utf8_lossy(&out.stderr));
    let html = String::from_utf8_lossy(&out.stdout);
    let attr = |line: &str, name: &str| -> f64 {
        let start = line.find(&format!("{name}=\"")).expect("pdftotext -bbox attribute") + name.len() + 2;
        line[start..].split('"').next().unwrap().parse().unwrap()
    };
    let mut words = Vec::new();
    let mut page = 0;
    for line in html.lines().map(str::trim) {
        if line.starts_with("<page") {
            page += 1;
        } else if let Some(rest) = line.strip_prefix("<word ") {
            let text = rest.split('>').nth(1).unwrap_or("").trim_end_matches("</word").to_string();
            words.push(Word { page, x: attr(line, "xMin"), y: attr(line, "yMin"), text });
        }
    }
    words
}

/// The only word `text` of the PDF (each caption's own word appears once).
fn word<'a>(words: &'a [Word], text: &str) -> &'a Word {
    let found: Vec<&Word> = words.iter().filter(|w| w.text == text).collect();
    assert_eq!(found.len(), 1, "{text:?} should be in the PDF once: {found:?}");
    found[0]
}

/// Placed width in points of each image, by its width in pixels (`pdfimages -list`).
fn placed_widths(pdf: &Path) -> Vec<(u32, f64)> {
    poppler("pdfimages", &["-list"], pdf)
        .lines()
        .skip(2)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.get(2) == Some(&"image")).then(|| {
                let px: u32 = cols[3].parse().unwrap();
                let ppi: f64 = cols[12].parse().unwrap();
                (px, f64::from(px) * 72.0 / ppi)
            })
        })
        .collect()
}

/// `\the\columnwidth` and `\the\textwidth` as the paper printed them ("Widths: column
/// 229.5pt, text 469.0pt.").
fn printed_widths(text: &str) -> (f64, f64) {
    let i = text.find("Widths: column").unwrap_or_else(|| panic!("no widths in {text}"));
    let numbers: Vec<f64> = text[i..]
        .split_whitespace()
        .take(5)
        .filter_map(|w| w.trim_end_matches([',', '.']).strip_suffix("pt")?.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 2, "{}", &text[i..]);
    (numbers[0], numbers[1])
}

/// Everything the options promise, checked on one PDF.
fn check(pdf: &Path, engine: &str) {
    let text = pdf_text(pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!flat.contains("??"), "{engine}: an id did not become a label: {flat}");
    assert!(!flat.contains("not been generated"), "{engine}: {flat}");
    for caption in [
        "Figure 1: Quokka on top",
        "Figure 2: Pangolin here",
        "Figure 3: Narwhal at the bottom",
        "Figure 4: Axolotl shrunk",
        "Figure 5: Capybara wide",
        "Figure 6: Wombat sized wide",
    ] {
        assert!(flat.contains(caption), "{engine}: no {caption:?} in {flat}");
    }
    // The extracted figure (its labels) and its caption are there, on a page after the
    // others, and \ref{fig:ext} gave it the next number.
    assert!(flat.contains("Attn") && flat.contains("Ibis"), "{engine}: the extracted figure is missing");
    assert!(flat.contains("and Figure 7."), "{engine}: {flat}");

    let words = bbox_words(pdf);
    let page_width = 612.0;
    let (opening, before, after, closing) =
        (word(&words, "Opening"), word(&words, "Before"), word(&words, "After"), word(&words, "Closing"));
    let in_first_column = |w: &Word| w.page == 1 && w.x < page_width / 2.0;
    let (top, bottom, here) = (word(&words, "Quokka"), word(&words, "Narwhal"), word(&words, "Pangolin"));
    for w in [opening, before, after, closing, top, bottom, here] {
        assert!(in_first_column(w), "{engine}: {w:?} left the first column");
    }
    assert!(top.y < opening.y, "{engine}: placement=t is not above the text: {top:?} {opening:?}");
    assert!(bottom.y > closing.y, "{engine}: placement=b is not below the text: {bottom:?} {closing:?}");
    assert!(before.y < here.y && here.y < after.y, "{engine}: placement=h is not in place: {here:?}");
    for wide in ["Capybara", "Wombat"] {
        let w = word(&words, wide);
        assert!(w.page > 1, "{engine}: a figure* goes to a later page: {w:?}");
    }
    let pages = words.iter().map(|w| w.page).max().unwrap_or(0);
    let ibis: Vec<&Word> = words.iter().filter(|w| w.text.starts_with("Ibis")).collect();
    assert!(ibis.len() == 1 && ibis[0].page == pages, "{engine}: placement=p, the last page: {ibis:?}");

    let (column, textwidth) = printed_widths(&flat);
    assert!(column < textwidth * 0.6, "{engine}: two columns: {column} {textwidth}");
    let widths = placed_widths(pdf);
    let placed = |px: u32| -> f64 {
        let found: Vec<f64> = widths.iter().filter(|(p, _)| *p == px).map(|(_, w)| *w).collect();
        assert_eq!(found.len(), 1, "{engine}: one image {px} pixels wide: {widths:?}");
        found[0]
    };
    let near = |got: f64, want: f64, what: &str| {
        assert!((got - want).abs() <= want * 0.015, "{engine}: {what} placed {got:.1} pt wide, not {want:.1}");
    };
    near(placed(384), 144.0, "a figure without width at its natural 2in");
    near(placed(634), column / 2.0, "width=.5\\linewidth");
    near(placed(960), column, "a 5in figure shrunk to the column");
    near(placed(768), textwidth, "wide with width=\\linewidth");
    near(placed(1344), textwidth, "size=wide shrunk to the text width");
}

fn project() -> PaperTest {
    let t = with_shared_cache(PaperTest::new().file("paper.tex", &paper()));
    std::fs::copy(repo().join("examples/paper/related/chen2024.pdf"), t.path("related.pdf")).unwrap();
    t
}

#[test]
fn every_documented_option_works_under_paperfig_build() {
    let t = project();
    t.run_env(&["build", "paper.tex"], &[("SOURCE_DATE_EPOCH", "1700000000")]).ok();
    check(&t.path("build/paper.pdf"), "paperfig build");
}

#[test]
fn every_documented_option_works_under_latexmk() {
    let t = project();
    t.run(&["gen"]).ok();
    if crate::util::latexmk(&t.root, &["paper.tex"]) {
        check(&t.path("paper.pdf"), "latexmk");
    }
}
