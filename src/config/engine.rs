//! `[build] engine`: which TeX engine compiles the paper.

/// The TeX engine a paper is compiled with: the embedded one (XeTeX, linked into
/// paperfig), or one of the installed TeX's engines, run through `latexmk`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Engine {
    #[default]
    Embedded,
    Pdflatex,
    Lualatex,
    Xelatex,
}

impl Engine {
    pub const ALL: [Engine; 4] = [Engine::Embedded, Engine::Pdflatex, Engine::Lualatex, Engine::Xelatex];

    /// The name in `paperfig.toml`, on the command line and in `paperfig.lock`.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Embedded => "embedded",
            Engine::Pdflatex => "pdflatex",
            Engine::Lualatex => "lualatex",
            Engine::Xelatex => "xelatex",
        }
    }

    pub fn parse(name: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// The installed program, for the engines paperfig does not embed.
    pub fn program(self) -> Option<&'static str> {
        (self != Engine::Embedded).then(|| self.as_str())
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Engine {
    type Err = String;

    fn from_str(s: &str) -> Result<Engine, String> {
        Engine::parse(s).ok_or_else(|| format!("`{s}` is not an engine (embedded, pdflatex, lualatex, xelatex)"))
    }
}
