//! Checking the peer's answer against our outstanding offer (RFC 3264 §7).

use super::select::{self, Format};
use super::{Negotiated, NegotiatedCodec, Negotiator, PayloadTypes, Redundancy, Srtp};
use crate::codec::Codec;
use crate::config::{RtcpMode, SrtpMode};
use crate::error::NegotiationError;
use crate::model::{MediaType, Protocol, SessionDescription};

impl Negotiator {
    /// Takes the peer's answer to our outstanding offer. The offer is settled either way:
    /// an error means the call has no usable media (the SIP layer ends or re-offers).
    ///
    /// The codec is the answer's first one we offered when "use first matching vocoder" is
    /// on, else the one of the answer's that comes first in our list.
    pub fn accept_answer(
        &mut self,
        answer: &SessionDescription,
    ) -> Result<Negotiated, NegotiationError> {
        let offer = self
            .pending_offer
            .take()
            .ok_or(NegotiationError::NoOfferPending)?;
        if answer.media.len() != offer.media.len() {
            return Err(NegotiationError::AnswerMismatch("number of m= lines"));
        }
        let (ours, theirs) = (&offer.media[0], &answer.media[0]);
        if theirs.port == 0 {
            return Err(NegotiationError::NoAcceptableStream);
        }
        if theirs.kind != MediaType::Audio {
            return Err(NegotiationError::AnswerMismatch("media type"));
        }
        if matches!(theirs.proto, Protocol::Other(_))
            || (ours.proto.is_secure() && !theirs.proto.is_secure())
        {
            return Err(NegotiationError::AnswerMismatch("transport profile"));
        }
        let config = &self.config;
        let their_formats = select::formats(theirs);
        let our_formats = select::formats(ours);
        let offered = |codec: Codec| {
            our_formats
                .iter()
                .find(|f| f.codec() == Some(codec))
                .copied()
        };
        let candidates: Vec<(Codec, Format<'_>, Format<'_>)> = their_formats
            .iter()
            .filter_map(|f| {
                let codec = f.codec()?;
                Some((codec, *f, offered(codec)?))
            })
            .collect();
        let pick = if config.use_first_match {
            candidates.first()
        } else {
            candidates
                .iter()
                .min_by_key(|(c, _, _)| config.codecs.iter().position(|ours| ours == c))
        };
        let &(codec, their_primary, our_primary) =
            pick.ok_or(NegotiationError::AnswerMismatch("no codec of the offer"))?;
        let pair = |theirs: Format<'_>, ours: Format<'_>| PayloadTypes {
            send: theirs.pt,
            receive: ours.pt,
        };
        let clock_rate = codec.clock_rate();
        let ilbc_mode = select::ilbc_mode(config, their_primary.fmtp);
        let event = config
            .telephone_event
            .then(|| {
                Some(pair(
                    select::telephone_event(&their_formats, clock_rate)?,
                    select::telephone_event(&our_formats, clock_rate)?,
                ))
            })
            .flatten();
        let red = config
            .red_with_fec
            .then(|| {
                Some(Redundancy {
                    payload_type: pair(
                        select::redundancy(&their_formats, their_primary.pt, clock_rate)?,
                        select::redundancy(&our_formats, our_primary.pt, clock_rate)?,
                    ),
                    codec_payload_type: pair(their_primary, our_primary),
                })
            })
            .flatten();
        let fec = config
            .red_with_fec
            .then(|| {
                Some(pair(
                    select::fec(&their_formats, clock_rate)?,
                    select::fec(&our_formats, clock_rate)?,
                ))
            })
            .flatten();

        let our_crypto: Vec<_> = select::crypto_lines(ours).collect();
        let srtp = match select::crypto_lines(theirs).next() {
            _ if our_crypto.is_empty() => {
                if theirs.proto.is_secure() {
                    return Err(NegotiationError::AnswerMismatch("transport profile"));
                }
                None
            }
            None if ours.proto.is_secure()
                || config.srtp_policy() == SrtpMode::EnabledAndForced =>
            {
                return Err(NegotiationError::SrtpRequired)
            }
            None => None,
            Some(answered) => {
                let mine = our_crypto
                    .iter()
                    .find(|c| c.tag == answered.tag && c.suite == answered.suite)
                    .ok_or(NegotiationError::AnswerMismatch(
                        "crypto tag or suite not offered",
                    ))?;
                let [remote] = &answered.keys[..] else {
                    return Err(NegotiationError::AnswerMismatch("more than one crypto key"));
                };
                if remote.mki.is_some() || !answered.session_params.is_empty() {
                    return Err(NegotiationError::AnswerMismatch(
                        "crypto parameters not offered",
                    ));
                }
                Some(Srtp {
                    suite: answered.suite.clone(),
                    local: mine.keys[0].clone(),
                    remote: remote.clone(),
                })
            }
        };
        let rtcp_mux = select::has_rtcp_mux(ours) && select::has_rtcp_mux(theirs);
        if config.rtcp_mode == RtcpMode::MuxOnly && !rtcp_mux {
            return Err(NegotiationError::RtcpMuxRequired);
        }
        let remote = select::remote_addresses(answer, 0, rtcp_mux)?;
        let direction = select::stated_direction(answer, 0)
            .reversed()
            .intersect(select::stated_direction(&offer, 0));
        Ok(Negotiated {
            codec: NegotiatedCodec {
                codec,
                payload_type: pair(their_primary, our_primary),
                clock_rate,
                channels: codec.channels(),
                fmtp: their_primary.fmtp.map(Into::into),
                ilbc_mode: if codec == Codec::Ilbc { ilbc_mode } else { 0 },
            },
            receive_codecs: candidates
                .iter()
                .map(|(c, _, ours)| (ours.pt, *c))
                .collect(),
            ptime: select::send_ptime(config, codec, ilbc_mode, answer, 0),
            telephone_event: event,
            red,
            fec,
            remote_rtp: remote.rtp,
            remote_rtcp: remote.rtcp,
            rtcp_mux,
            direction,
            srtp,
        })
    }
}
