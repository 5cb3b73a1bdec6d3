//! WAV files as bytes: 16-bit PCM in (mono or more channels, any rate, mixed down to mono) and
//! 16-bit mono PCM out. Reading never panics: a damaged header is a typed error, and a data
//! chunk cut short (a recording that was interrupted) yields the whole frames it holds.

use thiserror::Error;

const HEADER_LEN: usize = 44;
const FORMAT_PCM: u16 = 1;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// Why bytes are not a WAV file this module reads.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WavError {
    /// Not a RIFF/WAVE file.
    #[error("not a RIFF WAVE file")]
    NotWave,
    /// A chunk header or the format chunk runs past the end.
    #[error("the {0:?} chunk is cut short")]
    Truncated(String),
    /// No `fmt ` chunk before the data.
    #[error("no format chunk before the audio data")]
    MissingFormat,
    /// No `data` chunk.
    #[error("no audio data chunk")]
    MissingData,
    /// Compressed or floating-point audio.
    #[error("unsupported encoding (format tag {0:#06x}); only PCM is read")]
    UnsupportedEncoding(u16),
    /// Other than 16 bits per sample.
    #[error("{0} bits per sample; only 16-bit PCM is read")]
    UnsupportedBits(u16),
    /// Zero channels, or a block size that does not match them.
    #[error("inconsistent channel layout ({channels} channels, {block_align}-byte frames)")]
    BadLayout {
        /// Channels declared.
        channels: u16,
        /// Bytes per frame declared.
        block_align: u16,
    },
    /// A sample rate of zero or above 192 kHz.
    #[error("unsupported sample rate {0} Hz")]
    BadRate(u32),
}

/// Decoded audio: mono 16-bit samples and their rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WavAudio {
    /// Samples per second.
    pub sample_rate: u32,
    /// Mono samples (several channels are averaged).
    pub samples: Vec<i16>,
}

struct Format {
    channels: u16,
    rate: u32,
    block_align: u16,
}

/// Reads a 16-bit PCM WAV file from its bytes.
pub fn decode(bytes: &[u8]) -> Result<WavAudio, WavError> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWave);
    }
    let mut rest = &bytes[12..];
    let mut format: Option<Format> = None;
    while !rest.is_empty() {
        let Some((id, size)) = chunk_header(rest) else {
            return Err(WavError::Truncated(
                String::from_utf8_lossy(&rest[..rest.len().min(4)]).into_owned(),
            ));
        };
        let body = &rest[8..];
        if &id == b"data" {
            let format = format.ok_or(WavError::MissingFormat)?;
            // A streaming writer leaves the size unknown (0 or all ones): read to the end.
            let available = if size == 0 || size == u32::MAX {
                body.len()
            } else {
                (size as usize).min(body.len())
            };
            return Ok(WavAudio {
                sample_rate: format.rate,
                samples: mix_down(&body[..available], &format),
            });
        }
        let size = size as usize;
        if size > body.len() {
            return Err(WavError::Truncated(
                String::from_utf8_lossy(&id).into_owned(),
            ));
        }
        if &id == b"fmt " {
            format = Some(parse_format(&body[..size])?);
        }
        // Chunks are padded to an even length.
        let next = (size + (size & 1)).min(body.len());
        rest = &body[next..];
    }
    Err(WavError::MissingData)
}

/// A whole 16-bit mono WAV file.
pub fn encode(sample_rate: u32, samples: &[i16]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER_LEN + samples.len() * 2);
    bytes.extend_from_slice(&header(sample_rate, samples.len()));
    bytes.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
    bytes
}

/// The 44-byte header of a 16-bit mono WAV file holding `sample_count` samples (sizes saturate
/// at the format's 4 GiB limit).
pub fn header(sample_rate: u32, sample_count: usize) -> [u8; HEADER_LEN] {
    let data_len = u32::try_from(sample_count.saturating_mul(2)).unwrap_or(u32::MAX - 36);
    let data_len = data_len.min(u32::MAX - 36);
    let mut header = [0u8; HEADER_LEN];
    let fields: [&[u8]; 13] = [
        b"RIFF",
        &(36 + data_len).to_le_bytes(),
        b"WAVE",
        b"fmt ",
        &16u32.to_le_bytes(),
        &FORMAT_PCM.to_le_bytes(),
        &1u16.to_le_bytes(),
        &sample_rate.to_le_bytes(),
        &(sample_rate.saturating_mul(2)).to_le_bytes(),
        &2u16.to_le_bytes(),
        &16u16.to_le_bytes(),
        b"data",
        &data_len.to_le_bytes(),
    ];
    let mut at = 0;
    for field in fields {
        header[at..at + field.len()].copy_from_slice(field);
        at += field.len();
    }
    header
}

fn chunk_header(bytes: &[u8]) -> Option<([u8; 4], u32)> {
    let id: [u8; 4] = bytes.get(0..4)?.try_into().ok()?;
    let size = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
    Some((id, size))
}

fn parse_format(body: &[u8]) -> Result<Format, WavError> {
    let field = |at: usize| -> Result<u16, WavError> {
        body.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or_else(|| WavError::Truncated("fmt ".into()))
    };
    let mut tag = field(0)?;
    let channels = field(2)?;
    let rate = u32::from(field(4)?) | (u32::from(field(6)?) << 16);
    let block_align = field(12)?;
    let bits = field(14)?;
    if tag == FORMAT_EXTENSIBLE {
        // The sub-format GUID starts with the real format tag.
        tag = field(24)?;
    }
    if tag != FORMAT_PCM {
        return Err(WavError::UnsupportedEncoding(tag));
    }
    if bits != 16 {
        return Err(WavError::UnsupportedBits(bits));
    }
    if channels == 0 || u32::from(block_align) != u32::from(channels) * 2 {
        return Err(WavError::BadLayout {
            channels,
            block_align,
        });
    }
    if rate == 0 || rate > 192_000 {
        return Err(WavError::BadRate(rate));
    }
    Ok(Format {
        channels,
        rate,
        block_align,
    })
}

fn mix_down(data: &[u8], format: &Format) -> Vec<i16> {
    data.chunks_exact(usize::from(format.block_align))
        .map(|frame| {
            let sum: i32 = frame
                .chunks_exact(2)
                .map(|s| i32::from(i16::from_le_bytes([s[0], s[1]])))
                .sum();
            (sum / i32::from(format.channels)) as i16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stereo_file(rate: u32, frames: &[(i16, i16)]) -> Vec<u8> {
        let mut data = Vec::new();
        for (l, r) in frames {
            data.extend_from_slice(&l.to_le_bytes());
            data.extend_from_slice(&r.to_le_bytes());
        }
        let mut bytes = b"RIFF\0\0\0\0WAVE".to_vec();
        // An odd-sized chunk before the format, padded, as some tools write.
        bytes.extend_from_slice(b"LIST\x03\0\0\0abc\0");
        bytes.extend_from_slice(b"fmt \x10\0\0\0");
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&rate.to_le_bytes());
        bytes.extend_from_slice(&(rate * 4).to_le_bytes());
        bytes.extend_from_slice(&4u16.to_le_bytes());
        bytes.extend_from_slice(&16u16.to_le_bytes());
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&(data.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&data);
        bytes
    }

    #[test]
    fn mono_files_round_trip() {
        let samples: Vec<i16> = (0..1000).map(|n| (n * 37 % 65536 - 32768) as i16).collect();
        let bytes = encode(16000, &samples);
        assert_eq!(bytes.len(), 44 + 2000);
        let audio = decode(&bytes).unwrap();
        assert_eq!(
            audio,
            WavAudio {
                sample_rate: 16000,
                samples
            }
        );
    }

    #[test]
    fn stereo_is_mixed_to_mono() {
        let bytes = stereo_file(44100, &[(1000, 3000), (-32768, -32768), (32767, -32767)]);
        let audio = decode(&bytes).unwrap();
        assert_eq!(audio.sample_rate, 44100);
        assert_eq!(audio.samples, [2000, -32768, 0]);
    }

    #[test]
    fn every_truncation_is_an_error_or_a_shorter_file_never_a_panic() {
        let bytes = stereo_file(8000, &[(1, 1); 50]);
        let data_start = bytes.len() - 200;
        for cut in 0..bytes.len() {
            match decode(&bytes[..cut]) {
                Ok(audio) => {
                    assert!(cut >= data_start, "accepted a header cut at {cut}");
                    assert_eq!(audio.samples.len(), (cut - data_start) / 4);
                }
                Err(error) => assert!(cut < data_start, "cut at {cut}: {error}"),
            }
        }
    }

    #[test]
    fn unsupported_and_broken_headers_are_named() {
        let good = stereo_file(8000, &[(0, 0)]);
        let fmt = good.windows(4).position(|w| w == b"fmt ").unwrap() + 8;
        let with = |at: usize, value: &[u8]| {
            let mut bytes = good.clone();
            bytes[fmt + at..fmt + at + value.len()].copy_from_slice(value);
            decode(&bytes).unwrap_err()
        };
        assert_eq!(
            with(0, &3u16.to_le_bytes()),
            WavError::UnsupportedEncoding(3)
        );
        assert_eq!(with(14, &8u16.to_le_bytes()), WavError::UnsupportedBits(8));
        assert_eq!(
            with(2, &0u16.to_le_bytes()),
            WavError::BadLayout {
                channels: 0,
                block_align: 4
            }
        );
        assert_eq!(with(4, &0u32.to_le_bytes()), WavError::BadRate(0));
        assert_eq!(decode(b"RIFX\0\0\0\0WAVE"), Err(WavError::NotWave));
        assert_eq!(decode(b"RIFF\0\0\0\0WAVE"), Err(WavError::MissingData));
        let mut no_format = b"RIFF\0\0\0\0WAVE".to_vec();
        no_format.extend_from_slice(b"data\x02\0\0\0\x01\x00");
        assert_eq!(decode(&no_format), Err(WavError::MissingFormat));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut state = 0x1234_5678u32;
        let base = stereo_file(8000, &[(5, -5); 8]);
        for _ in 0..5000 {
            let mut bytes = base.clone();
            for _ in 0..4 {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let at = (state >> 8) as usize % bytes.len();
                bytes[at] = (state >> 24) as u8;
            }
            let _ = decode(&bytes);
        }
    }
}
