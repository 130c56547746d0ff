//! `wharf startsubsys`: one SFTP session on standard input and output, for OpenSSH's
//! `Subsystem sftp` line. sshd has already authenticated the OS user running this process; Wharf
//! picks that user's settings from the data provider (or makes up a user with every permission on
//! its home), serves the session, lets background hooks finish, and exits.
//!
//! Standard output carries the SFTP protocol: nothing else may ever be written there. Logs go to
//! journald (`-j`), a file (`-l`) or standard error (which sshd reads and throws away for subsystems).
//! Without a config dir nothing is read from or written to the current directory, which under sshd
//! is the user's home. The choices are explained in docs/subsystem.md.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use tokio::io::{AsyncRead, AsyncWrite};
use wharf_config::{Config, EnvSource, Loaded};
use wharf_core::auth::NoGuard;
use wharf_core::auth::{last_login, policy};
use wharf_core::registry::{ConnInfo, Protocol};
use wharf_core::services::Core;
use wharf_core::session::{ConnCtx, Session, SessionEnv};
use wharf_model::perms::PERM_ANY;
use wharf_model::{Folder, Kind, User};
use wharf_store::scan::LocalQuotaScanner;
use wharf_store::{Driver, ProviderTarget, QuotaScanner, Store, StoreError};

use crate::cli::{ConfigArgs, SubsysArgs};
use crate::flags::Context;
use crate::logging::{self, LogOptions, LogTarget};
use crate::setup;

/// Where the configuration comes from: a config dir, or nothing at all.
struct Location {
    /// The config dir (absolute), if one was given.
    config_dir: Option<PathBuf>,
    /// The configuration file, if one was given.
    config_file: Option<PathBuf>,
}

/// Resolves `-c`/`--config-file` and their environment variables, and checks the flags that need no
/// I/O. Nothing is logged yet (logging depends on the result).
fn locate(args: &SubsysArgs) -> Result<Location> {
    let env = EnvSource::from_process();
    let from_env = |name: &str| env.get_prefixed(name).map(|(_, v)| PathBuf::from(v));
    let config_dir = args.config_dir.clone().or_else(|| from_env("CONFIG_DIR")).filter(|p| !p.as_os_str().is_empty());
    let config_file =
        args.config_file.clone().or_else(|| from_env("CONFIG_FILE")).filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = &config_dir
        && !dir.is_absolute()
    {
        bail!(
            "--config-dir {}: an absolute path is needed (under sshd the current directory is each user's home)",
            dir.display()
        );
    }
    if config_dir.is_none() && config_file.is_some() {
        bail!("--config-file needs --config-dir in startsubsys mode (the current directory is the user's home)");
    }
    if let Some(base) = &args.base_home_dir
        && !base.is_absolute()
    {
        bail!("--base-home-dir {}: an absolute path is needed", base.display());
    }
    if let (None, Some(log)) = (&config_dir, &args.log_file_path)
        && !log.is_absolute()
    {
        bail!("--log-file-path {}: a relative path needs --config-dir", log.display());
    }
    Ok(Location { config_dir, config_file })
}

fn log_options(args: &SubsysArgs, location: &Location) -> LogOptions {
    let target = if args.log_to_journald {
        LogTarget::Journald
    } else if let Some(path) = &args.log_file_path {
        let path = match &location.config_dir {
            Some(dir) if !path.is_absolute() => dir.join(path),
            _ => path.clone(),
        };
        // Many short-lived processes, often of different OS users, append to the same file: none
        // of them may rotate or prune it (logrotate can, with `copytruncate` or `create`).
        LogTarget::File { path, max_bytes: usize::MAX, max_backups: 1, max_age: Duration::MAX, compress: false }
    } else {
        LogTarget::Stderr
    };
    LogOptions { target, level: args.log_level, utc: args.log_utc_time }
}

pub async fn run(args: SubsysArgs) -> Result<()> {
    let location = locate(&args)?;
    let _guard = logging::init(&log_options(&args, &location))?;
    let result = subsystem(&args, &location).await;
    if let Err(e) = &result {
        tracing::error!("{e:#}");
    }
    result
}

// ---- the OS account ----

/// The OS user running this process, from the account database (not from `HOME`/`USER`, which the
/// user's shell startup files and `~/.ssh/environment` can change).
#[derive(Debug, Clone, PartialEq, Eq)]
struct OsAccount {
    uid: u32,
    name: String,
    home: String,
}

/// The real user id from the text of `/proc/self/status` (`Uid:` real, effective, saved, fs).
fn parse_uid(status: &str) -> Option<u32> {
    status.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|rest| rest.split_whitespace().next())?.parse().ok()
}

/// The name and home of `uid` in passwd-format text (`name:password:uid:gid:gecos:home:shell`). NIS
/// compatibility lines (`+…`, `-…`) and comments are skipped; the first match wins, as in libc.
fn passwd_lookup(text: &str, uid: u32) -> Option<(String, String)> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with(['#', '+', '-']))
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() >= 6 && f[2].parse::<u32>().ok() == Some(uid))
        .map(|f| (f[0].to_owned(), f[5].to_owned()))
}

/// Finds the account of the process's real user id: `/etc/passwd` first, then `getent passwd`
/// for accounts from other NSS sources (LDAP, sssd…).
async fn os_account() -> Result<OsAccount> {
    let status = tokio::fs::read_to_string("/proc/self/status")
        .await
        .context("cannot read /proc/self/status to find the user id of this process")?;
    let uid = parse_uid(&status).ok_or_else(|| anyhow!("no Uid line in /proc/self/status"))?;
    let mut found = match tokio::fs::read_to_string("/etc/passwd").await {
        Ok(text) => passwd_lookup(&text, uid),
        Err(e) => {
            tracing::debug!(error = %e, "cannot read /etc/passwd");
            None
        }
    };
    if found.is_none() {
        let mut getent = tokio::process::Command::new("getent");
        getent.args(["passwd", &uid.to_string()]).kill_on_drop(true);
        // `output()` gives the child no standard input: it cannot read the SFTP stream.
        match tokio::time::timeout(Duration::from_secs(30), getent.output()).await {
            Ok(Ok(out)) if out.status.success() => found = passwd_lookup(&String::from_utf8_lossy(&out.stdout), uid),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::debug!(error = %e, "cannot run getent"),
            Err(_) => tracing::warn!("getent passwd {uid} did not answer within 30 s"),
        }
    }
    let (name, home) = found.ok_or_else(|| anyhow!("the user id {uid} has no entry in the OS account database"))?;
    if name.is_empty() {
        bail!("the OS account of user id {uid} has an empty name");
    }
    if !home.starts_with('/') {
        bail!("the OS account {name:?} has no absolute home directory ({home:?})");
    }
    Ok(OsAccount { uid, name, home: wharf_model::vpath::clean(&home) })
}

/// The client's and server's addresses from `SSH_CONNECTION` (`client-ip client-port server-ip
/// server-port`, set by sshd). Informational: the user's environment can change it.
fn parse_ssh_connection(value: &str) -> Option<(SocketAddr, SocketAddr)> {
    let f: Vec<&str> = value.split_whitespace().collect();
    let [cip, cport, sip, sport] = f.as_slice() else { return None };
    let client = SocketAddr::new(cip.parse::<IpAddr>().ok()?, cport.parse().ok()?);
    let server = SocketAddr::new(sip.parse::<IpAddr>().ok()?, sport.parse().ok()?);
    Some((client, server))
}

// ---- configuration and data provider ----

/// The configuration when no config dir was given: the built-in defaults with an empty memory
/// provider, so that nothing is read from or written to the current directory (the user's home).
fn builtin_config() -> Loaded {
    let mut config = Config::default();
    config.data_provider.driver = "memory".to_owned();
    config.data_provider.name = String::new();
    Loaded {
        config,
        config_dir: PathBuf::from("/"),
        file: None,
        warnings: Vec::new(),
        default_admin: Default::default(),
        env: EnvSource::new(),
    }
}

/// Opens the configured data provider for this process. The schema is checked, never created or
/// changed; a SQLite file that does not exist is not created; bolt, a single-process file, is refused.
async fn open_store(loaded: &Loaded) -> Result<Store> {
    let target = ProviderTarget::from_config(&loaded.config.data_provider, &loaded.config_dir)?;
    match target.driver {
        Driver::Bolt => bail!(
            "data_provider.driver \"bolt\": its file can be opened by one process at a time, and sshd starts \
             one process per session; use sqlite, memory, postgresql or mysql in startsubsys mode"
        ),
        Driver::Sqlite => {
            let path = target.path.clone().unwrap_or_default();
            if !path.is_file() {
                bail!(
                    "data provider: the SQLite database {} does not exist; startsubsys never creates one \
                     (create it with `wharf initprovider -c {}`)",
                    path.display(),
                    loaded.config_dir.display()
                );
            }
        }
        _ => {}
    }
    let store = setup::open_store(loaded).await?;
    if store.driver().has_schema() {
        store.check_schema().await.context("data provider")?;
    }
    Ok(store)
}

// ---- the user ----

/// A user found in the data provider may log in only if these rules pass (SFTPGo's subsystem mode
/// did not check them; Wharf does not serve a disabled or expired account).
fn check_mapped_user(user: &User, ip: Option<IpAddr>, now_ms: i64) -> Result<()> {
    let name = &user.username;
    if user.status != 1 {
        bail!("the user {name:?} is disabled in the data provider");
    }
    if user.expiration_date > 0 && user.expiration_date < now_ms {
        bail!("the user {name:?} has expired");
    }
    if let Some(ip) = ip
        && !policy::ip_allowed(&user.filters, ip)
    {
        bail!("the user {name:?} may not log in from {ip}");
    }
    if user.filters.denied_protocols.iter().any(|p| p == "SSH") {
        bail!("the user {name:?} may not use SSH");
    }
    if !policy::home_dir_valid(user) {
        bail!("the user {name:?} has no absolute home directory ({:?})", user.home_dir);
    }
    Ok(())
}

/// The user made up for an OS account that is not in the data provider: every permission on its
/// home.
fn auto_user(name: &str, home: &str) -> User {
    let mut user = User { status: 1, username: name.to_owned(), home_dir: home.to_owned(), ..User::default() };
    user.permissions.insert("/".to_owned(), vec![PERM_ANY.to_owned()]);
    user
}

/// With the memory provider nothing outlives a session, so the used quota in the dump is stale:
/// recount it from the storage for a user (and its own-quota folders) with quota limits.
async fn rescan_quota(store: &Store, user: &User) {
    if user.quota_size > 0 || user.quota_files > 0 {
        match LocalQuotaScanner.scan_user(user).await {
            Ok((size, files)) => {
                if let Err(e) = store.update_user_quota(&user.username, size, files, true).await {
                    tracing::warn!(error = %e, "cannot record the used quota");
                } else {
                    tracing::debug!(size, files, "used quota counted");
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot count the used quota"),
        }
    }
    for vf in &user.virtual_folders {
        if vf.is_included_in_user_quota() || (vf.quota_size <= 0 && vf.quota_files <= 0) {
            continue;
        }
        let Ok(Some(folder)) = store.find::<Folder>(&vf.name).await else { continue };
        match LocalQuotaScanner.scan_folder(&folder).await {
            Ok((size, files)) => {
                if let Err(e) = store.update_folder_quota(&vf.name, size, files, true).await {
                    tracing::warn!(folder = %vf.name, error = %e, "cannot record the folder's used quota");
                }
            }
            Err(e) => tracing::warn!(folder = %vf.name, error = %e, "cannot count the folder's used quota"),
        }
    }
}

/// How long background hooks get before the process exits: the hook's own timeout (with the HTTP
/// client's retries) plus a margin, at most ten minutes.
fn hook_drain_bound(config: &Config) -> Duration {
    let hook = &config.common.actions.hook;
    let secs = if hook.starts_with("http") {
        let h = &config.http;
        let retries = h.retry_max.max(0);
        h.timeout.max(1).saturating_mul(retries + 1).saturating_add(h.retry_wait_max.max(0).saturating_mul(retries))
    } else {
        let own = config.command.commands.iter().find(|c| c.path == *hook && c.timeout > 0).map(|c| c.timeout);
        own.unwrap_or(config.command.timeout).max(1)
    };
    Duration::from_secs(u64::try_from(secs).unwrap_or(30).saturating_add(5).min(600))
}

// ---- standard input and output ----

type Reader = Box<dyn AsyncRead + Unpin + Send>;
type Writer = Box<dyn AsyncWrite + Unpin + Send>;

/// Standard input and output as async streams. sshd gives subsystems pipes, which are driven
/// without blocking threads; anything else (a terminal, a socket) goes through tokio's blocking
/// stdio.
fn stdio() -> Result<(Reader, Writer)> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    use tokio::net::unix::pipe;

    let is_fifo = |f: &std::fs::File| f.metadata().map(|m| m.file_type().is_fifo()).unwrap_or(false);
    let input = std::fs::File::from(std::io::stdin().as_fd().try_clone_to_owned().context("standard input")?);
    let reader: Reader = if is_fifo(&input) {
        Box::new(pipe::Receiver::from_file(input).context("standard input")?)
    } else {
        Box::new(tokio::io::stdin())
    };
    let output = std::fs::File::from(std::io::stdout().as_fd().try_clone_to_owned().context("standard output")?);
    let writer: Writer = if is_fifo(&output) {
        Box::new(pipe::Sender::from_file(output).context("standard output")?)
    } else {
        Box::new(tokio::io::stdout())
    };
    Ok((reader, writer))
}

// ---- the session ----

async fn subsystem(args: &SubsysArgs, location: &Location) -> Result<()> {
    let os = os_account().await?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), user = %os.name, uid = os.uid,
        config_dir = ?location.config_dir, "starting the SFTP subsystem");
    let mut loaded = match &location.config_dir {
        Some(dir) => {
            let ctx =
                Context::new(&ConfigArgs { config_dir: Some(dir.clone()), config_file: location.config_file.clone() });
            setup::load_config(&ctx)?
        }
        None => builtin_config(),
    };
    // sshd owns the connection and its idle handling.
    loaded.config.common.idle_timeout = 0;
    Core::check_config(&loaded.config)?;
    let store = open_store(&loaded).await?;
    let core = Core::from_config(&loaded.config, &loaded.config_dir, store.clone(), Arc::new(NoGuard))?;

    let addresses = std::env::var("SSH_CONNECTION").ok().and_then(|v| parse_ssh_connection(&v));
    let client_ip = addresses.map(|(c, _)| c.ip());
    let now = wharf_store::now_ms();

    // The user: from the data provider, or made up; an auto-created user lives in a private memory
    // store for this session only, so nothing is added to a shared provider.
    let (user, session_store, mapped) = match store.effective_user(&os.name).await {
        Ok(mut user) => {
            if !args.preserve_home {
                user.home_dir = os.home.clone();
            }
            check_mapped_user(&user, client_ip, now)?;
            (user, store.clone(), true)
        }
        Err(StoreError::NotFound { kind: Kind::User, .. }) => {
            let home = match &args.base_home_dir {
                Some(base) => wharf_model::vpath::clean(&base.join(&os.name).to_string_lossy()),
                None => os.home.clone(),
            };
            let target = ProviderTarget {
                driver: Driver::Memory,
                path: None,
                url: None,
                pool_size: 0,
                table_prefix: String::new(),
            };
            let private = Store::open(&target, store.kms().clone(), store.settings().clone()).await?;
            let user = private
                .add(auto_user(&os.name, &home))
                .await
                .with_context(|| format!("cannot make up a user for the OS account {:?}", os.name))?;
            (user, private, false)
        }
        Err(e) => return Err(e).with_context(|| format!("data provider: cannot read the user {:?}", os.name)),
    };

    if mapped {
        if store.driver() == Driver::Memory && loaded.config.data_provider.track_quota != 0 {
            rescan_quota(&store, &user).await;
        }
        let result = store
            .modify::<User>(&user.username, |u| {
                let due = last_login::needs_update(u, now);
                if due {
                    u.last_login = now;
                }
                due
            })
            .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot record the last login");
        }
    }

    let remote = addresses.map_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0), |(c, _)| c);
    let conn =
        core.registry.try_add(ConnInfo { protocol: Protocol::Sftp, remote, local: addresses.map(|(_, s)| s) })?;
    conn.set_user(&user.username)?;
    let session_guard = conn.open_session(user.max_sessions)?;
    let env = Arc::new(SessionEnv {
        store: session_store.clone(),
        settings: core.sessions.settings.clone(),
        backends: core.sessions.backends.clone(),
        hooks: core.sessions.hooks.clone(),
    });
    let ctx = ConnCtx { id: conn.id().to_owned(), protocol: Protocol::Sftp, ip: remote.ip() };
    let (username, home) = (user.username.clone(), user.home_dir.clone());
    let session = Session::new(user, ctx, env)
        .await
        .map_err(|e| anyhow!("cannot open the storage of the user {username:?} (home {home}): {e}"))?;
    tracing::info!(connection = conn.id(), user = %username, home = %home, in_data_provider = mapped,
        client = %remote, "SFTP subsystem session started");

    let (reader, writer) = stdio()?;
    let result = wharf_sftp::serve(reader, writer, Arc::new(session), wharf_sftp::ServeOptions::default()).await;
    drop(session_guard);
    drop(conn);

    // Background hooks fired by the session must run before the process is gone.
    if !core.drain_hooks(hook_drain_bound(&loaded.config)).await {
        tracing::warn!("background hooks were still running when the subsystem exited");
    }
    if !mapped {
        session_store.backend().close().await;
    }
    store.backend().close().await;
    match result {
        Ok(summary) => {
            tracing::info!(user = %username, requests = summary.requests, bytes_received = summary.bytes_received,
                bytes_sent = summary.bytes_sent, uploads_aborted = summary.uploads_aborted,
                "SFTP subsystem session ended");
            Ok(())
        }
        Err(e) => Err(anyhow!("the SFTP session of {username:?} ended with an error: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_from_proc_status() {
        let status = "Name:\twharf\nUmask:\t0022\nState:\tR (running)\nUid:\t1000\t1001\t1000\t1000\nGid:\t1000\n";
        assert_eq!(parse_uid(status), Some(1000));
        assert_eq!(parse_uid("Name:\tx\n"), None);
        assert_eq!(parse_uid("Uid:\tnope\n"), None);
    }

    #[test]
    fn passwd_entries() {
        let text = "# comment\n\
                    root:x:0:0:root:/root:/bin/bash\n\
                    +nis::::::\n\
                    \n\
                    nicola:x:1000:1000:Nicola,,,:/home/nicola:/bin/bash\n\
                    shadowed:x:1000:1000::/elsewhere:/bin/sh\n\
                    short:x:1001\n";
        assert_eq!(passwd_lookup(text, 0), Some(("root".into(), "/root".into())));
        assert_eq!(passwd_lookup(text, 1000), Some(("nicola".into(), "/home/nicola".into())), "first match wins");
        assert_eq!(passwd_lookup(text, 1001), None, "too few fields");
        assert_eq!(passwd_lookup(text, 4242), None);
    }

    #[test]
    fn ssh_connection_variable() {
        let (c, s) = parse_ssh_connection("192.0.2.7 50022 192.0.2.1 22").unwrap();
        assert_eq!(c, "192.0.2.7:50022".parse().unwrap());
        assert_eq!(s, "192.0.2.1:22".parse().unwrap());
        let (c, _) = parse_ssh_connection("::1 4000 ::1 22").unwrap();
        assert_eq!(c.ip(), "::1".parse::<IpAddr>().unwrap());
        assert!(parse_ssh_connection("").is_none());
        assert!(parse_ssh_connection("192.0.2.7 x 192.0.2.1 22").is_none());
    }

    #[test]
    fn mapped_user_rules() {
        let mut u = auto_user("nicola", "/home/nicola");
        let now = 1_000_000;
        assert!(check_mapped_user(&u, None, now).is_ok());
        u.filters.allowed_ip = vec!["192.0.2.0/24".into()];
        assert!(check_mapped_user(&u, Some("192.0.2.9".parse().unwrap()), now).is_ok());
        let e = check_mapped_user(&u, Some("198.51.100.1".parse().unwrap()), now).unwrap_err();
        assert!(e.to_string().contains("198.51.100.1"), "{e}");
        assert!(check_mapped_user(&u, None, now).is_ok(), "an unknown address is not filtered");
        u.expiration_date = now - 1;
        assert!(check_mapped_user(&u, None, now).unwrap_err().to_string().contains("expired"));
        u.expiration_date = 0;
        u.filters.denied_protocols = vec!["SSH".into()];
        assert!(check_mapped_user(&u, None, now).unwrap_err().to_string().contains("SSH"));
        u.filters.denied_protocols.clear();
        u.status = 0;
        assert!(check_mapped_user(&u, None, now).unwrap_err().to_string().contains("disabled"));
    }

    #[test]
    fn drain_bound_follows_the_hook_timeouts() {
        let mut c = Config::default();
        c.common.actions.hook = "/usr/local/bin/hook".into();
        c.command.timeout = 30;
        assert_eq!(hook_drain_bound(&c), Duration::from_secs(35));
        c.common.actions.hook = "https://example.invalid/hook".into();
        c.http.timeout = 20;
        c.http.retry_max = 3;
        c.http.retry_wait_max = 30;
        assert_eq!(hook_drain_bound(&c), Duration::from_secs(20 * 4 + 30 * 3 + 5));
        c.http.timeout = 1000;
        assert_eq!(hook_drain_bound(&c), Duration::from_secs(600));
    }

    #[test]
    fn flags_that_need_absolute_paths() {
        use clap::Parser;
        let parse = |argv: &[&str]| {
            let cli = crate::cli::Cli::try_parse_from(argv).unwrap();
            let crate::cli::Command::Startsubsys(args) = cli.command else { panic!("not startsubsys") };
            args
        };
        // (The environment may name a config dir; these cases give every flag explicitly.)
        let e = locate(&parse(&["wharf", "startsubsys", "-c", "relative"])).err().unwrap().to_string();
        assert!(e.contains("absolute"), "{e}");
        let e = locate(&parse(&["wharf", "startsubsys", "-c", "/etc/w", "-d", "homes"])).err().unwrap().to_string();
        assert!(e.contains("--base-home-dir"), "{e}");
        let ok = locate(&parse(&["wharf", "startsubsys", "-c", "/etc/w", "-d", "/srv/homes", "-l", "sub.log"]));
        assert!(ok.is_ok());
    }
}
