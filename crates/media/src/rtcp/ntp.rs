//! NTP timestamps as RTCP carries them (RFC 3550 §4).

use std::time::Duration;

/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
const UNIX_OFFSET_SECS: u64 = 2_208_988_800;

/// A 64-bit NTP timestamp: seconds since 1900 in the high word, the fraction in the low word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct NtpTime(pub u64);

impl NtpTime {
    /// The NTP time for a wall-clock time given as time since the Unix epoch.
    pub fn from_unix(since_epoch: Duration) -> Self {
        let seconds = since_epoch.as_secs().wrapping_add(UNIX_OFFSET_SECS);
        let fraction = (u64::from(since_epoch.subsec_nanos()) << 32) / 1_000_000_000;
        NtpTime(seconds << 32 | fraction)
    }

    /// The middle 32 bits (16.16 fixed point), as LSR and round-trip arithmetic use.
    pub fn compact(self) -> u32 {
        (self.0 >> 16) as u32
    }

    /// This time moved forward by `duration`.
    pub fn after(self, duration: Duration) -> Self {
        let units = (duration.as_nanos() << 32) / 1_000_000_000;
        NtpTime(self.0.wrapping_add(units as u64))
    }
}
