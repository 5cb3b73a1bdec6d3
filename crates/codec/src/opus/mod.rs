//! Opus (RFC 6716) through `unsafe-libopus`, libopus 1.3.1 translated to Rust (no C compiler
//! or system library needed): mono at 48 kHz, VoIP application, 20 ms frames unless told
//! otherwise, in-band FEC and its loss hint, FEC recovery of a lost frame from the next packet,
//! and the codec's own concealment where the translation gets it right (CELT only; see
//! `decoder`). Its decodes match libopus's to within one unit (tests/opus_ffmpeg.rs), and so
//! do its speech quality and bit rate (tests/opus_quality.rs).

mod decoder;
mod encoder;
#[allow(unsafe_code)]
mod libopus;
mod packet;

use std::time::Duration;

pub use decoder::OpusAudioDecoder;
pub use encoder::OpusAudioEncoder;
use libopus::LibraryError;
pub use packet::{carries_fec, packet_samples};

use crate::{CodecError, CodecId, CodecInfo, FrameSizes};

pub(crate) const SAMPLE_RATE: u32 = 48_000;
/// Largest Opus packet (RFC 6716 §3.2.1 allows 1275 bytes of frame data per frame).
pub const MAX_PACKET_BYTES: usize = 1275;
/// Longest audio one packet may carry: 120 ms at 48 kHz.
pub(crate) const MAX_PACKET_SAMPLES: usize = 5760;
/// Encoder effort, 0-10: the most the library offers, as ffmpeg's libopus encoder uses by
/// default; a 20 ms mono frame still takes well under a millisecond.
pub(crate) const COMPLEXITY: i32 = 10;
/// Bit rate when neither SDP nor hints set one: wideband speech well above transparency.
pub(crate) const DEFAULT_BITRATE: u32 = 32_000;
/// The most the encoder spends when loss calls for in-band FEC, unless the peer caps it lower.
pub(crate) const DEFAULT_MAX_BITRATE: u32 = 64_000;
/// The expected loss (percent) at which in-band FEC gets the whole headroom up to the ceiling.
const FULL_FEC_HEADROOM_LOSS: u32 = 10;

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
    /// The ceiling in bit/s (`maxaveragebitrate` when the peer gives one): with in-band FEC
    /// and expected loss the encoder rises towards it, so the redundant copy does not take its
    /// bits from the primary.
    pub max_bitrate: u32,
    /// Send in-band FEC (`useinbandfec=1` from the peer).
    pub inband_fec: bool,
    /// Expected packet loss in percent, which sizes the FEC.
    pub expected_loss_percent: u8,
    /// The highest sample rate the peer plays (`maxplaybackrate`, 8000-48000 Hz): no bits are
    /// spent on audio above half of it.
    pub max_playback_rate: u32,
}

impl Default for OpusSettings {
    fn default() -> Self {
        Self {
            bitrate: DEFAULT_BITRATE,
            max_bitrate: DEFAULT_MAX_BITRATE,
            inband_fec: false,
            expected_loss_percent: 0,
            max_playback_rate: SAMPLE_RATE,
        }
    }
}

impl OpusSettings {
    /// The bit rate to encode at: the target, raised with the expected loss while in-band FEC
    /// is on (by the full headroom up to [`Self::max_bitrate`] from 10 % loss), because libopus
    /// pays for the FEC copy out of the target and the primary would otherwise lose quality
    /// exactly when frames go missing.
    pub fn effective_bitrate(&self) -> u32 {
        if !self.inband_fec || self.max_bitrate <= self.bitrate {
            return self.bitrate;
        }
        let loss = u32::from(self.expected_loss_percent).min(FULL_FEC_HEADROOM_LOSS);
        let headroom = self.max_bitrate - self.bitrate;
        self.bitrate + headroom * loss / FULL_FEC_HEADROOM_LOSS
    }
}

/// The widest audio band worth coding for a peer playing at most `rate` Hz (RFC 7587 §6.1).
pub(crate) fn max_bandwidth(rate: u32) -> i32 {
    match rate {
        ..=8000 => libopus::OPUS_BANDWIDTH_NARROWBAND,
        8001..=12000 => libopus::OPUS_BANDWIDTH_MEDIUMBAND,
        12001..=16000 => libopus::OPUS_BANDWIDTH_WIDEBAND,
        16001..=24000 => libopus::OPUS_BANDWIDTH_SUPERWIDEBAND,
        _ => libopus::OPUS_BANDWIDTH_FULLBAND,
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

fn backend(error: LibraryError) -> CodecError {
    CodecError::Backend {
        codec: "opus",
        reason: error.message(),
    }
}

#[cfg(test)]
mod tests {
    use super::OpusSettings;

    #[test]
    fn fec_raises_the_bit_rate_with_the_expected_loss_up_to_the_ceiling() {
        let plain = OpusSettings::default();
        assert_eq!(plain.effective_bitrate(), 32_000);
        let fec = |loss| OpusSettings {
            inband_fec: true,
            expected_loss_percent: loss,
            ..OpusSettings::default()
        };
        assert_eq!(fec(0).effective_bitrate(), 32_000);
        assert_eq!(fec(5).effective_bitrate(), 48_000);
        assert_eq!(fec(10).effective_bitrate(), 64_000);
        assert_eq!(fec(40).effective_bitrate(), 64_000);
        let capped = OpusSettings {
            bitrate: 20_000,
            max_bitrate: 20_000,
            ..fec(30)
        };
        assert_eq!(capped.effective_bitrate(), 20_000);
    }
}
