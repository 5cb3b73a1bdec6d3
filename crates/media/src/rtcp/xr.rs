//! Extended reports (RTCP XR, RFC 3611) with the VoIP Metrics block (§4.7).

use std::time::Duration;

use super::packet::{take, take_u32, RtcpError};
use crate::stats::{
    listening_r_factor, mos_from_r, r_factor, CodecImpairment, EModelInput, ReceiverStats, GMIN,
};

/// Block type of the VoIP Metrics report block.
pub const BT_VOIP_METRICS: u8 = 7;
/// The value meaning "unavailable" in the level, R-factor and MOS fields.
pub const UNAVAILABLE: u8 = 127;

/// An XR packet (packet type 207): the sender and its report blocks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtendedReport {
    /// The sender's SSRC.
    pub ssrc: u32,
    /// The report blocks.
    pub blocks: Vec<XrBlock>,
}

/// One XR report block.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XrBlock {
    /// A VoIP Metrics block (type 7).
    VoipMetrics(VoipMetrics),
    /// Any other block, kept as received.
    Other {
        /// Block type.
        block_type: u8,
        /// The type-specific byte.
        type_specific: u8,
        /// The block contents after its four-byte header.
        body: Vec<u8>,
    },
}

/// The VoIP Metrics block's fields in their wire units (RFC 3611 §4.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VoipMetrics {
    /// The source the metrics describe.
    pub ssrc: u32,
    /// Fraction of packets lost, in 1/256 units.
    pub loss_rate: u8,
    /// Fraction of packets discarded by the jitter buffer, in 1/256 units.
    pub discard_rate: u8,
    /// Loss and discard density within bursts, in 1/256 units.
    pub burst_density: u8,
    /// Loss and discard density within gaps, in 1/256 units.
    pub gap_density: u8,
    /// Mean burst duration in milliseconds.
    pub burst_duration: u16,
    /// Mean gap duration in milliseconds.
    pub gap_duration: u16,
    /// Most recent round-trip delay in milliseconds (0 if unknown).
    pub round_trip_delay: u16,
    /// End-system delay (encode, packetize, jitter buffer, decode) in milliseconds.
    pub end_system_delay: u16,
    /// Speech signal level in dBm0 (127 if unavailable).
    pub signal_level: i8,
    /// Background noise level in dBm0 (127 if unavailable).
    pub noise_level: i8,
    /// Residual echo return loss in dB (127 if unavailable).
    pub residual_echo_return_loss: u8,
    /// The Gmin the burst metrics used.
    pub gmin: u8,
    /// Conversational R-factor 0–100 (127 if unavailable).
    pub r_factor: u8,
    /// External-network R-factor (127 if unavailable).
    pub ext_r_factor: u8,
    /// Listening-quality MOS × 10 (127 if unavailable).
    pub mos_lq: u8,
    /// Conversational-quality MOS × 10 (127 if unavailable).
    pub mos_cq: u8,
    /// Receiver configuration byte: PLC, jitter buffer adaptivity and rate.
    pub rx_config: u8,
    /// Nominal jitter buffer delay in milliseconds.
    pub jb_nominal: u16,
    /// Current maximum jitter buffer delay in milliseconds.
    pub jb_maximum: u16,
    /// Absolute maximum jitter buffer delay in milliseconds.
    pub jb_abs_max: u16,
}

/// The packet loss concealment the receiver uses (RX config bits 7–6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concealment {
    /// Not stated.
    Unspecified = 0,
    /// No concealment (silence or repeat nothing).
    Disabled = 1,
    /// An enhanced algorithm.
    Enhanced = 2,
    /// The codec's standard algorithm (for example G.711 Appendix I).
    Standard = 3,
}

/// What the jitter buffer reports for the XR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JitterBufferReport {
    /// Whether the buffer adapts its delay.
    pub adaptive: bool,
    /// Adjustment rate 0–15 (0 when not known).
    pub rate: u8,
    /// Nominal delay.
    pub nominal: Duration,
    /// Current maximum delay.
    pub maximum: Duration,
    /// Absolute maximum delay it may grow to.
    pub absolute_maximum: Duration,
}

/// Everything besides reception statistics the VoIP Metrics block is built from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallQualityInput {
    /// Duration of the audio in one packet (for burst and gap durations).
    pub packet_duration: Duration,
    /// The codec's E-model values.
    pub codec: CodecImpairment,
    /// The last round-trip time measured, if any.
    pub round_trip: Option<Duration>,
    /// This end's delay: packetization, jitter buffer, decoding and playout.
    pub end_system_delay: Duration,
    /// The jitter buffer's figures.
    pub jitter_buffer: JitterBufferReport,
    /// The concealment used.
    pub concealment: Concealment,
    /// Received speech level in dBm0, if measured.
    pub signal_level: Option<i8>,
    /// Received noise level in dBm0, if measured.
    pub noise_level: Option<i8>,
    /// Residual echo return loss in dB, if measured.
    pub residual_echo_return_loss: Option<u8>,
}

impl VoipMetrics {
    /// The block for a call, usually built at its end from the remote stream's statistics.
    pub fn from_stats(stats: &ReceiverStats, input: &CallQualityInput) -> Self {
        let bursts = stats.burst_metrics(input.packet_duration);
        let loss = stats.loss_fraction();
        let discard = stats.discard_fraction();
        let round_trip = input.round_trip.unwrap_or_default();
        let emodel = EModelInput {
            codec: input.codec,
            loss: (loss + discard).min(1.0),
            burst_ratio: stats.burst_ratio(),
            one_way_delay: round_trip / 2 + input.end_system_delay,
        };
        let conversational = r_factor(&emodel);
        let listening = listening_r_factor(&emodel);
        let jitter_buffer = &input.jitter_buffer;
        let rx_config = (input.concealment as u8) << 6
            | if jitter_buffer.adaptive { 3 } else { 2 } << 4
            | (jitter_buffer.rate & 0x0f);
        VoipMetrics {
            ssrc: stats.ssrc(),
            loss_rate: to_rate(loss),
            discard_rate: to_rate(discard),
            burst_density: bursts.burst_density,
            gap_density: bursts.gap_density,
            burst_duration: bursts.burst_duration_ms,
            gap_duration: bursts.gap_duration_ms,
            round_trip_delay: to_ms(round_trip),
            end_system_delay: to_ms(input.end_system_delay),
            signal_level: input.signal_level.unwrap_or(UNAVAILABLE as i8),
            noise_level: input.noise_level.unwrap_or(UNAVAILABLE as i8),
            residual_echo_return_loss: input.residual_echo_return_loss.unwrap_or(UNAVAILABLE),
            gmin: GMIN,
            r_factor: conversational.round() as u8,
            ext_r_factor: UNAVAILABLE,
            mos_lq: to_mos_field(mos_from_r(listening)),
            mos_cq: to_mos_field(mos_from_r(conversational)),
            rx_config,
            jb_nominal: to_ms(jitter_buffer.nominal),
            jb_maximum: to_ms(jitter_buffer.maximum),
            jb_abs_max: to_ms(jitter_buffer.absolute_maximum),
        }
    }

    fn parse(mut body: &[u8]) -> Result<Self, RtcpError> {
        let ssrc = take_u32(&mut body, "VoIP metrics")?;
        let b = take(&mut body, 28, "VoIP metrics")?;
        let word = |at: usize| u16::from_be_bytes([b[at], b[at + 1]]);
        Ok(VoipMetrics {
            ssrc,
            loss_rate: b[0],
            discard_rate: b[1],
            burst_density: b[2],
            gap_density: b[3],
            burst_duration: word(4),
            gap_duration: word(6),
            round_trip_delay: word(8),
            end_system_delay: word(10),
            signal_level: b[12] as i8,
            noise_level: b[13] as i8,
            residual_echo_return_loss: b[14],
            gmin: b[15],
            r_factor: b[16],
            ext_r_factor: b[17],
            mos_lq: b[18],
            mos_cq: b[19],
            rx_config: b[20],
            jb_nominal: word(22),
            jb_maximum: word(24),
            jb_abs_max: word(26),
        })
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(&[
            self.loss_rate,
            self.discard_rate,
            self.burst_density,
            self.gap_density,
        ]);
        for value in [
            self.burst_duration,
            self.gap_duration,
            self.round_trip_delay,
            self.end_system_delay,
        ] {
            out.extend_from_slice(&value.to_be_bytes());
        }
        out.extend_from_slice(&[
            self.signal_level as u8,
            self.noise_level as u8,
            self.residual_echo_return_loss,
            self.gmin,
            self.r_factor,
            self.ext_r_factor,
            self.mos_lq,
            self.mos_cq,
            self.rx_config,
            0,
        ]);
        for value in [self.jb_nominal, self.jb_maximum, self.jb_abs_max] {
            out.extend_from_slice(&value.to_be_bytes());
        }
    }
}

impl ExtendedReport {
    pub(crate) fn parse_body(mut body: &[u8]) -> Result<Self, RtcpError> {
        let ssrc = take_u32(&mut body, "XR")?;
        let mut blocks = Vec::new();
        while !body.is_empty() {
            let head = take(&mut body, 4, "XR block")?;
            let words = usize::from(u16::from_be_bytes([head[2], head[3]]));
            let content = take(&mut body, 4 * words, "XR block")?;
            blocks.push(match head[0] {
                BT_VOIP_METRICS if words == 8 => XrBlock::VoipMetrics(VoipMetrics::parse(content)?),
                block_type => XrBlock::Other {
                    block_type,
                    type_specific: head[1],
                    body: content.to_vec(),
                },
            });
        }
        Ok(ExtendedReport { ssrc, blocks })
    }

    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> u8 {
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        for block in &self.blocks {
            let start = out.len();
            match block {
                XrBlock::VoipMetrics(metrics) => {
                    out.extend_from_slice(&[BT_VOIP_METRICS, 0, 0, 0]);
                    metrics.write(out);
                }
                XrBlock::Other {
                    block_type,
                    type_specific,
                    body,
                } => {
                    out.extend_from_slice(&[*block_type, *type_specific, 0, 0]);
                    out.extend_from_slice(body);
                    out.resize(start + 4 + body.len().div_ceil(4) * 4, 0);
                }
            }
            let words = u16::try_from((out.len() - start) / 4 - 1).unwrap_or(u16::MAX);
            out[start + 2..start + 4].copy_from_slice(&words.to_be_bytes());
        }
        0
    }
}

fn to_rate(fraction: f64) -> u8 {
    (fraction * 256.0).clamp(0.0, 255.0) as u8
}

fn to_ms(duration: Duration) -> u16 {
    u16::try_from(duration.as_millis()).unwrap_or(u16::MAX)
}

fn to_mos_field(mos: f64) -> u8 {
    (mos * 10.0).round().clamp(10.0, 50.0) as u8
}
