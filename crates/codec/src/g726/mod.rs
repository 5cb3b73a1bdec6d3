//! G.726 ADPCM at 32 kbit/s (`G726-32`), with both ways of packing 4-bit codes into bytes.

mod adpcm;

use std::time::Duration;

use crate::error::output_prefix;
use crate::{AudioDecoder, AudioEncoder, CodecError, CodecId, CodecInfo, FrameSizes};
use adpcm::AdpcmState;

/// Order of the two 4-bit codes in each payload byte.
///
/// The account setting "G.726-32 Packing Mode" chooses it: 0 is ITU, 1 is IETF.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Packing {
    /// ITU-T I.366.2 (AAL2) order: the first code in the four most significant bits.
    /// Announced in SDP as `AAL2-G726-32`.
    Itu,
    /// RFC 3551 order: the first code in the four least significant bits. `G726-32` in SDP.
    #[default]
    Ietf,
}

impl Packing {
    /// The packing for the value of the account setting (0 = ITU, 1 = IETF).
    pub fn from_setting(value: u8) -> Option<Self> {
        match value {
            0 => Some(Self::Itu),
            1 => Some(Self::Ietf),
            _ => None,
        }
    }

    /// Splits a byte into its (first, second) codes.
    fn split(self, byte: u8) -> (u8, u8) {
        match self {
            Self::Itu => (byte >> 4, byte & 0x0F),
            Self::Ietf => (byte & 0x0F, byte >> 4),
        }
    }

    /// Joins two codes, first and second in time, into a byte.
    fn join(self, first: u8, second: u8) -> u8 {
        match self {
            Self::Itu => (first << 4) | second,
            Self::Ietf => (second << 4) | first,
        }
    }

    fn encoding_name(self) -> &'static str {
        match self {
            Self::Itu => "AAL2-G726-32",
            Self::Ietf => "G726-32",
        }
    }
}

pub(crate) fn info(packing: Packing) -> CodecInfo {
    CodecInfo {
        id: CodecId::G726_32,
        encoding_name: packing.encoding_name(),
        clock_rate: 8000,
        sample_rate: 8000,
        channels: 1,
        // Payload type 2 was withdrawn by RFC 3551: G726-32 is always dynamic.
        payload_type: None,
        // One byte holds two samples.
        frame_sizes: FrameSizes::MultipleOf(Duration::from_micros(250)),
        default_frame: Duration::from_millis(20),
        bitrate: 32_000,
    }
}

/// Converts 16-bit PCM to the 14-bit uniform PCM G.726 codes.
fn to_14_bit(sample: i16) -> i32 {
    i32::from(sample) >> 2
}

/// Converts G.726's reconstructed signal back to 16-bit PCM.
fn to_16_bit(signal: i32) -> i16 {
    (signal << 2).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// G.726-32 encoder.
#[derive(Debug, Clone)]
pub struct G726Encoder {
    state: AdpcmState,
    packing: Packing,
    info: CodecInfo,
}

impl G726Encoder {
    /// Creates an encoder writing bytes in `packing` order.
    pub fn new(packing: Packing) -> Self {
        Self {
            state: AdpcmState::default(),
            packing,
            info: info(packing),
        }
    }
}

impl AudioEncoder for G726Encoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn encode(&mut self, pcm: &[i16], payload: &mut [u8]) -> Result<usize, CodecError> {
        if pcm.is_empty() || !pcm.len().is_multiple_of(2) {
            return Err(CodecError::FrameSize {
                codec: "G726-32",
                samples: pcm.len(),
            });
        }
        let bytes = pcm.len() / 2;
        let out = output_prefix(payload, bytes)?;
        for (byte, pair) in out.iter_mut().zip(pcm.chunks_exact(2)) {
            let first = self.state.encode(to_14_bit(pair[0]));
            let second = self.state.encode(to_14_bit(pair[1]));
            *byte = self.packing.join(first, second);
        }
        Ok(bytes)
    }

    fn reset(&mut self) {
        self.state = AdpcmState::default();
    }
}

/// G.726-32 decoder.
#[derive(Debug, Clone)]
pub struct G726Decoder {
    state: AdpcmState,
    packing: Packing,
    info: CodecInfo,
}

impl G726Decoder {
    /// Creates a decoder reading bytes in `packing` order.
    pub fn new(packing: Packing) -> Self {
        Self {
            state: AdpcmState::default(),
            packing,
            info: info(packing),
        }
    }
}

impl AudioDecoder for G726Decoder {
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
            let (first, second) = self.packing.split(*byte);
            pair[0] = to_16_bit(self.state.decode(first));
            pair[1] = to_16_bit(self.state.decode(second));
        }
        Ok(samples)
    }

    fn decode_ahead(&self, payload: &[u8], pcm: &mut [i16]) -> Result<Option<usize>, CodecError> {
        self.clone().decode(payload, pcm).map(Some)
    }

    fn follow_concealment(&mut self, pcm: &[i16]) {
        // Encoding adapts the state exactly as decoding the resulting code would.
        for &sample in pcm {
            self.state.encode(to_14_bit(sample));
        }
    }

    fn reset(&mut self) {
        self.state = AdpcmState::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(samples: usize) -> Vec<i16> {
        (0..samples)
            .map(|n| ((n as f64 * 0.3).sin() * 12000.0) as i16)
            .collect()
    }

    #[test]
    fn packings_hold_the_same_codes_in_swapped_nibbles() {
        let pcm = tone(160);
        let mut itu = [0u8; 80];
        let mut ietf = [0u8; 80];
        G726Encoder::new(Packing::Itu)
            .encode(&pcm, &mut itu)
            .unwrap();
        G726Encoder::new(Packing::Ietf)
            .encode(&pcm, &mut ietf)
            .unwrap();
        for (a, b) in itu.iter().zip(&ietf) {
            assert_eq!(a.rotate_left(4), *b);
        }
        assert_ne!(
            itu, ietf,
            "a tone gives codes that differ between neighbours"
        );
    }

    #[test]
    fn following_the_lost_audio_puts_the_decoder_back_in_step() {
        let signal = tone(160 * 8);
        let mut encoder = G726Encoder::new(Packing::Ietf);
        let payloads: Vec<Vec<u8>> = signal
            .chunks(160)
            .map(|frame| {
                let mut payload = vec![0u8; 80];
                encoder.encode(frame, &mut payload).unwrap();
                payload
            })
            .collect();
        let decode_after_loss = |follow: bool| {
            let mut decoder = G726Decoder::new(Packing::Ietf);
            let mut pcm = vec![0i16; 160];
            for (index, payload) in payloads.iter().enumerate().take(7) {
                if index == 3 {
                    // Frame 3 is lost; the best concealment would be the audio itself.
                    if follow {
                        decoder.follow_concealment(&signal[480..640]);
                    }
                    continue;
                }
                decoder.decode(payload, &mut pcm).unwrap();
            }
            pcm
        };
        let mut reference = G726Decoder::new(Packing::Ietf);
        let mut expected = vec![0i16; 160];
        for payload in payloads.iter().take(7) {
            reference.decode(payload, &mut expected).unwrap();
        }
        assert_eq!(decode_after_loss(true), expected);
        assert_ne!(decode_after_loss(false), expected);
    }

    #[test]
    fn round_trip_follows_the_signal() {
        let pcm = tone(1600);
        let mut payload = vec![0u8; 800];
        let mut encoder = G726Encoder::new(Packing::Itu);
        encoder.encode(&pcm, &mut payload).unwrap();
        let mut decoder = G726Decoder::new(Packing::Itu);
        let mut out = vec![0i16; 1600];
        assert_eq!(decoder.decode(&payload, &mut out), Ok(1600));
        let signal: f64 = pcm[800..].iter().map(|s| f64::from(*s).powi(2)).sum();
        let noise: f64 = pcm[800..]
            .iter()
            .zip(&out[800..])
            .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
            .sum();
        let snr = 10.0 * (signal / noise).log10();
        assert!(snr > 20.0, "SNR {snr:.1} dB");
    }

    #[test]
    fn reset_restarts_the_stream() {
        let pcm = tone(320);
        let mut encoder = G726Encoder::new(Packing::Ietf);
        let mut first = [0u8; 160];
        let mut again = [0u8; 160];
        encoder.encode(&pcm, &mut first).unwrap();
        encoder.reset();
        encoder.encode(&pcm, &mut again).unwrap();
        assert_eq!(first, again);
    }

    #[test]
    fn odd_frames_are_refused() {
        let mut encoder = G726Encoder::new(Packing::Ietf);
        let mut payload = [0u8; 8];
        assert!(matches!(
            encoder.encode(&[0; 3], &mut payload),
            Err(CodecError::FrameSize { .. })
        ));
        assert_eq!(Packing::from_setting(0), Some(Packing::Itu));
        assert_eq!(Packing::from_setting(1), Some(Packing::Ietf));
        assert_eq!(Packing::from_setting(2), None);
    }
}
