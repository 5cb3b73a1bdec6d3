//! The phone task's loop: the sans-IO [`Phone`] driven by what the accounts report, the
//! control commands, the media worker's events and its own timers.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use handset_media::session::MediaEvent;
use handset_phone::account_settings::{self, MAX_ACCOUNTS};
use handset_phone::call::{CallState, Direction};
use handset_phone::call_log::{record_for, CallLogPolicy, CallOutcome};
use handset_phone::forwarding::TimeOfDay;
use handset_phone::phone::{CallView, Phone, PhoneError, PhoneOutput, PhoneSettings, SipCommand};
use handset_sip::transaction::TransactionKey;
use tokio::sync::mpsc::{Receiver, UnboundedReceiver};
use tokio::sync::oneshot;

use super::control::{AccountDnd, CallSummary, Command, CommandError};
use super::link::PhoneInput;
use super::media::{AudioFiles, CallsMedia};
use crate::daemon::Shared;
use crate::history::CallHistory;
use crate::media_runtime::{
    MediaWorker, RtpPortAllocator, RtpPortSettings, WorkerConfig, WorkerEvent,
};

/// The rate calls' audio runs at (wideband; narrowband codecs are resampled).
const AUDIO_RATE: u32 = 16_000;

/// The phone task.
pub struct PhoneTask {
    shared: Arc<Shared>,
    phone: Phone,
    media: CallsMedia,
    media_events: UnboundedReceiver<WorkerEvent<MediaEvent>>,
    history: Option<CallHistory>,
}

impl std::fmt::Debug for PhoneTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneTask").finish_non_exhaustive()
    }
}

impl PhoneTask {
    /// The phone with the current configuration, its media worker and call history.
    pub fn new(shared: Arc<Shared>, audio: AudioFiles) -> anyhow::Result<Self> {
        let (ports, user_agent) = {
            let store = shared
                .config
                .lock()
                .map_err(|_| anyhow::anyhow!("configuration lock poisoned"))?;
            let version = env!("CARGO_PKG_VERSION");
            (
                RtpPortSettings::from_config(&store),
                shared.identity.profile().user_agent(version),
            )
        };
        let (first, last) = ports.bounds();
        let config = WorkerConfig::default();
        let frame = config.tick.duration();
        let phone = Phone::new(
            PhoneSettings {
                rtp_port_base: first,
                rtp_port_count: last.saturating_sub(first).saturating_add(1),
                user_agent: Some(user_agent),
                audio_rate: AUDIO_RATE,
                frame,
            },
            rand::random(),
        );
        let (worker, media_events) = MediaWorker::spawn(config)?;
        let media = CallsMedia::new(worker, RtpPortAllocator::new(ports), audio, AUDIO_RATE);
        let history = match CallHistory::open(&crate::history::database_path(shared.dir.root())) {
            Ok(history) => Some(history),
            Err(e) => {
                tracing::error!(error = %e, "call history unavailable; calls are not logged");
                None
            }
        };
        let mut task = Self {
            shared,
            phone,
            media,
            media_events,
            history,
        };
        task.reload();
        Ok(task)
    }

    /// Runs until `stop` fires (or every input is gone); hangs up the calls on the way out.
    pub async fn run(
        mut self,
        mut inputs: UnboundedReceiver<PhoneInput>,
        mut commands: Receiver<Command>,
        mut stop: oneshot::Receiver<()>,
    ) {
        loop {
            self.drain();
            let wake = self
                .phone
                .poll_timeout()
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                _ = &mut stop => break,
                input = inputs.recv() => match input {
                    Some(input) => self.input(input),
                    None => break,
                },
                Some(command) = commands.recv() => self.command(command),
                Some(event) = self.media_events.recv() => self.media_event(event),
                () = tokio::time::sleep_until(tokio::time::Instant::from_std(wake)) => {
                    self.phone.handle_timeout(Instant::now());
                }
            }
        }
        let now = Instant::now();
        for call in self.phone.calls(now) {
            let _ = self.phone.hang_up(now, call.handle);
        }
        self.drain();
        // Give the account tasks a moment to send the BYEs before they stop.
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.media.shutdown();
    }

    /// Reads every account's call settings again.
    fn reload(&mut self) {
        let Ok(store) = self.shared.config.lock() else {
            return;
        };
        let accounts = store.accounts().min(MAX_ACCOUNTS);
        for account in 1..=accounts {
            let get = |name: &str| store.get_by_name(name).ok().map(str::to_owned);
            self.phone.set_transfer_settings(
                account,
                handset_phone::phone::TransferSettings::read(account, &get),
            );
            match account_settings::read(account, &get) {
                Ok(settings) => self.phone.set_account(settings),
                Err(e) => {
                    tracing::warn!(account, error = %e, "account settings unusable for calls");
                    self.phone.remove_account(account);
                }
            }
        }
    }

    fn input(&mut self, input: PhoneInput) {
        let now = Instant::now();
        self.phone.set_time_of_day(time_of_day());
        match input {
            PhoneInput::Request {
                account,
                id,
                request,
                from,
            } => self.phone.handle_request(now, account, id, &request, from),
            PhoneInput::Response {
                account,
                key,
                response,
            } => self.phone.handle_response(now, account, &key, &response),
            PhoneInput::Failed { account, key } => {
                self.phone.handle_request_failed(now, account, &key);
            }
            PhoneInput::Local { account, local } => {
                self.reload();
                self.phone.set_local_address(account, local);
            }
            PhoneInput::Reload => self.reload(),
        }
    }

    fn media_event(&mut self, event: WorkerEvent<MediaEvent>) {
        let now = Instant::now();
        match event {
            WorkerEvent::Media { call, event } => {
                let Some(handle) = self.media.phone_call(call) else {
                    return;
                };
                match event {
                    MediaEvent::RtpTimeout => {
                        tracing::info!(call = handle, "no RTP any more: hanging up");
                        let _ = self.phone.hang_up(now, handle);
                    }
                    MediaEvent::Digit { key, duration } => {
                        tracing::info!(call = handle, %key, ?duration, "DTMF received");
                    }
                    other => tracing::debug!(call = handle, event = ?other, "media"),
                }
            }
            other => tracing::debug!(event = ?other, "media worker"),
        }
    }

    /// Carries out everything the phone put out.
    fn drain(&mut self) {
        while let Some(output) = self.phone.poll_output() {
            match output {
                PhoneOutput::Sip { account, command } => {
                    let Err(unsent) = self.shared.phone_link.command(account, command) else {
                        continue;
                    };
                    tracing::warn!(account, "account not running: request dropped");
                    if let SipCommand::Send { request, .. } = *unsent {
                        if let Ok(key) = TransactionKey::of_sent_request(&request) {
                            self.phone
                                .handle_request_failed(Instant::now(), account, &key);
                        }
                    }
                }
                PhoneOutput::Media { call, command } => {
                    if let Err(e) = self.media.apply(call, command) {
                        tracing::warn!(call, error = %e, "call media");
                    }
                }
                PhoneOutput::Event(event) => {
                    tracing::info!(event = event.name(), "phone event");
                }
                PhoneOutput::Ended {
                    call,
                    outcome,
                    started,
                } => self.log_call(call, outcome, started),
            }
        }
    }

    /// Writes an ended call into the history, by its account's policy.
    fn log_call(&mut self, call: u32, mut outcome: CallOutcome, started: Instant) {
        let ago = Instant::now().saturating_duration_since(started);
        outcome.started_at = SystemTime::now()
            .checked_sub(ago)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        tracing::info!(call, ending = ?outcome.ending, "call ended");
        let policy = self
            .shared
            .config
            .lock()
            .ok()
            .and_then(|store| {
                store
                    .get_by_name(&format!("account.{}.call.callLog", outcome.account))
                    .ok()
                    .and_then(|text| CallLogPolicy::parse(text).ok())
            })
            .unwrap_or_default();
        let (Some(history), Some(entry)) = (self.history.as_mut(), record_for(policy, &outcome))
        else {
            return;
        };
        if let Err(e) = history.add(&entry) {
            tracing::warn!(call, error = %e, "cannot log the call");
        }
    }

    fn command(&mut self, command: Command) {
        let now = Instant::now();
        match command {
            Command::Dial {
                account,
                target,
                reply,
            } => {
                let result = self.phone.dial(now, account, &target);
                let _ = reply.send(self.placed(now, result));
            }
            Command::Answer(call, reply) => {
                let _ = reply.send(self.act(now, call, true, |phone, now, h| phone.answer(now, h)));
            }
            Command::Reject(call, reply) => {
                let _ = reply.send(self.act(now, call, true, |phone, now, h| phone.reject(now, h)));
            }
            Command::Hangup(call, reply) => {
                let _ =
                    reply.send(self.act(now, call, false, |phone, now, h| phone.hang_up(now, h)));
            }
            Command::Hold(call, reply) => {
                let _ = reply.send(self.act(now, call, false, |phone, now, h| phone.hold(now, h)));
            }
            Command::Resume(call, reply) => {
                let _ =
                    reply.send(self.act(now, call, false, |phone, now, h| phone.resume(now, h)));
            }
            Command::Mute(call, on, reply) => {
                let _ = reply.send(self.act(now, call, false, |phone, _, h| phone.mute(h, on)));
            }
            Command::Dtmf(call, digits, reply) => {
                let _ = reply.send(self.act(now, call, false, |phone, now, h| {
                    phone.send_dtmf(now, h, &digits)
                }));
            }
            Command::Dnd { account, on, reply } => {
                let _ = reply.send(self.dnd(account, on));
            }
            Command::Transfer {
                call,
                target,
                attended,
                reply,
            } => {
                let result = self
                    .phone
                    .transfer(now, call, target.as_deref(), attended)
                    .map_err(command_error)
                    .and_then(|handle| self.summary(now, handle, None));
                let _ = reply.send(result);
            }
            Command::Redial(account, reply) => {
                let result = self.phone.redial(now, account);
                let _ = reply.send(self.placed(now, result));
            }
            Command::Voicemail(account, reply) => {
                let result = self.phone.voicemail(now, account);
                let _ = reply.send(self.placed(now, result));
            }
            Command::List(reply) => {
                let calls = self.phone.calls(now).into_iter().map(summary_of).collect();
                let _ = reply.send(calls);
            }
        }
    }

    /// The summary of a call just placed, or why it was not.
    fn placed(
        &self,
        now: Instant,
        result: Result<u32, PhoneError>,
    ) -> Result<CallSummary, CommandError> {
        result
            .map_err(command_error)
            .and_then(|handle| self.summary(now, handle, None))
    }

    /// Switches DND (when `on` is given) and reports every account's state.
    fn dnd(
        &mut self,
        account: Option<u8>,
        on: Option<bool>,
    ) -> Result<Vec<AccountDnd>, CommandError> {
        let accounts = self
            .shared
            .config
            .lock()
            .map(|store| store.accounts().min(MAX_ACCOUNTS))
            .unwrap_or(0);
        if let Some(n) = account.filter(|n| *n == 0 || *n > accounts) {
            return Err(CommandError::invalid(format!(
                "account {n} does not exist (1-{accounts})"
            )));
        }
        if let Some(on) = on {
            self.phone.set_dnd(account, on);
        }
        Ok((1..=accounts)
            .filter(|n| account.is_none_or(|a| a == *n))
            .map(|n| AccountDnd {
                account: n,
                dnd: self.phone.dnd(n),
            })
            .collect())
    }

    /// Runs an action on the selected call and answers with its summary (as it was before,
    /// marked ended, when the action ended it).
    fn act(
        &mut self,
        now: Instant,
        call: Option<u32>,
        ringing: bool,
        action: impl FnOnce(&mut Phone, Instant, u32) -> Result<(), PhoneError>,
    ) -> Result<CallSummary, CommandError> {
        let handle = self.phone.select(call, ringing).map_err(command_error)?;
        let before = self
            .phone
            .calls(now)
            .into_iter()
            .find(|c| c.handle == handle);
        action(&mut self.phone, now, handle).map_err(command_error)?;
        self.summary(now, handle, before)
    }

    fn summary(
        &self,
        now: Instant,
        handle: u32,
        before: Option<CallView>,
    ) -> Result<CallSummary, CommandError> {
        let view = self
            .phone
            .calls(now)
            .into_iter()
            .find(|c| c.handle == handle)
            .or_else(|| {
                before.map(|mut view| {
                    view.state = CallState::Ended;
                    view
                })
            })
            .ok_or_else(|| CommandError::not_found(format!("call {handle} ended")))?;
        Ok(summary_of(view))
    }
}

/// The time of day (UTC: the configured time zone is not applied yet) for time-based
/// forwarding.
fn time_of_day() -> TimeOfDay {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() % 86_400);
    let hour = u8::try_from(seconds / 3600).unwrap_or(0);
    let minute = u8::try_from(seconds % 3600 / 60).unwrap_or(0);
    TimeOfDay::new(hour, minute).unwrap_or(TimeOfDay::MIDNIGHT)
}

fn command_error(error: PhoneError) -> CommandError {
    match error {
        PhoneError::NoCall(message) => CommandError::not_found(message),
        PhoneError::State(message) => CommandError::conflict(message),
        PhoneError::BadTarget(message) | PhoneError::NoAccount(message) => {
            CommandError::invalid(message)
        }
        PhoneError::NoPort => CommandError::conflict("no free RTP port"),
    }
}

fn summary_of(view: CallView) -> CallSummary {
    CallSummary {
        id: view.handle,
        account: view.account,
        direction: match view.direction {
            Direction::Outgoing => "outgoing",
            Direction::Incoming => "incoming",
        }
        .into(),
        state: match view.state {
            CallState::Calling => "calling",
            CallState::Alerting => "alerting",
            CallState::Ringing => "ringing",
            CallState::Connecting => "connecting",
            CallState::Established => "established",
            CallState::Ended => "ended",
        }
        .into(),
        remote: view.remote,
        remote_name: view.remote_name,
        held: view.held,
        remote_held: view.remote_held,
        muted: view.muted,
        codec: view.codec,
        talk_seconds: view.talk_time.map(|t| t.as_secs()),
    }
}
