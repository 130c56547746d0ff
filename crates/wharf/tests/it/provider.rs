//! initprovider, revertprovider, resetprovider, resetpwd and dump loading through the binary.

use crate::support::{Env, assert_one_line_error, stderr, stdout};

/// A small SFTPGo-shaped dump (hashes as SFTPGo writes them).
pub fn dump_json(home: &str, users: &[&str]) -> String {
    let users: Vec<String> = users
        .iter()
        .map(|u| {
            format!(
                r#"{{"id": 7, "status": 1, "username": "{u}", "home_dir": "{home}/{u}",
                "password": "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=",
                "uid": 0, "gid": 0, "max_sessions": 0, "quota_size": 0, "quota_files": 10,
                "permissions": {{"/": ["*"], "/in": ["list", "upload"]}},
                "used_quota_size": 123, "used_quota_files": 2,
                "upload_data_transfer": 0, "download_data_transfer": 0, "total_data_transfer": 0,
                "created_at": 1721557800000, "updated_at": 1721557800000,
                "virtual_folders": [{{"name": "shared", "virtual_path": "/shared", "quota_size": -1, "quota_files": -1}}],
                "filters": {{"allowed_ip": ["192.0.2.0/24"]}}, "filesystem": {{"provider": 0}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"users": [{}], "groups": [],
          "folders": [{{"id": 1, "name": "shared", "mapped_path": "{home}/shared", "used_quota_size": 0,
                        "used_quota_files": 0, "last_quota_update": 0, "filesystem": {{"provider": 0}}}}],
          "admins": [{{"id": 1, "status": 1, "username": "boss",
                       "password": "$2a$10$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK",
                       "permissions": ["*"], "filters": {{}}, "created_at": 1, "updated_at": 1}}],
          "api_keys": [], "shares": [], "event_actions": [], "event_rules": [], "roles": [], "ip_lists": [],
          "configs": null, "version": 17}}"#,
        users.join(",")
    )
}

#[test]
fn initprovider_revert_reset_cycle() {
    let env = Env::new();
    let cfg = env.cfg();
    let o = env.run(&["initprovider", "-c", &cfg]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("initialised"), "{}", stdout(&o));
    let o = env.run(&["initprovider", "-c", &cfg]);
    assert!(stdout(&o).contains("up to date"), "{}", stdout(&o));
    let o = env.run(&["revertprovider", "-c", &cfg, "--to-version", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = env.run(&["revertprovider", "-c", &cfg, "--to-version", "99"]);
    assert_one_line_error(&o, &["99"]);
    // With update_mode 1 a stale schema is an error at start; initprovider upgrades it.
    let manual = Env::new();
    let _ = manual;
    let o = env.run(&["initprovider", "-c", &cfg]);
    assert!(stdout(&o).contains("upgraded from schema version 1 to 2"), "{}", stdout(&o));

    // resetprovider asks first and does nothing without a yes.
    let o = env.run_with_input(&["resetprovider", "-c", &cfg], "n\n");
    assert_one_line_error(&o, &["aborted"]);
    let o = env.run(&["initprovider", "-c", &cfg]);
    assert!(stdout(&o).contains("up to date"));
    let o = env.run_with_input(&["resetprovider", "-c", &cfg], "y\n");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = env.run(&["initprovider", "-c", &cfg]);
    assert!(stdout(&o).contains("initialised"), "reset must drop the schema: {}", stdout(&o));
    let o = env.run(&["resetprovider", "-c", &cfg, "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn update_mode_1_requires_initprovider() {
    let env = Env::new().var("SFTPGO_DATA_PROVIDER__UPDATE_MODE", "1");
    let o = env.run(&["serve", "-c", &env.cfg(), "-l", ""]);
    assert_one_line_error(&o, &["initprovider"]);
}

#[test]
fn resetpwd_creates_then_updates_an_admin() {
    let env = Env::new();
    let cfg = env.cfg();
    let o = env.run_with_input(&["resetpwd", "-c", &cfg, "--admin", "root"], "pw\npw\n");
    assert!(!o.status.success(), "resetpwd needs an initialised provider");
    env.run(&["initprovider", "-c", &cfg]);
    let o = env.run_with_input(&["resetpwd", "-c", &cfg, "--admin", "root"], "s3cret\nother\n");
    assert_one_line_error(&o, &["do not match"]);
    let o = env.run_with_input(&["resetpwd", "-c", &cfg, "--admin", "root"], "s3cret\ns3cret\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("created"));
    let dump = env.dump_sqlite();
    assert!(dump.contains(r#""username":"root""#) && dump.contains("$2a$"), "{dump}");
    assert!(!dump.contains("s3cret"), "the password must be stored hashed");
    let o = env.run_with_input(&["resetpwd", "-c", &cfg, "--admin", "root"], "n3w\nn3w\n");
    assert!(stdout(&o).contains("updated"), "{}", stdout(&o));
    assert_ne!(env.dump_sqlite(), dump);
}

#[test]
fn loaddata_loads_and_a_bad_dump_changes_nothing() {
    let env = Env::new();
    let cfg = env.cfg();
    let home = env.path().join("homes").display().to_string();
    let good = env.write("dump.json", &dump_json(&home, &["alice", "bob"]));
    let o = env.run(&["initprovider", "-c", &cfg, "--loaddata-from", good.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = env.dump_sqlite();
    assert!(before.contains(r#""username":"alice""#) && before.contains(r#""username":"boss""#), "{before}");
    assert!(before.contains("$pbkdf2-sha256$"), "pre-hashed passwords are kept verbatim");
    assert!(before.contains(r#""used_quota_size":123"#), "new users take the dump's used quota");

    // One invalid user among valid ones: nothing is loaded, the error names the object.
    let bad = dump_json(&home, &["carol", "dave"]).replacen(&format!("{home}/dave"), "relative/home", 1);
    let bad = env.write("bad.json", &bad);
    let o = env.run(&["initprovider", "-c", &cfg, "--loaddata-from", bad.to_str().unwrap()]);
    assert_one_line_error(&o, &["dave", "home_dir"]);
    assert_eq!(env.dump_sqlite(), before, "a refused dump must leave the provider unchanged");

    let broken = env.write("broken.json", "{\"users\": [");
    let o = env.run(&["initprovider", "-c", &cfg, "--loaddata-from", broken.to_str().unwrap()]);
    assert_one_line_error(&o, &["broken.json"]);
    let old = env.write("old.json", &dump_json(&home, &["erin"]).replace(r#""version": 17"#, r#""version": 12"#));
    let o = env.run(&["initprovider", "-c", &cfg, "--loaddata-from", old.to_str().unwrap()]);
    assert_one_line_error(&o, &["old.json", "12"]);
    let o = env.run(&["initprovider", "-c", &cfg, "--loaddata-from", "relative.json"]);
    assert_one_line_error(&o, &["absolute"]);
    assert_eq!(env.dump_sqlite(), before);

    // Mode 1 (the default) keeps existing objects; --loaddata-clean removes the file afterwards.
    let again =
        env.write("again.json", &dump_json(&home, &["alice"]).replace("\"quota_files\": 10", "\"quota_files\": 99"));
    let o = env.run(&["initprovider", "-c", &cfg, "--loaddata-from", again.to_str().unwrap(), "--loaddata-clean"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!again.exists(), "--loaddata-clean removes the dump");
    assert_eq!(env.dump_sqlite(), before);
    let again =
        env.write("again.json", &dump_json(&home, &["alice"]).replace("\"quota_files\": 10", "\"quota_files\": 99"));
    let o = env.run(&["initprovider", "-c", &cfg, "--loaddata-from", again.to_str().unwrap(), "--loaddata-mode", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(env.dump_sqlite().contains(r#""quota_files":99"#));
}

#[test]
fn memory_provider_refuses_initprovider_loaddata() {
    let env = Env::new().var("SFTPGO_DATA_PROVIDER__DRIVER", "memory").var("SFTPGO_DATA_PROVIDER__NAME", "");
    let dump = env.write("d.json", &dump_json("/srv", &["a"]));
    let o = env.run(&["initprovider", "-c", &env.cfg(), "--loaddata-from", dump.to_str().unwrap()]);
    assert_one_line_error(&o, &["memory provider"]);
}

#[test]
fn many_wharf_processes_share_one_sqlite_file() {
    // Several processes at once: schema creation races, dump loads and admin writes must all
    // succeed without "database is locked".
    let env = Env::new();
    let cfg = env.cfg();
    let home = env.path().join("homes").display().to_string();
    let mut children = Vec::new();
    for i in 0..6 {
        let users: Vec<String> = (0..5).map(|j| format!("u{i}x{j}")).collect();
        let refs: Vec<&str> = users.iter().map(String::as_str).collect();
        let file =
            env.write(&format!("d{i}.json"), &dump_json(&home, &refs).replace("\"boss\"", &format!("\"boss{i}\"")));
        let mut c = env.command(&["initprovider", "-c", &cfg, "--loaddata-from", file.to_str().unwrap()]);
        c.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        children.push(c.spawn().unwrap());
    }
    for i in 0..4 {
        let mut c = env.command(&["resetpwd", "-c", &cfg, "--admin", &format!("admin{i}")]);
        c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"pw\npw\n").unwrap();
        children.push(child);
    }
    for child in children {
        let o = crate::support::wait_output(child, std::time::Duration::from_secs(120));
        // resetpwd may run before any initprovider created the schema: that is the only accepted failure.
        let err = stderr(&o);
        assert!(!err.contains("locked"), "{err}");
        assert!(o.status.success() || err.contains("not initialised"), "{err}");
    }
    let dump = env.dump_sqlite();
    for i in 0..6 {
        for j in 0..5 {
            assert!(dump.contains(&format!(r#""username":"u{i}x{j}""#)), "u{i}x{j} missing");
        }
    }
}
