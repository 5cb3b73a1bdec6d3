//! Counters and delays for RTCP-XR (RFC 3611 §4.7.7 jitter buffer parameters) and metrics.

use std::time::Duration;

/// A snapshot of the jitter buffer's state and counters since it was created.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JitterStats {
    /// The delay the buffer aims for (RTCP-XR "JB nominal").
    pub nominal_delay: Duration,
    /// The delay at the last `pop`: how long the fastest packets wait before playout.
    pub current_delay: Duration,
    /// The largest delay reached so far ("JB maximum").
    pub maximum_delay: Duration,
    /// The largest delay the settings allow ("JB abs max").
    pub absolute_maximum_delay: Duration,
    /// Estimated jitter: the relative transit delay the buffer covers.
    pub jitter: Duration,
    /// Sender clock drift against ours in parts per million (positive: sender runs fast).
    pub skew_ppm: f64,
    /// Packets pushed.
    pub received: u64,
    /// Packets dropped because they had already arrived.
    pub duplicates: u64,
    /// Packets dropped because they arrived after their playout time.
    pub late: u64,
    /// Packets discarded on arrival (late, or beyond the buffer's capacity); no duplicates.
    pub discarded: u64,
    /// Frames played without their own payload (`Conceal` or `Fec`).
    pub concealed: u64,
    /// Of those, frames offered to in-band FEC.
    pub fec: u64,
    /// Frames whose primary was lost but a RED copy was played.
    pub recovered: u64,
    /// Frames stretched to grow the delay.
    pub expanded: u64,
    /// Frame pairs merged to shrink the delay.
    pub accelerated: u64,
}
