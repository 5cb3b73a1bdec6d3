//! Typed access to header values, parsed on demand, and the whole-message check.
//!
//! List headers (Via, Contact, Route, Supported …) gather the values of every line of that
//! header, in order, whether they share a line separated by commas or not. Single-value
//! accessors read the first such header; [`Message::validate`] rejects repeats.

use std::borrow::Cow;

use super::{ErrorKind, Field, HeaderRef, Message, ParseError};
use crate::header::{
    parse_call_id, parse_delta_seconds, parse_max_forwards, parse_privacy, parse_products,
    parse_rseq, split_list, CSeq, Contacts, Event, HeaderKind, InfoUri, MediaType, NameAddr,
    ProductPart, RAck, Replaces, RetryAfter, SessionExpires, SipDate, SubscriptionState, Via,
    Warning,
};
use crate::method::Method;
use crate::syntax::{is_lws, is_token};

/// The header fields of a message, with typed accessors.
#[derive(Clone, Copy)]
pub struct Headers<'a> {
    bytes: &'a [u8],
    fields: &'a [Field],
}

impl<'a> Headers<'a> {
    pub(crate) fn new(bytes: &'a [u8], fields: &'a [Field]) -> Self {
        Self { bytes, fields }
    }

    /// Every header field in order.
    pub fn iter(&self) -> impl Iterator<Item = HeaderRef<'a>> + 'a {
        let bytes = self.bytes;
        self.fields
            .iter()
            .map(move |field| HeaderRef { bytes, field })
    }

    /// How many header fields (lines) there are.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields of one kind, in order.
    pub fn all(&self, kind: HeaderKind) -> impl Iterator<Item = HeaderRef<'a>> + 'a {
        self.iter().filter(move |h| h.kind() == kind)
    }

    /// The first field of a kind.
    pub fn get(&self, kind: HeaderKind) -> Option<HeaderRef<'a>> {
        self.all(kind).next()
    }

    /// The fields with this name (case-insensitive; full and compact names of known headers
    /// match each other).
    pub fn named(&self, name: &'a str) -> impl Iterator<Item = HeaderRef<'a>> + 'a {
        let kind = HeaderKind::from_name(name.as_bytes());
        self.iter().filter(move |h| {
            h.kind() == kind && (kind != HeaderKind::Other || h.name().eq_ignore_ascii_case(name))
        })
    }

    /// Every value of a header: list headers split at their commas, others one per line.
    pub fn values(&self, kind: HeaderKind) -> Result<Vec<Cow<'a, str>>, ParseError> {
        let mut out = Vec::new();
        for h in self.all(kind) {
            let text = h.value()?;
            if kind.is_list() {
                for (_, item) in split_list(&text) {
                    out.push(Cow::Owned(item.to_owned()));
                }
            } else {
                out.push(text);
            }
        }
        Ok(out)
    }

    fn list<T>(
        &self,
        kind: HeaderKind,
        parse: impl Fn(&str) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ParseError> {
        let mut out = Vec::new();
        for h in self.all(kind) {
            let text = h.value()?;
            for (offset, item) in split_list(&text) {
                let base = h.offset() + offset;
                if item.is_empty() {
                    return Err(ParseError::value("empty list element", 0).in_header(kind, base));
                }
                out.push(parse(item).map_err(|e| e.in_header(kind, base))?);
            }
        }
        Ok(out)
    }

    fn single<T>(
        &self,
        kind: HeaderKind,
        parse: impl Fn(&str) -> Result<T, ParseError>,
    ) -> Result<Option<T>, ParseError> {
        let Some(h) = self.get(kind) else {
            return Ok(None);
        };
        let text = h.value()?;
        parse(&text)
            .map(Some)
            .map_err(|e| e.in_header(kind, h.offset()))
    }

    fn required<T>(
        &self,
        kind: HeaderKind,
        parse: impl Fn(&str) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        self.single(kind, parse)?.ok_or(ParseError {
            kind: ErrorKind::MissingHeader,
            offset: 0,
            header: Some(kind),
        })
    }

    fn option_tags(&self, kind: HeaderKind) -> Result<Vec<String>, ParseError> {
        self.list(kind, |tag| {
            if is_token(tag) {
                Ok(tag.to_owned())
            } else {
                Err(ParseError::value("option tag is not a token", 0))
            }
        })
    }

    /// All Via values, topmost first (at least one, else an error).
    pub fn via(&self) -> Result<Vec<Via>, ParseError> {
        let vias = self.list(HeaderKind::Via, Via::parse)?;
        if vias.is_empty() {
            return Err(missing(HeaderKind::Via));
        }
        Ok(vias)
    }

    /// The topmost Via value (the others are not parsed).
    pub fn top_via(&self) -> Result<Via, ParseError> {
        let h = self.get(HeaderKind::Via).ok_or(missing(HeaderKind::Via))?;
        let text = h.value()?;
        let (offset, first) = split_list(&text)
            .next()
            .ok_or(ParseError::value("empty Via", 0).in_header(HeaderKind::Via, h.offset()))?;
        Via::parse(first).map_err(|e| e.in_header(HeaderKind::Via, h.offset() + offset))
    }

    /// From.
    pub fn from(&self) -> Result<NameAddr, ParseError> {
        self.required(HeaderKind::From, NameAddr::parse)
    }

    /// To.
    pub fn to(&self) -> Result<NameAddr, ParseError> {
        self.required(HeaderKind::To, NameAddr::parse)
    }

    /// Call-ID (borrowed from the message).
    pub fn call_id(&self) -> Result<&'a str, ParseError> {
        let h = self
            .get(HeaderKind::CallId)
            .ok_or(missing(HeaderKind::CallId))?;
        let raw = h.raw_value();
        let start = raw.iter().take_while(|b| is_lws(**b)).count();
        let text = std::str::from_utf8(&raw[start..]).ok();
        text.and_then(|t| parse_call_id(t).ok()).ok_or(
            ParseError::value("invalid Call-ID", 0).in_header(HeaderKind::CallId, h.offset()),
        )
    }

    /// CSeq.
    pub fn cseq(&self) -> Result<CSeq, ParseError> {
        self.required(HeaderKind::CSeq, CSeq::parse)
    }

    /// Contact: `*` or the addresses (empty when there is no Contact).
    pub fn contacts(&self) -> Result<Contacts, ParseError> {
        let values = self.values(HeaderKind::Contact)?;
        if values.iter().any(|v| v == "*") {
            if values.len() != 1 {
                let offset = self.get(HeaderKind::Contact).map_or(0, |h| h.offset());
                return Err(ParseError::value("* mixed with addresses", 0)
                    .in_header(HeaderKind::Contact, offset));
            }
            return Ok(Contacts::Wildcard);
        }
        self.list(HeaderKind::Contact, NameAddr::parse)
            .map(Contacts::Addresses)
    }

    /// Route values (name-addr form required), in order.
    pub fn route(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.list(HeaderKind::Route, |v| NameAddr::parse_value(v, true))
    }

    /// Record-Route values (name-addr form required), in order.
    pub fn record_route(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.list(HeaderKind::RecordRoute, |v| NameAddr::parse_value(v, true))
    }

    /// Max-Forwards (0 to 255).
    pub fn max_forwards(&self) -> Result<Option<u8>, ParseError> {
        self.single(HeaderKind::MaxForwards, parse_max_forwards)
    }

    /// Expires, in seconds.
    pub fn expires(&self) -> Result<Option<u32>, ParseError> {
        self.single(HeaderKind::Expires, parse_delta_seconds)
    }

    /// Min-Expires, in seconds.
    pub fn min_expires(&self) -> Result<Option<u32>, ParseError> {
        self.single(HeaderKind::MinExpires, parse_delta_seconds)
    }

    /// Content-Length as written (the body is framed by it already).
    pub fn content_length(&self) -> Result<Option<u32>, ParseError> {
        self.single(HeaderKind::ContentLength, parse_delta_seconds)
    }

    /// Content-Type.
    pub fn content_type(&self) -> Result<Option<MediaType>, ParseError> {
        self.single(HeaderKind::ContentType, MediaType::parse)
    }

    /// Accept values.
    pub fn accept(&self) -> Result<Vec<MediaType>, ParseError> {
        self.list(HeaderKind::Accept, MediaType::parse)
    }

    /// Event.
    pub fn event(&self) -> Result<Option<Event>, ParseError> {
        self.single(HeaderKind::Event, Event::parse)
    }

    /// Subscription-State.
    pub fn subscription_state(&self) -> Result<Option<SubscriptionState>, ParseError> {
        self.single(HeaderKind::SubscriptionState, SubscriptionState::parse)
    }

    /// Refer-To.
    pub fn refer_to(&self) -> Result<Option<NameAddr>, ParseError> {
        self.single(HeaderKind::ReferTo, NameAddr::parse)
    }

    /// Referred-By.
    pub fn referred_by(&self) -> Result<Option<NameAddr>, ParseError> {
        self.single(HeaderKind::ReferredBy, NameAddr::parse)
    }

    /// Replaces.
    pub fn replaces(&self) -> Result<Option<Replaces>, ParseError> {
        self.single(HeaderKind::Replaces, Replaces::parse)
    }

    /// Session-Expires.
    pub fn session_expires(&self) -> Result<Option<SessionExpires>, ParseError> {
        self.single(HeaderKind::SessionExpires, SessionExpires::parse)
    }

    /// Min-SE (its seconds; parameters are allowed and kept).
    pub fn min_se(&self) -> Result<Option<SessionExpires>, ParseError> {
        self.single(HeaderKind::MinSe, SessionExpires::parse)
    }

    /// RSeq.
    pub fn rseq(&self) -> Result<Option<u32>, ParseError> {
        self.single(HeaderKind::RSeq, parse_rseq)
    }

    /// RAck.
    pub fn rack(&self) -> Result<Option<RAck>, ParseError> {
        self.single(HeaderKind::RAck, RAck::parse)
    }

    /// Supported option tags.
    pub fn supported(&self) -> Result<Vec<String>, ParseError> {
        self.option_tags(HeaderKind::Supported)
    }

    /// Require option tags.
    pub fn require(&self) -> Result<Vec<String>, ParseError> {
        self.option_tags(HeaderKind::Require)
    }

    /// Proxy-Require option tags.
    pub fn proxy_require(&self) -> Result<Vec<String>, ParseError> {
        self.option_tags(HeaderKind::ProxyRequire)
    }

    /// Unsupported option tags.
    pub fn unsupported(&self) -> Result<Vec<String>, ParseError> {
        self.option_tags(HeaderKind::Unsupported)
    }

    /// Allow: the methods.
    pub fn allow(&self) -> Result<Vec<Method>, ParseError> {
        self.list(HeaderKind::Allow, Method::parse)
    }

    /// P-Asserted-Identity values.
    pub fn p_asserted_identity(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.list(HeaderKind::PAssertedIdentity, NameAddr::parse)
    }

    /// P-Preferred-Identity values.
    pub fn p_preferred_identity(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.list(HeaderKind::PPreferredIdentity, NameAddr::parse)
    }

    /// Remote-Party-ID values (`party`, `screen`, `privacy` parameters).
    pub fn remote_party_id(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.list(HeaderKind::RemotePartyId, NameAddr::parse)
    }

    /// Diversion values (`reason`, `counter` parameters).
    pub fn diversion(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.list(HeaderKind::Diversion, NameAddr::parse)
    }

    /// Privacy values, lowercased (empty when absent).
    pub fn privacy(&self) -> Result<Vec<String>, ParseError> {
        Ok(self
            .single(HeaderKind::Privacy, parse_privacy)?
            .unwrap_or_default())
    }

    /// Alert-Info values.
    pub fn alert_info(&self) -> Result<Vec<InfoUri>, ParseError> {
        self.list(HeaderKind::AlertInfo, InfoUri::parse)
    }

    /// Call-Info values.
    pub fn call_info(&self) -> Result<Vec<InfoUri>, ParseError> {
        self.list(HeaderKind::CallInfo, InfoUri::parse)
    }

    /// User-Agent.
    pub fn user_agent(&self) -> Result<Option<Vec<ProductPart>>, ParseError> {
        self.single(HeaderKind::UserAgent, parse_products)
    }

    /// Server.
    pub fn server(&self) -> Result<Option<Vec<ProductPart>>, ParseError> {
        self.single(HeaderKind::Server, parse_products)
    }

    /// Retry-After.
    pub fn retry_after(&self) -> Result<Option<RetryAfter>, ParseError> {
        self.single(HeaderKind::RetryAfter, RetryAfter::parse)
    }

    /// Warning values.
    pub fn warning(&self) -> Result<Vec<Warning>, ParseError> {
        self.list(HeaderKind::Warning, Warning::parse)
    }

    /// Date.
    pub fn date(&self) -> Result<Option<SipDate>, ParseError> {
        self.single(HeaderKind::Date, SipDate::parse)
    }
}

fn missing(kind: HeaderKind) -> ParseError {
    ParseError {
        kind: ErrorKind::MissingHeader,
        offset: 0,
        header: Some(kind),
    }
}

/// Headers that may appear once only.
const SINGLE: [HeaderKind; 18] = [
    HeaderKind::CallId,
    HeaderKind::From,
    HeaderKind::To,
    HeaderKind::CSeq,
    HeaderKind::MaxForwards,
    HeaderKind::ContentType,
    HeaderKind::Expires,
    HeaderKind::MinExpires,
    HeaderKind::Event,
    HeaderKind::SubscriptionState,
    HeaderKind::ReferTo,
    HeaderKind::ReferredBy,
    HeaderKind::Replaces,
    HeaderKind::SessionExpires,
    HeaderKind::MinSe,
    HeaderKind::RSeq,
    HeaderKind::RAck,
    HeaderKind::RetryAfter,
];

impl Message {
    /// Checks the whole message: Via, From, To, Call-ID and CSeq present and valid,
    /// single-value headers not repeated, the CSeq method equal to the request method, and
    /// every header with a typed accessor here valid. Date is not checked (a phone does not
    /// act on it; RFC 4475 §3.1.2.12 allows ignoring a bad one), nor are unknown headers.
    /// Max-Forwards may be absent (RFC 2543 peers, RFC 4475 §3.4.1).
    pub fn validate(&self) -> Result<(), ParseError> {
        let h = self.headers();
        for kind in SINGLE {
            if let Some(second) = h.all(kind).nth(1) {
                return Err(ParseError {
                    kind: ErrorKind::DuplicateHeader,
                    offset: second.offset(),
                    header: Some(kind),
                });
            }
        }
        h.via()?;
        h.from()?;
        h.to()?;
        h.call_id()?;
        let cseq = h.cseq()?;
        if let Some(method) = self.method() {
            if *method != cseq.method {
                let offset = h.get(HeaderKind::CSeq).map_or(0, |f| f.offset());
                return Err(ParseError {
                    kind: ErrorKind::CSeqMethodMismatch,
                    offset,
                    header: Some(HeaderKind::CSeq),
                });
            }
        }
        h.max_forwards()?;
        h.expires()?;
        h.min_expires()?;
        h.contacts()?;
        h.route()?;
        h.record_route()?;
        h.content_type()?;
        h.accept()?;
        h.event()?;
        h.subscription_state()?;
        h.refer_to()?;
        h.referred_by()?;
        h.replaces()?;
        h.session_expires()?;
        h.min_se()?;
        h.rseq()?;
        h.rack()?;
        h.supported()?;
        h.require()?;
        h.proxy_require()?;
        h.unsupported()?;
        h.allow()?;
        h.p_asserted_identity()?;
        h.p_preferred_identity()?;
        h.remote_party_id()?;
        h.diversion()?;
        h.privacy()?;
        h.alert_info()?;
        h.call_info()?;
        h.user_agent()?;
        h.server()?;
        h.retry_after()?;
        h.warning()?;
        Ok(())
    }
}
