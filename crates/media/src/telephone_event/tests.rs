use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::stats::tests::origin;

const TICK: Duration = Duration::from_millis(20);

/// Runs a sender for `ticks` packet intervals from timestamp 1000, returning every event
/// packet with the tick it was sent in.
fn send(presses: &[(DtmfEvent, u64)], ticks: u32) -> Vec<(u32, EventPacket)> {
    let mut sender = EventSender::new(EventSenderConfig::default());
    for &(event, ms) in presses {
        sender.press(event, Duration::from_millis(ms));
    }
    (0..ticks)
        .filter_map(|tick| {
            sender
                .next_packet(1000 + tick * 160)
                .map(|packet| (tick, packet))
        })
        .collect()
}

fn receive(packets: &[(u32, EventPacket)]) -> Vec<Digit> {
    let start = origin();
    let mut receiver = EventReceiver::default();
    let mut digits = Vec::new();
    let mut last = start;
    for (tick, packet) in packets {
        let now = start + TICK * *tick;
        receiver.handle_timeout(now);
        receiver
            .handle_packet(now, packet.timestamp, &packet.payload.to_bytes())
            .unwrap();
        last = now;
    }
    receiver.handle_timeout(last + Duration::from_secs(5));
    while let Some(digit) = receiver.poll_digit() {
        digits.push(digit);
    }
    digits
}

#[test]
fn payload_layout() {
    let payload = EventPayload {
        event: 11,
        end: true,
        volume: 10,
        duration: 800,
    };
    assert_eq!(payload.to_bytes(), [11, 0x8a, 0x03, 0x20]);
    assert_eq!(EventPayload::parse(&payload.to_bytes()).unwrap(), payload);
    assert_eq!(
        EventPayload::parse(&[1, 2, 3]),
        Err(TelephoneEventError::TooShort(3))
    );
}

#[test]
fn event_codes_and_characters() {
    for code in 0..=16 {
        let event = DtmfEvent::from_code(code).unwrap();
        assert_eq!(event.code(), code);
        assert_eq!(DtmfEvent::from_char(event.to_char()), Some(event));
    }
    assert_eq!(DtmfEvent::from_code(17), None);
    assert_eq!(DtmfEvent::from_char('c'), DtmfEvent::from_code(14));
    assert_eq!(DtmfEvent::from_char('x'), None);
    assert_eq!(DtmfEvent::POUND.to_char(), '#');
    assert_eq!(DtmfEvent::digit(10), None);
    assert_eq!(DtmfEvent::FLASH.to_string(), "!");
}

#[test]
fn sender_produces_start_updates_and_three_ends() {
    let packets = send(&[(DtmfEvent::digit(5).unwrap(), 100)], 20);
    let durations: Vec<u16> = packets.iter().map(|(_, p)| p.payload.duration).collect();
    // 100 ms at 8 kHz is 800 units, in 160-unit steps, then the end repeated.
    assert_eq!(durations, vec![160, 320, 480, 640, 800, 800, 800]);
    assert!(packets[0].1.marker);
    assert!(packets[1..].iter().all(|(_, p)| !p.marker));
    let ends: Vec<bool> = packets.iter().map(|(_, p)| p.payload.end).collect();
    assert_eq!(ends, vec![false, false, false, false, true, true, true]);
    assert!(packets
        .iter()
        .all(|(_, p)| p.timestamp == 1000 && p.payload.event == 5));
    assert!(packets.iter().all(|(_, p)| p.payload.volume == 10));
}

#[test]
fn queued_presses_are_separated_by_a_pause() {
    let packets = send(
        &[(DtmfEvent::digit(1).unwrap(), 60), (DtmfEvent::POUND, 60)],
        40,
    );
    let starts: Vec<(u32, u32)> = packets
        .iter()
        .filter(|(_, p)| p.marker)
        .map(|(tick, p)| (*tick, p.timestamp))
        .collect();
    assert_eq!(starts.len(), 2);
    // Second starts after 3 + 3 packets of the first and a 60 ms (3 tick) pause.
    assert_eq!(starts[1].0, 5 + 3);
    assert_eq!(starts[1].1, 1000 + 8 * 160);
}

#[test]
fn wideband_clock_durations() {
    let mut sender = EventSender::new(EventSenderConfig {
        clock_rate: 16000,
        ..EventSenderConfig::default()
    });
    sender.press(DtmfEvent::FLASH, Duration::from_millis(40));
    assert_eq!(sender.next_packet(0).unwrap().payload.duration, 320);
    let end = sender.next_packet(320).unwrap();
    assert_eq!(
        (end.payload.duration, end.payload.end, end.payload.event),
        (640, true, 16)
    );
}

#[test]
fn one_digit_per_press_in_order() {
    let presses = [
        (DtmfEvent::digit(1).unwrap(), 100),
        (DtmfEvent::digit(1).unwrap(), 80),
        (DtmfEvent::STAR, 200),
    ];
    let digits = receive(&send(&presses, 80));
    let events: Vec<DtmfEvent> = digits.iter().map(|d| d.event).collect();
    assert_eq!(
        events,
        vec![
            DtmfEvent::digit(1).unwrap(),
            DtmfEvent::digit(1).unwrap(),
            DtmfEvent::STAR
        ]
    );
    assert_eq!(digits[0].duration, 800);
    assert_eq!(digits[2].duration, 1600);
    assert_eq!(digits[0].volume, 10);
}

#[test]
fn end_packets_only() {
    let packets: Vec<_> = send(&[(DtmfEvent::digit(9).unwrap(), 100)], 20)
        .into_iter()
        .filter(|(_, p)| p.payload.end)
        .collect();
    let digits = receive(&packets);
    assert_eq!(digits.len(), 1);
    assert_eq!(digits[0].duration, 800);
}

#[test]
fn lost_end_packets_reported_by_next_event_or_timeout() {
    let packets: Vec<_> = send(
        &[
            (DtmfEvent::digit(2).unwrap(), 100),
            (DtmfEvent::digit(3).unwrap(), 100),
        ],
        60,
    )
    .into_iter()
    .filter(|(_, p)| !p.payload.end)
    .collect();
    let digits = receive(&packets);
    let events: Vec<DtmfEvent> = digits.iter().map(|d| d.event).collect();
    assert_eq!(
        events,
        vec![DtmfEvent::digit(2).unwrap(), DtmfEvent::digit(3).unwrap()]
    );
    assert_eq!(digits[0].duration, 640);

    let start = origin();
    let mut receiver = EventReceiver::new(Duration::from_millis(300));
    receiver.handle_packet(start, 50, &[4, 10, 0, 160]).unwrap();
    assert_eq!(
        receiver.poll_timeout(),
        Some(start + Duration::from_millis(300))
    );
    receiver.handle_timeout(start + Duration::from_millis(299));
    assert_eq!(receiver.poll_digit(), None);
    receiver.handle_timeout(start + Duration::from_millis(300));
    assert_eq!(
        receiver.poll_digit().map(|d| d.event),
        Some(DtmfEvent::digit(4).unwrap())
    );
    assert_eq!(receiver.poll_timeout(), None);
}

#[test]
fn unknown_events_are_ignored() {
    let start = origin();
    let mut receiver = EventReceiver::default();
    receiver
        .handle_packet(start, 1, &[40, 0x8a, 0, 160])
        .unwrap();
    receiver.handle_timeout(start + Duration::from_secs(10));
    assert_eq!(receiver.poll_digit(), None);
    assert!(receiver.handle_packet(start, 1, &[]).is_err());
}

/// Loss, duplication and local reordering: each press with any packet through is reported
/// exactly once, in order.
#[test]
fn impaired_networks_yield_one_digit_per_press() {
    let mut rng = StdRng::seed_from_u64(4733);
    for _ in 0..300 {
        let presses: Vec<(DtmfEvent, u64)> = (0..rng.gen_range(1..6))
            .map(|_| {
                (
                    DtmfEvent::from_code(rng.gen_range(0..17)).unwrap(),
                    rng.gen_range(40..300),
                )
            })
            .collect();
        let sent = send(&presses, 400);
        let loss = rng.gen_range(0.0..0.6);
        let mut arriving: Vec<(u32, EventPacket)> = Vec::new();
        for packet in &sent {
            if rng.gen_bool(loss) {
                continue;
            }
            arriving.push(*packet);
            if rng.gen_bool(0.2) {
                arriving.push(*packet);
            }
        }
        for i in 1..arriving.len() {
            if rng.gen_bool(0.3) {
                arriving.swap(i - 1, i);
            }
        }
        let expected: Vec<DtmfEvent> = presses
            .iter()
            .enumerate()
            .filter(|(index, _)| {
                let timestamp = sent
                    .iter()
                    .filter(|(_, p)| p.marker)
                    .nth(*index)
                    .unwrap()
                    .1
                    .timestamp;
                arriving.iter().any(|(_, p)| p.timestamp == timestamp)
            })
            .map(|(_, (event, _))| *event)
            .collect();
        let got: Vec<DtmfEvent> = receive(&arriving).iter().map(|d| d.event).collect();
        assert_eq!(got, expected, "presses {presses:?} loss {loss}");
    }
}

#[test]
fn arbitrary_payloads_never_panic() {
    let start = origin();
    let mut receiver = EventReceiver::default();
    let mut rng = StdRng::seed_from_u64(1);
    for n in 0..5000u32 {
        let len = rng.gen_range(0..8);
        let bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        let _ = receiver.handle_packet(start + TICK * n, rng.gen(), &bytes);
        receiver.handle_timeout(start + TICK * n);
        while receiver.poll_digit().is_some() {}
    }
}
