//! The PROTOS c07-sip cases 2427 and above mutate the SDP body of an INVITE. Every case's
//! body goes through the parser and, when it parses, through `answer` with plain and
//! secure settings: no panic; what parses serializes and parses back equal; memory stays
//! bounded by [`Limits`]. Case 0, the valid base message, must parse and be answered.
//!
//! The archive holds templates (`<length> <message><length> <teardown>`) with placeholders
//! such as `<From-IP>` that the PROTOS tool filled in at run time; [`instantiate`] does the
//! same here.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::collections::BTreeMap;
use std::io::Read;

use handset_sdp::{
    Codec, Limits, MediaConfig, NegotiationError, Negotiator, RtcpMode, SessionDescription,
    SrtpMode,
};

/// The first record (the INVITE) of a case file.
fn first_record(file: &[u8]) -> &[u8] {
    let space = file.iter().position(|b| *b == b' ').unwrap();
    let len: usize = std::str::from_utf8(&file[..space])
        .unwrap()
        .parse()
        .unwrap();
    &file[space + 1..space + 1 + len]
}

fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// Fills in the placeholders the way the PROTOS tool would for a caller at 192.0.2.1.
fn instantiate(template: &[u8]) -> Vec<u8> {
    let mut text = template.to_vec();
    for (from, to) in [
        (&b"<To>"[..], &b"bob@192.0.2.2"[..]),
        (b"<From>", b"alice@192.0.2.1"),
        (b"<From-Address>", b"192.0.2.1"),
        (b"<From-IP>", b"192.0.2.1"),
        (b"<Local-Port>", b"5060"),
        (b"<Branch-ID>", b"1"),
        (b"<Call-ID>", b"protos"),
        (b"<CSeq>", b"1"),
        (b"<Content-Length>", b"0"),
    ] {
        text = replace_all(&text, from, to);
    }
    text
}

/// The body after the blank line that ends the header section.
fn body(message: &[u8]) -> &[u8] {
    message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(&[][..], |i| &message[i + 4..])
}

fn configs() -> [MediaConfig; 2] {
    let local = "192.0.2.2".parse().unwrap();
    [
        MediaConfig::new(local, 5004),
        MediaConfig::new(local, 5004)
            .with_codecs(Codec::ALL.to_vec())
            .with_srtp_mode(SrtpMode::EnabledButNotForced)
            .with_rtcp_mode(RtcpMode::Mux)
            .with_red_with_fec(true),
    ]
}

#[derive(Default, Debug)]
struct Tally {
    parsed: usize,
    rejected: BTreeMap<String, usize>,
    answered: usize,
    refused: BTreeMap<String, usize>,
}

fn run(body: &[u8], tally: &mut Tally, name: &str) -> Option<bool> {
    let sdp = match SessionDescription::parse(body) {
        Ok(sdp) => sdp,
        Err(e) => {
            let kind = format!("{:?}", e.kind);
            let kind = kind.split(['(', ' ']).next().unwrap_or_default().to_owned();
            *tally.rejected.entry(kind).or_default() += 1;
            return None;
        }
    };
    tally.parsed += 1;
    let again =
        SessionDescription::parse_with(&sdp.to_bytes(), &Limits::default().with_max_bytes(1 << 20))
            .unwrap_or_else(|e| panic!("{name}: serialized form does not parse: {e}"));
    assert_eq!(again, sdp, "{name}: round trip changed the description");
    let mut any = false;
    for config in configs() {
        match Negotiator::new(config, 1).answer(&sdp, &mut |k: &mut [u8]| k.fill(3)) {
            Ok((answer, _)) => {
                any = true;
                tally.answered += 1;
                assert_eq!(answer.media.len(), sdp.media.len(), "{name}");
                let text = answer.to_bytes();
                SessionDescription::parse_with(&text, &Limits::default().with_max_bytes(1 << 20))
                    .unwrap_or_else(|e| panic!("{name}: our answer does not parse: {e}"));
            }
            Err(e) => {
                let kind = match e {
                    NegotiationError::AnswerMismatch(_) => "AnswerMismatch".into(),
                    other => format!("{other:?}"),
                };
                *tally.refused.entry(kind).or_default() += 1;
            }
        }
    }
    Some(any)
}

#[test]
fn protos_sdp_bodies() {
    let Some(dir) = common::sip_torture_dir() else {
        return;
    };
    let archive = std::fs::File::open(dir.join("protos-c07-sip-cases.tar.gz")).unwrap();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let (mut sdp_cases, mut other_cases) = (Tally::default(), Tally::default());
    let mut count = 0;
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let Some(number) = path
            .strip_prefix("cases/")
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let mut file = Vec::new();
        entry.read_to_end(&mut file).unwrap();
        let message = instantiate(first_record(&file));
        let tally = if number >= 2427 {
            &mut sdp_cases
        } else {
            &mut other_cases
        };
        let answered = run(body(&message), tally, &path);
        if number == 0 {
            assert_eq!(answered, Some(true), "case 0 is a valid offer we answer");
        }
        count += 1;
    }
    println!("PROTOS c07-sip bodies: {count} cases");
    println!("  SDP mutations (2427-4526): {sdp_cases:?}");
    println!("  other cases (unchanged bodies): {other_cases:?}");
    assert_eq!(count, 4527);
    assert!(sdp_cases.parsed > 0 && !sdp_cases.rejected.is_empty());
}
