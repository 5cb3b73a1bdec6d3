//! Choosing a codec by id or by its SDP description, and building encoders and decoders.

use crate::g711::{G711Decoder, G711Encoder, Law};
use crate::g722::{G722Decoder, G722Encoder};
use crate::g726::{G726Decoder, G726Encoder, Packing};
use crate::opus::{OpusAudioDecoder, OpusAudioEncoder, OpusSettings};
use crate::{g711, g722, g726, opus, AudioDecoder, AudioEncoder, CodecError, CodecId, CodecInfo};

/// Expected loss assumed when the peer asks for in-band FEC but nothing says how much loss to
/// expect: Opus sends no FEC at all for 0 %.
const DEFAULT_FEC_LOSS_PERCENT: u8 = 10;

/// A codec with its parameters: everything needed to build its encoder and decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodecConfig {
    /// Which codec.
    pub id: CodecId,
    /// Nibble order for G.726-32 (ignored by other codecs).
    pub g726_packing: Packing,
    /// Opus parameters (ignored by other codecs).
    pub opus: OpusSettings,
}

impl CodecConfig {
    /// A codec with default parameters.
    pub fn new(id: CodecId) -> Self {
        Self {
            id,
            g726_packing: Packing::default(),
            opus: OpusSettings::default(),
        }
    }

    /// The codec that an SDP `a=rtpmap:<pt> name/clock_rate[/channels]` line and its
    /// `a=fmtp` parameters (`fmtp`, possibly empty) describe.
    ///
    /// `G726-32` is the RFC 3551 (IETF) nibble order and `AAL2-G726-32` the ITU one; the
    /// account's "G.726-32 Packing Mode" may override it with [`CodecConfig::with_g726_packing`].
    pub fn from_sdp(
        name: &str,
        clock_rate: u32,
        channels: Option<u8>,
        fmtp: &str,
    ) -> Result<Self, CodecError> {
        let channel_count = channels.unwrap_or(1);
        let unsupported = || CodecError::Unsupported {
            name: name.to_owned(),
            clock_rate,
            channels: channel_count,
        };
        let lower = name.to_ascii_lowercase();
        let (id, expected_channels) = match (lower.as_str(), clock_rate) {
            ("pcmu", 8000) => (CodecId::Pcmu, 1),
            ("pcma", 8000) => (CodecId::Pcma, 1),
            ("g722", 8000) => (CodecId::G722, 1),
            ("g726-32" | "aal2-g726-32", 8000) => (CodecId::G726_32, 1),
            ("opus", 48000) => (CodecId::Opus, 2),
            #[cfg(feature = "g729")]
            ("g729", 8000) => (CodecId::G729, 1),
            _ => return Err(unsupported()),
        };
        if channel_count != expected_channels {
            return Err(unsupported());
        }
        let mut config = Self::new(id);
        if lower == "aal2-g726-32" {
            config.g726_packing = Packing::Itu;
        }
        if id == CodecId::Opus {
            config.opus = opus_settings(fmtp)?;
        }
        Ok(config)
    }

    /// Sets the G.726-32 nibble order (the account's "G.726-32 Packing Mode").
    pub fn with_g726_packing(mut self, packing: Packing) -> Self {
        self.g726_packing = packing;
        self
    }

    /// Sets the Opus parameters.
    pub fn with_opus(mut self, settings: OpusSettings) -> Self {
        self.opus = settings;
        self
    }

    /// What the configured codec looks like in SDP and how it frames audio.
    pub fn info(&self) -> CodecInfo {
        match self.id {
            CodecId::Pcmu => g711::info(Law::MuLaw),
            CodecId::Pcma => g711::info(Law::ALaw),
            CodecId::G722 => g722::info(),
            CodecId::G726_32 => g726::info(self.g726_packing),
            CodecId::Opus => opus::info(self.opus.effective_bitrate()),
            #[cfg(feature = "g729")]
            CodecId::G729 => crate::g729::info(),
        }
    }

    /// Builds an encoder.
    pub fn encoder(&self) -> Result<Box<dyn AudioEncoder>, CodecError> {
        Ok(match self.id {
            CodecId::Pcmu => Box::new(G711Encoder::new(Law::MuLaw)),
            CodecId::Pcma => Box::new(G711Encoder::new(Law::ALaw)),
            CodecId::G722 => Box::new(G722Encoder::new()),
            CodecId::G726_32 => Box::new(G726Encoder::new(self.g726_packing)),
            CodecId::Opus => Box::new(OpusAudioEncoder::new(self.opus)?),
            #[cfg(feature = "g729")]
            CodecId::G729 => Box::new(crate::g729::G729Encoder::new()?),
        })
    }

    /// Builds a decoder.
    pub fn decoder(&self) -> Result<Box<dyn AudioDecoder>, CodecError> {
        Ok(match self.id {
            CodecId::Pcmu => Box::new(G711Decoder::new(Law::MuLaw)),
            CodecId::Pcma => Box::new(G711Decoder::new(Law::ALaw)),
            CodecId::G722 => Box::new(G722Decoder::new()),
            CodecId::G726_32 => Box::new(G726Decoder::new(self.g726_packing)),
            CodecId::Opus => Box::new(OpusAudioDecoder::new()?),
            #[cfg(feature = "g729")]
            CodecId::G729 => Box::new(crate::g729::G729Decoder::new()?),
        })
    }
}

/// The `name=value` pairs of an `a=fmtp` parameter string (separated by `;`).
fn fmtp_pairs(fmtp: &str) -> impl Iterator<Item = (&str, &str)> {
    fmtp.split(';').filter_map(|pair| {
        let pair = pair.trim();
        if pair.is_empty() {
            return None;
        }
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        Some((name.trim(), value.trim()))
    })
}

/// Opus parameters from RFC 7587 fmtp. Parameters about what the peer sends (sprop-*),
/// stereo and ptime change nothing here: we always send mono and decode at 48 kHz.
fn opus_settings(fmtp: &str) -> Result<OpusSettings, CodecError> {
    let mut settings = OpusSettings::default();
    for (name, value) in fmtp_pairs(fmtp) {
        let bad = || CodecError::BadFmtp {
            name: name.to_owned(),
            value: value.to_owned(),
        };
        match name.to_ascii_lowercase().as_str() {
            "useinbandfec" => match value {
                "1" => {
                    settings.inband_fec = true;
                    settings.expected_loss_percent = DEFAULT_FEC_LOSS_PERCENT;
                }
                "0" => settings.inband_fec = false,
                _ => return Err(bad()),
            },
            "maxaveragebitrate" => {
                let cap: u32 = value.parse().map_err(|_| bad())?;
                if !(6000..=510_000).contains(&cap) {
                    return Err(bad());
                }
                settings.bitrate = settings.bitrate.min(cap);
                settings.max_bitrate = settings.max_bitrate.min(cap);
            }
            "maxplaybackrate" => {
                let rate: u32 = value.parse().map_err(|_| bad())?;
                if rate == 0 {
                    return Err(bad());
                }
                settings.max_playback_rate = rate.clamp(8000, 48_000);
            }
            // DTX, CBR, stereo and ptime wishes change nothing: we send mono without DTX and
            // always decode at 48 kHz.
            _ => {}
        }
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdp_names_map_to_codecs() {
        let pcmu = CodecConfig::from_sdp("PCMU", 8000, None, "").unwrap();
        assert_eq!(pcmu.info().payload_type, Some(0));
        let g722 = CodecConfig::from_sdp("g722", 8000, Some(1), "").unwrap();
        assert_eq!(
            (g722.info().clock_rate, g722.info().sample_rate),
            (8000, 16000)
        );
        let ietf = CodecConfig::from_sdp("G726-32", 8000, None, "").unwrap();
        assert_eq!(ietf.g726_packing, Packing::Ietf);
        let itu = CodecConfig::from_sdp("AAL2-G726-32", 8000, None, "").unwrap();
        assert_eq!(itu.g726_packing, Packing::Itu);
        assert_eq!(itu.info().encoding_name, "AAL2-G726-32");
        assert_eq!(
            ietf.with_g726_packing(Packing::Itu).info().encoding_name,
            "AAL2-G726-32"
        );
    }

    #[test]
    fn unknown_or_mismatched_formats_are_refused() {
        assert!(matches!(
            CodecConfig::from_sdp("iLBC", 8000, None, ""),
            Err(CodecError::Unsupported { .. })
        ));
        assert!(CodecConfig::from_sdp("PCMU", 16000, None, "").is_err());
        assert!(CodecConfig::from_sdp("opus", 48000, Some(1), "").is_err());
        assert!(CodecConfig::from_sdp("PCMA", 8000, Some(2), "").is_err());
    }

    #[test]
    fn opus_fmtp_sets_fec_and_caps_bitrate() {
        let config = CodecConfig::from_sdp(
            "opus",
            48000,
            Some(2),
            "minptime=10; useinbandfec=1;maxaveragebitrate=20000",
        )
        .unwrap();
        assert!(config.opus.inband_fec);
        assert_eq!(config.opus.expected_loss_percent, DEFAULT_FEC_LOSS_PERCENT);
        assert_eq!(config.opus.bitrate, 20_000);
        assert_eq!(config.info().bitrate, 20_000);
        let plain = CodecConfig::from_sdp("OPUS", 48000, Some(2), "").unwrap();
        assert!(!plain.opus.inband_fec);
        assert!(matches!(
            CodecConfig::from_sdp("opus", 48000, Some(2), "maxaveragebitrate=abc"),
            Err(CodecError::BadFmtp { .. })
        ));
        assert!(CodecConfig::from_sdp("opus", 48000, Some(2), "useinbandfec=2").is_err());
    }

    #[test]
    fn opus_fmtp_bounds_the_coded_band_by_the_playback_rate() {
        let default = CodecConfig::from_sdp("opus", 48000, Some(2), "").unwrap();
        assert_eq!(default.opus.max_playback_rate, 48_000);
        let wideband =
            CodecConfig::from_sdp("opus", 48000, Some(2), "maxplaybackrate=16000").unwrap();
        assert_eq!(wideband.opus.max_playback_rate, 16_000);
        let odd = CodecConfig::from_sdp("opus", 48000, Some(2), "maxplaybackrate=4000").unwrap();
        assert_eq!(odd.opus.max_playback_rate, 8000);
        for bad in ["maxplaybackrate=0", "maxplaybackrate=fast"] {
            assert!(matches!(
                CodecConfig::from_sdp("opus", 48000, Some(2), bad),
                Err(CodecError::BadFmtp { .. })
            ));
        }
    }

    #[test]
    fn every_codec_builds_and_round_trips_a_frame() {
        for id in [
            CodecId::Pcmu,
            CodecId::Pcma,
            CodecId::G722,
            CodecId::G726_32,
            CodecId::Opus,
        ] {
            let config = CodecConfig::new(id);
            let info = config.info();
            let samples = info.default_frame_samples();
            assert!(info.accepts_frame(samples));
            let pcm: Vec<i16> = (0..samples)
                .map(|n| ((n as f64 * 0.05).sin() * 8000.0) as i16)
                .collect();
            let mut encoder = config.encoder().unwrap();
            let mut payload = vec![0u8; 1500];
            let length = encoder.encode(&pcm, &mut payload).unwrap();
            assert!(length > 0);
            let mut decoder = config.decoder().unwrap();
            assert_eq!(
                decoder.decoded_samples(&payload[..length]).unwrap(),
                samples,
                "{id:?}"
            );
            let mut out = vec![0i16; samples];
            assert_eq!(
                decoder.decode(&payload[..length], &mut out).unwrap(),
                samples
            );
        }
    }
}
