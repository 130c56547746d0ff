//! `serve` driven over an in-memory pipe by the test client: pipelining, ordering, limits, bad
//! packets, the end of a session, and SFTPGo's semantics for each request.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use wharf_core::session::{SessionSettings, UploadMode};
use wharf_sftp::proto::{
    self, Attrs, Extended, LimitsReply, Request, Response, StatVfsReply, ext, file_type, open_flags as of, packet,
    status,
};
use wharf_sftp::{EXTENSIONS, ServeOptions, SftpError};

use crate::support::{Client, GateHooks, World, pattern};

fn h(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

#[tokio::test]
async fn version_announces_the_extensions() {
    let w = World::new().await;
    let c = Client::start(w.session(w.user("v")).await, ServeOptions::default()).await;
    let Response::Version { version, extensions } = &c.version else { panic!("{:?}", c.version) };
    assert_eq!(*version, 3);
    let got: Vec<(String, String)> = extensions
        .iter()
        .map(|(n, d)| (String::from_utf8(n.to_vec()).unwrap(), String::from_utf8(d.to_vec()).unwrap()))
        .collect();
    for name in [
        ext::POSIX_RENAME,
        ext::STATVFS,
        ext::FSTATVFS,
        ext::HARDLINK,
        ext::FSYNC,
        ext::LSETSTAT,
        ext::LIMITS,
        ext::EXPAND_PATH,
        ext::COPY_DATA,
        ext::HOME_DIRECTORY,
        ext::USERS_GROUPS_BY_ID,
    ] {
        assert!(got.iter().any(|(n, _)| n == name), "{name} announced");
    }
    assert!(got.contains(&(ext::STATVFS.into(), "2".into())));
    assert_eq!(got.len(), EXTENSIONS.len());
    c.finish().await.unwrap();
}

#[tokio::test]
async fn pipelined_writes_then_reads() {
    let w = World::new().await;
    let mut c = Client::start(w.session(w.user("p")).await, ServeOptions::default()).await;
    const CHUNK: usize = 32 * 1024;
    const N: usize = 100; // more than the 64 requests in flight: the reader must push back, not fail
    let data = pattern(CHUNK * N, 7);
    let hd = c.create("/big.bin").await;
    // Writes sent in reverse order of offsets, all before reading any reply, then CLOSE at once.
    let mut ids = Vec::new();
    for i in (0..N).rev() {
        let chunk = Bytes::copy_from_slice(&data[i * CHUNK..(i + 1) * CHUNK]);
        ids.push(c.send(&Request::Write { handle: hd.clone(), offset: (i * CHUNK) as u64, data: chunk }).await);
    }
    let close = c.send(&Request::Close { handle: hd.clone() }).await;
    // Every write is answered OK, and the CLOSE only after all of them.
    let mut seen = 0;
    loop {
        let r = c.recv().await.expect("reply");
        match r {
            Response::Status { id, code, message } if id == close => {
                assert_eq!(code, status::OK, "{message}");
                break;
            }
            Response::Status { id, code, message } => {
                assert!(ids.contains(&id));
                assert_eq!(code, status::OK, "{message}");
                seen += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(seen, N, "CLOSE answered after every write before it");
    assert_eq!(std::fs::read(w.home("p").join("big.bin")).unwrap(), data);
    assert_eq!(w.used("p").await, (0, 0), "no quota tracking without limits");

    // Pipelined reads of 64 KiB, all sent before the first reply is read.
    let hr = c.open("/big.bin", of::READ).await.unwrap();
    let mut reads = Vec::new();
    for i in 0..(data.len() / 65536 + 1) {
        let id = c.send(&Request::Read { handle: hr.clone(), offset: (i * 65536) as u64, len: 65536 }).await;
        reads.push((id, i));
    }
    let mut got = vec![0u8; data.len()];
    for (id, i) in reads {
        match c.wait(id).await {
            Response::Data { data: d, .. } => got[i * 65536..i * 65536 + d.len()].copy_from_slice(&d),
            Response::Status { code: status::EOF, .. } => assert_eq!(i * 65536, data.len()),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(got, data);
    // A READ longer than the limit gets a short reply.
    match c.call(Request::Read { handle: hr.clone(), offset: 0, len: 1 << 30 }).await {
        Response::Data { data: d, .. } => assert_eq!(d.len(), proto::MAX_READ_LEN as usize),
        other => panic!("{other:?}"),
    }
    assert_eq!(c.close(&hr).await.0, status::OK);
    let summary = c.finish().await.unwrap();
    assert_eq!(summary.bytes_received, data.len() as u64);
    assert!(summary.bytes_sent >= data.len() as u64);
    assert_eq!(summary.handles_opened, 2);
    assert_eq!((summary.uploads_aborted, summary.downloads_unclosed), (0, 0));
}

#[tokio::test]
async fn requests_run_concurrently_and_replies_keep_request_order() {
    let gate = Arc::new(GateHooks::default());
    let w = World::with(SessionSettings::default(), Some(gate.clone())).await;
    let s = w.session(w.user("o")).await;
    let home = s.user().home_dir.clone();
    let mut c = Client::start(s, ServeOptions::default()).await;
    c.put("/f", b"hello").await;
    // The OPEN for reading waits in its pre-download hook; the MKDIR sent after it runs meanwhile...
    let open = c.send(&Request::Open { path: "/f".into(), pflags: of::READ, attrs: Attrs::default() }).await;
    let mkdir = c.send(&Request::Mkdir { path: "/made".into(), attrs: Attrs::default() }).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !std::path::Path::new(&home).join("made").is_dir() {
        assert!(std::time::Instant::now() < deadline, "the later request did not run while the first waited");
        tokio::task::yield_now().await;
    }
    // ...but its reply waits for the OPEN's: clients such as paramiko expect replies in order.
    gate.pre_download.add_permits(1);
    let first = c.recv().await.unwrap();
    assert_eq!(first.id(), Some(open), "the earlier request is answered first: {first:?}");
    let Response::Handle { handle, .. } = first else { panic!("open: {first:?}") };
    let second = c.recv().await.unwrap();
    assert_eq!(second.id(), Some(mkdir));
    match c.call(Request::Read { handle: handle.clone(), offset: 0, len: 100 }).await {
        Response::Data { data, .. } => assert_eq!(&data[..], b"hello"),
        other => panic!("{other:?}"),
    }
    assert_eq!(c.close(&handle).await.0, status::OK);
    c.finish().await.unwrap();
}

#[tokio::test]
async fn malformed_requests_get_bad_message_and_the_session_goes_on() {
    let w = World::new().await;
    let mut c = Client::start(w.session(w.user("b")).await, ServeOptions::default()).await;
    let frame = |body: &[u8]| {
        let mut b = BytesMut::new();
        b.put_u32(body.len() as u32);
        b.put_slice(body);
        b.freeze()
    };
    // READ without its offset and length.
    let mut body = BytesMut::new();
    body.put_u8(packet::READ);
    body.put_u32(900);
    proto::put_string(&mut body, b"1");
    c.send_raw(&frame(&body)).await;
    match c.wait(900).await {
        Response::Status { code, .. } => assert_eq!(code, status::BAD_MESSAGE),
        other => panic!("{other:?}"),
    }
    // A string longer than the packet.
    c.send_raw(&frame(&[packet::STAT, 0, 0, 3, 133, 0, 0, 1, 0, b'x'])).await;
    assert!(matches!(c.wait(901).await, Response::Status { code: status::BAD_MESSAGE, .. }));
    // A path that is not UTF-8.
    let mut body = BytesMut::new();
    body.put_u8(packet::LSTAT);
    body.put_u32(902);
    proto::put_string(&mut body, &[0xc3, 0x28]);
    c.send_raw(&frame(&body)).await;
    match c.wait(902).await {
        Response::Status { code, message, .. } => {
            assert_eq!(code, status::BAD_MESSAGE);
            assert!(message.contains("UTF-8"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // An unknown packet type and an unknown extension: unsupported.
    c.send_raw(&frame(&[77, 0, 0, 3, 135])).await;
    assert!(matches!(c.wait(903).await, Response::Status { code: status::OP_UNSUPPORTED, .. }));
    let (code, _) = c.status(Request::Extended(Extended::Unknown { name: h("check-file@example") })).await;
    assert_eq!(code, status::OP_UNSUPPORTED);
    // Handles that do not exist.
    assert_eq!(c.close(&h("12345")).await.0, status::FAILURE);
    assert_eq!(c.close(&h("not a handle")).await.0, status::FAILURE);
    assert_eq!(c.write(&h("7"), 0, b"x").await.0, status::FAILURE);
    // The session still works.
    assert_eq!(c.name(Request::Realpath { path: ".".into() }).await.unwrap(), "/");
    let summary = c.finish().await.unwrap();
    assert_eq!(summary.bad_messages, 3);
}

#[tokio::test]
async fn oversize_or_idless_packets_end_the_session_cleanly() {
    let w = World::new().await;
    let s = w.session(w.user("x")).await;
    // Announced length above the limit: no allocation, the session ends with an error, output closes.
    let mut c = Client::start(s.clone(), ServeOptions::default()).await;
    let h = c.create("/partial").await;
    assert_eq!(c.write(&h, 0, b"12345").await.0, status::OK);
    c.send_raw(&(proto::MAX_PACKET_LEN + 1).to_be_bytes()).await;
    assert!(c.recv().await.is_none(), "the server closes its output");
    match c.finish().await {
        Err(SftpError::Frame(proto::FrameError::TooLarge { len, .. })) => assert_eq!(len, proto::MAX_PACKET_LEN + 1),
        other => panic!("{other:?}"),
    }
    // The open upload was aborted: standard mode keeps what was written.
    assert_eq!(std::fs::read(w.home("x").join("partial")).unwrap(), b"12345");

    // A packet too short to hold a request id.
    let mut c = Client::start(s.clone(), ServeOptions::default()).await;
    c.send_raw(&[0, 0, 0, 2, packet::STAT, 0]).await;
    assert!(c.recv().await.is_none());
    assert!(matches!(c.finish().await, Err(SftpError::Malformed(_))));

    // A request before INIT, and a second INIT.
    let mut c = Client::connect(s.clone(), ServeOptions::default());
    c.send(&Request::Stat { path: "/".into() }).await;
    assert!(c.recv().await.is_none());
    assert!(matches!(c.finish().await, Err(SftpError::Protocol(_))));
    let mut c = Client::start(s.clone(), ServeOptions::default()).await;
    c.send_raw(&proto::encode_init(3, &[])).await;
    assert!(c.recv().await.is_none());
    assert!(matches!(c.finish().await, Err(SftpError::Protocol(_))));

    // EOF in the middle of a packet.
    let mut c = Client::start(s, ServeOptions::default()).await;
    c.send_raw(&[0, 0, 0, 20, packet::STAT]).await;
    assert!(matches!(c.finish().await, Err(SftpError::Truncated)));
}

#[tokio::test]
async fn handle_count_is_bounded() {
    let w = World::new().await;
    let s = w.session(w.user("hc")).await;
    let opts = ServeOptions { max_handles: 3, ..ServeOptions::default() };
    let mut c = Client::start(s, opts).await;
    c.put("/f", b"x").await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(c.open("/f", of::READ).await.unwrap());
    }
    let (code, msg) = c.open("/f", of::READ).await.unwrap_err();
    assert_eq!(code, status::FAILURE);
    assert!(msg.contains("too many open handles"), "{msg}");
    match c.call(Request::Opendir { path: "/".into() }).await {
        Response::Status { code, .. } => assert_eq!(code, status::FAILURE),
        other => panic!("{other:?}"),
    }
    // limits@openssh.com reports the real numbers.
    match c.call(Request::Extended(Extended::Limits)).await {
        Response::ExtendedReply { data, .. } => {
            let l = LimitsReply::decode(data).unwrap();
            assert_eq!(
                l,
                LimitsReply {
                    max_packet_len: proto::MAX_PACKET_LEN.into(),
                    max_read_len: proto::MAX_READ_LEN.into(),
                    max_write_len: proto::MAX_WRITE_LEN.into(),
                    max_open_handles: 3
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.close(&open.pop().unwrap()).await.0, status::OK);
    open.push(c.open("/f", of::READ).await.unwrap());
    // Failed opens do not leak slots.
    assert_eq!(c.close(&open.pop().unwrap()).await.0, status::OK);
    for _ in 0..5 {
        assert_eq!(c.open("/missing", of::READ).await.unwrap_err().0, status::NO_SUCH_FILE);
    }
    open.push(c.open("/f", of::READ).await.unwrap());
    let summary = c.finish().await.unwrap();
    assert_eq!(summary.downloads_unclosed, 3, "downloads left open are closed at the end");
}

async fn eof_with_open_upload(mode: UploadMode) -> (World, Vec<String>) {
    let w = World::with(SessionSettings { upload_mode: mode, ..SessionSettings::default() }, None).await;
    let mut u = w.user("e");
    u.quota_files = 10;
    let s = w.session(u).await;
    let mut c = Client::start(s, ServeOptions::default()).await;
    let h = c.create("/up.bin").await;
    assert_eq!(c.write(&h, 0, &[1u8; 1000]).await.0, status::OK);
    assert_eq!(c.write(&h, 1000, &[2u8; 500]).await.0, status::OK);
    // The client goes away with the upload open.
    let summary = c.finish().await.unwrap();
    assert_eq!(summary.uploads_aborted, 1);
    let mut names: Vec<String> =
        std::fs::read_dir(w.home("e")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    (w, names)
}

#[tokio::test]
async fn eof_with_an_open_upload_follows_the_upload_mode() {
    // Standard: the partial file stays, and is counted.
    let (w, names) = eof_with_open_upload(UploadMode::Standard).await;
    assert_eq!(names, ["up.bin"]);
    assert_eq!(std::fs::metadata(w.home("e").join("up.bin")).unwrap().len(), 1500);
    assert_eq!(w.used("e").await, (1500, 1));
    // Atomic: nothing remains, nothing is counted.
    let (w, names) = eof_with_open_upload(UploadMode::Atomic).await;
    assert!(names.is_empty(), "{names:?}");
    assert_eq!(w.used("e").await, (0, 0));
    // Atomic with resume: the partial file takes the target's place.
    let (w, names) = eof_with_open_upload(UploadMode::AtomicWithResume).await;
    assert_eq!(names, ["up.bin"]);
    assert_eq!(std::fs::metadata(w.home("e").join("up.bin")).unwrap().len(), 1500);
    assert_eq!(w.used("e").await, (1500, 1));
}

#[tokio::test]
async fn readdir_pages_of_at_most_250_names() {
    let w = World::new().await;
    let s = w.session(w.user("r")).await;
    let dir = w.home("r").join("d");
    std::fs::create_dir(&dir).unwrap();
    // Long names, as in SFTPGo's TestReadDirLongNames.
    for i in 0..600 {
        std::fs::write(dir.join(format!("{i:04}{}", "n".repeat(250))), b"").unwrap();
    }
    let mut c = Client::start(s, ServeOptions::default()).await;
    for (path, dots) in [("/d", vec![".", ".."]), ("/", vec!["."])] {
        let Response::Handle { handle, .. } = c.call(Request::Opendir { path: path.into() }).await else {
            panic!("opendir")
        };
        let mut names = Vec::new();
        let mut pages = 0;
        loop {
            match c.call(Request::Readdir { handle: handle.clone() }).await {
                Response::Name { entries, .. } => {
                    assert!(!entries.is_empty() && entries.len() <= 250, "{} names", entries.len());
                    for e in &entries {
                        assert!(e.longname.ends_with(&e.filename), "{}", e.longname);
                    }
                    names.extend(entries.into_iter().map(|e| e.filename));
                    pages += 1;
                    assert!(pages < 100, "runaway listing");
                }
                Response::Status { code, .. } => {
                    assert_eq!(code, status::EOF);
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(names[..dots.len()], dots[..]);
        if path == "/d" {
            assert_eq!(names.len(), 602);
            assert!(pages >= 3);
            let mut files: Vec<_> = names[2..].to_vec();
            files.sort();
            files.dedup();
            assert_eq!(files.len(), 600, "every name once");
        } else {
            assert_eq!(names, [".", "d"]);
        }
        assert_eq!(c.close(&handle).await.0, status::OK);
    }
    // READDIR on a file handle, READ on a directory handle.
    let Response::Handle { handle: dh, .. } = c.call(Request::Opendir { path: "/".into() }).await else { panic!() };
    assert_eq!(c.status(Request::Read { handle: dh.clone(), offset: 0, len: 1 }).await.0, status::FAILURE);
    assert_eq!(c.status(Request::Opendir { path: "/missing".into() }).await.0, status::NO_SUCH_FILE);
    c.finish().await.unwrap();
}

#[tokio::test]
async fn paths_resolve_lexically_from_the_start_directory() {
    let w = World::with(SessionSettings { symlink_mode: 1, ..SessionSettings::default() }, None).await;
    let mut u = w.user("sd");
    u.filters.start_directory = "/st@ rt/dir".into();
    let mut c = Client::start(w.session(u).await, ServeOptions::default()).await;
    let real = |p: &str| Request::Realpath { path: p.into() };
    assert_eq!(c.name(real(".")).await.unwrap(), "/st@ rt/dir");
    assert_eq!(c.name(real("")).await.unwrap(), "/st@ rt/dir");
    assert_eq!(c.name(real("x/../y")).await.unwrap(), "/st@ rt/dir/y");
    assert_eq!(c.name(real("../..")).await.unwrap(), "/");
    assert_eq!(c.name(real("../../../../etc")).await.unwrap(), "/etc");
    assert_eq!(c.name(real("/a/./b//")).await.unwrap(), "/a/b");
    // Relative uploads land in the start directory.
    c.put("rel.txt", b"r").await;
    assert!(w.home("sd").join("st@ rt/dir/rel.txt").exists());
    // REALPATH does not follow links.
    c.ok(Request::Symlink { target: "rel.txt".into(), link: "lnk".into() }).await;
    assert_eq!(c.name(real("lnk")).await.unwrap(), "/st@ rt/dir/lnk");
    let expand = |p: &str| Request::Extended(Extended::ExpandPath { path: p.into() });
    assert_eq!(c.name(expand("~")).await.unwrap(), "/");
    assert_eq!(c.name(expand("~/a/b")).await.unwrap(), "/a/b");
    assert_eq!(c.name(expand("~sd/a")).await.unwrap(), "/a");
    assert_eq!(c.name(expand("rel")).await.unwrap(), "/st@ rt/dir/rel");
    assert_eq!(c.name(expand("~root")).await.unwrap_err().0, status::NO_SUCH_FILE);
    let home = |u: &str| Request::Extended(Extended::HomeDirectory { username: u.into() });
    assert_eq!(c.name(home("")).await.unwrap(), "/");
    assert_eq!(c.name(home("sd")).await.unwrap(), "/");
    assert_eq!(c.name(home("other")).await.unwrap_err().0, status::NO_SUCH_FILE);
    c.finish().await.unwrap();
}

#[tokio::test]
async fn open_flags_follow_sftpgo() {
    let w = World::new().await;
    let mut c = Client::start(w.session(w.user("of")).await, ServeOptions::default()).await;
    c.put("/f", b"0123456789").await;
    // No TRUNC on an existing file = resume; APPEND refuses writes below the size at open, and
    // such a write ends the upload as failed (TestUploadResume), leaving the file as it was.
    let hd = c.open("/f", of::WRITE | of::APPEND | of::CREAT).await.unwrap();
    let (code, msg) = c.write(&hd, 0, b"xx").await;
    assert_eq!(code, status::FAILURE, "{msg}");
    assert_eq!(c.close(&hd).await.0, status::FAILURE);
    assert_eq!(std::fs::read(w.home("of").join("f")).unwrap(), b"0123456789");
    let hd = c.open("/f", of::WRITE | of::APPEND | of::CREAT).await.unwrap();
    assert_eq!(c.write(&hd, 10, b"ab").await.0, status::OK);
    assert_eq!(c.close(&hd).await.0, status::OK);
    assert_eq!(std::fs::read(w.home("of").join("f")).unwrap(), b"0123456789ab");
    // Without APPEND or TRUNC: writes in place, the rest is kept.
    let hd = c.open("/f", of::WRITE).await.unwrap();
    assert_eq!(c.write(&hd, 2, b"ZZ").await.0, status::OK);
    assert_eq!(c.close(&hd).await.0, status::OK);
    assert_eq!(std::fs::read(w.home("of").join("f")).unwrap(), b"01ZZ456789ab");
    // EXCL on an existing file; no CREAT on a missing one; a directory for writing.
    assert_eq!(c.open("/f", of::WRITE | of::CREAT | of::EXCL).await.unwrap_err().0, status::FAILURE);
    assert_eq!(c.open("/nope", of::WRITE).await.unwrap_err().0, status::NO_SUCH_FILE);
    c.ok(Request::Mkdir { path: "/dir".into(), attrs: Attrs::default() }).await;
    assert_eq!(c.open("/dir", of::WRITE | of::CREAT | of::TRUNC).await.unwrap_err().0, status::OP_UNSUPPORTED);
    assert_eq!(c.open("/dir", of::READ).await.unwrap_err().0, status::FAILURE);
    // Read+write open (TestOpenReadWrite): written data reads back; reopening with TRUNC resets it.
    let hd = c.open("/rw", of::READ | of::WRITE | of::CREAT | of::TRUNC).await.unwrap();
    assert_eq!(c.write(&hd, 0, b"read me").await.0, status::OK);
    match c.call(Request::Read { handle: hd.clone(), offset: 5, len: 10 }).await {
        Response::Data { data, .. } => assert_eq!(&data[..], b"me"),
        other => panic!("{other:?}"),
    }
    // FSTAT on an upload handle.
    let a = c.attrs(Request::Fstat { handle: hd.clone() }).await.unwrap();
    assert_eq!(a.size, Some(7));
    assert_eq!(c.close(&hd).await.0, status::OK);
    let hd = c.open("/rw", of::READ | of::WRITE | of::TRUNC).await.unwrap();
    assert!(matches!(
        c.call(Request::Read { handle: hd.clone(), offset: 0, len: 10 }).await,
        Response::Status { code: status::EOF, .. }
    ));
    assert_eq!(c.close(&hd).await.0, status::OK);
    // A read-only handle refuses writes.
    let hd = c.open("/f", of::READ).await.unwrap();
    assert_eq!(c.write(&hd, 0, b"no").await.0, status::PERMISSION_DENIED);
    assert_eq!(c.close(&hd).await.0, status::OK);
    c.finish().await.unwrap();
}

#[tokio::test]
async fn file_operations_follow_sftpgo() {
    let w = World::with(SessionSettings { symlink_mode: 1, ..SessionSettings::default() }, None).await;
    let mut u = w.user("ops");
    u.quota_files = 100;
    let mut c = Client::start(w.session(u).await, ServeOptions::default()).await;
    let home = w.home("ops");
    c.put("/a", b"aaaa").await;
    c.put("/b", b"bb").await;
    assert_eq!(w.used("ops").await, (6, 2));
    // RENAME replaces an existing file (both forms).
    c.ok(Request::Rename { from: "/a".into(), to: "/b".into() }).await;
    assert_eq!(std::fs::read(home.join("b")).unwrap(), b"aaaa");
    assert_eq!(w.used("ops").await, (4, 1));
    c.put("/c", b"c").await;
    c.ok(Request::Extended(Extended::PosixRename { from: "/c".into(), to: "/b".into() })).await;
    assert_eq!(std::fs::read(home.join("b")).unwrap(), b"c");
    assert_eq!(c.status(Request::Rename { from: "/missing".into(), to: "/x".into() }).await.0, status::NO_SUCH_FILE);
    // MKDIR is not recursive; REMOVE on a directory and RMDIR on a non-empty one fail.
    assert_ne!(c.status(Request::Mkdir { path: "/p/q".into(), attrs: Attrs::default() }).await.0, status::OK);
    c.ok(Request::Mkdir { path: "/p".into(), attrs: Attrs::default() }).await;
    assert_eq!(c.status(Request::Mkdir { path: "/p".into(), attrs: Attrs::default() }).await.0, status::FAILURE);
    c.put("/p/f", b"f").await;
    assert_eq!(c.status(Request::Remove { path: "/p".into() }).await.0, status::FAILURE);
    assert_eq!(c.status(Request::Rmdir { path: "/p".into() }).await.0, status::FAILURE);
    assert_eq!(c.status(Request::Rmdir { path: "/b".into() }).await.0, status::FAILURE);
    // A file renamed onto a directory: unsupported.
    assert_eq!(c.status(Request::Rename { from: "/b".into(), to: "/p".into() }).await.0, status::OP_UNSUPPORTED);
    c.ok(Request::Remove { path: "/p/f".into() }).await;
    assert_eq!(c.status(Request::Remove { path: "/p/f".into() }).await.0, status::NO_SUCH_FILE);
    c.ok(Request::Rmdir { path: "/p".into() }).await;
    // SYMLINK in OpenSSH's order; READLINK answers the virtual path; LSTAT sees a link.
    c.ok(Request::Symlink { target: "/b".into(), link: "/l".into() }).await;
    assert!(std::fs::symlink_metadata(home.join("l")).unwrap().file_type().is_symlink());
    assert_eq!(c.name(Request::Readlink { path: "/l".into() }).await.unwrap(), "/b");
    let la = c.attrs(Request::Lstat { path: "/l".into() }).await.unwrap();
    assert_eq!(la.permissions.unwrap() & file_type::MASK, file_type::SYMLINK);
    let sa = c.attrs(Request::Stat { path: "/l".into() }).await.unwrap();
    assert_eq!(sa.permissions.unwrap() & file_type::MASK, file_type::REGULAR);
    assert_eq!(sa.size, Some(1));
    assert_eq!(c.status(Request::Symlink { target: "/b".into(), link: "/l".into() }).await.0, status::FAILURE);
    // Hard links (local storage, links allowed by symlink_mode): another name of the same file,
    // counted like a copy; not twice, not to a directory, not over an existing name.
    let (size, files) = w.used("ops").await;
    c.ok(Request::Extended(Extended::Hardlink { from: "/b".into(), to: "/hl".into() })).await;
    let (b, hl) = (std::fs::metadata(home.join("b")).unwrap(), std::fs::metadata(home.join("hl")).unwrap());
    assert_eq!((b.ino(), b.nlink()), (hl.ino(), 2));
    assert_eq!(w.used("ops").await, (size + 1, files + 1));
    let hl = |from: &str, to: &str| Request::Extended(Extended::Hardlink { from: from.into(), to: to.into() });
    assert_eq!(c.status(hl("/b", "/hl")).await.0, status::FAILURE, "already exists");
    c.ok(Request::Mkdir { path: "/hd".into(), attrs: Attrs::default() }).await;
    assert_eq!(c.status(hl("/hd", "/hd2")).await.0, status::FAILURE, "a directory");
    assert_eq!(c.status(hl("/missing", "/hl2")).await.0, status::NO_SUCH_FILE);
    c.ok(Request::Remove { path: "/hl".into() }).await;
    c.ok(Request::Rmdir { path: "/hd".into() }).await;
    assert_eq!(w.used("ops").await, (size, files));
    // Renaming a path onto itself is unsupported (SFTPGo).
    assert_eq!(c.status(Request::Rename { from: "/b".into(), to: "/b".into() }).await.0, status::OP_UNSUPPORTED);
    // SETSTAT: mode, times, size (a truncate that updates the quota at once).
    let attrs = Attrs { permissions: Some(0o600), times: Some((1_000_000, 2_000_000)), ..Attrs::default() };
    c.ok(Request::Setstat { path: "/b".into(), attrs }).await;
    let md = std::fs::metadata(home.join("b")).unwrap();
    assert_eq!(md.permissions().mode() & 0o777, 0o600);
    assert_eq!(md.mtime(), 2_000_000);
    c.put("/t", &[9u8; 1000]).await;
    let (size_before, files) = w.used("ops").await;
    c.ok(Request::Setstat { path: "/t".into(), attrs: Attrs { size: Some(100), ..Attrs::default() } }).await;
    assert_eq!(std::fs::metadata(home.join("t")).unwrap().len(), 100);
    assert_eq!(w.used("ops").await, (size_before - 900, files));
    let lsetstat = |path: &str, attrs: Attrs| Request::Extended(Extended::Lsetstat { path: path.into(), attrs });
    c.ok(lsetstat("/t", Attrs { permissions: Some(0o640), ..Attrs::default() })).await;
    assert_eq!(std::fs::metadata(home.join("t")).unwrap().permissions().mode() & 0o777, 0o640);
    // LSETSTAT does not follow a final link: a link's own mode is unsupported, its target untouched;
    // SETSTAT follows it.
    let mode_of_b = || std::fs::metadata(home.join("b")).unwrap().permissions().mode() & 0o777;
    let before = mode_of_b();
    assert_eq!(
        c.status(lsetstat("/l", Attrs { permissions: Some(0o666), ..Attrs::default() })).await.0,
        status::OP_UNSUPPORTED
    );
    assert_eq!(c.status(lsetstat("/t", Attrs { size: Some(1), ..Attrs::default() })).await.0, status::FAILURE);
    assert_eq!(mode_of_b(), before);
    c.ok(Request::Setstat { path: "/l".into(), attrs: Attrs { permissions: Some(0o604), ..Attrs::default() } }).await;
    assert_eq!(mode_of_b(), 0o604);
    // FSETSTAT through a handle.
    let hd = c.open("/t", of::READ).await.unwrap();
    c.ok(Request::Fsetstat { handle: hd.clone(), attrs: Attrs { permissions: Some(0o604), ..Attrs::default() } }).await;
    assert_eq!(std::fs::metadata(home.join("t")).unwrap().permissions().mode() & 0o777, 0o604);
    let fa = c.attrs(Request::Fstat { handle: hd.clone() }).await.unwrap();
    assert_eq!(fa.size, Some(100));
    c.ok(Request::Extended(Extended::Fsync { handle: hd.clone() })).await;
    // statvfs reflects the file quota (TestStatVFS), also by handle.
    let (_, files) = w.used("ops").await;
    for req in [
        Request::Extended(Extended::Statvfs { path: "/".into() }),
        Request::Extended(Extended::Fstatvfs { handle: hd.clone() }),
    ] {
        match c.call(req).await {
            Response::ExtendedReply { data, .. } => {
                let st = StatVfsReply::decode(data).unwrap();
                assert_eq!(st.files, 100);
                assert_eq!(st.ffree, 100 - files as u64);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(c.close(&hd).await.0, status::OK);
    assert_eq!(
        c.status(Request::Extended(Extended::Statvfs { path: "/missing".into() })).await.0,
        status::NO_SUCH_FILE
    );
    // users-groups-by-id: one (empty) name per id.
    match c.call(Request::Extended(Extended::UsersGroupsById { uids: vec![0, 1000], gids: vec![0] })).await {
        Response::ExtendedReply { data, .. } => {
            assert_eq!(proto::decode_names_by_id(data).unwrap(), (vec![String::new(); 2], vec![String::new()]));
        }
        other => panic!("{other:?}"),
    }
    // fsync on an upload: the session's answer (no storage can flush an open upload yet), which does
    // not spoil the upload.
    let hd = c.create("/s").await;
    assert_eq!(c.status(Request::Extended(Extended::Fsync { handle: hd.clone() })).await.0, status::OP_UNSUPPORTED);
    assert_eq!(c.close(&hd).await.0, status::OK);
    c.finish().await.unwrap();
}

#[tokio::test]
async fn copy_data_goes_through_the_handles() {
    let w = World::new().await;
    let mut u = w.user("cp");
    u.quota_files = 100;
    let mut c = Client::start(w.session(u).await, ServeOptions::default()).await;
    let data = pattern(600 * 1024 + 5, 3);
    c.put("/src", &data).await;
    let copy = |r: &Bytes, ro, len, wh: &Bytes, wo| {
        Request::Extended(Extended::CopyData {
            read_handle: r.clone(),
            read_offset: ro,
            length: len,
            write_handle: wh.clone(),
            write_offset: wo,
        })
    };
    // Whole file (length 0 = to the end), as OpenSSH's `cp` asks.
    let src = c.open("/src", of::READ).await.unwrap();
    let dst = c.create("/dst").await;
    c.ok(copy(&src, 0, 0, &dst, 0)).await;
    assert_eq!(c.close(&dst).await.0, status::OK);
    assert_eq!(std::fs::read(w.home("cp").join("dst")).unwrap(), data);
    // A range, at an offset.
    let dst = c.create("/part").await;
    c.ok(copy(&src, 10, 100, &dst, 5)).await;
    assert_eq!(c.close(&dst).await.0, status::OK);
    let part = std::fs::read(w.home("cp").join("part")).unwrap();
    assert_eq!(part.len(), 105);
    assert_eq!(&part[5..], &data[10..110]);
    // Into a read-only handle; overlapping ranges in one handle.
    assert_eq!(c.status(copy(&src, 0, 0, &src, 0)).await.0, status::FAILURE);
    let rw = c.open("/rw", of::READ | of::WRITE | of::CREAT | of::TRUNC).await.unwrap();
    assert_eq!(c.write(&rw, 0, b"abcdef").await.0, status::OK);
    assert_eq!(c.status(copy(&rw, 0, 4, &rw, 2)).await.0, status::FAILURE);
    c.ok(copy(&rw, 0, 3, &rw, 6)).await;
    assert_eq!(c.close(&rw).await.0, status::OK);
    assert_eq!(std::fs::read(w.home("cp").join("rw")).unwrap(), b"abcdefabc");
    let ro = c.open("/part", of::READ).await.unwrap();
    assert_eq!(c.status(copy(&src, 0, 0, &ro, 0)).await.0, status::PERMISSION_DENIED);
    assert_eq!(c.close(&ro).await.0, status::OK);
    assert_eq!(c.close(&src).await.0, status::OK);
    assert_eq!(w.used("cp").await, (2 * data.len() as i64 + 105 + 9, 4), "copies are counted like uploads");
    c.finish().await.unwrap();
}

#[tokio::test]
async fn quota_and_permission_errors() {
    let w = World::new().await;
    let mut u = w.user("q");
    u.quota_size = 100_000;
    u.permissions.insert("/ro".into(), vec!["list".into(), "download".into()]);
    u.permissions.insert("/up".into(), vec!["list".into(), "upload".into(), "overwrite".into()]);
    let mut c = Client::start(w.session(u).await, ServeOptions::default()).await;
    c.put("/small", &[1u8; 60_000]).await;
    // A transfer crossing the limit fails with SFTPGo's message; the partial file is removed.
    let hd = c.create("/big").await;
    let mut last = (status::OK, String::new());
    for i in 0..4u64 {
        last = c.write(&hd, i * 20_000, &[2u8; 20_000]).await;
        if last.0 != status::OK {
            break;
        }
    }
    assert_eq!(last, (status::FAILURE, "denying write due to space limit".into()));
    let (code, msg) = c.close(&hd).await;
    assert_eq!((code, msg.as_str()), (status::FAILURE, "denying write due to space limit"));
    assert!(!w.home("q").join("big").exists());
    assert_eq!(w.used("q").await, (60_000, 1));
    // Permissions: no upload in /ro.
    c.ok(Request::Mkdir { path: "/ro".into(), attrs: Attrs::default() }).await;
    let (code, _) = c.open("/ro/x", of::WRITE | of::CREAT | of::TRUNC).await.unwrap_err();
    assert_eq!(code, status::PERMISSION_DENIED);
    // Upload without download (TestOpenReadWritePerm): a read+write open writes, its reads are
    // denied, and the denied read does not spoil the upload.
    c.ok(Request::Mkdir { path: "/up".into(), attrs: Attrs::default() }).await;
    let hd = c.open("/up/f", of::READ | of::WRITE | of::CREAT | of::TRUNC).await.unwrap();
    assert_eq!(c.write(&hd, 0, b"data").await.0, status::OK);
    assert_eq!(c.status(Request::Read { handle: hd.clone(), offset: 0, len: 4 }).await.0, status::PERMISSION_DENIED);
    assert_eq!(c.close(&hd).await.0, status::OK);
    assert_eq!(std::fs::read(w.home("q").join("up/f")).unwrap(), b"data");
    c.finish().await.unwrap();
}

#[tokio::test]
async fn writes_race_a_close_without_losing_data() {
    // Many small pipelined writes followed at once by CLOSE, repeated: the file is always complete.
    let w = World::new().await;
    let mut c = Client::start(w.session(w.user("wc")).await, ServeOptions::default()).await;
    for round in 0..5u8 {
        let hd = c.create("/f").await;
        let data = pattern(64 * 1024, round);
        let mut ids = Vec::new();
        for (i, chunk) in data.chunks(1024).enumerate() {
            let req =
                Request::Write { handle: hd.clone(), offset: (i * 1024) as u64, data: Bytes::copy_from_slice(chunk) };
            ids.push(c.send(&req).await);
        }
        let close = c.send(&Request::Close { handle: hd.clone() }).await;
        assert!(matches!(c.wait(close).await, Response::Status { code: status::OK, .. }));
        for id in ids {
            assert!(matches!(c.wait(id).await, Response::Status { code: status::OK, .. }));
        }
        assert_eq!(std::fs::read(w.home("wc").join("f")).unwrap(), data, "round {round}");
        // Requests on the closed handle fail.
        assert_eq!(c.write(&hd, 0, b"late").await.0, status::FAILURE);
    }
    c.finish().await.unwrap();
}

#[tokio::test]
async fn upload_handles_take_attributes_in_atomic_modes() {
    // Atomic uploads write a temporary file: FSTAT, FSETSTAT and ftruncate through the handle work
    // on it, and the mode and times stick once the file is in place.
    let w = World::with(SessionSettings { upload_mode: UploadMode::Atomic, ..SessionSettings::default() }, None).await;
    let mut c = Client::start(w.session(w.user("ua")).await, ServeOptions::default()).await;
    let home = w.home("ua");
    let hd = c.create("/f").await;
    assert_eq!(c.write(&hd, 0, b"hello").await.0, status::OK);
    assert!(!home.join("f").exists(), "nothing in place before the upload completes");
    let attrs = Attrs { permissions: Some(0o600), times: Some((1_000_000, 2_000_000)), ..Attrs::default() };
    c.ok(Request::Fsetstat { handle: hd.clone(), attrs }).await;
    let a = c.attrs(Request::Fstat { handle: hd.clone() }).await.unwrap();
    assert_eq!((a.size, a.permissions.map(|p| p & 0o7777)), (Some(5), Some(0o600)));
    assert_eq!(a.times.map(|t| t.1), Some(2_000_000));
    assert_eq!(c.write(&hd, 5, b" world, and more").await.0, status::OK);
    c.ok(Request::Fsetstat { handle: hd.clone(), attrs: Attrs { size: Some(11), ..Attrs::default() } }).await;
    assert_eq!(c.attrs(Request::Fstat { handle: hd.clone() }).await.unwrap().size, Some(11));
    assert_eq!(c.close(&hd).await.0, status::OK);
    let md = std::fs::metadata(home.join("f")).unwrap();
    assert_eq!(std::fs::read(home.join("f")).unwrap(), b"hello world");
    assert_eq!(md.permissions().mode() & 0o777, 0o600);
    assert_eq!(md.mtime(), 2_000_000, "the times set during the upload survive the later writes");
    c.finish().await.unwrap();
}

#[tokio::test]
async fn realpath_needs_list_and_hard_links_need_symlink_mode() {
    let w = World::new().await;
    let mut u = w.user("rp");
    u.permissions.insert("/".into(), vec!["upload".into(), "create_dirs".into(), "create_symlinks".into()]);
    u.permissions.insert("/pub".into(), vec!["*".into()]);
    let mut c = Client::start(w.session(u).await, ServeOptions::default()).await;
    let real = |p: &str| Request::Realpath { path: p.into() };
    assert_eq!(c.name(real("/pub/x/../y")).await.unwrap(), "/pub/y", "list on /pub is enough");
    assert_eq!(c.name(real("/pub")).await.unwrap_err().0, status::PERMISSION_DENIED, "/pub is listed in /");
    assert_eq!(c.name(real("/a")).await.unwrap_err().0, status::PERMISSION_DENIED);
    assert_eq!(c.name(real(".")).await.unwrap_err().0, status::PERMISSION_DENIED, "/ needs list on itself");
    let expand = Request::Extended(Extended::ExpandPath { path: "~/x".into() });
    assert_eq!(c.name(expand).await.unwrap_err().0, status::PERMISSION_DENIED);
    // symlink_mode 0 (the default): no links of either kind.
    c.ok(Request::Mkdir { path: "/pub".into(), attrs: Attrs::default() }).await;
    c.put("/pub/f", b"x").await;
    let hl = Request::Extended(Extended::Hardlink { from: "/pub/f".into(), to: "/pub/g".into() });
    assert_eq!(c.status(hl).await.0, status::OP_UNSUPPORTED);
    c.finish().await.unwrap();
}
