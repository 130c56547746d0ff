//! Turning the `data_provider` configuration into a connected engine.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use wharf_config::DataProviderConfig;

use crate::backend::Backend;
use crate::backend::kv::KvBackend;
use crate::backend::memory::MemoryBackend;
use crate::backend::sql::{Dialect, SqlBackend, SqlOptions};
use crate::error::StoreError;

/// The six drivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// Embedded SQLite file (the default).
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// CockroachDB.
    Cockroach,
    /// MySQL or MariaDB.
    MySql,
    /// Embedded key-value file (redb), single process.
    Bolt,
    /// In memory, optionally filled from a dump file.
    Memory,
}

impl Driver {
    /// Parses the `data_provider.driver` value.
    pub fn parse(name: &str) -> Result<Self, StoreError> {
        Ok(match name {
            "sqlite" => Self::Sqlite,
            "postgresql" => Self::Postgres,
            "cockroachdb" => Self::Cockroach,
            "mysql" => Self::MySql,
            "bolt" => Self::Bolt,
            "memory" => Self::Memory,
            other => {
                return Err(StoreError::Config(format!(
                    "data_provider.driver: unknown driver {other:?} (expected sqlite, postgresql, cockroachdb, mysql, bolt or memory)"
                )));
            }
        })
    }

    /// True for the drivers whose data lives in a file Wharf manages (and that `memory` is not).
    pub fn has_schema(self) -> bool {
        self != Self::Memory
    }
}

/// What the drivers need from the configuration, resolved against the config dir.
#[derive(Debug, Clone)]
pub struct ProviderTarget {
    /// The driver.
    pub driver: Driver,
    /// For sqlite/bolt: the database file; for memory: the optional dump file.
    pub path: Option<PathBuf>,
    /// For SQL servers: the connection URL (contains the password; never log it).
    pub url: Option<String>,
    /// Pool size (0 = default).
    pub pool_size: u32,
    /// Table name prefix.
    pub table_prefix: String,
}

fn percent_encode_path(path: &Path) -> Result<String, StoreError> {
    let s = path
        .to_str()
        .ok_or_else(|| StoreError::Config(format!("data_provider.name: {} is not valid UTF-8", path.display())))?;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Percent-encodes everything but unreserved URL characters. The URL setters leave `%` alone
/// (they expect pre-encoded input), and the drivers percent-decode user names, passwords and the
/// database name: encoding every byte ourselves keeps values such as `100%41` intact.
fn url_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn read_password(cfg: &DataProviderConfig, config_dir: &Path) -> Result<String, StoreError> {
    if cfg.password_file.is_empty() {
        return Ok(cfg.password.clone());
    }
    let path = wharf_config::resolve_path(config_dir, &cfg.password_file)
        .ok_or_else(|| StoreError::Config("data_provider.password_file: invalid path".into()))?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| StoreError::Config(format!("data_provider.password_file: cannot read {}: {e}", path.display())))?;
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}

fn server_url(driver: Driver, cfg: &DataProviderConfig, config_dir: &Path) -> Result<String, StoreError> {
    if !cfg.connection_string.is_empty() {
        let cs = cfg.connection_string.trim();
        let ok = match driver {
            Driver::MySql => cs.starts_with("mysql://") || cs.starts_with("mariadb://"),
            _ => cs.starts_with("postgres://") || cs.starts_with("postgresql://"),
        };
        if !ok {
            return Err(StoreError::Config(
                "data_provider.connection_string: Wharf accepts connection strings in URL form only \
                 (postgres://… or mysql://…)"
                    .into(),
            ));
        }
        return Ok(cs.to_owned());
    }
    let scheme = if driver == Driver::MySql { "mysql" } else { "postgres" };
    let mut url = url::Url::parse(&format!("{scheme}://localhost"))
        .map_err(|e| StoreError::Config(format!("data_provider: {e}")))?;
    // PostgreSQL accepts several comma-separated hosts; the driver used here connects to one.
    let host = cfg.host.split(',').next().unwrap_or("").trim();
    if cfg.host.contains(',') {
        tracing::warn!("data_provider.host lists several hosts; Wharf connects to the first one");
    }
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    url.set_host(Some(host)).map_err(|e| StoreError::Config(format!("data_provider.host {host:?}: {e}")))?;
    if cfg.port != 0 {
        let _ = url.set_port(Some(cfg.port));
    }
    if !cfg.username.is_empty() {
        let _ = url.set_username(&url_component(&cfg.username));
    }
    let password = read_password(cfg, config_dir)?;
    if !password.is_empty() {
        let _ = url.set_password(Some(&url_component(&password)));
    }
    url.set_path(&url_component(&cfg.name));
    {
        let mut q = url.query_pairs_mut();
        let file = |v: &str| wharf_config::resolve_path(config_dir, v).map(|p| p.display().to_string());
        if driver == Driver::MySql {
            // SFTPGo: 0 off, 1 required and verified (against root_cert if set, else the system's
            // roots), 2 required without verification, 3 preferred.
            let ca = file(&cfg.root_cert);
            let mode = match cfg.sslmode {
                0 => "DISABLED",
                1 => "VERIFY_IDENTITY",
                2 => "REQUIRED",
                _ => "PREFERRED",
            };
            q.append_pair("ssl-mode", mode);
            if let Some(p) = ca {
                q.append_pair("ssl-ca", &p);
            }
            if let Some(p) = file(&cfg.client_cert) {
                q.append_pair("ssl-cert", &p);
            }
            if let Some(p) = file(&cfg.client_key) {
                q.append_pair("ssl-key", &p);
            }
        } else {
            let mode = match cfg.sslmode {
                1 => "require",
                2 => "verify-ca",
                3 => "verify-full",
                4 => "prefer",
                5 => "allow",
                _ => "disable",
            };
            q.append_pair("sslmode", mode);
            if let Some(p) = file(&cfg.root_cert) {
                q.append_pair("sslrootcert", &p);
            }
            if let Some(p) = file(&cfg.client_cert) {
                q.append_pair("sslcert", &p);
            }
            if let Some(p) = file(&cfg.client_key) {
                q.append_pair("sslkey", &p);
            }
            if !cfg.target_session_attrs.is_empty() {
                tracing::warn!("data_provider.target_session_attrs is not supported and is ignored");
            }
        }
    }
    Ok(url.into())
}

impl ProviderTarget {
    /// Resolves the configuration (relative paths against `config_dir`).
    pub fn from_config(cfg: &DataProviderConfig, config_dir: &Path) -> Result<Self, StoreError> {
        let driver = Driver::parse(&cfg.driver)?;
        let pool_size = u32::try_from(cfg.pool_size.max(0)).unwrap_or(u32::MAX);
        let mut t = Self { driver, path: None, url: None, pool_size, table_prefix: cfg.sql_tables_prefix.clone() };
        match driver {
            Driver::Sqlite | Driver::Bolt => {
                let path = wharf_config::resolve_path(config_dir, &cfg.name).ok_or_else(|| {
                    StoreError::Config(format!("data_provider.name: {:?} is not a usable database file name", cfg.name))
                })?;
                t.path = Some(path);
            }
            Driver::Memory => t.path = wharf_config::resolve_path(config_dir, &cfg.name),
            Driver::Postgres | Driver::Cockroach | Driver::MySql => {
                if cfg.name.is_empty() && cfg.connection_string.is_empty() {
                    return Err(StoreError::Config("data_provider.name: the database name is required".into()));
                }
                t.url = Some(server_url(driver, cfg, config_dir)?);
            }
        }
        Ok(t)
    }

    /// Connects the engine. The schema is neither checked nor changed here.
    pub async fn connect(&self) -> Result<Arc<dyn Backend>, StoreError> {
        let sql = |dialect, url: String| SqlOptions {
            dialect,
            url,
            max_connections: self.pool_size,
            table_prefix: self.table_prefix.clone(),
            busy_timeout: Duration::from_secs(30),
        };
        let backend: Arc<dyn Backend> = match self.driver {
            Driver::Memory => Arc::new(MemoryBackend::new()),
            Driver::Bolt => Arc::new(KvBackend::open(self.path.as_deref().unwrap_or(Path::new("wharf.redb"))).await?),
            Driver::Sqlite => {
                let path = self.path.clone().unwrap_or_else(|| PathBuf::from("sftpgo.db"));
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Config(format!("data_provider.name: cannot create {}: {e}", dir.display()))
                    })?;
                }
                let url = format!("sqlite://{}?mode=rwc", percent_encode_path(&path)?);
                Arc::new(SqlBackend::connect(sql(Dialect::Sqlite, url)).await?)
            }
            Driver::Postgres | Driver::Cockroach | Driver::MySql => {
                let dialect = match self.driver {
                    Driver::Postgres => Dialect::Postgres,
                    Driver::Cockroach => Dialect::Cockroach,
                    _ => Dialect::MySql,
                };
                Arc::new(SqlBackend::connect(sql(dialect, self.url.clone().unwrap_or_default())).await?)
            }
        };
        Ok(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_components_encode_everything_but_unreserved_characters() {
        assert_eq!(url_component("plain-Name_1.~"), "plain-Name_1.~");
        assert_eq!(url_component("a b%41/c@d:e#f?g&h=i+j"), "a%20b%2541%2Fc%40d%3Ae%23f%3Fg%26h%3Di%2Bj");
        assert_eq!(url_component("é"), "%C3%A9");
        assert_eq!(url_component(""), "");
    }

    #[test]
    fn sqlite_paths_keep_url_delimiters_out_of_the_url() {
        assert_eq!(percent_encode_path(Path::new("/a b/c#d?e%f.db")).unwrap(), "/a b/c%23d%3Fe%25f.db");
    }

    #[test]
    fn driver_names() {
        for (name, d) in [
            ("sqlite", Driver::Sqlite),
            ("postgresql", Driver::Postgres),
            ("cockroachdb", Driver::Cockroach),
            ("mysql", Driver::MySql),
            ("bolt", Driver::Bolt),
            ("memory", Driver::Memory),
        ] {
            assert_eq!(Driver::parse(name).unwrap(), d);
            assert_eq!(d.has_schema(), d != Driver::Memory);
        }
        assert!(Driver::parse("SQLite").is_err(), "driver names are case-sensitive, as in SFTPGo");
    }
}
