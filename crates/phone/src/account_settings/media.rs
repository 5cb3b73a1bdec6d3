//! The account's audio settings: what the SDP offer/answer may agree and how the agreed
//! stream then runs. P-numbers are those of account 1.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use handset_media::jitter::{JitterConfig, JitterMode};
use handset_media::session::RtpFilter;
use handset_sdp::{
    BandwidthMode, Codec, HoldMode, MediaConfig, NegotiationPriority, PayloadTypeSettings,
    RtcpMode, SrtpKeyLength, SrtpMode,
};

use super::reader::{invalid, Reader};
use super::SettingsError;
use crate::media_setup::MediaSettings;

/// How many earlier frames a RED packet repeats; no setting chooses it.
const RED_DEPTH: u8 = 2;

/// The "Preferred Vocoder" settings in order of preference (P57-P62, P46, P98).
const VOCODER_CHOICES: usize = 8;

/// Whether RTCP runs and with which reports ("Enable RTCP", P2392).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RtcpReports {
    /// No RTCP (code 0).
    Off,
    /// Sender and receiver reports (code 1).
    Rtcp,
    /// Reports with RTCP-XR voice quality blocks (code 2, the default).
    #[default]
    RtcpXr,
}

/// The account's media preferences. The SDP side ([`MediaConfig`]) and the session side
/// ([`MediaSettings`]) each need per-call facts, so they are produced on demand with them.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaPreferences {
    /// The offer/answer settings, with an unspecified address and port 0 until a call
    /// supplies its own.
    sdp: MediaConfig,
    /// The session settings, with placeholder rate, frame and CNAME until a call supplies its
    /// own.
    session: MediaSettings,
    /// "Enable RTCP" (P2392).
    pub rtcp_reports: RtcpReports,
}

impl MediaPreferences {
    /// The offer/answer configuration of a call receiving on `address`:`rtp_port`.
    pub fn media_config(&self, address: IpAddr, rtp_port: u16) -> MediaConfig {
        MediaConfig {
            address,
            rtp_port,
            ..self.sdp.clone()
        }
    }

    /// The media session settings of a call playing audio at `audio_rate` Hz in ticks of
    /// `frame`, naming itself `cname` in RTCP.
    pub fn media_settings(&self, audio_rate: u32, frame: Duration, cname: &str) -> MediaSettings {
        MediaSettings {
            audio_rate,
            frame,
            cname: cname.to_owned(),
            ..self.session.clone()
        }
    }

    /// The codecs in order of preference.
    pub fn codecs(&self) -> &[Codec] {
        &self.sdp.codecs
    }

    /// How this phone signals hold ("RFC2543 Hold", P26062).
    pub fn hold_mode(&self) -> HoldMode {
        self.sdp.hold_mode
    }

    /// Whether the answer names only the first matching codec ("Use First Matching Vocoder
    /// in 200OK SDP", P2348).
    pub fn use_first_match(&self) -> bool {
        self.sdp.use_first_match
    }
}

/// Reads the media preferences; `sip_over_tls` comes from the account's transport.
pub(super) fn read(r: &Reader<'_>, sip_over_tls: bool) -> Result<MediaPreferences, SettingsError> {
    let defaults = MediaConfig::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
    let name = |alias: &str| r.account_name(alias);
    let sdp = MediaConfig {
        codecs: codecs(r, &defaults.codecs)?,
        frames_per_packet: r.number(
            &name("audio.voiceFramePerTX"),
            1..=64,
            i64::from(defaults.frames_per_packet),
        )? as u32,
        ilbc_frame_ms: r.code(
            &name("codec.iLBC.frameSize"),
            defaults.ilbc_frame_ms,
            "0 (20 ms) or 1 (30 ms)",
            |c| match c {
                0 => Some(20),
                1 => Some(30),
                _ => None,
            },
        )?,
        payload_types: payload_types(r)?,
        telephone_event: r.flag(&name("dtmf.sendInRtp"), defaults.telephone_event)?,
        red_with_fec: r.flag(&name("audio.fec.enable"), defaults.red_with_fec)?,
        rtcp_mode: r.code(
            &name("rtcp.port.selection"),
            defaults.rtcp_mode,
            "0 (default), 1 (negotiated), 2 (rtcp-mux) or 3 (rtcp-mux only)",
            |c| match c {
                0 => Some(RtcpMode::Default),
                1 => Some(RtcpMode::Negotiated),
                2 => Some(RtcpMode::Mux),
                3 => Some(RtcpMode::MuxOnly),
                _ => None,
            },
        )?,
        srtp_mode: r.code(
            &name("audio.srtpMode"),
            defaults.srtp_mode,
            "0 (disabled), 1 (enabled but not forced), 2 (enabled and forced) or 3 (optional)",
            |c| u8::try_from(c).ok().and_then(SrtpMode::from_code),
        )?,
        sip_over_tls,
        key_length: r.code(
            &name("audio.srtpKeyLength"),
            defaults.key_length,
            "0 (AES 128 and 256), 1 (AES 128) or 2 (AES 256)",
            |c| match c {
                0 => Some(SrtpKeyLength::Aes128And256),
                1 => Some(SrtpKeyLength::Aes128),
                2 => Some(SrtpKeyLength::Aes256),
                _ => None,
            },
        )?,
        crypto_lifetime: r.flag(&name("audio.cryptoLifeTime"), defaults.crypto_lifetime)?,
        priority: r.code(
            &name("codec.negotiatePriority"),
            defaults.priority,
            "0 (caller) or 1 (callee)",
            |c| match c {
                0 => Some(NegotiationPriority::Caller),
                1 => Some(NegotiationPriority::Callee),
                _ => None,
            },
        )?,
        use_first_match: r.flag(&name("codec.useFirstMatch"), defaults.use_first_match)?,
        hold_mode: r.code(
            &name("call.rfc2543Hold.enable"),
            defaults.hold_mode,
            "0 (RFC 3261 hold), 1 (RFC 2543 hold) or 2",
            // Code 2 is listed without a documented meaning; it is read as the RFC 3261
            // hold, the one that keeps music on hold flowing.
            |c| match c {
                0 | 2 => Some(HoldMode::SendOnly),
                1 => Some(HoldMode::ConnectionZero),
                _ => None,
            },
        )?,
        bandwidth_mode: r.code(
            &name("codec.SDPBandwidthAttr"),
            defaults.bandwidth_mode,
            "0 (standard), 1 (media level), 2 (session level) or 3 (none)",
            |c| match c {
                0 => Some(BandwidthMode::Standard),
                1 => Some(BandwidthMode::MediaLevel),
                2 => Some(BandwidthMode::SessionLevel),
                3 => Some(BandwidthMode::None),
                _ => None,
            },
        )?,
        ..defaults
    };
    Ok(MediaPreferences {
        sdp,
        session: session(r)?,
        rtcp_reports: r.code(
            &name("sip.enableRTCP"),
            RtcpReports::default(),
            "0 (off), 1 (RTCP) or 2 (RTCP-XR)",
            |c| match c {
                0 => Some(RtcpReports::Off),
                1 => Some(RtcpReports::Rtcp),
                2 => Some(RtcpReports::RtcpXr),
                _ => None,
            },
        )?,
    })
}

/// The codec order from the "Preferred Vocoder" choices. Codes of codecs this phone lacks
/// (G.723.1, the second Opus entry) are skipped, repeats keep their first place.
fn codecs(r: &Reader<'_>, defaults: &[Codec]) -> Result<Vec<Codec>, SettingsError> {
    const KNOWN: [i64; 9] = [0, 2, 4, 8, 9, 18, 98, 123, 125];
    let mut codes = Vec::new();
    let mut any_set = false;
    for n in 1..=VOCODER_CHOICES {
        let name = r.account_name(&format!("codec.choice.{n}"));
        let code = r.code(
            &name,
            None,
            "a vocoder code: 0, 2, 4, 8, 9, 18, 98, 123 or 125",
            |c| KNOWN.contains(&c).then_some(Some(c as u16)),
        )?;
        if let Some(code) = code {
            any_set = true;
            codes.push(code);
        }
    }
    if !any_set {
        return Ok(defaults.to_vec());
    }
    let config =
        MediaConfig::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0).with_vocoder_choices(&codes);
    if config.codecs.is_empty() {
        let listed = codes.iter().map(u16::to_string).collect::<Vec<_>>();
        return Err(invalid(
            &r.account_name("codec.choice.1"),
            &listed.join(","),
            "at least one codec this phone has",
        ));
    }
    Ok(config.codecs)
}

/// The dynamic payload type numbers (96-127; RED and FEC need numbers of their own).
fn payload_types(r: &Reader<'_>) -> Result<PayloadTypeSettings, SettingsError> {
    let defaults = PayloadTypeSettings::default();
    let pt = |alias: &str, default: u8| {
        r.number(&r.account_name(alias), 96..=127, i64::from(default))
            .map(|n| n as u8)
    };
    let types = PayloadTypeSettings {
        opus: pt("codec.payloadType.opus", defaults.opus)?,
        ilbc: pt("codec.payloadType.ilbc", defaults.ilbc)?,
        dtmf: pt("codec.payloadType.dtmf", defaults.dtmf)?,
        red: pt("codec.payloadType.red", defaults.red)?,
        fec: pt("codec.payloadType.fec.audio", defaults.fec)?,
        ..defaults
    };
    if types.red == types.fec {
        return Err(invalid(
            &r.account_name("codec.payloadType.fec.audio"),
            &types.fec.to_string(),
            "a payload type other than the RED one",
        ));
    }
    Ok(types)
}

/// How long without RTP out before a keep-alive goes: well inside the 30 s many NATs keep an
/// idle UDP binding.
const RTP_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(15);

/// The session side: jitter buffer, symmetric RTP, source filter, RTP timeout.
fn session(r: &Reader<'_>) -> Result<MediaSettings, SettingsError> {
    let name = |alias: &str| r.account_name(alias);
    let mode = r.code(
        &name("audio.jitterBufferType"),
        JitterMode::default(),
        "0 (fixed) or 1 (adaptive)",
        |c| u32::try_from(c).ok().and_then(JitterMode::from_code),
    )?;
    let mut jitter = JitterConfig::default().mode(mode);
    let length = r.code(
        &name("audio.jitterBufferLength"),
        None,
        "a code from 0 (100 ms) to 7 (800 ms)",
        |c| {
            u32::try_from(c)
                .ok()
                .and_then(JitterConfig::length_from_code)
                .map(Some)
        },
    )?;
    if let Some(length) = length {
        jitter = jitter.length(length);
    }
    let timeout = r.number(&name("rtp.timeout"), 0..=600, 30)?;
    Ok(MediaSettings {
        audio_rate: 8_000,
        frame: Duration::from_millis(20),
        jitter,
        red_depth: RED_DEPTH,
        symmetric_rtp: r.flag(&name("audio.symmetricRTP"), false)?,
        rtp_filter: r.code(
            &name("rtp.filter"),
            RtpFilter::default(),
            "0 (any source), 1 (IP only) or 2 (IP and port)",
            |c| match c {
                0 => Some(RtpFilter::None),
                1 => Some(RtpFilter::Ip),
                2 => Some(RtpFilter::IpAndPort),
                _ => None,
            },
        )?,
        // 0 turns the check off.
        rtp_timeout: (timeout > 0).then(|| Duration::from_secs(timeout as u64)),
        rtp_keepalive: r
            .code(
                &name("rtp.keepalivemethod"),
                true,
                "0 (RTP version 1) or 1 (no)",
                |c| match c {
                    0 => Some(true),
                    1 => Some(false),
                    _ => None,
                },
            )?
            .then_some(RTP_KEEPALIVE_INTERVAL),
        cname: String::new(),
    })
}
