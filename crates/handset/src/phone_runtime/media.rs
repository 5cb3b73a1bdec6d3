//! The calls' media in the media worker: sockets at the port the SDP announced, the session
//! the offer/answer agreed, and the audio files of headless use.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use handset_media::session::{MediaEvent, MediaSession};
use handset_phone::media_setup::{session_config, MediaSettings};
use handset_phone::phone::{CallHandle, MediaCommand, MediaStart};

use crate::media_runtime::{
    CallId, CallSpec, MediaControl, MediaSink, MediaSource, MediaWorkerHandle, RtpPortAllocator,
    WavFileSink,
};

/// Where calls get their audio and where what they hear goes.
#[derive(Debug, Clone, Default)]
pub struct AudioFiles {
    /// Played into every call, looping (`--audio-in`).
    pub input: Option<PathBuf>,
    /// What a call hears is recorded here (`--audio-out`); a second call at the same time
    /// records to the name with `-N` (its call number) before the extension.
    pub output: Option<PathBuf>,
}

/// The media of every call.
pub struct CallsMedia {
    worker: MediaWorkerHandle<MediaEvent>,
    ports: RtpPortAllocator,
    audio: AudioFiles,
    rate: u32,
    /// Each phone call's media call.
    calls: HashMap<CallHandle, CallId>,
    /// Each call's media settings, for updates.
    settings: HashMap<CallHandle, MediaSettings>,
}

impl std::fmt::Debug for CallsMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallsMedia")
            .field("calls", &self.calls)
            .finish_non_exhaustive()
    }
}

impl CallsMedia {
    /// Media over `worker`, binding sockets with `ports`' settings, audio at `rate` Hz.
    pub fn new(
        worker: MediaWorkerHandle<MediaEvent>,
        ports: RtpPortAllocator,
        audio: AudioFiles,
        rate: u32,
    ) -> Self {
        Self {
            worker,
            ports,
            audio,
            rate,
            calls: HashMap::new(),
            settings: HashMap::new(),
        }
    }

    /// The phone call a media call belongs to.
    pub fn phone_call(&self, media: CallId) -> Option<CallHandle> {
        self.calls
            .iter()
            .find(|(_, id)| **id == media)
            .map(|(handle, _)| *handle)
    }

    /// Does what the phone asks for `call`; an error means the call has no media.
    pub fn apply(&mut self, call: CallHandle, command: MediaCommand) -> Result<(), String> {
        match command {
            MediaCommand::Start(start) => self.start(call, &start),
            MediaCommand::Update(negotiated) => {
                let id = self.id(call)?;
                let Some(settings) = self.settings_of(call) else {
                    return Err("no media settings".into());
                };
                let config = session_config(&negotiated, &settings).map_err(|e| e.to_string())?;
                self.worker
                    .control(id, MediaControl::Update(Box::new(config)))
                    .map_err(|e| e.to_string())
            }
            MediaCommand::Stop => {
                if let Some(id) = self.calls.remove(&call) {
                    self.settings.remove(&call);
                    self.worker.remove_call(id).map_err(|e| e.to_string())?;
                }
                Ok(())
            }
            MediaCommand::Mute(on) => {
                let id = self.id(call)?;
                let source = if on {
                    MediaSource::silence(self.rate)
                } else {
                    self.source()?
                };
                self.worker
                    .set_source(id, source)
                    .map_err(|e| e.to_string())
            }
            MediaCommand::Dtmf {
                digit,
                duration,
                in_audio,
            } => {
                let id = self.id(call)?;
                if in_audio {
                    tracing::info!(call, %digit, "DTMF in the audio is sent as an RFC 4733 event");
                }
                self.worker
                    .control(
                        id,
                        MediaControl::SendDigit {
                            key: digit,
                            duration,
                        },
                    )
                    .map_err(|e| e.to_string())
            }
        }
    }

    fn start(&mut self, call: CallHandle, start: &MediaStart) -> Result<(), String> {
        let config =
            session_config(&start.negotiated, &start.settings).map_err(|e| e.to_string())?;
        let sockets = self
            .ports
            .bind_at(start.local_ip, start.local_port, start.negotiated.rtcp_mux)
            .map_err(|e| e.to_string())?;
        let now = Instant::now();
        let mut session =
            MediaSession::new(config, rand::random(), now).map_err(|e| e.to_string())?;
        session.set_keepalive(start.settings.rtp_keepalive, now);
        let mut spec =
            CallSpec::new(Box::new(session), sockets, self.rate).with_source(self.source()?);
        if let Some(path) = &self.audio.output {
            let path = recording_path(path, call, self.calls.is_empty());
            spec = spec.with_sink(MediaSink::WavFile(WavFileSink::new(path, self.rate)));
        }
        let id = self.worker.add_call(spec).map_err(|e| e.to_string())?;
        self.calls.insert(call, id);
        self.settings.insert(call, start.settings.clone());
        Ok(())
    }

    fn id(&self, call: CallHandle) -> Result<CallId, String> {
        self.calls
            .get(&call)
            .copied()
            .ok_or_else(|| format!("call {call} has no media"))
    }

    /// What calls play: the `--audio-in` file, else silence.
    fn source(&self) -> Result<MediaSource, String> {
        match &self.audio.input {
            Some(path) => MediaSource::wav_file(path, self.rate, true).map_err(|e| e.to_string()),
            None => Ok(MediaSource::silence(self.rate)),
        }
    }

    fn settings_of(&self, call: CallHandle) -> Option<MediaSettings> {
        self.settings.get(&call).cloned()
    }

    /// Stops the worker.
    pub fn shutdown(self) {
        if let Err(e) = self.worker.shutdown() {
            tracing::warn!(error = %e, "media worker");
        }
    }
}

/// The recording of call `call`: the given name for the first call, `name-N.ext` for others.
fn recording_path(path: &Path, call: CallHandle, first: bool) -> PathBuf {
    if first {
        return path.to_owned();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "call".into());
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{call}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{call}"),
    };
    path.with_file_name(name)
}
