//! The HTML paperfig puts into chapters: a `<figure>` per figure and an error box per
//! broken directive. Each is one line, so it is a raw HTML block wherever the directive was
//! (also inside list items) and no blank line can end it early.
//!
//! Images are embedded as `data:` URIs. mdBook deletes its build folder after preprocessors
//! run, so files written there are lost; files written into the book's `src` would be
//! copied, but under `mdbook serve` they are themselves a change and cost a second rebuild
//! per edit. A data URI is part of the chapter text: nothing is written where serve looks,
//! an edit costs exactly one rebuild, and the HTML has no second file that can go stale.

use crate::diag::Diagnostic;
use crate::model::Format;

/// One finished figure.
pub struct Figure<'a> {
    /// The HTML id (the directive's `#fig:…` id), if it has one.
    pub id: Option<&'a str>,
    pub number: usize,
    pub caption: Option<&'a str>,
    /// The image's alt text (a service's description), else the caption is.
    pub alt: Option<&'a str>,
    pub format: Format,
    pub bytes: &'a [u8],
    /// Shown inverted on mdBook's dark themes (see [`DARK_CSS`]).
    pub invert_on_dark: bool,
}

/// On mdBook's dark themes (coal, navy, ayu) a figure drawn black on white would be a
/// glaring white box whose lines, drawn for paper, vanish if made transparent. Inverting
/// its lightness while turning hues back (`invert` then a half turn of `hue-rotate`) gives
/// light lines and text on a dark ground in the same hues; 0.88 rather than 1 keeps the
/// ground a little lighter than the page, so the figure still reads as one object.
pub const DARK_CSS: &str = "<style>html.coal figure.paperfig-drawn img,html.navy figure.paperfig-drawn img,html.ayu figure.paperfig-drawn img{filter:invert(.88) hue-rotate(180deg)}</style>";

/// `<figure id="…" class="paperfig"><img …><figcaption>…</figcaption></figure>`
pub fn figure(f: &Figure) -> String {
    let mime = match f.format {
        Format::Svg => "image/svg+xml",
        Format::Png => "image/png",
        Format::Pdf => "application/pdf",
    };
    let id = f.id.map(|id| format!(" id=\"{}\"", escape(id))).unwrap_or_default();
    let alt = escape(f.alt.or(f.caption).unwrap_or("figure"));
    let caption = match f.caption {
        Some(c) => format!("<strong>Figure {}.</strong> {}", f.number, escape(c)),
        None => format!("<strong>Figure {}.</strong>", f.number),
    };
    let (class, style) = if f.invert_on_dark { (" paperfig-drawn", DARK_CSS) } else { ("", "") };
    format!(
        "<figure{id} class=\"paperfig{class}\">{style}<img src=\"data:{mime};base64,{}\" alt=\"{alt}\" style=\"max-width:100%\"><figcaption>{caption}</figcaption></figure>",
        base64(f.bytes)
    )
}

/// A visible box in place of a directive that failed (`fail-on-error = false`).
pub fn error_box(diags: &[Diagnostic]) -> String {
    let mut out = String::from(
        "<div class=\"paperfig-error\" role=\"alert\" style=\"border:2px solid #c62828;background:#fdecea;color:#8e0000;padding:.6em 1em;margin:1em 0;border-radius:4px\">",
    );
    for d in diags {
        out.push_str("<p><strong>paperfig error</strong>");
        if let Some(loc) = d.location() {
            out.push_str(&format!(" at <code>{}</code>", escape(&loc)));
        }
        out.push_str(&format!(": {}</p>", escape(&d.message)));
        for h in &d.hints {
            out.push_str(&format!("<p>hint: {}</p>", escape(h)));
        }
    }
    out.push_str("</div>");
    out
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn figure_is_one_line_with_id_caption_and_escaped_text() {
        let f = Figure {
            id: Some("fig:a"),
            number: 3,
            caption: Some("A < B & \"C\"\nnext"),
            alt: None,
            format: Format::Svg,
            bytes: b"<svg/>",
            invert_on_dark: false,
        };
        let html = figure(&f);
        assert!(!html.contains('\n'));
        assert!(!html.contains("<style>"), "{html}");
        let drawn = figure(&Figure { invert_on_dark: true, ..f });
        assert!(
            drawn.starts_with("<figure id=\"fig:a\" class=\"paperfig paperfig-drawn\"><style>html.coal"),
            "{drawn}"
        );
        assert!(!drawn.contains('\n'));
        assert!(html.starts_with("<figure id=\"fig:a\" class=\"paperfig\">"), "{html}");
        assert!(html.contains("src=\"data:image/svg+xml;base64,PHN2Zy8+\""), "{html}");
        assert!(
            html.contains("<figcaption><strong>Figure 3.</strong> A &lt; B &amp; &quot;C&quot; next</figcaption>"),
            "{html}"
        );
        assert!(html.contains("alt=\"A &lt; B &amp; &quot;C&quot; next\""), "the caption is the alt text: {html}");
        let described = figure(&Figure { alt: Some("A bar chart <of> \"x\""), ..f });
        assert!(described.contains("alt=\"A bar chart &lt;of&gt; &quot;x&quot;\""), "{described}");
        assert!(described.contains("<figcaption><strong>Figure 3.</strong> A &lt; B"), "{described}");
    }

    #[test]
    fn error_box_shows_location_message_and_hint() {
        let d =
            Diagnostic::error(crate::diag::Code::Directive, "unknown figure kind `pie`").hint("kind is one of: plot");
        let html = error_box(&[d]);
        assert!(!html.contains('\n'));
        assert!(html.contains("unknown figure kind `pie`") && html.contains("hint: kind is one of: plot"), "{html}");
    }
}
