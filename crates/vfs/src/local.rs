//! The local filesystem backend, with containment enforced by the kernel.
//!
//! # The containment guarantee
//!
//! [`LocalFs`] opens its root directory once and keeps the handle. Every operation names its path
//! *relative to that handle* and lets the kernel resolve it with "stay beneath this directory"
//! semantics (Linux `openat2` with `RESOLVE_BENEATH`, through the `cap-std` crate; where `openat2` is
//! unavailable, `cap-std` walks the path one component at a time with `O_NOFOLLOW` opens, which is
//! equally race-free). No operation ever builds a host path string and hands it to the kernel. As a
//! consequence:
//!
//! - a symlink whose target is absolute is never followed, wherever it points;
//! - a relative symlink (or chain of symlinks) whose resolution would climb above the root fails;
//! - a directory swapped for an outward symlink *while* an operation runs cannot redirect it: each
//!   component is resolved by the kernel at the moment it is used, beneath the held root handle;
//! - such attempts fail with [`FsError::PermissionDenied`] (or [`FsError::NotFound`] /
//!   [`FsError::NotADirectory`] where the kernel says so), and error messages never contain host
//!   paths.
//!
//! Relative symlinks that stay inside the root work for every operation that follows links (stat,
//! open, list, chmod, chown, set times, truncate, statvfs), as in SFTPGo. Operations on the link
//! itself (lstat, remove, rename, readlink) never follow it.
//!
//! # Limits, and where this differs from SFTPGo
//!
//! - Absolute symlinks are refused even when they point inside the root (SFTPGo, before its move to
//!   Go's `os.Root`, followed those). Creating one is refused too, as is a relative target that
//!   leaves the root lexically; [`Fs::readlink`] refuses to return such contents (they could reveal
//!   host paths).
//! - The root itself is trusted: it is opened by path once, at construction, following symlinks, so
//!   it must be configured by the administrator, not by a user.
//! - Hard links cannot name a file outside the root, but a file outside that is *already* hard-linked
//!   into the root (by someone with host access) is the same file; nothing can detect that.
//! - Special files (FIFOs, sockets, devices) found in the root are listed as files but refused by
//!   reads and writes, so they can never block a worker thread.
//! - Uploading through a dangling (inside) symlink creates its target; in that rare case the new file
//!   is not given the configured mode and owner.
//!
//! # Other behaviour
//!
//! All blocking system calls run on Tokio's blocking pool. Readers and writers use positional I/O
//! (`pread`/`pwrite`), so pipelined requests on one handle need no lock. New files get mode
//! `0o666 & !umask` and new directories `0o777 & !umask`, applied exactly when a umask is configured
//! (the process umask is left alone: other users share the process); without one the process umask
//! applies. When a uid or gid is configured and the process runs as root, new files and directories
//! (and new symlinks themselves) are given to that owner. Writes are not fsynced.

mod file;
mod list;
mod meta;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, SystemTimeSpec};
use cap_std::fs::{Dir, DirBuilder, DirBuilderExt, OpenOptions, OpenOptionsExt, Permissions, PermissionsExt};
use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::process::{Gid, Uid};

use crate::error::{FsError, FsResult};
use crate::fs::{Capabilities, DirLister, FileReader, FileWriter, Fs, Metadata, StatVfs, WriteOptions};
use crate::path::RelPath;

pub use meta::check_link_target;

/// How to open a local root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalOptions {
    /// The root directory on the host (a user's home or a virtual folder's mapped path).
    pub root: PathBuf,
    /// Create the root (and its missing parents) when it does not exist.
    pub create_root: bool,
    /// Permission bits removed from new files (`0o666`) and directories (`0o777`), like SFTPGo's
    /// `common.umask` (`0o002` for "002"). `None`: the process umask applies.
    pub umask: Option<u32>,
    /// Owner given to new files and directories when the process runs as root.
    pub uid: Option<u32>,
    /// Group given to new files and directories when the process runs as root.
    pub gid: Option<u32>,
}

/// The local filesystem backend. Cheap to clone (the root handle is shared).
#[derive(Clone)]
pub struct LocalFs {
    inner: Arc<Inner>,
}

struct Inner {
    /// The capability handle every path is resolved beneath.
    root: Dir,
    /// The host path of the root, only for [`LocalFs::root_path`] (logs); never in errors.
    root_path: PathBuf,
    /// The umask applied exactly to new entries, if configured.
    umask: Option<u32>,
    /// The owner given to new entries: set only when configured and running as root.
    owner: Option<(Option<Uid>, Option<Gid>)>,
}

impl fmt::Debug for LocalFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The host path is left out on purpose: debug output can end up in client-facing text.
        f.debug_struct("LocalFs").field("umask", &self.inner.umask).field("chown", &self.inner.owner.is_some()).finish()
    }
}

impl LocalFs {
    /// Opens (and with `create_root`, first creates) the root directory. Blocking: call it at login,
    /// from a blocking context or accepting a few syscalls' delay.
    pub fn new(opts: LocalOptions) -> FsResult<Self> {
        if let Some(u) = opts.umask
            && u & !0o777 != 0
        {
            return Err(FsError::invalid("umask must be an octal value of at most 0777"));
        }
        let owner = match (opts.uid, opts.gid) {
            (None, None) => None,
            (uid, gid) if rustix::process::geteuid().is_root() => Some((to_uid(uid)?, to_gid(gid)?)),
            _ => None,
        };
        if opts.root.as_os_str().is_empty() {
            return Err(FsError::invalid("the root directory is empty"));
        }
        let mut created = false;
        if opts.create_root {
            match std::fs::symlink_metadata(&opts.root) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    std::fs::DirBuilder::new().recursive(true).create(&opts.root)?;
                    created = true;
                }
                Err(e) => return Err(FsError::from_io(&e)),
            }
        }
        let root = Dir::open_ambient_dir(&opts.root, cap_std::ambient_authority())?;
        let inner = Inner { root, root_path: opts.root, umask: opts.umask, owner };
        if created {
            inner.adjust_new_dir(&inner.root)?;
        }
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The host path of the root, for logs. Never put it in a message to a client.
    pub fn root_path(&self) -> &Path {
        &self.inner.root_path
    }

    async fn run<T, F>(&self, f: F) -> FsResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> io::Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        blocking(move || f(&inner).map_err(|e| FsError::from_io(&e))).await
    }
}

/// Runs blocking work on Tokio's blocking pool.
pub(crate) async fn blocking<T, F>(f: F) -> FsResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> FsResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|_| FsError::failure("storage task failed"))?
}

const FILE_MODE: u32 = 0o666;
const DIR_MODE: u32 = 0o777;

fn to_uid(v: Option<u32>) -> FsResult<Option<Uid>> {
    match v {
        Some(u32::MAX) => Err(FsError::invalid("invalid uid")),
        Some(v) => Ok(Some(Uid::from_raw(v))),
        None => Ok(None),
    }
}

fn to_gid(v: Option<u32>) -> FsResult<Option<Gid>> {
    match v {
        Some(u32::MAX) => Err(FsError::invalid("invalid gid")),
        Some(v) => Ok(Some(Gid::from_raw(v))),
        None => Ok(None),
    }
}

/// The path handed to `cap-std`: `.` for the root.
fn host(p: &RelPath) -> &Path {
    if p.is_root() { Path::new(".") } else { Path::new(p.as_str()) }
}

/// Refuses operations that would replace, remove or link the root itself.
fn not_root(p: &RelPath) -> FsResult<()> {
    if p.is_root() {
        Err(FsError::PermissionDenied("the root directory cannot be changed this way".into()))
    } else {
        Ok(())
    }
}

/// Extra open flags for files: never block on a FIFO, never acquire a terminal.
fn safe_open_flags() -> i32 {
    (OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32
}

impl Inner {
    /// Applies the configured mode and owner to a file this backend just created.
    fn adjust_new_file(&self, file: &std::fs::File) -> io::Result<()> {
        if let Some(umask) = self.umask {
            rustix::fs::fchmod(file, Mode::from_bits_truncate(FILE_MODE & !umask))?;
        }
        if let Some((uid, gid)) = self.owner {
            rustix::fs::fchown(file, uid, gid)?;
        }
        Ok(())
    }

    /// Applies the configured mode and owner to a directory this backend just created, through its
    /// handle (an `O_PATH` descriptor: `"."` and the empty path name the directory itself).
    fn adjust_new_dir(&self, dir: &Dir) -> io::Result<()> {
        if let Some(umask) = self.umask {
            dir.set_permissions(".", Permissions::from_mode(DIR_MODE & !umask))?;
        }
        if let Some((uid, gid)) = self.owner {
            rustix::fs::chownat(dir, c"", uid, gid, AtFlags::EMPTY_PATH)?;
        }
        Ok(())
    }

    /// Opens a path without read or write access (`O_PATH`), following a final symlink that stays
    /// inside; used for metadata-only operations on files and directories alike.
    fn open_path(&self, p: &RelPath) -> io::Result<cap_std::fs::File> {
        let mut o = OpenOptions::new();
        o.read(true).custom_flags(OFlags::PATH.bits() as i32).maybe_dir(true).follow(FollowSymlinks::Yes);
        self.root.open_with(host(p), &o)
    }

    /// Opens a regular file for writing, as `opts` says; returns it and whether it was created here.
    fn open_for_write(&self, p: &RelPath, opts: WriteOptions) -> io::Result<std::fs::File> {
        if p.is_root() {
            return Err(io::ErrorKind::IsADirectory.into());
        }
        let mut base = OpenOptions::new();
        base.write(true).read(opts.read).custom_flags(safe_open_flags());
        let existing = |truncate: bool| {
            let mut o = base.clone();
            o.truncate(truncate);
            self.root.open_with(host(p), &o)
        };
        let fresh = || {
            let mut o = base.clone();
            o.create_new(true).mode(FILE_MODE & !self.umask.unwrap_or(0));
            self.root.open_with(host(p), &o)
        };
        let (file, created) = if opts.exclusive {
            (fresh()?, true)
        } else if opts.create {
            // Open the existing file, else create it exclusively, so we know whether it is new (and
            // must get the configured mode and owner). A dangling inside symlink makes both fail;
            // after a few rounds, fall back to an ordinary create through it.
            let mut found = None;
            for _ in 0..3 {
                match existing(opts.truncate) {
                    Ok(f) => {
                        found = Some((f, false));
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
                match fresh() {
                    Ok(f) => {
                        found = Some((f, true));
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(e),
                }
            }
            match found {
                Some(x) => x,
                None => {
                    let mut o = base.clone();
                    o.create(true).truncate(opts.truncate).mode(FILE_MODE & !self.umask.unwrap_or(0));
                    (self.root.open_with(host(p), &o)?, false)
                }
            }
        } else {
            (existing(opts.truncate)?, false)
        };
        let file = file.into_std();
        file::require_regular(&file)?;
        if created {
            self.adjust_new_file(&file)?;
        }
        Ok(file)
    }
}

#[async_trait]
impl Fs for LocalFs {
    fn name(&self) -> &'static str {
        "local"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::POSIX
    }

    async fn stat(&self, path: &RelPath) -> FsResult<Metadata> {
        let p = path.clone();
        self.run(move |i| {
            let m = if p.is_root() { i.root.dir_metadata()? } else { i.root.metadata(host(&p))? };
            Ok(meta::from_cap(&m))
        })
        .await
    }

    async fn lstat(&self, path: &RelPath) -> FsResult<Metadata> {
        let p = path.clone();
        self.run(move |i| {
            let m = if p.is_root() { i.root.dir_metadata()? } else { i.root.symlink_metadata(host(&p))? };
            Ok(meta::from_cap(&m))
        })
        .await
    }

    async fn open_read(&self, path: &RelPath) -> FsResult<Box<dyn FileReader>> {
        let p = path.clone();
        let reader = self
            .run(move |i| {
                let mut o = OpenOptions::new();
                o.read(true).custom_flags(safe_open_flags());
                let file = i.root.open_with(host(&p), &o)?.into_std();
                let size = file::require_regular(&file)?;
                Ok(file::LocalReader::new(file, size))
            })
            .await?;
        Ok(Box::new(reader))
    }

    async fn open_write(&self, path: &RelPath, opts: WriteOptions) -> FsResult<Box<dyn FileWriter>> {
        let p = path.clone();
        let writer = self.run(move |i| Ok(file::LocalWriter::new(i.open_for_write(&p, opts)?, opts.read))).await?;
        Ok(Box::new(writer))
    }

    async fn list(&self, path: &RelPath) -> FsResult<Box<dyn DirLister>> {
        let p = path.clone();
        let iter = self.run(move |i| i.root.read_dir(host(&p))).await?;
        Ok(Box::new(list::LocalLister::new(iter)))
    }

    async fn mkdir(&self, path: &RelPath) -> FsResult<()> {
        if path.is_root() {
            return Err(FsError::AlreadyExists);
        }
        let p = path.clone();
        self.run(move |i| {
            let mut b = DirBuilder::new();
            b.mode(DIR_MODE & !i.umask.unwrap_or(0));
            i.root.create_dir_with(host(&p), &b)?;
            if i.umask.is_some() || i.owner.is_some() {
                let d = i.root.open_dir_nofollow(host(&p))?;
                i.adjust_new_dir(&d)?;
            }
            Ok(())
        })
        .await
    }

    async fn rename(&self, from: &RelPath, to: &RelPath) -> FsResult<()> {
        not_root(from)?;
        not_root(to)?;
        let (f, t) = (from.clone(), to.clone());
        self.run(move |i| i.root.rename(host(&f), &i.root, host(&t))).await
    }

    async fn remove(&self, path: &RelPath) -> FsResult<()> {
        if path.is_root() {
            return Err(FsError::IsADirectory);
        }
        let p = path.clone();
        self.run(move |i| i.root.remove_file(host(&p))).await
    }

    async fn rmdir(&self, path: &RelPath) -> FsResult<()> {
        not_root(path)?;
        let p = path.clone();
        self.run(move |i| i.root.remove_dir(host(&p))).await
    }

    async fn symlink(&self, target: &str, link: &RelPath) -> FsResult<()> {
        not_root(link)?;
        check_link_target(target, link)?;
        let (t, l) = (target.to_owned(), link.clone());
        self.run(move |i| {
            i.root.symlink(&t, host(&l))?;
            if let Some((uid, gid)) = i.owner {
                // The link itself (never its target), by name in its parent: nothing is followed.
                let parent = i.root.open_dir(host(&l.parent()))?;
                rustix::fs::chownat(&parent, l.name(), uid, gid, AtFlags::SYMLINK_NOFOLLOW)?;
            }
            Ok(())
        })
        .await
    }

    async fn readlink(&self, path: &RelPath) -> FsResult<String> {
        if path.is_root() {
            return Err(FsError::invalid("not a symbolic link"));
        }
        let p = path.clone();
        let content = self.run(move |i| i.root.read_link_contents(host(&p))).await?;
        let s = content.into_os_string().into_string().map_err(|_| FsError::invalid("symlink target is not UTF-8"))?;
        check_link_target(&s, path)?;
        Ok(s)
    }

    async fn hardlink(&self, existing: &RelPath, link: &RelPath) -> FsResult<()> {
        not_root(existing)?;
        not_root(link)?;
        let (e, l) = (existing.clone(), link.clone());
        self.run(move |i| i.root.hard_link(host(&e), &i.root, host(&l))).await
    }

    async fn set_mode(&self, path: &RelPath, mode: u32) -> FsResult<()> {
        let p = path.clone();
        self.run(move |i| i.root.set_permissions(host(&p), Permissions::from_mode(mode & 0o7777))).await
    }

    async fn set_owner(&self, path: &RelPath, uid: u32, gid: u32) -> FsResult<()> {
        let (uid, gid) = (to_uid(Some(uid))?, to_gid(Some(gid))?);
        let p = path.clone();
        self.run(move |i| {
            let f = i.open_path(&p)?;
            rustix::fs::chownat(&f, c"", uid, gid, AtFlags::EMPTY_PATH)?;
            Ok(())
        })
        .await
    }

    async fn set_times(&self, path: &RelPath, atime: SystemTime, mtime: SystemTime) -> FsResult<()> {
        let p = path.clone();
        self.run(move |i| {
            let spec = |t| SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(t));
            i.root.set_times(host(&p), Some(spec(atime)), Some(spec(mtime)))
        })
        .await
    }

    async fn truncate(&self, path: &RelPath, size: u64) -> FsResult<()> {
        let p = path.clone();
        self.run(move |i| {
            let f = i.open_for_write(&p, WriteOptions::default())?;
            f.set_len(size)
        })
        .await
    }

    async fn statvfs(&self, path: &RelPath) -> FsResult<StatVfs> {
        let p = path.clone();
        self.run(move |i| {
            let f = i.open_path(&p)?;
            let s = rustix::fs::fstatvfs(&f)?;
            Ok(StatVfs {
                block_size: s.f_bsize,
                fragment_size: s.f_frsize,
                blocks: s.f_blocks,
                blocks_free: s.f_bfree,
                blocks_avail: s.f_bavail,
                files: s.f_files,
                files_free: s.f_ffree,
                files_avail: s.f_favail,
                name_max: s.f_namemax,
            })
        })
        .await
    }

    async fn copy_file(&self, from: &RelPath, to: &RelPath) -> FsResult<u64> {
        let (f, t) = (from.clone(), to.clone());
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            let io = |e: io::Error| FsError::from_io(&e);
            let mut o = OpenOptions::new();
            o.read(true).custom_flags(safe_open_flags());
            let src = inner.root.open_with(host(&f), &o).map_err(io)?.into_std();
            file::require_regular(&src).map_err(io)?;
            // Opened without truncation, so copying a file onto itself (or a link to it) is caught
            // before anything is lost.
            let dst = inner.open_for_write(&t, WriteOptions { create: true, ..WriteOptions::default() }).map_err(io)?;
            if file::same_file(&src, &dst).map_err(io)? {
                return Err(FsError::invalid("source and target are the same file"));
            }
            dst.set_len(0).map_err(io)?;
            io::copy(&mut &src, &mut &dst).map_err(io)
        })
        .await
    }
}

#[cfg(test)]
mod tests;
