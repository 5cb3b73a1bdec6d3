//! Property: for realistic messages and many rewritings of them that mean the same (compact
//! or oddly cased names, folds, spaces around colons, bare LF line ends), parse → serialize →
//! parse gives equal messages and equal typed values.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use handset_sip::header::HeaderKind;
use handset_sip::Message;

const CORPUS: [(&str, &[u8]); 7] = [
    ("invite_sdp", include_bytes!("data/corpus/invite_sdp.sip")),
    ("register", include_bytes!("data/corpus/register.sip")),
    (
        "ok_record_route",
        include_bytes!("data/corpus/ok_record_route.sip"),
    ),
    ("notify", include_bytes!("data/corpus/notify.sip")),
    (
        "folded_response",
        include_bytes!("data/corpus/folded_response.sip"),
    ),
    ("bye", include_bytes!("data/corpus/bye.sip")),
    ("refer", include_bytes!("data/corpus/refer.sip")),
];

/// Every typed value the crate offers, as text.
fn typed(m: &Message) -> String {
    let h = m.headers();
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        (m.method(), m.request_uri(), m.status(), m.reason(), m.body()),
        h.via(),
        h.from(),
        h.to(),
        h.call_id(),
        h.cseq(),
        h.contacts(),
        h.route(),
        h.record_route(),
        h.max_forwards(),
        h.expires(),
        h.content_type(),
        h.event(),
        h.subscription_state(),
        h.refer_to(),
        h.referred_by(),
        h.session_expires(),
        h.min_se(),
        h.rseq(),
        (h.supported(), h.require(), h.allow()),
        h.p_asserted_identity(),
        h.p_preferred_identity(),
        h.privacy(),
        h.alert_info(),
        h.user_agent(),
        h.server(),
        h.values(HeaderKind::Other).map(|v| v.len()),
    )
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn chance(&mut self, in_four: u64) -> bool {
        self.next() % 4 < in_four
    }
}

/// Rewrites a message without changing its meaning.
fn rewrite(original: &[u8], rng: &mut Rng) -> Vec<u8> {
    let text = std::str::from_utf8(original).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    // Join folded lines so each header is one line, then refold at random.
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let mut lines = unfolded.split("\r\n");
    let mut out = String::from(lines.next().unwrap());
    out.push_str("\r\n");
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        let name = name.trim_end();
        let kind = HeaderKind::from_name(name.as_bytes());
        let name = match (kind.compact(), rng.next() % 3) {
            (Some(c), 0) => c.to_string(),
            (_, 1) if kind != HeaderKind::Other => name
                .chars()
                .map(|c| {
                    if rng.chance(2) {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect(),
            _ => name.to_owned(),
        };
        let mut value = value.trim().to_owned();
        if kind != HeaderKind::Other && rng.chance(2) {
            // Fold at one of the spaces.
            let spaces: Vec<usize> = value.match_indices(' ').map(|(i, _)| i).collect();
            if !spaces.is_empty() {
                let at = spaces[(rng.next() as usize) % spaces.len()];
                value.replace_range(at..=at, "\r\n   ");
            }
        }
        let colon = ["", " ", "  "][(rng.next() % 3) as usize];
        let after = ["", " ", "\t "][(rng.next() % 3) as usize];
        out.push_str(&format!("{name}{colon}:{after}{value}\r\n"));
    }
    out.push_str("\r\n");
    if rng.chance(1) {
        out = out.replace("\r\n", "\n");
    }
    out.push_str(body);
    out.into_bytes()
}

#[test]
fn corpus_round_trips_to_equal_typed_values() {
    for (name, bytes) in CORPUS {
        let m = Message::parse(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        m.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = Message::parse(&m.to_bytes()).unwrap();
        assert_eq!(again, m, "{name}");
        assert_eq!(typed(&again), typed(&m), "{name}");
        assert_eq!(
            again.to_bytes(),
            m.to_bytes(),
            "{name}: canonical form is a fixed point"
        );
        // Through a builder, too.
        let rebuilt = m.to_builder().build().unwrap();
        assert_eq!(typed(&rebuilt), typed(&m), "{name}: builder");
    }
}

#[test]
fn rewritten_messages_mean_the_same() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for (name, bytes) in CORPUS {
        let reference = Message::parse(bytes).unwrap();
        let expected = typed(&reference);
        for round in 0..200 {
            let variant = rewrite(bytes, &mut rng);
            let shown = String::from_utf8_lossy(&variant);
            let m =
                Message::parse(&variant).unwrap_or_else(|e| panic!("{name}/{round}: {e}\n{shown}"));
            m.validate()
                .unwrap_or_else(|e| panic!("{name}/{round}: {e}\n{shown}"));
            assert_eq!(typed(&m), expected, "{name}/{round}\n{shown}");
            let again = Message::parse(&m.to_bytes()).unwrap();
            assert_eq!(again, m, "{name}/{round}");
            assert_eq!(typed(&again), expected, "{name}/{round}");
        }
    }
}

#[test]
fn stream_framing_splits_a_byte_stream_at_any_point() {
    let mut stream = Vec::new();
    for (_, bytes) in CORPUS {
        stream.extend_from_slice(b"\r\n\r\n");
        stream.extend_from_slice(bytes);
    }
    let limits = handset_sip::message::Limits::default();
    for chunk in [1, 7, 64, 1500, stream.len()] {
        let mut buffer = Vec::new();
        let mut seen = Vec::new();
        for piece in stream.chunks(chunk) {
            buffer.extend_from_slice(piece);
            while let Some((m, used)) = Message::parse_stream(&buffer, &limits).unwrap() {
                seen.push(m);
                buffer.drain(..used);
            }
        }
        assert!(
            buffer.is_empty(),
            "chunk {chunk}: {} bytes left",
            buffer.len()
        );
        let expected: Vec<Message> = CORPUS
            .iter()
            .map(|(_, b)| Message::parse(b).unwrap())
            .collect();
        assert_eq!(seen, expected, "chunk {chunk}");
    }
}
