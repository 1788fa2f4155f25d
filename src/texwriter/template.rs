//! Paper templates: the builtin `article` (one column) and `conference` (two columns) in
//! `templates/`, or a user's own `.tex` file.
//!
//! Placeholder syntax (all of it):
//! - `<<name>>` is replaced by a LaTeX fragment: `title`, `author` (names joined by
//!   `\and`, each with its affiliation and e-mail), `date`, `abstract`, `keywords`
//!   (comma-separated), `bibliography` (the `\bibliography{..}` argument) or `body`.
//!   Missing values are empty.
//! - A line starting `%?name ` is kept (without that prefix) only when `name` is not
//!   empty; e.g. `%?abstract \begin{abstract}<<abstract>>\end{abstract}`.
//! - Other comment lines (`% …`) are copied unchanged.
//!
//! A TeX line holding a value, or kept by `%?name`, maps to the Markdown line the value
//! came from (the front matter key, or the body's own lines).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::linemap::{LineMap, TexOut};
use crate::config::Trust;
use crate::diag::{Code, Diagnostic, Loc, SourceFile};

/// The builtin templates: name and text.
pub const BUILTIN: &[(&str, &str)] = &[
    ("article", include_str!("../../templates/article.tex")),
    ("conference", include_str!("../../templates/conference.tex")),
];

/// Placeholder names a template may use.
pub const NAMES: &[&str] = &["title", "author", "date", "abstract", "keywords", "bibliography", "body"];

/// A template's text and a name to report it by.
#[derive(Clone, Debug)]
pub struct Template {
    pub name: String,
    pub text: String,
    /// A user's template file, for errors located in it.
    pub file: Option<Arc<SourceFile>>,
}

/// Why a template could not be chosen.
#[derive(Debug)]
pub struct TemplateError {
    pub message: String,
    pub hint: String,
}

impl TemplateError {
    pub fn into_diagnostic(self, loc: Loc) -> Diagnostic {
        Diagnostic::error(Code::Writer, self.message).at(loc, "template chosen here").hint(self.hint)
    }
}

/// The template named in the front matter (default `article`): a builtin name, or a path
/// to a `.tex` file relative to the Markdown file (or else to the project root). Under
/// `Trust::Project` the file must be inside the project (links and `..` resolved).
pub fn resolve(name: Option<&str>, src_dir: &Path, root: &Path, trust: Trust) -> Result<Template, TemplateError> {
    let name = name.unwrap_or("article").trim();
    if let Some((n, text)) = BUILTIN.iter().find(|(n, _)| *n == name) {
        return Ok(Template { name: n.to_string(), text: text.to_string(), file: None });
    }
    let builtins: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
    let looks_like_path = name.ends_with(".tex") || name.contains('/') || name.contains('\\');
    if !looks_like_path {
        return Err(TemplateError {
            message: format!("unknown template `{name}`"),
            hint: format!("builtin templates: {}; or give the path of your own .tex template", builtins.join(", ")),
        });
    }
    let candidates = [src_dir.join(name), root.join(name)];
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        return Err(TemplateError {
            message: format!("template file `{name}` not found"),
            hint: format!("looked for {}; builtin templates: {}", candidates[0].display(), builtins.join(", ")),
        });
    };
    let inside = |p: &Path| match (p.canonicalize(), root.canonicalize()) {
        (Ok(p), Ok(r)) => p.starts_with(r),
        _ => false,
    };
    if trust == Trust::Project && !inside(path) {
        return Err(TemplateError {
            message: format!("template `{name}` is outside the project"),
            hint: "templates come from the project or the builtins, so that a paper from someone else cannot \
                   read your files; copy it into the project, or set [build] trust = \"all\" in paperfig.toml \
                   (or pass --trust-all)"
                .into(),
        });
    }
    let text = std::fs::read_to_string(path).map_err(|e| TemplateError {
        message: format!("cannot read template `{}`: {e}", path.display()),
        hint: "a template is a UTF-8 .tex file with <<body>> where the paper goes".into(),
    })?;
    let shown = crate::scan::relative_name(root, path);
    let file = Arc::new(SourceFile::new(shown.clone(), path.clone(), text.clone()));
    Ok(Template { name: shown, text, file: Some(file) })
}

/// Values for the placeholders, each with the Markdown line it came from.
#[derive(Default)]
pub struct Fields {
    values: HashMap<&'static str, (String, Option<u32>)>,
}

impl Fields {
    pub fn set(&mut self, name: &'static str, value: String, line: Option<u32>) {
        self.values.insert(name, (value, line));
    }

    fn get(&self, name: &str) -> Option<&(String, Option<u32>)> {
        self.values.get(name).filter(|(v, _)| !v.trim().is_empty())
    }
}

impl Template {
    /// The filled template and its line map; `body` keeps its own line map.
    pub(crate) fn fill(&self, fields: &Fields, body: TexOut) -> Result<(String, LineMap), Diagnostic> {
        let mut out = TexOut::default();
        let mut body = Some(body);
        for line in self.text.split_inclusive('\n') {
            let mut line = line;
            // A conditional line maps to where its value is written (so an error at
            // `\maketitle` points at the title).
            let mut line_src = None;
            if let Some(rest) = line.strip_prefix("%?") {
                let name_len = rest.find(|c: char| !c.is_ascii_alphanumeric() && c != '_').unwrap_or(rest.len());
                let name = &rest[..name_len];
                self.check_name(name)?;
                let has = if name == "body" { true } else { fields.get(name).is_some() };
                if !has {
                    continue;
                }
                line = rest[name_len..].strip_prefix(' ').unwrap_or(&rest[name_len..]);
                line_src = fields.get(name).and_then(|(_, l)| *l);
            }
            let mut rest = line;
            // Comment lines are copied as they are (they may describe the placeholders).
            let comment = rest.trim_start().starts_with('%');
            while let Some(open) = rest.find("<<").filter(|_| !comment) {
                let Some(close) = rest[open..].find(">>").map(|c| open + c) else { break };
                let name = &rest[open + 2..close];
                if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || name.is_empty() {
                    out.cur = line_src;
                    out.push(&rest[..open + 2]);
                    rest = &rest[open + 2..];
                    continue;
                }
                self.check_name(name)?;
                out.cur = line_src;
                out.push(&rest[..open]);
                if name == "body" {
                    if let Some(b) = body.take() {
                        out.append(b);
                    }
                } else if let Some((value, src_line)) = fields.get(name) {
                    out.cur = *src_line;
                    out.push(value);
                }
                rest = &rest[close + 2..];
            }
            out.cur = line_src;
            out.push(rest);
        }
        if body.is_some() {
            return Err(Diagnostic::error(
                Code::Writer,
                format!("template `{}` has no <<body>> placeholder", self.name),
            )
            .hint("put <<body>> on a line of its own where the paper's text goes"));
        }
        Ok(out.finish())
    }

    /// `name` is a slice of `self.text`.
    fn check_name(&self, name: &str) -> Result<(), Diagnostic> {
        if NAMES.contains(&name) {
            return Ok(());
        }
        let d = Diagnostic::error(
            Code::Writer,
            format!("template `{}` uses the unknown placeholder <<{name}>>", self.name),
        )
        .hint(format!("placeholders: {}", NAMES.join(", ")));
        Err(match &self.file {
            Some(file) => {
                let at = (name.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize).min(self.text.len());
                d.at(Loc::new(file, at..at + name.len()), "not a placeholder")
            }
            None => d,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(text: &str) -> Template {
        Template { name: "t.tex".into(), text: text.into(), file: None }
    }

    #[test]
    fn placeholders_and_conditional_lines() {
        let mut fields = Fields::default();
        fields.set("title", "My \\& Title".into(), Some(2));
        let mut body = TexOut::default();
        body.push_lines("Hello.\n", 7);
        let t = template(
            "\\title{<<title>>}\n%?abstract \\begin{abstract}<<abstract>>\\end{abstract}\n%?title \\maketitle\n<<body>>\n\\end{document}\n",
        );
        let (tex, map) = t.fill(&fields, body).unwrap();
        assert_eq!(tex, "\\title{My \\& Title}\n\\maketitle\nHello.\n\n\\end{document}\n");
        assert_eq!(map.markdown_line(2), Some(2), "`%?title \\maketitle` maps to the title");
        assert_eq!(map.markdown_line(1), Some(2), "a value's line maps to where the value is written");
        assert_eq!(map.markdown_line(3), Some(7));
        assert_eq!(map.markdown_line(5), None);
    }

    #[test]
    fn unknown_placeholder_and_missing_body_are_errors() {
        let e = template("<<titel>>\n<<body>>\n").fill(&Fields::default(), TexOut::default()).unwrap_err();
        assert!(e.message.contains("<<titel>>") && e.hints[0].contains("title"), "{e:?}");
        let e = template("\\begin{document}\n").fill(&Fields::default(), TexOut::default()).unwrap_err();
        assert!(e.message.contains("no <<body>>"));
    }

    #[test]
    fn unknown_placeholder_in_a_users_file_is_located() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.tex"), "\\begin{document}\n\\title{<<titel>>}\n<<body>>\n").unwrap();
        let t = resolve(Some("mine.tex"), dir.path(), dir.path(), Trust::Project).unwrap();
        let e = t.fill(&Fields::default(), TexOut::default()).unwrap_err();
        assert_eq!(e.location().unwrap(), "mine.tex:2:10");
    }

    #[test]
    fn builtin_templates_use_only_known_placeholders() {
        for (name, _) in BUILTIN {
            let t = resolve(Some(name), Path::new("/nonexistent"), Path::new("/nonexistent"), Trust::Project).unwrap();
            let (tex, _) = t.fill(&Fields::default(), TexOut::default()).unwrap();
            assert!(tex.contains("\\begin{document}") && tex.contains("\\end{document}"), "{name}");
            let unfilled = tex.lines().filter(|l| !l.trim_start().starts_with('%')).any(|l| l.contains("<<"));
            assert!(!unfilled, "{name}");
        }
    }

    #[test]
    fn unknown_template_lists_the_builtins() {
        let e = resolve(Some("ieee"), Path::new("/x"), Path::new("/x"), Trust::Project).unwrap_err();
        assert_eq!(e.message, "unknown template `ieee`");
        assert!(e.hint.contains("article, conference"));
        let e = resolve(Some("my.tex"), Path::new("/x"), Path::new("/x"), Trust::Project).unwrap_err();
        assert!(e.message.contains("not found"));
    }

    #[test]
    fn a_template_outside_the_project_needs_trust() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("p");
        std::fs::create_dir(&project).unwrap();
        let outside = dir.path().join("t.tex");
        std::fs::write(&outside, "\\documentclass{article}\n<<body>>\n").unwrap();
        let name = outside.to_str().unwrap();
        let e = resolve(Some(name), &project, &project, Trust::Project).unwrap_err();
        assert!(e.message.contains("outside the project") && e.hint.contains("trust = \"all\""), "{}", e.message);
        let e = resolve(Some("../t.tex"), &project, &project, Trust::Project).unwrap_err();
        assert!(e.message.contains("outside the project"), "{}", e.message);
        assert!(resolve(Some(name), &project, &project, Trust::All).is_ok());
    }
}
