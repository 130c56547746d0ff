//! Running hook programs (`command` section).
//!
//! A hook program gets a cleared environment: only the `command.env` entries, the entries of a
//! matching `command.commands[]` override, and the hook's own variables, later ones winning when
//! a name repeats. It runs in its own process group so that a timeout kills it together with
//! anything it started. Exit status 0 is success.

use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::task::JoinHandle;
use wharf_config::CommandConfig;

use super::{HookError, HookKind};

/// Most bytes of standard output a hook may write when its output is used.
pub const MAX_STDOUT: usize = 1024 * 1024;
/// Most bytes of standard error kept for the log; the rest is read and dropped.
pub const MAX_STDERR: usize = 64 * 1024;
/// Timeout when `command.timeout` is not positive.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the output pipes may stay open after the program itself exited (a background job
/// it left behind may hold them); after that reading stops and the exit status decides.
const PIPE_GRACE: Duration = Duration::from_secs(2);

/// What a finished hook program produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandOutput {
    /// Standard output (empty unless captured; at most [`MAX_STDOUT`] bytes).
    pub stdout: Vec<u8>,
    /// The start of standard error (at most [`MAX_STDERR`] bytes).
    pub stderr: Vec<u8>,
}

/// One `command.commands[]` entry, parsed.
#[derive(Debug)]
struct Override {
    path: String,
    hook: String,
    timeout: Option<Duration>,
    env: Vec<(OsString, OsString)>,
    args: Vec<String>,
}

#[derive(Debug)]
struct Settings {
    timeout: Duration,
    env: Vec<(OsString, OsString)>,
    overrides: Vec<Override>,
}

/// Runs hook programs as the `command` section says. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CommandRunner {
    settings: Arc<Settings>,
}

/// The timeout, environment and arguments of one run.
struct Plan<'a> {
    timeout: Duration,
    env: Vec<&'a (OsString, OsString)>,
    args: &'a [String],
}

fn seconds(value: i64) -> Option<Duration> {
    u64::try_from(value).ok().filter(|s| *s > 0).map(Duration::from_secs)
}

/// Splits `KEY=VALUE` entries; entries without `=` or with an empty key are skipped with a warning.
fn parse_env(entries: &[String], origin: &str) -> Vec<(OsString, OsString)> {
    entries
        .iter()
        .filter_map(|entry| match entry.split_once('=') {
            Some((key, value)) if !key.is_empty() => Some((OsString::from(key), OsString::from(value))),
            _ => {
                tracing::warn!(origin, "ignoring a hook environment entry that is not KEY=VALUE");
                None
            }
        })
        .collect()
}

impl CommandRunner {
    /// Takes the timeout, environment and per-program overrides from `command`.
    pub fn new(config: &CommandConfig) -> Self {
        let overrides = config
            .commands
            .iter()
            .map(|c| Override {
                path: c.path.clone(),
                hook: c.hook.clone(),
                timeout: seconds(c.timeout),
                env: parse_env(&c.env, "command.commands[].env"),
                args: c.args.clone(),
            })
            .collect();
        Self {
            settings: Arc::new(Settings {
                timeout: seconds(config.timeout).unwrap_or(DEFAULT_TIMEOUT),
                env: parse_env(&config.env, "command.env"),
                overrides,
            }),
        }
    }

    /// The override for `program` run as `hook`: the first entry with the same path whose
    /// `hook` is empty or names this hook.
    fn matching(&self, hook: HookKind, program: &Path) -> Option<&Override> {
        self.settings
            .overrides
            .iter()
            .find(|o| Path::new(&o.path) == program && (o.hook.is_empty() || o.hook == hook.as_str()))
    }

    fn plan(&self, hook: HookKind, program: &Path) -> Plan<'_> {
        let mut env: Vec<&(OsString, OsString)> = self.settings.env.iter().collect();
        match self.matching(hook, program) {
            Some(o) => {
                env.extend(o.env.iter());
                Plan { timeout: o.timeout.unwrap_or(self.settings.timeout), env, args: &o.args }
            }
            None => Plan { timeout: self.settings.timeout, env, args: &[] },
        }
    }

    /// The timeout that applies to `program` run as `hook`.
    pub fn timeout_for(&self, hook: HookKind, program: &Path) -> Duration {
        self.plan(hook, program).timeout
    }

    /// Runs `program` with the hook variables `vars`, its standard output discarded.
    pub async fn run(
        &self,
        hook: HookKind,
        program: &Path,
        vars: &[(String, String)],
    ) -> Result<CommandOutput, HookError> {
        self.execute(hook, program, vars, false).await
    }

    /// Runs `program` with the hook variables `vars` and returns its standard output, which
    /// must not exceed [`MAX_STDOUT`] bytes.
    pub async fn run_capture(
        &self,
        hook: HookKind,
        program: &Path,
        vars: &[(String, String)],
    ) -> Result<CommandOutput, HookError> {
        self.execute(hook, program, vars, true).await
    }

    /// Starts `program` for a conversation (the keyboard-interactive hook): standard input and
    /// output are piped to the caller, standard error is logged at debug level, and the whole
    /// process group is killed when the returned handle is dropped. The timeout that applies is
    /// returned with it; enforcing it is the caller's job.
    pub fn spawn_interactive(
        &self,
        hook: HookKind,
        program: &Path,
        vars: &[(String, String)],
    ) -> Result<InteractiveProgram, HookError> {
        let name = program.display().to_string();
        if !program.is_absolute() {
            return Err(HookError::InvalidHook { hook, reason: format!("{name:?} is not an absolute program path") });
        }
        let plan = self.plan(hook, program);
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(plan.args)
            .env_clear()
            .envs(plan.env.iter().map(|(k, v)| (k, v)))
            .envs(vars.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|source| HookError::Spawn { hook, program: name.clone(), source })?;
        let group = GroupKiller::new(child.id());
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(HookError::Io {
                hook,
                program: name,
                source: std::io::Error::other("the program's pipes are missing"),
            });
        };
        if let Some(stderr) = child.stderr.take() {
            let shown = name.clone();
            tokio::spawn(async move {
                if let Ok((bytes, _)) = read_bounded(stderr, MAX_STDERR).await
                    && !bytes.is_empty()
                {
                    tracing::debug!(hook = %hook, program = %shown, stderr = %String::from_utf8_lossy(&bytes), "hook program wrote to standard error");
                }
            });
        }
        Ok(InteractiveProgram {
            stdin,
            stdout,
            timeout: plan.timeout,
            guard: ProgramGuard { _group: group, _child: child },
        })
    }

    async fn execute(
        &self,
        hook: HookKind,
        program: &Path,
        vars: &[(String, String)],
        capture: bool,
    ) -> Result<CommandOutput, HookError> {
        let name = program.display().to_string();
        if !program.is_absolute() {
            return Err(HookError::InvalidHook { hook, reason: format!("{name:?} is not an absolute program path") });
        }
        let plan = self.plan(hook, program);
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(plan.args)
            .env_clear()
            .envs(plan.env.iter().map(|(k, v)| (k, v)))
            .envs(vars.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(if capture { Stdio::piped() } else { Stdio::null() })
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|source| HookError::Spawn { hook, program: name.clone(), source })?;
        // Declared after `child`, so dropped first: a cancelled run kills the whole group while
        // the leader is not yet reaped.
        let mut group = GroupKiller::new(child.id());
        let stdout = child.stdout.take().map(|s| tokio::spawn(read_bounded(s, MAX_STDOUT)));
        let stderr = child.stderr.take().map(|s| tokio::spawn(read_bounded(s, MAX_STDERR)));
        let deadline = tokio::time::Instant::now() + plan.timeout;

        let status = match tokio::time::timeout_at(deadline, child.wait()).await {
            Ok(Ok(status)) => status,
            Ok(Err(source)) => {
                group.kill();
                abort(stdout);
                abort(stderr);
                return Err(HookError::Io { hook, program: name, source });
            }
            Err(_) => {
                group.kill();
                // Reap the leader; SIGKILL cannot be ignored, so this returns promptly.
                let _ = child.wait().await;
                abort(stdout);
                abort(stderr);
                tracing::warn!(hook = %hook, program = %name, timeout = ?plan.timeout, "hook program timed out and was killed");
                return Err(HookError::Timeout { hook, target: name, timeout: plan.timeout });
            }
        };
        group.disarm();

        let grace = tokio::time::Instant::now() + PIPE_GRACE;
        let (stdout, stdout_overflow) = collect(stdout, grace).await;
        let (stderr, _) = collect(stderr, grace).await;
        if !stderr.is_empty() {
            tracing::debug!(hook = %hook, program = %name, stderr = %String::from_utf8_lossy(&stderr), "hook program wrote to standard error");
        }
        if !status.success() {
            let status = describe(status);
            tracing::warn!(hook = %hook, program = %name, %status, "hook program failed");
            return Err(HookError::ExitStatus { hook, program: name, status });
        }
        if stdout_overflow {
            return Err(HookError::OutputTooLarge { hook, program: name, limit: MAX_STDOUT });
        }
        Ok(CommandOutput { stdout, stderr })
    }
}

/// A hook program in conversation with the server (see [`CommandRunner::spawn_interactive`]).
/// Dropping it kills the program and its process group.
#[derive(Debug)]
pub struct InteractiveProgram {
    /// The program's standard input.
    pub stdin: tokio::process::ChildStdin,
    /// The program's standard output.
    pub stdout: tokio::process::ChildStdout,
    /// How long the conversation may last.
    pub timeout: Duration,
    /// Keeps the program alive; dropping it kills the program's process group.
    pub guard: ProgramGuard,
}

/// Owns a running hook program: dropped, it kills the program's process group.
#[derive(Debug)]
pub struct ProgramGuard {
    // Declared before the child so that the group is killed before the child handle goes.
    _group: GroupKiller,
    _child: tokio::process::Child,
}

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "unknown exit status".to_owned(),
    }
}

/// A task reading one of a hook program's pipes: the bytes read and whether output was cut.
type PipeReader = JoinHandle<std::io::Result<(Vec<u8>, bool)>>;

fn abort(handle: Option<PipeReader>) {
    if let Some(h) = handle {
        h.abort();
    }
}

/// Waits for a pipe reader until `grace`; a reader still blocked then (the pipe is held open by a
/// leftover background process) or failed yields what could be read, i.e. nothing.
async fn collect(handle: Option<PipeReader>, grace: tokio::time::Instant) -> (Vec<u8>, bool) {
    let Some(mut handle) = handle else {
        return (Vec::new(), false);
    };
    match tokio::time::timeout_at(grace, &mut handle).await {
        Ok(Ok(Ok(read))) => read,
        Ok(_) => (Vec::new(), false),
        Err(_) => {
            handle.abort();
            tracing::debug!("a hook program's output pipe stayed open after it exited; stopped reading");
            (Vec::new(), false)
        }
    }
}

/// Reads everything from `pipe`, keeping at most `limit` bytes; the flag tells whether more came.
async fn read_bounded<R: AsyncRead + Unpin>(mut pipe: R, limit: usize) -> std::io::Result<(Vec<u8>, bool)> {
    let mut kept = Vec::new();
    let mut overflow = false;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = pipe.read(&mut buf).await?;
        if n == 0 {
            return Ok((kept, overflow));
        }
        let room = limit.saturating_sub(kept.len());
        if n > room {
            overflow = true;
        }
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
}

/// Kills the process group led by the hook program unless disarmed.
#[derive(Debug)]
struct GroupKiller(Option<rustix::process::Pid>);

impl GroupKiller {
    fn new(pid: Option<u32>) -> Self {
        Self(pid.and_then(|p| i32::try_from(p).ok()).and_then(rustix::process::Pid::from_raw))
    }

    fn kill(&mut self) {
        if let Some(pid) = self.0.take() {
            // The group may already be gone; nothing more to do then.
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
    }

    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for GroupKiller {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_config::CommandOverride;

    fn config() -> CommandConfig {
        CommandConfig {
            timeout: 12,
            env: vec!["A=1".into(), "broken".into(), "B=x=y".into()],
            commands: vec![
                CommandOverride {
                    path: "/bin/hook".into(),
                    timeout: 3,
                    env: vec!["C=2".into()],
                    args: vec!["--flag".into()],
                    hook: "startup".into(),
                },
                CommandOverride {
                    path: "/bin/hook".into(),
                    timeout: 0,
                    env: vec![],
                    args: vec![],
                    hook: String::new(),
                },
            ],
        }
    }

    #[test]
    fn overrides_match_by_path_and_hook() {
        let r = CommandRunner::new(&config());
        assert_eq!(r.timeout_for(HookKind::Startup, Path::new("/bin/hook")), Duration::from_secs(3));
        // The second entry (any hook, timeout 0) applies to other hooks: global timeout.
        assert_eq!(r.timeout_for(HookKind::FsActions, Path::new("/bin/hook")), Duration::from_secs(12));
        assert_eq!(r.timeout_for(HookKind::Startup, Path::new("/bin/other")), Duration::from_secs(12));
        let plan = r.plan(HookKind::Startup, Path::new("/bin/hook"));
        let env: Vec<(String, String)> = plan
            .env
            .iter()
            .map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned()))
            .collect();
        let want = [("A", "1"), ("B", "x=y"), ("C", "2")].map(|(k, v)| (k.to_owned(), v.to_owned()));
        assert_eq!(env, want);
        assert_eq!(plan.args, ["--flag"]);
        assert!(r.plan(HookKind::FsActions, Path::new("/bin/hook")).args.is_empty());
    }

    #[test]
    fn default_timeout_when_unset() {
        let r = CommandRunner::new(&CommandConfig { timeout: 0, ..CommandConfig::default() });
        assert_eq!(r.timeout_for(HookKind::Startup, Path::new("/x")), DEFAULT_TIMEOUT);
    }

    #[tokio::test]
    async fn relative_program_is_refused() {
        let r = CommandRunner::new(&CommandConfig::default());
        let err = r.run(HookKind::Startup, Path::new("hook.sh"), &[]).await.unwrap_err();
        assert!(matches!(err, HookError::InvalidHook { .. }), "{err}");
    }

    #[tokio::test]
    async fn read_bounded_keeps_the_limit_and_flags_overflow() {
        let data = [7u8; 100];
        let (kept, over) = read_bounded(&data[..], 100).await.unwrap();
        assert_eq!((kept.len(), over), (100, false));
        let (kept, over) = read_bounded(&data[..], 99).await.unwrap();
        assert_eq!((kept.len(), over), (99, true));
    }
}
