//! G.722 sub-band ADPCM at 64 kbit/s (ITU-T G.722): 16 kHz audio split by a QMF into two bands,
//! the lower coded with 6 bits and the higher with 2 bits per 8 kHz sample, one byte per pair.

mod band;
mod qmf;

use std::time::Duration;

use crate::error::output_prefix;
use crate::{AudioDecoder, AudioEncoder, CodecError, CodecId, CodecInfo, FrameSizes};
use band::{Band, HIGHER, LOWER};
use qmf::Qmf;

/// Lower-band quantizer decision levels (Table 12/G.722, Q6), one per magnitude interval.
const LOW_DECISION_LEVELS: [i32; 29] = [
    35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023,
    1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
];
/// Lower-band 6-bit inverse quantizer output levels (QQ6 with sign, Table 14/G.722).
const LOW_LEVELS_6: [i32; 64] = [
    -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232,
    -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776,
    -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280,
    11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776,
    2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
];
/// Lower-band 4-bit inverse quantizer levels used for prediction (QQ4 with sign).
const LOW_LEVELS_4: [i32; 16] = [
    0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584,
    1200, 0,
];
/// Lower-band log scale factor multipliers per 4-bit code (WL indexed through RIL).
const LOW_LOG_STEPS: [i32; 16] = [
    -60, 3042, 1198, 538, 334, 172, 58, -30, 3042, 1198, 538, 334, 172, 58, -30, -60,
];
/// Higher-band inverse quantizer levels per 2-bit code (QQ2 with sign).
const HIGH_LEVELS: [i32; 4] = [-7408, -1616, 7408, 1616];
/// Higher-band log scale factor multipliers per 2-bit code (WH indexed through RIH2).
const HIGH_LOG_STEPS: [i32; 4] = [798, -214, 798, -214];
/// Higher-band decision level (Q2 = 564, units of the scale factor / 4096).
const HIGH_DECISION_LEVEL: i32 = 564;

fn saturate(value: i32) -> i32 {
    value.clamp(i32::from(i16::MIN), i32::from(i16::MAX))
}

/// Difference magnitude as G.722 compares it: one's complement for negative values.
fn magnitude(difference: i32) -> i32 {
    if difference >= 0 {
        difference
    } else {
        -(difference + 1)
    }
}

/// QUANTL: the 6-bit lower-band code for the difference `el` at scale factor `scale`.
fn quantize_low(el: i32, scale: i32) -> u8 {
    let wd = magnitude(el);
    let interval = LOW_DECISION_LEVELS
        .iter()
        .take_while(|level| wd >= ((**level * scale) >> 12))
        .count() as u8;
    if el >= 0 {
        61 - interval
    } else if interval < 2 {
        63 - interval
    } else {
        33 - interval
    }
}

/// QUANTH: the 2-bit higher-band code.
fn quantize_high(eh: i32, scale: i32) -> u8 {
    let outer = magnitude(eh) >= ((HIGH_DECISION_LEVEL * scale) >> 12);
    match (eh >= 0, outer) {
        (true, false) => 3,
        (true, true) => 2,
        (false, false) => 1,
        (false, true) => 0,
    }
}

pub(crate) fn info() -> CodecInfo {
    CodecInfo {
        id: CodecId::G722,
        encoding_name: "G722",
        // RFC 3551 keeps the 8000 Hz clock of the original RTP profile for G.722.
        clock_rate: 8000,
        sample_rate: 16000,
        channels: 1,
        payload_type: Some(9),
        frame_sizes: FrameSizes::MultipleOf(Duration::from_micros(125)),
        default_frame: Duration::from_millis(20),
        bitrate: 64_000,
    }
}

/// G.722 encoder (64 kbit/s mode).
#[derive(Debug, Clone)]
pub struct G722Encoder {
    qmf: Qmf,
    low: Band,
    high: Band,
    info: CodecInfo,
}

impl Default for G722Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl G722Encoder {
    /// Creates an encoder in its reset state.
    pub fn new() -> Self {
        Self {
            qmf: Qmf::default(),
            low: Band::new(LOWER),
            high: Band::new(HIGHER),
            info: info(),
        }
    }

    fn encode_pair(&mut self, first: i16, second: i16) -> u8 {
        let (xlow, xhigh) = self.qmf.analyse(first, second);

        let low_code = quantize_low(saturate(xlow - self.low.prediction()), self.low.scale());
        let quarter = usize::from(low_code >> 2);
        let dlow = self.low.dequantize(LOW_LEVELS_4[quarter]);
        self.low.update(dlow, LOW_LOG_STEPS[quarter]);

        let high_code = quantize_high(saturate(xhigh - self.high.prediction()), self.high.scale());
        let dhigh = self.high.dequantize(HIGH_LEVELS[usize::from(high_code)]);
        self.high
            .update(dhigh, HIGH_LOG_STEPS[usize::from(high_code)]);

        (high_code << 6) | low_code
    }
}

impl AudioEncoder for G722Encoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn encode(&mut self, pcm: &[i16], payload: &mut [u8]) -> Result<usize, CodecError> {
        if pcm.is_empty() || !pcm.len().is_multiple_of(2) {
            return Err(CodecError::FrameSize {
                codec: "G722",
                samples: pcm.len(),
            });
        }
        let bytes = pcm.len() / 2;
        let out = output_prefix(payload, bytes)?;
        for (byte, pair) in out.iter_mut().zip(pcm.chunks_exact(2)) {
            *byte = self.encode_pair(pair[0], pair[1]);
        }
        Ok(bytes)
    }

    fn reset(&mut self) {
        *self = Self::new();
    }
}

/// G.722 decoder (64 kbit/s mode).
#[derive(Debug, Clone)]
pub struct G722Decoder {
    qmf: Qmf,
    low: Band,
    high: Band,
    info: CodecInfo,
}

impl Default for G722Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl G722Decoder {
    /// Creates a decoder in its reset state.
    pub fn new() -> Self {
        Self {
            qmf: Qmf::default(),
            low: Band::new(LOWER),
            high: Band::new(HIGHER),
            info: info(),
        }
    }

    fn decode_byte(&mut self, byte: u8) -> (i16, i16) {
        let low_code = usize::from(byte & 0x3F);
        let high_code = usize::from(byte >> 6);

        // The output uses all 6 bits; the predictor sees only the 4 that survive 48 kbit/s.
        let rlow = (self.low.prediction() + self.low.dequantize(LOW_LEVELS_6[low_code]))
            .clamp(-16384, 16383);
        let quarter = low_code >> 2;
        let dlow = self.low.dequantize(LOW_LEVELS_4[quarter]);
        self.low.update(dlow, LOW_LOG_STEPS[quarter]);

        let dhigh = self.high.dequantize(HIGH_LEVELS[high_code]);
        let rhigh = (self.high.prediction() + dhigh).clamp(-16384, 16383);
        self.high.update(dhigh, HIGH_LOG_STEPS[high_code]);

        self.qmf.synthesise(rlow, rhigh)
    }
}

impl AudioDecoder for G722Decoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn decoded_samples(&self, payload: &[u8]) -> Result<usize, CodecError> {
        Ok(payload.len() * 2)
    }

    fn decode(&mut self, payload: &[u8], pcm: &mut [i16]) -> Result<usize, CodecError> {
        let samples = payload.len() * 2;
        let out = output_prefix(pcm, samples)?;
        for (pair, byte) in out.chunks_exact_mut(2).zip(payload) {
            let (first, second) = self.decode_byte(*byte);
            pair[0] = first;
            pair[1] = second;
        }
        Ok(samples)
    }

    fn decode_ahead(&self, payload: &[u8], pcm: &mut [i16]) -> Result<Option<usize>, CodecError> {
        self.clone().decode(payload, pcm).map(Some)
    }

    fn follow_concealment(&mut self, pcm: &[i16]) {
        // Code the concealment with band states copied from ours and decode the codes: the
        // adaptive predictors and step sizes then track audio like what the sender coded.
        let mut encoder = G722Encoder {
            qmf: Qmf::default(),
            low: self.low.clone(),
            high: self.high.clone(),
            info: info(),
        };
        for pair in pcm.chunks_exact(2) {
            let code = encoder.encode_pair(pair[0], pair[1]);
            self.decode_byte(code);
        }
    }

    fn reset(&mut self) {
        *self = Self::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep(samples: usize) -> Vec<i16> {
        let mut phase = 0.0f64;
        (0..samples)
            .map(|n| {
                let frequency = 100.0 + 6900.0 * n as f64 / samples as f64;
                phase += 2.0 * std::f64::consts::PI * frequency / 16000.0;
                (phase.sin() * 10000.0) as i16
            })
            .collect()
    }

    #[test]
    fn decoding_ahead_matches_decoding_and_leaves_the_state_alone() {
        let signal = sweep(320 * 3);
        let mut encoder = G722Encoder::new();
        let mut payloads = Vec::new();
        for frame in signal.chunks(320) {
            let mut payload = vec![0u8; 160];
            let length = encoder.encode(frame, &mut payload).unwrap();
            payloads.push(payload[..length].to_vec());
        }
        let mut decoder = G722Decoder::new();
        let mut pcm = vec![0i16; 320];
        decoder.decode(&payloads[0], &mut pcm).unwrap();
        // Look at the third frame past a lost second one, then decode it for real.
        let mut ahead = vec![0i16; 320];
        assert_eq!(
            decoder.decode_ahead(&payloads[2], &mut ahead).unwrap(),
            Some(320)
        );
        let mut again = vec![0i16; 320];
        assert_eq!(
            decoder.decode_ahead(&payloads[2], &mut again).unwrap(),
            Some(320)
        );
        assert_eq!(ahead, again, "looking ahead changed the decoder");
        decoder.decode(&payloads[2], &mut pcm).unwrap();
        assert_eq!(ahead, pcm);
    }

    #[test]
    fn following_the_lost_audio_brings_the_decoder_close_to_the_sender() {
        let signal = sweep(320 * 8);
        let mut encoder = G722Encoder::new();
        let payloads: Vec<Vec<u8>> = signal
            .chunks(320)
            .map(|frame| {
                let mut payload = vec![0u8; 160];
                encoder.encode(frame, &mut payload).unwrap();
                payload
            })
            .collect();
        let decode = |lost: Option<bool>| {
            let mut decoder = G722Decoder::new();
            let mut out = Vec::new();
            for (index, payload) in payloads.iter().enumerate() {
                let mut pcm = vec![0i16; 320];
                match lost {
                    Some(follow) if index == 3 => {
                        if follow {
                            decoder.follow_concealment(&signal[960..1280]);
                        }
                    }
                    _ => {
                        decoder.decode(payload, &mut pcm).unwrap();
                    }
                }
                out.extend(pcm);
            }
            out
        };
        let reference = decode(None);
        let error = |decoded: &[i16]| -> f64 {
            decoded[320 * 4..]
                .iter()
                .zip(&reference[320 * 4..])
                .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
                .sum()
        };
        let followed = error(&decode(Some(true)));
        let stale = error(&decode(Some(false)));
        assert!(
            followed * 4.0 < stale,
            "followed {followed} vs stale {stale}"
        );
    }

    #[test]
    fn quantizer_codes_cover_both_signs() {
        // At the smallest scale the first decision levels round down to zero.
        assert_eq!(quantize_low(0, 32), 58);
        assert_eq!(quantize_low(0, 4096), 61);
        assert_eq!(quantize_low(-1, 4096), 63);
        assert_eq!(quantize_low(-40, 4096), 62);
        assert_eq!(quantize_low(-80, 4096), 31);
        assert_eq!(quantize_low(30000, 32), 32);
        assert_eq!(quantize_low(-30000, 32), 4);
        assert_eq!(quantize_high(0, 8), 3);
        assert_eq!(quantize_high(-30000, 8), 0);
    }

    #[test]
    fn silence_decodes_to_near_silence() {
        let mut encoder = G722Encoder::new();
        let mut payload = [0u8; 160];
        encoder.encode(&[0; 320], &mut payload).unwrap();
        let mut decoder = G722Decoder::new();
        let mut pcm = [0i16; 320];
        decoder.decode(&payload, &mut pcm).unwrap();
        assert!(pcm.iter().all(|s| s.abs() < 16), "{pcm:?}");
    }

    #[test]
    fn sweep_round_trip_has_a_high_snr() {
        let input = sweep(16000);
        let mut payload = vec![0u8; 8000];
        G722Encoder::new().encode(&input, &mut payload).unwrap();
        let mut output = vec![0i16; 16000];
        G722Decoder::new().decode(&payload, &mut output).unwrap();
        // The QMF pair delays the signal by 22 samples.
        let delay = 22;
        let signal: f64 = input[..16000 - delay]
            .iter()
            .map(|s| f64::from(*s).powi(2))
            .sum();
        let noise: f64 = input[..16000 - delay]
            .iter()
            .zip(&output[delay..])
            .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
            .sum();
        let snr = 10.0 * (signal / noise).log10();
        assert!(snr > 15.0, "SNR {snr:.1} dB");
    }

    #[test]
    fn full_scale_square_wave_does_not_overflow() {
        let input: Vec<i16> = (0..3200)
            .map(|n| {
                if (n / 20) % 2 == 0 {
                    i16::MAX
                } else {
                    i16::MIN
                }
            })
            .collect();
        let mut payload = vec![0u8; 1600];
        let mut encoder = G722Encoder::new();
        encoder.encode(&input, &mut payload).unwrap();
        let mut output = vec![0i16; 3200];
        G722Decoder::new().decode(&payload, &mut output).unwrap();
        assert!(output.iter().any(|s| *s > 20000) && output.iter().any(|s| *s < -20000));
        encoder.reset();
        let mut again = vec![0u8; 1600];
        encoder.encode(&input, &mut again).unwrap();
        assert_eq!(payload, again);
    }
}
