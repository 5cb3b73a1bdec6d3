//! From what an SDP offer/answer agreed ([`Negotiated`]) to the configuration of the call's
//! media session ([`SessionConfig`]), with the account's media settings.

use std::time::Duration;

use handset_codec::{CodecConfig, CodecError};
use handset_media::jitter::JitterConfig;
use handset_media::session::{
    ReceiveConfig, RedSend, RtpFilter, SendConfig, SessionConfig, SrtpKeys, TelephoneEventSend,
};
use handset_media::srtp::{MasterKey, SrtpError, SrtpProfile};
use handset_sdp::{Codec, CryptoSuite, Direction, KeyParams, Mki, Negotiated};

/// The account's media settings that the SDP exchange does not decide.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaSettings {
    /// The rate of the call's audio as the phone plays and captures it, in Hz.
    pub audio_rate: u32,
    /// The audio tick of the media worker.
    pub frame: Duration,
    /// The jitter buffer ("Jitter Buffer Type", "Jitter Buffer Length"); its clock rate and
    /// frame follow the negotiated codec.
    pub jitter: JitterConfig,
    /// How many earlier frames each RED packet repeats, when RED is agreed (1-3).
    pub red_depth: u8,
    /// Send to where the peer's packets come from ("Symmetric RTP").
    pub symmetric_rtp: bool,
    /// Which RTP sources are accepted ("RTP IP Filter").
    pub rtp_filter: RtpFilter,
    /// Hang up after this long without RTP ("RTP Timeout"); `None` never.
    pub rtp_timeout: Option<Duration>,
    /// Send an RTP keep-alive after this long without RTP out, as on hold ("RTP Keep-Alive
    /// Method" set to RTP version 1); `None` never.
    pub rtp_keepalive: Option<Duration>,
    /// The RTCP CNAME.
    pub cname: String,
}

/// Why a negotiated stream cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum MediaSetupError {
    /// The agreed codec has no encoder or decoder here.
    #[error("codec {name}: {source}")]
    Codec {
        /// The SDP encoding name.
        name: &'static str,
        /// What the codec registry said.
        source: CodecError,
    },
    /// The agreed SRTP suite is not one we implement.
    #[error("SRTP suite {0} is not supported")]
    Suite(String),
    /// A key of the agreed suite is malformed.
    #[error("SRTP {side} key: {source}")]
    Key {
        /// `local` or `remote`.
        side: &'static str,
        /// What was wrong with it.
        source: SrtpError,
    },
}

/// The media session `negotiated` sets up under `settings`.
pub fn session_config(
    negotiated: &Negotiated,
    settings: &MediaSettings,
) -> Result<SessionConfig, MediaSetupError> {
    let agreed = &negotiated.codec;
    let codec = codec_config(
        agreed.codec,
        agreed.clock_rate,
        agreed.channels,
        agreed.fmtp.as_deref().unwrap_or(""),
    )?;
    let ptime = Duration::from_millis(u64::from(negotiated.ptime));
    let sending = matches!(
        negotiated.direction,
        Direction::SendRecv | Direction::SendOnly
    ) && negotiated.remote_rtp.is_some();
    let send = sending.then(|| SendConfig {
        codec,
        payload_type: agreed.payload_type.send,
        ptime,
        red: negotiated.red.map(|red| RedSend {
            payload_type: red.payload_type.send,
            depth: settings.red_depth.clamp(1, 3),
        }),
        telephone_event: negotiated
            .telephone_event
            .map(|payload_types| TelephoneEventSend {
                payload_type: payload_types.send,
                clock_rate: agreed.clock_rate,
            }),
    });
    // Decoders need no format parameters; codecs we cannot decode are left out, and their
    // packets counted as rejected.
    let mut codecs: Vec<(u8, CodecConfig)> = negotiated
        .receive_codecs
        .iter()
        .filter_map(|&(payload_type, codec)| {
            codec_config(codec, codec.clock_rate(), codec.channels(), "")
                .ok()
                .map(|config| (payload_type, config))
        })
        .collect();
    if !codecs
        .iter()
        .any(|&(payload_type, _)| payload_type == agreed.payload_type.receive)
    {
        codecs.insert(0, (agreed.payload_type.receive, codec));
    }
    let receive = ReceiveConfig {
        codecs,
        red_payload_type: negotiated.red.map(|red| red.payload_type.receive),
        telephone_event_payload_type: negotiated
            .telephone_event
            .map(|payload_types| payload_types.receive),
        jitter: settings.jitter.clone().frame_duration(ptime),
    };
    let srtp = match &negotiated.srtp {
        Some(srtp) => {
            let profile = profile(&srtp.suite)?;
            Some(SrtpKeys {
                profile,
                local: master_key(profile, &srtp.local).map_err(|source| MediaSetupError::Key {
                    side: "local",
                    source,
                })?,
                remote: master_key(profile, &srtp.remote).map_err(|source| {
                    MediaSetupError::Key {
                        side: "remote",
                        source,
                    }
                })?,
            })
        }
        None => None,
    };
    Ok(SessionConfig {
        audio_rate: settings.audio_rate,
        frame: settings.frame,
        send,
        receive,
        remote_rtp: negotiated.remote_rtp,
        remote_rtcp: negotiated.remote_rtcp,
        rtcp_mux: negotiated.rtcp_mux,
        symmetric_rtp: settings.symmetric_rtp,
        rtp_filter: settings.rtp_filter,
        rtp_timeout: settings.rtp_timeout,
        srtp,
        cname: settings.cname.clone(),
    })
}

fn codec_config(
    codec: Codec,
    clock_rate: u32,
    channels: u16,
    fmtp: &str,
) -> Result<CodecConfig, MediaSetupError> {
    let name = codec.encoding_name();
    let channels = u8::try_from(channels).ok();
    CodecConfig::from_sdp(name, clock_rate, channels, fmtp)
        .map_err(|source| MediaSetupError::Codec { name, source })
}

fn profile(suite: &CryptoSuite) -> Result<SrtpProfile, MediaSetupError> {
    match suite {
        CryptoSuite::AesCm128HmacSha1_80 => Ok(SrtpProfile::Aes128CmSha1_80),
        CryptoSuite::AesCm128HmacSha1_32 => Ok(SrtpProfile::Aes128CmSha1_32),
        CryptoSuite::Aes256CmHmacSha1_80 => Ok(SrtpProfile::Aes256CmSha1_80),
        CryptoSuite::Aes256CmHmacSha1_32 => Ok(SrtpProfile::Aes256CmSha1_32),
        CryptoSuite::Other(name) => Err(MediaSetupError::Suite(name.clone())),
    }
}

fn master_key(profile: SrtpProfile, params: &KeyParams) -> Result<MasterKey, SrtpError> {
    let mut key = MasterKey::from_inline(profile, &params.key_salt)?;
    if let Some(lifetime) = params.lifetime {
        key = key.with_lifetime(lifetime.packets());
    }
    if let Some(mki) = params.mki {
        key = key.with_mki(mki_bytes(mki))?;
    }
    Ok(key)
}

/// An MKI value as the `length` bytes each packet carries, most significant first.
fn mki_bytes(mki: Mki) -> Vec<u8> {
    let length = usize::from(mki.length);
    let value = mki.value.to_be_bytes();
    let mut bytes = vec![0u8; length.saturating_sub(value.len())];
    bytes.extend_from_slice(&value[value.len().saturating_sub(length)..]);
    bytes
}

#[cfg(test)]
mod tests;
