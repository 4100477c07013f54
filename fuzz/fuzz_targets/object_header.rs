#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| loomfile_fuzz::object_header(data));
