//! Every output of the example, checked with real tools: poppler for PDFs, the png crate
//! for PNGs, and an XML look at SVGs.

use crate::util::{PaperTest, pdf_page_size, pdf_text, poppler};

#[test]
fn pdfs_are_vector_with_embedded_fonts_at_print_size() {
    let t = PaperTest::copy_of("examples/paper");
    let run = t.build().ok();
    for f in run.json()["figures"].as_array().unwrap() {
        let pdf = t.path(f["outputs"]["pdf"].as_str().unwrap());
        if f["kind"] == "command" {
            continue; // scripts choose their own fonts and size: see script_pdfs_are_vector_at_print_size
        }
        if f["provider"] == "paperbanana" || f["provider"] == "autofigureedit" {
            continue; // hosted services deliver raster images: see hosted_pdfs_embed_the_service_image
        }
        if f["kind"] == "extract" {
            continue; // a crop keeps its source's page size and fonts: see tests/it/extract_use.rs
        }
        let info = poppler("pdfinfo", &[], &pdf);
        assert!(info.contains("Pages:           1"), "{info}");
        let wide = f["id"] == "fig:throughput" || f["id"] == "fig:pipeline";
        let width_pt = if wide { "504" } else { "237.6" };
        assert!(info.contains(&format!("Page size:       {width_pt} x")), "{}: {info}", f["id"]);
        let fonts = poppler("pdffonts", &[], &pdf);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{}: no fonts, text was not kept as text", f["id"]);
        for row in rows {
            assert!(row.contains("LiberationSans"), "{}: unexpected font {row}", f["id"]);
            let cols: Vec<&str> = row.split_whitespace().collect();
            // name type... emb sub uni object ID: `emb` is the 4th column from the end of the flags.
            assert_eq!(cols[cols.len() - 5], "yes", "{}: font not embedded: {row}", f["id"]);
        }
    }
    let acc = t.path("build/figures/fig-acc.pdf");
    let text = pdf_text(&acc);
    assert!(text.contains("ResNet-50") && text.contains("Ours"), "{text}");
}

/// The example's script figures: matplotlib writes its own PDF (DejaVu Sans, embedded),
/// gnuplot writes SVG that paperfig converts (Liberation Sans). Both size themselves from
/// `PAPERFIG_WIDTH_IN` (3.3 in = 237.6 pt; gnuplot rounds to whole pixels).
#[test]
fn script_pdfs_are_vector_at_print_size() {
    let t = PaperTest::copy_of("examples/paper");
    t.build().ok();
    for (name, font, text) in
        [("fig-robustness", "DejaVuSans", "Corruption severity"), ("fig-memory", "LiberationSans", "Linear attention")]
    {
        let pdf = t.path(&format!("build/figures/{name}.pdf"));
        let info = poppler("pdfinfo", &[], &pdf);
        assert!(info.contains("Pages:           1"), "{info}");
        let (width, _) = pdf_page_size(&pdf);
        assert!((width - 237.6).abs() < 1.0, "{name}: page width {width} pt");
        let fonts = poppler("pdffonts", &[], &pdf);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty() && rows.iter().all(|r| r.contains(font)), "{name}: {fonts}");
        assert!(pdf_text(&pdf).contains(text), "{name}: text was not kept as text");
    }
}

/// The example's hosted figures: the service's PNG placed on a page of the figure's width.
#[test]
fn hosted_pdfs_embed_the_service_image() {
    let t = PaperTest::copy_of("examples/paper");
    t.build().ok();
    for name in ["fig-overview", "fig-teaser"] {
        let pdf = t.path(&format!("build/figures/{name}.pdf"));
        let info = poppler("pdfinfo", &[], &pdf);
        assert!(info.contains("Page size:       237.6 x"), "{name}: {info}");
        let images = poppler("pdfimages", &["-list"], &pdf);
        assert_eq!(images.lines().count(), 3, "{name}: one image expected:\n{images}");
    }
}

#[test]
fn pngs_decode_at_the_configured_resolution() {
    let t = PaperTest::copy_of("examples/paper");
    t.build().ok();
    // gnuplot sizes its SVG in whole pixels (316 px for 3.3 in), so fig-memory may be a few
    // PNG pixels narrower.
    for (name, inches, tolerance) in
        [("fig-acc", 3.3, 1), ("fig-throughput", 7.0, 1), ("fig-robustness", 3.3, 1), ("fig-memory", 3.3, 4)]
    {
        let file = std::fs::File::open(t.path(&format!("build/figures/{name}.png"))).unwrap();
        // figures with few colours are indexed PNGs: read every kind as RGB(A)
        let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut buf).unwrap();
        let channels = frame.color_type.samples();
        let expected = (inches * 192.0_f64).round() as i64;
        assert!(
            (frame.width as i64 - expected).abs() <= tolerance,
            "{name}: width {} px, expected {expected}",
            frame.width
        );
        // Not blank: some pixels are dark (axes, text, bars).
        let opaque = |p: &[u8]| channels == 3 || p[3] > 200;
        let dark = buf[..frame.buffer_size()]
            .chunks(channels)
            .filter(|p| p.len() == channels && opaque(p) && p[0] < 100 && p[1] < 100 && p[2] < 100)
            .count();
        assert!(dark > 100, "{name}: looks blank ({dark} dark pixels)");
    }
}

#[test]
fn svgs_declare_their_print_size_and_keep_text() {
    let t = PaperTest::copy_of("examples/paper");
    t.build().ok();
    let svg = std::fs::read_to_string(t.path("build/figures/fig-acc.svg")).unwrap();
    assert!(svg.contains("width=\"3.3in\""), "{}", &svg[..svg.len().min(300)]);
    assert!(svg.contains("<text") && svg.contains("ResNet-50"));
    let tick_labels: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|s| s.split('>').nth(1))
        .map(|s| s.split('<').next().unwrap_or(""))
        .collect();
    assert!(!tick_labels.iter().any(|l| l.ends_with(".0")), "integer ticks printed with .0: {tick_labels:?}");
}

#[test]
fn outputs_are_byte_identical_across_runs_and_folders() {
    let a = PaperTest::copy_of("examples/paper");
    let b = PaperTest::copy_of("examples/paper");
    a.build().ok();
    b.run(&["gen", "-j", "1"]).ok();
    // fig-robustness: matplotlib's own SVG and PDF, byte-stable through paperfig's
    // matplotlibrc (svg.hashsalt) and SOURCE_DATE_EPOCH.
    for fig in ["fig-training", "fig-robustness", "fig-memory"] {
        for ext in ["svg", "pdf", "png"] {
            let fa = std::fs::read(a.path(&format!("build/figures/{fig}.{ext}"))).unwrap();
            let fb = std::fs::read(b.path(&format!("build/figures/{fig}.{ext}"))).unwrap();
            assert!(fa == fb, "{fig}.{ext} differs between two builds");
        }
    }
}
