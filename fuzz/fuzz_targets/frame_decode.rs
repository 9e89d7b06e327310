//! Arbitrary bytes in arbitrary chunkings: no panic, bounded buffering, same items as whole.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chat_harness::fuzz_targets::frame_decode(data));
