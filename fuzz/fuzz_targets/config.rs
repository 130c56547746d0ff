//! Configuration files are read at start-up from paths an operator controls, but may be
//! hand-edited or generated: every format's parser must turn bad input into an error, not a panic.
//! The first byte picks the format, the rest is the file text.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use wharf_config::{Config, Format};

const FORMATS: [(Format, &str); 5] = [
    (Format::Json, "sftpgo.json"),
    (Format::Yaml, "sftpgo.yaml"),
    (Format::Toml, "sftpgo.toml"),
    (Format::Hcl, "sftpgo.hcl"),
    (Format::Env, "sftpgo.env"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (format, name) = FORMATS[usize::from(selector) % FORMATS.len()];
    let text = String::from_utf8_lossy(rest);
    let _ = Config::from_str_with_format(&text, format, Path::new(name));
});
