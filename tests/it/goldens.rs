//! Small committed goldens: the SVG of one plot and one diagram, compared byte for byte
//! (every machine draws the same bytes: fonts are embedded, layout is measured with them).
//! On a mismatch the new drawing is written beside its golden as `NAME.observed`; look at
//! both, and when the change is meant, replace the golden with it (or run with
//! `PAPERFIG_UPDATE_GOLDENS=1`, which rewrites the goldens).

use std::collections::BTreeMap;

use paperfig::model::{Format, InputFile, Kind, OutputSpec, Request};
use paperfig::provider::Provider;
use paperfig::provider::diagram::{self, DiagramProvider};
use paperfig::provider::plot::{self, PlotProvider};

use crate::util::repo;

fn request(kind: Kind, version: &str, attrs: &[(&str, &str)], body: &str, data: Option<&str>) -> Request {
    let files = data.map(|csv| ("data".to_string(), InputFile::new("csv", csv.as_bytes().to_vec())));
    Request {
        kind,
        provider: "builtin".into(),
        provider_version: version.into(),
        attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: body.into(),
        files: files.into_iter().collect::<BTreeMap<_, _>>(),
        extra: BTreeMap::new(),
        output: OutputSpec { formats: vec![Format::Svg], width_in: 3.3, height_in: 2.376, png_dpi: 192.0 },
    }
}

/// The SVG `provider` draws for `req`.
fn svg(provider: &dyn Provider, req: &Request) -> Vec<u8> {
    let artifacts = provider.generate(req, &paperfig::key::key_of(req)).unwrap_or_else(|e| panic!("{e}"));
    artifacts.into_iter().find(|a| a.format == Format::Svg).expect("an SVG").bytes
}

/// Compares `bytes` with `fixtures/goldens/NAME`; on a mismatch writes `NAME.observed`.
fn check(name: &str, bytes: &[u8]) {
    let golden = repo().join("fixtures/goldens").join(name);
    let observed = golden.with_file_name(format!("{name}.observed"));
    if std::env::var_os("PAPERFIG_UPDATE_GOLDENS").is_some() {
        std::fs::write(&golden, bytes).unwrap();
    }
    match std::fs::read(&golden) {
        Ok(want) if want == bytes => {
            let _ = std::fs::remove_file(&observed);
        }
        found => {
            std::fs::write(&observed, bytes).unwrap();
            let why = if found.is_ok() { "differs from" } else { "has no" };
            panic!("{name} {why} its golden; the new drawing is {}", observed.display());
        }
    }
}

#[test]
fn a_bar_chart_draws_its_golden() {
    let csv = std::fs::read_to_string(repo().join("fixtures/snapshot/data/acc.csv")).unwrap();
    let req = request(Kind::Plot, plot::VERSION, &[("chart", "bar"), ("title", "Top-1 accuracy")], "", Some(&csv));
    check("bar.svg", &svg(&PlotProvider::new(), &req));
}

#[test]
fn a_diagram_draws_its_golden() {
    let body = "direction: right\ngroup g \"Model\" [fill=orange] {\n  enc \"Encoder\"\n  dec \"Decoder\"\n  enc -> dec\n}\ndata \"Data\" [shape=cylinder]\ndata -> enc \"tokens\"\n";
    check("diagram.svg", &svg(&DiagramProvider::new(), &request(Kind::Diagram, diagram::VERSION, &[], body, None)));
}

/// One golden per chart type besides the bar chart above, each from small inline data.
#[test]
fn every_chart_type_draws_its_golden() {
    let dist = "system,ms\na,12\na,15\na,14\na,30\nb,20\nb,22\nb,25\nb,21\nc,8\nc,9\nc,11\nc,10\n";
    let stack = "year,source,twh\n2020,coal,30\n2020,wind,10\n2021,coal,25\n2021,wind,18\n2022,coal,20\n2022,wind,24\n";
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 10] = [
        ("line.svg", &[("hline", "0.5:chance")], "epoch,train,val\n1,0.9,0.8\n2,0.6,0.62\n3,0.45,0.5\n4,0.4,0.47\n"),
        ("scatter.svg", &[("chart", "scatter"), ("fit", "linear")], "x,y\n1,2.1\n2,3.9\n3,6.2\n4,7.8\n5,10.1\n"),
        ("hist.svg", &[("chart", "hist")], "ms\n1\n2\n2\n3\n3\n3\n4\n4\n5\n9\n"),
        (
            "barh.svg",
            &[("chart", "barh"), ("labels", "true")],
            "task,score\nReading comprehension,71.5\nArithmetic,48.2\nCode,35.0\n",
        ),
        ("time.svg", &[], "date,users\n2023-01-01,5\n2023-02-01,7\n2023-04-01,8\n2023-08-01,12\n"),
        ("stacked.svg", &[("chart", "bar"), ("x", "year"), ("group", "source"), ("stack", "percent")], stack),
        ("area.svg", &[("chart", "area"), ("x", "year"), ("group", "source")], stack),
        ("ecdf.svg", &[("chart", "ecdf"), ("x", "ms")], dist),
        ("box.svg", &[("chart", "box")], dist),
        ("heatmap.svg", &[("chart", "heatmap")], "true,cat,dog\ncat,50,3\ndog,4,45\n"),
    ];
    for (name, attrs, csv) in cases {
        let req = request(Kind::Plot, plot::VERSION, attrs, "", Some(csv));
        check(name, &svg(&PlotProvider::new(), &req));
    }
    let violin = request(Kind::Plot, plot::VERSION, &[("chart", "violin")], "", Some(dist));
    check("violin.svg", &svg(&PlotProvider::new(), &violin));
    let facet =
        request(Kind::Plot, plot::VERSION, &[("chart", "ecdf"), ("x", "ms"), ("facet", "system")], "", Some(dist));
    check("facet.svg", &svg(&PlotProvider::new(), &facet));
}
