//! The 24-tap quadrature mirror filter pair of G.722: splits 16 kHz audio into a lower and a
//! higher 8 kHz band and joins them again.

/// Half of the symmetric QMF impulse response (Table 11/G.722, h0..h11).
const COEFFICIENTS: [i32; 12] = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11];

/// Delay line of the last 24 filter inputs, in pairs, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Qmf {
    history: [i32; 24],
}

impl Qmf {
    /// Pushes a pair of inputs and returns the (odd-tap, even-tap) filter sums.
    fn push(&mut self, first: i32, second: i32) -> (i32, i32) {
        self.history.copy_within(2.., 0);
        self.history[22] = first;
        self.history[23] = second;
        let mut even = 0;
        let mut odd = 0;
        for (i, pair) in self.history.chunks_exact(2).enumerate() {
            even += pair[0] * COEFFICIENTS[i];
            odd += pair[1] * COEFFICIENTS[11 - i];
        }
        (odd, even)
    }

    /// Transmit QMF: two 16 kHz samples in, one lower-band and one higher-band sample out.
    pub(super) fn analyse(&mut self, first: i16, second: i16) -> (i32, i32) {
        let (odd, even) = self.push(i32::from(first), i32::from(second));
        ((odd + even) >> 14, (odd - even) >> 14)
    }

    /// Receive QMF: one reconstructed sample of each band in, two 16 kHz samples out.
    pub(super) fn synthesise(&mut self, low: i32, high: i32) -> (i16, i16) {
        let (odd, even) = self.push(low + high, low - high);
        (clamp_i16(odd >> 11), clamp_i16(even >> 11))
    }
}

fn clamp_i16(value: i32) -> i16 {
    value.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}
