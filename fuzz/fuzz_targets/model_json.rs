//! Every object type arrives as JSON from the REST API: decoding with the crate's entry point
//! (size limit, Go's `null` rules) must never panic, and a decoded object must be writable and
//! readable again. The first byte picks the type, the rest is the JSON body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wharf_model::{
    Admin, ApiKey, Configs, EventAction, EventRule, Filesystem, Folder, Group, IpListEntry, MAX_DUMP_SIZE, Role,
    Secret, Share, User, json,
};

/// Decodes `data` as `T`; when that works, writes the value and reads it back.
fn check<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let Ok(value) = json::from_slice::<T>(data, MAX_DUMP_SIZE) else {
        return;
    };
    let written = match serde_json::to_vec(&value) {
        Ok(bytes) => bytes,
        Err(e) => panic!("a decoded {} cannot be serialised: {e}", std::any::type_name::<T>()),
    };
    match json::from_slice::<T>(&written, usize::MAX) {
        Ok(again) => assert_eq!(again, value, "{} changed after a write/read round trip", std::any::type_name::<T>()),
        Err(e) => panic!(
            "a serialised {} cannot be read back: {e}\n{}",
            std::any::type_name::<T>(),
            String::from_utf8_lossy(&written)
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % 13 {
        0 => check::<User>(body),
        1 => check::<Group>(body),
        2 => check::<Folder>(body),
        3 => check::<Admin>(body),
        4 => check::<ApiKey>(body),
        5 => check::<Share>(body),
        6 => check::<EventAction>(body),
        7 => check::<EventRule>(body),
        8 => check::<Role>(body),
        9 => check::<IpListEntry>(body),
        10 => check::<Configs>(body),
        11 => check::<Secret>(body),
        _ => check::<Filesystem>(body),
    }
});
