//! The Opus decoder over libopus, and where it declines to conceal.
//!
//! `unsafe-libopus` 0.2.0 decodes packets like libopus 1.3.1, but its SILK concealment is
//! broken: a saturation bound of its output is translated as +32768 instead of -32768, so a
//! concealed SILK or hybrid frame comes out as full-scale samples, and the poisoned history
//! spoils about 100 ms of the packets decoded after it. Its CELT concealment and its FEC
//! decoding are correct. So a loss after a SILK or hybrid packet is left to the caller
//! ([`AudioDecoder::conceal`] says `false`) and the library never learns of it: it decodes
//! the next packet as if it followed directly, which costs a small mismatch, not a blast.

use super::libopus::{Decoder, Input};
use super::packet::shortest_frame;
use super::SAMPLE_RATE;
use super::{backend, carries_fec, info, packet_samples, DEFAULT_BITRATE, MAX_PACKET_SAMPLES};
use crate::error::output_prefix;
use crate::{AudioDecoder, CodecError, CodecInfo};

/// The coding layers of the last packet the library decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LastPacket {
    /// None yet: the library conceals with silence.
    Nothing,
    /// CELT only: the library's concealment is sound.
    CeltOnly,
    /// SILK only or hybrid: the library must not conceal.
    WithSilk,
}

/// The layers a packet uses, from its TOC configuration number (RFC 6716 §3.1).
fn layers(packet: &[u8]) -> LastPacket {
    match packet.first() {
        Some(toc) if toc >> 3 >= 16 => LastPacket::CeltOnly,
        _ => LastPacket::WithSilk,
    }
}

/// Opus decoder.
pub struct OpusAudioDecoder {
    decoder: Decoder,
    last: LastPacket,
    /// A loss after a SILK or hybrid packet was left to the caller.
    skipped_loss: bool,
    info: CodecInfo,
}

impl std::fmt::Debug for OpusAudioDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusAudioDecoder")
            .field("last", &self.last)
            .field("skipped_loss", &self.skipped_loss)
            .finish_non_exhaustive()
    }
}

impl OpusAudioDecoder {
    /// Creates a decoder.
    pub fn new() -> Result<Self, CodecError> {
        let decoder = Decoder::new(SAMPLE_RATE as i32).map_err(backend)?;
        Ok(Self {
            decoder,
            last: LastPacket::Nothing,
            skipped_loss: false,
            info: info(DEFAULT_BITRATE),
        })
    }
}

/// Checks the length of a frame to conceal or rebuild: whole 2.5 ms steps, at most 120 ms.
fn check_concealment_length(samples: usize) -> Result<(), CodecError> {
    if samples == 0 || !samples.is_multiple_of(120) || samples > MAX_PACKET_SAMPLES {
        return Err(CodecError::FrameSize {
            codec: "opus",
            samples,
        });
    }
    Ok(())
}

impl AudioDecoder for OpusAudioDecoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn decoded_samples(&self, payload: &[u8]) -> Result<usize, CodecError> {
        packet_samples(payload)
    }

    fn decode(&mut self, payload: &[u8], pcm: &mut [i16]) -> Result<usize, CodecError> {
        let samples = packet_samples(payload)?;
        if payload.len() < 2 {
            return Err(CodecError::BadPayload {
                codec: "opus",
                reason: "packet without frame data",
            });
        }
        let pcm = output_prefix(pcm, samples)?;
        let layers = layers(payload);
        let silk_involved = layers == LastPacket::WithSilk || self.last == LastPacket::WithSilk;
        if silk_involved && shortest_frame(payload).is_some_and(|length| length <= 1) {
            // The library conceals an empty frame, with the SILK concealment here; leave it
            // to the caller like a loss.
            self.skipped_loss |= self.last == LastPacket::WithSilk;
            return Err(CodecError::BadPayload {
                codec: "opus",
                reason: "frame without audio data",
            });
        }
        if self.skipped_loss && self.last == LastPacket::WithSilk && layers == LastPacket::CeltOnly
        {
            // The lost packet may have carried the redundant frame of a switch to CELT; without
            // it the library would conceal the transition with its SILK concealment.
            self.decoder.reset();
        }
        let decoded = self
            .decoder
            .decode(Input::Packet(payload), pcm)
            .map_err(|error| {
                if error.is_corrupted_packet() {
                    CodecError::BadPayload {
                        codec: "opus",
                        reason: "corrupted packet",
                    }
                } else {
                    backend(error)
                }
            })?;
        self.last = layers;
        self.skipped_loss = false;
        Ok(decoded)
    }

    fn conceal(&mut self, pcm: &mut [i16]) -> Result<bool, CodecError> {
        check_concealment_length(pcm.len())?;
        if self.last == LastPacket::WithSilk {
            self.skipped_loss = true;
            return Ok(false);
        }
        self.decoder.decode(Input::Lost, pcm).map_err(backend)?;
        Ok(true)
    }

    fn decode_fec(&mut self, next_payload: &[u8], pcm: &mut [i16]) -> Result<bool, CodecError> {
        check_concealment_length(pcm.len())?;
        let next_samples = packet_samples(next_payload)?;
        // Without FEC, or asked for more than the FEC covers, the library would conceal (see
        // the module comment); say "no" instead, so the caller knows the frame is a guess.
        if !carries_fec(next_payload) || next_samples != pcm.len() {
            return Ok(false);
        }
        self.decoder
            .decode(Input::FecOf(next_payload), pcm)
            .map_err(backend)?;
        self.last = LastPacket::WithSilk;
        self.skipped_loss = false;
        Ok(true)
    }

    fn decode_ahead(&self, payload: &[u8], pcm: &mut [i16]) -> Result<Option<usize>, CodecError> {
        let mut ahead = Self {
            decoder: self
                .decoder
                .duplicate(SAMPLE_RATE as i32)
                .map_err(backend)?,
            last: self.last,
            skipped_loss: self.skipped_loss,
            info: self.info,
        };
        ahead.decode(payload, pcm).map(Some)
    }

    fn reset(&mut self) {
        self.decoder.reset();
        self.last = LastPacket::Nothing;
        self.skipped_loss = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AudioEncoder;

    #[test]
    fn arbitrary_bytes_decode_or_fail_cleanly() {
        let mut decoder = OpusAudioDecoder::new().unwrap();
        let mut pcm = vec![0i16; MAX_PACKET_SAMPLES];
        let mut seed = 0x9E37_79B9u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        let mut decoded = 0;
        for round in 0..3000 {
            let length = 1 + (next() % 200) as usize;
            let packet: Vec<u8> = (0..length).map(|_| next() as u8).collect();
            if decoder.decode(&packet, &mut pcm).is_ok() {
                decoded += 1;
            }
            if round % 7 == 0 {
                let mut frame = [0i16; 960];
                let _ = decoder.conceal(&mut frame);
                let _ = decoder.decode_fec(&packet, &mut frame);
            }
        }
        // Most random TOC bytes and lengths make a decodable packet; the rest are rejected.
        assert!(decoded > 0);
    }

    #[test]
    fn empty_frames_with_silk_are_left_to_the_caller() {
        let mut decoder = OpusAudioDecoder::new().unwrap();
        let mut pcm = [0i16; 1920];
        let empty = |result| matches!(result, Err(CodecError::BadPayload { .. }));
        // A SILK packet whose only frame is one byte.
        assert!(empty(decoder.decode(&[0x48, 0x00], &mut pcm)));
        assert!(!decoder.skipped_loss, "nothing decoded yet");
        // After SILK, a CELT-only packet of two 20 ms frames, the second empty.
        decoder.last = LastPacket::WithSilk;
        assert!(empty(decoder.decode(&[0xFA, 4, 1, 2, 3, 4], &mut pcm)));
        assert!(decoder.skipped_loss);
    }

    #[test]
    fn decoding_ahead_matches_decoding_and_leaves_the_state_alone() {
        let mut encoder =
            crate::opus::OpusAudioEncoder::new(crate::opus::OpusSettings::default()).unwrap();
        let mut decoder = OpusAudioDecoder::new().unwrap();
        let mut packet = vec![0u8; 1500];
        let mut pcm = vec![0i16; 960];
        let packets: Vec<Vec<u8>> = (0..6)
            .map(|index| {
                let frame: Vec<i16> = (0..960)
                    .map(|n| {
                        let t = f64::from(index * 960 + n) / 48_000.0;
                        (9000.0 * (2.0 * std::f64::consts::PI * 220.0 * t).sin()) as i16
                    })
                    .collect();
                let length = encoder.encode(&frame, &mut packet).unwrap();
                packet[..length].to_vec()
            })
            .collect();
        for packet in &packets[..4] {
            decoder.decode(packet, &mut pcm).unwrap();
        }
        let mut ahead = vec![0i16; 960];
        assert_eq!(
            decoder.decode_ahead(&packets[5], &mut ahead).unwrap(),
            Some(960)
        );
        let mut again = vec![0i16; 960];
        decoder.decode_ahead(&packets[5], &mut again).unwrap();
        assert_eq!(ahead, again, "looking ahead changed the decoder");
        decoder.decode(&packets[5], &mut pcm).unwrap();
        assert_eq!(ahead, pcm);
        assert!(pcm.iter().any(|&sample| sample.abs() > 1000));
    }

    #[test]
    fn packet_layers_come_from_the_toc() {
        assert_eq!(layers(&[0x48, 0]), LastPacket::WithSilk);
        assert_eq!(layers(&[0x78, 0]), LastPacket::WithSilk);
        assert_eq!(layers(&[0x80, 0]), LastPacket::CeltOnly);
        assert_eq!(layers(&[0xF8, 0]), LastPacket::CeltOnly);
    }
}
