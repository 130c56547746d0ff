//! Interop with paramiko (Python's SSH/SFTP client): logins, a large transfer with prefetched reads
//! and pipelined writes, 16 threads on one SFTP session, READDIR paging, file operations and the
//! quota-aware statvfs.
//!
//! The client is the Python script below, written to the test's temp dir and run with
//! `python3 <script> PORT USER AUTH COMMAND ARGS…` (`AUTH` is `password:<pw>` or `key:<file>`). It
//! prints `key=value` lines, and fails (exit status 1, traceback on stderr) on any error it does not
//! expect.

use std::collections::HashMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{TestServer, keygen, public_key, run, text};

const SCRIPT: &str = r##"
import hashlib, os, socket, stat, sys, threading, time

import paramiko
from paramiko.message import Message
from paramiko.sftp import CMD_EXTENDED, CMD_EXTENDED_REPLY, CMD_READDIR, CMD_STATUS, SFTP_OK
from paramiko.ssh_exception import SSHException

# No single wait on the network may take longer (the test kills the script after a minute anyway).
LIMIT = 50
# How long an upload may wait for a reply before it is reported as stalled.
STALL = 15


def out(key, value):
    print(f"{key}={value}", flush=True)


def load_key(path):
    # The key classes rather than PKey.from_path, which paramiko has only since 3.2.
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key_file(path)
        except (paramiko.SSHException, ValueError):
            continue
    raise SystemExit(f"cannot read the key {path}")


def connect(port, user, auth):
    sock = socket.create_connection(("127.0.0.1", port), timeout=LIMIT)
    t = paramiko.Transport(sock)
    t.banner_timeout = LIMIT
    t.auth_timeout = LIMIT
    t.start_client(timeout=LIMIT)
    kind, _, secret = auth.partition(":")
    if kind == "password":
        t.auth_password(user, secret)
    elif kind == "key":
        t.auth_publickey(user, load_key(secret))
    else:
        raise SystemExit(f"unknown auth {auth!r}")
    return t


def open_sftp(t, cls=paramiko.SFTPClient):
    sftp = cls.from_transport(t)
    sftp.get_channel().settimeout(LIMIT)
    return sftp


class ConcurrentSFTP(paramiko.SFTPClient):
    """paramiko's SFTPClient cannot take synchronous requests from several threads at once: two
    threads' packets can interleave on the channel, and a thread waiting for its reply drops the
    replies to other threads' requests that it reads. This subclass serialises the sends and
    routes every reply to the thread waiting for it (one thread reads at a time); the requests
    themselves are paramiko's."""

    def __init__(self, chan):
        self._send_lock = threading.Lock()
        self._cv = threading.Condition()
        self._reading = False
        self._replies = {}
        self._broken = None
        super().__init__(chan)

    def _send_packet(self, t, packet):
        with self._send_lock:
            super()._send_packet(t, packet)

    def _read_response(self, waitfor=None):
        while True:
            with self._cv:
                if self._broken is not None:
                    raise SSHException(f"the session failed in another thread: {self._broken!r}")
                if waitfor is not None and waitfor in self._replies:
                    t, msg = self._replies.pop(waitfor)
                    if t == CMD_STATUS:
                        self._convert_status(msg)
                    return t, msg
                if self._reading:
                    self._cv.wait(1.0)
                    if waitfor is None:
                        return None, None
                    continue
                self._reading = True
            try:
                self._read_one()
            finally:
                with self._cv:
                    self._reading = False
                    self._cv.notify_all()
            if waitfor is None:
                return None, None

    def _read_one(self):
        try:
            t, data = self._read_packet()
        except EOFError as e:
            self._broken = e
            raise SSHException(f"Server connection dropped: {e}")
        except BaseException as e:
            self._broken = e
            raise
        msg = Message(data)
        num = msg.get_int()
        with self._lock:
            fileobj = self._expecting.pop(num, None)
        if fileobj is None:
            raise SSHException(f"reply to no request: {num}")
        if fileobj is type(None):
            with self._cv:
                self._replies[num] = (t, msg)
        else:
            fileobj._async_response(t, msg, num)

    def unclaimed_failures(self):
        bad = 0
        for t, msg in self._replies.values():
            if t == CMD_STATUS and msg.get_int() != SFTP_OK:
                bad += 1
        return bad


def drain(sftp, f):
    # paramiko reads the replies to pipelined WRITEs only now and then (and drops those it meets
    # while waiting for another reply): collect the rest, so that a failed WRITE raises here.
    while f._reqs:
        sftp._read_response(f._reqs.popleft())


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def statvfs(sftp, path=None, handle=None):
    if handle is None:
        t, msg = sftp._request(CMD_EXTENDED, "statvfs@openssh.com", path)
    else:
        t, msg = sftp._request(CMD_EXTENDED, "fstatvfs@openssh.com", handle)
    if t != CMD_EXTENDED_REPLY:
        raise SSHException(f"statvfs: reply type {t}")
    names = ["bsize", "frsize", "blocks", "bfree", "bavail", "files", "ffree", "favail", "fsid", "flag", "namemax"]
    return {n: msg.get_int64() for n in names}


def cmd_login(t):
    key = t.get_remote_server_key()
    out("hostkey", f"{key.get_name()} {key.get_base64()}")
    out("cipher", t.local_cipher)
    out("mac", t.local_mac)
    sftp = open_sftp(t)
    out("cwd", sftp.normalize("."))
    sftp.close()


def cmd_put(t, local, remote):
    sftp = open_sftp(t)
    sftp.put(local, remote)
    out("size", sftp.stat(remote).st_size)
    sftp.close()


def cmd_upload(t, local, remote):
    # A pipelined upload as paramiko's own put() does it, with the order of the replies recorded.
    sftp = open_sftp(t)
    sftp.get_channel().settimeout(STALL)
    order = []
    read_packet = sftp._read_packet

    def recording():
        kind, data = read_packet()
        order.append(int.from_bytes(data[:4], "big"))
        return kind, data

    sftp._read_packet = recording
    start = time.monotonic()
    f = sftp.open(remote, "wb")
    writes = f.sftp.request_number
    try:
        f.set_pipelined(True)
        with open(local, "rb") as src:
            for block in iter(lambda: src.read(1 << 20), b""):
                f.write(block)
        f.flush()
        drain(sftp, f)
        out("upload", "ok")
    except socket.timeout:
        out("upload", f"stalled: no reply for {STALL}s")
    out("upload_secs", f"{time.monotonic() - start:.2f}")
    replies = [n for n in order if n >= writes]
    late = next((i for i in range(1, len(replies)) if replies[i] < replies[i - 1]), None)
    out("write_replies", len(replies))
    out("write_replies_in_order", late is None)
    if late is not None:
        out("first_out_of_order", f"reply {replies[late]} after reply {replies[late - 1]}")
    f.close()
    sftp.close()


def cmd_download(t, remote, back, original):
    sftp = open_sftp(t)
    size = sftp.stat(remote).st_size
    sftp.get_channel().settimeout(STALL)
    start = time.monotonic()
    h = hashlib.sha256()
    f = sftp.open(remote, "rb")
    got = 0
    try:
        with open(back, "wb") as dst:
            f.prefetch(size)
            # prefetch() sends its READs from a thread of its own: wait until they are all sent, so
            # that all of them are outstanding at once however loaded the machine is (the replies
            # are only taken in by the reads below).
            for th in threading.enumerate():
                if getattr(th, "_target", None) == f._prefetch_thread:
                    th.join(LIMIT)
            out("read_requests", len(range(0, size, f.MAX_REQUEST_SIZE)))
            with f._prefetch_lock:
                out("reads_outstanding", len(f._prefetch_extents))
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
                dst.write(block)
                got += len(block)
        out("download", "ok")
    except socket.timeout:
        out("download", f"stalled: nothing received for {STALL}s after {got} bytes, {len(f._prefetch_extents)} READs unanswered")
        return
    f.close()
    out("download_secs", f"{time.monotonic() - start:.2f}")
    out("sha_back", h.hexdigest())
    out("sha_original", sha256_file(original))
    sftp.close()


def cmd_threads(t, local_dir, n):
    n = int(n)
    sftp = open_sftp(t, ConcurrentSFTP)
    sftp.get_channel().settimeout(STALL)
    barrier = threading.Barrier(n)
    results = [None] * n

    def work(i):
        try:
            name = f"t{i:02}.bin"
            with open(os.path.join(local_dir, name), "rb") as src:
                data = src.read()
            barrier.wait(LIMIT)
            with sftp.open(name, "wb") as f:
                f.set_pipelined(True)
                for off in range(0, len(data), 1 << 16):
                    f.write(data[off:off + (1 << 16)])
                f.flush()
                drain(sftp, f)
            size = sftp.stat(name).st_size
            with sftp.open(name, "rb") as f:
                f.prefetch(size)
                back = f.read()
            ok = size == len(data) and hashlib.sha256(back).digest() == hashlib.sha256(data).digest()
            results[i] = "ok" if ok else f"mismatch: {size} {len(back)} of {len(data)}"
        except BaseException as e:
            results[i] = f"error {e!r}"

    start = time.monotonic()
    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(n)]
    for th in threads:
        th.start()
    deadline = start + LIMIT
    for th in threads:
        th.join(max(0, deadline - time.monotonic()))
    out("secs", f"{time.monotonic() - start:.2f}")
    for i, r in enumerate(results):
        out(f"thread{i:02}", r if r is not None else "did not finish")
    out("unclaimed_failures", sftp.unclaimed_failures())
    sftp.close()


def cmd_listdir(t, remote, listing):
    sftp = open_sftp(t)
    pages = [0]
    request = sftp._request

    def counting(kind, *args):
        if kind == CMD_READDIR:
            pages[0] += 1
        return request(kind, *args)

    sftp._request = counting
    entries = sftp.listdir_attr(remote)
    with open(listing, "w") as f:
        for e in sorted(entries, key=lambda e: e.filename):
            f.write(f"{e.filename}\t{e.st_size}\t{stat.S_ISREG(e.st_mode)}\n")
    out("count", len(entries))
    out("readdir_requests", pages[0])
    sftp.close()


def cmd_ops(t):
    sftp = open_sftp(t)
    # posix-rename onto an existing file replaces it.
    sftp.posix_rename("a.txt", "b.txt")
    out("after_posix_rename", ",".join(sorted(sftp.listdir("."))))
    st = sftp.stat("b.txt")
    out("b_size", st.st_size)
    out("b_regular", stat.S_ISREG(st.st_mode))
    sftp.chmod("b.txt", 0o640)
    out("b_mode", oct(stat.S_IMODE(sftp.stat("b.txt").st_mode)))
    sftp.truncate("b.txt", 3)
    out("b_truncated", sftp.stat("b.txt").st_size)
    sftp.truncate("b.txt", 8)
    out("b_extended", sftp.stat("b.txt").st_size)
    with sftp.open("b.txt", "r+") as f:
        f.truncate(2)
        out("b_fstat", f.stat().st_size)
    out("b_after_handle_truncate", sftp.stat("b.txt").st_size)
    # Times last: the truncations above moved the modification time.
    sftp.utime("b.txt", (1600000000, 1500000000))
    st = sftp.stat("b.txt")
    out("b_times", f"{st.st_atime} {st.st_mtime}")
    # Plain RENAME into a new directory.
    sftp.mkdir("d")
    sftp.rename("b.txt", "d/c.txt")
    out("d_listing", ",".join(sftp.listdir("d")))
    try:
        sftp.stat("b.txt")
        out("b_gone", False)
    except IOError:
        out("b_gone", True)
    # Symbolic links (the server allows them in this test).
    sftp.symlink("d/c.txt", "link")
    out("readlink", sftp.readlink("link"))
    out("lstat_link_is_link", stat.S_ISLNK(sftp.lstat("link").st_mode))
    out("stat_link_size", sftp.stat("link").st_size)
    with sftp.open("link", "rb") as f:
        out("read_through_link", f.read().decode())
    sftp.symlink("/d", "dirlink")
    out("readlink_dir", sftp.readlink("dirlink"))
    out("list_through_dirlink", ",".join(sftp.listdir("dirlink")))
    try:
        sftp.symlink("d/c.txt", "link")
        out("symlink_twice", "accepted")
    except IOError:
        out("symlink_twice", "refused")
    out("normalize_link", sftp.normalize("link"))
    sftp.remove("link")
    out("after_remove_link", ",".join(sorted(sftp.listdir("."))))
    sftp.close()


def cmd_symlink(t):
    sftp = open_sftp(t)
    try:
        sftp.symlink("a.txt", "link")
        out("symlink", "accepted")
    except IOError as e:
        out("symlink", f"refused {e}")
    sftp.close()


def cmd_statvfs(t, path, missing):
    sftp = open_sftp(t)
    for k, v in statvfs(sftp, path=path).items():
        out(k, v)
    with sftp.open(path, "rb") as f:
        out("fstatvfs_same", statvfs(sftp, handle=f.handle) == statvfs(sftp, path=path))
    try:
        statvfs(sftp, path=missing)
        out("missing", "answered")
    except IOError as e:
        out("missing", f"errno {e.errno}")
    sftp.close()


def main():
    port, user, auth, command, *args = sys.argv[1:]
    try:
        t = connect(int(port), user, auth)
    except paramiko.AuthenticationException as e:
        out("login", f"refused {type(e).__name__}")
        return
    out("login", "ok")
    try:
        globals()["cmd_" + command](t, *args)
    finally:
        t.close()


main()
"##;

/// `python3 <script> PORT USER AUTH COMMAND ARGS…`, run with [`run`]'s time limit.
async fn paramiko(s: &TestServer, user: &str, auth: &str, command: &str, args: &[&str]) -> Output {
    let script = s.path("wharf_paramiko.py");
    if !script.exists() {
        std::fs::write(&script, SCRIPT).unwrap();
    }
    let mut cmd = Command::new("python3");
    cmd.arg("-B").arg(&script).arg(s.port.to_string()).args([user, auth, command]).args(args);
    run(cmd).await
}

/// The `key=value` lines of a successful run.
fn values(o: &Output) -> HashMap<String, String> {
    assert!(o.status.success(), "the paramiko client failed: {}", text(o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn key_auth(key: &Path) -> String {
    format!("key:{}", key.display())
}

/// `len` random bytes in `path`.
fn random_file(path: &Path, len: u64) {
    use std::io::Read;
    let mut data = Vec::with_capacity(len as usize);
    std::fs::File::open("/dev/urandom").unwrap().take(len).read_to_end(&mut data).unwrap();
    std::fs::write(path, data).unwrap();
}

/// A directory of local files for the client.
fn local_dir(s: &TestServer) -> PathBuf {
    let d = s.path("local");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// ssh-keygen for another key type (`args` such as `-t rsa -b 3072`).
async fn keygen_with(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-N", "", "-C", name]).args(args).arg("-f").arg(&path);
    let o = run(cmd).await;
    assert!(o.status.success(), "{}", text(&o));
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paramiko_password_and_key_logins() {
    let s = TestServer::start(|_| {}).await;
    let ed = keygen(s.dir.path(), "ed");
    let rsa = keygen_with(s.dir.path(), "rsa", &["-t", "rsa", "-b", "3072"]).await;
    let ecdsa = keygen_with(s.dir.path(), "ecdsa", &["-t", "ecdsa", "-b", "256"]).await;
    let stranger = keygen(s.dir.path(), "stranger");
    let mut u = s.user("pk");
    u.public_keys = vec![public_key(&ed), public_key(&rsa), public_key(&ecdsa)];
    s.add(u).await;

    let v = values(&paramiko(&s, "pk", "password:pw-pk", "login", &[]).await);
    assert_eq!(v["login"], "ok");
    assert_eq!(v["cwd"], "/");
    // The host key paramiko saw is one of the keys the server generated in its config dir.
    let offered = &v["hostkey"];
    let known: Vec<String> = ["id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"]
        .iter()
        .map(|f| std::fs::read_to_string(s.path(f)).unwrap())
        .collect();
    assert!(known.iter().any(|k| k.starts_with(offered.as_str())), "host key {offered} not in {known:?}");

    let v = values(&paramiko(&s, "pk", "password:wrong", "login", &[]).await);
    assert_eq!(v["login"], "refused AuthenticationException");
    for key in [&ed, &rsa, &ecdsa] {
        let v = values(&paramiko(&s, "pk", &key_auth(key), "login", &[]).await);
        assert_eq!(v["login"], "ok", "{}", key.display());
    }
    let v = values(&paramiko(&s, "pk", &key_auth(&stranger), "login", &[]).await);
    assert_eq!(v["login"], "refused AuthenticationException");
    let v = values(&paramiko(&s, "nobody", "password:pw-nobody", "login", &[]).await);
    assert_eq!(v["login"], "refused AuthenticationException");
    s.stop().await;
}

const BIG: u64 = 32 * 1024 * 1024;

/// paramiko's `prefetch()` downloads `remote` into `back`; checks the SHA-256 against `original`.
async fn prefetched_download(s: &TestServer, user: &str, auth: &str, remote: &str, original: &Path) {
    let back = original.with_extension("back");
    let args = [remote, &back.display().to_string(), &original.display().to_string()];
    let o = paramiko(s, user, auth, "download", &args).await;
    let v = values(&o);
    assert_eq!(v["download"], "ok", "{}", text(&o));
    assert_eq!(v["sha_back"], v["sha_original"], "the download differs: {}", text(&o));
    assert!(std::fs::read(&back).unwrap() == std::fs::read(original).unwrap());
    // paramiko had one READ per 32 KiB outstanding at once, far more than the server runs at a time,
    // and their replies are far more than paramiko's 2 MiB window.
    let reads: u64 = v["read_requests"].parse().unwrap();
    assert_eq!(reads, std::fs::metadata(original).unwrap().len().div_ceil(32768));
    assert_eq!(v["reads_outstanding"], reads.to_string());
    eprintln!("download: {}", String::from_utf8_lossy(&o.stdout).replace('\n', " "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paramiko_prefetched_download_of_32_mib() {
    let s = TestServer::start(|_| {}).await;
    let key = keygen(s.dir.path(), "k");
    let mut u = s.user("down");
    u.public_keys = vec![public_key(&key)];
    let u = s.add(u).await;
    std::fs::create_dir_all(&u.home_dir).unwrap();
    let src = Path::new(&u.home_dir).join("big.bin");
    random_file(&src, BIG);
    prefetched_download(&s, "down", &key_auth(&key), "big.bin", &src).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paramiko_pipelined_upload_of_32_mib() {
    let s = TestServer::start(|_| {}).await;
    let key = keygen(s.dir.path(), "k");
    let mut u = s.user("up");
    u.public_keys = vec![public_key(&key)];
    let u = s.add(u).await;
    let src = local_dir(&s).join("big.bin");
    random_file(&src, BIG);
    let o = paramiko(&s, "up", &key_auth(&key), "upload", &[&src.display().to_string(), "big.bin"]).await;
    let v = values(&o);
    eprintln!("upload: {}", String::from_utf8_lossy(&o.stdout).replace('\n', " "));
    // paramiko reads the replies to its pipelined WRITEs in request order, and drops the replies it
    // reads while it waits for an earlier one: a server that answers out of order stalls it.
    assert_eq!(
        v["upload"],
        "ok",
        "paramiko's pipelined upload stalled; WRITE replies in request order: {} ({})",
        v["write_replies_in_order"],
        v.get("first_out_of_order").map_or("", String::as_str)
    );
    assert_eq!(v["write_replies"], (BIG / 32768).to_string());
    let stored = Path::new(&u.home_dir).join("big.bin");
    assert!(std::fs::read(&stored).unwrap() == std::fs::read(&src).unwrap(), "the stored file differs");
    prefetched_download(&s, "up", &key_auth(&key), "big.bin", &src).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paramiko_16_threads_share_one_sftp_session() {
    const THREADS: usize = 16;
    const SIZE: u64 = 2 * 1024 * 1024 + 12_345;
    let s = TestServer::start(|_| {}).await;
    let key = keygen(s.dir.path(), "k");
    let mut u = s.user("many");
    u.public_keys = vec![public_key(&key)];
    let u = s.add(u).await;
    let local = local_dir(&s);
    for i in 0..THREADS {
        random_file(&local.join(format!("t{i:02}.bin")), SIZE + i as u64);
    }
    let o =
        paramiko(&s, "many", &key_auth(&key), "threads", &[&local.display().to_string(), &THREADS.to_string()]).await;
    let v = values(&o);
    eprintln!("{}", String::from_utf8_lossy(&o.stdout));
    for i in 0..THREADS {
        assert_eq!(v[&format!("thread{i:02}")], "ok", "thread {i}: {}", text(&o));
        let name = format!("t{i:02}.bin");
        let stored = std::fs::read(Path::new(&u.home_dir).join(&name)).unwrap();
        assert!(stored == std::fs::read(local.join(&name)).unwrap(), "{name} differs on the server");
    }
    assert_eq!(v["unclaimed_failures"], "0");
    // All of it went over one SSH connection and one SFTP session.
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paramiko_lists_2000_entries_over_several_readdir_pages() {
    let s = TestServer::start(|_| {}).await;
    let key = keygen(s.dir.path(), "k");
    let mut u = s.user("lister");
    u.public_keys = vec![public_key(&key)];
    let u = s.add(u).await;
    let dir = Path::new(&u.home_dir).join("many");
    std::fs::create_dir_all(&dir).unwrap();
    let mut expected = Vec::new();
    for i in 0..2000usize {
        // Half the names long (200 bytes), so that some pages are bounded by bytes rather than count.
        let name = if i % 2 == 0 { format!("f{i:05}") } else { format!("{i:05}-{}", "x".repeat(194)) };
        if i % 100 == 0 {
            std::fs::create_dir(dir.join(&name)).unwrap();
            expected.push((name, None));
        } else {
            std::fs::write(dir.join(&name), vec![b'.'; i % 7]).unwrap();
            expected.push((name, Some(i % 7)));
        }
    }
    expected.sort();
    let listing = s.path("listing.txt");
    let v =
        values(&paramiko(&s, "lister", &key_auth(&key), "listdir", &["many", &listing.display().to_string()]).await);
    assert_eq!(v["count"], "2000");
    let pages: usize = v["readdir_requests"].parse().unwrap();
    assert!(pages >= 9, "2000 names in {pages} READDIR requests: pages of at most 250 names expected");
    let got: Vec<(String, Option<usize>)> = std::fs::read_to_string(&listing)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_owned(), (f[2] == "True").then(|| f[1].parse().unwrap()))
        })
        .collect();
    assert_eq!(got, expected);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paramiko_rename_stat_chmod_utime_truncate_and_links() {
    let s = TestServer::start(|c| c.common.symlink_mode = 1).await;
    let key = keygen(s.dir.path(), "k");
    let mut u = s.user("ops");
    u.public_keys = vec![public_key(&key)];
    let u = s.add(u).await;
    let home = PathBuf::from(&u.home_dir);
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("a.txt"), "alpha-content").unwrap();
    std::fs::write(home.join("b.txt"), "beta").unwrap();
    let o = paramiko(&s, "ops", &key_auth(&key), "ops", &[]).await;
    let v = values(&o);
    let expect = [
        ("after_posix_rename", "b.txt"),
        ("b_size", "13"),
        ("b_regular", "True"),
        ("b_mode", "0o640"),
        ("b_times", "1600000000 1500000000"),
        ("b_truncated", "3"),
        ("b_extended", "8"),
        ("b_fstat", "2"),
        ("b_after_handle_truncate", "2"),
        ("d_listing", "c.txt"),
        ("b_gone", "True"),
        ("readlink", "/d/c.txt"),
        ("lstat_link_is_link", "True"),
        ("stat_link_size", "2"),
        ("read_through_link", "al"),
        ("readlink_dir", "/d"),
        ("list_through_dirlink", "c.txt"),
        ("symlink_twice", "refused"),
        ("normalize_link", "/link"),
        ("after_remove_link", "d,dirlink"),
    ];
    for (k, want) in expect {
        assert_eq!(v.get(k).map(String::as_str), Some(want), "{k}: {}", text(&o));
    }
    // What the operations did on the disk.
    let c = home.join("d/c.txt");
    assert_eq!(std::fs::read(&c).unwrap(), b"al");
    let md = std::fs::metadata(&c).unwrap();
    assert_eq!(md.permissions().mode() & 0o7777, 0o640);
    assert_eq!(md.mtime(), 1_500_000_000);
    assert!(!home.join("a.txt").exists() && !home.join("b.txt").exists() && !home.join("link").exists());
    assert!(std::fs::symlink_metadata(home.join("dirlink")).unwrap().file_type().is_symlink());
    s.stop().await;

    // Without symlink_mode, links are refused.
    let s = TestServer::start(|_| {}).await;
    let key = keygen(s.dir.path(), "k");
    let mut u = s.user("ops");
    u.public_keys = vec![public_key(&key)];
    let u = s.add(u).await;
    std::fs::create_dir_all(&u.home_dir).unwrap();
    std::fs::write(Path::new(&u.home_dir).join("a.txt"), "a").unwrap();
    let v = values(&paramiko(&s, "ops", &key_auth(&key), "symlink", &[]).await);
    assert!(v["symlink"].starts_with("refused"), "{}", v["symlink"]);
    assert!(!Path::new(&u.home_dir).join("link").exists());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paramiko_statvfs_shows_the_quota() {
    let s = TestServer::start(|_| {}).await;
    let key = keygen(s.dir.path(), "k");
    let mut u = s.user("quota");
    u.public_keys = vec![public_key(&key)];
    u.quota_files = 100;
    s.add(u).await;
    let local = local_dir(&s);
    let file = local.join("f.bin");
    random_file(&file, 65_535);
    let auth = key_auth(&key);
    let v = values(&paramiko(&s, "quota", &auth, "put", &[&file.display().to_string(), "f.bin"]).await);
    assert_eq!(v["size"], "65535");
    let stored = s.store.user("quota").await.unwrap();
    assert_eq!((stored.used_quota_files, stored.used_quota_size), (1, 65_535));

    // A file quota: the inode numbers are the quota's (SFTPGo's TestStatVFS).
    let v = values(&paramiko(&s, "quota", &auth, "statvfs", &["/f.bin", "/missing"]).await);
    let n = |k: &str| -> u64 { v[k].parse().unwrap() };
    assert_eq!((n("files"), n("ffree"), n("favail")), (100, 99, 99), "{v:?}");
    assert!(n("bsize") > 0 && n("blocks") > 0, "{v:?}");
    assert_eq!(v["fstatvfs_same"], "True");
    assert_eq!(v["missing"], "errno 2", "a missing path is ENOENT");

    // A size quota, not reached: the blocks are the quota's.
    const QUOTA: i64 = 1024 * 1024;
    let mut u = s.store.user("quota").await.unwrap();
    u.quota_size = QUOTA;
    s.store.update(u).await.unwrap();
    let v = values(&paramiko(&s, "quota", &auth, "statvfs", &["/f.bin", "/missing"]).await);
    let n = |k: &str| -> u64 { v[k].parse().unwrap() };
    let bs = n("frsize").max(n("bsize"));
    assert_eq!(n("blocks"), QUOTA as u64 / bs, "{v:?}");
    assert_eq!((n("bfree"), n("bavail")), ((QUOTA as u64 - 65_535) / bs, (QUOTA as u64 - 65_535) / bs), "{v:?}");
    // What a client computes as the total (blocks × fragment size) is the quota, to a block.
    assert!(QUOTA as u64 - n("blocks") * n("frsize") < n("frsize"), "{v:?}");

    // A size quota already used up: nothing free.
    let mut u = s.store.user("quota").await.unwrap();
    u.quota_size = 8192;
    s.store.update(u).await.unwrap();
    let v = values(&paramiko(&s, "quota", &auth, "statvfs", &["/f.bin", "/missing"]).await);
    let n = |k: &str| -> u64 { v[k].parse().unwrap() };
    assert_eq!((n("bfree"), n("bavail")), (0, 0), "{v:?}");
    assert!(n("blocks") > 0, "{v:?}");
    assert_eq!((n("files"), n("ffree")), (100, 99), "{v:?}");
    s.stop().await;
}
