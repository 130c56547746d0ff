//! The `wharf` binary: command-line parsing and wiring of the crates.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod flags;
mod logging;
mod setup;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, GenCommand};

/// Parses arguments; on a usage error prints one line naming what is wrong.
fn parse() -> Result<Cli, ExitCode> {
    match Cli::try_parse() {
        Ok(cli) => Ok(cli),
        Err(e) if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion) => {
            let _ = e.print();
            Err(ExitCode::SUCCESS)
        }
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            Err(ExitCode::from(2))
        }
        Err(e) => {
            // clap's message is the first paragraph; later paragraphs are usage and tips.
            let text = e.render().to_string();
            let message: Vec<&str> = text
                .lines()
                .skip_while(|l| l.trim().is_empty())
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let message = message.join(" ");
            let message = message.trim_start_matches("error: ");
            eprintln!("wharf: {message} (see wharf --help)");
            Err(ExitCode::from(2))
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => commands::serve::run(args).await,
        Command::Initprovider(args) => commands::provider::init(args).await,
        Command::Revertprovider(args) => commands::provider::revert(args).await,
        Command::Resetprovider(args) => commands::provider::reset(args).await,
        Command::Resetpwd(args) => commands::resetpwd::run(args).await,
        Command::Ping(args) => commands::ping::run(args).await,
        Command::Startsubsys(args) => commands::startsubsys::run(args).await,
        Command::Gen(GenCommand::Completion { shell }) => {
            commands::generate::completion(shell);
            Ok(())
        }
        Command::Gen(GenCommand::Man { dir }) => commands::generate::man(&dir),
    }
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wharf: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the error and its causes, joined.
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("wharf: {msg}");
            ExitCode::FAILURE
        }
    }
}
