//! The media engine's call session as the worker's [`CallMedia`].

use std::net::SocketAddr;
use std::time::Instant;

use handset_media::session::{MediaEvent, MediaSession};

use super::{CallMedia, MediaControl, MediaTransmit};

impl CallMedia for MediaSession {
    type Event = MediaEvent;

    fn handle_packet(&mut self, now: Instant, from: SocketAddr, packet: &[u8]) {
        MediaSession::handle_packet(self, now, from, packet);
    }

    fn handle_rtcp(&mut self, now: Instant, from: SocketAddr, packet: &[u8]) {
        MediaSession::handle_rtcp(self, now, from, packet);
    }

    fn push_audio(&mut self, now: Instant, frame: &[i16]) {
        MediaSession::push_audio(self, now, frame);
    }

    fn pull_audio(&mut self, now: Instant, frame: &mut [i16]) {
        MediaSession::pull_audio(self, now, frame);
    }

    fn handle_timeout(&mut self, now: Instant) {
        MediaSession::handle_timeout(self, now);
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        MediaSession::poll_timeout(self)
    }

    fn poll_transmit(&mut self) -> Option<MediaTransmit> {
        MediaSession::poll_transmit(self).map(|t| MediaTransmit {
            to: t.to,
            bytes: t.bytes,
            rtcp: t.rtcp,
        })
    }

    fn poll_event(&mut self) -> Option<MediaEvent> {
        MediaSession::poll_event(self)
    }

    fn handle_control(&mut self, now: Instant, control: MediaControl) -> Result<(), String> {
        match control {
            MediaControl::SendDigit { key, duration } => self.send_digit(now, key, duration),
            MediaControl::Update(config) => self.update(*config, now),
        }
        .map_err(|e| e.to_string())
    }

    fn close(&mut self, now: Instant) {
        MediaSession::close(self, now);
    }
}

#[cfg(test)]
mod tests;
