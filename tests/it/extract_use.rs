//! Using figures from PDFs: `paperfig extract` (forced regions, formats, listing), kind=extract
//! figures in a build (path and citation forms, provenance, keys), and bad PDFs, each a
//! clear error. The PDFs are made here, with text at known places.

use std::path::Path;

use pdf_writer::{Content, Finish, Name, Rect, Ref, Str};

use crate::util::{PaperTest, pdf_page_size, pdf_text, poppler, repo};

/// A 400 x 300 pt page: `INSIDE` (Helvetica) at top-left, `OUTSIDE` at bottom-right, and a
/// black square at x 50..100, y 50..100 (top-left origin).
fn sample_pdf() -> Vec<u8> {
    pages_pdf(&[("INSIDE", "OUTSIDE")])
}

/// One page per pair of words, laid out as in `sample_pdf`.
fn pages_pdf(words: &[(&str, &str)]) -> Vec<u8> {
    let mut pdf = pdf_writer::Pdf::new();
    let (catalog, tree, font) = (Ref::new(1), Ref::new(2), Ref::new(3));
    pdf.catalog(catalog).pages(tree);
    let ids: Vec<Ref> = (0..words.len()).map(|i| Ref::new(10 + 2 * i as i32)).collect();
    pdf.pages(tree).kids(ids.iter().copied()).count(words.len() as i32);
    pdf.type1_font(font).base_font(Name(b"Helvetica"));
    for (i, (a, b)) in words.iter().enumerate() {
        let content = Ref::new(11 + 2 * i as i32);
        let mut p = pdf.page(ids[i]);
        p.media_box(Rect::new(0.0, 0.0, 400.0, 300.0)).parent(tree).contents(content);
        p.resources().fonts().pair(Name(b"F1"), font);
        p.finish();
        let mut c = Content::new();
        c.begin_text().set_font(Name(b"F1"), 12.0).next_line(20.0, 270.0).show(Str(a.as_bytes())).end_text();
        c.begin_text().set_font(Name(b"F1"), 12.0).next_line(300.0, 30.0).show(Str(b.as_bytes())).end_text();
        c.set_fill_gray(0.0).rect(50.0, 200.0, 50.0, 50.0).fill_nonzero();
        pdf.stream(content, &c.finish());
    }
    pdf.finish()
}

/// A PDF written by hand from object bodies, with a correct xref table.
fn raw_pdf(objects: &[&str], trailer: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!("trailer\n<< /Size {} /Root 1 0 R {trailer} >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).bytes(),
    );
    out
}

fn zero_page_pdf() -> Vec<u8> {
    raw_pdf(&["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"], "")
}

/// Encrypted with the standard handler and a user password paperfig does not know.
fn encrypted_pdf() -> Vec<u8> {
    let o = "<".to_string() + &"4f".repeat(32) + ">";
    let u = "<".to_string() + &"75".repeat(32) + ">";
    raw_pdf(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
            &format!("<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 /O {o} /U {u} >>"),
        ],
        "/Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]",
    )
}

fn with_pdf(name: &str, bytes: &[u8]) -> PaperTest {
    let t = PaperTest::new();
    std::fs::create_dir_all(t.path(name).parent().unwrap()).unwrap();
    std::fs::write(t.path(name), bytes).unwrap();
    t
}

/// pdftotext of a rectangle of page 1 (points, top-left origin).
fn text_in(file: &Path, [x, y, w, h]: [u32; 4]) -> String {
    let args = ["-r", "72", "-x", &x.to_string(), "-y", &y.to_string(), "-W", &w.to_string(), "-H", &h.to_string()];
    let mut all: Vec<&str> = args.to_vec();
    all.push("-layout");
    let out = std::process::Command::new("pdftotext").args(&all).arg(file).arg("-").output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn cli_crops_a_forced_region_to_a_vector_pdf() {
    let t = with_pdf("s.pdf", &sample_pdf());
    t.run(&["extract", "s.pdf", "--page", "1", "--bbox", "0,0,200,120", "-o", "out.pdf"]).ok();
    let out = t.path("out.pdf");
    let info = poppler("pdfinfo", &[], &out);
    assert!(info.contains("Pages:           1"), "{info}");
    assert!(info.contains("Page size:       200 x 120 pts"), "{info}");
    // The font is still there: the crop is vector text, not an image.
    let fonts = poppler("pdffonts", &[], &out);
    assert!(fonts.contains("Helvetica"), "{fonts}");
    assert_eq!(poppler("pdfimages", &["-list"], &out).lines().count(), 2, "no images, only the header");
    // The visible page holds the text inside the region and not the text outside it.
    let visible = text_in(&out, [0, 0, 200, 120]);
    assert!(visible.contains("INSIDE"), "{visible}");
    assert!(!visible.contains("OUTSIDE"), "{visible}");
}

#[test]
fn cli_renders_png_at_the_chosen_dpi_and_svg() {
    let t = with_pdf("s.pdf", &sample_pdf());
    t.run(&["extract", "s.pdf", "--page", "1", "--bbox", "40,40,120,120", "-o", "sq.png", "--dpi", "144"]).ok();
    let bytes = std::fs::read(t.path("sq.png")).unwrap();
    let mut reader = png::Decoder::new(bytes.as_slice()).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (160, 160));
    let channels = info.color_type.samples();
    let px = |x: u32, y: u32| buf[((y * info.width + x) as usize) * channels];
    assert_eq!(px(80, 80), 0, "the square (50..100 pt) is black at 2x");
    assert_eq!(px(5, 5), 255, "the margin is white");
    assert_eq!(px(150, 150), 255);

    t.run(&["extract", "s.pdf", "--page", "1", "--bbox", "40,40,120,120", "-o", "sq.out", "--format", "svg"]).ok();
    let svg = std::fs::read_to_string(t.path("sq.out")).unwrap();
    assert!(svg.contains("viewBox=\"40 40 80 80\""), "{}", &svg[..svg.len().min(300)]);
}

#[test]
fn cli_output_is_deterministic() {
    let t = with_pdf("s.pdf", &sample_pdf());
    for out in ["a.pdf", "b.pdf", "a.png", "b.png"] {
        t.run(&["extract", "s.pdf", "--page", "1", "--bbox", "10,10,150,150", "-o", out]).ok();
    }
    let read = |n: &str| std::fs::read(t.path(n)).unwrap();
    assert_eq!(read("a.pdf"), read("b.pdf"));
    assert_eq!(read("a.png"), read("b.png"));
}

#[test]
fn cli_bad_flags_and_regions() {
    let t = with_pdf("s.pdf", &sample_pdf());
    t.run(&["extract", "s.pdf", "--page", "1", "-o", "out.gif"]).code(2).stderr_has("cannot tell the output format");
    t.run(&["extract", "s.pdf", "--page", "3", "-o", "o.pdf"]).code(1).stderr_has("page 3 does not exist");
    t.run(&["extract", "s.pdf", "--page", "1", "--bbox", "500,0,600,10", "-o", "o.pdf"])
        .code(1)
        .stderr_has("outside the page (400 x 300 pt)");
    t.run(&["extract", "s.pdf", "--page", "1", "--bbox", "1,2,3", "-o", "o.pdf"])
        .code(1)
        .stderr_has("not four numbers");
    t.run(&["extract", "s.pdf", "-o", "o.pdf"]).code(2).stderr_has("--figure N");
    assert!(!t.path("o.pdf").exists());
}

#[test]
fn bad_pdfs_are_clear_errors() {
    let whole = sample_pdf();
    let mut corrupt = whole.clone();
    // Overwrite the middle (objects and their streams) with junk, keep header and trailer.
    let (a, b) = (whole.len() / 5, whole.len() * 4 / 5);
    corrupt[a..b].fill(b'#');
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("encrypted", encrypted_pdf(), "encrypted"),
        ("truncated", whole[..whole.len() / 2].to_vec(), "truncated"),
        ("corrupt", corrupt, "the PDF"),
        ("zero pages", zero_page_pdf(), "has no pages"),
        ("not a pdf", b"GIF89a....".to_vec(), "not a PDF"),
    ];
    for (what, bytes, message) in cases {
        let t = with_pdf("bad.pdf", &bytes);
        let run = t.run(&["extract", "bad.pdf", "--page", "1", "--bbox", "0,0,10,10", "-o", "o.png"]);
        assert_eq!(run.code, 1, "{what}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{what}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
        let run = t.run(&["extract", "bad.pdf", "--list"]);
        assert_eq!(run.code, 1, "{what} --list: {}", run.stderr);
        assert!(run.stderr.contains(message), "{what} --list: {}", run.stderr);
    }
}

const GOOD: &str = "```{paperfig #fig:good kind=plot}\nBar chart\n---\nmodel,acc\nA,1\nB,2\n```\n";

#[test]
fn gen_extracts_from_a_pdf_path_with_provenance() {
    let t = with_pdf("papers/s.pdf", &sample_pdf()).file(
        "paper.md",
        "# P\n\n![The square](papers/s.pdf#page=1&bbox=40,40,120,120){#fig:sq}\n\n![Raw](papers/s.pdf#page=1&bbox=0,0,200,120&provenance=false){#fig:raw}\n",
    );
    let first = t.build().ok();
    assert_eq!(first.with_status("generated"), ["fig:raw", "fig:sq"]);
    let info = poppler("pdfinfo", &[], &t.path("build/figures/fig-sq.pdf"));
    assert!(info.contains("Page size:       80 x 80 pts"), "{info}");
    assert!(pdf_text(&t.path("build/figures/fig-raw.pdf")).contains("INSIDE"));
    assert!(t.path("build/figures/fig-sq.png").is_file() && t.path("build/figures/fig-sq.svg").is_file());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path("build/figures/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["figures"]["fig:sq"]["caption"], "The square. Reproduced from `s.pdf`, p. 1.");
    assert_eq!(manifest["figures"]["fig:raw"]["caption"], "Raw");

    // The PDF's contents are in the key, its path is not; nor is the provenance line.
    let key = |run: &crate::util::Run, id: &str| {
        run.json()["figures"].as_array().unwrap().iter().find(|f| f["id"] == id).unwrap()["key"].clone()
    };
    let k1 = key(&first, "fig:sq");
    std::fs::rename(t.path("papers"), t.path("pdfs")).unwrap();
    t.write(
        "paper.md",
        "# P\n\n![The square](pdfs/s.pdf#page=1&bbox=40,40,120,120&provenance=false){#fig:sq}\n\n![Raw](pdfs/s.pdf#page=1&bbox=0,0,200,120&provenance=false){#fig:raw}\n",
    );
    let moved = t.build().ok();
    assert_eq!(moved.with_status("cached"), ["fig:raw", "fig:sq"]);
    assert_eq!(key(&moved, "fig:sq"), k1);
    std::fs::write(t.path("pdfs/s.pdf"), pages_pdf(&[("CHANGED", "OUTSIDE")])).unwrap();
    let changed = t.build().ok();
    assert_eq!(changed.with_status("generated"), ["fig:raw", "fig:sq"]);
    assert_ne!(key(&changed, "fig:sq"), k1);
    assert!(pdf_text(&t.path("build/figures/fig-raw.pdf")).contains("CHANGED"));
}

#[test]
fn gen_resolves_citations_through_the_bibliography_and_pdf_dir() {
    let t = with_pdf("lib/chen 2024.pdf", &pages_pdf(&[("FIRST", "x"), ("SECOND", "y")]))
        .file(
            "refs.bib",
            "@article{chen2024, title={T}, file={:lib/chen 2024.pdf:PDF}}\n@misc{nofile, title={No file}}\n",
        )
        .file(
            "paper.md",
            "# P\n\n![Second page](cite:chen2024#page=2&bbox=0,0,200,120){#fig:c}\n\n```{paperfig #fig:d kind=extract cite=okafor page=1 bbox=\"0,0,200,120\" caption=\"From the folder\"}\n```\n",
        )
        .file("paperfig.toml", "[extract]\npdf_dir = \"pdfs\"\n");
    std::fs::create_dir_all(t.path("pdfs")).unwrap();
    std::fs::write(t.path("pdfs/okafor.pdf"), sample_pdf()).unwrap();
    t.build().ok();
    let text = pdf_text(&t.path("build/figures/fig-c.pdf"));
    assert!(text.contains("SECOND") && !text.contains("FIRST"), "{text}");
    assert!(pdf_text(&t.path("build/figures/fig-d.pdf")).contains("INSIDE"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path("build/figures/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["figures"]["fig:c"]["caption"], "Second page. Reproduced from [@chen2024], p. 2.");
    assert_eq!(manifest["figures"]["fig:d"]["caption"], "From the folder. Reproduced from [@okafor], p. 1.");
}

#[test]
fn citation_without_a_pdf_is_a_located_error() {
    let t = PaperTest::new()
        .file("refs.bib", "@misc{nofile, title={No file}}\n")
        .file("paper.md", &format!("# P\n\n![A](cite:nofile#figure=1)\n\n![B](cite:unknown#figure=2)\n\n{GOOD}"));
    let run = t.run(&["gen"]).code(1);
    run.stderr_has("citation `nofile` has no PDF: its entry in refs.bib has no `file` field")
        .stderr_has("paper.md:3:6")
        .stderr_has("add `file = {papers/nofile.pdf}`")
        .stderr_has("no PDF for citation `unknown`: it is in no bibliography (searched refs.bib)")
        .stderr_has("paper.md:5:6");
    assert!(t.path("build/figures/fig-good.pdf").is_file(), "the good figure is still built");
}

#[test]
fn bad_pdf_in_a_build_fails_only_its_figure() {
    let t = with_pdf("bad.pdf", &encrypted_pdf())
        .file("paper.md", &format!("# P\n\n![Locked](bad.pdf#page=1&bbox=0,0,10,10){{#fig:locked}}\n\n{GOOD}"));
    let run = t.run(&["gen"]).code(1);
    run.stderr_has("the PDF is encrypted").stderr_has("paper.md:3").stderr_has("qpdf --decrypt");
    assert!(t.path("build/figures/fig-good.pdf").is_file());
}

/// The example's cited paper, compiled from its committed LaTeX source.
fn related_pdf() -> std::path::PathBuf {
    repo().join("examples/paper/related/chen2024.pdf")
}

#[test]
fn cli_lists_figures_as_json() {
    let t = PaperTest::new();
    let pdf = related_pdf();
    let run = t.run(&["extract", pdf.to_str().unwrap(), "--list", "--json"]).ok();
    let list = run.json();
    let items = list.as_array().unwrap();
    let figures: Vec<&str> = items.iter().map(|i| i["figure"].as_str().unwrap()).collect();
    assert_eq!(figures, ["1", "2"], "{list}");
    for item in items {
        assert_eq!(item["kind"], "figure");
        assert_eq!(item["page"], 1);
        let b: Vec<f64> = item["bbox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert!(b[0] < b[2] && b[1] < b[3] && b[2] <= 612.0 && b[3] <= 792.0, "{b:?}");
        let caption = item["caption"].as_str().unwrap();
        assert!(caption.starts_with(&format!("Figure {}", item["figure"].as_str().unwrap())), "{caption}");
    }
    // What poppler reads inside each box: Figure 1 is the box diagram under the title
    // block, Figure 2 the plot; neither takes in the other column, a heading or its caption.
    let inside = |i: usize| {
        let b: Vec<f64> = items[i]["bbox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let r = [b[0].floor(), b[1].floor(), (b[2] - b[0]).ceil(), (b[3] - b[1]).ceil()].map(|v| v as u32);
        text_in(&pdf, r)
    };
    let (one, two) = (inside(0), inside(1));
    for word in ["Stem", "Conv", "Attn"] {
        assert!(one.contains(word), "Figure 1 holds the diagram: {one}");
    }
    for word in ["Token Mixing", "Conclusion", "Figure 1", "Place attention"] {
        assert!(!one.contains(word), "Figure 1 holds no {word}: {one}");
    }
    assert!(two.contains("First attention stage") && two.contains("82"), "Figure 2 holds the plot: {two}");
    for word in ["Figure 2", "Introduction", "Stem"] {
        assert!(!two.contains(word), "Figure 2 holds no {word}: {two}");
    }
}

#[test]
fn cli_extracts_a_located_figure_and_names_the_others_when_missing() {
    let t = PaperTest::new();
    let pdf = related_pdf();
    let pdf = pdf.to_str().unwrap();
    t.run(&["extract", pdf, "--figure", "2", "-o", "fig2.pdf"]).ok();
    let text = pdf_text(&t.path("fig2.pdf"));
    assert!(text.contains("First attention stage"), "the plot's axis label is in the crop: {text}");
    // The crop holds the whole page as a clipped form, so poppler reads text beyond the
    // crop's page too: only what lies on the page is visible.
    let (w, h) = pdf_page_size(&t.path("fig2.pdf"));
    assert!(w < 300.0 && h < 200.0, "a plot of one column, not the page: {w} x {h}");
    let visible = text_in(&t.path("fig2.pdf"), [0, 0, w.ceil() as u32, h.ceil() as u32]);
    assert!(visible.contains("First attention stage"), "{visible}");
    assert!(
        !visible.contains("Crossover") && !visible.contains("Introduction") && !visible.contains("Figure 2:"),
        "body text is clipped away: {visible}"
    );
    t.run(&["extract", pdf, "--figure", "7", "-o", "fig7.pdf"])
        .code(1)
        .stderr_has("no Figure 7 in this PDF")
        .stderr_has("found: Figure 1 (p. 1), Figure 2 (p. 1)");
}
