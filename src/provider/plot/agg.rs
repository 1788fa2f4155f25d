//! Aggregation of repeated x values (several seeds or runs per setting), as statistics
//! plotting libraries do it: one point per x and series — the mean by default, or the
//! median, sum or count (`agg=`) — with an interval (`ci=`): a confidence interval at a
//! level (`95`, the default: Student's t for the mean, a seeded bootstrap for the median),
//! one standard deviation (`sd`), one standard error (`se`), or none.

use std::collections::BTreeMap;

use crate::model::ProviderError;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Agg {
    Mean,
    Median,
    Sum,
    Count,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ci {
    /// A confidence interval at this level (0–1).
    Level(f64),
    Sd,
    Se,
    None,
}

/// What the directive asks: `agg: None` is `agg=none` (draw every row as it is).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule {
    pub agg: Option<Agg>,
    pub ci: Ci,
    /// `agg=` was written (aggregate even when no x repeats).
    pub explicit: bool,
}

/// Resamples of the bootstrap interval of the median.
const BOOTSTRAP: usize = 2000;

impl Rule {
    pub fn parse(attrs: &BTreeMap<String, String>) -> Result<Rule, ProviderError> {
        let bad = |a: &str, valid: &str| {
            ProviderError::new(format!("invalid value `{}` for {a}=", attrs[a]))
                .at_attr(a)
                .hint(format!("valid values: {valid}"))
        };
        let agg = match attrs.get("agg").map(|v| v.trim().to_ascii_lowercase()) {
            None => Some(Agg::Mean),
            Some(v) => match v.as_str() {
                "mean" | "average" => Some(Agg::Mean),
                "median" => Some(Agg::Median),
                "sum" | "total" => Some(Agg::Sum),
                "count" | "n" => Some(Agg::Count),
                "none" | "false" | "off" => None,
                _ => return Err(bad("agg", "mean, median, sum, count, none")),
            },
        };
        let ci = match attrs.get("ci").map(|v| v.trim().to_ascii_lowercase()) {
            None => Ci::Level(0.95),
            Some(v) => match v.as_str() {
                "sd" | "std" => Ci::Sd,
                "se" | "sem" => Ci::Se,
                "none" | "false" | "off" => Ci::None,
                level => match level.trim_end_matches('%').parse::<f64>() {
                    Ok(p) if p > 0.0 && p < 100.0 => Ci::Level(p / 100.0),
                    _ => return Err(bad("ci", "a confidence level in percent such as 95, sd, se, none")),
                },
            },
        };
        if attrs.contains_key("ci") && matches!(agg, Some(Agg::Sum | Agg::Count)) && ci != Ci::None {
            return Err(ProviderError::new("ci= needs agg=mean or agg=median")
                .at_attr("ci")
                .hint("a sum or a count has no interval; drop ci= or aggregate by mean or median"));
        }
        let ci = if matches!(agg, Some(Agg::Sum | Agg::Count)) { Ci::None } else { ci };
        Ok(Rule { agg, ci, explicit: attrs.contains_key("agg") })
    }

    /// The value of a group of rows and the distances below and above it of its interval
    /// (`None` when it has none: one row, or `ci=none`).
    pub fn reduce(&self, values: &[f64]) -> (f64, Option<(f64, f64)>) {
        let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        let n = v.len();
        let agg = self.agg.unwrap_or(Agg::Mean);
        if n == 0 {
            return (if agg == Agg::Count || agg == Agg::Sum { 0.0 } else { f64::NAN }, None);
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        let value = match agg {
            Agg::Mean => mean,
            Agg::Median => median(&v),
            Agg::Sum => v.iter().sum(),
            Agg::Count => n as f64,
        };
        if n < 2 {
            return (value, None);
        }
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        let e = match (self.ci, agg) {
            (Ci::None, _) | (_, Agg::Sum | Agg::Count) => return (value, None),
            (Ci::Sd, _) => sd,
            (Ci::Se, _) => sd / (n as f64).sqrt(),
            (Ci::Level(p), Agg::Mean) => t_quantile(0.5 + p / 2.0, (n - 1) as f64) * sd / (n as f64).sqrt(),
            (Ci::Level(p), Agg::Median) => {
                let (lo, hi) = bootstrap_median(&v, p);
                return (value, Some(((value - lo).max(0.0), (hi - value).max(0.0))));
            }
        };
        (value, Some((e, e)))
    }

    /// "the mean with a 95 % t-interval" (verbose output).
    pub fn describe(&self) -> String {
        let what = match self.agg.unwrap_or(Agg::Mean) {
            Agg::Mean => "mean",
            Agg::Median => "median",
            Agg::Sum => "sum",
            Agg::Count => "count",
        };
        let interval = match (self.ci, self.agg) {
            (Ci::Level(p), Some(Agg::Median)) => format!(" with a {} % bootstrap interval", pct(p)),
            (Ci::Level(p), _) => format!(" with a {} % t-interval", pct(p)),
            (Ci::Sd, _) => " ± one standard deviation".into(),
            (Ci::Se, _) => " ± one standard error".into(),
            (Ci::None, _) => String::new(),
        };
        format!("the {what}{interval}")
    }
}

fn pct(p: f64) -> String {
    let s = format!("{:.1}", p * 100.0);
    s.trim_end_matches(".0").to_string()
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 { s[n / 2] } else { (s[n / 2 - 1] + s[n / 2]) / 2.0 }
}

/// The percentile interval of the median over resamples drawn by a fixed-seed generator
/// (the same data always give the same figure).
fn bootstrap_median(v: &[f64], level: f64) -> (f64, f64) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ v.len() as u64;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let mut meds: Vec<f64> = (0..BOOTSTRAP)
        .map(|_| {
            let sample: Vec<f64> = (0..v.len()).map(|_| v[next() % v.len()]).collect();
            median(&sample)
        })
        .collect();
    meds.sort_by(f64::total_cmp);
    let at = |q: f64| meds[((q * (BOOTSTRAP - 1) as f64).round() as usize).min(BOOTSTRAP - 1)];
    (at((1.0 - level) / 2.0), at((1.0 + level) / 2.0))
}

/// The `p` quantile of Student's t distribution with `df` degrees of freedom, by
/// bisection on its distribution function.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    // 64 halvings of [0, 10⁴] leave less than 10⁻¹⁴
    let (mut lo, mut hi) = (0.0, 1e4);
    for _ in 0..64 {
        let mid = (lo + hi) / 2.0;
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// P(T ≤ t) for t ≥ 0: 1 − I_x(df/2, 1/2) / 2 with x = df / (df + t²).
fn t_cdf(t: f64, df: f64) -> f64 {
    1.0 - 0.5 * inc_beta(df / 2.0, 0.5, df / (df + t * t))
}

/// The regularised incomplete beta function I_x(a, b), by its continued fraction.
fn inc_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) { front * beta_cf(a, b, x) / a } else { 1.0 - front * beta_cf(b, a, 1.0 - x) / b }
}

/// Lentz's method for the continued fraction of the incomplete beta function.
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    d = if d.abs() < TINY { TINY } else { d };
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        for aa in [m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))] {
            d = 1.0 + aa * d;
            d = if d.abs() < TINY { TINY } else { d };
            c = 1.0 + aa / c;
            c = if c.abs() < TINY { TINY } else { c };
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let s = G[1..].iter().enumerate().fold(G[0], |s, (i, g)| s + g / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + s.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pairs: &[(&str, &str)]) -> Result<Rule, ProviderError> {
        Rule::parse(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn t_quantiles_match_the_tables() {
        // two-sided 95 % critical values from printed t tables
        for (df, t) in [(1.0, 12.706), (2.0, 4.303), (4.0, 2.776), (9.0, 2.262), (29.0, 2.045), (1000.0, 1.962)] {
            assert!((t_quantile(0.975, df) - t).abs() < 1e-3, "df {df}: {}", t_quantile(0.975, df));
        }
        assert!((t_quantile(0.995, 4.0) - 4.604).abs() < 1e-3);
    }

    #[test]
    fn mean_with_a_t_interval_by_default() {
        let r = rule(&[]).unwrap();
        // mean 2, sd 1, n 3: half-width 4.303 / √3
        let (m, e) = r.reduce(&[1.0, 2.0, 3.0]);
        let e = e.unwrap();
        assert_eq!(m, 2.0);
        assert!((e.0 - 4.303 / 3f64.sqrt()).abs() < 1e-3 && e.0 == e.1, "{e:?}");
        assert_eq!(r.reduce(&[5.0]), (5.0, None), "one row has no interval");
        assert_eq!(r.describe(), "the mean with a 95 % t-interval");
    }

    #[test]
    fn other_aggregates_and_intervals() {
        let v = [1.0, 2.0, 3.0, 10.0];
        assert_eq!(rule(&[("agg", "sum")]).unwrap().reduce(&v), (16.0, None));
        assert_eq!(rule(&[("agg", "count")]).unwrap().reduce(&v), (4.0, None));
        let sd = rule(&[("ci", "sd")]).unwrap().reduce(&v);
        // mean 4; squared deviations 9 + 4 + 1 + 36 over n − 1 = 3
        let want: f64 = 50.0 / 3.0;
        assert!((sd.1.unwrap().0 - want.sqrt()).abs() < 1e-9, "{sd:?}");
        let se = rule(&[("ci", "se")]).unwrap().reduce(&v);
        assert!((se.1.unwrap().0 - want.sqrt() / 2.0).abs() < 1e-9);
        // the median's interval is asymmetric around a skewed sample, and reproducible
        let med = rule(&[("agg", "median")]).unwrap();
        let (m, e) = med.reduce(&v);
        let e = e.unwrap();
        assert_eq!(m, 2.5);
        assert!(e.1 > e.0, "{e:?}");
        assert_eq!(med.reduce(&v), (m, Some(e)));
        assert_eq!(rule(&[("ci", "none")]).unwrap().reduce(&v), (4.0, None));
        assert_eq!(rule(&[("ci", "99%")]).unwrap().ci, Ci::Level(0.99));
    }

    #[test]
    fn bad_values_name_the_attribute() {
        let e = rule(&[("agg", "avg")]).unwrap_err();
        assert_eq!(
            (e.attr.as_deref(), e.hint.as_deref()),
            (Some("agg"), Some("valid values: mean, median, sum, count, none"))
        );
        assert_eq!(rule(&[("ci", "100")]).unwrap_err().attr.as_deref(), Some("ci"));
        assert_eq!(rule(&[("agg", "sum"), ("ci", "95")]).unwrap_err().attr.as_deref(), Some("ci"));
        assert_eq!(rule(&[("agg", "none")]).unwrap().agg, None);
    }
}
