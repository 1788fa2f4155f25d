//! The module graph of `src/`, drawn from the code's paths (`use crate::…`, `super::…`,
//! `self::…`, a child module's name, and the same paths written inline), must have no
//! cycle: every file stands on the ones below it. A module's `mod child;` declaration is not
//! an edge (the parent owns the child without using it); every path that names another
//! file's module is.
//!
//! One node per file, the crate root `src/lib.rs` first; files are found as rustc finds them
//! (`mod name;` → `name.rs` or `name/mod.rs`, `#[path = "…"]` honoured). Comments, strings and
//! character literals are skipped, so doc links and messages do not count. Test code counts:
//! a test may use the modules below its own, never one above.
//!
//! `PAPERFIG_MODULE_GRAPH=1 cargo test --test it layers` prints the graph, one file a line
//! with the files it uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A token of Rust source: what the path finder needs and nothing more.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    /// A string literal's contents (kept for `#[path = "…"]`).
    Str(String),
    PathSep,
    Punct(char),
}

/// Tokens with their 1-based line numbers; comments, whitespace, numbers, lifetimes and
/// character literals dropped.
fn lex(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let (mut i, mut line, mut out) = (0, 1, Vec::new());
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
            }
        } else if let Some((len, hashes)) = raw_string_start(&c, i) {
            // r"…", r#"…"#, br"…", cr#"…"#: no escapes, ends at a quote and as many hashes.
            let start_line = line;
            i += len;
            let mut text = String::new();
            while i < c.len() && !(c[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#')) {
                line += usize::from(c[i] == '\n');
                text.push(c[i]);
                i += 1;
            }
            i += 1 + hashes;
            out.push((Tok::Str(text), start_line));
        } else if ch == '"' || ((ch == 'b' || ch == 'c') && at(i + 1) == '"') {
            let start_line = line;
            i += if ch == '"' { 1 } else { 2 };
            let mut text = String::new();
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                line += usize::from(at(i) == '\n');
                text.push(at(i));
                i += 1;
            }
            i += 1;
            out.push((Tok::Str(text), start_line));
        } else if ch == '\'' || (ch == 'b' && at(i + 1) == '\'') {
            i += if ch == 'b' { 1 } else { 0 };
            if at(i + 1) == '\\' {
                // An escaped character literal: '\n', '\'', '\u{1F600}'.
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                // A lifetime or label: the quote, then its name.
                i += 1;
                while is_ident(at(i)) {
                    i += 1;
                }
            }
        } else if ch == 'r' && at(i + 1) == '#' && is_ident_start(at(i + 2)) {
            i += 2;
            let start = i;
            while is_ident(at(i)) {
                i += 1;
            }
            out.push((Tok::Ident(c[start..i].iter().collect()), line));
        } else if is_ident_start(ch) {
            let start = i;
            while is_ident(at(i)) {
                i += 1;
            }
            out.push((Tok::Ident(c[start..i].iter().collect()), line));
        } else if ch.is_ascii_digit() {
            while is_ident(at(i)) || (at(i) == '.' && at(i + 1).is_ascii_digit()) {
                i += 1;
            }
        } else if ch == ':' && at(i + 1) == ':' {
            out.push((Tok::PathSep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// `r"`, `r#"`, `br##"`, `cr"` at `i`: the prefix's length and the number of hashes.
fn raw_string_start(c: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    if matches!(c.get(j), Some('b' | 'c')) {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = c[j..].iter().take_while(|&&h| h == '#').count();
    (c.get(j + hashes) == Some(&'"')).then_some((j + hashes + 1 - i, hashes))
}

/// A module file of the crate.
struct ModFile {
    /// `["provider", "hosted", "http"]`; empty for the crate root.
    path: Vec<String>,
    file: PathBuf,
    tokens: Vec<(Tok, usize)>,
}

/// Every module file reachable from `root` (`src/lib.rs`), as rustc finds them.
fn module_files(root: &Path, read: &dyn Fn(&Path) -> Option<String>) -> Vec<ModFile> {
    let mut out = Vec::new();
    let mut todo = vec![(Vec::new(), root.to_path_buf())];
    while let Some((path, file)) = todo.pop() {
        let Some(src) = read(&file) else { continue };
        let tokens = lex(&src);
        let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
        let owns_dir = path.is_empty() || file.file_name().is_some_and(|n| n == "mod.rs");
        let own_dir = if owns_dir { dir.clone() } else { dir.join(file.file_stem().unwrap_or_default()) };
        for (inline, name, attr) in mod_declarations(&tokens) {
            let mut child = path.clone();
            child.extend(inline.iter().cloned());
            child.push(name.clone());
            let found = match attr {
                Some(p) => Some(dir.join(p)),
                None => {
                    let base = own_dir.join(inline.join("/"));
                    [base.join(format!("{name}.rs")), base.join(&name).join("mod.rs")]
                        .into_iter()
                        .find(|f| read(f).is_some())
                }
            };
            if let Some(f) = found {
                todo.push((child, f));
            }
        }
        out.push(ModFile { path, file, tokens });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// `mod name;` declarations: the inline modules they sit in, the name, and a `#[path]`.
fn mod_declarations(tokens: &[(Tok, usize)]) -> Vec<(Vec<String>, String, Option<String>)> {
    let mut out = Vec::new();
    let mut walk = Walk::default();
    for i in 0..tokens.len() {
        walk.step(tokens, i);
        if let (Tok::Ident(m), Some((Tok::Ident(name), _)), Some((Tok::Punct(';'), _))) =
            (&tokens[i].0, tokens.get(i + 1), tokens.get(i + 2))
            && m == "mod"
        {
            out.push((walk.inline(), name.clone(), path_attr(tokens, i)));
        }
    }
    out
}

/// The `#[path = "…"]` among the attributes before the item at `i` (`mod`, after `pub`).
fn path_attr(tokens: &[(Tok, usize)], mut i: usize) -> Option<String> {
    // Step back over visibility, then over `#[…]` attributes.
    while i > 0 && matches!(&tokens[i - 1].0, Tok::Ident(v) if v == "pub") {
        i -= 1;
    }
    while i > 0 && tokens[i - 1].0 == Tok::Punct(']') {
        let close = i - 1;
        let mut open = close;
        while open > 0 && tokens[open].0 != Tok::Punct('[') {
            open -= 1;
        }
        if open == 0 || tokens[open - 1].0 != Tok::Punct('#') {
            return None;
        }
        if let [(Tok::Ident(p), _), (Tok::Punct('='), _), (Tok::Str(s), _)] = &tokens[open + 1..close]
            && p == "path"
        {
            return Some(s.clone());
        }
        i = open - 1;
    }
    None
}

/// Tracks the inline modules (`mod tests { … }`) around a token.
#[derive(Default)]
struct Walk {
    depth: usize,
    /// Open inline modules: name and the brace depth inside them.
    open: Vec<(String, usize)>,
    pending: Option<String>,
}

impl Walk {
    fn step(&mut self, tokens: &[(Tok, usize)], i: usize) {
        match &tokens[i].0 {
            Tok::Punct('{') => {
                self.depth += 1;
                if let Some(name) = self.pending.take() {
                    self.open.push((name, self.depth));
                }
            }
            Tok::Punct('}') => {
                if self.open.last().is_some_and(|(_, d)| *d == self.depth) {
                    self.open.pop();
                }
                self.depth = self.depth.saturating_sub(1);
            }
            Tok::Ident(m) if m == "mod" => {
                if let (Some((Tok::Ident(name), _)), Some((Tok::Punct('{'), _))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    self.pending = Some(name.clone());
                }
            }
            _ => {}
        }
    }

    fn inline(&self) -> Vec<String> {
        self.open.iter().map(|(n, _)| n.clone()).collect()
    }
}

/// A path in one file that names another file's module.
#[derive(Clone, Debug)]
struct Edge {
    from: usize,
    to: usize,
    line: usize,
    path: String,
}

/// The graph: module files and the edges between them.
struct Graph {
    files: Vec<ModFile>,
    edges: Vec<Edge>,
}

impl Graph {
    fn of(root: &Path, read: &dyn Fn(&Path) -> Option<String>) -> Graph {
        let files = module_files(root, read);
        let index: BTreeMap<Vec<String>, usize> = files.iter().enumerate().map(|(i, f)| (f.path.clone(), i)).collect();
        // Every module's child modules (file or inline), for paths that start with a child's name.
        let mut children: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
        for f in &files {
            let mut walk = Walk::default();
            for i in 0..f.tokens.len() {
                walk.step(&f.tokens, i);
                if let (Tok::Ident(m), Some((Tok::Ident(name), _))) = (&f.tokens[i].0, f.tokens.get(i + 1))
                    && m == "mod"
                {
                    let mut at = f.path.clone();
                    at.extend(walk.inline());
                    children.entry(at).or_default().insert(name.clone());
                }
            }
        }
        let mut edges = Vec::new();
        for (from, f) in files.iter().enumerate() {
            for (line, module, path) in paths(&f.tokens) {
                let mut here = f.path.clone();
                here.extend(module);
                let Some(abs) = absolute(&here, &path, &children) else { continue };
                let to = (0..=abs.len()).rev().find_map(|n| index.get(&abs[..n]).copied());
                if let Some(to) = to.filter(|&t| t != from) {
                    edges.push(Edge { from, to, line, path: path.join("::") });
                }
            }
        }
        Graph { files, edges }
    }

    fn name(&self, i: usize) -> String {
        self.files[i].file.display().to_string()
    }

    /// Strongly connected components with more than one file (Tarjan), each sorted.
    fn cycles(&self) -> Vec<Vec<usize>> {
        struct T<'a> {
            adj: &'a [BTreeSet<usize>],
            index: Vec<Option<usize>>,
            low: Vec<usize>,
            on: Vec<bool>,
            stack: Vec<usize>,
            next: usize,
            out: Vec<Vec<usize>>,
        }
        fn visit(t: &mut T<'_>, v: usize) {
            t.index[v] = Some(t.next);
            t.low[v] = t.next;
            t.next += 1;
            t.stack.push(v);
            t.on[v] = true;
            for &w in t.adj[v].iter() {
                match t.index[w] {
                    None => {
                        visit(t, w);
                        t.low[v] = t.low[v].min(t.low[w]);
                    }
                    Some(iw) if t.on[w] => t.low[v] = t.low[v].min(iw),
                    Some(_) => {}
                }
            }
            if Some(t.low[v]) == t.index[v] {
                let mut scc = Vec::new();
                while let Some(w) = t.stack.pop() {
                    t.on[w] = false;
                    scc.push(w);
                    if w == v {
                        break;
                    }
                }
                if scc.len() > 1 {
                    scc.sort_unstable();
                    t.out.push(scc);
                }
            }
        }
        let n = self.files.len();
        let mut adj = vec![BTreeSet::new(); n];
        for e in &self.edges {
            adj[e.from].insert(e.to);
        }
        let mut t = T {
            adj: &adj,
            index: vec![None; n],
            low: vec![0; n],
            on: vec![false; n],
            stack: Vec::new(),
            next: 0,
            out: Vec::new(),
        };
        for v in 0..n {
            if t.index[v].is_none() {
                visit(&mut t, v);
            }
        }
        t.out.sort();
        t.out
    }

    /// A cycle in words: every edge inside it, with the line that makes it.
    fn explain(&self, scc: &[usize]) -> String {
        let mut out = format!("{} files import each other:\n", scc.len());
        for e in self.edges.iter().filter(|e| scc.contains(&e.from) && scc.contains(&e.to)) {
            out.push_str(&format!("  {}:{} uses {} ({})\n", self.name(e.from), e.line, self.name(e.to), e.path));
        }
        out
    }
}

/// Every path in the tokens that starts in this crate: `use` trees expanded, and inline
/// `crate::…`, `super::…`, `self::…` and `name::…` paths, with the inline module they sit in.
fn paths(tokens: &[(Tok, usize)]) -> Vec<(usize, Vec<String>, Vec<String>)> {
    let mut out = Vec::new();
    let mut walk = Walk::default();
    let mut i = 0;
    while i < tokens.len() {
        walk.step(tokens, i);
        let prev_sep = i > 0 && tokens[i - 1].0 == Tok::PathSep;
        match &tokens[i].0 {
            Tok::Ident(u) if u == "use" && !prev_sep => {
                let line = tokens[i].1;
                let mut j = i + 1;
                let mut found = Vec::new();
                use_tree(tokens, &mut j, Vec::new(), &mut found);
                for p in found {
                    out.push((line, walk.inline(), p));
                }
                while i + 1 < j {
                    i += 1;
                    walk.step(tokens, i);
                }
            }
            Tok::Ident(first) if !prev_sep && tokens.get(i + 1).is_some_and(|t| t.0 == Tok::PathSep) => {
                let after_in = i > 0 && matches!(&tokens[i - 1].0, Tok::Ident(v) if v == "in");
                let mut path = vec![first.clone()];
                let mut j = i + 1;
                while tokens.get(j).is_some_and(|t| t.0 == Tok::PathSep) {
                    match tokens.get(j + 1) {
                        Some((Tok::Ident(s), _)) => path.push(s.clone()),
                        _ => break,
                    }
                    j += 2;
                }
                if !after_in {
                    out.push((tokens[i].1, walk.inline(), path));
                }
                while i + 1 < j {
                    i += 1;
                    walk.step(tokens, i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Expands the use tree at `*j` (after `use`) into full paths; leaves `*j` after the tree.
fn use_tree(tokens: &[(Tok, usize)], j: &mut usize, mut prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    loop {
        match tokens.get(*j).map(|t| &t.0) {
            Some(Tok::PathSep) => *j += 1,
            Some(Tok::Ident(s)) if s == "as" => {
                *j += 2;
                out.push(prefix);
                return;
            }
            Some(Tok::Ident(s)) => {
                prefix.push(s.clone());
                *j += 1;
            }
            Some(Tok::Punct('*')) => {
                *j += 1;
                out.push(prefix);
                return;
            }
            Some(Tok::Punct('{')) => {
                *j += 1;
                loop {
                    match tokens.get(*j).map(|t| &t.0) {
                        Some(Tok::Punct('}')) => {
                            *j += 1;
                            return;
                        }
                        Some(Tok::Punct(',')) => *j += 1,
                        None => return,
                        _ => use_tree(tokens, j, prefix.clone(), out),
                    }
                }
            }
            _ => {
                out.push(prefix);
                return;
            }
        }
    }
}

/// A path as seen from module `here`, made absolute; `None` for other crates' paths.
fn absolute(
    here: &[String],
    path: &[String],
    children: &BTreeMap<Vec<String>, BTreeSet<String>>,
) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut abs: Vec<String>;
    let rest: &[String];
    match first.as_str() {
        "crate" => {
            abs = Vec::new();
            rest = &path[1..];
        }
        "self" => {
            abs = here.to_vec();
            rest = &path[1..];
        }
        "super" => {
            abs = here.to_vec();
            let supers = path.iter().take_while(|s| *s == "super").count();
            for _ in 0..supers {
                abs.pop()?;
            }
            rest = &path[supers..];
        }
        name if children.get(here).is_some_and(|c| c.contains(name)) => {
            abs = here.to_vec();
            rest = path;
        }
        _ => return None,
    }
    // `self` inside a group (`use a::{self, b}`) names the group's module.
    abs.extend(rest.iter().filter(|s| *s != "self").cloned());
    Some(abs)
}

fn src_graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = Graph::of(&root.join("lib.rs"), &|p| std::fs::read_to_string(p).ok());
    // Names relative to src/ read better.
    let files = graph
        .files
        .into_iter()
        .map(|f| ModFile { file: f.file.strip_prefix(&root).map(Path::to_path_buf).unwrap_or(f.file), ..f })
        .collect();
    Graph { files, ..graph }
}

#[test]
fn src_modules_import_one_way() {
    let graph = src_graph();
    if std::env::var_os("PAPERFIG_MODULE_GRAPH").is_some() {
        for i in 0..graph.files.len() {
            let to: BTreeSet<String> = graph.edges.iter().filter(|e| e.from == i).map(|e| graph.name(e.to)).collect();
            println!("{} -> {}", graph.name(i), to.into_iter().collect::<Vec<_>>().join(" "));
        }
    }
    // The walk must have found the crate: a graph with no edges has no cycle either.
    assert!(graph.files.len() > 100, "found only {} module files", graph.files.len());
    let lib_uses = |m: &str| graph.edges.iter().any(|e| graph.name(e.from) == "lib.rs" && graph.name(e.to) == m);
    assert!(lib_uses("plan.rs"), "lib.rs's use of plan was not seen");
    let cycles = graph.cycles();
    let report: Vec<String> = cycles.iter().map(|c| graph.explain(c)).collect();
    assert!(cycles.is_empty(), "{} import cycles in src/:\n{}", cycles.len(), report.join("\n"));
}

/// The finder on a small crate in memory: every kind of path it must see, and what it
/// must not take for a path.
#[test]
fn module_graph_sees_each_kind_of_path_and_finds_cycles() {
    let files: BTreeMap<&str, &str> = BTreeMap::from([
        ("src/lib.rs", "pub mod a; mod b; pub mod c;\n// crate::c::X in a comment\nfn f() { let s = \"crate::c\"; }"),
        ("src/a/mod.rs", "mod inner;\npub use inner::Thing;\n"),
        ("src/a/inner.rs", "use crate::{b::{self, Y}, c::*};\nfn g() -> char { '\\'' }"),
        ("src/b.rs", "#[cfg(test)]\n#[path = \"b_tests.rs\"]\nmod tests;\nfn h() { super::c::z(); }"),
        ("src/b_tests.rs", "use super::*;\n"),
        ("src/c.rs", "mod t { fn k() { super::super::a::inner::Thing::new(); } }\n"),
    ]);
    let read = |p: &Path| files.get(p.to_str()?).map(|s| s.to_string());
    let graph = Graph::of(Path::new("src/lib.rs"), &read);
    let edges: BTreeSet<(String, String)> =
        graph.edges.iter().map(|e| (graph.name(e.from), graph.name(e.to))).collect();
    let want = [
        ("src/a/mod.rs", "src/a/inner.rs"),
        ("src/a/inner.rs", "src/b.rs"),
        ("src/a/inner.rs", "src/c.rs"),
        ("src/b.rs", "src/c.rs"),
        ("src/b_tests.rs", "src/b.rs"),
        ("src/c.rs", "src/a/inner.rs"),
    ];
    let want: BTreeSet<(String, String)> = want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(edges, want);
    let names: Vec<Vec<String>> = graph.cycles().iter().map(|c| c.iter().map(|&i| graph.name(i)).collect()).collect();
    assert_eq!(names, vec![vec!["src/a/inner.rs".to_string(), "src/b.rs".to_string(), "src/c.rs".to_string()]]);
}
