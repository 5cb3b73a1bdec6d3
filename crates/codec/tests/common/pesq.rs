//! Wideband PESQ (ITU-T P.862.2) through the Python `pesq` module, on speech from espeak-ng.

use std::path::Path;
use std::process::Command;

use super::{ffmpeg, path, read_pcm, spoken, write_pcm};

const SCORE_SCRIPT: &str = "
import sys
import numpy as np
from pesq import pesq
reference = np.fromfile(sys.argv[1], dtype='<i2').astype(np.float64)
degraded = np.fromfile(sys.argv[2], dtype='<i2').astype(np.float64)
length = min(len(reference), len(degraded))
print(pesq(16000, reference[:length], degraded[:length], 'wb'))
";

/// Whether python3 can import `pesq`. Missing, the test is skipped with a message, except
/// under CI (the `CI` environment variable set), where it fails.
pub fn available() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import pesq, numpy"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        if std::env::var_os("CI").is_some() {
            panic!("the python3 module pesq is required under CI (see scripts/test)");
        }
        eprintln!("skipped: the python3 module pesq is not installed");
    }
    found
}

/// About eight seconds of spoken sentences at 16 kHz.
pub fn speech_16k(dir: &Path, espeak: &Path, ffmpeg_path: &Path) -> Vec<i16> {
    spoken(
        dir,
        espeak,
        ffmpeg_path,
        "pesq-speech",
        "Please call the front desk at extension four two seven. \
         The conference bridge opens at nine thirty; bring the quarterly numbers. \
         Your voicemail box is almost full.",
        16000,
    )
}

/// Resamples mono 16-bit PCM with ffmpeg's default resampler.
pub fn resample(dir: &Path, ffmpeg_path: &Path, pcm: &[i16], from: u32, to: u32) -> Vec<i16> {
    let input = dir.join(format!("resample-{from}-in.raw"));
    let output = dir.join(format!("resample-{from}-{to}-out.raw"));
    write_pcm(&input, pcm);
    let (from, to) = (from.to_string(), to.to_string());
    ffmpeg(
        ffmpeg_path,
        &[
            "-f",
            "s16le",
            "-ar",
            &from,
            "-ac",
            "1",
            "-i",
            path(&input),
            "-ar",
            &to,
            "-f",
            "s16le",
            path(&output),
        ],
    );
    read_pcm(&output)
}

/// Wideband PESQ MOS-LQO of `degraded` against `reference`, both at 16 kHz.
pub fn score(dir: &Path, reference: &[i16], degraded: &[i16]) -> f64 {
    let reference_file = dir.join("pesq-reference.raw");
    let degraded_file = dir.join("pesq-degraded.raw");
    write_pcm(&reference_file, reference);
    write_pcm(&degraded_file, degraded);
    let output = Command::new("python3")
        .args([
            "-c",
            SCORE_SCRIPT,
            path(&reference_file),
            path(&degraded_file),
        ])
        .output()
        .expect("python3 starts");
    assert!(
        output.status.success(),
        "pesq failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("pesq prints a number")
}
