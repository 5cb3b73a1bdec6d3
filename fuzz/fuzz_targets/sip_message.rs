//! Any bytes as a SIP datagram or stream: parsing never panics; what parses serializes to
//! bytes that parse to an equal message, with the same validity; a response to a bad request
//! builds.
#![no_main]

use handset_sip::message::{error_response, Limits};
use handset_sip::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Message::parse_stream(data, &Limits::default());
    let message = match Message::parse(data) {
        Ok(m) => m,
        Err(e) => {
            if let Some(b) = error_response(data, &e) {
                b.build().expect("an error response builds");
            }
            return;
        }
    };
    let validity = message.validate();
    let bytes = message.to_bytes();
    // The canonical form spells names in full and always has Content-Length, so it may exceed
    // limits the original just met.
    let roomy = Limits::default()
        .with_max_message(1 << 20)
        .with_max_headers(1024)
        .with_max_header_line(1 << 20);
    let again = Message::parse_datagram(&bytes, &roomy).expect("a serialized message parses");
    assert_eq!(again, message, "round trip");
    assert_eq!(
        again.validate().map_err(|e| (e.kind, e.header)),
        validity.clone().map_err(|e| (e.kind, e.header)),
        "round trip keeps validity"
    );
    assert_eq!(again.to_bytes(), bytes, "canonical form is a fixed point");
    if let Err(e) = validity {
        if let Some(b) = error_response(data, &e) {
            b.build().expect("an error response builds");
        }
    }
    let _ = message
        .to_builder()
        .build()
        .expect("a parsed message rebuilds");
});
