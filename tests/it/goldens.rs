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
