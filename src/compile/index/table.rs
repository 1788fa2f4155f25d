//! The basename index as kept in memory and in the user's cache: one text, read without
//! making a string per file.
//!
//! A TeX Live installation indexes about 30,000 names. As JSON with a string per name and
//! path, reading the cached index took 12 to 15 ms of every TeX run (3.3 MB parsed, 60,000
//! allocations). The text below lists each folder once and each name with its folder's
//! number, sorted by name, so that it is about 700 KB, a lookup is a binary search, and
//! loading is one pass that records where each line is:
//!
//! ```text
//! paperfig-tex-index 3
//! <digest of the trees' stamp>
//! <the bundle's digest>
//! <number of trees>
//! <tree root>…
//! <number of folders>
//! <tree number>\t<folder, relative to its tree, `/`-separated>…
//! <number of names>
//! <name>\t<folder number>…          (sorted by name, each name once)
//! ```
//!
//! A name or folder holding a tab or a line break is left out (TeX cannot ask for one such
//! name; a tree root holding a line break keeps the index from being cached at all).

use std::collections::BTreeMap;
use std::path::PathBuf;

const HEADER: &str = "paperfig-tex-index 3";

/// The index: for each name, the file TeX reads for it.
#[derive(Debug)]
pub struct Index {
    /// The digest of the trees' stamp the index was made for.
    pub(super) stamp: String,
    /// The bundle's digest (it keys the cached format).
    pub digest: String,
    text: String,
    roots: Vec<PathBuf>,
    /// Each folder: its tree and where its relative path is in `text`.
    folders: Vec<(usize, Span)>,
    /// Each name (where it is in `text`) and its folder, sorted by name.
    names: Vec<(Span, u32)>,
}

type Span = (u32, u32);

/// Where a file was found, for [`Index::write`].
pub(super) struct Found {
    /// Its precedence inside its tree (see `rank`); with the tree, lower wins.
    pub rank: u8,
    pub tree: usize,
    /// The folder, relative to the tree's root, `/`-separated (empty for the root itself).
    pub folder: String,
}

impl Index {
    /// The file for `name` (a bare name, no folder).
    pub fn get(&self, name: &str) -> Option<PathBuf> {
        let i = self.names.binary_search_by(|(n, _)| self.at(*n).cmp(name)).ok()?;
        let (tree, folder) = self.folders[self.names[i].1 as usize];
        let mut path = self.roots[tree].clone();
        let folder = self.at(folder);
        if !folder.is_empty() {
            path.extend(folder.split('/'));
        }
        path.push(name);
        Some(path)
    }

    /// Every name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|(n, _)| self.at(*n))
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    fn at(&self, (start, end): Span) -> &str {
        &self.text[start as usize..end as usize]
    }

    /// The index of the files in `found` (by name) under `roots`, as text ([`Index::parse`]
    /// reads it back); `None` when a root cannot be written in it.
    pub(super) fn write(
        stamp: &str,
        digest: &str,
        roots: &[PathBuf],
        found: &BTreeMap<String, Found>,
    ) -> Option<String> {
        let clean = |s: &str| !s.contains(['\t', '\n', '\r']);
        let mut text = format!("{HEADER}\n{stamp}\n{digest}\n{}\n", roots.len());
        for root in roots {
            let root = root.to_str().filter(|r| clean(r) && !r.is_empty())?;
            text.push_str(root);
            text.push('\n');
        }
        let mut folders: BTreeMap<(usize, &str), usize> = BTreeMap::new();
        for f in found.values().filter(|f| clean(&f.folder)) {
            let next = folders.len();
            folders.entry((f.tree, f.folder.as_str())).or_insert(next);
        }
        let mut listed: Vec<(usize, usize, &str)> = folders.iter().map(|(&(t, f), &n)| (n, t, f)).collect();
        listed.sort_unstable();
        text.push_str(&format!("{}\n", listed.len()));
        for (_, tree, folder) in listed {
            text.push_str(&format!("{tree}\t{folder}\n"));
        }
        let names: Vec<(&String, &Found)> = found.iter().filter(|(n, f)| clean(n) && clean(&f.folder)).collect();
        text.push_str(&format!("{}\n", names.len()));
        for (name, f) in names {
            text.push_str(&format!("{name}\t{}\n", folders[&(f.tree, f.folder.as_str())]));
        }
        Some(text)
    }

    /// Reads an index written by [`Index::write`]; `None` for anything else (another
    /// version, a damaged or truncated file, names out of order).
    pub(super) fn parse(text: String) -> Option<Index> {
        let mut lines = Spans::new(&text);
        let (first, stamp, digest) = (lines.next()?, lines.next()?, lines.next()?);
        if at(&text, first) != HEADER || u32::try_from(text.len()).is_err() {
            return None;
        }
        let (stamp, digest) = (at(&text, stamp).to_string(), at(&text, digest).to_string());
        let count = |s: Option<Span>| at(&text, s?).parse::<usize>().ok();
        let trees = count(lines.next())?;
        let roots =
            (0..trees).map(|_| lines.next().map(|l| PathBuf::from(at(&text, l)))).collect::<Option<Vec<_>>>()?;
        let folder_count = count(lines.next())?;
        let mut folders = Vec::with_capacity(folder_count.min(text.len()));
        for _ in 0..folder_count {
            let (tree, folder) = split_tab(&text, lines.next()?)?;
            let tree = at(&text, tree).parse::<usize>().ok().filter(|&t| t < roots.len())?;
            folders.push((tree, folder));
        }
        let name_count = count(lines.next())?;
        let mut names: Vec<(Span, u32)> = Vec::with_capacity(name_count.min(text.len()));
        for _ in 0..name_count {
            let (name, folder) = split_tab(&text, lines.next()?)?;
            let folder = at(&text, folder).parse::<u32>().ok().filter(|&f| (f as usize) < folders.len())?;
            if names.last().is_some_and(|(last, _)| at(&text, *last) >= at(&text, name)) {
                return None;
            }
            names.push((name, folder));
        }
        if lines.at != text.len() {
            return None;
        }
        Some(Index { stamp, digest, text, roots, folders, names })
    }
}

fn at(text: &str, (start, end): Span) -> &str {
    &text[start as usize..end as usize]
}

/// The line `span` cut at its first tab.
fn split_tab(text: &str, (start, end): Span) -> Option<(Span, Span)> {
    let tab = start + at(text, (start, end)).find('\t')? as u32;
    Some(((start, tab), (tab + 1, end)))
}

/// The lines of a text, as spans (the last line must end with a line break).
struct Spans<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Spans<'a> {
    fn new(text: &'a str) -> Spans<'a> {
        Spans { text, at: 0 }
    }
}

impl Iterator for Spans<'_> {
    type Item = Span;

    fn next(&mut self) -> Option<Span> {
        let end = self.at + self.text[self.at..].find('\n')?;
        let span = (self.at as u32, end as u32);
        self.at = end + 1;
        Some(span)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn found(entries: &[(&str, usize, &str)]) -> BTreeMap<String, Found> {
        entries.iter().map(|(n, t, f)| (n.to_string(), Found { rank: 0, tree: *t, folder: f.to_string() })).collect()
    }

    #[test]
    fn an_index_is_written_and_read_back_with_every_name_in_its_folder() {
        let roots = [PathBuf::from("/usr/share/texlive/texmf-dist"), PathBuf::from("/home/u/texmf")];
        let files = found(&[
            ("article.cls", 0, "tex/latex/base"),
            ("book.cls", 0, "tex/latex/base"),
            ("mine.sty", 1, "tex/latex/mine"),
            ("ls-top.tex", 1, ""),
            ("tab\there.sty", 0, "tex/latex/base"),
            ("odd.sty", 0, "tex/latex/new\nline"),
        ]);
        let text = Index::write("s", "d", &roots, &files).unwrap();
        let index = Index::parse(text).unwrap();
        assert_eq!((index.stamp.as_str(), index.digest.as_str()), ("s", "d"));
        assert_eq!(
            index.get("article.cls").unwrap(),
            Path::new("/usr/share/texlive/texmf-dist/tex/latex/base/article.cls")
        );
        assert_eq!(index.get("mine.sty").unwrap(), Path::new("/home/u/texmf/tex/latex/mine/mine.sty"));
        assert_eq!(index.get("ls-top.tex").unwrap(), Path::new("/home/u/texmf/ls-top.tex"));
        assert_eq!(index.get("nothing.sty"), None);
        assert_eq!(index.get("article"), None, "whole names only");
        assert_eq!(index.names().collect::<Vec<_>>(), ["article.cls", "book.cls", "ls-top.tex", "mine.sty"]);
        assert!(!index.is_empty());
        assert!(Index::write("s", "d", &[PathBuf::from("/a\nb")], &files).is_none(), "a root that cannot be written");
    }

    #[test]
    fn a_damaged_or_foreign_index_is_not_read() {
        let roots = [PathBuf::from("/t")];
        let text = Index::write("s", "d", &roots, &found(&[("a.sty", 0, "x"), ("b.sty", 0, "y")])).unwrap();
        assert!(Index::parse(text.clone()).is_some());
        for bad in [
            text.replace(HEADER, "paperfig-tex-index 2"),
            text[..text.len() - 1].to_string(),
            text[..text.len() / 2].to_string(),
            text.replace("a.sty\t0", "c.sty\t0"),
            text.replace("b.sty\t1", "b.sty\t7"),
            text.replace("0\ty", "3\ty"),
            text.replace("b.sty\t1", "b.sty 1"),
            text[..text.rfind("b.sty").unwrap()].to_string(),
            format!("{text}c.sty\t0\n"),
            String::new(),
        ] {
            assert!(Index::parse(bad.clone()).is_none(), "{bad:?}");
        }
    }
}
