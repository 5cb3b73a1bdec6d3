//! SDP for the phone: the session description model with a parser and serializer
//! (RFC 8866), and RFC 3264 offer/answer for the audio stream — codecs from the account's
//! ordered list, ptime, telephone-event, RED, hold directions, RTCP port modes and SDES
//! crypto (RFC 4568).
//!
//! Nothing here does IO, reads a clock or draws random numbers: SRTP keys come from the
//! caller through a fill function.
//!
//! ```
//! use handset_sdp::{MediaConfig, Negotiator, SessionDescription};
//!
//! let offer = SessionDescription::parse(
//!     b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
//!       m=audio 4000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n",
//! )?;
//! let config = MediaConfig::new("192.0.2.2".parse()?, 5004);
//! let mut negotiator = Negotiator::new(config, 42);
//! let (answer, agreed) = negotiator.answer(&offer, &mut |key: &mut [u8]| key.fill(7))?;
//! assert_eq!(agreed.codec.payload_type.send, 0); // our list puts PCMU first
//! assert_eq!(agreed.telephone_event.map(|t| t.send), Some(101));
//! assert!(answer.to_string().starts_with("v=0\r\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
pub mod attribute;
pub mod codec;
pub mod config;
pub mod crypto;
pub mod error;
pub mod limits;
pub mod model;
pub mod negotiate;
mod parse;
mod write;

pub use attribute::{Attribute, Direction, Fmtp, Rtcp, RtpMap};
pub use codec::Codec;
pub use config::{
    BandwidthMode, HoldMode, MediaConfig, NegotiationPriority, PayloadTypeSettings, RtcpMode,
    SrtpKeyLength, SrtpMode,
};
pub use crypto::{Crypto, CryptoSuite, KeyParams, Lifetime, Mki};
pub use error::{ErrorKind, NegotiationError, ParseError};
pub use limits::Limits;
pub use model::{
    AddrType, Bandwidth, BandwidthType, Connection, MediaDescription, MediaType, Origin, Protocol,
    SessionDescription, Timing,
};
pub use negotiate::{
    KeySource, Negotiated, NegotiatedCodec, Negotiator, PayloadTypes, Redundancy, Srtp,
};
