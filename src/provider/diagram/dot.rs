//! Parser of the Graphviz DOT subset accepted with `syntax=dot`, into the same `Graph`.
//!
//! Supported: `[strict] digraph|graph [ID] { ... }`; node, edge (`->` or `--`, chains) and
//! `graph`/`node`/`edge` attribute statements, scoped by subgraphs; `subgraph cluster_X`
//! (nested) become groups titled by their `label`; `rankdir=LR|TB` (`RL`/`BT` are taken as
//! `LR`/`TB`). Attributes read: `label`, `shape`, `style` (`dashed`, `dotted`, `bold`,
//! `rounded`, `filled`), `fillcolor`/`color` (palette names), `penwidth`. Other attributes
//! are ignored, as Graphviz ignores attributes that do not apply; HTML labels and edges
//! to subgraphs are errors.

use std::collections::BTreeMap;
use std::ops::Range;

use super::graph::link_span;
use super::graph::{Direction, Edge, Fill, Graph, Group, LineStyle, Shape};
use super::lex::{Cursor, MAX_NESTING, err, too_deep};
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

struct Parser {
    cur: Cursor<Tok>,
    g: Graph,
    directed: bool,
    /// Subgraphs open around the statement being read.
    depth: usize,
}

/// Parses a DOT graph.
pub fn parse(src: &str) -> Result<Graph, ProviderError> {
    let mut p = Parser { cur: Cursor::new(lex(src)?, Tok::Eof), g: Graph::new(), directed: true, depth: 0 };
    p.g.direction = Direction::Down;
    if p.is_kw("strict") {
        p.cur.next();
    }
    match p.cur.peek() {
        Tok::Id(s) if s.eq_ignore_ascii_case("digraph") => p.directed = true,
        Tok::Id(s) if s.eq_ignore_ascii_case("graph") => p.directed = false,
        _ => return Err(p.unexpected("`digraph` or `graph`", "a DOT body starts with `digraph NAME {`")),
    }
    p.cur.next();
    if let Tok::Id(_) = p.cur.peek() {
        p.cur.next();
    }
    p.expect('{')?;
    p.stmts(None, &mut Scope::default())?;
    p.expect('}')?;
    if *p.cur.peek() != Tok::Eof {
        return Err(p.unexpected("the end of the body", "one graph per figure"));
    }
    if p.g.nodes.is_empty() {
        return Err(err("the graph has no nodes", 0..src.len(), "add nodes or edges between the braces"));
    }
    let _ = p.directed;
    p.g.check_groups()?;
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

    fn stmts(&mut self, group: Option<usize>, scope: &mut Scope) -> Result<(), ProviderError> {
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
                            "node" => scope.node.extend(attrs),
                            "edge" => scope.edge.extend(attrs),
                            _ => self.graph_attrs(group, &attrs),
                        }
                    } else if after == Tok::Sym('=') {
                        let (k, ks) = self.cur.next();
                        self.cur.next();
                        let (v, vs) = self.id()?;
                        if let Tok::Id(k) = k {
                            self.graph_attrs(group, &BTreeMap::from([(k, (v, ks.start..vs.end))]));
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
        self.stmts(group, &mut scope.clone())?;
        self.depth -= 1;
        self.expect('}')
    }

    fn graph_attrs(&mut self, group: Option<usize>, attrs: &Attrs) {
        for (k, (v, _)) in attrs {
            match (k.as_str(), group) {
                ("rankdir", None) => {
                    self.g.direction =
                        if matches!(v.as_str(), "LR" | "RL") { Direction::Right } else { Direction::Down }
                }
                ("label", Some(gi)) => self.g.groups[gi].title = v.clone(),
                ("fillcolor" | "color" | "bgcolor", Some(gi)) => {
                    if let Some(f) = Fill::parse(v) {
                        self.g.groups[gi].fill = Some(f);
                    }
                }
                ("style", Some(gi)) if v.contains("bold") => self.g.groups[gi].emphasis = true,
                _ => {}
            }
        }
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
            let (id, span) = chain.pop().unwrap();
            let i = self.touch(&id, group, span, scope);
            let mut merged = scope.node.clone();
            merged.extend(attrs);
            apply_node(&mut self.g, i, &merged);
            return Ok(());
        }
        let mut merged = scope.edge.clone();
        merged.extend(attrs);
        let label = merged.get("label").map(|(v, _)| v.clone()).filter(|l| !l.is_empty());
        let style = match merged.get("style").map(|(v, _)| v.as_str()) {
            Some(s) if s.contains("dashed") || s.contains("dotted") => LineStyle::Dashed,
            Some(s) if s.contains("bold") => LineStyle::Bold,
            _ if merged.get("penwidth").and_then(|(v, _)| v.parse::<f64>().ok()).is_some_and(|w| w >= 2.0) => {
                LineStyle::Bold
            }
            _ => LineStyle::Solid,
        };
        for w in chain.windows(2) {
            let span = link_span(w);
            let from = self.touch(&w[0].0, group, w[0].1.clone(), scope);
            let to = self.touch(&w[1].0, group, w[1].1.clone(), scope);
            self.g.edges.push(Edge { from, to, label: label.clone(), style, span });
        }
        Ok(())
    }

    fn node_id(&mut self) -> Result<(String, Range<usize>), ProviderError> {
        let (id, span) = self.id()?;
        if *self.cur.peek() == Tok::Sym(':') {
            // Ports (`a:n`) are accepted and ignored.
            self.cur.next();
            self.id()?;
            if *self.cur.peek() == Tok::Sym(':') {
                self.cur.next();
                self.id()?;
            }
        }
        Ok((id, span))
    }

    /// The node `id`, created with the scope's defaults on first mention; a mention inside a
    /// cluster nested in the node's current one moves it there, as in Graphviz.
    fn touch(&mut self, id: &str, group: Option<usize>, span: Range<usize>, scope: &Scope) -> usize {
        match self.g.node_index(id) {
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
                apply_node(&mut self.g, i, &scope.node);
                i
            }
        }
    }
}

fn apply_node(g: &mut Graph, i: usize, attrs: &Attrs) {
    let n = &mut g.nodes[i];
    for (k, (v, _)) in attrs {
        match k.as_str() {
            "label" => n.label = if v == "\\N" { n.id.clone() } else { v.clone() },
            "shape" => {
                n.shape = match v.as_str() {
                    "box" | "rect" | "rectangle" | "square" | "record" => Shape::Box,
                    "Mrecord" => Shape::Rounded,
                    "cylinder" => Shape::Cylinder,
                    _ => Shape::Ellipse,
                }
            }
            "style" => {
                if v.contains("rounded") && n.shape == Shape::Box {
                    n.shape = Shape::Rounded;
                }
                if v.contains("bold") {
                    n.emphasis = true;
                }
            }
            "fillcolor" | "color" => {
                if let Some(f) = Fill::parse(v) {
                    n.fill = Some(f);
                }
            }
            "penwidth" => n.emphasis = v.parse::<f64>().is_ok_and(|w| w >= 2.0),
            _ => {}
        }
    }
    // `style=rounded` given before `shape=box` in the same list (attributes are sorted).
    if let (Some((s, _)), Shape::Box) = (attrs.get("style"), n.shape) {
        if s.contains("rounded") {
            n.shape = Shape::Rounded;
        }
    }
}

#[cfg(test)]
#[path = "dot_tests.rs"]
mod tests;
