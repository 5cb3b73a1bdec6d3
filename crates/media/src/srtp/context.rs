//! An SRTP/SRTCP cryptographic context for one direction (RFC 3711 §3).

use std::collections::HashMap;

use subtle::ConstantTimeEq;

use super::cipher::{packet_iv, SessionKeys};
use super::profile::{MasterKey, SrtpProfile, MAX_SRTCP_PACKETS, MAX_SRTP_PACKETS, SRTCP_TAG_LEN};
use super::replay::{ReplayVerdict, ReplayWindow};
use super::SrtpError;
use crate::rtp::RtpHeader;

/// The E flag of the SRTCP index word: the packet is encrypted.
const SRTCP_ENCRYPTED: u32 = 1 << 31;
/// Bytes of an RTCP packet left in the clear: the header and the sender's SSRC.
const RTCP_CLEAR_LEN: usize = 8;

/// Per-SSRC state: rollover counter and highest sequence, SRTCP index, replay lists.
#[derive(Debug, Clone, Default)]
struct StreamState {
    rollover: u32,
    highest_sequence: u16,
    rtp_replay: ReplayWindow,
    next_rtcp_index: u32,
    rtcp_replay: ReplayWindow,
}

impl StreamState {
    fn new(sequence: u16) -> Self {
        StreamState {
            highest_sequence: sequence,
            ..StreamState::default()
        }
    }

    /// The rollover counter a sequence number most likely belongs to (RFC 3711 §3.3.1 and
    /// Appendix A), and the packet index it gives.
    fn estimate(&self, sequence: u16) -> (u32, u64) {
        let highest = self.highest_sequence;
        let rollover = if highest < 0x8000 {
            if sequence > highest && sequence - highest > 0x8000 {
                self.rollover.wrapping_sub(1)
            } else {
                self.rollover
            }
        } else if highest - 0x8000 > sequence {
            self.rollover.wrapping_add(1)
        } else {
            self.rollover
        };
        (rollover, u64::from(rollover) << 16 | u64::from(sequence))
    }

    fn advance(&mut self, rollover: u32, sequence: u16) {
        let current = u64::from(self.rollover) << 16 | u64::from(self.highest_sequence);
        let index = u64::from(rollover) << 16 | u64::from(sequence);
        if index > current {
            self.rollover = rollover;
            self.highest_sequence = sequence;
        }
    }
}

/// Protects or unprotects the packets of one direction of a call.
///
/// Use one context with the local master key for outgoing packets ([`SrtpContext::protect_rtp`],
/// [`SrtpContext::protect_rtcp`]) and another with the peer's key for incoming ones
/// ([`SrtpContext::unprotect_rtp`], [`SrtpContext::unprotect_rtcp`]). Streams are told apart
/// by SSRC. The key derivation rate is zero (SDES offers without `KDR`).
pub struct SrtpContext {
    profile: SrtpProfile,
    mki: Option<Vec<u8>>,
    rtp_keys: SessionKeys,
    rtcp_keys: SessionKeys,
    streams: HashMap<u32, StreamState>,
    rtp_limit: u64,
    rtcp_limit: u64,
    rtp_packets: u64,
    rtcp_packets: u64,
}

impl std::fmt::Debug for SrtpContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrtpContext")
            .field("profile", &self.profile)
            .field("streams", &self.streams.len())
            .field("rtp_packets", &self.rtp_packets)
            .field("rtcp_packets", &self.rtcp_packets)
            .finish_non_exhaustive()
    }
}

impl SrtpContext {
    /// A context for `profile` keyed by `master`.
    pub fn new(profile: SrtpProfile, master: &MasterKey) -> Result<Self, SrtpError> {
        if master.key().len() != profile.key_len() {
            return Err(SrtpError::KeyLength {
                expected: profile.key_len(),
                actual: master.key().len(),
            });
        }
        let lifetime = master.lifetime().unwrap_or(u64::MAX);
        Ok(SrtpContext {
            profile,
            mki: master.mki().map(<[u8]>::to_vec),
            rtp_keys: SessionKeys::derive(profile, master.key(), master.salt(), false)?,
            rtcp_keys: SessionKeys::derive(profile, master.key(), master.salt(), true)?,
            streams: HashMap::new(),
            rtp_limit: lifetime.min(MAX_SRTP_PACKETS),
            rtcp_limit: lifetime.min(MAX_SRTCP_PACKETS),
            rtp_packets: 0,
            rtcp_packets: 0,
        })
    }

    /// The profile in use.
    pub fn profile(&self) -> SrtpProfile {
        self.profile
    }

    /// SRTP packets processed with this key so far.
    pub fn rtp_packets(&self) -> u64 {
        self.rtp_packets
    }

    /// SRTCP packets processed with this key so far.
    pub fn rtcp_packets(&self) -> u64 {
        self.rtcp_packets
    }

    /// Whether the key has reached its lifetime and must be replaced (RFC 3711 §9.2).
    pub fn is_exhausted(&self) -> bool {
        self.rtp_packets >= self.rtp_limit || self.rtcp_packets >= self.rtcp_limit
    }

    fn mki_len(&self) -> usize {
        self.mki.as_ref().map_or(0, Vec::len)
    }

    /// Encrypts and authenticates an RTP packet.
    pub fn protect_rtp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        let mut out = Vec::with_capacity(packet.len() + self.mki_len() + 10);
        out.extend_from_slice(packet);
        self.protect_rtp_in_place(&mut out)?;
        Ok(out)
    }

    /// Encrypts and authenticates an RTP packet in `buffer`, appending MKI and tag.
    pub fn protect_rtp_in_place(&mut self, buffer: &mut Vec<u8>) -> Result<(), SrtpError> {
        let (header, header_len) = RtpHeader::parse(buffer)?;
        if self.rtp_packets >= self.rtp_limit {
            return Err(SrtpError::KeyExhausted);
        }
        let stream = self
            .streams
            .entry(header.ssrc)
            .or_insert_with(|| StreamState::new(header.sequence));
        let (rollover, index) = stream.estimate(header.sequence);
        stream.advance(rollover, header.sequence);
        self.rtp_packets += 1;
        let iv = packet_iv(&self.rtp_keys.salt, header.ssrc, index);
        self.rtp_keys
            .cipher
            .apply_keystream(&iv, &mut buffer[header_len..]);
        let tag = self.rtp_keys.tag(&[buffer, &rollover.to_be_bytes()]);
        if let Some(mki) = &self.mki {
            buffer.extend_from_slice(mki);
        }
        buffer.extend_from_slice(&tag[..self.profile.rtp_tag_len()]);
        Ok(())
    }

    /// Checks and decrypts an SRTP packet, returning the RTP packet.
    pub fn unprotect_rtp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        let mut out = packet.to_vec();
        self.unprotect_rtp_in_place(&mut out)?;
        Ok(out)
    }

    /// Checks and decrypts an SRTP packet in `buffer`, leaving the RTP packet.
    pub fn unprotect_rtp_in_place(&mut self, buffer: &mut Vec<u8>) -> Result<(), SrtpError> {
        let tag_len = self.profile.rtp_tag_len();
        let trailer = tag_len + self.mki_len();
        let (header, header_len) = RtpHeader::parse(buffer)?;
        if buffer.len() < header_len + trailer {
            return Err(SrtpError::TooShort);
        }
        let body_end = buffer.len() - trailer;
        self.check_mki(&buffer[body_end..body_end + self.mki_len()])?;
        if self.rtp_packets >= self.rtp_limit {
            return Err(SrtpError::KeyExhausted);
        }
        let fresh = StreamState::new(header.sequence);
        let stream = self.streams.get(&header.ssrc).unwrap_or(&fresh);
        let (rollover, index) = stream.estimate(header.sequence);
        replay_verdict(stream.rtp_replay.check(index))?;
        let expected = self
            .rtp_keys
            .tag(&[&buffer[..body_end], &rollover.to_be_bytes()]);
        let received = &buffer[buffer.len() - tag_len..];
        if !bool::from(expected[..tag_len].ct_eq(received)) {
            return Err(SrtpError::AuthenticationFailed);
        }
        let iv = packet_iv(&self.rtp_keys.salt, header.ssrc, index);
        self.rtp_keys
            .cipher
            .apply_keystream(&iv, &mut buffer[header_len..body_end]);
        buffer.truncate(body_end);
        let stream = self
            .streams
            .entry(header.ssrc)
            .or_insert_with(|| StreamState::new(header.sequence));
        stream.rtp_replay.accept(index);
        stream.advance(rollover, header.sequence);
        self.rtp_packets += 1;
        Ok(())
    }

    /// Encrypts and authenticates a (compound) RTCP packet.
    pub fn protect_rtcp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        if packet.len() < RTCP_CLEAR_LEN || packet[0] >> 6 != 2 {
            return Err(SrtpError::TooShort);
        }
        if self.rtcp_packets >= self.rtcp_limit {
            return Err(SrtpError::KeyExhausted);
        }
        let ssrc = crate::rtp::read_u32(&packet[4..8]);
        let stream = self.streams.entry(ssrc).or_default();
        let index = stream.next_rtcp_index;
        if u64::from(index) >= MAX_SRTCP_PACKETS {
            return Err(SrtpError::KeyExhausted);
        }
        stream.next_rtcp_index += 1;
        self.rtcp_packets += 1;
        let mut out = Vec::with_capacity(packet.len() + 4 + self.mki_len() + SRTCP_TAG_LEN);
        out.extend_from_slice(packet);
        let iv = packet_iv(&self.rtcp_keys.salt, ssrc, u64::from(index));
        self.rtcp_keys
            .cipher
            .apply_keystream(&iv, &mut out[RTCP_CLEAR_LEN..]);
        out.extend_from_slice(&(SRTCP_ENCRYPTED | index).to_be_bytes());
        let tag = self.rtcp_keys.tag(&[&out]);
        if let Some(mki) = &self.mki {
            out.extend_from_slice(mki);
        }
        out.extend_from_slice(&tag[..SRTCP_TAG_LEN]);
        Ok(out)
    }

    /// Checks and decrypts an SRTCP packet, returning the RTCP packet.
    pub fn unprotect_rtcp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        let mki_len = self.mki_len();
        if packet.len() < RTCP_CLEAR_LEN + 4 + mki_len + SRTCP_TAG_LEN || packet[0] >> 6 != 2 {
            return Err(SrtpError::TooShort);
        }
        let authenticated_end = packet.len() - SRTCP_TAG_LEN - mki_len;
        self.check_mki(&packet[authenticated_end..authenticated_end + mki_len])?;
        if self.rtcp_packets >= self.rtcp_limit {
            return Err(SrtpError::KeyExhausted);
        }
        let index_word = crate::rtp::read_u32(&packet[authenticated_end - 4..]);
        let index = index_word & !SRTCP_ENCRYPTED;
        let ssrc = crate::rtp::read_u32(&packet[4..8]);
        if let Some(stream) = self.streams.get(&ssrc) {
            replay_verdict(stream.rtcp_replay.check(u64::from(index)))?;
        }
        let expected = self.rtcp_keys.tag(&[&packet[..authenticated_end]]);
        if !bool::from(expected[..SRTCP_TAG_LEN].ct_eq(&packet[packet.len() - SRTCP_TAG_LEN..])) {
            return Err(SrtpError::AuthenticationFailed);
        }
        let mut out = packet[..authenticated_end - 4].to_vec();
        if index_word & SRTCP_ENCRYPTED != 0 {
            let iv = packet_iv(&self.rtcp_keys.salt, ssrc, u64::from(index));
            self.rtcp_keys
                .cipher
                .apply_keystream(&iv, &mut out[RTCP_CLEAR_LEN..]);
        }
        self.streams
            .entry(ssrc)
            .or_default()
            .rtcp_replay
            .accept(u64::from(index));
        self.rtcp_packets += 1;
        Ok(out)
    }

    fn check_mki(&self, received: &[u8]) -> Result<(), SrtpError> {
        match &self.mki {
            Some(mki) if mki.as_slice() != received => Err(SrtpError::UnknownMki),
            _ => Ok(()),
        }
    }
}

fn replay_verdict(verdict: ReplayVerdict) -> Result<(), SrtpError> {
    match verdict {
        ReplayVerdict::Fresh => Ok(()),
        ReplayVerdict::Replayed => Err(SrtpError::Replayed),
        ReplayVerdict::TooOld => Err(SrtpError::TooOld),
    }
}
