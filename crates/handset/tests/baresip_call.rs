//! Calls between `handset-media-peer` and baresip (Debian `baresip`) on 127.0.0.1: SIP and SDP
//! from our stack set up the media, plain RTP and SDES-SRTP against baresip's `srtp` module,
//! and each side must hear the other's tone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::f64::consts::PI;
use std::fs;
use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use common::phone::{free_port, tool_available, wait_for, Guard};
use handset_media::wav;

const BARESIP: &str = "/usr/bin/baresip";
/// One baresip at a time: each picks its ports just before it starts.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
const MODULES: &str = "/usr/lib/baresip/modules";

/// Hz of the tone baresip sends.
const THEIR_TONE: f64 = 440.0;
/// Hz of the tone we send.
const OUR_TONE: f64 = 1000.0;

fn tone(frequency: f64, seconds: f64) -> Vec<i16> {
    let count = (8000.0 * seconds) as usize;
    (0..count)
        .map(|n| (9000.0 * (2.0 * PI * frequency * n as f64 / 8000.0).sin()) as i16)
        .collect()
}

/// Energy of `samples` (at `rate`) at `frequency` (Goertzel), per sample.
fn power_at(samples: &[i16], rate: u32, frequency: f64) -> f64 {
    let coefficient = 2.0 * (2.0 * PI * frequency / f64::from(rate)).cos();
    let (mut previous, mut before) = (0.0, 0.0);
    for &sample in samples {
        let current = f64::from(sample) + coefficient * previous - before;
        before = previous;
        previous = current;
    }
    (previous * previous + before * before - coefficient * previous * before)
        / samples.len().max(1) as f64
}

/// Asserts that the WAV file at `path` carries `wanted` clearly above `other`.
fn assert_hears(path: &Path, wanted: f64, other: f64, who: &str) {
    let audio = wav::decode(&fs::read(path).unwrap()).unwrap();
    let wanted_power = power_at(&audio.samples, audio.sample_rate, wanted);
    let other_power = power_at(&audio.samples, audio.sample_rate, other);
    assert!(
        wanted_power > other_power * 100.0 && wanted_power > 1e3,
        "{who} did not hear a {wanted} Hz tone: {wanted_power:.0} at {wanted} Hz, \
         {other_power:.0} at {other} Hz"
    );
}

fn baresip_available(test: &str) -> bool {
    tool_available(test, BARESIP, "baresip")
        && ["g711", "aufile", "sndfile", "srtp", "alsa", "account"]
            .iter()
            .all(|module| tool_available(test, &format!("{MODULES}/{module}.so"), "baresip"))
}

/// A SIP port for baresip: it listens on UDP and TCP there and on TLS at the next port up.
fn baresip_sip_port() -> u16 {
    loop {
        let port = free_port();
        let next = port.wrapping_add(1);
        if next > 1024
            && TcpListener::bind(("127.0.0.1", next)).is_ok()
            && UdpSocket::bind(("127.0.0.1", next)).is_ok()
        {
            return port;
        }
    }
}

/// Starts baresip answering `sip:bench@127.0.0.1:<port>` with PCMU, playing `source`, and
/// recording what it decodes into `dir`; `srtp` makes it insist on SDES-SRTP.
fn start_baresip(dir: &Path, source: &Path, sip_port: u16, srtp: bool) -> Guard {
    let rtp_port = free_port() & !1;
    let config = format!(
        "sip_listen 127.0.0.1:{sip_port}\n\
         audio_player alsa,null\n\
         audio_alert alsa,null\n\
         audio_source aufile,{source}\n\
         rtp_ports {rtp_port}-{end}\n\
         module_path {MODULES}\n\
         module g711.so\n\
         module alsa.so\n\
         module aufile.so\n\
         module sndfile.so\n\
         module srtp.so\n\
         module_app account.so\n\
         snd_path {dir}\n",
        source = source.display(),
        end = rtp_port + 20,
        dir = dir.display(),
    );
    fs::write(dir.join("config"), config).unwrap();
    let encryption = if srtp { ";mediaenc=srtp-mand" } else { "" };
    fs::write(
        dir.join("accounts"),
        format!("<sip:bench@127.0.0.1>;regint=0;answermode=auto;audio_codecs=PCMU{encryption}\n"),
    )
    .unwrap();
    let log = dir.join("baresip.log");
    let child = Command::new(BARESIP)
        .arg("-f")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting baresip");
    let guard = Guard::new(child, "baresip");
    wait_for(Duration::from_secs(10), "baresip ready", &[&log], || {
        fs::read_to_string(&log).is_ok_and(|text| text.contains("baresip is ready"))
    });
    guard
}

/// Calls baresip from `handset-media-peer`; returns the peer's exit status and output.
fn call(dir: &Path, sip_port: u16, srtp: bool) -> std::process::Output {
    let ours = dir.join("ours.wav");
    fs::write(&ours, wav::encode(8000, &tone(OUR_TONE, 3.0))).unwrap();
    let rtp_port = free_port() & !1;
    let mut command = Command::new(env!("CARGO_BIN_EXE_handset-media-peer"));
    command.args([
        "--codec",
        "pcmu",
        "--rate",
        "8000",
        "--bind",
        &format!("127.0.0.1:{rtp_port}"),
        "--call",
        &format!("sip:bench@127.0.0.1:{sip_port}"),
        "--sip-peer",
        &format!("127.0.0.1:{sip_port}"),
        "--sip-port",
        &free_port().to_string(),
        "--play",
    ]);
    command
        .arg(&ours)
        .arg("--record")
        .arg(dir.join("received.wav"))
        .args(["--tail", "0.5", "--duration", "15"]);
    if srtp {
        command.arg("--srtp");
    }
    command.output().expect("running handset-media-peer")
}

fn heard_by_baresip(dir: &Path) -> std::path::PathBuf {
    let mut found = None;
    wait_for(Duration::from_secs(5), "baresip's recording", &[], || {
        found = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|entry| entry.path())
            .find(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with("dump-") && name.ends_with("-dec.wav"))
            });
        found
            .as_ref()
            .is_some_and(|path| fs::metadata(path).is_ok_and(|metadata| metadata.len() > 8000))
    });
    found.unwrap()
}

/// Starts baresip playing `seconds` of its tone (insisting on SRTP when `baresip_srtp`) and
/// calls it, offering SRTP when `offer_srtp`; returns the files' directory and the call's
/// output once baresip is gone.
fn call_baresip(
    seconds: f64,
    baresip_srtp: bool,
    offer_srtp: bool,
) -> (tempfile::TempDir, std::process::Output) {
    let _serial = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("theirs.wav");
    fs::write(&source, wav::encode(8000, &tone(THEIR_TONE, seconds))).unwrap();
    let sip_port = baresip_sip_port();
    let _baresip = start_baresip(dir.path(), &source, sip_port, baresip_srtp);
    let output = call(dir.path(), sip_port, offer_srtp);
    (dir, output)
}

fn two_way_call(test: &str, srtp: bool) {
    if !baresip_available(test) {
        return;
    }
    let (dir, output) = call_baresip(3.0, srtp, srtp);
    let log = fs::read_to_string(dir.path().join("baresip.log")).unwrap_or_default();
    assert!(
        output.status.success(),
        "the call failed: {}\nbaresip:\n{log}",
        String::from_utf8_lossy(&output.stderr)
    );
    let figures: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let received = figures["packets_received"].as_u64().unwrap();
    let rejected = figures["packets_rejected"].as_u64().unwrap();
    // Three seconds of 20 ms packets, every one authenticated and decoded (baresip may send
    // one packet of its own before the audio starts).
    assert!(received > 120 && rejected <= 1, "{figures}");
    assert_hears(
        &dir.path().join("received.wav"),
        THEIR_TONE,
        OUR_TONE,
        "handset",
    );
    assert_hears(
        &heard_by_baresip(dir.path()),
        OUR_TONE,
        THEIR_TONE,
        "baresip",
    );
}

#[test]
fn plain_rtp_both_ways_with_baresip() {
    two_way_call("plain_rtp_both_ways_with_baresip", false);
}

#[test]
fn sdes_srtp_both_ways_with_baresip() {
    two_way_call("sdes_srtp_both_ways_with_baresip", true);
}

#[test]
fn baresip_refuses_a_call_without_the_srtp_it_requires() {
    if !baresip_available("baresip_refuses_a_call_without_the_srtp_it_requires") {
        return;
    }
    let (_dir, output) = call_baresip(1.0, true, false);
    assert!(!output.status.success(), "a plain RTP offer was accepted");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("INVITE failed"), "{stderr}");
}
