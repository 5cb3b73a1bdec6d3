//! One call inside the worker: its media, sockets, source and sink, and what one tick does
//! with them.

use std::io;
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;

use super::handle::CallId;
use super::io::{MediaSink, MediaSource};
use super::metrics::SharedMetrics;
use super::ports::MediaSockets;
use super::recording::{RecordingChunk, RecordingWriter};
use super::worker::WorkerEvent;
use super::{CallMedia, MediaControl};

/// Datagrams read from one socket in one tick at most, so that a flood on one call cannot
/// hold up the others; the rest wait for the next tick.
const MAX_DATAGRAMS_PER_TICK: usize = 256;

/// What a call reports to, shared by every call of the worker.
pub(super) struct Outputs<'a, E> {
    /// The async side's event channel.
    pub(super) events: &'a UnboundedSender<WorkerEvent<E>>,
    /// The file thread.
    pub(super) writer: &'a RecordingWriter,
    /// The worker's counters.
    pub(super) metrics: &'a SharedMetrics,
    /// Ticks between two flushes of a WAV recording.
    pub(super) flush_ticks: u32,
}

/// A call the worker runs.
pub(super) struct ActiveCall<E> {
    id: CallId,
    media: Box<dyn CallMedia<Event = E>>,
    sockets: MediaSockets,
    source: MediaSource,
    source_ended: bool,
    sink: MediaSink,
    /// One frame at the call's rate, reused every tick.
    frame: Vec<i16>,
    ticks_since_flush: u32,
    /// The last socket error reported, so that a persistent one is reported once.
    last_error: Option<io::ErrorKind>,
}

impl<E: Send + 'static> ActiveCall<E> {
    /// A call with frames of `frame_len` samples.
    pub(super) fn new(
        id: CallId,
        media: Box<dyn CallMedia<Event = E>>,
        sockets: MediaSockets,
        source: MediaSource,
        sink: MediaSink,
        frame_len: usize,
    ) -> Self {
        Self {
            id,
            media,
            sockets,
            source,
            source_ended: false,
            sink,
            frame: vec![0; frame_len],
            ticks_since_flush: 0,
            last_error: None,
        }
    }

    /// The call's id.
    pub(super) fn id(&self) -> CallId {
        self.id
    }

    /// Runs one tick: receive, timers, audio in and out, send.
    pub(super) fn tick(&mut self, now: Instant, buffer: &mut [u8], out: &Outputs<'_, E>) {
        self.receive(now, buffer, out);
        if self.media.poll_timeout().is_some_and(|due| due <= now) {
            self.media.handle_timeout(now);
        }
        if !self.source.fill(&mut self.frame) && !self.source_ended {
            self.source_ended = true;
            let _ = out.events.send(WorkerEvent::SourceEnded { call: self.id });
        }
        self.media.push_audio(now, &self.frame);
        self.media.pull_audio(now, &mut self.frame);
        self.sink.write(&self.frame);
        self.ticks_since_flush += 1;
        if self.ticks_since_flush >= out.flush_ticks {
            self.flush_recording(out, false);
        }
        self.drain(out);
    }

    /// Plays `source` from now on.
    pub(super) fn set_source(&mut self, source: MediaSource) {
        self.source = source;
        self.source_ended = false;
    }

    /// Records into `sink` from now on; a WAV recording being replaced is completed.
    pub(super) fn set_sink(&mut self, sink: MediaSink, out: &Outputs<'_, E>) {
        self.flush_recording(out, true);
        self.sink = sink;
    }

    /// Passes a control request to the media.
    pub(super) fn control(&mut self, now: Instant, control: MediaControl) -> Result<(), String> {
        self.media.handle_control(now, control)
    }

    /// Closes the media, sends its last datagrams, completes the recording and releases the
    /// ports (the sockets are dropped here).
    pub(super) fn end(mut self, now: Instant, out: &Outputs<'_, E>) {
        self.media.close(now);
        self.drain(out);
        self.flush_recording(out, true);
        let call = self.id;
        drop(self);
        let _ = out.events.send(WorkerEvent::CallEnded { call });
    }

    fn receive(&mut self, now: Instant, buffer: &mut [u8], out: &Outputs<'_, E>) {
        let muxed = self.sockets.rtcp().is_none();
        for rtcp_socket in [false, true] {
            let socket = match (rtcp_socket, self.sockets.rtcp()) {
                (false, _) => self.sockets.rtp(),
                (true, Some(rtcp)) => rtcp,
                (true, None) => continue,
            };
            for _ in 0..MAX_DATAGRAMS_PER_TICK {
                match socket.recv_from(buffer) {
                    Ok((len, from)) => {
                        let packet = &buffer[..len];
                        if rtcp_socket || (muxed && looks_like_rtcp(packet)) {
                            self.media.handle_rtcp(now, from, packet);
                        } else {
                            self.media.handle_packet(now, from, packet);
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => {
                        report_error(self.id, &mut self.last_error, rtcp_socket, error, out);
                        break;
                    }
                }
            }
        }
    }

    /// Sends every pending datagram and forwards every pending event.
    fn drain(&mut self, out: &Outputs<'_, E>) {
        while let Some(transmit) = self.media.poll_transmit() {
            let (socket, rtcp) = match (transmit.rtcp, self.sockets.rtcp()) {
                (true, Some(rtcp)) => (rtcp, true),
                _ => (self.sockets.rtp(), false),
            };
            if let Err(error) = socket.send_to(&transmit.bytes, transmit.to) {
                report_error(self.id, &mut self.last_error, rtcp, error, out);
            }
        }
        while let Some(event) = self.media.poll_event() {
            let _ = out.events.send(WorkerEvent::Media {
                call: self.id,
                event,
            });
        }
    }

    fn flush_recording(&mut self, out: &Outputs<'_, E>, complete: bool) {
        self.ticks_since_flush = 0;
        if let MediaSink::WavFile(sink) = &mut self.sink {
            let (header, bytes) = sink.take_chunk();
            out.writer.submit(RecordingChunk {
                call: self.id,
                path: sink.path().to_owned(),
                header,
                bytes,
                complete,
            });
        }
    }
}

/// RFC 5761 §4: with RTP and RTCP on one port, RTCP packet types 192–223 occupy the second
/// byte where RTP has its marker bit and payload types 64–95, which RTP avoids.
fn looks_like_rtcp(packet: &[u8]) -> bool {
    packet.len() >= 8 && (192..=223).contains(&packet[1])
}

/// Counts the error and reports it unless it repeats the previous one.
fn report_error<E: Send + 'static>(
    call: CallId,
    last_error: &mut Option<io::ErrorKind>,
    rtcp: bool,
    error: io::Error,
    out: &Outputs<'_, E>,
) {
    out.metrics.record_socket_error();
    if *last_error == Some(error.kind()) {
        return;
    }
    *last_error = Some(error.kind());
    tracing::debug!(%call, rtcp, %error, "media socket error");
    let _ = out
        .events
        .send(WorkerEvent::SocketError { call, rtcp, error });
}

#[cfg(test)]
mod tests {
    use super::looks_like_rtcp;

    #[test]
    fn rtcp_is_told_apart_from_rtp_on_a_muxed_port() {
        // An RTCP receiver report header and an RTP packet with payload type 0.
        assert!(looks_like_rtcp(&[0x81, 201, 0, 7, 0, 0, 0, 1]));
        assert!(!looks_like_rtcp(&[0x80, 0, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4]));
        // A marked packet of dynamic payload type 96 is RTP.
        assert!(!looks_like_rtcp(&[0x80, 0x80 | 96, 0, 1, 0, 0, 0, 0]));
        assert!(!looks_like_rtcp(&[0x81, 201]));
    }
}
