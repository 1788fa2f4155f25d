//! The data of a heatmap: a matrix of values with its column and row labels, from wide
//! data (a row-label column and a numeric column per matrix column, as a confusion matrix
//! is usually written) or long data (a column key, a row key and one value column,
//! repeated cells aggregated by `agg=`).

use super::agg::Rule;
use super::data::Column;
use super::resolve::{Ctx, uniq};
use super::style::pretty;
use crate::model::ProviderError;

/// Most cells a heatmap draws.
const MAX_CELLS: usize = 40_000;

/// The matrix of a heatmap: `values[row * xcats.len() + col]`, NaN where no row gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Cells {
    pub xcats: Vec<String>,
    pub ycats: Vec<String>,
    pub values: Vec<f64>,
}

/// Long data (a column key, a row key and one numeric value column, repeated cells
/// aggregated by `agg=`) or wide data (a row-label column and one numeric column per
/// matrix column, as a confusion matrix is usually written).
pub fn resolve(
    cx: &Ctx,
    x: Option<&Column>,
    y: Option<Vec<&Column>>,
) -> Result<(Cells, (String, String)), ProviderError> {
    let t = cx.t;
    let texts: Vec<&Column> = t.columns.iter().filter(|c| !c.is_num()).collect();
    let wide_cols: Vec<&Column> = match &y {
        Some(v) if v.len() > 1 => v.clone(),
        None if x.is_none() && texts.len() <= 1 => {
            t.columns.iter().filter(|c| c.is_num()).skip(usize::from(texts.is_empty())).collect()
        }
        _ => vec![],
    };
    let cells = if wide_cols.len() >= 2 {
        for c in &wide_cols {
            cx.numeric("y", c)?;
        }
        let rows = x.or(texts.first().copied()).unwrap_or(&t.columns[0]);
        let ycats: Vec<String> = (0..t.rows()).map(|i| rows.text(i)).collect();
        let mut values = Vec::with_capacity(ycats.len() * wide_cols.len());
        for i in 0..t.rows() {
            values.extend(wide_cols.iter().map(|c| c.nums().expect("checked numeric")[i]));
        }
        Cells { xcats: wide_cols.iter().map(|c| c.name.clone()).collect(), ycats, values }
    } else {
        let xk = x.unwrap_or(&t.columns[0]);
        let yk = match y.as_deref() {
            Some([c]) => *c,
            _ => t.columns.iter().find(|c| c.name != xk.name).ok_or_else(|| {
                cx.ambiguous(
                    "the rows of the heatmap",
                    "set x= (columns), y= (rows); the values are the other numeric column",
                )
            })?,
        };
        let vals: Vec<&Column> =
            t.columns.iter().filter(|c| c.is_num() && c.name != xk.name && c.name != yk.name).collect();
        let [vc] = vals.as_slice() else {
            return Err(cx.ambiguous(
                "which column holds the cell values",
                "a long heatmap needs x= (columns), y= (rows) and exactly one other numeric column",
            ));
        };
        let (xcats, ycats) = (uniq(xk), uniq(yk));
        if xcats.len().saturating_mul(ycats.len()) > MAX_CELLS {
            return Err(too_many(xcats.len(), ycats.len()));
        }
        let rule = Rule::parse(cx.attrs)?;
        let v = vc.nums().expect("numeric");
        let (xi, yi): (std::collections::HashMap<String, usize>, std::collections::HashMap<String, usize>) = (
            xcats.iter().enumerate().map(|(i, c)| (c.clone(), i)).collect(),
            ycats.iter().enumerate().map(|(i, c)| (c.clone(), i)).collect(),
        );
        let mut groups: Vec<Vec<f64>> = vec![vec![]; xcats.len() * ycats.len()];
        for r in 0..t.rows() {
            groups[yi[&yk.text(r)] * xcats.len() + xi[&xk.text(r)]].push(v[r]);
        }
        let values = groups.iter().map(|g| if g.is_empty() { f64::NAN } else { rule.reduce(g).0 }).collect();
        let labels = (pretty(&xk.name), pretty(&yk.name));
        return Ok((Cells { xcats, ycats, values }, labels));
    };
    if cells.xcats.len().saturating_mul(cells.ycats.len()) > MAX_CELLS {
        return Err(too_many(cells.xcats.len(), cells.ycats.len()));
    }
    // a confusion matrix's row labels name what the rows are (`true`, `actual`)
    let rows = x.or(texts.first().copied()).map_or(String::new(), |c| pretty(&c.name));
    Ok((cells, (String::new(), rows)))
}

fn too_many(nx: usize, ny: usize) -> ProviderError {
    ProviderError::new(format!("a heatmap of {nx} × {ny} cells is too large to read"))
        .hint(format!("a heatmap draws at most {MAX_CELLS} cells; aggregate the data into fewer rows or columns"))
}
