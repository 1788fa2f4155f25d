//! Plot data: a table of named numeric or text columns, read from CSV, JSON records or
//! column-oriented JSON, from the `data=` file or inline after a `---` line in the body.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::model::{ProviderError, Request};

/// One column's cells. Missing numbers are NaN; missing text is "".
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    Num(Vec<f64>),
    Text(Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    pub values: Values,
    /// A numeric column's cells as written, when some cell is not written as its number
    /// prints (`02139`, `1.10`, `1e3`): categories, groups and labels keep the file's text.
    pub written: Option<Vec<String>>,
}

impl Column {
    /// Its number of cells.
    pub fn len(&self) -> usize {
        match &self.values {
            Values::Num(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn is_num(&self) -> bool {
        matches!(self.values, Values::Num(_))
    }
    pub fn nums(&self) -> Option<&[f64]> {
        match &self.values {
            Values::Num(v) => Some(v),
            Values::Text(_) => None,
        }
    }
    /// Cell `i` as written in the data (a missing cell is "").
    pub fn text(&self, i: usize) -> String {
        if let Some(w) = &self.written {
            return w[i].clone();
        }
        match &self.values {
            Values::Text(v) => v[i].clone(),
            Values::Num(v) if v[i].is_nan() => String::new(),
            Values::Num(v) => v[i].to_string(),
        }
    }
    /// A text column whose every non-empty cell is an ISO 8601 date or time, as seconds
    /// since 1970 (missing cells NaN). Times that all state one offset from UTC
    /// (`…T17:00+02:00`) keep the clock they were written in: the axis reads 17:00, as the
    /// file does; mixed offsets are drawn in UTC.
    pub fn times(&self) -> Option<Vec<f64>> {
        let Values::Text(v) = &self.values else { return None };
        let out: Vec<f64> = v
            .iter()
            .map(|s| if s.is_empty() { Some(f64::NAN) } else { super::time::parse(s) })
            .collect::<Option<_>>()?;
        let mut offsets = v.iter().filter(|s| !s.is_empty()).map(|s| super::time::stated_offset(s));
        let first = offsets.next().flatten();
        let shift = match first {
            Some(o) if offsets.all(|x| x == Some(o)) => o,
            _ => 0.0,
        };
        out.iter().any(|t| t.is_finite()).then(|| out.into_iter().map(|t| t + shift).collect())
    }
    /// First cell of a text column that is neither a number nor empty (for error messages).
    pub fn first_non_number(&self) -> Option<(usize, &str)> {
        match &self.values {
            Values::Text(v) => v
                .iter()
                .enumerate()
                .find(|(_, s)| !s.is_empty() && parse_num(s).is_none())
                .map(|(i, s)| (i, s.as_str())),
            Values::Num(_) => None,
        }
    }
}

/// Named columns of equal length, in the order of the source.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }
    /// The column called `name`: exact match first, else a unique case-insensitive one.
    pub fn find(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name).or_else(|| {
            let mut it = self.columns.iter().filter(|c| c.name.eq_ignore_ascii_case(name));
            match (it.next(), it.next()) {
                (Some(c), None) => Some(c),
                _ => None,
            }
        })
    }
    /// "model, acc, f1" for messages.
    pub fn names(&self) -> String {
        self.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// A raw cell before the column type is known.
enum Cell {
    Missing,
    /// A number written as it prints (`12.5`, `-3`): its text is `v.to_string()`.
    Num(f64),
    /// A number written otherwise (`02139`, `1.10`, `1e-9`, `+4`), with its text.
    Written(f64, String),
    Text(String),
}

/// Whether `s` is a number written exactly as Rust prints the `f64` it parses to: an
/// optional minus, an integer part without leading zeros, an optional fraction without
/// trailing zeros, at most 15 digits (all of them exact in an `f64`).
fn prints_as_written(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(int)
        && (int == "0" || !int.starts_with('0'))
        && frac.is_none_or(|f| digits(f) && !f.ends_with('0'))
        && int.len() + frac.map_or(0, str::len) <= 15
}

const MISSING: [&str; 10] = ["", "na", "n/a", "nan", "null", "none", "-", "—", "?", "#n/a"];

/// A finite number (`inf`, `nan` and overflowing values are not), also with a Unicode
/// minus sign. Allocates only for the rare cell with a Unicode minus (a million cells
/// parse in tens of milliseconds).
fn parse_num(s: &str) -> Option<f64> {
    let s = s.trim();
    let v = if s.contains('\u{2212}') { s.replace('\u{2212}', "-").parse::<f64>() } else { s.parse::<f64>() };
    v.ok().filter(|v| v.is_finite())
}

fn cell_from_str(s: &str) -> Cell {
    let t = s.trim();
    if t.len() <= 4 && MISSING.iter().any(|m| t.eq_ignore_ascii_case(m)) {
        return Cell::Missing;
    }
    match parse_num(t) {
        Some(v) if prints_as_written(t) => Cell::Num(v),
        Some(v) => Cell::Written(v, t.to_string()),
        None => Cell::Text(t.to_string()),
    }
}

/// `12,5` or `-0,25` as a number written with a decimal comma (kept as written).
fn comma_number(s: &str) -> Option<Cell> {
    let t = s.trim();
    let (int, frac) = t.split_once(',')?;
    let int_ok =
        !int.trim_start_matches('-').is_empty() && int.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit());
    let frac_ok = !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit());
    (int_ok && frac_ok)
        .then(|| format!("{int}.{frac}").parse::<f64>().ok())
        .flatten()
        .map(|v| Cell::Written(v, t.to_string()))
}

/// Types a column: numeric when no cell is non-numeric text. Every cell keeps its text as
/// written (`0E0` and `0E8` are two airport codes, not the number 0 twice).
fn column(name: String, cells: Vec<Cell>) -> Column {
    let numeric = cells.iter().all(|c| !matches!(c, Cell::Text(_)));
    let as_written = |c: &Cell| match c {
        Cell::Missing => String::new(),
        Cell::Num(v) => v.to_string(),
        Cell::Written(_, s) | Cell::Text(s) => s.clone(),
    };
    if !numeric {
        return Column { name, values: Values::Text(cells.iter().map(as_written).collect()), written: None };
    }
    let written = cells.iter().any(|c| matches!(c, Cell::Written(..))).then(|| cells.iter().map(as_written).collect());
    let values = Values::Num(
        cells
            .into_iter()
            .map(|c| match c {
                Cell::Num(v) | Cell::Written(v, _) => v,
                Cell::Missing | Cell::Text(_) => f64::NAN,
            })
            .collect(),
    );
    Column { name, values, written }
}

fn check_names(names: &[String], what: &str) -> Result<(), ProviderError> {
    for (i, n) in names.iter().enumerate() {
        if n.trim().is_empty() {
            return Err(ProviderError::new(format!("{what}: column {} has no name", i + 1))
                .hint("give every column a name in the header row"));
        }
        if names[..i].contains(n) {
            return Err(ProviderError::new(format!("{what}: column name `{n}` appears twice")));
        }
    }
    Ok(())
}

/// Parses CSV (or TSV/semicolon-separated) text with a header row. `line0` is the line
/// number of the header in the user's file, for messages.
pub fn parse_csv(text: &str, line0: usize) -> Result<Table, ProviderError> {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delim =
        [b',', b'\t', b';'].into_iter().max_by_key(|d| (first.matches(*d as char).count(), *d == b',')).unwrap_or(b',');
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let err_at = |pos: Option<&csv::Position>, msg: String| {
        let line = pos.map_or(line0, |p| p.line() as usize + line0 - 1);
        ProviderError::new(format!("CSV data, line {line}: {msg}"))
    };
    let header: Vec<String> =
        rdr.headers().map_err(|e| err_at(e.position(), e.to_string()))?.iter().map(str::to_string).collect();
    if header.is_empty() || header.iter().all(|h| h.is_empty()) {
        return Err(
            ProviderError::new("CSV data is empty").hint("the first line must name the columns, e.g. `model,accuracy`")
        );
    }
    // Excel leaves empty, unnamed columns at the end of a row (`a,b,c,,`): not data.
    let named = header.iter().rposition(|h| !h.is_empty()).map_or(0, |i| i + 1);
    let header: Vec<String> = header[..named].to_vec();
    check_names(&header, "CSV data")?;
    // A semicolon-separated file is Excel's export where the comma is the decimal mark
    // (`12,5`); a cell that is a number with one decimal comma is read as that number.
    let decimal_comma = delim == b';';
    let mut cols: Vec<Vec<Cell>> = header.iter().map(|_| Vec::new()).collect();
    let mut rec = csv::StringRecord::new();
    // one record buffer for every row
    while rdr.read_record(&mut rec).map_err(|e| err_at(e.position(), e.to_string()))? {
        if rec.iter().all(str::is_empty) {
            continue;
        }
        let extra_empty = rec.len() > header.len() && rec.iter().skip(header.len()).all(str::is_empty);
        if rec.len() != header.len() && !extra_empty {
            return Err(err_at(
                rec.position(),
                format!(
                    "this row has {} fields but the header has {} ({})",
                    rec.len(),
                    header.len(),
                    header.join(", ")
                ),
            )
            .hint("quote fields that contain the separator, e.g. \"Smith, J.\""));
        }
        for (c, f) in cols.iter_mut().zip(rec.iter()) {
            c.push(match decimal_comma {
                true => comma_number(f).unwrap_or_else(|| cell_from_str(f)),
                false => cell_from_str(f),
            });
        }
    }
    Ok(Table { columns: header.into_iter().zip(cols).map(|(n, c)| column(n, c)).collect() })
}

/// A JSON value that keeps object keys in source order (column order matters).
#[derive(Debug)]
enum J {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl<'de> Deserialize<'de> for J {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<J, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = J;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<J, E> {
                Ok(J::Null)
            }
            fn visit_none<E>(self) -> Result<J, E> {
                Ok(J::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<J, E> {
                Ok(J::Bool(b))
            }
            fn visit_i64<E>(self, v: i64) -> Result<J, E> {
                Ok(J::Num(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<J, E> {
                Ok(J::Num(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<J, E> {
                Ok(J::Num(v))
            }
            fn visit_str<E>(self, s: &str) -> Result<J, E> {
                Ok(J::Str(s.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<J, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(J::Arr(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<J, A::Error> {
                let mut v: Vec<(String, J)> = Vec::new();
                while let Some((k, x)) = a.next_entry::<String, J>()? {
                    match v.iter_mut().find(|(n, _)| *n == k) {
                        Some(slot) => slot.1 = x,
                        None => v.push((k, x)),
                    }
                }
                Ok(J::Obj(v))
            }
        }
        d.deserialize_any(V)
    }
}

fn json_cell(v: &J, at: impl Fn() -> String) -> Result<Cell, ProviderError> {
    Ok(match v {
        J::Null => Cell::Missing,
        J::Num(n) => Cell::Num(*n),
        J::Bool(b) => Cell::Text(b.to_string()),
        J::Str(s) => cell_from_str(s),
        J::Arr(_) | J::Obj(_) => {
            return Err(ProviderError::new(format!(
                "JSON data, {}: expected a number or a string, found a nested list or object",
                at()
            )));
        }
    })
}

/// JSON as Python's `json.dump` and pandas write it, where a missing number is `NaN` (or
/// `Infinity`, `-Infinity`), which JSON has no word for: each such word outside a string
/// becomes `null`, a missing value. Borrowed unchanged when there is none.
fn without_nan(text: &str) -> std::borrow::Cow<'_, str> {
    const WORDS: [&str; 3] = ["-Infinity", "Infinity", "NaN"];
    if !WORDS.iter().any(|w| text.contains(w)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c == '"' {
            in_string = true;
        } else if let Some(w) = WORDS.iter().find(|w| rest.starts_with(**w)) {
            out.push_str("null");
            rest = &rest[w.len()..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    std::borrow::Cow::Owned(out)
}

/// Parses JSON records (`[{"model": "A", "acc": 0.9}, …]`, also wrapped as
/// `{"data": [records…]}`) or columns (`{"model": ["A", "B"], "acc": [0.9, 0.8]}`; keys
/// whose value is not a list, such as a `"title"`, are ignored).
pub fn parse_json(text: &str) -> Result<Table, ProviderError> {
    let text = without_nan(text);
    let j: J = serde_json::from_str(&text)
        .map_err(|e| ProviderError::new(format!("JSON data, line {} column {}: {e}", e.line(), e.column())))?;
    let shape_hint =
        "use records `[{\"model\": \"A\", \"acc\": 0.9}, …]` or columns `{\"model\": [\"A\"], \"acc\": [0.9]}`";
    // `{"data": [records…]}`: records wrapped in an object with one list of objects
    let j = match j {
        J::Obj(fields) => {
            let mut lists = fields.iter().filter(|(_, v)| matches!(v, J::Arr(_)));
            match (lists.next(), lists.next()) {
                (Some((_, J::Arr(a))), None) if !a.is_empty() && a.iter().all(|r| matches!(r, J::Obj(_))) => fields
                    .into_iter()
                    .find_map(|(_, v)| if let J::Arr(a) = v { Some(J::Arr(a)) } else { None })
                    .expect("found above"),
                _ => J::Obj(fields),
            }
        }
        other => other,
    };
    match j {
        J::Arr(rows) => {
            let mut names: Vec<String> = Vec::new();
            for (i, r) in rows.iter().enumerate() {
                let J::Obj(fields) = r else {
                    return Err(ProviderError::new(format!(
                        "JSON data, record {}: expected an object like {{\"x\": 1, \"y\": 2}}",
                        i + 1
                    ))
                    .hint(shape_hint));
                };
                for (k, _) in fields {
                    if !names.contains(k) {
                        names.push(k.clone());
                    }
                }
            }
            check_names(&names, "JSON data")?;
            let mut cols = Vec::with_capacity(names.len());
            for n in names {
                let mut cells = Vec::with_capacity(rows.len());
                for (i, r) in rows.iter().enumerate() {
                    let J::Obj(fields) = r else { unreachable!() };
                    cells.push(match fields.iter().find(|(k, _)| *k == n) {
                        Some((_, v)) => json_cell(v, || format!("record {}, field `{n}`", i + 1))?,
                        None => Cell::Missing,
                    });
                }
                cols.push(column(n, cells));
            }
            Ok(Table { columns: cols })
        }
        J::Obj(fields) => {
            let lists: Vec<(String, Vec<J>)> =
                fields.into_iter().filter_map(|(k, v)| if let J::Arr(a) = v { Some((k, a)) } else { None }).collect();
            if lists.is_empty() {
                return Err(ProviderError::new("JSON data: the object has no lists of values").hint(shape_hint));
            }
            let n = lists[0].1.len();
            if let Some((k, a)) = lists.iter().find(|(_, a)| a.len() != n) {
                return Err(ProviderError::new(format!(
                    "JSON data: column `{k}` has {} values but `{}` has {n}",
                    a.len(),
                    lists[0].0
                )));
            }
            let names: Vec<String> = lists.iter().map(|(k, _)| k.clone()).collect();
            check_names(&names, "JSON data")?;
            let mut cols = Vec::with_capacity(lists.len());
            for (k, a) in lists {
                let cells = a
                    .iter()
                    .enumerate()
                    .map(|(i, v)| json_cell(v, || format!("column `{k}`, value {}", i + 1)))
                    .collect::<Result<Vec<_>, _>>()?;
                cols.push(column(k, cells));
            }
            Ok(Table { columns: cols })
        }
        _ => Err(ProviderError::new("JSON data must be a list of records or an object of columns").hint(shape_hint)),
    }
}

fn looks_like_json(s: &str) -> bool {
    s.trim_start().starts_with(['[', '{'])
}

fn parse_sniffed(text: &str, line0: usize) -> Result<Table, ProviderError> {
    if looks_like_json(text) { parse_json(text) } else { parse_csv(text, line0) }
}

/// Whether bare body text is a data table rather than prose: at least two columns, a row,
/// the same number of fields on every line and at least one numeric column.
fn plausible_csv(t: &Table, text: &str) -> bool {
    let counts: Vec<usize> =
        text.lines().filter(|l| !l.trim().is_empty()).map(|l| l.split([',', '\t', ';']).count()).collect();
    t.columns.len() >= 2
        && t.rows() >= 1
        && counts.windows(2).all(|w| w[0] == w[1])
        && t.columns.iter().any(Column::is_num)
}

/// The intent text and the data table of a plot request.
pub fn load(req: &Request) -> Result<(String, Table), ProviderError> {
    let body = req.body.replace("\r\n", "\n");
    let split = body.lines().position(|l| l.trim_end() == "---");
    let (intent, inline, line0) = match split {
        Some(k) => {
            let lines: Vec<&str> = body.lines().collect();
            (lines[..k].join("\n"), Some(lines[k + 1..].join("\n")), k + 2)
        }
        None => (body.clone(), None, 1),
    };
    let table = match (req.files.get("data"), inline) {
        (Some(_), Some(inline)) if !inline.trim().is_empty() => {
            return Err(ProviderError::new("this plot has both a data file and inline data after `---`")
                .at_attr("data")
                .hint("remove data= or the inline data"));
        }
        (Some(f), _) => {
            let text = std::str::from_utf8(&f.bytes)
                .map_err(|e| ProviderError::new(format!("data file is not UTF-8 text: {e}")).at_attr("data"))?;
            let text = text.trim_start_matches('\u{feff}');
            let r = match f.ext.as_str() {
                "json" => parse_json(text),
                "csv" | "tsv" | "txt" => parse_csv(text, 1),
                _ => parse_sniffed(text, 1),
            };
            r.map_err(|e| e.at_attr("data"))?
        }
        (None, Some(inline)) => {
            if inline.trim().is_empty() {
                return Err(no_data().hint("put CSV or JSON after the `---` line"));
            }
            parse_sniffed(&inline, line0)?
        }
        (None, None) => {
            let whole = match looks_like_json(&body) {
                true => Some(parse_json(&body)?),
                false => parse_csv(&body, 1).ok().filter(|t| plausible_csv(t, &body)),
            };
            match whole {
                Some(t) => return finish(String::new(), t),
                None => return Err(no_data()),
            }
        }
    };
    finish(intent.trim().to_string(), table)
}

fn no_data() -> ProviderError {
    ProviderError::new("no data for this plot").hint("add data=FILE or put CSV/JSON after a line `---` in the body")
}

fn finish(intent: String, t: Table) -> Result<(String, Table), ProviderError> {
    if t.rows() == 0 {
        return Err(ProviderError::new(format!("the data has columns ({}) but no rows", t.names())));
    }
    Ok((intent, t))
}

#[cfg(test)]
#[path = "data_tests.rs"]
mod tests;
