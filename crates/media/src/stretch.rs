//! Time stretching of PCM speech without changing its pitch (WSOLA), for the jitter buffer's
//! [`Expand`](crate::jitter::Playout::Expand) and
//! [`Accelerate`](crate::jitter::Playout::Accelerate).
//!
//! WSOLA (waveform-similarity overlap-add) cuts the input into short windowed segments and
//! lays them out at a different spacing; each segment is taken from near its nominal input
//! position, shifted to where the waveform best matches what the previous segment would have
//! continued with, so periods are repeated or skipped whole instead of being squeezed. The
//! first and last segments are pinned to the input's ends: the output starts and ends with
//! the input's own samples, so it joins the audio around it without a click.

use std::f32::consts::PI;

/// Segment length in milliseconds (the window of the overlap-add).
const SEGMENT_MS: usize = 10;
/// How far a segment may move from its nominal position, in tenths of a millisecond: half of
/// the longest pitch period considered (15 ms, 66 Hz).
const TOLERANCE_TENTHS_MS: usize = 75;
/// Score lost per full tolerance of distance from the nominal position, so that silence or
/// equally good matches keep the schedule.
const DISTANCE_PENALTY: f32 = 0.02;

/// Stretches one frame to exactly twice its length.
pub fn expand(frame: &[i16], sample_rate: u32) -> Vec<i16> {
    stretch(frame, frame.len() * 2, sample_rate)
}

/// Merges two consecutive frames into exactly `first.len()` samples.
pub fn compress(first: &[i16], second: &[i16], sample_rate: u32) -> Vec<i16> {
    let mut joined = Vec::with_capacity(first.len() + second.len());
    joined.extend_from_slice(first);
    joined.extend_from_slice(second);
    stretch(&joined, first.len(), sample_rate)
}

/// Time-stretches `input` to exactly `out_len` samples, keeping its pitch; the output begins
/// and ends with the input's first and last samples. Rates below 8000 Hz are taken as 8000.
pub fn stretch(input: &[i16], out_len: usize, sample_rate: u32) -> Vec<i16> {
    if out_len == input.len() {
        return input.to_vec();
    }
    if input.is_empty() || out_len == 0 {
        return vec![0; out_len];
    }
    let rate = sample_rate.max(8000) as usize;
    let segment = (rate * SEGMENT_MS / 1000).min(input.len()).min(out_len / 2) & !1;
    if segment < 8 {
        return resample_linear(input, out_len);
    }
    let tolerance = (rate * TOLERANCE_TENTHS_MS / 10_000).max(segment / 2);
    let window: Vec<f32> = (0..segment)
        .map(|j| {
            let s = (PI * (j as f32 + 0.5) / segment as f32).sin();
            s * s
        })
        .collect();
    let mut sum = vec![0f32; out_len];
    let mut weight = vec![0f32; out_len];
    let mut add = |from: usize, to: usize| {
        for (j, w) in window.iter().enumerate() {
            sum[to + j] += w * f32::from(input[from + j]);
            weight[to + j] += w;
        }
    };
    let last_in = input.len() - segment;
    let last_out = out_len - segment;
    let hop = segment / 2;
    add(0, 0);
    let (mut prev_in, mut prev_out) = (0, 0);
    let mut out = hop;
    loop {
        let out_pos = out.min(last_out);
        let in_pos = if out_pos == last_out {
            last_in
        } else {
            let nominal = (out_pos * last_in + last_out / 2) / last_out;
            let natural = prev_in + (out_pos - prev_out);
            let overlap = prev_out + segment - out_pos;
            best_match(input, natural, overlap, nominal, tolerance, last_in)
        };
        add(in_pos, out_pos);
        if out_pos == last_out {
            break;
        }
        (prev_in, prev_out) = (in_pos, out_pos);
        out += hop;
    }
    sum.iter()
        .zip(&weight)
        .map(|(s, w)| (s / w).round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

/// The input position within `tolerance` of `nominal` whose next `overlap` samples look most
/// like those at `natural` (normalised cross-correlation, slightly favouring `nominal`).
fn best_match(
    input: &[i16],
    natural: usize,
    overlap: usize,
    nominal: usize,
    tolerance: usize,
    last: usize,
) -> usize {
    let reference = &input[natural..natural + overlap];
    let reference_energy: f32 = reference.iter().map(|&x| f32::from(x).powi(2)).sum();
    let low = nominal.saturating_sub(tolerance);
    let high = (nominal + tolerance).min(last);
    let mut best = (f32::NEG_INFINITY, nominal.min(last));
    for candidate in low..=high {
        let segment = &input[candidate..candidate + overlap];
        let (mut cross, mut energy) = (0f32, 0f32);
        for (&a, &b) in segment.iter().zip(reference) {
            cross += f32::from(a) * f32::from(b);
            energy += f32::from(a).powi(2);
        }
        let similarity = if energy > 0.0 && reference_energy > 0.0 {
            cross / (energy * reference_energy).sqrt()
        } else {
            0.0
        };
        let distance = candidate.abs_diff(nominal) as f32 / tolerance as f32;
        let score = similarity - DISTANCE_PENALTY * distance;
        if score > best.0 {
            best = (score, candidate);
        }
    }
    best.1
}

/// Plain linear interpolation, for inputs too short to cut into segments.
fn resample_linear(input: &[i16], out_len: usize) -> Vec<i16> {
    if out_len == 1 || input.len() == 1 {
        return vec![input[0]; out_len];
    }
    let scale = (input.len() - 1) as f64 / (out_len - 1) as f64;
    (0..out_len)
        .map(|i| {
            let position = i as f64 * scale;
            let index = (position as usize).min(input.len() - 2);
            let fraction = position - index as f64;
            let a = f64::from(input[index]);
            let b = f64::from(input[index + 1]);
            (a + (b - a) * fraction).round() as i16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(frequency: f64, rate: u32, len: usize, amplitude: f64) -> Vec<i16> {
        (0..len)
            .map(|n| {
                let phase = 2.0 * std::f64::consts::PI * frequency * n as f64 / f64::from(rate);
                (amplitude * phase.sin()).round() as i16
            })
            .collect()
    }

    fn max_jump(signal: &[i16]) -> i32 {
        signal
            .windows(2)
            .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
            .max()
            .unwrap_or(0)
    }

    fn zero_crossings(signal: &[i16]) -> usize {
        signal
            .windows(2)
            .filter(|w| (w[0] < 0) != (w[1] < 0))
            .count()
    }

    fn rms(signal: &[i16]) -> f64 {
        (signal.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / signal.len() as f64).sqrt()
    }

    #[test]
    fn output_lengths_are_exact() {
        let input = sine(300.0, 8000, 320, 8000.0);
        for out_len in [0, 1, 7, 16, 100, 160, 319, 320, 321, 480, 640] {
            assert_eq!(stretch(&input, out_len, 8000).len(), out_len);
        }
        for in_len in [0, 1, 2, 5, 40] {
            assert_eq!(stretch(&input[..in_len], 90, 8000).len(), 90);
        }
        assert_eq!(expand(&input[..160], 8000).len(), 320);
        assert_eq!(compress(&input[..160], &input[160..], 8000).len(), 160);
        assert_eq!(expand(&vec![0; 960], 48_000).len(), 1920);
    }

    #[test]
    fn a_sine_stays_a_sine_when_expanded_or_compressed() {
        for (frequency, rate, frame) in [
            (200.0, 8000, 160),
            (440.0, 8000, 160),
            (137.0, 8000, 160),
            (440.0, 16_000, 320),
        ] {
            let signal = sine(frequency, rate, frame * 4, 10_000.0);
            let natural = max_jump(&signal);
            let (before, rest) = signal.split_at(frame);
            let expanded = expand(&rest[..frame], rate);
            let compressed = compress(&rest[..frame], &rest[frame..2 * frame], rate);
            for (label, stretched, after) in [
                ("expand", &expanded, &rest[frame..]),
                ("compress", &compressed, &rest[2 * frame..]),
            ] {
                let mut joined = before.to_vec();
                joined.extend_from_slice(stretched);
                joined.extend_from_slice(after);
                let jump = max_jump(&joined);
                assert!(
                    f64::from(jump) <= f64::from(natural) * 1.25 + 2.0,
                    "{label} {frequency} Hz @ {rate}: jump {jump} vs {natural}"
                );
                let level = rms(stretched) / rms(&rest[..frame]);
                assert!(
                    (0.8..1.15).contains(&level),
                    "{label} {frequency} Hz @ {rate}: level {level}"
                );
                let per_sample = zero_crossings(stretched) as f64 / stretched.len() as f64;
                let expected = 2.0 * frequency / f64::from(rate);
                assert!(
                    (per_sample - expected).abs() < expected * 0.2,
                    "{label} {frequency} Hz @ {rate}: pitch moved ({per_sample} vs {expected})"
                );
            }
        }
    }

    #[test]
    fn ends_are_the_input_ends() {
        let input = sine(250.0, 8000, 160, 5000.0);
        let expanded = expand(&input, 8000);
        assert_eq!(expanded[..20], input[..20]);
        assert_eq!(expanded[300..], input[140..]);
    }

    #[test]
    fn silence_stays_silent() {
        assert!(expand(&[0; 160], 8000).iter().all(|&x| x == 0));
        assert!(compress(&[0; 160], &[0; 160], 8000).iter().all(|&x| x == 0));
    }
}
