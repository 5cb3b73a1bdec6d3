//! The G.726 ADPCM core at 32 kbit/s (4-bit codes), following the block diagram of ITU-T G.726
//! with uniform PCM input and output: adaptive quantizer, scale factor adaptation with speed
//! control, sixth-order zero / second-order pole predictor, tone and transition detection.
//!
//! Numbers carry the bit widths of the Recommendation: the signal is 14-bit, the predictor's
//! history is kept in G.726's 11-bit floating-point format (sign, 4-bit exponent, 6-bit mantissa).

/// Quantizer decision thresholds for 32 kbit/s, log2 domain in units of 1/128 (Table 7/G.726).
const DECISION_LEVELS: [i32; 7] = [-124, 80, 178, 246, 300, 349, 400];
/// Reconstruction levels log2|Dq| - y per 4-bit code, units of 1/128 (Table 6/G.726).
const RECONSTRUCTION_LOG: [i32; 16] = [
    -2048, 4, 135, 213, 273, 323, 373, 425, 425, 373, 323, 273, 213, 135, 4, -2048,
];
/// Scale factor multipliers W(I), units of 1/16 before the <<5 of FUNCTW.
const SCALE_WEIGHT: [i32; 16] = [
    -12, 18, 41, 64, 112, 198, 355, 1122, 1122, 355, 198, 112, 64, 41, 18, -12,
];
/// Rate-of-change function F(I) for speed control, units of 1/512.
const RATE_OF_CHANGE: [i32; 16] = [
    0, 0, 0, 0x200, 0x200, 0x200, 0x600, 0xE00, 0xE00, 0x600, 0x200, 0x200, 0x200, 0, 0, 0,
];

/// Floating-point zero, as stored for a positive zero in the predictor history.
const FLOAT_ZERO: i32 = 0x20;
/// Floating-point zero for a negative zero: the sign makes the stored value negative, which is
/// what the sign tests of FMULT and UPB look at.
const FLOAT_NEGATIVE_ZERO: i32 = FLOAT_ZERO - 0x400;

/// Number of bits needed to write `value` (0 for 0), capped at 15 as G.726's shifters are.
fn bit_length(value: i32) -> i32 {
    (32 - (value as u32).leading_zeros() as i32).min(15)
}

/// Converts a sign-magnitude or two's-complement value into the 11-bit predictor float format.
fn to_float(negative: bool, magnitude: i32) -> i32 {
    if magnitude == 0 {
        return if negative {
            FLOAT_NEGATIVE_ZERO
        } else {
            FLOAT_ZERO
        };
    }
    let exponent = bit_length(magnitude);
    let value = (exponent << 6) + ((magnitude << 6) >> exponent);
    if negative {
        value - 0x400
    } else {
        value
    }
}

/// FMULT: multiplies a predictor coefficient by a history value in float format.
fn float_multiply(coefficient: i32, history: i32) -> i32 {
    let magnitude = if coefficient > 0 {
        coefficient
    } else {
        (-coefficient) & 0x1FFF
    };
    let exponent = bit_length(magnitude) - 6;
    let mantissa = if magnitude == 0 {
        32
    } else if exponent >= 0 {
        magnitude >> exponent
    } else {
        magnitude << -exponent
    };
    let product_exponent = exponent + ((history >> 6) & 0xF) - 13;
    let product_mantissa = (mantissa * (history & 0x3F) + 0x30) >> 4;
    let product = if product_exponent >= 0 {
        (product_mantissa << product_exponent) & 0x7FFF
    } else {
        product_mantissa >> -product_exponent
    };
    if (coefficient ^ history) < 0 {
        -product
    } else {
        product
    }
}

/// State of one G.726 encoder or decoder (both run the same adaptation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AdpcmState {
    /// Locked (long-term) quantizer scale factor, 19 bits.
    yl: i32,
    /// Unlocked (short-term) quantizer scale factor, 13 bits.
    yu: i32,
    /// Short-term average of F(I).
    dms: i32,
    /// Long-term average of F(I).
    dml: i32,
    /// Speed control parameter.
    ap: i32,
    /// Pole predictor coefficients a1, a2.
    a: [i32; 2],
    /// Zero predictor coefficients b1..b6.
    b: [i32; 6],
    /// Signs of the last two partial signals.
    pk: [bool; 2],
    /// Last six quantized differences, float format.
    dq: [i32; 6],
    /// Last two reconstructed signals, float format.
    sr: [i32; 2],
    /// Tone detected.
    td: bool,
}

impl Default for AdpcmState {
    fn default() -> Self {
        Self {
            yl: 34816,
            yu: 544,
            dms: 0,
            dml: 0,
            ap: 0,
            a: [0; 2],
            b: [0; 6],
            pk: [false; 2],
            dq: [FLOAT_ZERO; 6],
            sr: [FLOAT_ZERO; 2],
            td: false,
        }
    }
}

/// What the predictor expects for the next sample.
struct Prediction {
    /// Full signal estimate se.
    signal: i32,
    /// Zero-section part of it, sez.
    zero_part: i32,
}

impl AdpcmState {
    /// Encodes one 14-bit sample into a 4-bit code.
    pub(crate) fn encode(&mut self, sample: i32) -> u8 {
        let prediction = self.predict();
        let difference = sample - prediction.signal;
        let step = self.step_size();
        let code = quantize(difference, step);
        self.reconstruct_and_adapt(code, step, &prediction);
        code
    }

    /// Decodes one 4-bit code into a 14-bit sample.
    pub(crate) fn decode(&mut self, code: u8) -> i32 {
        let prediction = self.predict();
        let step = self.step_size();
        self.reconstruct_and_adapt(code & 0x0F, step, &prediction)
    }

    /// FMULT/ACCUM: the predictor's estimate of the next sample.
    fn predict(&self) -> Prediction {
        let zero_sum: i32 = self
            .b
            .iter()
            .zip(&self.dq)
            .map(|(b, dq)| float_multiply(b >> 2, *dq))
            .sum();
        let pole_sum =
            float_multiply(self.a[1] >> 2, self.sr[1]) + float_multiply(self.a[0] >> 2, self.sr[0]);
        Prediction {
            signal: (zero_sum + pole_sum) >> 1,
            zero_part: zero_sum >> 1,
        }
    }

    /// MIX: the quantizer scale factor y, between the unlocked and locked factors.
    fn step_size(&self) -> i32 {
        if self.ap >= 256 {
            return self.yu;
        }
        let locked = self.yl >> 6;
        let difference = self.yu - locked;
        let weight = self.ap >> 2;
        if difference > 0 {
            locked + ((difference * weight) >> 6)
        } else if difference < 0 {
            locked + ((difference * weight + 0x3F) >> 6)
        } else {
            locked
        }
    }

    /// Inverse quantizer, reconstruction and all adaptation; returns the reconstructed sample.
    fn reconstruct_and_adapt(&mut self, code: u8, step: i32, prediction: &Prediction) -> i32 {
        let index = usize::from(code);
        let dq = reconstruct(code & 0x08 != 0, RECONSTRUCTION_LOG[index], step);
        let sr = if dq < 0 {
            prediction.signal - (dq & 0x3FFF)
        } else {
            prediction.signal + dq
        };
        let partial = sr + prediction.zero_part - prediction.signal;
        self.adapt(
            step,
            SCALE_WEIGHT[index] << 5,
            RATE_OF_CHANGE[index],
            dq,
            sr,
            partial,
        );
        sr
    }

    /// The adaptation blocks of G.726: scale factor, predictor coefficients, history, tone and
    /// transition detection, speed control.
    fn adapt(&mut self, y: i32, wi: i32, fi: i32, dq: i32, sr: i32, partial: i32) {
        let partial_negative = partial < 0;
        let dq_magnitude = dq & 0x7FFF;

        // TRANS: a tone that ends abruptly resets the predictor.
        let yl_int = self.yl >> 15;
        let yl_frac = (self.yl >> 10) & 0x1F;
        let threshold1 = (32 + yl_frac) << yl_int;
        let threshold2 = if yl_int > 9 { 31 << 10 } else { threshold1 };
        let dq_threshold = (threshold2 + (threshold2 >> 1)) >> 1;
        let transition = self.td && dq_magnitude > dq_threshold;

        // FUNCTW, FILTD, LIMB, FILTE: quantizer scale factor adaptation.
        self.yu = (y + ((wi - y) >> 5)).clamp(544, 5120);
        self.yl += self.yu + ((-self.yl) >> 6);

        let mut a2 = 0;
        if transition {
            self.a = [0; 2];
            self.b = [0; 6];
        } else {
            let sign_changed = partial_negative != self.pk[0];
            // UPA2
            a2 = self.a[1] - (self.a[1] >> 7);
            if partial != 0 {
                let fa1 = if sign_changed { self.a[0] } else { -self.a[0] };
                if fa1 < -8191 {
                    a2 -= 0x100;
                } else if fa1 > 8191 {
                    a2 += 0xFF;
                } else {
                    a2 += fa1 >> 5;
                }
                if partial_negative != self.pk[1] {
                    a2 = if a2 <= -12160 {
                        -12288
                    } else if a2 >= 12416 {
                        12288
                    } else {
                        a2 - 0x80
                    };
                } else {
                    a2 = if a2 <= -12416 {
                        -12288
                    } else if a2 >= 12160 {
                        12288
                    } else {
                        a2 + 0x80
                    };
                }
            }
            self.a[1] = a2;
            // UPA1, LIMD
            self.a[0] -= self.a[0] >> 8;
            if partial != 0 {
                self.a[0] += if sign_changed { -192 } else { 192 };
            }
            let a1_limit = 15360 - a2;
            self.a[0] = self.a[0].clamp(-a1_limit, a1_limit);
            // UPB
            for (b, history) in self.b.iter_mut().zip(&self.dq) {
                *b -= *b >> 8;
                if dq_magnitude != 0 {
                    *b += if (dq ^ history) >= 0 { 128 } else { -128 };
                }
            }
        }

        // FLOAT A, FLOAT B and the delay lines.
        self.dq.copy_within(0..5, 1);
        self.dq[0] = to_float(dq < 0, dq_magnitude);
        self.sr[1] = self.sr[0];
        self.sr[0] = if sr <= -32768 {
            FLOAT_NEGATIVE_ZERO
        } else {
            to_float(sr < 0, sr.abs())
        };
        self.pk = [partial_negative, self.pk[0]];

        // TONE
        self.td = !transition && a2 < -11776;

        // FILTA, FILTB, FILTC: adaptation speed control.
        self.dms += (fi - self.dms) >> 5;
        self.dml += ((fi << 2) - self.dml) >> 7;
        if transition {
            self.ap = 256;
        } else if y < 1536 || self.td || ((self.dms << 2) - self.dml).abs() >= (self.dml >> 3) {
            self.ap += (0x200 - self.ap) >> 4;
        } else {
            self.ap += (-self.ap) >> 4;
        }
    }
}

/// QUAN with LOG and SUBTB: the 4-bit code for difference `d` at scale factor `y`.
fn quantize(d: i32, y: i32) -> u8 {
    let magnitude = d.abs();
    let exponent = bit_length(magnitude >> 1);
    let mantissa = ((magnitude << 7) >> exponent) & 0x7F;
    let log_magnitude = (exponent << 7) + mantissa;
    let normalized = log_magnitude - (y >> 2);
    let level = DECISION_LEVELS
        .iter()
        .take_while(|threshold| normalized >= **threshold)
        .count() as u8;
    if d < 0 {
        15 - level
    } else if level == 0 {
        // Code 0 is not used for a positive difference; it would mean "negative zero".
        15
    } else {
        level
    }
}

/// RECONST, ADDA, ANTILOG: quantized difference in sign-magnitude form (sign as bit 15).
fn reconstruct(negative: bool, log_level: i32, y: i32) -> i32 {
    let log_value = log_level + (y >> 2);
    if log_value < 0 {
        return if negative { -0x8000 } else { 0 };
    }
    let exponent = (log_value >> 7) & 15;
    let mantissa = 128 + (log_value & 127);
    let magnitude = (mantissa << 7) >> (14 - exponent);
    if negative {
        magnitude - 0x8000
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_stays_silent() {
        let mut state = AdpcmState::default();
        let codes: Vec<u8> = (0..200).map(|_| state.encode(0)).collect();
        let mut decoder = AdpcmState::default();
        for code in codes {
            assert!(decoder.decode(code).abs() <= 4);
        }
    }

    #[test]
    fn encoder_and_decoder_track_each_other() {
        let mut encoder = AdpcmState::default();
        let mut decoder = AdpcmState::default();
        for n in 0..4000 {
            let sample = ((n as f64 * 0.07).sin() * 6000.0) as i32;
            let code = encoder.encode(sample);
            decoder.decode(code);
            assert_eq!(encoder, decoder, "diverged at sample {n}");
        }
    }

    #[test]
    fn full_scale_input_is_bounded() {
        let mut encoder = AdpcmState::default();
        let mut decoder = AdpcmState::default();
        for n in 0..2000 {
            let sample = if (n / 8) % 2 == 0 { 8191 } else { -8192 };
            let out = decoder.decode(encoder.encode(sample));
            assert!((-32768..=32767).contains(&out), "{out}");
        }
    }
}
