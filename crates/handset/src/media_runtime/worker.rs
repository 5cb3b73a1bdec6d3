//! The media thread: its schedule, its commands and the events it reports.

use std::io;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use super::call::{ActiveCall, Outputs};
use super::config::WorkerConfig;
use super::handle::{CallId, CallSpec, MediaWorkerHandle, WorkerError};
use super::io::{MediaSink, MediaSource};
use super::metrics::SharedMetrics;
use super::recording::RecordingWriter;
use super::MediaControl;

/// The largest datagram read.
const MAX_DATAGRAM: usize = 65_535;

/// What the worker reports.
#[derive(Debug)]
#[non_exhaustive]
pub enum WorkerEvent<E> {
    /// An event from a call's media.
    Media {
        /// The call.
        call: CallId,
        /// Its event.
        event: E,
    },
    /// The call's source has played to its end; silence follows.
    SourceEnded {
        /// The call.
        call: CallId,
    },
    /// A socket of the call failed (reported once while the same error repeats); the call
    /// goes on.
    SocketError {
        /// The call.
        call: CallId,
        /// Whether it was the RTCP socket.
        rtcp: bool,
        /// What the system said.
        error: io::Error,
    },
    /// A WAV recording was written out.
    RecordingSaved {
        /// The call.
        call: CallId,
        /// The file.
        path: PathBuf,
        /// Whether the recording is finished (the call ended or the sink was replaced).
        complete: bool,
    },
    /// A WAV recording could not be written.
    RecordingFailed {
        /// The call.
        call: CallId,
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// A [`MediaControl`](super::MediaControl) could not be carried out.
    ControlFailed {
        /// The call.
        call: CallId,
        /// Why.
        reason: String,
    },
    /// The call was removed: its media closed, its last datagrams sent and its ports
    /// released. Its final `RecordingSaved` may come after this.
    CallEnded {
        /// The call.
        call: CallId,
    },
}

pub(super) enum Command<E> {
    Add(CallId, CallSpec<E>),
    Remove(CallId),
    SetSource(CallId, MediaSource),
    SetSink(CallId, MediaSink),
    Control(CallId, MediaControl),
    Shutdown,
}

/// The worker thread's state.
pub struct MediaWorker<E> {
    config: WorkerConfig,
    commands: mpsc::Receiver<Command<E>>,
    events: UnboundedSender<WorkerEvent<E>>,
    writer: RecordingWriter,
    metrics: Arc<SharedMetrics>,
    calls: Vec<ActiveCall<E>>,
    buffer: Vec<u8>,
}

impl<E: Send + 'static> MediaWorker<E> {
    /// Starts the worker thread (named `media`) and its file thread; returns the handle and
    /// the receiver of the worker's events.
    pub fn spawn(
        config: WorkerConfig,
    ) -> Result<(MediaWorkerHandle<E>, UnboundedReceiver<WorkerEvent<E>>), WorkerError> {
        let (events, receiver) = unbounded_channel();
        let (commands, queue) = mpsc::channel();
        let metrics = Arc::new(SharedMetrics::default());
        let writer = RecordingWriter::spawn(events.clone()).map_err(WorkerError::Spawn)?;
        let worker = Self {
            config: config.clone(),
            commands: queue,
            events,
            writer,
            metrics: Arc::clone(&metrics),
            // Room for the usual number of calls up front; a larger limit grows on demand.
            calls: Vec::with_capacity(config.max_calls.min(256)),
            buffer: vec![0; MAX_DATAGRAM],
        };
        let thread = thread::Builder::new()
            .name("media".into())
            .spawn(move || worker.run())
            .map_err(WorkerError::Spawn)?;
        Ok((
            MediaWorkerHandle::new(config, commands, thread, metrics),
            receiver,
        ))
    }

    /// Ticks on the absolute schedule `start + k·tick` until told to stop, taking commands
    /// while it waits.
    fn run(mut self) {
        let tick = self.config.tick.duration();
        let tick_nanos = u64::try_from(tick.as_nanos()).unwrap_or(u64::MAX);
        let start = Instant::now();
        let mut index: u64 = 0;
        loop {
            let scheduled = start + Duration::from_nanos(tick_nanos.saturating_mul(index));
            if !self.wait_until(scheduled) {
                break;
            }
            let now = Instant::now();
            self.tick(now);
            let late = now.saturating_duration_since(scheduled) > tick;
            self.metrics.record_tick(now.elapsed(), late);
            index += 1;
            let elapsed = Instant::now().saturating_duration_since(start);
            let behind = u64::try_from(elapsed.as_nanos() / tick.as_nanos()).unwrap_or(u64::MAX);
            if behind > index + u64::from(self.config.max_ticks_behind) {
                self.metrics.record_skipped(behind - index);
                index = behind;
            }
        }
        self.stop();
    }

    /// Carries out commands until `deadline`; `false` once told to stop.
    fn wait_until(&mut self, deadline: Instant) -> bool {
        loop {
            let now = Instant::now();
            let command = if now >= deadline {
                match self.commands.try_recv() {
                    Ok(command) => command,
                    Err(mpsc::TryRecvError::Empty) => return true,
                    Err(mpsc::TryRecvError::Disconnected) => return false,
                }
            } else {
                match self.commands.recv_timeout(deadline - now) {
                    Ok(command) => command,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return false,
                }
            };
            if !self.apply(command) {
                return false;
            }
        }
    }

    /// Carries out one command; `false` for shutdown.
    fn apply(&mut self, command: Command<E>) -> bool {
        let out = Outputs {
            events: &self.events,
            writer: &self.writer,
            metrics: &self.metrics,
            flush_ticks: self.config.flush_ticks(),
        };
        match command {
            Command::Add(id, spec) => {
                let frame_len = self.config.frame_len(spec.sample_rate).unwrap_or(0);
                self.calls.push(ActiveCall::new(
                    id,
                    spec.media,
                    spec.sockets,
                    spec.source,
                    spec.sink,
                    frame_len,
                ));
            }
            Command::Remove(id) => {
                if let Some(at) = self.calls.iter().position(|c| c.id() == id) {
                    self.calls.swap_remove(at).end(Instant::now(), &out);
                }
            }
            Command::SetSource(id, source) => {
                if let Some(call) = self.calls.iter_mut().find(|c| c.id() == id) {
                    call.set_source(source);
                }
            }
            Command::SetSink(id, sink) => {
                if let Some(call) = self.calls.iter_mut().find(|c| c.id() == id) {
                    call.set_sink(sink, &out);
                }
            }
            Command::Control(id, control) => {
                if let Some(call) = self.calls.iter_mut().find(|c| c.id() == id) {
                    if let Err(reason) = call.control(Instant::now(), control) {
                        let _ = self
                            .events
                            .send(WorkerEvent::ControlFailed { call: id, reason });
                    }
                }
            }
            Command::Shutdown => return false,
        }
        self.metrics.set_calls(self.calls.len());
        true
    }

    fn tick(&mut self, now: Instant) {
        let out = Outputs {
            events: &self.events,
            writer: &self.writer,
            metrics: &self.metrics,
            flush_ticks: self.config.flush_ticks(),
        };
        for call in &mut self.calls {
            call.tick(now, &mut self.buffer, &out);
        }
    }

    /// Ends every call, then waits for the recordings to be written.
    fn stop(mut self) {
        let out = Outputs {
            events: &self.events,
            writer: &self.writer,
            metrics: &self.metrics,
            flush_ticks: self.config.flush_ticks(),
        };
        let now = Instant::now();
        for call in self.calls.drain(..) {
            call.end(now, &out);
        }
        self.metrics.set_calls(0);
        self.writer.finish();
    }
}
