//! Source description (SDES, RFC 3550 §6.5).

use super::packet::{take, take_u32, RtcpError};

/// The CNAME item type.
pub const SDES_CNAME: u8 = 1;

/// One SDES item: its type and value (at most 255 bytes are written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesItem {
    /// Item type (1 CNAME, 2 NAME, … 8 PRIV).
    pub kind: u8,
    /// The value bytes (UTF-8 text for the standard items).
    pub value: Vec<u8>,
}

/// The items describing one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesChunk {
    /// The source described.
    pub ssrc: u32,
    /// Its items.
    pub items: Vec<SdesItem>,
}

/// A source description packet (packet type 202).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceDescription {
    /// One chunk per source (at most 31 are written).
    pub chunks: Vec<SdesChunk>,
}

impl SourceDescription {
    /// The usual packet: one source with its CNAME.
    pub fn cname(ssrc: u32, cname: &str) -> Self {
        SourceDescription {
            chunks: vec![SdesChunk {
                ssrc,
                items: vec![SdesItem {
                    kind: SDES_CNAME,
                    value: cname.as_bytes().to_vec(),
                }],
            }],
        }
    }

    /// The CNAME given for `ssrc`, if any.
    pub fn cname_of(&self, ssrc: u32) -> Option<&[u8]> {
        self.chunks
            .iter()
            .filter(|chunk| chunk.ssrc == ssrc)
            .flat_map(|chunk| &chunk.items)
            .find(|item| item.kind == SDES_CNAME)
            .map(|item| item.value.as_slice())
    }

    pub(crate) fn parse_body(count: u8, mut body: &[u8]) -> Result<Self, RtcpError> {
        let mut chunks = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let start_len = body.len();
            let ssrc = take_u32(&mut body, "SDES chunk")?;
            let mut items = Vec::new();
            loop {
                let kind = take(&mut body, 1, "SDES item")?[0];
                if kind == 0 {
                    break;
                }
                let len = usize::from(take(&mut body, 1, "SDES item")?[0]);
                let value = take(&mut body, len, "SDES item")?.to_vec();
                items.push(SdesItem { kind, value });
            }
            // The null item is followed by zeros up to the next word boundary.
            let used = start_len - body.len();
            let padding = (4 - used % 4) % 4;
            body = &body[padding.min(body.len())..];
            chunks.push(SdesChunk { ssrc, items });
        }
        Ok(SourceDescription { chunks })
    }

    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> u8 {
        let chunks = &self.chunks[..self.chunks.len().min(31)];
        for chunk in chunks {
            let start = out.len();
            out.extend_from_slice(&chunk.ssrc.to_be_bytes());
            for item in chunk.items.iter().filter(|item| item.kind != 0) {
                let value = &item.value[..item.value.len().min(255)];
                out.push(item.kind);
                out.push(value.len() as u8);
                out.extend_from_slice(value);
            }
            // At least one null byte ends the item list, then zeros to a word boundary.
            out.push(0);
            out.resize(start + (out.len() - start).div_ceil(4) * 4, 0);
        }
        chunks.len() as u8
    }
}
