//! baresip (Debian `baresip`) as a peer on 127.0.0.1: a configuration that plays a WAV file,
//! records what it decodes (`dump-*-dec.wav` in its directory) and uses no sound card; tone
//! helpers to check who heard what.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::f64::consts::PI;
use std::fs;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use handset_media::wav;

use super::phone::{free_port, tool_available, wait_for, Guard};

/// The baresip binary.
pub(crate) const BARESIP: &str = "/usr/bin/baresip";
const MODULES: &str = "/usr/lib/baresip/modules";

/// Whether baresip's module `name` is installed.
pub(crate) fn has_module(test: &str, name: &str) -> bool {
    tool_available(test, &format!("{MODULES}/{name}.so"), "baresip")
}

/// Whether baresip and the modules the tests load are installed.
pub(crate) fn available(test: &str) -> bool {
    tool_available(test, BARESIP, "baresip")
        && [
            "g711", "aufile", "sndfile", "srtp", "alsa", "account", "menu",
        ]
        .iter()
        .all(|module| tool_available(test, &format!("{MODULES}/{module}.so"), "baresip"))
}

/// `seconds` of a sine at `frequency` Hz, 8 kHz.
pub(crate) fn tone(frequency: f64, seconds: f64) -> Vec<i16> {
    let count = (8000.0 * seconds) as usize;
    (0..count)
        .map(|n| (9000.0 * (2.0 * PI * frequency * n as f64 / 8000.0).sin()) as i16)
        .collect()
}

/// Writes `seconds` of a `frequency` Hz tone to `path` as an 8 kHz WAV file.
pub(crate) fn write_tone(path: &Path, frequency: f64, seconds: f64) {
    fs::write(path, wav::encode(8000, &tone(frequency, seconds))).unwrap();
}

/// Energy of `samples` (at `rate`) at `frequency` (Goertzel), per sample.
pub(crate) fn power_at(samples: &[i16], rate: u32, frequency: f64) -> f64 {
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
pub(crate) fn assert_hears(path: &Path, wanted: f64, other: f64, who: &str) {
    let audio = wav::decode(&fs::read(path).unwrap()).unwrap();
    let wanted_power = power_at(&audio.samples, audio.sample_rate, wanted);
    let other_power = power_at(&audio.samples, audio.sample_rate, other);
    assert!(
        wanted_power > other_power * 100.0 && wanted_power > 1e3,
        "{who} did not hear a {wanted} Hz tone: {wanted_power:.0} at {wanted} Hz, \
         {other_power:.0} at {other} Hz"
    );
}

/// A SIP port for baresip: it listens on UDP and TCP there and on TLS at the next port up.
pub(crate) fn sip_port() -> u16 {
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

/// Starts baresip in `dir` on `sip_port`, playing `source`, with the one account line
/// `account`; `commands` run at start (`-e`, e.g. `/dial sip:…`). Returns once it is ready.
pub(crate) fn start(
    dir: &Path,
    source: &Path,
    sip_port: u16,
    account: &str,
    commands: &[&str],
) -> Guard {
    let source = format!("aufile,{}", source.display());
    start_with_modules(dir, &source, sip_port, account, commands, &[])
}

/// [`start`] with baresip's `audio_source` value (`aufile,PATH`, `ausine,440`) and loading
/// `modules` too (`opus`, `ausine`, …).
pub(crate) fn start_with_modules(
    dir: &Path,
    source: &str,
    sip_port: u16,
    account: &str,
    commands: &[&str],
    modules: &[&str],
) -> Guard {
    let rtp_port = free_port() & !1;
    let config = format!(
        "sip_listen 127.0.0.1:{sip_port}\n\
         audio_player alsa,null\n\
         audio_alert alsa,null\n\
         audio_source {source}\n\
         rtp_ports {rtp_port}-{end}\n\
         module_path {MODULES}\n\
         module g711.so\n\
         module alsa.so\n\
         module aufile.so\n\
         module sndfile.so\n\
         module srtp.so\n\
         module_app account.so\n\
         module_app menu.so\n\
         snd_path {dir}\n{extra}",
        end = rtp_port + 20,
        dir = dir.display(),
        extra = modules
            .iter()
            .map(|m| format!("module {m}.so\n"))
            .collect::<String>(),
    );
    fs::write(dir.join("config"), config).unwrap();
    fs::write(dir.join("accounts"), format!("{account}\n")).unwrap();
    let log = dir.join("baresip.log");
    let mut command = Command::new(BARESIP);
    command.arg("-f").arg(dir);
    for extra in commands {
        command.arg("-e").arg(extra);
    }
    let child = command
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

/// The file baresip recorded what it decoded into, once it holds some audio.
pub(crate) fn recording(dir: &Path) -> PathBuf {
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
