//! `resetpwd --admin NAME`.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context as _, Result, bail};

use crate::cli::ResetPwdArgs;
use crate::flags::Context;
use crate::setup;

/// Asks for the new password twice: on the terminal without echo, or as two lines of standard input
/// when it is not a terminal (for scripts).
fn read_password() -> Result<String> {
    let (first, second) = if std::io::stdin().is_terminal() {
        let a = rpassword::prompt_password("New password: ").context("reading the password")?;
        let b = rpassword::prompt_password("Confirm password: ").context("reading the password")?;
        (a, b)
    } else {
        let mut lines = std::io::stdin().lock().lines();
        let mut next =
            || -> Result<String> { Ok(lines.next().transpose().context("reading the password")?.unwrap_or_default()) };
        (next()?, next()?)
    };
    if first != second {
        bail!("resetpwd: the two passwords do not match");
    }
    if first.is_empty() {
        bail!("resetpwd: the password cannot be empty");
    }
    Ok(first)
}

pub async fn run(args: ResetPwdArgs) -> Result<()> {
    let _log = crate::commands::provider::stderr_logging(&args.log)?;
    let ctx = Context::new(&args.config);
    let loaded = setup::load_config(&ctx)?;
    let store = setup::open_store(&loaded).await?;
    if store.driver() == wharf_store::Driver::Memory {
        bail!("resetpwd: the memory provider keeps nothing; edit the dump file instead");
    }
    store.check_schema().await?;
    if args.admin.trim().is_empty() {
        bail!("resetpwd: --admin cannot be empty");
    }
    let password = read_password()?;
    let existed = store.find::<wharf_model::Admin>(&args.admin).await?.is_some();
    store.reset_admin_password(&args.admin, &password).await?;
    if existed {
        println!("the password of admin {:?} was updated and its two-factor authentication disabled", args.admin);
    } else {
        println!("admin {:?} was created with every permission", args.admin);
    }
    store.backend().close().await;
    Ok(())
}
