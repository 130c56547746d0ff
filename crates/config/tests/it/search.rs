//! Where the configuration file is looked for.

use std::path::{Path, PathBuf};

use crate::support::{load, opts};

fn write(dir: &Path, name: &str, idle: i64) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    let text = match path.extension().and_then(|e| e.to_str()) {
        Some("toml") => format!("[common]\nidle_timeout = {idle}\n"),
        Some("hcl") => format!("common {{\n  idle_timeout = {idle}\n}}\n"),
        // JSON is also valid YAML.
        _ => format!("{{\"common\": {{\"idle_timeout\": {idle}}}}}"),
    };
    std::fs::write(&path, text).unwrap();
    path
}

fn found(config_dir: &Path, search: &[PathBuf]) -> (Option<PathBuf>, i64) {
    let loaded = load(opts(config_dir, &[]).with_search_dirs(search.to_vec()));
    (loaded.file, loaded.config.common.idle_timeout)
}

#[test]
fn config_dir_first_then_search_dirs_in_order() {
    let root = tempfile::tempdir().unwrap();
    let config_dir = root.path().join("conf");
    std::fs::create_dir_all(&config_dir).unwrap();
    let search = vec![root.path().join("home/wharf"), root.path().join("etc/sftpgo")];

    let etc = write(&search[1], "sftpgo.json", 3);
    assert_eq!(found(&config_dir, &search), (Some(etc), 3));

    let home = write(&search[0], "sftpgo.yaml", 2);
    assert_eq!(found(&config_dir, &search), (Some(home), 2));

    let local = write(&config_dir, "sftpgo.toml", 1);
    assert_eq!(found(&config_dir, &search), (Some(local), 1));
}

#[test]
fn wharf_name_before_sftpgo_name_and_extension_order() {
    let dir = tempfile::tempdir().unwrap();
    let sftpgo = write(dir.path(), "sftpgo.json", 1);
    assert_eq!(found(dir.path(), &[]).0, Some(sftpgo));
    let wharf_yaml = write(dir.path(), "wharf.yaml", 2);
    assert_eq!(found(dir.path(), &[]), (Some(wharf_yaml), 2));
    let wharf_json = write(dir.path(), "wharf.json", 3);
    assert_eq!(found(dir.path(), &[]), (Some(wharf_json), 3));
}

#[test]
fn directories_with_config_names_are_not_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("wharf.json")).unwrap();
    let file = write(dir.path(), "sftpgo.hcl", 4);
    assert_eq!(found(dir.path(), &[]), (Some(file), 4));
}

#[test]
fn explicit_file_relative_to_config_dir_or_absolute() {
    let root = tempfile::tempdir().unwrap();
    let config_dir = root.path().join("conf");
    write(&config_dir, "sftpgo.json", 1);
    let custom = write(&config_dir.join("sub"), "custom.json", 5);
    let loaded = load(opts(&config_dir, &[]).with_config_file("sub/custom.json"));
    assert_eq!((loaded.file, loaded.config.common.idle_timeout), (Some(custom), 5));

    let elsewhere = write(&root.path().join("other"), "x.json", 6);
    let loaded = load(opts(&config_dir, &[]).with_config_file(&elsewhere));
    assert_eq!((loaded.file, loaded.config.common.idle_timeout), (Some(elsewhere), 6));
}

#[test]
fn default_search_path_uses_home_from_the_injected_environment() {
    let env: wharf_config::EnvSource = [("HOME", "/home/someone")].into_iter().collect();
    let options = wharf_config::LoadOptions::new(".", env);
    assert_eq!(options.search_dirs[0], PathBuf::from("/home/someone/.config/wharf"));
    assert_eq!(options.search_dirs[1], PathBuf::from("/home/someone/.config/sftpgo"));
    assert_eq!(options.search_dirs.last(), Some(&PathBuf::from("/usr/local/etc/sftpgo")));
}
