//! The async side's hold on a worker, and the calls it hands over.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use thiserror::Error;

use super::config::WorkerConfig;
use super::io::{MediaSink, MediaSource};
use super::metrics::{SharedMetrics, WorkerMetrics};
use super::ports::MediaSockets;
use super::worker::Command;
use super::{CallMedia, MediaControl};

/// A call in a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(u64);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "media-call-{}", self.0)
    }
}

/// Everything a call brings to the worker.
pub struct CallSpec<E> {
    /// The call's sans-IO media.
    pub media: Box<dyn CallMedia<Event = E>>,
    /// Its bound sockets.
    pub sockets: MediaSockets,
    /// The rate of the audio exchanged with the media, in Hz.
    pub sample_rate: u32,
    /// What it plays.
    pub source: MediaSource,
    /// Where its received audio goes.
    pub sink: MediaSink,
}

impl<E> CallSpec<E> {
    /// A call that plays silence and discards what it receives.
    pub fn new(
        media: Box<dyn CallMedia<Event = E>>,
        sockets: MediaSockets,
        sample_rate: u32,
    ) -> Self {
        Self {
            media,
            sockets,
            sample_rate,
            source: MediaSource::silence(sample_rate),
            sink: MediaSink::Discard,
        }
    }

    /// Plays `source`.
    pub fn with_source(mut self, source: MediaSource) -> Self {
        self.source = source;
        self
    }

    /// Records into `sink`.
    pub fn with_sink(mut self, sink: MediaSink) -> Self {
        self.sink = sink;
        self
    }
}

/// Why the worker refused a command.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// The worker thread could not be started.
    #[error("cannot start the media worker: {0}")]
    Spawn(io::Error),
    /// The worker has stopped.
    #[error("the media worker has stopped")]
    Stopped,
    /// The worker panicked.
    #[error("the media worker panicked")]
    Panicked,
    /// The worker already runs its most calls.
    #[error("the media worker already runs {max} calls")]
    TooManyCalls {
        /// The limit.
        max: usize,
    },
    /// No such call.
    #[error("no call {0} in the media worker")]
    UnknownCall(CallId),
    /// The rate does not divide into whole frames at the worker's tick.
    #[error("unsupported sample rate {0} Hz for the media worker's tick")]
    UnsupportedRate(u32),
    /// The source or sink is at another rate than the call.
    #[error("audio at {audio_rate} Hz for a call at {call_rate} Hz")]
    RateMismatch {
        /// The call's rate.
        call_rate: u32,
        /// The source's or sink's rate.
        audio_rate: u32,
    },
}

/// The async side's hold on a worker: commands go in, figures come out. Dropping it stops
/// the worker as [`shutdown`](Self::shutdown) does.
pub struct MediaWorkerHandle<E> {
    config: WorkerConfig,
    commands: mpsc::Sender<Command<E>>,
    thread: Option<JoinHandle<()>>,
    /// The rate of each call, to check sources and sinks before they reach the thread.
    rates: Mutex<HashMap<CallId, u32>>,
    next_id: AtomicU64,
    metrics: Arc<SharedMetrics>,
}

impl<E> fmt::Debug for MediaWorkerHandle<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaWorkerHandle")
            .field("config", &self.config)
            .field("metrics", &self.metrics.snapshot())
            .finish_non_exhaustive()
    }
}

impl<E> MediaWorkerHandle<E> {
    /// The handle of a worker just started.
    pub(super) fn new(
        config: WorkerConfig,
        commands: mpsc::Sender<Command<E>>,
        thread: JoinHandle<()>,
        metrics: Arc<SharedMetrics>,
    ) -> Self {
        Self {
            config,
            commands,
            thread: Some(thread),
            rates: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            metrics,
        }
    }

    /// Hands a call to the worker; it runs from the next tick on.
    pub fn add_call(&self, spec: CallSpec<E>) -> Result<CallId, WorkerError> {
        let rate = spec.sample_rate;
        if self.config.frame_len(rate).is_none() {
            return Err(WorkerError::UnsupportedRate(rate));
        }
        check_rate(rate, spec.source.sample_rate())?;
        if let Some(sink_rate) = spec.sink.sample_rate() {
            check_rate(rate, sink_rate)?;
        }
        let mut rates = self.rates.lock().unwrap_or_else(PoisonError::into_inner);
        if rates.len() >= self.config.max_calls {
            return Err(WorkerError::TooManyCalls {
                max: self.config.max_calls,
            });
        }
        let id = CallId(self.next_id.fetch_add(1, Ordering::Relaxed));
        self.send(Command::Add(id, spec))?;
        rates.insert(id, rate);
        Ok(id)
    }

    /// Removes a call: its media is closed, its last datagrams sent, its recording completed
    /// and its ports released; [`WorkerEvent::CallEnded`](super::WorkerEvent::CallEnded) follows.
    pub fn remove_call(&self, id: CallId) -> Result<(), WorkerError> {
        let mut rates = self.rates.lock().unwrap_or_else(PoisonError::into_inner);
        rates.remove(&id).ok_or(WorkerError::UnknownCall(id))?;
        self.send(Command::Remove(id))
    }

    /// Replaces what a call plays.
    pub fn set_source(&self, id: CallId, source: MediaSource) -> Result<(), WorkerError> {
        check_rate(self.rate_of(id)?, source.sample_rate())?;
        self.send(Command::SetSource(id, source))
    }

    /// Replaces where a call's received audio goes (a WAV recording replaced is completed).
    pub fn set_sink(&self, id: CallId, sink: MediaSink) -> Result<(), WorkerError> {
        let rate = self.rate_of(id)?;
        if let Some(sink_rate) = sink.sample_rate() {
            check_rate(rate, sink_rate)?;
        }
        self.send(Command::SetSink(id, sink))
    }

    /// Asks a call's media to send a digit or apply renegotiated media;
    /// [`WorkerEvent::ControlFailed`](super::WorkerEvent::ControlFailed) reports a refusal.
    pub fn control(&self, id: CallId, control: MediaControl) -> Result<(), WorkerError> {
        self.rate_of(id)?;
        self.send(Command::Control(id, control))
    }

    /// The worker's timing figures.
    pub fn metrics(&self) -> WorkerMetrics {
        self.metrics.snapshot()
    }

    /// The configuration the worker runs with.
    pub fn config(&self) -> &WorkerConfig {
        &self.config
    }

    /// Ends every call and stops the worker, waiting for its thread and its recordings.
    pub fn shutdown(mut self) -> Result<(), WorkerError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), WorkerError> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        // A worker that already ended has dropped its queue; joining is all that is left.
        let _ = self.commands.send(Command::Shutdown);
        thread.join().map_err(|_| WorkerError::Panicked)
    }

    fn rate_of(&self, id: CallId) -> Result<u32, WorkerError> {
        let rates = self.rates.lock().unwrap_or_else(PoisonError::into_inner);
        rates.get(&id).copied().ok_or(WorkerError::UnknownCall(id))
    }

    fn send(&self, command: Command<E>) -> Result<(), WorkerError> {
        self.commands
            .send(command)
            .map_err(|_| WorkerError::Stopped)
    }
}

impl<E> Drop for MediaWorkerHandle<E> {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::error!(error = %e, "media worker stopped badly");
        }
    }
}

fn check_rate(call_rate: u32, audio_rate: u32) -> Result<(), WorkerError> {
    if call_rate == audio_rate {
        Ok(())
    } else {
        Err(WorkerError::RateMismatch {
            call_rate,
            audio_rate,
        })
    }
}
