//! What one call's media is set up with: the result of the SDP offer/answer, the account's
//! media settings, and the keys.

use std::net::SocketAddr;
use std::time::Duration;

use handset_codec::CodecConfig;

use crate::jitter::JitterConfig;
use crate::srtp::{MasterKey, SrtpProfile};

/// Everything a [`MediaSession`](super::MediaSession) needs to run a call's audio.
///
/// The phone layer builds it from `handset_sdp::Negotiated` and the account settings:
///
/// - `audio_rate`, `frame`: the audio device's rate and tick, not negotiated.
/// - `send`: `None` when the negotiated direction is `recvonly` or `inactive`; otherwise the
///   negotiated send codec (`CodecConfig::from_sdp` of its rtpmap and fmtp) with its payload
///   type, the ptime, the RED payload type with the account's redundancy depth when RED was
///   agreed, and the telephone-event payload type and clock rate when RFC 4733 was agreed.
/// - `receive`: every payload type the answer lets the peer send, each with its codec, plus
///   the RED and telephone-event payload types, and the account's jitter buffer settings.
/// - `remote_rtp`, `remote_rtcp`: the peer's `c=`/`m=` address and its `a=rtcp` address;
///   `None` for a `c=0.0.0.0` hold address.
/// - `rtcp_mux`: `a=rtcp-mux` agreed by both sides.
/// - `symmetric_rtp`, `rtp_filter`, `rtp_timeout`: the account's P291, P26026 and P29068.
/// - `srtp`: the agreed crypto suite with our inline key and the peer's.
/// - `cname`: the account's RTCP CNAME (user@host).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionConfig {
    /// The PCM rate of `push_audio` and `pull_audio` (8000, 16000 or 48000 Hz).
    pub audio_rate: u32,
    /// The audio tick: how much audio each `push_audio`/`pull_audio` call carries (10 or 20 ms).
    pub frame: Duration,
    /// What to send; `None` receives only (held, `recvonly`).
    pub send: Option<SendConfig>,
    /// What may be received.
    pub receive: ReceiveConfig,
    /// Where RTP goes; `None` sends nothing (a `c=0.0.0.0` hold).
    pub remote_rtp: Option<SocketAddr>,
    /// Where RTCP goes; `None` means the RTP address with `rtcp_mux`, else the RTP port + 1.
    pub remote_rtcp: Option<SocketAddr>,
    /// RTP and RTCP share one port (RFC 5761).
    pub rtcp_mux: bool,
    /// Send to the address the peer's RTP comes from (P291), for peers behind NAT.
    pub symmetric_rtp: bool,
    /// Which received packets are accepted by source address (P26026).
    pub rtp_filter: RtpFilter,
    /// Report [`MediaEvent::RtpTimeout`](super::MediaEvent::RtpTimeout) after this long
    /// without RTP (P29068); `None` or zero turns it off.
    pub rtp_timeout: Option<Duration>,
    /// SRTP keys; `None` sends and accepts plain RTP.
    pub srtp: Option<SrtpKeys>,
    /// The RTCP SDES CNAME.
    pub cname: String,
}

/// The sending side of the call.
#[derive(Debug, Clone, PartialEq)]
pub struct SendConfig {
    /// The codec to encode with.
    pub codec: CodecConfig,
    /// Its payload type.
    pub payload_type: u8,
    /// Audio per packet (ptime); the codec must accept frames of this length.
    pub ptime: Duration,
    /// RFC 2198 redundancy, when agreed.
    pub red: Option<RedSend>,
    /// RFC 4733 events, when agreed.
    pub telephone_event: Option<TelephoneEventSend>,
}

/// How RED is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedSend {
    /// The RED payload type.
    pub payload_type: u8,
    /// Earlier frames repeated in each packet (1–3).
    pub depth: u8,
}

/// How RFC 4733 events are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEventSend {
    /// The telephone-event payload type.
    pub payload_type: u8,
    /// Its clock rate (the audio codec's RTP clock rate, RFC 4733 §2.1).
    pub clock_rate: u32,
}

/// The receiving side of the call.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiveConfig {
    /// Payload types the peer may send audio with, and their codecs.
    pub codecs: Vec<(u8, CodecConfig)>,
    /// The RED payload type, when agreed.
    pub red_payload_type: Option<u8>,
    /// The telephone-event payload type, when agreed.
    pub telephone_event_payload_type: Option<u8>,
    /// Jitter buffer settings; its clock rate follows the codec being received.
    pub jitter: JitterConfig,
}

/// Which sources received packets are accepted from (P26026).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RtpFilter {
    /// Any source.
    #[default]
    None,
    /// Only the negotiated remote IP address.
    Ip,
    /// Only the negotiated remote IP address and port.
    IpAndPort,
}

/// SRTP for both directions: one suite, our key for sending, the peer's for receiving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrtpKeys {
    /// The agreed crypto suite.
    pub profile: SrtpProfile,
    /// Our master key (the inline key of our `a=crypto`).
    pub local: MasterKey,
    /// The peer's master key (the inline key of its `a=crypto`).
    pub remote: MasterKey,
}

impl SessionConfig {
    /// A session sending and receiving one codec under `payload_type` in 20 ms packets, with
    /// RTCP on the port above `remote_rtp`'s and every other setting at its default (no RED,
    /// telephone-event, SRTP, filter or timeout; the default jitter buffer). Callers change
    /// the fields they need.
    pub fn one_codec(
        codec: CodecConfig,
        payload_type: u8,
        audio_rate: u32,
        remote_rtp: Option<SocketAddr>,
    ) -> Self {
        let packet = Duration::from_millis(20);
        Self {
            audio_rate,
            frame: packet,
            send: Some(SendConfig {
                codec,
                payload_type,
                ptime: packet,
                red: None,
                telephone_event: None,
            }),
            receive: ReceiveConfig {
                codecs: vec![(payload_type, codec)],
                red_payload_type: None,
                telephone_event_payload_type: None,
                jitter: JitterConfig::default(),
            },
            remote_rtp,
            remote_rtcp: None,
            rtcp_mux: false,
            symmetric_rtp: false,
            rtp_filter: RtpFilter::None,
            rtp_timeout: None,
            srtp: None,
            cname: String::from("handset"),
        }
    }

    /// Where RTCP goes: the RTCP address, else the RTP address when muxed.
    pub(crate) fn rtcp_destination(&self) -> Option<SocketAddr> {
        match self.remote_rtcp {
            Some(address) => Some(address),
            None if self.rtcp_mux => self.remote_rtp,
            None => self.remote_rtp.map(|rtp| {
                // RFC 3550 §11: without a=rtcp, RTCP uses the next port up.
                SocketAddr::new(rtp.ip(), rtp.port().wrapping_add(1))
            }),
        }
    }

    /// The RTP timeout if it is on.
    pub(crate) fn effective_rtp_timeout(&self) -> Option<Duration> {
        self.rtp_timeout.filter(|timeout| !timeout.is_zero())
    }

    /// Samples in one tick at `audio_rate`.
    pub(crate) fn tick_samples(&self) -> usize {
        samples_in(self.frame, self.audio_rate)
    }
}

impl RtpFilter {
    /// Whether a packet from `from` passes, given the negotiated remote address.
    pub(crate) fn accepts(self, expected: Option<SocketAddr>, from: SocketAddr) -> bool {
        let Some(expected) = expected else {
            return true;
        };
        match self {
            Self::None => true,
            Self::Ip => expected.ip() == from.ip(),
            Self::IpAndPort => expected == from,
        }
    }
}

/// Samples in `duration` at `rate` Hz.
pub(crate) fn samples_in(duration: Duration, rate: u32) -> usize {
    (duration.as_micros() * u128::from(rate) / 1_000_000) as usize
}
