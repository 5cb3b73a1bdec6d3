//! Header fields: names ([`HeaderKind`]), splitting comma-separated lists, and the typed
//! values of the headers the phone uses. [`crate::message::Message`] parses them on access.

mod address;
mod date;
mod event;
mod info;
mod media;
mod name;
mod sequence;
mod session;
mod via;

pub use address::{Contacts, NameAddr};
pub use date::SipDate;
pub use event::{Event, SubscriptionState, SubscriptionStateValue};
pub use info::{parse_privacy, parse_products, InfoUri, ProductPart, RetryAfter, Warning};
pub use media::MediaType;
pub use name::HeaderKind;
pub use sequence::{
    parse_call_id, parse_delta_seconds, parse_max_forwards, parse_rseq, CSeq, RAck, MAX_CSEQ,
};
pub use session::{Refresher, Replaces, SessionExpires};
pub use via::{Transport, Via, BRANCH_MAGIC_COOKIE};

use crate::syntax::is_lws;

/// Splits a list header value at the commas that separate values: not those inside quoted
/// strings, `<…>` or comments. Yields each value with its offset, trimmed of LWS; an
/// all-blank value yields nothing, but empty elements between commas are yielded (as empty
/// strings) so that the typed parsers can reject them.
pub fn split_list(value: &str) -> impl Iterator<Item = (usize, &str)> + '_ {
    let bytes = value.as_bytes();
    let blank = bytes.iter().all(|b| is_lws(*b));
    let mut start = 0;
    let mut done = blank;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut in_quotes = false;
        let mut angle = false;
        let mut comment_depth = 0usize;
        let mut i = start;
        let mut end = bytes.len();
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if in_quotes || comment_depth > 0 => i += 1,
                b'"' if comment_depth == 0 => in_quotes = !in_quotes,
                b'<' if !in_quotes && comment_depth == 0 => angle = true,
                b'>' if !in_quotes && comment_depth == 0 => angle = false,
                b'(' if !in_quotes && !angle => comment_depth += 1,
                b')' if !in_quotes && !angle => comment_depth = comment_depth.saturating_sub(1),
                b',' if !in_quotes && !angle && comment_depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        let item_start = start;
        if end == bytes.len() {
            done = true;
        } else {
            start = end + 1;
        }
        let raw = value.get(item_start..end.min(bytes.len())).unwrap_or("");
        let lead = raw.len()
            - raw
                .trim_start_matches(|c: char| c.is_ascii() && is_lws(c as u8))
                .len();
        Some((item_start + lead, crate::syntax::trim_lws(raw)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(value: &str) -> Vec<&str> {
        split_list(value).map(|(_, v)| v).collect()
    }

    #[test]
    fn commas_inside_quotes_brackets_and_comments_do_not_split() {
        assert_eq!(
            items(r#""Watson, Thomas" <sip:a@b;x=1,2>;q=0.5 , <sip:c@d> ,x (a, b)"#),
            [
                r#""Watson, Thomas" <sip:a@b;x=1,2>;q=0.5"#,
                "<sip:c@d>",
                "x (a, b)"
            ]
        );
        assert_eq!(items(r#""a\", b" <sip:x>"#), [r#""a\", b" <sip:x>"#]);
        assert_eq!(
            items("SIP/2.0/UDP 192.0.2.15;;,;,,"),
            ["SIP/2.0/UDP 192.0.2.15;;", ";", "", ""]
        );
        assert!(items("  ").is_empty());
        assert_eq!(items("a,\r\n b"), ["a", "b"]);
        let offsets: Vec<usize> = split_list("a,  b").map(|(o, _)| o).collect();
        assert_eq!(offsets, [0, 4]);
    }
}
