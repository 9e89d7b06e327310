//! Arbitrary connects, chunked bytes, disconnects, writes and time drive the sans-IO core;
//! its invariants are checked after every step.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chat_harness::fuzz_targets::core_session(data));
