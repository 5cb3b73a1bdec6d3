//! `handset-media-peer`: one side of a media-only call, set up from command-line flags instead
//! of SIP, for the voice-quality benchmark (`tools/quality_bench.py`).
//!
//! It runs one `MediaSession` in a `MediaWorker`, plays a WAV file and/or records what it
//! receives, and prints the call's final figures as one JSON line on stdout. With
//! `--encode-decode IN OUT` it instead runs the codec's encoder and decoder over a file with
//! no network in between, which gives the codec's own quality as a reference. With
//! `--simulate-loss PERCENT` it runs both sides in one process in simulated time over a link
//! that drops packets at random: repeatable from `--seed`, and much faster than real time.

mod simulate;
mod sip_call;

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Parser, ValueEnum};
use handset::media_runtime::{
    CallMedia, CallSpec, MediaSink, MediaSockets, MediaSource, MediaTransmit, MediaWorker,
    WavFileSink, WorkerConfig, WorkerEvent,
};
use handset_codec::opus::OpusSettings;
use handset_codec::{CodecConfig, CodecId};
use handset_media::jitter::{JitterConfig, JitterMode};
use handset_media::resample::resample_all;
use handset_media::session::{
    encoder_loss_hint, MediaEvent, MediaSession, ReceiveConfig, RedSend, RtpFilter, SendConfig,
    SessionConfig, SessionStats,
};
use handset_media::wav;
use handset_phone::media_setup::{self, MediaSettings};
use handset_sdp::{Codec, MediaConfig, Negotiator, SrtpMode};
use rand::Rng;

/// The RED payload type both peers agree on.
const RED_PAYLOAD_TYPE: u8 = 124;
/// The audio tick of the worker and the session.
const FRAME: Duration = Duration::from_millis(20);
/// How long to wait for the worker to hand back a finished call and its recording.
const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(10);
/// How often the stop conditions are looked at while the call runs.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// One side of a media-only call (or a codec's encode/decode pass over a file).
#[derive(Debug, Parser)]
#[command(name = "handset-media-peer", version)]
struct Args {
    /// Local RTP address; RTCP uses the next port.
    #[arg(long, required_unless_present_any = ["encode_decode", "simulate_loss"])]
    bind: Option<SocketAddr>,
    /// The peer's RTP address; its RTCP is on the next port.
    #[arg(long, required_unless_present_any = ["encode_decode", "simulate_loss", "call"])]
    remote: Option<SocketAddr>,
    /// Set the call up by SIP instead: call this URI (`sip:user@host:port`) over UDP, with
    /// the media from the SDP exchange.
    #[arg(long, value_name = "URI", requires_all = ["bind", "sip_peer"])]
    call: Option<String>,
    /// Where the SIP INVITE goes (the callee's address and port).
    #[arg(long, value_name = "ADDRESS")]
    sip_peer: Option<SocketAddr>,
    /// The local SIP port of a call (on the `--bind` address).
    #[arg(long, default_value_t = 5060)]
    sip_port: u16,
    /// In a SIP call, require SRTP (RTP/SAVP with SDES keys).
    #[arg(long)]
    srtp: bool,
    /// The codec sent and expected.
    #[arg(long, value_enum, default_value = "pcmu")]
    codec: CodecArg,
    /// The rate of the audio played and recorded, in Hz (8000, 16000 or 48000).
    #[arg(long, default_value_t = 8000)]
    rate: u32,
    /// Audio per packet in milliseconds.
    #[arg(long, default_value_t = 20)]
    ptime: u64,
    /// RFC 2198 redundancy depth (1-3), with the codec as primary and payload type 124.
    #[arg(long, value_name = "DEPTH")]
    red: Option<u8>,
    /// Opus in-band FEC.
    #[arg(long)]
    opus_fec: bool,
    /// The Opus bit rate in bit/s; the codec's default when absent.
    #[arg(long)]
    bitrate: Option<u32>,
    /// The packet loss Opus sizes its FEC for, in percent.
    #[arg(long, default_value_t = 10)]
    expected_loss: u8,
    /// A fixed jitter buffer delay in milliseconds; the adaptive default when absent.
    #[arg(long)]
    jitter_ms: Option<u64>,
    /// A WAV file to send; the call stops after it and the tail.
    #[arg(long, value_name = "FILE.wav")]
    play: Option<PathBuf>,
    /// How long to go on after the played file ended or the peer said goodbye, in seconds.
    #[arg(long, default_value_t = 0.5)]
    tail: f64,
    /// Where to record the received audio (WAV at `--rate`).
    #[arg(long, value_name = "FILE.wav")]
    record: Option<PathBuf>,
    /// The longest the call runs, in seconds.
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f64>,
    /// Encode then decode IN with the codec, write OUT, and exit (no network).
    #[arg(long, num_args = 2, value_names = ["IN.wav", "OUT.wav"])]
    encode_decode: Option<Vec<PathBuf>>,
    /// Run both sides in simulated time, dropping this percentage of RTP packets at random;
    /// sends `--play` and records to `--record`.
    #[arg(long, value_name = "PERCENT", requires_all = ["play", "record"])]
    simulate_loss: Option<f64>,
    /// In a simulation, the largest extra delay of a packet, in milliseconds.
    #[arg(long, default_value_t = 0)]
    simulate_jitter_ms: u64,
    /// In a simulation, the seed of the random loss and delay.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// The codecs offered on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum CodecArg {
    Pcmu,
    Pcma,
    G722,
    G726,
    Opus,
}

impl Args {
    /// The codec with its settings.
    fn codec(&self) -> CodecConfig {
        let id = match self.codec {
            CodecArg::Pcmu => CodecId::Pcmu,
            CodecArg::Pcma => CodecId::Pcma,
            CodecArg::G722 => CodecId::G722,
            CodecArg::G726 => CodecId::G726_32,
            CodecArg::Opus => CodecId::Opus,
        };
        let codec = CodecConfig::new(id);
        if id != CodecId::Opus {
            return codec;
        }
        codec.with_opus(OpusSettings {
            inband_fec: self.opus_fec,
            expected_loss_percent: if self.opus_fec { self.expected_loss } else { 0 },
            bitrate: self.bitrate.unwrap_or(OpusSettings::default().bitrate),
            max_bitrate: self
                .bitrate
                .unwrap_or(0)
                .max(OpusSettings::default().max_bitrate),
            // Both peers play at --rate, and say so in their (imagined) SDP.
            max_playback_rate: self.rate,
        })
    }

    /// The codec as SDP names it.
    fn sdp_codec(&self) -> Codec {
        match self.codec {
            CodecArg::Pcmu => Codec::Pcmu,
            CodecArg::Pcma => Codec::Pcma,
            CodecArg::G722 => Codec::G722,
            CodecArg::G726 => Codec::G726_32,
            CodecArg::Opus => Codec::Opus,
        }
    }

    /// The codec's static payload type, or a dynamic one.
    fn payload_type(&self) -> u8 {
        let codec = self.codec();
        codec.info().payload_type.unwrap_or(match codec.id {
            CodecId::Opus => 111,
            _ => 112,
        })
    }

    fn ptime(&self) -> Duration {
        Duration::from_millis(self.ptime)
    }

    fn jitter(&self) -> JitterConfig {
        let jitter = JitterConfig::new(self.codec().info().clock_rate).frame_duration(self.ptime());
        match self.jitter_ms {
            Some(ms) => jitter
                .mode(JitterMode::Fixed)
                .length(Duration::from_millis(ms)),
            None => jitter,
        }
    }

    /// The session both peers build alike from the same flags.
    fn session_config(&self, remote: SocketAddr) -> SessionConfig {
        let codec = self.codec();
        let payload_type = self.payload_type();
        SessionConfig {
            audio_rate: self.rate,
            frame: FRAME,
            send: Some(SendConfig {
                codec,
                payload_type,
                ptime: self.ptime(),
                red: self.red.map(|depth| RedSend {
                    payload_type: RED_PAYLOAD_TYPE,
                    depth,
                }),
                telephone_event: None,
            }),
            receive: ReceiveConfig {
                codecs: vec![(payload_type, codec)],
                red_payload_type: self.red.map(|_| RED_PAYLOAD_TYPE),
                telephone_event_payload_type: None,
                jitter: self.jitter(),
            },
            remote_rtp: Some(remote),
            remote_rtcp: Some(next_port(remote)),
            rtcp_mux: false,
            symmetric_rtp: false,
            rtp_filter: RtpFilter::None,
            rtp_timeout: None,
            srtp: None,
            cname: format!("media-peer@{}", remote.ip()),
        }
    }
}

fn next_port(address: SocketAddr) -> SocketAddr {
    SocketAddr::new(address.ip(), address.port().wrapping_add(1))
}

fn seconds(value: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value).with_context(|| format!("bad number of seconds {value}"))
}

/// A session that leaves its final figures, and whether the peer said goodbye, where the
/// main thread can read them once the worker has closed the call.
struct ObservedSession {
    session: MediaSession,
    final_stats: Arc<Mutex<Option<SessionStats>>>,
    remote_bye: Arc<AtomicBool>,
}

impl CallMedia for ObservedSession {
    type Event = MediaEvent;

    fn handle_packet(&mut self, now: Instant, from: SocketAddr, packet: &[u8]) {
        self.session.handle_packet(now, from, packet);
    }

    fn handle_rtcp(&mut self, now: Instant, from: SocketAddr, packet: &[u8]) {
        self.session.handle_rtcp(now, from, packet);
        if self.session.stats().remote_bye {
            self.remote_bye.store(true, Ordering::Relaxed);
        }
    }

    fn push_audio(&mut self, now: Instant, frame: &[i16]) {
        self.session.push_audio(now, frame);
    }

    fn pull_audio(&mut self, now: Instant, frame: &mut [i16]) {
        self.session.pull_audio(now, frame);
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.session.handle_timeout(now);
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        self.session.poll_timeout()
    }

    fn poll_transmit(&mut self) -> Option<MediaTransmit> {
        self.session.poll_transmit().map(|t| MediaTransmit {
            to: t.to,
            bytes: t.bytes,
            rtcp: t.rtcp,
        })
    }

    fn poll_event(&mut self) -> Option<MediaEvent> {
        self.session.poll_event()
    }

    fn close(&mut self, now: Instant) {
        self.session.close(now);
        if let Ok(mut stats) = self.final_stats.lock() {
            *stats = Some(self.session.stats());
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(files) = &args.encode_decode {
        let [input, output] = files.as_slice() else {
            bail!("--encode-decode takes an input and an output file");
        };
        let mut codec = args.codec();
        if args.red.is_some() {
            // The encoder as a RED call runs it: told only the loss redundancy leaves.
            codec.opus.expected_loss_percent =
                encoder_loss_hint(0, codec.opus.expected_loss_percent, args.red);
        }
        return encode_decode(&codec, args.ptime(), input, output);
    }
    if let Some(loss) = args.simulate_loss {
        let stats = simulate_call(&args, loss)?;
        println!("{}", stats_json(&stats));
        return Ok(());
    }
    if let Some(target) = &args.call {
        let stats = sip_call(&args, target)?;
        println!("{}", stats_json(&stats));
        return Ok(());
    }
    let (Some(bind), Some(remote)) = (args.bind, args.remote) else {
        bail!("--bind and --remote are required");
    };
    let stats = run_call(&args, bind, args.session_config(remote))?;
    println!("{}", stats_json(&stats));
    Ok(())
}

/// Runs the call until the played file and the tail are over, the peer's goodbye and the
/// tail are over, or `--duration` has passed; returns the final figures.
fn run_call(args: &Args, bind: SocketAddr, config: SessionConfig) -> anyhow::Result<SessionStats> {
    let rtp = UdpSocket::bind(bind).with_context(|| format!("binding RTP to {bind}"))?;
    let rtcp = if config.rtcp_mux {
        None
    } else {
        Some(UdpSocket::bind(next_port(bind)).context("binding RTCP")?)
    };
    let sockets = MediaSockets::new(rtp, rtcp).context("setting up the sockets")?;
    let seed = u64::from(bind.port());
    let session =
        MediaSession::new(config, seed, Instant::now()).context("setting up the media session")?;
    let final_stats = Arc::new(Mutex::new(None));
    let remote_bye = Arc::new(AtomicBool::new(false));
    let media = ObservedSession {
        session,
        final_stats: Arc::clone(&final_stats),
        remote_bye: Arc::clone(&remote_bye),
    };

    let mut spec = CallSpec::new(Box::new(media), sockets, args.rate);
    if let Some(play) = &args.play {
        spec = spec.with_source(MediaSource::wav_file(play, args.rate, false)?);
    }
    if let Some(record) = &args.record {
        spec = spec.with_sink(MediaSink::WavFile(WavFileSink::new(record, args.rate)));
    }
    let (worker, mut events) = MediaWorker::<MediaEvent>::spawn(WorkerConfig::default())?;
    let call = worker.add_call(spec)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    let mut next_event = |patience: Duration| {
        runtime.block_on(async { tokio::time::timeout(patience, events.recv()).await })
    };

    let tail = seconds(args.tail)?;
    let mut stop_at = match args.duration {
        Some(duration) => Some(Instant::now() + seconds(duration)?),
        None => None,
    };
    let mut tail_started = false;
    loop {
        let now = Instant::now();
        if stop_at.is_some_and(|at| now >= at) {
            break;
        }
        if !tail_started && remote_bye.load(Ordering::Relaxed) {
            tail_started = true;
            stop_at = Some(stop_at.map_or(now + tail, |at| at.min(now + tail)));
        }
        match next_event(POLL_INTERVAL) {
            Ok(Some(WorkerEvent::SourceEnded { call: ended }))
                if ended == call && !tail_started =>
            {
                tail_started = true;
                let end = Instant::now() + tail;
                stop_at = Some(stop_at.map_or(end, |at| at.min(end)));
            }
            Ok(Some(WorkerEvent::SocketError { error, rtcp, .. })) => {
                eprintln!(
                    "socket error ({}): {error}",
                    if rtcp { "RTCP" } else { "RTP" }
                );
            }
            Ok(Some(_)) | Err(_) => {}
            Ok(None) => bail!("the media worker stopped"),
        }
    }

    worker.remove_call(call)?;
    let mut ended = false;
    let mut saved = args.record.is_none();
    let deadline = Instant::now() + SHUTDOWN_PATIENCE;
    while !(ended && saved) {
        let patience = deadline.saturating_duration_since(Instant::now());
        match next_event(patience) {
            Ok(Some(WorkerEvent::CallEnded { .. })) => ended = true,
            Ok(Some(WorkerEvent::RecordingSaved { complete: true, .. })) => saved = true,
            Ok(Some(WorkerEvent::RecordingFailed { path, error, .. })) => {
                bail!("recording {} failed: {error}", path.display())
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => bail!("the media worker did not finish the call in time"),
        }
    }
    worker.shutdown()?;
    let stats = final_stats
        .lock()
        .ok()
        .and_then(|mut stats| stats.take())
        .context("the call closed without figures")?;
    Ok(stats)
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The figures the benchmark reads, as one JSON object.
fn stats_json(stats: &SessionStats) -> serde_json::Value {
    let buffer = &stats.jitter_buffer;
    serde_json::json!({
        "packets_sent": stats.packets_sent,
        "packets_received": stats.packets_received,
        "packets_rejected": stats.packets_rejected,
        "loss_percent": stats.loss_percent,
        "jitter_ms": millis(stats.jitter),
        "mos": stats.mos,
        "send_codec": stats.send_codec,
        "receive_codec": stats.receive_codec,
        "jitter_buffer": {
            "nominal_delay_ms": millis(buffer.nominal_delay),
            "current_delay_ms": millis(buffer.current_delay),
            "maximum_delay_ms": millis(buffer.maximum_delay),
            "received": buffer.received,
            "late": buffer.late,
            "discarded": buffer.discarded,
            "concealed": buffer.concealed,
            "fec": buffer.fec,
            "recovered": buffer.recovered,
            "expanded": buffer.expanded,
            "accelerated": buffer.accelerated,
        },
    })
}

/// Calls `target` by SIP, runs the media the SDP exchange agreed, and hangs up; returns the
/// final figures.
fn sip_call(args: &Args, target: &str) -> anyhow::Result<SessionStats> {
    let (Some(bind), Some(peer)) = (args.bind, args.sip_peer) else {
        bail!("--call needs --bind and --sip-peer");
    };
    let mut media = MediaConfig::new(bind.ip(), bind.port());
    media.codecs = vec![args.sdp_codec()];
    media.frames_per_packet = u32::try_from(args.ptime / 10).unwrap_or(2).max(1);
    media.red_with_fec = args.red.is_some();
    media.telephone_event = false;
    if args.srtp {
        media.srtp_mode = SrtpMode::EnabledAndForced;
    }
    let mut negotiator = Negotiator::new(media, rand::random());
    let mut keys = |bytes: &mut [u8]| rand::thread_rng().fill(bytes);
    let offer = negotiator
        .create_offer(&mut keys)
        .context("writing the offer")?;
    let local = SocketAddr::new(bind.ip(), args.sip_port);
    let (call, answer) = sip_call::SipCall::invite(local, peer, target, &offer)?;
    let negotiated = negotiator
        .accept_answer(&answer)
        .context("the peer's answer")?;
    let settings = MediaSettings {
        audio_rate: args.rate,
        frame: FRAME,
        jitter: args.jitter(),
        red_depth: args.red.unwrap_or(2),
        symmetric_rtp: false,
        rtp_filter: RtpFilter::None,
        rtp_timeout: None,
        rtp_keepalive: None,
        cname: format!("media-peer@{}", bind.ip()),
    };
    let mut config = media_setup::session_config(&negotiated, &settings)?;
    if let Some(send) = &mut config.send {
        // The benchmark's own Opus settings (bit rate, FEC) on top of the peer's wishes.
        if send.codec.id == CodecId::Opus {
            let wishes = send.codec.opus;
            let mut ours = args.codec().opus;
            ours.bitrate = ours.bitrate.min(wishes.bitrate);
            ours.max_bitrate = ours.max_bitrate.min(wishes.max_bitrate);
            ours.inband_fec |= wishes.inband_fec;
            send.codec = send.codec.with_opus(ours);
        }
    }
    let outcome = run_call(args, bind, config);
    let hung_up = call.hang_up();
    let stats = outcome?;
    if let Err(error) = hung_up {
        eprintln!("hanging up: {error:#}");
    }
    Ok(stats)
}

/// Sends `--play` to `--record` in simulated time over a link losing `loss_percent` % of
/// the RTP packets; returns the receiver's final figures.
fn simulate_call(args: &Args, loss_percent: f64) -> anyhow::Result<SessionStats> {
    let (Some(play), Some(record)) = (&args.play, &args.record) else {
        bail!("a simulation needs --play and --record");
    };
    if !(0.0..=100.0).contains(&loss_percent) {
        bail!("--simulate-loss must be between 0 and 100, not {loss_percent}");
    }
    let bytes = std::fs::read(play).with_context(|| format!("reading {}", play.display()))?;
    let audio = wav::decode(&bytes).with_context(|| format!("decoding {}", play.display()))?;
    let samples = resample_all(&audio.samples, audio.sample_rate, args.rate)?;
    let link = simulate::Link {
        loss: loss_percent / 100.0,
        jitter: Duration::from_millis(args.simulate_jitter_ms),
        seed: args.seed,
    };
    let outcome = simulate::run(
        args.session_config(simulate::RECEIVER),
        args.session_config(simulate::SENDER),
        args.rate,
        FRAME,
        &samples,
        seconds(args.tail)?,
        link,
    )?;
    std::fs::write(record, wav::encode(args.rate, &outcome.received))
        .with_context(|| format!("writing {}", record.display()))?;
    Ok(outcome.stats)
}

/// Writes `output`: `input` through the codec's encoder and decoder, at the input's rate.
fn encode_decode(
    codec: &CodecConfig,
    ptime: Duration,
    input: &Path,
    output: &Path,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(input).with_context(|| format!("reading {}", input.display()))?;
    let audio = wav::decode(&bytes).with_context(|| format!("decoding {}", input.display()))?;
    let decoded = codec_round_trip(codec, ptime, audio.sample_rate, &audio.samples)?;
    std::fs::write(output, wav::encode(audio.sample_rate, &decoded))
        .with_context(|| format!("writing {}", output.display()))?;
    Ok(())
}

/// `samples` at `rate` Hz encoded and decoded frame by frame, back at `rate` Hz and as long
/// as the input (the last frame is padded with silence).
fn codec_round_trip(
    codec: &CodecConfig,
    ptime: Duration,
    rate: u32,
    samples: &[i16],
) -> anyhow::Result<Vec<i16>> {
    let info = codec.info();
    let frame = info.samples_in(ptime);
    if !info.accepts_frame(frame) {
        bail!(
            "{} does not take {} ms frames",
            info.encoding_name,
            ptime.as_millis()
        );
    }
    let mut encoder = codec.encoder()?;
    let mut decoder = codec.decoder()?;
    let converted = resample_all(samples, rate, info.sample_rate)?;
    let mut payload = vec![0u8; 4000];
    let mut pcm = vec![0i16; frame * 6];
    let mut decoded = Vec::with_capacity(converted.len() + frame);
    for chunk in converted.chunks(frame) {
        let mut input = chunk.to_vec();
        input.resize(frame, 0);
        let length = encoder.encode(&input, &mut payload)?;
        let count = decoder.decode(&payload[..length], &mut pcm)?;
        decoded.extend_from_slice(&pcm[..count]);
    }
    decoded.truncate(converted.len());
    let mut back = resample_all(&decoded, info.sample_rate, rate)?;
    back.resize(samples.len(), 0);
    Ok(back)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, seconds: u32) -> Vec<i16> {
        (0..rate * seconds)
            .map(|n| {
                let t = f64::from(n) / f64::from(rate);
                (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16
            })
            .collect()
    }

    /// Normalised correlation at zero lag, skipping the start where codecs settle.
    fn correlation(a: &[i16], b: &[i16]) -> f64 {
        let skip = a.len() / 4;
        let (a, b) = (&a[skip..], &b[skip..]);
        let dot: f64 = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| f64::from(x) * f64::from(y))
            .sum();
        let energy = |x: &[i16]| x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>();
        dot / (energy(a) * energy(b)).sqrt()
    }

    #[test]
    fn g711_round_trip_keeps_a_tone_in_place() {
        let input = tone(8000, 1);
        let output =
            codec_round_trip(&CodecConfig::new(CodecId::Pcmu), FRAME, 8000, &input).unwrap();
        assert_eq!(output.len(), input.len());
        assert!(correlation(&input, &output) > 0.99);
    }

    #[test]
    fn opus_round_trip_resamples_back_to_the_input_rate() {
        let input = tone(16000, 1);
        let output =
            codec_round_trip(&CodecConfig::new(CodecId::Opus), FRAME, 16000, &input).unwrap();
        assert_eq!(output.len(), input.len());
        let energy: f64 = output.iter().map(|&s| f64::from(s).powi(2)).sum();
        assert!(energy > 0.0);
    }

    #[test]
    fn both_peers_agree_on_payload_types_and_red() {
        let args = Args::parse_from([
            "handset-media-peer",
            "--bind=10.0.0.1:4000",
            "--remote=10.0.0.2:4000",
            "--codec=opus",
            "--rate=16000",
            "--red=2",
            "--opus-fec",
        ]);
        let config = args.session_config("10.0.0.2:4000".parse().unwrap());
        let send = config.send.unwrap();
        assert_eq!(send.payload_type, 111);
        assert_eq!(send.red.map(|red| red.depth), Some(2));
        assert!(send.codec.opus.inband_fec);
        assert_eq!(config.receive.red_payload_type, Some(RED_PAYLOAD_TYPE));
        assert_eq!(config.receive.codecs, vec![(111, send.codec)]);
        assert_eq!(config.remote_rtcp, Some("10.0.0.2:4001".parse().unwrap()));
    }

    #[test]
    fn encode_decode_needs_no_addresses_but_a_call_does() {
        assert!(Args::try_parse_from(["p", "--encode-decode", "a.wav", "b.wav"]).is_ok());
        assert!(Args::try_parse_from(["p", "--codec", "g722"]).is_err());
    }

    fn simulated(loss: f64, red: Option<&str>) -> simulate::Outcome {
        let mut flags = vec![
            "p",
            "--codec=pcmu",
            "--simulate-loss=1",
            "--play=a",
            "--record=b",
        ];
        if let Some(depth) = red {
            flags.push(depth);
        }
        let args = Args::parse_from(flags);
        let link = simulate::Link {
            loss,
            jitter: Duration::from_millis(15),
            seed: 7,
        };
        simulate::run(
            args.session_config(simulate::RECEIVER),
            args.session_config(simulate::SENDER),
            8000,
            FRAME,
            &tone(8000, 3),
            Duration::from_millis(500),
            link,
        )
        .unwrap()
    }

    #[test]
    fn a_simulated_call_delivers_the_audio_and_loses_what_the_link_drops() {
        let clean = simulated(0.0, None);
        assert_eq!(clean.received.len(), 8000 * 3 + 4000);
        assert_eq!(clean.stats.loss_percent, 0.0);
        // The tone arrives whole, some jitter buffer delay later.
        let heard = clean.received.iter().filter(|&&s| s.abs() > 4000).count();
        // A sine is above half its peak two thirds of the time.
        assert!(heard > 8000 * 3 * 6 / 10, "{heard} loud samples");

        let lossy = simulated(0.2, None);
        assert!(
            (15.0..25.0).contains(&lossy.stats.loss_percent),
            "{}",
            lossy.stats.loss_percent
        );
        assert!(lossy.stats.jitter_buffer.concealed > 0);

        let repaired = simulated(0.2, Some("--red=2"));
        assert!(repaired.stats.jitter_buffer.recovered > 0);
        assert!(repaired.stats.jitter_buffer.concealed < lossy.stats.jitter_buffer.concealed);
    }

    #[test]
    fn a_simulation_needs_the_files_but_no_addresses() {
        assert!(Args::try_parse_from(["p", "--simulate-loss=5", "--play=a", "--record=b"]).is_ok());
        assert!(Args::try_parse_from(["p", "--simulate-loss=5", "--play=a"]).is_err());
    }
}
