//! Every RFC 4475 torture message is classified as `tests/data/rfc4475.tsv` says: accepted
//! ones parse, validate, show the listed facts and survive a serialize/parse round trip;
//! rejected ones fail with the listed error and get (or do not get) the listed response.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use handset_sip::header::{Contacts, HeaderKind, NameAddr};
use handset_sip::message::{error_response, Message, ParseError};
use handset_sip::uri::Uri;

struct Case {
    file: String,
    rfc: String,
    expect: String,
    error: String,
    response: String,
    facts: String,
    reason: String,
}

fn cases() -> Vec<Case> {
    let table = include_str!("data/rfc4475.tsv");
    table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("file\t") && !l.is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 8, "bad row: {line}");
            Case {
                file: cols[0].into(),
                rfc: cols[2].into(),
                expect: cols[3].into(),
                error: cols[4].into(),
                response: cols[5].into(),
                facts: cols[6].into(),
                reason: cols[7].into(),
            }
        })
        .collect()
}

fn parse_and_validate(bytes: &[u8]) -> Result<Message, ParseError> {
    let message = Message::parse(bytes)?;
    message.validate()?;
    Ok(message)
}

fn kind_name(error: &ParseError) -> String {
    let debug = format!("{:?}", error.kind);
    debug
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn first_contact(m: &Message) -> NameAddr {
    match m.headers().contacts().unwrap() {
        Contacts::Addresses(list) => list.into_iter().next().unwrap(),
        Contacts::Wildcard => panic!("wildcard"),
    }
}

fn fact(m: &Message, key: &str) -> String {
    let h = m.headers();
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    match key {
        "method" => m.method().unwrap().to_string(),
        "status" => m.status().unwrap().to_string(),
        "reason" => m.reason().unwrap().to_owned(),
        "call_id" => h.call_id().unwrap().to_owned(),
        "via" => h.via().unwrap().len().to_string(),
        "via_transports" => h
            .via()
            .unwrap()
            .iter()
            .map(|v| v.transport().to_string())
            .collect::<Vec<_>>()
            .join(","),
        "branch" => h.top_via().unwrap().branch().unwrap_or("none").to_owned(),
        "rfc3261_branch" => yes_no(h.top_via().unwrap().has_rfc3261_branch()),
        "cseq" => h.cseq().unwrap().seq.to_string(),
        "max_forwards" => h
            .max_forwards()
            .unwrap()
            .map_or("none".into(), |n| n.to_string()),
        "from_tag" => h.from().unwrap().tag().unwrap().to_owned(),
        "to_tag" => h.to().unwrap().tag().unwrap().to_owned(),
        "from_display" => h.from().unwrap().display_name().unwrap().to_owned(),
        "to_display" => h.to().unwrap().display_name().unwrap().to_owned(),
        "contacts" => match h.contacts().unwrap() {
            Contacts::Addresses(list) => list.len().to_string(),
            Contacts::Wildcard => "*".into(),
        },
        "body" => m.body().len().to_string(),
        "other" => h
            .iter()
            .filter(|f| f.kind() == HeaderKind::Other)
            .map(|f| f.name().to_owned())
            .collect::<Vec<_>>()
            .join(","),
        "ruri_user" => m
            .request_uri()
            .unwrap()
            .as_sip()
            .unwrap()
            .user_decoded()
            .unwrap(),
        "ruri_params" => m
            .request_uri()
            .unwrap()
            .as_sip()
            .unwrap()
            .params()
            .len()
            .to_string(),
        "ruri_scheme" => m.request_uri().unwrap().scheme().to_owned(),
        "to_scheme" => h.to().unwrap().uri().scheme().to_owned(),
        "from_scheme" => h.from().unwrap().uri().scheme().to_owned(),
        "contact_scheme" => first_contact(m).uri().scheme().to_owned(),
        "to_user" => h
            .to()
            .unwrap()
            .uri()
            .as_sip()
            .unwrap()
            .user()
            .unwrap()
            .to_owned(),
        "to_uri_equals" => {
            let expected: Uri = "sip:user@example.com".parse().unwrap();
            if h.to().unwrap().uri().equivalent(&expected) {
                "sip:user@example.com".into()
            } else {
                h.to().unwrap().uri().to_string()
            }
        }
        "contact_lr" => yes_no(first_contact(m).uri().as_sip().unwrap().is_loose_route()),
        "contact_param" => first_contact(m)
            .params()
            .iter()
            .map(|p| p.name().to_owned())
            .collect::<Vec<_>>()
            .join(","),
        "contact_uri_params" => first_contact(m)
            .uri()
            .as_sip()
            .unwrap()
            .params()
            .len()
            .to_string(),
        "contact_uri_param" => first_contact(m)
            .uri()
            .as_sip()
            .unwrap()
            .params()
            .iter()
            .map(|p| p.name().to_owned())
            .collect::<Vec<_>>()
            .join(","),
        "contact_uri_headers" => first_contact(m)
            .uri()
            .as_sip()
            .unwrap()
            .headers()
            .len()
            .to_string(),
        "content_type" => {
            let t = h.content_type().unwrap().unwrap();
            format!("{}/{}", t.main_type(), t.subtype())
        }
        "accept" => {
            let list = h.accept().unwrap();
            if list.len() == 1 {
                format!("{}/{}", list[0].main_type(), list[0].subtype())
            } else {
                list.len().to_string()
            }
        }
        "require" => h.require().unwrap().join(","),
        "proxy_require" => h.proxy_require().unwrap().len().to_string(),
        "date" => if h.date().is_ok() { "ok" } else { "error" }.into(),
        other => panic!("unknown fact {other}"),
    }
}

#[test]
fn rfc4475_torture_messages() {
    let Some(dir) = common::sip_torture_dir() else {
        return;
    };
    let cases = cases();
    let mut failures = Vec::new();
    let mut listed = std::collections::BTreeSet::new();
    let (mut accepted, mut rejected, mut deliberate) = (0, 0, 0);
    for case in &cases {
        listed.insert(case.file.clone());
        assert!(!case.reason.is_empty(), "{}: no reason", case.file);
        let differs = (case.rfc == "valid") != (case.expect == "accept");
        if differs {
            deliberate += 1;
            assert!(
                case.reason.starts_with("deliberate:"),
                "{}: differs from the RFC without saying so",
                case.file
            );
        }
        let bytes = std::fs::read(dir.join("rfc4475").join(&case.file)).unwrap();
        let outcome = parse_and_validate(&bytes);
        match (case.expect.as_str(), outcome) {
            ("accept", Ok(m)) => {
                accepted += 1;
                for item in case.facts.split(" && ") {
                    let (key, want) = item.split_once('=').unwrap();
                    let got = fact(&m, key);
                    if got != want {
                        failures.push(format!(
                            "{}: {key} is {got:?}, expected {want:?}",
                            case.file
                        ));
                    }
                }
                let again = parse_and_validate(&m.to_bytes());
                match again {
                    Ok(again) if again == m => {
                        assert_eq!(
                            again.to_bytes(),
                            m.to_bytes(),
                            "{}: canonical form is stable",
                            case.file
                        );
                    }
                    Ok(_) => {
                        failures.push(format!("{}: round trip changed the message", case.file))
                    }
                    Err(e) => failures.push(format!("{}: round trip failed: {e}", case.file)),
                }
            }
            ("reject", Err(error)) => {
                rejected += 1;
                let (kind, header) = case.error.split_once(':').unwrap_or((&case.error, "-"));
                let got_header = error.header.map_or("-".to_owned(), |h| h.name().to_owned());
                if kind_name(&error) != kind || got_header != header {
                    failures.push(format!(
                        "{}: error {error:?}, expected {}",
                        case.file, case.error
                    ));
                }
                let response = error_response(&bytes, &error).map(|b| b.build().unwrap());
                let got = response
                    .as_ref()
                    .map_or("none".to_owned(), |r| r.status().unwrap().to_string());
                if got != case.response {
                    failures.push(format!(
                        "{}: response {got}, expected {}",
                        case.file, case.response
                    ));
                }
                if let Some(r) = response {
                    assert!(
                        r.reason().unwrap().len() > 3,
                        "{}: reason names the problem",
                        case.file
                    );
                    r.validate().unwrap();
                }
            }
            (expect, Ok(_)) => failures.push(format!("{}: accepted, expected {expect}", case.file)),
            (expect, Err(e)) => {
                failures.push(format!("{}: rejected ({e}), expected {expect}", case.file))
            }
        }
    }
    for entry in std::fs::read_dir(dir.join("rfc4475")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".dat") && !listed.contains(&name) {
            failures.push(format!("{name}: not in rfc4475.tsv"));
        }
    }
    println!(
        "RFC 4475: {} cases, {accepted} accepted, {rejected} rejected, {deliberate} deliberately unlike the RFC",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
