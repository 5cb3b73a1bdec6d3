//! The audio codecs a phone offers, with what SDP says about each (RFC 3551 and the codecs'
//! payload format RFCs).

use crate::attribute::RtpMap;

/// An audio codec the phone can negotiate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 µ-law, static payload type 0.
    Pcmu,
    /// G.711 A-law, static payload type 8.
    Pcma,
    /// G.722, static payload type 9.
    G722,
    /// G.726 at 32 kbit/s, dynamic payload type (RFC 3551 `G726-32`).
    G726_32,
    /// G.729 (annexes A and B), static payload type 18.
    G729,
    /// iLBC (RFC 3952), dynamic payload type.
    Ilbc,
    /// Opus (RFC 7587), dynamic payload type.
    Opus,
}

impl Codec {
    /// Every codec, for identifying formats.
    pub const ALL: [Codec; 7] = [
        Codec::Pcmu,
        Codec::Pcma,
        Codec::G722,
        Codec::G726_32,
        Codec::G729,
        Codec::Ilbc,
        Codec::Opus,
    ];

    /// The codec for a "Preferred Vocoder" setting code (0 PCMU, 2 G.726-32, 8 PCMA, 9 G.722,
    /// 18 G.729, 98 iLBC, 123 Opus); `None` for codes of codecs this phone does not have.
    pub fn from_vocoder_choice(code: u16) -> Option<Self> {
        Some(match code {
            0 => Self::Pcmu,
            2 => Self::G726_32,
            8 => Self::Pcma,
            9 => Self::G722,
            18 => Self::G729,
            98 => Self::Ilbc,
            123 => Self::Opus,
            _ => return None,
        })
    }

    /// The encoding name written in `a=rtpmap`.
    pub fn encoding_name(self) -> &'static str {
        match self {
            Self::Pcmu => "PCMU",
            Self::Pcma => "PCMA",
            Self::G722 => "G722",
            Self::G726_32 => "G726-32",
            Self::G729 => "G729",
            Self::Ilbc => "iLBC",
            Self::Opus => "opus",
        }
    }

    /// The RTP clock rate. G.722 samples at 16 kHz but RFC 3551 fixed its RTP clock at 8000.
    pub fn clock_rate(self) -> u32 {
        match self {
            Self::Opus => 48_000,
            _ => 8_000,
        }
    }

    /// The channel count in `a=rtpmap` (RFC 7587 writes Opus as `opus/48000/2`).
    pub fn channels(self) -> u16 {
        match self {
            Self::Opus => 2,
            _ => 1,
        }
    }

    /// The static payload type of RFC 3551, if the codec has one.
    pub fn static_payload_type(self) -> Option<u8> {
        match self {
            Self::Pcmu => Some(0),
            Self::Pcma => Some(8),
            Self::G722 => Some(9),
            Self::G729 => Some(18),
            Self::G726_32 | Self::Ilbc | Self::Opus => None,
        }
    }

    /// Payload bit rate in bit/s, for bandwidth lines (Opus at its usual wideband rate).
    pub fn bitrate(self, ilbc_frame_ms: u32) -> u32 {
        match self {
            Self::Pcmu | Self::Pcma | Self::G722 => 64_000,
            Self::G726_32 => 32_000,
            Self::G729 => 8_000,
            Self::Ilbc if ilbc_frame_ms == 20 => 15_200,
            Self::Ilbc => 13_330,
            Self::Opus => 40_000,
        }
    }

    /// Whether payload type `pt` with the optional `rtpmap` describes this codec: by name
    /// (any case), clock rate and channels when there is an rtpmap, by static number without.
    pub fn matches(self, pt: u8, rtpmap: Option<&RtpMap>) -> bool {
        match rtpmap {
            Some(map) => {
                map.encoding.eq_ignore_ascii_case(self.encoding_name())
                    && map.clock_rate == self.clock_rate()
                    && map.channels.unwrap_or(1) == self.channels()
            }
            None => self.static_payload_type() == Some(pt),
        }
    }

    /// The codec that `pt` with the optional `rtpmap` describes, among `candidates`.
    pub(crate) fn identify(pt: u8, rtpmap: Option<&RtpMap>, candidates: &[Codec]) -> Option<Self> {
        candidates.iter().copied().find(|c| c.matches(pt, rtpmap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(encoding: &str, clock_rate: u32, channels: Option<u16>) -> RtpMap {
        RtpMap {
            payload_type: 96,
            encoding: encoding.into(),
            clock_rate,
            channels,
        }
    }

    #[test]
    fn names_match_without_regard_to_case() {
        assert!(Codec::Opus.matches(111, Some(&map("OPUS", 48_000, Some(2)))));
        assert!(!Codec::Opus.matches(111, Some(&map("opus", 48_000, None))));
        assert!(Codec::Ilbc.matches(97, Some(&map("ILBC", 8_000, None))));
        assert!(Codec::G722.matches(9, Some(&map("g722", 8_000, Some(1)))));
        assert!(!Codec::G722.matches(9, Some(&map("G722", 16_000, None))));
    }

    #[test]
    fn static_types_need_no_rtpmap() {
        assert!(Codec::Pcmu.matches(0, None));
        assert!(Codec::G729.matches(18, None));
        assert!(!Codec::Opus.matches(123, None));
        assert_eq!(
            Codec::identify(8, None, &[Codec::Pcmu, Codec::Pcma]),
            Some(Codec::Pcma)
        );
    }

    #[test]
    fn vocoder_codes() {
        assert_eq!(Codec::from_vocoder_choice(123), Some(Codec::Opus));
        assert_eq!(Codec::from_vocoder_choice(98), Some(Codec::Ilbc));
        assert_eq!(Codec::from_vocoder_choice(4), None);
    }
}
