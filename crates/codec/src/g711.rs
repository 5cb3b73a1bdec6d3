//! G.711 logarithmic PCM, µ-law (PCMU) and A-law (PCMA), as ITU-T G.711 defines them.
//!
//! Encoding works on the 14-bit (µ-law) or 13-bit (A-law) magnitude that G.711 quantizes, taken
//! from the top bits of 16-bit PCM with the ITU convention of one's complement for negative
//! values (so -1 codes like 0). Decoding returns the segment midpoints scaled to 16 bits.

use std::time::Duration;

use crate::error::output_prefix;
use crate::{AudioDecoder, AudioEncoder, CodecError, CodecId, CodecInfo, FrameSizes};

/// The two G.711 companding laws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Law {
    /// µ-law, used in North America and Japan (PCMU, payload type 0).
    MuLaw,
    /// A-law, used elsewhere (PCMA, payload type 8).
    ALaw,
}

/// Bias µ-law adds to the 14-bit magnitude so that segment boundaries fall on powers of two.
const ULAW_BIAS: i32 = 33;
/// Largest biased 14-bit magnitude µ-law can represent.
const ULAW_MAX: i32 = 0x1FFF;

/// Compresses one 16-bit sample to µ-law.
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let value = i32::from(sample);
    // One's complement for negatives: the 14-bit magnitude of -1 is 0, as in G.711.
    let magnitude = if value < 0 { !value } else { value } >> 2;
    let biased = (magnitude + ULAW_BIAS).min(ULAW_MAX);
    // Segment 0 covers biased values 32..63, segment 7 covers 4096..8191.
    let segment = (31 - (biased as u32).leading_zeros()) as i32 - 5;
    let mantissa = (biased >> (segment + 1)) & 0x0F;
    let code = ((segment << 4) | mantissa) as u8;
    // Codes are transmitted inverted; the sign bit is 1 for positive values.
    let sign = if value >= 0 { 0x80 } else { 0x00 };
    !(code | 0x80) & 0x7F | sign
}

/// Expands one µ-law code to a 16-bit sample.
pub const fn ulaw_to_linear(code: u8) -> i16 {
    let inverted = !code;
    let segment = ((inverted >> 4) & 0x07) as i32;
    let mantissa = (inverted & 0x0F) as i32;
    // Midpoint of the quantization interval in the biased 14-bit domain, then scaled to 16 bits.
    let magnitude = (((mantissa << 3) + 0x84) << segment) - 0x84;
    if code & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

/// Compresses one 16-bit sample to A-law.
pub fn linear_to_alaw(sample: i16) -> u8 {
    let value = i32::from(sample);
    let magnitude = if value < 0 { !value } else { value } >> 4;
    let code = if magnitude < 32 {
        // Segments 0 and 1 share one step size: the 5 bits are the code itself.
        magnitude
    } else {
        let segment = (31 - (magnitude as u32).leading_zeros()) as i32 - 3;
        (segment << 4) | ((magnitude >> (segment - 1)) & 0x0F)
    };
    let sign = if value >= 0 { 0x80 } else { 0x00 };
    // Even bits are inverted on the line (G.711 "alternate digit inversion").
    ((code as u8) | sign) ^ 0x55
}

/// Expands one A-law code to a 16-bit sample.
pub const fn alaw_to_linear(code: u8) -> i16 {
    let plain = (code ^ 0x55) as i32;
    let segment = (plain >> 4) & 0x07;
    let mut mantissa = plain & 0x0F;
    if segment > 0 {
        mantissa += 16;
    }
    let mut magnitude = (mantissa << 4) + 8;
    if segment > 1 {
        magnitude <<= segment - 1;
    }
    if plain & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

const fn expansion_table(law: Law) -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        table[code] = match law {
            Law::MuLaw => ulaw_to_linear(code as u8),
            Law::ALaw => alaw_to_linear(code as u8),
        };
        code += 1;
    }
    table
}

static ULAW_TABLE: [i16; 256] = expansion_table(Law::MuLaw);
static ALAW_TABLE: [i16; 256] = expansion_table(Law::ALaw);

const STEP: Duration = Duration::from_micros(125);

pub(crate) fn info(law: Law) -> CodecInfo {
    let (id, name, pt) = match law {
        Law::MuLaw => (CodecId::Pcmu, "PCMU", 0),
        Law::ALaw => (CodecId::Pcma, "PCMA", 8),
    };
    CodecInfo {
        id,
        encoding_name: name,
        clock_rate: 8000,
        sample_rate: 8000,
        channels: 1,
        payload_type: Some(pt),
        frame_sizes: FrameSizes::MultipleOf(STEP),
        default_frame: Duration::from_millis(20),
        bitrate: 64_000,
    }
}

/// G.711 encoder: one byte per sample.
#[derive(Debug, Clone)]
pub struct G711Encoder {
    law: Law,
    info: CodecInfo,
}

impl G711Encoder {
    /// Creates an encoder for `law`.
    pub fn new(law: Law) -> Self {
        Self {
            law,
            info: info(law),
        }
    }
}

impl AudioEncoder for G711Encoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn encode(&mut self, pcm: &[i16], payload: &mut [u8]) -> Result<usize, CodecError> {
        if pcm.is_empty() {
            return Err(CodecError::FrameSize {
                codec: self.info.encoding_name,
                samples: 0,
            });
        }
        let out = output_prefix(payload, pcm.len())?;
        let compress = match self.law {
            Law::MuLaw => linear_to_ulaw,
            Law::ALaw => linear_to_alaw,
        };
        for (byte, sample) in out.iter_mut().zip(pcm) {
            *byte = compress(*sample);
        }
        Ok(pcm.len())
    }

    fn reset(&mut self) {}
}

/// G.711 decoder: one sample per byte.
#[derive(Debug, Clone)]
pub struct G711Decoder {
    table: &'static [i16; 256],
    info: CodecInfo,
}

impl G711Decoder {
    /// Creates a decoder for `law`.
    pub fn new(law: Law) -> Self {
        let table = match law {
            Law::MuLaw => &ULAW_TABLE,
            Law::ALaw => &ALAW_TABLE,
        };
        Self {
            table,
            info: info(law),
        }
    }
}

impl AudioDecoder for G711Decoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn decoded_samples(&self, payload: &[u8]) -> Result<usize, CodecError> {
        Ok(payload.len())
    }

    fn decode(&mut self, payload: &[u8], pcm: &mut [i16]) -> Result<usize, CodecError> {
        let out = output_prefix(pcm, payload.len())?;
        for (sample, byte) in out.iter_mut().zip(payload) {
            *sample = self.table[usize::from(*byte)];
        }
        Ok(payload.len())
    }

    fn decode_ahead(&self, payload: &[u8], pcm: &mut [i16]) -> Result<Option<usize>, CodecError> {
        self.clone().decode(payload, pcm).map(Some)
    }

    fn reset(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_codes() {
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(linear_to_ulaw(-1), 0x7F);
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(ulaw_to_linear(0x7F), 0);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(linear_to_alaw(-1), 0x55);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
    }

    #[test]
    fn full_scale_clips_to_the_last_segment() {
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(linear_to_alaw(i16::MAX), 0xAA);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2A);
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(alaw_to_linear(0x2A), -32256);
    }

    #[test]
    fn every_code_survives_a_round_trip() {
        for code in 0..=255u8 {
            let u = ulaw_to_linear(code);
            // µ-law has two zero codes (0x7F and 0xFF) that expand to the same value.
            if u != 0 {
                assert_eq!(linear_to_ulaw(u), code, "µ-law code {code:#04x}");
            }
            assert_eq!(
                linear_to_alaw(alaw_to_linear(code)),
                code,
                "A-law code {code:#04x}"
            );
        }
    }

    #[test]
    fn expansion_is_monotonic_in_the_input() {
        let mut previous = (
            ulaw_to_linear(linear_to_ulaw(i16::MIN)),
            alaw_to_linear(linear_to_alaw(i16::MIN)),
        );
        for sample in i16::MIN..=i16::MAX {
            let now = (
                ulaw_to_linear(linear_to_ulaw(sample)),
                alaw_to_linear(linear_to_alaw(sample)),
            );
            assert!(now.0 >= previous.0 && now.1 >= previous.1, "at {sample}");
            previous = now;
        }
    }

    #[test]
    fn codec_interface_checks_buffers() {
        let mut encoder = G711Encoder::new(Law::ALaw);
        let mut small = [0u8; 2];
        assert!(matches!(
            encoder.encode(&[0; 4], &mut small),
            Err(CodecError::OutputTooSmall {
                needed: 4,
                available: 2
            })
        ));
        let mut payload = [0u8; 160];
        let pcm: Vec<i16> = (0..160).map(|i| (i * 200 - 16000) as i16).collect();
        assert_eq!(encoder.encode(&pcm, &mut payload), Ok(160));
        let mut decoder = G711Decoder::new(Law::ALaw);
        let mut out = [0i16; 160];
        assert_eq!(decoder.decode(&payload, &mut out), Ok(160));
        for (a, b) in pcm.iter().zip(&out) {
            // A-law's largest step is 1024 in the top segment.
            assert!((a - b).abs() <= 512, "{a} vs {b}");
        }
        assert_eq!(decoder.conceal(&mut out), Ok(false));
    }
}
