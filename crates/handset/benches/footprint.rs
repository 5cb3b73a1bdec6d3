//! Footprint of the running phone: `handset run` with two accounts registered at Kamailio and
//! one Opus call to baresip in progress. Prints the daemon's resident memory (idle and peak)
//! and the CPU seconds per minute of call of handset and of baresip on the other end of the
//! same call, against the targets: peak RSS under 16 MB, CPU under half of baresip's.
//!
//! `cargo bench -p handset --bench footprint` (needs kamailio and baresip with its opus
//! module); `FOOTPRINT_SECONDS` sets the call's length (default 60).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::baresip::{self, write_tone};
use common::kamailio::{available, Kamailio, Transport, PASSWORD};
use common::phone::{configure, free_port, start_handset_with, wait_for};
use common::{run, stderr};

/// The peak resident memory target, in kB.
const RSS_TARGET_KB: u64 = 16 * 1024;

/// `VmRSS` or `VmHWM` of a process, in kB.
fn memory_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// User plus system CPU time of a process and its threads, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |index: usize| -> f64 {
        fields
            .get(index)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    (ticks(11) + ticks(12)) / clock_ticks_per_second()
}

fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn pid_of_baresip(dir: &Path) -> Option<u32> {
    let wanted = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            (text.contains(baresip::BARESIP) && text.contains(&wanted)).then_some(pid)
        })
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let peers = available("footprint", Transport::Udp)
        && baresip::available("footprint")
        && ["opus", "ausine"]
            .iter()
            .all(|module| baresip::has_module("footprint", module));
    if !peers {
        return;
    }
    let seconds: u64 = std::env::var("FOOTPRINT_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let kamailio = Kamailio::start(&work.join("kamailio"), Transport::Udp, free_port());
    let server = kamailio.address();

    let dir = work.join("phone");
    let log = work.join("handset.log");
    configure(
        &dir,
        &log,
        &[
            "P271",
            "1",
            "P47",
            &server,
            "P35",
            "1001",
            "P34",
            PASSWORD,
            "P57",
            "123",
            "account.2.enable",
            "1",
            "account.2.sip.server.1.address",
            &server,
            "account.2.sip.userid",
            "1003",
            "account.2.sip.subscriber.password",
            PASSWORD,
        ],
    );
    let ours = work.join("ours.wav");
    write_tone(&ours, 1000.0, 10.0);
    let mut daemon = start_handset_with(&dir, &log, &["--audio-in", ours.to_str().unwrap()]);
    let pid = daemon.pid();
    wait_for(
        Duration::from_secs(30),
        "two accounts registered",
        &[&log],
        || kamailio.accepted_registers("1001") > 0 && kamailio.accepted_registers("1003") > 0,
    );
    std::thread::sleep(Duration::from_secs(2));
    let idle_rss = memory_kb(pid, "VmRSS:");

    let peer = work.join("baresip");
    std::fs::create_dir_all(&peer).unwrap();
    let account = format!(
        "<sip:1002@{server}>;auth_pass={PASSWORD};answermode=auto;audio_codecs=opus;regint=600"
    );
    // baresip's own sine source plays at the codec's rate and channels (Opus: 48 kHz stereo).
    let _baresip = baresip::start_with_modules(
        &peer,
        "ausine,440",
        baresip::sip_port(),
        &account,
        &[],
        &["opus", "ausine"],
    );
    wait_for(
        Duration::from_secs(20),
        "baresip registered",
        &[&log],
        || kamailio.accepted_registers("1002") > 0,
    );
    let baresip_pid = pid_of_baresip(&peer).expect("baresip's process");

    let dial = run(&dir, &["dial", "1002"]);
    assert!(dial.status.success(), "{}", stderr(&dial));
    let peer_log = peer.join("baresip.log");
    let kamailio_log = kamailio.log_path();
    let logs = [log.as_path(), peer_log.as_path(), kamailio_log.as_path()];
    wait_for(
        Duration::from_secs(15),
        "the call established",
        &logs,
        || String::from_utf8_lossy(&run(&dir, &["calls", "--json"]).stdout).contains("established"),
    );
    let calls = String::from_utf8_lossy(&run(&dir, &["calls", "--json"]).stdout).into_owned();
    assert!(calls.contains("opus"), "the call is not Opus: {calls}");

    let (ours_before, theirs_before) = (cpu_seconds(pid), cpu_seconds(baresip_pid));
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(seconds));
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    let ours_cpu = (cpu_seconds(pid) - ours_before) / minutes;
    let theirs_cpu = (cpu_seconds(baresip_pid) - theirs_before) / minutes;
    let peak_rss = memory_kb(pid, "VmHWM:");
    let _ = run(&dir, &["hangup"]);
    daemon.terminate(Duration::from_secs(10));

    println!(
        "footprint: handset with 2 registered accounts and one Opus call to baresip, {seconds} s"
    );
    println!(
        "  handset RSS idle (registered): {:>8.1} MB",
        idle_rss as f64 / 1024.0
    );
    println!(
        "  handset RSS peak:              {:>8.1} MB",
        peak_rss as f64 / 1024.0
    );
    println!("  handset CPU per minute of call: {ours_cpu:>7.2} s");
    println!("  baresip CPU per minute of call: {theirs_cpu:>7.2} s");
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    println!(
        "{}  peak RSS under 16 MB",
        verdict(peak_rss > 0 && peak_rss < RSS_TARGET_KB)
    );
    println!(
        "{}  CPU under half of baresip's ({ours_cpu:.2} s vs {:.2} s)",
        verdict(ours_cpu < theirs_cpu / 2.0),
        theirs_cpu / 2.0
    );
}
