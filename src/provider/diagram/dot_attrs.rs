//! Which DOT attributes the `syntax=dot` reader honours, which it leaves to the house style
//! on purpose, and which it refuses: an attribute is never dropped without a word. Values
//! that would change what the figure says (a colour outside the palette, `style=invis`,
//! `constraint=false`, `rank=min`, head and tail labels) are errors at the attribute.

use std::ops::Range;

use super::graph::Fill;
use super::lex::err;
use crate::model::ProviderError;

/// Where an attribute is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctx {
    /// The top-level graph.
    Graph,
    /// A subgraph: a cluster (drawn as a group) or a plain one.
    Subgraph {
        cluster: bool,
    },
    Node,
    Edge,
}

/// Attributes drawn by paperfig's house style instead (fonts, sizes, spacing, arrowheads,
/// links): accepted and documented as having no effect.
pub const HOUSE: &[&str] = &[
    "fontname",
    "fontsize",
    "fontcolor",
    "labelfontname",
    "labelfontsize",
    "labelfontcolor",
    "width",
    "height",
    "fixedsize",
    "margin",
    "pad",
    "nodesep",
    "ranksep",
    "splines",
    "arrowhead",
    "arrowtail",
    "arrowsize",
    "dpi",
    "size",
    "ratio",
    "center",
    "weight",
    "minlen",
    "labelloc",
    "labeljust",
    "nojustify",
    "tooltip",
    "URL",
    "href",
    "target",
    "id",
    "class",
    "newrank",
    "compound",
    "ordering",
    "outputorder",
    "peripheries",
    "pencolor",
    "bgcolor",
    "concentrate",
    "group",
    "samehead",
    "sametail",
    "headclip",
    "tailclip",
    "forcelabels",
    "decorate",
    "labelangle",
    "labeldistance",
    "charset",
    "layout",
    "sortv",
    "gradientangle",
];

/// What an attribute means to the reader.
pub enum Meaning {
    /// Read by the parser (label, shape, style, colours, rankdir, rank, penwidth, dir...).
    Read,
    /// Left to the house style.
    House,
}

/// Checks one attribute in its context; the error points at `span` (`key=value`).
pub fn check(ctx: Ctx, key: &str, value: &str, span: Range<usize>) -> Result<Meaning, ProviderError> {
    let cluster = matches!(ctx, Ctx::Subgraph { cluster: true });
    let refuse = |msg: String, hint: &str| Err(err(msg, span.clone(), hint));
    match (key, ctx) {
        ("label", Ctx::Node | Ctx::Edge) => Ok(Meaning::Read),
        ("label", Ctx::Subgraph { .. }) if cluster => Ok(Meaning::Read),
        ("label", _) => refuse(
            "a graph's own label is not drawn".into(),
            "put the title in the figure's caption; cluster labels (`subgraph cluster_x { label=... }`) are drawn",
        ),
        ("shape", Ctx::Node) => Ok(Meaning::Read),
        ("penwidth", Ctx::Node | Ctx::Edge | Ctx::Subgraph { .. }) => Ok(Meaning::Read),
        ("rankdir", Ctx::Graph) => match value {
            "TB" | "LR" => Ok(Meaning::Read),
            _ => refuse(
                format!("`rankdir={value}` is not supported"),
                "ranks run down (`TB`) or right (`LR`); reverse the edges for the other way",
            ),
        },
        ("rank", Ctx::Subgraph { .. }) => match value {
            "same" => Ok(Meaning::Read),
            _ => refuse(
                format!("`rank={value}` is not supported"),
                "only `rank=same` is honoured: put the nodes that share a rank in `{ rank=same; a; b }`",
            ),
        },
        ("style", _) => check_style(ctx, value, span.clone()).map(|()| Meaning::Read),
        ("color" | "fillcolor", Ctx::Edge) => match value {
            "black" | "grey" | "gray" | "#000000" | "" => Ok(Meaning::House),
            _ => refuse(
                format!("edge colour `{value}` is not drawn"),
                "edges are drawn in the house grey; set one apart with `style=bold` or `style=dashed`",
            ),
        },
        ("color" | "fillcolor", _) => colour(value, span.clone()).map(|_| Meaning::Read),
        ("bgcolor", Ctx::Subgraph { .. }) if cluster => colour(value, span.clone()).map(|_| Meaning::Read),
        ("dir", Ctx::Edge) => match value {
            "forward" | "none" => Ok(Meaning::Read),
            _ => refuse(
                format!("`dir={value}` is not supported"),
                "edges have one arrow at their head (`forward`) or none (`none`); write the edge the other way for `back`",
            ),
        },
        ("constraint", Ctx::Edge) if matches!(value, "true" | "1" | "yes") => Ok(Meaning::Read),
        ("constraint", Ctx::Edge) => refuse(
            "`constraint=false` is not supported".into(),
            "every edge takes part in ranking; remove the attribute or the edge",
        ),
        ("xlabel" | "headlabel" | "taillabel", _) => {
            refuse(format!("`{key}` is not drawn"), "put the text in the edge's or node's `label`")
        }
        ("lhead" | "ltail", _) => refuse(
            format!("`{key}` (edges clipped at a cluster) is not supported"),
            "connect the edge to a node inside the cluster",
        ),
        ("rotate" | "landscape" | "orientation", Ctx::Graph) => {
            refuse(format!("`{key}` is not supported"), "use `rankdir=LR` for a left-to-right layout")
        }
        (k, _) if HOUSE.contains(&k) => Ok(Meaning::House),
        _ => refuse(
            format!("unknown DOT attribute `{key}`"),
            "paperfig reads label, shape, style, color, fillcolor, penwidth, rankdir, rank=same and dir, and leaves fonts, sizes and spacing to its house style (see the guide)",
        ),
    }
}

/// A palette colour, or `None` for the default look (white, black, none).
pub fn colour(value: &str, span: Range<usize>) -> Result<Option<Fill>, ProviderError> {
    if let Some(f) = Fill::parse(value) {
        return Ok(Some(f));
    }
    match value {
        "white" | "black" | "none" | "transparent" | "#ffffff" | "#FFFFFF" | "#000000" | "" => Ok(None),
        _ => Err(err(
            format!("colour `{value}` is not in the house palette"),
            span,
            &format!("use one of {}, or leave it out", Fill::NAMES),
        )),
    }
}

fn check_style(ctx: Ctx, value: &str, span: Range<usize>) -> Result<(), ProviderError> {
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let ok = match ctx {
            Ctx::Edge => matches!(part, "solid" | "dashed" | "dotted" | "bold"),
            Ctx::Node => matches!(part, "solid" | "filled" | "rounded" | "bold"),
            _ => matches!(part, "solid" | "filled" | "rounded" | "bold"),
        };
        if !ok {
            let hint = match ctx {
                Ctx::Edge => "edge styles: solid, dashed, dotted, bold",
                _ => "node and cluster styles: solid, filled, rounded, bold",
            };
            return Err(err(format!("style `{part}` is not supported here"), span, hint));
        }
    }
    Ok(())
}
