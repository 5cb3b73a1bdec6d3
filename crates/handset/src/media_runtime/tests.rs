//! The worker with real loopback sockets and a stand-in for the call media: each pushed frame
//! goes to the peer as one datagram, and what arrives is played back frame by frame.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use handset_media::tone::{Cadence, ToneSpec};
use handset_media::wav;

use super::test_support::{allocator, Events, PATIENCE};
use super::*;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const RATE: u32 = 8000;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Heard {
    FirstPacket,
    Rtcp(Vec<u8>),
    TimedOut,
}

/// Sends each frame to `peer` as little-endian samples and plays back what it receives.
struct LoopbackMedia {
    peer: SocketAddr,
    rtcp_peer: SocketAddr,
    received: VecDeque<i16>,
    heard_any: bool,
    deadline: Option<Instant>,
    stall_once: Option<Duration>,
    transmits: VecDeque<MediaTransmit>,
    events: VecDeque<Heard>,
}

impl LoopbackMedia {
    fn boxed(peer: SocketAddr, rtcp_peer: SocketAddr) -> Box<dyn CallMedia<Event = Heard>> {
        Box::new(Self::new(peer, rtcp_peer))
    }

    fn new(peer: SocketAddr, rtcp_peer: SocketAddr) -> Self {
        Self {
            peer,
            rtcp_peer,
            received: VecDeque::new(),
            heard_any: false,
            deadline: Some(Instant::now()),
            stall_once: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }
}

impl CallMedia for LoopbackMedia {
    type Event = Heard;

    fn handle_packet(&mut self, _now: Instant, _from: SocketAddr, packet: &[u8]) {
        if !self.heard_any {
            self.heard_any = true;
            self.events.push_back(Heard::FirstPacket);
        }
        self.received.extend(
            packet
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]])),
        );
    }

    fn handle_rtcp(&mut self, _now: Instant, _from: SocketAddr, packet: &[u8]) {
        self.events.push_back(Heard::Rtcp(packet.to_vec()));
    }

    fn push_audio(&mut self, _now: Instant, frame: &[i16]) {
        if let Some(stall) = self.stall_once.take() {
            std::thread::sleep(stall);
        }
        self.transmits.push_back(MediaTransmit {
            to: self.peer,
            bytes: frame.iter().flat_map(|s| s.to_le_bytes()).collect(),
            rtcp: false,
        });
    }

    fn pull_audio(&mut self, _now: Instant, frame: &mut [i16]) {
        if self.received.len() < frame.len() {
            frame.fill(0);
            return;
        }
        let len = frame.len();
        for (out, sample) in frame.iter_mut().zip(self.received.drain(..len)) {
            *out = sample;
        }
    }

    fn handle_timeout(&mut self, _now: Instant) {
        self.deadline = None;
        self.events.push_back(Heard::TimedOut);
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        self.deadline
    }

    fn poll_transmit(&mut self) -> Option<MediaTransmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<Heard> {
        self.events.pop_front()
    }

    fn close(&mut self, _now: Instant) {
        // An RTCP BYE header (version 2, one source, packet type 203).
        self.transmits.push_back(MediaTransmit {
            to: self.rtcp_peer,
            bytes: vec![0x81, 203, 0, 1, 0, 0, 0, 42],
            rtcp: true,
        });
    }
}

fn spawn(config: WorkerConfig) -> (MediaWorkerHandle<Heard>, Events<Heard>) {
    let (handle, receiver) = MediaWorker::spawn(config).unwrap();
    (handle, Events::new(receiver))
}

/// Two calls whose media send to each other: specs for A and B.
fn connected_pair(ports: &RtpPortAllocator) -> (CallSpec<Heard>, CallSpec<Heard>) {
    let a = ports.allocate(LOOPBACK, false).unwrap();
    let b = ports.allocate(LOOPBACK, false).unwrap();
    let a_media = LoopbackMedia::boxed(b.rtp_addr().unwrap(), b.rtcp_addr().unwrap());
    let b_media = LoopbackMedia::boxed(a.rtp_addr().unwrap(), a.rtcp_addr().unwrap());
    (
        CallSpec::new(a_media, a, RATE),
        CallSpec::new(b_media, b, RATE),
    )
}

fn wait_for_ticks(handle: &MediaWorkerHandle<Heard>, count: u64) {
    let target = handle.metrics().ticks + count;
    let give_up = Instant::now() + PATIENCE;
    while handle.metrics().ticks < target {
        assert!(Instant::now() < give_up, "the worker stopped ticking");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_wav_file_played_on_one_call_is_recorded_sample_exact_on_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let prompt = dir.path().join("prompt.wav");
    let recording = dir.path().join("recording.wav");
    // 1.5 s of noise that is never zero, so the start and end can be found.
    let mut state = 0x2545_f491u32;
    let samples: Vec<i16> = (0..12_000)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((state >> 17) as i16 & 0x3fff) | 0x40
        })
        .collect();
    std::fs::write(&prompt, wav::encode(RATE, &samples)).unwrap();

    let (worker, mut events) =
        spawn(WorkerConfig::default().with_recording_flush_interval(Duration::from_millis(200)));
    let (a, b) = connected_pair(&allocator(42_000));
    let a = a.with_source(MediaSource::wav_file(&prompt, RATE, false).unwrap());
    let b = b.with_sink(MediaSink::WavFile(WavFileSink::new(&recording, RATE)));
    let a = worker.add_call(a).unwrap();
    let b = worker.add_call(b).unwrap();
    let before_end = events.until(|e| matches!(e, WorkerEvent::SourceEnded { call } if *call == a));
    assert!(before_end.iter().any(|e| matches!(
        e,
        WorkerEvent::RecordingSaved { call, complete: false, .. } if *call == b
    )));
    // The last frame is on its way or played; a few more ticks settle it.
    wait_for_ticks(&worker, 3);
    worker.remove_call(a).unwrap();
    // A's closing RTCP reaches B on B's RTCP socket.
    events.until(|e| {
        matches!(e, WorkerEvent::Media { call, event: Heard::Rtcp(bytes) }
            if *call == b && bytes[1] == 203)
    });
    worker.remove_call(b).unwrap();
    events.until(
        |e| matches!(e, WorkerEvent::RecordingSaved { call, complete: true, .. } if *call == b),
    );

    let recorded = wav::decode(&std::fs::read(&recording).unwrap()).unwrap();
    assert_eq!(recorded.sample_rate, RATE);
    let start = recorded
        .samples
        .iter()
        .position(|&s| s != 0)
        .expect("B recorded the prompt");
    let end = start + samples.len();
    assert!(
        end <= recorded.samples.len(),
        "the whole prompt was recorded"
    );
    assert_eq!(recorded.samples[start..end], samples[..]);
    assert!(recorded.samples[end..].iter().all(|&s| s == 0));
    worker.shutdown().unwrap();
}

#[test]
fn removing_a_call_sends_its_last_datagrams_and_releases_its_ports() {
    let (worker, mut events) = spawn(WorkerConfig::default());
    let peer = UdpSocket::bind((LOOPBACK, 0)).unwrap();
    peer.set_read_timeout(Some(PATIENCE)).unwrap();
    let peer_addr = peer.local_addr().unwrap();
    let sockets = allocator(43_000).allocate(LOOPBACK, false).unwrap();
    let (rtp, rtcp) = (sockets.rtp_addr().unwrap(), sockets.rtcp_addr().unwrap());
    let media = LoopbackMedia::boxed(peer_addr, peer_addr);
    let call = worker
        .add_call(CallSpec::new(media, sockets, RATE))
        .unwrap();
    events.until(|e| {
        matches!(
            e,
            WorkerEvent::Media {
                event: Heard::TimedOut,
                ..
            }
        )
    });
    worker.remove_call(call).unwrap();
    events.until(|e| matches!(e, WorkerEvent::CallEnded { call: ended } if *ended == call));

    UdpSocket::bind(rtp).expect("the RTP port is free again");
    UdpSocket::bind(rtcp).expect("the RTCP port is free again");
    let mut buffer = [0u8; 2048];
    let bye = loop {
        let (len, from) = peer.recv_from(&mut buffer).unwrap();
        if buffer[1] == 203 {
            break from;
        }
        assert_eq!(len, 320, "one 20 ms frame per datagram");
    };
    assert_eq!(bye, rtcp, "RTCP leaves from the RTCP port");
    assert!(matches!(
        worker.remove_call(call),
        Err(WorkerError::UnknownCall(id)) if id == call
    ));
    worker.shutdown().unwrap();
}

#[test]
fn fifty_calls_run_in_one_worker_and_shutdown_ends_them_all() {
    let (worker, mut events) = spawn(WorkerConfig::default());
    let ports = allocator(44_000);
    let tone = ToneSpec::new(&[425.0], -10.0, Cadence::Continuous);
    let mut calls = HashSet::new();
    for _ in 0..25 {
        let (a, b) = connected_pair(&ports);
        calls.insert(
            worker
                .add_call(a.with_source(MediaSource::tone(&tone, RATE, -10.0)))
                .unwrap(),
        );
        calls.insert(worker.add_call(b).unwrap());
    }
    let mut heard: HashMap<CallId, HashSet<&str>> = HashMap::new();
    let complete = |heard: &HashMap<CallId, HashSet<&str>>| {
        heard.len() == 50 && heard.values().all(|h| h.len() == 2)
    };
    while !complete(&heard) {
        match events.next().expect("the worker is running") {
            WorkerEvent::Media { call, event } => {
                let what = match event {
                    Heard::FirstPacket => "packet",
                    Heard::TimedOut => "timer",
                    Heard::Rtcp(_) => "rtcp",
                };
                heard.entry(call).or_default().insert(what);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let metrics = worker.metrics();
    assert_eq!(metrics.calls, 50);
    assert!(metrics.ticks > 0);
    assert!(metrics.max_tick_time >= metrics.mean_tick_time);
    assert_eq!(metrics.socket_errors, 0);

    worker.shutdown().unwrap();
    let mut ended = HashSet::new();
    while let Some(event) = events.next() {
        if let WorkerEvent::CallEnded { call } = event {
            ended.insert(call);
        }
    }
    assert_eq!(ended, calls);
}

#[test]
fn a_socket_error_on_one_call_leaves_the_others_running() {
    let (worker, mut events) = spawn(WorkerConfig::default());
    let ports = allocator(45_000);
    // An IPv4 socket cannot send to an IPv6 address: every send fails.
    let nowhere = SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 9);
    let broken = worker
        .add_call(CallSpec::new(
            LoopbackMedia::boxed(nowhere, nowhere),
            ports.allocate(LOOPBACK, true).unwrap(),
            RATE,
        ))
        .unwrap();
    let (a, b) = connected_pair(&ports);
    let a = worker.add_call(a).unwrap();
    let b = worker.add_call(b).unwrap();
    let mut healthy_heard = HashSet::new();
    let mut broken_errors = 0;
    while healthy_heard.len() < 2 || broken_errors == 0 {
        match events.next().expect("the worker is running") {
            WorkerEvent::Media {
                call,
                event: Heard::FirstPacket,
            } => {
                assert_ne!(call, broken);
                healthy_heard.insert(call);
            }
            WorkerEvent::SocketError { call, rtcp, .. } => {
                assert_eq!((call, rtcp), (broken, false));
                broken_errors += 1;
            }
            _ => {}
        }
    }
    assert_eq!(healthy_heard, HashSet::from([a, b]));
    wait_for_ticks(&worker, 3);
    assert!(worker.metrics().socket_errors >= 3);
    worker.shutdown().unwrap();
    while let Some(event) = events.next() {
        assert!(
            !matches!(event, WorkerEvent::SocketError { .. }),
            "a repeating error is reported once"
        );
    }
}

#[test]
fn a_slow_tick_makes_the_worker_skip_ahead_instead_of_bursting() {
    let (worker, mut events) = spawn(WorkerConfig::default().with_max_ticks_behind(2));
    let peer = UdpSocket::bind((LOOPBACK, 0)).unwrap();
    let mut media = LoopbackMedia::new(peer.local_addr().unwrap(), peer.local_addr().unwrap());
    // Ten ticks' worth of work in one tick.
    media.stall_once = Some(Duration::from_millis(200));
    let sockets = allocator(46_000).allocate(LOOPBACK, true).unwrap();
    worker
        .add_call(CallSpec::new(Box::new(media), sockets, RATE))
        .unwrap();
    events.until(|e| {
        matches!(
            e,
            WorkerEvent::Media {
                event: Heard::TimedOut,
                ..
            }
        )
    });
    wait_for_ticks(&worker, 2);
    let metrics = worker.metrics();
    assert!(metrics.skipped_ticks >= 7, "{metrics:?}");
    assert!(metrics.max_tick_time >= Duration::from_millis(200));
    worker.shutdown().unwrap();
}

#[test]
fn calls_sources_and_sinks_are_checked_before_they_reach_the_worker() {
    let (worker, _events) = spawn(WorkerConfig::default().with_max_calls(1));
    let ports = allocator(46_500);
    let (a, b) = connected_pair(&ports);
    let wrong_source = a.with_source(MediaSource::silence(16_000));
    assert!(matches!(
        worker.add_call(wrong_source),
        Err(WorkerError::RateMismatch {
            call_rate: 8000,
            audio_rate: 16_000
        })
    ));
    let (c, _) = connected_pair(&ports);
    let mut odd = c;
    odd.sample_rate = 8010;
    odd.source = MediaSource::silence(8010);
    assert!(matches!(
        worker.add_call(odd),
        Err(WorkerError::UnsupportedRate(8010))
    ));
    let call = worker.add_call(b).unwrap();
    let (d, _) = connected_pair(&ports);
    assert!(matches!(
        worker.add_call(d),
        Err(WorkerError::TooManyCalls { max: 1 })
    ));
    assert!(matches!(
        worker.set_sink(call, MediaSink::WavFile(WavFileSink::new("x.wav", 48_000))),
        Err(WorkerError::RateMismatch { .. })
    ));
    assert!(worker.set_source(call, MediaSource::silence(RATE)).is_ok());
    worker.remove_call(call).unwrap();
    assert!(matches!(
        worker.set_source(call, MediaSource::silence(RATE)),
        Err(WorkerError::UnknownCall(_))
    ));
    worker.shutdown().unwrap();
}
