//! Uploads and downloads: quota, size and transfer-quota limits enforced while data moves, bandwidth
//! throttling, upload modes, hooks at open and close, the transfer log line and metrics.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use wharf_model::perms::{PERM_DOWNLOAD, PERM_LIST, PERM_OVERWRITE, PERM_UPLOAD};
use wharf_vfs::path::{base, parent};
use wharf_vfs::{FileKind, FileReader, FileWriter, FsError, FsResult, Metadata, RelPath, WriteOptions};

use super::ops::{SetStat, apply_attrs};
use super::policy;
use super::quota::QuotaOwner;
use super::settings::UploadMode;
use super::throttle::Throttle;
use super::{HookEvent, Session};
use crate::registry::{TransferHandle, TransferInfo, TransferKind};

/// How a client wants to write a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UploadRequest {
    /// Cut an existing file (SFTP `SSH_FXF_TRUNC`, FTP `STOR`, WebDAV `PUT`).
    pub truncate: bool,
    /// Fail if the file exists (SFTP `SSH_FXF_EXCL`).
    pub exclusive: bool,
    /// Writes go to the end of the existing file (SFTP `SSH_FXF_APPEND`, FTP `APPE`).
    pub append: bool,
    /// Reads through the handle are wanted too (SFTP read+write open). Where the storage cannot
    /// read back a file being written (object stores) the upload opens all the same and its reads
    /// fail with unsupported, as in SFTPGo; [`Upload::capabilities`] tells.
    pub read: bool,
    /// The protocol's own open flags, passed to hooks as SFTPGo does.
    pub open_flags: i64,
}

/// What the storage behind an open upload can do, for fronts that adapt to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadCaps {
    /// Writes may arrive at any offset, in any order. Without it the storage takes writes only in
    /// sequence, each at the end of the previous one: a front with pipelined writes must apply
    /// them in request order.
    pub random_write: bool,
    /// [`Upload::read_at`] can return data: the upload was opened with [`UploadRequest::read`] on
    /// storage that reads back files being written.
    pub read_back: bool,
    /// [`Upload::sync`] can make the written data durable.
    pub sync: bool,
}

/// What a client is told when an upload would exceed `max_upload_file_size`.
const MAX_FILE_SIZE_MSG: &str = "denying write due to max upload file size";

static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

/// What happens to the file when an upload does not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    ClientError,
    QuotaExceeded,
}

#[derive(Debug)]
struct UploadInner {
    session: Arc<Session>,
    vpath: String,
    /// The final location inside the mount.
    target: RelPath,
    /// Where the data is written in atomic modes.
    temp: Option<RelPath>,
    fs: Arc<dyn wharf_vfs::Fs>,
    writer: Option<Box<dyn FileWriter>>,
    /// The existing file was moved to `temp` to be resumed.
    moved_existing: bool,
    owner: QuotaOwner,
    tracked: bool,
    /// Size of the file replaced or resumed (already in the used quota).
    existing_size: i64,
    /// The existing size was already taken off the used quota at open (truncating in place).
    uncharged_at_open: bool,
    new_file: bool,
    /// The storage commits an upload by itself when the writer finishes (object stores): until
    /// then the previous file is untouched, and an aborted writer leaves nothing.
    self_atomic: bool,
    /// Writes must not go below the size the file had at open (SFTP `APPEND`, FTP `APPE`).
    append_from: Option<u64>,
    /// Largest final size allowed by quota and max_upload_file_size.
    size_limit: Option<i64>,
    /// Bytes the transfer quota still allows.
    transfer_left: Option<i64>,
    written: AtomicU64,
    size: AtomicU64,
    quota_hit: AtomicBool,
    throttle: Throttle,
    started: Instant,
    open_flags: i64,
    caps: UploadCaps,
    /// The listing of this transfer on its connection (when the session has a registry session).
    transfer: Option<TransferHandle>,
    /// Mode and times set through the handle: applied again once the file is in place (writes
    /// change the modification time; atomic modes rename the data into place).
    reapply: Mutex<SetStat>,
}

/// A file being uploaded. Call [`Upload::close`] when the client is done, or [`Upload::abort`] when
/// the transfer failed; dropping it aborts.
#[derive(Debug)]
pub struct Upload {
    inner: Option<Box<UploadInner>>,
}

impl Session {
    /// Opens a file for writing, after every check an upload needs (patterns, upload or overwrite
    /// permission, quota, size limit, transfer quota, the pre-upload hook).
    pub async fn open_upload(self: &Arc<Self>, vpath: &str, req: UploadRequest) -> FsResult<Upload> {
        self.touch();
        let user = self.user();
        if vpath == "/" || self.mounts().is_mount_point(vpath) {
            return Err(FsError::denied());
        }
        policy::check_file(user, vpath)?;
        let (mount, rel) = self.mounts().resolve(vpath)?;
        let fs = mount.fs.clone();
        let existing = match fs.lstat(&rel).await {
            Ok(m) => Some(m),
            Err(FsError::NotFound) => None,
            Err(e) => return Err(e),
        };
        if existing.as_ref().is_some_and(|m| m.is_dir()) {
            return Err(FsError::IsADirectory);
        }
        let dir = parent(vpath);
        match &existing {
            Some(_) => policy::require(user, PERM_OVERWRITE, dir)?,
            None => policy::require(user, PERM_UPLOAD, dir)?,
        }
        if req.exclusive && existing.is_some() {
            return Err(FsError::AlreadyExists);
        }
        // Replacing a symlink counts as a new file and its size is not in the used quota.
        let regular = existing.as_ref().is_some_and(|m| m.kind == FileKind::File);
        let new_file = !regular;
        let existing_size = if regular { existing.as_ref().map_or(0, |m| m.size as i64) } else { 0 };
        let resume = regular && !req.truncate;
        let caps = fs.capabilities();
        if resume && !caps.resume {
            return Err(FsError::unsupported("resuming uploads on this storage"));
        }
        let view = self.quota_view(mount).await?;
        view.check_space(new_file)?;
        let mut size_limit = view.max_write(existing_size);
        let max_file = user.filters.max_upload_file_size;
        if max_file > 0 {
            if resume && existing_size >= max_file {
                return Err(FsError::QuotaExceeded(MAX_FILE_SIZE_MSG.into()));
            }
            size_limit = Some(size_limit.map_or(max_file, |l| l.min(max_file)));
        }
        let (up_left, _) = self.transfer_allowance().await?;
        if up_left == Some(0) {
            return Err(FsError::QuotaExceeded("denying write due to transfer quota limit".into()));
        }
        self.hook(HookEvent {
            action: "pre-upload".into(),
            virtual_path: vpath.to_owned(),
            file_size: existing_size,
            status: 1,
            open_flags: req.open_flags,
            ..Default::default()
        })
        .await
        .map_err(|e| {
            tracing::info!(user = %user.username, path = vpath, error = %e, "pre-upload hook denied the upload");
            FsError::denied()
        })?;

        let mode = self.env().settings.upload_mode;
        let atomic = mode != UploadMode::Standard && caps.temp_rename;
        let start = if resume || req.append { existing_size as u64 } else { 0 };
        let read_back = req.read && caps.read_write;
        let opts = WriteOptions {
            create: true,
            exclusive: false,
            truncate: req.truncate,
            read: read_back,
            start_offset: start,
        };
        let temp_resumed = atomic && resume;
        let (temp, writer, uncharged_at_open) = if atomic {
            let n = TEMP_SEQ.fetch_add(1, Ordering::Relaxed);
            let name = format!(".sftpgo-upload.{}.{n}.{}", self.info().conn.id, base(vpath));
            let temp = rel.parent().child(&name)?;
            if resume {
                // Continue from the existing content, which moves aside until the upload completes.
                fs.rename(&rel, &temp).await?;
            }
            let w = match fs.open_write(&temp, opts).await {
                Ok(w) => w,
                Err(e) => {
                    if resume {
                        let _ = fs.rename(&temp, &rel).await;
                    }
                    return Err(e);
                }
            };
            (Some(temp), w, false)
        } else {
            let w = fs.open_write(&rel, opts).await?;
            // Truncating in place frees the old bytes at once (SFTPGo's accounting); storage that
            // commits uploads by itself keeps the old file until the new one is complete.
            let uncharged = regular && req.truncate && caps.temp_rename;
            if uncharged {
                self.charge(&view.owner, view.tracked, -existing_size, 0).await;
            }
            (None, w, uncharged)
        };
        let initial = if req.truncate { 0 } else { existing_size.max(0) as u64 };
        let transfer = self.guard().map(|g| {
            g.start_transfer(TransferInfo { path: vpath.to_owned(), kind: TransferKind::Upload, start_offset: start })
        });
        Ok(Upload {
            inner: Some(Box::new(UploadInner {
                session: self.clone(),
                vpath: vpath.to_owned(),
                target: rel,
                temp,
                fs,
                writer: Some(writer),
                moved_existing: temp_resumed,
                owner: view.owner,
                tracked: view.tracked,
                existing_size,
                uncharged_at_open,
                self_atomic: !caps.temp_rename,
                append_from: req.append.then_some(start),
                new_file,
                size_limit,
                transfer_left: up_left,
                written: AtomicU64::new(0),
                size: AtomicU64::new(initial),
                quota_hit: AtomicBool::new(false),
                throttle: Throttle::new(self.upload_rate),
                started: Instant::now(),
                open_flags: req.open_flags,
                // No storage can flush an open upload yet (see `Upload::sync`).
                caps: UploadCaps { random_write: caps.random_write, read_back, sync: false },
                transfer,
                reapply: Mutex::new(SetStat::default()),
            })),
        })
    }
}

impl UploadInner {
    fn data_path(&self) -> &RelPath {
        self.temp.as_ref().unwrap_or(&self.target)
    }

    fn writer(&self) -> FsResult<&dyn FileWriter> {
        self.writer.as_deref().ok_or_else(|| FsError::failure("the upload is closed"))
    }

    async fn write_at(&self, offset: u64, data: Bytes) -> FsResult<()> {
        if self.quota_hit.load(Ordering::Relaxed) {
            return Err(FsError::quota());
        }
        let len = data.len() as u64;
        if let Some(floor) = self.append_from
            && offset < floor
        {
            return Err(FsError::invalid(format!(
                "write at offset {offset} below the end of the file ({floor}) in append mode"
            )));
        }
        let end = offset.saturating_add(len);
        if let Some(limit) = self.size_limit
            && end > limit as u64
        {
            self.quota_hit.store(true, Ordering::Relaxed);
            let max_file = self.session.user().filters.max_upload_file_size;
            if max_file > 0 && end > max_file as u64 {
                return Err(FsError::QuotaExceeded(MAX_FILE_SIZE_MSG.into()));
            }
            return Err(FsError::quota());
        }
        let written = self.written.fetch_add(len, Ordering::Relaxed) + len;
        if let Some(left) = self.transfer_left
            && written > left as u64
        {
            self.quota_hit.store(true, Ordering::Relaxed);
            return Err(FsError::QuotaExceeded("denying write due to transfer quota limit".into()));
        }
        self.writer()?.write_at(offset, data).await?;
        self.size.fetch_max(end, Ordering::Relaxed);
        if let Some(t) = &self.transfer {
            t.add_bytes(len);
        }
        self.throttle.consume(len).await;
        Ok(())
    }

    /// Applies attribute changes to the data being written (see [`Upload::set_attrs`]).
    async fn set_attrs(&self, attrs: SetStat) -> FsResult<()> {
        let s = &self.session;
        s.touch();
        let user = s.user();
        let dir = parent(&self.vpath);
        let caps = self.fs.capabilities();
        if attrs.size.is_some() {
            policy::require(user, PERM_OVERWRITE, dir)?;
        }
        let changes = s.attr_changes(&attrs, dir, caps)?;
        if let Some(size) = attrs.size {
            if !caps.truncate {
                return Err(FsError::unsupported("truncating an upload on this storage"));
            }
            if let Some(limit) = self.size_limit
                && size > limit as u64
            {
                let max_file = user.filters.max_upload_file_size;
                if max_file > 0 && size > max_file as u64 {
                    return Err(FsError::QuotaExceeded(MAX_FILE_SIZE_MSG.into()));
                }
                return Err(FsError::quota());
            }
            self.fs.truncate(self.data_path(), size).await?;
            // The used quota follows at close, from the final size.
            self.size.store(size, Ordering::Relaxed);
        }
        apply_attrs(self.fs.as_ref(), self.data_path(), &changes).await?;
        let mut again = self.reapply.lock().unwrap_or_else(PoisonError::into_inner);
        if changes.mode.is_some() {
            again.mode = changes.mode;
        }
        if changes.times.is_some() {
            again.times = changes.times;
        }
        Ok(())
    }

    /// Metadata of the data written so far (see [`Upload::stat`]).
    async fn stat(&self) -> FsResult<Metadata> {
        let s = &self.session;
        s.touch();
        policy::require(s.user(), PERM_LIST, parent(&self.vpath))?;
        if self.self_atomic {
            // Nothing is visible on the storage before the upload commits.
            let now = SystemTime::now();
            return Ok(Metadata {
                kind: FileKind::File,
                size: self.size.load(Ordering::Relaxed),
                mode: 0o644,
                uid: 0,
                gid: 0,
                mtime: now,
                atime: now,
            });
        }
        self.fs.stat(self.data_path()).await
    }

    /// Mode and times set through the handle, applied again to the file in place.
    async fn reapply_attrs(&self) {
        let again = *self.reapply.lock().unwrap_or_else(PoisonError::into_inner);
        if again == SetStat::default() {
            return;
        }
        if let Err(e) = apply_attrs(self.fs.as_ref(), &self.target, &again).await {
            tracing::debug!(path = %self.vpath, error = %e, "attributes set during the upload not applied again");
        }
    }

    fn event(&self, action: &str, size: i64, status: i32) -> HookEvent {
        HookEvent {
            action: action.into(),
            virtual_path: self.vpath.clone(),
            file_size: size,
            elapsed_ms: i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX),
            status,
            open_flags: self.open_flags,
            ..Default::default()
        }
    }

    fn log(&self, size: i64, outcome: &str) {
        let s = &self.session;
        let bytes = self.written.load(Ordering::Relaxed);
        tracing::info!(
            target: "transfer",
            op = "upload",
            user = %s.user().username,
            protocol = s.info().conn.protocol.as_str(),
            ip = %s.info().conn.ip,
            session = %s.info().conn.id,
            path = %self.vpath,
            bytes,
            size,
            elapsed_ms = self.started.elapsed().as_millis() as u64,
            outcome,
        );
        crate::metrics::upload(bytes, outcome == "ok");
    }

    /// The part of the replaced file's size that is still in the used quota.
    fn base(&self) -> i64 {
        if self.uncharged_at_open { 0 } else { self.existing_size }
    }

    /// Completes the upload: commits, renames into place, runs the upload hook, charges quota.
    async fn close(mut self) -> FsResult<u64> {
        if self.quota_hit.load(Ordering::Relaxed) {
            return self.fail(Outcome::QuotaExceeded).await;
        }
        let Some(writer) = self.writer.take() else { return Err(FsError::failure("the upload is closed")) };
        let size = match writer.finish().await {
            Ok(n) => n,
            Err(e) => {
                let partial = self.partial_size().await;
                self.after_failure(partial, Outcome::ClientError).await;
                return Err(e);
            }
        };
        if let Some(temp) = &self.temp
            && let Err(e) = self.fs.rename(temp, &self.target).await
        {
            self.after_failure(size as i64, Outcome::ClientError).await;
            return Err(e);
        }
        self.reapply_attrs().await;
        let size_i = size as i64;
        let s = self.session.clone();
        if let Err(e) = s.hook(self.event("upload", size_i, 1)).await {
            // A failing synchronous upload hook undoes the upload, unless the hook moved the file.
            tracing::warn!(user = %s.user().username, path = %self.vpath, error = %e, "upload hook failed: removing the file");
            match self.fs.remove(&self.target).await {
                Ok(()) | Err(FsError::NotFound) => {}
                Err(e) => tracing::warn!(error = %e, "cannot remove the file after a failed upload hook"),
            }
            s.charge(&self.owner, self.tracked, -self.base(), -i64::from(!self.new_file)).await;
            s.charge_transfer(self.written.load(Ordering::Relaxed) as i64, 0).await;
            self.log(size_i, "hook_failed");
            return Err(FsError::denied());
        }
        s.charge(&self.owner, self.tracked, size_i - self.base(), i64::from(self.new_file)).await;
        s.charge_transfer(self.written.load(Ordering::Relaxed) as i64, 0).await;
        self.log(size_i, "ok");
        s.first_transfer(true).await;
        Ok(size)
    }

    async fn partial_size(&self) -> i64 {
        self.fs.lstat(self.data_path()).await.map_or(0, |m| m.size as i64)
    }

    /// Gives up on the upload: what remains follows the upload mode and the reason.
    async fn fail(mut self, outcome: Outcome) -> FsResult<u64> {
        // An upload that crossed a limit ends as a quota failure however the client gives up.
        let outcome = if self.quota_hit.load(Ordering::Relaxed) { Outcome::QuotaExceeded } else { outcome };
        if let Some(w) = self.writer.take() {
            if outcome == Outcome::ClientError && !self.self_atomic {
                // Keep what was written: standard and atomic-with-resume modes leave a partial file.
                let _ = w.finish().await;
            } else {
                w.abort().await;
            }
        }
        let partial = self.partial_size().await;
        self.after_failure(partial, outcome).await;
        Err(match outcome {
            Outcome::QuotaExceeded => FsError::quota(),
            _ => FsError::failure("upload aborted"),
        })
    }

    /// Accounting and cleanup after a failed upload whose data (`size` bytes) is at `data_path()`.
    async fn after_failure(&self, size: i64, outcome: Outcome) {
        let s = &self.session;
        let mode = s.env().settings.upload_mode;
        let remove = outcome == Outcome::QuotaExceeded || (self.temp.is_some() && mode == UploadMode::Atomic);
        if self.self_atomic {
            // Nothing was committed: the previous file (if any) and its usage stay as they were.
        } else if remove {
            match self.fs.remove(self.data_path()).await {
                Ok(()) | Err(FsError::NotFound) => {}
                Err(e) => tracing::warn!(error = %e, "cannot remove a partial upload"),
            }
            // The old file is gone with it when it was written in place or moved aside to resume.
            if self.temp.is_none() || self.moved_existing {
                s.charge(&self.owner, self.tracked, -self.base(), -i64::from(!self.new_file)).await;
            }
        } else {
            if let Some(temp) = &self.temp {
                // Atomic with resume: the partial file takes the target's place.
                if let Err(e) = self.fs.rename(temp, &self.target).await {
                    tracing::warn!(error = %e, "cannot keep the partial upload");
                }
            }
            s.charge(&self.owner, self.tracked, size - self.base(), i64::from(self.new_file)).await;
        }
        s.charge_transfer(self.written.load(Ordering::Relaxed) as i64, 0).await;
        let status = if outcome == Outcome::QuotaExceeded { 3 } else { 2 };
        let _ = s.hook(self.event("upload", size, status)).await;
        self.log(size, if status == 3 { "quota_exceeded" } else { "error" });
    }
}

impl Upload {
    fn inner(&self) -> FsResult<&UploadInner> {
        self.inner.as_deref().ok_or_else(|| FsError::failure("the upload is closed"))
    }

    /// Writes at `offset` (sequential-only storage requires increasing, contiguous offsets).
    pub async fn write_at(&self, offset: u64, data: Bytes) -> FsResult<()> {
        self.inner()?.write_at(offset, data).await
    }

    /// Reads back (read+write opens on storage that supports them; needs the download permission).
    pub async fn read_at(&self, offset: u64, len: usize) -> FsResult<Bytes> {
        let inner = self.inner()?;
        policy::require(inner.session.user(), PERM_DOWNLOAD, parent(&inner.vpath))?;
        if !inner.caps.read_back {
            return Err(FsError::unsupported("reading a file opened only for writing"));
        }
        inner.writer()?.read_at(offset, len).await
    }

    /// What the storage behind this upload can do.
    pub fn capabilities(&self) -> UploadCaps {
        self.inner.as_ref().map_or(UploadCaps { random_write: false, read_back: false, sync: false }, |i| i.caps)
    }

    /// Makes what was written durable (SFTP `fsync@openssh.com`) where the storage can
    /// ([`UploadCaps::sync`]); unsupported elsewhere, which leaves the upload as it was. Today no
    /// storage can: the storage interface has no flush for a file being written, and uploads become
    /// durable when the file system flushes them, as with SFTPGo (which has no fsync either).
    pub async fn sync(&self) -> FsResult<()> {
        let inner = self.inner()?;
        inner.session.touch();
        // When `wharf_vfs::FileWriter` gains a sync, call it here and take `UploadCaps::sync` from
        // the storage's capabilities.
        Err(FsError::unsupported("fsync of an upload on this storage"))
    }

    /// Changes attributes of the file being uploaded (SFTP FSETSTAT, FTP MFMT during a transfer).
    /// They apply to the data being written — the temporary file in atomic modes, which setting
    /// them by path would miss — and the mode and times are applied again once the upload is in
    /// place (writes move the modification time; atomic modes rename the data). Permissions,
    /// `setstat_mode`, the size limits and the storage's abilities are those of
    /// [`Session::setstat`]; a size truncates or extends what was written, and the used quota
    /// follows at close.
    pub async fn set_attrs(&self, attrs: SetStat) -> FsResult<()> {
        self.inner()?.set_attrs(attrs).await
    }

    /// Metadata of the file being uploaded (SFTP FSTAT on an upload handle): the data written so
    /// far — the temporary file in atomic modes — or, on storage where nothing is visible before
    /// the upload commits, a regular file of the size written so far. Needs `list` on the parent,
    /// like [`Session::stat`].
    pub async fn stat(&self) -> FsResult<Metadata> {
        self.inner()?.stat().await
    }

    /// The file size as written so far.
    pub fn size(&self) -> u64 {
        self.inner.as_ref().map_or(0, |i| i.size.load(Ordering::Relaxed))
    }

    /// The virtual path.
    pub fn path(&self) -> &str {
        self.inner.as_ref().map_or("", |i| i.vpath.as_str())
    }

    /// Completes the upload; returns the final size.
    pub async fn close(mut self) -> FsResult<u64> {
        match self.inner.take() {
            Some(i) => (*i).close().await,
            None => Err(FsError::failure("the upload is closed")),
        }
    }

    /// The client gave up or the connection broke.
    pub async fn abort(mut self) {
        if let Some(i) = self.inner.take() {
            let _ = (*i).fail(Outcome::ClientError).await;
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if let Some(i) = self.inner.take() {
            match tokio::runtime::Handle::try_current() {
                Ok(h) => {
                    h.spawn(async move {
                        let _ = (*i).fail(Outcome::ClientError).await;
                    });
                }
                Err(_) => tracing::warn!(path = %i.vpath, "upload dropped outside a runtime: left as is"),
            }
        }
    }
}

/// A file being downloaded.
#[derive(Debug)]
pub struct Download {
    session: Arc<Session>,
    vpath: String,
    reader: Box<dyn FileReader>,
    read: AtomicU64,
    transfer_left: Option<i64>,
    throttle: Throttle,
    started: Instant,
    closed: AtomicBool,
    /// The listing of this transfer on its connection (when the session has a registry session).
    transfer: Option<TransferHandle>,
}

impl Session {
    /// Opens a file for reading after the checks a download needs (patterns, download permission,
    /// transfer quota, the pre-download hook).
    pub async fn open_download(self: &Arc<Self>, vpath: &str) -> FsResult<Download> {
        self.touch();
        let user = self.user();
        policy::check_file(user, vpath)?;
        policy::require(user, PERM_DOWNLOAD, parent(vpath))?;
        let (mount, rel) = self.mounts().resolve(vpath)?;
        let md = mount.fs.stat(&rel).await?;
        if md.is_dir() {
            return Err(FsError::IsADirectory);
        }
        let (_, down_left) = self.transfer_allowance().await?;
        if down_left == Some(0) {
            return Err(FsError::QuotaExceeded("denying read due to transfer quota limit".into()));
        }
        self.hook(HookEvent {
            action: "pre-download".into(),
            virtual_path: vpath.to_owned(),
            file_size: md.size as i64,
            status: 1,
            ..Default::default()
        })
        .await
        .map_err(|e| {
            tracing::info!(user = %user.username, path = vpath, error = %e, "pre-download hook denied the download");
            FsError::denied()
        })?;
        let reader = mount.fs.open_read(&rel).await?;
        let transfer = self.guard().map(|g| {
            g.start_transfer(TransferInfo { path: vpath.to_owned(), kind: TransferKind::Download, start_offset: 0 })
        });
        Ok(Download {
            session: self.clone(),
            vpath: vpath.to_owned(),
            reader,
            read: AtomicU64::new(0),
            transfer_left: down_left,
            throttle: Throttle::new(self.download_rate),
            started: Instant::now(),
            closed: AtomicBool::new(false),
            transfer,
        })
    }
}

impl Download {
    /// Reads up to `len` bytes at `offset`.
    pub async fn read_at(&self, offset: u64, len: usize) -> FsResult<Bytes> {
        let data = self.reader.read_at(offset, len).await?;
        let n = data.len() as u64;
        let total = self.read.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(left) = self.transfer_left
            && total > left as u64
        {
            return Err(FsError::QuotaExceeded("denying read due to transfer quota limit".into()));
        }
        if let Some(t) = &self.transfer {
            t.add_bytes(n);
        }
        self.throttle.consume(n).await;
        Ok(data)
    }

    /// The file size when opened.
    pub fn size(&self) -> u64 {
        self.reader.size()
    }

    /// The virtual path.
    pub fn path(&self) -> &str {
        &self.vpath
    }

    /// Ends the download (`ok` = the client received what it wanted).
    pub async fn close(self, ok: bool) {
        self.closed.store(true, Ordering::Relaxed);
        let s = &self.session;
        let bytes = self.read.load(Ordering::Relaxed);
        s.charge_transfer(0, bytes as i64).await;
        let elapsed = self.started.elapsed();
        let ev = HookEvent {
            action: "download".into(),
            virtual_path: self.vpath.clone(),
            file_size: bytes as i64,
            elapsed_ms: i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
            status: if ok { 1 } else { 2 },
            ..Default::default()
        };
        let _ = s.hook(ev).await;
        tracing::info!(
            target: "transfer",
            op = "download",
            user = %s.user().username,
            protocol = s.info().conn.protocol.as_str(),
            ip = %s.info().conn.ip,
            session = %s.info().conn.id,
            path = %self.vpath,
            bytes,
            elapsed_ms = elapsed.as_millis() as u64,
            outcome = if ok { "ok" } else { "error" },
        );
        crate::metrics::download(bytes, ok);
        if ok {
            s.first_transfer(false).await;
        }
    }
}
