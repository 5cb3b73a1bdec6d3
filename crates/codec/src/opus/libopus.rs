//! Safe handles over `unsafe-libopus` (libopus 1.3.1 translated to Rust): the only unsafe code
//! of the Opus codec. The library's API mirrors libopus's C API, so every call takes a raw
//! state pointer and raw buffers; the methods here check every length before calling.

use std::ptr::{self, NonNull};

use unsafe_libopus::varargs::{VarArg, VarArgs};
use unsafe_libopus::{
    opus_decode, opus_decoder_create, opus_decoder_ctl_impl, opus_decoder_destroy,
    opus_decoder_get_size, opus_encode, opus_encoder_create, opus_encoder_ctl_impl,
    opus_encoder_destroy, OpusDecoder, OpusEncoder, OPUS_ALLOC_FAIL, OPUS_BAD_ARG,
    OPUS_BUFFER_TOO_SMALL, OPUS_INTERNAL_ERROR, OPUS_INVALID_PACKET, OPUS_INVALID_STATE, OPUS_OK,
    OPUS_RESET_STATE, OPUS_UNIMPLEMENTED,
};

pub(super) use unsafe_libopus::{
    OPUS_APPLICATION_VOIP, OPUS_BANDWIDTH_FULLBAND, OPUS_BANDWIDTH_MEDIUMBAND,
    OPUS_BANDWIDTH_NARROWBAND, OPUS_BANDWIDTH_SUPERWIDEBAND, OPUS_BANDWIDTH_WIDEBAND,
    OPUS_SET_BITRATE_REQUEST, OPUS_SET_COMPLEXITY_REQUEST, OPUS_SET_DTX_REQUEST,
    OPUS_SET_INBAND_FEC_REQUEST, OPUS_SET_MAX_BANDWIDTH_REQUEST, OPUS_SET_PACKET_LOSS_PERC_REQUEST,
};

/// Longest audio one call may code: 120 ms at 48 kHz.
const MAX_FRAME_SAMPLES: usize = 5760;

/// A libopus error code (negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LibraryError(i32);

impl LibraryError {
    /// The library's meaning of the code.
    pub(super) fn message(self) -> &'static str {
        match self.0 {
            OPUS_BAD_ARG => "invalid argument",
            OPUS_BUFFER_TOO_SMALL => "buffer too small",
            OPUS_INVALID_PACKET => "corrupted packet",
            OPUS_UNIMPLEMENTED => "request not implemented",
            OPUS_INVALID_STATE => "invalid state",
            OPUS_ALLOC_FAIL => "memory allocation failed",
            _ => "internal error",
        }
    }

    /// Whether the library rejected the packet itself.
    pub(super) fn is_corrupted_packet(self) -> bool {
        self.0 == OPUS_INVALID_PACKET
    }
}

fn check(code: i32) -> Result<usize, LibraryError> {
    usize::try_from(code).map_err(|_| LibraryError(code))
}

/// Lengths the library takes as `i32`; all our buffers are far shorter.
fn length(value: usize) -> Result<i32, LibraryError> {
    i32::try_from(value).map_err(|_| LibraryError(OPUS_BAD_ARG))
}

/// A mono encoder state owned by Rust.
pub(super) struct Encoder(NonNull<OpusEncoder>);

// SAFETY: the state is one heap block that only this handle points to, used through `&mut self`
// by one thread at a time; the library keeps no other mutable state (its statics are constant
// tables) and nothing thread-local.
unsafe impl Send for Encoder {}

impl Encoder {
    /// A mono encoder at `sample_rate` for `application` (an `OPUS_APPLICATION_*` value).
    pub(super) fn new(sample_rate: i32, application: i32) -> Result<Self, LibraryError> {
        let mut error = OPUS_OK;
        // SAFETY: `error` is a live i32 the library writes its status to; the arguments are
        // validated by the library, which returns null on any failure.
        let state = unsafe { opus_encoder_create(sample_rate, 1, application, &mut error) };
        check(error)?;
        NonNull::new(state)
            .map(Self)
            .ok_or(LibraryError(OPUS_INTERNAL_ERROR))
    }

    /// Sets one integer parameter (`OPUS_SET_*_REQUEST`).
    pub(super) fn set(&mut self, request: i32, value: i32) -> Result<(), LibraryError> {
        // SAFETY: the state is live and exclusively ours; every SET request used here takes
        // exactly one i32, which is what the argument list holds.
        let code = unsafe {
            opus_encoder_ctl_impl(
                self.0.as_ptr(),
                request,
                VarArgs::new(vec![VarArg::I32(value)]),
            )
        };
        check(code).map(drop)
    }

    /// Encodes one frame of `pcm` (2.5-120 ms) into `packet`, returning the packet length.
    pub(super) fn encode(&mut self, pcm: &[i16], packet: &mut [u8]) -> Result<usize, LibraryError> {
        if pcm.is_empty() || pcm.len() > MAX_FRAME_SAMPLES {
            return Err(LibraryError(OPUS_BAD_ARG));
        }
        let frame_size = length(pcm.len())?;
        let capacity = length(packet.len())?;
        // SAFETY: the state is live and exclusively ours; the library reads `frame_size`
        // samples (one channel) from `pcm`, which holds exactly that many, and writes at most
        // `capacity` bytes to `packet`, which is that long. It rejects frame sizes other than
        // 2.5-120 ms without touching `pcm`.
        let code = unsafe {
            opus_encode(
                self.0.as_ptr(),
                pcm.as_ptr(),
                frame_size,
                packet.as_mut_ptr(),
                capacity,
            )
        };
        check(code)
    }

    /// Starts a new stream, keeping the parameters.
    pub(super) fn reset(&mut self) {
        // SAFETY: the state is live and exclusively ours; OPUS_RESET_STATE takes no argument.
        let code = unsafe {
            opus_encoder_ctl_impl(self.0.as_ptr(), OPUS_RESET_STATE, VarArgs::new(vec![]))
        };
        debug_assert_eq!(code, OPUS_OK);
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        // SAFETY: the state came from opus_encoder_create and is destroyed once, here.
        unsafe { opus_encoder_destroy(self.0.as_ptr()) }
    }
}

/// What the decoder is given for the frame to produce.
#[derive(Debug, Clone, Copy)]
pub(super) enum Input<'a> {
    /// A received packet.
    Packet(&'a [u8]),
    /// Nothing: conceal a lost frame.
    Lost,
    /// The packet after a lost one: rebuild the lost frame from its in-band FEC.
    FecOf(&'a [u8]),
}

/// A mono decoder state owned by Rust.
pub(super) struct Decoder(NonNull<OpusDecoder>);

// SAFETY: as for `Encoder`.
unsafe impl Send for Decoder {}

impl Decoder {
    /// A mono decoder producing `sample_rate` audio.
    pub(super) fn new(sample_rate: i32) -> Result<Self, LibraryError> {
        let mut error = OPUS_OK;
        // SAFETY: as for opus_encoder_create.
        let state = unsafe { opus_decoder_create(sample_rate, 1, &mut error) };
        check(error)?;
        NonNull::new(state)
            .map(Self)
            .ok_or(LibraryError(OPUS_INTERNAL_ERROR))
    }

    /// Decodes `input` into `pcm`, returning the samples written. For a packet `pcm` must
    /// hold its whole duration; for a lost frame its length is the duration to produce.
    pub(super) fn decode(
        &mut self,
        input: Input<'_>,
        pcm: &mut [i16],
    ) -> Result<usize, LibraryError> {
        if pcm.is_empty() {
            return Err(LibraryError(OPUS_BUFFER_TOO_SMALL));
        }
        let (data, data_length, fec) = match input {
            Input::Packet([]) | Input::FecOf([]) => return Err(LibraryError(OPUS_INVALID_PACKET)),
            Input::Packet(packet) => (packet.as_ptr(), length(packet.len())?, 0),
            Input::FecOf(packet) => (packet.as_ptr(), length(packet.len())?, 1),
            Input::Lost => (ptr::null(), 0, 0),
        };
        let frame_size = length(pcm.len().min(MAX_FRAME_SAMPLES))?;
        // SAFETY: the state is live and exclusively ours; `data` is null with length 0 (loss)
        // or points at `data_length` readable bytes; the library writes at most `frame_size`
        // samples (one channel) to `pcm`, which is at least that long, and fails with
        // OPUS_BUFFER_TOO_SMALL rather than write more.
        let code = unsafe {
            opus_decode(
                self.0.as_ptr(),
                data,
                data_length,
                pcm.as_mut_ptr(),
                frame_size,
                fec,
            )
        };
        check(code)
    }

    /// An independent copy of this decoder's state, for decoding ahead without disturbing it.
    pub(super) fn duplicate(&self, sample_rate: i32) -> Result<Self, LibraryError> {
        let copy = Self::new(sample_rate)?;
        // SAFETY: both states are live blocks of opus_decoder_get_size(1) bytes made by
        // opus_decoder_create for one channel at the same rate. A state holds no pointer into
        // itself (its SILK and CELT parts are found by offsets; its other references point at
        // constant tables), so a byte copy is a complete state of its own. `copy` is not yet
        // shared and the two blocks are distinct allocations, so they do not overlap.
        unsafe {
            let size = usize::try_from(opus_decoder_get_size(1))
                .map_err(|_| LibraryError(OPUS_INTERNAL_ERROR))?;
            ptr::copy_nonoverlapping(
                self.0.as_ptr().cast::<u8>(),
                copy.0.as_ptr().cast::<u8>(),
                size,
            );
        }
        Ok(copy)
    }

    /// Starts a new stream.
    pub(super) fn reset(&mut self) {
        // SAFETY: the state is live and exclusively ours; OPUS_RESET_STATE takes no argument.
        let code = unsafe {
            opus_decoder_ctl_impl(self.0.as_ptr(), OPUS_RESET_STATE, VarArgs::new(vec![]))
        };
        debug_assert_eq!(code, OPUS_OK);
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: the state came from opus_decoder_create and is destroyed once, here.
        unsafe { opus_decoder_destroy(self.0.as_ptr()) }
    }
}
