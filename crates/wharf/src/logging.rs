//! Log output: JSON lines to a size-rotated file, to standard output or standard error, or to journald.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use file_rotate::compression::Compression;
use file_rotate::suffix::AppendCount;
use file_rotate::{ContentLimit, FileRotate};
use tracing_subscriber::fmt::time::{ChronoLocal, ChronoUtc};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::cli::LogLevel;

/// Where logs go and how.
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// The destination.
    pub target: LogTarget,
    /// Minimum level.
    pub level: LogLevel,
    /// UTC timestamps instead of local time.
    pub utc: bool,
}

/// A log destination.
#[derive(Debug, Clone)]
pub enum LogTarget {
    /// JSON lines to standard output.
    Stdout,
    /// JSON lines to standard error (maintenance commands; the subsystem mode, whose standard output
    /// carries the protocol).
    Stderr,
    /// The systemd journal.
    Journald,
    /// JSON lines to a file, rotated by size.
    File {
        /// The file.
        path: PathBuf,
        /// Rotate when the file reaches this many bytes.
        max_bytes: usize,
        /// Rotated files kept.
        max_backups: usize,
        /// Rotated files older than this are removed.
        max_age: Duration,
        /// Gzip rotated files.
        compress: bool,
    },
}

/// Keeps the log pipeline alive (dropping it flushes pending lines) and rotates the file on demand.
#[must_use = "logs are lost when the guard is dropped"]
#[derive(Debug, Default)]
pub struct LogGuard {
    _worker: Option<tracing_appender::non_blocking::WorkerGuard>,
    file: Option<(SharedRotate, PathBuf, Duration)>,
}

impl LogGuard {
    /// Rotates the log file now (SIGUSR1) and prunes old rotated files.
    pub fn rotate(&self) {
        if let Some((file, path, max_age)) = &self.file {
            if let Err(e) = file.rotate() {
                tracing::error!(error = %e, "log rotation failed");
            }
            prune_old(path, *max_age);
        }
    }
}

/// The rotating file, shared between the logging worker thread and the SIGUSR1 handler.
#[derive(Clone)]
struct SharedRotate(Arc<Mutex<FileRotate<AppendCount>>>);

impl std::fmt::Debug for SharedRotate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedRotate")
    }
}

impl SharedRotate {
    fn lock(&self) -> std::sync::MutexGuard<'_, FileRotate<AppendCount>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn rotate(&self) -> io::Result<()> {
        self.lock().rotate()
    }
}

impl Write for SharedRotate {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lock().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.lock().flush()
    }
}

/// Removes rotated copies of `path` (`<name>.<n>` and `<name>.<n>.gz`) older than `max_age`.
fn prune_old(path: &Path, max_age: Duration) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let Ok(entries) = fs::read_dir(dir) else { return };
    let prefix = format!("{name}.");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else { continue };
        let number = rest.strip_suffix(".gz").unwrap_or(rest);
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > max_age);
        if old {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Installs the global subscriber. Call once, early.
pub fn init(opts: &LogOptions) -> Result<LogGuard> {
    // RUST_LOG, when set, refines the level per module (handy for debugging a dependency).
    let mut filter = EnvFilter::builder()
        .with_default_directive(opts.level.as_tracing().into())
        .with_env_var("WHARF_RUST_LOG")
        .from_env_lossy();
    // russh logs every SSH packet at debug level: at Wharf's default level (debug) that is tens of
    // thousands of lines per GiB transferred and a measurable share of the server's CPU. Unless
    // WHARF_RUST_LOG says otherwise, it logs from info up.
    if std::env::var_os("WHARF_RUST_LOG").is_none()
        && opts.level.as_tracing() > tracing_subscriber::filter::LevelFilter::INFO
        && let Ok(directive) = "russh=info".parse()
    {
        filter = filter.add_directive(directive);
    }
    let mut guard = LogGuard::default();
    let json = |w: tracing_appender::non_blocking::NonBlocking| {
        let base = tracing_subscriber::fmt::layer().json().with_current_span(true).with_span_list(false).with_writer(w);
        if opts.utc {
            base.with_timer(ChronoUtc::rfc_3339()).boxed()
        } else {
            base.with_timer(ChronoLocal::rfc_3339()).boxed()
        }
    };
    let layer = match &opts.target {
        LogTarget::Journald => tracing_journald::layer().context("cannot connect to journald")?.boxed(),
        LogTarget::Stdout => {
            let (w, g) = tracing_appender::non_blocking(io::stdout());
            guard._worker = Some(g);
            json(w)
        }
        LogTarget::Stderr => {
            let (w, g) = tracing_appender::non_blocking(io::stderr());
            guard._worker = Some(g);
            json(w)
        }
        LogTarget::File { path, max_bytes, max_backups, max_age, compress } => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs::create_dir_all(dir).with_context(|| format!("cannot create log directory {}", dir.display()))?;
            }
            // Fail early and clearly if the file cannot be written (FileRotate would only report it later).
            fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open log file {}", path.display()))?;
            prune_old(path, *max_age);
            let compression = if *compress { Compression::OnRotate(0) } else { Compression::None };
            let mut open = fs::OpenOptions::new();
            open.read(true).create(true).append(true);
            std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
            let rotate = FileRotate::new(
                path,
                AppendCount::new(*max_backups),
                ContentLimit::BytesSurpassed((*max_bytes).max(1)),
                compression,
                Some(open),
            );
            let shared = SharedRotate(Arc::new(Mutex::new(rotate)));
            let (w, g) = tracing_appender::non_blocking(shared.clone());
            guard._worker = Some(g);
            guard.file = Some((shared, path.clone(), *max_age));
            json(w)
        }
    };
    tracing_subscriber::registry().with(layer.with_filter(filter)).try_init().context("logging already initialised")?;
    Ok(guard)
}
