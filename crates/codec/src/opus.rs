//! Opus (RFC 6716) through `opus-rs`, a pure-Rust port of libopus: mono at 48 kHz, VoIP
//! application, 20 ms frames unless told otherwise, in-band FEC and its loss hint, the codec's
//! own packet loss concealment, and FEC recovery of a lost frame from the next packet.

use std::time::Duration;

use opus_rs::{Application, OpusDecoder, OpusEncoder};

use crate::{AudioDecoder, AudioEncoder, CodecError, CodecId, CodecInfo, EncoderHints, FrameSizes};

const SAMPLE_RATE: u32 = 48_000;
/// Largest Opus packet (RFC 6716 §3.2.1 allows 1275 bytes of frame data per frame).
pub const MAX_PACKET_BYTES: usize = 1275;
/// Longest audio one packet may carry: 120 ms at 48 kHz.
const MAX_PACKET_SAMPLES: usize = 5760;
/// Bit rate when neither SDP nor hints set one: wideband speech well above transparency.
const DEFAULT_BITRATE: u32 = 32_000;

const FRAME_DURATIONS: &[Duration] = &[
    Duration::from_millis(10),
    Duration::from_millis(20),
    Duration::from_millis(40),
    Duration::from_millis(60),
];

/// Settings of an Opus stream, mostly from the SDP `a=fmtp` line (RFC 7587).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusSettings {
    /// Target bit rate in bit/s (`maxaveragebitrate` caps it).
    pub bitrate: u32,
    /// Send in-band FEC (`useinbandfec=1` from the peer).
    pub inband_fec: bool,
    /// Expected packet loss in percent, which sizes the FEC.
    pub expected_loss_percent: u8,
}

impl Default for OpusSettings {
    fn default() -> Self {
        Self {
            bitrate: DEFAULT_BITRATE,
            inband_fec: false,
            expected_loss_percent: 0,
        }
    }
}

pub(crate) fn info(bitrate: u32) -> CodecInfo {
    CodecInfo {
        id: CodecId::Opus,
        encoding_name: "opus",
        clock_rate: SAMPLE_RATE,
        sample_rate: SAMPLE_RATE,
        // RFC 7587: the rtpmap always says two channels; we send and receive mono.
        channels: 2,
        payload_type: None,
        frame_sizes: FrameSizes::OneOf(FRAME_DURATIONS),
        default_frame: Duration::from_millis(20),
        bitrate,
    }
}

fn backend(reason: &'static str) -> CodecError {
    CodecError::Backend {
        codec: "opus",
        reason,
    }
}

/// Opus encoder.
pub struct OpusAudioEncoder {
    encoder: OpusEncoder,
    settings: OpusSettings,
    info: CodecInfo,
}

impl std::fmt::Debug for OpusAudioEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusAudioEncoder")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl OpusAudioEncoder {
    /// Creates an encoder with `settings`.
    pub fn new(settings: OpusSettings) -> Result<Self, CodecError> {
        let mut encoder =
            OpusEncoder::new(SAMPLE_RATE as i32, 1, Application::Voip).map_err(backend)?;
        apply(&mut encoder, &settings);
        Ok(Self {
            encoder,
            settings,
            info: info(settings.bitrate),
        })
    }
}

fn apply(encoder: &mut OpusEncoder, settings: &OpusSettings) {
    encoder.bitrate_bps = settings.bitrate.min(i32::MAX as u32) as i32;
    encoder.use_inband_fec = settings.inband_fec;
    encoder.packet_loss_perc = i32::from(settings.expected_loss_percent.min(100));
}

impl AudioEncoder for OpusAudioEncoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn encode(&mut self, pcm: &[i16], payload: &mut [u8]) -> Result<usize, CodecError> {
        if !self.info.accepts_frame(pcm.len()) {
            return Err(CodecError::FrameSize {
                codec: "opus",
                samples: pcm.len(),
            });
        }
        if payload.len() < 2 {
            return Err(CodecError::OutputTooSmall {
                needed: 2,
                available: payload.len(),
            });
        }
        let limit = payload.len().min(MAX_PACKET_BYTES);
        self.encoder
            .encode_i16(pcm, pcm.len(), &mut payload[..limit])
            .map_err(backend)
    }

    fn set_hints(&mut self, hints: &EncoderHints) -> Result<(), CodecError> {
        if let Some(bitrate) = hints.bitrate {
            self.settings.bitrate = bitrate;
            self.info.bitrate = bitrate;
        }
        if let Some(loss) = hints.expected_loss_percent {
            self.settings.expected_loss_percent = loss.min(100);
        }
        if let Some(fec) = hints.inband_fec {
            self.settings.inband_fec = fec;
        }
        apply(&mut self.encoder, &self.settings);
        Ok(())
    }

    fn reset(&mut self) {
        if let Ok(encoder) = OpusEncoder::new(SAMPLE_RATE as i32, 1, Application::Voip) {
            self.encoder = encoder;
            apply(&mut self.encoder, &self.settings);
        }
    }
}

/// Opus decoder.
pub struct OpusAudioDecoder {
    decoder: OpusDecoder,
    /// Float output of the library, converted to i16 afterwards; sized once for 120 ms.
    scratch: Vec<f32>,
    info: CodecInfo,
}

impl std::fmt::Debug for OpusAudioDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusAudioDecoder").finish_non_exhaustive()
    }
}

impl OpusAudioDecoder {
    /// Creates a decoder.
    pub fn new() -> Result<Self, CodecError> {
        let decoder = OpusDecoder::new(SAMPLE_RATE as i32, 1).map_err(backend)?;
        Ok(Self {
            decoder,
            scratch: vec![0.0; MAX_PACKET_SAMPLES],
            info: info(DEFAULT_BITRATE),
        })
    }

    fn check_concealment_length(&self, samples: usize) -> Result<(), CodecError> {
        // Concealment works in whole 2.5 ms steps.
        if samples == 0 || !samples.is_multiple_of(120) || samples > MAX_PACKET_SAMPLES {
            return Err(CodecError::FrameSize {
                codec: "opus",
                samples,
            });
        }
        Ok(())
    }

    fn export(&self, samples: usize, pcm: &mut [i16]) {
        for (out, value) in pcm.iter_mut().zip(&self.scratch[..samples]) {
            *out = (value * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
        }
    }
}

/// Number of samples at 48 kHz in one packet, from its table-of-contents byte(s) (RFC 6716 §3.1).
pub fn packet_samples(packet: &[u8]) -> Result<usize, CodecError> {
    let bad = |reason| CodecError::BadPayload {
        codec: "opus",
        reason,
    };
    let toc = *packet.first().ok_or(bad("empty packet"))?;
    let config = toc >> 3;
    // Frame length in units of 2.5 ms (120 samples).
    let frame_units = match config {
        0..=11 => [4, 8, 16, 24][usize::from(config % 4)],
        12..=15 => [4, 8][usize::from(config % 2)],
        _ => [1, 2, 4, 8][usize::from(config % 4)],
    };
    let frames = match toc & 0x03 {
        0 => 1,
        1 | 2 => 2,
        _ => usize::from(
            *packet
                .get(1)
                .ok_or(bad("code 3 packet without frame count"))?
                & 0x3F,
        ),
    };
    let samples = frames * frame_units * 120;
    if samples == 0 || samples > MAX_PACKET_SAMPLES {
        return Err(bad("packet duration outside 2.5-120 ms"));
    }
    Ok(samples)
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
        if pcm.len() < samples {
            return Err(CodecError::OutputTooSmall {
                needed: samples,
                available: pcm.len(),
            });
        }
        let decoded = self
            .decoder
            .decode(payload, samples, &mut self.scratch)
            .map_err(backend)?;
        self.export(decoded, pcm);
        Ok(decoded)
    }

    fn conceal(&mut self, pcm: &mut [i16]) -> Result<bool, CodecError> {
        self.check_concealment_length(pcm.len())?;
        let decoded = self
            .decoder
            .decode(&[], pcm.len(), &mut self.scratch)
            .map_err(backend)?;
        self.export(decoded, pcm);
        Ok(true)
    }

    fn decode_fec(&mut self, next_payload: &[u8], pcm: &mut [i16]) -> Result<bool, CodecError> {
        self.check_concealment_length(pcm.len())?;
        let next_samples = packet_samples(next_payload)?;
        // The library conceals silently when there is no FEC; say "no" instead, so the caller
        // knows the frame is a guess.
        if !carries_fec(next_payload) || next_samples > pcm.len() {
            return Ok(false);
        }
        let decoded = self
            .decoder
            .decode_fec(next_payload, pcm.len(), &mut self.scratch)
            .map_err(backend)?;
        self.export(decoded, pcm);
        Ok(true)
    }

    fn reset(&mut self) {
        if let Ok(decoder) = OpusDecoder::new(SAMPLE_RATE as i32, 1) {
            self.decoder = decoder;
        }
    }
}

/// Whether the first frame of a packet has SILK LBRR (in-band FEC) data (RFC 6716 §4.2.3-4.2.4).
pub fn carries_fec(packet: &[u8]) -> bool {
    let Some(&toc) = packet.first() else {
        return false;
    };
    // CELT-only packets have no SILK layer, hence no LBRR.
    if toc >> 3 >= 16 {
        return false;
    }
    let stereo = toc & 0x04 != 0;
    let first_frame = match toc & 0x03 {
        // Codes 0-2 start the frame data right after the TOC (code 1/2 add a length for 2).
        0 | 1 => packet.get(1..),
        2 => frame_after_length(packet, 1),
        _ => code3_first_frame(packet),
    };
    let Some(&first) = first_frame.and_then(|frame| frame.first()) else {
        return false;
    };
    // The range coder's first symbols are the VAD flags then the LBRR flag, each taking half
    // the probability space: they are the top bits of the first byte.
    let silk_frames = match (toc >> 3) % 4 {
        // 10 and 20 ms SILK frames carry one VAD flag, 40 ms two, 60 ms three (hybrid: 1).
        2 if toc >> 3 < 12 => 2,
        3 if toc >> 3 < 12 => 3,
        _ => 1,
    };
    let lbrr_bit: u32 = 7 - silk_frames;
    let mid_has_lbrr = first & (1 << lbrr_bit) != 0;
    if stereo {
        let side_lbrr_bit = lbrr_bit.saturating_sub(silk_frames + 1);
        mid_has_lbrr || first & (1 << side_lbrr_bit) != 0
    } else {
        mid_has_lbrr
    }
}

/// The frame data after a one- or two-byte frame length at `offset`.
fn frame_after_length(packet: &[u8], offset: usize) -> Option<&[u8]> {
    let first = *packet.get(offset)?;
    let skip = if first < 252 { 1 } else { 2 };
    packet.get(offset + skip..)
}

/// The first frame of a code 3 packet, skipping the frame count and padding lengths.
fn code3_first_frame(packet: &[u8]) -> Option<&[u8]> {
    let count_byte = *packet.get(1)?;
    let mut offset = 2;
    if count_byte & 0x40 != 0 {
        // Padding length bytes: 255 means "254 and another byte follows".
        loop {
            let value = *packet.get(offset)?;
            offset += 1;
            if value != 255 {
                break;
            }
        }
    }
    if count_byte & 0x80 != 0 {
        // VBR: the first frame's length comes first.
        frame_after_length(packet, offset)
    } else {
        packet.get(offset..)
    }
}
