//! Streaming digests for [`crate::fs::Fs::hash`].

use md5::Digest as _;

use crate::fs::HashAlgo;

/// One running digest.
#[derive(Debug)]
pub enum Hasher {
    /// MD5.
    Md5(md5::Md5),
    /// SHA-1.
    Sha1(sha1::Sha1),
    /// SHA-256.
    Sha256(sha2::Sha256),
    /// SHA-512.
    Sha512(sha2::Sha512),
    /// CRC-32.
    Crc32(crc32fast::Hasher),
}

impl Hasher {
    /// A fresh digest.
    pub fn new(algo: HashAlgo) -> Self {
        match algo {
            HashAlgo::Md5 => Self::Md5(md5::Md5::new()),
            HashAlgo::Sha1 => Self::Sha1(sha1::Sha1::new()),
            HashAlgo::Sha256 => Self::Sha256(sha2::Sha256::new()),
            HashAlgo::Sha512 => Self::Sha512(sha2::Sha512::new()),
            HashAlgo::Crc32 => Self::Crc32(crc32fast::Hasher::new()),
        }
    }

    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Md5(h) => h.update(data),
            Self::Sha1(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
            Self::Crc32(h) => h.update(data),
        }
    }

    /// The digest as lowercase hex.
    pub fn finish_hex(self) -> String {
        match self {
            Self::Md5(h) => hex::encode(h.finalize()),
            Self::Sha1(h) => hex::encode(h.finalize()),
            Self::Sha256(h) => hex::encode(h.finalize()),
            Self::Sha512(h) => hex::encode(h.finalize()),
            Self::Crc32(h) => format!("{:08x}", h.finalize()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        let hex = |a| {
            let mut h = Hasher::new(a);
            h.update(b"pass");
            h.update(b"word");
            h.finish_hex()
        };
        assert_eq!(hex(HashAlgo::Md5), "5f4dcc3b5aa765d61d8327deb882cf99");
        assert_eq!(hex(HashAlgo::Sha256), "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8");
        assert_eq!(hex(HashAlgo::Sha1), "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8");
        assert_eq!(hex(HashAlgo::Crc32), "35c246d5");
        assert_eq!(hex(HashAlgo::Sha512).len(), 128);
    }
}
