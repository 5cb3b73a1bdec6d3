//! The sound card (through ALSA) as a call's audio source and sink.
//!
//! cpal runs each stream's callback on its own thread at the device's pace; the media worker
//! reads and writes on its own tick. A [`SampleRing`] sits between the two, and rate conversion
//! to and from the call's rate happens on the media side so the callback only copies samples.
//! Plug them in with [`MediaSource::Custom`](super::MediaSource::Custom) and
//! [`MediaSink::Custom`](super::MediaSink::Custom).

mod ring;
mod stream;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{SampleFormat, SupportedStreamConfig};
use handset_media::resample::{ResampleError, Resampler};
use handset_media::source::{AudioSink, AudioSource};
use thiserror::Error;

pub use ring::{RingStats, SampleRing};

/// How much audio the queue between the card and the media tick holds before it drops the
/// oldest: enough for a large ALSA period, little enough to bound the delay it can add.
const RING_MILLISECONDS: usize = 200;

/// Which way audio flows through a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the microphone.
    Capture,
    /// To the speaker.
    Playback,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Capture => "capture",
            Self::Playback => "playback",
        })
    }
}

/// Why the sound card could not be listed or opened.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SoundCardError {
    /// ALSA itself could not be used.
    #[error("the ALSA sound system is not available: {0}")]
    HostUnavailable(#[source] cpal::Error),
    /// The devices could not be listed.
    #[error("cannot list the sound devices: {0}")]
    Devices(#[source] cpal::Error),
    /// No device (or none by that name) can do this direction.
    #[error("no {direction} sound device{}", name.as_ref().map(|n| format!(" named {n:?}")).unwrap_or_default())]
    NoDevice {
        /// The direction asked for.
        direction: Direction,
        /// The name asked for; `None` for the default device.
        name: Option<String>,
    },
    /// The device's formats could not be read.
    #[error("cannot read the {direction} formats of sound device {device:?}: {source}")]
    Formats {
        /// The direction asked for.
        direction: Direction,
        /// The device's name.
        device: String,
        /// What ALSA said.
        source: cpal::Error,
    },
    /// The device offers no sample format this module converts.
    #[error("sound device {device:?} offers no {direction} format in 8, 16 or 32-bit integers or floats")]
    UnsupportedFormat {
        /// The direction asked for.
        direction: Direction,
        /// The device's name.
        device: String,
    },
    /// The stream could not be opened.
    #[error("cannot open the {direction} stream of sound device {device:?}: {source}")]
    OpenStream {
        /// The direction asked for.
        direction: Direction,
        /// The device's name.
        device: String,
        /// What ALSA said.
        source: cpal::Error,
    },
    /// The stream opened but would not start.
    #[error("cannot start the {direction} stream of sound device {device:?}: {source}")]
    StartStream {
        /// The direction asked for.
        direction: Direction,
        /// The device's name.
        device: String,
        /// What ALSA said.
        source: cpal::Error,
    },
    /// The call's rate and the device's rate cannot be converted between.
    #[error("cannot convert between the call's and the sound device's rates: {0}")]
    Resample(#[from] ResampleError),
}

/// A sound device and what it can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoundDevice {
    /// The ALSA name to open it by (`default`, `null`, `plughw:CARD=0,DEV=0`, …).
    pub name: String,
    /// What ALSA says it is, when it says.
    pub description: Option<String>,
    /// Whether ALSA says it can record.
    pub capture: bool,
    /// Whether ALSA says it can play.
    pub playback: bool,
}

/// The ALSA sound card: lists devices and opens them for a call.
#[derive(Debug, Clone, Copy)]
pub struct SoundCard;

impl SoundCard {
    /// Every ALSA device, in ALSA's order, from its hints: none is opened to find out.
    pub fn list_devices() -> Result<Vec<SoundDevice>, SoundCardError> {
        let host = alsa_host()?;
        let devices = host.devices().map_err(SoundCardError::Devices)?;
        Ok(devices
            .filter_map(|device| {
                let name = device.id().ok()?.id().to_owned();
                Some(SoundDevice {
                    description: device.description().ok().map(|d| d.name().to_owned()),
                    capture: device.supports_input(),
                    playback: device.supports_output(),
                    name,
                })
            })
            .collect())
    }

    /// Starts recording from `device` (the default capture device when `None`), delivering
    /// mono audio at `sample_rate` Hz.
    pub fn open_capture(
        device: Option<&str>,
        sample_rate: u32,
    ) -> Result<SoundCardSource, SoundCardError> {
        let (device, name) = find_device(Direction::Capture, device)?;
        let ranges = device
            .supported_input_configs()
            .map(|configs| configs.collect::<Vec<_>>())
            .map_err(|e| formats_error(Direction::Capture, &name, e))?;
        let default = device.default_input_config().ok();
        let config = choose_config(Direction::Capture, &name, ranges, default, sample_rate)?;
        let device_rate = config.sample_rate();
        let ring = Arc::new(SampleRing::new(ring_capacity(device_rate)));
        let stream = stream::build_capture(&device, &name, &config, ring.clone())?;
        start(&stream, Direction::Capture, &name)?;
        tracing::info!(device = %name, device_rate, sample_rate, "sound card capture started");
        Ok(SoundCardSource {
            _stream: stream,
            ring,
            resampler: Resampler::new(device_rate, sample_rate)?,
            sample_rate,
            device_rate,
            rate_remainder: 0,
            device_block: Vec::new(),
            converted: Vec::new(),
            pending: VecDeque::new(),
        })
    }

    /// Starts playing to `device` (the default playback device when `None`) mono audio that
    /// comes at `sample_rate` Hz.
    pub fn open_playback(
        device: Option<&str>,
        sample_rate: u32,
    ) -> Result<SoundCardSink, SoundCardError> {
        let (device, name) = find_device(Direction::Playback, device)?;
        let ranges = device
            .supported_output_configs()
            .map(|configs| configs.collect::<Vec<_>>())
            .map_err(|e| formats_error(Direction::Playback, &name, e))?;
        let default = device.default_output_config().ok();
        let config = choose_config(Direction::Playback, &name, ranges, default, sample_rate)?;
        let device_rate = config.sample_rate();
        let ring = Arc::new(SampleRing::new(ring_capacity(device_rate)));
        let stream = stream::build_playback(&device, &name, &config, ring.clone())?;
        start(&stream, Direction::Playback, &name)?;
        tracing::info!(device = %name, device_rate, sample_rate, "sound card playback started");
        Ok(SoundCardSink {
            _stream: stream,
            ring,
            resampler: Resampler::new(sample_rate, device_rate)?,
            device_rate,
            converted: Vec::new(),
        })
    }
}

/// Audio recorded from the sound card, at the call's rate.
pub struct SoundCardSource {
    /// Kept for its lifetime: dropping it stops the recording.
    _stream: cpal::Stream,
    ring: Arc<SampleRing>,
    resampler: Resampler,
    sample_rate: u32,
    device_rate: u32,
    /// Device samples owed but not yet taken, times `sample_rate` (frames need not divide).
    rate_remainder: u64,
    device_block: Vec<i16>,
    converted: Vec<i16>,
    /// Converted samples beyond what the last frame needed.
    pending: VecDeque<i16>,
}

impl SoundCardSource {
    /// The device's own rate, in Hz.
    pub fn device_rate(&self) -> u32 {
        self.device_rate
    }

    /// How often the card's audio ran short or was dropped for want of reading.
    pub fn stats(&self) -> RingStats {
        self.ring.stats()
    }
}

impl fmt::Debug for SoundCardSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoundCardSource")
            .field("sample_rate", &self.sample_rate)
            .field("device_rate", &self.device_rate)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl AudioSource for SoundCardSource {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn fill(&mut self, frame: &mut [i16]) -> bool {
        // Take exactly the device samples this frame's duration spans, keeping the fraction.
        let owed = frame.len() as u64 * u64::from(self.device_rate) + self.rate_remainder;
        let take = owed / u64::from(self.sample_rate);
        self.rate_remainder = owed % u64::from(self.sample_rate);
        self.device_block.resize(take as usize, 0);
        self.ring.pop_into(&mut self.device_block);
        self.converted.clear();
        self.resampler
            .process_i16(&self.device_block, &mut self.converted);
        self.pending.extend(self.converted.iter().copied());
        let ready = self.pending.len().min(frame.len());
        for (slot, sample) in frame.iter_mut().zip(self.pending.drain(..ready)) {
            *slot = sample;
        }
        // Only the very first frames, while the filter fills, can come out short.
        frame[ready..].fill(0);
        true
    }
}

/// Audio played on the sound card, taken at the call's rate.
pub struct SoundCardSink {
    /// Kept for its lifetime: dropping it stops the playback.
    _stream: cpal::Stream,
    ring: Arc<SampleRing>,
    resampler: Resampler,
    device_rate: u32,
    converted: Vec<i16>,
}

impl SoundCardSink {
    /// The device's own rate, in Hz.
    pub fn device_rate(&self) -> u32 {
        self.device_rate
    }

    /// How often the card found nothing to play or the call's audio was dropped as too late.
    pub fn stats(&self) -> RingStats {
        self.ring.stats()
    }

    /// How many device samples wait to be played.
    pub fn queued(&self) -> usize {
        self.ring.len()
    }
}

impl fmt::Debug for SoundCardSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoundCardSink")
            .field("device_rate", &self.device_rate)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl AudioSink for SoundCardSink {
    fn write(&mut self, frame: &[i16]) {
        self.converted.clear();
        self.resampler.process_i16(frame, &mut self.converted);
        self.ring.push(&self.converted);
    }
}

fn alsa_host() -> Result<cpal::Host, SoundCardError> {
    cpal::host_from_id(cpal::HostId::Alsa).map_err(SoundCardError::HostUnavailable)
}

fn find_device(
    direction: Direction,
    name: Option<&str>,
) -> Result<(cpal::Device, String), SoundCardError> {
    let host = alsa_host()?;
    let found = match (name, direction) {
        (None, Direction::Capture) => host.default_input_device(),
        (None, Direction::Playback) => host.default_output_device(),
        (Some(wanted), _) => host
            .device_by_id(&cpal::DeviceId::new(cpal::HostId::Alsa, wanted))
            .filter(|device| match direction {
                Direction::Capture => device.supports_input(),
                Direction::Playback => device.supports_output(),
            }),
    };
    let device = found.ok_or_else(|| SoundCardError::NoDevice {
        direction,
        name: name.map(str::to_owned),
    })?;
    let device_name = device.id().map_or_else(
        |_| name.unwrap_or("default").to_owned(),
        |id| id.id().to_owned(),
    );
    Ok((device, device_name))
}

fn formats_error(direction: Direction, device: &str, source: cpal::Error) -> SoundCardError {
    SoundCardError::Formats {
        direction,
        device: device.to_owned(),
        source,
    }
}

/// Whether the callbacks can convert this format.
fn format_supported(format: SampleFormat) -> bool {
    matches!(
        format,
        SampleFormat::I8
            | SampleFormat::U8
            | SampleFormat::I16
            | SampleFormat::U16
            | SampleFormat::I32
            | SampleFormat::U32
            | SampleFormat::F32
            | SampleFormat::F64
    )
}

/// The call's rate when the device has it (fewest channels, 16-bit preferred), else the
/// device's default configuration, else any configuration it has at its highest rate.
fn choose_config(
    direction: Direction,
    device: &str,
    ranges: Vec<cpal::SupportedStreamConfigRange>,
    default: Option<SupportedStreamConfig>,
    sample_rate: u32,
) -> Result<SupportedStreamConfig, SoundCardError> {
    let mut usable: Vec<_> = ranges
        .into_iter()
        .filter(|r| format_supported(r.sample_format()) && r.channels() > 0)
        .collect();
    usable.sort_by_key(|r| (r.channels(), r.sample_format() != SampleFormat::I16));
    let at_call_rate = usable
        .iter()
        .find_map(|r| r.try_with_sample_rate(sample_rate));
    let chosen = at_call_rate
        .or_else(|| default.filter(|d| format_supported(d.sample_format()) && d.channels() > 0))
        .or_else(|| usable.into_iter().next().map(|r| r.with_max_sample_rate()));
    chosen.ok_or_else(|| SoundCardError::UnsupportedFormat {
        direction,
        device: device.to_owned(),
    })
}

fn ring_capacity(device_rate: u32) -> usize {
    device_rate as usize * RING_MILLISECONDS / 1000
}

fn start(stream: &cpal::Stream, direction: Direction, device: &str) -> Result<(), SoundCardError> {
    stream.play().map_err(|source| SoundCardError::StartStream {
        direction,
        device: device.to_owned(),
        source,
    })
}
