//! Arguments, help, version, generated completions and man pages, configuration errors.

use crate::support::{Env, assert_one_line_error, stderr, stdout};

#[test]
fn version_and_help() {
    let env = Env::new();
    let o = env.run(&["--version"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).trim(), format!("wharf {}", env!("CARGO_PKG_VERSION")));
    let o = env.run(&["--help"]);
    assert!(o.status.success());
    for cmd in ["serve", "initprovider", "revertprovider", "resetprovider", "resetpwd", "ping", "gen"] {
        assert!(stdout(&o).contains(cmd), "{cmd} missing from --help");
    }
    let o = env.run(&["serve", "--help"]);
    for flag in
        ["--config-dir", "--log-file-path", "--loaddata-from", "--loaddata-mode", "--grace-time", "SFTPGO_LOG_LEVEL"]
    {
        assert!(stdout(&o).contains(flag), "{flag} missing from serve --help");
    }
}

#[test]
fn bad_arguments_give_one_line() {
    let env = Env::new();
    let o = env.run(&["serve", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    assert_one_line_error(&o, &["--no-such-flag"]);
    let o = env.run(&["revertprovider", "--to-version", "abc"]);
    assert_one_line_error(&o, &["abc"]);
    let o = env.run(&["gen", "completion", "tcsh"]);
    assert_one_line_error(&o, &["tcsh"]);
    let o = env.run(&["serve", "--log-level", "loud"]);
    assert_one_line_error(&o, &["loud"]);
    let o = env.run(&["resetpwd"]);
    assert_one_line_error(&o, &["--admin"]);
}

#[test]
fn bad_flag_values_from_the_environment_name_the_variable() {
    let env = Env::new().var("SFTPGO_LOADDATA_MODE", "seven");
    let o = env.run(&["serve", "-c", &env.cfg(), "-l", ""]);
    assert_one_line_error(&o, &["SFTPGO_LOADDATA_MODE", "seven"]);
    let env = Env::new().var("WHARF_LOADDATA_MODE", "2");
    let o = env.run(&["serve", "-c", &env.cfg(), "-l", ""]);
    assert_one_line_error(&o, &["--loaddata-mode", "2"]);
}

#[test]
fn completion_scripts_and_man_pages() {
    let env = Env::new();
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef wharf"), ("fish", "complete -c wharf")] {
        let o = env.run(&["gen", "completion", shell]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        assert!(stdout(&o).contains(marker), "{shell} script lacks {marker:?}");
        assert!(stdout(&o).contains("initprovider"), "{shell} script lacks subcommands");
    }
    let man = env.path().join("man");
    let o = env.run(&["gen", "man", "-d", man.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    for page in ["wharf.1", "wharf-serve.1", "wharf-initprovider.1", "wharf-gen-completion.1"] {
        let text = std::fs::read_to_string(man.join(page)).unwrap();
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{page} is not a man page");
    }
}

#[test]
fn broken_config_files_give_one_line_naming_file_and_key() {
    let env = Env::new();
    let file = env.write("wharf.json", r#"{"sftpd": {"bindings": [{"port": "not-a-port"}]}}"#);
    let o = env.run(&["initprovider", "-c", &env.cfg()]);
    assert_one_line_error(&o, &[file.to_str().unwrap(), "sftpd.bindings[0].port"]);
    assert!(!env.path().join("sftpgo.db").exists(), "a failed start must not create the database");

    std::fs::remove_file(&file).unwrap();
    let file = env.write("sftpgo.yaml", "data_provider:\n  drivr: sqlite\n");
    let o = env.run(&["initprovider", "-c", &env.cfg()]);
    assert_one_line_error(&o, &[file.to_str().unwrap(), "drivr"]);

    std::fs::remove_file(&file).unwrap();
    env.write("wharf.toml", "[data_provider]\ndriver = \"oracle\"\n");
    let o = env.run(&["initprovider", "-c", &env.cfg()]);
    assert_one_line_error(&o, &["data_provider.driver", "oracle"]);

    let o = env.run(&["initprovider", "-c", &env.cfg(), "--config-file", "missing.json"]);
    assert_one_line_error(&o, &["missing.json"]);
    assert!(!env.path().join("sftpgo.db").exists());
}

#[test]
fn env_overrides_and_env_d_reach_the_config() {
    // The database name comes from env.d, the driver from the process environment.
    let env = Env::new().var("SFTPGO_DATA_PROVIDER__DRIVER", "sqlite");
    env.write("env.d/provider.env", "SFTPGO_DATA_PROVIDER__NAME=from-env-d.db\n");
    let o = env.run(&["initprovider", "-c", &env.cfg()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(env.path().join("from-env-d.db").exists());
    let env = Env::new().var("WHARF_DATA_PROVIDER__TRACK_QUOTA", "many");
    let o = env.run(&["initprovider", "-c", &env.cfg()]);
    assert_one_line_error(&o, &["WHARF_DATA_PROVIDER__TRACK_QUOTA"]);
}

/// Answers one HTTP request with `status` on a free port, from a thread; returns the port.
fn one_shot_http(status: &'static str) -> (u16, std::thread::JoinHandle<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 512];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = conn.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            req.extend_from_slice(&buf[..n]);
        }
        conn.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok").as_bytes())
            .unwrap();
        String::from_utf8_lossy(&req).into_owned()
    });
    (port, handle)
}

#[test]
fn ping_checks_the_health_endpoint() {
    let (port, server) = one_shot_http("200 OK");
    let env = Env::new().var("SFTPGO_TELEMETRY__BIND_PORT", &port.to_string());
    let o = env.run(&["ping", "-c", &env.cfg()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "OK");
    assert!(server.join().unwrap().starts_with("GET /healthz HTTP/1.1\r\n"));

    let (port, server) = one_shot_http("503 Service Unavailable");
    let env = Env::new()
        .var("SFTPGO_HTTPD__BINDINGS__0__PORT", &port.to_string())
        .var("SFTPGO_HTTPD__BINDINGS__0__ADDRESS", "127.0.0.1");
    let o = env.run(&["ping", "-c", &env.cfg()]);
    assert_one_line_error(&o, &["503"]);
    server.join().unwrap();

    // Nothing listening there any more.
    let env = Env::new().var("SFTPGO_TELEMETRY__BIND_PORT", &port.to_string());
    let o = env.run(&["ping", "-c", &env.cfg()]);
    assert_one_line_error(&o, &["cannot connect"]);
}
