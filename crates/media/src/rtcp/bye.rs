//! Goodbye (BYE, RFC 3550 §6.6).

use super::packet::{take, take_u32, RtcpError};

/// A goodbye packet (packet type 203): sources leaving, with an optional reason.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Goodbye {
    /// The sources leaving (at most 31 are written).
    pub sources: Vec<u32>,
    /// Reason for leaving (at most 255 bytes are written).
    pub reason: Option<Vec<u8>>,
}

impl Goodbye {
    pub(crate) fn parse_body(count: u8, mut body: &[u8]) -> Result<Self, RtcpError> {
        let sources = (0..count)
            .map(|_| take_u32(&mut body, "BYE"))
            .collect::<Result<_, _>>()?;
        let reason = match body.first() {
            Some(&len) if len > 0 => {
                Some(take(&mut &body[1..], usize::from(len), "BYE reason")?.to_vec())
            }
            _ => None,
        };
        Ok(Goodbye { sources, reason })
    }

    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> u8 {
        let sources = &self.sources[..self.sources.len().min(31)];
        for source in sources {
            out.extend_from_slice(&source.to_be_bytes());
        }
        if let Some(reason) = &self.reason {
            let reason = &reason[..reason.len().min(255)];
            out.push(reason.len() as u8);
            out.extend_from_slice(reason);
        }
        sources.len() as u8
    }
}
