//! What can go wrong setting up or driving a session.

use std::time::Duration;

use handset_codec::CodecError;
use thiserror::Error;

use crate::resample::ResampleError;
use crate::srtp::SrtpError;

/// Why a session could not be set up or asked to do something.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The codec could not be built or refused its input.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// The SRTP keys are unusable.
    #[error(transparent)]
    Srtp(#[from] SrtpError),
    /// The audio rate cannot be converted to the codec's.
    #[error(transparent)]
    Resample(#[from] ResampleError),
    /// The codec cannot carry packets of this duration.
    #[error("{codec} cannot send {ptime:?} per packet")]
    Ptime {
        /// The codec's encoding name.
        codec: &'static str,
        /// The packet time asked for.
        ptime: Duration,
    },
    /// The audio tick is not 10 or 20 ms, or the audio rate is zero.
    #[error("unsupported audio tick {frame:?} at {audio_rate} Hz")]
    Tick {
        /// The tick asked for.
        frame: Duration,
        /// The audio rate asked for.
        audio_rate: u32,
    },
    /// The character is not an RFC 4733 event.
    #[error("{0:?} is not a telephone event")]
    NotAKey(char),
    /// Nothing is being sent, or no telephone-event payload type was agreed.
    #[error("telephone events cannot be sent now")]
    NoTelephoneEvent,
    /// The session was closed.
    #[error("the media session is closed")]
    Closed,
}
