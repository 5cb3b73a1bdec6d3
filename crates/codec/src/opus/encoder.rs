//! The Opus encoder over libopus.

use super::libopus::{self, Encoder};
use super::{backend, info, OpusSettings, COMPLEXITY, MAX_PACKET_BYTES, SAMPLE_RATE};
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
            info: info(settings.bitrate),
        };
        this.apply()?;
        Ok(this)
    }

    fn apply(&mut self) -> Result<(), CodecError> {
        // The library rejects 0 and raises anything below 500 bit/s to 500.
        let bitrate = i32::try_from(self.settings.bitrate.max(500)).unwrap_or(i32::MAX);
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
            self.info.bitrate = bitrate;
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
