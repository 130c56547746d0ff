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


if __name__ == "__main__":
    dump_and_model_seeds()
    config_seeds()
    password_seeds()
    kms_seeds()
    for folder in sorted(CORPUS.iterdir()):
        print(f"{folder.name}: {sum(1 for _ in folder.iterdir())} seeds")
