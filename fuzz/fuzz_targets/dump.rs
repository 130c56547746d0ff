//! Dump (backup) files come from administrators' uploads and from disk: reading one must never
//! panic, and a dump that was read must survive being written and read back unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wharf_model::{BackupData, MAX_DUMP_SIZE};

fuzz_target!(|data: &[u8]| {
    let Ok(dump) = BackupData::from_json(data, MAX_DUMP_SIZE) else {
        return;
    };
    for pretty in [false, true] {
        let written = dump.to_json(pretty);
        assert!(!written.is_empty(), "to_json produced nothing");
        match BackupData::from_json(&written, usize::MAX) {
            Ok(again) => assert_eq!(again, dump, "dump changed after a write/read round trip"),
            Err(e) => {
                panic!("a dump written by to_json cannot be read back: {e}\n{}", String::from_utf8_lossy(&written))
            }
        }
    }
});
