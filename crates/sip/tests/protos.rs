//! The 4,527 PROTOS c07-sip INVITE cases (and their teardown requests) go through the parser
//! without a panic: each parses or fails with an error; what parses validates or not,
//! serializes, and parses back to an equal message; what is rejected gets a response built or
//! not. Memory stays bounded by [`Limits`] (cases up to 140 KB exceed the 64 KiB default).
//!
//! The archive holds templates: each case file is `<length> <message><length> <teardown>`,
//! with placeholders such as `<To>` and `<Content-Length>` that the PROTOS tool filled in at
//! run time; [`instantiate`] does the same here.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
// Reading the clock here only reports how long the run took; the library never does.
#![allow(clippy::disallowed_methods)]

mod common;

use std::io::Read;
use std::time::Instant;

use handset_sip::message::{error_response, ErrorKind, Limits, Message};

/// Splits a case file into its length-prefixed records.
fn records(file: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < file.len() {
        let space = pos + file[pos..].iter().position(|b| *b == b' ').unwrap();
        let len: usize = std::str::from_utf8(&file[pos..space])
            .unwrap()
            .parse()
            .unwrap();
        out.push(&file[space + 1..space + 1 + len]);
        pos = space + 1 + len;
    }
    out
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

/// Fills in the placeholders the way the PROTOS tool would for a phone at 192.0.2.2.
fn instantiate(template: &[u8], case: usize) -> Vec<u8> {
    let case_text = case.to_string();
    let call_id = format!("protos-{case}");
    let mut text = template.to_vec();
    for (from, to) in [
        (&b"<To>"[..], &b"bob@192.0.2.2"[..]),
        (b"<From>", b"alice@192.0.2.1"),
        (b"<From-Address>", b"192.0.2.1"),
        (b"<From-IP>", b"192.0.2.1"),
        (b"<Local-Port>", b"5060"),
        (b"<Branch-ID>", case_text.as_bytes()),
        (b"<Call-ID>", call_id.as_bytes()),
        (b"<CSeq>", b"1"),
        (b"<Teardown-Method>", b"CANCEL"),
    ] {
        text = replace_all(&text, from, to);
    }
    let body_len = text
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(0, |i| text.len() - i - 4);
    replace_all(&text, b"<Content-Length>", body_len.to_string().as_bytes())
}

#[derive(Default, Debug)]
struct Tally {
    valid: usize,
    parsed_but_invalid: usize,
    rejected: usize,
    too_large: usize,
    responses_built: usize,
}

fn run(message: &[u8], tally: &mut Tally, name: &str) {
    let limits = Limits::default();
    match Message::parse_datagram(message, &limits) {
        Ok(m) => {
            let check = m.validate();
            let again = Message::parse_datagram(
                &m.to_bytes(),
                &Limits::default()
                    .with_max_message(1 << 20)
                    .with_max_headers(1024),
            )
            .unwrap_or_else(|e| panic!("{name}: serialized form does not parse: {e}"));
            assert_eq!(again, m, "{name}: round trip changed the message");
            let what = |r: &Result<(), handset_sip::ParseError>| {
                r.as_ref().err().map(|e| (e.kind.clone(), e.header))
            };
            assert_eq!(
                what(&again.validate()),
                what(&check),
                "{name}: round trip changed validity"
            );
            match check {
                Ok(()) => tally.valid += 1,
                Err(e) => {
                    tally.parsed_but_invalid += 1;
                    if let Some(b) = error_response(message, &e) {
                        b.build()
                            .unwrap_or_else(|e| panic!("{name}: response does not build: {e}"));
                        tally.responses_built += 1;
                    }
                }
            }
        }
        Err(e) => {
            tally.rejected += 1;
            if matches!(e.kind, ErrorKind::MessageTooLarge(_)) {
                tally.too_large += 1;
            }
            if let Some(b) = error_response(message, &e) {
                b.build()
                    .unwrap_or_else(|e| panic!("{name}: response does not build: {e}"));
                tally.responses_built += 1;
            }
        }
    }
    // Stream framing of the same bytes must not panic either.
    let _ = Message::parse_stream(message, &limits);
}

/// The test group of a case number (from the suite's documentation).
fn group(case: usize) -> &'static str {
    const GROUPS: [(usize, &str); 31] = [
        (0, "0 valid"),
        (1, "0001 sip-method"),
        (194, "0194 request-uri"),
        (255, "0255 version"),
        (330, "0330 via-host"),
        (436, "0436 via-hostcolon"),
        (452, "0452 via-hostport"),
        (498, "0498 via-version"),
        (573, "0573 via-tag"),
        (630, "0630 from-displayname"),
        (823, "0823 from-tag"),
        (880, "0880 from-colon"),
        (896, "0896 from-uri"),
        (957, "0957 contact-displayname"),
        (1150, "1150 contact-uri"),
        (1211, "1211 contact-left-paren"),
        (1227, "1227 contact-right-paren"),
        (1243, "1243 to"),
        (1436, "1436 to-left-paren"),
        (1452, "1452 to-right-paren"),
        (1468, "1468 call-id-value"),
        (1661, "1661 call-id-at"),
        (1677, "1677 call-id-ip"),
        (1783, "1783 expires"),
        (1829, "1829 max-forwards"),
        (1875, "1875 cseq-integer"),
        (1921, "1921 cseq-string"),
        (2114, "2114 content-type"),
        (2361, "2361 content-length"),
        (2407, "2407 request-crlf"),
        (2417, "2417 crlf-request"),
    ];
    if case >= 2427 {
        return "2427 sdp (body only)";
    }
    GROUPS
        .iter()
        .rev()
        .find(|(first, _)| case >= *first)
        .map_or("?", |(_, name)| name)
}

#[test]
fn protos_c07_sip_cases() {
    let Some(dir) = common::sip_torture_dir() else {
        return;
    };
    let started = Instant::now();
    let archive = std::fs::File::open(dir.join("protos-c07-sip-cases.tar.gz")).unwrap();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let (mut cases, mut invites, mut teardowns) = (0, Tally::default(), Tally::default());
    let mut groups: std::collections::BTreeMap<&str, Tally> = Default::default();
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
        let parts = records(&file);
        assert_eq!(parts.len(), 2, "{path}: expected a message and a teardown");
        let invite = instantiate(parts[0], number);
        if number == 0 {
            let m = Message::parse(&invite).expect("case 0 is the valid base message");
            m.validate().expect("case 0 validates");
        }
        let mut one = Tally::default();
        run(&invite, &mut one, &path);
        for total in [&mut invites, groups.entry(group(number)).or_default()] {
            total.valid += one.valid;
            total.parsed_but_invalid += one.parsed_but_invalid;
            total.rejected += one.rejected;
            total.too_large += one.too_large;
            total.responses_built += one.responses_built;
        }
        run(&instantiate(parts[1], number), &mut teardowns, &path);
        cases += 1;
    }
    println!("PROTOS c07-sip: {cases} cases in {:.1?}", started.elapsed());
    println!("  INVITEs:   {invites:?}");
    println!("  teardowns: {teardowns:?}");
    assert_eq!(cases, 4527);
    for (group, tally) in &groups {
        println!("  {group:<22} {tally:?}");
    }
}

/// Every case, INVITE and teardown, arrives at an account as from the network: the account
/// answers what it can (400s, 401s when challenging) and passes the rest up, where a busy
/// phone answers 486; nothing panics, every response leaves, and the server transactions all
/// end on their timers.
#[test]
fn protos_cases_through_an_account() {
    use handset_sip::account::{Account, AccountConfig, AccountEvent, Need};
    use handset_sip::locate::{ServerName, Target, TransportKind};
    use handset_sip::message::response_to;
    use handset_sip::StatusCode;
    use std::time::Duration;

    let Some(dir) = common::sip_torture_dir() else {
        return;
    };
    let mut config = AccountConfig::new("bob", vec![ServerName::parse("192.0.2.1").unwrap()]);
    config.challenge_invite_realm = Some("phone".into());
    let start = Instant::now();
    let mut account = Account::new(config, 1, start);
    account.start(start);
    while let Some(need) = account.poll_need() {
        if let Need::LocalAddress(_) = need {
            account.handle_local_address(start, "192.0.2.2:5060".parse().unwrap());
        }
    }
    let peer = Target {
        addr: "192.0.2.1:5060".parse().unwrap(),
        transport: TransportKind::Udp,
    };
    let archive = std::fs::File::open(dir.join("protos-c07-sip-cases.tar.gz")).unwrap();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let (mut sent, mut passed_up, mut most_open) = (0usize, 0usize, 0usize);
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
        for part in records(&file) {
            account.handle_message(start, &instantiate(part, number), peer);
            while let Some(event) = account.poll_event() {
                if let AccountEvent::Request { id, request, .. } = event {
                    passed_up += 1;
                    if let Ok(mut busy) = response_to(&request, StatusCode::BUSY_HERE, None) {
                        busy.with_to_tag("busy");
                        let _ = account.respond(start, &id, busy);
                    }
                }
            }
            while account.poll_transmit().is_some() {
                sent += 1;
            }
            most_open = most_open.max(account.open_requests());
        }
    }
    println!(
        "PROTOS through an account: {sent} sent, {passed_up} passed up, at most {most_open} open"
    );
    assert!(sent > 4527, "the cases are answered");
    let mut now = start;
    while let Some(at) = account.poll_timeout() {
        if at > start + Duration::from_secs(600) {
            break;
        }
        now = at;
        account.handle_timeout(now);
        while account.poll_transmit().is_some() {}
        while account.poll_event().is_some() {}
    }
    assert_eq!(
        account.open_requests(),
        0,
        "every transaction ended by {now:?}"
    );
}
