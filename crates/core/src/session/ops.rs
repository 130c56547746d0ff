//! File operations other than transfers: stat, listing, directories, removal, renames, links,
//! attributes, statvfs, copies and hashes.

use std::collections::HashSet;
use std::time::{Instant, SystemTime};

use async_trait::async_trait;
use wharf_model::perms::{
    PERM_CHMOD, PERM_CHOWN, PERM_CHTIMES, PERM_COPY, PERM_CREATE_DIRS, PERM_CREATE_SYMLINKS, PERM_DELETE,
    PERM_DELETE_DIRS, PERM_DELETE_FILES, PERM_LIST, PERM_OVERWRITE, PERM_RENAME, PERM_RENAME_DIRS, PERM_RENAME_FILES,
    PERM_UPLOAD,
};
use wharf_vfs::path::{is_within, join, parent};
use wharf_vfs::{
    Capabilities, DirEntry, DirLister, FileKind, Fs, FsError, FsResult, HashAlgo, Metadata, Mount, RelPath, StatVfs,
    clean_virtual,
};

use super::policy::{self, PatternVerdict};
use super::{HookEvent, Session};

/// Attribute changes (SFTP SETSTAT, FTP MFMT/SITE CHMOD, WebDAV PROPPATCH, SCP -p).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetStat {
    /// New size (truncate or extend).
    pub size: Option<u64>,
    /// New permission bits.
    pub mode: Option<u32>,
    /// New owner and group.
    pub owner: Option<(u32, u32)>,
    /// New access and modification times.
    pub times: Option<(SystemTime, SystemTime)>,
}

/// Entries of a directory, streamed, with pattern-hidden entries left out and virtual folders
/// mounted in it shown as directories.
#[derive(Debug)]
pub struct Listing {
    inner: Option<Box<dyn DirLister>>,
    /// Mount points directly inside the listed directory, shown first.
    mounts: Vec<DirEntry>,
    mount_names: HashSet<String>,
    dir: String,
    user: wharf_model::User,
}

#[async_trait]
impl DirLister for Listing {
    async fn next_batch(&mut self, max: usize) -> FsResult<Vec<DirEntry>> {
        let max = max.max(1);
        if !self.mounts.is_empty() {
            let n = self.mounts.len().min(max);
            return Ok(self.mounts.drain(..n).collect());
        }
        let Some(inner) = self.inner.as_mut() else { return Ok(Vec::new()) };
        loop {
            let batch = inner.next_batch(max).await?;
            if batch.is_empty() {
                self.inner = None;
                return Ok(batch);
            }
            let kept: Vec<DirEntry> = batch
                .into_iter()
                .filter(|e| !self.mount_names.contains(&e.name))
                .filter(|e| {
                    let vpath = join(&self.dir, &e.name);
                    if e.metadata.is_dir() {
                        !policy::path_hidden(&self.user, &vpath)
                    } else {
                        policy::file_verdict(&self.user, &vpath) != PatternVerdict::Hidden
                    }
                })
                .collect();
            if !kept.is_empty() {
                return Ok(kept);
            }
        }
    }
}

fn log_op(s: &Session, op: &str, path: &str, target: &str, started: Instant, result: &FsResult<()>) {
    let info = s.info();
    tracing::info!(
        target: "transfer",
        op,
        user = %info.username,
        protocol = info.conn.protocol.as_str(),
        ip = %info.conn.ip,
        session = %info.conn.id,
        path,
        target,
        elapsed_ms = started.elapsed().as_millis() as u64,
        outcome = match result { Ok(()) => "ok", Err(_) => "error" },
        error = result.as_ref().err().map(|e| e.to_string()).unwrap_or_default(),
    );
}

impl Session {
    fn resolve_mount(&self, vpath: &str) -> FsResult<(&Mount, RelPath)> {
        self.mounts().resolve(vpath)
    }

    /// Refuses changes to `/` and to virtual folder mount points.
    fn not_a_mount_point(&self, vpath: &str) -> FsResult<()> {
        if vpath == "/" || self.mounts().is_mount_point(vpath) { Err(FsError::denied()) } else { Ok(()) }
    }

    /// Metadata of a path (following a final symlink). Needs `list` on the parent.
    pub async fn stat(&self, vpath: &str) -> FsResult<Metadata> {
        self.stat_inner(vpath, true).await
    }

    /// Metadata of a path itself (a final symlink is reported as a link).
    pub async fn lstat(&self, vpath: &str) -> FsResult<Metadata> {
        self.stat_inner(vpath, false).await
    }

    async fn stat_inner(&self, vpath: &str, follow: bool) -> FsResult<Metadata> {
        self.touch();
        let user = self.user();
        policy::check_dir_visible(user, parent(vpath))?;
        policy::require(user, PERM_LIST, parent(vpath))?;
        let (mount, rel) = self.resolve_mount(vpath)?;
        let md = if follow { mount.fs.stat(&rel).await? } else { mount.fs.lstat(&rel).await? };
        if vpath != "/" {
            let verdict = if md.is_dir() {
                if policy::path_hidden(user, vpath) { PatternVerdict::Hidden } else { PatternVerdict::Allowed }
            } else {
                policy::file_verdict(user, vpath)
            };
            if verdict == PatternVerdict::Hidden {
                return Err(FsError::NotFound);
            }
        }
        Ok(md)
    }

    /// Lists a directory. Needs `list` on the directory itself.
    pub async fn list(&self, vpath: &str) -> FsResult<Listing> {
        self.touch();
        let user = self.user();
        policy::check_dir_visible(user, vpath)?;
        policy::require(user, PERM_LIST, vpath)?;
        let (mount, rel) = self.resolve_mount(vpath)?;
        let inner = mount.fs.list(&rel).await?;
        let mut mounts = Vec::new();
        let mut mount_names = HashSet::new();
        for name in self.mounts().mount_names_in(vpath) {
            let mp = join(vpath, name);
            if policy::path_hidden(user, &mp) {
                continue;
            }
            let (m, root) = self.resolve_mount(&mp)?;
            let metadata = match m.fs.stat(&root).await {
                Ok(md) => md,
                Err(_) => Metadata {
                    kind: FileKind::Dir,
                    size: 0,
                    mode: 0o755,
                    uid: 0,
                    gid: 0,
                    mtime: SystemTime::UNIX_EPOCH,
                    atime: SystemTime::UNIX_EPOCH,
                },
            };
            mount_names.insert(name.to_owned());
            mounts.push(DirEntry { name: name.to_owned(), metadata });
        }
        Ok(Listing { inner: Some(inner), mounts, mount_names, dir: vpath.to_owned(), user: user.clone() })
    }

    /// Creates a directory (not recursively). Needs `create_dirs` on the parent.
    pub async fn mkdir(&self, vpath: &str) -> FsResult<()> {
        self.touch();
        let started = Instant::now();
        let r = self.mkdir_inner(vpath).await;
        log_op(self, "mkdir", vpath, "", started, &r);
        if r.is_ok() {
            let _ = self
                .hook(HookEvent { action: "mkdir".into(), virtual_path: vpath.into(), status: 1, ..Default::default() })
                .await;
        }
        r
    }

    async fn mkdir_inner(&self, vpath: &str) -> FsResult<()> {
        let user = self.user();
        if self.mounts().is_mount_point(vpath) || vpath == "/" {
            return Err(FsError::AlreadyExists);
        }
        policy::check_dir_visible(user, vpath)?;
        policy::require(user, PERM_CREATE_DIRS, parent(vpath))?;
        let (mount, rel) = self.resolve_mount(vpath)?;
        mount.fs.mkdir(&rel).await
    }

    /// Removes a file or symlink. Needs `delete` or `delete_files` on the parent; the file must pass
    /// the file patterns. The pre-delete hook may veto it, or perform it itself.
    pub async fn remove(&self, vpath: &str) -> FsResult<()> {
        self.touch();
        let started = Instant::now();
        let r = self.remove_inner(vpath).await;
        log_op(self, "remove", vpath, "", started, &r);
        r
    }

    async fn remove_inner(&self, vpath: &str) -> FsResult<()> {
        let user = self.user();
        self.not_a_mount_point(vpath)?;
        policy::check_file(user, vpath)?;
        policy::require_any(user, &[PERM_DELETE, PERM_DELETE_FILES], parent(vpath))?;
        let (mount, rel) = self.resolve_mount(vpath)?;
        let md = mount.fs.lstat(&rel).await?;
        if md.is_dir() {
            return Err(FsError::IsADirectory);
        }
        let size = if md.is_file() { md.size as i64 } else { 0 };
        self.hook(HookEvent {
            action: "pre-delete".into(),
            virtual_path: vpath.into(),
            file_size: size,
            status: 1,
            ..Default::default()
        })
        .await
        .map_err(|_| FsError::denied())?;
        match mount.fs.remove(&rel).await {
            Ok(()) => {}
            // The pre-delete hook removed or moved the file itself (recycle-bin pattern).
            Err(FsError::NotFound) if self.env().hooks.as_ref().is_some_and(|h| h.wants("pre-delete")) => {}
            Err(e) => return Err(e),
        }
        if md.is_file() {
            let view = self.quota_view(mount).await?;
            self.charge(&view.owner, view.tracked, -size, -1).await;
        }
        let _ = self
            .hook(HookEvent {
                action: "delete".into(),
                virtual_path: vpath.into(),
                file_size: size,
                status: 1,
                ..Default::default()
            })
            .await;
        Ok(())
    }

    /// Removes an empty directory. Needs `delete` or `delete_dirs` on the parent.
    pub async fn rmdir(&self, vpath: &str) -> FsResult<()> {
        self.touch();
        let started = Instant::now();
        let r = self.rmdir_inner(vpath).await;
        log_op(self, "rmdir", vpath, "", started, &r);
        if r.is_ok() {
            let _ = self
                .hook(HookEvent { action: "rmdir".into(), virtual_path: vpath.into(), status: 1, ..Default::default() })
                .await;
        }
        r
    }

    async fn rmdir_inner(&self, vpath: &str) -> FsResult<()> {
        let user = self.user();
        self.not_a_mount_point(vpath)?;
        if !self.mounts().mount_points_below(vpath).is_empty() {
            return Err(FsError::denied());
        }
        policy::check_dir_visible(user, vpath)?;
        policy::require_any(user, &[PERM_DELETE, PERM_DELETE_DIRS], parent(vpath))?;
        let (mount, rel) = self.resolve_mount(vpath)?;
        let md = mount.fs.lstat(&rel).await?;
        if !md.is_dir() {
            return Err(FsError::NotADirectory);
        }
        mount.fs.rmdir(&rel).await
    }

    /// Renames a file or directory; an existing file at the target is replaced (SFTPGo: needs
    /// `overwrite`). Needs a rename permission on both parents.
    pub async fn rename(&self, from: &str, to: &str) -> FsResult<()> {
        self.touch();
        let started = Instant::now();
        let r = self.rename_inner(from, to).await;
        log_op(self, "rename", from, to, started, &r);
        if r.is_ok() {
            let _ = self
                .hook(HookEvent {
                    action: "rename".into(),
                    virtual_path: from.into(),
                    virtual_target: to.into(),
                    status: 1,
                    ..Default::default()
                })
                .await;
        }
        r
    }

    async fn rename_inner(&self, from: &str, to: &str) -> FsResult<()> {
        let user = self.user();
        if from == to {
            // SFTPGo: "the rename source and target cannot be the same" (unsupported).
            return Err(FsError::unsupported("renaming a path onto itself"));
        }
        self.not_a_mount_point(from)?;
        self.not_a_mount_point(to)?;
        if is_within(to, from) {
            return Err(FsError::invalid("cannot move a directory into itself"));
        }
        if !self.mounts().mount_points_below(from).is_empty() {
            // A directory holding a virtual folder cannot move.
            return Err(FsError::denied());
        }
        policy::check_dir_visible(user, parent(from))?;
        policy::check_dir_visible(user, parent(to))?;
        let (src_mount, src) = self.resolve_mount(from)?;
        let (dst_mount, dst) = self.resolve_mount(to)?;
        let md = src_mount.fs.lstat(&src).await?;
        let specific = if md.is_dir() { PERM_RENAME_DIRS } else { PERM_RENAME_FILES };
        if md.is_dir() {
            policy::check_dir_visible(user, from)?;
            policy::check_dir_visible(user, to)?;
        } else {
            policy::check_file(user, from)?;
            policy::check_file(user, to)?;
        }
        policy::require_any(user, &[PERM_RENAME, specific], parent(from))?;
        policy::require_any(user, &[PERM_RENAME, specific], parent(to))?;
        if md.is_dir() && self.dir_has_nested_permissions(from, to) {
            return Err(FsError::denied());
        }
        let existing = match dst_mount.fs.lstat(&dst).await {
            Ok(m) => Some(m),
            Err(FsError::NotFound) => None,
            Err(e) => return Err(e),
        };
        if let Some(t) = &existing {
            if t.is_dir() {
                return Err(if md.is_dir() { FsError::AlreadyExists } else { FsError::IsADirectory });
            }
            if md.is_dir() {
                return Err(FsError::NotADirectory);
            }
            policy::require(user, PERM_OVERWRITE, parent(to))?;
        }
        let replaced = existing.as_ref().filter(|m| m.is_file()).map(|m| m.size as i64);

        let same_fs = src_mount.vpath == dst_mount.vpath;
        let src_view = self.quota_view(src_mount).await?;
        let dst_view = if same_fs { src_view.clone() } else { self.quota_view(dst_mount).await? };
        let moves_quota = src_view.owner != dst_view.owner;
        let (tree_size, tree_files) =
            if moves_quota || !same_fs { tree_usage(src_mount.fs.as_ref(), &src, &md).await? } else { (0, 0) };
        if moves_quota {
            // The destination must have room for what arrives (SFTPGo's hasSpaceForCrossRename).
            if dst_view.limit_files > 0 && dst_view.used_files + tree_files > dst_view.limit_files {
                return Err(FsError::quota());
            }
            let freed = replaced.unwrap_or(0);
            if dst_view.limit_size > 0 && dst_view.used_size + tree_size - freed > dst_view.limit_size {
                return Err(FsError::quota());
            }
        }
        if same_fs {
            let caps = src_mount.fs.capabilities();
            if md.is_dir() && !caps.dir_rename && dir_not_empty(src_mount.fs.as_ref(), &src).await? {
                if self.env().settings.rename_mode != 1 {
                    return Err(FsError::unsupported("renaming a non-empty directory on this storage"));
                }
                let tree = TreeCopy { from, to, links: true, filter: &|_, _, _| Ok(true) };
                copy_tree(src_mount.fs.as_ref(), &src, src_mount.fs.as_ref(), &dst, &md, &tree).await?;
                remove_tree(src_mount.fs.as_ref(), &src).await?;
            } else {
                src_mount.fs.rename(&src, &dst).await?;
            }
        } else {
            if md.is_symlink() {
                return Err(FsError::unsupported("moving a symbolic link to another folder"));
            }
            // A move keeps what it can: symbolic links inside the tree are recreated where the
            // target storage has links.
            let tree = TreeCopy { from, to, links: true, filter: &|_, _, _| Ok(true) };
            copy_tree(src_mount.fs.as_ref(), &src, dst_mount.fs.as_ref(), &dst, &md, &tree).await?;
            remove_tree(src_mount.fs.as_ref(), &src).await?;
        }
        if let Some(old) = replaced {
            self.charge(&dst_view.owner, dst_view.tracked, -old, -1).await;
        }
        if moves_quota {
            self.charge(&src_view.owner, src_view.tracked, -tree_size, -tree_files).await;
            self.charge(&dst_view.owner, dst_view.tracked, tree_size, tree_files).await;
        }
        Ok(())
    }

    /// SFTPGo refuses to rename a directory when permissions are defined below it or below the target:
    /// the move would change what those rules cover.
    fn dir_has_nested_permissions(&self, from: &str, to: &str) -> bool {
        self.user().permissions.keys().any(|k| {
            let below = |d: &str| k != d && is_within(k, d) && k != "/";
            below(from) || below(to)
        })
    }

    /// Creates a symbolic link at `link` pointing to `target` (client input, virtual, relative to the
    /// link's directory). Only where `common.symlink_mode` allows it and inside one mount.
    pub async fn symlink(&self, target: &str, link: &str) -> FsResult<()> {
        self.touch();
        let started = Instant::now();
        let r = self.symlink_inner(target, link).await;
        log_op(self, "symlink", link, target, started, &r);
        r
    }

    /// Creates a hard link: `link` becomes another name of the existing file `target` (both virtual
    /// paths, OpenSSH's argument order). SFTPGo has no hard links; Wharf offers them where the
    /// storage has them (local storage), only when `common.symlink_mode` allows links there (bit 1),
    /// with `create_symlinks` on the parents of both paths, inside one mount, for regular files. The
    /// new name counts in the used quota like a copy (size and one file), because removing either
    /// name later subtracts it.
    pub async fn link(&self, target: &str, link: &str) -> FsResult<()> {
        self.touch();
        let started = Instant::now();
        let r = self.link_inner(target, link).await;
        log_op(self, "link", link, target, started, &r);
        r
    }

    async fn link_inner(&self, target: &str, link: &str) -> FsResult<()> {
        let user = self.user();
        self.not_a_mount_point(link)?;
        self.not_a_mount_point(target)?;
        let (mount, rel) = self.resolve_mount(link)?;
        if !mount.fs.capabilities().hardlinks || !self.env().settings.local_symlinks() {
            return Err(FsError::unsupported("hard links"));
        }
        if !self.mounts().same_mount(target, link) {
            return Err(FsError::unsupported("hard links between folders"));
        }
        policy::check_file(user, target)?;
        policy::check_file(user, link)?;
        policy::require(user, PERM_CREATE_SYMLINKS, parent(link))?;
        policy::require(user, PERM_CREATE_SYMLINKS, parent(target))?;
        let target_rel = RelPath::below(target, &mount.vpath)?;
        let md = mount.fs.lstat(&target_rel).await?;
        match md.kind {
            FileKind::File => {}
            FileKind::Dir => return Err(FsError::IsADirectory),
            FileKind::Symlink => return Err(FsError::unsupported("hard links to symbolic links")),
        }
        let view = self.quota_view(mount).await?;
        view.check_space(true)?;
        let size = md.size as i64;
        if view.limit_size > 0 && view.used_size + size > view.limit_size {
            return Err(FsError::quota());
        }
        mount.fs.hardlink(&target_rel, &rel).await?;
        self.charge(&view.owner, view.tracked, size, 1).await;
        Ok(())
    }

    async fn symlink_inner(&self, target: &str, link: &str) -> FsResult<()> {
        let user = self.user();
        self.not_a_mount_point(link)?;
        let (mount, rel) = self.resolve_mount(link)?;
        if !mount.fs.capabilities().symlinks || !self.env().settings.local_symlinks() {
            return Err(FsError::unsupported("symbolic links"));
        }
        policy::check_file(user, link)?;
        policy::require(user, PERM_CREATE_SYMLINKS, parent(link))?;
        let vtarget = clean_virtual(target, parent(link))?;
        policy::check_file(user, &vtarget)?;
        if !self.mounts().same_mount(&vtarget, link) || self.mounts().is_mount_point(&vtarget) {
            return Err(FsError::denied());
        }
        let target_rel = RelPath::below(&vtarget, &mount.vpath)?;
        let content = relative_link(&rel.parent(), &target_rel);
        mount.fs.symlink(&content, &rel).await
    }

    /// The target of a symbolic link, as a virtual path.
    pub async fn readlink(&self, vpath: &str) -> FsResult<String> {
        self.touch();
        let user = self.user();
        policy::check_file(user, vpath)?;
        policy::require(user, PERM_LIST, parent(vpath))?;
        let (mount, rel) = self.resolve_mount(vpath)?;
        let content = mount.fs.readlink(&rel).await?;
        if content.starts_with('/') {
            // Created outside Wharf with a host path: not expressible in the user's namespace.
            return Err(FsError::denied());
        }
        let dir_in_mount =
            if rel.parent().is_root() { mount.vpath.clone() } else { join(&mount.vpath, rel.parent().as_str()) };
        clean_virtual(&content, &dir_in_mount)
    }

    /// Changes attributes, following a final symbolic link. Sizes need `overwrite` on the parent
    /// and change the used quota at once; modes, owners and times need `chmod`/`chown`/`chtimes`
    /// (on the parent for files, on the directory itself for directories) and follow
    /// `common.setstat_mode`. Every permission is checked before anything changes.
    pub async fn setstat(&self, vpath: &str, attrs: SetStat) -> FsResult<()> {
        self.touch();
        let started = Instant::now();
        let r = self.setstat_inner(vpath, attrs, true).await;
        log_op(self, "setstat", vpath, "", started, &r);
        r
    }

    /// Like [`Session::setstat`] but on the path itself: a final symbolic link is not followed
    /// (OpenSSH's `lsetstat@openssh.com`). A link's own mode, owner and times cannot be changed on
    /// any storage Wharf has, so on a link they are unsupported (or ignored, as `setstat_mode`
    /// says); a size is refused (invalid), as OpenSSH does. On anything but a link it is `setstat`.
    pub async fn lsetstat(&self, vpath: &str, attrs: SetStat) -> FsResult<()> {
        self.touch();
        let started = Instant::now();
        let r = self.setstat_inner(vpath, attrs, false).await;
        log_op(self, "lsetstat", vpath, "", started, &r);
        r
    }

    async fn setstat_inner(&self, vpath: &str, attrs: SetStat, follow: bool) -> FsResult<()> {
        let user = self.user();
        if !follow && attrs.size.is_some() {
            return Err(FsError::invalid("a size cannot be set on a path without following it"));
        }
        let (mount, rel) = self.resolve_mount(vpath)?;
        let md = if follow { mount.fs.stat(&rel).await? } else { mount.fs.lstat(&rel).await? };
        if md.is_dir() {
            policy::check_dir_visible(user, vpath)?;
        } else {
            policy::check_file(user, vpath)?;
        }
        let perm_path = if md.is_dir() { vpath } else { parent(vpath) };
        let mut caps = mount.fs.capabilities();
        if md.is_symlink() {
            // Only reached without following: the link itself.
            (caps.chmod, caps.chown, caps.chtimes) = (false, false, false);
        }
        if attrs.size.is_some() {
            if md.is_dir() {
                return Err(FsError::IsADirectory);
            }
            policy::require(user, PERM_OVERWRITE, parent(vpath))?;
        }
        let changes = self.attr_changes(&attrs, perm_path, caps)?;
        if let Some(size) = attrs.size {
            let view = self.quota_view(mount).await?;
            let delta = size as i64 - md.size as i64;
            if delta > 0 && view.limit_size > 0 && view.used_size + delta > view.limit_size {
                return Err(FsError::quota());
            }
            let max = user.filters.max_upload_file_size;
            if max > 0 && size as i64 > max {
                return Err(FsError::QuotaExceeded("denying write due to max upload file size".into()));
            }
            mount.fs.truncate(&rel, size).await?;
            self.charge(&view.owner, view.tracked, delta, 0).await;
        }
        apply_attrs(mount.fs.as_ref(), &rel, &changes).await
    }

    /// Checks the permissions for the mode, owner and time changes in `attrs` (not the size) on
    /// `perm_path`, and returns the changes to execute: those `common.setstat_mode` ignores are left
    /// out. A change the storage cannot make (per `caps`) and that is not ignored is unsupported.
    pub(crate) fn attr_changes(&self, attrs: &SetStat, perm_path: &str, caps: Capabilities) -> FsResult<SetStat> {
        let user = self.user();
        let setstat_mode = self.env().settings.setstat_mode;
        let keep = |supported: bool, what: &str| -> FsResult<bool> {
            if setstat_mode == 1 || (setstat_mode == 2 && !supported) {
                Ok(false)
            } else if supported {
                Ok(true)
            } else {
                Err(FsError::unsupported(what.to_owned()))
            }
        };
        let mut out = SetStat { size: attrs.size, ..SetStat::default() };
        if let Some(mode) = attrs.mode {
            policy::require(user, PERM_CHMOD, perm_path)?;
            out.mode = keep(caps.chmod, "changing permissions on this storage")?.then_some(mode);
        }
        if let Some(owner) = attrs.owner {
            policy::require(user, PERM_CHOWN, perm_path)?;
            out.owner = keep(caps.chown, "changing the owner on this storage")?.then_some(owner);
        }
        if let Some(times) = attrs.times {
            policy::require(user, PERM_CHTIMES, perm_path)?;
            out.times = keep(caps.chtimes, "setting times on this storage")?.then_some(times);
        }
        Ok(out)
    }

    /// Filesystem statistics as the quota shows them: with a size quota the blocks are the quota's,
    /// with a file quota the inodes are.
    pub async fn statvfs(&self, vpath: &str) -> FsResult<StatVfs> {
        self.touch();
        let (mount, rel) = self.resolve_mount(vpath)?;
        mount.fs.stat(&rel).await?;
        let mut st = match mount.fs.statvfs(&rel).await {
            Ok(st) => st,
            Err(FsError::Unsupported(_)) => StatVfs {
                block_size: 4096,
                fragment_size: 4096,
                blocks: u64::MAX / 4096 / 2,
                blocks_free: u64::MAX / 4096 / 2,
                blocks_avail: u64::MAX / 4096 / 2,
                files: u64::MAX / 2,
                files_free: u64::MAX / 2,
                files_avail: u64::MAX / 2,
                name_max: 255,
            },
            Err(e) => return Err(e),
        };
        let view = self.quota_view(mount).await?;
        let bs = st.fragment_size.max(st.block_size).max(1);
        if view.limit_size > 0 {
            let free = u64::try_from(view.limit_size - view.used_size).unwrap_or(0);
            st.blocks = u64::try_from(view.limit_size).unwrap_or(0) / bs;
            st.blocks_free = free / bs;
            st.blocks_avail = free / bs;
        }
        if view.limit_files > 0 {
            let free = u64::try_from(view.limit_files - view.used_files).unwrap_or(0);
            st.files = u64::try_from(view.limit_files).unwrap_or(0);
            st.files_free = free;
            st.files_avail = free;
        }
        Ok(st)
    }

    /// Copies a file or a directory tree. Needs `copy` on both parents, `upload` (or `overwrite` when
    /// replacing) on the target's parent, and room in the target's quota.
    pub async fn copy(&self, from: &str, to: &str) -> FsResult<()> {
        self.touch();
        let started = Instant::now();
        let r = self.copy_inner(from, to).await;
        log_op(self, "copy", from, to, started, &r);
        if r.is_ok() {
            let _ = self
                .hook(HookEvent {
                    action: "copy".into(),
                    virtual_path: from.into(),
                    virtual_target: to.into(),
                    status: 1,
                    ..Default::default()
                })
                .await;
        }
        r
    }

    async fn copy_inner(&self, from: &str, to: &str) -> FsResult<()> {
        let user = self.user();
        if from == to {
            return Err(FsError::unsupported("copying a path onto itself"));
        }
        self.not_a_mount_point(to)?;
        if is_within(to, from) {
            return Err(FsError::invalid("cannot copy a directory into itself"));
        }
        let (src_mount, src) = self.resolve_mount(from)?;
        let (dst_mount, dst) = self.resolve_mount(to)?;
        let md = src_mount.fs.lstat(&src).await?;
        if md.is_dir() {
            policy::check_dir_visible(user, from)?;
            policy::check_dir_visible(user, to)?;
        } else {
            policy::check_file(user, from)?;
            policy::check_file(user, to)?;
        }
        if md.is_symlink() {
            // As SFTPGo: a link is not followed, and not copied either.
            return Err(FsError::unsupported("copying symbolic links"));
        }
        policy::require(user, PERM_COPY, parent(from))?;
        policy::require(user, PERM_COPY, parent(to))?;
        let existing = match dst_mount.fs.lstat(&dst).await {
            Ok(m) => Some(m),
            Err(FsError::NotFound) => None,
            Err(e) => return Err(e),
        };
        match &existing {
            Some(t) if t.is_dir() || md.is_dir() => return Err(FsError::AlreadyExists),
            Some(_) => policy::require(user, PERM_OVERWRITE, parent(to))?,
            None => policy::require(user, if md.is_dir() { PERM_CREATE_DIRS } else { PERM_UPLOAD }, parent(to))?,
        }
        // Every entry of a tree is checked like the top (permissions and patterns) before anything
        // is copied, and what is left out (hidden entries, symbolic links) is not counted.
        let filter = |vs: &str, vd: &str, e: &DirEntry| self.copy_entry(vs, vd, e);
        let (size, files) = if md.is_dir() {
            plan_tree(src_mount.fs.as_ref(), &src, from, to, &filter).await?
        } else {
            (md.size as i64, 1)
        };
        let view = self.quota_view(dst_mount).await?;
        let replaced = existing.as_ref().filter(|m| m.is_file()).map_or(0, |m| m.size as i64);
        if view.limit_files > 0 && view.used_files + files > view.limit_files {
            return Err(FsError::quota());
        }
        if view.limit_size > 0 && view.used_size + size - replaced > view.limit_size {
            return Err(FsError::quota());
        }
        let max = user.filters.max_upload_file_size;
        if max > 0 && !md.is_dir() && size > max {
            return Err(FsError::QuotaExceeded("denying write due to max upload file size".into()));
        }
        let tree = TreeCopy { from, to, links: false, filter: &filter };
        copy_tree(src_mount.fs.as_ref(), &src, dst_mount.fs.as_ref(), &dst, &md, &tree).await?;
        let replaced_files = i64::from(existing.as_ref().is_some_and(|m| m.is_file()));
        self.charge(&view.owner, view.tracked, size - replaced, files - replaced_files).await;
        Ok(())
    }

    /// Whether an entry inside a copied tree is copied (`vs` its virtual path, `vd` its copy's):
    /// hidden entries and symbolic links are skipped; a directory needs `create_dirs` where it is
    /// created; a file must pass the patterns on both sides and needs `copy` on both parents and
    /// `upload` on the target's. A refusal fails the whole copy.
    fn copy_entry(&self, vs: &str, vd: &str, e: &DirEntry) -> FsResult<bool> {
        let user = self.user();
        match e.metadata.kind {
            FileKind::Symlink => Ok(false),
            FileKind::Dir => {
                if policy::path_hidden(user, vs) {
                    return Ok(false);
                }
                if policy::path_hidden(user, vd) {
                    return Err(FsError::denied());
                }
                policy::require(user, PERM_CREATE_DIRS, parent(vd))?;
                Ok(true)
            }
            FileKind::File => {
                match policy::file_verdict(user, vs) {
                    PatternVerdict::Hidden => return Ok(false),
                    PatternVerdict::Denied => return Err(FsError::denied()),
                    PatternVerdict::Allowed => {}
                }
                if policy::file_verdict(user, vd) != PatternVerdict::Allowed {
                    return Err(FsError::denied());
                }
                policy::require(user, PERM_COPY, parent(vs))?;
                policy::require(user, PERM_COPY, parent(vd))?;
                policy::require(user, PERM_UPLOAD, parent(vd))?;
                Ok(true)
            }
        }
    }

    /// A file's digest (SSH hash commands, FTP HASH). Needs `list` on the parent, as SFTPGo does.
    pub async fn hash(&self, vpath: &str, algo: HashAlgo) -> FsResult<String> {
        self.touch();
        let user = self.user();
        policy::check_file(user, vpath)?;
        policy::require(user, PERM_LIST, parent(vpath))?;
        let (mount, rel) = self.resolve_mount(vpath)?;
        let md = mount.fs.stat(&rel).await?;
        if md.is_dir() {
            return Err(FsError::IsADirectory);
        }
        mount.fs.hash(&rel, algo).await
    }
}

/// Executes mode, owner and time changes (already checked) on a path.
pub(crate) async fn apply_attrs(fs: &dyn Fs, rel: &RelPath, changes: &SetStat) -> FsResult<()> {
    if let Some(mode) = changes.mode {
        fs.set_mode(rel, mode).await?;
    }
    if let Some((uid, gid)) = changes.owner {
        fs.set_owner(rel, uid, gid).await?;
    }
    if let Some((atime, mtime)) = changes.times {
        fs.set_times(rel, atime, mtime).await?;
    }
    Ok(())
}

/// The link content that reaches `target` from the directory `dir` (both inside one mount).
fn relative_link(dir: &RelPath, target: &RelPath) -> String {
    let d: Vec<&str> = dir.components().collect();
    let t: Vec<&str> = target.components().collect();
    let common = d.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = std::iter::repeat_n("..", d.len() - common).collect();
    parts.extend(&t[common..]);
    if parts.is_empty() { ".".into() } else { parts.join("/") }
}

/// Bounds of recursive walks (copies, cross-mount renames, usage): entries and depth.
const MAX_TREE_ENTRIES: usize = 1_000_000;
const LIST_BATCH: usize = 1000;

/// Size and number of regular files of a file or a directory tree (symlinks count for nothing).
async fn tree_usage(fs: &dyn Fs, root: &RelPath, md: &Metadata) -> FsResult<(i64, i64)> {
    if !md.is_dir() {
        return Ok(if md.is_file() { (md.size as i64, 1) } else { (0, 0) });
    }
    let (mut size, mut files, mut seen) = (0i64, 0i64, 0usize);
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let mut lister = fs.list(&dir).await?;
        loop {
            let batch = lister.next_batch(LIST_BATCH).await?;
            if batch.is_empty() {
                break;
            }
            for e in batch {
                seen += 1;
                if seen > MAX_TREE_ENTRIES {
                    return Err(FsError::unsupported("directory tree too large"));
                }
                match e.metadata.kind {
                    FileKind::Dir => stack.push(dir.child(&e.name)?),
                    FileKind::File => {
                        size += e.metadata.size as i64;
                        files += 1;
                    }
                    FileKind::Symlink => {}
                }
            }
        }
    }
    Ok((size, files))
}

async fn dir_not_empty(fs: &dyn Fs, dir: &RelPath) -> FsResult<bool> {
    Ok(!fs.list(dir).await?.next_batch(1).await?.is_empty())
}

/// Decides, for an entry met in a tree walk, whether it is copied: `(source, target, entry)` with
/// the virtual paths of the entry and of its copy. An error ends the walk.
type EntryFilter<'a> = dyn Fn(&str, &str, &DirEntry) -> FsResult<bool> + Sync + 'a;

/// How a tree is copied.
struct TreeCopy<'a> {
    /// Virtual path of the source (for the filter).
    from: &'a str,
    /// Virtual path of the target.
    to: &'a str,
    /// Recreate symbolic links where the target storage has them (moves); else they are skipped.
    links: bool,
    /// Which entries are copied (symbolic links are decided by `links` after the filter).
    filter: &'a EntryFilter<'a>,
}

/// Size and number of regular files a tree copy will write, walking it with the copy's filter (which
/// also makes every check before anything is copied).
async fn plan_tree(
    fs: &dyn Fs,
    root: &RelPath,
    from: &str,
    to: &str,
    filter: &EntryFilter<'_>,
) -> FsResult<(i64, i64)> {
    let (mut size, mut files, mut seen) = (0i64, 0i64, 0usize);
    let mut stack = vec![(root.clone(), from.to_owned(), to.to_owned())];
    while let Some((dir, vs, vd)) = stack.pop() {
        let mut lister = fs.list(&dir).await?;
        loop {
            let batch = lister.next_batch(LIST_BATCH).await?;
            if batch.is_empty() {
                break;
            }
            for e in batch {
                seen += 1;
                if seen > MAX_TREE_ENTRIES {
                    return Err(FsError::unsupported("directory tree too large"));
                }
                let (cvs, cvd) = (join(&vs, &e.name), join(&vd, &e.name));
                if !filter(&cvs, &cvd, &e)? {
                    continue;
                }
                match e.metadata.kind {
                    FileKind::Dir => stack.push((dir.child(&e.name)?, cvs, cvd)),
                    FileKind::File => {
                        size += e.metadata.size as i64;
                        files += 1;
                    }
                    FileKind::Symlink => {}
                }
            }
        }
    }
    Ok((size, files))
}

/// Copies a file or a tree from one backend (or place) to another.
async fn copy_tree(
    src_fs: &dyn Fs,
    src: &RelPath,
    dst_fs: &dyn Fs,
    dst: &RelPath,
    md: &Metadata,
    how: &TreeCopy<'_>,
) -> FsResult<()> {
    if md.is_file() {
        return copy_file(src_fs, src, dst_fs, dst).await;
    }
    if !md.is_dir() {
        return Err(FsError::unsupported("copying symbolic links"));
    }
    let links = how.links && dst_fs.capabilities().symlinks;
    let mut stack = vec![(src.clone(), dst.clone(), how.from.to_owned(), how.to.to_owned())];
    let mut seen = 0usize;
    while let Some((s, d, vs, vd)) = stack.pop() {
        match dst_fs.mkdir(&d).await {
            Ok(()) | Err(FsError::AlreadyExists) => {}
            Err(e) => return Err(e),
        }
        let mut lister = src_fs.list(&s).await?;
        loop {
            let batch = lister.next_batch(LIST_BATCH).await?;
            if batch.is_empty() {
                break;
            }
            for e in batch {
                seen += 1;
                if seen > MAX_TREE_ENTRIES {
                    return Err(FsError::unsupported("directory tree too large"));
                }
                let (cvs, cvd) = (join(&vs, &e.name), join(&vd, &e.name));
                if !(how.filter)(&cvs, &cvd, &e)? {
                    continue;
                }
                let (cs, cd) = (s.child(&e.name)?, d.child(&e.name)?);
                match e.metadata.kind {
                    FileKind::Dir => stack.push((cs, cd, cvs, cvd)),
                    FileKind::File => copy_file(src_fs, &cs, dst_fs, &cd).await?,
                    FileKind::Symlink if links => copy_link(src_fs, &cs, dst_fs, &cd).await,
                    FileKind::Symlink => {}
                }
            }
        }
    }
    Ok(())
}

/// Recreates a symbolic link with the same content. A link that cannot be read (one pointing
/// outside its storage, created by other means) or that would point outside the target storage
/// is dropped: it could not be followed there anyway.
async fn copy_link(src_fs: &dyn Fs, src: &RelPath, dst_fs: &dyn Fs, dst: &RelPath) {
    let result = match src_fs.readlink(src).await {
        Ok(content) => dst_fs.symlink(&content, dst).await,
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        tracing::info!(error = %e, "a symbolic link inside a moved directory was not kept");
    }
}

async fn copy_file(src_fs: &dyn Fs, src: &RelPath, dst_fs: &dyn Fs, dst: &RelPath) -> FsResult<()> {
    if std::ptr::addr_eq(src_fs as *const dyn Fs, dst_fs as *const dyn Fs) {
        return src_fs.copy_file(src, dst).await.map(|_| ());
    }
    let reader = src_fs.open_read(src).await?;
    let writer = dst_fs.open_write(dst, wharf_vfs::WriteOptions::replace()).await?;
    let mut offset = 0u64;
    loop {
        let chunk = match reader.read_at(offset, wharf_vfs::fs::COPY_CHUNK).await {
            Ok(c) => c,
            Err(e) => {
                writer.abort().await;
                return Err(e);
            }
        };
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len() as u64;
        if let Err(e) = writer.write_at(offset, chunk).await {
            writer.abort().await;
            return Err(e);
        }
        offset += n;
    }
    writer.finish().await.map(|_| ())
}

/// Removes a file or a whole tree (after a cross-storage move).
async fn remove_tree(fs: &dyn Fs, root: &RelPath) -> FsResult<()> {
    let md = fs.lstat(root).await?;
    if !md.is_dir() {
        return fs.remove(root).await;
    }
    // Depth-first: collect directories, remove files as they come, then directories deepest first.
    let mut dirs = vec![root.clone()];
    let mut i = 0;
    while i < dirs.len() {
        let dir = dirs[i].clone();
        let mut lister = fs.list(&dir).await?;
        loop {
            let batch = lister.next_batch(LIST_BATCH).await?;
            if batch.is_empty() {
                break;
            }
            for e in batch {
                let child = dir.child(&e.name)?;
                if e.metadata.is_dir() {
                    dirs.push(child);
                } else {
                    fs.remove(&child).await?;
                }
            }
        }
        i += 1;
        if dirs.len() > MAX_TREE_ENTRIES {
            return Err(FsError::unsupported("directory tree too large"));
        }
    }
    for d in dirs.iter().rev() {
        fs.rmdir(d).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links() {
        let r = |d: &str, t: &str| relative_link(&RelPath::new(d).unwrap(), &RelPath::new(t).unwrap());
        assert_eq!(r("", "a"), "a");
        assert_eq!(r("a/b", "a/c"), "../c");
        assert_eq!(r("a", "a/b/c"), "b/c");
        assert_eq!(r("a/b", ""), "../..");
        assert_eq!(r("a", "a"), ".");
    }
}
