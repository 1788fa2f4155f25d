//! What a figure costs on a hosted service, in that service's own unit (AutoFigureEdit
//! credits, PaperBanana quota units, ...). Units are never mixed: totals are kept per unit,
//! and `--max-cost N` applies to each unit's total.

use std::collections::BTreeMap;
use std::fmt;

/// An estimated cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    pub amount: f64,
    /// Plural unit name (`credits`, `quota units`).
    pub unit: &'static str,
}

impl Cost {
    pub fn new(amount: f64, unit: &'static str) -> Cost {
        Cost { amount, unit }
    }
}

impl fmt::Display for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.amount.fract() == 0.0 {
            write!(f, "{} {}", self.amount, self.unit)
        } else {
            write!(f, "{:.2} {}", self.amount, self.unit)
        }
    }
}

/// Sums of costs, per unit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Totals(pub BTreeMap<&'static str, f64>);

impl Totals {
    pub fn add(&mut self, c: Cost) {
        *self.0.entry(c.unit).or_insert(0.0) += c.amount;
    }

    /// The first unit whose total exceeds `max`.
    pub fn over(&self, max: f64) -> Option<Cost> {
        self.0.iter().find(|(_, v)| **v > max).map(|(u, v)| Cost::new(*v, u))
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(|v| *v == 0.0)
    }
}

impl fmt::Display for Totals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(u, v)| Cost::new(*v, u).to_string()).collect();
        if parts.is_empty() { f.write_str("nothing") } else { f.write_str(&parts.join(" + ")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_per_unit() {
        let mut t = Totals::default();
        t.add(Cost::new(20.0, "credits"));
        t.add(Cost::new(1.0, "quota units"));
        t.add(Cost::new(6.0, "credits"));
        assert_eq!(t.to_string(), "26 credits + 1 quota units");
        assert_eq!(t.over(25.0), Some(Cost::new(26.0, "credits")));
        assert_eq!(t.over(26.0), None);
    }
}
