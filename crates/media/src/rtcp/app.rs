//! Application-defined packets (APP, RFC 3550 §6.7), kept as received.

use super::packet::{take, take_u32, RtcpError};

/// An APP packet (packet type 204).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppPacket {
    /// The five-bit subtype.
    pub subtype: u8,
    /// The sender's SSRC.
    pub ssrc: u32,
    /// Four ASCII characters naming the application.
    pub name: [u8; 4],
    /// Application data (written padded with zeros to whole words).
    pub data: Vec<u8>,
}

impl AppPacket {
    pub(crate) fn parse_body(subtype: u8, mut body: &[u8]) -> Result<Self, RtcpError> {
        let ssrc = take_u32(&mut body, "APP")?;
        let mut name = [0; 4];
        name.copy_from_slice(take(&mut body, 4, "APP")?);
        Ok(AppPacket {
            subtype,
            ssrc,
            name,
            data: body.to_vec(),
        })
    }

    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> u8 {
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(&self.name);
        out.extend_from_slice(&self.data);
        self.subtype & 0x1f
    }
}
