//! The cpal callbacks, generic over the device's sample format: they only convert and copy.

use std::sync::Arc;

use cpal::traits::DeviceTrait;
use cpal::{FromSample, SampleFormat, SizedSample, SupportedStreamConfig};

use super::{Direction, SampleRing, SoundCardError};

pub(super) fn build_capture(
    device: &cpal::Device,
    name: &str,
    config: &SupportedStreamConfig,
    ring: Arc<SampleRing>,
) -> Result<cpal::Stream, SoundCardError> {
    let built = match config.sample_format() {
        SampleFormat::I8 => capture::<i8>(device, config, ring),
        SampleFormat::U8 => capture::<u8>(device, config, ring),
        SampleFormat::I16 => capture::<i16>(device, config, ring),
        SampleFormat::U16 => capture::<u16>(device, config, ring),
        SampleFormat::I32 => capture::<i32>(device, config, ring),
        SampleFormat::U32 => capture::<u32>(device, config, ring),
        SampleFormat::F32 => capture::<f32>(device, config, ring),
        SampleFormat::F64 => capture::<f64>(device, config, ring),
        _ => return Err(unsupported(Direction::Capture, name)),
    };
    built.map_err(|source| open_error(Direction::Capture, name, source))
}

pub(super) fn build_playback(
    device: &cpal::Device,
    name: &str,
    config: &SupportedStreamConfig,
    ring: Arc<SampleRing>,
) -> Result<cpal::Stream, SoundCardError> {
    let built = match config.sample_format() {
        SampleFormat::I8 => playback::<i8>(device, config, ring),
        SampleFormat::U8 => playback::<u8>(device, config, ring),
        SampleFormat::I16 => playback::<i16>(device, config, ring),
        SampleFormat::U16 => playback::<u16>(device, config, ring),
        SampleFormat::I32 => playback::<i32>(device, config, ring),
        SampleFormat::U32 => playback::<u32>(device, config, ring),
        SampleFormat::F32 => playback::<f32>(device, config, ring),
        SampleFormat::F64 => playback::<f64>(device, config, ring),
        _ => return Err(unsupported(Direction::Playback, name)),
    };
    built.map_err(|source| open_error(Direction::Playback, name, source))
}

fn capture<T>(
    device: &cpal::Device,
    config: &SupportedStreamConfig,
    ring: Arc<SampleRing>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    i16: FromSample<T>,
{
    let channels = usize::from(config.channels());
    // Grows to the largest period once, then the callback allocates no more.
    let mut mono: Vec<i16> = Vec::new();
    device.build_input_stream(
        config.config(),
        move |data: &[T], _: &cpal::InputCallbackInfo| {
            mono.clear();
            mono.extend(data.chunks(channels).map(mix_down));
            ring.push(&mono);
        },
        |error| tracing::warn!(%error, "sound card capture"),
        None,
    )
}

fn playback<T>(
    device: &cpal::Device,
    config: &SupportedStreamConfig,
    ring: Arc<SampleRing>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<i16>,
{
    let channels = usize::from(config.channels());
    let mut mono: Vec<i16> = Vec::new();
    device.build_output_stream(
        config.config(),
        move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
            mono.resize(data.len() / channels, 0);
            ring.pop_into(&mut mono);
            for (frame, &sample) in data.chunks_mut(channels).zip(&mono) {
                frame.fill(T::from_sample(sample));
            }
        },
        |error| tracing::warn!(%error, "sound card playback"),
        None,
    )
}

/// The mean of one frame's channels, as 16 bits.
pub(super) fn mix_down<T>(frame: &[T]) -> i16
where
    T: SizedSample,
    i16: FromSample<T>,
{
    let sum: i32 = frame.iter().map(|&s| i32::from(s.to_sample::<i16>())).sum();
    let count = i32::try_from(frame.len()).unwrap_or(i32::MAX).max(1);
    // The mean of 16-bit values fits 16 bits.
    i16::try_from(sum / count).unwrap_or_default()
}

fn unsupported(direction: Direction, device: &str) -> SoundCardError {
    SoundCardError::UnsupportedFormat {
        direction,
        device: device.to_owned(),
    }
}

fn open_error(direction: Direction, device: &str, source: cpal::Error) -> SoundCardError {
    SoundCardError::OpenStream {
        direction,
        device: device.to_owned(),
        source,
    }
}
