use std::time::{Duration, Instant};

use cpal::{SupportedBufferSize, SupportedStreamConfigRange};

use super::*;

fn range(channels: u16, min: u32, max: u32, format: SampleFormat) -> SupportedStreamConfigRange {
    SupportedStreamConfigRange::new(channels, min, max, SupportedBufferSize::Unknown, format)
}

#[test]
fn the_call_rate_is_chosen_when_the_device_has_it() {
    let ranges = vec![
        range(2, 8_000, 48_000, SampleFormat::F32),
        range(1, 8_000, 48_000, SampleFormat::F32),
        range(1, 8_000, 48_000, SampleFormat::I16),
    ];
    let config = choose_config(Direction::Playback, "card", ranges, None, 16_000).unwrap();
    assert_eq!(config.sample_rate(), 16_000);
    assert_eq!(config.channels(), 1);
    assert_eq!(config.sample_format(), SampleFormat::I16);
}

#[test]
fn the_device_default_is_used_when_the_call_rate_is_missing() {
    let ranges = vec![range(2, 44_100, 48_000, SampleFormat::I16)];
    let default =
        SupportedStreamConfig::new(2, 48_000, SupportedBufferSize::Unknown, SampleFormat::I16);
    let config = choose_config(Direction::Capture, "card", ranges, Some(default), 8_000).unwrap();
    assert_eq!(config.sample_rate(), 48_000);
    assert_eq!(config.channels(), 2);
}

#[test]
fn without_a_default_the_highest_rate_is_used() {
    let ranges = vec![range(2, 22_050, 44_100, SampleFormat::I32)];
    let config = choose_config(Direction::Capture, "card", ranges, None, 8_000).unwrap();
    assert_eq!(config.sample_rate(), 44_100);
    assert_eq!(config.sample_format(), SampleFormat::I32);
}

#[test]
fn a_device_without_a_usable_format_is_refused_by_name() {
    let ranges = vec![range(0, 8_000, 48_000, SampleFormat::I16)];
    let error = choose_config(Direction::Playback, "odd", ranges, None, 8_000).unwrap_err();
    assert!(matches!(error, SoundCardError::UnsupportedFormat { .. }));
    assert_eq!(
        error.to_string(),
        "sound device \"odd\" offers no playback format in 8, 16 or 32-bit integers or floats"
    );
}

#[test]
fn missing_devices_say_which() {
    let named = SoundCardError::NoDevice {
        direction: Direction::Capture,
        name: Some("hw:9".into()),
    };
    assert_eq!(named.to_string(), "no capture sound device named \"hw:9\"");
    let default = SoundCardError::NoDevice {
        direction: Direction::Playback,
        name: None,
    };
    assert_eq!(default.to_string(), "no playback sound device");
}

#[test]
fn channels_mix_down_to_their_mean() {
    assert_eq!(stream::mix_down(&[1000i16, 3000]), 2000);
    assert_eq!(stream::mix_down(&[i16::MAX, i16::MAX]), i16::MAX);
    assert_eq!(stream::mix_down(&[-0.5f32]), -16384);
    assert_eq!(stream::mix_down(&[i32::MIN, 0]), -16384);
}

#[test]
fn an_unknown_device_name_is_no_device() {
    match SoundCard::open_playback(Some("no such device at all"), 8_000) {
        Err(SoundCardError::NoDevice { name, .. }) => {
            assert_eq!(name.as_deref(), Some("no such device at all"));
        }
        Err(SoundCardError::HostUnavailable(_)) => {
            eprintln!("ALSA unavailable here: skipped");
        }
        other => panic!("expected no device, got {other:?}"),
    }
}

/// ALSA's `null` device accepts and discards whatever is played, so playback through it runs
/// on machines without sound hardware.
#[test]
fn playback_to_the_null_device_is_consumed() {
    let listed = match SoundCard::list_devices() {
        Ok(devices) => devices,
        Err(error) => {
            eprintln!("cannot list ALSA devices ({error}): skipped");
            return;
        }
    };
    if !listed.iter().any(|d| d.name == "null" && d.playback) {
        eprintln!("ALSA lists no null playback device (it lists {listed:?}): skipped");
        return;
    }
    let mut sink = match SoundCard::open_playback(Some("null"), 8_000) {
        Ok(sink) => sink,
        Err(error) => {
            eprintln!("cannot open ALSA's null device ({error}): skipped");
            return;
        }
    };
    let frame: Vec<i16> = (0..160).map(|i| i * 100 - 8_000).collect();
    for _ in 0..5 {
        sink.write(&frame);
    }
    assert!(sink.queued() > 0 || sink.stats().underruns > 0);
    // The device drains the queue at its own pace; wait for it generously.
    let deadline = Instant::now() + Duration::from_secs(10);
    while sink.queued() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(sink.queued(), 0, "the null device never took the audio");
    // Once drained, the device keeps asking and finds nothing.
    while sink.stats().underruns == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(sink.stats().underruns > 0);
}

/// Recording from ALSA's `null` device yields silence at the call's rate, whatever the
/// device's own rate.
#[test]
fn capture_from_the_null_device_is_silence_at_the_call_rate() {
    let source = match SoundCard::open_capture(Some("null"), 16_000) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("cannot record from ALSA's null device ({error}): skipped");
            return;
        }
    };
    let mut source = crate::media_runtime::MediaSource::Custom(Box::new(source));
    assert_eq!(source.sample_rate(), 16_000);
    let mut frame = vec![1i16; 320];
    for _ in 0..5 {
        assert!(source.fill(&mut frame));
        assert!(frame.iter().all(|&s| s == 0));
    }
}

// The media worker takes sources and sinks that move to its thread.
const _: fn() = || {
    fn plugs_in<T: Send>() {}
    plugs_in::<SoundCardSource>();
    plugs_in::<SoundCardSink>();
};
