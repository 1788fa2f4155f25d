//! The example project's mdBook (`examples/paper/book.toml`) under the real `mdbook`: its
//! chapter shows the two figures of the cited PDF as PNG images located by paperfig, each
//! with its provenance line.

use crate::mdbook::{build, figure, image, mdbook, read};
use crate::util::{BIN, PaperTest};

/// Decodes a PNG fully: (width, height, share of dark pixels).
fn decode_png(bytes: &[u8]) -> (u32, u32, f64) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG image data that decodes");
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let dark =
        pixels.chunks(channels).filter(|p| p.iter().take(3).map(|&v| u32::from(v)).sum::<u32>() < 3 * 128).count();
    (info.width, info.height, dark as f64 / (info.width * info.height) as f64)
}

#[test]
fn the_example_book_shows_figures_extracted_from_the_cited_pdf() {
    let Some(mdbook) = mdbook() else { return };
    let t = PaperTest::copy_of("examples/paper");
    // The book names `paperfig` on PATH; run this build's binary instead.
    let toml = read(&t.path("book.toml"));
    assert!(toml.contains("command = \"paperfig mdbook\""), "{toml}");
    std::fs::write(
        t.path("book.toml"),
        toml.replace("command = \"paperfig mdbook\"", &format!("command = \"{BIN} mdbook\"")),
    )
    .unwrap();
    build(&mdbook, &t.root).ok().stderr_has("paperfig: 2 figures: 2 generated, 0 cached");

    // Where paperfig locates the figures of the cited PDF, for comparing shapes.
    let list = t.run(&["extract", "related/chen2024.pdf", "--list", "--json"]).ok().json();
    let bbox = |n: &str| -> [f64; 4] {
        let item = list.as_array().unwrap().iter().find(|i| i["figure"] == n).unwrap_or_else(|| panic!("{list}"));
        let b: Vec<f64> = item["bbox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        [b[0], b[1], b[2], b[3]]
    };

    let page = read(&t.path("build/book/hybrid-backbones.html"));
    for (id, n, caption) in [
        ("fig:chen-backbone", "1", "The backbone: a convolutional stem and stages, then attention stages."),
        ("fig:chen-crossover", "2", "Top-1 accuracy against the first stage that uses attention."),
    ] {
        let fig = figure(&page, id);
        let provenance = format!("{caption} Reproduced from [chen2024], Fig. {n}.</figcaption>");
        assert!(fig.contains(&provenance), "caption with its provenance line: {fig}");
        let (mime, png) = image(fig);
        assert_eq!(mime, "image/png", "figures from PDFs are PNG in this book's HTML");
        let (w, h, dark) = decode_png(&png);
        let b = bbox(n);
        let (bw, bh) = (b[2] - b[0], b[3] - b[1]);
        // At least screen resolution, at most a few times print resolution.
        assert!(f64::from(w) >= bw && f64::from(w) <= 8.0 * bw, "{id}: {w} px wide for {bw} pt");
        let (ratio, expected) = (f64::from(w) / f64::from(h), bw / bh);
        assert!((ratio / expected - 1.0).abs() < 0.05, "{id}: {w}x{h} px for a {bw}x{bh} pt region");
        assert!(dark > 0.005 && dark < 0.5, "{id}: drawn lines and text on white, {dark:.3} dark");
    }
    assert!(page.contains("(<a href=\"#fig:chen-backbone\">Figure 1</a>)"), "references become links");
}
