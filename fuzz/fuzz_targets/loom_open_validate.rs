#![no_main]

#[path = "../src/loom.rs"]
mod loom;

libfuzzer_sys::fuzz_target!(|data: &[u8]| loom::loom_open_validate(data));
