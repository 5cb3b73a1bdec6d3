//! What goes into the jitter buffer and what comes out of it.

/// One received RTP packet as the buffer needs it; the payload is opaque (`P` is whatever the
/// caller keeps codec frames in, e.g. `Vec<u8>` or a shared byte buffer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<P> {
    /// RTP sequence number.
    pub sequence: u16,
    /// RTP timestamp of the primary payload.
    pub timestamp: u32,
    /// RTP marker bit (first packet of a talkspurt for audio).
    pub marker: bool,
    /// The primary payload.
    pub payload: P,
    /// Redundant copies of earlier frames carried with it (RFC 2198 RED blocks).
    pub redundant: Vec<Redundant<P>>,
}

impl<P> Packet<P> {
    /// A packet without marker bit or redundancy.
    pub fn new(sequence: u16, timestamp: u32, payload: P) -> Self {
        Self {
            sequence,
            timestamp,
            marker: false,
            payload,
            redundant: Vec::new(),
        }
    }

    /// Sets the marker bit.
    pub fn with_marker(mut self, marker: bool) -> Self {
        self.marker = marker;
        self
    }

    /// Adds a redundant copy of the frame that had RTP timestamp `timestamp`.
    pub fn with_redundant(mut self, timestamp: u32, payload: P) -> Self {
        self.redundant.push(Redundant { timestamp, payload });
        self
    }
}

/// A redundant copy of an earlier frame (one RED block), with its own RTP timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redundant<P> {
    /// RTP timestamp of the frame this block repeats.
    pub timestamp: u32,
    /// The repeated payload.
    pub payload: P,
}

/// What `push` did with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Stored for playout.
    Accepted,
    /// Already received: dropped.
    Duplicate,
    /// Its playout time had passed: counted late and dropped.
    Late,
    /// Its timestamp jumped far from the stream: the buffer restarted from it.
    Resynchronized,
}

/// What to play for one frame tick, returned by `pop`.
///
/// Every variant but [`Playout::Expand`] stands for one frame of audio; `Expand` stands for
/// two (see [`Playout::frames`]). Call `pop` whenever playback needs the next frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout<P> {
    /// Decode and play this payload.
    Play(P),
    /// The primary was lost; decode and play this copy recovered from a RED block.
    PlayRedundant(P),
    /// This frame was lost but the next one is here: decode this frame from the next
    /// payload's in-band FEC (Opus), or conceal if the codec has none. The next payload stays
    /// in the buffer and is played at the next tick.
    Fec {
        /// The next frame's payload, to read its forward error correction from.
        next_payload: P,
    },
    /// This frame is lost or late: run the codec's concealment (or [`crate::plc`]).
    Conceal,
    /// The sender sent nothing for this time (silence suppression, DTX, before the first
    /// packet): play silence or comfort noise.
    Silence,
    /// Grow the delay: decode this payload and stretch it to two frames of audio
    /// ([`crate::stretch::expand`]).
    Expand(P),
    /// Shrink the delay: decode both payloads and merge them into one frame of audio
    /// ([`crate::stretch::compress`]).
    Accelerate {
        /// The earlier frame.
        first: P,
        /// The frame after it.
        second: P,
    },
}

impl<P> Playout<P> {
    /// How many frames of audio this playout yields: 2 for `Expand`, else 1.
    pub fn frames(&self) -> usize {
        match self {
            Self::Expand(_) => 2,
            _ => 1,
        }
    }
}
