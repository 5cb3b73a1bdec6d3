//! Reading a peer's media section: which formats it lists and what they are, its direction,
//! addresses, packet times and crypto lines.

use std::net::{IpAddr, SocketAddr};

use crate::attribute::{Attribute, Direction, RtpMap};
use crate::codec::Codec;
use crate::config::{MediaConfig, SrtpKeyLength};
use crate::crypto::Crypto;
use crate::error::NegotiationError;
use crate::model::{MediaDescription, SessionDescription};

/// One payload type of a peer's m= line with what describes it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Format<'a> {
    /// The payload type number.
    pub(crate) pt: u8,
    /// Its `a=rtpmap`, if any.
    pub(crate) rtpmap: Option<&'a RtpMap>,
    /// Its `a=fmtp` parameters, if any.
    pub(crate) fmtp: Option<&'a str>,
}

impl Format<'_> {
    /// Whether the rtpmap names `encoding` (any case).
    pub(crate) fn is(&self, encoding: &str) -> bool {
        self.rtpmap
            .is_some_and(|m| m.encoding.eq_ignore_ascii_case(encoding))
    }

    /// The rtpmap clock rate, if any.
    pub(crate) fn clock_rate(&self) -> Option<u32> {
        self.rtpmap.map(|m| m.clock_rate)
    }

    /// The codec this format is, if it is one of ours.
    pub(crate) fn codec(&self) -> Option<Codec> {
        Codec::identify(self.pt, self.rtpmap, &Codec::ALL)
    }
}

/// The formats of `media` in m= line order, each with its rtpmap and fmtp.
pub(crate) fn formats(media: &MediaDescription) -> Vec<Format<'_>> {
    media
        .payload_types()
        .map(|pt| Format {
            pt,
            rtpmap: media.attributes.iter().find_map(|a| match a {
                Attribute::RtpMap(m) if m.payload_type == pt => Some(m),
                _ => None,
            }),
            fmtp: media.attributes.iter().find_map(|a| match a {
                Attribute::Fmtp(f) if f.payload_type == pt => Some(f.params.as_str()),
                _ => None,
            }),
        })
        .collect()
}

/// The telephone-event format whose clock matches `clock_rate`, else the 8 kHz one (older
/// peers offer only that, even beside Opus).
pub(crate) fn telephone_event<'a>(formats: &[Format<'a>], clock_rate: u32) -> Option<Format<'a>> {
    let events = || formats.iter().filter(|f| f.is("telephone-event"));
    events()
        .find(|f| f.clock_rate() == Some(clock_rate))
        .or_else(|| events().find(|f| f.clock_rate() == Some(8_000)))
        .copied()
}

/// The RED format carrying `primary_pt` at `clock_rate` (an fmtp, when present, must name it).
pub(crate) fn redundancy<'a>(
    formats: &[Format<'a>],
    primary_pt: u8,
    clock_rate: u32,
) -> Option<Format<'a>> {
    formats
        .iter()
        .find(|f| {
            f.is("red")
                && f.clock_rate() == Some(clock_rate)
                && f.fmtp.is_none_or(|p| {
                    p.split('/')
                        .next()
                        .and_then(|first| first.trim().parse::<u8>().ok())
                        == Some(primary_pt)
                })
        })
        .copied()
}

/// The FEC format at `clock_rate`.
pub(crate) fn fec<'a>(formats: &[Format<'a>], clock_rate: u32) -> Option<Format<'a>> {
    formats
        .iter()
        .find(|f| f.is("ulpfec") && f.clock_rate() == Some(clock_rate))
        .copied()
}

/// The direction a description's author states for media section `index` (media level
/// first, then session level, sendrecv when neither says), with RFC 2543 hold read as "does
/// not receive".
pub(crate) fn stated_direction(sdp: &SessionDescription, index: usize) -> Direction {
    let find = |attributes: &[Attribute]| {
        attributes.iter().find_map(|a| match a {
            Attribute::Direction(d) => Some(*d),
            _ => None,
        })
    };
    let media = &sdp.media[index];
    let direction = find(&media.attributes)
        .or_else(|| find(&sdp.attributes))
        .unwrap_or_default();
    if sdp
        .media_connection(index)
        .is_some_and(|c| c.is_unspecified())
    {
        return Direction::from_parts(direction.sends(), false);
    }
    direction
}

/// Where the peer receives RTP and RTCP for media section `index`: `None` addresses when it
/// put the stream on hold with `c=0.0.0.0`.
pub(crate) struct RemoteAddresses {
    pub(crate) rtp: Option<SocketAddr>,
    pub(crate) rtcp: Option<SocketAddr>,
}

pub(crate) fn remote_addresses(
    sdp: &SessionDescription,
    index: usize,
    rtcp_mux: bool,
) -> Result<RemoteAddresses, NegotiationError> {
    let media = &sdp.media[index];
    let connection = sdp
        .media_connection(index)
        .ok_or(NegotiationError::BadConnection)?;
    let ip = connection.ip().ok_or(NegotiationError::BadConnection)?;
    if ip.is_unspecified() {
        return Ok(RemoteAddresses {
            rtp: None,
            rtcp: None,
        });
    }
    let rtp = SocketAddr::new(ip, media.port);
    let rtcp = if rtcp_mux {
        Some(rtp)
    } else {
        let stated = media.attributes.iter().find_map(|a| match a {
            Attribute::Rtcp(r) => Some(r),
            _ => None,
        });
        match stated {
            Some(r) => {
                let rtcp_ip: IpAddr = match &r.address {
                    Some(c) => c.ip().ok_or(NegotiationError::BadConnection)?,
                    None => ip,
                };
                Some(SocketAddr::new(rtcp_ip, r.port))
            }
            None => media.port.checked_add(1).map(|p| SocketAddr::new(ip, p)),
        }
    };
    Ok(RemoteAddresses {
        rtp: Some(rtp),
        rtcp,
    })
}

/// Whether the section carries `a=rtcp-mux`.
pub(crate) fn has_rtcp_mux(media: &MediaDescription) -> bool {
    media.attributes.contains(&Attribute::RtcpMux)
}

/// The first `a=ptime` / `a=maxptime` of the media section, else of the session.
fn stated_time(sdp: &SessionDescription, index: usize, max: bool) -> Option<u32> {
    let find = |attributes: &[Attribute]| {
        attributes.iter().find_map(|a| match (a, max) {
            (Attribute::Ptime(ms), false) | (Attribute::MaxPtime(ms), true) => Some(*ms),
            _ => None,
        })
    };
    find(&sdp.media[index].attributes).or_else(|| find(&sdp.attributes))
}

/// The packet duration to send with: what the peer asks for (`a=ptime`, RFC 8866 §6.4),
/// else ours; never above its `a=maxptime`; a whole number of the codec's frames.
pub(crate) fn send_ptime(
    config: &MediaConfig,
    codec: Codec,
    ilbc_frame_ms: u32,
    sdp: &SessionDescription,
    index: usize,
) -> u32 {
    let frame = if codec == Codec::Ilbc {
        ilbc_frame_ms
    } else {
        10
    };
    let mut ptime = stated_time(sdp, index, false).unwrap_or(config.ptime(codec));
    if let Some(max) = stated_time(sdp, index, true) {
        ptime = ptime.min(max);
    }
    if codec == Codec::Opus {
        // RFC 7587: an Opus packet holds at most 120 ms.
        ptime = ptime.min(120);
    }
    (ptime / frame).max(1) * frame
}

/// The iLBC mode both ends use: 20 ms only when both ask for 20 (RFC 3952 §5).
pub(crate) fn ilbc_mode(config: &MediaConfig, remote_fmtp: Option<&str>) -> u32 {
    let remote = remote_fmtp
        .into_iter()
        .flat_map(|p| p.split(';'))
        .find_map(|p| p.trim().strip_prefix("mode="))
        .and_then(|m| m.trim().parse::<u32>().ok());
    if config.ilbc_frame_ms == 20 && remote.unwrap_or(30) == 20 {
        20
    } else {
        30
    }
}

/// Whether the key length setting allows `crypto`'s suite.
pub(crate) fn suite_allowed(length: SrtpKeyLength, crypto: &Crypto) -> bool {
    if crypto.suite.key_salt_len().is_none() {
        return false;
    }
    match length {
        SrtpKeyLength::Aes128And256 => true,
        SrtpKeyLength::Aes128 => !crypto.suite.is_aes256(),
        SrtpKeyLength::Aes256 => crypto.suite.is_aes256(),
    }
}

/// The first crypto line of an offer we can take: a suite we allow, one key without MKI,
/// and no session parameters (RFC 4568 §6.3: a line with parameters not understood is not
/// chosen; this phone understands none).
pub(crate) fn acceptable_crypto(
    length: SrtpKeyLength,
    media: &MediaDescription,
) -> Option<&Crypto> {
    media.attributes.iter().find_map(|a| match a {
        Attribute::Crypto(c)
            if suite_allowed(length, c)
                && c.keys.len() == 1
                && c.keys[0].mki.is_none()
                && c.session_params.is_empty() =>
        {
            Some(c)
        }
        _ => None,
    })
}

/// The crypto lines of a section.
pub(crate) fn crypto_lines(media: &MediaDescription) -> impl Iterator<Item = &Crypto> {
    media.attributes.iter().filter_map(|a| match a {
        Attribute::Crypto(c) => Some(c),
        _ => None,
    })
}
