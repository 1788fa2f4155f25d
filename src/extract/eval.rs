//! Scoring located figures against labels, and the pdffigures2 annotation format.
//!
//! A prediction is a true positive when a label on the same page has the same figure
//! number and kind and the boxes overlap with IoU ≥ 0.8 (pdffigures2's criterion); every
//! label and every prediction is matched at most once.
//!
//! Labels use pdffigures2's JSON annotation format: an object from document name to either
//! a list of figures or `{"figures": [...]}`, each figure with `name`, `page` (1-based),
//! `figure_type` ("Figure" or "Table"), `region_bb` `[x1, y1, x2, y2]` in pixels at `dpi`
//! (72 when absent, so points), and optionally `caption`.

use std::collections::BTreeMap;

use super::geom::Rect;
use super::model::{FigureKind, Located};

/// The IoU a prediction needs to count as correct.
pub const IOU_THRESHOLD: f64 = 0.8;

/// One labelled figure, in points.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub figure: String,
    pub kind: FigureKind,
    pub page: usize,
    pub bbox: [f64; 4],
}

/// Counts of one comparison.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Score {
    pub true_positives: usize,
    pub predicted: usize,
    pub labelled: usize,
}

impl Score {
    pub fn precision(&self) -> f64 {
        if self.predicted == 0 { 1.0 } else { self.true_positives as f64 / self.predicted as f64 }
    }
    pub fn recall(&self) -> f64 {
        if self.labelled == 0 { 1.0 } else { self.true_positives as f64 / self.labelled as f64 }
    }
    pub fn add(&mut self, o: Score) {
        self.true_positives += o.true_positives;
        self.predicted += o.predicted;
        self.labelled += o.labelled;
    }
}

/// Scores one document's predictions against its labels.
pub fn score(predicted: &[Located], labels: &[Label]) -> Score {
    let mut used = vec![false; labels.len()];
    let mut tp = 0;
    for p in predicted {
        let pr = Rect::from_array(p.bbox);
        let hit = labels.iter().enumerate().find(|(i, l)| {
            !used[*i]
                && l.page == p.page
                && l.kind == p.kind
                && same_name(&l.figure, &p.figure)
                && Rect::from_array(l.bbox).iou(&pr) >= IOU_THRESHOLD
        });
        if let Some((i, _)) = hit {
            used[i] = true;
            tp += 1;
        }
    }
    Score { true_positives: tp, predicted: predicted.len(), labelled: labels.len() }
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.').eq_ignore_ascii_case(b.trim_end_matches('.'))
}

#[derive(serde::Deserialize)]
struct RawFigure {
    name: serde_json::Value,
    page: usize,
    figure_type: String,
    region_bb: [f64; 4],
    #[serde(default)]
    dpi: Option<f64>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum RawDoc {
    List(Vec<RawFigure>),
    Object { figures: Vec<RawFigure> },
}

/// Parses pdffigures2-style annotations: document name → labels (boxes in points).
pub fn load_annotations(json: &str) -> Result<BTreeMap<String, Vec<Label>>, String> {
    let raw: BTreeMap<String, RawDoc> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for (doc, figs) in raw {
        let figs = match figs {
            RawDoc::List(v) | RawDoc::Object { figures: v } => v,
        };
        let mut labels = Vec::new();
        for f in figs {
            let kind = match f.figure_type.to_ascii_lowercase().as_str() {
                "figure" => FigureKind::Figure,
                "table" => FigureKind::Table,
                other => return Err(format!("{doc}: unknown figure_type {other:?}")),
            };
            if f.page == 0 {
                return Err(format!("{doc}: pages are 1-based, found page 0"));
            }
            let k = 72.0 / f.dpi.unwrap_or(72.0);
            let figure = match f.name {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            let b = f.region_bb;
            labels.push(Label { figure, kind, page: f.page, bbox: [b[0] * k, b[1] * k, b[2] * k, b[3] * k] });
        }
        out.insert(doc, labels);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(name: &str, page: usize, b: [f64; 4]) -> Located {
        Located {
            figure: name.into(),
            kind: FigureKind::Figure,
            page,
            bbox: b,
            untrimmed: b,
            caption_bbox: [0.0; 4],
            caption: String::new(),
        }
    }

    #[test]
    fn matches_need_page_name_kind_and_iou() {
        let labels =
            vec![Label { figure: "1".into(), kind: FigureKind::Figure, page: 2, bbox: [0.0, 0.0, 100.0, 100.0] }];
        let good = loc("1", 2, [0.0, 0.0, 100.0, 95.0]);
        assert_eq!(score(std::slice::from_ref(&good), &labels).true_positives, 1);
        assert_eq!(score(&[loc("1", 3, good.bbox)], &labels).true_positives, 0);
        assert_eq!(score(&[loc("2", 2, good.bbox)], &labels).true_positives, 0);
        let mut table = good.clone();
        table.kind = FigureKind::Table;
        assert_eq!(score(&[table], &labels).true_positives, 0);
        // IoU 0.7 is not enough.
        assert_eq!(score(&[loc("1", 2, [0.0, 0.0, 100.0, 70.0])], &labels).true_positives, 0);
        // A label is matched once.
        let s = score(&[good.clone(), good], &labels);
        assert_eq!((s.true_positives, s.predicted, s.labelled), (1, 2, 1));
        assert_eq!(s.precision(), 0.5);
        assert_eq!(s.recall(), 1.0);
    }

    #[test]
    fn loads_pdffigures2_annotations_and_scales_by_dpi() {
        let json = r#"{
            "paper1": {"figures": [{"name": "3", "page": 4, "figure_type": "Figure",
                        "region_bb": [100, 200, 300, 400], "dpi": 100, "caption": "Figure 3: x"}]},
            "paper2": [{"name": 1, "page": 1, "figure_type": "Table", "region_bb": [1, 2, 3, 4]}]
        }"#;
        let a = load_annotations(json).unwrap();
        assert_eq!(a["paper1"][0].bbox, [72.0, 144.0, 216.0, 288.0]);
        assert_eq!(a["paper1"][0].page, 4);
        assert_eq!(a["paper2"][0].figure, "1");
        assert_eq!(a["paper2"][0].kind, FigureKind::Table);
        assert!(
            load_annotations(r#"{"d": [{"name": "1", "page": 0, "figure_type": "Figure", "region_bb": [0,0,1,1]}]}"#)
                .is_err()
        );
    }
}
