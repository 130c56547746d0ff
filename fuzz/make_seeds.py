#!/usr/bin/env python3
"""Builds starting corpora for the fuzz targets from the repository's own test fixtures.

Writes corpus/<target>/seed-* files (corpus/ is not committed). Run from anywhere:
    python3 fuzz/make_seeds.py
Each file uses the target's input layout (see the comment at the top of each fuzz target).
"""

import hashlib
import json
import pathlib
import re

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
CORPUS = FUZZ / "corpus"


def put(target: str, data: bytes) -> None:
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ("seed-" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)


def dump_and_model_seeds() -> None:
    dump_path = ROOT / "crates/store/tests/it/fixtures/sftpgo_dump.json"
    if not dump_path.exists():
        return
    raw = dump_path.read_bytes()
    put("dump", raw)
    put("dump", b'{"version":17}')
    put("dump", b'{"version":16,"event_actions":[{"name":"a","type":0,"options":{"http_config":{"body":"{{Name}}"}}}]}')
    dump = json.loads(raw)
    kinds = ["users", "groups", "folders", "admins", "api_keys", "shares", "event_actions", "event_rules",
             "roles", "ip_lists"]
    for selector, kind in enumerate(kinds):
        for obj in dump.get(kind) or []:
            put("model_json", bytes([selector]) + json.dumps(obj).encode())
    if dump.get("configs"):
        put("model_json", bytes([10]) + json.dumps(dump["configs"]).encode())
    for obj in (dump.get("users") or []) + (dump.get("folders") or []):
        fs = obj.get("filesystem")
        if not fs:
            continue
        put("model_json", bytes([12]) + json.dumps(fs).encode())
        for config in fs.values():
            if not isinstance(config, dict):
                continue
            for value in config.values():
                if isinstance(value, dict) and "status" in value:
                    put("model_json", bytes([11]) + json.dumps(value).encode())


def config_seeds() -> None:
    fixtures = ROOT / "crates/config/tests/it/fixtures"
    selector = {".json": 0, ".yaml": 1, ".yml": 1, ".toml": 2, ".hcl": 3, ".env": 4}
    for path in sorted(fixtures.glob("*")) if fixtures.exists() else []:
        if path.suffix in selector:
            put("config", bytes([selector[path.suffix]]) + path.read_bytes())
    for fmt in range(5):
        put("config", bytes([fmt]))


def password_seeds() -> None:
    pattern = re.compile(r'"((?:\$(?:2[aby]|argon2id|pbkdf2-[a-z0-9-]+|1|apr1|5|6|y)\$|\{(?:MD5|SHA256|SHA512)\})[^"]*)"')
    for path in sorted((ROOT / "crates/secrets").rglob("*.rs")):
        for stored in pattern.findall(path.read_text(encoding="utf-8")):
            put("password_verify", b"password\0" + stored.encode())


def kms_seeds() -> None:
    statuses = ["", "Plain", "Aes256Gcm", "Secretbox"]
    pattern = re.compile(r'secret\(\s*SecretStatus::(\w+),\s*"([^"]*)",\s*"([^"]*)",\s*(-?\d+),\s*"([^"]*)"', re.S)
    for path in sorted((ROOT / "crates/secrets/tests").rglob("*.rs")):
        for status, key, ad, mode, payload in pattern.findall(path.read_text(encoding="utf-8")):
            if status in statuses:
                head = bytes([statuses.index(status), int(mode) & 0xFF])
                put("kms_decrypt", head + payload.encode() + b"\0" + key.encode() + b"\0" + ad.encode())
    put("kms_decrypt", bytes([1, 0]) + b"plain text\0\0alice")


def sftp_seeds() -> None:
    """Packet streams as a client sends them (4-byte length, type, id, fields), and server replies."""
    import struct

    def u32(v: int) -> bytes:
        return struct.pack(">I", v)

    def u64(v: int) -> bytes:
        return struct.pack(">Q", v)

    def s(v) -> bytes:
        v = v.encode() if isinstance(v, str) else v
        return u32(len(v)) + v

    def pkt(kind: int, body: bytes) -> bytes:
        return u32(len(body) + 1) + bytes([kind]) + body

    def req(kind: int, rid: int, body: bytes) -> bytes:
        return pkt(kind, u32(rid) + body)

    attrs_full = u32(0x8000000F) + u64(1234) + u32(1000) + u32(100) + u32(0o100644) + u32(1) + u32(2) \
        + u32(1) + s("x@example.com") + s("data")
    attrs_none = u32(0)
    init = pkt(1, u32(3) + s("limits@openssh.com") + s("1"))
    handle = s("1")
    requests = [
        req(3, 1, s("/dir with space/ünïcødé") + u32(0x1A) + attrs_full),
        req(3, 2, s("file") + u32(0x01) + attrs_none),
        req(4, 3, handle),
        req(5, 4, handle + u64(0) + u32(32768)),
        req(6, 5, handle + u64(65536) + s(bytes(range(256)) * 4)),
        req(7, 6, s("link")),
        req(8, 7, handle),
        req(9, 8, s("f") + u32(0x1) + u64(0)),
        req(10, 9, handle + u32(0x4) + u32(0o600)),
        req(11, 10, s("/")),
        req(12, 11, handle),
        req(13, 12, s("old")),
        req(14, 13, s("newdir") + attrs_none),
        req(15, 14, s("newdir")),
        req(16, 15, s(".")),
        req(17, 16, s("../../etc/passwd")),
        req(18, 17, s("a") + s("b")),
        req(19, 18, s("link")),
        req(20, 19, s("target") + s("link")),
    ]
    extended = [
        s("posix-rename@openssh.com") + s("a") + s("b"),
        s("statvfs@openssh.com") + s("/"),
        s("fstatvfs@openssh.com") + handle,
        s("hardlink@openssh.com") + s("a") + s("b"),
        s("fsync@openssh.com") + handle,
        s("lsetstat@openssh.com") + s("l") + u32(0x8) + u32(1) + u32(2),
        s("limits@openssh.com"),
        s("expand-path@openssh.com") + s("~/x"),
        s("copy-data") + handle + u64(0) + u64(0) + s("2") + u64(0),
        s("home-directory") + s(""),
        s("users-groups-by-id@openssh.com") + s(u32(0) + u32(1000)) + s(u32(100)),
        s("check-file") + s("x"),
    ]
    requests += [req(200, 100 + i, body) for i, body in enumerate(extended)]
    for r in requests:
        put("sftp_packet", init + r)
    put("sftp_packet", init + b"".join(requests))
    # Malformed: truncated fields, an unknown type, a length over the limit, no id.
    put("sftp_packet", init + req(5, 1, handle + u64(0)))
    put("sftp_packet", init + req(99, 1, b""))
    put("sftp_packet", init + u32(256 * 1024 + 1) + bytes([5]))
    put("sftp_packet", init + pkt(17, b"\0\0"))
    # Server replies (decoded by the client-side decoder).
    name = s("f") + s("-rw-r--r--    1 0        0               4 Jan  1  1970 f") + attrs_full
    replies = [
        pkt(2, u32(3) + s("posix-rename@openssh.com") + s("1")),
        pkt(101, u32(1) + u32(4) + s("denying write due to space limit") + s("en")),
        pkt(102, u32(2) + handle),
        pkt(103, u32(3) + s(b"data")),
        pkt(104, u32(4) + u32(1) + name),
        pkt(105, u32(5) + attrs_full),
        pkt(201, u32(6) + u64(262144) + u64(261120) + u64(261120) + u64(256)),
    ]
    put("sftp_packet", b"".join(replies))
    for r in replies:
        put("sftp_packet", r)


if __name__ == "__main__":
    dump_and_model_seeds()
    config_seeds()
    password_seeds()
    kms_seeds()
    sftp_seeds()
    for folder in sorted(CORPUS.iterdir()):
        print(f"{folder.name}: {sum(1 for _ in folder.iterdir())} seeds")
