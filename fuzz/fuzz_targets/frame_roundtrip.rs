//! Typed frames -> bytes -> the same frames; decoded bytes -> frames -> the same bytes.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chat_harness::fuzz_targets::frame_roundtrip(data));
