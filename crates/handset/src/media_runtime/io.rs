//! What a call plays ([`MediaSource`]: a WAV file, a tone, silence) and where its received
//! audio goes ([`MediaSink`]: a WAV file, nowhere).
//!
//! Files are read and decoded by whoever builds the source, never on the media thread; WAV
//! recordings are written by the worker's file thread (see `recording`), atomically, each time
//! a chunk is flushed and when the call ends.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use handset_media::resample::ResampleError;
use handset_media::source::{AudioSink, AudioSource, Silence, WavPlayback, WavRecorder};
use handset_media::tone::{ToneGenerator, ToneSpec};
use handset_media::wav::{self, WavAudio, WavError};
use thiserror::Error;

/// Why a source could not be built.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MediaIoError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The file is not a WAV file this phone plays.
    #[error("{path} is not a playable WAV file: {source}")]
    Wav {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: WavError,
    },
    /// The audio cannot be converted to the call's rate.
    #[error(transparent)]
    Resample(#[from] ResampleError),
}

/// The audio a call sends.
pub enum MediaSource {
    /// Silence.
    Silence(Silence),
    /// A tone (call progress, ringback, …) with its cadence.
    Tone(ToneGenerator),
    /// A WAV file, once or looping.
    Wav(WavPlayback),
    /// Any other source (DTMF, a cadenced ringtone, …).
    Custom(Box<dyn AudioSource + Send>),
}

impl MediaSource {
    /// Silence at `sample_rate` Hz.
    pub fn silence(sample_rate: u32) -> Self {
        Self::Silence(Silence { sample_rate })
    }

    /// A tone at `sample_rate` Hz; components without a level of their own play at
    /// `level_dbm0`.
    pub fn tone(spec: &ToneSpec, sample_rate: u32, level_dbm0: f32) -> Self {
        Self::Tone(ToneGenerator::new(spec, sample_rate, level_dbm0))
    }

    /// Decoded audio played at `sample_rate` Hz (resampled here, once).
    pub fn wav(audio: &WavAudio, sample_rate: u32, looping: bool) -> Result<Self, MediaIoError> {
        Ok(Self::Wav(WavPlayback::new(audio, sample_rate, looping)?))
    }

    /// Reads and decodes the WAV file at `path` and plays it at `sample_rate` Hz.
    pub fn wav_file(path: &Path, sample_rate: u32, looping: bool) -> Result<Self, MediaIoError> {
        let bytes = std::fs::read(path).map_err(|source| MediaIoError::Read {
            path: path.to_owned(),
            source,
        })?;
        let audio = wav::decode(&bytes).map_err(|source| MediaIoError::Wav {
            path: path.to_owned(),
            source,
        })?;
        Self::wav(&audio, sample_rate, looping)
    }

    /// The rate the source plays at, in Hz.
    pub fn sample_rate(&self) -> u32 {
        match self {
            Self::Silence(s) => s.sample_rate,
            Self::Tone(t) => t.sample_rate(),
            Self::Wav(w) => AudioSource::sample_rate(w),
            Self::Custom(c) => c.sample_rate(),
        }
    }

    /// Fills `frame`; `false` (and silence) once the source has ended.
    pub(super) fn fill(&mut self, frame: &mut [i16]) -> bool {
        match self {
            Self::Silence(s) => s.fill(frame),
            Self::Tone(t) => t.fill(frame),
            Self::Wav(w) => w.fill(frame),
            Self::Custom(c) => c.fill(frame),
        }
    }
}

impl fmt::Debug for MediaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Self::Silence(_) => "Silence",
            Self::Tone(_) => "Tone",
            Self::Wav(_) => "Wav",
            Self::Custom(_) => "Custom",
        };
        f.debug_struct("MediaSource")
            .field("kind", &kind)
            .field("sample_rate", &self.sample_rate())
            .finish()
    }
}

/// Records received audio into a WAV file.
#[derive(Debug, Clone)]
pub struct WavFileSink {
    path: PathBuf,
    sample_rate: u32,
    recorder: WavRecorder,
}

impl WavFileSink {
    /// A recording of audio at `sample_rate` Hz into `path` (replaced if it exists).
    pub fn new(path: impl Into<PathBuf>, sample_rate: u32) -> Self {
        Self {
            path: path.into(),
            sample_rate,
            recorder: WavRecorder::new(sample_rate),
        }
    }

    /// The file written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rate recorded, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Takes what was recorded since the last call, with the header for the whole file.
    pub(super) fn take_chunk(&mut self) -> ([u8; 44], Vec<u8>) {
        (self.recorder.header(), self.recorder.take_bytes())
    }
}

/// Where a call's received audio goes.
pub enum MediaSink {
    /// Nowhere.
    Discard,
    /// A WAV file.
    WavFile(WavFileSink),
    /// Any other sink.
    Custom(Box<dyn AudioSink + Send>),
}

impl MediaSink {
    /// The rate the sink expects, when it says.
    pub fn sample_rate(&self) -> Option<u32> {
        match self {
            Self::WavFile(w) => Some(w.sample_rate()),
            Self::Discard | Self::Custom(_) => None,
        }
    }

    /// Takes one frame.
    pub(super) fn write(&mut self, frame: &[i16]) {
        match self {
            Self::Discard => {}
            Self::WavFile(w) => w.recorder.write(frame),
            Self::Custom(c) => c.write(frame),
        }
    }
}

impl fmt::Debug for MediaSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Discard => f.write_str("Discard"),
            Self::WavFile(w) => f.debug_tuple("WavFile").field(&w.path).finish(),
            Self::Custom(_) => f.write_str("Custom"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wav_file_source_plays_the_file_at_the_call_rate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prompt.wav");
        let samples: Vec<i16> = (0..480).map(|n| (n * 50) as i16).collect();
        std::fs::write(&path, wav::encode(8000, &samples)).unwrap();
        let mut source = MediaSource::wav_file(&path, 8000, false).unwrap();
        assert_eq!(source.sample_rate(), 8000);
        let mut frame = [0i16; 160];
        let mut played = Vec::new();
        while source.fill(&mut frame) {
            played.extend_from_slice(&frame);
        }
        assert_eq!(played, samples);
        let upsampled = MediaSource::wav_file(&path, 16000, true).unwrap();
        assert_eq!(upsampled.sample_rate(), 16000);
    }

    #[test]
    fn unreadable_or_foreign_files_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.wav");
        assert!(matches!(
            MediaSource::wav_file(&missing, 8000, false),
            Err(MediaIoError::Read { .. })
        ));
        let text = dir.path().join("notes.wav");
        std::fs::write(&text, "not audio").unwrap();
        assert!(matches!(
            MediaSource::wav_file(&text, 8000, false),
            Err(MediaIoError::Wav {
                source: WavError::NotWave,
                ..
            })
        ));
    }

    #[test]
    fn a_wav_sink_hands_out_what_it_recorded_once() {
        let mut sink = MediaSink::WavFile(WavFileSink::new("/nonexistent/call.wav", 16000));
        assert_eq!(sink.sample_rate(), Some(16000));
        sink.write(&[7; 320]);
        let MediaSink::WavFile(wav_sink) = &mut sink else {
            panic!("a WAV sink");
        };
        let (header, bytes) = wav_sink.take_chunk();
        assert_eq!(bytes.len(), 640);
        assert_eq!(header, wav::header(16000, 320));
        assert!(wav_sink.take_chunk().1.is_empty());
    }
}
