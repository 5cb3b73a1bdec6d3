//! Answering a peer's offer (RFC 3264 §6): one audio stream taken, every other stream
//! rejected with port 0.

use super::build::{audio_section, codec_fmtp, LocalFormat, SectionPlan};
use super::select::{self, Format};
use super::{KeySource, Negotiated, NegotiatedCodec, Negotiator, PayloadTypes, Redundancy, Srtp};
use crate::codec::Codec;
use crate::config::{NegotiationPriority, RtcpMode, SrtpMode};
use crate::error::NegotiationError;
use crate::model::{MediaDescription, MediaType, SessionDescription};

/// One stream we can take, with our section for it.
struct StreamAnswer {
    media: MediaDescription,
    negotiated: Negotiated,
}

impl Negotiator {
    /// Answers the peer's `offer`: the first audio stream we can use is taken (a secure one
    /// first when SRTP is enabled here), every other m= line is rejected with port 0. An
    /// offer of ours still outstanding is dropped (glare is the SIP layer's to resolve).
    pub fn answer(
        &mut self,
        offer: &SessionDescription,
        keys: KeySource<'_>,
    ) -> Result<(SessionDescription, Negotiated), NegotiationError> {
        if self.config.codecs.is_empty() {
            return Err(NegotiationError::NoCodecs);
        }
        let prefer_secure = matches!(
            self.config.srtp_policy(),
            SrtpMode::EnabledAndForced | SrtpMode::EnabledButNotForced
        );
        let mut chosen: Option<(usize, StreamAnswer)> = None;
        let mut first_error = None;
        for (index, media) in offer.media.iter().enumerate() {
            if media.kind != MediaType::Audio || media.port == 0 || !media.proto.is_rtp() {
                continue;
            }
            match self.answer_stream(offer, index, keys) {
                Ok(stream) => {
                    let better = match &chosen {
                        None => true,
                        Some((_, taken)) => {
                            prefer_secure
                                && taken.negotiated.srtp.is_none()
                                && stream.negotiated.srtp.is_some()
                        }
                    };
                    if better {
                        chosen = Some((index, stream));
                    }
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        let Some((taken, stream)) = chosen else {
            return Err(first_error.unwrap_or(NegotiationError::NoAcceptableStream));
        };
        let mut ours = Some(stream.media);
        let media = offer
            .media
            .iter()
            .enumerate()
            .map(|(index, m)| match ours.take_if(|_| index == taken) {
                Some(section) => section,
                None => {
                    MediaDescription::new(m.kind.clone(), 0, m.proto.clone(), m.formats.clone())
                }
            })
            .collect();
        let sdp = self.finish(media);
        self.pending_offer = None;
        Ok((sdp, stream.negotiated))
    }

    fn answer_stream(
        &mut self,
        offer: &SessionDescription,
        index: usize,
        keys: KeySource<'_>,
    ) -> Result<StreamAnswer, NegotiationError> {
        let media = &offer.media[index];
        let config = &self.config;
        let usable_crypto = select::acceptable_crypto(config.key_length, media);
        let crypto = match config.srtp_policy() {
            SrtpMode::EnabledAndForced => {
                Some(usable_crypto.ok_or(NegotiationError::SrtpRequired)?)
            }
            SrtpMode::EnabledButNotForced | SrtpMode::Optional if media.proto.is_secure() => {
                Some(usable_crypto.ok_or(NegotiationError::SrtpRequired)?)
            }
            SrtpMode::EnabledButNotForced | SrtpMode::Optional => usable_crypto,
            _ if media.proto.is_secure() => return Err(NegotiationError::SrtpDisabled),
            _ => None,
        };
        let offered_mux = select::has_rtcp_mux(media);
        if config.rtcp_mode == RtcpMode::MuxOnly && !offered_mux {
            return Err(NegotiationError::RtcpMuxRequired);
        }
        let rtcp_mux = offered_mux && matches!(config.rtcp_mode, RtcpMode::Mux | RtcpMode::MuxOnly);
        let remote = select::remote_addresses(offer, index, rtcp_mux)?;

        let formats = select::formats(media);
        let mut common: Vec<(Codec, Format<'_>)> = Vec::new();
        for format in &formats {
            if let Some(codec) = format.codec().filter(|c| config.codecs.contains(c)) {
                if !common.iter().any(|(c, _)| *c == codec) {
                    common.push((codec, *format));
                }
            }
        }
        if config.priority == NegotiationPriority::Callee {
            common.sort_by_key(|(c, _)| config.codecs.iter().position(|ours| ours == c));
        }
        let Some(&(codec, primary)) = common.first() else {
            return Err(NegotiationError::NoAcceptableStream);
        };
        if config.use_first_match {
            common.truncate(1);
        }
        let ilbc_mode = select::ilbc_mode(
            config,
            common
                .iter()
                .find(|(c, _)| *c == Codec::Ilbc)
                .and_then(|(_, f)| f.fmtp),
        );
        let clock_rate = codec.clock_rate();
        let event = config
            .telephone_event
            .then(|| select::telephone_event(&formats, clock_rate))
            .flatten();
        let red = config
            .red_with_fec
            .then(|| select::redundancy(&formats, primary.pt, clock_rate))
            .flatten();
        let fec = config
            .red_with_fec
            .then(|| select::fec(&formats, clock_rate))
            .flatten();

        let mut local: Vec<LocalFormat> = common
            .iter()
            .map(|(c, f)| LocalFormat::codec(*c, f.pt, codec_fmtp(*c, ilbc_mode)))
            .collect();
        if let Some(r) = red {
            local.push(LocalFormat::red(r.pt, &local[0]));
        }
        if let Some(f) = fec {
            local.push(LocalFormat::fec(f.pt, clock_rate));
        }
        if let Some(e) = event {
            local.push(LocalFormat::telephone_event(
                e.pt,
                e.clock_rate().unwrap_or(8_000),
            ));
        }
        let direction = select::stated_direction(offer, index)
            .reversed()
            .intersect(self.local_direction());
        let ptime = select::send_ptime(config, codec, ilbc_mode, offer, index);
        let our_ptime = if codec == Codec::Ilbc {
            ilbc_mode
        } else {
            config.ptime(codec)
        };
        let bitrate = common
            .iter()
            .map(|(c, _)| c.bitrate(ilbc_mode))
            .max()
            .unwrap_or(0);
        let proto = media.proto.clone();
        let fmtp = primary.fmtp.map(Into::into);

        let (srtp, crypto_lines) = match crypto {
            Some(theirs) => {
                let line = self.local_crypto(theirs.tag, theirs.suite.clone(), keys);
                let srtp = Srtp {
                    suite: theirs.suite.clone(),
                    local: line.keys[0].clone(),
                    remote: theirs.keys[0].clone(),
                };
                (Some(srtp), vec![line])
            }
            None => (None, Vec::new()),
        };
        let plan = SectionPlan {
            proto,
            formats: local,
            crypto: crypto_lines,
            rtcp_mux,
            direction,
            ptime: our_ptime,
            bitrate,
        };
        let same = |pt: u8| PayloadTypes {
            send: pt,
            receive: pt,
        };
        Ok(StreamAnswer {
            media: audio_section(&self.config, plan),
            negotiated: Negotiated {
                codec: NegotiatedCodec {
                    codec,
                    payload_type: same(primary.pt),
                    clock_rate,
                    channels: codec.channels(),
                    fmtp,
                    ilbc_mode: if codec == Codec::Ilbc { ilbc_mode } else { 0 },
                },
                receive_codecs: common.iter().map(|(c, f)| (f.pt, *c)).collect(),
                ptime,
                telephone_event: event.map(|e| same(e.pt)),
                red: red.map(|r| Redundancy {
                    payload_type: same(r.pt),
                    codec_payload_type: same(primary.pt),
                }),
                fec: fec.map(|f| same(f.pt)),
                remote_rtp: remote.rtp,
                remote_rtcp: remote.rtcp,
                rtcp_mux,
                direction,
                srtp,
            },
        })
    }
}
