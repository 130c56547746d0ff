//! `serve`: start, default admin, reloading, log files, clean stop.

use std::time::Duration;

use crate::provider::dump_json;
use crate::support::{Env, Server, assert_one_line_error};

#[test]
fn starts_with_defaults_and_stops_on_sigterm() {
    let env = Env::new();
    let mut s = Server::start(&env, &[]);
    s.wait_for("no admin account exists yet", Duration::from_secs(10));
    assert!(s.seen.iter().any(|l| l.contains("resetpwd")), "serve must tell how to set the admin");
    assert!(env.path().join("sftpgo.db").exists(), "the default SQLite database is created");
    let status = s.stop();
    assert!(status.success(), "{status:?}");
}

#[test]
fn creates_the_default_admin_from_the_environment() {
    let env = Env::new()
        .var("WHARF_DATA_PROVIDER__CREATE_DEFAULT_ADMIN", "true")
        .var("SFTPGO_DEFAULT_ADMIN_USERNAME", "admin")
        .var("SFTPGO_DEFAULT_ADMIN_PASSWORD", "changeme");
    let mut s = Server::start(&env, &[]);
    s.wait_for("default admin created", Duration::from_secs(10));
    assert!(s.stop().success());
    let dump = env.dump_sqlite();
    assert!(dump.contains(r#""username":"admin""#) && !dump.contains("changeme"), "{dump}");
    // A second start finds the admin and says nothing about it.
    let mut s = Server::start(&env, &[]);
    assert!(!s.seen.iter().any(|l| l.contains("no admin account")));
    s.wait_for("running", Duration::from_secs(1));
    assert!(s.stop().success());
}

#[test]
fn loads_data_at_start() {
    let env = Env::new();
    let home = env.path().join("h").display().to_string();
    let file = env.write("load.json", &dump_json(&home, &["zed"]));
    let mut s = Server::start(&env, &["--loaddata-from", file.to_str().unwrap(), "--loaddata-clean"]);
    s.wait_for("dump loaded", Duration::from_secs(10));
    assert!(s.stop().success());
    assert!(!file.exists());
    assert!(env.dump_sqlite().contains(r#""username":"zed""#));
}

#[test]
fn memory_provider_reloads_its_dump_on_sighup() {
    let env = Env::new();
    let dump = env.write("users.json", &dump_json("/srv/sftp", &["first"]));
    env.write("wharf.json", &format!(r#"{{"data_provider": {{"driver": "memory", "name": "{}"}}}}"#, dump.display()));
    let mut s = Server::start(&env, &[]);
    s.wait_for("memory provider loaded from dump", Duration::from_secs(10));
    std::fs::write(&dump, dump_json("/srv/sftp", &["first", "second"])).unwrap();
    s.signal("HUP");
    s.wait_for("SIGHUP received", Duration::from_secs(10));
    s.wait_count("memory provider loaded from dump", 2, Duration::from_secs(10));
    // A broken dump on reload keeps the previous data and reports the error.
    std::fs::write(&dump, "{ not json").unwrap();
    s.signal("HUP");
    s.wait_for("reload failed", Duration::from_secs(10));
    assert!(s.stop().success());
}

#[test]
fn broken_memory_dump_prevents_start() {
    let env = Env::new();
    let dump = env.write("users.json", "[]");
    env.write("wharf.json", &format!(r#"{{"data_provider": {{"driver": "memory", "name": "{}"}}}}"#, dump.display()));
    let o = env.run(&["serve", "-c", &env.cfg(), "-l", ""]);
    assert_one_line_error(&o, &["users.json"]);
}

#[test]
fn logs_json_lines_to_a_rotated_file() {
    let env = Env::new();
    let log = env.path().join("logs/wharf.log");
    let mut args = vec!["serve", "-c"];
    let cfg = env.cfg();
    args.push(&cfg);
    args.extend(["--log-file-path", "logs/wharf.log", "--log-level", "info"]);
    let child = env.command(&args).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let mut s = Server::attach(child);
    s.wait_for("running with config dir", Duration::from_secs(60));
    s.signal("USR1");
    // Rotation is visible as the numbered file appearing.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !env.path().join("logs/wharf.log.1").exists() {
        assert!(std::time::Instant::now() < deadline, "SIGUSR1 did not rotate the log");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(s.stop().success());
    let text =
        std::fs::read_to_string(&log).unwrap() + &std::fs::read_to_string(env.path().join("logs/wharf.log.1")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.iter().any(|l| l.contains("starting Wharf")), "{text}");
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}"));
        assert!(v.get("level").is_some() && v.get("timestamp").is_some(), "{l}");
    }
    assert!(!lines.iter().any(|l| l.contains("\"DEBUG\"")), "--log-level info filters debug lines");
}

#[test]
fn runs_the_startup_hook() {
    let env = Env::new();
    let marker = env.path().join("started");
    let script = env.write("startup.sh", &format!("#!/bin/sh\n/usr/bin/touch '{}'\n", marker.display()));
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    env.write("wharf.json", &format!(r#"{{"common": {{"startup_hook": "{}"}}}}"#, script.display()));
    let mut s = Server::start(&env, &[]);
    s.wait_for("running with config dir", Duration::from_secs(60));
    assert!(marker.exists(), "the startup hook ran before the server said it was running");
    assert!(s.stop().success());
}

#[test]
fn an_unusable_hook_setting_prevents_start() {
    let env = Env::new();
    env.write("wharf.json", r#"{"common": {"actions": {"execute_on": ["upload"], "hook": "hooks/upload.sh"}}}"#);
    let o = env.run(&["serve", "-c", &env.cfg(), "-l", ""]);
    assert_one_line_error(&o, &["common.actions.hook", "absolute"]);
}

#[test]
fn serves_sftp_to_users_of_the_data_provider() {
    let env = Env::new();
    let key = env.path().join("id_test");
    let o = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen (openssh-client) must be installed");
    assert!(o.status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let home = env.path().join("sftp-home");
    let dump = format!(
        r#"{{"users": [{{"status": 1, "username": "sftpuser", "home_dir": "{}", "public_keys": [{:?}],
            "permissions": {{"/": ["*"]}}, "filesystem": {{"provider": 0}}}}], "version": 17}}"#,
        home.display(),
        public.trim()
    );
    let file = env.write("users.json", &dump);
    let mut s = Server::start(&env, &["--loaddata-from", file.to_str().unwrap()]);
    s.wait_for("SFTP on 127.0.0.1", Duration::from_secs(60));
    env.write("upload.txt", "through wharf serve\n");
    let batch = env.write("batch", "put upload.txt\nls\n");
    let o = std::process::Command::new("sftp")
        .args(["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"])
        .args(["-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes", "-i"])
        .arg(&key)
        .args(["-P", &env.sftp_port().to_string(), "-b"])
        .arg(&batch)
        .arg("sftpuser@127.0.0.1")
        .current_dir(env.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("sftp (openssh-client) must be installed");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(home.join("upload.txt")).unwrap(), "through wharf serve\n");
    assert!(s.stop().success());
}
