//! Permission names, login methods and protocol names, and SFTPGo's per-directory permission
//! resolution.
//!
//! Resolution ([`permissions_for_path`]): if `/` is the only entry it applies everywhere;
//! otherwise the path and its ancestors are tried from the deepest to `/`, and at each level an
//! exact key wins over glob keys (matched like Go's `path.Match`, so `*` never crosses `/`). The
//! first entry found is used as a whole: levels are never merged. Callers usually check the parent
//! directory of the target of an operation.

use crate::glob;
use crate::user::Permissions;
use crate::vpath;

/// All permissions.
pub const PERM_ANY: &str = "*";
/// List directory contents.
pub const PERM_LIST: &str = "list";
/// Download files.
pub const PERM_DOWNLOAD: &str = "download";
/// Upload files.
pub const PERM_UPLOAD: &str = "upload";
/// Overwrite existing files while uploading (needs `upload` too).
pub const PERM_OVERWRITE: &str = "overwrite";
/// Delete files and directories.
pub const PERM_DELETE: &str = "delete";
/// Delete files.
pub const PERM_DELETE_FILES: &str = "delete_files";
/// Delete directories.
pub const PERM_DELETE_DIRS: &str = "delete_dirs";
/// Rename files and directories.
pub const PERM_RENAME: &str = "rename";
/// Rename files.
pub const PERM_RENAME_FILES: &str = "rename_files";
/// Rename directories.
pub const PERM_RENAME_DIRS: &str = "rename_dirs";
/// Create directories.
pub const PERM_CREATE_DIRS: &str = "create_dirs";
/// Create symbolic links.
pub const PERM_CREATE_SYMLINKS: &str = "create_symlinks";
/// Change permissions.
pub const PERM_CHMOD: &str = "chmod";
/// Change owner and group.
pub const PERM_CHOWN: &str = "chown";
/// Change access and modification times.
pub const PERM_CHTIMES: &str = "chtimes";
/// Copy files and directories.
pub const PERM_COPY: &str = "copy";

/// Every valid user permission name.
pub const USER_PERMISSIONS: [&str; 17] = [
    PERM_ANY,
    PERM_LIST,
    PERM_DOWNLOAD,
    PERM_UPLOAD,
    PERM_OVERWRITE,
    PERM_CREATE_DIRS,
    PERM_RENAME,
    PERM_RENAME_FILES,
    PERM_RENAME_DIRS,
    PERM_DELETE,
    PERM_DELETE_FILES,
    PERM_DELETE_DIRS,
    PERM_COPY,
    PERM_CREATE_SYMLINKS,
    PERM_CHMOD,
    PERM_CHOWN,
    PERM_CHTIMES,
];

/// Super admin.
pub const ADMIN_PERM_ANY: &str = "*";
/// Every valid admin permission name.
pub const ADMIN_PERMISSIONS: [&str; 15] = [
    ADMIN_PERM_ANY,
    "add_users",
    "edit_users",
    "del_users",
    "view_users",
    "view_conns",
    "close_conns",
    "view_status",
    "manage_folders",
    "manage_groups",
    "quota_scans",
    "manage_defender",
    "view_defender",
    "view_events",
    "disable_mfa",
];

/// Login method: public key.
pub const LOGIN_PUBLIC_KEY: &str = "publickey";
/// Login method: password, all protocols.
pub const LOGIN_PASSWORD: &str = "password";
/// Login method: password over SSH only.
pub const LOGIN_PASSWORD_OVER_SSH: &str = "password-over-SSH";
/// Login method: keyboard-interactive.
pub const LOGIN_KEYBOARD_INTERACTIVE: &str = "keyboard-interactive";
/// Login method: public key then password.
pub const LOGIN_KEY_AND_PASSWORD: &str = "publickey+password";
/// Login method: public key then keyboard-interactive.
pub const LOGIN_KEY_AND_KEYBOARD_INT: &str = "publickey+keyboard-interactive";
/// Login method: TLS client certificate.
pub const LOGIN_TLS_CERT: &str = "TLSCertificate";
/// Login method: TLS client certificate then password.
pub const LOGIN_TLS_CERT_AND_PASSWORD: &str = "TLSCertificate+password";

/// Every valid value of `filters.denied_login_methods`.
pub const LOGIN_METHODS: [&str; 8] = [
    LOGIN_PUBLIC_KEY,
    LOGIN_PASSWORD,
    LOGIN_PASSWORD_OVER_SSH,
    LOGIN_KEYBOARD_INTERACTIVE,
    LOGIN_KEY_AND_PASSWORD,
    LOGIN_KEY_AND_KEYBOARD_INT,
    LOGIN_TLS_CERT,
    LOGIN_TLS_CERT_AND_PASSWORD,
];

/// Every valid value of `filters.denied_protocols`.
pub const PROTOCOLS: [&str; 4] = ["SSH", "FTP", "DAV", "HTTP"];

/// Protocols that support two-factor authentication.
pub const MFA_PROTOCOLS: [&str; 3] = ["SSH", "FTP", "HTTP"];

/// Every valid value of `filters.web_client`.
pub const WEB_CLIENT_OPTIONS: [&str; 10] = [
    "publickey-change-disabled",
    "tls-cert-change-disabled",
    "write-disabled",
    "mfa-disabled",
    "password-change-disabled",
    "api-key-auth-change-disabled",
    "info-change-disabled",
    "shares-disabled",
    "password-reset-disabled",
    "shares-without-password-disabled",
];

/// The permissions that apply to `virtual_path` (an absolute, cleaned virtual path). Returns an
/// empty slice when nothing applies (no `/` entry).
pub fn permissions_for_path<'a>(perms: &'a Permissions, virtual_path: &str) -> &'a [String] {
    let root = perms.get("/");
    if let Some(root) = root
        && perms.len() == 1
    {
        return root;
    }
    for dir in vpath::dirs_for_path(virtual_path) {
        if let Some(found) = perms.get(&dir) {
            return found;
        }
        // Keys are sorted, so the first matching glob is deterministic.
        for (key, found) in perms {
            if glob::has_meta(key) && glob::matches(key, &dir) == Ok(true) {
                return found;
            }
        }
    }
    root.map(Vec::as_slice).unwrap_or(&[])
}

/// True if the permissions that apply to `virtual_path` include `perm` or `*`.
pub fn has_perm(perms: &Permissions, perm: &str, virtual_path: &str) -> bool {
    contains(permissions_for_path(perms, virtual_path), perm)
}

/// True if the permissions that apply to `virtual_path` include at least one of `wanted` (or `*`).
pub fn has_any_perm(perms: &Permissions, wanted: &[&str], virtual_path: &str) -> bool {
    let found = permissions_for_path(perms, virtual_path);
    wanted.iter().any(|w| contains(found, w))
}

/// True if the permissions that apply to `virtual_path` include all of `wanted` (or `*`).
pub fn has_perms(perms: &Permissions, wanted: &[&str], virtual_path: &str) -> bool {
    let found = permissions_for_path(perms, virtual_path);
    wanted.iter().all(|w| contains(found, w))
}

/// True if both files and directories may be deleted (`*`, `delete`, or both split permissions).
pub fn can_delete_all(perms: &Permissions, virtual_path: &str) -> bool {
    let found = permissions_for_path(perms, virtual_path);
    contains(found, PERM_DELETE) || (contains(found, PERM_DELETE_FILES) && contains(found, PERM_DELETE_DIRS))
}

/// True if both files and directories may be renamed (`*`, `rename`, or both split permissions).
pub fn can_rename_all(perms: &Permissions, virtual_path: &str) -> bool {
    let found = permissions_for_path(perms, virtual_path);
    contains(found, PERM_RENAME) || (contains(found, PERM_RENAME_FILES) && contains(found, PERM_RENAME_DIRS))
}

fn contains(found: &[String], perm: &str) -> bool {
    found.iter().any(|p| p == perm || p == PERM_ANY)
}

impl crate::User {
    /// The permissions that apply to `virtual_path` (see [`permissions_for_path`]).
    pub fn permissions_for_path(&self, virtual_path: &str) -> &[String] {
        permissions_for_path(&self.permissions, virtual_path)
    }

    /// True if the user holds `perm` (or `*`) at `virtual_path`.
    pub fn has_perm(&self, perm: &str, virtual_path: &str) -> bool {
        has_perm(&self.permissions, perm, virtual_path)
    }
}
