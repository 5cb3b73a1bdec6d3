//! Any bytes as an SDP body: parsing never panics; what parses serializes to text that parses
//! to an equal description and is a fixed point; answering it never panics, and the answer
//! parses back equal.
#![no_main]

use handset_sdp::{Codec, Limits, MediaConfig, Negotiator, RtcpMode, SessionDescription, SrtpMode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sdp) = SessionDescription::parse(data) else {
        return;
    };
    // The canonical form may be longer than the original (`s= ` for an empty name).
    let roomy = Limits::default()
        .with_max_bytes(1 << 20)
        .with_max_line(1 << 20);
    let bytes = sdp.to_bytes();
    let again = SessionDescription::parse_with(&bytes, &roomy).expect("a serialized body parses");
    assert_eq!(again, sdp, "round trip");
    assert_eq!(again.to_bytes(), bytes, "canonical form is a fixed point");
    let local = "192.0.2.2".parse().expect("a literal address");
    for config in [
        MediaConfig::new(local, 5004),
        MediaConfig::new(local, 5004)
            .with_codecs(Codec::ALL.to_vec())
            .with_srtp_mode(SrtpMode::EnabledButNotForced)
            .with_rtcp_mode(RtcpMode::Mux)
            .with_red_with_fec(true),
    ] {
        let mut negotiator = Negotiator::new(config, 1);
        if let Ok((answer, _)) = negotiator.answer(&sdp, &mut |key: &mut [u8]| key.fill(5)) {
            let parsed = SessionDescription::parse_with(&answer.to_bytes(), &roomy)
                .expect("our answer parses");
            assert_eq!(parsed, answer, "answer round trip");
        }
    }
});
