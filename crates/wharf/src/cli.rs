//! Command-line interface: the commands and flags of SFTPGo's CLI, under the name `wharf`.
//!
//! Flags that SFTPGo also reads from the environment are optional here and resolved in [`crate::flags`]
//! in this order: the flag, `WHARF_<NAME>`, `SFTPGO_<NAME>`, the same variables from `<config dir>/env.d`,
//! then the default.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Wharf: a file-transfer server for SFTP, SCP, FTP/S, WebDAV and HTTP, compatible with SFTPGo's
/// configuration, data dumps, REST API and hooks.
#[derive(Debug, Parser)]
#[command(name = "wharf", version, disable_help_subcommand = true, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the configured services (creating or upgrading the data provider's schema unless
    /// data_provider.update_mode is 1) and run until SIGTERM or SIGINT. SIGHUP reloads the
    /// memory provider's dump file and the TLS certificates.
    Serve(ServeArgs),
    /// Create or upgrade the data provider's schema, optionally loading a dump.
    Initprovider(InitArgs),
    /// Downgrade the data provider's schema to an earlier version, for running an older Wharf.
    Revertprovider(RevertArgs),
    /// Delete every table and all data of the data provider.
    Resetprovider(ResetArgs),
    /// Set an admin's password (asked twice on the terminal, or read as two lines from standard input
    /// when it is not a terminal) and disable the admin's two-factor authentication. Creates the admin
    /// with every permission if it does not exist yet.
    Resetpwd(ResetPwdArgs),
    /// Check that a running Wharf answers on its health-check endpoint (telemetry, or else the first
    /// HTTP binding): exits 0 when /healthz answers 200.
    Ping(ConfigArgs),
    /// Serve one SFTP session on standard input and output for the OS user running the process:
    /// OpenSSH's `Subsystem sftp` mode (sshd authenticates, Wharf applies its user settings).
    /// Logs never go to standard output. See docs/subsystem.md.
    Startsubsys(SubsysArgs),
    /// Generate shell completion scripts and man pages.
    #[command(subcommand)]
    Gen(GenCommand),
}

/// Where the configuration is.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Directory for the configuration file and for relative paths in it (host keys, SQLite database,
    /// certificates…) [env: WHARF_CONFIG_DIR, SFTPGO_CONFIG_DIR] [default: .]
    #[arg(short = 'c', long = "config-dir", value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// Configuration file (absolute or relative to the config dir); its extension gives the format:
    /// json, yaml, yml, toml, hcl or env [env: WHARF_CONFIG_FILE, SFTPGO_CONFIG_FILE]
    #[arg(long = "config-file", value_name = "FILE")]
    pub config_file: Option<PathBuf>,
}

/// Logging flags of `serve`.
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Log file, JSON lines; relative paths are relative to the config dir; an empty value logs to
    /// standard output [env: WHARF_LOG_FILE_PATH, SFTPGO_LOG_FILE_PATH] [default: wharf.log]
    #[arg(short = 'l', long = "log-file-path", value_name = "PATH")]
    pub log_file_path: Option<String>,
    /// Size in MB at which the log file is rotated [env: WHARF_LOG_MAX_SIZE, SFTPGO_LOG_MAX_SIZE] [default: 10]
    #[arg(short = 's', long = "log-max-size", value_name = "MB")]
    pub log_max_size: Option<u64>,
    /// Rotated log files to keep [env: WHARF_LOG_MAX_BACKUPS, SFTPGO_LOG_MAX_BACKUPS] [default: 5]
    #[arg(short = 'b', long = "log-max-backups", value_name = "N")]
    pub log_max_backups: Option<usize>,
    /// Days to keep rotated log files (checked at start and at each rotation) [env: WHARF_LOG_MAX_AGE,
    /// SFTPGO_LOG_MAX_AGE] [default: 28]
    #[arg(short = 'a', long = "log-max-age", value_name = "DAYS")]
    pub log_max_age: Option<u64>,
    /// Compress rotated log files with gzip [env: WHARF_LOG_COMPRESS, SFTPGO_LOG_COMPRESS]
    #[arg(short = 'z', long = "log-compress", num_args = 0..=1, default_missing_value = "true")]
    pub log_compress: Option<bool>,
    /// Minimum level logged: debug, info, warn or error [env: WHARF_LOG_LEVEL, SFTPGO_LOG_LEVEL] [default: debug]
    #[arg(long = "log-level", value_name = "LEVEL")]
    pub log_level: Option<LogLevel>,
    /// Timestamps in UTC instead of local time [env: WHARF_LOG_UTC_TIME, SFTPGO_LOG_UTC_TIME]
    #[arg(long = "log-utc-time", num_args = 0..=1, default_missing_value = "true")]
    pub log_utc_time: Option<bool>,
    /// Log to journald instead of a file [env: WHARF_LOG_TO_JOURNALD]
    #[arg(short = 'j', long = "log-to-journald", num_args = 0..=1, default_missing_value = "true")]
    pub log_to_journald: Option<bool>,
}

/// Flags for loading a dump at start.
#[derive(Debug, Clone, Args)]
pub struct LoadDataArgs {
    /// Absolute path of a dump (SFTPGo backup format, version 16 or 17) to load
    /// [env: WHARF_LOADDATA_FROM, SFTPGO_LOADDATA_FROM]
    #[arg(long = "loaddata-from", value_name = "FILE")]
    pub loaddata_from: Option<PathBuf>,
    /// 0: add new objects and update existing ones; 1: add new objects only
    /// [env: WHARF_LOADDATA_MODE, SFTPGO_LOADDATA_MODE] [default: 1]
    #[arg(long = "loaddata-mode", value_name = "MODE")]
    pub loaddata_mode: Option<u8>,
    /// Delete the dump file after a successful load [env: WHARF_LOADDATA_CLEAN, SFTPGO_LOADDATA_CLEAN]
    #[arg(long = "loaddata-clean", num_args = 0..=1, default_missing_value = "true")]
    pub loaddata_clean: Option<bool>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub log: LogArgs,
    #[command(flatten)]
    pub load: LoadDataArgs,
    /// Quota scan after loading: 0 none, 1 every loaded user and folder, 2 only those with quota limits
    /// [env: WHARF_LOADDATA_QUOTA_SCAN, SFTPGO_LOADDATA_QUOTA_SCAN] [default: 0]
    #[arg(long = "loaddata-scan", value_name = "MODE")]
    pub loaddata_scan: Option<u8>,
    /// Seconds to let running transfers finish after SIGTERM/SIGINT (0 = stop at once)
    /// [env: WHARF_GRACE_TIME, SFTPGO_GRACE_TIME] [default: 0]
    #[arg(long = "grace-time", value_name = "SECONDS")]
    pub grace_time: Option<u64>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub load: LoadDataArgs,
    #[command(flatten)]
    pub log: QuietLogArgs,
}

/// Logging flags of the maintenance commands, which log to standard error.
#[derive(Debug, Clone, Args)]
pub struct QuietLogArgs {
    /// Minimum level logged to standard error (JSON lines)
    #[arg(long = "log-level", value_name = "LEVEL", default_value = "warn")]
    pub log_level: LogLevel,
}

#[derive(Debug, Args)]
pub struct RevertArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The schema version to revert to
    #[arg(long = "to-version", value_name = "VERSION")]
    pub to_version: u32,
    #[command(flatten)]
    pub log: QuietLogArgs,
}

#[derive(Debug, Args)]
pub struct ResetArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Do not ask for confirmation
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub log: QuietLogArgs,
}

#[derive(Debug, Args)]
pub struct ResetPwdArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The admin's username
    #[arg(long, value_name = "USERNAME")]
    pub admin: String,
    #[command(flatten)]
    pub log: QuietLogArgs,
}

/// Flags of `startsubsys`. Unlike the other commands, only the config dir and file also come from
/// the environment: the other flags are written in sshd_config.
#[derive(Debug, Args)]
pub struct SubsysArgs {
    /// Config dir, absolute. Without it no configuration is read (not even from the current
    /// directory, which is the user's home under sshd): built-in defaults and an empty memory
    /// provider [env: WHARF_CONFIG_DIR, SFTPGO_CONFIG_DIR]
    #[arg(short = 'c', long = "config-dir", value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// Configuration file (absolute or relative to the config dir, which it needs)
    /// [env: WHARF_CONFIG_FILE, SFTPGO_CONFIG_FILE]
    #[arg(long = "config-file", value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Keep the home directory of a user found in the data provider (by default it is replaced,
    /// for this session only, by the user's home from the OS account database)
    #[arg(short = 'p', long = "preserve-home")]
    pub preserve_home: bool,
    /// Home of users not in the data provider: <DIR>/<username> (absolute) instead of their OS home
    #[arg(short = 'd', long = "base-home-dir", value_name = "DIR")]
    pub base_home_dir: Option<PathBuf>,
    /// Log to the systemd journal
    #[arg(short = 'j', long = "log-to-journald")]
    pub log_to_journald: bool,
    /// Append JSON log lines to this file (relative to the config dir; never rotated by Wharf)
    /// instead of standard error, which sshd discards for subsystems
    #[arg(short = 'l', long = "log-file-path", value_name = "PATH", conflicts_with = "log_to_journald")]
    pub log_file_path: Option<PathBuf>,
    /// Minimum level logged: debug, info, warn or error
    #[arg(long = "log-level", value_name = "LEVEL", default_value = "info")]
    pub log_level: LogLevel,
    /// Timestamps in UTC instead of local time
    #[arg(long = "log-utc-time")]
    pub log_utc_time: bool,
}

#[derive(Debug, Subcommand)]
pub enum GenCommand {
    /// Print a completion script for a shell
    Completion {
        /// The shell
        shell: Shell,
    },
    /// Write man pages (section 1) for every command into a directory
    Man {
        /// Output directory
        #[arg(short = 'd', long = "dir", default_value = "man")]
        dir: PathBuf,
    },
}

/// Shells with completion scripts.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Log levels, as SFTPGo names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl std::str::FromStr for LogLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        <Self as ValueEnum>::from_str(s, true)
    }
}

impl LogLevel {
    /// The `tracing` level.
    pub fn as_tracing(self) -> tracing::Level {
        match self {
            Self::Debug => tracing::Level::DEBUG,
            Self::Info => tracing::Level::INFO,
            Self::Warn => tracing::Level::WARN,
            Self::Error => tracing::Level::ERROR,
        }
    }
}
