//! Parser of the diagram language (the default body of `kind=diagram`), with byte spans.
//!
//! ```text
//! direction: right                      # or down; `#` and `//` start comments
//! node data "Web corpus" [shape=cylinder, fill=blue]
//! group train "Training" [fill=orange] {
//!   enc "Vision\nencoder" [emphasis]
//!   enc -> head "features" [dashed]
//! }
//! data -> enc -> head                   # chains; nodes are created on first mention
//! ```
//! Statements end at a newline or `;`. See `guide/diagrams.md` for the reference.

use std::ops::Range;

use super::graph::link_span;
use super::graph::{Direction, Edge, Fill, Graph, Group, LineStyle, Shape};
use super::lex::{Cursor, MAX_NESTING, Tok, err, lex, too_deep};
use crate::model::ProviderError;

/// One `key=value` or flag inside `[...]`.
struct Attr {
    key: String,
    value: Option<String>,
    span: Range<usize>,
}

struct Parser {
    cur: Cursor<Tok>,
    g: Graph,
    /// Nodes given by a declaration (a second declaration is an error).
    declared: Vec<bool>,
    /// Groups open around the statement being read.
    depth: usize,
}

/// Parses a diagram body.
pub fn parse(src: &str) -> Result<Graph, ProviderError> {
    let mut p = Parser { cur: Cursor::new(lex(src)?, Tok::Eof), g: Graph::new(), declared: Vec::new(), depth: 0 };
    p.block(None)?;
    if p.g.nodes.is_empty() {
        return Err(ProviderError::new("the diagram has no nodes")
            .at_body(0..src.len())
            .hint("declare nodes with `node ID \"Label\"` or connect them with `A -> B`"));
    }
    p.g.check_groups()?;
    Ok(p.g)
}

impl Parser {
    fn unexpected(&self, wanted: &str, hint: &str) -> ProviderError {
        err(format!("expected {wanted}, found {}", self.cur.peek().describe()), self.cur.span(), hint)
    }
    fn ident(&mut self, wanted: &str, hint: &str) -> Result<(String, Range<usize>), ProviderError> {
        match self.cur.peek().clone() {
            Tok::Ident(s) => Ok((s, self.cur.next().1)),
            _ => Err(self.unexpected(wanted, hint)),
        }
    }
    fn opt_str(&mut self) -> Option<String> {
        match self.cur.peek().clone() {
            Tok::Str(s) => {
                self.cur.next();
                Some(s)
            }
            _ => None,
        }
    }
    fn end_of_statement(&mut self) -> Result<(), ProviderError> {
        match self.cur.peek() {
            Tok::End => {
                self.cur.next();
                Ok(())
            }
            Tok::Eof | Tok::RBrace => Ok(()),
            _ => Err(self.unexpected(
                "the end of the statement",
                "put each statement on its own line (or separate them with `;`)",
            )),
        }
    }

    /// Statements up to `}` (inside a group) or the end.
    fn block(&mut self, group: Option<usize>) -> Result<(), ProviderError> {
        loop {
            match self.cur.peek().clone() {
                Tok::End => {
                    self.cur.next();
                }
                Tok::Eof => return Ok(()),
                Tok::RBrace => {
                    if group.is_none() {
                        return Err(err(
                            "`}` without a matching `group ... {`",
                            self.cur.span(),
                            "remove it or open a group before it",
                        ));
                    }
                    return Ok(());
                }
                Tok::Ident(word) => {
                    let span = self.cur.span();
                    match (word.as_str(), self.cur.peek2()) {
                        ("direction", Tok::Colon | Tok::Ident(_)) => self.direction()?,
                        ("group" | "subgraph", Tok::Ident(_)) => self.group(group)?,
                        ("node", Tok::Ident(_)) => {
                            self.cur.next();
                            self.node_or_edge(group)?
                        }
                        _ => self.node_or_edge(group)?,
                    }
                    let _ = span;
                }
                _ => {
                    return Err(self
                        .unexpected("a statement", "statements start with a node id, `node`, `group` or `direction`"));
                }
            }
        }
    }

    fn direction(&mut self) -> Result<(), ProviderError> {
        self.cur.next();
        if *self.cur.peek() == Tok::Colon {
            self.cur.next();
        }
        let (word, span) = self.ident("`right` or `down`", "write `direction: right` or `direction: down`")?;
        self.g.direction = match word.as_str() {
            "right" | "lr" | "LR" | "horizontal" => Direction::Right,
            "down" | "tb" | "TB" | "vertical" => Direction::Down,
            _ => {
                return Err(err(
                    format!("unknown direction `{word}`"),
                    span,
                    "write `direction: right` or `direction: down`",
                ));
            }
        };
        self.end_of_statement()
    }

    fn group(&mut self, parent: Option<usize>) -> Result<(), ProviderError> {
        self.cur.next();
        let (id, span) = self.ident("a group id", "write `group ID \"Title\" { ... }`")?;
        if self.g.groups.iter().any(|g| g.id == id) {
            return Err(err(format!("group `{id}` is declared twice"), span, "give each group its own id"));
        }
        if self.g.node_index(&id).is_some() {
            return Err(err(
                format!("`{id}` is already a node"),
                span,
                "groups and nodes share one namespace; rename the group",
            ));
        }
        let title = self.opt_str().unwrap_or_default();
        let attrs = self.attrs()?;
        let mut group = Group { id, title, parent, fill: None, emphasis: false, span: span.clone() };
        for a in attrs {
            match a.key.as_str() {
                "fill" => group.fill = Some(fill(&a)?),
                "emphasis" => group.emphasis = flag(&a)?,
                "label" | "title" => group.title = value(&a)?.to_string(),
                _ => {
                    return Err(err(
                        format!("unknown group attribute `{}`", a.key),
                        a.span,
                        "groups take `fill=COLOUR` and `emphasis`",
                    ));
                }
            }
        }
        self.g.groups.push(group);
        let gi = self.g.groups.len() - 1;
        if *self.cur.peek() != Tok::LBrace {
            return Err(self.unexpected("`{`", "a group's members go between `{` and `}`"));
        }
        if self.depth >= MAX_NESTING {
            return Err(too_deep(self.cur.span()));
        }
        let open = self.cur.next().1;
        self.depth += 1;
        self.block(Some(gi))?;
        self.depth -= 1;
        if *self.cur.peek() != Tok::RBrace {
            return Err(err("this `{` is never closed", open, "close the group with `}`"));
        }
        self.cur.next();
        self.end_of_statement()
    }

    /// `ID ["Label"] [attrs]` or `ID -> ID [-> ID...] ["label"] [attrs]`.
    fn node_or_edge(&mut self, group: Option<usize>) -> Result<(), ProviderError> {
        let (first, first_span) = self.ident("a node id", "node ids are letters, digits, `_` and `.`")?;
        if *self.cur.peek() != Tok::Arrow {
            return self.declare(first, first_span, group);
        }
        let mut chain = vec![(first, first_span)];
        while *self.cur.peek() == Tok::Arrow {
            self.cur.next();
            chain.push(self.ident("a node id after `->`", "an edge is `A -> B`")?);
        }
        let label = self.opt_str();
        let attrs = self.attrs()?;
        let mut style = LineStyle::Solid;
        let mut label = label;
        for a in attrs {
            match (a.key.as_str(), a.value.as_deref()) {
                ("style", Some(v)) => {
                    style = LineStyle::parse(v).ok_or_else(|| {
                        err(format!("unknown edge style `{v}`"), a.span.clone(), "edge styles: solid, dashed, bold")
                    })?
                }
                (k, None) if LineStyle::parse(k).is_some() => style = LineStyle::parse(k).unwrap(),
                ("label", Some(v)) => label = Some(v.to_string()),
                _ => {
                    return Err(err(
                        format!("unknown edge attribute `{}`", a.key),
                        a.span,
                        "edges take `dashed`, `bold`, `solid` (or `style=...`) and `label=\"...\"`",
                    ));
                }
            }
        }
        for w in chain.windows(2) {
            for (id, span) in w {
                if self.g.groups.iter().any(|g| &g.id == id) {
                    return Err(err(
                        format!("`{id}` is a group, not a node"),
                        span.clone(),
                        "edges connect nodes; connect a node inside the group",
                    ));
                }
            }
            let span = link_span(w);
            let from = self.node(&w[0].0, group, w[0].1.clone());
            let to = self.node(&w[1].0, group, w[1].1.clone());
            self.g.edges.push(Edge { from, to, label: label.clone(), style, span, ports: [None, None], arrow: true });
        }
        self.end_of_statement()
    }

    fn node(&mut self, id: &str, group: Option<usize>, span: Range<usize>) -> usize {
        let i = self.g.node_or_implicit(id, group, span);
        self.declared.resize(self.g.nodes.len(), false);
        i
    }

    fn declare(&mut self, id: String, span: Range<usize>, group: Option<usize>) -> Result<(), ProviderError> {
        if self.g.groups.iter().any(|g| g.id == id) {
            return Err(err(
                format!("`{id}` is already a group"),
                span,
                "groups and nodes share one namespace; rename the node",
            ));
        }
        if ["group", "node", "direction", "subgraph"].contains(&id.as_str()) && *self.cur.peek() != Tok::Arrow {
            return Err(self.unexpected("an id", "`group`, `node` and `direction` are keywords"));
        }
        let label = self.opt_str();
        let attrs = self.attrs()?;
        let i = self.node(&id, group, span.clone());
        if self.declared[i] {
            return Err(err(
                format!("node `{id}` is declared twice"),
                span,
                "declare each node once; edges may mention it any number of times",
            ));
        }
        self.declared[i] = true;
        let n = &mut self.g.nodes[i];
        n.group = group;
        n.span = span;
        if let Some(l) = label {
            n.label = l;
        }
        for a in attrs {
            match a.key.as_str() {
                "shape" => {
                    let v = value(&a)?;
                    n.shape = Shape::parse(v).ok_or_else(|| {
                        err(format!("unknown shape `{v}`"), a.span.clone(), &format!("shapes: {}", Shape::NAMES))
                    })?;
                }
                k if a.value.is_none() && Shape::parse(k).is_some() => n.shape = Shape::parse(k).unwrap(),
                "fill" => n.fill = Some(fill(&a)?),
                "emphasis" => n.emphasis = flag(&a)?,
                "label" => n.label = value(&a)?.to_string(),
                _ => {
                    return Err(err(
                        format!("unknown node attribute `{}`", a.key),
                        a.span,
                        "nodes take `shape=...`, `fill=COLOUR`, `emphasis` and `label=\"...\"`",
                    ));
                }
            }
        }
        self.end_of_statement()
    }

    /// An optional `[key=value, flag, ...]` list.
    fn attrs(&mut self) -> Result<Vec<Attr>, ProviderError> {
        let mut out = Vec::new();
        if *self.cur.peek() != Tok::LBracket {
            return Ok(out);
        }
        let open = self.cur.next().1;
        loop {
            match self.cur.peek().clone() {
                Tok::RBracket => {
                    self.cur.next();
                    return Ok(out);
                }
                Tok::Comma => {
                    self.cur.next();
                }
                Tok::Ident(key) => {
                    let span = self.cur.next().1;
                    if *self.cur.peek() == Tok::Eq {
                        self.cur.next();
                        let (v, vspan) = match self.cur.next() {
                            (Tok::Ident(v) | Tok::Str(v), s) => (v, s),
                            (t, s) => {
                                return Err(err(
                                    format!("expected a value after `{key}=`, found {}", t.describe()),
                                    s,
                                    "write `key=value`",
                                ));
                            }
                        };
                        out.push(Attr { key, value: Some(v), span: span.start..vspan.end });
                    } else {
                        out.push(Attr { key, value: None, span });
                    }
                }
                Tok::End | Tok::Eof => {
                    return Err(err(
                        "this `[` is never closed",
                        open,
                        "close the attribute list with `]` on the same line",
                    ));
                }
                _ => {
                    return Err(self.unexpected(
                        "an attribute",
                        "attributes are `key=value` or a flag such as `dashed`, separated by commas",
                    ));
                }
            }
        }
    }
}

fn value(a: &Attr) -> Result<&str, ProviderError> {
    a.value
        .as_deref()
        .ok_or_else(|| err(format!("`{}` needs a value", a.key), a.span.clone(), &format!("write `{}=...`", a.key)))
}

fn flag(a: &Attr) -> Result<bool, ProviderError> {
    match a.value.as_deref() {
        None | Some("true" | "yes") => Ok(true),
        Some("false" | "no") => Ok(false),
        Some(v) => {
            Err(err(format!("`{}` is a flag, not `{v}`", a.key), a.span.clone(), &format!("write `{}` alone", a.key)))
        }
    }
}

fn fill(a: &Attr) -> Result<Fill, ProviderError> {
    let v = value(a)?;
    Fill::parse(v).ok_or_else(|| {
        err(
            format!("unknown fill `{v}`"),
            a.span.clone(),
            &format!("fills come from the house palette: {}", Fill::NAMES),
        )
    })
}

#[cfg(test)]
#[path = "lang_tests.rs"]
mod tests;
