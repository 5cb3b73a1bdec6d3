//! The session's RTCP: SR or RR with SDES CNAME on the scheduler, round-trip times and the
//! peer's loss from its report blocks, BYE with VoIP metrics at the end.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use handset_codec::{CodecConfig, CodecId};

use super::{MediaEvent, MediaSession, Transmit};
use crate::rtcp::{
    CallQualityInput, Concealment, ExtendedReport, Goodbye, JitterBufferReport, NtpTime,
    ReceiverReport, ReportBlock, RtcpPacket, SenderReport, SourceDescription, VoipMetrics, XrBlock,
};
use crate::stats::{mos_from_r, r_factor, round_trip_time, CodecImpairment, EModelInput};

impl MediaSession {
    /// The NTP time at `now`, counted from an arbitrary origin at the session's start.
    fn ntp_at(&self, now: Instant) -> NtpTime {
        NtpTime::from_unix(Duration::ZERO).after(now.saturating_duration_since(self.origin))
    }

    /// Builds and queues a compound report; with `goodbye`, adds XR VoIP metrics and BYE.
    pub(super) fn send_report(&mut self, now: Instant, goodbye: bool) {
        let ssrc = self.rtp.ssrc();
        let reports: Vec<ReportBlock> = self
            .receive
            .stats_mut()
            .and_then(|stats| stats.report_block(now))
            .into_iter()
            .collect();
        let first = match (self.sent_since_report, &self.send) {
            (true, Some(send)) => RtcpPacket::SenderReport(SenderReport {
                ssrc,
                ntp_timestamp: self.ntp_at(now).0,
                rtp_timestamp: self.rtp_timestamp_at(now, send.info().clock_rate),
                packet_count: self.rtp.packet_count(),
                octet_count: self.rtp.octet_count(),
                reports,
            }),
            _ => RtcpPacket::ReceiverReport(ReceiverReport { ssrc, reports }),
        };
        let mut packets = vec![
            first,
            RtcpPacket::SourceDescription(SourceDescription::cname(ssrc, &self.config.cname)),
        ];
        if goodbye {
            if let Some(metrics) = self.voip_metrics() {
                packets.push(RtcpPacket::ExtendedReport(ExtendedReport {
                    ssrc,
                    blocks: vec![XrBlock::VoipMetrics(metrics)],
                }));
            }
            packets.push(RtcpPacket::Goodbye(Goodbye {
                sources: vec![ssrc],
                reason: None,
            }));
        }
        let bytes = RtcpPacket::compound_to_bytes(&packets);
        let size = bytes.len();
        self.scheduler.set_participants(
            2,
            u32::from(self.sent_since_report) + u32::from(self.receive.stats().is_some()),
            self.sent_since_report,
        );
        self.scheduler.handle_sent(now, size, &mut self.rng);
        self.sent_since_report = false;
        let Some(to) = self.rtcp_destination else {
            return;
        };
        let bytes = match &mut self.srtp_send {
            Some(srtp) => match srtp.protect_rtcp(&bytes) {
                Ok(protected) => protected,
                Err(_) => return,
            },
            None => bytes,
        };
        self.transmits.push_back(Transmit {
            to,
            bytes,
            rtcp: true,
        });
    }

    /// The RTP timestamp that corresponds to `now` on our send clock.
    fn rtp_timestamp_at(&self, now: Instant, clock_rate: u32) -> u32 {
        match self.last_sent {
            Some((at, timestamp)) => {
                let elapsed = now.saturating_duration_since(at);
                let ticks = elapsed.as_micros() * u128::from(clock_rate) / 1_000_000;
                timestamp.wrapping_add(ticks as u32)
            }
            None => self.rtp.next_timestamp(),
        }
    }

    fn voip_metrics(&self) -> Option<VoipMetrics> {
        let stats = self.receive.stats()?;
        let jitter = self.receive.jitter_stats();
        let packet_duration = self.receive.frame_duration();
        let input = CallQualityInput {
            packet_duration,
            codec: impairment(self.receive.codec()),
            round_trip: self.round_trip,
            end_system_delay: jitter.current_delay + packet_duration,
            jitter_buffer: JitterBufferReport {
                adaptive: self.receive.adaptive(),
                rate: 0,
                nominal: jitter.nominal_delay,
                maximum: jitter.maximum_delay,
                absolute_maximum: jitter.absolute_maximum_delay,
            },
            concealment: Concealment::Standard,
            signal_level: None,
            noise_level: None,
            residual_echo_return_loss: None,
        };
        Some(VoipMetrics::from_stats(stats, &input))
    }

    /// The E-model MOS of the received audio, once audio arrived.
    pub(super) fn mos(&self) -> Option<f64> {
        let stats = self.receive.stats()?;
        let jitter = self.receive.jitter_stats();
        let input = EModelInput {
            codec: impairment(self.receive.codec()),
            loss: (stats.loss_fraction() + stats.discard_fraction()).min(1.0),
            burst_ratio: stats.burst_ratio(),
            one_way_delay: self.round_trip.unwrap_or_default() / 2
                + jitter.current_delay
                + self.receive.frame_duration(),
        };
        Some(mos_from_r(r_factor(&input)))
    }

    /// Takes one datagram from the RTCP socket (or a muxed RTCP packet).
    pub fn handle_rtcp(&mut self, now: Instant, from: SocketAddr, bytes: &[u8]) {
        if self.closed {
            return;
        }
        let expected_ip = self.config.remote_rtp.map(|address| address.ip());
        if self.config.rtp_filter != super::RtpFilter::None
            && expected_ip.is_some_and(|ip| ip != from.ip())
        {
            self.rejected += 1;
            return;
        }
        let clear = match &mut self.srtp_receive {
            Some(srtp) => match srtp.unprotect_rtcp(bytes) {
                Ok(clear) => clear,
                Err(error) => return self.reject(now, format!("SRTCP: {error}")),
            },
            None => bytes.to_vec(),
        };
        let packets = match RtcpPacket::parse_compound(&clear) {
            Ok(packets) => packets,
            Err(error) => return self.reject(now, format!("RTCP: {error}")),
        };
        self.scheduler.handle_received(clear.len());
        if self.config.symmetric_rtp && !self.config.rtcp_mux {
            self.rtcp_destination = Some(from);
        }
        for packet in packets {
            match packet {
                RtcpPacket::SenderReport(report) => {
                    if let Some(stats) = self.receive.stats_mut() {
                        if stats.ssrc() == report.ssrc {
                            stats.handle_sender_report(now, &report);
                        }
                    }
                    self.handle_report_blocks(now, &report.reports);
                }
                RtcpPacket::ReceiverReport(report) => {
                    self.handle_report_blocks(now, &report.reports);
                }
                RtcpPacket::Goodbye(goodbye) => {
                    let remote = self.receive.stats().map(|stats| stats.ssrc());
                    if remote.is_none_or(|ssrc| goodbye.sources.contains(&ssrc)) {
                        self.remote_bye = true;
                    }
                }
                _ => {}
            }
        }
    }

    fn handle_report_blocks(&mut self, now: Instant, blocks: &[ReportBlock]) {
        let ssrc = self.rtp.ssrc();
        let arrival = self.ntp_at(now);
        for block in blocks.iter().filter(|block| block.ssrc == ssrc) {
            if let Some(rtt) = round_trip_time(arrival, block) {
                self.round_trip = Some(rtt);
            }
            self.remote_fraction_lost = Some(block.fraction_lost);
            let percent = (u32::from(block.fraction_lost) * 100)
                .div_ceil(256)
                .min(100) as u8;
            if let Some(send) = &mut self.send {
                if let Err(error) = send.set_expected_loss(percent) {
                    self.events.push_back(MediaEvent::Rejected {
                        reason: format!("encoder hint: {error}"),
                    });
                }
            }
        }
    }
}

/// The E-model values of the codec received.
fn impairment(codec: Option<CodecConfig>) -> CodecImpairment {
    match codec.map(|codec| codec.id) {
        Some(CodecId::G726_32) => CodecImpairment::G726_32,
        Some(CodecId::G722 | CodecId::Opus) => CodecImpairment::WIDEBAND,
        // G.729 exists only with the codec crate's optional feature.
        Some(id) if id.name() == "G729" => CodecImpairment::G729A,
        _ => CodecImpairment::G711,
    }
}
