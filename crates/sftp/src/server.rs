//! The pipelined server: reads requests continuously, runs them concurrently (bounded), writes the
//! replies in request order, and keeps per-handle order where it matters.
//!
//! # Concurrency
//!
//! One reader loop decodes packets and *prepares* each request synchronously, in arrival order:
//! it looks up the handles the request names and takes a shared guard on each. Only then is the
//! request spawned as a task, so that:
//!
//! - reads and writes on one handle run concurrently, at their own offsets;
//! - CLOSE removes the handle from the table at once (later requests on it fail) and then waits for
//!   the exclusive guard, i.e. for every request on that handle that arrived before it;
//! - writes to storage that cannot write at random offsets (object stores) are chained: each waits
//!   for the previous write on the same handle, so they reach the storage in request order.
//!
//! Replies go out in request order, as OpenSSH's sftp-server and SFTPGo send them: the protocol
//! allows any order, but widely used clients (paramiko's pipelined uploads) drop a reply that comes
//! before the one they wait for. Requests still run concurrently; a finished reply waits in the
//! writer until the replies before it are written.
//!
//! A semaphore bounds the requests in flight, counting each until its reply is written, so the
//! replies held back for ordering are bounded too; when it is exhausted the reader stops reading,
//! which pushes back on the client through the transport's flow control. One writer loop owns the
//! output and batches replies, flushing when no reply is waiting.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Notify, OwnedRwLockReadGuard, OwnedSemaphorePermit, RwLock, Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;
use tracing::Instrument;
use wharf_core::session::Session;
use wharf_core::session::{Download, Listing, SetStat, Upload, UploadRequest};
use wharf_vfs::path::parent;
use wharf_vfs::{DirLister, FileKind, FsError, Metadata, StatVfs};

use crate::error::{ErrorContext, SftpError, status_for};
use crate::proto::{
    self, Attrs, ClientPacket, DecodeError, Extended, LimitsReply, LongnameInfo, NameEntry, Request, Response,
    StatVfsReply, file_type, open_flags, status,
};

/// Limits of one SFTP session.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Requests run at once; when reached, the server stops reading until one completes.
    pub max_in_flight: usize,
    /// Open file and directory handles at once (reported by `limits@openssh.com`).
    pub max_handles: usize,
    /// Names per READDIR reply (SFTPGo sends 250).
    pub readdir_max_names: usize,
    /// At the end of the session, how long requests still running may take before they are
    /// cancelled (open uploads are then aborted as the upload mode says).
    pub drain_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self { max_in_flight: 64, max_handles: 256, readdir_max_names: 250, drain_timeout: Duration::from_secs(30) }
    }
}

/// What a session did, for logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServeSummary {
    /// Requests received (INIT not counted).
    pub requests: u64,
    /// Requests answered with `SSH_FX_BAD_MESSAGE`.
    pub bad_messages: u64,
    /// File data sent in DATA replies.
    pub bytes_sent: u64,
    /// File data received in WRITE requests and written.
    pub bytes_received: u64,
    /// Handles opened.
    pub handles_opened: u64,
    /// Uploads still open at the end, aborted.
    pub uploads_aborted: u64,
    /// Downloads still open at the end, closed as failed.
    pub downloads_unclosed: u64,
}

/// Most bytes of names in one NAME reply (well under the 256 KiB clients accept).
const MAX_NAME_REPLY: usize = 192 * 1024;
/// Input buffer sizes: while the client streams data, and while it is quiet.
const READ_BUF_BUSY: usize = 64 * 1024;
const READ_BUF_IDLE: usize = 4 * 1024;
/// Output buffer (replies are batched until no more are waiting; DATA bodies bypass it).
const WRITE_BUF: usize = 16 * 1024;
/// Chunk size of copy-data.
const COPY_CHUNK: usize = proto::MAX_READ_LEN as usize;

/// The extensions announced in VERSION, with their versions.
pub const EXTENSIONS: &[(&str, &str)] = &[
    (proto::ext::POSIX_RENAME, "1"),
    (proto::ext::STATVFS, "2"),
    (proto::ext::FSTATVFS, "2"),
    (proto::ext::HARDLINK, "1"),
    (proto::ext::FSYNC, "1"),
    (proto::ext::LSETSTAT, "1"),
    (proto::ext::LIMITS, "1"),
    (proto::ext::EXPAND_PATH, "1"),
    (proto::ext::COPY_DATA, "1"),
    (proto::ext::HOME_DIRECTORY, "1"),
    (proto::ext::USERS_GROUPS_BY_ID, "1"),
];

/// Serves one SFTP session over `reader`/`writer` (an SSH channel's streams, or stdin/stdout for
/// `wharf startsubsys`) until the client closes its side. Every file operation goes through
/// `session`. Open uploads are aborted and open downloads closed before this returns, whatever
/// the reason.
///
/// `writer` is flushed and shut down at the end (an SSH channel then sends EOF).
///
/// Returns an error when the session ended on a protocol violation the server cannot answer (an
/// oversized or truncated packet, no INIT) or an I/O error on the input; the session is cleaned up
/// all the same.
pub async fn serve<R, W>(
    reader: R,
    writer: W,
    session: Arc<Session>,
    opts: ServeOptions,
) -> Result<ServeSummary, SftpError>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send,
{
    let info = session.info();
    let span = tracing::info_span!(
        "sftp",
        session = %info.conn.id,
        user = %info.username,
        ip = %info.conn.ip,
        protocol = info.conn.protocol.as_str(),
    );
    run(reader, writer, session, opts).instrument(span).await
}

async fn run<R, W>(reader: R, writer: W, session: Arc<Session>, opts: ServeOptions) -> Result<ServeSummary, SftpError>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send,
{
    let opts = ServeOptions {
        max_in_flight: opts.max_in_flight.max(1),
        max_handles: opts.max_handles.max(1),
        readdir_max_names: opts.readdir_max_names.max(1),
        ..opts
    };
    let (tx, rx) = mpsc::channel::<Ordered>(opts.max_in_flight + 8);
    let writer_failed = Notify::new();
    let shared = Arc::new(Shared {
        start: session.start_directory(),
        session,
        opts,
        table: Mutex::new(Table { map: HashMap::new(), next: 1, used: 0 }),
        stats: Stats::default(),
    });
    tracing::debug!(start = %shared.start, "sftp session started");
    let read_side = async {
        let mut tasks = JoinSet::new();
        let result = read_loop(reader, &shared, tx.clone(), &mut tasks, &writer_failed).await;
        let drained = drain(&shared, &mut tasks).await;
        shared.cleanup().await;
        drop(tx);
        result.and(drained)
    };
    let write_side = write_loop(writer, rx, &writer_failed);
    let (result, write_result) = tokio::join!(read_side, write_side);
    let summary = shared.stats.summary();
    match (&result, write_result) {
        (Ok(()), Err(e)) => tracing::debug!(error = %e, "the client stopped reading replies"),
        (Err(e), _) => tracing::info!(error = %e, "sftp session ended on an error"),
        _ => {}
    }
    tracing::debug!(?summary, "sftp session ended");
    result.map(|()| summary)
}

/// Waits for the request tasks still running, cancelling them after the drain timeout.
async fn drain(shared: &Shared, tasks: &mut JoinSet<()>) -> Result<(), SftpError> {
    let mut result = Ok(());
    let mut reap = |r: Result<(), tokio::task::JoinError>| {
        if let Err(e) = r
            && e.is_panic()
            && result.is_ok()
        {
            result = Err(SftpError::Internal("a request task panicked".into()));
        }
    };
    let waited = tokio::time::timeout(shared.opts.drain_timeout, async {
        let mut out = Vec::new();
        while let Some(r) = tasks.join_next().await {
            out.push(r);
        }
        out
    })
    .await;
    match waited {
        Ok(results) => results.into_iter().for_each(&mut reap),
        Err(_) => {
            tracing::warn!("requests still running at the end of the session: cancelled");
            tasks.abort_all();
            while let Some(r) = tasks.join_next().await {
                reap(r);
            }
        }
    }
    result
}

/// A reply with its place in the output and the in-flight slot it holds until written.
struct Ordered {
    seq: u64,
    reply: Response,
    _slot: OwnedSemaphorePermit,
}

async fn read_loop<R>(
    mut reader: R,
    shared: &Arc<Shared>,
    tx: mpsc::Sender<Ordered>,
    tasks: &mut JoinSet<()>,
    writer_failed: &Notify,
) -> Result<(), SftpError>
where
    R: AsyncRead + Unpin + Send,
{
    let limit = Arc::new(Semaphore::new(shared.opts.max_in_flight));
    let mut seq = 0u64;
    // Every packet that gets a reply takes the next place in the output and an in-flight slot.
    let mut place = async || -> Result<(u64, OwnedSemaphorePermit), SftpError> {
        let slot = limit
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| SftpError::Internal("the request limiter closed".into()))?;
        seq += 1;
        Ok((seq - 1, slot))
    };
    let mut buf = BytesMut::new();
    let mut busy = false;
    let mut initialized = false;
    loop {
        while let Some(r) = tasks.try_join_next() {
            if let Err(e) = r
                && e.is_panic()
            {
                return Err(SftpError::Internal("a request task panicked".into()));
            }
        }
        while let Some(frame) = next_frame(&mut buf)? {
            let packet = match proto::decode_client(frame) {
                Ok(p) => p,
                Err(e) => match e.id {
                    Some(id) if initialized => {
                        let code = match e.error {
                            DecodeError::UnknownType(_) => status::OP_UNSUPPORTED,
                            _ => {
                                shared.stats.bad_messages.fetch_add(1, Ordering::Relaxed);
                                status::BAD_MESSAGE
                            }
                        };
                        shared.stats.requests.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(error = %e, "malformed request");
                        let (seq, _slot) = place().await?;
                        let reply = Response::status(id, code, e.error.to_string());
                        let _ = tx.send(Ordered { seq, reply, _slot }).await;
                        continue;
                    }
                    _ => return Err(SftpError::Malformed(e)),
                },
            };
            match packet {
                ClientPacket::Init { version, .. } => {
                    if initialized {
                        return Err(SftpError::Protocol("a second INIT"));
                    }
                    initialized = true;
                    tracing::debug!(client_version = version, "INIT");
                    let extensions = EXTENSIONS
                        .iter()
                        .map(|(n, v)| (Bytes::from_static(n.as_bytes()), Bytes::from_static(v.as_bytes())))
                        .collect();
                    let (seq, _slot) = place().await?;
                    let reply = Response::Version { version: proto::VERSION, extensions };
                    let _ = tx.send(Ordered { seq, reply, _slot }).await;
                }
                ClientPacket::Request { .. } if !initialized => {
                    return Err(SftpError::Protocol("a request before INIT"));
                }
                ClientPacket::Request { id, request } => {
                    shared.stats.requests.fetch_add(1, Ordering::Relaxed);
                    tracing::trace!(id, op = request.name(), "request");
                    let (seq, _slot) = place().await?;
                    match shared.prepare(request) {
                        Err(fail) => {
                            let _ = tx.send(Ordered { seq, reply: fail.into_response(id), _slot }).await;
                        }
                        Ok(job) => {
                            let (shared, tx) = (shared.clone(), tx.clone());
                            tasks.spawn(
                                async move {
                                    let reply = shared.run(id, job).await;
                                    let _ = tx.send(Ordered { seq, reply, _slot }).await;
                                }
                                .in_current_span(),
                            );
                        }
                    }
                }
            }
        }
        // Small reads while the client is quiet, so that idle sessions hold little memory; large ones
        // while data streams in.
        let want = if busy { READ_BUF_BUSY } else { READ_BUF_IDLE };
        if buf.is_empty() && buf.capacity() > 2 * want {
            buf = BytesMut::new();
        }
        if buf.capacity() - buf.len() < want / 4 {
            buf.reserve(want);
        }
        let n = tokio::select! {
            r = reader.read_buf(&mut buf) => r?,
            () = writer_failed.notified() => return Ok(()),
        };
        if n == 0 {
            return if buf.is_empty() { Ok(()) } else { Err(SftpError::Truncated) };
        }
        busy = n >= READ_BUF_IDLE / 2;
    }
}

/// Takes one whole packet (after its length) off the front of `buf`, if there is one.
fn next_frame(buf: &mut BytesMut) -> Result<Option<Bytes>, SftpError> {
    if buf.len() < 4 {
        return Ok(None);
    }
    let len = proto::frame_len([buf[0], buf[1], buf[2], buf[3]], proto::MAX_PACKET_LEN)? as usize;
    if buf.len() < 4 + len {
        buf.reserve(4 + len - buf.len());
        return Ok(None);
    }
    let _ = buf.split_to(4);
    Ok(Some(buf.split_to(len).freeze()))
}

async fn write_loop<W>(writer: W, mut rx: mpsc::Receiver<Ordered>, failed: &Notify) -> std::io::Result<()>
where
    W: AsyncWrite + Unpin + Send,
{
    let mut out = writer;
    // Allocated while replies flow, released when the queue is empty: idle sessions hold none.
    let mut buf: Vec<u8> = Vec::new();
    let mut error = None;
    // Replies that finished before an earlier one, by place; at most `max_in_flight` of them.
    let mut held: BTreeMap<u64, Ordered> = BTreeMap::new();
    let mut next = 0u64;
    while let Some(ordered) = rx.recv().await {
        if error.is_some() {
            // Keep draining so request tasks never block on a dead output.
            continue;
        }
        held.insert(ordered.seq, ordered);
        let mut r = Ok(());
        while let Some(ordered) = held.remove(&next) {
            next += 1;
            let (head, body) = ordered.reply.encode_parts();
            buf.extend_from_slice(&head);
            if buf.len() + body.len() <= WRITE_BUF {
                buf.extend_from_slice(&body);
            } else {
                r = out.write_all(&buf).await;
                buf.clear();
                if r.is_ok() && !body.is_empty() {
                    r = out.write_all(&body).await;
                }
            }
            if r.is_err() {
                break;
            }
        }
        if r.is_ok() && rx.is_empty() {
            if !buf.is_empty() {
                r = out.write_all(&buf).await;
            }
            buf = Vec::new();
            if r.is_ok() {
                r = out.flush().await;
            }
        }
        if let Err(e) = r {
            error = Some(e);
            held.clear();
            failed.notify_one();
        }
    }
    match error {
        Some(e) => Err(e),
        None => {
            out.write_all(&buf).await?;
            out.flush().await?;
            let _ = out.shutdown().await;
            Ok(())
        }
    }
}

#[derive(Debug, Default)]
struct Stats {
    requests: AtomicU64,
    bad_messages: AtomicU64,
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
    handles_opened: AtomicU64,
    uploads_aborted: AtomicU64,
    downloads_unclosed: AtomicU64,
}

impl Stats {
    fn summary(&self) -> ServeSummary {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ServeSummary {
            requests: g(&self.requests),
            bad_messages: g(&self.bad_messages),
            bytes_sent: g(&self.bytes_sent),
            bytes_received: g(&self.bytes_received),
            handles_opened: g(&self.handles_opened),
            uploads_aborted: g(&self.uploads_aborted),
            downloads_unclosed: g(&self.downloads_unclosed),
        }
    }
}

/// An open file.
#[derive(Debug)]
enum FileIo {
    Read(Download),
    Write(Upload),
}

#[derive(Debug)]
struct FileObj {
    io: FileIo,
    /// Storage that writes sequentially only: the completion of the last write dispatched.
    chain: Option<Mutex<Option<oneshot::Receiver<()>>>>,
    /// A read or write failed on the storage (the transfer ends as failed).
    failed: AtomicBool,
    first_error: Mutex<Option<FsError>>,
}

impl FileObj {
    fn new(io: FileIo, sequential: bool) -> Self {
        Self {
            io,
            chain: sequential.then(|| Mutex::new(None)),
            failed: AtomicBool::new(false),
            first_error: Mutex::new(None),
        }
    }

    fn fail(&self, e: &FsError) {
        self.failed.store(true, Ordering::Relaxed);
        lock(&self.first_error).get_or_insert_with(|| e.clone());
    }
}

#[derive(Debug)]
struct DirState {
    listing: Listing,
    pending: VecDeque<NameEntry>,
    done: bool,
}

// Handles live in the table behind an Arc, one allocation each: the size difference is irrelevant.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Obj {
    File(FileObj),
    Dir(Box<tokio::sync::Mutex<DirState>>),
}

type Gate = Arc<RwLock<Option<Obj>>>;

#[derive(Debug, Clone)]
struct Entry {
    path: Arc<str>,
    gate: Gate,
}

#[derive(Debug)]
struct Table {
    map: HashMap<u32, Entry>,
    next: u32,
    /// Open handles plus opens in progress.
    used: usize,
}

#[derive(Debug)]
struct Shared {
    session: Arc<Session>,
    start: String,
    opts: ServeOptions,
    table: Mutex<Table>,
    stats: Stats,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A handle a request holds: its path and a shared guard taken when the request arrived.
#[derive(Debug)]
struct HandleRef {
    path: Arc<str>,
    guard: OwnedRwLockReadGuard<Option<Obj>>,
    /// For chained writes: the previous write's completion, and ours (dropped when done).
    prev: Option<oneshot::Receiver<()>>,
    _done: Option<oneshot::Sender<()>>,
}

impl HandleRef {
    fn file(&self) -> Result<&FileObj, Fail> {
        match self.guard.as_ref() {
            Some(Obj::File(f)) => Ok(f),
            Some(Obj::Dir(_)) => Err(Fail::failure("not a file handle")),
            None => Err(Fail::failure("invalid handle")),
        }
    }

    /// Waits for the previous chained write on this handle.
    async fn turn(&mut self) {
        if let Some(prev) = self.prev.take() {
            let _ = prev.await;
        }
    }
}

/// A request ready to run.
#[derive(Debug)]
enum Job {
    /// No handle involved.
    Plain(Request),
    /// One handle.
    OnHandle(Request, HandleRef),
    /// CLOSE: the handle was removed from the table.
    Close(Entry),
    /// copy-data between two handles (`dst` None: within the source's handle).
    Copy { src: HandleRef, dst: Option<HandleRef>, read_offset: u64, length: u64, write_offset: u64 },
}

/// A failed request: the status to answer with.
#[derive(Debug)]
struct Fail {
    code: u32,
    message: String,
}

impl Fail {
    fn failure(msg: impl Into<String>) -> Self {
        Self { code: status::FAILURE, message: msg.into() }
    }

    fn fs(e: &FsError, ctx: ErrorContext) -> Self {
        let (code, message) = status_for(e, ctx);
        Self { code, message: message.into_owned() }
    }

    fn into_response(self, id: u32) -> Response {
        Response::Status { id, code: self.code, message: self.message }
    }
}

impl From<FsError> for Fail {
    fn from(e: FsError) -> Self {
        Self::fs(&e, ErrorContext::General)
    }
}

type Reply = Result<Response, Fail>;

fn ok(id: u32) -> Response {
    Response::status(id, status::OK, "Success")
}

/// Seconds since the epoch, clamped to what ATTRS can carry.
fn secs(t: SystemTime) -> u32 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
}

fn type_bits(kind: FileKind) -> u32 {
    match kind {
        FileKind::File => file_type::REGULAR,
        FileKind::Dir => file_type::DIRECTORY,
        FileKind::Symlink => file_type::SYMLINK,
    }
}

/// ATTRS of a file's metadata.
pub fn attrs_of(md: &Metadata) -> Attrs {
    Attrs {
        size: Some(md.size),
        uid_gid: Some((md.uid, md.gid)),
        permissions: Some(type_bits(md.kind) | (md.mode & 0o7777)),
        times: Some((secs(md.atime), secs(md.mtime))),
        extended: Vec::new(),
    }
}

/// The attribute changes an ATTRS block asks for.
pub fn setstat_of(a: &Attrs) -> SetStat {
    let t = |s: u32| UNIX_EPOCH + Duration::from_secs(u64::from(s));
    SetStat {
        size: a.size,
        mode: a.permissions.map(|p| p & 0o7777),
        owner: a.uid_gid,
        times: a.times.map(|(at, mt)| (t(at), t(mt))),
    }
}

/// Linux `open(2)` flags for SFTP pflags, as SFTPGo passes them to hooks (`O_TRUNC` = 512…).
pub fn os_open_flags(pflags: u32) -> i64 {
    let mut f = match (pflags & open_flags::READ != 0, pflags & open_flags::WRITE != 0) {
        (true, true) => 2,
        (false, true) => 1,
        _ => 0,
    };
    if pflags & open_flags::CREAT != 0 {
        f |= 0o100;
    }
    if pflags & open_flags::EXCL != 0 {
        f |= 0o200;
    }
    if pflags & open_flags::TRUNC != 0 {
        f |= 0o1000;
    }
    if pflags & open_flags::APPEND != 0 {
        f |= 0o2000;
    }
    f
}

fn name_entry(name: &str, md: &Metadata, now: i64) -> NameEntry {
    let info = LongnameInfo {
        mode: type_bits(md.kind) | (md.mode & 0o7777),
        nlink: 1,
        uid: md.uid,
        gid: md.gid,
        size: md.size,
        mtime: i64::from(secs(md.mtime)),
    };
    NameEntry { filename: name.to_owned(), longname: proto::longname(name, &info, now), attrs: attrs_of(md) }
}

fn path_entry(id: u32, path: String) -> Response {
    Response::Name { id, entries: vec![NameEntry { longname: path.clone(), filename: path, attrs: Attrs::default() }] }
}

fn now_secs() -> i64 {
    i64::from(secs(SystemTime::now()))
}

fn placeholder_dir() -> Metadata {
    Metadata { kind: FileKind::Dir, size: 0, mode: 0o755, uid: 0, gid: 0, mtime: UNIX_EPOCH, atime: UNIX_EPOCH }
}

fn statvfs_reply(st: &StatVfs) -> StatVfsReply {
    StatVfsReply {
        bsize: st.block_size,
        frsize: st.fragment_size,
        blocks: st.blocks,
        bfree: st.blocks_free,
        bavail: st.blocks_avail,
        files: st.files,
        ffree: st.files_free,
        favail: st.files_avail,
        fsid: 0,
        flag: 2, // ST_NOSUID
        namemax: st.name_max,
    }
}

fn parse_handle(h: &[u8]) -> Option<u32> {
    std::str::from_utf8(h).ok()?.parse().ok()
}

impl Shared {
    fn resolve(&self, input: &str) -> Result<String, Fail> {
        Ok(self.session.resolve(input, &self.start)?)
    }

    /// Looks a handle up and takes its shared guard (synchronously, in request order).
    fn handle(&self, h: &[u8], chained_write: bool) -> Result<HandleRef, Fail> {
        let entry = parse_handle(h)
            .and_then(|n| lock(&self.table).map.get(&n).cloned())
            .ok_or_else(|| Fail::failure("invalid handle"))?;
        let guard = entry.gate.try_read_owned().map_err(|_| Fail::failure("invalid handle"))?;
        let (mut prev, mut done) = (None, None);
        if chained_write && let Some(Obj::File(FileObj { chain: Some(chain), .. })) = guard.as_ref() {
            let (tx, rx) = oneshot::channel();
            prev = lock(chain).replace(rx);
            done = Some(tx);
        }
        Ok(HandleRef { path: entry.path, guard, prev, _done: done })
    }

    fn reserve_slot(&self) -> Result<(), Fail> {
        let mut t = lock(&self.table);
        if t.used >= self.opts.max_handles {
            return Err(Fail::failure(format!("too many open handles (limit {})", self.opts.max_handles)));
        }
        t.used += 1;
        Ok(())
    }

    fn release_slot(&self) {
        let mut t = lock(&self.table);
        t.used = t.used.saturating_sub(1);
    }

    /// Registers an opened file or directory (its slot was reserved) and returns its handle string.
    fn insert(&self, path: String, obj: Obj) -> Bytes {
        let mut t = lock(&self.table);
        let mut n = t.next;
        while n == 0 || t.map.contains_key(&n) {
            n = n.wrapping_add(1);
        }
        t.next = n.wrapping_add(1);
        t.map.insert(n, Entry { path: path.into(), gate: Arc::new(RwLock::new(Some(obj))) });
        self.stats.handles_opened.fetch_add(1, Ordering::Relaxed);
        Bytes::from(n.to_string())
    }

    /// The synchronous part of a request: handle look-ups and guards, in arrival order.
    fn prepare(&self, req: Request) -> Result<Job, Fail> {
        Ok(match req {
            Request::Open { .. } | Request::Opendir { .. } => {
                self.reserve_slot()?;
                Job::Plain(req)
            }
            Request::Close { handle } => {
                let entry = parse_handle(&handle)
                    .and_then(|n| lock(&self.table).map.remove(&n))
                    .ok_or_else(|| Fail::failure("invalid handle"))?;
                Job::Close(entry)
            }
            Request::Write { ref handle, .. } => {
                let h = self.handle(handle, true)?;
                Job::OnHandle(req, h)
            }
            Request::Read { ref handle, .. }
            | Request::Fstat { ref handle }
            | Request::Fsetstat { ref handle, .. }
            | Request::Readdir { ref handle }
            | Request::Extended(Extended::Fstatvfs { ref handle })
            | Request::Extended(Extended::Fsync { ref handle }) => {
                let h = self.handle(handle, false)?;
                Job::OnHandle(req, h)
            }
            Request::Extended(Extended::CopyData { read_handle, read_offset, length, write_handle, write_offset }) => {
                let same = read_handle == write_handle;
                if same {
                    let overlap = length == 0
                        || (read_offset < write_offset.saturating_add(length)
                            && write_offset < read_offset.saturating_add(length));
                    if overlap {
                        return Err(Fail::failure("copy-data: overlapping ranges in one file"));
                    }
                }
                // Within one handle, the source's guard (taken in the write chain) covers both sides.
                let src = self.handle(&read_handle, same)?;
                let dst = if same { None } else { Some(self.handle(&write_handle, true)?) };
                Job::Copy { src, dst, read_offset, length, write_offset }
            }
            other => Job::Plain(other),
        })
    }

    async fn run(self: Arc<Self>, id: u32, job: Job) -> Response {
        let result = match job {
            Job::Plain(req) => self.plain(id, req).await,
            Job::OnHandle(req, h) => self.on_handle(id, req, h).await,
            Job::Close(entry) => self.close(id, entry).await,
            Job::Copy { src, dst, read_offset, length, write_offset } => {
                self.copy_data(id, src, dst, read_offset, length, write_offset).await
            }
        };
        result.unwrap_or_else(|fail| fail.into_response(id))
    }

    async fn plain(&self, id: u32, req: Request) -> Reply {
        let s = &self.session;
        match req {
            Request::Open { path, pflags, .. } => {
                let r = self.open(id, &path, pflags).await;
                if r.is_err() {
                    self.release_slot();
                }
                r
            }
            Request::Opendir { path } => {
                let r = self.opendir(id, &path).await;
                if r.is_err() {
                    self.release_slot();
                }
                r
            }
            Request::Stat { path } => {
                Ok(Response::Attrs { id, attrs: attrs_of(&s.stat(&self.resolve(&path)?).await?) })
            }
            Request::Lstat { path } => {
                Ok(Response::Attrs { id, attrs: attrs_of(&s.lstat(&self.resolve(&path)?).await?) })
            }
            Request::Setstat { path, attrs } => {
                s.setstat(&self.resolve(&path)?, setstat_of(&attrs)).await?;
                Ok(ok(id))
            }
            Request::Remove { path } => {
                s.remove(&self.resolve(&path)?).await?;
                Ok(ok(id))
            }
            Request::Mkdir { path, .. } => {
                // The attributes sent with MKDIR (and OPEN) are ignored, as SFTPGo does: new entries
                // get the configured umask.
                s.mkdir(&self.resolve(&path)?).await?;
                Ok(ok(id))
            }
            Request::Rmdir { path } => {
                s.rmdir(&self.resolve(&path)?).await?;
                Ok(ok(id))
            }
            Request::Realpath { path } => Ok(path_entry(id, s.realpath(&path, &self.start)?)),
            Request::Rename { from, to } | Request::Extended(Extended::PosixRename { from, to }) => {
                let (from, to) = (self.resolve(&from)?, self.resolve(&to)?);
                s.rename(&from, &to).await.map_err(|e| Fail::fs(&e, ErrorContext::Rename))?;
                Ok(ok(id))
            }
            Request::Readlink { path } => Ok(path_entry(id, s.readlink(&self.resolve(&path)?).await?)),
            Request::Symlink { target, link } => {
                // The target is kept as sent: the session reads it relative to the link's directory.
                s.symlink(&target, &self.resolve(&link)?).await?;
                Ok(ok(id))
            }
            Request::Extended(e) => self.extended(id, e).await,
            // Handle requests are prepared into other jobs.
            other => Err(Fail::failure(format!("{} needs a handle", other.name()))),
        }
    }

    async fn extended(&self, id: u32, e: Extended) -> Reply {
        let s = &self.session;
        match e {
            Extended::Statvfs { path } => {
                let st = s.statvfs(&self.resolve(&path)?).await?;
                Ok(Response::ExtendedReply { id, data: statvfs_reply(&st).encode() })
            }
            Extended::Hardlink { from, to } => {
                s.link(&self.resolve(&from)?, &self.resolve(&to)?).await?;
                Ok(ok(id))
            }
            Extended::Lsetstat { path, attrs } => {
                s.lsetstat(&self.resolve(&path)?, setstat_of(&attrs)).await?;
                Ok(ok(id))
            }
            Extended::Limits => {
                let l = LimitsReply {
                    max_packet_len: u64::from(proto::MAX_PACKET_LEN),
                    max_read_len: u64::from(proto::MAX_READ_LEN),
                    max_write_len: u64::from(proto::MAX_WRITE_LEN),
                    max_open_handles: self.opts.max_handles as u64,
                };
                Ok(Response::ExtendedReply { id, data: l.encode() })
            }
            Extended::ExpandPath { path } => {
                let expanded = self.expand_home(&path)?;
                Ok(path_entry(id, s.realpath(&expanded, &self.start)?))
            }
            Extended::HomeDirectory { username } => {
                if username.is_empty() || username == s.info().username {
                    Ok(path_entry(id, "/".into()))
                } else {
                    Err(Fail { code: status::NO_SUCH_FILE, message: "unknown user".into() })
                }
            }
            Extended::UsersGroupsById { uids, gids } => {
                // Host account names are not the user's business: empty names make clients show ids.
                let users = vec![String::new(); uids.len()];
                let groups = vec![String::new(); gids.len()];
                Ok(Response::ExtendedReply { id, data: proto::encode_names_by_id(&users, &groups) })
            }
            Extended::Unknown { name } => {
                let name = String::from_utf8_lossy(&name);
                Err(Fail { code: status::OP_UNSUPPORTED, message: format!("unsupported request {name}") })
            }
            other => Err(Fail::failure(format!("{} needs a handle", Request::Extended(other).name()))),
        }
    }

    /// `~` and `~/x` name the home, which is `/` in the user's namespace; `~user` only for oneself.
    fn expand_home(&self, path: &str) -> Result<String, Fail> {
        let Some(rest) = path.strip_prefix('~') else { return Ok(path.to_owned()) };
        let (user, tail) = rest.split_once('/').unwrap_or((rest, ""));
        if !user.is_empty() && user != self.session.info().username {
            return Err(Fail { code: status::NO_SUCH_FILE, message: "unknown user".into() });
        }
        Ok(format!("/{tail}"))
    }

    async fn open(&self, id: u32, path: &str, pflags: u32) -> Reply {
        let vpath = self.resolve(path)?;
        let s = &self.session;
        let obj = if pflags & open_flags::WRITE == 0 {
            FileObj::new(FileIo::Read(s.open_download(&vpath).await?), false)
        } else {
            if pflags & open_flags::CREAT == 0 {
                // Without CREAT the file must exist (a failed look-up for another reason is left to
                // the upload's own checks).
                if let Err(FsError::NotFound) = s.stat(&vpath).await {
                    return Err(FsError::NotFound.into());
                }
            }
            let req = UploadRequest {
                truncate: pflags & open_flags::TRUNC != 0,
                exclusive: pflags & open_flags::EXCL != 0 && pflags & open_flags::CREAT != 0,
                // The session refuses writes below the size at open (SFTPGo's resume rule).
                append: pflags & open_flags::APPEND != 0,
                // Where the storage cannot read back, the session opens anyway and reads fail.
                read: pflags & open_flags::READ != 0,
                open_flags: os_open_flags(pflags),
            };
            let up = s.open_upload(&vpath, req).await.map_err(|e| Fail::fs(&e, ErrorContext::OpenWrite))?;
            let sequential = !up.capabilities().random_write;
            FileObj::new(FileIo::Write(up), sequential)
        };
        let handle = self.insert(vpath, Obj::File(obj));
        Ok(Response::Handle { id, handle })
    }

    async fn opendir(&self, id: u32, path: &str) -> Reply {
        let vpath = self.resolve(path)?;
        let s = &self.session;
        let listing = s.list(&vpath).await?;
        let now = now_secs();
        let dot = s.stat(&vpath).await.unwrap_or_else(|_| placeholder_dir());
        let mut pending = VecDeque::with_capacity(2);
        pending.push_back(name_entry(".", &dot, now));
        if vpath != "/" {
            let dotdot = s.stat(parent(&vpath)).await.unwrap_or_else(|_| placeholder_dir());
            pending.push_back(name_entry("..", &dotdot, now));
        }
        let state = DirState { listing, pending, done: false };
        let handle = self.insert(vpath, Obj::Dir(Box::new(tokio::sync::Mutex::new(state))));
        Ok(Response::Handle { id, handle })
    }

    async fn on_handle(&self, id: u32, req: Request, mut h: HandleRef) -> Reply {
        match req {
            Request::Read { offset, len, .. } => {
                let f = h.file()?;
                let len = len.min(proto::MAX_READ_LEN) as usize;
                let r = match &f.io {
                    FileIo::Read(d) => d.read_at(offset, len).await,
                    FileIo::Write(u) => u.read_at(offset, len).await,
                };
                // A failed download ends as failed; a failed read-back leaves an upload as it is.
                let data = r.inspect_err(|e| {
                    if matches!(f.io, FileIo::Read(_)) {
                        f.fail(e);
                    }
                })?;
                if data.is_empty() {
                    return Ok(Response::status(id, status::EOF, "End of file"));
                }
                self.stats.bytes_sent.fetch_add(data.len() as u64, Ordering::Relaxed);
                Ok(Response::Data { id, data })
            }
            Request::Write { offset, data, .. } => {
                h.turn().await;
                let f = h.file()?;
                let n = data.len() as u64;
                self.write(f, offset, data).await?;
                self.stats.bytes_received.fetch_add(n, Ordering::Relaxed);
                Ok(ok(id))
            }
            Request::Fstat { .. } => {
                let md = match h.guard.as_ref() {
                    // The data being written (the temporary file of an atomic upload).
                    Some(Obj::File(FileObj { io: FileIo::Write(up), .. })) => up.stat().await?,
                    Some(_) => self.session.stat(&h.path).await?,
                    None => return Err(Fail::failure("invalid handle")),
                };
                Ok(Response::Attrs { id, attrs: attrs_of(&md) })
            }
            Request::Fsetstat { attrs, .. } => {
                let changes = setstat_of(&attrs);
                match h.guard.as_ref() {
                    Some(Obj::File(FileObj { io: FileIo::Write(up), .. })) => up.set_attrs(changes).await?,
                    Some(_) => self.session.setstat(&h.path, changes).await?,
                    None => return Err(Fail::failure("invalid handle")),
                }
                Ok(ok(id))
            }
            Request::Readdir { .. } => {
                let Some(Obj::Dir(state)) = h.guard.as_ref() else {
                    return Err(Fail::failure("not a directory handle"));
                };
                let mut st = state.lock().await;
                let entries = self.next_page(&mut st, &h.path).await?;
                if entries.is_empty() {
                    return Ok(Response::status(id, status::EOF, "End of directory"));
                }
                Ok(Response::Name { id, entries })
            }
            Request::Extended(Extended::Fstatvfs { .. }) => {
                let st = self.session.statvfs(&h.path).await?;
                Ok(Response::ExtendedReply { id, data: statvfs_reply(&st).encode() })
            }
            Request::Extended(Extended::Fsync { .. }) => match h.guard.as_ref() {
                Some(Obj::File(FileObj { io: FileIo::Write(up), .. })) => {
                    up.sync().await?;
                    Ok(ok(id))
                }
                // Nothing to flush on a download or a directory.
                Some(_) => Ok(ok(id)),
                None => Err(Fail::failure("invalid handle")),
            },
            other => Err(Fail::failure(format!("{} does not take a handle", other.name()))),
        }
    }

    async fn write(&self, f: &FileObj, offset: u64, data: Bytes) -> Result<(), Fail> {
        let FileIo::Write(up) = &f.io else {
            return Err(Fail { code: status::PERMISSION_DENIED, message: "the file is not open for writing".into() });
        };
        // Any refused write, an offset below the end of an APPEND open included, ends the upload as
        // failed (SFTPGo's TransferError).
        up.write_at(offset, data).await.map_err(|e| {
            f.fail(&e);
            Fail::from(e)
        })
    }

    async fn next_page(&self, st: &mut DirState, dir: &str) -> Result<Vec<NameEntry>, Fail> {
        let max = self.opts.readdir_max_names;
        let mut out = Vec::new();
        let mut bytes = 0usize;
        for round in 0..2 {
            while out.len() < max {
                let Some(e) = st.pending.pop_front() else { break };
                let len = e.encoded_len();
                if !out.is_empty() && bytes + len > MAX_NAME_REPLY {
                    st.pending.push_front(e);
                    return Ok(out);
                }
                bytes += len;
                out.push(e);
            }
            if round == 1 || out.len() >= max || st.done {
                break;
            }
            let batch = st.listing.next_batch(max - out.len()).await.map_err(|e| {
                tracing::debug!(dir, error = %e, "listing failed");
                Fail::from(e)
            })?;
            if batch.is_empty() {
                st.done = true;
            }
            let now = now_secs();
            st.pending.extend(batch.iter().map(|e| name_entry(&e.name, &e.metadata, now)));
        }
        Ok(out)
    }

    async fn close(&self, id: u32, entry: Entry) -> Reply {
        // Waits for every request on this handle that arrived before the CLOSE.
        let obj = entry.gate.write_owned().await.take();
        self.release_slot();
        match obj {
            None => Err(Fail::failure("invalid handle")),
            Some(Obj::Dir(_)) => Ok(ok(id)),
            Some(Obj::File(f)) => {
                let failed = f.failed.load(Ordering::Relaxed);
                match f.io {
                    FileIo::Read(d) => {
                        d.close(!failed).await;
                        Ok(ok(id))
                    }
                    FileIo::Write(up) if failed => {
                        let first = lock(&f.first_error).take();
                        up.abort().await;
                        let e = first.unwrap_or_else(|| FsError::failure("upload failed"));
                        Err(e.into())
                    }
                    FileIo::Write(up) => {
                        up.close().await?;
                        Ok(ok(id))
                    }
                }
            }
        }
    }

    async fn copy_data(
        &self,
        id: u32,
        src: HandleRef,
        dst: Option<HandleRef>,
        read_offset: u64,
        length: u64,
        write_offset: u64,
    ) -> Reply {
        let (mut src, mut dst) = (src, dst);
        match dst.as_mut() {
            Some(d) => d.turn().await,
            None => src.turn().await,
        }
        let from = src.file()?;
        let to = match &dst {
            Some(d) => d.file()?,
            None => from,
        };
        if !matches!(to.io, FileIo::Write(_)) {
            return Err(Fail { code: status::PERMISSION_DENIED, message: "the target is not open for writing".into() });
        }
        let (mut roff, mut woff) = (read_offset, write_offset);
        let mut left = if length == 0 { u64::MAX } else { length };
        // Bounded by the source's size: each round moves at least one byte or ends.
        while left > 0 {
            let want = usize::try_from(left.min(COPY_CHUNK as u64)).unwrap_or(COPY_CHUNK);
            let chunk = match &from.io {
                FileIo::Read(d) => d.read_at(roff, want).await,
                FileIo::Write(u) => u.read_at(roff, want).await,
            }?;
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len() as u64;
            self.write(to, woff, chunk).await?;
            self.stats.bytes_received.fetch_add(n, Ordering::Relaxed);
            roff += n;
            woff += n;
            left -= n;
        }
        Ok(ok(id))
    }

    /// At the end of the session: aborts open uploads and closes open downloads.
    async fn cleanup(&self) {
        let entries: Vec<Entry> = {
            let mut t = lock(&self.table);
            t.used = 0;
            t.map.drain().map(|(_, e)| e).collect()
        };
        for entry in entries {
            let obj = entry.gate.write_owned().await.take();
            match obj {
                Some(Obj::File(FileObj { io: FileIo::Write(up), .. })) => {
                    tracing::debug!(path = %entry.path, "connection ended with the upload open: aborting it");
                    self.stats.uploads_aborted.fetch_add(1, Ordering::Relaxed);
                    up.abort().await;
                }
                Some(Obj::File(FileObj { io: FileIo::Read(d), .. })) => {
                    self.stats.downloads_unclosed.fetch_add(1, Ordering::Relaxed);
                    d.close(false).await;
                }
                Some(Obj::Dir(_)) | None => {}
            }
        }
    }
}
