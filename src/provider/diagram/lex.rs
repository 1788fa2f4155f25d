//! Tokens of the diagram language with their byte spans (see `lang` for the grammar).

use std::ops::Range;

use crate::model::ProviderError;

/// A read position in a token list ending in an end-of-input token; the diagram language
/// and DOT parsers both walk their tokens with it.
pub struct Cursor<T> {
    toks: Vec<(T, Range<usize>)>,
    pos: usize,
}

impl<T: Clone + PartialEq> Cursor<T> {
    /// `toks` must end with `eof`, the token `next` never moves past.
    pub fn new(toks: Vec<(T, Range<usize>)>, eof: T) -> Cursor<T> {
        let mut toks = toks;
        if toks.last().is_none_or(|t| t.0 != eof) {
            toks.push((eof, 0..0));
        }
        Cursor { toks, pos: 0 }
    }
    pub fn peek(&self) -> &T {
        &self.toks[self.pos].0
    }
    /// The token after the next one (the end token at the end).
    pub fn peek2(&self) -> &T {
        &self.toks[(self.pos + 1).min(self.toks.len() - 1)].0
    }
    pub fn span(&self) -> Range<usize> {
        self.toks[self.pos].1.clone()
    }
    pub fn next(&mut self) -> (T, Range<usize>) {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    Str(String),
    Arrow,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Eq,
    Colon,
    /// Newline or `;`.
    End,
    Eof,
}

impl Tok {
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Str(_) => "a quoted string".into(),
            Tok::Arrow => "`->`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::LBrace => "`{`".into(),
            Tok::RBrace => "`}`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Eq => "`=`".into(),
            Tok::Colon => "`:`".into(),
            Tok::End => "the end of the line".into(),
            Tok::Eof => "the end of the diagram".into(),
        }
    }
}

/// How deeply groups (subgraphs) may nest: parsing recurses once per level, and a body of
/// thousands of nested braces must fail with a message, not overflow the stack.
pub const MAX_NESTING: usize = 32;

/// The error for a group opened deeper than [`MAX_NESTING`].
pub fn too_deep(span: Range<usize>) -> ProviderError {
    let msg = format!("groups are nested more than {MAX_NESTING} deep here");
    err(msg, span, "a diagram this deep cannot be drawn legibly; flatten the groups")
}

pub fn err(msg: impl Into<String>, span: Range<usize>, hint: &str) -> ProviderError {
    ProviderError::new(msg).at_body(span).hint(hint)
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

pub fn lex(src: &str) -> Result<Vec<(Tok, Range<usize>)>, ProviderError> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = src[i..].chars().next().unwrap();
        let start = i;
        let single = |t: Tok| (t, start..start + 1);
        match c {
            '\n' | ';' => {
                out.push(single(Tok::End));
                i += 1;
            }
            c if c.is_whitespace() => i += c.len_utf8(),
            '#' => i = src[i..].find('\n').map_or(b.len(), |n| i + n),
            '/' if b.get(i + 1) == Some(&b'/') => i = src[i..].find('\n').map_or(b.len(), |n| i + n),
            '-' if b.get(i + 1) == Some(&b'>') => {
                out.push((Tok::Arrow, i..i + 2));
                i += 2;
            }
            '[' | ']' | '{' | '}' | ',' | '=' | ':' => {
                let t = match c {
                    '[' => Tok::LBracket,
                    ']' => Tok::RBracket,
                    '{' => Tok::LBrace,
                    '}' => Tok::RBrace,
                    ',' => Tok::Comma,
                    '=' => Tok::Eq,
                    _ => Tok::Colon,
                };
                out.push(single(t));
                i += 1;
            }
            '"' => {
                let mut s = String::new();
                let mut j = i + 1;
                loop {
                    let Some(ch) = src[j..].chars().next() else {
                        return Err(err("unterminated string", start..b.len(), "close the label with `\"`"));
                    };
                    match ch {
                        '"' => break,
                        '\n' => {
                            return Err(err(
                                "unterminated string",
                                start..j,
                                "close the label with `\"` on the same line; write `\\n` for a line break",
                            ));
                        }
                        '\\' => {
                            let next = src[j + 1..].chars().next();
                            match next {
                                Some('n') => s.push('\n'),
                                Some('"') => s.push('"'),
                                Some('\\') => s.push('\\'),
                                _ => {
                                    return Err(err(
                                        "unknown escape in string",
                                        j..j + 1 + next.map_or(0, char::len_utf8),
                                        "use `\\n` (line break), `\\\"` or `\\\\`",
                                    ));
                                }
                            }
                            j += 1 + next.map_or(0, char::len_utf8);
                            continue;
                        }
                        ch => s.push(ch),
                    }
                    j += ch.len_utf8();
                }
                out.push((Tok::Str(s), start..j + 1));
                i = j + 1;
            }
            c if is_ident(c) => {
                let end = src[i..].find(|c: char| !is_ident(c)).map_or(b.len(), |n| i + n);
                out.push((Tok::Ident(src[i..end].to_string()), i..end));
                i = end;
            }
            c => {
                return Err(err(
                    format!("unexpected character `{c}`"),
                    i..i + c.len_utf8(),
                    "statements are `node ID \"Label\" [...]`, `A -> B \"label\" [...]`, `group ID \"Title\" { ... }` or `direction: right`",
                ));
            }
        }
    }
    out.push((Tok::Eof, b.len()..b.len()));
    Ok(out)
}
