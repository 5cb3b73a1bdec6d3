//! The tone string syntax: `f1=val[@gain],f2=val[@gain],c=on1/off1[-on2/off2[-on3/off3]];`.

use std::time::Duration;

use thiserror::Error;

use super::{Cadence, CadenceStep, CadenceUnit, ToneComponent, ToneSpec};

/// Frequencies a tone may use, in Hz: audible and below the 8 kHz Nyquist frequency, so a tone
/// sounds the same on every codec.
const FREQUENCY_RANGE: std::ops::RangeInclusive<f32> = 20.0..=3999.0;
/// Levels a component may ask for, in dBm0.
const LEVEL_RANGE: std::ops::RangeInclusive<f32> = -60.0..=3.0;
/// The syntax allows up to three on/off pairs.
const MAX_CADENCE_STEPS: usize = 3;

/// What is wrong with a tone or cadence string.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ToneParseError {
    /// Nothing but spaces and `;`.
    #[error("the tone string is empty")]
    Empty,
    /// Text after the closing `;`.
    #[error("unexpected text after ';': {0:?}")]
    TrailingText(String),
    /// An item without `=`.
    #[error("expected key=value, found {0:?}")]
    MalformedItem(String),
    /// A key other than `f1`, `f2` and `c`.
    #[error("unknown key {0:?} (expected f1, f2 or c)")]
    UnknownKey(String),
    /// The same key twice.
    #[error("{0} is given more than once")]
    DuplicateKey(String),
    /// A frequency that is not a number.
    #[error("{key}: {value:?} is not a frequency in Hz")]
    InvalidFrequency {
        /// `f1` or `f2`.
        key: String,
        /// The text found.
        value: String,
    },
    /// A frequency outside 20 to 3999 Hz.
    #[error("{key}: {hz} Hz is outside 20 to 3999 Hz")]
    FrequencyOutOfRange {
        /// `f1` or `f2`.
        key: String,
        /// The frequency found.
        hz: f32,
    },
    /// A gain after `@` that is not a number.
    #[error("{key}: {value:?} is not a gain in dBm0")]
    InvalidGain {
        /// `f1` or `f2`.
        key: String,
        /// The text found.
        value: String,
    },
    /// A gain outside -60 to +3 dBm0.
    #[error("{key}: {dbm0} dBm0 is outside -60 to +3 dBm0")]
    GainOutOfRange {
        /// `f1` or `f2`.
        key: String,
        /// The gain found.
        dbm0: f32,
    },
    /// An on/off pair that is not two whole numbers separated by `/`.
    #[error("cadence step {0:?} is not on/off (two whole numbers)")]
    InvalidCadenceStep(String),
    /// More than three on/off pairs.
    #[error("the cadence has {0} on/off pairs; at most 3 are allowed")]
    TooManyCadenceSteps(usize),
    /// Steps after a `0/0` pair, which ends the pattern.
    #[error("the cadence has steps after 0/0, which ends it")]
    StepsAfterEnd,
    /// A tone string without `f1` or `f2`.
    #[error("the tone has no frequency (f1=...)")]
    NoFrequency,
}

/// Parses a tone setting such as `f1=440,f2=480,c=200/400;`, with cadence numbers in `unit`.
///
/// A frequency of 0 means "no such component"; two equal frequencies make one sine (the default
/// call-waiting string names 440 Hz twice for a single 440 Hz tone).
pub fn parse_tone(text: &str, unit: CadenceUnit) -> Result<ToneSpec, ToneParseError> {
    let body = statement(text)?;
    let mut components: Vec<(String, ToneComponent)> = Vec::new();
    let mut cadence = None;
    let mut seen: Vec<String> = Vec::new();
    for item in body.split(',').map(str::trim) {
        let Some((key, value)) = item.split_once('=') else {
            return Err(ToneParseError::MalformedItem(item.to_owned()));
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        if seen.contains(&key) {
            return Err(ToneParseError::DuplicateKey(key));
        }
        seen.push(key.clone());
        match key.as_str() {
            "f1" | "f2" => {
                if let Some(component) = frequency(&key, value)? {
                    components.push((key, component));
                }
            }
            "c" => cadence = Some(cadence_steps(value, unit)?),
            _ => return Err(ToneParseError::UnknownKey(key)),
        }
    }
    components.sort_by(|a, b| a.0.cmp(&b.0));
    let mut unique: Vec<ToneComponent> = Vec::new();
    for (_, component) in components {
        if !unique
            .iter()
            .any(|u| u.frequency_hz == component.frequency_hz)
        {
            unique.push(component);
        }
    }
    if unique.is_empty() {
        return Err(ToneParseError::NoFrequency);
    }
    Ok(ToneSpec {
        components: unique,
        cadence: cadence.unwrap_or(Cadence::Continuous),
    })
}

/// Parses a cadence on its own, such as "Default Ring Cadence" `c=2000/4000;` (or `2000/4000`).
pub fn parse_cadence(text: &str, unit: CadenceUnit) -> Result<Cadence, ToneParseError> {
    let body = statement(text)?;
    let value = match body.split_once('=') {
        Some((key, value)) if key.trim().eq_ignore_ascii_case("c") => value.trim(),
        Some((key, _)) => return Err(ToneParseError::UnknownKey(key.trim().to_owned())),
        None => body,
    };
    cadence_steps(value, unit)
}

/// The text before the closing `;`, trimmed; nothing but blanks may follow it.
fn statement(text: &str) -> Result<&str, ToneParseError> {
    let (body, rest) = text.split_once(';').unwrap_or((text, ""));
    let rest = rest.trim_matches(|c: char| c.is_whitespace() || c == ';');
    if !rest.is_empty() {
        return Err(ToneParseError::TrailingText(rest.to_owned()));
    }
    let body = body.trim();
    if body.is_empty() {
        return Err(ToneParseError::Empty);
    }
    Ok(body)
}

fn frequency(key: &str, value: &str) -> Result<Option<ToneComponent>, ToneParseError> {
    let (hz_text, gain_text) = match value.split_once('@') {
        Some((hz, gain)) => (hz.trim(), Some(gain.trim())),
        None => (value, None),
    };
    let hz: f32 = hz_text
        .parse()
        .ok()
        .filter(|hz: &f32| hz.is_finite())
        .ok_or_else(|| ToneParseError::InvalidFrequency {
            key: key.to_owned(),
            value: hz_text.to_owned(),
        })?;
    if hz == 0.0 {
        return Ok(None);
    }
    if !FREQUENCY_RANGE.contains(&hz) {
        return Err(ToneParseError::FrequencyOutOfRange {
            key: key.to_owned(),
            hz,
        });
    }
    let level_dbm0 = match gain_text {
        None => None,
        Some(text) => {
            let dbm0: f32 = text
                .parse()
                .ok()
                .filter(|g: &f32| g.is_finite())
                .ok_or_else(|| ToneParseError::InvalidGain {
                    key: key.to_owned(),
                    value: text.to_owned(),
                })?;
            if !LEVEL_RANGE.contains(&dbm0) {
                return Err(ToneParseError::GainOutOfRange {
                    key: key.to_owned(),
                    dbm0,
                });
            }
            Some(dbm0)
        }
    };
    Ok(Some(ToneComponent {
        frequency_hz: hz,
        level_dbm0,
    }))
}

/// `on/off[-on/off[-on/off]]`. All zero, or no off time at all, is continuous; a `0/0` after
/// real steps ends a pattern that plays once.
fn cadence_steps(value: &str, unit: CadenceUnit) -> Result<Cadence, ToneParseError> {
    let pairs: Vec<&str> = value.split('-').map(str::trim).collect();
    if pairs.len() > MAX_CADENCE_STEPS {
        return Err(ToneParseError::TooManyCadenceSteps(pairs.len()));
    }
    let mut steps = Vec::new();
    let mut ended = false;
    for pair in pairs {
        let invalid = || ToneParseError::InvalidCadenceStep(pair.to_owned());
        let (on, off) = pair.split_once('/').ok_or_else(invalid)?;
        let on: u32 = on.trim().parse().map_err(|_| invalid())?;
        let off: u32 = off.trim().parse().map_err(|_| invalid())?;
        if on == 0 && off == 0 {
            ended = true;
            continue;
        }
        if ended {
            return Err(ToneParseError::StepsAfterEnd);
        }
        steps.push(CadenceStep {
            on: unit.to_duration(on),
            off: unit.to_duration(off),
        });
    }
    let silent: Duration = steps.iter().map(|s| s.off).sum();
    if steps.is_empty() || (silent.is_zero() && !ended) {
        return Ok(Cadence::Continuous);
    }
    Ok(Cadence::Pattern {
        steps,
        repeat: !ended,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    fn freqs(spec: &ToneSpec) -> Vec<f32> {
        spec.components.iter().map(|c| c.frequency_hz).collect()
    }

    #[test]
    fn the_default_settings_parse() {
        let ten = CadenceUnit::TenMilliseconds;
        let dial = parse_tone("f1=350,f2=440;", ten).unwrap();
        assert_eq!(freqs(&dial), [350.0, 440.0]);
        assert_eq!(dial.cadence, Cadence::Continuous);
        let ringback = parse_tone("f1=440,f2=480,c=200/400;", ten).unwrap();
        assert_eq!(ringback.cadence, Cadence::on_off(ms(2000), ms(4000)));
        let busy = parse_tone("f1=480,f2=620,c=50/50;", ten).unwrap();
        assert_eq!(busy.cadence, Cadence::on_off(ms(500), ms(500)));
        let reorder = parse_tone("f1=480,f2=620,c=25/25;", ten).unwrap();
        assert_eq!(reorder.cadence, Cadence::on_off(ms(250), ms(250)));
        let waiting = parse_tone("f1=440,f2=440,c=25/525;", ten).unwrap();
        assert_eq!(freqs(&waiting), [440.0]);
        assert_eq!(waiting.cadence, Cadence::on_off(ms(250), ms(5250)));
        let continuous = parse_tone("f1=350,f2=440,c=0/0;", ten).unwrap();
        assert_eq!(continuous.cadence, Cadence::Continuous);
    }

    #[test]
    fn millisecond_strings_with_gains_and_several_steps_parse() {
        let unit = CadenceUnit::Milliseconds;
        let disconnect = parse_tone("f1=480@-32,f2=620@-32,c=500/500;", unit).unwrap();
        assert_eq!(disconnect.components[0].level_dbm0, Some(-32.0));
        assert_eq!(disconnect.cadence, Cadence::on_off(ms(500), ms(500)));
        let confirm = parse_tone("f1=350,f2=440,c=100/100-100/100-100/100;", unit).unwrap();
        let Cadence::Pattern { steps, repeat } = confirm.cadence else {
            panic!("expected a pattern");
        };
        assert_eq!(steps.len(), 3);
        assert!(repeat);
        let waiting = parse_tone("f1=440,c=300/2000-300/2000-0/0;", unit).unwrap();
        assert_eq!(freqs(&waiting), [440.0]);
        assert_eq!(
            waiting.cadence,
            Cadence::Pattern {
                steps: vec![
                    CadenceStep {
                        on: ms(300),
                        off: ms(2000)
                    };
                    2
                ],
                repeat: false
            }
        );
        assert_eq!(
            parse_cadence("c=2000/4000;", unit).unwrap(),
            Cadence::on_off(ms(2000), ms(4000))
        );
        assert_eq!(
            parse_cadence(" 40/20-40/200 ", CadenceUnit::TenMilliseconds).unwrap(),
            Cadence::Pattern {
                steps: vec![
                    CadenceStep {
                        on: ms(400),
                        off: ms(200)
                    },
                    CadenceStep {
                        on: ms(400),
                        off: ms(2000)
                    }
                ],
                repeat: true
            }
        );
    }

    #[test]
    fn spaces_case_and_a_missing_semicolon_are_tolerated() {
        let spec = parse_tone(" F1 = 425 , c = 100/400 ", CadenceUnit::Milliseconds).unwrap();
        assert_eq!(freqs(&spec), [425.0]);
        assert_eq!(spec.cadence, Cadence::on_off(ms(100), ms(400)));
        // An on time with no off time is continuous, as the syntax documents.
        let steady = parse_tone("f1=425,c=100/0;", CadenceUnit::Milliseconds).unwrap();
        assert_eq!(steady.cadence, Cadence::Continuous);
        let zero_second = parse_tone("f1=425,f2=0;", CadenceUnit::Milliseconds).unwrap();
        assert_eq!(freqs(&zero_second), [425.0]);
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let unit = CadenceUnit::TenMilliseconds;
        let cases: Vec<(&str, ToneParseError)> = vec![
            ("", ToneParseError::Empty),
            (" ; ", ToneParseError::Empty),
            (
                "f1=350;f2=440",
                ToneParseError::TrailingText("f2=440".into()),
            ),
            ("f1", ToneParseError::MalformedItem("f1".into())),
            ("f3=350", ToneParseError::UnknownKey("f3".into())),
            ("f1=350,f1=440", ToneParseError::DuplicateKey("f1".into())),
            (
                "f1=abc",
                ToneParseError::InvalidFrequency {
                    key: "f1".into(),
                    value: "abc".into(),
                },
            ),
            (
                "f1=5000",
                ToneParseError::FrequencyOutOfRange {
                    key: "f1".into(),
                    hz: 5000.0,
                },
            ),
            (
                "f1=-5",
                ToneParseError::FrequencyOutOfRange {
                    key: "f1".into(),
                    hz: -5.0,
                },
            ),
            (
                "f2=440@loud",
                ToneParseError::InvalidGain {
                    key: "f2".into(),
                    value: "loud".into(),
                },
            ),
            (
                "f2=440@-90",
                ToneParseError::GainOutOfRange {
                    key: "f2".into(),
                    dbm0: -90.0,
                },
            ),
            (
                "f1=440,c=200",
                ToneParseError::InvalidCadenceStep("200".into()),
            ),
            (
                "f1=440,c=2x/4",
                ToneParseError::InvalidCadenceStep("2x/4".into()),
            ),
            (
                "f1=440,c=1/1-1/1-1/1-1/1",
                ToneParseError::TooManyCadenceSteps(4),
            ),
            ("f1=440,c=0/0-10/10", ToneParseError::StepsAfterEnd),
            ("c=10/10", ToneParseError::NoFrequency),
            ("f1=0", ToneParseError::NoFrequency),
            (
                "f1=NaN",
                ToneParseError::InvalidFrequency {
                    key: "f1".into(),
                    value: "NaN".into(),
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_tone(text, unit).unwrap_err(), expected, "{text:?}");
        }
        assert_eq!(
            parse_cadence("f1=440", CadenceUnit::Milliseconds).unwrap_err(),
            ToneParseError::UnknownKey("f1".into())
        );
        assert!(ToneParseError::UnknownKey("f3".into())
            .to_string()
            .contains("f3"));
    }
}
