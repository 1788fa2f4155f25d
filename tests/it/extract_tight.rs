//! Crops tight to what a reader sees, on `fixtures/extract/tight/tight.pdf` (built by
//! `scripts/extract-tight-fixture`): a raster plot with wide white margins, a narrow drawing
//! on a white canvas as wide as the text, and a narrow centred drawing. The expected boxes
//! are not taken from paperfig: poppler renders each page at 144 dpi and the test measures
//! the ink (a pixel with a channel of at most 240) inside the untrimmed region.

use std::path::{Path, PathBuf};

use crate::util::{PaperTest, pdf_page_size, repo};

fn tight_pdf() -> PathBuf {
    repo().join("fixtures/extract/tight/tight.pdf")
}

/// A page rendered by poppler's pdftoppm: width, height and RGB pixels.
struct Raster {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
    dpi: f64,
}

impl Raster {
    fn render(pdf: &Path, page: usize, dpi: u32) -> Raster {
        let out = std::process::Command::new("pdftoppm")
            .args(["-r", &dpi.to_string(), "-f", &page.to_string(), "-l", &page.to_string()])
            .arg(pdf)
            .output()
            .unwrap();
        assert!(out.status.success(), "pdftoppm failed on {}", pdf.display());
        // P6 <w> <h> 255\n<rgb>
        let bytes = out.stdout;
        let mut fields = Vec::new();
        let mut i = 0;
        while fields.len() < 4 {
            while bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let start = i;
            while !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            fields.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
        }
        assert_eq!(fields[0], "P6");
        let (width, height) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        let rgb = bytes[i + 1..].to_vec();
        assert_eq!(rgb.len(), width * height * 3);
        Raster { width, height, rgb, dpi: dpi as f64 }
    }

    fn inked(&self, x: usize, y: usize) -> bool {
        self.rgb[(y * self.width + x) * 3..][..3].iter().any(|&v| v <= 240)
    }

    /// The box (points) of the ink inside `region` (points).
    fn ink_in(&self, region: [f64; 4]) -> Option<[f64; 4]> {
        let k = self.dpi / 72.0;
        let x0 = (region[0] * k).floor().max(0.0) as usize;
        let y0 = (region[1] * k).floor().max(0.0) as usize;
        let x1 = ((region[2] * k).ceil() as usize).min(self.width);
        let y1 = ((region[3] * k).ceil() as usize).min(self.height);
        let mut b: Option<[usize; 4]> = None;
        for y in y0..y1 {
            for x in x0..x1 {
                if self.inked(x, y) {
                    let e = b.get_or_insert([x, y, x + 1, y + 1]);
                    *e = [e[0].min(x), e[1].min(y), e[2].max(x + 1), e[3].max(y + 1)];
                }
            }
        }
        b.map(|b| b.map(|v| v as f64 / k))
    }
}

fn boxes(item: &serde_json::Value, key: &str) -> [f64; 4] {
    let v: Vec<f64> = item[key].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    [v[0], v[1], v[2], v[3]]
}

fn width(b: [f64; 4]) -> f64 {
    b[2] - b[0]
}

#[test]
fn located_boxes_are_the_ink_poppler_sees() {
    let t = PaperTest::new();
    let pdf = tight_pdf();
    let list = t.run(&["extract", pdf.to_str().unwrap(), "--list", "--json"]).ok().json();
    let items = list.as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|i| i["figure"].as_str().unwrap()).collect();
    assert_eq!(names, ["1", "2", "3"], "{list}");
    for item in items {
        let page = item["page"].as_u64().unwrap() as usize;
        let (tight, untrimmed) = (boxes(item, "bbox"), boxes(item, "untrimmed"));
        let ink = Raster::render(&pdf, page, 144).ink_in(untrimmed).expect("ink inside the region");
        for i in 0..4 {
            assert!((tight[i] - ink[i]).abs() <= 1.5, "figure {}: located {tight:?}, poppler's ink {ink:?}", item["figure"]);
        }
    }
    // The raster plot's placement is three times as wide as its drawing; the white canvas
    // behind figure 2 is as wide as the text; the centred figure is narrow.
    let (one, two, three) = (&items[0], &items[1], &items[2]);
    assert!(width(boxes(one, "untrimmed")) > 3.0 * width(boxes(one, "bbox")), "{one}");
    assert!(width(boxes(two, "untrimmed")) > 3.0 * width(boxes(two, "bbox")), "{two}");
    assert!(width(boxes(three, "bbox")) < 0.5 * 345.0, "narrower than half the text width: {three}");
    assert_eq!(boxes(three, "bbox"), boxes(three, "untrimmed"), "nothing to trim on a drawing of paths: {three}");
}

/// Whether the rows and columns along the edges of a PNG (within `band` pixels) hold ink.
fn png_touches_edges(png: &Path, band: usize) -> [bool; 4] {
    let mut reader = png::Decoder::new(std::fs::File::open(png).unwrap()).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let inked = |x: usize, y: usize| buf[(y * w + x) * channels..][..3].iter().any(|&v| v <= 240);
    let rows = |ys: std::ops::Range<usize>| ys.into_iter().any(|y| (0..w).any(|x| inked(x, y)));
    let cols = |xs: std::ops::Range<usize>| xs.into_iter().any(|x| (0..h).any(|y| inked(x, y)));
    [cols(0..band), rows(0..band), cols(w - band..w), rows(h - band..h)]
}

#[test]
fn crops_follow_the_tight_box_and_no_trim_keeps_the_margins() {
    let t = PaperTest::new();
    let pdf = tight_pdf();
    let pdf = pdf.to_str().unwrap();
    let list = t.run(&["extract", pdf, "--list", "--json"]).ok().json();
    let one = &list.as_array().unwrap()[0];
    let (tight, untrimmed) = (boxes(one, "bbox"), boxes(one, "untrimmed"));

    t.run(&["extract", pdf, "--figure", "1", "-o", "tight.pdf"]).ok();
    t.run(&["extract", pdf, "--figure", "1", "--no-trim", "-o", "full.pdf"]).ok();
    let (tw, th) = pdf_page_size(&t.path("tight.pdf"));
    let (fw, fh) = pdf_page_size(&t.path("full.pdf"));
    assert!((tw - width(tight)).abs() < 1.0 && (th - (tight[3] - tight[1])).abs() < 1.0, "{tw} x {th} for {tight:?}");
    assert!((fw - width(untrimmed)).abs() < 1.0 && (fh - (untrimmed[3] - untrimmed[1])).abs() < 1.0, "{fw} x {fh}");

    // The tight PNG has ink on all four edges; the untrimmed one is white along them.
    t.run(&["extract", pdf, "--figure", "1", "--dpi", "144", "-o", "tight.png"]).ok();
    t.run(&["extract", pdf, "--figure", "1", "--dpi", "144", "--no-trim", "-o", "full.png"]).ok();
    assert_eq!(png_touches_edges(&t.path("tight.png"), 3), [true; 4]);
    assert_eq!(png_touches_edges(&t.path("full.png"), 3), [false; 4]);

    // A forced region is cut as given; --no-trim does not apply to it.
    t.run(&["extract", pdf, "--page", "1", "--bbox", "100,100,300,300", "--no-trim", "-o", "x.pdf"]).code(2);
}

#[test]
fn trim_false_in_a_build_keeps_the_margins_and_is_in_the_key() {
    let t = PaperTest::new();
    std::fs::create_dir_all(t.path("papers")).unwrap();
    std::fs::copy(tight_pdf(), t.path("papers/t.pdf")).unwrap();
    t.write("paper.md", "# P\n\n![Tight](papers/t.pdf#figure=1){#fig:tight}\n\n![Full](papers/t.pdf#figure=1&trim=false){#fig:full}\n");
    let run = t.build().ok();
    assert_eq!(run.with_status("generated"), ["fig:full", "fig:tight"]);
    let keys: Vec<String> = run.json()["figures"].as_array().unwrap().iter().map(|f| f["key"].to_string()).collect();
    assert_ne!(keys[0], keys[1], "trim= changes the output, so it is in the key");
    let (tw, _) = pdf_page_size(&t.path("build/figures/fig-tight.pdf"));
    let (fw, _) = pdf_page_size(&t.path("build/figures/fig-full.pdf"));
    assert!(fw > 3.0 * tw, "trim=false keeps the white margins: {fw} vs {tw}");
    t.write("paper.md", "# P\n\n![Bad](papers/t.pdf#figure=1&trim=maybe){#fig:bad}\n");
    t.build().code(1).stderr_has("trim `maybe` is neither true nor false");
}
