//! Audio codecs of the phone behind one interface.
//!
//! Every codec implements [`AudioEncoder`] and [`AudioDecoder`] over mono 16-bit PCM at the
//! codec's own sample rate ([`CodecInfo::sample_rate`]); a [`CodecConfig`] names a codec and its
//! parameters, from an id or from SDP, and builds both sides.
//!
//! | codec | module | implementation |
//! | --- | --- | --- |
//! | G.711 µ-law / A-law | [`g711`] | ITU-T G.711 |
//! | G.722 64 kbit/s | [`g722`] | ITU-T G.722 sub-band ADPCM |
//! | G.726-32, ITU and IETF packing | [`g726`] | ITU-T G.726 ADPCM |
//! | Opus | [`opus`] | `unsafe-libopus` (libopus 1.3.1 translated to Rust) |
//! | G.729A/B (feature `g729`) | `g729` | the system's bcg729 (GPL-3.0) |
//!
//! ```
//! use handset_codec::{CodecConfig, CodecError};
//!
//! # fn main() -> Result<(), CodecError> {
//! let config = CodecConfig::from_sdp("PCMU", 8000, None, "")?;
//! let mut encoder = config.encoder()?;
//! let mut decoder = config.decoder()?;
//! let pcm = [0i16; 160]; // 20 ms at 8 kHz
//! let mut payload = [0u8; 160];
//! let length = encoder.encode(&pcm, &mut payload)?;
//! let mut out = [0i16; 160];
//! decoder.decode(&payload[..length], &mut out)?;
//! # Ok(())
//! # }
//! ```

mod error;
pub mod g711;
pub mod g722;
pub mod g726;
#[cfg(feature = "g729")]
pub mod g729;
mod info;
mod interface;
pub mod opus;
mod registry;

pub use error::CodecError;
pub use info::{CodecId, CodecInfo, FrameSizes};
pub use interface::{AudioDecoder, AudioEncoder, EncoderHints};
pub use registry::CodecConfig;
