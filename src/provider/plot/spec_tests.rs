//! Tests of `ChartSpec`: chart type inference, column resolution, attribute checking.

use super::*;
use crate::provider::plot::data::parse_csv;

fn attrs(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn spec(a: &[(&str, &str)], intent: &str, csv: &str) -> Result<ChartSpec, ProviderError> {
    ChartSpec::new(&attrs(a), intent, &parse_csv(csv, 1).unwrap())
}

const MODELS: &str = "model,acc,f1\nA,0.9,0.8\nB,0.85,0.7\nC,0.7,0.75\n";
const EPOCHS: &str = "epoch,loss\n1,2.0\n2,1.5\n3,1.2\n";
const XYZ: &str = "a,b,c\n1,2,3\n2,3,4\n3,5,6\n";

#[test]
fn chart_from_attribute() {
    for (v, want) in [
        ("bar", ChartType::Bar),
        ("barh", ChartType::Barh),
        ("line", ChartType::Line),
        ("scatter", ChartType::Scatter),
        ("histogram", ChartType::Hist),
        ("hist", ChartType::Hist),
        ("Bar", ChartType::Bar),
    ] {
        let s = spec(&[("chart", v), ("x", "a"), ("y", "b")], "", XYZ).unwrap();
        assert_eq!(s.chart, want, "{v}");
        assert!(!s.inferred);
    }
}

#[test]
fn chart_from_intent() {
    let cases = [
        ("A histogram of b", ChartType::Hist),
        ("horizontal bars per a", ChartType::Barh),
        ("scatter plot of a against b", ChartType::Scatter),
        ("bar chart of b", ChartType::Bar),
        ("b as a line", ChartType::Line),
        ("learning curve", ChartType::Line),
        ("b over a", ChartType::Line),
    ];
    for (intent, want) in cases {
        assert_eq!(spec(&[("x", "a"), ("y", "b")], intent, XYZ).unwrap().chart, want, "{intent}");
    }
    // "error bars" does not ask for bars, "baseline" does not ask for a line
    let s = spec(&[], "accuracy against the baseline, with error bars", EPOCHS).unwrap();
    assert_eq!((s.chart, s.inferred), (ChartType::Line, true));
    let s = spec(&[], "accuracy against the baseline", MODELS).unwrap();
    assert_eq!((s.chart, s.inferred), (ChartType::Bar, true));
    // weak keyword "over" does not turn categories into a line
    assert_eq!(spec(&[], "improvement over the baseline", MODELS).unwrap().chart, ChartType::Bar);
    // "distribution" only when the text column repeats (groups), not for category labels
    assert_eq!(spec(&[], "distribution of accuracy", MODELS).unwrap().chart, ChartType::Bar);
    let long = "method,latency\nA,1\nA,2\nB,3\nB,4\n";
    assert_eq!(spec(&[], "latency distribution", long).unwrap().chart, ChartType::Hist);
}

#[test]
fn chart_from_data_shape() {
    let s = spec(&[], "", MODELS).unwrap();
    assert_eq!((s.chart, s.inferred), (ChartType::Bar, true));
    assert_eq!(s.categories.as_deref(), Some(&["A".to_string(), "B".into(), "C".into()][..]));
    assert_eq!(s.series.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["acc", "f1"]);
    assert_eq!(spec(&[], "", EPOCHS).unwrap().chart, ChartType::Line);
    let s = spec(&[], "", "latency\n1\n2\n3\n").unwrap();
    assert_eq!(s.chart, ChartType::Hist);
    assert_eq!(s.series[0].y, [1.0, 2.0, 3.0]);
    assert_eq!(s.ylabel, "Count");
    // a fit asks for a scatter plot
    assert_eq!(spec(&[("fit", "linear")], "", EPOCHS).unwrap().chart, ChartType::Scatter);
    assert_eq!(spec(&[], "loss against epoch with a linear fit", EPOCHS).unwrap().chart, ChartType::Scatter);
}

#[test]
fn labels_default_to_column_names() {
    let s = spec(&[], "", "train_step,val_loss\n1,2\n2,1\n").unwrap();
    assert_eq!((s.xlabel.as_str(), s.ylabel.as_str()), ("train step", "val loss"));
    let s = spec(&[("xlabel", "Step"), ("ylabel", ""), ("title", "T")], "", EPOCHS).unwrap();
    assert_eq!((s.xlabel.as_str(), s.ylabel.as_str(), s.title.as_str()), ("Step", "", "T"));
}

#[test]
fn intent_picks_mentioned_columns() {
    let s = spec(&[], "F1 per model", MODELS).unwrap();
    assert_eq!(s.series.len(), 1);
    assert_eq!(s.series[0].name, "f1");
}

#[test]
fn ambiguous_columns_name_the_available_ones() {
    let e = spec(&[("chart", "scatter")], "", XYZ).unwrap_err();
    assert!(e.message.contains("cannot tell"), "{}", e.message);
    assert_eq!(e.hint.as_deref(), Some("set x= and y=; available columns: a, b, c"));
    let e = spec(&[("chart", "hist")], "", XYZ).unwrap_err();
    assert!(e.hint.unwrap().contains("available columns: a, b, c"));
    let long = "model,dataset,acc,f1\nA,x,1,2\nA,y,2,3\nB,x,3,4\nB,y,4,5\n";
    let e = spec(&[], "", long).unwrap_err();
    assert_eq!(e.hint.as_deref(), Some("set x= and y=; available columns: model, dataset, acc, f1"));
    let e = spec(&[("group", "dataset"), ("y", "acc,f1")], "", long).unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("y"));
}

#[test]
fn missing_named_column() {
    let e = spec(&[("x", "modle")], "", MODELS).unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("x"));
    assert!(e.message.contains("`modle`"));
    assert_eq!(e.hint.as_deref(), Some("available columns: model, acc, f1"));
    let e = spec(&[("y", "acc,recall")], "", MODELS).unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("y"));
    let e = spec(&[("group", "g")], "", MODELS).unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("group"));
    let e = spec(&[("y", "model")], "", MODELS).unwrap_err();
    assert!(e.message.contains("not numeric") && e.message.contains("row 1 has `A`"), "{}", e.message);
}

#[test]
fn bad_values_of_known_attributes() {
    let cases: &[(&str, &str, &str)] = &[
        ("chart", "pie", "bar, barh, line, area, scatter"),
        ("bins", "abc", "whole number"),
        ("bins", "0", "whole number"),
        ("legend", "left", "none, top, right, inside"),
        ("log", "z", "x, y, xy"),
        ("logx", "maybe", "true, false"),
        ("labels", "sometimes", "true, false"),
        ("markers", "few", "true, false"),
        ("fit", "quadratic", "linear"),
        ("ylim", "1", "lo,hi"),
        ("xlim", "2,1", "lo,hi"),
        ("ylim", "a,b", "lo,hi"),
    ];
    for (attr, value, hint) in cases {
        let e = spec(&[(attr, value)], "", EPOCHS).unwrap_err();
        assert_eq!(e.attr.as_deref(), Some(*attr), "{attr}={value}: {}", e.message);
        assert!(e.message.contains(value), "{attr}={value}: {}", e.message);
        assert!(e.hint.as_deref().unwrap_or("").contains(hint), "{attr}={value}: {:?}", e.hint);
    }
    // unknown attributes belong to other stages
    assert!(spec(&[("width", "0.5"), ("caption", "x")], "", EPOCHS).is_ok());
}

#[test]
fn options_parse() {
    let s = spec(
        &[
            ("log", "xy"),
            ("bins", "12"),
            ("legend", "top"),
            ("markers", "false"),
            ("ylim", "0,"),
            ("xlim", ",10"),
            ("labels", "yes"),
        ],
        "",
        EPOCHS,
    )
    .unwrap();
    assert!(s.logx && s.logy);
    assert_eq!(s.bins, Some(12));
    assert_eq!(s.legend, LegendPos::Top);
    assert_eq!(s.markers, Some(false));
    assert_eq!((s.ylim, s.xlim), ((Some(0.0), None), (None, Some(10.0))));
    assert!(s.labels);
    assert!(spec(&[], "with value labels", MODELS).unwrap().labels);
    assert!(!spec(&[], "", MODELS).unwrap().labels);
}

#[test]
fn error_columns() {
    let csv = "model,acc,acc_std,f1,f1_err\nA,0.9,0.01,0.8,0.02\nB,0.8,0.02,0.7,0.03\n";
    let s = spec(&[], "", csv).unwrap();
    assert_eq!(s.series.len(), 2, "error columns are not series");
    assert_eq!(s.series[0].err, Some(vec![(0.01, 0.01), (0.02, 0.02)]));
    assert_eq!(s.series[1].err, Some(vec![(0.02, 0.02), (0.03, 0.03)]));
    let s = spec(&[("y", "acc"), ("err", "f1_err")], "", csv).unwrap();
    assert_eq!(s.series[0].err, Some(vec![(0.02, 0.02), (0.03, 0.03)]));
    let e = spec(&[("y", "acc,f1,acc_std"), ("err", "f1_err,acc_std")], "", csv).unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("err"));
}

#[test]
fn long_format_groups() {
    let long = "model,dataset,acc\nA,x,1\nA,y,2\nB,x,3\nB,y,4\n";
    let s = spec(&[], "", long).unwrap();
    assert_eq!(s.chart, ChartType::Bar);
    assert_eq!(s.categories.as_deref(), Some(&["A".to_string(), "B".into()][..]));
    assert_eq!(
        s.series.iter().map(|s| (s.name.as_str(), s.y.clone())).collect::<Vec<_>>(),
        [("x", vec![1.0, 3.0]), ("y", vec![2.0, 4.0])]
    );
    let s = spec(&[("x", "dataset"), ("group", "model")], "", long).unwrap();
    assert_eq!(s.series[0].y, [1.0, 2.0]);
    // repeated bars without a group column: their mean with a 95 % t-interval (t = 12.706
    // for one degree of freedom, sd 0.707, n 2), unless agg=none asks for every row
    let s = spec(&[], "", "m,v\nA,1\nA,2\n").unwrap();
    let e = s.series[0].err.as_ref().unwrap()[0];
    assert_eq!(s.series[0].y, [1.5]);
    assert!((e.0 - 12.706 * 0.5).abs() < 1e-3 && e.0 == e.1, "{e:?}");
    assert_eq!(s.notes, ["2 rows at 1 x value: drawn as the mean with a 95 % t-interval (agg= and ci= change this)"]);
    let e = spec(&[("agg", "none")], "", "m,v\nA,1\nA,2\n").unwrap_err();
    assert!(e.message.contains("two rows for the bar `A`"), "{}", e.message);
    assert_eq!(e.attr.as_deref(), Some("agg"));
    // lines: one per group, sorted by x
    let s = spec(&[], "", "step,run,loss\n2,a,1\n1,a,2\n1,b,3\n2,b,2\n").unwrap();
    assert_eq!(s.chart, ChartType::Line);
    assert_eq!(s.series[0].x, [1.0, 2.0]);
    assert_eq!(s.series[0].y, [2.0, 1.0]);
}

#[test]
fn horizontal_bars_name_axes_as_seen() {
    let s =
        spec(&[("chart", "barh"), ("xlabel", "Accuracy"), ("logx", "true"), ("xlim", "0.1,1")], "", MODELS).unwrap();
    // spec keeps x = categories, y = values
    assert_eq!(s.ylabel, "Accuracy");
    assert_eq!(s.xlabel, "model");
    assert!(s.logy && !s.logx);
    assert_eq!(s.ylim, (Some(0.1), Some(1.0)));
}

#[test]
fn log_axis_rejects_non_positive_values() {
    let e = spec(&[("logy", "true")], "", "x,y\n1,0\n2,3\n").unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("logy"));
    let e = spec(&[("log", "x")], "", "x,y\n0,1\n2,3\n").unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("log"));
    assert!(spec(&[("log", "xy")], "", "x,y\n1,1\n2,3\n").is_ok());
}

#[test]
fn absurd_category_counts_and_label_lengths_fail_fast_at_their_attribute() {
    let mut csv = String::from("name,v\n");
    for i in 0..=MAX_CATEGORIES {
        csv += &format!("c{i},{i}\n");
    }
    let e = spec(&[("chart", "bar")], "", &csv).unwrap_err();
    assert!(
        e.message.contains("301 categories") && e.hint.as_deref().unwrap_or("").contains("aggregate"),
        "{}",
        e.message
    );
    let fine: String = csv.lines().take(MAX_CATEGORIES + 1).map(|l| format!("{l}\n")).collect();
    assert!(spec(&[("chart", "bar")], "", &fine).is_ok());
    let long = "word ".repeat(100_000);
    for attr in ["title", "xlabel", "ylabel"] {
        let e = spec(&[(attr, long.as_str())], "", EPOCHS).unwrap_err();
        assert_eq!(e.attr.as_deref(), Some(attr));
        assert!(e.message.contains("500000 characters"), "{}", e.message);
    }
}

/// Categories keep the file's text: airport codes that read as numbers (`0E0`, `0E8`), a
/// version `1.10` beside `1.1`, ZIP codes with leading zeros.
#[test]
fn categories_are_the_cells_as_written() {
    let s =
        spec(&[("chart", "bar"), ("x", "iata"), ("y", "lat")], "", "iata,lat\n00M,31.9\n0E0,30.6\n0E8,33.9\n").unwrap();
    assert_eq!(s.categories.as_deref(), Some(&["00M".to_string(), "0E0".into(), "0E8".into()][..]));
    assert!(s.notes.is_empty(), "nothing aggregated: {:?}", s.notes);
    let s = spec(&[("chart", "bar"), ("x", "v"), ("y", "n")], "", "v,n\n1.1,3\n1.10,4\n02139,5\n").unwrap();
    assert_eq!(s.categories.as_deref(), Some(&["1.1".to_string(), "1.10".into(), "02139".into()][..]));
    assert_eq!(s.series[0].y, [3.0, 4.0, 5.0]);
}

/// A series whose categories start later than the others' (GOOG from 2004 among stocks
/// from 2000) keeps every series in its own order.
#[test]
fn category_order_merges_each_groups_order() {
    let csv = "quarter,method,score\nQ2-2020,A,1\nQ3-2020,A,2\nQ4-2020,A,3\nQ1-2020,B,0.5\nQ2-2020,B,1.5\n\
               Q3-2020,B,2.5\nQ4-2020,B,3.5\n";
    let s = spec(&[("chart", "line"), ("x", "quarter"), ("y", "score"), ("group", "method")], "", csv).unwrap();
    let cats: Vec<&str> = s.categories.as_ref().unwrap().iter().map(String::as_str).collect();
    assert_eq!(cats, ["Q1-2020", "Q2-2020", "Q3-2020", "Q4-2020"]);
    // Groups that disagree still give every category once.
    let csv = "x,g,y\nb,A,1\na,A,2\na,B,3\nb,B,4\nc,B,5\n";
    let s = spec(&[("chart", "line"), ("x", "x"), ("y", "y"), ("group", "g")], "", csv).unwrap();
    let cats: Vec<&str> = s.categories.as_ref().unwrap().iter().map(String::as_str).collect();
    assert_eq!(cats, ["b", "a", "c"]);
}

/// A group is inferred only for long-format data: x repeats, and the other text column
/// has at most eight values. `group=none` turns inference off.
#[test]
fn a_group_is_inferred_only_from_long_format_data() {
    // A time series beside a weather column: x never repeats, so one line.
    let weather = "date,temp,weather\n2012-01-01,5,rain\n2012-01-02,6,sun\n2012-01-03,4,rain\n2012-01-04,7,sun\n";
    let s = spec(&[("x", "date"), ("y", "temp")], "", weather).unwrap();
    assert_eq!(s.series.len(), 1);
    // A mean per symbol over many dates: the dates are no series.
    let mut stocks = String::from("symbol,date,price\n");
    for d in 1..=12 {
        for sym in ["A", "B"] {
            stocks.push_str(&format!("{sym},Jan {d} 2000,{}\n", d * 2));
        }
    }
    let s = spec(&[("chart", "bar"), ("x", "symbol"), ("y", "price")], "", &stocks).unwrap();
    assert_eq!(s.series.len(), 1);
    assert_eq!(s.categories.as_ref().unwrap().len(), 2);
    // Long format of a few groups is still grouped, unless group=none.
    let long = "step,method,acc\n1,a,0.5\n1,b,0.6\n2,a,0.7\n2,b,0.8\n";
    assert_eq!(spec(&[("x", "step"), ("y", "acc")], "", long).unwrap().series.len(), 2);
    let s = spec(&[("x", "step"), ("y", "acc"), ("group", "none")], "", long).unwrap();
    assert_eq!(s.series.len(), 1);
}

/// Rows without a category (x or group) are left out, and a note says how many.
#[test]
fn rows_without_a_category_are_left_out_and_said() {
    let s = spec(&[("chart", "bar"), ("x", "cat"), ("y", "val")], "", "cat,val\nA,1\n,2\nB,3\nNA,4\n").unwrap();
    assert_eq!(s.categories.as_deref(), Some(&["A".to_string(), "B".into()][..]));
    assert_eq!(s.series[0].y, [1.0, 3.0]);
    assert_eq!(s.notes, ["2 rows without a `cat` value left out"]);
}
