//! Every output of the example, checked with real tools: poppler for PDFs, the png crate
//! for PNGs, and an XML look at SVGs.

use crate::util::{pdf_text, poppler, PaperTest};

#[test]
fn pdfs_are_vector_with_embedded_fonts_at_print_size() {
    let t = PaperTest::copy_of("examples/paper");
    let run = t.build().ok();
    for f in run.json()["figures"].as_array().unwrap() {
        let pdf = t.path(f["outputs"]["pdf"].as_str().unwrap());
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

#[test]
fn pngs_decode_at_the_configured_resolution() {
    let t = PaperTest::copy_of("examples/paper");
    t.build().ok();
    for (name, inches) in [("fig-acc", 3.3), ("fig-throughput", 7.0)] {
        let file = std::fs::File::open(t.path(&format!("build/figures/{name}.png"))).unwrap();
        let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut buf).unwrap();
        let expected = (inches * 192.0_f64).round() as i64;
        assert!((frame.width as i64 - expected).abs() <= 1, "{name}: width {} px, expected {expected}", frame.width);
        // Not blank: some pixels are dark (axes, text, bars).
        let dark = buf.chunks(4).filter(|p| p.len() == 4 && p[3] > 200 && p[0] < 100 && p[1] < 100 && p[2] < 100).count();
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
    let tick_labels: Vec<&str> = svg.split("<text").skip(1).filter_map(|s| s.split('>').nth(1)).map(|s| s.split('<').next().unwrap_or("")).collect();
    assert!(!tick_labels.iter().any(|l| l.ends_with(".0")), "integer ticks printed with .0: {tick_labels:?}");
}

#[test]
fn outputs_are_byte_identical_across_runs_and_folders() {
    let a = PaperTest::copy_of("examples/paper");
    let b = PaperTest::copy_of("examples/paper");
    a.build().ok();
    b.run(&["gen", "-j", "1"]).ok();
    for ext in ["svg", "pdf", "png"] {
        let fa = std::fs::read(a.path(&format!("build/figures/fig-training.{ext}"))).unwrap();
        let fb = std::fs::read(b.path(&format!("build/figures/fig-training.{ext}"))).unwrap();
        assert!(fa == fb, "fig-training.{ext} differs between two builds");
    }
}
