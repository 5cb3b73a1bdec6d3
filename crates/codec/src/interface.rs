//! The encoder and decoder interfaces every codec implements.

use crate::{CodecError, CodecInfo};

/// Advice to an encoder about the network it sends over. Codecs use what applies to them and
/// ignore the rest; fixed-rate codecs ignore all of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncoderHints {
    /// Target bit rate in bit/s.
    pub bitrate: Option<u32>,
    /// Expected packet loss in percent (0-100); Opus spends bits on in-band FEC accordingly.
    pub expected_loss_percent: Option<u8>,
    /// Whether to carry in-band forward error correction (Opus LBRR).
    pub inband_fec: Option<bool>,
}

impl EncoderHints {
    /// Sets the target bit rate.
    pub fn with_bitrate(mut self, bits_per_second: u32) -> Self {
        self.bitrate = Some(bits_per_second);
        self
    }

    /// Sets the expected packet loss, in percent (values above 100 count as 100).
    pub fn with_expected_loss(mut self, percent: u8) -> Self {
        self.expected_loss_percent = Some(percent.min(100));
        self
    }

    /// Turns in-band FEC on or off.
    pub fn with_inband_fec(mut self, enabled: bool) -> Self {
        self.inband_fec = Some(enabled);
        self
    }
}

/// Turns frames of mono 16-bit PCM into RTP payloads.
///
/// Discontinuous transmission is never used: every frame yields a payload.
pub trait AudioEncoder: Send {
    /// What this encoder produces.
    fn info(&self) -> &CodecInfo;

    /// Encodes one frame of `pcm` (at [`CodecInfo::sample_rate`]; its length must satisfy
    /// [`CodecInfo::accepts_frame`]) into `payload`, returning the payload length.
    fn encode(&mut self, pcm: &[i16], payload: &mut [u8]) -> Result<usize, CodecError>;

    /// Applies network advice; see [`EncoderHints`].
    fn set_hints(&mut self, hints: &EncoderHints) -> Result<(), CodecError> {
        let _ = hints;
        Ok(())
    }

    /// Returns the encoder to its initial state (a new stream starts).
    fn reset(&mut self);
}

/// Turns RTP payloads back into mono 16-bit PCM, and covers for lost ones where it can.
pub trait AudioDecoder: Send {
    /// What this decoder consumes.
    fn info(&self) -> &CodecInfo;

    /// Number of PCM samples `payload` decodes to.
    fn decoded_samples(&self, payload: &[u8]) -> Result<usize, CodecError>;

    /// Decodes one payload into `pcm`, returning the number of samples written.
    fn decode(&mut self, payload: &[u8], pcm: &mut [i16]) -> Result<usize, CodecError>;

    /// Fills all of `pcm` with the codec's own loss concealment for a missing payload.
    /// Returns `false`, leaving `pcm` untouched, when the codec has none (the caller then
    /// conceals by itself).
    fn conceal(&mut self, pcm: &mut [i16]) -> Result<bool, CodecError> {
        let _ = pcm;
        Ok(false)
    }

    /// Rebuilds the lost frame just before `next_payload` (filling all of `pcm`) from the
    /// forward error correction data that `next_payload` carries. Returns `false` when there is
    /// none; `next_payload` itself still has to be decoded with [`AudioDecoder::decode`].
    fn decode_fec(&mut self, next_payload: &[u8], pcm: &mut [i16]) -> Result<bool, CodecError> {
        let _ = (next_payload, pcm);
        Ok(false)
    }

    /// Decodes `payload` as [`AudioDecoder::decode`] would right now, without changing the
    /// decoder: concealment of a lost frame looks at the audio after the gap this way.
    /// `None` when the codec cannot (its state cannot be copied cheaply).
    fn decode_ahead(&self, payload: &[u8], pcm: &mut [i16]) -> Result<Option<usize>, CodecError> {
        let _ = (payload, pcm);
        Ok(None)
    }

    /// Moves the decoder's state along with `pcm`, the audio played in place of a lost frame,
    /// so that an adaptive decoder meets the next frame in a state like the sender's rather
    /// than one from before the gap. Decoders without such state ignore it.
    fn follow_concealment(&mut self, pcm: &[i16]) {
        let _ = pcm;
    }

    /// Returns the decoder to its initial state (a new stream starts).
    fn reset(&mut self);
}
