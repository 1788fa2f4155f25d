//! The best set of region proposals on a page: one proposal or none per caption, so that
//! the chosen regions do not overlap and their total score is largest (a bounded
//! branch-and-bound search, falling back to the best choice found when the budget runs out).

use super::geom::Rect;
use super::regions::Proposal;
#[cfg(test)]
use super::regions::{PageRegions, proposals};

/// A region counts as overlapping another when they share more than 2% of the smaller.
fn clash(a: &Rect, b: &Rect) -> bool {
    a.intersection(b).is_some_and(|i| i.area() > 0.02 * a.area().min(b.area()))
}

/// Bonus for giving a caption a region at all, so that every caption gets one when the
/// regions can be made not to overlap.
const ASSIGN_BONUS: f64 = 0.5;
/// Search budget (nodes) before falling back to the greedy choice found so far.
const BUDGET: usize = 200_000;

/// The best region per caption (`None` when no proposal fits).
#[cfg(test)]
pub fn best_regions(input: &PageRegions<'_>) -> Vec<Option<Rect>> {
    let props: Vec<Vec<Proposal>> = (0..input.captions.len()).map(|i| proposals(input, i)).collect();
    best_of(&props).into_iter().map(|c| c.map(|k| props[k.0][k.1].rect)).collect()
}

/// The best proposal per caption, as (caption, proposal) indices into `props` (`None` when
/// no proposal fits).
pub fn best_of(props: &[Vec<Proposal>]) -> Vec<Option<(usize, usize)>> {
    let best_rest: Vec<f64> = {
        let mut v = vec![0.0; props.len() + 1];
        for i in (0..props.len()).rev() {
            v[i] = v[i + 1] + props[i].first().map_or(0.0, |p| p.score + ASSIGN_BONUS);
        }
        v
    };
    struct Search<'a> {
        props: &'a [Vec<Proposal>],
        best_rest: &'a [f64],
        chosen: Vec<Option<usize>>,
        best: (f64, Vec<Option<usize>>),
        nodes: usize,
    }
    impl Search<'_> {
        fn go(&mut self, i: usize, total: f64) {
            self.nodes += 1;
            if i == self.props.len() {
                if total > self.best.0 {
                    self.best = (total, self.chosen.clone());
                }
                return;
            }
            if total + self.best_rest[i] <= self.best.0 || self.nodes > BUDGET {
                return;
            }
            for (k, p) in self.props[i].iter().enumerate() {
                let free = self.chosen[..i]
                    .iter()
                    .enumerate()
                    .all(|(j, c)| c.is_none_or(|c| !clash(&self.props[j][c].rect, &p.rect)));
                if free {
                    self.chosen[i] = Some(k);
                    self.go(i + 1, total + p.score + ASSIGN_BONUS);
                }
            }
            self.chosen[i] = None;
            self.go(i + 1, total);
        }
    }
    let mut s = Search {
        props,
        best_rest: &best_rest,
        chosen: vec![None; props.len()],
        best: (-1.0, vec![None; props.len()]),
        nodes: 0,
    };
    s.go(0, 0.0);
    s.best.1.iter().enumerate().map(|(i, c)| c.map(|k| (i, k))).collect()
}
