//! One G.722 sub-band ADPCM: quantizer scale adaptation and the adaptive predictor (block 4 of
//! ITU-T G.722: two poles, six zeros). The lower and the higher band differ only in their tables.

/// Scale factors 2^(i/32) in the format of Table 17/G.722 (ILB).
const INVERSE_LOG: [i32; 32] = [
    2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
    2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];

fn saturate(value: i32) -> i32 {
    value.clamp(i32::from(i16::MIN), i32::from(i16::MAX))
}

/// How one band adapts its quantizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BandKind {
    /// Upper limit of the log scale factor (18432 lower band, 22528 higher band).
    log_limit: i32,
    /// Offset of the log scale factor's integer part (8 lower band, 10 higher band).
    shift_offset: i32,
    /// Scale factor after reset (32 lower band, 8 higher band).
    initial_scale: i32,
}

/// The lower band (0-4 kHz, 6-bit codes).
pub(super) const LOWER: BandKind = BandKind {
    log_limit: 18432,
    shift_offset: 8,
    initial_scale: 32,
};
/// The higher band (4-8 kHz, 2-bit codes).
pub(super) const HIGHER: BandKind = BandKind {
    log_limit: 22528,
    shift_offset: 10,
    initial_scale: 8,
};

/// State of one band's ADPCM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Band {
    kind: BandKind,
    /// Predicted signal s.
    prediction: i32,
    /// Output of the zero section sz.
    zero_prediction: i32,
    /// Log quantizer scale factor (NBL / NBH).
    log_scale: i32,
    /// Quantizer scale factor (DETL / DETH).
    scale: i32,
    /// Pole coefficients a1, a2.
    poles: [i32; 2],
    /// Zero coefficients b1..b6.
    zeros: [i32; 6],
    /// Last six quantized differences d.
    differences: [i32; 6],
    /// Last two reconstructed signals r.
    reconstructed: [i32; 2],
    /// Whether the last two partially reconstructed signals p were negative.
    partial_negative: [bool; 2],
}

impl Band {
    pub(super) fn new(kind: BandKind) -> Self {
        Self {
            kind,
            prediction: 0,
            zero_prediction: 0,
            log_scale: 0,
            scale: kind.initial_scale,
            poles: [0; 2],
            zeros: [0; 6],
            differences: [0; 6],
            reconstructed: [0; 2],
            partial_negative: [false; 2],
        }
    }

    /// The predicted signal s for the next sample.
    pub(super) fn prediction(&self) -> i32 {
        self.prediction
    }

    /// The quantizer scale factor (DETL / DETH).
    pub(super) fn scale(&self) -> i32 {
        self.scale
    }

    /// Inverse quantizer: `level` from a table scaled by 2^15 times the scale factor.
    pub(super) fn dequantize(&self, level: i32) -> i32 {
        (self.scale * level) >> 15
    }

    /// Adapts to one sample: `difference` is the quantized difference d, `log_step` the scale
    /// factor multiplier of the code that was sent (WL / WH).
    pub(super) fn update(&mut self, difference: i32, log_step: i32) {
        self.adapt_scale(log_step);
        self.adapt_predictor(difference);
    }

    /// LOGSCL/LOGSCH and SCALEL/SCALEH.
    fn adapt_scale(&mut self, log_step: i32) {
        self.log_scale = (((self.log_scale * 127) >> 7) + log_step).clamp(0, self.kind.log_limit);
        let mantissa = INVERSE_LOG[((self.log_scale >> 6) & 31) as usize];
        let shift = self.kind.shift_offset - (self.log_scale >> 11);
        let linear = if shift < 0 {
            mantissa << -shift
        } else {
            mantissa >> shift
        };
        self.scale = linear << 2;
    }

    /// Block 4: RECONS, PARREC, UPPOL2, UPPOL1, UPZERO, DELAYA, FILTEP, FILTEZ, PREDIC.
    fn adapt_predictor(&mut self, d: i32) {
        let r = saturate(self.prediction + d);
        let p = saturate(d + self.zero_prediction);
        let negative = p < 0;

        // UPPOL2: the second pole follows the sign pattern of p over three samples.
        let same_as_previous = negative == self.partial_negative[0];
        let a1_term = saturate(self.poles[0] << 2);
        let a1_term = if same_as_previous {
            (-a1_term).min(32767)
        } else {
            a1_term
        };
        let sign_term = if negative == self.partial_negative[1] {
            128
        } else {
            -128
        };
        let a2 =
            ((a1_term >> 7) + sign_term + ((self.poles[1] * 32512) >> 15)).clamp(-12288, 12288);

        // UPPOL1, with its stability limit from the new a2.
        let step = if same_as_previous { 192 } else { -192 };
        let a1 = saturate(step + ((self.poles[0] * 32640) >> 15));
        let a1_limit = saturate(15360 - a2);
        let a1 = a1.clamp(-a1_limit, a1_limit);

        // UPZERO: each zero leaks and moves towards agreement of signs of d.
        let zero_step = if d == 0 { 0 } else { 128 };
        for (b, previous) in self.zeros.iter_mut().zip(&self.differences) {
            let step = if (*previous < 0) == (d < 0) {
                zero_step
            } else {
                -zero_step
            };
            *b = saturate(step + ((*b * 32640) >> 15));
        }

        // DELAYA
        self.differences.copy_within(0..5, 1);
        self.differences[0] = d;
        self.reconstructed = [r, self.reconstructed[0]];
        self.partial_negative = [negative, self.partial_negative[0]];
        self.poles = [a1, a2];

        // FILTEP, FILTEZ, PREDIC
        let pole_part = saturate(
            ((self.poles[0] * saturate(self.reconstructed[0] * 2)) >> 15)
                + ((self.poles[1] * saturate(self.reconstructed[1] * 2)) >> 15),
        );
        let zero_sum: i32 = self
            .zeros
            .iter()
            .zip(&self.differences)
            .map(|(b, d)| (b * saturate(d * 2)) >> 15)
            .sum();
        self.zero_prediction = saturate(zero_sum);
        self.prediction = saturate(pole_part + self.zero_prediction);
    }
}
