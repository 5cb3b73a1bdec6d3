//! The send path: microphone PCM → codec rate → ptime frames → payloads → RTP, with RED and
//! RFC 4733 events.

use std::time::Duration;

use handset_codec::{AudioEncoder, CodecInfo, EncoderHints};

use super::config::{samples_in, SendConfig};
use super::SessionError;
use crate::red::RedEncoder;
use crate::resample::Resampler;
use crate::rtp::{RtpPacket, RtpSender};
use crate::telephone_event::{DtmfEvent, EventSender, EventSenderConfig};

/// Room for one encoded frame of any codec here (Opus at most 1275 bytes).
const MIN_PAYLOAD_ROOM: usize = 1500;

/// Encodes and packetizes the local audio of one call.
pub(crate) struct SendPath {
    config: SendConfig,
    encoder: Box<dyn AudioEncoder>,
    info: CodecInfo,
    resampler: Resampler,
    /// Codec-rate PCM waiting for a whole ptime.
    pending: Vec<i16>,
    converted: Vec<i16>,
    frame_samples: usize,
    frame_ticks: u32,
    payload: Vec<u8>,
    red: Option<RedEncoder>,
    events: Option<EventSender>,
    loss_hint: Option<u8>,
}

impl std::fmt::Debug for SendPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendPath")
            .field("config", &self.config)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl SendPath {
    /// A send path for `config`, fed PCM at `audio_rate`.
    pub(crate) fn new(config: &SendConfig, audio_rate: u32) -> Result<Self, SessionError> {
        let encoder = config.codec.encoder()?;
        let info = *encoder.info();
        let frame_samples = samples_in(config.ptime, info.sample_rate);
        if !info.accepts_frame(frame_samples) {
            return Err(SessionError::Ptime {
                codec: info.encoding_name,
                ptime: config.ptime,
            });
        }
        let events = config.telephone_event.map(|event| {
            EventSender::new(EventSenderConfig {
                clock_rate: event.clock_rate,
                packet_interval: config.ptime,
                ..EventSenderConfig::default()
            })
        });
        let mut path = Self {
            resampler: Resampler::new(audio_rate, info.sample_rate)?,
            pending: Vec::with_capacity(frame_samples * 2),
            converted: Vec::with_capacity(frame_samples),
            frame_samples,
            frame_ticks: info.rtp_ticks(frame_samples),
            payload: vec![0; (frame_samples * 2).max(MIN_PAYLOAD_ROOM)],
            red: config
                .red
                .map(|red| RedEncoder::new(usize::from(red.depth))),
            events,
            loss_hint: None,
            encoder,
            info,
            config: config.clone(),
        };
        if path.config.red.is_some() && path.config.codec.opus.inband_fec {
            // Redundancy already covers most loss: size the in-band FEC for what it leaves.
            path.set_expected_loss(0)?;
        }
        Ok(path)
    }

    /// The configuration this path runs.
    pub(crate) fn config(&self) -> &SendConfig {
        &self.config
    }

    /// What the encoder produces.
    pub(crate) fn info(&self) -> &CodecInfo {
        &self.info
    }

    /// Takes one tick of PCM at the audio rate and returns the packets that became due.
    pub(crate) fn push(
        &mut self,
        pcm: &[i16],
        rtp: &mut RtpSender,
    ) -> Result<Vec<RtpPacket>, SessionError> {
        self.converted.clear();
        self.resampler.process_i16(pcm, &mut self.converted);
        self.pending.extend_from_slice(&self.converted);
        let mut packets = Vec::new();
        while self.pending.len() >= self.frame_samples {
            let frame: Vec<i16> = self.pending.drain(..self.frame_samples).collect();
            if let Some(packet) = self.next_event(rtp) {
                // RFC 4733 §2.5: while an event is sent, it replaces the voice packets.
                packets.push(packet);
                continue;
            }
            packets.push(self.voice_packet(&frame, rtp)?);
        }
        Ok(packets)
    }

    fn next_event(&mut self, rtp: &mut RtpSender) -> Option<RtpPacket> {
        let event_payload_type = self.config.telephone_event?.payload_type;
        let packet = self.events.as_mut()?.next_packet(rtp.next_timestamp())?;
        Some(rtp.with_timestamp(
            event_payload_type,
            packet.marker,
            packet.timestamp,
            packet.payload.to_bytes().to_vec(),
            self.frame_ticks,
        ))
    }

    fn voice_packet(
        &mut self,
        frame: &[i16],
        rtp: &mut RtpSender,
    ) -> Result<RtpPacket, SessionError> {
        let length = self.encoder.encode(frame, &mut self.payload)?;
        let encoded = &self.payload[..length];
        let (payload_type, payload) = match (&mut self.red, self.config.red) {
            (Some(red), Some(settings)) => (
                settings.payload_type,
                red.encode(rtp.next_timestamp(), self.config.payload_type, encoded),
            ),
            _ => (self.config.payload_type, encoded.to_vec()),
        };
        rtp.set_payload_type(payload_type);
        Ok(rtp.audio(payload, self.frame_ticks))
    }

    /// Queues an RFC 4733 press; `false` when no telephone-event payload type was agreed.
    pub(crate) fn press(&mut self, event: DtmfEvent, duration: Duration) -> bool {
        match &mut self.events {
            Some(events) => {
                events.press(event, duration);
                true
            }
            None => false,
        }
    }

    /// Tells the encoder how much loss the peer reports, in percent (Opus sizes its in-band
    /// FEC by it). Without RED the encoder expects that, and at least the configured loss;
    /// with RED it expects what redundancy leaves: a frame is gone only when all its copies
    /// are.
    pub(crate) fn set_expected_loss(&mut self, reported: u8) -> Result<(), SessionError> {
        let floor = self.config.codec.opus.expected_loss_percent;
        let percent = encoder_loss_hint(reported, floor, self.config.red.map(|red| red.depth));
        if self.loss_hint == Some(percent) {
            return Ok(());
        }
        self.loss_hint = Some(percent);
        let hints = EncoderHints::default().with_expected_loss(percent);
        self.encoder.set_hints(&hints)?;
        Ok(())
    }
}

/// The loss (percent) the encoder is told to expect: the loss the peer reports, at least
/// `floor`; with RED of `red_depth` only what redundancy leaves.
pub fn encoder_loss_hint(reported: u8, floor: u8, red_depth: Option<u8>) -> u8 {
    match red_depth {
        Some(depth) => residual_loss(reported.max(floor), depth),
        None => reported.max(floor),
    }
}

/// The percentage of frames still lost when each frame travels in `1 + depth` packets lost
/// independently at `percent` %, rounded down; at least 1 % while there is loss, so FEC stays
/// on for the frames redundancy cannot bring back.
fn residual_loss(percent: u8, depth: u8) -> u8 {
    if percent == 0 {
        return 0;
    }
    let rate = f64::from(percent.min(100)) / 100.0;
    let left = rate.powi(i32::from(depth) + 1) * 100.0;
    (left.floor() as u8).clamp(1, 100)
}

#[cfg(test)]
mod tests {
    use super::residual_loss;

    #[test]
    fn redundancy_leaves_the_loss_of_every_copy() {
        assert_eq!(residual_loss(0, 2), 0);
        assert_eq!(residual_loss(30, 2), 2);
        assert_eq!(residual_loss(30, 1), 9);
        assert_eq!(residual_loss(50, 1), 25);
        assert_eq!(residual_loss(10, 2), 1);
        assert_eq!(residual_loss(100, 3), 100);
        assert_eq!(residual_loss(20, 0), 20);
    }
}
