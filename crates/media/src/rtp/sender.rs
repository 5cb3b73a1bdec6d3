//! The sending side of one RTP stream: SSRC, sequence numbers, timestamps and the marker.

use rand::Rng;

use super::packet::{RtpHeader, RtpPacket};

/// Numbers one outgoing stream's packets (RFC 3550 §5.1) and counts them for sender reports.
///
/// Call [`RtpSender::audio`] for each media packet and [`RtpSender::skip`] for each packet
/// interval not sent (silence suppression); the first packet after a pause carries the
/// marker. RFC 4733 event packets go through [`RtpSender::with_timestamp`].
#[derive(Debug, Clone)]
pub struct RtpSender {
    ssrc: u32,
    payload_type: u8,
    next_sequence: u16,
    next_timestamp: u32,
    talkspurt_start: bool,
    packet_count: u32,
    octet_count: u32,
    last_timestamp: u32,
}

impl RtpSender {
    /// A sender with the given SSRC, first sequence number and first timestamp.
    pub fn new(ssrc: u32, payload_type: u8, first_sequence: u16, first_timestamp: u32) -> Self {
        RtpSender {
            ssrc,
            payload_type,
            next_sequence: first_sequence,
            next_timestamp: first_timestamp,
            talkspurt_start: true,
            packet_count: 0,
            octet_count: 0,
            last_timestamp: first_timestamp,
        }
    }

    /// A sender with random SSRC, sequence and timestamp, as RFC 3550 §5.1 asks.
    pub fn random(rng: &mut impl Rng, payload_type: u8) -> Self {
        Self::new(rng.gen(), payload_type, rng.gen(), rng.gen())
    }

    /// The stream's SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Changes the SSRC (after a collision, RFC 3550 §8.2); counters restart.
    pub fn set_ssrc(&mut self, ssrc: u32) {
        self.ssrc = ssrc;
        self.packet_count = 0;
        self.octet_count = 0;
    }

    /// Changes the media payload type (a codec switch after re-negotiation).
    pub fn set_payload_type(&mut self, payload_type: u8) {
        self.payload_type = payload_type;
    }

    /// The timestamp the next media packet will carry.
    pub fn next_timestamp(&self) -> u32 {
        self.next_timestamp
    }

    /// The timestamp of the last packet sent (for the RTP timestamp of a sender report).
    pub fn last_timestamp(&self) -> u32 {
        self.last_timestamp
    }

    /// Packets sent since the start or the last SSRC change.
    pub fn packet_count(&self) -> u32 {
        self.packet_count
    }

    /// Payload octets sent since the start or the last SSRC change.
    pub fn octet_count(&self) -> u32 {
        self.octet_count
    }

    /// A media packet for `payload` covering `samples` timestamp units.
    pub fn audio(&mut self, payload: Vec<u8>, samples: u32) -> RtpPacket {
        let marker = std::mem::take(&mut self.talkspurt_start);
        let timestamp = self.next_timestamp;
        self.next_timestamp = self.next_timestamp.wrapping_add(samples);
        self.build(self.payload_type, marker, timestamp, payload)
    }

    /// Lets `samples` timestamp units pass without sending; the next packet starts a
    /// talkspurt.
    pub fn skip(&mut self, samples: u32) {
        self.next_timestamp = self.next_timestamp.wrapping_add(samples);
        self.talkspurt_start = true;
    }

    /// A packet with its own payload type, timestamp and marker (RFC 4733 events keep the
    /// timestamp of the event start); the media clock still advances by `samples`.
    pub fn with_timestamp(
        &mut self,
        payload_type: u8,
        marker: bool,
        timestamp: u32,
        payload: Vec<u8>,
        samples: u32,
    ) -> RtpPacket {
        self.next_timestamp = self.next_timestamp.wrapping_add(samples);
        // Audio after an event begins a new talkspurt.
        self.talkspurt_start = true;
        self.build(payload_type, marker, timestamp, payload)
    }

    fn build(
        &mut self,
        payload_type: u8,
        marker: bool,
        timestamp: u32,
        payload: Vec<u8>,
    ) -> RtpPacket {
        let sequence = self.next_sequence;
        self.next_sequence = self.next_sequence.wrapping_add(1);
        self.packet_count = self.packet_count.wrapping_add(1);
        // The octet count wraps like the 32-bit field of the sender report.
        self.octet_count = self.octet_count.wrapping_add(payload.len() as u32);
        self.last_timestamp = timestamp;
        RtpPacket {
            header: RtpHeader {
                marker,
                payload_type,
                sequence,
                timestamp,
                ssrc: self.ssrc,
                csrcs: Vec::new(),
                extension: None,
            },
            payload,
            padding: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_packets_and_marks_talkspurts() {
        let mut sender = RtpSender::new(42, 0, 65535, 1000);
        let first = sender.audio(vec![0; 160], 160);
        assert!(first.header.marker);
        assert_eq!(first.header.sequence, 65535);
        assert_eq!(first.header.timestamp, 1000);
        let second = sender.audio(vec![0; 160], 160);
        assert!(!second.header.marker);
        assert_eq!(second.header.sequence, 0);
        assert_eq!(second.header.timestamp, 1160);
        sender.skip(160);
        sender.skip(160);
        let after_silence = sender.audio(vec![0; 160], 160);
        assert!(after_silence.header.marker);
        assert_eq!(after_silence.header.sequence, 1);
        assert_eq!(after_silence.header.timestamp, 1640);
        assert_eq!(sender.packet_count(), 3);
        assert_eq!(sender.octet_count(), 480);
    }

    #[test]
    fn event_packets_keep_their_timestamp() {
        let mut sender = RtpSender::new(1, 8, 10, 0);
        sender.audio(vec![1; 160], 160);
        let event = sender.with_timestamp(101, true, 160, vec![1, 0x0a, 0, 160], 160);
        let update = sender.with_timestamp(101, false, 160, vec![1, 0x0a, 1, 64], 160);
        assert_eq!(event.header.timestamp, 160);
        assert_eq!(update.header.timestamp, 160);
        assert_eq!(update.header.sequence, 12);
        let audio = sender.audio(vec![1; 160], 160);
        assert_eq!(audio.header.timestamp, 480);
        assert!(audio.header.marker);
        assert_eq!(audio.header.payload_type, 8);
    }

    #[test]
    fn ssrc_change_resets_counters() {
        let mut sender = RtpSender::random(&mut rand::thread_rng(), 0);
        sender.audio(vec![0; 10], 80);
        sender.set_ssrc(99);
        assert_eq!(sender.ssrc(), 99);
        assert_eq!(sender.packet_count(), 0);
        assert_eq!(sender.audio(vec![0; 10], 80).header.ssrc, 99);
    }
}
