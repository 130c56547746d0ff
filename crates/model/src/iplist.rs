//! IP list entries (`/api/v2/iplists/{type}`, dump key `ip_lists`).

use serde::{Deserialize, Serialize};

use crate::int_enum::int_enum;

int_enum! {
    /// Which list an entry belongs to.
    pub enum IpListType ("IP list type") {
        /// Global allow list.
        AllowList = 1,
        /// Defender list (allow = never banned, deny = always banned).
        Defender = 2,
        /// Networks exempt from rate limiting.
        RateLimiterSafeList = 3,
    }
}

impl IpListType {
    /// Human-readable list name.
    pub fn name(self) -> &'static str {
        match self {
            Self::AllowList => "Allow list",
            Self::Defender => "Defender",
            Self::RateLimiterSafeList => "Rate limiters safe list",
        }
    }
}

int_enum! {
    /// Effect of a list entry.
    pub enum IpListMode ("IP list mode") {
        /// Allow.
        Allow = 1,
        /// Deny (defender list only).
        Deny = 2,
    }
}

/// Protocol bit of [`IpListEntry::protocols`]: SSH.
pub const IP_PROTO_SSH: i64 = 1;
/// Protocol bit: FTP.
pub const IP_PROTO_FTP: i64 = 2;
/// Protocol bit: WebDAV.
pub const IP_PROTO_DAV: i64 = 4;
/// Protocol bit: HTTP.
pub const IP_PROTO_HTTP: i64 = 8;

/// An IP address or network in one of the IP lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpListEntry {
    /// IP or CIDR network (stored as a masked CIDR).
    pub ipornet: String,
    /// Free-form description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// List type.
    #[serde(rename = "type")]
    pub list_type: IpListType,
    /// Allow or deny.
    pub mode: IpListMode,
    /// Protocol bit mask (1 SSH, 2 FTP, 4 WebDAV, 8 HTTP; 0 = all).
    #[serde(default)]
    pub protocols: i64,
    /// Creation time, ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms.
    #[serde(default)]
    pub updated_at: i64,
}

impl IpListEntry {
    /// A new entry with no description, all protocols and zero timestamps.
    pub fn new(ipornet: impl Into<String>, list_type: IpListType, mode: IpListMode) -> Self {
        Self {
            ipornet: ipornet.into(),
            description: String::new(),
            list_type,
            mode,
            protocols: 0,
            created_at: 0,
            updated_at: 0,
        }
    }

    /// True if the entry applies to a protocol bit (0 = all protocols).
    pub fn applies_to(&self, proto_bit: i64) -> bool {
        self.protocols == 0 || self.protocols & proto_bit != 0
    }
}
