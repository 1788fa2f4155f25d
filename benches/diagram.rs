//! Times the builtin diagram provider on a 50-node graph in three groups (with edge labels):
//! layout alone, layout fitted to the figure + SVG, and layout + SVG + PDF + PNG at 192 dpi,
//! 18 in wide (its 50 nodes in a row of ranks fit there with text at 7 pt or more only with
//! their labels wrapped word by word, so `fit` tries every layout); prints the median in ms
//! and its ratio to the 100 ms target. With `--out DIR`, writes the figure.
//!
//! `cargo bench --bench diagram [-- --iters 30] [--out /tmp/diagram]`

use std::collections::BTreeMap;
use std::time::Instant;

use paperfig::model::{Format, Kind, OutputSpec, Request};
use paperfig::provider::Provider;
use paperfig::provider::diagram::{self, DiagramProvider};

const TARGET_MS: f64 = 100.0;

/// A seeded 50-node pipeline-like DAG: three groups, about 80 edges, a fifth labelled.
fn body(n: usize) -> String {
    let mut s: u64 = 42;
    let mut rnd = |k: usize| {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 33) % k as u64) as usize
    };
    let mut out = String::from("direction: right\n");
    for (gi, title) in ["Data", "Model", "Evaluation"].iter().enumerate() {
        out += &format!("group g{gi} \"{title}\" [fill={}] {{\n", ["blue", "orange", "green"][gi]);
        for i in (0..n).filter(|i| i * 3 / n == gi && i % 4 != 3) {
            out += &format!(
                "  n{i} \"Step {i}\\nstage {gi}\" [shape={}]\n",
                ["box", "rounded", "cylinder", "ellipse"][i % 4]
            );
        }
        out += "}\n";
    }
    for i in 1..n {
        for _ in 0..1 + rnd(2) {
            let j = i.saturating_sub(1 + rnd(4));
            let label = if rnd(5) == 0 { " \"data\"" } else { "" };
            out += &format!("n{j} -> n{i}{label}{}\n", if rnd(4) == 0 { " [dashed]" } else { "" });
        }
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let iters: usize = args.iter().position(|a| a == "--iters").map_or(30, |i| args[i + 1].parse().unwrap());
    let out = args.iter().position(|a| a == "--out").map(|i| std::path::PathBuf::from(&args[i + 1]));
    paperfig::render::init_fonts();
    let req = Request {
        kind: Kind::Diagram,
        provider: "builtin".into(),
        provider_version: diagram::VERSION.into(),
        attrs: BTreeMap::new(),
        body: body(50),
        files: BTreeMap::new(),
        extra: Default::default(),
        output: OutputSpec {
            formats: vec![Format::Svg, Format::Pdf, Format::Png],
            width_in: 18.0,
            height_in: 9.0,
            png_dpi: 192.0,
        },
    };
    let g = diagram::parse(&req).unwrap();
    println!("graph: {} nodes, {} edges, {} groups", g.nodes.len(), g.edges.len(), g.groups.len());
    let p = DiagramProvider::new();
    let (mut lay, mut svg, mut all) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..iters {
        let t = Instant::now();
        let g = diagram::parse(&req).unwrap();
        let geo = diagram::geometry(&g);
        lay.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(geo);
        let f = diagram::fit::fit(&g, 18.0, 9.0).unwrap();
        std::hint::black_box(diagram::draw::svg(&f.graph, &f.geometry, f.frame));
        svg.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let arts = p.generate(&req, &paperfig::key::key_of(&req)).unwrap();
        all.push(t.elapsed().as_secs_f64() * 1e3);
        if let Some(dir) = &out {
            std::fs::create_dir_all(dir).unwrap();
            for a in &arts {
                std::fs::write(dir.join(format!("diagram50.{}", a.format)), &a.bytes).unwrap();
            }
        }
    }
    for (name, v) in [("parse + layout", lay), ("parse + fit + SVG", svg), ("+ PDF + PNG (generate)", all)] {
        let m = median(v);
        println!("{name:<24} {m:>8.2} ms  ({:.2}× the {TARGET_MS} ms target)", m / TARGET_MS);
    }
}
