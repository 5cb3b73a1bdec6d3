use std::time::Duration;

use super::*;
use crate::stats::{CodecImpairment, ReceiverStats};

fn block(ssrc: u32) -> ReportBlock {
    ReportBlock {
        ssrc,
        fraction_lost: 12,
        cumulative_lost: -3,
        extended_highest_sequence: 0x0001_0005,
        jitter: 77,
        last_sender_report: 0x1234_5678,
        delay_since_last_sender_report: 65536,
    }
}

fn compound() -> Vec<RtcpPacket> {
    vec![
        RtcpPacket::SenderReport(SenderReport {
            ssrc: 1,
            ntp_timestamp: 0xe000_0000_8000_0000,
            rtp_timestamp: 160,
            packet_count: 10,
            octet_count: 1600,
            reports: vec![block(2)],
        }),
        RtcpPacket::SourceDescription(SourceDescription::cname(1, "alice@192.0.2.1")),
        RtcpPacket::App(AppPacket {
            subtype: 3,
            ssrc: 1,
            name: *b"TEST",
            data: vec![1, 2, 3, 4],
        }),
        RtcpPacket::Goodbye(Goodbye {
            sources: vec![1],
            reason: Some(b"hangup".to_vec()),
        }),
    ]
}

#[test]
fn compound_round_trip() {
    let packets = compound();
    let bytes = RtcpPacket::compound_to_bytes(&packets);
    assert_eq!(bytes.len() % 4, 0);
    // SR with one block: 28 + 24 bytes, length field 12 words.
    assert_eq!(&bytes[..4], &[0x81, 200, 0, 12]);
    let parsed = RtcpPacket::parse_compound(&bytes).unwrap();
    assert_eq!(parsed, packets);
    let RtcpPacket::SourceDescription(sdes) = &parsed[1] else {
        panic!("second packet is SDES");
    };
    assert_eq!(sdes.cname_of(1), Some(&b"alice@192.0.2.1"[..]));
    assert_eq!(sdes.cname_of(9), None);
}

#[test]
fn receiver_report_and_unknown_types() {
    let packets = vec![
        RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: 5,
            reports: vec![block(6), block(7)],
        }),
        RtcpPacket::Unknown {
            packet_type: 205,
            count: 1,
            body: vec![0, 0, 0, 5, 0, 0, 0, 6],
        },
    ];
    let bytes = RtcpPacket::compound_to_bytes(&packets);
    assert_eq!(RtcpPacket::parse_compound(&bytes).unwrap(), packets);
}

#[test]
fn compound_must_start_with_a_report() {
    let bytes = RtcpPacket::compound_to_bytes(&compound()[1..]);
    assert_eq!(
        RtcpPacket::parse_compound(&bytes),
        Err(RtcpError::NotReportFirst(PT_SDES))
    );
    assert!(RtcpPacket::parse_all(&bytes).is_ok());
}

#[test]
fn rejects_bad_lengths_versions_and_padding() {
    let bytes = RtcpPacket::compound_to_bytes(&compound());
    assert_eq!(RtcpPacket::parse_compound(&[]), Err(RtcpError::TooShort));
    assert_eq!(
        RtcpPacket::parse_compound(&bytes[..bytes.len() - 4]),
        Err(RtcpError::BadLength)
    );
    let mut version = bytes.clone();
    version[0] = 0x41;
    assert_eq!(
        RtcpPacket::parse_compound(&version),
        Err(RtcpError::BadVersion(1))
    );
    let mut padded_first = bytes.clone();
    padded_first[0] |= 0x20;
    assert_eq!(
        RtcpPacket::parse_compound(&padded_first),
        Err(RtcpError::BadPadding)
    );
    let mut short_count = bytes;
    short_count[0] = 0x80 | 5;
    assert_eq!(
        RtcpPacket::parse_compound(&short_count),
        Err(RtcpError::Truncated("report block"))
    );
}

#[test]
fn padding_on_last_packet_is_removed() {
    let mut bytes = RtcpPacket::compound_to_bytes(&[RtcpPacket::ReceiverReport(ReceiverReport {
        ssrc: 9,
        reports: Vec::new(),
    })]);
    bytes[0] |= 0x20;
    bytes[3] = 2;
    bytes.extend_from_slice(&[0, 0, 0, 4]);
    let parsed = RtcpPacket::parse_compound(&bytes).unwrap();
    assert_eq!(
        parsed,
        vec![RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: 9,
            reports: Vec::new()
        })]
    );
}

#[test]
fn report_block_loss_sign_extends() {
    let mut report = block(1);
    report.cumulative_lost = -0x90_0000;
    let packet = RtcpPacket::ReceiverReport(ReceiverReport {
        ssrc: 1,
        reports: vec![report],
    });
    let parsed = RtcpPacket::parse_compound(&RtcpPacket::compound_to_bytes(&[packet])).unwrap();
    let RtcpPacket::ReceiverReport(rr) = &parsed[0] else {
        panic!("an RR");
    };
    // Clamped to the most negative 24-bit value.
    assert_eq!(rr.reports[0].cumulative_lost, -0x80_0000);
}

fn call_stats() -> ReceiverStats {
    let start = crate::stats::tests::origin();
    let mut stats = ReceiverStats::new(0x5555, 8000);
    for seq in (0u16..501).filter(|seq| !(200..203).contains(seq)) {
        stats.handle_packet(
            start + Duration::from_millis(20 * u64::from(seq)),
            seq,
            u32::from(seq) * 160,
        );
    }
    stats.handle_discard();
    stats
}

fn quality_input() -> CallQualityInput {
    CallQualityInput {
        packet_duration: Duration::from_millis(20),
        codec: CodecImpairment::G711,
        round_trip: Some(Duration::from_millis(60)),
        end_system_delay: Duration::from_millis(70),
        jitter_buffer: JitterBufferReport {
            adaptive: true,
            rate: 0,
            nominal: Duration::from_millis(60),
            maximum: Duration::from_millis(120),
            absolute_maximum: Duration::from_millis(300),
        },
        concealment: Concealment::Standard,
        signal_level: None,
        noise_level: Some(-60),
        residual_echo_return_loss: None,
    }
}

#[test]
fn voip_metrics_from_call_statistics() {
    let metrics = VoipMetrics::from_stats(&call_stats(), &quality_input());
    assert_eq!(metrics.ssrc, 0x5555);
    // 3 of 500 lost, 1 discarded.
    assert_eq!(metrics.loss_rate, (3.0f64 / 500.0 * 256.0) as u8);
    assert_eq!(metrics.discard_rate, 0);
    assert_eq!(metrics.burst_density, 255);
    assert_eq!(metrics.burst_duration, 60);
    assert_eq!(metrics.gap_density, 0);
    assert_eq!(metrics.round_trip_delay, 60);
    assert_eq!(metrics.end_system_delay, 70);
    assert_eq!(metrics.signal_level, 127);
    assert_eq!(metrics.noise_level, -60);
    assert_eq!(metrics.residual_echo_return_loss, UNAVAILABLE);
    assert_eq!(metrics.gmin, 16);
    assert_eq!(metrics.rx_config, 0b1111_0000);
    assert_eq!(metrics.ext_r_factor, UNAVAILABLE);
    assert!((70..93).contains(&metrics.r_factor), "{}", metrics.r_factor);
    assert!(metrics.mos_lq >= metrics.mos_cq);
    assert!((35..=44).contains(&metrics.mos_cq), "{}", metrics.mos_cq);
    assert_eq!(metrics.jb_nominal, 60);
    assert_eq!(metrics.jb_maximum, 120);
    assert_eq!(metrics.jb_abs_max, 300);
}

#[test]
fn xr_round_trip_keeps_other_blocks() {
    let metrics = VoipMetrics::from_stats(&call_stats(), &quality_input());
    let xr = ExtendedReport {
        ssrc: 1,
        blocks: vec![
            XrBlock::VoipMetrics(metrics),
            XrBlock::Other {
                block_type: 4,
                type_specific: 0,
                body: vec![0, 0, 0, 1, 0, 0, 0, 2],
            },
        ],
    };
    let packets = vec![
        RtcpPacket::ReceiverReport(ReceiverReport::default()),
        RtcpPacket::ExtendedReport(xr),
    ];
    let bytes = RtcpPacket::compound_to_bytes(&packets);
    // RR (8) + XR header and SSRC (8) + VoIP block (36) + other block (12).
    assert_eq!(bytes.len(), 8 + 8 + 36 + 12);
    assert_eq!(&bytes[16..20], &[7, 0, 0, 8]);
    assert_eq!(RtcpPacket::parse_compound(&bytes).unwrap(), packets);
}

#[test]
fn ntp_conversions() {
    let ntp = NtpTime::from_unix(Duration::from_millis(1_500));
    assert_eq!(ntp.0 >> 32, 2_208_988_801);
    assert_eq!(ntp.0 as u32, 1 << 31);
    assert_eq!(ntp.compact(), (2_208_988_801u32 << 16) | 0x8000);
    assert_eq!(
        ntp.after(Duration::from_millis(500)).0,
        2_208_988_802u64 << 32
    );
}

#[test]
fn truncated_and_corrupted_packets_never_panic() {
    let mut packets = compound();
    packets.push(RtcpPacket::ExtendedReport(ExtendedReport {
        ssrc: 1,
        blocks: vec![XrBlock::VoipMetrics(VoipMetrics::default())],
    }));
    let good = RtcpPacket::compound_to_bytes(&packets);
    for len in 0..good.len() {
        let _ = RtcpPacket::parse_all(&good[..len]);
    }
    let mut state = 0x9e37_79b9_u32;
    for _ in 0..5000 {
        let mut bytes = good.clone();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let index = state as usize % bytes.len();
            bytes[index] ^= (state >> 24) as u8;
        }
        if let Ok(parsed) = RtcpPacket::parse_all(&bytes) {
            let again = RtcpPacket::compound_to_bytes(&parsed);
            assert!(RtcpPacket::parse_all(&again).is_ok());
        }
    }
}
