//! What a `provider=papermill` directive asks for: the PDF (`pdf=path`, `path.pdf#figure=N`
//! or `cite:KEY#figure=N`, whose contents the planner puts in `Request::files["pdf"]`) and
//! the 1-based figure number `figure=N`.

use crate::model::{InputFile, ProviderError, Request};

/// Attributes Papermill reads (besides the file attribute `pdf`; see `Provider::attrs`).
pub const OWN_ATTRS: &[&str] = &["figure", "cite"];

/// The checked figure number and PDF of a request.
pub fn figure_and_pdf(req: &Request) -> Result<(u32, &InputFile), ProviderError> {
    let raw = req.attr("figure").unwrap_or("");
    let n = match raw.trim().parse::<u32>() {
        Ok(n) if n >= 1 => n,
        _ => {
            return Err(ProviderError::new(format!("figure number `{raw}` is not a whole number from 1"))
                .at_attr("figure")
                .hint("Papermill numbers the figures of a document 1, 2, 3, … in reading order"));
        }
    };
    let pdf = req.files.get("pdf").ok_or_else(|| {
        ProviderError::new("no PDF to extract from")
            .at_attr(if req.attr("cite").is_some() { "cite" } else { "figure" })
            .hint("give the document as pdf=path/to.pdf or ![caption](path/to.pdf#figure=N)")
    })?;
    if !pdf.bytes.starts_with(b"%PDF-") {
        return Err(ProviderError::new("the pdf file is not a PDF (it does not start with %PDF-)").at_attr("pdf"));
    }
    Ok((n, pdf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, OutputSpec};
    use std::collections::BTreeMap;

    fn req(attrs: &[(&str, &str)], pdf: Option<&[u8]>) -> Request {
        Request {
            kind: Kind::Extract,
            provider: "papermill".into(),
            provider_version: "t".into(),
            attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: String::new(),
            files: pdf.map(|b| ("pdf".to_string(), InputFile::new("pdf", b.to_vec()))).into_iter().collect(),
            extra: BTreeMap::new(),
            output: OutputSpec { formats: vec![], width_in: 3.3, height_in: 2.0, png_dpi: 96.0 },
        }
    }

    #[test]
    fn figure_number_and_pdf_are_checked() {
        let ok = req(&[("figure", "3")], Some(b"%PDF-1.7"));
        assert_eq!(figure_and_pdf(&ok).unwrap().0, 3);
        for bad in ["0", "-1", "two", ""] {
            let e = figure_and_pdf(&req(&[("figure", bad)], Some(b"%PDF-1.7"))).unwrap_err();
            assert_eq!(e.attr.as_deref(), Some("figure"), "{bad}");
        }
        let e = figure_and_pdf(&req(&[("figure", "1")], Some(b"hello"))).unwrap_err();
        assert_eq!(e.attr.as_deref(), Some("pdf"));
        let e = figure_and_pdf(&req(&[("figure", "1"), ("cite", "k")], None)).unwrap_err();
        assert_eq!(e.attr.as_deref(), Some("cite"));
    }
}
