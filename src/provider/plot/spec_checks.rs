//! The checks of a resolved chart: what stacks, what is too large to read, what a log
//! axis cannot show. Each fails at the attribute at fault, with a hint.

use std::collections::BTreeMap;

use super::resolve::bad;
use super::spec::{
    ChartSpec, ChartType, MAX_CATEGORIES, MAX_CATEGORIES_OTHER, MAX_LABEL_CHARS, MAX_POINT_LABELS, Stack,
};
use crate::model::ProviderError;

impl ChartSpec {
    /// `stack=`: bars and areas only; areas of several series stack unless told not to.
    /// Percent stacks scale each x to 100 % here, so labels and ticks read in percent.
    pub(super) fn parse_stack(&mut self, attrs: &BTreeMap<String, String>) -> Result<Stack, ProviderError> {
        let stackable = matches!(self.chart, ChartType::Bar | ChartType::Barh | ChartType::Area);
        let stack = match attrs.get("stack").map(|v| v.trim().to_ascii_lowercase()) {
            None if self.chart == ChartType::Area && self.series.len() > 1 => Stack::Stacked,
            None => Stack::None,
            Some(v) => match v.as_str() {
                "true" | "yes" | "on" | "1" => Stack::Stacked,
                "false" | "no" | "off" | "0" | "none" => Stack::None,
                "percent" | "%" | "100" | "normalize" | "normalise" => Stack::Percent,
                _ => return Err(bad("stack", &attrs["stack"], "true, percent, false")),
            },
        };
        if stack == Stack::None {
            return Ok(stack);
        }
        let at = if attrs.contains_key("stack") { "stack" } else { "chart" };
        if !stackable {
            return Err(ProviderError::new("only bars and areas stack")
                .at_attr(at)
                .hint("use chart=bar, chart=barh or chart=area with stack=, or drop stack="));
        }
        if self.logy || self.logx {
            return Err(ProviderError::new("stacked values cannot be read on a log axis")
                .at_attr(at)
                .hint("drop the log scale, or set stack=false"));
        }
        if self.series.iter().any(|s| s.err.is_some()) {
            return Err(ProviderError::new("stacked bars and areas have no error bars")
                .at_attr(at)
                .hint("drop the error column (or set agg=none), or set stack=false"));
        }
        if let Some((s, v)) = self.series.iter().find_map(|s| s.y.iter().find(|v| **v < 0.0).map(|v| (s, v))) {
            return Err(ProviderError::new(format!(
                "series `{}` has a negative value ({}), which a stack cannot show",
                s.name,
                super::style::fmt_fixed(*v, 3)
            ))
            .at_attr(at)
            .hint("stack only parts of a whole (counts, shares, times); or set stack=false"));
        }
        if stack == Stack::Percent {
            let n = self.series.iter().map(|s| s.y.len()).max().unwrap_or(0);
            let same_x = self.series.windows(2).all(|w| w[0].x == w[1].x);
            if !same_x {
                return Err(ProviderError::new("stack=percent needs every series at the same x values")
                    .at_attr(at)
                    .hint("give every series a row at every x (0 where it has none)"));
            }
            for i in 0..n {
                let total: f64 = self.series.iter().filter_map(|s| s.y.get(i)).filter(|v| v.is_finite()).sum();
                for s in &mut self.series {
                    if let Some(v) = s.y.get_mut(i) {
                        *v = if total > 0.0 { *v / total * 100.0 } else { f64::NAN };
                    }
                }
            }
            self.ylim = (self.ylim.0.or(Some(0.0)), self.ylim.1.or(Some(100.0)));
        }
        Ok(stack)
    }

    /// Fails fast, and says why, on what no chart can show legibly (and what would make
    /// laying it out take minutes): thousands of categories, labels of pages.
    pub(super) fn check_sizes(&self, attrs: &BTreeMap<String, String>) -> Result<(), ProviderError> {
        let max =
            if matches!(self.chart, ChartType::Bar | ChartType::Barh) { MAX_CATEGORIES } else { MAX_CATEGORIES_OTHER };
        if let Some(cats) = self.categories.as_ref().filter(|c| c.len() > max) {
            return Err(ProviderError::new(format!("{} categories are too many for one chart", cats.len()))
                .at_attr(if attrs.contains_key("x") { "x" } else { "data" })
                .hint(format!(
                    "this chart shows at most {max} categories; aggregate the data (e.g. the largest 30 and \
                     \"other\"), or plot a numeric x with chart=line or chart=hist"
                )));
        }
        let labelled: usize = self.series.iter().filter_map(|s| s.labels.as_ref()).map(Vec::len).sum();
        if self.labels && labelled > MAX_POINT_LABELS {
            return Err(ProviderError::new(format!("labels=true would write {labelled} point labels"))
                .at_attr("labels")
                .hint(format!(
                    "a plot can label at most {MAX_POINT_LABELS} points legibly; label a selection (a filtered \
                     data file) or set labels=false"
                )));
        }
        for (attr, text) in [("title", &self.title), ("xlabel", &self.xlabel), ("ylabel", &self.ylabel)] {
            let n = text.chars().count();
            if n > MAX_LABEL_CHARS {
                let hint = format!(
                    "titles and axis labels hold at most {MAX_LABEL_CHARS} characters; put the rest in the caption"
                );
                return Err(ProviderError::new(format!("{attr} is {n} characters long")).at_attr(attr).hint(hint));
            }
        }
        Ok(())
    }

    pub(super) fn check_log(&self, attrs: &BTreeMap<String, String>) -> Result<(), ProviderError> {
        let attr = |names: &[&'static str]| names.iter().copied().find(|a| attrs.contains_key(*a)).unwrap_or("log");
        for s in &self.series {
            let hist = self.chart == ChartType::Hist;
            let xv: &[f64] = if hist {
                &s.y
            } else if self.categories.is_some() {
                &[]
            } else {
                &s.x
            };
            let yv: &[f64] = if hist { &[] } else { &s.y };
            let ynames: &[&'static str] = if self.chart == ChartType::Barh { &["logx", "logy"] } else { &["logy"] };
            for (on, vals, a) in [(self.logx, xv, attr(&["logx"])), (self.logy, yv, attr(ynames))] {
                if let (true, Some(v)) = (on, vals.iter().find(|v| **v <= 0.0)) {
                    return Err(ProviderError::new(format!(
                        "a log axis cannot show {} (series `{}`)",
                        super::style::fmt_fixed(*v, 3),
                        s.name
                    ))
                    .at_attr(a)
                    .hint("drop the log scale or the values ≤ 0"));
                }
            }
        }
        Ok(())
    }
}
