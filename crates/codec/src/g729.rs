//! G.729 Annex A (with Annex B silence frames on receive) through the system's bcg729 library.
//!
//! bcg729 is GPL-3.0, so this module is only built with the non-default `g729` feature, which
//! links `libbcg729` (Debian: libbcg729-dev). We send every frame (no VAD/DTX); we decode 10-byte
//! speech frames and 2-byte Annex B SID frames, and conceal lost frames with G.729's own erasure
//! handling.

use std::time::Duration;

use crate::error::output_prefix;
use crate::{AudioDecoder, AudioEncoder, CodecError, CodecId, CodecInfo, FrameSizes};

/// Samples in one G.729 frame (10 ms at 8 kHz).
const FRAME_SAMPLES: usize = 80;
/// Bytes of one speech frame.
const FRAME_BYTES: usize = 10;
/// Bytes of an Annex B silence insertion descriptor frame.
const SID_BYTES: usize = 2;

#[allow(unsafe_code)]
mod ffi {
    //! The library's C interface and the only unsafe code of the crate.

    use std::ptr::NonNull;

    #[repr(C)]
    pub(super) struct EncoderContext {
        _opaque: [u8; 0],
    }

    #[repr(C)]
    pub(super) struct DecoderContext {
        _opaque: [u8; 0],
    }

    #[link(name = "bcg729")]
    extern "C" {
        fn initBcg729EncoderChannel(enable_vad: u8) -> *mut EncoderContext;
        fn closeBcg729EncoderChannel(context: *mut EncoderContext);
        fn bcg729Encoder(
            context: *mut EncoderContext,
            input: *const i16,
            bitstream: *mut u8,
            length: *mut u8,
        );
        fn initBcg729DecoderChannel() -> *mut DecoderContext;
        fn closeBcg729DecoderChannel(context: *mut DecoderContext);
        fn bcg729Decoder(
            context: *mut DecoderContext,
            bitstream: *const u8,
            length: u8,
            frame_erasure: u8,
            sid_frame: u8,
            rfc3389_payload: u8,
            output: *mut i16,
        );
    }

    /// An encoder channel owned by Rust.
    pub(super) struct Encoder(NonNull<EncoderContext>);

    // SAFETY: the context is plain heap memory used by one thread at a time (`&mut self`).
    unsafe impl Send for Encoder {}

    impl Encoder {
        pub(super) fn new() -> Option<Self> {
            // SAFETY: no preconditions; a null return means allocation failed.
            NonNull::new(unsafe { initBcg729EncoderChannel(0) }).map(Self)
        }

        /// Encodes one 80-sample frame into `frame`, returning the bytes written.
        pub(super) fn encode(&mut self, input: &[i16; 80], frame: &mut [u8; 10]) -> usize {
            let mut length = 0u8;
            // SAFETY: the context is live; the library reads 80 samples and writes at most
            // 10 bytes, which the array types guarantee.
            unsafe {
                bcg729Encoder(
                    self.0.as_ptr(),
                    input.as_ptr(),
                    frame.as_mut_ptr(),
                    &mut length,
                )
            };
            usize::from(length)
        }
    }

    impl Drop for Encoder {
        fn drop(&mut self) {
            // SAFETY: the context came from initBcg729EncoderChannel and is closed once.
            unsafe { closeBcg729EncoderChannel(self.0.as_ptr()) }
        }
    }

    /// What the decoder is given for one 10 ms frame.
    pub(super) enum Frame<'a> {
        Speech(&'a [u8; 10]),
        Silence(&'a [u8; 2]),
        Lost,
    }

    /// A decoder channel owned by Rust.
    pub(super) struct Decoder(NonNull<DecoderContext>);

    // SAFETY: as for the encoder.
    unsafe impl Send for Decoder {}

    impl Decoder {
        pub(super) fn new() -> Option<Self> {
            // SAFETY: no preconditions; a null return means allocation failed.
            NonNull::new(unsafe { initBcg729DecoderChannel() }).map(Self)
        }

        pub(super) fn decode(&mut self, frame: Frame<'_>, output: &mut [i16; 80]) {
            let empty = [0u8; 10];
            let (bytes, length, erased, sid) = match frame {
                Frame::Speech(bytes) => (bytes.as_ptr(), 10, 0, 0),
                Frame::Silence(bytes) => (bytes.as_ptr(), 2, 0, 1),
                Frame::Lost => (empty.as_ptr(), 0, 1, 0),
            };
            // SAFETY: the context is live; `bytes` points at `length` readable bytes (10 for an
            // erasure, which the library does not read); the library writes 80 samples.
            unsafe {
                bcg729Decoder(
                    self.0.as_ptr(),
                    bytes,
                    length,
                    erased,
                    sid,
                    0,
                    output.as_mut_ptr(),
                )
            }
        }
    }

    impl Drop for Decoder {
        fn drop(&mut self) {
            // SAFETY: the context came from initBcg729DecoderChannel and is closed once.
            unsafe { closeBcg729DecoderChannel(self.0.as_ptr()) }
        }
    }
}

pub(crate) fn info() -> CodecInfo {
    CodecInfo {
        id: CodecId::G729,
        encoding_name: "G729",
        clock_rate: 8000,
        sample_rate: 8000,
        channels: 1,
        payload_type: Some(18),
        frame_sizes: FrameSizes::MultipleOf(Duration::from_millis(10)),
        default_frame: Duration::from_millis(20),
        bitrate: 8000,
    }
}

fn allocation_failed() -> CodecError {
    CodecError::Backend {
        codec: "G729",
        reason: "bcg729 could not allocate a channel",
    }
}

/// G.729A encoder (every frame sent, no silence suppression).
pub struct G729Encoder {
    channel: ffi::Encoder,
    info: CodecInfo,
}

impl std::fmt::Debug for G729Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("G729Encoder").finish_non_exhaustive()
    }
}

impl G729Encoder {
    /// Creates an encoder.
    pub fn new() -> Result<Self, CodecError> {
        Ok(Self {
            channel: ffi::Encoder::new().ok_or_else(allocation_failed)?,
            info: info(),
        })
    }
}

impl AudioEncoder for G729Encoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn encode(&mut self, pcm: &[i16], payload: &mut [u8]) -> Result<usize, CodecError> {
        if pcm.is_empty() || !pcm.len().is_multiple_of(FRAME_SAMPLES) {
            return Err(CodecError::FrameSize {
                codec: "G729",
                samples: pcm.len(),
            });
        }
        let frames = pcm.len() / FRAME_SAMPLES;
        let out = output_prefix(payload, frames * FRAME_BYTES)?;
        for (input, output) in pcm
            .chunks_exact(FRAME_SAMPLES)
            .zip(out.chunks_exact_mut(FRAME_BYTES))
        {
            let input: &[i16; FRAME_SAMPLES] =
                input.try_into().map_err(|_| CodecError::FrameSize {
                    codec: "G729",
                    samples: pcm.len(),
                })?;
            let output: &mut [u8; FRAME_BYTES] =
                output.try_into().map_err(|_| CodecError::OutputTooSmall {
                    needed: FRAME_BYTES,
                    available: 0,
                })?;
            let written = self.channel.encode(input, output);
            if written != FRAME_BYTES {
                return Err(CodecError::Backend {
                    codec: "G729",
                    reason: "encoder produced a short frame",
                });
            }
        }
        Ok(frames * FRAME_BYTES)
    }

    fn reset(&mut self) {
        if let Some(channel) = ffi::Encoder::new() {
            self.channel = channel;
        }
    }
}

/// G.729 decoder for Annex A speech frames and Annex B SID frames.
pub struct G729Decoder {
    channel: ffi::Decoder,
    info: CodecInfo,
}

impl std::fmt::Debug for G729Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("G729Decoder").finish_non_exhaustive()
    }
}

impl G729Decoder {
    /// Creates a decoder.
    pub fn new() -> Result<Self, CodecError> {
        Ok(Self {
            channel: ffi::Decoder::new().ok_or_else(allocation_failed)?,
            info: info(),
        })
    }
}

/// Splits a payload into its speech frames and the optional trailing SID frame (RFC 3551 §4.5.6).
fn split_payload(payload: &[u8]) -> Result<(&[u8], Option<&[u8; SID_BYTES]>), CodecError> {
    let speech_bytes = payload.len() - payload.len() % FRAME_BYTES;
    let (speech, rest) = payload.split_at(speech_bytes);
    match rest.len() {
        0 if !payload.is_empty() => Ok((speech, None)),
        SID_BYTES => Ok((speech, rest.try_into().ok())),
        _ => Err(CodecError::BadPayload {
            codec: "G729",
            reason: "length is not 10n or 10n+2 bytes",
        }),
    }
}

impl AudioDecoder for G729Decoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn decoded_samples(&self, payload: &[u8]) -> Result<usize, CodecError> {
        let (speech, sid) = split_payload(payload)?;
        Ok((speech.len() / FRAME_BYTES + usize::from(sid.is_some())) * FRAME_SAMPLES)
    }

    fn decode(&mut self, payload: &[u8], pcm: &mut [i16]) -> Result<usize, CodecError> {
        let samples = self.decoded_samples(payload)?;
        let (speech, sid) = split_payload(payload)?;
        let out = output_prefix(pcm, samples)?;
        let mut outputs = out.chunks_exact_mut(FRAME_SAMPLES);
        for (frame, output) in speech.chunks_exact(FRAME_BYTES).zip(&mut outputs) {
            if let (Ok(frame), Ok(output)) = (frame.try_into(), output.try_into()) {
                self.channel.decode(ffi::Frame::Speech(frame), output);
            }
        }
        if let (Some(sid), Some(output)) = (sid, outputs.next()) {
            if let Ok(output) = output.try_into() {
                self.channel.decode(ffi::Frame::Silence(sid), output);
            }
        }
        Ok(samples)
    }

    fn conceal(&mut self, pcm: &mut [i16]) -> Result<bool, CodecError> {
        if pcm.is_empty() || !pcm.len().is_multiple_of(FRAME_SAMPLES) {
            return Err(CodecError::FrameSize {
                codec: "G729",
                samples: pcm.len(),
            });
        }
        for output in pcm.chunks_exact_mut(FRAME_SAMPLES) {
            if let Ok(output) = output.try_into() {
                self.channel.decode(ffi::Frame::Lost, output);
            }
        }
        Ok(true)
    }

    fn reset(&mut self) {
        if let Some(channel) = ffi::Decoder::new() {
            self.channel = channel;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice(samples: usize) -> Vec<i16> {
        (0..samples)
            .map(|n| {
                let t = n as f64 / 8000.0;
                ((2.0 * std::f64::consts::PI * 220.0 * t).sin() * 6000.0
                    + (2.0 * std::f64::consts::PI * 660.0 * t).sin() * 2000.0)
                    as i16
            })
            .collect()
    }

    #[test]
    fn round_trip_and_concealment() {
        let pcm = voice(1600);
        let mut encoder = G729Encoder::new().unwrap();
        let mut decoder = G729Decoder::new().unwrap();
        let mut payload = [0u8; 20];
        let mut out = vec![0i16; 1600];
        for (input, output) in pcm.chunks_exact(160).zip(out.chunks_exact_mut(160)) {
            assert_eq!(encoder.encode(input, &mut payload), Ok(20));
            assert_eq!(decoder.decoded_samples(&payload), Ok(160));
            assert_eq!(decoder.decode(&payload, output), Ok(160));
        }
        let energy: f64 = out[800..]
            .iter()
            .map(|s| f64::from(*s).powi(2))
            .sum::<f64>()
            / 800.0;
        assert!(energy.sqrt() > 2000.0, "decoded RMS {}", energy.sqrt());
        let mut concealed = [0i16; 160];
        assert_eq!(decoder.conceal(&mut concealed), Ok(true));
        assert!(
            concealed.iter().any(|s| *s != 0),
            "concealment continues the signal"
        );
    }

    #[test]
    fn payload_lengths() {
        let decoder = G729Decoder::new().unwrap();
        assert_eq!(decoder.decoded_samples(&[0; 12]), Ok(160));
        assert_eq!(decoder.decoded_samples(&[0; 2]), Ok(80));
        assert!(decoder.decoded_samples(&[0; 5]).is_err());
        assert!(decoder.decoded_samples(&[]).is_err());
        let mut encoder = G729Encoder::new().unwrap();
        let mut payload = [0u8; 10];
        assert!(encoder.encode(&[0; 100], &mut payload).is_err());
    }
}
