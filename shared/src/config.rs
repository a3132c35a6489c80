//! Typed configuration read once from the environment (and `.env` in
//! development), validated at start so a bad value fails the boot, not a request.

use std::{env, net::SocketAddr, str::FromStr};

use crate::secret::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// What every process needs: where the database is.
#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    /// DATABASE_URL: every query; a PgBouncer in transaction mode may sit
    /// in front of it when DATABASE_POOL_MODE says so.
    pub database_url: Secret<String>,
    pub database_max_connections: u32,
    /// METRICS_TOKEN: when set, `/metrics` (api and worker) answers only a
    /// scrape that sends `Authorization: Bearer <token>`.
    pub metrics_token: Option<Secret<String>>,
    /// DATABASE_POOL_MODE: what stands between DATABASE_URL and PostgreSQL.
    pub database_pool_mode: PoolMode,
    /// DATABASE_DIRECT_URL: a real PostgreSQL session, for what needs one
    /// (LISTEN, session advisory locks). None: DATABASE_URL serves both.
    pub database_direct_url: Option<Secret<String>>,
}

/// How DATABASE_URL's connections map to PostgreSQL sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolMode {
    /// `session` (default): each connection is one PostgreSQL session, as
    /// when connecting directly or through PgBouncer in session mode.
    Session,
    /// `transaction`: PgBouncer (or alike) in transaction mode; only a
    /// transaction keeps its server connection, so no statement is cached
    /// and LISTEN goes to DATABASE_DIRECT_URL.
    Transaction,
}

/// What the api needs on top: where to listen and how to sign tokens.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub listen_addr: SocketAddr,
    pub jwt_secret: Secret<String>,
    pub jwt_expires_minutes: i64,
    pub refresh_expires_days: i64,
    /// API_BODY_TIMEOUT_SECS: a client's time to send its whole body.
    pub body_timeout: std::time::Duration,
    /// API_REQUEST_TIMEOUT_SECS: a handler's time to answer.
    pub request_timeout: std::time::Duration,
    /// API_SCHOOL_CONCURRENCY: one school's tenant requests at once.
    pub school_concurrency: usize,
    /// API_SCHOOL_WAIT_MS: how long a request waits for its school's place.
    pub school_wait: std::time::Duration,
    /// CORS_ALLOWED_ORIGINS: browser origins allowed to call the api,
    /// comma-separated (`https://app.example.ac.ke`); none by default.
    pub cors_origins: Vec<String>,
    /// API_ADDRESS_CONCURRENCY: sign-ins from one address at once.
    pub address_concurrency: usize,
    /// API_TRUST_FORWARDED_FOR: behind a proxy, read the client's address
    /// from the last X-Forwarded-For hop.
    pub trust_forwarded_for: bool,
    /// API_EVENTS_RECHECK_SECS: how often an open event stream re-checks
    /// its subscriber's membership (1 to 60; a removed member's streams
    /// end within this).
    pub events_recheck: std::time::Duration,
}

/// Where email goes: an SMTP server, or (development default, with no
/// SMTP_URL) .eml files in a folder.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub smtp_url: Option<Secret<String>>,
    pub from: String,
    pub dir: std::path::PathBuf,
}

impl MailConfig {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let smtp_url = get("SMTP_URL").filter(|v| !v.trim().is_empty());
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(ConfigError(
                "SMTP_URL must start with smtp:// or smtps://".into(),
            ));
        }
        let from = get("MAIL_FROM")
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "SchoolOps <no-reply@schoolops.local>".into());
        if !from.contains('@') {
            return Err(ConfigError(format!("MAIL_FROM {from:?} is not an address")));
        }
        Ok(Self {
            smtp_url: smtp_url.map(Secret::new),
            from,
            dir: get("MAIL_DIR")
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| ".data/mail".into())
                .into(),
        })
    }
}

impl crate::ollama::OllamaConfig {
    /// OLLAMA_BASE_URL (default http://127.0.0.1:11434), OLLAMA_MODEL
    /// (default smollm2:135m) and the three waits, in seconds:
    /// OLLAMA_CONNECT_TIMEOUT (3), OLLAMA_FIRST_BYTE_TIMEOUT (120, a cold
    /// model loads first) and OLLAMA_IDLE_TIMEOUT (30, between chunks);
    /// OLLAMA_TOOLS (on or off, default off) offers the known requests as
    /// tools to a model that reports the capability.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let base_url = get("OLLAMA_BASE_URL")
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "http://127.0.0.1:11434".into());
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ConfigError(
                "OLLAMA_BASE_URL must start with http:// or https://".into(),
            ));
        }
        let model = get("OLLAMA_MODEL")
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "smollm2:135m".into());
        let mut config = Self::new(base_url, model);
        let seconds = |key: &str, default: u64| -> Result<std::time::Duration, ConfigError> {
            let value: u64 = parsed(&get, key, default)?;
            if !(1..=3600).contains(&value) {
                return Err(ConfigError(format!("{key} must be 1 to 3600 seconds")));
            }
            Ok(std::time::Duration::from_secs(value))
        };
        config.connect_timeout = seconds("OLLAMA_CONNECT_TIMEOUT", 3)?;
        config.first_byte_timeout = seconds("OLLAMA_FIRST_BYTE_TIMEOUT", 120)?;
        config.idle_timeout = seconds("OLLAMA_IDLE_TIMEOUT", 30)?;
        config.offer_tools = match get("OLLAMA_TOOLS").as_deref().map(str::trim) {
            Some("on" | "true" | "1") => true,
            None | Some("" | "off" | "false" | "0") => false,
            Some(other) => {
                return Err(ConfigError(format!(
                    "OLLAMA_TOOLS must be on or off, got {other:?}"
                )));
            }
        };
        Ok(config)
    }
}

/// Reads `.env` once when present (development); the process environment wins.
pub fn load_dotenv() {
    let _ = dotenvy::dotenv();
}

pub fn env_lookup(key: &str) -> Option<String> {
    env::var(key).ok()
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let environment = match get("ENV").as_deref().unwrap_or("development") {
            "production" => Environment::Production,
            "development" | "dev" | "test" => Environment::Development,
            other => {
                return Err(ConfigError(format!(
                    "ENV must be development or production, got {other:?}"
                )));
            }
        };
        // Each process that signs or checks tokens refuses a weak secret in
        // production; the worker has none to check unless it is given one.
        if environment == Environment::Production
            && let Some(secret) = get("JWT_SECRET")
            && let Some(why) = crate::secret::weakness(&secret)
        {
            return Err(ConfigError(format!(
                "JWT_SECRET {why}: with ENV=production set a secret of your own"
            )));
        }
        let database_url = postgres_url("DATABASE_URL", required(&get, "DATABASE_URL")?)?;
        let database_direct_url = get("DATABASE_DIRECT_URL")
            .filter(|v| !v.trim().is_empty())
            .map(|url| postgres_url("DATABASE_DIRECT_URL", url))
            .transpose()?;
        let database_pool_mode = match get("DATABASE_POOL_MODE").as_deref().map(str::trim) {
            None | Some("" | "session") => PoolMode::Session,
            Some("transaction") => PoolMode::Transaction,
            Some(other) => {
                return Err(ConfigError(format!(
                    "DATABASE_POOL_MODE must be session or transaction, got {other:?}"
                )));
            }
        };
        // LISTEN through a transaction pooler hears nothing: say so at start.
        if database_pool_mode == PoolMode::Transaction && database_direct_url.is_none() {
            return Err(ConfigError(
                "DATABASE_POOL_MODE=transaction needs DATABASE_DIRECT_URL, a direct \
                 PostgreSQL URL for LISTEN and session locks"
                    .into(),
            ));
        }
        let metrics_token = get("METRICS_TOKEN").filter(|token| !token.is_empty());
        if let Some(token) = &metrics_token
            && token.len() < 16
        {
            return Err(ConfigError(
                "METRICS_TOKEN must be at least 16 characters (or unset)".into(),
            ));
        }
        Ok(Self {
            environment,
            database_url,
            database_max_connections: parsed(&get, "DATABASE_MAX_CONNECTIONS", 10)?,
            metrics_token: metrics_token.map(Secret::new),
            database_pool_mode,
            database_direct_url,
        })
    }
}

impl ApiConfig {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let jwt_secret = required(&get, "JWT_SECRET")?;
        if jwt_secret.len() < 32 {
            return Err(ConfigError("JWT_SECRET must be at least 32 bytes".into()));
        }
        let port: u16 = parsed(&get, "PORT", 8000)?;
        // Loopback unless told otherwise: a development api is not on the network.
        let host: std::net::IpAddr = parsed(&get, "HOST", std::net::Ipv4Addr::LOCALHOST.into())?;
        let jwt_expires_minutes: i64 = parsed(&get, "JWT_EXPIRES_MINUTES", 60)?;
        let refresh_expires_days: i64 = parsed(&get, "REFRESH_EXPIRES_DAYS", 7)?;
        if !(1..=24 * 60).contains(&jwt_expires_minutes) {
            return Err(ConfigError(
                "JWT_EXPIRES_MINUTES must be between 1 and 1440".into(),
            ));
        }
        if !(1..=90).contains(&refresh_expires_days) {
            return Err(ConfigError(
                "REFRESH_EXPIRES_DAYS must be between 1 and 90".into(),
            ));
        }
        let body_timeout_secs: u64 = parsed(&get, "API_BODY_TIMEOUT_SECS", 10)?;
        let request_timeout_secs: u64 = parsed(&get, "API_REQUEST_TIMEOUT_SECS", 75)?;
        let school_concurrency: usize = parsed(&get, "API_SCHOOL_CONCURRENCY", 5)?;
        let school_wait_ms: u64 = parsed(&get, "API_SCHOOL_WAIT_MS", 5000)?;
        if !(1..=300).contains(&body_timeout_secs) || !(1..=3600).contains(&request_timeout_secs) {
            return Err(ConfigError(
                "API_BODY_TIMEOUT_SECS must be 1 to 300 and API_REQUEST_TIMEOUT_SECS 1 to 3600"
                    .into(),
            ));
        }
        let cors_origins: Vec<String> = get("CORS_ALLOWED_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|origin| origin.trim().trim_end_matches('/').to_string())
            .filter(|origin| !origin.is_empty())
            .collect();
        if let Some(bad) = cors_origins.iter().find(|origin| {
            !(origin.starts_with("http://") || origin.starts_with("https://"))
                || origin.contains('*')
                || origin[8..].contains('/')
        }) {
            return Err(ConfigError(format!(
                "CORS_ALLOWED_ORIGINS: {bad:?} is not an origin like https://app.example.ac.ke"
            )));
        }
        let events_recheck_secs: u64 = parsed(&get, "API_EVENTS_RECHECK_SECS", 30)?;
        if !(1..=60).contains(&events_recheck_secs) {
            return Err(ConfigError(
                "API_EVENTS_RECHECK_SECS must be 1 to 60: a removed member's streams end within it"
                    .into(),
            ));
        }
        if school_concurrency == 0 {
            return Err(ConfigError(
                "API_SCHOOL_CONCURRENCY must be at least 1".into(),
            ));
        }
        Ok(Self {
            listen_addr: SocketAddr::new(host, port),
            jwt_secret: Secret::new(jwt_secret),
            jwt_expires_minutes,
            refresh_expires_days,
            body_timeout: std::time::Duration::from_secs(body_timeout_secs),
            request_timeout: std::time::Duration::from_secs(request_timeout_secs),
            school_concurrency,
            school_wait: std::time::Duration::from_millis(school_wait_ms),
            cors_origins,
            address_concurrency: parsed(&get, "API_ADDRESS_CONCURRENCY", 4usize)?.max(1),
            trust_forwarded_for: parsed(&get, "API_TRUST_FORWARDED_FOR", false)?,
            events_recheck: std::time::Duration::from_secs(events_recheck_secs),
        })
    }
}

fn postgres_url(key: &str, url: String) -> Result<Secret<String>, ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Secret::new(url))
    } else {
        Err(ConfigError(format!("{key} must be a postgres:// URL")))
    }
}

fn required(get: &impl Fn(&str) -> Option<String>, key: &str) -> Result<String, ConfigError> {
    match get(key) {
        Some(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(ConfigError(format!("{key} is required (see .env.example)"))),
    }
}

fn parsed<T: FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: T,
) -> Result<T, ConfigError> {
    match get(key) {
        None => Ok(default),
        Some(raw) if raw.trim().is_empty() => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("{key} has an invalid value {raw:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |key| map.get(key).cloned()
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn defaults_apply_when_only_required_values_are_given() {
        let env = lookup(&[("DATABASE_URL", "postgres://a@b/c"), ("JWT_SECRET", SECRET)]);
        let config = Config::from_lookup(&env).unwrap();
        let api = ApiConfig::from_lookup(&env).unwrap();
        assert_eq!(api.listen_addr.port(), 8000);
        assert_eq!(api.jwt_expires_minutes, 60);
        assert_eq!(api.refresh_expires_days, 7);
        assert_eq!(config.environment, Environment::Development);
    }

    #[test]
    fn short_jwt_secret_is_refused_with_a_clear_message() {
        let err = ApiConfig::from_lookup(lookup(&[("JWT_SECRET", "short")])).unwrap_err();
        assert!(
            err.to_string()
                .contains("JWT_SECRET must be at least 32 bytes")
        );
    }

    #[test]
    fn missing_database_url_names_the_variable() {
        let err = Config::from_lookup(lookup(&[("JWT_SECRET", SECRET)])).unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL is required"));
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let env = lookup(&[
            ("DATABASE_URL", "postgres://app:pw@b/c"),
            ("JWT_SECRET", SECRET),
        ]);
        let shown = format!(
            "{:?} {:?}",
            Config::from_lookup(&env).unwrap(),
            ApiConfig::from_lookup(&env).unwrap()
        );
        assert!(!shown.contains(SECRET) && !shown.contains("pw@"));
    }

    #[test]
    fn production_refuses_a_published_or_weak_jwt_secret() {
        for weak in [
            "change-me-to-a-long-random-string-of-at-least-32-bytes",
            "dev-only-jwt-secret-change-me-0123456789abcdef",
            SECRET,
        ] {
            let pairs = [
                ("ENV", "production"),
                ("DATABASE_URL", "postgres://a@b/c"),
                ("JWT_SECRET", weak),
            ];
            let env = lookup(&pairs);
            let err = Config::from_lookup(&env).unwrap_err().to_string();
            assert!(err.contains("JWT_SECRET") && !err.contains(weak), "{err}");
        }
        let strong = lookup(&[
            ("ENV", "production"),
            ("DATABASE_URL", "postgres://a@b/c"),
            (
                "JWT_SECRET",
                "q8Jx0mZ3vR7tYk2LwP9sN4bH6cF1dG5eA0uI3oE7yT8rW2qX5zV9nM4lK6jB1hC3",
            ),
        ]);
        assert!(Config::from_lookup(&strong).is_ok());
        // Development keeps working with the example secret.
        let dev = lookup(&[("DATABASE_URL", "postgres://a@b/c"), ("JWT_SECRET", SECRET)]);
        assert!(Config::from_lookup(&dev).is_ok());
    }

    #[test]
    fn the_api_listens_on_loopback_unless_host_says_otherwise() {
        let api = ApiConfig::from_lookup(lookup(&[("JWT_SECRET", SECRET)])).unwrap();
        assert!(api.listen_addr.ip().is_loopback());
        let api =
            ApiConfig::from_lookup(lookup(&[("JWT_SECRET", SECRET), ("HOST", "0.0.0.0")])).unwrap();
        assert!(api.listen_addr.ip().is_unspecified());
    }

    #[test]
    fn transaction_pooling_needs_a_direct_url_and_session_is_the_default() {
        let plain = lookup(&[("DATABASE_URL", "postgres://a@b/c")]);
        let config = Config::from_lookup(&plain).unwrap();
        assert_eq!(config.database_pool_mode, PoolMode::Session);
        assert!(config.database_direct_url.is_none());

        let pooled = [
            ("DATABASE_URL", "postgres://app:pw@bouncer:6432/c"),
            ("DATABASE_POOL_MODE", "transaction"),
        ];
        let err = Config::from_lookup(lookup(&pooled)).unwrap_err();
        assert!(err.to_string().contains("DATABASE_DIRECT_URL"), "{err}");

        let direct = [
            pooled[0],
            pooled[1],
            ("DATABASE_DIRECT_URL", "postgres://app:pw@pg/c"),
        ];
        let config = Config::from_lookup(lookup(&direct)).unwrap();
        assert_eq!(config.database_pool_mode, PoolMode::Transaction);
        assert!(config.database_direct_url.is_some());

        let typo = [pooled[0], ("DATABASE_POOL_MODE", "transactions")];
        let err = Config::from_lookup(lookup(&typo)).unwrap_err();
        assert!(err.to_string().contains("session or transaction"), "{err}");
    }

    #[test]
    fn invalid_port_is_refused() {
        let err = ApiConfig::from_lookup(lookup(&[("JWT_SECRET", SECRET), ("PORT", "eighty")]))
            .unwrap_err();
        assert!(err.to_string().contains("PORT"));
    }
}
