//! Parser of the Graphviz DOT subset accepted with `syntax=dot`, into the same `Graph`.
//!
//! Supported: `[strict] digraph|graph [ID] { ... }`; node, edge (`->` or `--`, chains) and
//! `graph`/`node`/`edge` attribute statements, scoped by subgraphs; `subgraph cluster_X`
//! (nested) become groups titled by their `label`; `{ rank=same; ... }` subgraphs share a
//! rank; `rankdir=LR|TB`; `record`/`Mrecord` labels (`record.rs`) and ports (`a:port`).
//! `dot_attrs` says which attributes are read, which are left to the house style, and
//! refuses the rest at their place; HTML labels, compass points and edges to subgraphs
//! are errors.

use std::collections::BTreeMap;
use std::ops::Range;

use super::dot_attrs::{self, Ctx};
use super::graph::link_span;
use super::graph::{Direction, Edge, Graph, Group, LineStyle, Shape};
use super::lex::{Cursor, MAX_NESTING, err, too_deep};
use super::record;
use crate::model::ProviderError;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Id(String),
    Sym(char),
    Arrow,
    Eof,
}

fn lex(src: &str) -> Result<Vec<(Tok, Range<usize>)>, ProviderError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while i < b.len() {
        let c = src[i..].chars().next().unwrap();
        let start = i;
        if c == '\n' {
            line_start = true;
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if (c == '#' && line_start) || src[i..].starts_with("//") {
            i = src[i..].find('\n').map_or(b.len(), |n| i + n);
            continue;
        }
        line_start = false;
        if src[i..].starts_with("/*") {
            i = src[i + 2..]
                .find("*/")
                .map(|n| i + 2 + n + 2)
                .ok_or_else(|| err("unterminated comment", start..start + 2, "close it with `*/`"))?;
            continue;
        }
        if src[i..].starts_with("->") || src[i..].starts_with("--") {
            out.push((Tok::Arrow, i..i + 2));
            i += 2;
            continue;
        }
        match c {
            '{' | '}' | '[' | ']' | '=' | ';' | ',' | ':' => {
                out.push((Tok::Sym(c), i..i + 1));
                i += 1;
            }
            '"' => {
                let mut s = String::new();
                let mut j = i + 1;
                loop {
                    let Some(ch) = src[j..].chars().next() else {
                        return Err(err("unterminated string", start..b.len(), "close the string with `\"`"));
                    };
                    match ch {
                        '"' => break,
                        '\\' => {
                            let next = src[j + 1..].chars().next().unwrap_or('\\');
                            match next {
                                'n' | 'l' | 'r' => s.push('\n'),
                                '"' => s.push('"'),
                                '\\' => s.push('\\'),
                                '\n' => {}
                                other => {
                                    s.push('\\');
                                    s.push(other);
                                }
                            }
                            j += 1 + next.len_utf8();
                            continue;
                        }
                        ch => s.push(ch),
                    }
                    j += ch.len_utf8();
                }
                out.push((Tok::Id(s), start..j + 1));
                i = j + 1;
            }
            '<' => {
                return Err(err("HTML labels are not supported", i..i + 1, "use a quoted label; `\\n` breaks lines"));
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' || c == '-' => {
                let end = src[i..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                    .map_or(b.len(), |n| i + n.max(1));
                out.push((Tok::Id(src[i..end].to_string()), i..end));
                i = end;
            }
            c => {
                return Err(err(
                    format!("unexpected character `{c}`"),
                    i..i + c.len_utf8(),
                    "this does not look like DOT",
                ));
            }
        }
    }
    out.push((Tok::Eof, b.len()..b.len()));
    Ok(out)
}

type Attrs = BTreeMap<String, (String, Range<usize>)>;

#[derive(Clone, Default)]
struct Scope {
    node: Attrs,
    edge: Attrs,
}

/// A `node:port` mention: the edge, its end (0 tail, 1 head), the port and its span.
struct PortRef {
    edge: usize,
    end: usize,
    port: String,
    span: Range<usize>,
}

struct Parser {
    cur: Cursor<Tok>,
    g: Graph,
    /// `digraph` (edges have arrows) or `graph`.
    directed: bool,
    /// Subgraphs open around the statement being read.
    depth: usize,
    /// Per open subgraph: the nodes mentioned in it and whether it says `rank=same`.
    rank_sets: Vec<(Vec<usize>, bool)>,
    /// Where each node's label was last set (record labels are parsed at the end).
    label_spans: Vec<Option<Range<usize>>>,
    ports: Vec<PortRef>,
}

/// Parses a DOT graph.
pub fn parse(src: &str) -> Result<Graph, ProviderError> {
    let mut p = Parser {
        cur: Cursor::new(lex(src)?, Tok::Eof),
        g: Graph::new(),
        directed: true,
        depth: 0,
        rank_sets: Vec::new(),
        label_spans: Vec::new(),
        ports: Vec::new(),
    };
    p.g.direction = Direction::Down;
    if p.is_kw("strict") {
        p.cur.next();
    }
    match p.cur.peek() {
        Tok::Id(s) if s.eq_ignore_ascii_case("digraph") => {}
        Tok::Id(s) if s.eq_ignore_ascii_case("graph") => p.directed = false,
        _ => return Err(p.unexpected("`digraph` or `graph`", "a DOT body starts with `digraph NAME {`")),
    }
    p.cur.next();
    if let Tok::Id(_) = p.cur.peek() {
        p.cur.next();
    }
    p.expect('{')?;
    p.stmts(None, &mut Scope::default(), Ctx::Graph)?;
    p.expect('}')?;
    if *p.cur.peek() != Tok::Eof {
        return Err(p.unexpected("the end of the body", "one graph per figure"));
    }
    if p.g.nodes.is_empty() {
        return Err(err("the graph has no nodes", 0..src.len(), "add nodes or edges between the braces"));
    }
    p.g.check_groups()?;
    p.records()?;
    p.check_ports()?;
    Ok(p.g)
}

impl Parser {
    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.cur.peek(), Tok::Id(s) if s.eq_ignore_ascii_case(kw))
    }
    fn unexpected(&self, wanted: &str, hint: &str) -> ProviderError {
        let found = match self.cur.peek() {
            Tok::Id(s) => format!("`{s}`"),
            Tok::Sym(c) => format!("`{c}`"),
            Tok::Arrow => "an edge operator".into(),
            Tok::Eof => "the end of the body".into(),
        };
        err(format!("expected {wanted}, found {found}"), self.cur.span(), hint)
    }
    fn expect(&mut self, c: char) -> Result<(), ProviderError> {
        if *self.cur.peek() == Tok::Sym(c) {
            self.cur.next();
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{c}`"), "check the braces and brackets"))
        }
    }
    fn id(&mut self) -> Result<(String, Range<usize>), ProviderError> {
        match self.cur.peek().clone() {
            Tok::Id(s) => Ok((s, self.cur.next().1)),
            _ => Err(self.unexpected("an id", "ids are words, numbers or quoted strings")),
        }
    }

    fn stmts(&mut self, group: Option<usize>, scope: &mut Scope, ctx: Ctx) -> Result<(), ProviderError> {
        loop {
            match self.cur.peek().clone() {
                Tok::Sym('}') | Tok::Eof => return Ok(()),
                Tok::Sym(';') => {
                    self.cur.next();
                }
                Tok::Sym('{') => self.subgraph(group, scope, None)?,
                Tok::Id(word) => {
                    let lower = word.to_ascii_lowercase();
                    let after = self.cur.peek2().clone();
                    if lower == "subgraph" {
                        self.cur.next();
                        let name = if let Tok::Id(_) = self.cur.peek() { Some(self.id()?) } else { None };
                        self.subgraph(group, scope, name)?;
                    } else if ["graph", "node", "edge"].contains(&lower.as_str()) && after == Tok::Sym('[') {
                        self.cur.next();
                        let attrs = self.attr_list()?;
                        match lower.as_str() {
                            "node" => {
                                checked(Ctx::Node, &attrs)?;
                                scope.node.extend(attrs);
                            }
                            "edge" => {
                                checked(Ctx::Edge, &attrs)?;
                                scope.edge.extend(attrs);
                            }
                            _ => self.graph_attrs(group, ctx, &attrs)?,
                        }
                    } else if after == Tok::Sym('=') {
                        let (k, ks) = self.cur.next();
                        self.cur.next();
                        let (v, vs) = self.id()?;
                        if let Tok::Id(k) = k {
                            self.graph_attrs(group, ctx, &BTreeMap::from([(k, (v, ks.start..vs.end))]))?;
                        }
                    } else {
                        self.node_or_edge(group, scope)?;
                    }
                }
                _ => return Err(self.unexpected("a statement", "statements are nodes, edges, attributes or subgraphs")),
            }
        }
    }

    fn subgraph(
        &mut self,
        parent: Option<usize>,
        scope: &Scope,
        name: Option<(String, Range<usize>)>,
    ) -> Result<(), ProviderError> {
        let cluster = name.as_ref().filter(|(n, _)| n.starts_with("cluster"));
        let group = match cluster {
            Some((id, span)) => {
                self.g.groups.push(Group {
                    id: id.clone(),
                    title: String::new(),
                    parent,
                    fill: None,
                    emphasis: false,
                    span: span.clone(),
                });
                Some(self.g.groups.len() - 1)
            }
            None => parent,
        };
        if self.depth >= MAX_NESTING {
            return Err(too_deep(self.cur.span()));
        }
        self.expect('{')?;
        self.depth += 1;
        self.rank_sets.push((Vec::new(), false));
        self.stmts(group, &mut scope.clone(), Ctx::Subgraph { cluster: cluster.is_some() })?;
        let (mut set, same) = self.rank_sets.pop().unwrap_or_default();
        set.sort_unstable();
        set.dedup();
        if same && set.len() > 1 {
            self.g.same_rank.push(set);
        }
        self.depth -= 1;
        self.expect('}')
    }

    fn graph_attrs(&mut self, group: Option<usize>, ctx: Ctx, attrs: &Attrs) -> Result<(), ProviderError> {
        let cluster = matches!(ctx, Ctx::Subgraph { cluster: true });
        for (k, (v, span)) in attrs {
            if let dot_attrs::Meaning::House = dot_attrs::check(ctx, k, v, span.clone())? {
                continue;
            }
            match (k.as_str(), group.filter(|_| cluster)) {
                ("rankdir", _) => self.g.direction = if v == "LR" { Direction::Right } else { Direction::Down },
                ("rank", _) => {
                    if let Some(top) = self.rank_sets.last_mut() {
                        top.1 = true;
                    }
                }
                ("label", Some(gi)) => self.g.groups[gi].title = v.clone(),
                ("fillcolor" | "color" | "bgcolor", Some(gi)) => {
                    if let Some(f) = dot_attrs::colour(v, span.clone())? {
                        self.g.groups[gi].fill = Some(f);
                    }
                }
                ("style", Some(gi)) if v.contains("bold") => self.g.groups[gi].emphasis = true,
                ("penwidth", Some(gi)) => self.g.groups[gi].emphasis = v.parse::<f64>().is_ok_and(|w| w >= 2.0),
                ("fillcolor" | "color" | "style" | "penwidth" | "dir", _) => {}
                _ => {
                    return Err(err(
                        format!("`{k}` is not supported here"),
                        span.clone(),
                        "graph and subgraph attributes read: rankdir (top level), rank=same, and label, color, style for clusters",
                    ));
                }
            }
        }
        Ok(())
    }

    fn attr_list(&mut self) -> Result<Attrs, ProviderError> {
        let mut out = Attrs::new();
        while *self.cur.peek() == Tok::Sym('[') {
            self.cur.next();
            loop {
                match self.cur.peek() {
                    Tok::Sym(']') => {
                        self.cur.next();
                        break;
                    }
                    Tok::Sym(',' | ';') => {
                        self.cur.next();
                    }
                    Tok::Id(_) => {
                        let (k, ks) = self.id()?;
                        let (v, vs) = if *self.cur.peek() == Tok::Sym('=') {
                            self.cur.next();
                            self.id()?
                        } else {
                            ("true".to_string(), ks.clone())
                        };
                        out.insert(k, (v, ks.start..vs.end));
                    }
                    _ => {
                        return Err(
                            self.unexpected("an attribute or `]`", "attributes are `name=value`, separated by commas")
                        );
                    }
                }
            }
        }
        Ok(out)
    }

    fn node_or_edge(&mut self, group: Option<usize>, scope: &Scope) -> Result<(), ProviderError> {
        let mut chain = vec![self.node_id()?];
        while *self.cur.peek() == Tok::Arrow {
            self.cur.next();
            if *self.cur.peek() == Tok::Sym('{') || self.is_kw("subgraph") {
                return Err(
                    self.unexpected("a node id", "edges to subgraphs are not supported; write one edge per node")
                );
            }
            chain.push(self.node_id()?);
        }
        let attrs = self.attr_list()?;
        if chain.len() == 1 {
            checked(Ctx::Node, &attrs)?;
            let (id, span, port) = chain.pop().unwrap_or_default();
            if let Some((p, ps)) = port {
                return Err(err(
                    format!("`{id}:{p}` names a port outside an edge"),
                    ps,
                    "ports belong in edges (`a:port -> b`); declare the node as `a`",
                ));
            }
            let i = self.touch(&id, group, span, scope)?;
            self.apply_node(i, &attrs)?;
            return Ok(());
        }
        checked(Ctx::Edge, &attrs)?;
        let mut merged = scope.edge.clone();
        merged.extend(attrs);
        let label = merged.get("label").map(|(v, _)| v.clone()).filter(|l| !l.is_empty());
        let arrow = match merged.get("dir").map(|(v, _)| v.as_str()) {
            Some("forward") => true,
            Some(_) => false,
            None => self.directed,
        };
        let style = match merged.get("style").map(|(v, _)| v.as_str()) {
            Some(s) if s.contains("dashed") || s.contains("dotted") => LineStyle::Dashed,
            Some(s) if s.contains("bold") => LineStyle::Bold,
            _ if merged.get("penwidth").and_then(|(v, _)| v.parse::<f64>().ok()).is_some_and(|w| w >= 2.0) => {
                LineStyle::Bold
            }
            _ => LineStyle::Solid,
        };
        for w in chain.windows(2) {
            let ids = [(w[0].0.clone(), w[0].1.clone()), (w[1].0.clone(), w[1].1.clone())];
            let span = link_span(&ids);
            let from = self.touch(&w[0].0, group, w[0].1.clone(), scope)?;
            let to = self.touch(&w[1].0, group, w[1].1.clone(), scope)?;
            let edge = self.g.edges.len();
            for (end, (_, _, port)) in w.iter().enumerate() {
                if let Some((p, ps)) = port {
                    self.ports.push(PortRef { edge, end, port: p.clone(), span: ps.clone() });
                }
            }
            let ports = [w[0].2.as_ref().map(|p| p.0.clone()), w[1].2.as_ref().map(|p| p.0.clone())];
            self.g.edges.push(Edge { from, to, label: label.clone(), style, span, ports, arrow });
        }
        Ok(())
    }

    /// A node id with its optional `:port` (a compass point after it is an error).
    fn node_id(&mut self) -> Result<NodeId, ProviderError> {
        let (id, span) = self.id()?;
        let mut port = None;
        if *self.cur.peek() == Tok::Sym(':') {
            self.cur.next();
            port = Some(self.id()?);
            if *self.cur.peek() == Tok::Sym(':') {
                self.cur.next();
                let (c, cs) = self.id()?;
                return Err(err(
                    format!("compass point `:{c}` is not supported"),
                    cs,
                    "edges attach to the faces towards the next rank; remove the compass point",
                ));
            }
        }
        Ok((id, span, port))
    }

    /// The node `id`, created with the scope's defaults on first mention; a mention inside a
    /// cluster nested in the node's current one moves it there, as in Graphviz.
    fn touch(
        &mut self,
        id: &str,
        group: Option<usize>,
        span: Range<usize>,
        scope: &Scope,
    ) -> Result<usize, ProviderError> {
        let i = match self.g.node_index(id) {
            Some(i) => {
                let cur = self.g.nodes[i].group;
                if group != cur && cur.is_none_or(|c| self.g.group_within(group, c)) {
                    self.g.nodes[i].group = group;
                }
                i
            }
            None => {
                let i = self.g.node_or_implicit(id, group, span);
                self.g.nodes[i].shape = Shape::Ellipse;
                self.label_spans.push(None);
                self.apply_node(i, &scope.node)?;
                i
            }
        };
        for (set, _) in &mut self.rank_sets {
            set.push(i);
        }
        Ok(i)
    }

    fn apply_node(&mut self, i: usize, attrs: &Attrs) -> Result<(), ProviderError> {
        let n = &mut self.g.nodes[i];
        for (k, (v, span)) in attrs {
            match k.as_str() {
                "label" => {
                    n.label = if v == "\\N" { n.id.clone() } else { v.clone() };
                    self.label_spans[i] = Some(span.clone());
                }
                "shape" => n.shape = shape(v, span.clone())?,
                "style" if v.contains("bold") => n.emphasis = true,
                "fillcolor" | "color" => {
                    if let Some(f) = dot_attrs::colour(v, span.clone())? {
                        n.fill = Some(f);
                    }
                }
                "penwidth" => n.emphasis = v.parse::<f64>().is_ok_and(|w| w >= 2.0),
                _ => {}
            }
        }
        // `style=rounded` (attributes come sorted, so after or before `shape`).
        if let Some((s, _)) = attrs.get("style") {
            if s.contains("rounded") {
                n.shape = match n.shape {
                    Shape::Box => Shape::Rounded,
                    Shape::Record => Shape::MRecord,
                    other => other,
                };
            }
        }
        Ok(())
    }

    /// Parses the fields of every record node.
    fn records(&mut self) -> Result<(), ProviderError> {
        for (i, n) in self.g.nodes.iter_mut().enumerate() {
            if matches!(n.shape, Shape::Record | Shape::MRecord) {
                let span = self.label_spans[i].clone().unwrap_or_else(|| n.span.clone());
                n.record = Some(record::parse(&n.label, span)?);
            }
        }
        Ok(())
    }

    /// Every `node:port` names a field of a record node.
    fn check_ports(&self) -> Result<(), ProviderError> {
        for r in &self.ports {
            let e = &self.g.edges[r.edge];
            let n = &self.g.nodes[if r.end == 0 { e.from } else { e.to }];
            let known = n.record.as_ref().map(record::ports).unwrap_or_default();
            if known.contains(&r.port) {
                continue;
            }
            let hint = if COMPASS.contains(&r.port.as_str()) {
                "compass points are not supported: edges attach to the faces towards the next rank".to_string()
            } else if known.is_empty() {
                "only record nodes have ports: give the node `shape=record` and a label such as `\"<in> a | <out> b\"`"
                    .to_string()
            } else {
                format!("its ports are {}", known.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "))
            };
            return Err(err(format!("node `{}` has no port `{}`", n.id, r.port), r.span.clone(), &hint));
        }
        Ok(())
    }
}

type NodeId = (String, Range<usize>, Option<(String, Range<usize>)>);

const COMPASS: [&str; 10] = ["n", "ne", "e", "se", "s", "sw", "w", "nw", "c", "_"];

/// Checks every attribute of a list in its context.
fn checked(ctx: Ctx, attrs: &Attrs) -> Result<(), ProviderError> {
    for (k, (v, span)) in attrs {
        dot_attrs::check(ctx, k, v, span.clone())?;
    }
    Ok(())
}

/// A DOT shape name as one of paperfig's shapes.
fn shape(v: &str, span: Range<usize>) -> Result<Shape, ProviderError> {
    Ok(match v {
        "box" | "rect" | "rectangle" | "square" => Shape::Box,
        "record" => Shape::Record,
        "Mrecord" => Shape::MRecord,
        "cylinder" => Shape::Cylinder,
        "ellipse" | "oval" => Shape::Ellipse,
        "circle" => Shape::Circle,
        "diamond" => Shape::Diamond,
        "parallelogram" => Shape::Parallelogram,
        "hexagon" => Shape::Hexagon,
        "note" => Shape::Note,
        "plaintext" | "plain" | "none" => Shape::Plain,
        _ => {
            return Err(err(
                format!("shape `{v}` is not supported"),
                span,
                "DOT shapes drawn: box, rect, square, record, Mrecord, ellipse, oval, circle, diamond, cylinder, parallelogram, hexagon, note, plaintext, none",
            ));
        }
    })
}

#[cfg(test)]
#[path = "dot_tests.rs"]
mod tests;
