//! What a codec is: its identity, its SDP description and the frames it codes.

use std::time::Duration;

/// The codecs this crate knows. New codecs (iLBC, G.723.1, ...) are new variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodecId {
    /// G.711 µ-law (PCMU).
    Pcmu,
    /// G.711 A-law (PCMA).
    Pcma,
    /// G.722 sub-band ADPCM at 64 kbit/s.
    G722,
    /// G.726 ADPCM at 32 kbit/s.
    G726_32,
    /// Opus (RFC 6716, RTP payload format RFC 7587).
    Opus,
    /// G.729 Annex A, with Annex B silence frames (only with the `g729` feature).
    #[cfg(feature = "g729")]
    G729,
}

impl CodecId {
    /// Short human-readable name, as used in logs and errors.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pcmu => "PCMU",
            Self::Pcma => "PCMA",
            Self::G722 => "G722",
            Self::G726_32 => "G726-32",
            Self::Opus => "opus",
            #[cfg(feature = "g729")]
            Self::G729 => "G729",
        }
    }
}

/// The frame lengths a codec accepts in one payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameSizes {
    /// Sample-based codecs: any whole number of this step (one byte's worth of audio).
    MultipleOf(Duration),
    /// Frame-based codecs: exactly one of these durations (a rate mode may narrow the list).
    OneOf(&'static [Duration]),
}

/// Description of one configured codec instance: what goes into SDP and how its audio is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodecInfo {
    /// Which codec.
    pub id: CodecId,
    /// Encoding name for `a=rtpmap` (`PCMU`, `G722`, `G726-32`, `opus`, ...).
    pub encoding_name: &'static str,
    /// RTP timestamp clock rate; G.722 uses 8000 although it samples at 16 kHz (RFC 3551).
    pub clock_rate: u32,
    /// Rate of the PCM this instance takes in and gives out.
    pub sample_rate: u32,
    /// Channel count for `a=rtpmap` (Opus always says 2); the PCM interface is mono.
    pub channels: u8,
    /// Static RTP payload type from RFC 3551, if the codec has one.
    pub payload_type: Option<u8>,
    /// Frame lengths one payload may carry.
    pub frame_sizes: FrameSizes,
    /// Frame length used unless the session negotiates another (ptime).
    pub default_frame: Duration,
    /// Nominal bit rate of the payload in bit/s (the configured target for variable-rate codecs).
    pub bitrate: u32,
}

impl CodecInfo {
    /// Number of PCM samples in `duration` at this codec's sample rate.
    pub fn samples_in(&self, duration: Duration) -> usize {
        let micros = duration.as_micros() as u64;
        (micros * u64::from(self.sample_rate) / 1_000_000) as usize
    }

    /// RTP timestamp units covered by `samples` PCM samples.
    pub fn rtp_ticks(&self, samples: usize) -> u32 {
        (samples as u64 * u64::from(self.clock_rate) / u64::from(self.sample_rate)) as u32
    }

    /// Whether one payload may carry a frame of `samples` PCM samples.
    pub fn accepts_frame(&self, samples: usize) -> bool {
        if samples == 0 {
            return false;
        }
        match self.frame_sizes {
            FrameSizes::MultipleOf(step) => {
                let step = self.samples_in(step).max(1);
                samples.is_multiple_of(step)
            }
            FrameSizes::OneOf(durations) => {
                durations.iter().any(|d| self.samples_in(*d) == samples)
            }
        }
    }

    /// Samples in the default frame.
    pub fn default_frame_samples(&self) -> usize {
        self.samples_in(self.default_frame)
    }
}
