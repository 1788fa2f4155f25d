//! What a syntax (`markdown.rs`, `latex.rs`) hands the scanner: directives as found, before
//! checking, and where their bodies lie.

use std::ops::Range;
use std::sync::Arc;

use super::attrs::{AttrError, AttrList};
use crate::diag::{Code, Diagnostic, Loc, SourceFile};
use crate::model::Kind;

/// Where a directive's body lies in its source file, so that errors inside the body (a
/// diagram's syntax, a script's line) point at the right line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BodyOrigin {
    /// Byte offset of the start of the body's first line in the source.
    pub first_line: usize,
    /// Bytes of indentation removed from each body line.
    pub indent: usize,
}

/// A directive as a syntax found it, before checking.
pub(crate) struct RawDirective {
    pub attrs: AttrList,
    pub caption: Option<String>,
    pub body: String,
    pub span: Range<usize>,
    pub head: Range<usize>,
    /// Set for image-link extract directives (`![..](cite:key#figure=3)`).
    pub implied_kind: Option<Kind>,
    pub body_origin: BodyOrigin,
}

/// Turns an attribute-list syntax error into a diagnostic.
pub(crate) fn attr_error(file: &Arc<SourceFile>, e: AttrError) -> Diagnostic {
    Diagnostic::error(Code::Directive, e.message).at(Loc::new(file, e.span), e.label).hint(e.hint)
}
