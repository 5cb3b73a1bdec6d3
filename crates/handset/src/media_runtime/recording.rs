//! The worker's file thread: WAV recordings are written here, so that the media thread never
//! waits on a disk. Each flushed chunk rewrites its whole file atomically (a temporary file,
//! fsync, rename), so a reader never sees a half-written recording.

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use handset_config::persist::write_atomic;
use tokio::sync::mpsc::UnboundedSender;

use super::handle::CallId;
use super::worker::WorkerEvent;

/// New audio of one recording.
#[derive(Debug)]
pub(super) struct RecordingChunk {
    /// The call recorded.
    pub(super) call: CallId,
    /// The file.
    pub(super) path: PathBuf,
    /// The header for everything recorded so far.
    pub(super) header: [u8; 44],
    /// The audio recorded since the previous chunk.
    pub(super) bytes: Vec<u8>,
    /// Whether the recording ends with this chunk.
    pub(super) complete: bool,
}

/// The file thread and the queue to it.
#[derive(Debug)]
pub(super) struct RecordingWriter {
    chunks: mpsc::Sender<RecordingChunk>,
    thread: JoinHandle<()>,
}

impl RecordingWriter {
    /// Starts the thread; it reports each write on `events`.
    pub(super) fn spawn<E: Send + 'static>(
        events: UnboundedSender<WorkerEvent<E>>,
    ) -> io::Result<Self> {
        let (chunks, queue) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("media-files".into())
            .spawn(move || write_recordings(&queue, &events))?;
        Ok(Self { chunks, thread })
    }

    /// Queues a chunk for writing.
    pub(super) fn submit(&self, chunk: RecordingChunk) {
        // The thread only stops when this sender is dropped, so sending cannot fail while
        // `self` lives; a panic in it would already have been reported by the runtime.
        let _ = self.chunks.send(chunk);
    }

    /// Writes everything queued, then stops the thread.
    pub(super) fn finish(self) {
        drop(self.chunks);
        if self.thread.join().is_err() {
            tracing::error!("the media file thread panicked");
        }
    }
}

fn write_recordings<E>(
    queue: &mpsc::Receiver<RecordingChunk>,
    events: &UnboundedSender<WorkerEvent<E>>,
) {
    let mut bodies: HashMap<PathBuf, Vec<u8>> = HashMap::new();
    for chunk in queue {
        let body = bodies.entry(chunk.path.clone()).or_default();
        body.extend_from_slice(&chunk.bytes);
        let mut file = Vec::with_capacity(chunk.header.len() + body.len());
        file.extend_from_slice(&chunk.header);
        file.extend_from_slice(body);
        let event = match write_atomic(&chunk.path, &file) {
            Ok(()) => WorkerEvent::RecordingSaved {
                call: chunk.call,
                path: chunk.path.clone(),
                complete: chunk.complete,
            },
            Err(error) => WorkerEvent::RecordingFailed {
                call: chunk.call,
                path: chunk.path.clone(),
                error,
            },
        };
        let _ = events.send(event);
        if chunk.complete {
            bodies.remove(&chunk.path);
        }
    }
}
