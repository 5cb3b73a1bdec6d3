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
        Ok(Self {
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
        })
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

    /// Tells the encoder how much loss the peer reports (Opus sizes its in-band FEC by it);
    /// the configured expected loss stays the floor.
    pub(crate) fn set_expected_loss(&mut self, percent: u8) -> Result<(), SessionError> {
        let percent = percent.max(self.config.codec.opus.expected_loss_percent);
        if self.loss_hint == Some(percent) {
            return Ok(());
        }
        self.loss_hint = Some(percent);
        let hints = EncoderHints::default().with_expected_loss(percent);
        self.encoder.set_hints(&hints)?;
        Ok(())
    }
}
