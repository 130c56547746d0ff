//! `gen completion` and `gen man`.

use std::path::Path;

use anyhow::{Context as _, Result};
use clap::CommandFactory;

use crate::cli::{Cli, Shell};

pub fn completion(shell: Shell) {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "wharf", &mut std::io::stdout());
}

fn write_page(cmd: &clap::Command, name: &str, dir: &Path) -> Result<()> {
    let path = dir.join(format!("{name}.1"));
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone().name(name.to_owned())).render(&mut out).context("rendering a man page")?;
    std::fs::write(&path, out).with_context(|| format!("gen man: cannot write {}", path.display()))
}

pub fn man(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("gen man: cannot create {}", dir.display()))?;
    let root = Cli::command();
    write_page(&root, "wharf", dir)?;
    let mut count = 1;
    for sub in root.get_subcommands() {
        let name = format!("wharf-{}", sub.get_name());
        write_page(sub, &name, dir)?;
        count += 1;
        for nested in sub.get_subcommands() {
            write_page(nested, &format!("{name}-{}", nested.get_name()), dir)?;
            count += 1;
        }
    }
    println!("wrote {count} man pages to {}", dir.display());
    Ok(())
}
