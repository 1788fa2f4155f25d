//! End-to-end tests of the plot provider: every chart family through SVG, PDF and PNG.

use std::collections::BTreeMap;

use super::*;
use crate::model::{Format, InputFile, OutputSpec};

pub(super) fn req(attrs: &[(&str, &str)], body: &str, csv: Option<&str>, width_in: f64) -> Request {
    let mut files = BTreeMap::new();
    if let Some(text) = csv {
        files.insert("data".to_string(), InputFile::new("csv", text.as_bytes().to_vec()));
    }
    Request {
        kind: Kind::Plot,
        provider: "builtin".into(),
        provider_version: VERSION.into(),
        attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: body.into(),
        files,
        extra: Default::default(),
        output: OutputSpec {
            formats: vec![Format::Svg, Format::Pdf, Format::Png],
            width_in,
            height_in: width_in * 0.72,
            png_dpi: 192.0,
        },
    }
}

const BARS: &str = "model,accuracy,accuracy_std\nGPT-4o,91,1.2\nClaude,93,1.0\nLlama-3 70B,86,2.0\nOurs,95,0.8\n";
const GROUPED: &str =
    "model,MMLU,GSM8K,HumanEval\nBaseline,62.1,48.3,35.2\n+ retrieval,66.4,52.8,37.9\nFull system,71.3,61.7,44.6\n";

fn lines_csv() -> String {
    let mut s = String::from("epoch,train_loss,train_loss_std,val_loss,val_loss_std\n");
    for e in 1..=15 {
        let t = f64::from(e);
        s += &format!("{e},{:.3},0.1,{:.3},0.12\n", 2.4 * (-t / 6.0).exp() + 0.3, 2.2 * (-t / 8.0).exp() + 0.45);
    }
    s
}

fn scatter_csv() -> String {
    let mut s = String::from("params,accuracy,family\n");
    for i in 0..18 {
        let p = [1.0, 3.0, 7.0, 13.0, 34.0, 70.0][i % 6];
        s += &format!("{p},{:.1},{}\n", 40.0 + 9.0 * f64::ln(p) + (i % 5) as f64, ["Llama", "Qwen", "Mistral"][i / 6]);
    }
    s
}

fn hist_csv() -> String {
    let mut s = String::from("latency_ms\n");
    let mut x: u64 = 7;
    for _ in 0..300 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        s += &format!("{:.2}\n", 40.0 + (x >> 40) as f64 / (1u64 << 24) as f64 * 60.0);
    }
    s
}

/// A text element of the SVG with its approximate box (caps to descenders) in SVG units.
pub(super) fn attr(el: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = el.find(&key)? + key.len();
    Some(el[i..i + el[i..].find('"')?].to_string())
}

/// The text of a figure as printed (ink boxes in points, from the real SVG parser).
fn text_boxes(svg: &str) -> Vec<render::textcheck::TextBox> {
    render::textcheck::text_boxes(&render::parse(svg).unwrap(), None)
}

pub(super) fn view_box(svg: &str) -> (f64, f64) {
    let vb = attr(svg, "viewBox").unwrap();
    let v: Vec<f64> = vb.split(' ').map(|s| s.parse().unwrap()).collect();
    (v[2], v[3])
}

/// Checks every output of a generated figure; returns the SVG text.
pub(super) fn check(req: &Request) -> String {
    let arts = make(&PlotProvider::new(), req).unwrap_or_else(|e| panic!("{e} ({:?})", e.hint));
    assert_eq!(arts.iter().map(|a| a.format).collect::<Vec<_>>(), [Format::Svg, Format::Pdf, Format::Png]);
    let svg = String::from_utf8(arts[0].bytes.clone()).unwrap();
    let (w_in, h_in) = (req.output.width_in, req.output.height_in);

    // SVG: parses, declares its printed size, 1/10 pt units, no per-element `opacity=`
    render::parse(&svg).unwrap();
    assert!(svg.contains(&format!("width=\"{}in\"", w_in)), "{}", &svg[..200]);
    let (vw, vh) = view_box(&svg);
    assert!((vw - w_in * 720.0).abs() < 1e-6 && (vh - h_in * 720.0).abs() < 1e-6);
    assert!(!svg.contains(" opacity="), "per-element opacity makes svg2pdf write transparency groups");

    // the text check: no text under 7 pt at print size, off the figure, or on other text
    let problems = render::textcheck::check(&render::parse(&svg).unwrap(), None);
    assert!(problems.is_empty(), "{}", problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "));

    // PDF: one page of the right size, an embedded TrueType font, text kept as text
    let doc = lopdf::Document::load_mem(&arts[1].bytes).unwrap();
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 1);
    let page = doc.get_object(*pages.values().next().unwrap()).unwrap().as_dict().unwrap();
    let mb: Vec<f32> =
        page.get(b"MediaBox").unwrap().as_array().unwrap().iter().map(|o| o.as_float().unwrap()).collect();
    assert!((f64::from(mb[2]) - w_in * 72.0).abs() < 0.01 && (f64::from(mb[3]) - h_in * 72.0).abs() < 0.01, "{mb:?}");
    let mut font_file = false;
    let mut unicode = String::new();
    for obj in doc.objects.values() {
        if let Ok(d) = obj.as_dict() {
            font_file |= d.has(b"FontFile2");
        }
        if let Ok(s) = obj.as_stream() {
            let data = s.decompressed_content().unwrap_or_else(|_| s.content.clone());
            let text = String::from_utf8_lossy(&data);
            if text.contains("begincmap") {
                unicode += &cmap_chars(&text);
            }
        }
    }
    assert!(font_file, "no embedded TrueType font");
    let label = req.attr("xlabel").unwrap_or("");
    for ch in label.chars().filter(|c| !c.is_whitespace()) {
        assert!(unicode.contains(ch), "`{ch}` of the axis label is not text in the PDF");
    }

    // PNG: the size the resolution implies
    let dec = png::Decoder::new(std::io::Cursor::new(&arts[2].bytes));
    let reader = dec.read_info().unwrap();
    let info = reader.info();
    let dpi = req.output.png_dpi;
    assert_eq!((info.width, info.height), ((w_in * dpi).round() as u32, (h_in * dpi).round() as u32));
    svg
}

/// Characters a ToUnicode CMap maps glyphs to.
fn cmap_chars(cmap: &str) -> String {
    let mut out = String::new();
    for line in cmap.lines().filter(|l| l.starts_with('<')) {
        if let Some(dst) = line.split('<').nth(2).and_then(|s| s.split('>').next()) {
            let units: Vec<u16> =
                (0..dst.len() / 4).filter_map(|i| u16::from_str_radix(&dst[i * 4..i * 4 + 4], 16).ok()).collect();
            out += &String::from_utf16_lossy(&units);
        }
    }
    out
}

pub(super) fn texts(svg: &str) -> Vec<String> {
    text_boxes(svg).into_iter().map(|b| b.text).collect()
}

#[test]
fn provider_metadata() {
    let p = PlotProvider::new();
    assert_eq!(
        (p.id(), p.kinds(), p.file_attrs(), p.uses_caption()),
        ("builtin", &[Kind::Plot][..], &["data"][..], false)
    );
    assert!(p.version().starts_with("builtin-plot/"));
}

#[test]
fn bar_chart_with_integer_ticks() {
    let svg = check(&req(&[("xlabel", "Model")], "Accuracy per model", Some(BARS), 3.3));
    let t = texts(&svg);
    for tick in ["0", "20", "40", "60", "80", "100"] {
        assert!(t.iter().any(|s| s == tick), "tick {tick} missing: {t:?}");
    }
    assert!(t.iter().all(|s| !s.ends_with(".0")), "{t:?}");
    assert_eq!(svg.matches("fill=\"#0072B2\"").count(), 4, "one bar per model");
    // error bars from the accuracy_std column: a stem and two caps each
    assert_eq!(svg.matches("stroke=\"#262626\"").count(), 12);
}

#[test]
fn grouped_bars_with_legend() {
    let svg = check(&req(&[("ylabel", "Score (%)"), ("xlabel", "System")], "", Some(GROUPED), 3.3));
    let t = texts(&svg);
    for name in ["MMLU", "GSM8K", "HumanEval", "Baseline", "Full system"] {
        assert!(t.iter().any(|s| s == name), "{name} missing: {t:?}");
    }
    for c in ["#0072B2", "#E69F00", "#009E73"] {
        assert_eq!(svg.matches(&format!("fill=\"{c}\"")).count(), 4, "3 bars + 1 legend swatch of {c}");
    }
}

#[test]
fn horizontal_bars_with_value_labels_and_error_bars() {
    let svg = check(&req(&[("chart", "barh"), ("labels", "true"), ("xlabel", "Accuracy (%)")], "", Some(BARS), 3.3));
    let t = texts(&svg);
    for v in ["91", "93", "86", "95"] {
        assert!(t.iter().any(|s| s == v), "value label {v} missing: {t:?}");
    }
    assert_eq!(svg.matches("stroke=\"#262626\"").count(), 12);
    // categories on the left, first row on top
    let boxes = text_boxes(&svg);
    let y = |name: &str| boxes.iter().find(|b| b.text == name).unwrap().rect[1];
    assert!(y("GPT-4o") < y("Ours"));
}

#[test]
fn long_category_names_stay_readable() {
    let csv = "method,score\nSupervised fine-tuning,71\nDirect preference optimisation,75\nReinforcement learning from human feedback,78\nOurs (iterative self-refinement),83\n";
    // inferred: laid on their side
    let turned = |svg: &str, name: &str| svg.split("<text").any(|t| t.contains(name) && t.contains("rotate("));
    let svg = check(&req(&[("xlabel", "Method")], "", Some(csv), 3.3));
    assert!(!turned(&svg, "Supervised"), "inferred bar chart with long names should turn horizontal");
    let boxes = text_boxes(&svg);
    let at = |name: &str| boxes.iter().find(|b| b.text.starts_with(name)).unwrap().rect[1];
    assert!(at("Supervised") < at("Ours"), "categories listed top to bottom");
    // explicitly vertical: labels turned
    let svg = check(&req(&[("chart", "bar"), ("xlabel", "Method")], "", Some(csv), 3.3));
    assert!(turned(&svg, "Supervised"));
}

#[test]
fn lines_with_error_bands() {
    let svg =
        check(&req(&[("y", "train_loss,val_loss"), ("xlabel", "Epoch")], "Loss over epochs", Some(&lines_csv()), 3.3));
    assert!(svg.matches("<polygon").count() >= 2);
    assert_eq!(
        svg.matches(&format!("fill-opacity=\"{}\"", style::BAND_OPACITY)).count(),
        2 + 2,
        "two bands + two legend swatches"
    );
    let t = texts(&svg);
    assert!(t.iter().any(|s| s == "train loss") && t.iter().any(|s| s == "val loss"), "{t:?}");
    // 15 points per series: past 12, two lines carry markers on about 8 points each (the
    // first series circles, plus its legend swatch), so that they tell apart in grey
    assert_eq!(svg.matches("<circle").count(), 8 + 1);
    // one line alone carries none
    let one = check(&req(&[("y", "train_loss")], "", Some(&lines_csv()), 3.3));
    assert_eq!(one.matches("<circle").count(), 0);
}

#[test]
fn scatter_with_groups_and_fit() {
    let svg = check(&req(
        &[("chart", "scatter"), ("fit", "linear"), ("xlabel", "Parameters (B)"), ("logx", "true")],
        "",
        Some(&scatter_csv()),
        3.3,
    ));
    let t = texts(&svg);
    assert_eq!(t.iter().filter(|s| s.contains("R² = ")).count(), 3, "{t:?}");
    assert!(t.iter().any(|s| s.starts_with("Llama")));
    // one marker shape per group: circles, squares (4-point polygons), triangles
    assert_eq!(svg.matches("<circle").count(), 6 + 1);
}

#[test]
fn histogram_bins() {
    let svg = check(&req(
        &[("bins", "12"), ("xlabel", "Latency (ms)")],
        "Distribution of request latency",
        Some(&hist_csv()),
        3.3,
    ));
    assert_eq!(svg.matches("fill=\"#0072B2\"").count(), 12);
    assert!(texts(&svg).iter().any(|s| s == "Count"));
}

#[test]
fn log_axes_tick_at_powers_of_ten() {
    let mut csv = String::from("tokens,loss\n");
    for k in 0..6 {
        let n = 10f64.powi(3 + k);
        csv += &format!("{n},{}\n", 5.0 * n.powf(-0.3));
    }
    let svg = check(&req(&[("log", "xy"), ("xlabel", "Tokens")], "", Some(&csv), 3.3));
    let t = texts(&svg);
    // `10ⁿ` is drawn as "10" and a raised exponent in ordinary digits.
    for tick in [
        "10<tspan baseline-shift=\"super\" font-size=\"70\">3</tspan>",
        ">10<tspan baseline-shift=\"super\" font-size=\"70\">8</tspan>",
    ] {
        assert!(svg.contains(tick), "{tick} missing: {t:?}");
    }
    assert!(t.iter().any(|s| s == "0.1"), "0.1 missing: {t:?}");
}

#[test]
fn two_column_figures_and_inline_data() {
    let body = "Accuracy per model\n---\nmodel,acc\nA,0.91\nB,0.85\nC,0.88\n";
    let svg = check(&req(&[("xlabel", "Model"), ("labels", "true"), ("title", "Results")], body, None, 7.0));
    let t = texts(&svg);
    assert!(t.iter().any(|s| s == "0.91") && t.iter().any(|s| s == "Results"), "{t:?}");
}

#[test]
fn errors_reach_the_caller() {
    let e = make(&PlotProvider::new(), &req(&[], "Show accuracy per model", None, 3.3)).unwrap_err();
    assert_eq!(e.message, "no data for this plot");
    let e = make(&PlotProvider::new(), &req(&[("chart", "pie")], "", Some(BARS), 3.3)).unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("chart"));
    let e = make(&PlotProvider::new(), &req(&[("title", &"A very long title ".repeat(3))], "", Some(BARS), 0.5))
        .unwrap_err();
    assert!(e.message.contains("out of range"), "{}", e.message);
}

#[test]
fn edge_cases() {
    // one bar, one point, constant values, missing cells
    check(&req(&[], "", Some("m,v\nOnly,3\n"), 3.3));
    check(&req(&[("chart", "line")], "", Some("x,y\n1,2\n"), 3.3));
    check(&req(&[], "", Some("v\n5\n5\n5\n"), 3.3));
    check(&req(&[("chart", "scatter")], "", Some("x,y\n1,\n2,3\n,4\n5,6\n"), 3.3));
    check(&req(&[("chart", "barh"), ("labels", "true")], "", Some("m,v\nA,-2\nB,3\n"), 3.3));
    // a column with no numbers at all
    let e = make(&PlotProvider::new(), &req(&[("chart", "line")], "", Some("x,y\n1,NA\n2,NA\n"), 3.3)).unwrap_err();
    assert!(e.message.contains("no numbers"), "{}", e.message);
}

#[test]
fn characters_missing_from_the_font_are_an_error() {
    let e = make(&PlotProvider::new(), &req(&[], "", Some("m,v\n模型,3\nB,2\n"), 3.3)).unwrap_err();
    assert!(e.message.contains("模型"), "{}", e.message);
    assert!(e.hint.unwrap().contains("Liberation Sans"));
}

#[test]
fn output_is_deterministic() {
    let cases = [
        req(&[("labels", "true")], "", Some(GROUPED), 3.3),
        req(&[("y", "train_loss,val_loss")], "", Some(&lines_csv()), 3.3),
        req(&[("chart", "scatter"), ("fit", "linear")], "", Some(&scatter_csv()), 3.3),
        req(&[], "", Some(&hist_csv()), 3.3),
    ];
    for r in &cases {
        let a = make(&PlotProvider::new(), r).unwrap();
        let b = make(&PlotProvider::new(), r).unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert!(x.bytes == y.bytes, "{} differs between two runs", x.format);
        }
    }
}

/// Makes the figure of `req` (builtin providers do not use the key, which is still the real one).
pub(super) fn make(p: &dyn Provider, req: &Request) -> Result<Vec<Artifact>, ProviderError> {
    p.generate(req, &crate::key::key_of(req))
}

#[test]
fn a_huge_scatter_draws_by_density_within_bounds() {
    // 300,000 points on a smooth cloud: drawn, not refused, in a file whose size follows the
    // plot's area (a marker per occupied cell), not the number of rows
    let mut csv = String::from("x,y\n");
    let mut state = 7u64;
    let mut unif = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    for _ in 0..300_000 {
        // Box–Muller: a normal cloud, dense in the middle
        let (u, v) = (unif(), unif());
        let r = (-2.0 * u.ln()).sqrt();
        csv.push_str(&format!(
            "{:.4},{:.4}\n",
            r * (std::f64::consts::TAU * v).cos(),
            r * (std::f64::consts::TAU * v).sin()
        ));
    }
    let r = req(&[("chart", "scatter")], "y against x", Some(&csv), 3.3);
    let svg = check(&r);
    let markers = svg.matches("<circle").count();
    // the plot is at most 3.3 in x 2.4 in = 238 x 171 pt; cells are 1.05 pt
    assert!(markers > 1_000 && markers < 40_000, "{markers} markers");
    assert!(svg.len() < 4_000_000, "{} bytes", svg.len());
}

/// Heights of the rectangles filled with the first series' colour (bars).
fn bar_heights(svg: &str) -> Vec<f64> {
    svg.split("<rect ")
        .skip(1)
        .map(|r| &r[..r.find('>').unwrap()])
        .filter(|r| r.contains("fill=\"#0072B2\""))
        .map(|r| attr(r, "height").unwrap().parse().unwrap())
        .collect()
}

#[test]
fn log_bars_start_at_the_axis_floor_so_none_is_empty() {
    // the smallest value on a power of ten was the floor itself: a bar of zero height
    let svg = check(&req(&[("chart", "bar"), ("logy", "true")], "", Some("model,tokens\nA,10\nB,100\nC,1000\n"), 3.3));
    let h = bar_heights(&svg);
    assert_eq!(h.len(), 3, "{h:?}");
    assert!(h[0] > 0.0 && h[0] < h[1] && h[1] < h[2], "{h:?}");
    // a decade per bar: equal steps on a log axis
    assert!(((h[1] - h[0]) - (h[2] - h[1])).abs() < 2.0, "{h:?}");
}

#[test]
fn a_constant_histogram_is_one_bar_not_a_filled_plot() {
    let csv: String = std::iter::once("epochs\n".to_string()).chain((0..40).map(|_| "5\n".to_string())).collect();
    let svg = check(&req(&[("chart", "hist")], "", Some(&csv), 3.3));
    let (w, _) = view_box(&svg);
    let bars: Vec<f64> = svg
        .split("<rect ")
        .skip(1)
        .map(|r| &r[..r.find('>').unwrap()])
        .filter(|r| r.contains("fill=\"#0072B2\""))
        .map(|r| attr(r, "width").unwrap().parse().unwrap())
        .collect();
    assert_eq!(bars.len(), 1, "{bars:?}");
    assert!(bars[0] < 0.3 * w, "one bar of {} units in a figure {w} wide", bars[0]);
    assert!(texts(&svg).iter().any(|t| t == "5"), "the value is a tick: {:?}", texts(&svg));
}

/// x of every vertex of the longest polyline drawn in the first series' colour (its data
/// line, not its legend swatch).
pub(super) fn line_xs(svg: &str) -> Vec<f64> {
    svg.split("<polyline ")
        .skip(1)
        .map(|r| &r[..r.find("/>").unwrap()])
        .filter(|r| r.contains("stroke=\"#0072B2\""))
        .map(|r| {
            attr(r, "points")
                .unwrap()
                .split(' ')
                .map(|p| p.split(',').next().unwrap().parse::<f64>().unwrap())
                .collect::<Vec<_>>()
        })
        .max_by_key(Vec::len)
        .unwrap_or_default()
}

#[test]
fn dates_lie_on_a_time_axis_with_calendar_ticks() {
    // three days then a year: as categories these were four equal steps
    let csv = "date,sales\n2023-01-01,5\n2023-01-02,6\n2023-01-03,7\n2024-01-01,9\n";
    let svg = check(&req(&[], "Sales over time", Some(csv), 3.3));
    let xs = line_xs(&svg);
    assert_eq!(xs.len(), 4, "{xs:?}");
    // (SVG units are 1/10 pt: two days are about 11 of them)
    let (two_days, year) = (xs[2] - xs[0], xs[3] - xs[0]);
    assert!((year / two_days - 182.5).abs() < 20.0, "two days are {two_days}, a year {year}");
    let t = texts(&svg);
    assert!(t.iter().any(|s| s.ends_with("2023")) && t.iter().any(|s| s.ends_with("2024")), "{t:?}");
    assert!(!t.iter().any(|s| s == "2023-01-02"), "dates are not category labels: {t:?}");
    // times of day, with an offset, on a scatter
    let csv = "when,ms\n2023-03-05T08:00Z,5\n2023-03-05T10:00+02:00,6\n2023-03-05T20:00Z,4\n";
    let svg = check(&req(&[("chart", "scatter")], "", Some(csv), 3.3));
    assert!(texts(&svg).iter().any(|s| s.contains(":00")), "{:?}", texts(&svg));
    // bars keep dates as categories, one bar each
    let svg = check(&req(&[("chart", "bar")], "", Some("month,n\n2023-01,5\n2023-02,7\n"), 3.3));
    assert!(texts(&svg).iter().any(|s| s == "2023-01"), "{:?}", texts(&svg));
    // a date outside the calendar is not a date: categories, as before
    let svg = check(&req(&[("chart", "line")], "", Some("day,n\n2023-02-30,5\n2023-03-01,7\n"), 3.3));
    assert!(texts(&svg).iter().any(|s| s == "2023-02-30"), "{:?}", texts(&svg));
}

#[test]
fn seeds_per_x_become_one_line_with_a_confidence_band() {
    // three seeds per step and method: drawn raw, a zig-zag with vertical strokes
    let mut csv = String::from("method,step,seed,acc\n");
    for (m, base) in [("ours", 0.6), ("baseline", 0.5)] {
        for step in 1..=5 {
            for seed in 0..3 {
                csv += &format!("{m},{step},{seed},{:.3}\n", base + 0.05 * f64::from(step) + 0.01 * f64::from(seed));
            }
        }
    }
    let r = req(&[("x", "step"), ("y", "acc"), ("group", "method")], "Mean accuracy with 95% CI", Some(&csv), 3.3);
    let svg = check(&r);
    let xs = line_xs(&svg);
    assert_eq!(xs.len(), 5, "one vertex per step: {xs:?}");
    assert!(xs.windows(2).all(|w| w[1] > w[0]), "no vertical strokes: {xs:?}");
    assert!(svg.contains("<polygon") && svg.contains("fill=\"#0072B2\" fill-opacity"), "a band per series");
    let notes = PlotProvider::new().explain(&r);
    assert_eq!(notes, ["30 rows at 10 x values: drawn as the mean with a 95 % t-interval (agg= and ci= change this)"]);
    // agg=none draws what the rows say
    let raw = check(&req(&[("x", "step"), ("y", "acc"), ("group", "method"), ("agg", "none")], "", Some(&csv), 3.3));
    assert_eq!(line_xs(&raw).len(), 15);
}
