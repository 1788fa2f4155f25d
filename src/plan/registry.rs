//! The providers of a build, built from the project's configuration: the one place that
//! knows every backend (the factories), so the backends never know the configuration.
//!
//! Built in: `plot`, `diagram`, `command` (with the `[runners]` and the probe cache in the
//! cache folder) and `extract`; then one hosted provider per `[providers.NAME]` table.

use std::path::Path;
use std::sync::Arc;

use crate::config::Config;
use crate::diag::{Code, Diagnostic};
use crate::provider::Provider;
use crate::provider::command::CommandProvider;
use crate::provider::diagram::DiagramProvider;
use crate::provider::extract::ExtractProvider;
use crate::provider::hosted::HostedProvider;
use crate::provider::hosted::drafts::DraftHost;
use crate::provider::plot::PlotProvider;
use crate::scan::Directive;

/// A provider, and the same provider as a hosted one when it is on the network (the runner
/// gives those their own threads; preflight checks their cost and account).
#[derive(Clone)]
pub struct Entry {
    pub provider: Arc<dyn Provider>,
    pub hosted: Option<Arc<HostedProvider>>,
}

/// The providers available to a build, in lookup order.
pub struct Registry {
    entries: Vec<Entry>,
}

impl Registry {
    /// Providers that run on this machine.
    pub fn new(providers: Vec<Arc<dyn Provider>>) -> Registry {
        Registry { entries: providers.into_iter().map(|provider| Entry { provider, hosted: None }).collect() }
    }

    /// Adds a provider that runs on this machine after the others of its sort, before the
    /// hosted ones (the TikZ provider, which the drivers build with the TeX engine).
    pub fn with_local(mut self, provider: Arc<dyn Provider>) -> Registry {
        let at = self.entries.iter().position(|e| e.hosted.is_some()).unwrap_or(self.entries.len());
        self.entries.insert(at, Entry { provider, hosted: None });
        self
    }

    /// Adds a hosted provider after the others.
    pub fn with_hosted(mut self, hosted: HostedProvider) -> Registry {
        let hosted = Arc::new(hosted);
        self.entries.push(Entry { provider: hosted.clone(), hosted: Some(hosted) });
        self
    }

    /// The hosted providers, in the order of their `[providers.NAME]` tables.
    pub fn hosted(&self) -> impl Iterator<Item = &HostedProvider> {
        self.entries.iter().filter_map(|e| e.hosted.as_deref())
    }

    /// Every provider, in lookup order.
    pub fn providers(&self) -> impl Iterator<Item = &dyn Provider> {
        self.entries.iter().map(|e| e.provider.as_ref())
    }

    /// The builtin providers set up with a project's configuration, then its hosted ones.
    pub fn for_config(config: &Config) -> Registry {
        let mut registry = Registry::new(builtin_providers(config));
        // Every variable holding a secret: API keys and webhook secrets.
        let secret_vars: Vec<String> = config
            .providers
            .providers
            .values()
            .flat_map(|c| {
                let hook = c.options.get("webhook_secret_env").and_then(toml::Value::as_str).map(str::to_string);
                std::iter::once(c.api_key_env.clone()).chain(hook)
            })
            .collect();
        // Drafts (`input=`) are published through the remote cache, opened on first use.
        let remote = config.remote.as_ref();
        let drafts = Arc::new(DraftHost::new(
            remote.map(|r| r.url.as_str()),
            &remote.map(|r| r.options.clone()).unwrap_or_default(),
        ));
        for cfg in config.providers.providers.values() {
            let env = Arc::new(|n: &str| std::env::var(n).ok());
            if let Some(p) = HostedProvider::new(cfg, &config.cache_dir, env) {
                registry = registry.with_hosted(p.with_secret_vars(secret_vars.clone()).with_drafts(drafts.clone()));
            }
        }
        registry
    }

    /// The builtin providers with the default configuration (no runners allowed).
    pub fn builtin() -> Registry {
        Registry::for_config(&Config::defaults(Path::new(".")))
    }

    /// The provider for a directive: its `provider=`, else the configured default for its
    /// kind, else the first provider that makes that kind.
    pub fn resolve(&self, d: &Directive, config: &Config) -> Result<Entry, Diagnostic> {
        let named = d.attr("provider").map(|a| a.value.as_str()).or(config.defaults.get(&d.kind).map(String::as_str));
        let makes = |e: &&Entry| e.provider.kinds().contains(&d.kind);
        let ids: Vec<&str> = self.entries.iter().filter(makes).map(|e| e.provider.id()).collect();
        let found = match named {
            Some(name) => self.entries.iter().filter(makes).find(|e| e.provider.id() == name),
            None => self.entries.iter().find(makes),
        };
        found.cloned().ok_or_else(|| {
            let (msg, loc) = match named {
                Some(name) => (format!("no provider `{name}` for kind `{}`", d.kind), d.attr_loc("provider")),
                None => (format!("no provider in this build makes kind `{}` figures", d.kind), d.attr_loc("kind")),
            };
            let hint = if ids.is_empty() {
                format!("kind `{}` has no provider yet; remove the figure or change its kind", d.kind)
            } else {
                format!("providers for kind `{}`: {}", d.kind, ids.join(", "))
            };
            Diagnostic::error(Code::Plan, msg).at(loc, "here").hint(hint).for_figure(&d.name)
        })
    }
}

/// The providers compiled into this build, in lookup order, set up from the project's
/// configuration (the command provider needs its runners).
fn builtin_providers(config: &Config) -> Vec<Arc<dyn Provider>> {
    vec![
        Arc::new(PlotProvider::new()),
        Arc::new(DiagramProvider::new()),
        Arc::new(CommandProvider::new(config.runners.clone()).with_probe_cache(config.cache_dir.clone())),
        Arc::new(ExtractProvider),
    ]
}
