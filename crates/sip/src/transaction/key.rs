//! Matching messages to transactions (RFC 3261 §17.1.3, §17.2.3), and the ACK a client
//! transaction sends for a non-2xx final response (§17.1.1.3).

use crate::header::{HeaderKind, BRANCH_MAGIC_COOKIE};
use crate::message::{ErrorKind, Message, MessageBuilder, ParseError};
use crate::method::Method;

/// What identifies a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TransactionKey {
    /// A transaction this side started: top Via branch and CSeq method (§17.1.3).
    Client {
        /// The branch of the top Via.
        branch: String,
        /// The CSeq method (a CANCEL has its own transaction).
        method: Method,
    },
    /// A transaction the other side started, with an RFC 3261 branch (§17.2.3).
    Server {
        /// The branch of the top Via.
        branch: String,
        /// The top Via's sent-by (`host:port`, host lower-cased).
        sent_by: String,
        /// The request method, with ACK counted as the INVITE it acknowledges.
        method: Method,
    },
    /// A transaction from an RFC 2543 element, whose branch is no transaction id: matched on
    /// the dialog and sequence fields instead.
    LegacyServer {
        /// Call-ID.
        call_id: String,
        /// From tag.
        from_tag: String,
        /// CSeq number.
        cseq: u32,
        /// The top Via as written.
        via: String,
        /// The request method, ACK counted as INVITE.
        method: Method,
    },
}

impl TransactionKey {
    /// The client transaction a received response belongs to.
    pub fn of_response(response: &Message) -> Result<Self, ParseError> {
        let headers = response.headers();
        let via = headers.top_via()?;
        Ok(Self::Client {
            branch: via.branch().unwrap_or_default().to_owned(),
            method: headers.cseq()?.method,
        })
    }

    /// The client transaction key of a request this side sends.
    pub fn of_sent_request(request: &Message) -> Result<Self, ParseError> {
        Self::of_response(request)
    }

    /// The server transaction a received request belongs to (an ACK finds its INVITE's).
    pub fn of_request(request: &Message) -> Result<Self, ParseError> {
        let headers = request.headers();
        let via = headers.top_via()?;
        let method = match request.method() {
            Some(Method::Ack) | None => Method::Invite,
            Some(m) => m.clone(),
        };
        match via.branch() {
            Some(branch) if branch.starts_with(BRANCH_MAGIC_COOKIE) => Ok(Self::Server {
                branch: branch.to_owned(),
                sent_by: sent_by(&via),
                method,
            }),
            _ => Ok(Self::LegacyServer {
                call_id: headers.call_id()?.to_owned(),
                from_tag: headers.from()?.tag().unwrap_or_default().to_owned(),
                cseq: headers.cseq()?.seq,
                via: via.to_string(),
                method,
            }),
        }
    }
}

fn sent_by(via: &crate::header::Via) -> String {
    let host = via.host().to_string().to_ascii_lowercase();
    match via.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

/// The ACK for a 300-699 response to `invite` (§17.1.1.3): the INVITE's Request-URI, Call-ID,
/// From, CSeq number and top Via; the response's To (with its tag); the INVITE's Route set.
pub fn ack_for_failure(invite: &Message, response: &Message) -> Result<Message, ParseError> {
    let (Some(uri), Some(_)) = (invite.request_uri(), invite.method()) else {
        return Err(ParseError::new(ErrorKind::BadRequestLine, 0));
    };
    let request = invite.headers();
    let mut ack = MessageBuilder::request(Method::Ack, uri);
    ack.header(HeaderKind::Via, request.top_via()?);
    for route in request.all(HeaderKind::Route) {
        ack.header(HeaderKind::Route, route.value()?);
    }
    ack.header(HeaderKind::MaxForwards, 70)
        .header(HeaderKind::From, request.from()?)
        .header(HeaderKind::To, response.headers().to()?)
        .header(HeaderKind::CallId, request.call_id()?)
        .header(HeaderKind::CSeq, format!("{} ACK", request.cseq()?.seq));
    ack.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &str = "INVITE sip:bob@example.com SIP/2.0\r\n\
        Via: SIP/2.0/UDP PC33.Example.com:5060;branch=z9hG4bK776asdhds\r\n\
        Route: <sip:p1.example.com;lr>\r\n\
        Max-Forwards: 70\r\n\
        To: Bob <sip:bob@example.com>\r\n\
        From: Alice <sip:alice@example.com>;tag=1928301774\r\n\
        Call-ID: a84b4c76e66710\r\n\
        CSeq: 314159 INVITE\r\n\
        Contact: <sip:alice@pc33.example.com>\r\n\
        Content-Length: 0\r\n\r\n";

    fn parse(text: &str) -> Message {
        Message::parse(text.as_bytes()).unwrap()
    }

    fn busy() -> Message {
        parse(
            "SIP/2.0 486 Busy Here\r\n\
             Via: SIP/2.0/UDP PC33.Example.com:5060;branch=z9hG4bK776asdhds\r\n\
             To: Bob <sip:bob@example.com>;tag=a6c85cf\r\n\
             From: Alice <sip:alice@example.com>;tag=1928301774\r\n\
             Call-ID: a84b4c76e66710\r\n\
             CSeq: 314159 INVITE\r\n\
             Content-Length: 0\r\n\r\n",
        )
    }

    #[test]
    fn a_response_finds_the_client_transaction_that_sent_the_request() {
        let invite = parse(INVITE);
        assert_eq!(
            TransactionKey::of_sent_request(&invite).unwrap(),
            TransactionKey::of_response(&busy()).unwrap()
        );
    }

    #[test]
    fn ack_and_retransmissions_find_the_invite_server_transaction() {
        let invite = parse(INVITE);
        let key = TransactionKey::of_request(&invite).unwrap();
        let ack = ack_for_failure(&invite, &busy()).unwrap();
        assert_eq!(TransactionKey::of_request(&ack).unwrap(), key);
        // Host case in sent-by does not matter; a CANCEL is a transaction of its own.
        let shouting = parse(&INVITE.replace("PC33.Example.com", "pc33.example.COM"));
        assert_eq!(TransactionKey::of_request(&shouting).unwrap(), key);
        let cancel = parse(
            &INVITE
                .replace("INVITE sip", "CANCEL sip")
                .replace("314159 INVITE", "314159 CANCEL"),
        );
        assert_ne!(TransactionKey::of_request(&cancel).unwrap(), key);
    }

    #[test]
    fn rfc_2543_requests_match_on_dialog_fields() {
        let old = parse(&INVITE.replace("branch=z9hG4bK776asdhds", "branch=776asdhds"));
        let key = TransactionKey::of_request(&old).unwrap();
        assert!(matches!(
            key,
            TransactionKey::LegacyServer { cseq: 314159, .. }
        ));
        let other_cseq = parse(
            &INVITE
                .replace("branch=z9hG4bK776asdhds", "branch=776asdhds")
                .replace("314159", "314160"),
        );
        assert_ne!(TransactionKey::of_request(&other_cseq).unwrap(), key);
    }

    #[test]
    fn the_ack_for_a_failure_copies_what_rfc_3261_says() {
        let ack = ack_for_failure(&parse(INVITE), &busy()).unwrap();
        let h = ack.headers();
        assert_eq!(ack.method(), Some(&Method::Ack));
        assert_eq!(
            ack.request_uri().unwrap().to_string(),
            "sip:bob@example.com"
        );
        assert_eq!(h.to().unwrap().tag(), Some("a6c85cf"));
        assert_eq!(h.from().unwrap().tag(), Some("1928301774"));
        assert_eq!(h.cseq().unwrap().seq, 314159);
        assert_eq!(h.cseq().unwrap().method, Method::Ack);
        assert_eq!(h.via().unwrap().len(), 1);
        assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bK776asdhds"));
        assert_eq!(h.route().unwrap().len(), 1);
        assert!(h.get(HeaderKind::Contact).is_none());
    }
}
