//! Any bytes as an encrypted configuration file: decryption never panics.
#![no_main]

use handset_config::encryption;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = encryption::decrypt(data, "password");
});
