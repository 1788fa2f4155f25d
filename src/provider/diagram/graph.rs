//! The diagram model both front ends (`lang`, `dot`) produce and `layout` consumes.
//!
//! Byte spans point into the directive body so that errors found after parsing (a `rank=same`
//! flat edge between clusters, a diagram too large) can still point at the user's text.

use std::ops::Range;

/// Which way ranks run: `down` (top to bottom) or `right` (left to right).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Down,
    Right,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Box,
    Rounded,
    Cylinder,
    Ellipse,
    Circle,
    Diamond,
    Parallelogram,
    Hexagon,
    Note,
    Stadium,
    /// Text alone, no outline.
    Plain,
    /// DOT `record` and `Mrecord` (rounded): the node's `record` fields in a box.
    Record,
    MRecord,
}

impl Shape {
    pub const NAMES: &'static str =
        "rounded, box, diamond, ellipse, circle, cylinder, parallelogram, hexagon, note, stadium, plain";
    pub fn parse(s: &str) -> Option<Shape> {
        Some(match s {
            "box" | "rect" | "rectangle" | "process" => Shape::Box,
            "rounded" | "round" => Shape::Rounded,
            "cylinder" | "database" | "data" => Shape::Cylinder,
            "ellipse" | "oval" => Shape::Ellipse,
            "circle" => Shape::Circle,
            "diamond" | "decision" | "rhombus" => Shape::Diamond,
            "parallelogram" | "io" => Shape::Parallelogram,
            "hexagon" => Shape::Hexagon,
            "note" | "document" => Shape::Note,
            "stadium" | "pill" | "terminal" => Shape::Stadium,
            "plain" | "text" => Shape::Plain,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineStyle {
    Solid,
    Dashed,
    Bold,
}

impl LineStyle {
    pub fn parse(s: &str) -> Option<LineStyle> {
        Some(match s {
            "solid" => LineStyle::Solid,
            "dashed" | "dotted" => LineStyle::Dashed,
            "bold" => LineStyle::Bold,
            _ => return None,
        })
    }
}

/// A palette colour (index into `crate::provider::house::PALETTE`) or grey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    Palette(usize),
    Grey,
}

impl Fill {
    pub const NAMES: &'static str = "blue, orange, green, red, purple, sky, yellow, grey";
    pub fn parse(s: &str) -> Option<Fill> {
        Some(match s {
            "blue" => Fill::Palette(0),
            "orange" => Fill::Palette(1),
            "green" => Fill::Palette(2),
            "red" | "vermillion" => Fill::Palette(3),
            "purple" | "pink" => Fill::Palette(4),
            "sky" | "lightblue" | "cyan" => Fill::Palette(5),
            "yellow" => Fill::Palette(6),
            "grey" | "gray" => Fill::Grey,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    pub id: String,
    /// Display text; `\n` separates lines.
    pub label: String,
    pub shape: Shape,
    pub fill: Option<Fill>,
    pub emphasis: bool,
    pub group: Option<usize>,
    pub span: Range<usize>,
    /// The fields of a `record` / `Mrecord` node (DOT only).
    pub record: Option<super::record::Field>,
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub label: Option<String>,
    pub style: LineStyle,
    pub span: Range<usize>,
    /// The record fields the edge leaves from and arrives at (DOT `a:port -> b:port`).
    pub ports: [Option<String>; 2],
    /// Drawn with an arrowhead at `to` (false for undirected DOT graphs and `dir=none`).
    pub arrow: bool,
}

impl Edge {
    /// Whether the edge goes from a node to itself.
    pub fn is_loop(&self) -> bool {
        self.from == self.to
    }
}

#[derive(Clone, Debug)]
pub struct Group {
    pub id: String,
    pub title: String,
    pub parent: Option<usize>,
    pub fill: Option<Fill>,
    pub emphasis: bool,
    pub span: Range<usize>,
}

#[derive(Clone, Debug)]
pub struct Graph {
    pub direction: Direction,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub groups: Vec<Group>,
    /// Sets of nodes that share a rank (DOT `{ rank=same; ... }`).
    pub same_rank: Vec<Vec<usize>>,
}

impl Graph {
    pub fn new() -> Graph {
        Graph {
            direction: Direction::Right,
            nodes: Vec::new(),
            edges: Vec::new(),
            groups: Vec::new(),
            same_rank: Vec::new(),
        }
    }

    pub fn node_index(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// The node `id`, created (label = id, in `group`) if this is its first mention.
    pub fn node_or_implicit(&mut self, id: &str, group: Option<usize>, span: Range<usize>) -> usize {
        match self.node_index(id) {
            Some(i) => i,
            None => {
                self.nodes.push(Node {
                    id: id.to_string(),
                    label: id.to_string(),
                    shape: Shape::Rounded,
                    fill: None,
                    emphasis: false,
                    group,
                    span,
                    record: None,
                });
                self.nodes.len() - 1
            }
        }
    }

    /// For each node, the node that stands for its `rank=same` set (itself when in none).
    pub fn rank_reps(&self) -> Vec<usize> {
        let mut rep: Vec<usize> = (0..self.nodes.len()).collect();
        let find = |rep: &mut Vec<usize>, mut v: usize| {
            while rep[v] != v {
                rep[v] = rep[rep[v]];
                v = rep[v];
            }
            v
        };
        for set in &self.same_rank {
            for w in set.windows(2) {
                let (a, b) = (find(&mut rep, w[0]), find(&mut rep, w[1]));
                rep[a.max(b)] = a.min(b);
            }
        }
        (0..self.nodes.len()).map(|v| find(&mut rep, v)).collect()
    }

    /// Edges between nodes that share a rank must join neighbours in simple paths inside one
    /// group, so each can be drawn straight across between its two ends.
    pub fn check_flat(&self) -> Result<(), crate::model::ProviderError> {
        let rep = self.rank_reps();
        let mut nb: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        let mut comp: Vec<usize> = (0..self.nodes.len()).collect();
        for e in self.edges.iter().filter(|e| !e.is_loop() && rep[e.from] == rep[e.to]) {
            let (a, b) = (e.from, e.to);
            let fail = |msg: String, hint: &str| Err(super::lex::err(msg, e.span.clone(), hint));
            if self.nodes[a].group != self.nodes[b].group {
                return fail(
                    format!("`{}` and `{}` share a rank but not a cluster", self.nodes[a].id, self.nodes[b].id),
                    "an edge within `rank=same` joins two nodes of the same cluster",
                );
            }
            let root = |c: &Vec<usize>, mut v: usize| {
                while c[v] != v {
                    v = c[v];
                }
                v
            };
            let (ra, rb) = (root(&comp, a), root(&comp, b));
            if nb[a].len() >= 2 || nb[b].len() >= 2 || ra == rb {
                return fail(
                    format!("too many edges between nodes of one rank at `{}`", self.nodes[a].id),
                    "edges within `rank=same` must form a chain (a -> b -> c), each node with at most two",
                );
            }
            comp[ra.max(rb)] = ra.min(rb);
            nb[a].push(b);
            nb[b].push(a);
        }
        Ok(())
    }

    /// A group with no node in it (directly or nested), as an error.
    pub fn check_groups(&self) -> Result<(), crate::model::ProviderError> {
        for (i, gr) in self.groups.iter().enumerate() {
            if !self.nodes.iter().any(|n| self.group_within(n.group, i)) {
                return Err(crate::model::ProviderError::new(format!("group `{}` is empty", gr.id))
                    .at_body(gr.span.clone())
                    .hint("put at least one node in it, or remove it"));
            }
        }
        Ok(())
    }

    /// Groups from the outermost down to `g` itself.
    pub fn group_path(&self, g: Option<usize>) -> Vec<usize> {
        let mut path = Vec::new();
        let mut cur = g;
        while let Some(i) = cur {
            path.push(i);
            cur = self.groups[i].parent;
        }
        path.reverse();
        path
    }

    /// Whether group `inner` is `outer` or nested in it.
    pub fn group_within(&self, inner: Option<usize>, outer: usize) -> bool {
        self.group_path(inner).contains(&outer)
    }

    /// The innermost group containing both `a` and `b` (None = the top level).
    pub fn common_group(&self, a: Option<usize>, b: Option<usize>) -> Option<usize> {
        let (pa, pb) = (self.group_path(a), self.group_path(b));
        pa.iter().zip(&pb).take_while(|(x, y)| x == y).last().map(|(x, _)| *x)
    }
}

impl Default for Graph {
    fn default() -> Self {
        Graph::new()
    }
}

/// The body span of one link `a -> b` of an edge chain (node ids with their spans).
pub fn link_span(w: &[(String, Range<usize>)]) -> Range<usize> {
    w[0].1.start..w[1].1.end
}
