//! Sequence numbers and identifiers: CSeq (RFC 3261 §20.16), RSeq and RAck (RFC 3262),
//! Call-ID (§20.8), and the plain numbers (Max-Forwards, Expires, Min-Expires,
//! Content-Length).

use std::fmt;

use crate::message::ParseError;
use crate::method::Method;
use crate::syntax::{is_word_byte, parse_decimal, trim_lws, Cursor};

/// The largest CSeq number (RFC 3261 §8.1.1.5: less than 2^31).
pub const MAX_CSEQ: u32 = (1 << 31) - 1;

/// CSeq: a sequence number and the request method.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CSeq {
    /// The sequence number, at most [`MAX_CSEQ`].
    pub seq: u32,
    /// The method.
    pub method: Method,
}

impl CSeq {
    /// Parses `number LWS method`.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut c = Cursor::new(text);
        c.skip_lws();
        let seq = c
            .number(u64::from(MAX_CSEQ), "CSeq number not 0 to 2^31-1")
            .map_err(|d| ParseError::value(d, 0))? as u32;
        if !c.skip_lws() {
            return Err(ParseError::value(
                "expected white space after CSeq number",
                c.pos(),
            ));
        }
        let at = c.pos();
        let method = c
            .expect_token("missing CSeq method")
            .map_err(|d| ParseError::value(d, at))?;
        c.skip_lws();
        if !c.at_end() {
            return Err(ParseError::value("junk after CSeq method", c.pos()));
        }
        Ok(Self {
            seq,
            method: Method::parse(method).map_err(|e| e.shifted(at))?,
        })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// RAck: the RSeq being acknowledged, and the CSeq of the response's request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RAck {
    /// The RSeq of the reliable provisional response.
    pub rseq: u32,
    /// The CSeq number of the request it answered.
    pub cseq: u32,
    /// The method of that request.
    pub method: Method,
}

impl RAck {
    /// Parses `response-num LWS CSeq-num LWS Method`.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let text = trim_lws(text);
        let (rseq, rest) = text
            .split_once([' ', '\t'])
            .ok_or(ParseError::value("RAck needs three parts", 0))?;
        let rseq = parse_rseq(rseq)?;
        let cseq = CSeq::parse(rest).map_err(|e| e.shifted(text.len() - rest.len()))?;
        Ok(Self {
            rseq,
            cseq: cseq.seq,
            method: cseq.method,
        })
    }
}

impl fmt::Display for RAck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.rseq, self.cseq, self.method)
    }
}

/// Parses an RSeq value: 1 to 2^32-1.
pub fn parse_rseq(text: &str) -> Result<u32, ParseError> {
    parse_decimal(trim_lws(text), u64::from(u32::MAX))
        .filter(|n| *n >= 1)
        .map(|n| n as u32)
        .ok_or(ParseError::value("RSeq not 1 to 2^32-1", 0))
}

/// Parses delta-seconds (Expires, Min-Expires): 0 to 2^32-1.
pub fn parse_delta_seconds(text: &str) -> Result<u32, ParseError> {
    parse_decimal(trim_lws(text), u64::from(u32::MAX))
        .map(|n| n as u32)
        .ok_or(ParseError::value("not a number of seconds 0 to 2^32-1", 0))
}

/// Parses Max-Forwards: 0 to 255.
pub fn parse_max_forwards(text: &str) -> Result<u8, ParseError> {
    parse_decimal(trim_lws(text), 255)
        .map(|n| n as u8)
        .ok_or(ParseError::value("Max-Forwards not 0 to 255", 0))
}

/// Checks a Call-ID (`word [ "@" word ]`) and returns it trimmed.
pub fn parse_call_id(text: &str) -> Result<&str, ParseError> {
    let id = trim_lws(text);
    let mut parts = id.split('@');
    let valid = parts
        .next()
        .is_some_and(|w| !w.is_empty() && w.bytes().all(is_word_byte))
        && parts
            .next()
            .is_none_or(|w| !w.is_empty() && w.bytes().all(is_word_byte))
        && parts.next().is_none();
    if valid {
        Ok(id)
    } else {
        Err(ParseError::value("invalid Call-ID", 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cseq() {
        let c = CSeq::parse("0009\r\n  INVITE").unwrap();
        assert_eq!((c.seq, &c.method), (9, &Method::Invite));
        assert_eq!(c.to_string(), "9 INVITE");
        assert_eq!(CSeq::parse("2147483647 BYE").unwrap().seq, MAX_CSEQ);
        for bad in [
            "2147483648 BYE",
            "36893488147419103232 REGISTER",
            "1",
            "1INVITE",
            "x INVITE",
            "1 INVITE x",
            "-1 ACK",
        ] {
            assert!(CSeq::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rack_rseq_and_numbers() {
        let r = RAck::parse("776656 1 INVITE").unwrap();
        assert_eq!(
            (r.rseq, r.cseq, r.method.clone()),
            (776656, 1, Method::Invite)
        );
        assert_eq!(r.to_string(), "776656 1 INVITE");
        assert!(RAck::parse("1 INVITE").is_err());
        assert!(parse_rseq("0").is_err());
        assert_eq!(parse_rseq(" 4294967295 ").unwrap(), u32::MAX);
        assert_eq!(parse_max_forwards("0068").unwrap(), 68);
        assert!(parse_max_forwards("300").is_err());
        assert!(parse_delta_seconds("10000000000000000000000").is_err());
        assert_eq!(parse_delta_seconds("3600").unwrap(), 3600);
    }

    #[test]
    fn call_ids() {
        assert!(parse_call_id("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{").is_ok());
        assert_eq!(parse_call_id(" a@b ").unwrap(), "a@b");
        for bad in ["", "a b", "a@b@c", "@b", "a@"] {
            assert!(parse_call_id(bad).is_err(), "{bad}");
        }
    }
}
