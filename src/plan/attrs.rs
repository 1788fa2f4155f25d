//! Every attribute of a figure must mean something to someone: to the document (placement
//! and size, see [`NOT_FIGURE_INPUTS`](super::NOT_FIGURE_INPUTS)), to the planner (file
//! references), or to the figure's provider ([`Provider::attrs`]). Anything else is a typo
//! (`xlable=`) or an attribute of another provider, and is an error before anything is
//! drawn or paid for, pointing at the attribute's name with the closest known name.

use crate::diag::{Code, Diagnostic, Loc, closest};
use crate::model::Kind;
use crate::provider::Provider;
use crate::scan::Directive;

/// The first attribute of `d` that nobody reads, as a diagnostic.
///
/// `known` holds the names the planner itself consumes for this figure; `others` are the
/// other providers of the build, to say which of them reads an attribute the chosen one
/// does not.
pub fn check(
    d: &Directive,
    provider: &dyn Provider,
    known: &[&[&str]],
    others: &mut dyn Iterator<Item = &dyn Provider>,
) -> Result<(), Diagnostic> {
    let own = provider.attrs(d.kind);
    let reads = |name: &str| {
        known.iter().any(|k| k.contains(&name)) || provider.file_attrs().contains(&name) || matches(own, name)
    };
    let Some(bad) = d.attrs.iter().find(|a| !reads(&a.name)) else { return Ok(()) };
    let mut names: Vec<&str> = own.iter().chain(provider.file_attrs()).copied().collect();
    names.sort_unstable();
    let list = names.iter().map(|n| if n.ends_with('.') { format!("{n}NAME") } else { n.to_string() });
    let list = list.collect::<Vec<_>>().join(", ");
    let elsewhere: Vec<&str> = others
        .filter(|p| p.id() != provider.id() && p.kinds().contains(&d.kind))
        .filter(|p| matches(p.attrs(d.kind), &bad.name) || p.file_attrs().contains(&bad.name.as_str()))
        .map(|p| p.id())
        .collect();
    // A typo of an attribute every figure has (`capton`) is as likely as one of the provider's.
    let mut candidates = names.clone();
    candidates.extend(known.iter().flat_map(|k| k.iter().copied()));
    let hint = match (closest(&bad.name, &candidates), elsewhere.first()) {
        (Some(near), _) => format!("did you mean `{near}`? {} {} figures read: {list}", provider.id(), d.kind),
        (None, Some(other)) => format!(
            "`{}` is read by provider `{other}`, not by `{}` (add provider={other}); {} reads: {list}",
            bad.name,
            provider.id(),
            provider.id()
        ),
        (None, None) => format!("{} {} figures read: {list}", provider.id(), d.kind),
    };
    let what = match d.kind {
        Kind::Image | Kind::Extract => format!("an {} figure", d.kind),
        _ => format!("a {} figure", d.kind),
    };
    Err(Diagnostic::error(Code::Plan, format!("unknown attribute `{}` for {what} ({})", bad.name, provider.id()))
        .at(Loc::new(&d.loc.file, bad.name_span.clone()), "not an attribute of this figure")
        .hint(hint)
        .for_figure(&d.name))
}

/// The document's own attributes of a figure, which TeX would otherwise take as written:
/// `width=` a length, a percentage or a fraction of the line (`width=80` would be 80 line
/// widths, "Dimension too large"), `placement=` LaTeX's float specifiers.
pub fn check_placement(d: &Directive) -> Result<(), Diagnostic> {
    let bad = |attr: &str, message: String, label: &str, hint: String| {
        let a = d.attr(attr).expect("checked present");
        Err(Diagnostic::error(Code::Plan, message)
            .at(Loc::new(&d.loc.file, a.value_span.clone()), label)
            .hint(hint)
            .for_figure(&d.name))
    };
    if let Some(w) = d.attr("width").map(|a| a.value.trim().to_string()) {
        if let Ok(v) = w.parse::<f64>() {
            if !(v > 0.0 && v <= 1.0) {
                let near = if (1.0..=100.0).contains(&v) { format!("did you mean {w}%? ") } else { String::new() };
                return bad(
                    "width",
                    format!("width={w} is not a share of the line width"),
                    "not a width",
                    format!("{near}a number alone is a fraction of the line width (0.8); or write 80%, 8cm, 3in"),
                );
            }
        }
    }
    if let Some(p) = d.attr("placement").map(|a| a.value.trim().to_string()) {
        if p.is_empty() || !p.chars().all(|c| "htbpH!".contains(c)) {
            return bad(
                "placement",
                format!("placement={p} is not a LaTeX float placement"),
                "not a placement",
                "use the letters h (here), t (top), b (bottom), p (page of floats), ! and H, e.g. placement=tbp".into(),
            );
        }
    }
    Ok(())
}

/// Whether `name` is in `names`, where an entry ending in `.` stands for every name with
/// that prefix (`input.` for `input.prompt`).
fn matches(names: &[&str], name: &str) -> bool {
    names.iter().any(|n| if n.ends_with('.') { name.starts_with(n) && name.len() > n.len() } else { *n == name })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLOT: &[&str] = &["x", "y", "xlabel", "ylabel", "xlim", "ylim", "legend", "title", "bins"];

    #[test]
    fn typos_find_their_attribute() {
        assert_eq!(closest("xlable", PLOT), Some("xlabel"));
        assert_eq!(closest("YLabel", PLOT), Some("ylabel"));
        assert_eq!(closest("legnd", PLOT), Some("legend"));
        assert_eq!(closest("titel", PLOT), Some("title"));
    }

    #[test]
    fn unrelated_names_get_no_guess() {
        assert_eq!(closest("colour", PLOT), None);
        // one letter off a one-letter name is no evidence of a typo of it
        assert_eq!(closest("zz", PLOT), None);
        assert_eq!(closest(&"x".repeat(100_000), PLOT), None);
    }

    #[test]
    fn prefixes_stand_for_families_of_names() {
        assert!(matches(&["model", "input."], "input.prompt"));
        assert!(!matches(&["model", "input."], "input."));
        assert!(!matches(&["model", "input."], "inputs"));
    }
}
