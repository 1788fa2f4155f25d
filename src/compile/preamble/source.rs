//! The TeX side of a preamble format: where a document is cut, the probe that measures
//! the OpenType fonts its preamble loads, and the format's source.

/// Preambles longer than this are not dumped (a document that is all preamble).
const MAX_PREAMBLE: usize = 1 << 20;

/// Marks around the preamble in the dump's log.
pub const LOG_START: &str = "paperfig: the document's preamble";
pub const LOG_END: &str = "paperfig: end of the document's preamble";

/// A document cut at its `\begin{document}` line.
#[derive(Debug, PartialEq)]
pub struct Split {
    /// The lines before it, as written.
    pub preamble: Vec<u8>,
    /// The document with those lines left empty (the same number of lines).
    pub body: Vec<u8>,
}

/// Cuts `main` before the line that starts with `\begin{document}` (after blanks), when
/// its preamble is a LaTeX one (`\documentclass`) and nothing but comments mention
/// `\begin{document}` before that line. `None` otherwise.
pub fn split(main: &[u8]) -> Option<Split> {
    let text = std::str::from_utf8(main).ok()?;
    let mut offset = 0;
    let mut class = false;
    for line in text.split_inclusive('\n') {
        let code = uncommented(line);
        if let Some(at) = code.find("\\begin{document}") {
            if !code[..at].trim().is_empty() || !class || offset > MAX_PREAMBLE {
                return None;
            }
            let preamble = &text[..offset];
            // A lone carriage return ends a line for TeX but not here.
            if preamble.replace("\r\n", "\n").contains('\r') {
                return None;
            }
            let ends = |l: &str| if l.ends_with("\r\n") { "\r\n" } else { "\n" };
            let mut body: String = preamble.split_inclusive('\n').map(ends).collect();
            body.push_str(&text[offset..]);
            return Some(Split { preamble: preamble.as_bytes().to_vec(), body: body.into_bytes() });
        }
        class |= code.contains("\\documentclass");
        offset += line.len();
    }
    None
}

/// A line without its comment (from the first `%` not escaped by a backslash).
fn uncommented(line: &str) -> &str {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'%' => return &line[..i],
            _ => i += 1,
        }
    }
    line
}

/// An OpenType font the preamble loads, by its NFSS name (`TU/lmr/m/n/10`), with its first
/// seven `\fontdimen`s as TeX printed them (`4.31pt`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NativeFont {
    pub name: String,
    pub dims: Vec<String>,
}

const FONT_LINE: &str = "paperfig-font:";
const DIM_LINE: &str = "paperfig-fd:";

/// The probe: the preamble (read as `main_name`) with NFSS's font loading watched, each
/// OpenType font's name and dimensions written to the log, stopped at its end.
pub fn probe(main_name: &str) -> String {
    let dims: String =
        (1..=7).map(|i| format!("\\immediate\\write-1{{{DIM_LINE}\\the\\fontdimen{i}\\font@name}}")).collect();
    format!(
        "\\makeatletter\\let\\paperfig@define@newfont\\define@newfont\n\
         \\def\\define@newfont{{\\paperfig@define@newfont\\expandafter\\ifx\\font@name\\relax\\else\n\
         \\ifnum\\XeTeXfonttype\\font@name>\\z@\\immediate\\write-1{{{FONT_LINE}\\curr@fontshape/\\f@size}}{dims}\\fi\\fi}}\n\
         \\makeatother\\input {main_name}\n\
         \\csname @@end\\endcsname\n"
    )
}

/// The fonts in a probe's log; `None` when a line is not as written (cut by TeX's line
/// length, or not a dimension), so that no font goes unmeasured.
pub fn probed(log: &str) -> Option<Vec<NativeFont>> {
    let mut fonts: Vec<NativeFont> = Vec::new();
    for line in log.lines() {
        if let Some(name) = line.strip_prefix(FONT_LINE) {
            let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "/._-()".contains(c));
            ok.then_some(())?;
            fonts.push(NativeFont { name: name.to_string(), dims: Vec::new() });
        } else if let Some(dim) = line.strip_prefix(DIM_LINE) {
            let number = dim.strip_suffix("pt")?.trim_start_matches('-');
            let ok = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit() || c == '.');
            ok.then_some(())?;
            fonts.last_mut()?.dims.push(dim.to_string());
        }
    }
    fonts.iter().all(|f| f.dims.len() == 7).then_some(fonts)
}

/// The format's source. LaTeX, its job start (as a job that loaded LaTeX's format would
/// run it) and the build date; then the preamble, read as `main_name`, with each
/// OpenType font in `fonts` loaded as a stand-in (XeTeX cannot dump OpenType fonts): a
/// Type 1 font given that font's dimensions, so that lengths in `em` and `ex` come out
/// as they would. After it the stand-ins are forgotten, so the document loads the real
/// fonts; what the preamble put on the main vertical list (a `\special` of hyperref's)
/// is kept in a box and given back at the job's start, with the current font.
pub fn format(jobname: &str, main_name: &str, epoch: u64, fonts: &[NativeFont]) -> String {
    let (min, day, month, year) = civil(epoch);
    let table: String = fonts
        .iter()
        .map(|f| {
            let dims: String = f.dims.iter().map(|d| format!("{{{d}}}")).collect();
            format!("\\expandafter\\def\\csname paperfig@fd@{}\\endcsname{{{dims}}}\n", f.name)
        })
        .collect();
    let set: String = (1..=7).map(|i| format!("\\fontdimen{i}\\font@name=#{i}\\relax")).collect();
    format!(
        "\\let\\paperfigdump\\dump \\let\\dump\\relax\n\
         \\input xelatex.ini\n\
         \\let\\dump\\paperfigdump\n\
         \\time={min} \\day={day} \\month={month} \\year={year}\n\
         \\the\\everyjob\n\
         \\makeatletter\n\
         {table}\
         \\def\\paperfig@n{{0}}\n\
         \\let\\paperfig@lazy\\@empty\n\
         \\let\\paperfig@define@newfont\\define@newfont\n\
         \\def\\define@newfont{{\\ifx\\paperfig@lazy\\relax\\paperfig@define@newfont\\else\n\
         \\expandafter\\ifx\\csname paperfig@fd@\\curr@fontshape/\\f@size\\endcsname\\relax\n\
         \\paperfig@define@newfont\\else\\paperfig@standin\\fi\\fi}}\n\
         \\def\\paperfig@forget#1{{\\global\\let#1\\relax}}\n\
         \\def\\paperfig@standin{{\\xdef\\paperfig@lazy{{\\paperfig@lazy\\noexpand\\paperfig@forget\\font@name}}%\n\
         \\xdef\\paperfig@n{{\\the\\numexpr\\paperfig@n+1}}%\n\
         \\global\\expandafter\\font\\font@name=cmr10 at \\dimexpr\\f@size\\p@+\\paperfig@n sp\\relax\n\
         \\expandafter\\expandafter\\expandafter\\paperfig@dims\\csname paperfig@fd@\\curr@fontshape/\\f@size\\endcsname}}\n\
         \\def\\paperfig@dims#1#2#3#4#5#6#7{{{set}}}\n\
         \\makeatother\n\
         \\immediate\\write-1{{{LOG_START} ({jobname})}}\n\
         \\input {main_name}\n\
         \\immediate\\write-1{{{LOG_END}}}\n\
         \\makeatletter\n\
         \\paperfig@lazy \\let\\paperfig@lazy\\relax\n\
         \\newbox\\paperfig@mvl\n\
         {{\\output={{\\global\\setbox\\paperfig@mvl\\vbox{{\\unvbox\\@cclv\\setbox\\z@\\lastbox\\unskip}}}}\\hbox{{}}\\penalty-\\@M}}\n\
         \\deadcycles\\z@\n\
         \\everyjob\\expandafter{{\\the\\everyjob\\unvbox\\paperfig@mvl\\selectfont}}\n\
         \\makeatother\n\
         \\dump\n"
    )
}

/// The part of the dump's log between the marks: what reading the preamble printed.
pub fn preamble_log(log: &str) -> String {
    let Some(start) = log.find(LOG_START) else { return String::new() };
    let after = start + log[start..].find('\n').map_or(log.len() - start, |i| i + 1);
    let end = log[after..].find(LOG_END).map_or(log.len(), |i| after + i);
    log[after..end].to_string()
}

/// Minutes since midnight, day, month, year of `secs` since 1970 (UTC).
pub fn civil(secs: u64) -> (u64, u64, u64, i64) {
    let (year, month, day) = crate::calendar::civil_from_days((secs / 86_400) as i64);
    (secs % 86_400 / 60, day as u64, month as u64, year)
}
