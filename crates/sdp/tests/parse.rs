//! The parser and serializer on realistic bodies, on the leniency real phones need, and on
//! errors that name the line and the problem.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{crlf, samples};
use handset_sdp::{
    AddrType, Attribute, BandwidthType, Direction, ErrorKind, Limits, MediaType, Protocol, Rtcp,
    SessionDescription,
};

#[test]
fn reads_an_audio_and_video_offer() {
    let sdp = SessionDescription::parse(&crlf(
        "v=0
o=alice 3724394400 3724394400 IN IP4 pc33.example.org
s=
c=IN IP4 pc33.example.org
t=0 0
m=audio 49180 RTP/AVP 0 8 97
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:97 iLBC/8000
m=video 51380 RTP/AVP 31 32
a=rtpmap:31 H261/90000
a=rtpmap:32 MPV/90000
",
    ))
    .unwrap();
    assert_eq!(sdp.origin.username, "alice");
    assert_eq!(sdp.origin.session_id, "3724394400");
    assert_eq!(sdp.origin.session_version, 3_724_394_400);
    assert_eq!(sdp.session_name, "");
    let c = sdp.connection.as_ref().unwrap();
    assert_eq!((c.addr_type.clone(), c.ip()), (AddrType::Ip4, None));
    assert_eq!(sdp.media.len(), 2);
    let audio = &sdp.media[0];
    assert_eq!((audio.kind.clone(), audio.port), (MediaType::Audio, 49180));
    assert_eq!(audio.proto, Protocol::RtpAvp);
    assert_eq!(audio.payload_types().collect::<Vec<_>>(), [0, 8, 97]);
    let Attribute::RtpMap(ilbc) = &audio.attributes[2] else {
        panic!("rtpmap expected");
    };
    assert_eq!((ilbc.payload_type, ilbc.encoding.as_str()), (97, "iLBC"));
    assert_eq!(sdp.media[1].kind, MediaType::Video);
    assert_eq!(sdp.media_connection(1), sdp.connection.as_ref());
}

#[test]
fn typed_attributes_of_a_secure_offer() {
    let sdp = SessionDescription::parse(&samples()[0].1).unwrap();
    let audio = &sdp.media[0];
    assert_eq!(audio.proto, Protocol::RtpSavp);
    assert_eq!(sdp.bandwidths[0].kind, BandwidthType::As);
    assert_eq!(audio.bandwidths[0].kind, BandwidthType::Tias);
    assert_eq!(audio.bandwidths[0].value, 64_000);
    let has = |a: Attribute| audio.attributes.contains(&a);
    assert!(has(Attribute::RtcpMux));
    assert!(has(Attribute::Ptime(20)));
    assert!(has(Attribute::MaxPtime(60)));
    assert!(has(Attribute::Direction(Direction::SendRecv)));
    assert!(audio.attributes.iter().any(|a| matches!(a,
        Attribute::Rtcp(Rtcp { port: 17033, address: Some(c) }) if c.ip() == Some("203.0.113.10".parse().unwrap()))));
    assert_eq!(
        audio
            .attributes
            .iter()
            .filter(|a| matches!(a, Attribute::Crypto(_)))
            .count(),
        3
    );
    assert!(audio.attributes.iter().any(|a| matches!(a,
        Attribute::Other { name, value: Some(v) } if name == "ssrc" && v == "1734290113 cname:3zM1b8Yl0n6gT2wq")));
    assert!(sdp.attributes.iter().any(|a| matches!(a,
        Attribute::Other { name, value: Some(v) } if name == "msid-semantic" && v == " WMS")));
}

#[test]
fn every_sample_round_trips() {
    for (name, body) in samples() {
        let sdp = SessionDescription::parse(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = sdp.to_string();
        assert!(text.ends_with("\r\n") && !text.contains("\n\n"), "{name}");
        let again = SessionDescription::parse(text.as_bytes()).unwrap();
        assert_eq!(again, sdp, "{name}");
        assert_eq!(
            again.to_string(),
            text,
            "{name}: second serialization differs"
        );
    }
}

#[test]
fn lenient_with_line_ends_blanks_and_unknown_lines() {
    let body = "v=0\no=- 1 2 IN IP4 192.0.2.5 \n\ns=call\t\nx=unknown line type\nc=IN IP4 192.0.2.5\r\nt=0 0\nm=audio 4000 RTP/AVP 0\na=sendonly   \na=X-vendor:something odd\n";
    let sdp = SessionDescription::parse(body.as_bytes()).unwrap();
    assert_eq!(sdp.origin.address.address, "192.0.2.5");
    assert_eq!(sdp.session_name, "call");
    assert_eq!(
        sdp.media[0].attributes,
        [
            Attribute::Direction(Direction::SendOnly),
            Attribute::Other {
                name: "X-vendor".into(),
                value: Some("something odd".into())
            }
        ]
    );
    assert!(sdp.to_string().contains("a=X-vendor:something odd\r\n"));
    assert!(!sdp.to_string().contains("x="));
}

#[test]
fn session_lines_are_all_kept() {
    let body = crlf(
        "v=0
o=jdoe 2890844526 2890842807 IN IP4 198.51.100.4
s=Seminar
i=A seminar on session description
u=http://www.example.com/seminars/sdp.pdf
e=j.doe@example.com (Jane Doe)
p=+1 617 555-6011
c=IN IP4 233.252.0.12/127
b=CT:128
t=2873397496 2873404696
r=7d 1h 0 25h
t=0 0
z=2882844526 -1h 2898848070 0
k=prompt
a=recvonly
m=audio 49170/2 RTP/AVP 0
i=voice
c=IN IP6 2001:db8::1
b=AS:80
k=clear:secret
m=image 49172 udptl t38
a=T38FaxVersion:0
",
    );
    let sdp = SessionDescription::parse(&body).unwrap();
    assert_eq!(
        sdp.information.as_deref(),
        Some("A seminar on session description")
    );
    assert_eq!(sdp.emails.len() + sdp.phones.len(), 2);
    assert_eq!(sdp.timing.len(), 2);
    assert_eq!(sdp.timing[0].repeats, ["7d 1h 0 25h"]);
    assert_eq!(
        sdp.connection.as_ref().unwrap().ip(),
        Some("233.252.0.12".parse().unwrap())
    );
    assert_eq!(sdp.media[0].port_count, Some(2));
    assert_eq!(sdp.media[0].connections[0].addr_type, AddrType::Ip6);
    assert_eq!(
        sdp.media_connection(0).unwrap().ip(),
        Some("2001:db8::1".parse().unwrap())
    );
    assert_eq!(sdp.media[1].proto, Protocol::Other("udptl".into()));
    assert_eq!(sdp.media[1].formats, ["t38"]);
    let text = sdp.to_string();
    assert_eq!(
        text.replace("\r\n", "\n"),
        String::from_utf8(body).unwrap().replace("\r\n", "\n")
    );
}

#[test]
fn unspecified_connection_is_rfc2543_hold() {
    let sdp = SessionDescription::parse(&crlf(
        "v=0\no=- 1 2 IN IP4 192.0.2.5\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 4000 RTP/AVP 0\n",
    ))
    .unwrap();
    assert!(sdp.connection.unwrap().is_unspecified());
}

fn error_of(body: &str) -> (usize, ErrorKind) {
    let e = SessionDescription::parse(&crlf(body)).unwrap_err();
    (e.line, e.kind)
}

const HEAD: &str = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n";

#[test]
fn errors_name_the_line_and_the_problem() {
    let bad = |field, why| ErrorKind::BadValue { field, why };
    let cases: Vec<(String, usize, ErrorKind)> = vec![
        ("".into(), 0, ErrorKind::Empty),
        ("v=1\n".into(), 1, ErrorKind::BadVersion),
        ("o=- 1 1 IN IP4 h\nv=0\n".into(), 1, ErrorKind::BadVersion),
        ("v=0\ns=-\n".into(), 0, ErrorKind::Missing("o=")),
        (
            "v=0\no=- 1 x IN IP4 h\n".into(),
            2,
            bad("o=", "session version not a number"),
        ),
        (
            "v=0\no=- 1 1 IN IP4\n".into(),
            2,
            bad("o=", "not six fields"),
        ),
        (
            format!("{HEAD}c=IN IP4 192.0.2.2\n"),
            6,
            ErrorKind::Duplicate("c="),
        ),
        (
            format!("{HEAD}m=audio 70000 RTP/AVP 0\n"),
            6,
            bad("m=", "port not a number in 0-65535"),
        ),
        (
            format!("{HEAD}m=audio 4000 RTP/AVP\n"),
            6,
            bad("m=", "no formats"),
        ),
        (
            format!("{HEAD}m=audio 4000 RTP/AVP 0 128\n"),
            6,
            bad("m=", "payload type not a number in 0-127"),
        ),
        (
            format!("{HEAD}m=audio 4000/0 RTP/AVP 0\n"),
            6,
            bad("m=", "port count not a positive number"),
        ),
        (
            format!("{HEAD}m=audio 4000 RTP/AVP 0\na=rtpmap:0 PCMU\n"),
            7,
            bad("a=rtpmap", "clock rate not a positive number"),
        ),
        (
            format!("{HEAD}m=audio 4000 RTP/AVP 0\na=rtpmap:x PCMU/8000\n"),
            7,
            bad("a=rtpmap", "payload type not a number in 0-127"),
        ),
        (
            format!("{HEAD}m=audio 4000 RTP/AVP 0\na=ptime:0\n"),
            7,
            bad("a=ptime", "not a whole number of milliseconds in 1-10000"),
        ),
        (
            format!("{HEAD}m=audio 4000 RTP/AVP 0\na=rtcp:99999\n"),
            7,
            bad("a=rtcp", "port not a number in 0-65535"),
        ),
        (
            format!("{HEAD}m=audio 4000 RTP/AVP 0\na=rtcp-mux:1\n"),
            7,
            bad("a=", "flag attribute with a value"),
        ),
        (
            format!("{HEAD}m=audio 4000 RTP/AVP 0\no=- 1 1 IN IP4 h\n"),
            7,
            ErrorKind::NotInMedia("o="),
        ),
        (
            format!("{HEAD}b=AS:lots\n"),
            6,
            bad("b=", "value not a number"),
        ),
        (format!("{HEAD}garbage\n"), 6, ErrorKind::BadLine),
        (format!("{HEAD}a=fine\u{1}\n"), 6, ErrorKind::NotText),
    ];
    for (body, line, kind) in cases {
        assert_eq!(error_of(&body), (line, kind), "{body:?}");
    }
    // r= belongs to the t= before it.
    assert!(SessionDescription::parse(&crlf(&format!("{HEAD}r=1d 1h 0\n"))).is_ok());
    assert_eq!(
        error_of("v=0\no=- 1 1 IN IP4 h\nr=1d\n"),
        (3, bad("r=", "repeat time before any t= line"))
    );
    let e = SessionDescription::parse(b"v=0\r\no=- 1 1 IN IP4 h\r\ns=\xff\r\n").unwrap_err();
    assert_eq!((e.line, e.kind), (3, ErrorKind::NotText));
    let e = SessionDescription::parse(&crlf(&format!(
        "{HEAD}m=audio 0 RTP/AVP 0\na=rtpmap:0 PCMU/x\n"
    )))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "SDP line 7: invalid a=rtpmap: clock rate not a positive number"
    );
}

#[test]
fn limits_bound_size_lines_attributes_media_and_formats() {
    let limits = Limits::default();
    let big = format!("{HEAD}i={}\n", "x".repeat(limits.max_bytes));
    assert_eq!(error_of(&big), (0, ErrorKind::TooLarge(limits.max_bytes)));
    let long = format!("{HEAD}i={}\n", "x".repeat(limits.max_line));
    assert_eq!(
        error_of(&long),
        (6, ErrorKind::LineTooLong(limits.max_line))
    );
    let blank_lines = format!("{HEAD}{}", "\n".repeat(limits.max_lines));
    assert_eq!(
        error_of(&blank_lines).1,
        ErrorKind::TooManyLines(limits.max_lines)
    );
    let attributes = format!("{HEAD}{}", "a=x\n".repeat(limits.max_attributes + 1));
    assert_eq!(
        error_of(&attributes),
        (
            6 + limits.max_attributes,
            ErrorKind::TooManyAttributes(limits.max_attributes)
        )
    );
    let media = format!(
        "{HEAD}{}",
        "m=audio 0 RTP/AVP 0\n".repeat(limits.max_media + 1)
    );
    assert_eq!(
        error_of(&media),
        (
            6 + limits.max_media,
            ErrorKind::TooManyMedia(limits.max_media)
        )
    );
    let formats: Vec<String> = (0..=limits.max_formats).map(|pt| pt.to_string()).collect();
    let many = format!("{HEAD}m=audio 4000 RTP/AVP {}\n", formats.join(" "));
    assert_eq!(
        error_of(&many),
        (6, ErrorKind::TooManyFormats(limits.max_formats))
    );
    let exactly = format!("{HEAD}{}", "a=x\n".repeat(limits.max_lines - 5));
    let roomy = Limits::default().with_max_attributes(limits.max_lines);
    assert!(
        SessionDescription::parse_with(&crlf(&exactly), &roomy).is_ok(),
        "the last line end is no line"
    );
    let small = Limits::default().with_max_media(0);
    let e = SessionDescription::parse_with(&samples()[0].1, &small).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooManyMedia(0));
}

/// Every prefix of every sample parses or fails cleanly; what parses round-trips.
#[test]
fn truncations_never_break_the_parser() {
    for (name, body) in samples() {
        for end in 0..=body.len() {
            if let Ok(sdp) = SessionDescription::parse(&body[..end]) {
                let again = SessionDescription::parse(&sdp.to_bytes())
                    .unwrap_or_else(|e| panic!("{name}[..{end}]: {e}"));
                assert_eq!(again, sdp, "{name}[..{end}]");
            }
        }
    }
}

/// Seeded single-byte mutations of every sample: no panic, and what parses round-trips.
#[test]
fn byte_mutations_never_break_the_parser() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const INTERESTING: &[u8] = b" \r\n=:/0123456789-.\t\0\xff";
    for (name, body) in samples() {
        for _ in 0..2000 {
            let mut mutated = body.clone();
            for _ in 0..1 + next() % 3 {
                let at = (next() % mutated.len() as u64) as usize;
                let r = next();
                match r % 3 {
                    0 => mutated[at] = INTERESTING[(r / 3) as usize % INTERESTING.len()],
                    1 => {
                        mutated.remove(at);
                    }
                    _ => mutated.insert(at, INTERESTING[(r / 3) as usize % INTERESTING.len()]),
                }
            }
            if let Ok(sdp) = SessionDescription::parse(&mutated) {
                let again = SessionDescription::parse_with(
                    &sdp.to_bytes(),
                    &Limits::default().with_max_bytes(1 << 20),
                )
                .unwrap_or_else(|e| panic!("{name}: {e}: {:?}", String::from_utf8_lossy(&mutated)));
                assert_eq!(again, sdp, "{name}");
            }
        }
    }
}
