//! Call-progress tone sets per region, after ITU-T E.180 Supplement 2 (frequencies and
//! cadences). Levels follow the North American plan everywhere: dial and call-waiting tones at
//! -13 dBm0 per frequency, ringback at -19, busy and reorder at -24.

use std::time::Duration;

use super::{Cadence, CadenceStep, ToneSpec};

const DIAL_DBM0: f32 = -13.0;
const RINGBACK_DBM0: f32 = -19.0;
const BUSY_DBM0: f32 = -24.0;

/// A region whose tone plan the phone can follow ("Auto Config CPT by Region").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// United States and Canada (the phone's defaults).
    NorthAmerica,
    /// United Kingdom.
    UnitedKingdom,
    /// The CEPT plan most of continental Europe follows (425 Hz).
    Cept,
    /// China.
    China,
    /// Japan.
    Japan,
}

impl Region {
    /// Every region with a preset.
    pub const ALL: [Region; 5] = [
        Self::NorthAmerica,
        Self::UnitedKingdom,
        Self::Cept,
        Self::China,
        Self::Japan,
    ];

    /// The region's tone set.
    pub fn tones(self) -> ToneSet {
        match self {
            Self::NorthAmerica => ToneSet::north_american(),
            Self::UnitedKingdom => united_kingdom(),
            Self::Cept => cept(),
            Self::China => china(),
            Self::Japan => japan(),
        }
    }
}

/// "Call Waiting Tone Gain": Low, Medium or High (codes 0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallWaitingGain {
    /// The default: -20 dBm0 per frequency.
    #[default]
    Low,
    /// -14 dBm0 per frequency.
    Medium,
    /// -8 dBm0 per frequency.
    High,
}

impl CallWaitingGain {
    /// The setting's code (0 Low, 1 Medium, 2 High); `None` for other codes.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Low),
            1 => Some(Self::Medium),
            2 => Some(Self::High),
            _ => None,
        }
    }

    /// The level each frequency of the call-waiting tone plays at, in dBm0.
    pub fn level_dbm0(self) -> f32 {
        match self {
            Self::Low => -20.0,
            Self::Medium => -14.0,
            Self::High => -8.0,
        }
    }
}

/// The tones a phone plays for the states of a call, and the ring cadence.
#[derive(Debug, Clone, PartialEq)]
pub struct ToneSet {
    /// Off hook, ready to dial.
    pub dial: ToneSpec,
    /// After a dial-plan prefix that asks for a second dial tone.
    pub second_dial: ToneSpec,
    /// The far end is ringing.
    pub ringback: ToneSpec,
    /// The far end is busy.
    pub busy: ToneSpec,
    /// The call cannot be completed (congestion, no route).
    pub reorder: ToneSpec,
    /// A second call arrives during a call.
    pub call_waiting: ToneSpec,
    /// A feature code was accepted.
    pub confirmation: ToneSpec,
    /// Dial tone when voicemail is waiting (stutter dial tone).
    pub message_waiting: ToneSpec,
    /// On/off pattern of the ringer.
    pub ring_cadence: Cadence,
}

impl ToneSet {
    /// The North American set, which is the phone's default.
    pub fn north_american() -> Self {
        let dial = ToneSpec::new(&[350.0, 440.0], DIAL_DBM0, Cadence::Continuous);
        Self {
            second_dial: dial.clone(),
            confirmation: ToneSpec::new(&[350.0, 440.0], DIAL_DBM0, bursts(100, 100, 3)),
            message_waiting: ToneSpec::new(&[350.0, 440.0], DIAL_DBM0, on_off(100, 100)),
            dial,
            ringback: ToneSpec::new(&[440.0, 480.0], RINGBACK_DBM0, on_off(2000, 4000)),
            busy: ToneSpec::new(&[480.0, 620.0], BUSY_DBM0, on_off(500, 500)),
            reorder: ToneSpec::new(&[480.0, 620.0], BUSY_DBM0, on_off(250, 250)),
            call_waiting: ToneSpec::new(&[440.0], DIAL_DBM0, on_off(300, 9700)),
            ring_cadence: on_off(2000, 4000),
        }
    }

    /// The call-waiting tone at the level a "Call Waiting Tone Gain" asks for.
    pub fn call_waiting_at(&self, gain: CallWaitingGain) -> ToneSpec {
        self.call_waiting.clone().with_level(gain.level_dbm0())
    }
}

/// A single-frequency set in the style most national plans use.
fn single_frequency(hz: f32, plan: SinglePlan) -> ToneSet {
    let dial = ToneSpec::new(&[hz], DIAL_DBM0, Cadence::Continuous);
    ToneSet {
        second_dial: dial.clone(),
        confirmation: ToneSpec::new(&[hz], DIAL_DBM0, bursts(100, 100, 3)),
        message_waiting: ToneSpec::new(&[hz], DIAL_DBM0, on_off(100, 100)),
        dial,
        ringback: ToneSpec::new(&[hz], RINGBACK_DBM0, plan.ringback.clone()),
        busy: ToneSpec::new(&[hz], BUSY_DBM0, plan.busy),
        reorder: ToneSpec::new(&[hz], BUSY_DBM0, plan.reorder),
        call_waiting: ToneSpec::new(&[hz], DIAL_DBM0, plan.call_waiting),
        ring_cadence: plan.ringback,
    }
}

struct SinglePlan {
    ringback: Cadence,
    busy: Cadence,
    reorder: Cadence,
    call_waiting: Cadence,
}

fn united_kingdom() -> ToneSet {
    let double_ring = steps(&[(400, 200), (400, 2000)]);
    ToneSet {
        dial: ToneSpec::new(&[350.0, 440.0], DIAL_DBM0, Cadence::Continuous),
        second_dial: ToneSpec::new(&[350.0, 440.0], DIAL_DBM0, Cadence::Continuous),
        ringback: ToneSpec::new(&[400.0, 450.0], RINGBACK_DBM0, double_ring.clone()),
        busy: ToneSpec::new(&[400.0], BUSY_DBM0, on_off(375, 375)),
        reorder: ToneSpec::new(&[400.0], BUSY_DBM0, steps(&[(400, 350), (225, 525)])),
        call_waiting: ToneSpec::new(&[400.0], DIAL_DBM0, on_off(100, 3000)),
        confirmation: ToneSpec::new(&[350.0, 440.0], DIAL_DBM0, bursts(100, 100, 3)),
        message_waiting: ToneSpec::new(&[350.0, 440.0], DIAL_DBM0, on_off(750, 750)),
        ring_cadence: double_ring,
    }
}

fn cept() -> ToneSet {
    single_frequency(
        425.0,
        SinglePlan {
            ringback: on_off(1000, 4000),
            busy: on_off(500, 500),
            reorder: on_off(250, 250),
            call_waiting: steps(&[(200, 200), (200, 4400)]),
        },
    )
}

fn china() -> ToneSet {
    single_frequency(
        450.0,
        SinglePlan {
            ringback: on_off(1000, 4000),
            busy: on_off(350, 350),
            reorder: on_off(700, 700),
            call_waiting: on_off(400, 4000),
        },
    )
}

fn japan() -> ToneSet {
    let mut set = single_frequency(
        400.0,
        SinglePlan {
            ringback: on_off(1000, 2000),
            busy: on_off(500, 500),
            reorder: on_off(500, 500),
            call_waiting: steps(&[(100, 100), (100, 3000)]),
        },
    );
    // Japanese ringback is 400 Hz modulated at 16 Hz: two sines 16 Hz apart beat the same way.
    set.ringback = ToneSpec::new(&[400.0, 416.0], RINGBACK_DBM0, on_off(1000, 2000));
    set
}

fn on_off(on_ms: u64, off_ms: u64) -> Cadence {
    Cadence::on_off(Duration::from_millis(on_ms), Duration::from_millis(off_ms))
}

fn steps(pairs: &[(u64, u64)]) -> Cadence {
    Cadence::Pattern {
        steps: pairs
            .iter()
            .map(|&(on, off)| CadenceStep {
                on: Duration::from_millis(on),
                off: Duration::from_millis(off),
            })
            .collect(),
        repeat: true,
    }
}

/// `count` bursts played once.
fn bursts(on_ms: u64, off_ms: u64, count: usize) -> Cadence {
    Cadence::Pattern {
        steps: vec![
            CadenceStep {
                on: Duration::from_millis(on_ms),
                off: Duration::from_millis(off_ms),
            };
            count
        ],
        repeat: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone::{parse_cadence, parse_tone, CadenceUnit};

    fn frequencies(spec: &ToneSpec) -> Vec<f32> {
        spec.components.iter().map(|c| c.frequency_hz).collect()
    }

    #[test]
    fn north_american_set_matches_the_default_settings() {
        let set = ToneSet::north_american();
        let unit = CadenceUnit::TenMilliseconds;
        for (preset, setting) in [
            (&set.dial, "f1=350,f2=440;"),
            (&set.ringback, "f1=440,f2=480,c=200/400;"),
            (&set.busy, "f1=480,f2=620,c=50/50;"),
            (&set.reorder, "f1=480,f2=620,c=25/25;"),
        ] {
            let parsed = parse_tone(setting, unit).unwrap();
            assert_eq!(frequencies(preset), frequencies(&parsed), "{setting}");
            assert_eq!(preset.cadence, parsed.cadence, "{setting}");
        }
        assert_eq!(frequencies(&set.call_waiting), [440.0]);
        assert_eq!(
            set.ring_cadence,
            parse_cadence("c=2000/4000;", CadenceUnit::Milliseconds).unwrap()
        );
        assert_eq!(set.busy.components[0].level_dbm0, Some(-24.0));
    }

    #[test]
    fn regions_use_their_own_frequencies() {
        assert_eq!(frequencies(&Region::Cept.tones().dial), [425.0]);
        assert_eq!(frequencies(&Region::China.tones().busy), [450.0]);
        assert_eq!(
            frequencies(&Region::UnitedKingdom.tones().ringback),
            [400.0, 450.0]
        );
        assert_eq!(frequencies(&Region::Japan.tones().dial), [400.0]);
        assert_eq!(Region::NorthAmerica.tones(), ToneSet::north_american());
        for region in Region::ALL {
            let set = region.tones();
            for tone in [
                &set.dial,
                &set.ringback,
                &set.busy,
                &set.reorder,
                &set.call_waiting,
            ] {
                assert!(!tone.components.is_empty(), "{region:?}");
                assert!(tone.components.iter().all(|c| c.frequency_hz < 4000.0));
            }
            assert_ne!(
                set.busy.cadence,
                Cadence::Continuous,
                "{region:?} busy must pulse"
            );
        }
    }

    #[test]
    fn call_waiting_gain_sets_the_level() {
        assert_eq!(CallWaitingGain::from_code(2), Some(CallWaitingGain::High));
        assert_eq!(CallWaitingGain::from_code(3), None);
        let set = ToneSet::north_american();
        let loud = set.call_waiting_at(CallWaitingGain::High);
        let quiet = set.call_waiting_at(CallWaitingGain::default());
        assert_eq!(loud.components[0].level_dbm0, Some(-8.0));
        assert_eq!(quiet.components[0].level_dbm0, Some(-20.0));
        assert_eq!(loud.cadence, set.call_waiting.cadence);
    }
}
