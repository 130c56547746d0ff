//! Every SSH login method with the real OpenSSH client: password (sshpass), public key,
//! keyboard-interactive, publickey+password, user certificates from `ssh-keygen -s`.

use std::process::Command;

use crate::support::{TestServer, keygen, public_key, run, sftp_with_key, sftp_with_password, ssh_opts, text};

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
