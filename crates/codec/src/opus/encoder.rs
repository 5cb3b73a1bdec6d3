//! The Opus encoder over libopus.

use super::libopus::{self, Encoder};
use super::{
    backend, info, max_bandwidth, OpusSettings, COMPLEXITY, MAX_PACKET_BYTES, SAMPLE_RATE,
};
use crate::{AudioEncoder, CodecError, CodecInfo, EncoderHints};

/// Opus encoder.
pub struct OpusAudioEncoder {
    encoder: Encoder,
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
            Encoder::new(SAMPLE_RATE as i32, libopus::OPUS_APPLICATION_VOIP).map_err(backend)?;
        // Discontinuous transmission stays off (the trait promises a payload per frame); VBR
        // stays at the library's default (on, unconstrained).
        encoder
            .set(libopus::OPUS_SET_COMPLEXITY_REQUEST, COMPLEXITY)
            .map_err(backend)?;
        encoder
            .set(libopus::OPUS_SET_DTX_REQUEST, 0)
            .map_err(backend)?;
        let mut this = Self {
            encoder,
            settings,
            info: info(settings.effective_bitrate()),
        };
        this.apply()?;
        Ok(this)
    }

    fn apply(&mut self) -> Result<(), CodecError> {
        // The library rejects 0 and raises anything below 500 bit/s to 500.
        let effective = self.settings.effective_bitrate();
        self.info.bitrate = effective;
        let bitrate = i32::try_from(effective.max(500)).unwrap_or(i32::MAX);
        let settings = [
            (libopus::OPUS_SET_BITRATE_REQUEST, bitrate),
            (
                libopus::OPUS_SET_INBAND_FEC_REQUEST,
                i32::from(self.settings.inband_fec),
            ),
            (
                libopus::OPUS_SET_PACKET_LOSS_PERC_REQUEST,
                i32::from(self.settings.expected_loss_percent.min(100)),
            ),
            (
                libopus::OPUS_SET_MAX_BANDWIDTH_REQUEST,
                max_bandwidth(self.settings.max_playback_rate),
            ),
        ];
        for (request, value) in settings {
            self.encoder.set(request, value).map_err(backend)?;
        }
        Ok(())
    }
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
            .encode(pcm, &mut payload[..limit])
            .map_err(backend)
    }

    fn set_hints(&mut self, hints: &EncoderHints) -> Result<(), CodecError> {
        if let Some(bitrate) = hints.bitrate {
            self.settings.bitrate = bitrate;
        }
        if let Some(loss) = hints.expected_loss_percent {
            self.settings.expected_loss_percent = loss.min(100);
        }
        if let Some(fec) = hints.inband_fec {
            self.settings.inband_fec = fec;
        }
        self.apply()
    }

    fn reset(&mut self) {
        self.encoder.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The audio band of a packet from its TOC (RFC 6716 §3.1), in Hz of sample rate.
    fn coded_rate(packet: &[u8]) -> u32 {
        match packet[0] >> 3 {
            0..=3 | 16..=19 => 8000,
            4..=7 => 12_000,
            8..=11 | 20..=23 => 16_000,
            12..=13 | 24..=27 => 24_000,
            _ => 48_000,
        }
    }

    /// A loud broadband signal: tones across the whole band.
    fn broadband(frame: usize, index: usize) -> Vec<i16> {
        (0..frame)
            .map(|n| {
                let t = (index * frame + n) as f64 / 48_000.0;
                let value: f64 = [300.0, 2500.0, 7000.0, 11_000.0, 17_000.0]
                    .iter()
                    .map(|f| 5000.0 * (2.0 * std::f64::consts::PI * f * t).sin())
                    .sum();
                value as i16
            })
            .collect()
    }

    fn widest_band(max_playback_rate: u32) -> u32 {
        let settings = OpusSettings {
            bitrate: 64_000,
            max_playback_rate,
            ..OpusSettings::default()
        };
        let mut encoder = OpusAudioEncoder::new(settings).unwrap();
        let mut packet = vec![0u8; MAX_PACKET_BYTES];
        (0..50)
            .map(|index| {
                let length = encoder.encode(&broadband(960, index), &mut packet).unwrap();
                coded_rate(&packet[..length])
            })
            .max()
            .unwrap()
    }

    #[test]
    fn the_peers_playback_rate_bounds_the_coded_band() {
        assert_eq!(widest_band(16_000), 16_000);
        assert_eq!(widest_band(8000), 8000);
        assert!(widest_band(48_000) > 16_000);
    }
}
