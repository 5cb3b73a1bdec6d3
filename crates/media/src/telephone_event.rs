//! RFC 4733 telephone events: DTMF digits and flash carried as RTP payloads.
//!
//! [`EventSender`] turns key presses into the packets of each event: a start packet with the
//! marker, updates every packet interval with a growing duration, then three end packets,
//! all with the timestamp of the event start. [`EventReceiver`] turns whatever arrives of
//! those (lost, duplicated, reordered, or end packets only) into one [`Digit`] per press.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use thiserror::Error;

/// How long the receiver waits for more packets of an event before reporting it.
pub const DEFAULT_EVENT_TIMEOUT: Duration = Duration::from_millis(500);
/// Completed events remembered so that their late duplicates are ignored.
const FINISHED_MEMORY: usize = 64;

/// Why a payload is not a telephone event.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TelephoneEventError {
    /// Fewer than four bytes.
    #[error("telephone-event payload of {0} bytes is shorter than 4")]
    TooShort(usize),
}

/// An event the phone sends and understands: DTMF 0–9, *, #, A–D (codes 0–15) and flash
/// (code 16). Other codes cannot be represented.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DtmfEvent(u8);

impl DtmfEvent {
    /// `*` (event 10).
    pub const STAR: Self = DtmfEvent(10);
    /// `#` (event 11).
    pub const POUND: Self = DtmfEvent(11);
    /// Hook flash (event 16).
    pub const FLASH: Self = DtmfEvent(16);
    const KEYPAD: &'static [u8; 17] = b"0123456789*#ABCD!";

    /// The digit key 0–9.
    pub fn digit(digit: u8) -> Option<Self> {
        (digit <= 9).then_some(DtmfEvent(digit))
    }

    /// The event for an RFC 4733 event code, if it is one of 0–16.
    pub fn from_code(code: u8) -> Option<Self> {
        (code <= 16).then_some(DtmfEvent(code))
    }

    /// The RFC 4733 event code.
    pub fn code(self) -> u8 {
        self.0
    }

    /// The event for a keypad character: `0`–`9`, `*`, `#`, `A`–`D` (either case), and `!`
    /// for flash.
    pub fn from_char(c: char) -> Option<Self> {
        let c = u8::try_from(c.to_ascii_uppercase()).ok()?;
        let code = Self::KEYPAD.iter().position(|&key| key == c)?;
        Self::from_code(code as u8)
    }

    /// The keypad character (`!` for flash).
    pub fn to_char(self) -> char {
        char::from(Self::KEYPAD[usize::from(self.0.min(16))])
    }
}

impl std::fmt::Debug for DtmfEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DtmfEvent({})", self.to_char())
    }
}

impl std::fmt::Display for DtmfEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_char())
    }
}

/// The four-byte event payload (RFC 4733 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPayload {
    /// Event code.
    pub event: u8,
    /// The E bit: this packet ends the event.
    pub end: bool,
    /// Power level in −dBm0 (0–63).
    pub volume: u8,
    /// Duration so far, in timestamp units.
    pub duration: u16,
}

impl EventPayload {
    /// Reads the first event of a payload.
    pub fn parse(bytes: &[u8]) -> Result<Self, TelephoneEventError> {
        let [event, flags, high, low, ..] = *bytes else {
            return Err(TelephoneEventError::TooShort(bytes.len()));
        };
        Ok(EventPayload {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3f,
            duration: u16::from_be_bytes([high, low]),
        })
    }

    /// The wire form.
    pub fn to_bytes(&self) -> [u8; 4] {
        let [high, low] = self.duration.to_be_bytes();
        [
            self.event,
            u8::from(self.end) << 7 | (self.volume & 0x3f),
            high,
            low,
        ]
    }
}

/// Settings for sending events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSenderConfig {
    /// The RTP clock rate negotiated for telephone-event (usually 8000).
    pub clock_rate: u32,
    /// Time between packets (the audio packet time).
    pub packet_interval: Duration,
    /// Power level in −dBm0.
    pub volume: u8,
    /// How many times the end packet is sent.
    pub end_repeats: u8,
    /// Silence between two queued events.
    pub pause: Duration,
}

impl Default for EventSenderConfig {
    fn default() -> Self {
        EventSenderConfig {
            clock_rate: 8000,
            packet_interval: Duration::from_millis(20),
            volume: 10,
            end_repeats: 3,
            pause: Duration::from_millis(60),
        }
    }
}

/// One event packet to send: the caller wraps it in RTP with the telephone-event payload
/// type, this timestamp and this marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPacket {
    /// Set on the first packet of the event.
    pub marker: bool,
    /// The timestamp of the event start, the same in every packet of the event.
    pub timestamp: u32,
    /// The payload.
    pub payload: EventPayload,
}

#[derive(Debug, Clone)]
struct ActiveEvent {
    code: u8,
    start: u32,
    target: u32,
    elapsed: u32,
    ends_sent: u8,
}

/// Sends key presses as RFC 4733 events.
///
/// Queue presses with [`EventSender::press`]; every packet interval call
/// [`EventSender::next_packet`] with the stream's current timestamp. While it returns a
/// packet, send that instead of audio.
#[derive(Debug, Clone)]
pub struct EventSender {
    config: EventSenderConfig,
    queue: VecDeque<(u8, u32)>,
    active: Option<ActiveEvent>,
    pause_left: u32,
}

impl EventSender {
    /// A sender with the given settings.
    pub fn new(config: EventSenderConfig) -> Self {
        EventSender {
            config,
            queue: VecDeque::new(),
            active: None,
            pause_left: 0,
        }
    }

    fn units(&self, duration: Duration) -> u32 {
        let units = duration.as_nanos() * u128::from(self.config.clock_rate) / 1_000_000_000;
        u32::try_from(units).unwrap_or(u32::MAX)
    }

    /// Queues a press lasting `duration` (at most 65535 timestamp units are sent).
    pub fn press(&mut self, event: DtmfEvent, duration: Duration) {
        let units = self.units(duration).clamp(1, u32::from(u16::MAX));
        self.queue.push_back((event.code(), units));
    }

    /// Whether an event is being sent, queued, or the pause after one is running.
    pub fn is_busy(&self) -> bool {
        self.active.is_some() || !self.queue.is_empty() || self.pause_left > 0
    }

    /// The packet for this packet interval, if an event is being sent; `timestamp` is the
    /// media timestamp now (it becomes the event's timestamp when an event starts).
    pub fn next_packet(&mut self, timestamp: u32) -> Option<EventPacket> {
        let interval = self.units(self.config.packet_interval).max(1);
        let volume = self.config.volume.min(63);
        let end_repeats = self.config.end_repeats.max(1);
        if let Some(active) = &mut self.active {
            if active.ends_sent == 0 {
                active.elapsed = active
                    .elapsed
                    .saturating_add(interval)
                    .min(u32::from(u16::MAX));
            }
            let end = active.ends_sent > 0 || active.elapsed >= active.target;
            let packet = EventPacket {
                marker: false,
                timestamp: active.start,
                payload: EventPayload {
                    event: active.code,
                    end,
                    volume,
                    duration: active.elapsed as u16,
                },
            };
            if end {
                active.ends_sent += 1;
                if active.ends_sent >= end_repeats {
                    self.active = None;
                    self.pause_left = self.units(self.config.pause);
                }
            }
            return Some(packet);
        }
        if self.pause_left > 0 {
            self.pause_left = self.pause_left.saturating_sub(interval);
            return None;
        }
        let (code, target) = self.queue.pop_front()?;
        let elapsed = interval.min(u32::from(u16::MAX));
        self.active = Some(ActiveEvent {
            code,
            start: timestamp,
            target,
            elapsed,
            ends_sent: 0,
        });
        Some(EventPacket {
            marker: true,
            timestamp,
            payload: EventPayload {
                event: code,
                end: false,
                volume,
                duration: elapsed as u16,
            },
        })
    }
}

/// One press as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digit {
    /// The key.
    pub event: DtmfEvent,
    /// How long it was held, in timestamp units of the negotiated clock.
    pub duration: u32,
    /// Power level in −dBm0.
    pub volume: u8,
}

#[derive(Debug, Clone)]
struct OpenEvent {
    timestamp: u32,
    event: DtmfEvent,
    duration: u16,
    volume: u8,
    last_seen: Instant,
}

/// Turns received event packets into one [`Digit`] per press.
///
/// Feed packets with [`EventReceiver::handle_packet`], drain digits with
/// [`EventReceiver::poll_digit`], and call [`EventReceiver::handle_timeout`] at
/// [`EventReceiver::poll_timeout`] so that a press whose end packets were all lost is still
/// reported.
#[derive(Debug, Clone)]
pub struct EventReceiver {
    timeout: Duration,
    open: Option<OpenEvent>,
    finished: VecDeque<u32>,
    digits: VecDeque<Digit>,
}

impl Default for EventReceiver {
    fn default() -> Self {
        Self::new(DEFAULT_EVENT_TIMEOUT)
    }
}

impl EventReceiver {
    /// A receiver that reports an event once no packet of it came for `timeout`.
    pub fn new(timeout: Duration) -> Self {
        EventReceiver {
            timeout,
            open: None,
            finished: VecDeque::new(),
            digits: VecDeque::new(),
        }
    }

    /// Feeds the payload of a telephone-event packet with its RTP timestamp. Events outside
    /// 0–16 are ignored.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        timestamp: u32,
        payload: &[u8],
    ) -> Result<(), TelephoneEventError> {
        let packet = EventPayload::parse(payload)?;
        let Some(event) = DtmfEvent::from_code(packet.event) else {
            return Ok(());
        };
        if self.finished.contains(&timestamp) {
            return Ok(());
        }
        let incoming = OpenEvent {
            timestamp,
            event,
            duration: packet.duration,
            volume: packet.volume,
            last_seen: now,
        };
        match self.open.take() {
            Some(mut open) if open.timestamp == timestamp => {
                open.duration = open.duration.max(packet.duration);
                open.volume = packet.volume;
                open.last_seen = now;
                self.open = Some(open);
            }
            // A packet of an earlier press not yet reported, reordered behind a later press:
            // that press is over, since events never overlap, so report it now.
            Some(open) if (timestamp.wrapping_sub(open.timestamp) as i32) < 0 => {
                self.open = Some(open);
                self.finish(incoming);
                return Ok(());
            }
            Some(open) => {
                self.finish(open);
                self.open = Some(incoming);
            }
            None => self.open = Some(incoming),
        }
        if packet.end {
            if let Some(open) = self.open.take() {
                self.finish(open);
            }
        }
        Ok(())
    }

    fn finish(&mut self, event: OpenEvent) {
        if self.finished.len() == FINISHED_MEMORY {
            self.finished.pop_front();
        }
        self.finished.push_back(event.timestamp);
        self.digits.push_back(Digit {
            event: event.event,
            duration: u32::from(event.duration),
            volume: event.volume,
        });
    }

    /// The next completed press.
    pub fn poll_digit(&mut self) -> Option<Digit> {
        self.digits.pop_front()
    }

    /// When an open event will be reported even without its end packet.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.open.as_ref().map(|open| open.last_seen + self.timeout)
    }

    /// Reports an open event whose packets stopped coming.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(deadline) = self.poll_timeout() {
            if now >= deadline {
                if let Some(open) = self.open.take() {
                    self.finish(open);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
