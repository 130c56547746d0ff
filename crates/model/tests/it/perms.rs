//! Permission resolution: deepest level first, exact before glob, no merging.

use std::collections::BTreeMap;

use wharf_model::perms::*;
use wharf_model::{Permissions, User};

fn p(entries: &[(&str, &[&str])]) -> Permissions {
    entries.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect::<BTreeMap<_, _>>()
}

fn resolve<'a>(perms: &'a Permissions, path: &str) -> Vec<&'a str> {
    permissions_for_path(perms, path).iter().map(String::as_str).collect()
}

#[test]
fn only_root_applies_everywhere() {
    let perms = p(&[("/", &["list", "download"])]);
    assert_eq!(resolve(&perms, "/"), vec!["list", "download"]);
    assert_eq!(resolve(&perms, "/a/b/c"), vec!["list", "download"]);
}

#[test]
fn deepest_defined_ancestor_wins_without_merging() {
    let perms = p(&[("/", &["*"]), ("/a", &["list"]), ("/a/b/c", &["upload"])]);
    assert_eq!(resolve(&perms, "/"), vec!["*"]);
    assert_eq!(resolve(&perms, "/x"), vec!["*"]);
    assert_eq!(resolve(&perms, "/a"), vec!["list"]);
    assert_eq!(resolve(&perms, "/a/b"), vec!["list"]);
    assert_eq!(resolve(&perms, "/a/b/c"), vec!["upload"]);
    // Not merged with "/a" or "/": only upload.
    assert_eq!(resolve(&perms, "/a/b/c/d/e"), vec!["upload"]);
    assert!(!has_perm(&perms, PERM_LIST, "/a/b/c/d"));
    assert!(has_perm(&perms, PERM_LIST, "/a/b"));
    assert!(has_perm(&perms, PERM_CHMOD, "/zzz"), "* grants everything");
}

#[test]
fn glob_keys_match_one_level() {
    let perms = p(&[("/", &["*"]), ("/p*", &["list"]), ("/p/*", &["download"])]);
    assert_eq!(resolve(&perms, "/p1"), vec!["list"]);
    assert_eq!(resolve(&perms, "/public/sub/dir"), vec!["list"], "ancestor /public matches /p*");
    assert_eq!(resolve(&perms, "/p/x"), vec!["download"]);
    assert_eq!(resolve(&perms, "/p/x/y"), vec!["download"]);
    // "/p" itself matches "/p*" at its own level.
    assert_eq!(resolve(&perms, "/p"), vec!["list"]);
    assert_eq!(resolve(&perms, "/q"), vec!["*"]);
}

#[test]
fn exact_key_beats_glob_at_the_same_level() {
    let perms = p(&[("/", &["*"]), ("/p*", &["list"]), ("/p1", &["upload"])]);
    assert_eq!(resolve(&perms, "/p1"), vec!["upload"]);
    assert_eq!(resolve(&perms, "/p2"), vec!["list"]);
    assert_eq!(resolve(&perms, "/p1/deeper"), vec!["upload"]);
}

#[test]
fn deeper_glob_beats_shallower_exact_key() {
    let perms = p(&[("/", &["*"]), ("/a", &["list"]), ("/a/*", &["download"])]);
    assert_eq!(resolve(&perms, "/a/b"), vec!["download"]);
    assert_eq!(resolve(&perms, "/a"), vec!["list"]);
}

#[test]
fn glob_classes_and_question_marks() {
    let perms = p(&[("/", &["list"]), ("/dir[0-9]", &["upload"]), ("/?x", &["delete"])]);
    assert_eq!(resolve(&perms, "/dir5"), vec!["upload"]);
    assert_eq!(resolve(&perms, "/dirx"), vec!["list"]);
    assert_eq!(resolve(&perms, "/ax"), vec!["delete"]);
    assert_eq!(resolve(&perms, "/abx"), vec!["list"]);
}

#[test]
fn no_root_entry_means_nothing() {
    let perms = p(&[("/a", &["list"])]);
    assert!(resolve(&perms, "/b").is_empty());
    assert_eq!(resolve(&perms, "/a/x"), vec!["list"]);
    assert!(resolve(&Permissions::new(), "/").is_empty());
}

#[test]
fn split_permissions() {
    let perms = p(&[("/", &["delete_files", "delete_dirs", "rename_files"])]);
    assert!(can_delete_all(&perms, "/x"));
    assert!(!can_rename_all(&perms, "/x"));
    assert!(has_any_perm(&perms, &[PERM_RENAME, PERM_RENAME_FILES], "/x"));
    assert!(!has_perms(&perms, &[PERM_DELETE_FILES, PERM_UPLOAD], "/x"));
    let all = p(&[("/", &["*"])]);
    assert!(can_rename_all(&all, "/") && can_delete_all(&all, "/"));
}

#[test]
fn user_methods_use_the_same_rules() {
    let u = User { permissions: p(&[("/", &["list"]), ("/in", &["upload"])]), ..Default::default() };
    assert_eq!(u.permissions_for_path("/in/file"), &["upload".to_string()]);
    assert!(u.has_perm(PERM_UPLOAD, "/in"));
    assert!(!u.has_perm(PERM_UPLOAD, "/"));
}

#[test]
fn permission_name_lists() {
    assert_eq!(USER_PERMISSIONS.len(), 17);
    assert!(USER_PERMISSIONS.contains(&"copy"));
    assert_eq!(ADMIN_PERMISSIONS.len(), 15);
    assert!(ADMIN_PERMISSIONS.contains(&"disable_mfa"));
    assert_eq!(LOGIN_METHODS.len(), 8);
}
