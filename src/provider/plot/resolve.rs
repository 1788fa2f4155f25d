//! What resolving a chart's columns needs, below every chart's resolution: the table
//! and attributes with located errors (`Ctx`), column lookups by name, by mention in the
//! intent text, and by shape, and the `Series` a resolution produces.

use std::collections::BTreeMap;

use super::data::{Column, Table, Values};
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
    (0..match &c.values {
        Values::Num(v) => v.len(),
        Values::Text(v) => v.len(),
    })
        .any(|i| !seen.insert(c.text(i)))
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
    pub fn ambiguous(&self, what: &str, hint: &str) -> ProviderError {
        ProviderError::new(format!("cannot tell {what} from the data"))
            .hint(format!("{hint}; available columns: {}", self.t.names()))
    }
}

/// Distinct cell texts of a column, in order of first appearance.
pub fn uniq(c: &Column) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let n = match &c.values {
        Values::Num(v) => v.len(),
        Values::Text(v) => v.len(),
    };
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
