//! Adaptive jitter buffer for RTP audio.
//!
//! Packets go in with [`JitterBuffer::push`] as they arrive (in any order, duplicated, late,
//! with RED copies of earlier frames); [`JitterBuffer::pop`] says, once per frame tick, what
//! the playback should do: play a payload, play a RED copy, decode a lost frame from the next
//! one's FEC, conceal, play silence, or stretch audio to change the delay. The buffer never
//! drops a frame to change its delay: it asks for one frame to be expanded or two to be
//! merged, or moves the playout point inside silence.
//!
//! The target delay is a high percentile of the relative transit delay over a sliding window,
//! raised at once when a slower packet arrives and relaxed gradually, plus look-ahead for
//! RED/FEC when packets are being lost, clamped to the settings ([`JitterConfig`]). Transit is
//! detrended by the measured clock skew, so a sender whose clock runs fast or slow neither
//! fills the buffer nor drains it.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use handset_media::jitter::{JitterBuffer, JitterConfig, Packet, Playout};
//!
//! let mut buffer = JitterBuffer::new(JitterConfig::new(8000).frame_duration(Duration::from_millis(20)));
//! let start = Instant::now();
//! let mut played = Vec::new();
//! for tick in 0..20u16 {
//!     let now = start + Duration::from_millis(20 * u64::from(tick));
//!     buffer.push(now, Packet::new(tick, u32::from(tick) * 160, vec![tick as u8]));
//!     if let Playout::Play(payload) = buffer.pop(now) {
//!         played.extend(payload);
//!     }
//! }
//! assert_eq!(played[..3], [0, 1, 2]);
//! ```

mod buffer;
mod config;
mod delay;
mod packet;
mod sequence;
mod skew;
mod stats;
#[cfg(test)]
mod tests;

pub use buffer::JitterBuffer;
pub use config::{JitterConfig, JitterMode};
pub use packet::{Arrival, Packet, Playout, Redundant};
pub use stats::JitterStats;
