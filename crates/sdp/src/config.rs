//! The local media configuration an account's settings produce, input to offer/answer.

use std::net::IpAddr;

use crate::codec::Codec;

/// What this phone can and wants to do with media, built from an account's audio settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaConfig {
    /// Codecs in order of preference ("Preferred Vocoder" choices).
    pub codecs: Vec<Codec>,
    /// "Voice Frames per TX": 10 ms frames per packet (iLBC uses its own frame size). Default 2.
    pub frames_per_packet: u32,
    /// "iLBC Frame Size" in ms, 20 or 30. Default 30.
    pub ilbc_frame_ms: u32,
    /// Payload type numbers for the dynamic formats.
    pub payload_types: PayloadTypeSettings,
    /// Offer and accept RFC 4733 telephone-event ("Send DTMF" RFC2833). Default on.
    pub telephone_event: bool,
    /// "Enable Audio RED with FEC": offer RFC 2198 redundancy and FEC. Default off.
    pub red_with_fec: bool,
    /// The address media is received on.
    pub address: IpAddr,
    /// The RTP port.
    pub rtp_port: u16,
    /// The RTCP port when not multiplexed. Default RTP port + 1.
    pub rtcp_port: Option<u16>,
    /// How the RTCP port is negotiated.
    pub rtcp_mode: RtcpMode,
    /// Whether media is secured with SRTP.
    pub srtp_mode: SrtpMode,
    /// Whether SIP runs over TLS (decides [`SrtpMode::FollowTransport`]).
    pub sip_over_tls: bool,
    /// Which AES key sizes are offered and accepted.
    pub key_length: SrtpKeyLength,
    /// "Crypto Life Time": write a `2^31` lifetime on our keys. Default on.
    pub crypto_lifetime: bool,
    /// "Codec Negotiation Priority" as the answerer. Default callee.
    pub priority: NegotiationPriority,
    /// "Use First Matching Vocoder in 200OK SDP". Default off.
    pub use_first_match: bool,
    /// How this phone puts the other party on hold.
    pub hold_mode: HoldMode,
    /// Where bandwidth lines go ("SDP Bandwidth Attribute").
    pub bandwidth_mode: BandwidthMode,
    /// The `o=` user name. Default `-`.
    pub username: String,
    /// The `s=` session name. Default `-`.
    pub session_name: String,
}

impl MediaConfig {
    /// The defaults of the account settings, receiving on `address`:`rtp_port`.
    pub fn new(address: IpAddr, rtp_port: u16) -> Self {
        Self {
            codecs: vec![
                Codec::Pcmu,
                Codec::Pcma,
                Codec::G729,
                Codec::G722,
                Codec::Ilbc,
            ],
            frames_per_packet: 2,
            ilbc_frame_ms: 30,
            payload_types: PayloadTypeSettings::default(),
            telephone_event: true,
            red_with_fec: false,
            address,
            rtp_port,
            rtcp_port: None,
            rtcp_mode: RtcpMode::Default,
            srtp_mode: SrtpMode::Disabled,
            sip_over_tls: false,
            key_length: SrtpKeyLength::Aes128And256,
            crypto_lifetime: true,
            priority: NegotiationPriority::Callee,
            use_first_match: false,
            hold_mode: HoldMode::SendOnly,
            bandwidth_mode: BandwidthMode::None,
            username: "-".into(),
            session_name: "-".into(),
        }
    }

    /// Sets the codec list.
    pub fn with_codecs(mut self, codecs: Vec<Codec>) -> Self {
        self.codecs = codecs;
        self
    }

    /// Sets the codec list from "Preferred Vocoder" codes, skipping unknown codes and repeats.
    pub fn with_vocoder_choices(mut self, codes: &[u16]) -> Self {
        self.codecs.clear();
        for codec in codes.iter().filter_map(|c| Codec::from_vocoder_choice(*c)) {
            if !self.codecs.contains(&codec) {
                self.codecs.push(codec);
            }
        }
        self
    }

    /// Sets "Voice Frames per TX".
    pub fn with_frames_per_packet(mut self, frames: u32) -> Self {
        self.frames_per_packet = frames;
        self
    }

    /// Sets the iLBC frame size (20 or 30 ms).
    pub fn with_ilbc_frame_ms(mut self, ms: u32) -> Self {
        self.ilbc_frame_ms = ms;
        self
    }

    /// Sets the dynamic payload type numbers.
    pub fn with_payload_types(mut self, payload_types: PayloadTypeSettings) -> Self {
        self.payload_types = payload_types;
        self
    }

    /// Turns telephone-event on or off.
    pub fn with_telephone_event(mut self, on: bool) -> Self {
        self.telephone_event = on;
        self
    }

    /// Turns RED with FEC on or off.
    pub fn with_red_with_fec(mut self, on: bool) -> Self {
        self.red_with_fec = on;
        self
    }

    /// Sets the RTCP port (used when not multiplexed).
    pub fn with_rtcp_port(mut self, port: u16) -> Self {
        self.rtcp_port = Some(port);
        self
    }

    /// Sets the RTCP mode.
    pub fn with_rtcp_mode(mut self, mode: RtcpMode) -> Self {
        self.rtcp_mode = mode;
        self
    }

    /// Sets the SRTP mode.
    pub fn with_srtp_mode(mut self, mode: SrtpMode) -> Self {
        self.srtp_mode = mode;
        self
    }

    /// Says whether SIP runs over TLS.
    pub fn with_sip_over_tls(mut self, tls: bool) -> Self {
        self.sip_over_tls = tls;
        self
    }

    /// Sets the SRTP key length choice.
    pub fn with_key_length(mut self, length: SrtpKeyLength) -> Self {
        self.key_length = length;
        self
    }

    /// Turns the crypto lifetime on or off.
    pub fn with_crypto_lifetime(mut self, on: bool) -> Self {
        self.crypto_lifetime = on;
        self
    }

    /// Sets the codec negotiation priority.
    pub fn with_priority(mut self, priority: NegotiationPriority) -> Self {
        self.priority = priority;
        self
    }

    /// Sets "Use First Matching Vocoder in 200OK SDP".
    pub fn with_use_first_match(mut self, on: bool) -> Self {
        self.use_first_match = on;
        self
    }

    /// Sets the hold mode.
    pub fn with_hold_mode(mut self, mode: HoldMode) -> Self {
        self.hold_mode = mode;
        self
    }

    /// Sets the bandwidth attribute mode.
    pub fn with_bandwidth_mode(mut self, mode: BandwidthMode) -> Self {
        self.bandwidth_mode = mode;
        self
    }

    /// The RTCP port when not multiplexed.
    pub fn local_rtcp_port(&self) -> u16 {
        self.rtcp_port.unwrap_or(self.rtp_port.saturating_add(1))
    }

    /// The packet duration this phone sends for `codec`, in ms.
    pub fn ptime(&self, codec: Codec) -> u32 {
        match codec {
            Codec::Ilbc => self.ilbc_frame_ms,
            _ => 10 * self.frames_per_packet.clamp(1, 20),
        }
    }

    /// The SRTP policy after resolving "follow transport".
    pub(crate) fn srtp_policy(&self) -> SrtpMode {
        match self.srtp_mode {
            SrtpMode::FollowTransport if self.sip_over_tls => SrtpMode::EnabledAndForced,
            SrtpMode::FollowTransport => SrtpMode::Disabled,
            mode => mode,
        }
    }
}

/// Payload type numbers of the dynamic formats (each 96-127).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadTypeSettings {
    /// Opus. Default 123.
    pub opus: u8,
    /// iLBC. Default 97.
    pub ilbc: u8,
    /// G.726-32. Default 127.
    pub g726: u8,
    /// telephone-event. Default 101.
    pub dtmf: u8,
    /// RED (RFC 2198). Default 124.
    pub red: u8,
    /// Audio FEC (`ulpfec`). Default 121.
    pub fec: u8,
}

impl Default for PayloadTypeSettings {
    fn default() -> Self {
        Self {
            opus: 123,
            ilbc: 97,
            g726: 127,
            dtmf: 101,
            red: 124,
            fec: 121,
        }
    }
}

/// "RTCP Mode": how the RTCP port is negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtcpMode {
    /// RTCP on RTP port + 1, nothing written.
    Default,
    /// `a=rtcp:<port>` written (RFC 3605).
    Negotiated,
    /// `a=rtcp-mux` offered and accepted, with `a=rtcp` as the fallback port (RFC 5761).
    Mux,
    /// RTCP multiplexed or no call (RFC 8858).
    MuxOnly,
}

/// "SRTP Mode".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SrtpMode {
    /// Plain RTP only; an offer requiring SRTP is refused.
    Disabled,
    /// Offer RTP/AVP with crypto lines; take SRTP when the peer does, plain RTP otherwise.
    EnabledButNotForced,
    /// Offer RTP/SAVP; refuse media without SRTP.
    EnabledAndForced,
    /// Offer plain RTP; take SRTP when the peer offers it.
    Optional,
    /// Forced when SIP runs over TLS, disabled otherwise.
    FollowTransport,
}

impl SrtpMode {
    /// The mode for an "SRTP Mode" setting code (0-3).
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::Disabled,
            1 => Self::EnabledButNotForced,
            2 => Self::EnabledAndForced,
            3 => Self::Optional,
            _ => return None,
        })
    }
}

/// "SRTP Key Length": which AES key sizes are offered and accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SrtpKeyLength {
    /// AES-128 and AES-256 suites.
    Aes128And256,
    /// AES-128 suites only.
    Aes128,
    /// AES-256 suites only.
    Aes256,
}

/// "Codec Negotiation Priority": whose order picks the codec when answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NegotiationPriority {
    /// The order of the offer received.
    Caller,
    /// This phone's codec order.
    Callee,
}

/// How a hold is signalled in re-offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldMode {
    /// `a=sendonly` (RFC 3264 §8.4); music on hold can still flow.
    SendOnly,
    /// `a=inactive`.
    Inactive,
    /// `c=0.0.0.0` (RFC 2543, "RFC2543 Hold").
    ConnectionZero,
}

/// "SDP Bandwidth Attribute": where bandwidth lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BandwidthMode {
    /// `b=AS` at session level and `b=TIAS` in the media section.
    Standard,
    /// `b=AS` in the media section.
    MediaLevel,
    /// `b=AS` at session level.
    SessionLevel,
    /// No bandwidth lines.
    None,
}
