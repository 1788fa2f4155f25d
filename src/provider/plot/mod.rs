//! The builtin plot provider (stub, being written).
use super::{Artifact, Kind, Provider, ProviderError, Request};

pub struct PlotProvider;
impl PlotProvider {
    pub fn new() -> PlotProvider {
        PlotProvider
    }
}
impl Provider for PlotProvider {
    fn id(&self) -> &'static str {
        "builtin"
    }
    fn version(&self) -> &'static str {
        "plot-0"
    }
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Plot]
    }
    fn generate(&self, _req: &Request) -> Result<Vec<Artifact>, ProviderError> {
        Err(ProviderError::new("not yet"))
    }
}
