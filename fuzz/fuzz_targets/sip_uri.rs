//! Any text as a URI: parsing never panics; what parses displays as text that parses to an
//! equal URI, equivalent to itself.
#![no_main]

use handset_sip::uri::Uri;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(uri) = Uri::parse(text) else {
        return;
    };
    let shown = uri.to_string();
    let again = Uri::parse(&shown).expect("a displayed URI parses");
    assert_eq!(again, uri, "display round trip");
    assert!(uri.equivalent(&again), "a URI is equivalent to its display");
    assert!(uri.equivalent(&uri), "equivalence is reflexive");
});
