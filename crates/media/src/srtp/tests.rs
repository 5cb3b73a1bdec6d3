use super::cipher::{derive_for_test, packet_iv, AesKey};
use super::*;
use crate::rtp::{RtpHeader, RtpPacket};

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

fn salt(text: &str) -> [u8; SALT_LEN] {
    hex(text).try_into().unwrap()
}

/// The master key of RFC 3711 B.3, also used by libsrtp's reference packets.
const KEY_128: &str = "E1F97A0D3E018BE0D64FA32C06DE4139";
const SALT_128: &str = "0EC675AD498AFEEBB6960B3AABE6";
/// The master key of RFC 6188 §7.2.
const KEY_256: &str = "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6";
const SALT_256: &str = "3b04803de51ee7c96423ab5b78d2";

fn context(profile: SrtpProfile, key: &str, salt_hex: &str) -> SrtpContext {
    let mut inline = hex(key);
    inline.extend(hex(salt_hex));
    SrtpContext::new(profile, &MasterKey::from_inline(profile, &inline).unwrap()).unwrap()
}

fn reference_rtp() -> Vec<u8> {
    let mut packet = hex("800f1234decafbadcafebabe");
    packet.extend([0xab; 16]);
    packet
}

#[test]
fn rfc3711_b2_aes_cm_keystream() {
    let cipher = AesKey::new(&hex("2B7E151628AED2A6ABF7158809CF4F3C")).unwrap();
    let iv = packet_iv(&salt("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"), 0, 0);
    assert_eq!(iv.to_vec(), hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"));
    let mut keystream = vec![0u8; 65282 * 16];
    cipher.apply_keystream(&iv, &mut keystream);
    let block = |n: usize| keystream[n * 16..(n + 1) * 16].to_vec();
    assert_eq!(block(0), hex("E03EAD0935C95E80E166B16DD92B4EB4"));
    assert_eq!(block(1), hex("D23513162B02D0F72A43A2FE4A5F97AB"));
    assert_eq!(block(2), hex("41E95B3BB0A2E8DD477901E4FCA894C0"));
    assert_eq!(block(0xfeff), hex("EC8CDF7398607CB0F2D21675EA9EA1E4"));
    assert_eq!(block(0xff00), hex("362B7C3C6773516318A077D7FC5073AE"));
    assert_eq!(block(0xff01), hex("6A2CC3787889374FBEB4C81B17BA6C44"));
}

#[test]
fn rfc3711_b3_key_derivation() {
    let key = hex(KEY_128);
    let master_salt = salt(SALT_128);
    assert_eq!(
        derive_for_test(&key, &master_salt, 0, 16),
        hex("C61E7A93744F39EE10734AFE3FF7A087")
    );
    assert_eq!(
        derive_for_test(&key, &master_salt, 2, 14),
        hex("30CBBC08863D8C85D49DB34A9AE1")
    );
    assert_eq!(
        derive_for_test(&key, &master_salt, 1, 94),
        hex(
            "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE
             E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25
             6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2"
        )
    );
}

#[test]
fn rfc6188_aes_256_key_derivation() {
    let key = hex(KEY_256);
    let master_salt = salt(SALT_256);
    assert_eq!(
        derive_for_test(&key, &master_salt, 0, 32),
        hex("5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4")
    );
    assert_eq!(
        derive_for_test(&key, &master_salt, 2, 14),
        hex("fa31791685ca444a9e07c6c64e93")
    );
    assert_eq!(
        derive_for_test(&key, &master_salt, 1, 20),
        hex("fd9c32d39ed5fbb5a9dc96b30818454d1313dc05")
    );
}

#[test]
fn reference_srtp_packets_aes_128_and_256() {
    let mut aes128 = context(SrtpProfile::Aes128CmSha1_80, KEY_128, SALT_128);
    let expected =
        hex("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb");
    assert_eq!(aes128.protect_rtp(&reference_rtp()).unwrap(), expected);
    let mut receiver = context(SrtpProfile::Aes128CmSha1_80, KEY_128, SALT_128);
    assert_eq!(receiver.unprotect_rtp(&expected).unwrap(), reference_rtp());

    let mut aes256 = context(SrtpProfile::Aes256CmSha1_80, KEY_256, SALT_256);
    let expected =
        hex("800f1234decafbadcafebabe f1d9de17ff251ff1aa007774 b0b4b40da08d9d9a5b3a55d8873b");
    assert_eq!(aes256.protect_rtp(&reference_rtp()).unwrap(), expected);
}

#[test]
fn reference_srtcp_packet() {
    let mut sender = context(SrtpProfile::Aes128CmSha1_80, KEY_128, SALT_128);
    let mut rtcp = hex("81c8000bcafebabe");
    rtcp.extend([0xab; 16]);
    // The reference packet is the second one protected (SRTCP index 1).
    let first = sender.protect_rtcp(&rtcp).unwrap();
    assert_eq!(&first[first.len() - 14..first.len() - 10], &[0x80, 0, 0, 0]);
    let second = sender.protect_rtcp(&rtcp).unwrap();
    let expected =
        hex("81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798");
    assert_eq!(second, expected);
    let mut receiver = context(SrtpProfile::Aes128CmSha1_80, KEY_128, SALT_128);
    assert_eq!(receiver.unprotect_rtcp(&expected).unwrap(), rtcp);
    assert_eq!(receiver.unprotect_rtcp(&expected), Err(SrtpError::Replayed));
    assert_eq!(receiver.unprotect_rtcp(&first).unwrap(), rtcp);
}

fn rtp(sequence: u16, payload: &[u8]) -> Vec<u8> {
    RtpPacket {
        header: RtpHeader {
            payload_type: 0,
            sequence,
            timestamp: u32::from(sequence) * 160,
            ssrc: 0x1234_5678,
            ..RtpHeader::default()
        },
        payload: payload.to_vec(),
        padding: 0,
    }
    .to_bytes()
}

fn pair(profile: SrtpProfile) -> (SrtpContext, SrtpContext) {
    let inline: Vec<u8> = (0..profile.inline_key_len() as u8).collect();
    let key = MasterKey::from_inline(profile, &inline).unwrap();
    (
        SrtpContext::new(profile, &key).unwrap(),
        SrtpContext::new(profile, &key).unwrap(),
    )
}

#[test]
fn round_trips_every_profile_across_rollover() {
    for profile in SrtpProfile::ALL {
        let (mut sender, mut receiver) = pair(profile);
        for step in 0..200u16 {
            let sequence = 65_436u16.wrapping_add(step);
            let packet = rtp(sequence, &[step as u8; 160]);
            let protected = sender.protect_rtp(&packet).unwrap();
            assert_eq!(protected.len(), packet.len() + profile.rtp_tag_len());
            assert_ne!(&protected[12..172], &packet[12..]);
            assert_eq!(
                receiver.unprotect_rtp(&protected).unwrap(),
                packet,
                "{profile:?} {sequence}"
            );
        }
        let report = hex("80c90001 12345678");
        let protected = sender.protect_rtcp(&report).unwrap();
        assert_eq!(protected.len(), report.len() + 4 + SRTCP_TAG_LEN);
        assert_eq!(receiver.unprotect_rtcp(&protected).unwrap(), report);
        assert_eq!(receiver.rtp_packets(), 200);
    }
}

#[test]
fn rollover_counter_survives_reordering_at_the_wrap() {
    let (mut sender, mut receiver) = pair(SrtpProfile::Aes128CmSha1_32);
    let protected: Vec<Vec<u8>> = [65533u16, 65534, 65535, 0, 1, 2]
        .into_iter()
        .map(|sequence| sender.protect_rtp(&rtp(sequence, b"voice")).unwrap())
        .collect();
    // Arrival order: 65533, 0, 65534, 2, 65535, 1.
    for index in [0, 3, 1, 5, 2, 4] {
        assert!(
            receiver.unprotect_rtp(&protected[index]).is_ok(),
            "packet {index}"
        );
    }
    // After the wrap the sender's index includes ROC 1: a packet signed with ROC 0 would fail.
    let next = sender.protect_rtp(&rtp(3, b"voice")).unwrap();
    assert!(receiver.unprotect_rtp(&next).is_ok());
}

#[test]
fn rejects_replays_tampering_and_stale_packets() {
    let (mut sender, mut receiver) = pair(SrtpProfile::Aes128CmSha1_80);
    let first = sender.protect_rtp(&rtp(1000, b"payload")).unwrap();
    assert!(receiver.unprotect_rtp(&first).is_ok());
    assert_eq!(receiver.unprotect_rtp(&first), Err(SrtpError::Replayed));
    for position in [1, 5, 12, first.len() - 1] {
        let mut tampered = sender
            .protect_rtp(&rtp(1001 + position as u16, b"payload"))
            .unwrap();
        tampered[position] ^= 0x01;
        assert_eq!(
            receiver.unprotect_rtp(&tampered),
            Err(SrtpError::AuthenticationFailed)
        );
    }
    let mut later = None;
    for sequence in 1100..1300u16 {
        later = Some(sender.protect_rtp(&rtp(sequence, b"payload")).unwrap());
    }
    assert!(receiver.unprotect_rtp(&later.unwrap()).is_ok());
    let stale = {
        let (mut other, _) = pair(SrtpProfile::Aes128CmSha1_80);
        other.protect_rtp(&rtp(1002, b"payload")).unwrap()
    };
    assert_eq!(receiver.unprotect_rtp(&stale), Err(SrtpError::TooOld));
    assert_eq!(
        receiver.unprotect_rtp(&first[..15]),
        Err(SrtpError::TooShort)
    );

    let report = hex("80c90001 12345678");
    let mut protected = sender.protect_rtcp(&report).unwrap();
    let last = protected.len() - 1;
    protected[last] ^= 0x80;
    assert_eq!(
        receiver.unprotect_rtcp(&protected),
        Err(SrtpError::AuthenticationFailed)
    );
}

#[test]
fn mki_is_carried_and_checked() {
    let profile = SrtpProfile::Aes128CmSha1_80;
    let inline: Vec<u8> = (0..30).collect();
    let key = MasterKey::from_inline(profile, &inline)
        .unwrap()
        .with_mki(vec![0, 1])
        .unwrap();
    let mut sender = SrtpContext::new(profile, &key).unwrap();
    let mut receiver = SrtpContext::new(profile, &key).unwrap();
    let packet = rtp(7, b"abc");
    let protected = sender.protect_rtp(&packet).unwrap();
    assert_eq!(protected.len(), packet.len() + 2 + 10);
    assert_eq!(&protected[packet.len()..packet.len() + 2], &[0, 1]);
    assert_eq!(receiver.unprotect_rtp(&protected).unwrap(), packet);
    let other_key = MasterKey::from_inline(profile, &inline)
        .unwrap()
        .with_mki(vec![0, 2])
        .unwrap();
    let mut other = SrtpContext::new(profile, &other_key).unwrap();
    assert_eq!(other.unprotect_rtp(&protected), Err(SrtpError::UnknownMki));
    let report = sender.protect_rtcp(&hex("80c90001 12345678")).unwrap();
    assert_eq!(
        receiver.unprotect_rtcp(&report).unwrap(),
        hex("80c90001 12345678")
    );
    assert_eq!(
        MasterKey::from_inline(profile, &inline)
            .unwrap()
            .with_mki(Vec::new())
            .unwrap_err(),
        SrtpError::MkiLength(0)
    );
}

#[test]
fn key_lifetime_is_enforced() {
    let profile = SrtpProfile::Aes256CmSha1_32;
    let inline: Vec<u8> = (0..46).collect();
    let key = MasterKey::from_inline(profile, &inline)
        .unwrap()
        .with_lifetime(3);
    let mut sender = SrtpContext::new(profile, &key).unwrap();
    for sequence in 0..3 {
        sender.protect_rtp(&rtp(sequence, b"x")).unwrap();
    }
    assert!(sender.is_exhausted());
    assert_eq!(
        sender.protect_rtp(&rtp(3, b"x")),
        Err(SrtpError::KeyExhausted)
    );
}

#[test]
fn profiles_and_key_lengths() {
    for profile in SrtpProfile::ALL {
        assert_eq!(
            SrtpProfile::from_sdes_name(profile.sdes_name()),
            Some(profile)
        );
    }
    assert_eq!(SrtpProfile::from_sdes_name("aes_cm_128_hmac_sha1_80"), None);
    assert_eq!(
        MasterKey::from_inline(SrtpProfile::Aes256CmSha1_80, &[0; 30]).unwrap_err(),
        SrtpError::KeyLength {
            expected: 46,
            actual: 30
        }
    );
    let key = MasterKey::from_inline(SrtpProfile::Aes128CmSha1_80, &[7; 30]).unwrap();
    assert_eq!(key.to_inline(), vec![7; 30]);
    assert!(!format!("{key:?}").contains('7'));
    assert!(SrtpContext::new(SrtpProfile::Aes256CmSha1_80, &key).is_err());
}

#[test]
fn arbitrary_input_never_panics() {
    let (mut sender, mut receiver) = pair(SrtpProfile::Aes128CmSha1_80);
    let good = sender.protect_rtp(&rtp(5, &[1; 40])).unwrap();
    let good_rtcp = sender.protect_rtcp(&hex("80c90001 12345678")).unwrap();
    for len in 0..good.len() {
        let _ = receiver.unprotect_rtp(&good[..len]);
        let _ = receiver.unprotect_rtcp(&good_rtcp[..len.min(good_rtcp.len())]);
        let _ = sender.protect_rtcp(&good[..len]);
        let _ = sender.protect_rtp(&good[..len]);
    }
    let mut state = 0x1234_5679_u32;
    for _ in 0..3000 {
        let mut bytes = good.clone();
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let index = state as usize % bytes.len();
        bytes[index] ^= (state >> 24) as u8 | 1;
        assert!(receiver.unprotect_rtp(&bytes).is_err());
    }
}

/// Packets libsrtp protected must come out of our contexts byte for byte, and back.
#[test]
fn matches_libsrtp_across_rollover_with_and_without_mki() {
    let data = include_str!("../../tests/data/srtp_libsrtp.tsv");
    let mut sender = None;
    let mut receiver = None;
    let mut rtcp_started = false;
    let mut checked = 0;
    for line in data.lines().filter(|line| !line.starts_with('#')) {
        let fields: Vec<&str> = line.split('\t').collect();
        let profile = SrtpProfile::from_sdes_name(fields[1]).unwrap();
        match fields[0] {
            "key" => {
                let mut key = MasterKey::from_inline(profile, &hex(fields[3])).unwrap();
                if fields[2] == "1" {
                    key = key.with_mki(vec![0xa5, 0x01]).unwrap();
                }
                sender = Some(SrtpContext::new(profile, &key).unwrap());
                receiver = Some(SrtpContext::new(profile, &key).unwrap());
                rtcp_started = false;
            }
            kind => {
                let (sender, receiver) = (sender.as_mut().unwrap(), receiver.as_mut().unwrap());
                let (plain, protected) = (hex(fields[3]), hex(fields[4]));
                if kind == "rtp" {
                    assert_eq!(sender.protect_rtp(&plain).unwrap(), protected, "{line}");
                    assert_eq!(receiver.unprotect_rtp(&protected).unwrap(), plain, "{line}");
                } else {
                    if !rtcp_started {
                        // libsrtp numbers its first SRTCP packet 1; RFC 3711 §3.4 starts at 0.
                        sender.protect_rtcp(&plain).unwrap();
                        rtcp_started = true;
                    }
                    assert_eq!(sender.protect_rtcp(&plain).unwrap(), protected, "{line}");
                    assert_eq!(
                        receiver.unprotect_rtcp(&protected).unwrap(),
                        plain,
                        "{line}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 64);
}
