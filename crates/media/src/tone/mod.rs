//! Call-progress tones: the vendor tone string (`f1=350,f2=440,c=200/400;`), a
//! phase-continuous generator that follows the cadence sample by sample, and per-region presets.
//!
//! Settings such as "Dial Tone" or "Busy Tone" hold a string of the form
//! `f1=val[@gain],f2=val[@gain],c=on1/off1[-on2/off2[-on3/off3]];`. Frequencies are in Hz; the
//! cadence unit depends on the setting (the classic `audio.tone.*` settings count in 10 ms, the
//! default ring cadence in ms), so the caller names it with [`CadenceUnit`].
//!
//! ```
//! use handset_media::tone::{parse_tone, CadenceUnit, ToneGenerator};
//! let busy = parse_tone("f1=480,f2=620,c=50/50;", CadenceUnit::TenMilliseconds).unwrap();
//! let mut generator = ToneGenerator::new(&busy, 8000, -24.0);
//! let mut frame = [0i16; 160];
//! generator.fill(&mut frame);
//! assert!(frame.iter().any(|&s| s != 0));
//! ```

mod generator;
mod parse;
mod presets;

pub use generator::ToneGenerator;
pub use parse::{parse_cadence, parse_tone, ToneParseError};
pub use presets::{CallWaitingGain, Region, ToneSet};

use std::time::Duration;

/// The level of a 0 dBm0 sine below digital full scale, in dB (ITU-T G.711's A-law overload
/// point; μ-law's is 3.17 dB).
#[allow(clippy::approx_constant)] // G.711's figure, which happens to look like π
pub const DBM0_BELOW_FULL_SCALE_DB: f32 = 3.14;

/// Peak amplitude, in 16-bit sample units, of a sine at `level_dbm0`.
pub fn dbm0_to_amplitude(level_dbm0: f32) -> f32 {
    f32::from(i16::MAX) * 10f32.powf((level_dbm0 - DBM0_BELOW_FULL_SCALE_DB) / 20.0)
}

/// The unit a tone string's cadence numbers count in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CadenceUnit {
    /// Tens of milliseconds, as the "Call Progress Tones" settings document (`c=200/400` is
    /// 2 s on, 4 s off).
    TenMilliseconds,
    /// Milliseconds, as "Default Ring Cadence" (`c=2000/4000;`) and the newer tone settings use.
    Milliseconds,
}

impl CadenceUnit {
    fn to_duration(self, count: u32) -> Duration {
        match self {
            Self::TenMilliseconds => Duration::from_millis(u64::from(count) * 10),
            Self::Milliseconds => Duration::from_millis(u64::from(count)),
        }
    }
}

/// One sine of a tone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneComponent {
    /// Frequency in Hz.
    pub frequency_hz: f32,
    /// Level in dBm0, when the string gives one (`f1=440@-19`); else the generator's default.
    pub level_dbm0: Option<f32>,
}

/// One on/off pair of a cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CadenceStep {
    /// How long the tone sounds.
    pub on: Duration,
    /// How long the silence after it lasts.
    pub off: Duration,
}

/// When a tone sounds: continuously, or up to three on/off pairs that repeat or play once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cadence {
    /// Always on (`c=0/0`, an off time of zero, or no cadence at all).
    Continuous,
    /// The steps in order, then again from the first when `repeat` is set.
    Pattern {
        /// The on/off pairs, one to three.
        steps: Vec<CadenceStep>,
        /// Whether the pattern starts over; a trailing `0/0` pair makes it play once.
        repeat: bool,
    },
}

impl Cadence {
    /// A repeating single on/off pair.
    pub fn on_off(on: Duration, off: Duration) -> Self {
        Self::Pattern {
            steps: vec![CadenceStep { on, off }],
            repeat: true,
        }
    }

    /// Whether the tone sounds `elapsed` after it started; `None` once a one-shot pattern is over.
    pub fn is_on_at(&self, elapsed: Duration) -> Option<bool> {
        let (steps, repeat) = match self {
            Self::Continuous => return Some(true),
            Self::Pattern { steps, repeat } => (steps, *repeat),
        };
        let period: Duration = steps.iter().map(|s| s.on + s.off).sum();
        if period.is_zero() {
            return Some(true);
        }
        let mut offset = if repeat {
            Duration::from_nanos((elapsed.as_nanos() % period.as_nanos()) as u64)
        } else if elapsed >= period {
            return None;
        } else {
            elapsed
        };
        for step in steps {
            if offset < step.on {
                return Some(true);
            }
            offset -= step.on;
            if offset < step.off {
                return Some(false);
            }
            offset -= step.off;
        }
        Some(false)
    }
}

/// A parsed tone: its sines and its cadence.
#[derive(Debug, Clone, PartialEq)]
pub struct ToneSpec {
    /// One or two sines, summed.
    pub components: Vec<ToneComponent>,
    /// When the tone sounds.
    pub cadence: Cadence,
}

impl ToneSpec {
    /// A tone of the given frequencies, all at `level_dbm0`, with a cadence.
    pub fn new(frequencies: &[f32], level_dbm0: f32, cadence: Cadence) -> Self {
        Self {
            components: frequencies
                .iter()
                .map(|&frequency_hz| ToneComponent {
                    frequency_hz,
                    level_dbm0: Some(level_dbm0),
                })
                .collect(),
            cadence,
        }
    }

    /// The same tone with every component at `level_dbm0`.
    pub fn with_level(mut self, level_dbm0: f32) -> Self {
        for component in &mut self.components {
            component.level_dbm0 = Some(level_dbm0);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    #[test]
    fn zero_dbm0_is_just_below_full_scale() {
        let amplitude = dbm0_to_amplitude(0.0);
        assert!((amplitude - 22_826.0).abs() < 10.0, "{amplitude}");
        assert!((dbm0_to_amplitude(-20.0) * 10.0 - amplitude).abs() < 1.0);
    }

    #[test]
    fn cadence_follows_its_steps_and_repeats() {
        let cadence = Cadence::Pattern {
            steps: vec![
                CadenceStep {
                    on: ms(400),
                    off: ms(200),
                },
                CadenceStep {
                    on: ms(400),
                    off: ms(2000),
                },
            ],
            repeat: true,
        };
        assert_eq!(cadence.is_on_at(ms(0)), Some(true));
        assert_eq!(cadence.is_on_at(ms(399)), Some(true));
        assert_eq!(cadence.is_on_at(ms(400)), Some(false));
        assert_eq!(cadence.is_on_at(ms(600)), Some(true));
        assert_eq!(cadence.is_on_at(ms(1000)), Some(false));
        assert_eq!(cadence.is_on_at(ms(3000)), Some(true));
        assert_eq!(cadence.is_on_at(ms(3000 * 5 + 450)), Some(false));
    }

    #[test]
    fn one_shot_cadence_ends() {
        let cadence = Cadence::Pattern {
            steps: vec![CadenceStep {
                on: ms(300),
                off: ms(2000),
            }],
            repeat: false,
        };
        assert_eq!(cadence.is_on_at(ms(100)), Some(true));
        assert_eq!(cadence.is_on_at(ms(2299)), Some(false));
        assert_eq!(cadence.is_on_at(ms(2300)), None);
        assert_eq!(Cadence::Continuous.is_on_at(ms(99_999)), Some(true));
    }
}
