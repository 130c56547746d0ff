//! `wharf serve`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use tokio::signal::unix::{SignalKind, signal};
use wharf_core::auth::NoGuard;
use wharf_core::registry::CloseReason;
use wharf_core::services::Core;
use wharf_store::Store;

use crate::cli::{LogLevel, ServeArgs};
use crate::flags::{Context, check_load_mode, check_scan_mode};
use crate::logging::{self, LogOptions, LogTarget};
use crate::setup;

/// The least time background hooks get to finish at shutdown.
const HOOK_DRAIN_MIN: Duration = Duration::from_secs(5);

fn log_options(ctx: &Context, args: &ServeArgs) -> Result<LogOptions> {
    let l = &args.log;
    let path: String = ctx.flag(l.log_file_path.clone(), "LOG_FILE_PATH", "wharf.log".to_owned())?;
    let journald = ctx.flag(l.log_to_journald, "LOG_TO_JOURNALD", false)?;
    let target = if journald {
        LogTarget::Journald
    } else if path.is_empty() {
        LogTarget::Stdout
    } else {
        let path = PathBuf::from(&path);
        let path = if path.is_absolute() { path } else { ctx.config_dir.join(path) };
        let mb: u64 = ctx.flag(l.log_max_size, "LOG_MAX_SIZE", 10)?;
        LogTarget::File {
            path,
            max_bytes: usize::try_from(mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX).max(1),
            max_backups: ctx.flag(l.log_max_backups, "LOG_MAX_BACKUPS", 5)?,
            max_age: Duration::from_secs(ctx.flag(l.log_max_age, "LOG_MAX_AGE", 28u64)?.saturating_mul(86_400)),
            compress: ctx.flag(l.log_compress, "LOG_COMPRESS", false)?,
        }
    };
    Ok(LogOptions {
        target,
        level: ctx.flag(l.log_level, "LOG_LEVEL", LogLevel::Debug)?,
        utc: ctx.flag(l.log_utc_time, "LOG_UTC_TIME", false)?,
    })
}

/// Creates the default admin from the environment when asked to, or explains how to set one.
async fn default_admin(store: &Store, loaded: &wharf_config::Loaded) -> Result<()> {
    if !store.has_no_admins().await? {
        return Ok(());
    }
    let da = &loaded.default_admin;
    if loaded.config.data_provider.create_default_admin {
        match (&da.username, &da.password) {
            (Some(u), Some(p)) if !u.is_empty() && !p.is_empty() => {
                store.add(Store::new_super_admin(u, p)).await.context("creating the default admin")?;
                tracing::info!(admin = %u, "default admin created");
                eprintln!("wharf: created the admin {u:?} from WHARF_DEFAULT_ADMIN_USERNAME/PASSWORD");
                return Ok(());
            }
            _ => tracing::warn!(
                "data_provider.create_default_admin is set but WHARF_DEFAULT_ADMIN_USERNAME and \
                 WHARF_DEFAULT_ADMIN_PASSWORD (or the SFTPGO_ equivalents) are not both set"
            ),
        }
    }
    let dir = loaded.config_dir.display();
    tracing::warn!("no admin account exists yet");
    eprintln!(
        "wharf: no admin account exists yet. Set one with `wharf resetpwd -c {dir} --admin admin` (it asks for \
         the password), or start once with WHARF_DATA_PROVIDER__CREATE_DEFAULT_ADMIN=true \
         WHARF_DEFAULT_ADMIN_USERNAME=admin WHARF_DEFAULT_ADMIN_PASSWORD=<password>."
    );
    Ok(())
}

pub async fn run(args: ServeArgs) -> Result<()> {
    let ctx = Context::new(&args.config);
    let log = log_options(&ctx, &args)?;
    let guard = logging::init(&log)?;
    let result = serve(&ctx, &args, &guard).await;
    if let Err(e) = &result {
        tracing::error!("{e:#}");
    }
    result
}

async fn serve(ctx: &Context, args: &ServeArgs, guard: &logging::LogGuard) -> Result<()> {
    tracing::info!(version = env!("CARGO_PKG_VERSION"), config_dir = %ctx.config_dir.display(), "starting Wharf");
    let loaded = setup::load_config(ctx)?;
    Core::check_config(&loaded.config)?;
    let load_from: Option<PathBuf> = ctx
        .flag(args.load.loaddata_from.clone(), "LOADDATA_FROM", PathBuf::new())
        .map(|p| Some(p).filter(|p| !p.as_os_str().is_empty()))?;
    let load_mode = check_load_mode(ctx.flag(args.load.loaddata_mode, "LOADDATA_MODE", 1)?)?;
    let load_scan = check_scan_mode(ctx.flag(args.loaddata_scan, "LOADDATA_QUOTA_SCAN", 0)?)?;
    let load_clean = ctx.flag(args.load.loaddata_clean, "LOADDATA_CLEAN", false)?;
    let grace = Duration::from_secs(ctx.flag(args.grace_time, "GRACE_TIME", 0)?);

    let store = setup::open_store(&loaded).await?;
    if store.settings().update_mode == 0 {
        setup::init_schema(&store).await?;
    } else {
        store.check_schema().await?;
    }
    let core = Arc::new(Core::from_config(&loaded.config, &loaded.config_dir, store.clone(), Arc::new(NoGuard))?);
    if let Some(path) = &load_from {
        crate::commands::loaddata::load_file(&store, path, load_mode, load_scan, load_clean).await?;
    }
    default_admin(&store, &loaded).await?;
    if let Err(e) = core.connection_hooks.startup().await {
        tracing::warn!(error = %e, "the startup hook failed");
    }
    let reaper = tokio::spawn(core.registry.run_idle_reaper());
    let ssh = wharf_ssh::SshServer::bind(core.clone(), &loaded.config, &loaded.config_dir).await?;
    let ssh_addrs: Vec<String> = ssh.local_addrs().iter().map(ToString::to_string).collect();
    let (stop_services, services_stop) = tokio::sync::watch::channel(false);
    let services = tokio::spawn(ssh.run(services_stop));

    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut hup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let mut usr1 = signal(SignalKind::user_defined1()).context("installing the SIGUSR1 handler")?;
    tracing::info!(driver = ?store.driver(), sftp = ?ssh_addrs, "Wharf is running");
    let sftp =
        if ssh_addrs.is_empty() { "no SFTP listener".to_owned() } else { format!("SFTP on {}", ssh_addrs.join(", ")) };
    eprintln!(
        "wharf {}: running with config dir {} and the {} data provider, {sftp}; stop with Ctrl-C",
        env!("CARGO_PKG_VERSION"),
        loaded.config_dir.display(),
        loaded.config.data_provider.driver
    );
    loop {
        tokio::select! {
            _ = term.recv() => { tracing::info!("SIGTERM received, stopping"); break; }
            _ = int.recv() => { tracing::info!("SIGINT received, stopping"); break; }
            _ = hup.recv() => {
                tracing::info!("SIGHUP received, reloading");
                if let Err(e) = store.reload_memory_dump().await {
                    tracing::error!(error = %e, "reload failed; the previous data stays in use");
                }
            }
            _ = usr1.recv() => {
                tracing::info!("SIGUSR1 received, rotating the log file");
                guard.rotate();
            }
        }
    }
    reaper.abort();
    let _ = stop_services.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), services).await;
    let closed = core.registry.close_all(CloseReason::Shutdown);
    if !grace.is_zero() {
        tracing::info!(grace_secs = grace.as_secs(), connections = closed, "waiting for background hooks");
    }
    // Background hooks already fired get the grace time (at least a few seconds) to finish.
    if !core.drain_hooks(grace.max(HOOK_DRAIN_MIN)).await {
        tracing::warn!("background hooks were still running at shutdown");
    }
    store.backend().close().await;
    tracing::info!("stopped");
    Ok(())
}
