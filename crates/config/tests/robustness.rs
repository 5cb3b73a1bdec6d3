//! Malformed configuration files never panic: thousands of seeded random mutations of real
//! files go through parsing and checking, and each either parses or names a reason.
#![allow(clippy::unwrap_used)]

use handset_config::{format, ConfigStore, ImportOptions, Origin, Schema};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEEDS: &[&str] = &[
    "# comment\r\nP47 = pbx.example.com\r\nP271 = 1\r\nP290 = { x+ | *x+ }\r\nP2921 = #000000\r\naccount.9.sip.userid = 9\r\n",
    "<?xml version=\"1.0\"?>\n<gs_provision version=\"1\">\n<mac>000b82123456</mac>\n<config version=\"1\">\n<P47>a&amp;b</P47>\n<P271>1</P271>\n</config>\n</gs_provision>\n",
    "<gs_provision>\n<config version=\"2\">\n<item name=\"account.1.enable\">Yes</item>\n<item name=\"ldap\"><part name=\"server\">x</part></item>\n<item name=\"account.1.network.dnsMode\">SRV</item>\n</config>\n</gs_provision>\n",
];

const SPICE: &[&[u8]] = &[
    b"<",
    b">",
    b"=",
    b"#",
    b"\n",
    b"\r",
    b"\0",
    b"&",
    b"&#0;",
    b"]]>",
    b"<![CDATA[",
    b"<!--",
    b"</",
    b"\"",
    b"P",
    b"99999999999",
    b"-1",
    b"\xff\xfe",
    b"\xEF\xBB\xBF",
    b"<item name=",
    b"<config>",
    b"Salted__",
];

fn mutate(rng: &mut StdRng, input: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..rng.gen_range(1..6) {
        let at = rng.gen_range(0..=data.len());
        match rng.gen_range(0..5) {
            0 if !data.is_empty() => {
                let i = rng.gen_range(0..data.len());
                data[i] = rng.gen();
            }
            1 => {
                let spice = SPICE[rng.gen_range(0..SPICE.len())];
                data.splice(at..at, spice.iter().copied());
            }
            2 => data.truncate(at),
            3 if at < data.len() => {
                let end = rng.gen_range(at..=data.len());
                let chunk = data[at..end].to_vec();
                data.splice(at..at, chunk);
            }
            _ if at < data.len() => {
                let end = rng.gen_range(at..=data.len());
                data.drain(at..end);
            }
            _ => {}
        }
    }
    data
}

#[test]
fn mutated_files_never_panic() {
    let store = ConfigStore::new(Schema::builtin(), 6);
    let options = ImportOptions {
        device_mac: Some("000b82123456".into()),
    };
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let (mut parsed, mut refused) = (0, 0);
    for round in 0..6000 {
        let seed = SEEDS[round % SEEDS.len()].as_bytes();
        let data = mutate(&mut rng, seed);
        match format::parse(&data) {
            Ok(file) => {
                parsed += 1;
                let _ = store.check(&file, &options, Origin::Provisioning);
            }
            Err(e) => {
                refused += 1;
                assert!(!e.to_string().is_empty());
            }
        }
    }
    assert!(
        parsed > 1000 && refused > 100,
        "parsed {parsed}, refused {refused}"
    );
}
