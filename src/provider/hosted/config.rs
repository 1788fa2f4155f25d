//! `[providers.NAME]` in `paperfig.toml`, checked: what the shared hosted layer reads of each
//! provider's table. The table is checked against its service's spec by `services::parse`
//! (the catalogue knows the services); the services read their own extra keys from
//! `ProviderConfig::options`. `provider=NAME` on a directive, or `[defaults] KIND = "NAME"`,
//! selects one.
//!
//! ```toml
//! [providers.pb]
//! type = "paperbanana"                    # the service: paperbanana, autofigureedit, ...
//! base_url = "https://api.paperbanana.me" # default: the service's documented base URL
//! api_key_env = "PAPERBANANA_API_KEY"     # the environment variable holding the key
//! concurrency = 4                         # figures in flight at once (default per service)
//! rate_limit = 60                         # requests per minute (default: the documented limit)
//! poll_interval = 3                       # seconds between polls, within the documented range
//! timeout = 1800                          # seconds a figure may take, every wait included (default 1800)
//! retries = 6                             # retries of 5xx answers and connection errors
//! backoff = 0.5                           # seconds before the first retry (doubling, capped at 30)
//! ```
//!
//! A service may read more keys of its own (AutoFigureEdit: `model`, `resolution`); the
//! key itself never goes in this file, only the name of the variable that holds it.

use std::collections::BTreeMap;

/// One checked `[providers.NAME]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderConfig {
    /// NAME: what `provider=` says; also the provider id in keys and the lockfile.
    pub name: String,
    /// `type`: the service (`paperbanana`).
    pub service: String,
    /// Without a trailing slash.
    pub base_url: String,
    pub api_key_env: String,
    /// `None` = the service's default.
    pub concurrency: Option<usize>,
    /// Requests per minute; `None` = the service's documented limit.
    pub rate_limit: Option<u32>,
    /// Seconds; `None` = the service's documented cadence.
    pub poll_interval: Option<f64>,
    /// Seconds a figure may take, from when it starts to its image: every request and wait
    /// of the figure ends by then (`limits::Deadline`).
    pub timeout_secs: f64,
    /// Retries of 5xx answers and connection errors (default 6).
    pub retries: u32,
    /// Seconds before the first retry; doubled each time, capped at 30 s (default 0.5).
    pub backoff_secs: f64,
    /// Keys of the table the shared layer does not read, for the service.
    pub options: toml::Table,
}

/// Every configured hosted provider, by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Providers {
    pub providers: BTreeMap<String, ProviderConfig>,
}

pub const DEFAULT_TIMEOUT_SECS: f64 = 1800.0;

/// A problem in `[providers]`.
pub type ProvidersError = crate::model::TableError;
