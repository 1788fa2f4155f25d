//! Tests of data loading: CSV, JSON records and columns, inline bodies, malformed input.

use super::*;
use crate::model::{InputFile, Kind, OutputSpec};
use std::collections::BTreeMap;

fn req(body: &str, file: Option<(&str, &str)>) -> Request {
    let mut files = BTreeMap::new();
    if let Some((ext, text)) = file {
        files.insert("data".to_string(), InputFile::new(ext, text.as_bytes().to_vec()));
    }
    Request {
        kind: Kind::Plot,
        provider: "builtin".into(),
        provider_version: "t".into(),
        attrs: BTreeMap::new(),
        body: body.into(),
        files,
        extra: Default::default(),
        output: OutputSpec { formats: vec![], width_in: 3.3, height_in: 2.4, png_dpi: 96.0 },
    }
}

#[test]
fn csv_file() {
    let (intent, t) = load(&req("Accuracy per model", Some(("csv", "model,acc\nA,0.9\nB, 0.85\n")))).unwrap();
    assert_eq!(intent, "Accuracy per model");
    assert_eq!(t.names(), "model, acc");
    assert_eq!(t.columns[0].values, Values::Text(vec!["A".into(), "B".into()]));
    assert_eq!(t.columns[1].values, Values::Num(vec![0.9, 0.85]));
}

#[test]
fn tsv_and_missing_cells() {
    let t = parse_csv("x\ty\n1\t2\n2\tNA\n", 1).unwrap();
    let y = t.find("Y").unwrap().nums().unwrap();
    assert_eq!(y[0], 2.0);
    assert!(y[1].is_nan());
}

#[test]
fn json_records_keep_key_order() {
    let (_, t) =
        load(&req("", Some(("json", r#"[{"model":"A","acc":0.9},{"model":"B","acc":0.8,"f1":0.7}]"#)))).unwrap();
    assert_eq!(t.names(), "model, acc, f1");
    assert!(t.find("f1").unwrap().nums().unwrap()[0].is_nan());
}

#[test]
fn json_columns() {
    let (_, t) =
        load(&req("", Some(("json", r#"{"title": "x", "models": ["A","B"], "accuracy": [0.9, 0.8]}"#)))).unwrap();
    assert_eq!(t.names(), "models, accuracy");
    assert_eq!(t.rows(), 2);
}

#[test]
fn json_records_wrapped_in_an_object() {
    let (_, t) =
        load(&req("", Some(("json", r#"{"title": "x", "data": [{"m": "A", "v": 1}, {"m": "B", "v": 2}]}"#)))).unwrap();
    assert_eq!((t.names().as_str(), t.rows()), ("m, v", 2));
}

#[test]
fn sniffs_unknown_extension() {
    let (_, t) = load(&req("", Some(("dat", "[{\"a\":1,\"b\":2}]")))).unwrap();
    assert_eq!(t.names(), "a, b");
}

#[test]
fn inline_after_separator() {
    let (intent, t) = load(&req("Loss over epochs\n---\nepoch,loss\n1,2.5\n2,1.9\n", None)).unwrap();
    assert_eq!(intent, "Loss over epochs");
    assert_eq!(t.rows(), 2);
    let (_, t) = load(&req("A bar chart\n---\n[{\"m\":\"A\",\"v\":1}]", None)).unwrap();
    assert_eq!(t.names(), "m, v");
}

#[test]
fn whole_body_as_data_or_intent() {
    let (intent, t) = load(&req("model,acc\nA,0.9\nB,0.8", None)).unwrap();
    assert_eq!((intent.as_str(), t.rows()), ("", 2));
    let (_, t) = load(&req("[{\"a\":1,\"b\":2}]", None)).unwrap();
    assert_eq!(t.rows(), 1);
    // prose with commas is not data
    let e = load(&req("Accuracy by model, higher is better.\nShows A, B", None)).unwrap_err();
    assert_eq!(e.message, "no data for this plot");
    assert!(e.hint.unwrap().contains("---"));
}

#[test]
fn malformed_inputs_name_the_place() {
    let e = load(&req("x\n---\na,b\n1,2\n3\n", None)).unwrap_err();
    assert!(e.message.contains("line 5") && e.message.contains("1 fields"), "{}", e.message);
    let e = load(&req("", Some(("json", "[{\"a\":1},{\"a\":[1,2]}]")))).unwrap_err();
    assert!(e.message.contains("record 2") && e.message.contains("`a`"), "{}", e.message);
    assert_eq!(e.attr.as_deref(), Some("data"));
    let e = load(&req("", Some(("json", "{\"a\":[1,2],\"b\":[1]}")))).unwrap_err();
    assert!(e.message.contains("`b` has 1 values"), "{}", e.message);
    let e = load(&req("", Some(("json", "[{\"a\":1,}]")))).unwrap_err();
    assert!(e.message.contains("line 1"), "{}", e.message);
    let e = load(&req("", Some(("csv", "a,a\n1,2\n")))).unwrap_err();
    assert!(e.message.contains("twice"), "{}", e.message);
    let e = load(&req("", Some(("csv", "a,b\n")))).unwrap_err();
    assert!(e.message.contains("no rows"), "{}", e.message);
    let e = load(&req("x\n---\na,b\n1,2", Some(("csv", "a,b\n1,2")))).unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("data"));
}

#[test]
fn text_column_reports_first_non_number() {
    let t = parse_csv("m,v\nA,1\nB,abc\n", 1).unwrap();
    assert_eq!(t.find("v").unwrap().first_non_number(), Some((1, "abc")));
}

/// Times written with one offset keep their clock; mixed offsets are drawn in UTC.
#[test]
fn times_keep_the_clock_of_their_one_stated_offset() {
    let t = parse_csv("time,load\n2024-06-10T17:00:00+02:00,9\n2024-06-10T18:00:00+02:00,8\n", 1).unwrap();
    let times = t.columns[0].times().unwrap();
    assert_eq!(times[0] % 86_400.0, 17.0 * 3600.0, "17:00 as written");
    assert_eq!(times[1] - times[0], 3600.0);
    let mixed = parse_csv("time,v\n2024-06-10T01:00:00+01:00,1\n2024-06-10T02:00:00+02:00,2\n", 1).unwrap();
    let times = mixed.columns[0].times().unwrap();
    assert_eq!(times[0], times[1], "the same instant, in UTC");
    assert_eq!(times[0] % 86_400.0, 0.0);
    let plain = parse_csv("time,v\n2024-06-10T17:00:00,1\n", 1).unwrap();
    assert_eq!(plain.columns[0].times().unwrap()[0] % 86_400.0, 17.0 * 3600.0);
}

/// A reference line written with the data's offset falls on the data's point.
#[test]
fn positions_in_attributes_read_at_their_written_clock() {
    let t = parse_csv("time,load\n2024-06-10T17:00:00+02:00,9\n", 1).unwrap();
    let data = t.columns[0].times().unwrap()[0];
    assert_eq!(crate::provider::plot::time::parse_wall("2024-06-10T17:00:00+02:00"), Some(data));
    assert_eq!(crate::provider::plot::time::parse_wall("2024-06-10T17:00:00"), Some(data));
}

/// Excel's exports: a semicolon file with decimal commas, `#N/A`, and empty unnamed
/// columns at the end of each row.
#[test]
fn excel_exports_read_as_their_numbers() {
    let t = parse_csv("Jahr;Anteil\n2019;12,5\n2020;11,0\n2021;-0,75\n2022;#N/A\n", 1).unwrap();
    let v = t.find("Anteil").unwrap().nums().unwrap().to_vec();
    assert_eq!(&v[..3], &[12.5, 11.0, -0.75]);
    assert!(v[3].is_nan());
    assert_eq!(t.find("Anteil").unwrap().text(0), "12,5", "shown as written");
    let t = parse_csv("a,b,c,,\n1,2,3,,\n4,5,6,,\n", 1).unwrap();
    assert_eq!(t.names(), "a, b, c");
    assert_eq!(t.rows(), 2);
    // A comma file keeps `1,5` as two fields, as before.
    assert!(parse_csv("a,b\n1,5\n", 1).unwrap().find("b").unwrap().is_num());
}

/// Python's `json.dump` writes a missing float as `NaN`: read as missing, also in a list
/// of columns; the same letters inside a string stay as they are.
#[test]
fn json_nan_from_python_is_a_missing_value() {
    let t = parse_json(r#"[{"m": "NaN run", "v": 1.5}, {"m": "B", "v": NaN}, {"m": "C", "v": -Infinity}]"#).unwrap();
    let v = t.find("v").unwrap().nums().unwrap().to_vec();
    assert_eq!(v[0], 1.5);
    assert!(v[1].is_nan() && v[2].is_nan());
    assert_eq!(t.find("m").unwrap().text(0), "NaN run");
    let cols = parse_json(r#"{"x": [1, 2], "y": [NaN, 3]}"#).unwrap();
    assert!(cols.find("y").unwrap().nums().unwrap()[0].is_nan());
    let escaped = parse_json(r#"[{"m": "say \"NaN\"", "v": 1}]"#).unwrap();
    assert_eq!(escaped.find("m").unwrap().text(0), "say \"NaN\"");
}
