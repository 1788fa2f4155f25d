//! The catalogue: every service compiled in, by the name `[providers.X] type = "…"` gives it,
//! and the check of `[providers]` tables against their service's spec.

use serde::Deserialize;

use super::config::{DEFAULT_TIMEOUT_SECS, ProviderConfig, Providers, ProvidersError};
use super::service::ServiceSpec;
use super::{autofigureedit, banana, paperbanana, papermill};

/// Every service compiled in.
pub static SERVICES: &[&ServiceSpec] = &[&paperbanana::SPEC, &autofigureedit::SPEC, &banana::SPEC, &papermill::SPEC];

/// The spec of service `name` (`type = "name"`).
pub fn spec(name: &str) -> Option<&'static ServiceSpec> {
    SERVICES.iter().copied().find(|s| s.service == name)
}

/// Names of every service, for hints.
pub fn service_names() -> Vec<&'static str> {
    SERVICES.iter().map(|s| s.service).collect()
}

#[derive(Debug, Deserialize)]
struct RawProvider {
    #[serde(rename = "type")]
    service: Option<String>,
    base_url: Option<String>,
    api_key_env: Option<String>,
    api_key: Option<toml::Value>,
    concurrency: Option<i64>,
    rate_limit: Option<i64>,
    poll_interval: Option<f64>,
    timeout: Option<f64>,
    retries: Option<i64>,
    backoff: Option<f64>,
    #[serde(flatten)]
    options: toml::Table,
}

fn err(key: &str, message: String, hint: &str) -> ProvidersError {
    ProvidersError::new(key, message, hint)
}

/// Provider ids of the builtin providers; a hosted provider may not take them.
const RESERVED_NAMES: &[&str] = &["builtin", "command"];

/// Checks the `[providers]` table (absent = none).
pub fn parse(table: Option<&toml::Table>) -> Result<Providers, ProvidersError> {
    let mut out = Providers::default();
    let Some(table) = table else { return Ok(out) };
    for (name, value) in table {
        let cfg = parse_one(name, value).map_err(|e| e.within(name))?;
        out.providers.insert(name.clone(), cfg);
    }
    Ok(out)
}

/// Checks one provider's table.
fn parse_one(name: &str, value: &toml::Value) -> Result<ProviderConfig, ProvidersError> {
    if name.is_empty()
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        || RESERVED_NAMES.contains(&name)
    {
        return Err(err(
            name,
            format!("`{name}` cannot name a provider"),
            "use letters, digits, - and _, other than builtin and command",
        ));
    }
    let raw: RawProvider = value.clone().try_into().map_err(|e: toml::de::Error| {
        err(name, format!("invalid provider `{name}`: {}", e.message()), "see the guide's providers chapter")
    })?;
    if raw.api_key.is_some() {
        return Err(err(
            "api_key",
            format!("provider `{name}`: API keys never go in paperfig.toml"),
            "put the key in an environment variable and name it with api_key_env = \"VAR\"",
        ));
    }
    let services = service_names();
    let service = raw.service.ok_or_else(|| {
        err(name, format!("provider `{name}` has no `type`"), &format!("type is one of {}", services.join(", ")))
    })?;
    let Some(spec) = spec(&service) else {
        return Err(err(
            "type",
            format!("provider `{name}`: unknown type `{service}`"),
            &format!("type is one of {}", services.join(", ")),
        ));
    };
    let base_url = raw.base_url.unwrap_or_else(|| spec.default_base_url.to_string());
    let base_url = base_url.trim_end_matches('/').to_string();
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) || base_url.contains(char::is_whitespace)
    {
        return Err(err(
            "base_url",
            format!("provider `{name}`: base_url `{base_url}` is not an http(s) URL"),
            &format!("e.g. base_url = \"{}\"", spec.default_base_url),
        ));
    }
    let api_key_env = raw.api_key_env.ok_or_else(|| {
        err(
            name,
            format!("provider `{name}` has no `api_key_env`"),
            "name the environment variable that holds the key, e.g. api_key_env = \"PAPERBANANA_API_KEY\"",
        )
    })?;
    if api_key_env.is_empty()
        || api_key_env.starts_with(|c: char| c.is_ascii_digit())
        || !api_key_env.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(err(
            "api_key_env",
            format!("provider `{name}`: `{api_key_env}` is not an environment variable name"),
            "use letters, digits and _ (the name of the variable, not the key)",
        ));
    }
    let concurrency = match raw.concurrency {
        None => None,
        Some(n @ 1..=256) => Some(n as usize),
        Some(n) => {
            return Err(err(
                "concurrency",
                format!("provider `{name}`: concurrency = {n} is out of range"),
                "give 1 to 256 figures in flight",
            ));
        }
    };
    let rate_limit = match raw.rate_limit {
        None => None,
        Some(n @ 1..=100_000) => Some(n as u32),
        Some(n) => {
            return Err(err(
                "rate_limit",
                format!("provider `{name}`: rate_limit = {n} is out of range"),
                "give requests per minute, at least 1",
            ));
        }
    };
    if let Some(p) = raw.poll_interval {
        let c = spec.doc.poll;
        if !(p.is_finite() && p >= c.min_secs && p <= c.max_secs) {
            return Err(err(
                "poll_interval",
                format!("provider `{name}`: poll_interval = {p} is outside what {service} allows"),
                &format!("{service} documents polling every {} to {} seconds", c.min_secs, c.max_secs),
            ));
        }
    }
    let timeout_secs = raw.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS);
    if !(timeout_secs > 0.0 && timeout_secs <= 86_400.0) {
        return Err(err(
            "timeout",
            format!("provider `{name}`: timeout = {timeout_secs} is out of range"),
            "give seconds, up to 86400",
        ));
    }
    let retries = match raw.retries {
        None => 6,
        Some(n @ 0..=20) => n as u32,
        Some(n) => {
            return Err(err("retries", format!("provider `{name}`: retries = {n} is out of range"), "give 0 to 20"));
        }
    };
    let backoff_secs = raw.backoff.unwrap_or(0.5);
    if !(backoff_secs.is_finite() && backoff_secs > 0.0 && backoff_secs <= 30.0) {
        return Err(err(
            "backoff",
            format!("provider `{name}`: backoff = {backoff_secs} is out of range"),
            "give seconds before the first retry, up to 30",
        ));
    }
    if let Some(bad) = raw.options.keys().find(|k| !spec.options.contains(&k.as_str())) {
        let mut known = vec![
            "type",
            "base_url",
            "api_key_env",
            "concurrency",
            "rate_limit",
            "poll_interval",
            "timeout",
            "retries",
            "backoff",
        ];
        known.extend(spec.options.iter().copied());
        return Err(err(
            bad,
            format!("provider `{name}`: unknown key `{bad}` for type {service}"),
            &format!("keys are {}", known.join(", ")),
        ));
    }
    let cfg = ProviderConfig {
        name: name.to_string(),
        service,
        base_url,
        api_key_env,
        concurrency,
        rate_limit,
        poll_interval: raw.poll_interval,
        timeout_secs,
        retries,
        backoff_secs,
        options: raw.options,
    };
    (spec.check)(&cfg).map_err(|(key, message, hint)| err(key, format!("provider `{name}`: {message}"), hint))?;
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Providers, ProvidersError> {
        let t: toml::Table = toml::from_str(text).unwrap();
        super::parse(t.get("providers").and_then(|v| v.as_table()))
    }

    #[test]
    fn reads_a_provider_with_defaults() {
        let p = parse("[providers.pb]\ntype = \"paperbanana\"\napi_key_env = \"PB_KEY\"\n").unwrap();
        let pb = &p.providers["pb"];
        assert_eq!(pb.service, "paperbanana");
        assert_eq!(pb.base_url, "https://api.paperbanana.me");
        assert_eq!(pb.api_key_env, "PB_KEY");
        assert_eq!((pb.concurrency, pb.rate_limit, pb.poll_interval), (None, None, None));
        let p = parse(
            "[providers.afe]\ntype = \"autofigureedit\"\nbase_url = \"http://127.0.0.1:9/api/v1/\"\napi_key_env = \"K\"\nconcurrency = 3\nrate_limit = 30\npoll_interval = 0.5\n",
        )
        .unwrap();
        let afe = &p.providers["afe"];
        assert_eq!(afe.base_url, "http://127.0.0.1:9/api/v1");
        assert_eq!((afe.concurrency, afe.rate_limit, afe.poll_interval), (Some(3), Some(30), Some(0.5)));
    }

    #[test]
    fn bad_tables_name_their_key() {
        let cases = [
            ("[providers.pb]\ntype = \"paperbanana\"\napi_key = \"pb_secret\"\n", "api_key"),
            ("[providers.pb]\ntype = \"nope\"\napi_key_env = \"K\"\n", "type"),
            ("[providers.pb]\napi_key_env = \"K\"\n", "pb"),
            ("[providers.pb]\ntype = \"paperbanana\"\n", "pb"),
            ("[providers.pb]\ntype = \"paperbanana\"\napi_key_env = \"pb_123-abc\"\n", "api_key_env"),
            ("[providers.pb]\ntype = \"paperbanana\"\napi_key_env = \"K\"\nbase_url = \"ftp://x\"\n", "base_url"),
            ("[providers.pb]\ntype = \"paperbanana\"\napi_key_env = \"K\"\nconcurrency = 0\n", "concurrency"),
            ("[providers.pb]\ntype = \"paperbanana\"\napi_key_env = \"K\"\nrate_limit = -1\n", "rate_limit"),
            ("[providers.pb]\ntype = \"paperbanana\"\napi_key_env = \"K\"\npoll_interval = 1\n", "poll_interval"),
            ("[providers.pb]\ntype = \"paperbanana\"\napi_key_env = \"K\"\ntimeout = 0\n", "timeout"),
            ("[providers.pb]\ntype = \"paperbanana\"\napi_key_env = \"K\"\nmodle = \"x\"\n", "modle"),
            ("[providers.builtin]\ntype = \"paperbanana\"\napi_key_env = \"K\"\n", "builtin"),
        ];
        for (text, key) in cases {
            let e = parse(text).err().unwrap_or_else(|| panic!("{text} accepted"));
            assert_eq!(e.key, key, "{text}: {}", e.message);
        }
    }

    #[test]
    fn the_key_value_never_appears_in_errors() {
        let e = parse("[providers.pb]\ntype = \"paperbanana\"\napi_key = \"pb_secret_123\"\n").unwrap_err();
        assert!(!e.message.contains("pb_secret_123") && !e.hint.contains("pb_secret_123"));
    }
}
