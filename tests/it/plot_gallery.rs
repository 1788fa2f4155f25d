//! The stress gallery of builtin plots: the data researchers actually have (long names,
//! many series, dates, seeds, extreme values) and every chart type, each drawn at column
//! width and through the text check — no text under 7 pt at print size, off the figure,
//! or on other text. Each case is one the plots once got wrong, or a chart type.

use std::collections::BTreeMap;

use paperfig::model::{Format, InputFile, Kind, OutputSpec, Request};
use paperfig::provider::Provider;
use paperfig::provider::plot::{self, PlotProvider};
use paperfig::render;

fn request(attrs: &[(&str, &str)], body: &str, csv: &str, width_in: f64) -> Request {
    Request {
        kind: Kind::Plot,
        provider: "builtin".into(),
        provider_version: plot::VERSION.into(),
        attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: body.into(),
        files: BTreeMap::from([("data".to_string(), InputFile::new("csv", csv.as_bytes().to_vec()))]),
        extra: BTreeMap::new(),
        output: OutputSpec { formats: vec![Format::Svg], width_in, height_in: width_in * 0.72, png_dpi: 192.0 },
    }
}

/// A deterministic stream of numbers in [0, 1).
fn noise(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A case: its name, the directive's attributes and its CSV data.
type Case = (&'static str, Vec<(&'static str, &'static str)>, String);

fn cases() -> Vec<Case> {
    let mut r = noise(11);
    let long_names: String = std::iter::once("benchmark,score\n".to_string())
        .chain((0..30).map(|i| format!("Long benchmark task name number {i} (held out),{:.1}\n", 40.0 + 50.0 * r())))
        .collect();
    let eight: String = std::iter::once("step,series,value\n".to_string())
        .chain((0..8).flat_map(|k| {
            (1..=10).map(move |s| {
                format!("{s},method_with_a_long_name_{k},{}\n", f64::from(s) * (1.0 + f64::from(k) * 0.1))
            })
        }))
        .collect();
    let turned: String = std::iter::once("dataset,acc\n".to_string())
        .chain((0..24).map(|i| format!("dataset-{i:02}-validation,{:.2}\n", 0.5 + 0.4 * r())))
        .collect();
    let seeds: String = std::iter::once("method,step,seed,acc\n".to_string())
        .chain((0..3).flat_map(|m| {
            (1..=6).flat_map(move |s| {
                (0..5).map(move |k| format!("m{m},{s},{k},{}\n", 0.5 + 0.05 * f64::from(s) + 0.01 * f64::from(k + m)))
            })
        }))
        .collect();
    let dates = "date,users\n2023-01-01,5\n2023-01-02,6\n2023-01-03,7\n2024-01-01,90000\n".to_string();
    let dist: String = std::iter::once("system,ms\n".to_string())
        .chain((0..4).flat_map(|k| {
            let mut r = noise(k);
            (0..50).map(move |_| format!("system {k},{:.2}\n", 20.0 * (k + 1) as f64 * (0.5 + r())))
        }))
        .collect();
    let mut r = noise(23);
    let mut by_load = String::from("system,load,ms\n");
    for k in 0..3 {
        for (load, f) in [("low", 1.0), ("high", 2.5)] {
            for _ in 0..30 {
                by_load += &format!("system {k},{load},{:.1}\n", 10.0 * f * f64::from(k + 1) * (0.6 + r()));
            }
        }
    }
    let stack = "year,source,twh\n2020,coal,30\n2020,gas,20\n2020,wind,10\n2021,coal,25\n2021,gas,22\n2021,wind,18\n"
        .to_string();
    let matrix = "true,cat,dog,bird,fish\ncat,50,3,2,0\ndog,4,45,1,2\nbird,1,2,38,9\nfish,0,1,6,44\n".to_string();
    vec![
        ("30 long names on horizontal bars", vec![("chart", "barh")], long_names),
        ("8 series, legend on top", vec![("x", "step"), ("group", "series"), ("legend", "top")], eight.clone()),
        ("8 series, legend chosen", vec![("x", "step"), ("group", "series")], eight.clone()),
        ("8 series in black and white", vec![("x", "step"), ("group", "series"), ("style", "bw")], eight),
        ("24 turned category labels", vec![("chart", "bar")], turned),
        ("seeds per step, aggregated", vec![("x", "step"), ("group", "method"), ("y", "acc")], seeds),
        ("dates and a jump of four magnitudes", vec![("labels", "true")], dates),
        (
            "value labels from 0.001 to 1M",
            vec![("chart", "bar"), ("labels", "true")],
            "m,v\na,0.001\nb,10\nc,1000000\n".into(),
        ),
        ("log bars", vec![("chart", "bar"), ("logy", "true"), ("labels", "true")], "m,v\na,10\nb,100\nc,1000\n".into()),
        ("constant histogram", vec![("chart", "hist")], "n\n5\n5\n5\n5\n".into()),
        ("box", vec![("chart", "box"), ("hline", "60:target")], dist.clone()),
        ("violin", vec![("chart", "violin")], dist.clone()),
        ("ecdf", vec![("chart", "ecdf"), ("x", "ms"), ("vline", "50:SLO")], dist.clone()),
        (
            "stacked bars",
            vec![("chart", "bar"), ("x", "year"), ("group", "source"), ("stack", "true"), ("labels", "true")],
            stack.clone(),
        ),
        (
            "100 % bars",
            vec![("chart", "barh"), ("x", "year"), ("group", "source"), ("stack", "percent")],
            stack.clone(),
        ),
        ("stacked area", vec![("chart", "area"), ("x", "year"), ("group", "source")], stack),
        ("confusion matrix", vec![("chart", "heatmap")], matrix),
        (
            "facets of histograms",
            vec![("chart", "hist"), ("x", "ms"), ("facet", "system"), ("title", "Latency")],
            dist.clone(),
        ),
        ("facets of boxes", vec![("chart", "box"), ("x", "system"), ("y", "ms"), ("facet", "load")], by_load),
    ]
}

#[test]
fn every_case_and_chart_type_passes_the_text_check_at_both_widths() {
    let mut failures = Vec::new();
    for width in [3.3, 7.0] {
        for (name, attrs, csv) in cases() {
            let req = request(&attrs, "", &csv, width);
            let out = PlotProvider::new().generate(&req, &paperfig::key::key_of(&req));
            let svg = match out {
                Ok(a) => String::from_utf8(a.into_iter().next().unwrap().bytes).unwrap(),
                Err(e) => {
                    failures.push(format!("{name} at {width} in: {e}"));
                    continue;
                }
            };
            let problems = render::textcheck::check(&render::parse(&svg).unwrap(), None);
            if !problems.is_empty() {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                failures.push(format!("{name} at {width} in: {}", list.join("; ")));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
