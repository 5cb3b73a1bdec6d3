//! The crate's error type.

use thiserror::Error;

/// Everything that can go wrong when choosing, configuring or running a codec.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecError {
    /// No codec of this crate matches the SDP encoding name, clock rate and channel count.
    #[error("unsupported codec {name}/{clock_rate}/{channels}")]
    Unsupported {
        /// Encoding name as written in the SDP `a=rtpmap` line.
        name: String,
        /// RTP clock rate from the `a=rtpmap` line.
        clock_rate: u32,
        /// Channel count from the `a=rtpmap` line (1 when absent).
        channels: u8,
    },
    /// An `a=fmtp` parameter has a value the codec cannot use.
    #[error("bad fmtp parameter {name}={value}")]
    BadFmtp {
        /// Parameter name.
        name: String,
        /// The offending value.
        value: String,
    },
    /// The PCM frame handed to an encoder (or asked from a decoder) has a length the codec
    /// cannot code in one payload.
    #[error("{codec} cannot code a frame of {samples} samples")]
    FrameSize {
        /// Codec name.
        codec: &'static str,
        /// The length that was asked for.
        samples: usize,
    },
    /// The output buffer is shorter than the result.
    #[error("output buffer holds {available} but {needed} are needed")]
    OutputTooSmall {
        /// Elements needed.
        needed: usize,
        /// Elements available.
        available: usize,
    },
    /// The payload cannot be decoded (truncated, malformed or of the wrong size).
    #[error("{codec} payload rejected: {reason}")]
    BadPayload {
        /// Codec name.
        codec: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The codec library refused a call.
    #[error("{codec}: {reason}")]
    Backend {
        /// Codec name.
        codec: &'static str,
        /// The library's own message.
        reason: &'static str,
    },
}

/// The first `needed` elements of an output buffer, or the error saying it is too short.
pub(crate) fn output_prefix<T>(buffer: &mut [T], needed: usize) -> Result<&mut [T], CodecError> {
    let available = buffer.len();
    buffer
        .get_mut(..needed)
        .ok_or(CodecError::OutputTooSmall { needed, available })
}
