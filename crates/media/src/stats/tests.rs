use super::*;

/// An arbitrary origin for simulated time; nothing waits on it.
pub(crate) fn origin() -> Instant {
    #[allow(clippy::disallowed_methods)]
    Instant::now()
}

const PTIME: Duration = Duration::from_millis(20);

/// Feeds packets `0..count` sent every 20 ms, skipping `lost`, each arriving after
/// `delay(seq)`.
fn stream(count: u16, lost: &[u16], delay: impl Fn(u16) -> Duration) -> (ReceiverStats, Instant) {
    let start = origin();
    let mut stats = ReceiverStats::new(0xabc, 8000);
    for seq in (0..count).filter(|seq| !lost.contains(seq)) {
        let now = start + PTIME * u32::from(seq) + delay(seq);
        stats.handle_packet(now, seq, u32::from(seq) * 160);
    }
    (stats, start + PTIME * u32::from(count))
}

#[test]
fn steady_stream_has_no_loss_or_jitter() {
    let (mut stats, end) = stream(100, &[], |_| Duration::from_millis(30));
    // The first packet only serves probation.
    assert_eq!(stats.expected(), 99);
    assert_eq!(stats.received(), 99);
    assert_eq!(stats.lost(), 0);
    assert_eq!(stats.jitter(), 0);
    let block = stats.report_block(end).unwrap();
    assert_eq!(block.fraction_lost, 0);
    assert_eq!(block.extended_highest_sequence, 99);
    assert_eq!(block.last_sender_report, 0);
}

#[test]
fn counts_loss_per_interval_and_cumulatively() {
    let (mut stats, end) = stream(101, &[10, 11, 50, 51], |_| Duration::ZERO);
    assert_eq!(stats.expected(), 100);
    assert_eq!(stats.lost(), 4);
    let block = stats.report_block(end).unwrap();
    assert_eq!(block.cumulative_lost, 4);
    assert_eq!(block.fraction_lost, (4 * 256 / 100) as u8);
    // A second report with nothing new in between reports no fresh loss.
    let again = stats.report_block(end).unwrap();
    assert_eq!(again.fraction_lost, 0);
    assert_eq!(again.cumulative_lost, 4);
    assert!((stats.loss_fraction() - 0.04).abs() < 1e-9);
    let metrics = stats.burst_metrics(PTIME);
    // Two bursts of two consecutive losses each.
    assert_eq!(metrics.burst_density, 255);
    assert_eq!(metrics.burst_duration_ms, 40);
}

#[test]
fn jitter_follows_alternating_delay() {
    // Every other packet is 10 ms (80 units) late: |D| is 80 each time.
    let (stats, _) = stream(400, &[], |seq| {
        Duration::from_millis(u64::from(seq % 2) * 10)
    });
    assert!((79..=80).contains(&stats.jitter()), "{}", stats.jitter());
    let ms = stats.jitter_duration().as_secs_f64() * 1000.0;
    assert!((9.9..=10.0).contains(&ms), "{ms}");
}

#[test]
fn duplicates_make_loss_negative() {
    let start = origin();
    let mut stats = ReceiverStats::new(1, 8000);
    for seq in [0u16, 1, 2, 2, 2, 3] {
        stats.handle_packet(start, seq, 0);
    }
    assert_eq!(stats.lost(), -2);
    assert_eq!(stats.report_block(start).unwrap().cumulative_lost, -2);
}

#[test]
fn sequence_wrap_keeps_counting() {
    let start = origin();
    let mut stats = ReceiverStats::new(1, 8000);
    for step in 0..200u16 {
        let seq = 65500u16.wrapping_add(step);
        stats.handle_packet(start + PTIME * u32::from(step), seq, u32::from(step) * 160);
    }
    assert_eq!(stats.expected(), 199);
    assert_eq!(stats.lost(), 0);
    assert_eq!(stats.extended_max(), Some(65500 + 199));
}

#[test]
fn lsr_dlsr_and_round_trip() {
    let start = origin();
    let mut stats = ReceiverStats::new(7, 8000);
    stats.handle_packet(start, 1, 0);
    stats.handle_packet(start, 2, 160);
    let ntp = NtpTime::from_unix(Duration::from_secs(1_700_000_000));
    let report = SenderReport {
        ssrc: 7,
        ntp_timestamp: ntp.0,
        ..SenderReport::default()
    };
    stats.handle_sender_report(start, &report);
    let block = stats
        .report_block(start + Duration::from_millis(250))
        .unwrap();
    assert_eq!(block.last_sender_report, ntp.compact());
    assert_eq!(block.delay_since_last_sender_report, 65536 / 4);

    // The peer held our SR for 250 ms; its report reaches us 330 ms after we sent the SR.
    let arrival = NtpTime::from_unix(Duration::from_millis(1_700_000_000_330));
    let rtt = round_trip_time(arrival, &block).unwrap();
    assert!((rtt.as_secs_f64() - 0.080).abs() < 0.001, "{rtt:?}");
    let no_sr = ReportBlock::default();
    assert_eq!(round_trip_time(arrival, &no_sr), None);
}

#[test]
fn compact_units_round_trip() {
    assert_eq!(to_compact_units(Duration::from_secs(1)), 65536);
    assert_eq!(from_compact_units(32768), Duration::from_millis(500));
}
