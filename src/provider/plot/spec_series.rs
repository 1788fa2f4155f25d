//! A chart's series from its table: the column a histogram bins (and its groups), and the
//! x, y, group and error columns of every other chart, by name, by mention in the intent
//! text, or by the table's shape, each failing at the attribute at fault with a hint.

use super::agg::{Agg, Rule};
use super::data::{Column, Table};
use super::resolve::{Ctx, Series, has_dups, mentioned, merged_order, uniq};
use super::spec::{ChartSpec, ChartType};
use super::style::pretty;
use crate::model::ProviderError;

impl ChartSpec {
    pub(super) fn resolve_hist(
        &mut self,
        cx: &Ctx,
        col: Option<&Column>,
        group: Option<&Column>,
        intent: &str,
    ) -> Result<(String, String), ProviderError> {
        let t = cx.t;
        let col = match col {
            Some(c) => c,
            None => {
                let nums: Vec<&Column> = t.columns.iter().filter(|c| c.is_num()).collect();
                let named = mentioned(intent, &nums);
                match (nums.len(), named.len()) {
                    (0, _) => {
                        return Err(cx.ambiguous("which column to bin", "a histogram needs a numeric column; set x="));
                    }
                    (1, _) => nums[0],
                    (_, 1) => named[0],
                    _ => return Err(cx.ambiguous("which column to bin", "set x= to the column whose values to count")),
                }
            }
        };
        cx.numeric("x", col)?;
        let vals = col.nums().unwrap_or(&[]);
        let group = group.or_else(|| {
            let texts: Vec<&Column> =
                t.columns.iter().filter(|c| !c.is_num() && has_dups(c) && few_values(c)).collect();
            (texts.len() == 1 && !cx.group_off()).then(|| texts[0])
        });
        match group {
            Some(g) => {
                for key in uniq(g) {
                    let y = (0..vals.len())
                        .filter(|&i| g.text(i) == key)
                        .map(|i| vals[i])
                        .filter(|v| v.is_finite())
                        .collect();
                    self.series.push(Series { name: key, x: vec![], y, err: None, labels: None });
                }
            }
            None => self.series.push(Series {
                name: pretty(&col.name),
                x: vec![],
                y: vals.iter().copied().filter(|v| v.is_finite()).collect(),
                err: None,
                labels: None,
            }),
        }
        if self.series.iter().all(|s| s.y.is_empty()) {
            return Err(ProviderError::new(format!("column `{}` has no numbers to count", col.name)));
        }
        Ok((pretty(&col.name), "Count".into()))
    }

    pub(super) fn resolve_xy(
        &mut self,
        cx: &Ctx,
        x: Option<&Column>,
        y: Option<Vec<&Column>>,
        group: Option<&Column>,
        err: Option<Vec<&Column>>,
        intent: &str,
    ) -> Result<(String, String), ProviderError> {
        let t = cx.t;
        let chart = self.chart;
        let x = match x {
            Some(c) => c,
            None => match chart {
                ChartType::Bar | ChartType::Barh => t.columns.iter().find(|c| !c.is_num()).unwrap_or(&t.columns[0]),
                // a first column of dates is x, as for lines
                ChartType::Scatter if t.columns[0].times().is_some() => &t.columns[0],
                ChartType::Scatter => {
                    *t.columns.iter().filter(|c| c.is_num()).collect::<Vec<_>>().first().ok_or_else(|| {
                        cx.ambiguous("the x values", "a scatter plot needs numeric x and y columns; set x= and y=")
                    })?
                }
                _ => &t.columns[0],
            },
        };
        // dates and times on a time axis (bars keep them as categories, one bar each)
        let times = if matches!(chart, ChartType::Line | ChartType::Scatter) { x.times() } else { None };
        if times.is_none() && (chart == ChartType::Scatter || (chart == ChartType::Line && self.logx)) {
            cx.numeric("x", x)?;
        }
        if times.is_some() && self.logx {
            return Err(ProviderError::new(format!("a log axis cannot show the dates of `{}`", x.name))
                .at_attr(if cx.attrs.contains_key("logx") { "logx" } else { "log" })
                .hint("drop the log scale of x"));
        }
        self.time_x = times.is_some();
        let categorical = times.is_none() && (matches!(chart, ChartType::Bar | ChartType::Barh) || !x.is_num());
        // Long format: x values repeat, and one other text column of a few values (at most
        // the series a chart tells apart) repeats too. A column of many values (dates in
        // words under bars of a mean per symbol) is no series, nor is any column when x never
        // repeats (a weather column beside a time series).
        let group = match group {
            Some(g) => Some(g),
            None if cx.group_off() => None,
            None => {
                let others: Vec<&Column> = t.columns.iter().filter(|c| !c.is_num() && c.name != x.name).collect();
                let long = has_dups(x);
                let dup_others: Vec<&Column> =
                    others.iter().copied().filter(|c| has_dups(c) && few_values(c)).collect();
                match (long, dup_others.len()) {
                    (true, 1) => Some(dup_others[0]),
                    (true, n) if n > 1 => {
                        return Err(
                            cx.ambiguous("which column groups the rows", "set group= (one series per value) and x=")
                        );
                    }
                    _ => None,
                }
            }
        };
        let point_labels = match (chart, group) {
            (ChartType::Scatter, None) => t.columns.iter().find(|c| !c.is_num() && c.name != x.name),
            _ => None,
        };
        // y columns
        let ys: Vec<&Column> = match y {
            Some(v) => v,
            None => {
                let cand: Vec<&Column> = t
                    .columns
                    .iter()
                    .filter(|c| {
                        c.is_num()
                            && c.name != x.name
                            && !is_err_col(t, c)
                            && err.as_ref().is_none_or(|e| !e.iter().any(|e| e.name == c.name))
                    })
                    .collect();
                let named = mentioned(intent, &cand);
                let cand = if named.is_empty() { cand } else { named };
                let need_one = group.is_some() || chart == ChartType::Scatter;
                match cand.len() {
                    0 => return Err(cx.ambiguous("what to plot", "no numeric column besides x; set y=")),
                    n if n > 1 && need_one => {
                        return Err(cx.ambiguous("which column is y", "set x= and y="));
                    }
                    n if n > 8 => return Err(cx.ambiguous("which columns to plot", "set y= to at most 8 columns")),
                    _ => cand,
                }
            }
        };
        for c in &ys {
            cx.numeric("y", c)?;
        }
        if group.is_some() && ys.len() > 1 {
            return Err(ProviderError::new("with group=, y= must name one column")
                .at_attr("y")
                .hint(format!("available columns: {}", t.names())));
        }
        let errs: Vec<Option<&Column>> = match err {
            Some(e) if e.len() == ys.len() => e.into_iter().map(Some).collect(),
            Some(e) if e.len() == 1 => ys.iter().map(|_| Some(e[0])).collect(),
            Some(e) => {
                return Err(ProviderError::new(format!("err= names {} columns for {} y columns", e.len(), ys.len()))
                    .at_attr("err")
                    .hint("give one error column per y column, or one for all"));
            }
            None => ys.iter().map(|y| auto_err(t, y)).collect(),
        };
        for c in errs.iter().flatten() {
            cx.numeric("err", c)?;
        }

        // x positions
        let n = t.rows();
        let (xs, cats): (Vec<f64>, Option<Vec<String>>) = if categorical {
            // Rows without an x value have no category: left out, and said.
            let cats = match group {
                Some(g) => merged_order(x, g),
                None => uniq(x).into_iter().filter(|c| !c.is_empty()).collect(),
            };
            let missing = (0..n).filter(|&i| x.text(i).is_empty()).count();
            if missing > 0 {
                self.notes.push(format!("{missing} row{} without a `{}` value left out", plural(missing), x.name));
            }
            let index: std::collections::HashMap<&str, usize> =
                cats.iter().enumerate().map(|(k, c)| (c.as_str(), k)).collect();
            let xs = (0..n).map(|i| index.get(x.text(i).as_str()).map_or(f64::NAN, |&k| k as f64)).collect();
            (xs, Some(cats))
        } else if let Some(times) = times {
            (times, None)
        } else {
            (x.nums().expect("numeric").to_vec(), None)
        };
        let num = |c: &Column| c.nums().expect("checked numeric").to_vec();
        let keys: Vec<(String, Vec<usize>)> = match group {
            Some(g) => uniq(g)
                .into_iter()
                .filter(|k| {
                    let missing = k.is_empty();
                    if missing {
                        let rows = (0..n).filter(|&i| g.text(i).is_empty()).count();
                        self.notes.push(format!("{rows} row{} without a `{}` value left out", plural(rows), g.name));
                    }
                    !missing
                })
                .map(|k| {
                    let rows = (0..n).filter(|&i| g.text(i) == k).collect();
                    (k, rows)
                })
                .collect(),
            None => ys.iter().map(|y| (pretty(&y.name), (0..n).collect())).collect(),
        };
        let rule = Rule::parse(cx.attrs)?;
        let (mut rows_in, mut points_out) = (0usize, 0usize);
        for (k, (name, rows)) in keys.into_iter().enumerate() {
            let yc = if group.is_some() { ys[0] } else { ys[k] };
            let ec = if group.is_some() { errs[0] } else { errs[k] };
            let (yv, ev) = (num(yc), ec.map(num));
            let bars = categorical && matches!(chart, ChartType::Bar | ChartType::Barh);
            let mut idx: Vec<usize> = rows.into_iter().filter(|&i| xs[i].is_finite()).collect();
            idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
            let repeats = idx.windows(2).any(|w| xs[w[0]] == xs[w[1]]);
            let aggregate = chart != ChartType::Scatter && rule.agg.is_some() && (rule.explicit || repeats);
            if aggregate && ev.is_some() && repeats {
                return Err(ProviderError::new(format!(
                    "rows repeat x values in `{name}`, and err= gives an error per row"
                ))
                .at_attr(if cx.attrs.contains_key("err") { "err" } else { "data" })
                .hint("aggregated points get their interval from ci=; drop the error column, or set agg=none"));
            }
            let mut series = Series { name, x: vec![], y: vec![], err: None, labels: None };
            if aggregate {
                let mut errs_out = Vec::new();
                for run in idx.chunk_by(|&a, &b| xs[a] == xs[b]) {
                    let vals: Vec<f64> = run.iter().map(|&i| yv[i]).collect();
                    let (v, e) = rule.reduce(&vals);
                    series.x.push(xs[run[0]]);
                    series.y.push(v);
                    errs_out.push(e.unwrap_or((f64::NAN, f64::NAN)));
                }
                rows_in += idx.len();
                points_out += series.x.len();
                if errs_out.iter().any(|e| e.0.is_finite()) {
                    series.err = Some(errs_out);
                }
            } else {
                if bars && repeats {
                    let i = idx.windows(2).find(|w| xs[w[0]] == xs[w[1]]).map_or(0, |w| w[0]);
                    return Err(ProviderError::new(format!(
                        "two rows for the bar `{}`{} with agg=none",
                        x.text(i),
                        if group.is_some() { format!(" in group `{}`", series.name) } else { String::new() }
                    ))
                    .at_attr("agg")
                    .hint("each bar needs exactly one row: aggregate them (agg=mean, the default) or set group="));
                }
                // lines are drawn in x order; scatter points keep the data's order
                if chart != ChartType::Line && !bars {
                    idx.sort_unstable();
                }
                series.x = idx.iter().map(|&i| xs[i]).collect();
                series.y = idx.iter().map(|&i| yv[i]).collect();
                series.err = ev.map(|e| idx.iter().map(|&i| (e[i], e[i])).collect());
                series.labels = point_labels.map(|c| idx.iter().map(|&i| c.text(i)).collect());
            }
            if bars {
                // one value per category, in category order
                let nc = cats.as_ref().map_or(0, Vec::len);
                let (mut vals, mut evs) = (vec![f64::NAN; nc], vec![(f64::NAN, f64::NAN); nc]);
                for (j, &c) in series.x.iter().enumerate() {
                    vals[c as usize] = series.y[j];
                    if let Some(e) = &series.err {
                        evs[c as usize] = e[j];
                    }
                }
                series.x = (0..nc).map(|i| i as f64).collect();
                series.y = vals;
                series.err = series.err.map(|_| evs);
            }
            self.series.push(series);
        }
        if rows_in > points_out {
            self.notes.push(format!(
                "{rows_in} rows at {points_out} x value{}: drawn as {} (agg= and ci= change this)",
                if points_out == 1 { "" } else { "s" },
                rule.describe()
            ));
        }
        self.categories = cats;
        let ylabel = if rule.agg == Some(Agg::Count) && self.chart != ChartType::Scatter {
            "Count".to_string()
        } else if group.is_some() || ys.len() == 1 {
            pretty(&ys[0].name)
        } else {
            ys.iter().map(|c| pretty(&c.name)).collect::<Vec<_>>().join(", ")
        };
        Ok((pretty(&x.name), ylabel))
    }
}

/// The error column of `y`, by `_err`, `_std`, `_sd`, `_se` suffix.
fn auto_err<'a>(t: &'a Table, y: &Column) -> Option<&'a Column> {
    ["_err", "_std", "_sd", "_se"].iter().find_map(|s| t.find(&format!("{}{s}", y.name)).filter(|c| c.is_num()))
}

fn is_err_col(t: &Table, c: &Column) -> bool {
    ["_err", "_std", "_sd", "_se"].iter().any(|s| c.name.strip_suffix(s).is_some_and(|base| t.find(base).is_some()))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Whether a text column has few enough values to be told apart as series (the palette's
/// eight colours).
fn few_values(c: &Column) -> bool {
    let mut seen = std::collections::HashSet::new();
    (0..c.len()).all(|i| {
        seen.insert(c.text(i));
        seen.len() <= 8
    })
}
