//! Helpers for the tests that compare our codecs with independent implementations (sox, ffmpeg).

#![allow(dead_code, unreachable_pub)]

pub mod ogg;
pub mod pesq;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Finds an external program on PATH. Missing tools skip the test with a message, except under
/// CI (the `CI` environment variable set), where they fail it.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("{name} is required under CI (Debian package: see scripts/test)");
        }
        eprintln!("skipped: {name} is not installed");
    }
    found
}

/// Runs a program and fails the test with its output if it does not succeed.
pub fn run(program: &Path, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .output()
        .expect("program starts");
    assert!(
        output.status.success(),
        "{} {:?} failed: {}",
        program.display(),
        args,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs ffmpeg quietly, overwriting outputs.
pub fn ffmpeg(ffmpeg: &Path, args: &[&str]) {
    let mut all = vec!["-hide_banner", "-loglevel", "error", "-y"];
    all.extend_from_slice(args);
    run(ffmpeg, &all);
}

/// Encodes 48 kHz mono s16le `input` with ffmpeg's libopus (20 ms frames) into an Ogg file.
pub fn libopus_encode(
    ffmpeg_path: &Path,
    input: &Path,
    output: &Path,
    application: &str,
    bitrate: &str,
) {
    ffmpeg(
        ffmpeg_path,
        &[
            "-f",
            "s16le",
            "-ar",
            "48000",
            "-ac",
            "1",
            "-i",
            path(input),
            "-c:a",
            "libopus",
            "-application",
            application,
            "-b:a",
            bitrate,
            "-frame_duration",
            "20",
            path(output),
        ],
    );
}

/// Decodes an Ogg Opus file with ffmpeg's libopus into 48 kHz mono s16le.
pub fn libopus_decode(ffmpeg_path: &Path, input: &Path, output: &Path) {
    ffmpeg(
        ffmpeg_path,
        &[
            "-c:a",
            "libopus",
            "-i",
            path(input),
            "-ac",
            "1",
            "-ar",
            "48000",
            "-f",
            "s16le",
            path(output),
        ],
    );
}

/// Deterministic test signal at `rate`: a logarithmic sine sweep over the voice band and
/// beyond, then speech-like noise (noise shaped by a resonant filter under a syllable-rate
/// envelope), then a stretch of silence and a short full-scale burst.
pub fn test_signal(rate: u32, seconds: f64) -> Vec<i16> {
    let total = (f64::from(rate) * seconds) as usize;
    let sweep_len = total / 2;
    let mut out = Vec::with_capacity(total);
    let nyquist = f64::from(rate) / 2.0;
    let (low, high) = (50.0f64, nyquist * 0.95);
    let mut phase = 0.0f64;
    for n in 0..sweep_len {
        let t = n as f64 / sweep_len as f64;
        let frequency = low * (high / low).powf(t);
        phase += 2.0 * std::f64::consts::PI * frequency / f64::from(rate);
        out.push((phase.sin() * 12000.0) as i16);
    }
    let mut seed = 0x2545_F491u32;
    let mut state = [0.0f64; 2];
    let speech_len = total - sweep_len - total / 10;
    for n in 0..speech_len {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let white = f64::from(seed as i32) / f64::from(i32::MAX);
        // A resonance that wanders between 300 Hz and 2.5 kHz like a formant.
        let t = n as f64 / f64::from(rate);
        let formant = 1400.0 + 1100.0 * (2.0 * std::f64::consts::PI * 0.7 * t).sin();
        let radius = 0.97f64;
        let theta = 2.0 * std::f64::consts::PI * formant / f64::from(rate);
        let y = white + 2.0 * radius * theta.cos() * state[0] - radius * radius * state[1];
        state = [y, state[0]];
        let envelope = (2.0 * std::f64::consts::PI * 4.0 * t).sin().max(0.0);
        out.push((y * envelope * 900.0).clamp(-32768.0, 32767.0) as i16);
    }
    let burst = total / 40;
    out.resize(total - burst, 0);
    out.extend((0..burst).map(|n| if (n / 7) % 2 == 0 { i16::MAX } else { i16::MIN }));
    out
}

/// Voiced-speech-like signal at `rate`: a pulse train whose pitch glides between 100 and 220 Hz,
/// shaped by two moving formant resonators, under a syllable envelope that never falls silent.
pub fn voiced_signal(rate: u32, seconds: f64) -> Vec<i16> {
    let rate_f = f64::from(rate);
    let total = (rate_f * seconds) as usize;
    let mut phase = 0.0f64;
    let mut formants = [[0.0f64; 2]; 2];
    (0..total)
        .map(|n| {
            let t = n as f64 / rate_f;
            let pitch = 160.0 + 60.0 * (2.0 * std::f64::consts::PI * 2.3 * t).sin();
            phase += pitch / rate_f;
            let pulse = if phase >= 1.0 {
                phase -= 1.0;
                1.0
            } else {
                0.0
            };
            let centres = [
                600.0 + 250.0 * (2.0 * std::f64::consts::PI * 1.7 * t).sin(),
                1700.0 + 600.0 * (2.0 * std::f64::consts::PI * 1.1 * t).cos(),
            ];
            let mut value = pulse;
            for (state, centre) in formants.iter_mut().zip(centres) {
                let radius = 0.985f64;
                let theta = 2.0 * std::f64::consts::PI * centre / rate_f;
                let y = value + 2.0 * radius * theta.cos() * state[0] - radius * radius * state[1];
                *state = [y, state[0]];
                value = y * (1.0 - radius);
            }
            let envelope = 0.35 + 0.65 * (2.0 * std::f64::consts::PI * 3.0 * t).sin().abs();
            (value * envelope * 60000.0).clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

/// The signal for codec comparisons: the synthetic signal, plus spoken words when espeak-ng
/// is installed (resampled to `rate` by ffmpeg).
pub fn comparison_signal(dir: &Path, ffmpeg_path: &Path, rate: u32) -> Vec<i16> {
    let mut signal = test_signal(rate, 3.0);
    let espeak = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("espeak-ng"))
            .find(|c| c.is_file())
    });
    match espeak {
        Some(espeak) => signal.extend(spoken(
            dir,
            &espeak,
            ffmpeg_path,
            "speech",
            "Please call the front desk at extension four two seven.",
            rate,
        )),
        None => eprintln!("espeak-ng not installed: comparing on the synthetic signal only"),
    }
    signal
}

/// `text` spoken by espeak-ng, as mono 16-bit PCM at `rate` (resampled by ffmpeg); `name`
/// names the files it leaves in `dir`.
pub fn spoken(
    dir: &Path,
    espeak: &Path,
    ffmpeg_path: &Path,
    name: &str,
    text: &str,
    rate: u32,
) -> Vec<i16> {
    let wav = dir.join(format!("{name}.wav"));
    let raw = dir.join(format!("{name}.raw"));
    run(espeak, &["-w", path(&wav), text]);
    let rate = rate.to_string();
    ffmpeg(
        ffmpeg_path,
        &[
            "-i",
            path(&wav),
            "-ac",
            "1",
            "-ar",
            &rate,
            "-f",
            "s16le",
            path(&raw),
        ],
    );
    read_pcm(&raw)
}

/// A path as &str (temporary directories are ASCII).
pub fn path(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// Writes 16-bit little-endian PCM.
pub fn write_pcm(file: &Path, samples: &[i16]) {
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(file, bytes).expect("write pcm");
}

/// Reads 16-bit little-endian PCM.
pub fn read_pcm(file: &Path) -> Vec<i16> {
    let bytes = std::fs::read(file).expect("read pcm");
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// Index and values of the first difference between two sequences, for assertion messages.
pub fn first_difference<T: PartialEq + Copy + std::fmt::Debug>(
    ours: &[T],
    theirs: &[T],
) -> Option<(usize, T, T)> {
    ours.iter()
        .zip(theirs)
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .map(|(i, (a, b))| (i, *a, *b))
}

/// Signal-to-noise ratio of `test` against `reference`, in dB.
pub fn snr_db(reference: &[i16], test: &[i16]) -> f64 {
    let signal: f64 = reference.iter().map(|s| f64::from(*s).powi(2)).sum();
    let noise: f64 = reference
        .iter()
        .zip(test)
        .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
        .sum();
    if noise == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (signal / noise).log10()
}
