//! `a=` lines: typed values for the attributes a phone acts on, the rest kept verbatim.

use std::fmt;

use crate::crypto::Crypto;
use crate::error::ParseError;
use crate::model::{AddrType, Connection};

/// One `a=` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribute {
    /// `a=rtpmap`.
    RtpMap(RtpMap),
    /// `a=fmtp`.
    Fmtp(Fmtp),
    /// `a=ptime`: packet duration the receiver wants, in milliseconds.
    Ptime(u32),
    /// `a=maxptime`: longest packet duration the receiver takes, in milliseconds.
    MaxPtime(u32),
    /// `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive`.
    Direction(Direction),
    /// `a=rtcp` (RFC 3605).
    Rtcp(Rtcp),
    /// `a=rtcp-mux` (RFC 5761).
    RtcpMux,
    /// `a=crypto` (RFC 4568).
    Crypto(Crypto),
    /// Any other attribute, verbatim.
    Other {
        /// The attribute name.
        name: String,
        /// The value after the colon, if any.
        value: Option<String>,
    },
}

/// `a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    /// The payload type it describes.
    pub payload_type: u8,
    /// The encoding name as written (compare without regard to case).
    pub encoding: String,
    /// The RTP clock rate in Hz.
    pub clock_rate: u32,
    /// The channel count, when written.
    pub channels: Option<u16>,
}

/// `a=fmtp:<pt> <parameters>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fmtp {
    /// The payload type it applies to.
    pub payload_type: u8,
    /// The format parameters, verbatim.
    pub params: String,
}

/// Which way media flows, from the point of view of the description's author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Both ways (the default when no direction attribute is present).
    #[default]
    SendRecv,
    /// The author sends only.
    SendOnly,
    /// The author receives only.
    RecvOnly,
    /// Neither way.
    Inactive,
}

impl Direction {
    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SendRecv => "sendrecv",
            Self::SendOnly => "sendonly",
            Self::RecvOnly => "recvonly",
            Self::Inactive => "inactive",
        }
    }

    /// The direction with the given sending and receiving halves.
    pub fn from_parts(send: bool, recv: bool) -> Self {
        match (send, recv) {
            (true, true) => Self::SendRecv,
            (true, false) => Self::SendOnly,
            (false, true) => Self::RecvOnly,
            (false, false) => Self::Inactive,
        }
    }

    /// Whether the author sends.
    pub fn sends(self) -> bool {
        matches!(self, Self::SendRecv | Self::SendOnly)
    }

    /// Whether the author receives.
    pub fn receives(self) -> bool {
        matches!(self, Self::SendRecv | Self::RecvOnly)
    }

    /// The same flow seen from the other end (sendonly ↔ recvonly).
    pub fn reversed(self) -> Self {
        Self::from_parts(self.receives(), self.sends())
    }

    /// What both `self` and `other` allow.
    pub fn intersect(self, other: Self) -> Self {
        Self::from_parts(
            self.sends() && other.sends(),
            self.receives() && other.receives(),
        )
    }

    fn parse(name: &str) -> Option<Self> {
        [
            Self::SendRecv,
            Self::SendOnly,
            Self::RecvOnly,
            Self::Inactive,
        ]
        .into_iter()
        .find(|d| d.as_str() == name)
    }
}

/// `a=rtcp:<port> [<nettype> <addrtype> <address>]` (RFC 3605).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rtcp {
    /// The RTCP port.
    pub port: u16,
    /// The RTCP address, when it differs from the RTP one.
    pub address: Option<Connection>,
}

impl Attribute {
    /// The attribute name.
    pub fn name(&self) -> &str {
        match self {
            Self::RtpMap(_) => "rtpmap",
            Self::Fmtp(_) => "fmtp",
            Self::Ptime(_) => "ptime",
            Self::MaxPtime(_) => "maxptime",
            Self::Direction(d) => d.as_str(),
            Self::Rtcp(_) => "rtcp",
            Self::RtcpMux => "rtcp-mux",
            Self::Crypto(_) => "crypto",
            Self::Other { name, .. } => name,
        }
    }

    /// Reads the text after `a=` on line `line`.
    pub(crate) fn parse(text: &str, line: usize) -> Result<Self, ParseError> {
        let (name, value) = match text.split_once(':') {
            Some((n, v)) => (n, Some(v)),
            None => (text, None),
        };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(ParseError::bad(line, "a=", "attribute name is not a token"));
        }
        if let Some(direction) = Direction::parse(name) {
            return Ok(Self::Direction(direction));
        }
        let flag = |attribute: Self| match value {
            None => Ok(attribute),
            Some(_) => Err(ParseError::bad(line, "a=", "flag attribute with a value")),
        };
        let need = |field: &'static str| {
            value.ok_or(ParseError::bad(line, field, "attribute without a value"))
        };
        Ok(match name {
            "rtcp-mux" => flag(Self::RtcpMux)?,
            "rtpmap" => Self::RtpMap(parse_rtpmap(need("a=rtpmap")?, line)?),
            "fmtp" => Self::Fmtp(parse_fmtp(need("a=fmtp")?, line)?),
            "ptime" => Self::Ptime(parse_duration(need("a=ptime")?, line, "a=ptime")?),
            "maxptime" => Self::MaxPtime(parse_duration(need("a=maxptime")?, line, "a=maxptime")?),
            "rtcp" => Self::Rtcp(parse_rtcp(need("a=rtcp")?, line)?),
            "crypto" => Self::Crypto(Crypto::parse(need("a=crypto")?, line)?),
            _ => Self::Other {
                name: name.into(),
                value: value.map(Into::into),
            },
        })
    }
}

impl fmt::Display for Attribute {
    /// Writes the text after `a=`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RtpMap(m) => {
                write!(
                    f,
                    "rtpmap:{} {}/{}",
                    m.payload_type, m.encoding, m.clock_rate
                )?;
                match m.channels {
                    Some(c) => write!(f, "/{c}"),
                    None => Ok(()),
                }
            }
            Self::Fmtp(p) => write!(f, "fmtp:{} {}", p.payload_type, p.params),
            Self::Ptime(ms) => write!(f, "ptime:{ms}"),
            Self::MaxPtime(ms) => write!(f, "maxptime:{ms}"),
            Self::Direction(d) => f.write_str(d.as_str()),
            Self::Rtcp(r) => {
                write!(f, "rtcp:{}", r.port)?;
                match &r.address {
                    Some(c) => write!(f, " {} {} {}", c.net_type, c.addr_type.as_str(), c.address),
                    None => Ok(()),
                }
            }
            Self::RtcpMux => f.write_str("rtcp-mux"),
            Self::Crypto(c) => write!(f, "crypto:{c}"),
            Self::Other { name, value } => match value {
                Some(v) => write!(f, "{name}:{v}"),
                None => f.write_str(name),
            },
        }
    }
}

/// The token characters of RFC 8866 (`token-char`).
pub(crate) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`{|}~".contains(&b)
}

/// A payload type number, 0-127.
pub(crate) fn parse_payload_type(
    text: &str,
    line: usize,
    field: &'static str,
) -> Result<u8, ParseError> {
    match parse_decimal::<u8>(text) {
        Some(pt) if pt <= 127 => Ok(pt),
        _ => Err(ParseError::bad(
            line,
            field,
            "payload type not a number in 0-127",
        )),
    }
}

/// Digits only (no sign, no blanks), within the type's range.
pub(crate) fn parse_decimal<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_rtpmap(value: &str, line: usize) -> Result<RtpMap, ParseError> {
    const FIELD: &str = "a=rtpmap";
    let (pt, rest) = value.split_once(' ').ok_or(ParseError::bad(
        line,
        FIELD,
        "no encoding after the payload type",
    ))?;
    let payload_type = parse_payload_type(pt, line, FIELD)?;
    let mut parts = rest.trim_start().split('/');
    let encoding = parts.next().unwrap_or_default();
    if encoding.is_empty() || !encoding.bytes().all(is_token_byte) {
        return Err(ParseError::bad(line, FIELD, "encoding name is not a token"));
    }
    let clock_rate = parts
        .next()
        .and_then(parse_decimal::<u32>)
        .filter(|r| *r > 0)
        .ok_or(ParseError::bad(
            line,
            FIELD,
            "clock rate not a positive number",
        ))?;
    let channels = match parts.next() {
        None => None,
        Some(c) => Some(
            parse_decimal::<u16>(c)
                .filter(|c| *c > 0)
                .ok_or(ParseError::bad(
                    line,
                    FIELD,
                    "channel count not a positive number",
                ))?,
        ),
    };
    if parts.next().is_some() {
        return Err(ParseError::bad(line, FIELD, "too many '/' parts"));
    }
    Ok(RtpMap {
        payload_type,
        encoding: encoding.into(),
        clock_rate,
        channels,
    })
}

fn parse_fmtp(value: &str, line: usize) -> Result<Fmtp, ParseError> {
    let (pt, params) = value.split_once(' ').unwrap_or((value, ""));
    Ok(Fmtp {
        payload_type: parse_payload_type(pt, line, "a=fmtp")?,
        params: params.trim().into(),
    })
}

/// A packet duration: whole milliseconds from 1 to 10,000.
fn parse_duration(value: &str, line: usize, field: &'static str) -> Result<u32, ParseError> {
    parse_decimal::<u32>(value.trim())
        .filter(|ms| (1..=10_000).contains(ms))
        .ok_or(ParseError::bad(
            line,
            field,
            "not a whole number of milliseconds in 1-10000",
        ))
}

fn parse_rtcp(value: &str, line: usize) -> Result<Rtcp, ParseError> {
    const FIELD: &str = "a=rtcp";
    let mut words = value.split_ascii_whitespace();
    let port = words
        .next()
        .and_then(parse_decimal::<u16>)
        .ok_or(ParseError::bad(line, FIELD, "port not a number in 0-65535"))?;
    let address = match (words.next(), words.next(), words.next()) {
        (None, _, _) => None,
        (Some(net), Some(addr_type), Some(address)) => Some(Connection {
            net_type: net.into(),
            addr_type: AddrType::parse(addr_type),
            address: address.into(),
        }),
        _ => {
            return Err(ParseError::bad(
                line,
                FIELD,
                "address needs network type, address type and address",
            ))
        }
    };
    if words.next().is_some() {
        return Err(ParseError::bad(
            line,
            FIELD,
            "extra fields after the address",
        ));
    }
    Ok(Rtcp { port, address })
}
