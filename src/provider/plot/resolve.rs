//! What resolving a chart's columns needs, below every chart's resolution: the table
//! and attributes with located errors (`Ctx`), column lookups by name, by mention in the
//! intent text, and by shape, and the `Series` a resolution produces.

use std::collections::BTreeMap;

use super::data::{Column, Table};
use crate::model::ProviderError;

/// One plotted series. `x` holds numbers, or category indices when `ChartSpec::categories`
/// is set. For histograms `y` holds the values to bin and `x` is empty.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    /// Error bar or band per point: the distances below and above the value.
    pub err: Option<Vec<(f64, f64)>>,
    /// Per-point text (scatter labels).
    pub labels: Option<Vec<String>>,
}

pub fn bad(attr: &str, value: &str, valid: &str) -> ProviderError {
    ProviderError::new(format!("invalid value `{value}` for {attr}="))
        .at_attr(attr)
        .hint(format!("valid values: {valid}"))
}

/// Lower-case words of the intent text.
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

pub fn has_phrase(w: &[String], phrase: &[&str]) -> bool {
    w.windows(phrase.len()).any(|win| win.iter().zip(phrase).all(|(a, b)| a == b))
}

/// Columns the intent text names (case-insensitive, `_` read as a space).
pub fn mentioned<'a>(intent: &str, cols: &[&'a Column]) -> Vec<&'a Column> {
    let w = words(intent);
    cols.iter()
        .copied()
        .filter(|c| {
            let name = words(&c.name.replace('_', " "));
            !name.is_empty() && has_phrase(&w, &name.iter().map(String::as_str).collect::<Vec<_>>())
        })
        .collect()
}

pub fn has_dups(c: &Column) -> bool {
    let mut seen = std::collections::HashSet::new();
    (0..c.len()).any(|i| !seen.insert(c.text(i)))
}

pub struct Ctx<'a> {
    pub t: &'a Table,
    pub attrs: &'a BTreeMap<String, String>,
}

impl<'a> Ctx<'a> {
    pub fn col(&self, attr: &str, name: &str) -> Result<&'a Column, ProviderError> {
        self.t.find(name.trim()).ok_or_else(|| {
            ProviderError::new(format!("{attr}=: no column `{}` in the data", name.trim()))
                .at_attr(attr)
                .hint(format!("available columns: {}", self.t.names()))
        })
    }
    pub fn cols(&self, attr: &str) -> Result<Option<Vec<&'a Column>>, ProviderError> {
        self.attrs
            .get(attr)
            .map(|v| v.split(',').filter(|s| !s.trim().is_empty()).map(|n| self.col(attr, n)).collect())
            .transpose()
    }
    pub fn numeric(&self, attr: &str, c: &Column) -> Result<(), ProviderError> {
        match c.first_non_number() {
            None => Ok(()),
            Some((row, v)) => {
                Err(ProviderError::new(format!("column `{}` is not numeric: row {} has `{v}`", c.name, row + 1))
                    .at_attr(attr)
                    .hint(format!("choose a numeric column; available columns: {}", self.t.names())))
            }
        }
    }
    /// `group=none`: no group is inferred (unless the data has a column named `none`).
    pub fn group_off(&self) -> bool {
        self.attrs.get("group").is_some_and(|g| g.trim().eq_ignore_ascii_case("none")) && self.t.find("none").is_none()
    }
    pub fn ambiguous(&self, what: &str, hint: &str) -> ProviderError {
        ProviderError::new(format!("cannot tell {what} from the data"))
            .hint(format!("{hint}; available columns: {}", self.t.names()))
    }
}

/// Distinct cell texts of a column, in order of first appearance.
pub fn uniq(c: &Column) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let n = c.len();
    // In order of first appearance; a set keeps a million rows linear.
    let mut seen = std::collections::HashSet::new();
    for i in 0..n {
        let s = c.text(i);
        if seen.insert(s.clone()) {
            out.push(s);
        }
    }
    out
}

/// The distinct non-empty texts of `x`, ordered so that each group of `g` keeps its own
/// order: long-format series whose x values are categories (dates in words, quarters) start
/// at different points, and the order of first appearance over the whole file would put a
/// later group's early values at the end. Each group's sequence of first appearances is a
/// chain of "comes before"; the chains are merged (a topological order, ties broken by
/// first appearance in the file; a cycle, where groups disagree, is broken the same way).
pub fn merged_order(x: &Column, g: &Column) -> Vec<String> {
    let cats: Vec<String> = uniq(x).into_iter().filter(|c| !c.is_empty()).collect();
    let index: std::collections::HashMap<&str, usize> = cats.iter().enumerate().map(|(k, c)| (c.as_str(), k)).collect();
    let mut last: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut seen: std::collections::HashSet<(String, usize)> = std::collections::HashSet::new();
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); cats.len()];
    let mut indegree = vec![0usize; cats.len()];
    for i in 0..x.len() {
        let Some(&k) = index.get(x.text(i).as_str()) else { continue };
        let key = g.text(i);
        if !seen.insert((key.clone(), k)) {
            continue;
        }
        if let Some(prev) = last.insert(key, k) {
            if !after[prev].contains(&k) {
                after[prev].push(k);
                indegree[k] += 1;
            }
        }
    }
    let mut ready: std::collections::BTreeSet<usize> = (0..cats.len()).filter(|&k| indegree[k] == 0).collect();
    let mut placed = vec![false; cats.len()];
    let mut order = Vec::with_capacity(cats.len());
    while order.len() < cats.len() {
        let next = match ready.pop_first() {
            Some(k) => k,
            // Groups disagree: the earliest value not yet placed goes next.
            None => (0..cats.len()).find(|&k| !placed[k]).expect("a value is left"),
        };
        if placed[next] {
            continue;
        }
        placed[next] = true;
        order.push(next);
        for &k in &after[next] {
            indegree[k] = indegree[k].saturating_sub(1);
            if indegree[k] == 0 && !placed[k] {
                ready.insert(k);
            }
        }
    }
    order.into_iter().map(|k| cats[k].clone()).collect()
}
