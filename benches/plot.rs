//! Times the builtin plot provider per chart type (SVG + PDF + PNG at 192 dpi, 3.3 in wide)
//! and, with `--out DIR`, writes every figure there for looking at.
//!
//! `cargo bench --bench plot [-- --out /tmp/plots] [--iters 50] [--all]` (or scripts/bench)

use std::collections::BTreeMap;
use std::time::Instant;

use paperfig::model::{Format, InputFile, Kind, OutputSpec, Request};
use paperfig::provider::Provider;
use paperfig::provider::plot::{self, PlotProvider};

fn req(attrs: &[(&str, &str)], body: &str, data: Option<(&str, &str)>, w: f64, h: f64) -> Request {
    let mut files = BTreeMap::new();
    if let Some((ext, text)) = data {
        files.insert("data".to_string(), InputFile::new(ext, text.as_bytes().to_vec()));
    }
    Request {
        kind: Kind::Plot,
        provider: "builtin".into(),
        provider_version: plot::VERSION.into(),
        attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: body.into(),
        files,
        extra: Default::default(),
        output: OutputSpec {
            formats: vec![Format::Svg, Format::Pdf, Format::Png],
            width_in: w,
            height_in: h,
            png_dpi: 192.0,
        },
    }
}

fn cases() -> Vec<(&'static str, Request)> {
    let bars = "model,accuracy,accuracy_std\nGPT-4o,0.912,0.012\nClaude 3.5,0.934,0.01\nLlama-3 70B,0.861,0.02\nMistral Large,0.842,0.015\nOurs,0.951,0.008\n";
    let grouped = "model,MMLU,GSM8K,HumanEval\nBaseline,62.1,48.3,35.2\n+ retrieval,66.4,52.8,37.9\n+ reranking,68.9,55.1,41.0\nFull system,71.3,61.7,44.6\n";
    let long_names = "method,score\nSupervised fine-tuning,71\nDirect preference optimisation,75\nReinforcement learning from human feedback,78\nConstitutional training,77\nOurs (iterative self-refinement),83\n";
    let mut line = String::from("epoch,train_loss,train_loss_std,val_loss,val_loss_std\n");
    for e in 1..=20 {
        let t = e as f64;
        line.push_str(&format!(
            "{e},{:.3},{:.3},{:.3},{:.3}\n",
            2.4 * (-t / 6.0).exp() + 0.3,
            0.08 + 0.01 * (t / 7.0).sin(),
            2.2 * (-t / 8.0).exp() + 0.45 + 0.002 * t * t / 10.0,
            0.1
        ));
    }
    let mut scatter = String::from("params_b,accuracy,family\n");
    let fams = ["Llama", "Qwen", "Mistral"];
    for i in 0..24 {
        let p = [0.5, 1.0, 3.0, 7.0, 13.0, 34.0, 70.0, 110.0][i % 8];
        let f = fams[i / 8];
        let acc = 40.0 + 9.0 * f64::ln(p) + ((i * 37 % 11) as f64 - 5.0) * 0.9 + (i / 8) as f64 * 2.0;
        scatter.push_str(&format!("{p},{acc:.1},{f}\n"));
    }
    let mut hist = String::from("latency_ms\n");
    let mut s: u64 = 12345;
    for _ in 0..500 {
        let mut acc = 0.0;
        for _ in 0..6 {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            acc += (s >> 33) as f64 / (1u64 << 31) as f64;
        }
        hist.push_str(&format!("{:.2}\n", 40.0 + acc * 12.0));
    }
    let mut loglines = String::from("tokens,ours,baseline\n");
    for k in 0..8 {
        let n = 10f64.powf(3.0 + k as f64 * 0.7);
        loglines.push_str(&format!("{n:.0},{:.4},{:.4}\n", 5.0 * n.powf(-0.3), 7.0 * n.powf(-0.25)));
    }
    let mut cases = vec![
        ("bar", req(&[], "Accuracy per model, bar chart", Some(("csv", bars)), 3.3, 2.4)),
        ("bar_grouped", req(&[("ylabel", "Score (%)")], "", Some(("csv", grouped)), 3.3, 2.4)),
        ("bar_longnames", req(&[], "", Some(("csv", long_names)), 3.3, 2.4)),
        ("bar_longnames_forced", req(&[("chart", "bar")], "", Some(("csv", long_names)), 3.3, 2.8)),
        ("barh", req(&[("chart", "barh"), ("labels", "true"), ("xlim", "0,1")], "", Some(("csv", bars)), 3.3, 2.4)),
        ("bar_labels_grouped", req(&[("labels", "true"), ("legend", "top")], "", Some(("csv", grouped)), 7.0, 2.6)),
        (
            "line_band",
            req(
                &[("y", "train_loss,val_loss"), ("xlabel", "Epoch"), ("ylabel", "Loss")],
                "Loss over epochs",
                Some(("csv", &line)),
                3.3,
                2.4,
            ),
        ),
        (
            "scatter_fit",
            req(
                &[
                    ("chart", "scatter"),
                    ("x", "params_b"),
                    ("y", "accuracy"),
                    ("group", "family"),
                    ("fit", "linear"),
                    ("logx", "true"),
                    ("xlabel", "Parameters (B)"),
                ],
                "",
                Some(("csv", &scatter)),
                3.3,
                2.6,
            ),
        ),
        ("hist", req(&[("title", "Request latency")], "Distribution of latency", Some(("csv", &hist)), 3.3, 2.2)),
        (
            "scatter_plain",
            req(
                &[("fit", "linear")],
                "",
                Some(("csv", "x,y\n1,2.1\n2,3.9\n3,6.2\n4,8.1\n5,9.7\n6,12.4\n7,13.8\n")),
                3.3,
                2.4,
            ),
        ),
        (
            "line_log",
            req(
                &[("log", "xy"), ("xlabel", "Training tokens"), ("ylabel", "Loss")],
                "",
                Some(("csv", &loglines)),
                3.3,
                2.4,
            ),
        ),
    ];
    cases.extend(new_types());
    cases
}

/// The chart types and data semantics added later (each must stay ≤ 20 ms cold), and a
/// line of a million rows (≤ 1 s).
fn new_types() -> Vec<(&'static str, Request)> {
    let mut s: u64 = 7;
    let mut unif = move || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut dist = String::from("system,latency_ms\n");
    for (k, name) in ["baseline", "cache", "batching", "ours"].iter().enumerate() {
        for _ in 0..200 {
            dist.push_str(&format!("{name},{:.2}\n", 30.0 * (4 - k) as f64 * (0.6 + unif())));
        }
    }
    let mut seeds = String::from("method,step,seed,acc\n");
    for (m, base) in [("ours", 0.6), ("baseline", 0.5), ("ablation", 0.55)] {
        for step in 1..=20 {
            for seed in 0..5 {
                seeds.push_str(&format!("{m},{step},{seed},{:.4}\n", base + 0.01 * f64::from(step) + 0.02 * unif()));
            }
        }
    }
    let mut dates = String::from("date,users\n");
    for d in 0..365 {
        let (m, day) = (d / 28 % 12 + 1, d % 28 + 1);
        dates.push_str(&format!("2023-{m:02}-{day:02},{}\n", 1000 + d * 3));
    }
    let stack = "year,source,twh\n2019,coal,300\n2019,gas,200\n2019,wind,50\n2020,coal,280\n2020,gas,205\n2020,wind,70\n2021,coal,260\n2021,gas,210\n2021,wind,90\n";
    let matrix = "true,cat,dog,bird,fish,frog\ncat,50,3,2,0,1\ndog,4,45,1,2,0\nbird,1,2,38,9,3\nfish,0,1,6,44,2\nfrog,2,0,1,3,40\n";
    let mut million = String::with_capacity(20_000_000);
    million.push_str("step,loss\n");
    for i in 0..1_000_000 {
        let t = f64::from(i);
        million.push_str(&format!("{i},{:.4}\n", 3.0 * (-t / 200_000.0).exp() + 0.2 + 0.05 * unif()));
    }
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let (dist, seeds, dates, million) = (leak(dist), leak(seeds), leak(dates), leak(million));
    vec![
        ("box", req(&[("chart", "box")], "", Some(("csv", dist)), 3.3, 2.4)),
        ("violin", req(&[("chart", "violin")], "", Some(("csv", dist)), 3.3, 2.4)),
        ("ecdf", req(&[("chart", "ecdf"), ("x", "latency_ms")], "", Some(("csv", dist)), 3.3, 2.4)),
        ("heatmap", req(&[("chart", "heatmap")], "", Some(("csv", matrix)), 3.3, 2.4)),
        (
            "stacked_bars",
            req(
                &[("chart", "bar"), ("x", "year"), ("group", "source"), ("stack", "percent")],
                "",
                Some(("csv", stack)),
                3.3,
                2.4,
            ),
        ),
        ("area", req(&[("chart", "area"), ("x", "year"), ("group", "source")], "", Some(("csv", stack)), 3.3, 2.4)),
        (
            "seeds_aggregated",
            req(&[("x", "step"), ("y", "acc"), ("group", "method")], "", Some(("csv", seeds)), 3.3, 2.4),
        ),
        ("dates", req(&[("hline", "1500:goal")], "", Some(("csv", dates)), 3.3, 2.4)),
        ("line_1e6_rows", req(&[], "", Some(("csv", million)), 3.3, 2.4)),
    ]
}

/// More cases for looking at (`--all`), not part of the timing set.
fn gallery() -> Vec<(&'static str, Request)> {
    let months = "month,2023,2024\nJan,120,135\nFeb,132,150\nMar,101,170\nApr,134,160\nMay,90,182\nJun,230,210\n";
    let neg = "method,delta\nA,3.2\nB,-1.5\nC,0.4\nD,-4.1\nE,2.2\n";
    let mut many = String::from("lang,tokens\n");
    for (i, l) in ["en", "de", "fr", "es", "it", "pt", "nl", "sv", "pl", "cs", "ru", "uk", "ja", "zh", "ko", "ar"]
        .iter()
        .enumerate()
    {
        many.push_str(&format!("{l},{}\n", 1_000_000 / (i + 1) + 12_345));
    }
    let mut groups = String::from("system,latency\n");
    let mut s: u64 = 99;
    for i in 0..400 {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let u = (s >> 33) as f64 / (1u64 << 31) as f64;
        let (name, base) = if i % 2 == 0 { ("baseline", 60.0) } else { ("ours", 45.0) };
        groups.push_str(&format!("{name},{:.1}\n", base + 25.0 * (u - 0.5) + 8.0 * ((i % 7) as f64 - 3.0) / 3.0));
    }
    let labelled = "model,params,accuracy\nGPT-2,1.5,31.2\nGPT-3,175,62.1\nLlama-2,70,68.9\nMistral,7,62.5\nPhi-2,2.7,56.7\nGemma,7,64.3\n";
    let gaps = "step,a,b\n1,1.0,2.0\n2,1.4,\n3,1.9,2.6\n4,,2.9\n5,2.4,3.1\n";
    let mut big_line = String::from("step,loss\n");
    for i in 0..10_000 {
        let t = f64::from(i);
        big_line.push_str(&format!("{i},{:.4}\n", 3.0 * (-t / 2000.0).exp() + 0.2 + 0.05 * (t * 0.37).sin()));
    }
    let mut big_scatter = String::from("x,y\n");
    let mut r: u64 = 5;
    for _ in 0..5_000 {
        r = r.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let x = (r >> 33) as f64 / (1u64 << 31) as f64;
        r = r.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let y = x * 2.0 + (r >> 33) as f64 / (1u64 << 31) as f64;
        big_scatter.push_str(&format!("{x:.4},{y:.4}\n"));
    }
    vec![
        ("g_line_10k", req(&[], "", Some(("csv", &big_line)), 3.3, 2.4)),
        ("g_scatter_5k", req(&[("chart", "scatter"), ("fit", "linear")], "", Some(("csv", &big_scatter)), 3.3, 2.4)),
        (
            "g_months_line",
            req(&[("chart", "line"), ("ylabel", "Sales (k€)"), ("legend", "top")], "", Some(("csv", months)), 3.3, 2.4),
        ),
        (
            "g_negative_labels",
            req(&[("labels", "true"), ("ylabel", "Δ accuracy (pp)")], "", Some(("csv", neg)), 3.3, 2.2),
        ),
        ("g_many_categories", req(&[("title", "Tokens per language")], "", Some(("csv", &many)), 3.3, 2.4)),
        ("g_many_categories_wide", req(&[("logy", "true")], "", Some(("csv", &many)), 7.0, 2.4)),
        ("g_hist_groups", req(&[("xlabel", "Latency (ms)")], "latency distribution", Some(("csv", &groups)), 3.3, 2.4)),
        (
            "g_scatter_labels",
            req(
                &[
                    ("chart", "scatter"),
                    ("x", "params"),
                    ("labels", "true"),
                    ("logx", "true"),
                    ("xlabel", "Parameters (B)"),
                ],
                "",
                Some(("csv", labelled)),
                3.3,
                2.4,
            ),
        ),
        ("g_line_gaps_right", req(&[("legend", "right"), ("markers", "true")], "", Some(("csv", gaps)), 7.0, 2.2)),
        (
            "g_json_columns",
            req(
                &[],
                "Accuracy per model",
                Some(("json", r#"{"models": ["A", "B", "C"], "accuracy": [0.9, 0.8, 0.85]}"#)),
                3.3,
                2.0,
            ),
        ),
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args.iter().position(|a| a == "--out").map(|i| std::path::PathBuf::from(&args[i + 1]));
    let iters: usize = args.iter().position(|a| a == "--iters").map_or(30, |i| args[i + 1].parse().unwrap());
    let t0 = Instant::now();
    plot::init();
    println!("one-time font setup: {:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
    let p = PlotProvider::new();
    println!(
        "{:<20} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "chart", "svg ms", "parse ms", "pdf ms", "png ms", "total ms", "min", "first"
    );
    let mut all = cases();
    if args.iter().any(|a| a == "--all") {
        all.extend(gallery());
    }
    for (name, r) in all {
        // a million rows: a few runs are enough to time
        let iters = if name.contains("1e6") { iters.min(3) } else { iters };
        let mut times = Vec::new();
        let mut split = (0.0, 0.0, 0.0);
        let mut parse = 0.0;
        for _ in 0..iters {
            let t = Instant::now();
            let svg = match plot::svg(&r) {
                Ok(s) => s,
                Err(e) => {
                    println!("{name}: {e} ({:?})", e.hint);
                    break;
                }
            };
            let a = t.elapsed().as_secs_f64();
            let tree = paperfig::render::parse(&svg).unwrap();
            let ap = t.elapsed().as_secs_f64();
            let pdf = paperfig::render::to_pdf(&tree).unwrap();
            let b = t.elapsed().as_secs_f64();
            let png = paperfig::render::to_png(&tree, 192.0).unwrap();
            let c = t.elapsed().as_secs_f64();
            std::hint::black_box((pdf, png));
            split.0 += a;
            split.1 += b - ap;
            split.2 += c - b;
            parse += ap - a;
            times.push(c);
        }
        if times.is_empty() {
            continue;
        }
        let n = iters as f64;
        // the first run of a chart type in this process: its cold time
        let first = times[0];
        let full = Instant::now();
        let arts = p.generate(&r, &paperfig::key::key_of(&r)).unwrap();
        let full = full.elapsed().as_secs_f64();
        times.sort_by(f64::total_cmp);
        println!(
            "{name:<20} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2}   (generate: {:.2})",
            split.0 / n * 1e3,
            parse / n * 1e3,
            split.1 / n * 1e3,
            split.2 / n * 1e3,
            times.iter().sum::<f64>() / n * 1e3,
            times[0] * 1e3,
            first * 1e3,
            full * 1e3
        );
        if let Some(dir) = &out {
            std::fs::create_dir_all(dir).unwrap();
            for a in arts {
                std::fs::write(dir.join(format!("{name}.{}", a.format.ext())), &a.bytes).unwrap();
            }
        }
    }
}
