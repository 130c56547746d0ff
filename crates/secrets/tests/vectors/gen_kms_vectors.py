#!/usr/bin/env python3
"""Independent generator for the KMS test vectors used in `tests/it/kms_vectors.rs`.

It builds ciphertexts with libsodium (PyNaCl) and pyca/cryptography straight from the
documented secret formats, so the Rust implementation is checked against code that shares
nothing with it. It is not run by the test suite; rerun it by hand if the vectors change:

    pip install pynacl cryptography
    python3 crates/secrets/tests/vectors/gen_kms_vectors.py

Formats (K = the per-secret random key, stored hex-encoded in `key`; AD = `additional_data`):
  Secretbox: ikm = master key bytes (mode 1) or SHA-256(K || AD || K) (mode 0);
             key = HKDF-SHA256(ikm, salt=K, info=AD, 32 bytes);
             payload = base64(nonce(24) || crypto_secretbox(plaintext)).
  AES-256-GCM: key = SHA-256(K || AD || K); payload = hex(nonce(12) || ciphertext || tag),
             with AD as the GCM associated data.
"""

import base64
import hashlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.secret import SecretBox


def seq(start, n):
    return bytes((start + i) & 0xFF for i in range(n))


def secretbox(k, ad, nonce, plaintext, master_key=None):
    ikm = master_key if master_key is not None else hashlib.sha256(k + ad + k).digest()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=k, info=ad).derive(ikm)
    sealed = SecretBox(key).encrypt(plaintext, nonce)  # nonce || tag || ciphertext
    assert bytes(sealed[:24]) == nonce
    return base64.b64encode(bytes(sealed)).decode()


def aes(k, ad, nonce, plaintext):
    key = hashlib.sha256(k + ad + k).digest()
    return (nonce + AESGCM(key).encrypt(nonce, plaintext, ad or None)).hex()


def show(name, status, k, ad, mode, payload, plaintext, master_key=None):
    print(f"// {name}")
    print(f'status: "{status}", key: "{k.hex()}", additional_data: {ad.decode()!r}, mode: {mode}')
    if master_key is not None:
        print(f"master_key: {master_key.decode()!r}")
    print(f'payload: "{payload}"')
    print(f"plaintext: {plaintext.decode()!r}")
    print()


def main():
    k1, n1, ad1, p1 = seq(0x00, 32), seq(0x40, 24), b"alice", b"my secret access key"
    show("secretbox mode 0", "Secretbox", k1, ad1, 0, secretbox(k1, ad1, n1, p1), p1)

    mk = b"a master key from config"
    k2, n2, ad2, p2 = seq(0x20, 32), seq(0x60, 24), b"folder_shared", "pässwörd 🔐".encode()
    show("secretbox mode 1", "Secretbox", k2, ad2, 1, secretbox(k2, ad2, n2, p2, mk), p2, mk)

    k3, n3, ad3, p3 = seq(0x80, 32), seq(0xA0, 24), b"", b"no additional data"
    show("secretbox mode 0, empty additional data", "Secretbox", k3, ad3, 0,
         secretbox(k3, ad3, n3, p3), p3)

    k4, n4, ad4, p4 = seq(0xC0, 32), seq(0xE0, 12), b"bob", b"legacy secret"
    show("AES-256-GCM", "AES-256-GCM", k4, ad4, 0, aes(k4, ad4, n4, p4), p4)

    k5, n5, ad5, p5 = seq(0x10, 32), seq(0x30, 12), b"", b"legacy, no additional data"
    show("AES-256-GCM, empty additional data", "AES-256-GCM", k5, ad5, 0, aes(k5, ad5, n5, p5), p5)


if __name__ == "__main__":
    main()
