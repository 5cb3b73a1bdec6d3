//! Sample bodies and helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `text` with every line end made CRLF.
pub(crate) fn crlf(text: &str) -> Vec<u8> {
    text.replace("\r\n", "\n")
        .replace('\n', "\r\n")
        .into_bytes()
}

/// Realistic offers, each named after the kind of peer it imitates.
pub(crate) fn samples() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "webrtc-gateway-savp",
            include_bytes!("../data/offer_crypto.sdp").to_vec(),
        ),
        ("asterisk-like", crlf(ASTERISK_LIKE)),
        ("freeswitch-like", crlf(FREESWITCH_LIKE)),
        ("baresip-like", crlf(BARESIP_LIKE)),
        ("audio-video", crlf(AUDIO_VIDEO)),
        ("hold-rfc2543", crlf(HOLD_RFC2543)),
    ]
}

/// A PBX offering SRTP over RTP/SAVP with one 80-bit-tag key.
pub(crate) const ASTERISK_LIKE: &str = "v=0
o=- 1938400771 1938400773 IN IP4 198.51.100.20
s=PBX
c=IN IP4 198.51.100.20
t=0 0
m=audio 12718 RTP/SAVP 9 0 8 3 101
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:dGhpcyBpcyBhIHRlc3Qga2V5IGFuZCBzYWx0IDEy
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:3 GSM/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=maxptime:150
a=sendrecv
";

/// A softswitch offering best-effort SRTP on RTP/AVP with four suites, Opus first.
pub(crate) const FREESWITCH_LIKE: &str = "v=0
o=Switch 1700000000 1700000001 IN IP4 198.51.100.30
s=Switch
c=IN IP4 198.51.100.30
t=0 0
m=audio 24560 RTP/AVP 102 9 0 8 103 101
a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:S2V5IGFuZCBzYWx0IGZvciBBRVMtMjU2OiBmb3J0eS1zaXggYnl0ZXMgbG9uZw==|2^31
a=crypto:2 AES_256_CM_HMAC_SHA1_32 inline:S2V5IGFuZCBzYWx0IGZvciBBRVMtMjU2OiBmb3J0eS1zaXggYnl0ZXMgbG9uZw==|2^31
a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:dGhpcyBpcyBhIHRlc3Qga2V5IGFuZCBzYWx0IDM0|2^31
a=crypto:4 AES_CM_128_HMAC_SHA1_32 inline:dGhpcyBpcyBhIHRlc3Qga2V5IGFuZCBzYWx0IDU2|2^31
a=rtpmap:102 opus/48000/2
a=fmtp:102 useinbandfec=1; maxaveragebitrate=30000; maxplaybackrate=48000; ptime=20; minptime=10; maxptime=40
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:103 telephone-event/48000
a=fmtp:103 0-16
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv
a=rtcp:24561 IN IP4 198.51.100.30
";

/// A desktop softphone with rtcp-mux, SAVP, mixed-case names and no ptime.
pub(crate) const BARESIP_LIKE: &str = "v=0
o=- 1265087359 3432545217 IN IP4 192.0.2.77
s=-
c=IN IP4 192.0.2.77
t=0 0
a=tool:softphone 3.10.1
m=audio 10006 RTP/SAVP 96 9 0 8 97 98
b=AS:96
a=rtpmap:96 OPUS/48000/2
a=fmtp:96 stereo=1;sprop-stereo=1
a=rtpmap:9 g722/8000/1
a=rtpmap:0 pcmu/8000
a=rtpmap:8 pcma/8000
a=rtpmap:97 ILBC/8000
a=fmtp:97 mode=20
a=rtpmap:98 telephone-event/8000
a=fmtp:98 0-15
a=rtcp-mux
a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:c29tZSBvdGhlciB0ZXN0IGtleSBhbmQgc2FsdCAx
a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:c29tZSBvdGhlciB0ZXN0IGtleSBhbmQgc2FsdCAy
a=sendrecv
a=label:1
";

/// Audio and video with static types only.
pub(crate) const AUDIO_VIDEO: &str = "v=0
o=bob 2808844564 2808844564 IN IP4 192.0.2.90
s=
c=IN IP4 192.0.2.90
t=0 0
m=video 49270 RTP/AVP 31
a=rtpmap:31 H261/90000
m=audio 49274 RTP/AVP 18 0 8
a=ptime:30
";

/// An old-style hold: connection address 0.0.0.0.
pub(crate) const HOLD_RFC2543: &str = "v=0
o=- 55 56 IN IP4 192.0.2.40
s=-
c=IN IP4 0.0.0.0
t=0 0
m=audio 3456 RTP/AVP 0 101
a=rtpmap:101 telephone-event/8000
";

/// `sip-torture` in the reference data (`../shared/reference` beside the checkout, or
/// `HANDSET_REFERENCE`), or `None` with the reason printed. Under CI it must be there.
pub(crate) fn sip_torture_dir() -> Option<PathBuf> {
    let reference = match std::env::var("HANDSET_REFERENCE") {
        Ok(dir) => PathBuf::from(dir),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"),
    };
    let dir = reference.join("sip-torture");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "SIP torture data not found at {} (set HANDSET_REFERENCE)",
        dir.display()
    );
    eprintln!(
        "skipped: SIP torture data not found at {} (set HANDSET_REFERENCE)",
        dir.display()
    );
    None
}

/// The default settings, receiving on 192.0.2.2:5004.
pub(crate) fn config() -> handset_sdp::MediaConfig {
    handset_sdp::MediaConfig::new("192.0.2.2".parse().unwrap(), 5004)
}

/// A key source for exchanges that must not need one.
pub(crate) fn no_keys(_: &mut [u8]) {
    panic!("no key material needed without SRTP");
}

/// Parses `text` after making its line ends CRLF.
pub(crate) fn parse(text: &str) -> handset_sdp::SessionDescription {
    handset_sdp::SessionDescription::parse(&crlf(text)).unwrap()
}

/// A plain audio offer from 198.51.100.9:30000 with `formats` and `attributes` lines.
pub(crate) fn offer_with(formats: &str, attributes: &str) -> handset_sdp::SessionDescription {
    parse(&format!(
        "v=0\no=- 7 7 IN IP4 198.51.100.9\ns=-\nc=IN IP4 198.51.100.9\nt=0 0\nm=audio 30000 RTP/AVP {formats}\n{attributes}"
    ))
}

/// The same payload type both ways.
pub(crate) fn same(pt: u8) -> handset_sdp::PayloadTypes {
    handset_sdp::PayloadTypes {
        send: pt,
        receive: pt,
    }
}

/// The lines of a description as written.
pub(crate) fn lines(sdp: &handset_sdp::SessionDescription) -> Vec<String> {
    sdp.to_string().lines().map(str::to_owned).collect()
}
