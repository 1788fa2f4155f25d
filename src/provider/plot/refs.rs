//! Reference marks (drawn by `marks.rs`): horizontal and vertical lines (`hline=0.5:chance`),
//! shaded x ranges (`band=2020-03-01,2020-06-01:lockdown`) and text notes at a data point
//! (`note=12,0.8:peak`). Several are separated by `;`. Positions are numbers, or ISO dates
//! on a time axis.

use std::collections::BTreeMap;

use crate::model::ProviderError;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Refs {
    pub hlines: Vec<(f64, String)>,
    pub vlines: Vec<(f64, String)>,
    pub bands: Vec<(f64, f64, String)>,
    pub notes: Vec<(f64, f64, String)>,
}

fn value(s: &str) -> Option<f64> {
    let s = s.trim();
    s.parse::<f64>().ok().filter(|v| v.is_finite()).or_else(|| super::time::parse_wall(s))
}

fn bad(attr: &str, item: &str, form: &str) -> ProviderError {
    ProviderError::new(format!("invalid {attr}= item `{}`", item.trim()))
        .at_attr(attr)
        .hint(format!("write {form}; separate several with `;`"))
}

/// The `;`-separated items of an attribute, each split into its position and label: the
/// label follows the first `:` after which the position reads whole (so the colons of a
/// time such as `2023-03-05T12:30` stay in the position).
fn items<'a>(attrs: &'a BTreeMap<String, String>, name: &str) -> Vec<(&'a str, String)> {
    let parses = |s: &str| s.split(',').all(|p| value(p).is_some());
    let split = |item: &'a str| -> (&'a str, String) {
        if parses(item) {
            return (item, String::new());
        }
        item.match_indices(':')
            .find(|(i, _)| parses(&item[..*i]))
            .map_or((item, String::new()), |(i, _)| (&item[..i], item[i + 1..].trim().to_string()))
    };
    attrs.get(name).map_or_else(Vec::new, |v| v.split(';').filter(|s| !s.trim().is_empty()).map(split).collect())
}

impl Refs {
    pub fn parse(attrs: &BTreeMap<String, String>) -> Result<Refs, ProviderError> {
        let mut r = Refs::default();
        for (name, list) in [("hline", &mut r.hlines), ("vline", &mut r.vlines)] {
            for (at, label) in items(attrs, name) {
                let v = value(at).ok_or_else(|| bad(name, at, &format!("`{name}=VALUE` or `{name}=VALUE:label`")))?;
                list.push((v, label));
            }
        }
        for (at, label) in items(attrs, "band") {
            let form = "`band=FROM,TO` or `band=FROM,TO:label` (an x range)";
            let (a, b) = at.split_once(',').ok_or_else(|| bad("band", at, form))?;
            let (a, b) =
                (value(a).ok_or_else(|| bad("band", at, form))?, value(b).ok_or_else(|| bad("band", at, form))?);
            r.bands.push((a.min(b), a.max(b), label));
        }
        for (at, label) in items(attrs, "note") {
            let form = "`note=X,Y:text`";
            let (x, y) = at.split_once(',').ok_or_else(|| bad("note", at, form))?;
            let (x, y) =
                (value(x).ok_or_else(|| bad("note", at, form))?, value(y).ok_or_else(|| bad("note", at, form))?);
            if label.is_empty() {
                return Err(bad("note", at, form));
            }
            r.notes.push((x, y, label));
        }
        Ok(r)
    }

    /// Refuses marks a chart has no axis for: x positions (`vline=`, `band=`, `note=`)
    /// without a numeric or time x axis, `hline=` without a value axis.
    pub fn check(&self, numeric_x: bool, value_axis: bool) -> Result<(), ProviderError> {
        let x_marks =
            [("vline", !self.vlines.is_empty()), ("band", !self.bands.is_empty()), ("note", !self.notes.is_empty())];
        for (attr, used) in x_marks {
            if used && !numeric_x {
                return Err(ProviderError::new(format!("{attr}= needs a numeric or time x axis"))
                    .at_attr(attr)
                    .hint("categories have no positions between them; use hline= for a reference value"));
            }
        }
        if !value_axis && !self.hlines.is_empty() {
            return Err(ProviderError::new("this chart has no value axis for hline=").at_attr("hline"));
        }
        Ok(())
    }

    /// The y range widened to show every horizontal line and note.
    pub fn extend_y(&self, lo: f64, hi: f64) -> (f64, f64) {
        let ys = self.hlines.iter().map(|h| h.0).chain(self.notes.iter().map(|n| n.1));
        ys.fold((lo, hi), |(l, h), v| (l.min(v), h.max(v)))
    }

    /// The x range widened to show every vertical line, band and note.
    pub fn extend_x(&self, lo: f64, hi: f64) -> (f64, f64) {
        let xs = self
            .vlines
            .iter()
            .map(|v| v.0)
            .chain(self.bands.iter().flat_map(|b| [b.0, b.1]))
            .chain(self.notes.iter().map(|n| n.0));
        xs.fold((lo, hi), |(l, h), v| (l.min(v), h.max(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(pairs: &[(&str, &str)]) -> Result<Refs, ProviderError> {
        Refs::parse(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn reads_lines_bands_and_notes() {
        let r = refs(&[
            ("hline", "0.5:chance; 0.9"),
            ("vline", "2023-03-05T12:30"),
            ("band", "2020-06-01,2020-03-01:lockdown"),
            ("note", "12,0.8:peak: 0.8"),
        ])
        .unwrap();
        assert_eq!(r.hlines, [(0.5, "chance".to_string()), (0.9, String::new())]);
        assert_eq!(r.vlines, [(super::super::time::parse("2023-03-05T12:30").unwrap(), String::new())]);
        let (a, b) =
            (super::super::time::parse("2020-03-01").unwrap(), super::super::time::parse("2020-06-01").unwrap());
        assert_eq!(r.bands, [(a, b, "lockdown".to_string())]);
        assert_eq!(r.notes, [(12.0, 0.8, "peak: 0.8".to_string())]);
        assert_eq!(r.extend_y(0.6, 0.7), (0.5, 0.9));
    }

    #[test]
    fn bad_items_name_the_attribute() {
        for (attr, v) in [("hline", "half"), ("band", "1"), ("note", "1,2"), ("note", "x,2:t")] {
            let e = refs(&[(attr, v)]).unwrap_err();
            assert_eq!(e.attr.as_deref(), Some(attr), "{v}");
        }
        let r = refs(&[("vline", "3")]).unwrap();
        assert_eq!(r.check(false, true).unwrap_err().attr.as_deref(), Some("vline"));
        assert!(r.check(true, true).is_ok());
        assert_eq!(refs(&[("hline", "3")]).unwrap().check(false, false).unwrap_err().attr.as_deref(), Some("hline"));
    }
}
