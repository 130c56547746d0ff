//! The SFTP version 3 wire format (draft-ietf-secsh-filexfer-02, with the OpenSSH extensions of its
//! `PROTOCOL` file): packet framing, requests and replies, file attributes and `ls -l` long names.
//!
//! Pure and synchronous: no I/O, no clock (the long-name formatter takes "now" as an argument), no
//! allocation larger than the input. Every decoder checks each length against what is left of the
//! packet and against the limits below before it allocates, and never panics.
//!
//! Both directions are here, requests and replies, encoders and decoders, so that the server, the
//! test client and the fuzz target share one implementation.

use std::fmt;

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// The protocol version spoken (and the only one).
pub const VERSION: u32 = 3;

/// Largest packet accepted, counted after the 4-byte length: 256 KiB, as OpenSSH's own limit.
pub const MAX_PACKET_LEN: u32 = 256 * 1024;
/// Largest READ answered in one DATA reply (OpenSSH's 255 KiB); longer reads get short replies.
pub const MAX_READ_LEN: u32 = 255 * 1024;
/// Largest WRITE payload, as advertised by `limits@openssh.com` (a WRITE of this size plus its
/// header fits in [`MAX_PACKET_LEN`]).
pub const MAX_WRITE_LEN: u32 = 255 * 1024;
/// Longest handle string (the draft's limit).
pub const MAX_HANDLE_LEN: usize = 256;
/// Longest path string before cleaning (cleaned virtual paths are limited to 4 KiB by the vfs).
pub const MAX_PATH_LEN: usize = 8192;
/// Longest extension name or other short string (user names, languages).
pub const MAX_NAME_LEN: usize = 1024;
/// Most `(type, data)` pairs in an ATTRS extended block or in INIT/VERSION.
pub const MAX_EXTENSIONS: usize = 256;

/// Packet types.
pub mod packet {
    #![allow(missing_docs)]
    pub const INIT: u8 = 1;
    pub const VERSION: u8 = 2;
    pub const OPEN: u8 = 3;
    pub const CLOSE: u8 = 4;
    pub const READ: u8 = 5;
    pub const WRITE: u8 = 6;
    pub const LSTAT: u8 = 7;
    pub const FSTAT: u8 = 8;
    pub const SETSTAT: u8 = 9;
    pub const FSETSTAT: u8 = 10;
    pub const OPENDIR: u8 = 11;
    pub const READDIR: u8 = 12;
    pub const REMOVE: u8 = 13;
    pub const MKDIR: u8 = 14;
    pub const RMDIR: u8 = 15;
    pub const REALPATH: u8 = 16;
    pub const STAT: u8 = 17;
    pub const RENAME: u8 = 18;
    pub const READLINK: u8 = 19;
    pub const SYMLINK: u8 = 20;
    pub const STATUS: u8 = 101;
    pub const HANDLE: u8 = 102;
    pub const DATA: u8 = 103;
    pub const NAME: u8 = 104;
    pub const ATTRS: u8 = 105;
    pub const EXTENDED: u8 = 200;
    pub const EXTENDED_REPLY: u8 = 201;
}

/// Status codes (`SSH_FX_*`).
pub mod status {
    #![allow(missing_docs)]
    pub const OK: u32 = 0;
    pub const EOF: u32 = 1;
    pub const NO_SUCH_FILE: u32 = 2;
    pub const PERMISSION_DENIED: u32 = 3;
    pub const FAILURE: u32 = 4;
    pub const BAD_MESSAGE: u32 = 5;
    pub const NO_CONNECTION: u32 = 6;
    pub const CONNECTION_LOST: u32 = 7;
    pub const OP_UNSUPPORTED: u32 = 8;
}

/// OPEN flags (`SSH_FXF_*`).
pub mod open_flags {
    #![allow(missing_docs)]
    pub const READ: u32 = 0x01;
    pub const WRITE: u32 = 0x02;
    pub const APPEND: u32 = 0x04;
    pub const CREAT: u32 = 0x08;
    pub const TRUNC: u32 = 0x10;
    pub const EXCL: u32 = 0x20;
}

/// ATTRS flags (`SSH_FILEXFER_ATTR_*`).
pub mod attr_flags {
    #![allow(missing_docs)]
    pub const SIZE: u32 = 0x0000_0001;
    pub const UIDGID: u32 = 0x0000_0002;
    pub const PERMISSIONS: u32 = 0x0000_0004;
    pub const ACMODTIME: u32 = 0x0000_0008;
    pub const EXTENDED: u32 = 0x8000_0000;
}

/// File type bits of the permissions field (as in `st_mode`).
pub mod file_type {
    #![allow(missing_docs)]
    pub const MASK: u32 = 0o170_000;
    pub const REGULAR: u32 = 0o100_000;
    pub const DIRECTORY: u32 = 0o040_000;
    pub const SYMLINK: u32 = 0o120_000;
}

/// Extension names.
pub mod ext {
    #![allow(missing_docs)]
    pub const POSIX_RENAME: &str = "posix-rename@openssh.com";
    pub const STATVFS: &str = "statvfs@openssh.com";
    pub const FSTATVFS: &str = "fstatvfs@openssh.com";
    pub const HARDLINK: &str = "hardlink@openssh.com";
    pub const FSYNC: &str = "fsync@openssh.com";
    pub const LSETSTAT: &str = "lsetstat@openssh.com";
    pub const LIMITS: &str = "limits@openssh.com";
    pub const EXPAND_PATH: &str = "expand-path@openssh.com";
    pub const COPY_DATA: &str = "copy-data";
    pub const HOME_DIRECTORY: &str = "home-directory";
    pub const USERS_GROUPS_BY_ID: &str = "users-groups-by-id@openssh.com";
}

/// File attributes (ATTRS). Absent fields were not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attrs {
    /// Size in bytes.
    pub size: Option<u64>,
    /// Owner and group ids.
    pub uid_gid: Option<(u32, u32)>,
    /// Permission bits, with the file type bits when the server sends them.
    pub permissions: Option<u32>,
    /// Access and modification times (seconds since the epoch).
    pub times: Option<(u32, u32)>,
    /// Extended `(type, data)` pairs.
    pub extended: Vec<(Bytes, Bytes)>,
}

impl Attrs {
    /// The flags word these attributes encode with.
    pub fn flags(&self) -> u32 {
        let mut f = 0;
        if self.size.is_some() {
            f |= attr_flags::SIZE;
        }
        if self.uid_gid.is_some() {
            f |= attr_flags::UIDGID;
        }
        if self.permissions.is_some() {
            f |= attr_flags::PERMISSIONS;
        }
        if self.times.is_some() {
            f |= attr_flags::ACMODTIME;
        }
        if !self.extended.is_empty() {
            f |= attr_flags::EXTENDED;
        }
        f
    }

    /// Appends the encoding.
    pub fn encode(&self, b: &mut BytesMut) {
        b.put_u32(self.flags());
        if let Some(s) = self.size {
            b.put_u64(s);
        }
        if let Some((u, g)) = self.uid_gid {
            b.put_u32(u);
            b.put_u32(g);
        }
        if let Some(p) = self.permissions {
            b.put_u32(p);
        }
        if let Some((a, m)) = self.times {
            b.put_u32(a);
            b.put_u32(m);
        }
        if !self.extended.is_empty() {
            b.put_u32(self.extended.len() as u32);
            for (t, d) in &self.extended {
                put_string(b, t);
                put_string(b, d);
            }
        }
    }

    /// Bytes taken by the encoding.
    pub fn encoded_len(&self) -> usize {
        4 + self.size.map_or(0, |_| 8)
            + self.uid_gid.map_or(0, |_| 8)
            + self.permissions.map_or(0, |_| 4)
            + self.times.map_or(0, |_| 8)
            + if self.extended.is_empty() {
                0
            } else {
                4 + self.extended.iter().map(|(t, d)| 8 + t.len() + d.len()).sum::<usize>()
            }
    }
}

/// Why a packet could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The packet ended before a field.
    #[error("packet truncated")]
    Truncated,
    /// A string is longer than allowed for its field.
    #[error("{0} too long")]
    TooLong(&'static str),
    /// A field that must be text is not UTF-8.
    #[error("{0} is not valid UTF-8")]
    NotUtf8(&'static str),
    /// A field has a value the protocol does not allow.
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// The packet type is not known.
    #[error("unknown packet type {0}")]
    UnknownType(u8),
}

/// A decoding failure, with the request id when it could be read (then the client gets a
/// `SSH_FX_BAD_MESSAGE` or, for an unknown type, `SSH_FX_OP_UNSUPPORTED` reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketError {
    /// The request id, if the packet was long enough to hold one.
    pub id: Option<u32>,
    /// What was wrong.
    pub error: DecodeError,
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.id {
            Some(id) => write!(f, "request {id}: {}", self.error),
            None => write!(f, "{}", self.error),
        }
    }
}

impl std::error::Error for PacketError {}

/// Reads fields from a packet body; every read checks what is left.
#[derive(Debug)]
pub struct Reader {
    buf: Bytes,
}

impl Reader {
    /// Reads from `buf`.
    pub fn new(buf: Bytes) -> Self {
        Self { buf }
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// A byte.
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        if self.buf.is_empty() {
            return Err(DecodeError::Truncated);
        }
        Ok(self.buf.get_u8())
    }

    /// A big-endian uint32.
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        if self.buf.len() < 4 {
            return Err(DecodeError::Truncated);
        }
        Ok(self.buf.get_u32())
    }

    /// A big-endian uint64.
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        if self.buf.len() < 8 {
            return Err(DecodeError::Truncated);
        }
        Ok(self.buf.get_u64())
    }

    /// A string of at most `max` bytes (shares the packet's buffer).
    pub fn bytes(&mut self, max: usize, what: &'static str) -> Result<Bytes, DecodeError> {
        let len = self.u32()? as usize;
        if len > max {
            return Err(DecodeError::TooLong(what));
        }
        if len > self.buf.len() {
            return Err(DecodeError::Truncated);
        }
        Ok(self.buf.split_to(len))
    }

    /// A UTF-8 string of at most `max` bytes.
    pub fn text(&mut self, max: usize, what: &'static str) -> Result<String, DecodeError> {
        let b = self.bytes(max, what)?;
        String::from_utf8(b.to_vec()).map_err(|_| DecodeError::NotUtf8(what))
    }

    /// A path.
    pub fn path(&mut self) -> Result<String, DecodeError> {
        self.text(MAX_PATH_LEN, "path")
    }

    /// A handle.
    pub fn handle(&mut self) -> Result<Bytes, DecodeError> {
        self.bytes(MAX_HANDLE_LEN, "handle")
    }

    /// File attributes.
    pub fn attrs(&mut self) -> Result<Attrs, DecodeError> {
        let flags = self.u32()?;
        let mut a = Attrs::default();
        if flags & attr_flags::SIZE != 0 {
            a.size = Some(self.u64()?);
        }
        if flags & attr_flags::UIDGID != 0 {
            a.uid_gid = Some((self.u32()?, self.u32()?));
        }
        if flags & attr_flags::PERMISSIONS != 0 {
            a.permissions = Some(self.u32()?);
        }
        if flags & attr_flags::ACMODTIME != 0 {
            a.times = Some((self.u32()?, self.u32()?));
        }
        if flags & attr_flags::EXTENDED != 0 {
            let n = self.u32()? as usize;
            if n > MAX_EXTENSIONS {
                return Err(DecodeError::TooLong("attribute extensions"));
            }
            // Each pair takes at least 8 bytes: refuse counts the packet cannot hold before allocating.
            if n.saturating_mul(8) > self.buf.len() {
                return Err(DecodeError::Truncated);
            }
            let mut ext = Vec::with_capacity(n);
            for _ in 0..n {
                let t = self.bytes(MAX_NAME_LEN, "attribute extension name")?;
                let d = self.bytes(MAX_PACKET_LEN as usize, "attribute extension data")?;
                ext.push((t, d));
            }
            // A flag without pairs is legal on the wire; keep the value canonical.
            a.extended = ext;
        }
        Ok(a)
    }

    /// The rest of the packet.
    pub fn rest(&mut self) -> Bytes {
        std::mem::take(&mut self.buf)
    }
}

/// Appends an SSH string.
pub fn put_string(b: &mut BytesMut, s: &[u8]) {
    b.put_u32(s.len() as u32);
    b.put_slice(s);
}

/// An extended request (SSH_FXP_EXTENDED).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extended {
    /// `posix-rename@openssh.com`.
    PosixRename {
        /// Existing path.
        from: String,
        /// New path.
        to: String,
    },
    /// `statvfs@openssh.com`.
    Statvfs {
        /// A path on the filesystem.
        path: String,
    },
    /// `fstatvfs@openssh.com`.
    Fstatvfs {
        /// An open handle.
        handle: Bytes,
    },
    /// `hardlink@openssh.com`.
    Hardlink {
        /// Existing path.
        from: String,
        /// New link.
        to: String,
    },
    /// `fsync@openssh.com`.
    Fsync {
        /// An open file handle.
        handle: Bytes,
    },
    /// `lsetstat@openssh.com`: SETSTAT without following a final symlink.
    Lsetstat {
        /// Path.
        path: String,
        /// Attributes to set.
        attrs: Attrs,
    },
    /// `limits@openssh.com`.
    Limits,
    /// `expand-path@openssh.com`: REALPATH that also expands `~`.
    ExpandPath {
        /// Path.
        path: String,
    },
    /// `copy-data`: server-side copy between two open handles.
    CopyData {
        /// Handle opened for reading.
        read_handle: Bytes,
        /// Where reading starts.
        read_offset: u64,
        /// Bytes to copy; 0 = up to the end of the file.
        length: u64,
        /// Handle opened for writing.
        write_handle: Bytes,
        /// Where writing starts.
        write_offset: u64,
    },
    /// `home-directory`.
    HomeDirectory {
        /// User name (empty = the logged-in user).
        username: String,
    },
    /// `users-groups-by-id@openssh.com`.
    UsersGroupsById {
        /// User ids to name.
        uids: Vec<u32>,
        /// Group ids to name.
        gids: Vec<u32>,
    },
    /// Anything else (answered with `SSH_FX_OP_UNSUPPORTED`).
    Unknown {
        /// The request name, as sent.
        name: Bytes,
    },
}

/// A request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// SSH_FXP_OPEN.
    Open {
        /// Path.
        path: String,
        /// `open_flags`.
        pflags: u32,
        /// Attributes for a new file.
        attrs: Attrs,
    },
    /// SSH_FXP_CLOSE.
    Close {
        /// Handle.
        handle: Bytes,
    },
    /// SSH_FXP_READ.
    Read {
        /// Handle.
        handle: Bytes,
        /// Offset.
        offset: u64,
        /// Bytes wanted.
        len: u32,
    },
    /// SSH_FXP_WRITE.
    Write {
        /// Handle.
        handle: Bytes,
        /// Offset.
        offset: u64,
        /// The data (shares the packet's buffer).
        data: Bytes,
    },
    /// SSH_FXP_LSTAT.
    Lstat {
        /// Path.
        path: String,
    },
    /// SSH_FXP_FSTAT.
    Fstat {
        /// Handle.
        handle: Bytes,
    },
    /// SSH_FXP_SETSTAT.
    Setstat {
        /// Path.
        path: String,
        /// Attributes.
        attrs: Attrs,
    },
    /// SSH_FXP_FSETSTAT.
    Fsetstat {
        /// Handle.
        handle: Bytes,
        /// Attributes.
        attrs: Attrs,
    },
    /// SSH_FXP_OPENDIR.
    Opendir {
        /// Path.
        path: String,
    },
    /// SSH_FXP_READDIR.
    Readdir {
        /// Handle.
        handle: Bytes,
    },
    /// SSH_FXP_REMOVE.
    Remove {
        /// Path.
        path: String,
    },
    /// SSH_FXP_MKDIR.
    Mkdir {
        /// Path.
        path: String,
        /// Attributes.
        attrs: Attrs,
    },
    /// SSH_FXP_RMDIR.
    Rmdir {
        /// Path.
        path: String,
    },
    /// SSH_FXP_REALPATH.
    Realpath {
        /// Path.
        path: String,
    },
    /// SSH_FXP_STAT.
    Stat {
        /// Path.
        path: String,
    },
    /// SSH_FXP_RENAME.
    Rename {
        /// Existing path.
        from: String,
        /// New path.
        to: String,
    },
    /// SSH_FXP_READLINK.
    Readlink {
        /// Path.
        path: String,
    },
    /// SSH_FXP_SYMLINK, in OpenSSH's argument order: the target first, then the new link.
    Symlink {
        /// What the link points to (as sent).
        target: String,
        /// The link to create.
        link: String,
    },
    /// SSH_FXP_EXTENDED.
    Extended(Extended),
}

impl Request {
    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Open { .. } => "open",
            Self::Close { .. } => "close",
            Self::Read { .. } => "read",
            Self::Write { .. } => "write",
            Self::Lstat { .. } => "lstat",
            Self::Fstat { .. } => "fstat",
            Self::Setstat { .. } => "setstat",
            Self::Fsetstat { .. } => "fsetstat",
            Self::Opendir { .. } => "opendir",
            Self::Readdir { .. } => "readdir",
            Self::Remove { .. } => "remove",
            Self::Mkdir { .. } => "mkdir",
            Self::Rmdir { .. } => "rmdir",
            Self::Realpath { .. } => "realpath",
            Self::Stat { .. } => "stat",
            Self::Rename { .. } => "rename",
            Self::Readlink { .. } => "readlink",
            Self::Symlink { .. } => "symlink",
            Self::Extended(e) => match e {
                Extended::PosixRename { .. } => ext::POSIX_RENAME,
                Extended::Statvfs { .. } => ext::STATVFS,
                Extended::Fstatvfs { .. } => ext::FSTATVFS,
                Extended::Hardlink { .. } => ext::HARDLINK,
                Extended::Fsync { .. } => ext::FSYNC,
                Extended::Lsetstat { .. } => ext::LSETSTAT,
                Extended::Limits => ext::LIMITS,
                Extended::ExpandPath { .. } => ext::EXPAND_PATH,
                Extended::CopyData { .. } => ext::COPY_DATA,
                Extended::HomeDirectory { .. } => ext::HOME_DIRECTORY,
                Extended::UsersGroupsById { .. } => ext::USERS_GROUPS_BY_ID,
                Extended::Unknown { .. } => "extended",
            },
        }
    }
}

/// A packet from the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientPacket {
    /// SSH_FXP_INIT.
    Init {
        /// The client's version.
        version: u32,
        /// Extensions the client announces.
        extensions: Vec<(Bytes, Bytes)>,
    },
    /// A request with its id.
    Request {
        /// Request id.
        id: u32,
        /// The request.
        request: Request,
    },
}

/// The length announced by a packet's 4-byte header, checked against `max`.
pub fn frame_len(header: [u8; 4], max: u32) -> Result<u32, FrameError> {
    let len = u32::from_be_bytes(header);
    if len == 0 {
        return Err(FrameError::Empty);
    }
    if len > max {
        return Err(FrameError::TooLarge { len, max });
    }
    Ok(len)
}

/// A packet length the framing refuses (the session cannot go on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Longer than allowed.
    #[error("packet of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// Announced length.
        len: u32,
        /// Limit.
        max: u32,
    },
    /// Zero length: not even a type byte.
    #[error("empty packet")]
    Empty,
}

fn decode_ids(b: Bytes) -> Result<Vec<u32>, DecodeError> {
    if !b.len().is_multiple_of(4) {
        return Err(DecodeError::Invalid("id list"));
    }
    Ok(b.chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])).collect())
}

fn decode_extended(r: &mut Reader) -> Result<Extended, DecodeError> {
    let name = r.bytes(MAX_NAME_LEN, "extension name")?;
    Ok(match &name[..] {
        n if n == ext::POSIX_RENAME.as_bytes() => Extended::PosixRename { from: r.path()?, to: r.path()? },
        n if n == ext::STATVFS.as_bytes() => Extended::Statvfs { path: r.path()? },
        n if n == ext::FSTATVFS.as_bytes() => Extended::Fstatvfs { handle: r.handle()? },
        n if n == ext::HARDLINK.as_bytes() => Extended::Hardlink { from: r.path()?, to: r.path()? },
        n if n == ext::FSYNC.as_bytes() => Extended::Fsync { handle: r.handle()? },
        n if n == ext::LSETSTAT.as_bytes() => Extended::Lsetstat { path: r.path()?, attrs: r.attrs()? },
        n if n == ext::LIMITS.as_bytes() => Extended::Limits,
        n if n == ext::EXPAND_PATH.as_bytes() => Extended::ExpandPath { path: r.path()? },
        n if n == ext::COPY_DATA.as_bytes() => Extended::CopyData {
            read_handle: r.handle()?,
            read_offset: r.u64()?,
            length: r.u64()?,
            write_handle: r.handle()?,
            write_offset: r.u64()?,
        },
        n if n == ext::HOME_DIRECTORY.as_bytes() => {
            Extended::HomeDirectory { username: r.text(MAX_NAME_LEN, "user name")? }
        }
        n if n == ext::USERS_GROUPS_BY_ID.as_bytes() => {
            let uids = decode_ids(r.bytes(MAX_PACKET_LEN as usize, "uid list")?)?;
            let gids = decode_ids(r.bytes(MAX_PACKET_LEN as usize, "gid list")?)?;
            Extended::UsersGroupsById { uids, gids }
        }
        _ => Extended::Unknown { name },
    })
}

/// Decodes one packet from the client: `packet` is the frame after its length (type byte first).
/// Trailing bytes after the fields a request needs are ignored (later protocol versions append
/// fields that version 3 servers skip).
pub fn decode_client(packet: Bytes) -> Result<ClientPacket, PacketError> {
    let mut r = Reader::new(packet);
    let ty = r.u8().map_err(|error| PacketError { id: None, error })?;
    if ty == packet::INIT {
        let version = r.u32().map_err(|error| PacketError { id: None, error })?;
        let extensions = decode_pairs(&mut r).map_err(|error| PacketError { id: None, error })?;
        return Ok(ClientPacket::Init { version, extensions });
    }
    let id = r.u32().map_err(|error| PacketError { id: None, error })?;
    let request = decode_request(ty, &mut r).map_err(|error| PacketError { id: Some(id), error })?;
    Ok(ClientPacket::Request { id, request })
}

fn decode_pairs(r: &mut Reader) -> Result<Vec<(Bytes, Bytes)>, DecodeError> {
    let mut out = Vec::new();
    while r.remaining() > 0 {
        if out.len() >= MAX_EXTENSIONS {
            return Err(DecodeError::TooLong("extension list"));
        }
        let name = r.bytes(MAX_NAME_LEN, "extension name")?;
        let data = r.bytes(MAX_PACKET_LEN as usize, "extension data")?;
        out.push((name, data));
    }
    Ok(out)
}

fn decode_request(ty: u8, r: &mut Reader) -> Result<Request, DecodeError> {
    use packet as p;
    Ok(match ty {
        p::OPEN => Request::Open { path: r.path()?, pflags: r.u32()?, attrs: r.attrs()? },
        p::CLOSE => Request::Close { handle: r.handle()? },
        p::READ => Request::Read { handle: r.handle()?, offset: r.u64()?, len: r.u32()? },
        p::WRITE => {
            Request::Write { handle: r.handle()?, offset: r.u64()?, data: r.bytes(MAX_WRITE_LEN as usize, "data")? }
        }
        p::LSTAT => Request::Lstat { path: r.path()? },
        p::FSTAT => Request::Fstat { handle: r.handle()? },
        p::SETSTAT => Request::Setstat { path: r.path()?, attrs: r.attrs()? },
        p::FSETSTAT => Request::Fsetstat { handle: r.handle()?, attrs: r.attrs()? },
        p::OPENDIR => Request::Opendir { path: r.path()? },
        p::READDIR => Request::Readdir { handle: r.handle()? },
        p::REMOVE => Request::Remove { path: r.path()? },
        p::MKDIR => Request::Mkdir { path: r.path()?, attrs: r.attrs()? },
        p::RMDIR => Request::Rmdir { path: r.path()? },
        p::REALPATH => Request::Realpath { path: r.path()? },
        p::STAT => Request::Stat { path: r.path()? },
        p::RENAME => Request::Rename { from: r.path()?, to: r.path()? },
        p::READLINK => Request::Readlink { path: r.path()? },
        p::SYMLINK => Request::Symlink { target: r.path()?, link: r.path()? },
        p::EXTENDED => Request::Extended(decode_extended(r)?),
        other => return Err(DecodeError::UnknownType(other)),
    })
}

/// Starts a packet: reserves the length, writes the type (the length is filled by [`finish`]).
fn start(ty: u8, capacity: usize) -> BytesMut {
    let mut b = BytesMut::with_capacity(capacity + 5);
    b.put_u32(0);
    b.put_u8(ty);
    b
}

/// Fills in the length of a packet built with [`start`]; `extra` bytes will follow separately.
fn finish(mut b: BytesMut, extra: usize) -> BytesMut {
    let len = (b.len() - 4 + extra) as u32;
    b[..4].copy_from_slice(&len.to_be_bytes());
    b
}

/// Encodes the client's INIT.
pub fn encode_init(version: u32, extensions: &[(&[u8], &[u8])]) -> Bytes {
    let mut b = start(packet::INIT, 64);
    b.put_u32(version);
    for (n, d) in extensions {
        put_string(&mut b, n);
        put_string(&mut b, d);
    }
    finish(b, 0).freeze()
}

/// Encodes a request with its id, length prefix included (the client side; also used by tests and
/// the fuzz target's round trip).
pub fn encode_request(id: u32, req: &Request) -> Bytes {
    use packet as p;
    let s = |b: &mut BytesMut, v: &str| put_string(b, v.as_bytes());
    let ty = match req {
        Request::Open { .. } => p::OPEN,
        Request::Close { .. } => p::CLOSE,
        Request::Read { .. } => p::READ,
        Request::Write { .. } => p::WRITE,
        Request::Lstat { .. } => p::LSTAT,
        Request::Fstat { .. } => p::FSTAT,
        Request::Setstat { .. } => p::SETSTAT,
        Request::Fsetstat { .. } => p::FSETSTAT,
        Request::Opendir { .. } => p::OPENDIR,
        Request::Readdir { .. } => p::READDIR,
        Request::Remove { .. } => p::REMOVE,
        Request::Mkdir { .. } => p::MKDIR,
        Request::Rmdir { .. } => p::RMDIR,
        Request::Realpath { .. } => p::REALPATH,
        Request::Stat { .. } => p::STAT,
        Request::Rename { .. } => p::RENAME,
        Request::Readlink { .. } => p::READLINK,
        Request::Symlink { .. } => p::SYMLINK,
        Request::Extended(_) => p::EXTENDED,
    };
    let mut b = start(ty, 64);
    b.put_u32(id);
    match req {
        Request::Open { path, pflags, attrs } => {
            s(&mut b, path);
            b.put_u32(*pflags);
            attrs.encode(&mut b);
        }
        Request::Close { handle } | Request::Fstat { handle } | Request::Readdir { handle } => {
            put_string(&mut b, handle)
        }
        Request::Read { handle, offset, len } => {
            put_string(&mut b, handle);
            b.put_u64(*offset);
            b.put_u32(*len);
        }
        Request::Write { handle, offset, data } => {
            put_string(&mut b, handle);
            b.put_u64(*offset);
            put_string(&mut b, data);
        }
        Request::Lstat { path }
        | Request::Opendir { path }
        | Request::Remove { path }
        | Request::Rmdir { path }
        | Request::Realpath { path }
        | Request::Stat { path }
        | Request::Readlink { path } => s(&mut b, path),
        Request::Setstat { path, attrs } | Request::Mkdir { path, attrs } => {
            s(&mut b, path);
            attrs.encode(&mut b);
        }
        Request::Fsetstat { handle, attrs } => {
            put_string(&mut b, handle);
            attrs.encode(&mut b);
        }
        Request::Rename { from, to } => {
            s(&mut b, from);
            s(&mut b, to);
        }
        Request::Symlink { target, link } => {
            s(&mut b, target);
            s(&mut b, link);
        }
        Request::Extended(e) => {
            put_string(&mut b, req.name_for_wire());
            match e {
                Extended::PosixRename { from, to } | Extended::Hardlink { from, to } => {
                    s(&mut b, from);
                    s(&mut b, to);
                }
                Extended::Statvfs { path } | Extended::ExpandPath { path } => s(&mut b, path),
                Extended::Fstatvfs { handle } | Extended::Fsync { handle } => put_string(&mut b, handle),
                Extended::Lsetstat { path, attrs } => {
                    s(&mut b, path);
                    attrs.encode(&mut b);
                }
                Extended::Limits | Extended::Unknown { .. } => {}
                Extended::CopyData { read_handle, read_offset, length, write_handle, write_offset } => {
                    put_string(&mut b, read_handle);
                    b.put_u64(*read_offset);
                    b.put_u64(*length);
                    put_string(&mut b, write_handle);
                    b.put_u64(*write_offset);
                }
                Extended::HomeDirectory { username } => s(&mut b, username),
                Extended::UsersGroupsById { uids, gids } => {
                    for ids in [uids, gids] {
                        b.put_u32((ids.len() * 4) as u32);
                        for i in ids {
                            b.put_u32(*i);
                        }
                    }
                }
            }
        }
    }
    finish(b, 0).freeze()
}

impl Request {
    fn name_for_wire(&self) -> &[u8] {
        match self {
            Self::Extended(Extended::Unknown { name }) => name,
            other => other.name().as_bytes(),
        }
    }
}

/// One entry of a NAME reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameEntry {
    /// File name (a bare name in listings, a path in REALPATH/READLINK replies).
    pub filename: String,
    /// `ls -l`-style line.
    pub longname: String,
    /// Attributes.
    pub attrs: Attrs,
}

impl NameEntry {
    /// Bytes taken in a NAME reply.
    pub fn encoded_len(&self) -> usize {
        8 + self.filename.len() + self.longname.len() + self.attrs.encoded_len()
    }
}

/// The `statvfs@openssh.com` reply fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatVfsReply {
    /// File system block size.
    pub bsize: u64,
    /// Fundamental block size.
    pub frsize: u64,
    /// Blocks (in `frsize` units).
    pub blocks: u64,
    /// Free blocks.
    pub bfree: u64,
    /// Free blocks for non-root.
    pub bavail: u64,
    /// Inodes.
    pub files: u64,
    /// Free inodes.
    pub ffree: u64,
    /// Free inodes for non-root.
    pub favail: u64,
    /// File system id.
    pub fsid: u64,
    /// Flags (`ST_RDONLY` 1, `ST_NOSUID` 2).
    pub flag: u64,
    /// Longest name.
    pub namemax: u64,
}

/// The `limits@openssh.com` reply fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitsReply {
    /// Largest packet accepted.
    pub max_packet_len: u64,
    /// Largest READ answered in full.
    pub max_read_len: u64,
    /// Largest WRITE accepted.
    pub max_write_len: u64,
    /// Most handles open at once.
    pub max_open_handles: u64,
}

/// A packet from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// SSH_FXP_VERSION.
    Version {
        /// Version.
        version: u32,
        /// Extensions `(name, data)`.
        extensions: Vec<(Bytes, Bytes)>,
    },
    /// SSH_FXP_STATUS.
    Status {
        /// Request id.
        id: u32,
        /// `status` code.
        code: u32,
        /// Message.
        message: String,
    },
    /// SSH_FXP_HANDLE.
    Handle {
        /// Request id.
        id: u32,
        /// Handle.
        handle: Bytes,
    },
    /// SSH_FXP_DATA.
    Data {
        /// Request id.
        id: u32,
        /// Data.
        data: Bytes,
    },
    /// SSH_FXP_NAME.
    Name {
        /// Request id.
        id: u32,
        /// Entries.
        entries: Vec<NameEntry>,
    },
    /// SSH_FXP_ATTRS.
    Attrs {
        /// Request id.
        id: u32,
        /// Attributes.
        attrs: Attrs,
    },
    /// SSH_FXP_EXTENDED_REPLY.
    ExtendedReply {
        /// Request id.
        id: u32,
        /// The extension-specific body.
        data: Bytes,
    },
}

impl Response {
    /// A STATUS reply.
    pub fn status(id: u32, code: u32, message: impl Into<String>) -> Self {
        Self::Status { id, code, message: message.into() }
    }

    /// The encoding in two parts, length prefix included: a header and a body that follows it
    /// unchanged (the data of a DATA reply, so it is never copied; empty otherwise).
    pub fn encode_parts(&self) -> (Bytes, Bytes) {
        match self {
            Self::Version { version, extensions } => {
                let mut b = start(packet::VERSION, 256);
                b.put_u32(*version);
                for (n, d) in extensions {
                    put_string(&mut b, n);
                    put_string(&mut b, d);
                }
                (finish(b, 0).freeze(), Bytes::new())
            }
            Self::Status { id, code, message } => {
                let mut b = start(packet::STATUS, 16 + message.len());
                b.put_u32(*id);
                b.put_u32(*code);
                put_string(&mut b, message.as_bytes());
                put_string(&mut b, b"en");
                (finish(b, 0).freeze(), Bytes::new())
            }
            Self::Handle { id, handle } => {
                let mut b = start(packet::HANDLE, 8 + handle.len());
                b.put_u32(*id);
                put_string(&mut b, handle);
                (finish(b, 0).freeze(), Bytes::new())
            }
            Self::Data { id, data } => {
                let mut b = start(packet::DATA, 8);
                b.put_u32(*id);
                b.put_u32(data.len() as u32);
                (finish(b, data.len()).freeze(), data.clone())
            }
            Self::Name { id, entries } => {
                let len: usize = entries.iter().map(NameEntry::encoded_len).sum();
                let mut b = start(packet::NAME, 8 + len);
                b.put_u32(*id);
                b.put_u32(entries.len() as u32);
                for e in entries {
                    put_string(&mut b, e.filename.as_bytes());
                    put_string(&mut b, e.longname.as_bytes());
                    e.attrs.encode(&mut b);
                }
                (finish(b, 0).freeze(), Bytes::new())
            }
            Self::Attrs { id, attrs } => {
                let mut b = start(packet::ATTRS, 4 + attrs.encoded_len());
                b.put_u32(*id);
                attrs.encode(&mut b);
                (finish(b, 0).freeze(), Bytes::new())
            }
            Self::ExtendedReply { id, data } => {
                let mut b = start(packet::EXTENDED_REPLY, 4);
                b.put_u32(*id);
                (finish(b, data.len()).freeze(), data.clone())
            }
        }
    }

    /// The whole encoding in one buffer.
    pub fn encode(&self) -> Bytes {
        let (head, body) = self.encode_parts();
        if body.is_empty() {
            return head;
        }
        let mut b = BytesMut::with_capacity(head.len() + body.len());
        b.put_slice(&head);
        b.put_slice(&body);
        b.freeze()
    }

    /// The request id (none for VERSION).
    pub fn id(&self) -> Option<u32> {
        match self {
            Self::Version { .. } => None,
            Self::Status { id, .. }
            | Self::Handle { id, .. }
            | Self::Data { id, .. }
            | Self::Name { id, .. }
            | Self::Attrs { id, .. }
            | Self::ExtendedReply { id, .. } => Some(*id),
        }
    }

    /// Decodes a server packet (the frame after its length), for clients and tests.
    pub fn decode(packet: Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(packet);
        let ty = r.u8()?;
        if ty == packet::VERSION {
            let version = r.u32()?;
            return Ok(Self::Version { version, extensions: decode_pairs(&mut r)? });
        }
        let id = r.u32()?;
        Ok(match ty {
            packet::STATUS => {
                let code = r.u32()?;
                // Version 3 servers may omit the message and language.
                let message = if r.remaining() > 0 {
                    String::from_utf8_lossy(&r.bytes(MAX_PACKET_LEN as usize, "message")?).into_owned()
                } else {
                    String::new()
                };
                Self::Status { id, code, message }
            }
            packet::HANDLE => Self::Handle { id, handle: r.handle()? },
            packet::DATA => Self::Data { id, data: r.bytes(MAX_PACKET_LEN as usize, "data")? },
            packet::NAME => {
                let n = r.u32()? as usize;
                // An entry takes at least 12 bytes.
                if n.saturating_mul(12) > r.remaining() {
                    return Err(DecodeError::Truncated);
                }
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    let filename = r.text(MAX_PATH_LEN, "file name")?;
                    let longname = r.text(MAX_PATH_LEN + 256, "long name")?;
                    entries.push(NameEntry { filename, longname, attrs: r.attrs()? });
                }
                Self::Name { id, entries }
            }
            packet::ATTRS => Self::Attrs { id, attrs: r.attrs()? },
            packet::EXTENDED_REPLY => Self::ExtendedReply { id, data: r.rest() },
            other => return Err(DecodeError::UnknownType(other)),
        })
    }
}

impl StatVfsReply {
    /// The reply body.
    pub fn encode(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(88);
        for v in [
            self.bsize,
            self.frsize,
            self.blocks,
            self.bfree,
            self.bavail,
            self.files,
            self.ffree,
            self.favail,
            self.fsid,
            self.flag,
            self.namemax,
        ] {
            b.put_u64(v);
        }
        b.freeze()
    }

    /// Reads a reply body.
    pub fn decode(body: Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        Ok(Self {
            bsize: r.u64()?,
            frsize: r.u64()?,
            blocks: r.u64()?,
            bfree: r.u64()?,
            bavail: r.u64()?,
            files: r.u64()?,
            ffree: r.u64()?,
            favail: r.u64()?,
            fsid: r.u64()?,
            flag: r.u64()?,
            namemax: r.u64()?,
        })
    }
}

impl LimitsReply {
    /// The reply body.
    pub fn encode(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(32);
        for v in [self.max_packet_len, self.max_read_len, self.max_write_len, self.max_open_handles] {
            b.put_u64(v);
        }
        b.freeze()
    }

    /// Reads a reply body.
    pub fn decode(body: Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        Ok(Self {
            max_packet_len: r.u64()?,
            max_read_len: r.u64()?,
            max_write_len: r.u64()?,
            max_open_handles: r.u64()?,
        })
    }
}

/// The `users-groups-by-id@openssh.com` reply body: two strings, each holding one string per id.
pub fn encode_names_by_id(users: &[String], groups: &[String]) -> Bytes {
    let mut b = BytesMut::new();
    for list in [users, groups] {
        let inner: usize = list.iter().map(|n| 4 + n.len()).sum();
        b.put_u32(inner as u32);
        for n in list {
            put_string(&mut b, n.as_bytes());
        }
    }
    b.freeze()
}

/// Reads a `users-groups-by-id@openssh.com` reply body.
pub fn decode_names_by_id(body: Bytes) -> Result<(Vec<String>, Vec<String>), DecodeError> {
    let mut r = Reader::new(body);
    let mut lists = Vec::with_capacity(2);
    for _ in 0..2 {
        let mut inner = Reader::new(r.bytes(MAX_PACKET_LEN as usize, "name list")?);
        let mut names = Vec::new();
        while inner.remaining() > 0 {
            names.push(inner.text(MAX_NAME_LEN, "name")?);
        }
        lists.push(names);
    }
    let groups = lists.pop().unwrap_or_default();
    let users = lists.pop().unwrap_or_default();
    Ok((users, groups))
}

/// What a long name shows about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongnameInfo {
    /// Permissions with file type bits.
    pub mode: u32,
    /// Link count.
    pub nlink: u32,
    /// Owner id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Size.
    pub size: u64,
    /// Modification time (seconds since the epoch).
    pub mtime: i64,
}

/// The `ls -l` line for a file (the format OpenSSH's client prints and some clients parse):
/// `-rw-r--r--    1 1000     1000         1234 Mar  4 12:34 name`. Dates within six months of `now`
/// show the time, older or future ones the year (UTC).
pub fn longname(name: &str, info: &LongnameInfo, now: i64) -> String {
    let mode = mode_string(info.mode);
    let date = {
        let (y, mo, d, h, mi) = civil(info.mtime);
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let month = MONTHS[((mo as usize).clamp(1, 12)) - 1];
        const SIX_MONTHS: i64 = 182 * 24 * 3600;
        if now.checked_sub(info.mtime).is_some_and(|age| (0..SIX_MONTHS).contains(&age)) {
            format!("{month} {d:>2} {h:02}:{mi:02}")
        } else {
            format!("{month} {d:>2}  {y:>4}")
        }
    };
    format!("{mode} {:>4} {:<8} {:<8} {:>8} {date} {name}", info.nlink, info.uid, info.gid, info.size)
}

/// `drwxr-xr-x` for a mode with type bits.
pub fn mode_string(mode: u32) -> String {
    let mut s = String::with_capacity(10);
    s.push(match mode & file_type::MASK {
        file_type::DIRECTORY => 'd',
        file_type::SYMLINK => 'l',
        0o020_000 => 'c',
        0o060_000 => 'b',
        0o010_000 => 'p',
        0o140_000 => 's',
        _ => '-',
    });
    let bit = |m: u32, c: char| if mode & m != 0 { c } else { '-' };
    let special = |x: u32, special: u32, set: char, unset: char| match (mode & x != 0, mode & special != 0) {
        (true, true) => set,
        (false, true) => unset,
        (true, false) => 'x',
        (false, false) => '-',
    };
    s.push(bit(0o400, 'r'));
    s.push(bit(0o200, 'w'));
    s.push(special(0o100, 0o4000, 's', 'S'));
    s.push(bit(0o040, 'r'));
    s.push(bit(0o020, 'w'));
    s.push(special(0o010, 0o2000, 's', 'S'));
    s.push(bit(0o004, 'r'));
    s.push(bit(0o002, 'w'));
    s.push(special(0o001, 0o1000, 't', 'T'));
    s
}

/// (year, month 1-12, day, hour, minute) of a Unix time, UTC (days-to-civil over the proleptic
/// Gregorian calendar).
fn civil(t: i64) -> (i64, u32, u32, u32, u32) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, (secs / 3600) as u32, ((secs % 3600) / 60) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(b: &Bytes) -> Bytes {
        assert_eq!(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize, b.len() - 4, "length prefix");
        b.slice(4..)
    }

    fn roundtrip(req: Request) {
        let enc = encode_request(7, &req);
        match decode_client(body(&enc)) {
            Ok(ClientPacket::Request { id: 7, request }) => assert_eq!(request, req),
            other => panic!("{req:?} decoded as {other:?}"),
        }
    }

    fn h(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn every_request_round_trips() {
        let attrs = Attrs {
            size: Some(5),
            uid_gid: Some((1, 2)),
            permissions: Some(0o100_644),
            times: Some((3, 4)),
            extended: vec![(h("a@b"), h("c"))],
        };
        for req in [
            Request::Open { path: "/a b/ü".into(), pflags: 0x1a, attrs: attrs.clone() },
            Request::Close { handle: h("1") },
            Request::Read { handle: h("1"), offset: 1 << 40, len: 32768 },
            Request::Write { handle: h("1"), offset: 9, data: h("data") },
            Request::Lstat { path: "x".into() },
            Request::Fstat { handle: h("2") },
            Request::Setstat { path: "x".into(), attrs: Attrs { size: Some(0), ..Attrs::default() } },
            Request::Fsetstat { handle: h("2"), attrs: attrs.clone() },
            Request::Opendir { path: "/".into() },
            Request::Readdir { handle: h("3") },
            Request::Remove { path: "f".into() },
            Request::Mkdir { path: "d".into(), attrs: Attrs::default() },
            Request::Rmdir { path: "d".into() },
            Request::Realpath { path: ".".into() },
            Request::Stat { path: "s".into() },
            Request::Rename { from: "a".into(), to: "b".into() },
            Request::Readlink { path: "l".into() },
            Request::Symlink { target: "t".into(), link: "l".into() },
            Request::Extended(Extended::PosixRename { from: "a".into(), to: "b".into() }),
            Request::Extended(Extended::Statvfs { path: "/".into() }),
            Request::Extended(Extended::Fstatvfs { handle: h("4") }),
            Request::Extended(Extended::Hardlink { from: "a".into(), to: "b".into() }),
            Request::Extended(Extended::Fsync { handle: h("4") }),
            Request::Extended(Extended::Lsetstat { path: "p".into(), attrs }),
            Request::Extended(Extended::Limits),
            Request::Extended(Extended::ExpandPath { path: "~/x".into() }),
            Request::Extended(Extended::CopyData {
                read_handle: h("1"),
                read_offset: 2,
                length: 3,
                write_handle: h("4"),
                write_offset: 5,
            }),
            Request::Extended(Extended::HomeDirectory { username: "u".into() }),
            Request::Extended(Extended::UsersGroupsById { uids: vec![0, 1000], gids: vec![7] }),
            Request::Extended(Extended::Unknown { name: h("check-file") }),
        ] {
            roundtrip(req);
        }
    }

    #[test]
    fn init_decodes_with_extensions() {
        let enc = encode_init(3, &[(b"x@y", b"1")]);
        assert_eq!(
            decode_client(body(&enc)).unwrap(),
            ClientPacket::Init { version: 3, extensions: vec![(h("x@y"), h("1"))] }
        );
    }

    #[test]
    fn malformed_packets_keep_the_id_when_readable() {
        // READ with a handle but no offset.
        let mut b = BytesMut::new();
        b.put_u8(packet::READ);
        b.put_u32(42);
        put_string(&mut b, b"1");
        let e = decode_client(b.freeze()).unwrap_err();
        assert_eq!(e, PacketError { id: Some(42), error: DecodeError::Truncated });
        // Too short for an id.
        let e = decode_client(Bytes::from_static(&[packet::STAT, 0, 0])).unwrap_err();
        assert_eq!(e.id, None);
        // Unknown type.
        let e = decode_client(Bytes::from_static(&[99, 0, 0, 0, 5])).unwrap_err();
        assert_eq!(e, PacketError { id: Some(5), error: DecodeError::UnknownType(99) });
        // A string length beyond the packet.
        let e = decode_client(Bytes::from_static(&[packet::STAT, 0, 0, 0, 1, 0, 0, 0, 9, b'a'])).unwrap_err();
        assert_eq!(e.error, DecodeError::Truncated);
        // A handle longer than 256 bytes.
        let mut b = BytesMut::new();
        b.put_u8(packet::CLOSE);
        b.put_u32(1);
        put_string(&mut b, &[b'h'; 300]);
        assert_eq!(decode_client(b.freeze()).unwrap_err().error, DecodeError::TooLong("handle"));
        // A path that is not UTF-8.
        let mut b = BytesMut::new();
        b.put_u8(packet::STAT);
        b.put_u32(1);
        put_string(&mut b, &[0xff, 0xfe]);
        assert_eq!(decode_client(b.freeze()).unwrap_err().error, DecodeError::NotUtf8("path"));
        // A huge extension count in ATTRS.
        let mut b = BytesMut::new();
        b.put_u8(packet::SETSTAT);
        b.put_u32(1);
        put_string(&mut b, b"p");
        b.put_u32(attr_flags::EXTENDED);
        b.put_u32(200);
        assert_eq!(decode_client(b.freeze()).unwrap_err().error, DecodeError::Truncated);
        // An odd-sized id list.
        let mut b = BytesMut::new();
        b.put_u8(packet::EXTENDED);
        b.put_u32(1);
        put_string(&mut b, ext::USERS_GROUPS_BY_ID.as_bytes());
        put_string(&mut b, &[0, 0, 1]);
        put_string(&mut b, &[]);
        assert_eq!(decode_client(b.freeze()).unwrap_err().error, DecodeError::Invalid("id list"));
    }

    #[test]
    fn trailing_bytes_are_ignored() {
        let mut b = BytesMut::new();
        b.put_u8(packet::REALPATH);
        b.put_u32(1);
        put_string(&mut b, b".");
        b.put_u8(1); // a version 6 control byte
        assert_eq!(
            decode_client(b.freeze()).unwrap(),
            ClientPacket::Request { id: 1, request: Request::Realpath { path: ".".into() } }
        );
    }

    #[test]
    fn frame_lengths() {
        assert_eq!(frame_len(5u32.to_be_bytes(), MAX_PACKET_LEN), Ok(5));
        assert_eq!(frame_len(0u32.to_be_bytes(), MAX_PACKET_LEN), Err(FrameError::Empty));
        assert_eq!(
            frame_len((MAX_PACKET_LEN + 1).to_be_bytes(), MAX_PACKET_LEN),
            Err(FrameError::TooLarge { len: MAX_PACKET_LEN + 1, max: MAX_PACKET_LEN })
        );
        // The largest WRITE with a maximal handle fits.
        let w = encode_request(
            1,
            &Request::Write {
                handle: Bytes::from(vec![b'h'; MAX_HANDLE_LEN]),
                offset: 0,
                data: Bytes::from(vec![0; MAX_WRITE_LEN as usize]),
            },
        );
        assert!(w.len() - 4 <= MAX_PACKET_LEN as usize);
        assert!(decode_client(body(&w)).is_ok());
    }

    #[test]
    fn responses_round_trip() {
        let attrs = Attrs { size: Some(1), permissions: Some(0o040_755), ..Attrs::default() };
        for r in [
            Response::Version { version: 3, extensions: vec![(h(ext::LIMITS), h("1"))] },
            Response::status(1, status::EOF, "End of file"),
            Response::Handle { id: 2, handle: h("17") },
            Response::Data { id: 3, data: h("hello") },
            Response::Name {
                id: 4,
                entries: vec![NameEntry { filename: "a".into(), longname: "l".into(), attrs: attrs.clone() }],
            },
            Response::Attrs { id: 5, attrs },
            Response::ExtendedReply { id: 6, data: LimitsReply { max_packet_len: 1, ..Default::default() }.encode() },
        ] {
            let enc = r.encode();
            assert_eq!(Response::decode(body(&enc)).unwrap(), r);
        }
        let st = StatVfsReply { bsize: 4096, blocks: 10, namemax: 255, ..Default::default() };
        assert_eq!(StatVfsReply::decode(st.encode()).unwrap(), st);
        let names = encode_names_by_id(&["".into(), "7".into()], &["g".into()]);
        assert_eq!(decode_names_by_id(names).unwrap(), (vec!["".into(), "7".into()], vec!["g".into()]));
    }

    #[test]
    fn long_names_look_like_ls() {
        let now = 1_700_000_000; // 2023-11-14 22:13:20 UTC
        let info = LongnameInfo { mode: 0o100_644, nlink: 1, uid: 1000, gid: 100, size: 1234, mtime: now - 3600 };
        assert_eq!(longname("f.txt", &info, now), "-rw-r--r--    1 1000     100          1234 Nov 14 21:13 f.txt");
        let old = LongnameInfo { mode: 0o040_755, mtime: 0, ..info };
        assert_eq!(longname("d", &old, now), "drwxr-xr-x    1 1000     100          1234 Jan  1  1970 d");
        assert_eq!(mode_string(0o120_777), "lrwxrwxrwx");
        assert_eq!(mode_string(0o104_755), "-rwsr-xr-x");
        assert_eq!(mode_string(0o041_777), "drwxrwxrwt");
        assert_eq!(mode_string(0o102_640), "-rw-r-S---");
        assert_eq!(civil(951_782_400), (2000, 2, 29, 0, 0));
        assert_eq!(civil(-1), (1969, 12, 31, 23, 59));
        // Extreme times do not overflow.
        let _ = longname("x", &LongnameInfo { mtime: i64::MIN, ..info }, i64::MAX);
        let _ = longname("x", &LongnameInfo { mtime: i64::MAX, ..info }, i64::MIN);
    }
}
