//! From the `data_provider` configuration to a connected store: URLs, paths, passwords, TLS modes
//! and the errors a wrong setting gives.

use std::path::Path;
use std::str::FromStr;

use sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{Connection, Executor};
use wharf_config::DataProviderConfig;
use wharf_model::User;
use wharf_store::{Driver, ProviderTarget, Store};

use crate::build;
use crate::support::{Engine, TestDb, default_kms, fast_settings, mysql_admin_url, unique_name};

/// A password with every character that means something in a URL.
const NASTY_PASSWORD: &str = "p@ss:w/rd#%41%?&= é+~[x]";

fn config(driver: &str) -> DataProviderConfig {
    DataProviderConfig { driver: driver.into(), ..DataProviderConfig::default() }
}

fn url_of(cfg: &DataProviderConfig) -> String {
    ProviderTarget::from_config(cfg, Path::new("/etc/wharf")).unwrap().url.unwrap()
}

#[test]
fn postgres_urls() {
    let mut cfg = config("postgresql");
    cfg.host = "db.example.com".into();
    cfg.port = 5433;
    cfg.username = "wharf user@corp%41".into();
    cfg.password = NASTY_PASSWORD.into();
    cfg.name = "wharf db 100%41".into();
    cfg.pool_size = -3;
    cfg.sql_tables_prefix = "w_".into();
    let t = ProviderTarget::from_config(&cfg, Path::new("/etc/wharf")).unwrap();
    assert_eq!((t.driver, t.pool_size, t.table_prefix.as_str()), (Driver::Postgres, 0, "w_"));
    assert!(t.path.is_none());
    let url = t.url.unwrap();
    let opts = PgConnectOptions::from_str(&url).unwrap();
    assert_eq!(opts.get_host(), "db.example.com");
    assert_eq!(opts.get_port(), 5433);
    assert_eq!(opts.get_username(), "wharf user@corp%41");
    assert_eq!(opts.get_database(), Some("wharf db 100%41"));
    // The password survives the URL encoding.
    let parsed = url::Url::parse(&url).unwrap();
    let decoded = percent_decode(parsed.password().unwrap());
    assert_eq!(decoded, NASTY_PASSWORD);

    for (mode, expected) in [
        (0, PgSslMode::Disable),
        (1, PgSslMode::Require),
        (2, PgSslMode::VerifyCa),
        (3, PgSslMode::VerifyFull),
        (4, PgSslMode::Prefer),
        (5, PgSslMode::Allow),
    ] {
        cfg.sslmode = mode;
        let got = PgConnectOptions::from_str(&url_of(&cfg)).unwrap().get_ssl_mode();
        assert_eq!(format!("{got:?}"), format!("{expected:?}"), "sslmode {mode}");
    }
    // Certificates relative to the config dir.
    cfg.sslmode = 3;
    cfg.root_cert = "certs/ca.pem".into();
    cfg.client_cert = "/abs/client.pem".into();
    let url = url::Url::parse(&url_of(&cfg)).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["sslrootcert"], "/etc/wharf/certs/ca.pem");
    assert_eq!(q["sslcert"], "/abs/client.pem");

    // Several hosts: the first one is used. No host: localhost.
    cfg.host = "first.example.com, second.example.com".into();
    assert_eq!(PgConnectOptions::from_str(&url_of(&cfg)).unwrap().get_host(), "first.example.com");
    cfg.host.clear();
    assert_eq!(PgConnectOptions::from_str(&url_of(&cfg)).unwrap().get_host(), "127.0.0.1");

    // CockroachDB speaks the same URLs.
    cfg.driver = "cockroachdb".into();
    assert_eq!(ProviderTarget::from_config(&cfg, Path::new("/")).unwrap().driver, Driver::Cockroach);

    // A connection string is taken as is, in URL form only.
    cfg.connection_string = "postgres://u:p@h:1/d?sslmode=require".into();
    assert_eq!(url_of(&cfg), "postgres://u:p@h:1/d?sslmode=require");
    cfg.connection_string = "host=h user=u dbname=d".into();
    let err = ProviderTarget::from_config(&cfg, Path::new("/")).unwrap_err();
    assert!(err.to_string().contains("connection_string"), "{err}");
    // The database name is required.
    let mut cfg = config("postgresql");
    cfg.name.clear();
    let err = ProviderTarget::from_config(&cfg, Path::new("/")).unwrap_err();
    assert!(err.to_string().contains("data_provider.name"), "{err}");
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn mysql_urls() {
    let mut cfg = config("mysql");
    cfg.host = "mysql.example.com".into();
    cfg.port = 3307;
    cfg.username = "wharf".into();
    cfg.password = NASTY_PASSWORD.into();
    cfg.name = "wharf".into();
    let opts = MySqlConnectOptions::from_str(&url_of(&cfg)).unwrap();
    assert_eq!((opts.get_host(), opts.get_port(), opts.get_username()), ("mysql.example.com", 3307, "wharf"));
    assert_eq!(opts.get_database(), Some("wharf"));
    for (mode, ca, expected) in [
        (0, "", MySqlSslMode::Disabled),
        (1, "", MySqlSslMode::VerifyIdentity),
        (1, "ca.pem", MySqlSslMode::VerifyIdentity),
        (2, "", MySqlSslMode::Required),
        (3, "", MySqlSslMode::Preferred),
    ] {
        cfg.sslmode = mode;
        cfg.root_cert = ca.into();
        let got = MySqlConnectOptions::from_str(&url_of(&cfg)).unwrap().get_ssl_mode();
        assert_eq!(format!("{got:?}"), format!("{expected:?}"), "sslmode {mode} ca {ca:?}");
    }
    cfg.connection_string = "wharf:pw@tcp(127.0.0.1:3306)/wharf".into();
    let err = ProviderTarget::from_config(&cfg, Path::new("/")).unwrap_err();
    assert!(err.to_string().contains("URL form"), "{err}");
    cfg.connection_string = "mariadb://u@h/d".into();
    assert_eq!(url_of(&cfg), "mariadb://u@h/d");
}

#[test]
fn file_drivers_resolve_paths_against_the_config_dir() {
    let dir = Path::new("/etc/wharf");
    for (driver, d) in [("sqlite", Driver::Sqlite), ("bolt", Driver::Bolt)] {
        let mut cfg = config(driver);
        cfg.name = "data/wharf.db".into();
        let t = ProviderTarget::from_config(&cfg, dir).unwrap();
        assert_eq!((t.driver, t.path.as_deref()), (d, Some(Path::new("/etc/wharf/data/wharf.db"))));
        assert!(t.url.is_none());
        cfg.name = "/var/lib/wharf/../wharf/w.db".into();
        let t = ProviderTarget::from_config(&cfg, dir).unwrap();
        assert_eq!(t.path.as_deref(), Some(Path::new("/var/lib/wharf/w.db")));
        cfg.name = String::new();
        let err = ProviderTarget::from_config(&cfg, dir).unwrap_err();
        assert!(err.to_string().contains("data_provider.name"), "{err}");
    }
    let mut cfg = config("memory");
    cfg.name = String::new();
    assert_eq!(ProviderTarget::from_config(&cfg, dir).unwrap().path, None);
    cfg.name = "dump.json".into();
    assert_eq!(
        ProviderTarget::from_config(&cfg, dir).unwrap().path.as_deref(),
        Some(Path::new("/etc/wharf/dump.json"))
    );

    let err = ProviderTarget::from_config(&config("oracle"), dir).unwrap_err();
    assert!(err.to_string().contains("oracle") && err.to_string().contains("sqlite"), "{err}");
}

#[tokio::test]
async fn sqlite_files_with_unusual_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config("sqlite");
    cfg.name = "my data/wh#ar?f 100%25 é.db".into();
    let t = ProviderTarget::from_config(&cfg, dir.path()).unwrap();
    let expected = dir.path().join("my data/wh#ar?f 100%25 é.db");
    assert_eq!(t.path.as_deref(), Some(expected.as_path()));
    let store = Store::open(&t, default_kms(), fast_settings()).await.unwrap();
    store.init().await.unwrap();
    store.add(build::user("u")).await.unwrap();
    store.backend().close().await;
    assert!(expected.is_file(), "the database is at the configured path");
    let entries: Vec<String> = std::fs::read_dir(dir.path().join("my data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(entries.iter().all(|e| e.starts_with("wh#ar?f 100%25 é.db")), "stray files: {entries:?}");
    let again = Store::open(&t, default_kms(), fast_settings()).await.unwrap();
    again.check_schema().await.unwrap();
    assert!(again.find::<User>("u").await.unwrap().is_some());
    again.backend().close().await;
}

#[tokio::test]
async fn postgres_from_config_connects_and_wrong_settings_are_clear() {
    let db = TestDb::new(Engine::Postgres).await;
    let mut cfg = config("postgresql");
    cfg.host = "127.0.0.1".into();
    cfg.port = 5432;
    cfg.username = "postgres".into();
    cfg.name = db.name().into();
    if let Ok(url) = std::env::var("WHARF_TEST_PG_URL") {
        // Another server was given: use it through the connection string.
        cfg.connection_string = format!("{url}/{}", db.name());
    }
    let store =
        Store::open(&ProviderTarget::from_config(&cfg, Path::new("/")).unwrap(), default_kms(), fast_settings())
            .await
            .unwrap();
    store.init().await.unwrap();
    store.add(build::user("u")).await.unwrap();
    store.backend().close().await;

    if cfg.connection_string.is_empty() {
        let mut missing_db = cfg.clone();
        missing_db.name = format!("{}_missing", db.name());
        let err = Store::open(
            &ProviderTarget::from_config(&missing_db, Path::new("/")).unwrap(),
            default_kms(),
            fast_settings(),
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(err.contains("postgresql") && err.contains("does not exist"), "{err}");
        assert!(err.contains(&missing_db.name), "the error names the database: {err}");

        let mut missing_role = cfg.clone();
        missing_role.username = "wharf_no_such_role".into();
        missing_role.password = NASTY_PASSWORD.into();
        let err = Store::open(
            &ProviderTarget::from_config(&missing_role, Path::new("/")).unwrap(),
            default_kms(),
            fast_settings(),
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(err.contains("wharf_no_such_role"), "{err}");
        assert!(!err.contains(NASTY_PASSWORD), "the password must not leak: {err}");
    }
}

/// A MariaDB account that exists for one test.
struct MySqlUser {
    name: String,
}

impl Drop for MySqlUser {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                if let Ok(mut c) = sqlx::MySqlConnection::connect(&mysql_admin_url()).await {
                    for host in ["%", "localhost", "127.0.0.1"] {
                        let _ = c.execute(sqlx::AssertSqlSafe(format!("DROP USER IF EXISTS '{name}'@'{host}'"))).await;
                    }
                }
            });
        })
        .join();
    }
}

#[tokio::test]
async fn mysql_passwords_with_special_characters_and_wrong_passwords() {
    if std::env::var("WHARF_TEST_MYSQL_URL").is_ok_and(|u| !u.starts_with("mysql://root@127.0.0.1")) {
        return; // the accounts below are made on the machine's own server only
    }
    let db = TestDb::new(Engine::MySql).await;
    let user = MySqlUser { name: unique_name().replace("wharf_t_", "wharf_u_") };
    let mut admin = sqlx::MySqlConnection::connect(&mysql_admin_url()).await.unwrap();
    for host in ["%", "localhost", "127.0.0.1"] {
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "CREATE USER '{}'@'{host}' IDENTIFIED BY '{NASTY_PASSWORD}'",
                user.name
            )))
            .await
            .unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!("GRANT ALL ON {}.* TO '{}'@'{host}'", db.name(), user.name)))
            .await
            .unwrap();
    }
    admin.close().await.unwrap();

    let mut cfg = config("mysql");
    cfg.host = "127.0.0.1".into();
    cfg.port = 3306;
    cfg.username = user.name.clone();
    cfg.name = db.name().into();
    // From a password file, relative to the config dir, trailing newline ignored.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("db.pass"), format!("{NASTY_PASSWORD}\n")).unwrap();
    cfg.password = "ignored when a file is set".into();
    cfg.password_file = "db.pass".into();
    let t = ProviderTarget::from_config(&cfg, dir.path()).unwrap();
    let store = Store::open(&t, default_kms(), fast_settings()).await.unwrap();
    store.init().await.unwrap();
    store.add(build::user("u")).await.unwrap();
    store.backend().close().await;

    // Straight from the setting.
    cfg.password_file.clear();
    cfg.password = NASTY_PASSWORD.into();
    let store = Store::open(&ProviderTarget::from_config(&cfg, dir.path()).unwrap(), default_kms(), fast_settings())
        .await
        .unwrap();
    assert!(store.find::<User>("u").await.unwrap().is_some());
    store.backend().close().await;

    // A wrong password: a clear error that does not show the password.
    cfg.password = "wrong password 123".into();
    let err = Store::open(&ProviderTarget::from_config(&cfg, dir.path()).unwrap(), default_kms(), fast_settings())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("mysql") && err.contains("Access denied"), "{err}");
    assert!(!err.contains("wrong password 123"), "the password must not leak: {err}");

    // A missing password file names the setting and the file.
    cfg.password_file = "missing.pass".into();
    let err = ProviderTarget::from_config(&cfg, dir.path()).unwrap_err().to_string();
    assert!(err.contains("password_file") && err.contains("missing.pass"), "{err}");
}
