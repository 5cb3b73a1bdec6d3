//! Body parsers on documents written for these tests after the RFC 3842, RFC 3680 and
//! RFC 3420 examples, and on broken input.

use super::*;
use crate::status::StatusCode;

const SUMMARY: &str = "Messages-Waiting: yes\r\n\
    Message-Account: sip:alice@vmail.example.com\r\n\
    Voice-Message: 4/8 (1/2)\r\n\
    Fax-Message: 0/1\r\n\
    \r\n\
    Message-ID: <1234@example.com>\r\n\
    Subject: not part of the counts\r\n";

#[test]
fn message_summary_is_read() {
    let s = MessageSummary::parse(SUMMARY.as_bytes()).unwrap();
    assert!(s.messages_waiting);
    assert_eq!(
        s.account.as_ref().map(ToString::to_string).as_deref(),
        Some("sip:alice@vmail.example.com")
    );
    assert_eq!(
        s.get(MessageClass::Voice),
        Some(MessageCounts {
            new: 4,
            old: 8,
            urgent: Some((1, 2))
        })
    );
    assert_eq!(
        s.get(MessageClass::Fax),
        Some(MessageCounts {
            new: 0,
            old: 1,
            urgent: None
        })
    );
    assert_eq!(s.get(MessageClass::Text), None);
}

#[test]
fn message_summary_tolerates_case_and_spacing_but_not_bad_numbers() {
    let s = MessageSummary::parse(
        b"messages-waiting:   NO  \nVOICE-MESSAGE:  0 / 3 ( 0 / 1 ) \nx-vendor: 7\n",
    )
    .unwrap();
    assert!(!s.messages_waiting);
    assert_eq!(
        s.get(MessageClass::Voice),
        Some(MessageCounts {
            new: 0,
            old: 3,
            urgent: Some((0, 1))
        })
    );
    for bad in [
        "Messages-Waiting: maybe\r\n",
        "Voice-Message: 1/2\r\n",
        "Messages-Waiting: yes\r\nVoice-Message: -1/2\r\n",
        "Messages-Waiting: yes\r\nVoice-Message: 1/4294967296\r\n",
        "Messages-Waiting: yes\r\nVoice-Message: 1/2 (3/4\r\n",
        "Messages-Waiting: yes\r\nVoice-Message: 12\r\n",
        "Messages-Waiting: yes\r\nVoice-Message: +1/2\r\n",
        "Messages-Waiting: yes\r\nno colon here\r\n",
        "Messages-Waiting: yes\r\nMessage-Account: not a uri\r\n",
        "",
    ] {
        assert!(MessageSummary::parse(bad.as_bytes()).is_err(), "{bad:?}");
    }
    assert_eq!(
        MessageSummary::parse(&[0xff, 0xfe]),
        Err(BodyError::NotUtf8)
    );
}

#[test]
fn message_summary_round_trips() {
    let s = MessageSummary::parse(SUMMARY.as_bytes()).unwrap();
    let written = s.to_string();
    assert_eq!(
        written,
        "Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\n\
         Voice-Message: 4/8 (1/2)\r\nFax-Message: 0/1\r\n"
    );
    assert_eq!(MessageSummary::parse(written.as_bytes()).unwrap(), s);
}

const REGINFO: &str = r#"<?xml version="1.0"?>
<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="3" state="full">
  <registration aor="sip:alice@example.com" id="a7" state="active">
    <contact id="76" state="active" event="registered" expires="3532"
             duration-registered="68">
      <uri>sip:alice@pc887.example.com</uri>
      <display-name>Alice &amp; phone</display-name>
    </contact>
    <contact id="77" state="terminated" event="expired">
      <uri> sip:alice@192.0.2.9;transport=tcp </uri>
    </contact>
  </registration>
  <registration aor="sip:alice@example.org" id="a8" state="init"/>
</reginfo>
"#;

#[test]
fn reginfo_is_read() {
    let info = RegInfo::parse(REGINFO.as_bytes()).unwrap();
    assert_eq!((info.version, info.state), (3, DocumentState::Full));
    assert_eq!(info.registrations.len(), 2);
    let first = &info.registrations[0];
    assert_eq!(
        (first.aor.as_str(), first.id.as_str(), first.state),
        ("sip:alice@example.com", "a7", RegistrationStatus::Active)
    );
    assert_eq!(
        first.contacts,
        vec![
            ContactInfo {
                id: "76".into(),
                state: ContactState::Active,
                event: ContactEvent::Registered,
                expires: Some(3532),
                uri: "sip:alice@pc887.example.com".into(),
            },
            ContactInfo {
                id: "77".into(),
                state: ContactState::Terminated,
                event: ContactEvent::Expired,
                expires: None,
                uri: "sip:alice@192.0.2.9;transport=tcp".into(),
            },
        ]
    );
    assert_eq!(info.registrations[1].state, RegistrationStatus::Init);
    assert!(info.registrations[1].contacts.is_empty());
}

#[test]
fn reginfo_with_a_prefix_and_partial_state() {
    let doc = r#"<r:reginfo xmlns:r="urn:ietf:params:xml:ns:reginfo" version="4" state="partial">
        <r:registration aor="sip:bob@example.com" id="b1" state="terminated">
          <r:contact id="1" state="terminated" event="rejected"><r:uri>sip:bob@h</r:uri></r:contact>
        </r:registration></r:reginfo>"#;
    let info = RegInfo::parse(doc.as_bytes()).unwrap();
    assert_eq!(info.state, DocumentState::Partial);
    assert_eq!(
        info.registrations[0].contacts[0].event,
        ContactEvent::Rejected
    );
}

#[test]
fn bad_reginfo_is_an_error() {
    for bad in [
        "",
        "<reginfo version=\"1\" state=\"full\">",
        "<reginfo version=\"1\" state=\"full\"></registration>",
        "<reginfo state=\"full\"/>",
        "<reginfo version=\"x\" state=\"full\"/>",
        "<reginfo version=\"1\" state=\"whole\"/>",
        "<other/>",
        "<reginfo version=\"1\" state=\"full\"/><reginfo version=\"2\" state=\"full\"/>",
        "<reginfo version=\"1\" state=\"full\"><registration aor=\"a\" id=\"1\" state=\"active\">\
         <contact id=\"1\" state=\"active\" event=\"created\"/></registration></reginfo>",
        "<reginfo version=\"1\" state=\"full\"><registration aor=\"a\" id=\"1\" state=\"active\">\
         <contact id=\"1\" state=\"active\" event=\"created\" expires=\"-5\"><uri>sip:a</uri>\
         </contact></registration></reginfo>",
        "<reginfo version=\"1\" state=\"full\" a=\"&bogus;\"/>",
    ] {
        assert!(RegInfo::parse(bad.as_bytes()).is_err(), "{bad:?}");
    }
}

#[test]
fn reginfo_refuses_too_many_elements() {
    let mut doc = String::from("<reginfo version=\"1\" state=\"full\">");
    for i in 0..MAX_REGINFO_ELEMENTS {
        doc.push_str(&format!(
            "<registration aor=\"sip:{i}@x\" id=\"{i}\" state=\"init\"/>"
        ));
    }
    doc.push_str("</reginfo>");
    assert_eq!(
        RegInfo::parse(doc.as_bytes()),
        Err(BodyError::TooManyElements(MAX_REGINFO_ELEMENTS))
    );
}

#[test]
fn sipfrag_status_lines() {
    let frag = SipFrag::parse(b"SIP/2.0 180 Ringing\r\n").unwrap();
    assert_eq!(frag.status, StatusCode::RINGING);
    assert_eq!(frag.reason, "Ringing");
    let frag = SipFrag::parse(b"SIP/2.0 603 Decline\r\nContent-Length: 0\r\n\r\n").unwrap();
    assert_eq!(frag.status.as_u16(), 603);
    assert_eq!(SipFrag::parse(b"SIP/2.0 200").unwrap().reason, "");
    assert_eq!(
        SipFrag::new(StatusCode::OK).to_string(),
        "SIP/2.0 200 OK\r\n"
    );
    let built = SipFrag::new(StatusCode::TRYING).to_string();
    assert_eq!(
        SipFrag::parse(built.as_bytes()).unwrap().status,
        StatusCode::TRYING
    );
    for bad in [
        "INVITE sip:a@b SIP/2.0\r\n",
        "SIP/2.0 99 Low\r\n",
        "SIP/2.0 700 High\r\n",
        "SIP/2.0 2000 Long\r\n",
        "SIP/1.0 200 OK\r\n",
        "",
    ] {
        assert!(SipFrag::parse(bad.as_bytes()).is_err(), "{bad:?}");
    }
}

/// Every prefix of each valid body, and each with one byte changed, parses or fails without
/// a panic; the whole bodies still parse.
#[test]
fn truncated_and_damaged_bodies_never_panic() {
    let bodies: [&[u8]; 3] = [
        SUMMARY.as_bytes(),
        REGINFO.as_bytes(),
        b"SIP/2.0 180 Ringing\r\n",
    ];
    for body in bodies {
        for end in 0..=body.len() {
            let cut = &body[..end];
            let _ = MessageSummary::parse(cut);
            let _ = RegInfo::parse(cut);
            let _ = SipFrag::parse(cut);
        }
        let mut damaged = body.to_vec();
        for at in 0..damaged.len() {
            let kept = damaged[at];
            for replacement in [0u8, b'<', b'/', b'(', b':', 0xff] {
                damaged[at] = replacement;
                let _ = MessageSummary::parse(&damaged);
                let _ = RegInfo::parse(&damaged);
                let _ = SipFrag::parse(&damaged);
            }
            damaged[at] = kept;
        }
    }
    assert!(MessageSummary::parse(SUMMARY.as_bytes()).is_ok());
    assert!(RegInfo::parse(REGINFO.as_bytes()).is_ok());
}
