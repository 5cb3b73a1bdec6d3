//! The session description as typed values (RFC 8866): the session section, its timing, and
//! the media descriptions with their connection, bandwidth and attribute lines.

use std::net::IpAddr;

use crate::attribute::Attribute;

/// A whole session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=`: who made the description and which version of it this is.
    pub origin: Origin,
    /// `s=`: the session name (`-` when the sender has none; a missing line reads as `-`).
    pub session_name: String,
    /// `i=`: session information.
    pub information: Option<String>,
    /// `u=`: a URI describing the session.
    pub uri: Option<String>,
    /// `e=` lines, verbatim.
    pub emails: Vec<String>,
    /// `p=` lines, verbatim.
    pub phones: Vec<String>,
    /// `c=` at session level: the default for media sections without their own.
    pub connection: Option<Connection>,
    /// `b=` lines at session level.
    pub bandwidths: Vec<Bandwidth>,
    /// `t=` lines, each with its `r=` lines.
    pub timing: Vec<Timing>,
    /// `z=`, verbatim.
    pub time_zones: Option<String>,
    /// `k=` at session level, verbatim.
    pub key: Option<String>,
    /// `a=` lines at session level, in order.
    pub attributes: Vec<Attribute>,
    /// The `m=` sections, in order.
    pub media: Vec<MediaDescription>,
}

impl SessionDescription {
    /// A description with an origin, name `-`, timing `t=0 0` and nothing else.
    pub fn new(origin: Origin) -> Self {
        Self {
            origin,
            session_name: "-".into(),
            information: None,
            uri: None,
            emails: Vec::new(),
            phones: Vec::new(),
            connection: None,
            bandwidths: Vec::new(),
            timing: vec![Timing::default()],
            time_zones: None,
            key: None,
            attributes: Vec::new(),
            media: Vec::new(),
        }
    }

    /// The connection that applies to media section `index`: its own first `c=`, or the
    /// session's.
    pub fn media_connection(&self, index: usize) -> Option<&Connection> {
        self.media
            .get(index)
            .and_then(|m| m.connections.first())
            .or(self.connection.as_ref())
    }
}

/// The `o=` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The user name (`-` when none).
    pub username: String,
    /// The session id, kept as written (a string of digits in practice).
    pub session_id: String,
    /// The version, incremented by the sender at each change.
    pub session_version: u64,
    /// Network type and address of the originator.
    pub address: Connection,
}

/// An address with its network and address type, as on `c=` and `o=` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The network type, `IN` for the Internet.
    pub net_type: String,
    /// The address family.
    pub addr_type: AddrType,
    /// The address as written: an IP address or a host name, with any multicast `/ttl` suffix.
    pub address: String,
}

impl Connection {
    /// `IN IP4 a.b.c.d` or `IN IP6 ...` for an IP address.
    pub fn from_ip(ip: IpAddr) -> Self {
        Self {
            net_type: "IN".into(),
            addr_type: if ip.is_ipv4() {
                AddrType::Ip4
            } else {
                AddrType::Ip6
            },
            address: ip.to_string(),
        }
    }

    /// The IP address, when the address is one (of the family `addr_type` says).
    pub fn ip(&self) -> Option<IpAddr> {
        let host = self.address.split('/').next().unwrap_or_default();
        let ip: IpAddr = host.parse().ok()?;
        match (&self.addr_type, ip) {
            (AddrType::Ip4, IpAddr::V4(_)) | (AddrType::Ip6, IpAddr::V6(_)) => Some(ip),
            _ => None,
        }
    }

    /// Whether this is the unspecified address that RFC 2543 used to put a call on hold
    /// (`0.0.0.0`, or `::` for IPv6).
    pub fn is_unspecified(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_unspecified())
    }
}

/// The address type of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddrType {
    /// `IP4`.
    Ip4,
    /// `IP6`.
    Ip6,
    /// Another type, as written.
    Other(String),
}

impl AddrType {
    /// The type as written in SDP.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Ip4 => "IP4",
            Self::Ip6 => "IP6",
            Self::Other(s) => s,
        }
    }

    pub(crate) fn parse(text: &str) -> Self {
        if text.eq_ignore_ascii_case("IP4") {
            Self::Ip4
        } else if text.eq_ignore_ascii_case("IP6") {
            Self::Ip6
        } else {
            Self::Other(text.into())
        }
    }
}

/// A `b=` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bandwidth {
    /// What the value measures.
    pub kind: BandwidthType,
    /// The value: kilobits per second for AS and CT, bits per second for TIAS.
    pub value: u64,
}

/// The bandwidth types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BandwidthType {
    /// `AS`: application specific maximum, kbit/s including IP/UDP/RTP overhead.
    As,
    /// `CT`: conference total, kbit/s.
    Ct,
    /// `TIAS`: transport independent application specific maximum, bit/s (RFC 3890).
    Tias,
    /// Another type, as written.
    Other(String),
}

impl BandwidthType {
    /// The type as written in SDP.
    pub fn as_str(&self) -> &str {
        match self {
            Self::As => "AS",
            Self::Ct => "CT",
            Self::Tias => "TIAS",
            Self::Other(s) => s,
        }
    }

    pub(crate) fn parse(text: &str) -> Self {
        match text {
            "AS" => Self::As,
            "CT" => Self::Ct,
            "TIAS" => Self::Tias,
            _ => Self::Other(text.into()),
        }
    }
}

/// A `t=` line with the `r=` lines that follow it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timing {
    /// Start time (NTP seconds), 0 for unbounded.
    pub start: u64,
    /// Stop time (NTP seconds), 0 for unbounded.
    pub stop: u64,
    /// `r=` lines, verbatim.
    pub repeats: Vec<String>,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// The media type.
    pub kind: MediaType,
    /// The transport port; 0 rejects or disables the stream.
    pub port: u16,
    /// The number of ports from `<port>/<count>`, when written.
    pub port_count: Option<u16>,
    /// The transport protocol.
    pub proto: Protocol,
    /// The formats: RTP payload type numbers for the RTP profiles.
    pub formats: Vec<String>,
    /// `i=`: media title.
    pub information: Option<String>,
    /// `c=` lines of this section.
    pub connections: Vec<Connection>,
    /// `b=` lines of this section.
    pub bandwidths: Vec<Bandwidth>,
    /// `k=`, verbatim.
    pub key: Option<String>,
    /// `a=` lines of this section, in order.
    pub attributes: Vec<Attribute>,
}

impl MediaDescription {
    /// A section with no connection, bandwidth or attributes.
    pub fn new(kind: MediaType, port: u16, proto: Protocol, formats: Vec<String>) -> Self {
        Self {
            kind,
            port,
            port_count: None,
            proto,
            formats,
            information: None,
            connections: Vec::new(),
            bandwidths: Vec::new(),
            key: None,
            attributes: Vec::new(),
        }
    }

    /// The formats that are RTP payload type numbers, in order.
    pub fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        self.formats.iter().filter_map(|f| f.parse().ok())
    }
}

/// The media types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaType {
    /// `audio`.
    Audio,
    /// `video`.
    Video,
    /// `text`.
    Text,
    /// `application`.
    Application,
    /// `message`.
    Message,
    /// `image` (T.38 fax).
    Image,
    /// Another type, as written.
    Other(String),
}

impl MediaType {
    /// The type as written in SDP.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Audio => "audio",
            Self::Video => "video",
            Self::Text => "text",
            Self::Application => "application",
            Self::Message => "message",
            Self::Image => "image",
            Self::Other(s) => s,
        }
    }

    pub(crate) fn parse(text: &str) -> Self {
        const KNOWN: [MediaType; 6] = [
            MediaType::Audio,
            MediaType::Video,
            MediaType::Text,
            MediaType::Application,
            MediaType::Message,
            MediaType::Image,
        ];
        KNOWN
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(text))
            .unwrap_or_else(|| Self::Other(text.into()))
    }
}

/// The transport protocols of an m= line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    /// `RTP/AVP`: plain RTP (RFC 3551).
    RtpAvp,
    /// `RTP/SAVP`: secure RTP (RFC 3711).
    RtpSavp,
    /// `RTP/AVPF`: RTP with RTCP feedback (RFC 4585).
    RtpAvpf,
    /// `RTP/SAVPF`: secure RTP with RTCP feedback (RFC 5124).
    RtpSavpf,
    /// Another protocol, as written (`udptl`, `UDP/TLS/RTP/SAVPF`, ...).
    Other(String),
}

impl Protocol {
    /// The protocol as written in SDP.
    pub fn as_str(&self) -> &str {
        match self {
            Self::RtpAvp => "RTP/AVP",
            Self::RtpSavp => "RTP/SAVP",
            Self::RtpAvpf => "RTP/AVPF",
            Self::RtpSavpf => "RTP/SAVPF",
            Self::Other(s) => s,
        }
    }

    /// Whether the formats are RTP payload types.
    pub fn is_rtp(&self) -> bool {
        !matches!(self, Self::Other(_))
    }

    /// Whether this is one of the secure profiles.
    pub fn is_secure(&self) -> bool {
        matches!(self, Self::RtpSavp | Self::RtpSavpf)
    }

    pub(crate) fn parse(text: &str) -> Self {
        const KNOWN: [Protocol; 4] = [
            Protocol::RtpAvp,
            Protocol::RtpSavp,
            Protocol::RtpAvpf,
            Protocol::RtpSavpf,
        ];
        KNOWN
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(text))
            .unwrap_or_else(|| Self::Other(text.into()))
    }
}
