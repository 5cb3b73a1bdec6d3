//! Packet loss concealment for PCM codecs without their own (G.711 at 8 kHz, G.722 at
//! 16 kHz), in the manner of G.711 Appendix I.
//!
//! While frames arrive, the concealer keeps the last 60 ms of decoded audio. When a frame is
//! lost it finds the pitch period of that history by normalised autocorrelation and repeats
//! the last pitch cycle, the cycle's end blended into the period before it so the repetition
//! joins without a click. As the loss goes on it repeats two, then three periods (a single
//! cycle repeated for long sounds buzzy), keeps full level for 10 ms, then fades out to
//! silence at 60 ms. The first good frame after a loss is cross-faded in from the continuing
//! concealment.

/// Milliseconds of loss played at full level.
const FULL_LEVEL_MS: usize = 10;
/// Milliseconds of loss after which the output is silent.
const SILENT_MS: usize = 60;
/// Milliseconds of loss after which one more pitch period is repeated (up to three).
const MORE_PERIODS_EVERY_MS: usize = 10;
/// Longest pitch period considered, in tenths of a millisecond (66.7 Hz).
const LONGEST_PERIOD_TENTHS_MS: usize = 150;
/// Shortest pitch period considered, in tenths of a millisecond (400 Hz).
const SHORTEST_PERIOD_TENTHS_MS: usize = 25;
/// Length of audio compared when searching the pitch, in milliseconds.
const PITCH_WINDOW_MS: usize = 20;
/// Length compared when searching the pitch at the start of the frame after a gap, which is
/// short, in milliseconds.
const NEXT_PITCH_WINDOW_MS: usize = 5;

/// Conceals lost frames of one PCM stream.
///
/// Pass every decoded frame through [`good_frame`](Self::good_frame) and ask
/// [`conceal`](Self::conceal) for each lost one, in playout order.
#[derive(Debug, Clone)]
pub struct Concealer {
    rate: usize,
    shortest: usize,
    longest: usize,
    history: Vec<f32>,
    /// Audio played during the current loss, added to the history when it ends.
    concealed: Vec<f32>,
    /// Samples concealed in the current loss (0 when not concealing).
    lost: usize,
    period: usize,
    periods: usize,
    cycle: Vec<f32>,
    phase: usize,
    /// The last concealment already ends where the next good frame begins.
    joined: bool,
}

impl Concealer {
    /// A concealer for audio at `sample_rate` Hz (8000 or 16000; rates below 8000 are taken
    /// as 8000).
    pub fn new(sample_rate: u32) -> Self {
        let rate = sample_rate.max(8000) as usize;
        let longest = rate * LONGEST_PERIOD_TENTHS_MS / 10_000;
        Self {
            rate,
            shortest: rate * SHORTEST_PERIOD_TENTHS_MS / 10_000,
            longest,
            history: Vec::with_capacity(longest * 4),
            concealed: Vec::new(),
            lost: 0,
            period: 0,
            periods: 0,
            cycle: Vec::new(),
            phase: 0,
            joined: false,
        }
    }

    /// Whether the last frame was concealed.
    pub fn is_concealing(&self) -> bool {
        self.lost > 0
    }

    /// Records a correctly received frame; right after a loss, its start is cross-faded from
    /// the concealment so the two join smoothly.
    pub fn good_frame(&mut self, frame: &mut [i16]) {
        if self.lost > 0 && self.joined {
            self.joined = false;
            self.lost = 0;
            let concealed = std::mem::take(&mut self.concealed);
            self.remember(concealed);
        }
        if self.lost > 0 {
            let merge = (self.rate / 250 + self.lost / 25).min(frame.len());
            for (i, sample) in frame.iter_mut().take(merge).enumerate() {
                let concealed = self.next_concealed();
                let weight = (i + 1) as f32 / (merge + 1) as f32;
                let mixed = concealed * (1.0 - weight) + f32::from(*sample) * weight;
                *sample = to_sample(mixed);
            }
            self.lost = 0;
            let concealed = std::mem::take(&mut self.concealed);
            self.remember(concealed);
        }
        self.remember(frame.iter().map(|&x| f32::from(x)));
    }

    /// Fills `out` with a concealment of a lost frame.
    pub fn conceal(&mut self, out: &mut [i16]) {
        if self.lost == 0 && !self.start() {
            out.fill(0);
            return;
        }
        for sample in out.iter_mut() {
            *sample = to_sample(self.next_concealed());
        }
        // What was played stands in for the lost audio in the history once the loss ends;
        // until then the cycles keep being cut from the audio before the loss.
        self.concealed.extend(out.iter().map(|&x| f32::from(x)));
        let keep = self.longest * 4;
        if self.concealed.len() > keep {
            self.concealed.drain(..self.concealed.len() - keep);
        }
    }

    /// Fills `out` with a concealment of a lost frame whose successor `next` (decoded audio
    /// right after the gap) is already known: the extrapolation from the past is cross-faded
    /// into a backward extension of `next`, so the gap ends exactly where `next` begins.
    /// Pass `next` to [`good_frame`](Self::good_frame) afterwards as usual; it is not
    /// cross-faded again.
    pub fn conceal_before(&mut self, out: &mut [i16], next: &[i16]) {
        let length = out.len();
        self.conceal(out);
        if self.cycle.is_empty() {
            return;
        }
        let period = self.next_period(next);
        let blend = (period / 4).max(1);
        if next.len() < period + blend {
            return;
        }
        // One period from the start of `next`, its start blended into the period after it so
        // that repeating it backwards joins smoothly.
        let cycle: Vec<f32> = (0..period)
            .map(|i| {
                let own = f32::from(next[i]);
                if i >= blend {
                    return own;
                }
                let weight = (blend - i) as f32 / (blend + 1) as f32;
                own * (1.0 - weight) + f32::from(next[i + period]) * weight
            })
            .collect();
        let backward: Vec<f32> = (0..length)
            .map(|j| cycle[(period - (length - j) % period) % period])
            .collect();
        for (j, (sample, &value)) in out.iter_mut().zip(&backward).enumerate() {
            let weight = (j + 1) as f32 / (length + 1) as f32;
            *sample = to_sample(f32::from(*sample) * (1.0 - weight) + value * weight);
        }
        let start = self.concealed.len().saturating_sub(length);
        self.concealed.truncate(start);
        self.concealed.extend(out.iter().map(|&x| f32::from(x)));
        self.joined = true;
    }

    /// The pitch period at the start of `next`, searched forwards in it; the period before
    /// the gap when `next` is too short to tell.
    fn next_period(&self, next: &[i16]) -> usize {
        let window = (self.rate * NEXT_PITCH_WINDOW_MS / 1000).max(1);
        let longest = self.longest.min(next.len().saturating_sub(window));
        if longest < self.shortest {
            return self.period.max(self.shortest);
        }
        let next: Vec<f32> = next.iter().map(|&x| f32::from(x)).collect();
        let start = &next[..window];
        let start_energy = energy(start);
        let mut best = (f32::NEG_INFINITY, self.period.max(self.shortest));
        for lag in self.shortest..=longest {
            let score = similarity(start, start_energy, &next[lag..lag + window]);
            if let Some(score) = score.filter(|&score| score > best.0) {
                best = (score, lag);
            }
        }
        best.1
    }

    /// Begins a loss: finds the pitch and the first cycle. False when there is too little
    /// history to conceal from.
    fn start(&mut self) -> bool {
        let window = self.rate * PITCH_WINDOW_MS / 1000;
        if self.history.len() < window + self.longest * 2 {
            return false;
        }
        self.period = self.find_period(window);
        self.periods = 1;
        self.cycle = self.build_cycle(1);
        self.phase = 0;
        true
    }

    /// The next concealment sample, with attenuation, moving to more periods as time goes on.
    fn next_concealed(&mut self) -> f32 {
        if self.cycle.is_empty() {
            self.lost += 1;
            return 0.0;
        }
        let wanted = (1 + self.lost / (self.rate * MORE_PERIODS_EVERY_MS / 1000)).min(3);
        if wanted != self.periods && self.history.len() >= (wanted + 1) * self.period {
            // The same waveform sample sits one period later per added period.
            self.phase += (wanted - self.periods) * self.period;
            self.periods = wanted;
            self.cycle = self.build_cycle(wanted);
        }
        let sample = self.cycle[self.phase % self.cycle.len()] * self.gain();
        self.phase = (self.phase + 1) % self.cycle.len();
        self.lost += 1;
        sample
    }

    /// Level for the current position in the loss: full, then a linear fade to silence.
    fn gain(&self) -> f32 {
        let full = self.rate * FULL_LEVEL_MS / 1000;
        let silent = self.rate * SILENT_MS / 1000;
        if self.lost < full {
            1.0
        } else if self.lost >= silent {
            0.0
        } else {
            1.0 - (self.lost - full) as f32 / (silent - full) as f32
        }
    }

    /// The last `periods` pitch periods of history, the final quarter period blended into the
    /// period before it so that the cycle wraps smoothly.
    fn build_cycle(&self, periods: usize) -> Vec<f32> {
        let period = self.period;
        let length = periods * period;
        let end = self.history.len();
        let start = end - length;
        let blend = (period / 4).max(1);
        (0..length)
            .map(|j| {
                let own = self.history[start + j];
                if j + blend < length {
                    return own;
                }
                let earlier = self.history[start + j - period];
                let weight = (j + blend + 1 - length) as f32 / (blend + 1) as f32;
                own * (1.0 - weight) + earlier * weight
            })
            .collect()
    }

    /// The lag with the highest normalised autocorrelation over the last `window` samples.
    fn find_period(&self, window: usize) -> usize {
        let end = self.history.len();
        let recent = &self.history[end - window..];
        let recent_energy = energy(recent);
        let mut best = (f32::NEG_INFINITY, self.longest);
        for lag in self.shortest..=self.longest {
            let earlier = &self.history[end - window - lag..end - lag];
            let score = similarity(recent, recent_energy, earlier).unwrap_or(0.0);
            if score > best.0 {
                best = (score, lag);
            }
        }
        best.1
    }

    fn remember(&mut self, samples: impl IntoIterator<Item = f32>) {
        self.history.extend(samples);
        let keep = self.longest * 4;
        if self.history.len() > keep {
            self.history.drain(..self.history.len() - keep);
        }
    }
}

fn energy(signal: &[f32]) -> f32 {
    signal.iter().map(|x| x * x).sum()
}

/// The normalised cross-correlation of `reference` (whose energy is `reference_energy`) and
/// `other`; `None` when either is silent.
fn similarity(reference: &[f32], reference_energy: f32, other: &[f32]) -> Option<f32> {
    let (mut cross, mut other_energy) = (0f32, 0f32);
    for (a, b) in reference.iter().zip(other) {
        cross += a * b;
        other_energy += b * b;
    }
    (other_energy > 0.0 && reference_energy > 0.0)
        .then(|| cross / (other_energy * reference_energy).sqrt())
}

fn to_sample(value: f32) -> i16 {
    value.round().clamp(-32768.0, 32767.0) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A voiced sound: 137 Hz with four harmonics of falling level.
    fn voiced(rate: u32, len: usize) -> Vec<i16> {
        (0..len)
            .map(|n| {
                let t = n as f64 / f64::from(rate);
                let value: f64 = (1..=5)
                    .map(|h| {
                        let h = f64::from(h);
                        6000.0 / h * (2.0 * std::f64::consts::PI * 137.0 * h * t + h).sin()
                    })
                    .sum();
                value.round() as i16
            })
            .collect()
    }

    fn error_energy(a: &[i16], b: &[i16]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
            .sum()
    }

    fn energy(a: &[i16]) -> f64 {
        a.iter().map(|&x| f64::from(x).powi(2)).sum()
    }

    fn feed(concealer: &mut Concealer, signal: &[i16], frame: usize, frames: usize) {
        for chunk in signal.chunks(frame).take(frames) {
            concealer.good_frame(&mut chunk.to_vec());
        }
    }

    #[test]
    fn concealment_beats_silence_and_frame_repetition_on_voiced_speech() {
        for (rate, frame) in [(8000, 160), (16_000, 320)] {
            let signal = voiced(rate, frame * 12);
            let mut concealer = Concealer::new(rate);
            feed(&mut concealer, &signal, frame, 10);
            let mut concealed = vec![0; frame];
            concealer.conceal(&mut concealed);
            assert!(concealer.is_concealing());
            let truth = &signal[frame * 10..frame * 11];
            let repeated = &signal[frame * 9..frame * 10];
            let ours = error_energy(&concealed, truth);
            assert!(ours < energy(truth) * 0.5, "{rate} Hz: worse than silence");
            assert!(
                ours < error_energy(repeated, truth) * 0.5,
                "{rate} Hz: worse than repeating the frame"
            );
        }
    }

    #[test]
    fn long_bursts_fade_to_silence() {
        let signal = voiced(8000, 160 * 10);
        let mut concealer = Concealer::new(8000);
        feed(&mut concealer, &signal, 160, 10);
        let mut levels = Vec::new();
        for _ in 0..5 {
            let mut frame = vec![0; 160];
            concealer.conceal(&mut frame);
            levels.push(energy(&frame));
        }
        assert!(levels[0] > 0.0);
        assert!(
            levels.windows(2).all(|w| w[1] < w[0] || w[1] == 0.0),
            "{levels:?}"
        );
        // Silent from 60 ms on: the fourth frame and after.
        assert_eq!(levels[3], 0.0);
        assert_eq!(levels[4], 0.0);
    }

    #[test]
    fn the_next_good_frame_joins_without_a_click() {
        let signal = voiced(8000, 160 * 20);
        let natural = signal
            .windows(2)
            .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
            .max()
            .unwrap_or(0);
        for lost_frames in [1, 2, 5] {
            let mut concealer = Concealer::new(8000);
            feed(&mut concealer, &signal, 160, 10);
            let mut played = signal[..160 * 10].to_vec();
            for _ in 0..lost_frames {
                let mut frame = vec![0; 160];
                concealer.conceal(&mut frame);
                played.extend(frame);
            }
            let start = 160 * (10 + lost_frames);
            let mut good = signal[start..start + 160].to_vec();
            concealer.good_frame(&mut good);
            assert!(!concealer.is_concealing());
            played.extend(good);
            let jump = played[160 * 9..]
                .windows(2)
                .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
                .max()
                .unwrap_or(0);
            assert!(
                f64::from(jump) <= f64::from(natural) * 1.3,
                "{lost_frames} lost: jump {jump} vs {natural}"
            );
        }
    }

    #[test]
    fn knowing_the_next_frame_conceals_better_and_joins_it_exactly() {
        for (rate, frame) in [(8000, 160), (16_000, 320)] {
            // A voiced sound whose pitch glides, so that repeating the past drifts away.
            let signal: Vec<i16> = (0..frame * 13)
                .map(|n| {
                    let t = n as f64 / f64::from(rate);
                    let phase = 2.0 * std::f64::consts::PI * (120.0 * t + 40.0 * t * t);
                    (8000.0 * phase.sin() + 3000.0 * (2.0 * phase).sin()) as i16
                })
                .collect();
            let truth = &signal[frame * 10..frame * 11];
            let next = &signal[frame * 11..frame * 12];
            let mut forward = Concealer::new(rate);
            feed(&mut forward, &signal, frame, 10);
            let mut alone = vec![0; frame];
            forward.conceal(&mut alone);
            let mut both = Concealer::new(rate);
            feed(&mut both, &signal, frame, 10);
            let mut between = vec![0; frame];
            both.conceal_before(&mut between, next);
            assert!(
                error_energy(&between, truth) < error_energy(&alone, truth),
                "{rate} Hz: the next frame did not help"
            );
            // The next frame is played untouched.
            let mut played = next.to_vec();
            both.good_frame(&mut played);
            assert_eq!(played, next);
            assert!(!both.is_concealing());
            let jump = (i32::from(next[0]) - i32::from(between[frame - 1])).abs();
            let natural = signal
                .windows(2)
                .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
                .max()
                .unwrap_or(0);
            assert!(jump <= natural * 2, "{rate} Hz: jump {jump} vs {natural}");
        }
    }

    #[test]
    fn without_history_it_plays_silence() {
        let mut concealer = Concealer::new(8000);
        let mut frame = vec![1; 160];
        concealer.conceal(&mut frame);
        assert!(frame.iter().all(|&x| x == 0));
    }
}
