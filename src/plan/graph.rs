//! Figures that take other figures' outputs as input (`input=#fig:sketch`): which figures
//! each directive names in its provider's figure attribute (`Provider::figure_attr`),
//! checked against the ids of the build. An unknown id, a cycle (a figure naming itself, or
//! `a` → `b` → `a`) and a chain longer than [`MAX_CHAIN`] are errors at the attribute; the
//! planner (`Planner`) plans every other figure once those it names are built.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::diag::closest;
use crate::diag::{Code, Diagnostic};
use crate::provider::{figure_ref, list_entries};
use crate::scan::Directive;

/// The most figures in one chain of figures each taking the next one's output as input: a
/// build runs at most this many waves.
pub const MAX_CHAIN: usize = 16;

/// Who takes whose output, by index into the build's directives.
pub struct Graph {
    /// For each directive, the directives it names as input, each once, in the order named.
    pub upstream: Vec<Vec<usize>>,
    /// For each directive, why it cannot be planned: an id it names is unknown, it is on a
    /// cycle, or its chain is too long.
    pub errors: Vec<Option<Diagnostic>>,
    /// Every directive, each after the ones it names (those on or after a cycle last).
    pub order: Vec<usize>,
    /// Whether another directive names it (its output must be read after it is built).
    pub named: Vec<bool>,
}

impl Graph {
    /// The graph of `directives`, where `attr_of` gives the attribute of a directive whose
    /// entries may name figures (its provider's `figure_attr`), if any.
    pub fn of(directives: &[Arc<Directive>], attr_of: &dyn Fn(&Directive) -> Option<&'static str>) -> Graph {
        let n = directives.len();
        let ids: HashMap<&str, usize> =
            directives.iter().enumerate().filter_map(|(i, d)| Some((d.label.as_deref()?, i))).collect();
        let mut upstream = vec![Vec::new(); n];
        let mut errors: Vec<Option<Diagnostic>> = vec![None; n];
        for (i, d) in directives.iter().enumerate() {
            let Some(attr) = attr_of(d) else { continue };
            let Some(a) = d.attr(attr) else { continue };
            for id in list_entries(&a.value).filter_map(figure_ref) {
                match ids.get(id) {
                    Some(&u) if !upstream[i].contains(&u) => upstream[i].push(u),
                    Some(_) => {}
                    None if errors[i].is_none() => errors[i] = Some(unknown(d, attr, id, &ids)),
                    None => {}
                }
            }
        }
        let mut named = vec![false; n];
        for &u in upstream.iter().flatten() {
            named[u] = true;
        }
        // Kahn's order; the depth of a figure is the number of figures before it in its
        // longest chain.
        let mut downstream = vec![Vec::new(); n];
        for (i, ups) in upstream.iter().enumerate() {
            for &u in ups {
                downstream[u].push(i);
            }
        }
        let mut left: Vec<usize> = upstream.iter().map(Vec::len).collect();
        let mut depth = vec![0usize; n];
        let mut ready: VecDeque<usize> = (0..n).filter(|&i| left[i] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(i) = ready.pop_front() {
            order.push(i);
            for &j in &downstream[i] {
                depth[j] = depth[j].max(depth[i] + 1);
                left[j] -= 1;
                if left[j] == 0 {
                    ready.push_back(j);
                }
            }
        }
        for &i in &order {
            // Only the first figure too far: those after it fail as their input does.
            if depth[i] == MAX_CHAIN && errors[i].is_none() {
                errors[i] = Some(too_long(&directives[i], attr_of(&directives[i]).unwrap_or("input"), depth[i] + 1));
            }
        }
        // What Kahn's order left is on a cycle or after one.
        let stuck: Vec<usize> = (0..n).filter(|&i| left[i] > 0).collect();
        for &i in &stuck {
            if let Some(cycle) = cycle_through(i, &upstream) {
                let attr = attr_of(&directives[i]).unwrap_or("input");
                errors[i] = Some(on_cycle(directives, i, attr, &cycle));
            }
        }
        order.extend(stuck);
        Graph { upstream, errors, order, named }
    }
}

/// A cycle from `i` back to itself along the figures it names (`[i, u, …, i]`), if any.
fn cycle_through(i: usize, upstream: &[Vec<usize>]) -> Option<Vec<usize>> {
    let mut came_from: HashMap<usize, usize> = HashMap::new();
    let mut queue: VecDeque<usize> = VecDeque::from([i]);
    while let Some(v) = queue.pop_front() {
        for &u in &upstream[v] {
            if u == i {
                // Back from `v` to `i`, then turned round: `i` takes the next one's output, …
                let mut path = vec![v];
                while let Some(&last) = path.last().filter(|&&last| last != i) {
                    path.push(came_from[&last]);
                }
                path.reverse();
                path.push(i);
                return Some(path);
            }
            if let std::collections::hash_map::Entry::Vacant(e) = came_from.entry(u) {
                e.insert(v);
                queue.push_back(u);
            }
        }
    }
    None
}

fn unknown(d: &Directive, attr: &str, id: &str, ids: &HashMap<&str, usize>) -> Diagnostic {
    let mut known: Vec<&str> = ids.keys().copied().collect();
    known.sort_unstable();
    let hint = match closest(id, &known) {
        Some(near) => format!("did you mean `#{near}`?"),
        None if known.is_empty() => {
            format!("no figure of this build has an id; give the figure `#{id}` (Markdown) or `id={id}` (LaTeX)")
        }
        None if known.len() <= 8 => format!("figure ids in this build: {}", known.join(", ")),
        None => format!("figure ids in this build include: {}, …", known[..8].join(", ")),
    };
    Diagnostic::error(Code::Plan, format!("{attr}= names figure `{id}`, and no figure of this build has that id"))
        .at(d.attr_loc(attr), "unknown figure id")
        .hint(hint)
        .for_figure(&d.name)
}

fn on_cycle(directives: &[Arc<Directive>], i: usize, attr: &str, cycle: &[usize]) -> Diagnostic {
    let d = &directives[i];
    let message = if cycle.len() == 2 {
        format!("figure `{}` names itself in {attr}=: it would need its own output to be made", d.name)
    } else {
        let names: Vec<&str> = cycle.iter().map(|&j| directives[j].name.as_str()).collect();
        format!(
            "figure `{}` takes its own output as input through a cycle: {} (each takes the output of the next)",
            d.name,
            names.join(" → ")
        )
    };
    Diagnostic::error(Code::Plan, message)
        .at(d.attr_loc(attr), "on a cycle")
        .hint(format!(
            "a figure can take only figures that do not take it back; remove one figure id of the cycle from {attr}="
        ))
        .for_figure(&d.name)
}

fn too_long(d: &Directive, attr: &str, figures: usize) -> Diagnostic {
    Diagnostic::error(
        Code::Plan,
        format!("figure `{}` ends a chain of {figures} figures each taking the next one's output", d.name),
    )
    .at(d.attr_loc(attr), "chain too long")
    .hint(format!(
        "a build makes chains of at most {MAX_CHAIN} figures; use the file of an earlier figure's output instead"
    ))
    .for_figure(&d.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::scan_text;

    fn graph(text: &str) -> (Vec<Arc<Directive>>, Graph) {
        let scan = scan_text("paper.md", text);
        assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
        let g = Graph::of(&scan.directives, &|d| (d.kind == crate::model::Kind::Image).then_some("input"));
        (scan.directives, g)
    }

    fn fig(id: &str, input: &str) -> String {
        if input.is_empty() {
            format!("```{{paperfig #{id} kind=plot}}\nx\n```\n\n")
        } else {
            format!("```{{paperfig #{id} kind=image input=\"{input}\"}}\nx\n```\n\n")
        }
    }

    #[test]
    fn figures_come_after_those_they_name_and_files_are_no_figures() {
        let text = [fig("fig:c", "#fig:b,#fig:a"), fig("fig:b", "@fig:a, draft.png"), fig("fig:a", "")].concat();
        let (_, g) = graph(&text);
        assert_eq!(g.upstream, [vec![1, 2], vec![2], vec![]]);
        assert_eq!(g.order, [2, 1, 0]);
        assert_eq!(g.named, [false, true, true]);
        assert!(g.errors.iter().all(Option::is_none));
    }

    #[test]
    fn an_unknown_id_is_an_error_at_the_attribute_with_the_nearest_id() {
        let text = [fig("fig:sketch", ""), fig("fig:edit", "#fig:skecth")].concat();
        let (_, g) = graph(&text);
        let e = g.errors[1].as_ref().unwrap();
        assert_eq!(e.message, "input= names figure `fig:skecth`, and no figure of this build has that id");
        assert_eq!(e.location().unwrap(), "paper.md:5:42");
        assert_eq!(e.hints, ["did you mean `#fig:sketch`?"]);
        assert_eq!(e.figure.as_deref(), Some("fig:edit"));
        let (_, g) = graph(&fig("fig:edit", "#fig:zzz"));
        assert!(g.errors[0].as_ref().unwrap().hints[0].contains("figure ids in this build: fig:edit"));
    }

    #[test]
    fn cycles_are_errors_at_each_figure_on_them_and_figures_after_them_wait() {
        let text =
            [fig("fig:a", "#fig:b"), fig("fig:b", "#fig:a"), fig("fig:c", "#fig:a"), fig("fig:d", "#fig:d")].concat();
        let (_, g) = graph(&text);
        let msg = |i: usize| g.errors[i].as_ref().map(|e| e.message.clone());
        assert_eq!(
            msg(0).unwrap(),
            "figure `fig:a` takes its own output as input through a cycle: fig:a → fig:b → fig:a (each takes the output of the next)"
        );
        assert!(msg(1).unwrap().contains("fig:b → fig:a → fig:b"));
        assert_eq!(msg(2), None, "fig:c is after the cycle, not on it: it fails as its input does");
        assert!(msg(3).unwrap().contains("figure `fig:d` names itself in input="));
        assert_eq!(g.errors[3].as_ref().unwrap().location().unwrap(), "paper.md:13:39");
        assert_eq!(g.order.len(), 4);
    }

    #[test]
    fn a_chain_longer_than_the_limit_is_an_error_at_its_first_figure_too_far() {
        let mut text = fig("fig:f0", "");
        for i in 1..=MAX_CHAIN + 1 {
            text.push_str(&fig(&format!("fig:f{i}"), &format!("#fig:f{}", i - 1)));
        }
        let (_, g) = graph(&text);
        let failed: Vec<usize> = (0..g.errors.len()).filter(|&i| g.errors[i].is_some()).collect();
        assert_eq!(failed, [MAX_CHAIN]);
        let e = g.errors[MAX_CHAIN].as_ref().unwrap();
        assert!(e.message.contains(&format!("ends a chain of {} figures", MAX_CHAIN + 1)), "{}", e.message);
    }
}
