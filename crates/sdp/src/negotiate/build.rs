//! Writing our side: the payload types we offer and the media and session sections that
//! carry them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::attribute::{Attribute, Direction, Fmtp, Rtcp, RtpMap};
use crate::codec::Codec;
use crate::config::{BandwidthMode, MediaConfig, RtcpMode};
use crate::crypto::Crypto;
use crate::model::{
    Bandwidth, BandwidthType, Connection, MediaDescription, MediaType, Origin, Protocol,
    SessionDescription,
};

/// One format of our m= line.
#[derive(Debug, Clone)]
pub(crate) struct LocalFormat {
    pub(crate) pt: u8,
    pub(crate) encoding: &'static str,
    pub(crate) clock_rate: u32,
    pub(crate) channels: Option<u16>,
    pub(crate) fmtp: Option<String>,
}

impl LocalFormat {
    /// A codec at payload type `pt`.
    pub(crate) fn codec(codec: Codec, pt: u8, fmtp: Option<String>) -> Self {
        Self {
            pt,
            encoding: codec.encoding_name(),
            clock_rate: codec.clock_rate(),
            channels: (codec.channels() > 1).then_some(codec.channels()),
            fmtp,
        }
    }

    /// telephone-event at `clock_rate` (events 0-15: the keypad digits, `*`, `#`, A-D).
    pub(crate) fn telephone_event(pt: u8, clock_rate: u32) -> Self {
        Self {
            pt,
            encoding: "telephone-event",
            clock_rate,
            channels: None,
            fmtp: Some("0-15".into()),
        }
    }

    /// RED carrying `primary` (with one redundant copy of the same codec).
    pub(crate) fn red(pt: u8, primary: &LocalFormat) -> Self {
        Self {
            pt,
            encoding: "red",
            clock_rate: primary.clock_rate,
            channels: primary.channels,
            fmtp: Some(format!("{0}/{0}", primary.pt)),
        }
    }

    /// ulpfec at `clock_rate`.
    pub(crate) fn fec(pt: u8, clock_rate: u32) -> Self {
        Self {
            pt,
            encoding: "ulpfec",
            clock_rate,
            channels: None,
            fmtp: None,
        }
    }
}

/// The fmtp we write for `codec`.
pub(crate) fn codec_fmtp(codec: Codec, ilbc_mode: u32) -> Option<String> {
    match codec {
        // The phone's audio is wideband: no use sending it more than 8 kHz of audio band.
        Codec::Opus => Some("maxplaybackrate=16000;useinbandfec=1".into()),
        Codec::Ilbc => Some(format!("mode={ilbc_mode}")),
        _ => None,
    }
}

/// Hands out payload type numbers: the configured one when free, else the first free
/// dynamic number.
#[derive(Default)]
pub(crate) struct NumberPool {
    used: Vec<u8>,
}

impl NumberPool {
    pub(crate) fn take(&mut self, wanted: u8) -> Option<u8> {
        let pt = if (96..=127).contains(&wanted) && !self.used.contains(&wanted) {
            wanted
        } else {
            (96..=127).find(|pt| !self.used.contains(pt))?
        };
        self.used.push(pt);
        Some(pt)
    }

    pub(crate) fn reserve(&mut self, pt: u8) {
        self.used.push(pt);
    }
}

/// The formats of an offer from `config`: codecs in preference order, then RED and FEC,
/// then telephone-event for each codec clock rate.
pub(crate) fn offer_formats(config: &MediaConfig) -> Vec<LocalFormat> {
    let mut numbers = NumberPool::default();
    for pt in config.codecs.iter().filter_map(|c| c.static_payload_type()) {
        numbers.reserve(pt);
    }
    let settings = config.payload_types;
    let mut formats = Vec::new();
    for &codec in &config.codecs {
        let pt = match codec {
            Codec::Opus => numbers.take(settings.opus),
            Codec::Ilbc => numbers.take(settings.ilbc),
            Codec::G726_32 => numbers.take(settings.g726),
            _ => codec.static_payload_type(),
        };
        if let Some(pt) = pt {
            formats.push(LocalFormat::codec(
                codec,
                pt,
                codec_fmtp(codec, config.ilbc_frame_ms),
            ));
        }
    }
    if config.red_with_fec {
        if let Some(primary) = formats.first().cloned() {
            if let Some(pt) = numbers.take(settings.red) {
                formats.push(LocalFormat::red(pt, &primary));
            }
            if let Some(pt) = numbers.take(settings.fec) {
                formats.push(LocalFormat::fec(pt, primary.clock_rate));
            }
        }
    }
    if config.telephone_event {
        let mut rates: Vec<u32> = vec![8_000];
        if config.codecs.contains(&Codec::Opus) {
            rates.push(48_000);
        }
        for rate in rates {
            if let Some(pt) = numbers.take(settings.dtmf) {
                formats.push(LocalFormat::telephone_event(pt, rate));
            }
        }
    }
    formats
}

/// What goes into one of our audio sections.
pub(crate) struct SectionPlan {
    pub(crate) proto: Protocol,
    pub(crate) formats: Vec<LocalFormat>,
    pub(crate) crypto: Vec<Crypto>,
    pub(crate) rtcp_mux: bool,
    pub(crate) direction: Direction,
    pub(crate) ptime: u32,
    /// The highest payload bit rate among the codecs, for bandwidth lines.
    pub(crate) bitrate: u32,
}

/// `b=AS` in kbit/s: the payload plus 40 bytes of IP/UDP/RTP headers per packet.
fn application_kbps(bitrate: u32, ptime: u32) -> u64 {
    let packets_per_second = 1000 / u64::from(ptime.max(1));
    (u64::from(bitrate) + packets_per_second * 40 * 8).div_ceil(1000)
}

/// Our audio section.
pub(crate) fn audio_section(config: &MediaConfig, plan: SectionPlan) -> MediaDescription {
    let mut media = MediaDescription::new(
        MediaType::Audio,
        config.rtp_port,
        plan.proto,
        plan.formats.iter().map(|f| f.pt.to_string()).collect(),
    );
    match config.bandwidth_mode {
        BandwidthMode::Standard => media.bandwidths.push(Bandwidth {
            kind: BandwidthType::Tias,
            value: u64::from(plan.bitrate),
        }),
        BandwidthMode::MediaLevel => media.bandwidths.push(Bandwidth {
            kind: BandwidthType::As,
            value: application_kbps(plan.bitrate, plan.ptime),
        }),
        BandwidthMode::SessionLevel | BandwidthMode::None => {}
    }
    let attributes = &mut media.attributes;
    match config.rtcp_mode {
        RtcpMode::Default => {}
        RtcpMode::Negotiated | RtcpMode::Mux => attributes.push(Attribute::Rtcp(Rtcp {
            port: config.local_rtcp_port(),
            address: None,
        })),
        RtcpMode::MuxOnly => attributes.push(Attribute::Rtcp(Rtcp {
            port: config.rtp_port,
            address: None,
        })),
    }
    if plan.rtcp_mux {
        attributes.push(Attribute::RtcpMux);
    }
    attributes.extend(plan.crypto.into_iter().map(Attribute::Crypto));
    for format in &plan.formats {
        attributes.push(Attribute::RtpMap(RtpMap {
            payload_type: format.pt,
            encoding: format.encoding.into(),
            clock_rate: format.clock_rate,
            channels: format.channels,
        }));
        if let Some(params) = &format.fmtp {
            attributes.push(Attribute::Fmtp(Fmtp {
                payload_type: format.pt,
                params: params.clone(),
            }));
        }
    }
    attributes.push(Attribute::Ptime(plan.ptime));
    attributes.push(Attribute::Direction(plan.direction));
    media
}

/// Our session section around `media`; `connection_zero` writes the RFC 2543 hold address.
pub(crate) fn session(
    config: &MediaConfig,
    session_id: u64,
    version: u64,
    connection_zero: bool,
    media: Vec<MediaDescription>,
) -> SessionDescription {
    let mut sdp = SessionDescription::new(Origin {
        username: config.username.clone(),
        session_id: session_id.to_string(),
        session_version: version,
        address: Connection::from_ip(config.address),
    });
    sdp.session_name = config.session_name.clone();
    let address = match (connection_zero, config.address) {
        (false, ip) => ip,
        (true, IpAddr::V4(_)) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        (true, IpAddr::V6(_)) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    sdp.connection = Some(Connection::from_ip(address));
    if matches!(
        config.bandwidth_mode,
        BandwidthMode::Standard | BandwidthMode::SessionLevel
    ) {
        let (bitrate, ptime) = media
            .iter()
            .filter(|m| m.port != 0)
            .find_map(|m| section_rate(m, config.ilbc_frame_ms))
            .unwrap_or((0, 20));
        if bitrate > 0 {
            sdp.bandwidths.push(Bandwidth {
                kind: BandwidthType::As,
                value: application_kbps(bitrate, ptime),
            });
        }
    }
    sdp.media = media;
    sdp
}

/// The payload bit rate and ptime of one of our sections, from what we wrote in it.
fn section_rate(media: &MediaDescription, ilbc_frame_ms: u32) -> Option<(u32, u32)> {
    let ptime = media.attributes.iter().find_map(|a| match a {
        Attribute::Ptime(ms) => Some(*ms),
        _ => None,
    })?;
    let bitrate = media
        .attributes
        .iter()
        .filter_map(|a| match a {
            Attribute::RtpMap(m) => Codec::identify(m.payload_type, Some(m), &Codec::ALL),
            _ => None,
        })
        .map(|c| c.bitrate(ilbc_frame_ms))
        .max()?;
    Some((bitrate, ptime))
}
