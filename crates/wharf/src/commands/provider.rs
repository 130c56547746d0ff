//! `initprovider`, `revertprovider`, `resetprovider`: schema maintenance.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Result, bail};
use wharf_store::InitOutcome;

use crate::cli::{InitArgs, QuietLogArgs, ResetArgs, RevertArgs};
use crate::flags::{Context, check_load_mode};
use crate::logging::{self, LogGuard, LogOptions, LogTarget};
use crate::setup;

/// Maintenance commands log JSON lines to standard error.
pub fn stderr_logging(args: &QuietLogArgs) -> Result<LogGuard> {
    logging::init(&LogOptions { target: LogTarget::Stderr, level: args.log_level, utc: false })
}

pub async fn init(args: InitArgs) -> Result<()> {
    let _log = stderr_logging(&args.log)?;
    let ctx = Context::new(&args.config);
    let loaded = setup::load_config(&ctx)?;
    let load_from = ctx.flag(args.load.loaddata_from.clone(), "LOADDATA_FROM", Default::default())?;
    let mode = check_load_mode(ctx.flag(args.load.loaddata_mode, "LOADDATA_MODE", 1)?)?;
    let clean = ctx.flag(args.load.loaddata_clean, "LOADDATA_CLEAN", false)?;
    let store = setup::open_store(&loaded).await?;
    let has_dump = !std::path::Path::as_os_str(&load_from).is_empty();
    if has_dump {
        crate::commands::loaddata::refuse_for_memory(&store)?;
    }
    match setup::init_schema(&store).await? {
        InitOutcome::UpToDate => println!("the data provider is up to date"),
        InitOutcome::Migrated { from: None, to } => println!("the data provider was initialised (schema version {to})"),
        InitOutcome::Migrated { from: Some(f), to } => {
            println!("the data provider was upgraded from schema version {f} to {to}")
        }
    }
    if has_dump {
        crate::commands::loaddata::load_file(&store, &load_from, mode, 0, clean).await?;
        println!("loaded {}", load_from.display());
    }
    store.backend().close().await;
    Ok(())
}

pub async fn revert(args: RevertArgs) -> Result<()> {
    let _log = stderr_logging(&args.log)?;
    let ctx = Context::new(&args.config);
    let loaded = setup::load_config(&ctx)?;
    let store = setup::open_store(&loaded).await?;
    store.revert(args.to_version).await?;
    println!("the data provider schema was reverted to version {}", args.to_version);
    store.backend().close().await;
    Ok(())
}

pub async fn reset(args: ResetArgs) -> Result<()> {
    let _log = stderr_logging(&args.log)?;
    let ctx = Context::new(&args.config);
    let loaded = setup::load_config(&ctx)?;
    let store = setup::open_store(&loaded).await?;
    if !args.force {
        let dp = &loaded.config.data_provider;
        let stdin = std::io::stdin();
        let mut answer = String::new();
        if stdin.is_terminal() {
            eprint!(
                "This deletes every table and all data of the {} data provider {:?}. Are you sure? (Y/n) ",
                dp.driver, dp.name
            );
            let _ = std::io::stderr().flush();
        }
        if stdin.lock().read_line(&mut answer)? == 0 {
            bail!("resetprovider: no confirmation on standard input; use --force to reset without asking");
        }
        if answer.trim() != "Y" && answer.trim() != "y" {
            bail!("resetprovider: aborted, nothing was changed");
        }
    }
    store.reset().await?;
    println!("the data provider was reset");
    store.backend().close().await;
    Ok(())
}
