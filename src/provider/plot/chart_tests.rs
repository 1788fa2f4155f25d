//! End-to-end tests of the chart types beyond bars, lines, scatters and histograms: box,
//! violin, heatmap, stacked bars and areas, ECDF, and reference marks. Every figure goes
//! through `tests::check` (SVG, PDF and PNG, and the text check).

use super::tests::{attr, check, make, req, texts};
use super::*;

/// Rectangles (x, y, width, height, fill) of an SVG, in its units (1/10 pt).
fn rects(svg: &str) -> Vec<(f64, f64, f64, f64, String)> {
    svg.split("<rect ")
        .skip(1)
        .map(|r| &r[..r.find('>').unwrap()])
        .map(|r| {
            let n = |k: &str| attr(r, k).map_or(0.0, |v| v.parse::<f64>().unwrap());
            (n("x"), n("y"), n("width"), n("height"), attr(r, "fill").unwrap())
        })
        .collect()
}

fn latency_csv() -> String {
    // per system: 1..=20 ms scaled, and one far outlier for "b"
    let mut s = String::from("system,ms\n");
    for (name, scale) in [("a", 1.0), ("b", 2.0), ("c", 3.0)] {
        for i in 1..=20 {
            s += &format!("{name},{}\n", f64::from(i) * scale);
        }
    }
    s + "b,400\n"
}

#[test]
fn box_plots_show_quartiles_whiskers_and_outliers() {
    let svg = check(&req(&[("chart", "box")], "", Some(&latency_csv()), 3.3));
    let t = texts(&svg);
    for name in ["a", "b", "c"] {
        assert!(t.iter().any(|s| s == name), "{t:?}");
    }
    // one box each (filled at 35 %), and b's outlier drawn as a point
    let boxes: Vec<_> = rects(&svg).into_iter().filter(|r| r.4 == "#0072B2").collect();
    assert_eq!(boxes.len(), 3, "{boxes:?}");
    assert_eq!(svg.matches("<circle").count(), 1, "one outlier");
    // taller boxes for wider spreads: a's IQR is 9.5, c's 28.5 (three times as tall)
    let (ha, hc) = (boxes[0].3, boxes[2].3);
    assert!((hc / ha - 3.0).abs() < 0.05, "{ha} {hc}");
}

#[test]
fn violins_are_mirrored_densities() {
    let svg = check(&req(&[("chart", "violin")], "", Some(&latency_csv()), 3.3));
    let poly = svg.split("<polygon ").nth(1).unwrap();
    let pts: Vec<(f64, f64)> = attr(poly, "points")
        .unwrap()
        .split(' ')
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect();
    let (lo, hi) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let mid = (lo + hi) / 2.0;
    // each point on one side has its mirror on the other
    for p in &pts[..pts.len() / 2] {
        assert!(pts.iter().any(|q| (q.1 - p.1).abs() < 1.0 && ((2.0 * mid - p.0) - q.0).abs() < 1.5), "{p:?}");
    }
}

#[test]
fn a_confusion_matrix_is_a_sequential_heatmap_with_its_values() {
    let csv = "true,cat,dog,bird\ncat,50,3,2\ndog,4,45,1\nbird,1,2,38\n";
    let r = req(&[], "Confusion matrix of the classifier", Some(csv), 3.3);
    let svg = check(&r);
    let t = texts(&svg);
    for v in ["50", "3", "45", "38", "cat", "dog", "bird", "true"] {
        assert!(t.iter().any(|s| s == v), "{v}: {t:?}");
    }
    // the largest count in viridis's yellow, the smallest in its purple
    let cells = rects(&svg);
    assert!(cells.iter().any(|r| r.4 == "#FDE725"), "the top of the colour map");
    assert!(cells.iter().any(|r| r.4 == "#440154"), "the bottom of the colour map");
    // annotations are white on dark cells, dark on light ones
    assert!(svg.contains("fill=\"#FFFFFF\"") && svg.contains(">50<"));
}

#[test]
fn values_of_both_signs_get_a_diverging_map_centred_on_zero() {
    let csv = "a,b,r\nx,x,1\nx,y,-0.5\ny,x,-0.5\ny,y,1\nz,x,0\nz,y,0\n";
    let svg = check(&req(&[("chart", "heatmap"), ("x", "a"), ("y", "b")], "", Some(csv), 3.3));
    let fills: Vec<String> = rects(&svg).into_iter().map(|r| r.4).collect();
    assert!(fills.iter().any(|f| f == "#F7F7F7"), "zero is the white middle: {fills:?}");
    assert!(fills.iter().any(|f| f == "#67001F"), "1 is the red end");
    let e = make(&PlotProvider::new(), &req(&[("chart", "heatmap")], "", Some("a,b,c,d\nx,y,1,2\n"), 3.3));
    let e = e.unwrap_err();
    assert!(e.message.contains("which column holds the cell values"), "{}", e.message);
}

#[test]
fn stacked_bars_add_up_and_percent_stacks_reach_100() {
    let csv = "year,source,twh\n2020,coal,30\n2020,wind,10\n2021,coal,20\n2021,wind,20\n";
    let base = [("chart", "bar"), ("x", "year"), ("y", "twh"), ("group", "source")];
    let stacked = check(&req(&[&base[..], &[("stack", "true")]].concat(), "", Some(csv), 3.3));
    let segs: Vec<_> = rects(&stacked).into_iter().filter(|r| r.4 == "#0072B2" || r.4 == "#E69F00").collect();
    // two stacks of two segments (plus two legend swatches), equal totals: equal heights
    let bars: Vec<_> = segs.iter().filter(|r| r.2 > 80.0).collect();
    assert_eq!(bars.len(), 4, "{segs:?}");
    let total = |x: f64| bars.iter().filter(|r| (r.0 - x).abs() < 1.0).map(|r| r.3).sum::<f64>();
    assert!((total(bars[0].0) - total(bars[2].0)).abs() <= 2.0, "{bars:?}");
    let pct = check(&req(&[&base[..], &[("stack", "percent"), ("labels", "true")]].concat(), "", Some(csv), 3.3));
    let t = texts(&pct);
    assert!(t.iter().any(|s| s == "75") && t.iter().any(|s| s == "25") && t.iter().any(|s| s == "100"), "{t:?}");
    assert!(t.iter().any(|s| s.starts_with("Share of")), "{t:?}");
    // what cannot stack says so, at the attribute
    for (attrs, csv, why) in [
        (vec![("chart", "line"), ("stack", "true")], csv, "only bars and areas stack"),
        (
            vec![("chart", "bar"), ("stack", "true"), ("x", "year"), ("group", "source")],
            "year,source,v\n1,a,-1\n1,b,2\n",
            "negative",
        ),
        (
            vec![("chart", "bar"), ("stack", "true"), ("logy", "true"), ("x", "year"), ("group", "source")],
            csv,
            "log axis",
        ),
    ] {
        let e = make(&PlotProvider::new(), &req(&attrs, "", Some(csv), 3.3)).unwrap_err();
        assert!(e.message.contains(why) && e.attr.as_deref() == Some("stack"), "{}: {:?}", e.message, e.attr);
    }
}

#[test]
fn areas_stack_by_default_and_ecdfs_climb_to_one() {
    let csv = "year,source,twh\n1,coal,30\n1,wind,10\n2,coal,20\n2,wind,20\n3,coal,10\n3,wind,30\n";
    let svg = check(&req(&[("chart", "area"), ("x", "year"), ("y", "twh"), ("group", "source")], "", Some(csv), 3.3));
    assert_eq!(svg.matches("<polygon").count(), 2, "a layer per source");
    // the top layer's line is flat: the totals are 40 every year
    let top = svg.split("<polyline ").skip(1).find(|p| p.contains("#E69F00")).unwrap();
    let ys: Vec<f64> =
        attr(top, "points").unwrap().split(' ').map(|p| p.split(',').nth(1).unwrap().parse().unwrap()).collect();
    assert!(ys.windows(2).all(|w| (w[0] - w[1]).abs() < 1.0), "{ys:?}");
    let svg = check(&req(&[("chart", "ecdf")], "", Some("ms\n1\n2\n2\n3\n"), 3.3));
    assert!(texts(&svg).iter().any(|s| s == "Proportion"));
    assert!(texts(&svg).iter().any(|s| s == "1.0") || texts(&svg).iter().any(|s| s == "1"), "{:?}", texts(&svg));
}

#[test]
fn reference_lines_bands_and_notes_are_drawn_and_checked() {
    let csv = "step,acc\n1,0.5\n2,0.6\n3,0.7\n";
    let r = req(
        &[("hline", "0.9:human"), ("vline", "2"), ("band", "1,1.5:warm-up"), ("note", "3,0.7:best")],
        "",
        Some(csv),
        3.3,
    );
    let svg = check(&r);
    let t = texts(&svg);
    for s in ["human", "warm-up", "best"] {
        assert!(t.iter().any(|x| x == s), "{s}: {t:?}");
    }
    // the y axis reaches the reference line above the data
    assert!(t.iter().any(|x| x == "0.9" || x == "0.90" || x == "1.0"), "{t:?}");
    let e = make(&PlotProvider::new(), &req(&[("chart", "bar"), ("vline", "1")], "", Some("m,v\na,1\nb,2\n"), 3.3));
    assert_eq!(e.unwrap_err().attr.as_deref(), Some("vline"));
}

#[test]
fn many_long_rows_grow_the_chart_and_keep_their_names_apart() {
    // 30 names that differ only at their ends, at column width: the chart grows taller and
    // shortens the names in the middle, so each row is still told apart
    let csv: String = std::iter::once("task,score\n".to_string())
        .chain((0..30).map(|i| format!("Long benchmark task name number {i} (held out),{}\n", 40 + i)))
        .collect();
    let svg = check_grown(&req(&[("chart", "barh")], "", Some(&csv), 3.3));
    let t = texts(&svg);
    let rows: Vec<&String> = t.iter().filter(|s| s.starts_with("Long")).collect();
    assert_eq!(rows.len(), 30, "{t:?}");
    let distinct: std::collections::HashSet<&&String> = rows.iter().collect();
    assert_eq!(distinct.len(), 30, "every row has its own label: {rows:?}");
    assert!(rows.iter().all(|r| r.contains('…') && r.ends_with("(held out)")), "{rows:?}");
}

/// The SVG of a figure that may be taller than asked, after the text check.
fn check_grown(r: &Request) -> String {
    let svg = String::from_utf8(make(&PlotProvider::new(), r).unwrap()[0].bytes.clone()).unwrap();
    let problems = crate::render::textcheck::check(&crate::render::parse(&svg).unwrap(), None);
    assert!(problems.is_empty(), "{problems:?}");
    let (_, h) = super::tests::view_box(&svg);
    assert!(h > r.output.height_in * 720.0, "the chart grew: {h}");
    svg
}

#[test]
fn facets_draw_a_panel_per_value_on_shared_axes() {
    // two systems an order of magnitude apart: on shared axes the small one stays small
    let mut csv = String::from("system,run,ms\n");
    for i in 0..20 {
        csv += &format!("fast,{i},{}\nslow,{i},{}\n", 1 + i % 3, 10 + i % 7);
    }
    let r = req(
        &[("chart", "line"), ("x", "run"), ("y", "ms"), ("facet", "system"), ("title", "Latency")],
        "",
        Some(&csv),
        7.0,
    );
    let svg = check(&r);
    assert_eq!(svg.matches("<svg x=").count(), 2, "a nested panel per system");
    let t = texts(&svg);
    for s in ["Latency", "fast", "slow"] {
        assert!(t.iter().any(|x| x == s), "{s}: {t:?}");
    }
    // the same y ticks in both panels (the slow one's range), and the y label once
    let ticks = |panel: &str| -> Vec<String> {
        let p = svg.split("<svg x=").find(|p| p.contains(&format!(">{panel}<"))).unwrap();
        let p = &p[..p.find("</svg>").unwrap()];
        let outer = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"7in\" height=\"5in\" viewBox=\"0 0 5040 3600\">";
        texts(&format!("{outer}<svg x={p}</svg></svg>")).into_iter().filter(|s| s.parse::<f64>().is_ok()).collect()
    };
    assert_eq!(ticks("fast"), ticks("slow"));
    assert!(ticks("fast").iter().any(|s| s == "15" || s == "16" || s == "20"), "{:?}", ticks("fast"));
    assert_eq!(t.iter().filter(|s| *s == "ms").count(), 1, "{t:?}");
    // what facets cannot do says so, at facet=
    for (attrs, why) in [
        (vec![("facet", "nope")], "no column `nope`"),
        (vec![("facet", "run")], "would draw 20 panels"),
        (vec![("facet", "system"), ("chart", "heatmap"), ("x", "run"), ("y", "system")], "cannot be faceted"),
    ] {
        let e = make(&PlotProvider::new(), &req(&attrs, "", Some(&csv), 7.0)).unwrap_err();
        assert!(e.message.contains(why) && e.attr.as_deref() == Some("facet"), "{}: {:?}", e.message, e.attr);
    }
}

#[test]
fn style_bw_tells_series_apart_by_dashes_markers_and_greys() {
    let mut csv = String::from("step,method,acc\n");
    for m in 0..8 {
        for s in 0..40 {
            csv += &format!("{s},method {m},{}\n", f64::from(s) * 0.01 + f64::from(m) * 0.1);
        }
    }
    let svg =
        check(&req(&[("x", "step"), ("group", "method"), ("style", "bw"), ("legend", "top")], "", Some(&csv), 7.0));
    // no colour: every stroke and fill is a grey (r = g = b)
    for part in svg.split("=\"#").skip(1) {
        let hex = &part[..6];
        assert!(hex[0..2] == hex[2..4] && hex[2..4] == hex[4..6], "a colour in bw: #{hex}");
    }
    // lines: solid for the first, dashes for the others (many short pieces)
    assert!(svg.matches("<polyline").count() > 8 * 20, "dashed lines are drawn in pieces");
    // bars: greys with an edge
    let bars = check(&req(&[("style", "bw"), ("chart", "bar")], "", Some("m,a,b\nx,1,2\ny,3,4\n"), 3.3));
    assert!(bars.contains("fill=\"#333333\"") && bars.contains("fill=\"#8C8C8C\""), "two greys");
    let e = make(&PlotProvider::new(), &req(&[("style", "sepia")], "", Some("m,a\nx,1\n"), 3.3)).unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("style"));
}

#[test]
fn a_model_name_a_little_wider_than_its_bar_stays_on_one_line() {
    let csv = "model,top1,top1_std\nResNet-50,76.1,0.2\nViT-B/16,81.8,0.3\nConvNeXt-T,82.1,0.2\nSwin-T,81.3,0.2\nOurs,83.4,0.1\n";
    let svg = check(&req(&[], "Bar chart comparing model accuracy with value labels and error bars", Some(csv), 3.3));
    let t = texts(&svg);
    assert!(t.iter().any(|s| s == "ConvNeXt-T"), "{t:?}");
}
