//! `common.actions` hooks as a session fires them through [`ActionRunner`], with a real program
//! and a real HTTP endpoint: exactly SFTPGo's environment, SFTPGo's JSON body, pre-* denial and
//! the synchronous upload hook that undoes an upload.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wharf_config::{CommandConfig, FsActions, HttpClientConfig};
use wharf_core::hooks::{ActionRunner, HookRunners};
use wharf_core::session::{FsHooks, SessionSettings, StandardBackends};
use wharf_vfs::FsError;

use crate::session::support::{World, get, put};

/// Every variable a program hook gets besides `command.env`, as SFTPGo documents them.
const ACTION_VARS: [&str; 19] = [
    "SFTPGO_ACTION",
    "SFTPGO_ACTION_USERNAME",
    "SFTPGO_ACTION_PATH",
    "SFTPGO_ACTION_TARGET",
    "SFTPGO_ACTION_VIRTUAL_PATH",
    "SFTPGO_ACTION_VIRTUAL_TARGET",
    "SFTPGO_ACTION_SSH_CMD",
    "SFTPGO_ACTION_FILE_SIZE",
    "SFTPGO_ACTION_ELAPSED",
    "SFTPGO_ACTION_FS_PROVIDER",
    "SFTPGO_ACTION_BUCKET",
    "SFTPGO_ACTION_ENDPOINT",
    "SFTPGO_ACTION_STATUS",
    "SFTPGO_ACTION_PROTOCOL",
    "SFTPGO_ACTION_IP",
    "SFTPGO_ACTION_SESSION_ID",
    "SFTPGO_ACTION_OPEN_FLAGS",
    "SFTPGO_ACTION_TIMESTAMP",
    "SFTPGO_ACTION_ROLE",
];

/// Variables a shell may add on its own when it runs `env`.
const SHELL_VARS: [&str; 4] = ["PWD", "OLDPWD", "SHLVL", "_"];

/// Writes a hook script that dumps its environment to `<out>/<action>.<n>.env` (NUL-separated)
/// and fails for the action named in `FAIL_ON`.
fn write_script(dir: &Path) -> PathBuf {
    let script = dir.join("hook.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\n\
         n=0\n\
         while [ -e \"$OUT_DIR/$SFTPGO_ACTION.$n.env\" ]; do n=$((n+1)); done\n\
         /usr/bin/env -0 > \"$OUT_DIR/$SFTPGO_ACTION.$n.tmp\"\n\
         /bin/mv \"$OUT_DIR/$SFTPGO_ACTION.$n.tmp\" \"$OUT_DIR/$SFTPGO_ACTION.$n.env\"\n\
         [ \"$SFTPGO_ACTION\" = \"$FAIL_ON\" ] && exit 1\n\
         exit 0\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn read_env(file: &Path) -> BTreeMap<String, String> {
    let raw = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    raw.split(|b| *b == 0)
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let kv = String::from_utf8_lossy(kv);
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn now_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as i64
}

/// A world whose sessions use local storage and fire `actions` through a real runner.
async fn world_with(actions: FsActions, command: CommandConfig) -> (World, ActionRunner) {
    // No retries: a failing endpoint answers once.
    let http = HttpClientConfig { retry_max: 0, ..HttpClientConfig::default() };
    let runners = HookRunners::new(&command, &http, Path::new("/")).unwrap();
    let runner = ActionRunner::new(&actions, runners);
    let hooks: Arc<dyn FsHooks> = Arc::new(runner.clone());
    let backends = Arc::new(StandardBackends::default());
    let w = World::with_parts(SessionSettings::default(), backends, Some(hooks)).await;
    (w, runner)
}

fn all_actions(hook: &str, sync: &[&str]) -> FsActions {
    FsActions {
        execute_on: ["pre-upload", "upload", "pre-download", "download", "rename", "mkdir", "pre-delete", "delete"]
            .map(String::from)
            .to_vec(),
        execute_sync: sync.iter().map(|s| (*s).to_owned()).collect(),
        hook: hook.to_owned(),
    }
}

#[tokio::test]
async fn program_hooks_get_exactly_the_documented_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let script = write_script(tmp.path());
    let command = CommandConfig {
        env: vec![format!("OUT_DIR={}", out.display()), "FAIL_ON=none".into()],
        ..CommandConfig::default()
    };
    let (w, runner) = world_with(all_actions(script.to_str().unwrap(), &[]), command).await;
    let u = w.user("envuser");
    let home = u.home_dir.clone();
    let s = w.session(u).await;
    let before = now_ns();
    put(&s, "/dir file.txt", b"hello").await.unwrap();
    s.rename("/dir file.txt", "/renamed.txt").await.unwrap();
    assert!(runner.drain(Duration::from_secs(30)).await, "async hooks did not finish");
    let after = now_ns();

    for (action, file) in [("pre-upload", "pre-upload.0.env"), ("upload", "upload.0.env"), ("rename", "rename.0.env")] {
        let env = read_env(&out.join(file));
        let mut keys: Vec<&str> = env.keys().map(String::as_str).filter(|k| !SHELL_VARS.contains(k)).collect();
        keys.sort_unstable();
        let mut expected: Vec<&str> = ACTION_VARS.iter().copied().chain(["FAIL_ON", "OUT_DIR"]).collect();
        expected.sort_unstable();
        assert_eq!(keys, expected, "{action}: the server's own environment must not leak, nothing may be missing");
        assert_eq!(env["SFTPGO_ACTION"], action);
        assert_eq!(env["SFTPGO_ACTION_USERNAME"], "envuser");
        assert_eq!(env["SFTPGO_ACTION_PROTOCOL"], "SFTP");
        assert_eq!(env["SFTPGO_ACTION_IP"], "127.0.0.1");
        assert_eq!(env["SFTPGO_ACTION_SESSION_ID"], "conn-envuser");
        assert_eq!(env["SFTPGO_ACTION_FS_PROVIDER"], "0");
        assert_eq!(env["SFTPGO_ACTION_BUCKET"], "");
        assert_eq!(env["SFTPGO_ACTION_ENDPOINT"], "");
        assert_eq!(env["SFTPGO_ACTION_SSH_CMD"], "");
        assert_eq!(env["SFTPGO_ACTION_ROLE"], "");
        assert_eq!(env["SFTPGO_ACTION_STATUS"], "1");
        let ts: i64 = env["SFTPGO_ACTION_TIMESTAMP"].parse().unwrap();
        assert!((before..=after).contains(&ts), "{action}: timestamp {ts} is in nanoseconds, within the test");
        assert!(env["SFTPGO_ACTION_ELAPSED"].parse::<i64>().unwrap() >= 0);
        assert!(env["SFTPGO_ACTION_OPEN_FLAGS"].parse::<i64>().is_ok());
    }
    let up = read_env(&out.join("upload.0.env"));
    assert_eq!(up["SFTPGO_ACTION_PATH"], format!("{home}/dir file.txt"), "storage path on disk");
    assert_eq!(up["SFTPGO_ACTION_VIRTUAL_PATH"], "/dir file.txt");
    assert_eq!(up["SFTPGO_ACTION_FILE_SIZE"], "5");
    assert_eq!(up["SFTPGO_ACTION_TARGET"], "");
    let pre = read_env(&out.join("pre-upload.0.env"));
    assert_eq!(pre["SFTPGO_ACTION_FILE_SIZE"], "0", "a new file");
    let ren = read_env(&out.join("rename.0.env"));
    assert_eq!(ren["SFTPGO_ACTION_VIRTUAL_TARGET"], "/renamed.txt");
    assert_eq!(ren["SFTPGO_ACTION_TARGET"], format!("{home}/renamed.txt"));
}

#[tokio::test]
async fn failing_program_hooks_deny_pre_operations_and_undo_sync_uploads() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let script = write_script(tmp.path());
    let env = |fail: &str| CommandConfig {
        env: vec![format!("OUT_DIR={}", out.display()), format!("FAIL_ON={fail}")],
        ..CommandConfig::default()
    };
    let hook = script.to_str().unwrap();

    let (w, _) = world_with(all_actions(hook, &[]), env("pre-download")).await;
    let s = w.session(w.user("deny")).await;
    put(&s, "/f", b"data").await.unwrap();
    assert_eq!(get(&s, "/f").await, Err(FsError::denied()), "a failing pre-download hook denies");

    let (w, _) = world_with(all_actions(hook, &["upload"]), env("upload")).await;
    let mut u = w.user("undo");
    u.quota_files = 10;
    let s = w.session(u).await;
    assert_eq!(put(&s, "/g", b"12345").await, Err(FsError::denied()), "a failing sync upload hook fails the upload");
    assert_eq!(s.stat("/g").await, Err(FsError::NotFound), "and removes the file");
    assert_eq!(w.used("undo").await, (0, 0), "and reverts the quota");
}

/// One HTTP request as the hook endpoint saw it.
#[derive(Debug)]
struct Seen {
    head: String,
    body: serde_json::Value,
}

/// Serves hook requests on a free loopback port: answers 500 to the first `fail` requests whose
/// action is `fail_action`, 200 to the rest, and hands every request to the returned channel.
async fn hook_server(fail_action: &'static str) -> (String, tokio::sync::mpsc::UnboundedReceiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        for _ in 0..64 {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body_start) = loop {
                    let n = sock.read(&mut chunk).await.unwrap();
                    assert!(n > 0 && buf.len() < 64 * 1024, "incomplete request");
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break (String::from_utf8_lossy(&buf[..p]).into_owned(), p + 4);
                    }
                };
                let len: usize = head
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                    .map_or(0, |v| v.parse().unwrap());
                while buf.len() < body_start + len {
                    let n = sock.read(&mut chunk).await.unwrap();
                    assert!(n > 0, "truncated body");
                    buf.extend_from_slice(&chunk[..n]);
                }
                let body: serde_json::Value = serde_json::from_slice(&buf[body_start..body_start + len]).unwrap();
                let status = if body["action"] == fail_action { "500 Internal Server Error" } else { "200 OK" };
                let reply = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                sock.write_all(reply.as_bytes()).await.unwrap();
                let _ = tx.send(Seen { head, body });
            });
        }
    });
    (format!("http://{addr}/hook"), rx)
}

#[tokio::test]
async fn http_hooks_post_sftpgo_json_and_deny_on_failure() {
    let (url, mut rx) = hook_server("pre-delete").await;
    let (w, runner) = world_with(all_actions(&url, &["upload"]), CommandConfig::default()).await;
    let s = w.session(w.user("httpuser")).await;
    put(&s, "/a.bin", b"abc").await.unwrap();
    assert_eq!(s.remove("/a.bin").await, Err(FsError::denied()), "HTTP 500 from a pre-delete hook denies");
    assert!(s.stat("/a.bin").await.is_ok(), "the file stays");
    assert!(runner.drain(Duration::from_secs(30)).await);

    let mut seen = Vec::new();
    while seen.len() < 3 {
        let got = tokio::time::timeout(Duration::from_secs(30), rx.recv()).await.expect("hook request").unwrap();
        seen.push(got);
    }
    let up = seen.iter().find(|r| r.body["action"] == "upload").expect("upload event");
    assert!(up.head.starts_with("POST /hook HTTP/1.1"), "{}", up.head);
    assert!(up.head.to_ascii_lowercase().contains("content-type: application/json"), "{}", up.head);
    let b = &up.body;
    assert_eq!(b["username"], "httpuser");
    assert_eq!(b["virtual_path"], "/a.bin");
    assert_eq!(b["path"], format!("{}/a.bin", w.path("httpuser")));
    assert_eq!(b["file_size"], 3);
    assert_eq!(b["fs_provider"], 0);
    assert_eq!(b["status"], 1);
    assert_eq!(b["protocol"], "SFTP");
    assert_eq!(b["ip"], "127.0.0.1");
    assert_eq!(b["session_id"], "conn-httpuser");
    assert!(b["timestamp"].as_i64().unwrap() > 1_600_000_000_000_000_000, "nanoseconds");
    for absent in ["target_path", "virtual_target_path", "ssh_cmd", "bucket", "endpoint", "role", "metadata"] {
        assert!(b.get(absent).is_none(), "{absent} is left out when empty, as SFTPGo does: {b}");
    }
    let pre = seen.iter().find(|r| r.body["action"] == "pre-upload").expect("pre-upload event");
    assert!(pre.body.get("file_size").is_none(), "zero size is left out");
}
