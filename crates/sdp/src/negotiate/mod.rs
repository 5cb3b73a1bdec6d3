//! RFC 3264 offer/answer for the phone's one audio stream, sans-IO.
//!
//! A [`Negotiator`] lives as long as a call. It writes our offers ([`Negotiator::create_offer`],
//! and re-offers after [`Negotiator::set_hold`]), checks the peer's answer against the
//! outstanding offer ([`Negotiator::accept_answer`]), and answers the peer's offers
//! ([`Negotiator::answer`]). Each successful exchange yields a [`Negotiated`] for the media
//! engine. Key material comes from the caller through a fill function: nothing here draws
//! random numbers.

mod accept;
mod answer;
mod build;
mod select;

use std::net::SocketAddr;

use crate::attribute::Direction;
use crate::codec::Codec;
use crate::config::{HoldMode, MediaConfig, RtcpMode, SrtpKeyLength, SrtpMode};
use crate::crypto::{Crypto, CryptoSuite, KeyParams, Lifetime};
use crate::error::NegotiationError;
use crate::model::{MediaDescription, Protocol, SessionDescription};

use build::{audio_section, offer_formats, SectionPlan};

/// What an offer/answer exchange agreed, for the media engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// The audio codec.
    pub codec: NegotiatedCodec,
    /// Every codec the peer may send us (both ends listed it), with the payload type it
    /// arrives with; the peer need not send the one we send.
    pub receive_codecs: Vec<(u8, Codec)>,
    /// Milliseconds of audio per packet we send.
    pub ptime: u32,
    /// telephone-event payload types (RFC 4733), when both ends do it.
    pub telephone_event: Option<PayloadTypes>,
    /// RED (RFC 2198), when both ends do it.
    pub red: Option<Redundancy>,
    /// The audio FEC payload types, when both ends do it.
    pub fec: Option<PayloadTypes>,
    /// Where to send RTP; `None` when the peer holds with `c=0.0.0.0`.
    pub remote_rtp: Option<SocketAddr>,
    /// Where to send RTCP (the RTP address when multiplexed).
    pub remote_rtcp: Option<SocketAddr>,
    /// RTP and RTCP share one port (RFC 5761).
    pub rtcp_mux: bool,
    /// Which way media flows, seen from this phone.
    pub direction: Direction,
    /// SRTP parameters, or `None` for plain RTP.
    pub srtp: Option<Srtp>,
}

/// The payload type numbers of one format: the answerer uses the offerer's numbers, but an
/// answer may differ from our offer, so sending and receiving can differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadTypes {
    /// The number on packets we send.
    pub send: u8,
    /// The number on packets we receive.
    pub receive: u8,
}

/// The agreed codec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedCodec {
    /// Which codec.
    pub codec: Codec,
    /// Its payload type numbers.
    pub payload_type: PayloadTypes,
    /// The RTP clock rate.
    pub clock_rate: u32,
    /// The channel count.
    pub channels: u16,
    /// The peer's format parameters for it (what the peer receives best), if any.
    pub fmtp: Option<String>,
    /// The iLBC frame size both ends use (20 or 30 ms); 0 for other codecs.
    pub ilbc_mode: u32,
}

/// RED and the codec it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redundancy {
    /// RED's own payload types.
    pub payload_type: PayloadTypes,
    /// The payload types of the codec inside (primary and redundant blocks).
    pub codec_payload_type: PayloadTypes,
}

/// Agreed SRTP parameters (RFC 4568).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srtp {
    /// The crypto suite.
    pub suite: CryptoSuite,
    /// Our master key and salt, protecting what we send.
    pub local: KeyParams,
    /// The peer's master key and salt, protecting what we receive.
    pub remote: KeyParams,
}

/// A fill function for key material: writes random bytes into the slice it is given.
pub type KeySource<'a> = &'a mut dyn FnMut(&mut [u8]);

/// The offer/answer state of one call.
#[derive(Debug, Clone)]
pub struct Negotiator {
    config: MediaConfig,
    session_id: u64,
    last_sent: Option<SessionDescription>,
    pending_offer: Option<SessionDescription>,
    held: bool,
    local_keys: Vec<(CryptoSuite, Vec<u8>)>,
}

impl Negotiator {
    /// A negotiator for a new call; `session_id` should be random (it goes into `o=`).
    pub fn new(config: MediaConfig, session_id: u64) -> Self {
        Self {
            config,
            session_id,
            last_sent: None,
            pending_offer: None,
            held: false,
            local_keys: Vec::new(),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &MediaConfig {
        &self.config
    }

    /// Replaces the configuration (a new port or address); the next description says so.
    pub fn set_config(&mut self, config: MediaConfig) {
        self.config = config;
    }

    /// Puts the peer on hold (or takes it off) in the next offer and answer we write.
    pub fn set_hold(&mut self, held: bool) {
        self.held = held;
    }

    /// Whether we hold the peer.
    pub fn is_held(&self) -> bool {
        self.held
    }

    /// Whether an offer of ours awaits its answer.
    pub fn has_pending_offer(&self) -> bool {
        self.pending_offer.is_some()
    }

    /// Forgets the outstanding offer (its request failed or was cancelled).
    pub fn cancel_offer(&mut self) {
        self.pending_offer = None;
    }

    /// The last description we sent.
    pub fn last_sent(&self) -> Option<&SessionDescription> {
        self.last_sent.as_ref()
    }

    /// Writes an offer from the configuration (initial, or a re-offer reflecting the hold
    /// state), and keeps it to check the answer against.
    pub fn create_offer(
        &mut self,
        keys: KeySource<'_>,
    ) -> Result<SessionDescription, NegotiationError> {
        if self.config.codecs.is_empty() {
            return Err(NegotiationError::NoCodecs);
        }
        let policy = self.config.srtp_policy();
        let proto = if policy == SrtpMode::EnabledAndForced {
            Protocol::RtpSavp
        } else {
            Protocol::RtpAvp
        };
        let crypto = match policy {
            SrtpMode::EnabledAndForced | SrtpMode::EnabledButNotForced => {
                let suites: Vec<CryptoSuite> = CryptoSuite::SUPPORTED
                    .into_iter()
                    .filter(|s| match self.config.key_length {
                        SrtpKeyLength::Aes128And256 => true,
                        SrtpKeyLength::Aes128 => !s.is_aes256(),
                        SrtpKeyLength::Aes256 => s.is_aes256(),
                    })
                    .collect();
                suites
                    .into_iter()
                    .zip(1..)
                    .map(|(suite, tag)| self.local_crypto(tag, suite, keys))
                    .collect()
            }
            _ => Vec::new(),
        };
        let formats = offer_formats(&self.config);
        let first = self.config.codecs[0];
        let plan = SectionPlan {
            proto,
            bitrate: self
                .config
                .codecs
                .iter()
                .map(|c| c.bitrate(self.config.ilbc_frame_ms))
                .max()
                .unwrap_or(0),
            formats,
            crypto,
            rtcp_mux: matches!(self.config.rtcp_mode, RtcpMode::Mux | RtcpMode::MuxOnly),
            direction: self.local_direction(),
            ptime: self.config.ptime(first),
        };
        let media = vec![audio_section(&self.config, plan)];
        let offer = self.finish(media);
        self.pending_offer = Some(offer.clone());
        Ok(offer)
    }

    /// Where we stand: sendrecv, or the hold mode's direction while we hold the peer.
    fn local_direction(&self) -> Direction {
        match (self.held, self.config.hold_mode) {
            (false, _) => Direction::SendRecv,
            (true, HoldMode::SendOnly | HoldMode::ConnectionZero) => Direction::SendOnly,
            (true, HoldMode::Inactive) => Direction::Inactive,
        }
    }

    /// Our crypto line for `suite` under `tag`, with this call's key for that suite.
    fn local_crypto(&mut self, tag: u32, suite: CryptoSuite, keys: KeySource<'_>) -> Crypto {
        let key_salt = match self.local_keys.iter().find(|(s, _)| *s == suite) {
            Some((_, key)) => key.clone(),
            None => {
                let mut key = vec![0; suite.key_salt_len().unwrap_or(30)];
                keys(&mut key);
                self.local_keys.push((suite.clone(), key.clone()));
                key
            }
        };
        let mut params = KeyParams::new(key_salt);
        if self.config.crypto_lifetime {
            params.lifetime = Some(Lifetime::PowerOfTwo(31));
        }
        Crypto {
            tag,
            suite,
            keys: vec![params],
            session_params: Vec::new(),
        }
    }

    /// Wraps `media` in our session section with the right version: unchanged when the
    /// description is the same as the last one sent, one more otherwise (RFC 3264 §8).
    fn finish(&mut self, media: Vec<MediaDescription>) -> SessionDescription {
        let zero = self.held && self.config.hold_mode == HoldMode::ConnectionZero;
        let mut sdp = build::session(&self.config, self.session_id, 1, zero, media);
        if let Some(last) = &self.last_sent {
            sdp.origin.session_version = last.origin.session_version;
            if sdp == *last {
                return sdp;
            }
            sdp.origin.session_version = last.origin.session_version.wrapping_add(1);
        }
        self.last_sent = Some(sdp.clone());
        sdp
    }
}
