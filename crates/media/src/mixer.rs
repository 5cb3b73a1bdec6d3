//! The conference mixer: every leg hears the sum of all the others (N-1 mixing).
//!
//! Legs (up to five far ends and the phone itself) each have their own sample rate; their frames
//! are resampled to one internal rate at the edges, summed in `i32`, and each leg's output is the
//! total minus its own contribution, clipped to 16 bits. Call [`Mixer::push`] with one frame per
//! leg, then [`Mixer::mix`], then read each leg's [`Mixer::output`]; a leg that pushed nothing
//! this round contributes silence.

use thiserror::Error;

use crate::resample::{saturate, ResampleError, Resampler};

/// The most legs a mixer takes: five participants and the phone itself.
pub const MAX_LEGS: usize = 6;

/// Why a mixer operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MixError {
    /// Already [`MAX_LEGS`] legs.
    #[error("the mixer already has {MAX_LEGS} legs")]
    Full,
    /// A leg id that is not (or no longer) in the mixer.
    #[error("no leg {0:?} in the mixer")]
    UnknownLeg(LegId),
    /// A frame of the wrong length for the leg's rate.
    #[error("expected a frame of {expected} samples, got {actual}")]
    FrameLength {
        /// Samples per frame at the leg's rate.
        expected: usize,
        /// Samples given.
        actual: usize,
    },
    /// A rate that does not make whole-sample frames, or that cannot be resampled.
    #[error("unsupported leg rate: {0}")]
    Rate(#[from] ResampleError),
    /// A rate whose frames are not a whole number of samples.
    #[error("{0} Hz does not give whole-sample frames")]
    FractionalFrame(u32),
}

/// Identifies a leg of a mixer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LegId(u32);

/// How the mixer works inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MixerConfig {
    /// The rate the legs are summed at, in Hz (16 or 48 kHz).
    pub internal_rate: u32,
    /// Frame length in milliseconds (10 or 20).
    pub frame_ms: u32,
}

impl Default for MixerConfig {
    fn default() -> Self {
        Self {
            internal_rate: 16_000,
            frame_ms: 20,
        }
    }
}

#[derive(Debug)]
struct Leg {
    id: LegId,
    rate: u32,
    gain: f32,
    muted: bool,
    into_mix: Resampler,
    out_of_mix: Resampler,
    /// This round's contribution at the internal rate, gain applied.
    contribution: Vec<i32>,
    pushed: bool,
    output: Vec<i16>,
}

/// An N-1 mixer for a local conference.
#[derive(Debug)]
pub struct Mixer {
    config: MixerConfig,
    legs: Vec<Leg>,
    next_id: u32,
    total: Vec<i32>,
    scratch: Vec<f32>,
}

impl Mixer {
    /// An empty mixer.
    pub fn new(config: MixerConfig) -> Result<Self, MixError> {
        frame_samples(config.internal_rate, config.frame_ms)?;
        Ok(Self {
            config,
            legs: Vec::new(),
            next_id: 0,
            total: Vec::new(),
            scratch: Vec::new(),
        })
    }

    /// Adds a leg whose audio comes and goes at `rate` Hz.
    pub fn add_leg(&mut self, rate: u32) -> Result<LegId, MixError> {
        if self.legs.len() == MAX_LEGS {
            return Err(MixError::Full);
        }
        let samples = frame_samples(rate, self.config.frame_ms)?;
        let id = LegId(self.next_id);
        self.next_id += 1;
        self.legs.push(Leg {
            id,
            rate,
            gain: 1.0,
            muted: false,
            into_mix: Resampler::new(rate, self.config.internal_rate)?,
            out_of_mix: Resampler::new(self.config.internal_rate, rate)?,
            contribution: Vec::new(),
            pushed: false,
            output: vec![0; samples],
        });
        Ok(id)
    }

    /// Removes a leg; the others stop hearing it from the next round.
    pub fn remove_leg(&mut self, id: LegId) -> Result<(), MixError> {
        let index = self.index(id)?;
        self.legs.remove(index);
        Ok(())
    }

    /// How many legs the mixer has.
    pub fn leg_count(&self) -> usize {
        self.legs.len()
    }

    /// Sets how loud a leg is in the others' mix, in dB (0 leaves it as it is).
    pub fn set_gain_db(&mut self, id: LegId, gain_db: f32) -> Result<(), MixError> {
        let index = self.index(id)?;
        self.legs[index].gain = 10f32.powf(gain_db / 20.0);
        Ok(())
    }

    /// Mutes or unmutes a leg: a muted leg still hears the others, who no longer hear it.
    pub fn set_muted(&mut self, id: LegId, muted: bool) -> Result<(), MixError> {
        let index = self.index(id)?;
        self.legs[index].muted = muted;
        Ok(())
    }

    /// Samples per frame at a leg's rate.
    pub fn frame_len(&self, id: LegId) -> Result<usize, MixError> {
        let index = self.index(id)?;
        frame_samples(self.legs[index].rate, self.config.frame_ms)
    }

    /// Gives this round's frame from a leg, at the leg's rate.
    pub fn push(&mut self, id: LegId, frame: &[i16]) -> Result<(), MixError> {
        let index = self.index(id)?;
        let expected = frame_samples(self.legs[index].rate, self.config.frame_ms)?;
        if frame.len() != expected {
            return Err(MixError::FrameLength {
                expected,
                actual: frame.len(),
            });
        }
        let leg = &mut self.legs[index];
        self.scratch.clear();
        let input: Vec<f32> = frame.iter().map(|&s| f32::from(s)).collect();
        leg.into_mix.process(&input, &mut self.scratch);
        let gain = leg.gain;
        leg.contribution.clear();
        leg.contribution
            .extend(self.scratch.iter().map(|&s| (s * gain).round() as i32));
        leg.pushed = true;
        Ok(())
    }

    /// Mixes the round: every leg's output becomes the sum of the other legs.
    pub fn mix(&mut self) {
        let samples = (self.config.internal_rate * self.config.frame_ms / 1000) as usize;
        self.total.clear();
        self.total.resize(samples, 0);
        for leg in &mut self.legs {
            if !leg.pushed {
                // Silence still goes through the resampler, so its history stays in time.
                let silence = vec![0.0; frame_samples_unchecked(leg.rate, self.config.frame_ms)];
                self.scratch.clear();
                leg.into_mix.process(&silence, &mut self.scratch);
                leg.contribution.clear();
                leg.contribution
                    .extend(self.scratch.iter().map(|&s| (s * leg.gain).round() as i32));
            }
            leg.contribution.resize(samples, 0);
            if leg.muted {
                leg.contribution.iter_mut().for_each(|s| *s = 0);
            }
            for (sum, &sample) in self.total.iter_mut().zip(&leg.contribution) {
                *sum += sample;
            }
        }
        for leg in &mut self.legs {
            self.scratch.clear();
            self.scratch.extend(
                self.total
                    .iter()
                    .zip(&leg.contribution)
                    .map(|(&sum, &own)| clip(sum - own)),
            );
            let mut resampled = Vec::with_capacity(leg.output.len());
            leg.out_of_mix.process(&self.scratch, &mut resampled);
            leg.output.clear();
            leg.output.extend(resampled.into_iter().map(saturate));
            leg.pushed = false;
        }
    }

    /// What a leg hears from the last [`mix`](Self::mix), at the leg's rate.
    pub fn output(&self, id: LegId) -> Result<&[i16], MixError> {
        let index = self.index(id)?;
        Ok(&self.legs[index].output)
    }

    fn index(&self, id: LegId) -> Result<usize, MixError> {
        self.legs
            .iter()
            .position(|leg| leg.id == id)
            .ok_or(MixError::UnknownLeg(id))
    }
}

/// Clips a sum to 16 bits before it is resampled, so loud talkers saturate instead of wrapping.
fn clip(sum: i32) -> f32 {
    sum.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as f32
}

fn frame_samples(rate: u32, frame_ms: u32) -> Result<usize, MixError> {
    let product = u64::from(rate) * u64::from(frame_ms);
    if product == 0 || !product.is_multiple_of(1000) || product > u64::from(u32::MAX) {
        return Err(MixError::FractionalFrame(rate));
    }
    Ok(frame_samples_unchecked(rate, frame_ms))
}

fn frame_samples_unchecked(rate: u32, frame_ms: u32) -> usize {
    (rate * frame_ms / 1000) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_signal::goertzel_power;

    fn tone(hz: f32, amplitude: f32, rate: u32, frame: usize, index: usize) -> Vec<i16> {
        (0..frame)
            .map(|n| {
                let t = (index * frame + n) as f32 / rate as f32;
                (amplitude * (2.0 * std::f32::consts::PI * hz * t).sin()) as i16
            })
            .collect()
    }

    fn power_at(samples: &[i16], hz: f32, rate: u32) -> f32 {
        let floats: Vec<f32> = samples.iter().map(|&s| f32::from(s)).collect();
        goertzel_power(&floats, hz, rate)
    }

    /// Runs `rounds` rounds with each leg sending its own tone (quiet enough that five of them
    /// never clip); returns what each leg heard.
    fn conference(mixer: &mut Mixer, legs: &[(LegId, u32, f32)], rounds: usize) -> Vec<Vec<i16>> {
        let mut heard = vec![Vec::new(); legs.len()];
        for round in 0..rounds {
            for &(id, rate, hz) in legs {
                let frame = mixer.frame_len(id).unwrap();
                mixer
                    .push(id, &tone(hz, 6000.0, rate, frame, round))
                    .unwrap();
            }
            mixer.mix();
            for (i, &(id, _, _)) in legs.iter().enumerate() {
                heard[i].extend_from_slice(mixer.output(id).unwrap());
            }
        }
        heard
    }

    #[test]
    fn each_leg_hears_the_others_but_not_itself_across_rates() {
        for config in [
            MixerConfig {
                internal_rate: 16_000,
                frame_ms: 20,
            },
            MixerConfig {
                internal_rate: 48_000,
                frame_ms: 10,
            },
        ] {
            let mut mixer = Mixer::new(config).unwrap();
            let legs: Vec<(LegId, u32, f32)> = [
                (8000, 500.0),
                (16000, 900.0),
                (48000, 1300.0),
                (8000, 1700.0),
                (16000, 2100.0),
                (48000, 2500.0),
            ]
            .into_iter()
            .map(|(rate, hz)| (mixer.add_leg(rate).unwrap(), rate, hz))
            .collect();
            let heard = conference(&mut mixer, &legs, 50);
            for (i, &(_, rate, own_hz)) in legs.iter().enumerate() {
                let settled = &heard[i][heard[i].len() / 2..];
                assert!(
                    power_at(settled, own_hz, rate) < 1e3,
                    "leg {i} hears itself"
                );
                for &(_, _, other_hz) in legs.iter().filter(|l| l.2 != own_hz) {
                    let power = power_at(settled, other_hz, rate);
                    let amplitude = (2.0 * power).sqrt();
                    assert!(
                        (amplitude - 6000.0).abs() < 300.0,
                        "leg {i} hears {other_hz} Hz at {amplitude}"
                    );
                }
            }
        }
    }

    #[test]
    fn mute_gain_and_missing_frames() {
        let mut mixer = Mixer::new(MixerConfig::default()).unwrap();
        let a = mixer.add_leg(16000).unwrap();
        let b = mixer.add_leg(16000).unwrap();
        let c = mixer.add_leg(16000).unwrap();
        mixer.set_muted(a, true).unwrap();
        mixer.set_gain_db(b, -6.0).unwrap();
        let legs = [(a, 16000, 600.0), (b, 16000, 1000.0)];
        let heard_b = {
            let mut heard = Vec::new();
            let mut heard_c = Vec::new();
            for round in 0..30 {
                for &(id, rate, hz) in &legs {
                    mixer.push(id, &tone(hz, 8000.0, rate, 320, round)).unwrap();
                }
                // Leg c sends nothing: it adds silence.
                mixer.mix();
                heard.extend_from_slice(mixer.output(b).unwrap());
                heard_c.extend_from_slice(mixer.output(c).unwrap());
            }
            let c_hears_b = (2.0 * power_at(&heard_c[4800..], 1000.0, 16000)).sqrt();
            assert!(
                (c_hears_b - 4000.0).abs() < 100.0,
                "-6 dB gain: {c_hears_b}"
            );
            assert!(
                power_at(&heard_c[4800..], 600.0, 16000) < 1.0,
                "muted leg is heard"
            );
            heard
        };
        assert!(
            heard_b[4800..].iter().all(|&s| s.abs() < 2),
            "b hears only silence"
        );
    }

    #[test]
    fn loud_legs_saturate_instead_of_wrapping() {
        let mut mixer = Mixer::new(MixerConfig::default()).unwrap();
        let ids: Vec<LegId> = (0..4).map(|_| mixer.add_leg(16000).unwrap()).collect();
        for _ in 0..10 {
            for &id in &ids {
                mixer.push(id, &[30000; 320]).unwrap();
            }
            mixer.mix();
        }
        let out = mixer.output(ids[0]).unwrap();
        assert!(
            out[100..].iter().all(|&s| s > 32000),
            "clipped near full scale: {:?}",
            &out[100..110]
        );
    }

    #[test]
    fn limits_and_errors() {
        let mut mixer = Mixer::new(MixerConfig::default()).unwrap();
        let first = mixer.add_leg(8000).unwrap();
        for _ in 1..MAX_LEGS {
            mixer.add_leg(48000).unwrap();
        }
        assert_eq!(mixer.add_leg(8000), Err(MixError::Full));
        assert_eq!(
            mixer.push(first, &[0; 100]),
            Err(MixError::FrameLength {
                expected: 160,
                actual: 100
            })
        );
        mixer.remove_leg(first).unwrap();
        assert_eq!(mixer.leg_count(), MAX_LEGS - 1);
        assert_eq!(
            mixer.push(first, &[0; 160]),
            Err(MixError::UnknownLeg(first))
        );
        assert_eq!(
            mixer.add_leg(11_025).unwrap_err(),
            MixError::FractionalFrame(11_025)
        );
        assert!(Mixer::new(MixerConfig {
            internal_rate: 16_000,
            frame_ms: 0
        })
        .is_err());
    }
}
