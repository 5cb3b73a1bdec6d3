//! Calls between `handset-media-peer` and baresip (Debian `baresip`) on 127.0.0.1: SIP and SDP
//! from our stack set up the media, plain RTP and SDES-SRTP against baresip's `srtp` module,
//! and each side must hear the other's tone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use common::baresip::{self, assert_hears, tone};
use common::phone::free_port;
use handset_media::wav;

/// One baresip at a time: each picks its ports just before it starts.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Hz of the tone baresip sends.
const THEIR_TONE: f64 = 440.0;
/// Hz of the tone we send.
const OUR_TONE: f64 = 1000.0;

/// Starts baresip answering `sip:bench@127.0.0.1:<port>` with PCMU, playing `source`, and
/// recording what it decodes into `dir`; `srtp` makes it insist on SDES-SRTP.
fn start_baresip(dir: &Path, source: &Path, sip_port: u16, srtp: bool) -> common::phone::Guard {
    let encryption = if srtp { ";mediaenc=srtp-mand" } else { "" };
    baresip::start(
        dir,
        source,
        sip_port,
        &format!("<sip:bench@127.0.0.1>;regint=0;answermode=auto;audio_codecs=PCMU{encryption}"),
        &[],
    )
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
    let sip_port = baresip::sip_port();
    let _baresip = start_baresip(dir.path(), &source, sip_port, baresip_srtp);
    let output = call(dir.path(), sip_port, offer_srtp);
    (dir, output)
}

fn two_way_call(test: &str, srtp: bool) {
    if !baresip::available(test) {
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
        &baresip::recording(dir.path()),
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
    if !baresip::available("baresip_refuses_a_call_without_the_srtp_it_requires") {
        return;
    }
    let (_dir, output) = call_baresip(1.0, true, false);
    assert!(!output.status.success(), "a plain RTP offer was accepted");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("INVITE failed"), "{stderr}");
}
