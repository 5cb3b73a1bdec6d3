//! The phone's media engine, between a negotiated SDP and the audio device: RTP and RTCP,
//! SRTP, RED, RFC 4733 events, the jitter buffer with loss concealment and time stretching,
//! DTMF and call-progress tones, mixing and resampling, WAV sources and sinks.
//!
//! Nothing here opens a socket, reads a clock or spawns a thread: packets and time come in as
//! arguments, packets and audio go out of `poll_*` calls. The daemon's media worker drives it.
pub mod dtmf_audio;
pub mod jitter;
pub mod mixer;
pub mod plc;
pub mod red;
pub mod resample;
pub mod rtcp;
pub mod rtp;
pub mod session;
pub mod source;
pub mod srtp;
pub mod stats;
pub mod stretch;
pub mod telephone_event;
pub mod tone;
pub mod wav;

#[cfg(test)]
mod test_signal;
