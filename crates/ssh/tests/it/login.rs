//! Every SSH login method with the real OpenSSH client: password (sshpass), public key,
//! keyboard-interactive, publickey+password, user certificates from `ssh-keygen -s`.

use std::process::Command;

use crate::support::{
    TestServer, detached, keygen, public_key, run, sftp_with_key, sftp_with_password, ssh_opts, text,
};

const PUT_GET: &str = "put data.txt\nget data.txt back.txt\nls -l\n";

fn write_data(dir: &std::path::Path) {
    std::fs::write(dir.join("data.txt"), b"hello over ssh\n").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_login_transfers_files() {
    let s = TestServer::start(|_| {}).await;
    let u = s.add(s.user("alice")).await;
    write_data(s.dir.path());
    let o = sftp_with_password(s.port, "alice", "pw-alice", "password", PUT_GET, s.dir.path()).await;
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read(format!("{}/data.txt", u.home_dir)).unwrap(), b"hello over ssh\n");
    assert_eq!(std::fs::read(s.path("back.txt")).unwrap(), b"hello over ssh\n");
    let o = sftp_with_password(s.port, "alice", "wrong", "password", "ls\n", s.dir.path()).await;
    assert!(!o.status.success(), "a wrong password must fail: {}", text(&o));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_interactive_asks_for_the_password() {
    let s = TestServer::start(|_| {}).await;
    s.add(s.user("kbd")).await;
    let o = sftp_with_password(s.port, "kbd", "pw-kbd", "keyboard-interactive", "pwd\n", s.dir.path()).await;
    assert!(o.status.success(), "{}", text(&o));
    let o = sftp_with_password(s.port, "kbd", "nope", "keyboard-interactive", "pwd\n", s.dir.path()).await;
    assert!(!o.status.success(), "{}", text(&o));
    // Disabled on the server: the same client cannot log in that way.
    let s2 = TestServer::start(|c| c.sftpd.keyboard_interactive_authentication = false).await;
    s2.add(s2.user("kbd")).await;
    let o = sftp_with_password(s2.port, "kbd", "pw-kbd", "keyboard-interactive", "pwd\n", s2.dir.path()).await;
    assert!(!o.status.success(), "{}", text(&o));
    s.stop().await;
    s2.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_keys_log_in_and_unknown_keys_do_not() {
    let s = TestServer::start(|_| {}).await;
    let good = keygen(s.dir.path(), "good");
    let other = keygen(s.dir.path(), "other");
    let mut u = s.user("bob");
    u.public_keys = vec![public_key(&good)];
    s.add(u).await;
    write_data(s.dir.path());
    let o = sftp_with_key(s.port, "bob", &good, PUT_GET, s.dir.path()).await;
    assert!(o.status.success(), "{}", text(&o));
    let o = sftp_with_key(s.port, "bob", &other, "ls\n", s.dir.path()).await;
    assert!(!o.status.success(), "{}", text(&o));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publickey_then_password_when_only_the_pair_is_allowed() {
    let s = TestServer::start(|_| {}).await;
    let key = keygen(s.dir.path(), "k");
    let mut u = s.user("multi");
    u.public_keys = vec![public_key(&key)];
    u.filters.denied_login_methods =
        ["publickey", "password", "keyboard-interactive", "publickey+keyboard-interactive"].map(String::from).to_vec();
    s.add(u).await;
    // The key alone is only a first step.
    let o = sftp_with_key(s.port, "multi", &key, "pwd\n", s.dir.path()).await;
    assert!(!o.status.success(), "key alone: {}", text(&o));
    // The password alone is refused.
    let o = sftp_with_password(s.port, "multi", "pw-multi", "password", "pwd\n", s.dir.path()).await;
    assert!(!o.status.success(), "password alone: {}", text(&o));
    // Key, then password.
    let batch = s.path("b");
    std::fs::write(&batch, "pwd\n").unwrap();
    let mut cmd = Command::new("sshpass");
    cmd.args(["-p", "pw-multi", "sftp"]).args(ssh_opts(s.port)).args(["-o", "BatchMode=no"]);
    cmd.args(["-o", "PreferredAuthentications=publickey,password", "-i"]).arg(&key);
    cmd.arg("-b").arg(&batch).arg("multi@127.0.0.1");
    let o = run(cmd).await;
    assert!(o.status.success(), "key then password: {}", text(&o));
    s.stop().await;
}

/// `ssh-keygen -s` with the given options.
async fn sign(ca: &std::path::Path, key: &std::path::Path, extra: &[&str]) {
    let mut cmd = Command::new("ssh-keygen");
    cmd.arg("-q").arg("-s").arg(ca).args(["-I", "test-cert"]).args(extra).arg(key.with_extension("pub"));
    let o = run(cmd).await;
    assert!(o.status.success(), "{}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_certificates_from_a_trusted_ca() {
    let dir = tempfile::tempdir().unwrap();
    let ca = keygen(dir.path(), "ca");
    let untrusted = keygen(dir.path(), "untrusted-ca");
    let ca_pub = ca.with_extension("pub");
    let s = TestServer::start(|c| c.sftpd.trusted_user_ca_keys = vec![ca_pub.display().to_string()]).await;
    s.add(s.user("carol")).await;

    let ok = keygen(dir.path(), "ok");
    sign(&ca, &ok, &["-n", "carol", "-V", "-5m:+1h"]).await;
    let o = sftp_with_key(s.port, "carol", &ok, "pwd\n", dir.path()).await;
    assert!(o.status.success(), "a valid certificate: {}", text(&o));

    let wrong_principal = keygen(dir.path(), "wp");
    sign(&ca, &wrong_principal, &["-n", "dave", "-V", "-5m:+1h"]).await;
    let expired = keygen(dir.path(), "exp");
    sign(&ca, &expired, &["-n", "carol", "-V", "20200101:20200102"]).await;
    let foreign = keygen(dir.path(), "foreign");
    sign(&untrusted, &foreign, &["-n", "carol", "-V", "-5m:+1h"]).await;
    let bad_source = keygen(dir.path(), "src");
    sign(&ca, &bad_source, &["-n", "carol", "-V", "-5m:+1h", "-O", "source-address=10.9.9.9/32"]).await;
    for (name, key) in [
        ("principal", &wrong_principal),
        ("expired", &expired),
        ("untrusted CA", &foreign),
        ("source-address", &bad_source),
    ] {
        let o = sftp_with_key(s.port, "carol", key, "pwd\n", dir.path()).await;
        assert!(!o.status.success(), "{name}: {}", text(&o));
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_string_shells_and_unknown_commands() {
    let s = TestServer::start(|_| {}).await;
    let key = keygen(s.dir.path(), "k");
    let mut u = s.user("erin");
    u.public_keys = vec![public_key(&key)];
    s.add(u).await;
    // `options` go before the destination, `command` after it.
    let ssh = |options: &[&str], command: &[&str]| {
        let mut cmd = Command::new("ssh");
        let opts: Vec<String> = ssh_opts(s.port)
            .into_iter()
            .map(|o| match o.as_str() {
                "-P" => "-p".to_owned(),
                "LogLevel=ERROR" => "LogLevel=DEBUG1".to_owned(),
                _ => o,
            })
            .collect();
        cmd.args(opts).args(["-o", "BatchMode=yes", "-i"]).arg(&key).args(options).arg("erin@127.0.0.1").args(command);
        cmd
    };
    let o = run(ssh(&[], &["true"])).await;
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("remote software version Wharf_{}", env!("CARGO_PKG_VERSION"))),
        "the server says it is Wharf: {err}"
    );
    assert!(!o.status.success(), "commands are not available yet: {}", text(&o));
    assert!(err.contains("command not allowed: true"), "the client is told why: {err}");
    let o = run(ssh(&["-T"], &[])).await;
    assert!(!o.status.success(), "no shell: {}", text(&o));
    s.stop().await;
}

/// A program OpenSSH runs for each prompt (`SSH_ASKPASS`): answers the password prompt with the
/// content of `<dir>/password` and the passcode prompt with `<dir>/code`.
fn askpass(dir: &std::path::Path) -> std::path::PathBuf {
    let script = dir.join("askpass.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncase \"$1\" in\n  *Authentication*) cat '{0}/code' ;;\n  *) cat '{0}/password' ;;\nesac\n",
            dir.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// `sftp` answering keyboard-interactive prompts through [`askpass`].
async fn sftp_kbd(port: u16, user: &str, dir: &std::path::Path, key: Option<&std::path::Path>) -> std::process::Output {
    let batch = dir.join("kbd-batch");
    std::fs::write(&batch, "pwd\n").unwrap();
    let mut cmd = Command::new("sftp");
    cmd.args(ssh_opts(port)).args(["-o", "BatchMode=no"]);
    match key {
        Some(k) => {
            cmd.args(["-o", "PreferredAuthentications=publickey,keyboard-interactive", "-i"]).arg(k);
        }
        None => {
            cmd.args(["-o", "PreferredAuthentications=keyboard-interactive", "-o", "PubkeyAuthentication=no"]);
        }
    }
    cmd.arg("-b").arg(&batch).arg(format!("{user}@127.0.0.1"));
    cmd.env("SSH_ASKPASS", askpass(dir)).env("SSH_ASKPASS_REQUIRE", "force").env("DISPLAY", ":0");
    run(cmd).await
}

fn totp_now(secret_b32: &str) -> String {
    let key = wharf_secrets::totp::decode_secret(secret_b32).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    wharf_secrets::totp::generate(&key, wharf_secrets::totp::TotpAlgo::Sha1, now)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_interactive_asks_for_a_passcode_when_totp_is_enabled() {
    const SECRET: &str = "JBSWY3DPEHPK3PXP";
    let s = TestServer::start(|_| {}).await;
    let key = keygen(s.dir.path(), "k");
    let mut u = s.user("otp");
    u.public_keys = vec![public_key(&key)];
    u.filters.totp_config = wharf_model::user::UserTotpConfig {
        enabled: true,
        config_name: "Default".into(),
        secret: wharf_model::Secret::plain(SECRET),
        protocols: vec!["SSH".into()],
    };
    s.add(u).await;
    let dir = s.dir.path();
    std::fs::write(dir.join("password"), "pw-otp\n").unwrap();
    std::fs::write(dir.join("code"), "000000\n").unwrap();
    let o = sftp_kbd(s.port, "otp", dir, None).await;
    assert!(!o.status.success(), "a wrong passcode: {}", text(&o));
    let code = totp_now(SECRET);
    std::fs::write(dir.join("code"), format!("{code}\n")).unwrap();
    let o = sftp_kbd(s.port, "otp", dir, None).await;
    assert!(o.status.success(), "password and passcode: {}", text(&o));
    let o = sftp_kbd(s.port, "otp", dir, None).await;
    assert!(!o.status.success(), "a passcode logs in once: {}", text(&o));
    // Password authentication cannot carry the passcode: refused for this user.
    let o = sftp_with_password(s.port, "otp", "pw-otp", "password", "pwd\n", dir).await;
    assert!(!o.status.success(), "password alone: {}", text(&o));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_sessions_counts_channels_of_one_connection_and_other_connections() {
    use std::io::Write;
    use std::time::{Duration, Instant};
    let s = TestServer::start(|_| {}).await;
    let key = keygen(s.dir.path(), "k");
    let mut u = s.user("limited");
    u.public_keys = vec![public_key(&key)];
    u.max_sessions = 1;
    s.add(u).await;
    let sock = s.path("master.sock");
    let with_master = |cmd: &mut Command| {
        cmd.args(ssh_opts(s.port)).args(["-o", "BatchMode=yes", "-i"]).arg(&key);
        cmd.arg("-o").arg(format!("ControlPath={}", sock.display()));
    };
    // A master connection, then one SFTP session over it that stays open (its stdin is held).
    let mut master = Command::new("ssh");
    let opts: Vec<String> = ssh_opts(s.port).into_iter().map(|o| if o == "-P" { "-p".into() } else { o }).collect();
    master.args(opts).args(["-o", "BatchMode=yes", "-i"]).arg(&key);
    master.args(["-M", "-S"]).arg(&sock).args(["-N", "limited@127.0.0.1"]);
    let mut master = detached(&master).stdin(std::process::Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !sock.exists() {
        assert!(Instant::now() < deadline, "the master connection did not come up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut first = Command::new("sftp");
    with_master(&mut first);
    first.arg("limited@127.0.0.1");
    let mut first = detached(&first)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = first.stdin.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while s.core.registry.count_for_user("limited") < 1 {
        assert!(Instant::now() < deadline, "the first session did not open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A second channel on the same connection, and a second connection: both refused.
    let mut second = Command::new("sftp");
    with_master(&mut second);
    second.args(["-b", "-", "limited@127.0.0.1"]);
    let o = run(second).await;
    assert!(!o.status.success(), "a second channel: {}", text(&o));
    let o = sftp_with_key(s.port, "limited", &key, "pwd\n", s.dir.path()).await;
    assert!(!o.status.success(), "a second connection: {}", text(&o));
    assert_eq!(s.core.registry.count_for_user("limited"), 1);

    // Once the first session ends, a new one is allowed.
    let _ = writeln!(stdin, "bye");
    drop(stdin);
    let _ = tokio::task::spawn_blocking(move || first.wait()).await;
    let _ = master.kill();
    let _ = master.wait();
    let deadline = Instant::now() + Duration::from_secs(30);
    while s.core.registry.count_for_user("limited") > 0 {
        assert!(Instant::now() < deadline, "the session slot was not freed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let o = sftp_with_key(s.port, "limited", &key, "pwd\n", s.dir.path()).await;
    assert!(o.status.success(), "{}", text(&o));
    s.stop().await;
}

/// A keyboard-interactive hook program speaking SFTPGo's protocol: the server checks the password,
/// then the hook asks a question of its own; it also writes its environment to `<dir>/hook.env`.
fn kbd_hook_program(dir: &std::path::Path) -> std::path::PathBuf {
    let script = dir.join("kbd-hook.sh");
    std::fs::write(
        &script,
        format!(
            r#"#!/bin/sh
/usr/bin/env > '{0}/hook.env'
echo '{{"questions":["Password: "],"echos":[false],"check_password":1}}'
read ok
[ "$ok" = "OK" ] || exit 1
echo '{{"instruction":"one more question","questions":["Authentication colour: "],"echos":[true]}}'
read colour
if [ "$colour" = "blue" ]; then echo '{{"auth_result":1}}'; else echo '{{"auth_result":-1}}'; fi
"#,
            dir.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_interactive_hook_programs_run_the_exchange() {
    let dir = tempfile::tempdir().unwrap();
    let hook = kbd_hook_program(dir.path());
    let s = TestServer::start(|c| c.sftpd.keyboard_interactive_auth_hook = hook.display().to_string()).await;
    s.add(s.user("hooked")).await;
    let d = s.dir.path();
    // The askpass helper answers prompts containing "Authentication" from <dir>/code.
    std::fs::write(d.join("password"), "pw-hooked\n").unwrap();
    std::fs::write(d.join("code"), "blue\n").unwrap();
    let o = sftp_kbd(s.port, "hooked", d, None).await;
    assert!(o.status.success(), "password checked by the server, colour by the hook: {}", text(&o));
    let env = std::fs::read_to_string(dir.path().join("hook.env")).unwrap();
    assert!(env.contains("SFTPGO_AUTHD_USERNAME=hooked"), "{env}");
    assert!(env.contains("SFTPGO_AUTHD_IP=127.0.0.1"), "{env}");
    assert!(env.contains("SFTPGO_AUTHD_PASSWORD=$2"), "the stored hash: {env}");
    std::fs::write(d.join("code"), "red\n").unwrap();
    let o = sftp_kbd(s.port, "hooked", d, None).await;
    assert!(!o.status.success(), "the hook refuses: {}", text(&o));
    std::fs::write(d.join("password"), "wrong\n").unwrap();
    std::fs::write(d.join("code"), "blue\n").unwrap();
    let o = sftp_kbd(s.port, "hooked", d, None).await;
    assert!(!o.status.success(), "a wrong password fails at the server's check: {}", text(&o));
    s.stop().await;
}

/// Serves SFTPGo's HTTP keyboard-interactive protocol on a free port: step 1 asks the password
/// (checked by the server), step 2 expects `OK` and asks a colour, step 3 accepts `blue`.
async fn kbd_hook_http() -> (String, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/kbd", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        for _ in 0..32 {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let body_at = loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break p + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..body_at]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                    .unwrap_or(0);
                while buf.len() < body_at + len {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let req: serde_json::Value = serde_json::from_slice(&buf[body_at..body_at + len]).unwrap();
                let answer = |i: usize| req["answers"][i].as_str().unwrap_or_default().to_owned();
                let reply = match req["step"].as_u64() {
                    Some(1)
                        if req["username"] == "webhooked"
                            && req["password"].as_str().is_some_and(|p| p.starts_with("$2")) =>
                    {
                        r#"{"questions":["Password: "],"echos":[false],"check_password":1}"#.to_owned()
                    }
                    Some(2) if answer(0) == "OK" => {
                        r#"{"questions":["Authentication colour: "],"echos":[true]}"#.to_owned()
                    }
                    Some(3) if answer(0) == "blue" => r#"{"auth_result":1}"#.to_owned(),
                    _ => r#"{"auth_result":-1}"#.to_owned(),
                };
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_interactive_hook_over_http() {
    let (url, server) = kbd_hook_http().await;
    let s = TestServer::start(|c| c.sftpd.keyboard_interactive_auth_hook = url.clone()).await;
    s.add(s.user("webhooked")).await;
    let d = s.dir.path();
    std::fs::write(d.join("password"), "pw-webhooked\n").unwrap();
    std::fs::write(d.join("code"), "blue\n").unwrap();
    let o = sftp_kbd(s.port, "webhooked", d, None).await;
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(d.join("code"), "green\n").unwrap();
    let o = sftp_kbd(s.port, "webhooked", d, None).await;
    assert!(!o.status.success(), "{}", text(&o));
    s.stop().await;
    server.abort();
}
