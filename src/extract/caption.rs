//! Caption detection: which lines start a figure or table caption.
//!
//! A candidate is a line that starts with a figure word (`Figure`, `Fig.`, `FIGURE`,
//! `Table`, `TABLE`, …) and a number (`3`, `3.1`, `2-4`, `A.1`, `S2`, `IV`). Body text
//! mentions figures too, and a mention can start a line ("Figure 3 shows …"), so each
//! candidate carries the clues pdffigures2 uses to tell the two apart: punctuation after
//! the number, whether the line starts a paragraph, and whether graphics are nearby. When a
//! document has several candidates with the same name, [`choose`] keeps the best-supported
//! ones; lists of figures (dot leaders, trailing page numbers) are never captions.

use super::model::FigureKind;

/// The start of a caption parsed from a line.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptionStart {
    pub kind: FigureKind,
    /// The figure number as printed, without trailing punctuation ("3", "3.1", "IV").
    pub name: String,
    /// The character right after the number (':', '.', '|', '—'), if any.
    pub punct: Option<char>,
    /// Text after the number and punctuation.
    pub rest: String,
}

const WORDS: &[(&str, FigureKind)] = &[
    ("Figure", FigureKind::Figure),
    ("FIGURE", FigureKind::Figure),
    ("Fig.", FigureKind::Figure),
    ("FIG.", FigureKind::Figure),
    ("Fig", FigureKind::Figure),
    ("FIG", FigureKind::Figure),
    ("Table", FigureKind::Table),
    ("TABLE", FigureKind::Table),
];

/// Parses the caption prefix of a line, if it has one.
pub fn parse_start(line: &str) -> Option<CaptionStart> {
    let t = line.trim_start();
    let (rest, kind) = WORDS.iter().find_map(|(w, k)| t.strip_prefix(w).map(|r| (r, *k)))?;
    // "Figures", "Tableau", "Fig.ure": the word must end here.
    if rest.starts_with(|c: char| c.is_alphabetic()) {
        return None;
    }
    let rest = rest.trim_start_matches([' ', '\u{a0}', '~']);
    let (name, after) = parse_number(rest)?;
    let after_trim = after.trim_start();
    let punct = after_trim.chars().next().filter(|c| matches!(c, ':' | '.' | '|' | '—' | '–' | '-'));
    let text = match punct {
        Some(p) => &after_trim[p.len_utf8()..],
        None => after_trim,
    };
    // The number must end at a word boundary ("Table 2x" is no caption, "Table 2a" is).
    if punct.is_none() && !after.is_empty() && !after.starts_with(char::is_whitespace) {
        return None;
    }
    Some(CaptionStart { kind, name, punct, rest: text.trim().to_string() })
}

impl CaptionStart {
    /// The number is followed by a colon, full stop, bar or dash, as captions have it.
    pub fn strong_punct(&self) -> bool {
        matches!(self.punct, Some(':' | '.' | '|' | '—' | '–'))
    }

    /// The caption says it continues a float from an earlier page: "Table 1: (continued)",
    /// "Figure 3 (cont.)".
    pub fn continued(&self) -> bool {
        let rest = self.rest.to_lowercase();
        let head: String = rest.chars().take(40).collect();
        head.contains("continued") || head.contains("(cont.") || head.contains("(cont)")
    }
}

/// A figure number at the start of `s`, and the text after it.
fn parse_number(s: &str) -> Option<(String, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    // Roman numerals (IEEE tables): "IV", then a boundary.
    let roman = b.iter().take_while(|c| matches!(c, b'I' | b'V' | b'X' | b'L')).count();
    if roman > 0 && b.get(roman).is_none_or(|c| !c.is_ascii_alphanumeric()) {
        // A part's numeral, then the number within the part: a chapter's ("II.9.1") or an
        // appendix's ("IV.A.1"), as books numbered by parts print them.
        if b.get(roman) == Some(&b'.')
            && let Some((within, after)) = parse_number(&s[roman + 1..])
        {
            return Some((format!("{}.{within}", &s[..roman]), after));
        }
        return Some((s[..roman].to_string(), &s[roman..]));
    }
    // One optional capital prefix: "A.1", "S2".
    if b.first().is_some_and(|c| c.is_ascii_uppercase()) && b.get(1).is_some_and(|c| c.is_ascii_digit() || *c == b'.') {
        i = 1;
        if b[i] == b'.' {
            i += 1;
        }
    }
    let digits = |i: usize| b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let n = digits(i);
    if n == 0 || n > 4 {
        return None;
    }
    i += n;
    // Chapter-style parts: "3.1", "2-4", "2–4".
    loop {
        let sep = if s[i..].starts_with('.') || s[i..].starts_with('-') {
            1
        } else if s[i..].starts_with('–') {
            '–'.len_utf8()
        } else {
            0
        };
        if sep == 0 {
            break;
        }
        let n = digits(i + sep);
        if n == 0 || n > 4 {
            break;
        }
        i += sep + n;
    }
    // A sub-figure letter: "2a".
    if b.get(i).is_some_and(|c| c.is_ascii_lowercase()) && b.get(i + 1).is_none_or(|c| !c.is_ascii_alphanumeric()) {
        i += 1;
    }
    Some((s[..i].to_string(), &s[i..]))
}

/// True for entries of a list of figures or tables: a dot leader (four dots or more,
/// spaced or not) before a page number, or a long leader anywhere. An ellipsis in a
/// caption ("fit d1 with . . . ") is not a leader.
pub fn looks_like_list_entry(line: &str) -> bool {
    let dots: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    let run = |n: usize| {
        dots.contains(&".".repeat(n)) || dots.contains(&"·".repeat(n)) || dots.contains(&"…".repeat(n.div_ceil(3)))
    };
    let ends_in_page = line.trim_end().ends_with(|c: char| c.is_ascii_digit() || matches!(c, 'i' | 'v' | 'x'));
    (run(4) && ends_in_page) || run(8)
}

/// A caption candidate with the evidence for it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub page: usize,
    pub line: usize,
    pub start: CaptionStart,
    /// The line begins a paragraph (no body line right above it in the same column).
    pub para_start: bool,
    /// Graphics lie within a few lines above or below.
    pub near_graphics: bool,
    /// Font size differs from the body size, or the line is the only text of its size.
    pub distinct_font: bool,
}

impl Candidate {
    fn evidence(&self) -> u32 {
        let strong_punct = self.start.strong_punct();
        let says = !self.start.rest.is_empty();
        (strong_punct as u32) * 4
            + (self.near_graphics as u32) * 2
            + self.para_start as u32
            + self.distinct_font as u32
            + says as u32
    }

    /// Whether a lone candidate is believable: in-text mentions that happen to start a
    /// line look like "Figure 3 shows", with no punctuation and text running on.
    pub fn plausible(&self) -> bool {
        if looks_like_list_entry(&self.start.rest) {
            return false;
        }
        let strong_punct = self.start.strong_punct();
        let starts_upper = self.start.rest.chars().next().is_none_or(|c| !c.is_lowercase());
        // A sentence ending "… shown in / Figure 3." leaves the number alone on its line:
        // only graphics nearby make that a caption (a label on a line of its own).
        if self.start.rest.is_empty() && !self.near_graphics {
            return false;
        }
        // Without punctuation the number must start a paragraph of its own and look set
        // apart: graphics nearby or a font other than the body text's.
        (strong_punct && (self.para_start || self.near_graphics))
            || (self.para_start && starts_upper && (self.near_graphics || self.distinct_font))
    }
}

/// Keeps, for each figure name, the candidates with the strongest evidence (and only
/// plausible ones). Returns the indices of the kept candidates.
pub fn choose(cands: &[Candidate]) -> Vec<usize> {
    let mut keep = Vec::new();
    let mut seen: Vec<(FigureKind, &str)> = Vec::new();
    for c in cands {
        let key = (c.start.kind, c.start.name.as_str());
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let mut group: Vec<usize> = (0..cands.len())
            .filter(|&i| (cands[i].start.kind, cands[i].start.name.as_str()) == key && cands[i].plausible())
            .collect();
        // A float continued on a later page repeats its caption there: the first part is
        // the figure.
        if group.iter().any(|&i| !cands[i].start.continued()) {
            group.retain(|&i| !cands[i].start.continued());
        }
        let Some(best) = group.iter().map(|&i| cands[i].evidence()).max() else { continue };
        // The first of the best-supported candidates: a figure has one caption.
        if let Some(&i) = group.iter().find(|&&i| cands[i].evidence() == best) {
            keep.push(i);
        }
    }
    keep.sort_unstable();
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Option<(FigureKind, String, Option<char>)> {
        parse_start(s).map(|c| (c.kind, c.name, c.punct))
    }

    #[test]
    fn caption_prefixes_in_common_styles() {
        assert_eq!(p("Figure 3: Results"), Some((FigureKind::Figure, "3".into(), Some(':'))));
        assert_eq!(p("Fig. 12. The setup"), Some((FigureKind::Figure, "12".into(), Some('.'))));
        assert_eq!(p("FIGURE 4 Overview"), Some((FigureKind::Figure, "4".into(), None)));
        assert_eq!(p("Table 2: Accuracy"), Some((FigureKind::Table, "2".into(), Some(':'))));
        assert_eq!(p("TABLE IV"), Some((FigureKind::Table, "IV".into(), None)));
        assert_eq!(p("Figure 3.1: Layout"), Some((FigureKind::Figure, "3.1".into(), Some(':'))));
        assert_eq!(p("Figure 2-4. Flow"), Some((FigureKind::Figure, "2-4".into(), Some('.'))));
        assert_eq!(p("Figure A.1: Appendix"), Some((FigureKind::Figure, "A.1".into(), Some(':'))));
        assert_eq!(p("Fig.3. Tight"), Some((FigureKind::Figure, "3".into(), Some('.'))));
    }

    #[test]
    fn numbers_within_a_part_keep_the_parts_numeral() {
        assert_eq!(p("Figure I.4.1: Sketch"), Some((FigureKind::Figure, "I.4.1".into(), Some(':'))));
        assert_eq!(p("Figure II.9.10: Fuels"), Some((FigureKind::Figure, "II.9.10".into(), Some(':'))));
        assert_eq!(p("Figure IV.A.1: Entities"), Some((FigureKind::Figure, "IV.A.1".into(), Some(':'))));
        assert_eq!(p("Figure IV.I.1: Cells"), Some((FigureKind::Figure, "IV.I.1".into(), Some(':'))));
        assert_eq!(p("Figure VII.B.27: Edge flip"), Some((FigureKind::Figure, "VII.B.27".into(), Some(':'))));
        // A numeral and a full stop, then text: the number ends at the numeral.
        assert_eq!(p("TABLE IV. Results"), Some((FigureKind::Table, "IV".into(), Some('.'))));
    }

    #[test]
    fn words_that_are_not_caption_prefixes() {
        assert_eq!(p("Figures 3 and 4 show"), None);
        assert_eq!(p("figure 3: lower case is running text"), None);
        assert_eq!(p("Tableau 3"), None);
        assert_eq!(p("Table of contents"), None);
        assert_eq!(p("Table 2nd"), None);
        assert_eq!(p("In Figure 3: no"), None);
    }

    fn cand(page: usize, text: &str, para_start: bool, near_graphics: bool) -> Candidate {
        Candidate { page, line: 0, start: parse_start(text).unwrap(), para_start, near_graphics, distinct_font: false }
    }

    #[test]
    fn an_in_text_mention_loses_to_the_real_caption() {
        let c = vec![
            cand(1, "Figure 1 shows the pipeline we use", true, false),
            cand(2, "Figure 1: The pipeline.", true, true),
        ];
        assert_eq!(choose(&c), vec![1]);
    }

    #[test]
    fn a_lone_mention_in_running_text_is_rejected() {
        assert!(!cand(1, "Figure 3 shows that the method works", false, false).plausible());
        assert!(!cand(1, "Figure 3. and so on", false, false).plausible());
        assert!(cand(1, "Figure 3. Results", true, false).plausible());
        // The end of a sentence that wrapped before the number, far from any drawing.
        assert!(!cand(1, "Figure 3.", true, false).plausible());
        assert!(cand(1, "Figure 3.", true, true).plausible());
        assert!(cand(1, "FIGURE 3 Results of the study", true, true).plausible());
    }

    #[test]
    fn leaders_mark_list_entries_and_an_ellipsis_does_not() {
        assert!(looks_like_list_entry("Figure 1.1: Overview . . . . . . . 4"));
        assert!(looks_like_list_entry("3.2 Results .......... 17"));
        assert!(looks_like_list_entry("Table 2 Timings ……… xii"));
        assert!(!looks_like_list_entry("Figure 4.9: Fitting arbitrary curves 'let d2 = fit d1 with . . . '."));
        assert!(!looks_like_list_entry("Figure 3: Results for n = 1, …, 10"));
    }

    #[test]
    fn a_continued_caption_loses_to_the_first_part() {
        let c = vec![cand(2, "Table 1: Counts per period.", true, false), cand(3, "Table 1: (continued)", true, true)];
        assert_eq!(choose(&c), vec![0]);
        // Alone, a continued caption is still the table's.
        assert_eq!(choose(&c[1..]), vec![0]);
    }

    #[test]
    fn list_of_figures_entries_are_rejected() {
        let c = vec![
            cand(1, "Figure 1.1: Overview . . . . . . . 4", true, false),
            cand(4, "Figure 1.1: Overview", true, true),
        ];
        assert_eq!(choose(&c), vec![1]);
    }
}
