//! A simplified ITU-T G.107 E-model: R-factor from codec, loss and delay, and MOS from R.

use std::time::Duration;

/// R with default values for everything but codec, loss and delay (R0 − Is in G.107).
const R_DEFAULT: f64 = 93.2;

/// A codec's equipment impairment (Ie) and packet-loss robustness (Bpl).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodecImpairment {
    /// Equipment impairment factor without loss.
    pub ie: f64,
    /// Packet-loss robustness factor.
    pub bpl: f64,
}

impl CodecImpairment {
    /// G.711 (PCMU/PCMA) with packet loss concealment (G.113 Appendix I).
    pub const G711: Self = Self { ie: 0.0, bpl: 25.1 };
    /// G.711 without concealment (G.113 Appendix I).
    pub const G711_NO_PLC: Self = Self { ie: 0.0, bpl: 4.3 };
    /// G.729A with VAD (G.113 Appendix I).
    pub const G729A: Self = Self {
        ie: 11.0,
        bpl: 19.0,
    };
    /// G.723.1 at 6.3 kbit/s (G.113 Appendix I).
    pub const G723_1_6K3: Self = Self {
        ie: 15.0,
        bpl: 16.1,
    };
    /// G.723.1 at 5.3 kbit/s; Bpl taken equal to the 6.3 kbit/s rate, which G.113 lists.
    pub const G723_1_5K3: Self = Self {
        ie: 19.0,
        bpl: 16.1,
    };
    /// G.726 at 32 kbit/s; no Bpl is listed, so that of G.711 with concealment is used.
    pub const G726_32: Self = Self { ie: 7.0, bpl: 25.1 };
    /// iLBC; an estimate from published measurements (G.113 lists none).
    pub const ILBC: Self = Self {
        ie: 10.0,
        bpl: 32.0,
    };
    /// Wideband codecs (G.722, Opus) judged on the narrowband scale, where they lose
    /// nothing to coding; their concealment is taken as good as G.711's.
    pub const WIDEBAND: Self = Self { ie: 0.0, bpl: 25.1 };
}

/// What the E-model needs from a call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EModelInput {
    /// The codec's impairment values.
    pub codec: CodecImpairment,
    /// Fraction of packets lost or discarded, 0.0–1.0.
    pub loss: f64,
    /// Burst ratio (1 for random loss).
    pub burst_ratio: f64,
    /// Mouth-to-ear delay one way (half the round trip plus both end systems).
    pub one_way_delay: Duration,
}

/// The effective equipment impairment under loss (G.107 Ie-eff).
pub fn effective_impairment(codec: CodecImpairment, loss: f64, burst_ratio: f64) -> f64 {
    let percent = (loss.clamp(0.0, 1.0)) * 100.0;
    let burst_ratio = burst_ratio.max(1.0);
    if percent == 0.0 {
        return codec.ie;
    }
    codec.ie + (95.0 - codec.ie) * percent / (percent / burst_ratio + codec.bpl)
}

/// The delay impairment Id for a one-way delay (the usual simplification of G.107's Idd and
/// Idte with default echo values).
pub fn delay_impairment(one_way_delay: Duration) -> f64 {
    let ms = one_way_delay.as_secs_f64() * 1000.0;
    let excess = (ms - 177.3).max(0.0);
    0.024 * ms + 0.11 * excess
}

/// The conversational R-factor (0–100), delay included.
pub fn r_factor(input: &EModelInput) -> f64 {
    let impairment = effective_impairment(input.codec, input.loss, input.burst_ratio);
    (R_DEFAULT - impairment - delay_impairment(input.one_way_delay)).clamp(0.0, 100.0)
}

/// The listening-quality R-factor: as [`r_factor`] without the delay impairment.
pub fn listening_r_factor(input: &EModelInput) -> f64 {
    let impairment = effective_impairment(input.codec, input.loss, input.burst_ratio);
    (R_DEFAULT - impairment).clamp(0.0, 100.0)
}

/// The mean opinion score (1.0–4.5) for an R-factor (G.107 Annex B).
pub fn mos_from_r(r: f64) -> f64 {
    if r <= 0.0 {
        1.0
    } else if r >= 100.0 {
        4.5
    } else {
        (1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7.0e-6).clamp(1.0, 4.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(codec: CodecImpairment, loss: f64, delay_ms: u64) -> EModelInput {
        EModelInput {
            codec,
            loss,
            burst_ratio: 1.0,
            one_way_delay: Duration::from_millis(delay_ms),
        }
    }

    #[test]
    fn clean_g711_call_is_toll_quality() {
        let r = r_factor(&input(CodecImpairment::G711, 0.0, 0));
        assert!((r - 93.2).abs() < 1e-9);
        let mos = mos_from_r(r);
        assert!(mos > 4.3 && mos < 4.5, "{mos}");
    }

    #[test]
    fn loss_and_delay_lower_quality() {
        let clean = r_factor(&input(CodecImpairment::G711, 0.0, 50));
        let lossy = r_factor(&input(CodecImpairment::G711, 0.05, 50));
        let late = r_factor(&input(CodecImpairment::G711, 0.0, 300));
        assert!(lossy < clean - 10.0);
        assert!(late < clean - 10.0);
        // Ie-eff for 5 % random loss with Bpl 25.1: 95 * 5 / 30.1.
        assert!((effective_impairment(CodecImpairment::G711, 0.05, 1.0) - 15.78).abs() < 0.01);
        // Bursty loss hurts more than random loss of the same rate.
        let bursty = EModelInput {
            burst_ratio: 3.0,
            ..input(CodecImpairment::G711, 0.05, 50)
        };
        assert!(r_factor(&bursty) < lossy);
        assert!(listening_r_factor(&input(CodecImpairment::G711, 0.0, 300)) > late);
    }

    #[test]
    fn codecs_rank_by_impairment() {
        let g711 = r_factor(&input(CodecImpairment::G711, 0.01, 40));
        let g729 = r_factor(&input(CodecImpairment::G729A, 0.01, 40));
        assert!(g729 < g711);
    }

    #[test]
    fn mos_bounds() {
        assert_eq!(mos_from_r(-5.0), 1.0);
        assert_eq!(mos_from_r(120.0), 4.5);
        assert!((mos_from_r(50.0) - 2.575).abs() < 0.01);
    }
}
