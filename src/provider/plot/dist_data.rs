//! The data of box and violin plots: one series per category holding that category's
//! values, from long data (a category column and a value column) or wide data (one
//! numeric column per category).

use super::data::Column;
use super::resolve::{Ctx, Series, has_dups, mentioned, uniq};
use super::style::pretty;
use crate::model::ProviderError;

/// The series, their categories (one each) and the default axis labels.
pub struct Resolved {
    pub series: Vec<Series>,
    pub categories: Vec<String>,
    pub labels: (String, String),
}

/// One series per category, holding that category's values: long data (a category column
/// and a value column) or wide data (one numeric column per category).
pub fn resolve(cx: &Ctx, x: Option<&Column>, y: Option<Vec<&Column>>, intent: &str) -> Result<Resolved, ProviderError> {
    let mut series = Vec::new();
    let t = cx.t;
    let texts: Vec<&Column> = t.columns.iter().filter(|c| !c.is_num()).collect();
    let x = x.or_else(|| texts.iter().copied().find(|c| has_dups(c)).or(texts.first().copied()));
    let nums: Vec<&Column> = t.columns.iter().filter(|c| c.is_num() && x.is_none_or(|x| x.name != c.name)).collect();
    let ys = match y {
        Some(v) => v,
        None if x.is_some() => {
            let named = mentioned(intent, &nums);
            match (nums.len(), named.len()) {
                (1, _) => vec![nums[0]],
                (_, 1) => vec![named[0]],
                (0, _) => return Err(cx.ambiguous("the values", "a box or violin plot needs a numeric column; set y=")),
                _ => return Err(cx.ambiguous("which column holds the values", "set y= to it")),
            }
        }
        None => nums.clone(),
    };
    for c in &ys {
        cx.numeric("y", c)?;
    }
    let finite = |v: &[f64]| v.iter().copied().filter(|v| v.is_finite()).collect::<Vec<f64>>();
    match x {
        // long: a category column and one value column
        Some(x) => {
            let [yc] = ys.as_slice() else {
                return Err(ProviderError::new("with a category column, y= must name one column")
                    .at_attr("y")
                    .hint(format!("available columns: {}", t.names())));
            };
            let vals = yc.nums().expect("checked numeric");
            for key in uniq(x) {
                let v: Vec<f64> = (0..vals.len()).filter(|&i| x.text(i) == key).map(|i| vals[i]).collect();
                series.push(Series { name: key, x: vec![], y: finite(&v), err: None, labels: None });
            }
            Ok((pretty(&x.name), pretty(&yc.name)))
        }
        // wide: each numeric column is a category
        None => {
            for c in &ys {
                let v = finite(c.nums().expect("checked numeric"));
                series.push(Series { name: pretty(&c.name), x: vec![], y: v, err: None, labels: None });
            }
            Ok((String::new(), "Value".into()))
        }
    }
    .and_then(|labels| {
        if series.iter().all(|s| s.y.is_empty()) {
            return Err(ProviderError::new("no numbers to show"));
        }
        let categories = series.iter().map(|s| s.name.clone()).collect();
        Ok(Resolved { series, categories, labels })
    })
}
