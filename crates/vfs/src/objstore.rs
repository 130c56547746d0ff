//! The object-store backend: a [`Fs`] over any [`object_store::ObjectStore`] (S3, GCS, Azure Blob,
//! or the in-memory store the tests use), below a key prefix.
//!
//! The layout is the one SFTPGo uses on buckets, so data written by either is read by the other:
//!
//! - a file `a/b.txt` is the object `<prefix>a/b.txt`;
//! - directories are key prefixes. `mkdir` writes a zero-byte *marker* object `<prefix>a/` (key ending
//!   with `/`) so that empty directories exist; a directory also exists, without a marker, as soon as
//!   any key lies below it (and stops existing when the last one goes);
//! - the root (the prefix itself) always exists.
//!
//! What an object store cannot do is declared in [`Capabilities::OBJECT_STORE`] and refused with
//! [`FsError::Unsupported`]: writes are sequential from offset 0 and commit atomically in
//! [`FileWriter::finish`] (a multipart upload with a bounded buffer), an aborted upload leaves nothing,
//! a file renames as copy + delete, only empty directories rename, and there are no links, modes,
//! owners, times, truncation or statvfs.
//!
//! `object_store`'s [`ObjPath`] cannot normally name a key ending with `/`; the marker key is built by
//! joining an empty segment (`Path::join("")`), which the crate keeps verbatim. A unit test guards this.

mod keys;
mod list;
mod memory;
mod reader;
mod writer;

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use futures_util::StreamExt as _;
use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::path::Path as ObjPath;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt as _, PutPayload};

pub use list::ObjectLister;
pub use memory::MemoryPages;
pub use reader::ObjectReader;
pub use writer::ObjectWriter;

use crate::error::{FsError, FsResult};
use crate::fs::{Capabilities, DirLister, FileKind, FileReader, FileWriter, Fs, Metadata, WriteOptions};
use crate::path::RelPath;

/// Size of one multipart-upload part, and so the most a writer buffers (5 MiB, the smallest part
/// S3 accepts, as SFTPGo's default `upload_part_size`).
pub const DEFAULT_PART_SIZE: usize = 5 * 1024 * 1024;
/// How much a reader fetches ahead of sequential reads, and so the most it keeps buffered.
pub const DEFAULT_READ_AHEAD: usize = 1024 * 1024;
/// Most entries asked of the store in one listing page.
const MAX_PAGE: usize = 1000;

/// Permission bits reported for objects.
const FILE_MODE: u32 = 0o644;
/// Permission bits reported for directories.
const DIR_MODE: u32 = 0o755;

/// A filesystem view of an object store below a key prefix.
#[derive(Clone)]
pub struct ObjectStoreFs {
    store: Arc<dyn ObjectStore>,
    pages: Option<Arc<dyn PaginatedListStore>>,
    root: ObjPath,
    name: &'static str,
    part_size: usize,
    read_ahead: usize,
}

impl fmt::Debug for ObjectStoreFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStoreFs")
            .field("store", &self.store.to_string())
            .field("paged_listing", &self.pages.is_some())
            .field("root", &self.root.as_ref())
            .field("part_size", &self.part_size)
            .field("read_ahead", &self.read_ahead)
            .finish()
    }
}

/// What a key names.
enum Probe {
    File(ObjectMeta),
    /// A directory, with its marker's modification time when it has one.
    Dir(Option<SystemTime>),
    Missing,
}

impl ObjectStoreFs {
    /// A view of `store` below `prefix` (`"users/alice"`, `"/users/alice/"` and `""` are accepted;
    /// leading and trailing `/` are ignored, as SFTPGo normalises `key_prefix`).
    ///
    /// Directory listings use the store's full delimiter listing, which holds one directory's
    /// entries (not its subtree) in memory; use [`Self::with_paged_listing`] where the store can page.
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str) -> FsResult<Self> {
        Ok(Self {
            store,
            pages: None,
            root: keys::root_key(prefix)?,
            name: "object-store",
            part_size: DEFAULT_PART_SIZE,
            read_ahead: DEFAULT_READ_AHEAD,
        })
    }

    /// An empty in-memory store that lists in pages the way S3 does (markers show as common
    /// prefixes): the object-store-like backend of tests.
    pub fn in_memory() -> Self {
        let mem = Arc::new(object_store::memory::InMemory::new());
        Self {
            store: mem.clone(),
            pages: Some(Arc::new(MemoryPages::new(mem))),
            root: ObjPath::ROOT,
            name: "memory-object-store",
            part_size: DEFAULT_PART_SIZE,
            read_ahead: DEFAULT_READ_AHEAD,
        }
    }

    /// Lists directories page by page through `pages` (S3, GCS and Azure implement
    /// [`PaginatedListStore`]; pass the same store), so a listing holds at most one batch in memory.
    #[must_use]
    pub fn with_paged_listing(mut self, pages: Arc<dyn PaginatedListStore>) -> Self {
        self.pages = Some(pages);
        self
    }

    /// Sets the multipart part size (at least 1 byte; cloud stores need 5 MiB or more, which the
    /// configuration checks). A writer never buffers more than this.
    #[must_use]
    pub fn with_part_size(mut self, bytes: usize) -> Self {
        self.part_size = bytes.max(1);
        self
    }

    /// Sets the read-ahead of sequential reads (0 disables it).
    #[must_use]
    pub fn with_read_ahead(mut self, bytes: usize) -> Self {
        self.read_ahead = bytes;
        self
    }

    /// Sets the name reported by [`Fs::name`] ("s3", "gcs"…).
    #[must_use]
    pub fn with_name(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// The underlying store (tests look at raw keys through it).
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The object key of a path (for logs and hooks that report the storage path).
    pub fn object_key(&self, path: &RelPath) -> FsResult<String> {
        Ok(self.key(path)?.as_ref().to_owned())
    }

    /// [`Fs::open_read`] with the concrete reader type (which reports its buffering).
    pub async fn open_object_reader(&self, path: &RelPath) -> FsResult<ObjectReader> {
        let key = self.key(path)?;
        match self.probe(&key).await? {
            Probe::File(meta) => Ok(ObjectReader::new(self.store.clone(), meta, self.read_ahead)),
            Probe::Dir(_) => Err(FsError::IsADirectory),
            Probe::Missing => Err(FsError::NotFound),
        }
    }

    /// [`Fs::open_write`] with the concrete writer type (which reports its buffering).
    pub async fn open_object_writer(&self, path: &RelPath, opts: WriteOptions) -> FsResult<ObjectWriter> {
        if path.is_root() {
            return Err(FsError::IsADirectory);
        }
        if opts.read {
            return Err(FsError::unsupported("reading a file being uploaded to an object store"));
        }
        if opts.start_offset != 0 {
            return Err(FsError::unsupported("resuming an upload: objects are written whole"));
        }
        let key = self.key(path)?;
        match self.probe(&key).await? {
            Probe::Dir(_) => return Err(FsError::IsADirectory),
            Probe::File(meta) => {
                if opts.exclusive {
                    return Err(FsError::AlreadyExists);
                }
                if !opts.truncate && meta.size > 0 {
                    return Err(FsError::unsupported("rewriting part of an object: objects are replaced whole"));
                }
            }
            Probe::Missing => {
                if !opts.create {
                    return Err(FsError::NotFound);
                }
                self.ensure_parent_dir(path).await?;
            }
        }
        Ok(ObjectWriter::new(self.store.clone(), key, self.part_size))
    }

    fn key(&self, path: &RelPath) -> FsResult<ObjPath> {
        keys::key(&self.root, path)
    }

    /// What `key` names: a file (an object), a directory (marker or keys below), or nothing.
    async fn probe(&self, key: &ObjPath) -> FsResult<Probe> {
        if *key == self.root {
            return Ok(Probe::Dir(None));
        }
        match self.store.head(key).await {
            Ok(meta) => return Ok(Probe::File(meta)),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(map_err(e, "stat")),
        }
        if let Some(pages) = &self.pages {
            let page = list_page(pages.as_ref(), key, 1, None).await?;
            if let Some(o) = page.result.objects.first() {
                // The directory's own marker, as the listing reports it, or an object below.
                let mtime = (o.location == *key || keys::is_marker_of(&o.location, key)).then(|| to_time(o));
                return Ok(Probe::Dir(mtime));
            }
            return Ok(if page.result.common_prefixes.is_empty() { Probe::Missing } else { Probe::Dir(None) });
        }
        match self.store.head(&keys::marker(key)).await {
            Ok(meta) => return Ok(Probe::Dir(Some(to_time(&meta)))),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(map_err(e, "stat")),
        }
        match self.store.list(Some(key)).next().await {
            Some(Ok(_)) => Ok(Probe::Dir(None)),
            Some(Err(e)) => Err(map_err(e, "list")),
            None => Ok(Probe::Missing),
        }
    }

    /// True when something other than the directory's own marker lies below `key`.
    async fn has_children(&self, key: &ObjPath) -> FsResult<bool> {
        if let Some(pages) = &self.pages {
            let page = list_page(pages.as_ref(), key, 2, None).await?;
            let own = |o: &ObjectMeta| o.location == *key || keys::is_marker_of(&o.location, key);
            return Ok(!page.result.common_prefixes.is_empty() || page.result.objects.iter().any(|o| !own(o)));
        }
        let mut objects = self.store.list(Some(key));
        while let Some(item) = objects.next().await {
            let o = item.map_err(|e| map_err(e, "list"))?;
            if o.location != *key && !keys::is_marker_of(&o.location, key) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The parent of `path` must be an existing directory.
    async fn ensure_parent_dir(&self, path: &RelPath) -> FsResult<()> {
        let parent = path.parent();
        if parent.is_root() {
            return Ok(());
        }
        match self.probe(&self.key(&parent)?).await? {
            Probe::Dir(_) => Ok(()),
            Probe::File(_) => Err(FsError::NotADirectory),
            Probe::Missing => Err(FsError::NotFound),
        }
    }

    async fn put_marker(&self, key: &ObjPath) -> FsResult<()> {
        self.store.put(&keys::marker(key), PutPayload::new()).await.map_err(|e| map_err(e, "mkdir"))?;
        Ok(())
    }

    async fn delete(&self, key: &ObjPath, what: &'static str) -> FsResult<()> {
        match self.store.delete(key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(map_err(e, what)),
        }
    }
}

/// One listing page of the directory `key` (delimiter `/`).
async fn list_page(
    pages: &dyn PaginatedListStore,
    key: &ObjPath,
    max: usize,
    token: Option<String>,
) -> FsResult<object_store::list::PaginatedListResult> {
    let prefix = keys::dir_prefix(key);
    let opts = PaginatedListOptions {
        delimiter: Some(std::borrow::Cow::Borrowed("/")),
        max_keys: Some(max),
        page_token: token,
        ..PaginatedListOptions::default()
    };
    pages
        .list_paginated(if prefix.is_empty() { None } else { Some(&prefix) }, opts)
        .await
        .map_err(|e| map_err(e, "list"))
}

/// Metadata of an object.
fn file_meta(meta: &ObjectMeta) -> Metadata {
    let mtime = to_time(meta);
    Metadata { kind: FileKind::File, size: meta.size, mode: FILE_MODE, uid: 0, gid: 0, mtime, atime: mtime }
}

/// Metadata of a directory (the epoch where there is no marker to date it).
fn dir_meta(mtime: Option<SystemTime>) -> Metadata {
    let mtime = mtime.unwrap_or(SystemTime::UNIX_EPOCH);
    Metadata { kind: FileKind::Dir, size: 0, mode: DIR_MODE, uid: 0, gid: 0, mtime, atime: mtime }
}

/// An object's modification time.
fn to_time(meta: &ObjectMeta) -> SystemTime {
    SystemTime::from(meta.last_modified)
}

/// Maps a store error. Keys and store details stay in the log, not in the message.
fn map_err(e: object_store::Error, what: &'static str) -> FsError {
    use object_store::Error as E;
    match e {
        E::NotFound { .. } => FsError::NotFound,
        E::AlreadyExists { .. } => FsError::AlreadyExists,
        E::Precondition { .. } => FsError::failure("the file changed while it was being read"),
        E::NotSupported { .. } | E::NotImplemented { .. } => FsError::unsupported("not supported by the object store"),
        E::InvalidPath { .. } => FsError::invalid("name not accepted by the object store"),
        e => {
            tracing::warn!(error = %e, operation = what, "object store request failed");
            FsError::failure(format!("object storage error ({what})"))
        }
    }
}

#[async_trait]
impl Fs for ObjectStoreFs {
    fn name(&self) -> &'static str {
        self.name
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::OBJECT_STORE
    }

    async fn stat(&self, path: &RelPath) -> FsResult<Metadata> {
        match self.probe(&self.key(path)?).await? {
            Probe::File(meta) => Ok(file_meta(&meta)),
            Probe::Dir(mtime) => Ok(dir_meta(mtime)),
            Probe::Missing => Err(FsError::NotFound),
        }
    }

    async fn lstat(&self, path: &RelPath) -> FsResult<Metadata> {
        self.stat(path).await
    }

    async fn open_read(&self, path: &RelPath) -> FsResult<Box<dyn FileReader>> {
        Ok(Box::new(self.open_object_reader(path).await?))
    }

    async fn open_write(&self, path: &RelPath, opts: WriteOptions) -> FsResult<Box<dyn FileWriter>> {
        Ok(Box::new(self.open_object_writer(path, opts).await?))
    }

    async fn list(&self, path: &RelPath) -> FsResult<Box<dyn DirLister>> {
        let key = self.key(path)?;
        match self.probe(&key).await? {
            Probe::Dir(_) => {}
            Probe::File(_) => return Err(FsError::NotADirectory),
            Probe::Missing => return Err(FsError::NotFound),
        }
        Ok(Box::new(match &self.pages {
            Some(pages) => ObjectLister::paged(pages.clone(), key),
            None => ObjectLister::full(self.store.clone(), key),
        }))
    }

    async fn mkdir(&self, path: &RelPath) -> FsResult<()> {
        let key = self.key(path)?;
        match self.probe(&key).await? {
            Probe::Missing => {}
            Probe::File(_) | Probe::Dir(_) => return Err(FsError::AlreadyExists),
        }
        self.ensure_parent_dir(path).await?;
        self.put_marker(&key).await
    }

    async fn rename(&self, from: &RelPath, to: &RelPath) -> FsResult<()> {
        if from.is_root() || to.is_root() {
            return Err(FsError::invalid("the root cannot be renamed or replaced"));
        }
        let (fk, tk) = (self.key(from)?, self.key(to)?);
        match self.probe(&fk).await? {
            Probe::Missing => Err(FsError::NotFound),
            Probe::File(_) => {
                if from == to {
                    return Ok(());
                }
                if let Probe::Dir(_) = self.probe(&tk).await? {
                    return Err(FsError::IsADirectory);
                }
                self.ensure_parent_dir(to).await?;
                self.store.copy(&fk, &tk).await.map_err(|e| map_err(e, "rename"))?;
                self.delete(&fk, "rename").await
            }
            Probe::Dir(_) => {
                if from == to {
                    return Ok(());
                }
                if to.as_str().starts_with(from.as_str())
                    && to.as_str().as_bytes().get(from.as_str().len()) == Some(&b'/')
                {
                    return Err(FsError::invalid("a directory cannot be moved inside itself"));
                }
                if self.has_children(&fk).await? {
                    return Err(FsError::unsupported("renaming a non-empty directory on an object store"));
                }
                match self.probe(&tk).await? {
                    Probe::File(_) => return Err(FsError::NotADirectory),
                    Probe::Dir(_) if self.has_children(&tk).await? => return Err(FsError::DirectoryNotEmpty),
                    Probe::Dir(_) | Probe::Missing => {}
                }
                self.ensure_parent_dir(to).await?;
                self.put_marker(&tk).await?;
                self.delete(&keys::marker(&fk), "rename").await
            }
        }
    }

    async fn remove(&self, path: &RelPath) -> FsResult<()> {
        let key = self.key(path)?;
        match self.probe(&key).await? {
            Probe::File(_) => self.delete(&key, "remove").await,
            Probe::Dir(_) => Err(FsError::IsADirectory),
            Probe::Missing => Err(FsError::NotFound),
        }
    }

    async fn rmdir(&self, path: &RelPath) -> FsResult<()> {
        if path.is_root() {
            return Err(FsError::invalid("the root cannot be removed"));
        }
        let key = self.key(path)?;
        match self.probe(&key).await? {
            Probe::File(_) => Err(FsError::NotADirectory),
            Probe::Missing => Err(FsError::NotFound),
            Probe::Dir(_) => {
                if self.has_children(&key).await? {
                    return Err(FsError::DirectoryNotEmpty);
                }
                self.delete(&keys::marker(&key), "rmdir").await
            }
        }
    }

    async fn copy_file(&self, from: &RelPath, to: &RelPath) -> FsResult<u64> {
        let (fk, tk) = (self.key(from)?, self.key(to)?);
        let size = match self.probe(&fk).await? {
            Probe::File(meta) => meta.size,
            Probe::Dir(_) => return Err(FsError::IsADirectory),
            Probe::Missing => return Err(FsError::NotFound),
        };
        if to.is_root() {
            return Err(FsError::IsADirectory);
        }
        if from == to {
            return Ok(size);
        }
        if let Probe::Dir(_) = self.probe(&tk).await? {
            return Err(FsError::IsADirectory);
        }
        self.ensure_parent_dir(to).await?;
        self.store.copy(&fk, &tk).await.map_err(|e| map_err(e, "copy"))?;
        Ok(size)
    }
}

#[cfg(test)]
mod tests;
