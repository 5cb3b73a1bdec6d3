//! Opus loss handling: in-band FEC rebuilds a lost frame, the decoder says when a packet carries
//! no FEC, and losses in SILK or hybrid streams are left to the caller's concealment (see the
//! decoder module) without disturbing the frames after them.

mod common;

use common::{snr_db, test_signal, voiced_signal};
use handset_codec::opus::{carries_fec, OpusAudioDecoder, OpusAudioEncoder, OpusSettings};
use handset_codec::{AudioDecoder, AudioEncoder, EncoderHints};

const FRAME: usize = 960;

fn encode(signal: &[i16], settings: OpusSettings) -> Vec<Vec<u8>> {
    let mut encoder = OpusAudioEncoder::new(settings).expect("encoder");
    let mut payload = [0u8; 1500];
    signal
        .chunks_exact(FRAME)
        .map(|frame| {
            let length = encoder.encode(frame, &mut payload).expect("encode");
            payload[..length].to_vec()
        })
        .collect()
}

/// Decodes every packet, handling the `lost` ones with `recover`; returns the whole output.
fn decode_with_losses(
    packets: &[Vec<u8>],
    lost: &[usize],
    recover: impl Fn(&mut OpusAudioDecoder, &[u8], &mut [i16]) -> bool,
) -> (Vec<i16>, Vec<usize>) {
    let mut decoder = OpusAudioDecoder::new().expect("decoder");
    let mut out = Vec::new();
    let mut pcm = [0i16; FRAME];
    let mut recovered = Vec::new();
    for (index, packet) in packets.iter().enumerate() {
        if lost.contains(&index) {
            let next = packets
                .get(index + 1)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if recover(&mut decoder, next, &mut pcm) {
                recovered.push(index);
            }
        } else {
            decoder.decode(packet, &mut pcm).expect("decode");
        }
        out.extend_from_slice(&pcm);
    }
    (out, recovered)
}

fn lost_frames_snr(reference: &[i16], test: &[i16], lost: &[usize]) -> f64 {
    let pick = |pcm: &[i16]| -> Vec<i16> {
        lost.iter()
            .flat_map(|i| pcm[i * FRAME..(i + 1) * FRAME].to_vec())
            .collect()
    };
    snr_db(&pick(reference), &pick(test))
}

#[test]
fn fec_rebuilds_lost_frames() {
    // Voiced speech: FEC lives in the SILK layer, which models it.
    let speech = voiced_signal(48000, 3.0);
    let settings = OpusSettings {
        inband_fec: true,
        expected_loss_percent: 20,
        ..OpusSettings::default()
    };
    let packets = encode(&speech, settings);
    let lost: Vec<usize> = (10..packets.len() - 1).step_by(7).collect();

    let (reference, _) = decode_with_losses(&packets, &[], |_, _, _| unreachable!());
    let (recovered, recoveries) = decode_with_losses(&packets, &lost, |decoder, next, pcm| {
        decoder.decode_fec(next, pcm).expect("fec")
    });
    // The encoder spends FEC only on frames its voice activity detector calls active, and the
    // test signal pauses between "syllables".
    assert!(
        recoveries.len() * 2 >= lost.len(),
        "FEC for {} of {} losses",
        recoveries.len(),
        lost.len()
    );
    let fec = lost_frames_snr(&reference, &recovered, &recoveries);
    println!(
        "lost frames rebuilt from FEC against the loss-free decode: {fec:.1} dB ({} frames)",
        recoveries.len()
    );
    // A guess from the past reaches about 0 dB; FEC is a coarse copy of the frame itself.
    assert!(fec > 15.0, "FEC {fec:.1} dB");
}

#[test]
fn silk_losses_are_left_to_the_caller_without_harm() {
    let speech = voiced_signal(48000, 3.0);
    let packets = encode(&speech, OpusSettings::default());
    assert!(
        packets.iter().all(|packet| packet[0] >> 3 < 16),
        "SILK or hybrid"
    );
    let lost: Vec<usize> = (10..packets.len() - 6).step_by(11).collect();
    let (reference, _) = decode_with_losses(&packets, &[], |_, _, _| unreachable!());
    let marker = [1234i16; FRAME];
    let (skipped, concealed) = decode_with_losses(&packets, &lost, |decoder, _, pcm| {
        pcm.copy_from_slice(&marker);
        let concealed = decoder.conceal(pcm).expect("conceal");
        assert_eq!(pcm, marker, "untouched");
        concealed
    });
    assert!(concealed.is_empty(), "concealed {concealed:?}");
    let peak = |pcm: &[i16]| pcm.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
    for &index in &lost {
        // The decoder carries on as if the lost packet had never been sent: the next frames
        // differ in detail from the loss-free decode but are no louder, and the two are back
        // in step once the long-term predictor has refilled.
        let frames = |pcm: &[i16], from: usize, to: usize| pcm[from * FRAME..to * FRAME].to_vec();
        let (ours, theirs) = (
            peak(&frames(&skipped, index + 1, index + 5)),
            peak(&frames(&reference, index + 1, index + 5)),
        );
        assert!(
            u32::from(ours) * 4 <= u32::from(theirs) * 5,
            "frame {index}: peak {ours} against {theirs}"
        );
        let later = snr_db(
            &frames(&reference, index + 5, index + 7),
            &frames(&skipped, index + 5, index + 7),
        );
        assert!(later > 10.0, "frame {index}: {later:.1} dB");
    }
}

#[test]
fn fec_covers_only_its_own_duration() {
    let speech = voiced_signal(48000, 1.0);
    let settings = OpusSettings {
        inband_fec: true,
        expected_loss_percent: 20,
        ..OpusSettings::default()
    };
    let packets = encode(&speech, settings);
    let (index, next) = packets
        .iter()
        .enumerate()
        .skip(5)
        .find(|(_, packet)| carries_fec(packet))
        .expect("a packet with FEC");
    let mut decoder = OpusAudioDecoder::new().expect("decoder");
    let mut pcm = [0i16; FRAME];
    decoder
        .decode(&packets[index - 2], &mut pcm)
        .expect("decode");
    let mut two_frames = [0i16; 2 * FRAME];
    assert!(!decoder.decode_fec(next, &mut two_frames).expect("fec"));
    assert!(decoder.decode_fec(next, &mut pcm).expect("fec"));
}

#[test]
fn without_fec_there_is_nothing_to_recover() {
    let signal = test_signal(48000, 2.0);
    let packets = encode(&signal[signal.len() / 2..], OpusSettings::default());
    assert!(packets.iter().all(|packet| !carries_fec(packet)));
    let mut decoder = OpusAudioDecoder::new().expect("decoder");
    let mut pcm = [0i16; FRAME];
    decoder.decode(&packets[0], &mut pcm).expect("decode");
    assert!(!decoder.decode_fec(&packets[2], &mut pcm).expect("fec"));
}

#[test]
fn hints_turn_fec_on_at_run_time() {
    let signal = test_signal(48000, 2.0);
    let speech = &signal[signal.len() / 2..];
    let mut encoder = OpusAudioEncoder::new(OpusSettings::default()).expect("encoder");
    encoder
        .set_hints(
            &EncoderHints::default()
                .with_inband_fec(true)
                .with_expected_loss(25)
                .with_bitrate(24_000),
        )
        .expect("hints");
    // 25 % expected loss with FEC: the encoder rises from the target to the ceiling.
    assert_eq!(encoder.info().bitrate, OpusSettings::default().max_bitrate);
    let mut payload = [0u8; 1500];
    let with_fec = speech
        .chunks_exact(FRAME)
        .filter(|frame| {
            let length = encoder.encode(frame, &mut payload).expect("encode");
            carries_fec(&payload[..length])
        })
        .count();
    assert!(with_fec > 10, "{with_fec} packets with FEC");
}

#[test]
fn decoder_checks_lengths_and_resets() {
    let mut decoder = OpusAudioDecoder::new().expect("decoder");
    let mut odd = [0i16; 100];
    assert!(
        decoder.conceal(&mut odd).is_err(),
        "concealment comes in 2.5 ms steps"
    );
    assert!(decoder.decode(&[], &mut odd).is_err());
    let signal = test_signal(48000, 1.0);
    let packets = encode(&signal, OpusSettings::default());
    let mut short = [0i16; 480];
    assert!(
        decoder.decode(&packets[0], &mut short).is_err(),
        "a 20 ms packet needs 960 samples"
    );
    let mut first = [0i16; FRAME];
    let mut again = [0i16; FRAME];
    decoder.decode(&packets[0], &mut first).expect("decode");
    decoder.decode(&packets[1], &mut again).expect("decode");
    decoder.reset();
    decoder.decode(&packets[0], &mut again).expect("decode");
    assert_eq!(first, again);
}
