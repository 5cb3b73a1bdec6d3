//! Header field names: the known ones with their canonical spelling and compact forms
//! (RFC 3261 §7.3.3, §20 and later RFCs), case-insensitive recognition, and which of them are
//! comma-separated lists.

use std::fmt;

macro_rules! header_kinds {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal $(, compact $compact:literal)? $(, list $list:tt)? ;)*) => {
        /// The kind of a header field; names outside this list are [`HeaderKind::Other`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum HeaderKind {
            $( $(#[$doc])* $variant, )*
            /// Any other header; its name is kept as written.
            Other,
        }

        impl HeaderKind {
            /// Every known kind (not [`HeaderKind::Other`]).
            pub const ALL: &'static [HeaderKind] = &[ $(HeaderKind::$variant,)* ];

            /// The canonical name (for [`HeaderKind::Other`], an empty string).
            pub fn name(self) -> &'static str {
                match self {
                    $( HeaderKind::$variant => $name, )*
                    HeaderKind::Other => "",
                }
            }

            /// The one-letter compact form, if the header has one.
            pub fn compact(self) -> Option<char> {
                match self {
                    $( $( HeaderKind::$variant => Some($compact), )? )*
                    _ => None,
                }
            }

            /// Whether the value is a comma-separated list, so that several values may share
            /// one line and repeated lines add values. Headers whose values contain commas
            /// (WWW-Authenticate, Authorization, Date …) are not lists.
            pub fn is_list(self) -> bool {
                match self {
                    $( $( HeaderKind::$variant => $list, )? )*
                    _ => false,
                }
            }
        }
    };
}

header_kinds! {
    /// Accept (RFC 3261 §20.1).
    Accept = "Accept", list true;
    /// Accept-Contact (RFC 3841).
    AcceptContact = "Accept-Contact", compact 'a', list true;
    /// Accept-Encoding (RFC 3261 §20.2).
    AcceptEncoding = "Accept-Encoding", list true;
    /// Accept-Language (RFC 3261 §20.3).
    AcceptLanguage = "Accept-Language", list true;
    /// Alert-Info (RFC 3261 §20.4).
    AlertInfo = "Alert-Info", list true;
    /// Allow (RFC 3261 §20.5).
    Allow = "Allow", list true;
    /// Allow-Events (RFC 6665).
    AllowEvents = "Allow-Events", compact 'u', list true;
    /// Authentication-Info (RFC 3261 §20.6).
    AuthenticationInfo = "Authentication-Info";
    /// Authorization (RFC 3261 §20.7).
    Authorization = "Authorization";
    /// Call-ID (RFC 3261 §20.8).
    CallId = "Call-ID", compact 'i';
    /// Call-Info (RFC 3261 §20.9).
    CallInfo = "Call-Info", list true;
    /// Contact (RFC 3261 §20.10).
    Contact = "Contact", compact 'm', list true;
    /// Content-Disposition (RFC 3261 §20.11).
    ContentDisposition = "Content-Disposition";
    /// Content-Encoding (RFC 3261 §20.12).
    ContentEncoding = "Content-Encoding", compact 'e', list true;
    /// Content-Language (RFC 3261 §20.13).
    ContentLanguage = "Content-Language", list true;
    /// Content-Length (RFC 3261 §20.14).
    ContentLength = "Content-Length", compact 'l';
    /// Content-Type (RFC 3261 §20.15).
    ContentType = "Content-Type", compact 'c';
    /// CSeq (RFC 3261 §20.16).
    CSeq = "CSeq";
    /// Date (RFC 3261 §20.17).
    Date = "Date";
    /// Diversion (RFC 5806).
    Diversion = "Diversion", list true;
    /// Error-Info (RFC 3261 §20.18).
    ErrorInfo = "Error-Info", list true;
    /// Event (RFC 6665).
    Event = "Event", compact 'o';
    /// Expires (RFC 3261 §20.19).
    Expires = "Expires";
    /// From (RFC 3261 §20.20).
    From = "From", compact 'f';
    /// Identity (RFC 8224).
    Identity = "Identity", compact 'y';
    /// Identity-Info (RFC 4474).
    IdentityInfo = "Identity-Info", compact 'n';
    /// In-Reply-To (RFC 3261 §20.21).
    InReplyTo = "In-Reply-To", list true;
    /// Max-Forwards (RFC 3261 §20.22).
    MaxForwards = "Max-Forwards";
    /// MIME-Version (RFC 3261 §20.24).
    MimeVersion = "MIME-Version";
    /// Min-Expires (RFC 3261 §20.23).
    MinExpires = "Min-Expires";
    /// Min-SE (RFC 4028).
    MinSe = "Min-SE";
    /// Organization (RFC 3261 §20.25).
    Organization = "Organization";
    /// P-Asserted-Identity (RFC 3325).
    PAssertedIdentity = "P-Asserted-Identity", list true;
    /// P-Preferred-Identity (RFC 3325).
    PPreferredIdentity = "P-Preferred-Identity", list true;
    /// Path (RFC 3327).
    Path = "Path", list true;
    /// Priority (RFC 3261 §20.26).
    Priority = "Priority";
    /// Privacy (RFC 3323).
    Privacy = "Privacy";
    /// Proxy-Authenticate (RFC 3261 §20.27).
    ProxyAuthenticate = "Proxy-Authenticate";
    /// Proxy-Authorization (RFC 3261 §20.28).
    ProxyAuthorization = "Proxy-Authorization";
    /// Proxy-Require (RFC 3261 §20.29).
    ProxyRequire = "Proxy-Require", list true;
    /// RAck (RFC 3262).
    RAck = "RAck";
    /// Reason (RFC 3326).
    Reason = "Reason", list true;
    /// Record-Route (RFC 3261 §20.30).
    RecordRoute = "Record-Route", list true;
    /// Refer-To (RFC 3515).
    ReferTo = "Refer-To", compact 'r';
    /// Referred-By (RFC 3892).
    ReferredBy = "Referred-By", compact 'b';
    /// Reject-Contact (RFC 3841).
    RejectContact = "Reject-Contact", compact 'j', list true;
    /// Remote-Party-ID (draft-ietf-sip-privacy; still sent by many PBXs).
    RemotePartyId = "Remote-Party-ID", list true;
    /// Replaces (RFC 3891).
    Replaces = "Replaces";
    /// Reply-To (RFC 3261 §20.31).
    ReplyTo = "Reply-To";
    /// Request-Disposition (RFC 3841).
    RequestDisposition = "Request-Disposition", compact 'd', list true;
    /// Require (RFC 3261 §20.32).
    Require = "Require", list true;
    /// Retry-After (RFC 3261 §20.33).
    RetryAfter = "Retry-After";
    /// Route (RFC 3261 §20.34).
    Route = "Route", list true;
    /// RSeq (RFC 3262).
    RSeq = "RSeq";
    /// Server (RFC 3261 §20.35).
    Server = "Server";
    /// Service-Route (RFC 3608).
    ServiceRoute = "Service-Route", list true;
    /// Session-Expires (RFC 4028).
    SessionExpires = "Session-Expires", compact 'x';
    /// SIP-ETag (RFC 3903).
    SipETag = "SIP-ETag";
    /// SIP-If-Match (RFC 3903).
    SipIfMatch = "SIP-If-Match";
    /// Subject (RFC 3261 §20.36).
    Subject = "Subject", compact 's';
    /// Subscription-State (RFC 6665).
    SubscriptionState = "Subscription-State";
    /// Supported (RFC 3261 §20.37).
    Supported = "Supported", compact 'k', list true;
    /// Timestamp (RFC 3261 §20.38).
    Timestamp = "Timestamp";
    /// To (RFC 3261 §20.39).
    To = "To", compact 't';
    /// Unsupported (RFC 3261 §20.40).
    Unsupported = "Unsupported", list true;
    /// User-Agent (RFC 3261 §20.41).
    UserAgent = "User-Agent";
    /// Via (RFC 3261 §20.42).
    Via = "Via", compact 'v', list true;
    /// Warning (RFC 3261 §20.43).
    Warning = "Warning", list true;
    /// WWW-Authenticate (RFC 3261 §20.44).
    WwwAuthenticate = "WWW-Authenticate";
}

impl HeaderKind {
    /// Recognizes a header name in any letter case, full or compact.
    pub fn from_name(name: &[u8]) -> Self {
        if name.len() == 1 {
            return Self::from_compact(name[0].to_ascii_lowercase());
        }
        Self::from_full_name(name)
    }

    fn from_compact(letter: u8) -> Self {
        match letter {
            b'a' => HeaderKind::AcceptContact,
            b'b' => HeaderKind::ReferredBy,
            b'c' => HeaderKind::ContentType,
            b'd' => HeaderKind::RequestDisposition,
            b'e' => HeaderKind::ContentEncoding,
            b'f' => HeaderKind::From,
            b'i' => HeaderKind::CallId,
            b'j' => HeaderKind::RejectContact,
            b'k' => HeaderKind::Supported,
            b'l' => HeaderKind::ContentLength,
            b'm' => HeaderKind::Contact,
            b'n' => HeaderKind::IdentityInfo,
            b'o' => HeaderKind::Event,
            b'r' => HeaderKind::ReferTo,
            b's' => HeaderKind::Subject,
            b't' => HeaderKind::To,
            b'u' => HeaderKind::AllowEvents,
            b'v' => HeaderKind::Via,
            b'x' => HeaderKind::SessionExpires,
            b'y' => HeaderKind::Identity,
            _ => HeaderKind::Other,
        }
    }

    /// Full names, dispatched on length and first letter so that a name costs one or two
    /// case-insensitive comparisons.
    fn from_full_name(name: &[u8]) -> Self {
        let Some(first) = name.first() else {
            return HeaderKind::Other;
        };
        match (name.len(), first.to_ascii_lowercase()) {
            (2, b't') if name.eq_ignore_ascii_case(b"to") => HeaderKind::To,
            (3, b'v') if name.eq_ignore_ascii_case(b"via") => HeaderKind::Via,
            (4, b'c') if name.eq_ignore_ascii_case(b"cseq") => HeaderKind::CSeq,
            (4, b'd') if name.eq_ignore_ascii_case(b"date") => HeaderKind::Date,
            (4, b'f') if name.eq_ignore_ascii_case(b"from") => HeaderKind::From,
            (4, b'p') if name.eq_ignore_ascii_case(b"path") => HeaderKind::Path,
            (4, b'r') => {
                if name.eq_ignore_ascii_case(b"rack") {
                    HeaderKind::RAck
                } else if name.eq_ignore_ascii_case(b"rseq") {
                    HeaderKind::RSeq
                } else {
                    HeaderKind::Other
                }
            }
            (5, b'a') if name.eq_ignore_ascii_case(b"allow") => HeaderKind::Allow,
            (5, b'e') if name.eq_ignore_ascii_case(b"event") => HeaderKind::Event,
            (5, b'r') if name.eq_ignore_ascii_case(b"route") => HeaderKind::Route,
            (6, b'a') if name.eq_ignore_ascii_case(b"accept") => HeaderKind::Accept,
            (6, b'm') if name.eq_ignore_ascii_case(b"min-se") => HeaderKind::MinSe,
            (6, b'r') if name.eq_ignore_ascii_case(b"reason") => HeaderKind::Reason,
            (6, b's') if name.eq_ignore_ascii_case(b"server") => HeaderKind::Server,
            (7, b'c') => {
                if name.eq_ignore_ascii_case(b"call-id") {
                    HeaderKind::CallId
                } else if name.eq_ignore_ascii_case(b"contact") {
                    HeaderKind::Contact
                } else {
                    HeaderKind::Other
                }
            }
            (7, b'e') if name.eq_ignore_ascii_case(b"expires") => HeaderKind::Expires,
            (7, b'p') if name.eq_ignore_ascii_case(b"privacy") => HeaderKind::Privacy,
            (7, b'r') if name.eq_ignore_ascii_case(b"require") => HeaderKind::Require,
            (7, b's') if name.eq_ignore_ascii_case(b"subject") => HeaderKind::Subject,
            (7, b'w') if name.eq_ignore_ascii_case(b"warning") => HeaderKind::Warning,
            (8, b'i') if name.eq_ignore_ascii_case(b"identity") => HeaderKind::Identity,
            (8, b'p') if name.eq_ignore_ascii_case(b"priority") => HeaderKind::Priority,
            (8, b'r') => {
                if name.eq_ignore_ascii_case(b"refer-to") {
                    HeaderKind::ReferTo
                } else if name.eq_ignore_ascii_case(b"replaces") {
                    HeaderKind::Replaces
                } else if name.eq_ignore_ascii_case(b"reply-to") {
                    HeaderKind::ReplyTo
                } else {
                    HeaderKind::Other
                }
            }
            (8, b's') if name.eq_ignore_ascii_case(b"sip-etag") => HeaderKind::SipETag,
            (9, b'c') if name.eq_ignore_ascii_case(b"call-info") => HeaderKind::CallInfo,
            (9, b'd') if name.eq_ignore_ascii_case(b"diversion") => HeaderKind::Diversion,
            (9, b's') if name.eq_ignore_ascii_case(b"supported") => HeaderKind::Supported,
            (9, b't') if name.eq_ignore_ascii_case(b"timestamp") => HeaderKind::Timestamp,
            (10, b'a') if name.eq_ignore_ascii_case(b"alert-info") => HeaderKind::AlertInfo,
            (10, b'e') if name.eq_ignore_ascii_case(b"error-info") => HeaderKind::ErrorInfo,
            (10, b'u') if name.eq_ignore_ascii_case(b"user-agent") => HeaderKind::UserAgent,
            (11, b'i') if name.eq_ignore_ascii_case(b"in-reply-to") => HeaderKind::InReplyTo,
            (11, b'm') if name.eq_ignore_ascii_case(b"min-expires") => HeaderKind::MinExpires,
            (11, b'r') => {
                if name.eq_ignore_ascii_case(b"referred-by") {
                    HeaderKind::ReferredBy
                } else if name.eq_ignore_ascii_case(b"retry-after") {
                    HeaderKind::RetryAfter
                } else {
                    HeaderKind::Other
                }
            }
            (11, b'u') if name.eq_ignore_ascii_case(b"unsupported") => HeaderKind::Unsupported,
            (12, b'a') if name.eq_ignore_ascii_case(b"allow-events") => HeaderKind::AllowEvents,
            (12, b'c') if name.eq_ignore_ascii_case(b"content-type") => HeaderKind::ContentType,
            (12, b'm') => {
                if name.eq_ignore_ascii_case(b"max-forwards") {
                    HeaderKind::MaxForwards
                } else if name.eq_ignore_ascii_case(b"mime-version") {
                    HeaderKind::MimeVersion
                } else {
                    HeaderKind::Other
                }
            }
            (12, b'o') if name.eq_ignore_ascii_case(b"organization") => HeaderKind::Organization,
            (12, b'r') if name.eq_ignore_ascii_case(b"record-route") => HeaderKind::RecordRoute,
            (12, b's') if name.eq_ignore_ascii_case(b"sip-if-match") => HeaderKind::SipIfMatch,
            (13, b'a') if name.eq_ignore_ascii_case(b"authorization") => HeaderKind::Authorization,
            (13, b'i') if name.eq_ignore_ascii_case(b"identity-info") => HeaderKind::IdentityInfo,
            (13, b'p') if name.eq_ignore_ascii_case(b"proxy-require") => HeaderKind::ProxyRequire,
            (13, b's') if name.eq_ignore_ascii_case(b"service-route") => HeaderKind::ServiceRoute,
            (14, b'a') if name.eq_ignore_ascii_case(b"accept-contact") => HeaderKind::AcceptContact,
            (14, b'c') if name.eq_ignore_ascii_case(b"content-length") => HeaderKind::ContentLength,
            (14, b'r') if name.eq_ignore_ascii_case(b"reject-contact") => HeaderKind::RejectContact,
            (15, b'a') => {
                if name.eq_ignore_ascii_case(b"accept-encoding") {
                    HeaderKind::AcceptEncoding
                } else if name.eq_ignore_ascii_case(b"accept-language") {
                    HeaderKind::AcceptLanguage
                } else {
                    HeaderKind::Other
                }
            }
            (15, b'r') if name.eq_ignore_ascii_case(b"remote-party-id") => {
                HeaderKind::RemotePartyId
            }
            (15, b's') if name.eq_ignore_ascii_case(b"session-expires") => {
                HeaderKind::SessionExpires
            }
            (16, b'c') => {
                if name.eq_ignore_ascii_case(b"content-encoding") {
                    HeaderKind::ContentEncoding
                } else if name.eq_ignore_ascii_case(b"content-language") {
                    HeaderKind::ContentLanguage
                } else {
                    HeaderKind::Other
                }
            }
            (16, b'w') if name.eq_ignore_ascii_case(b"www-authenticate") => {
                HeaderKind::WwwAuthenticate
            }
            (18, b'p') if name.eq_ignore_ascii_case(b"proxy-authenticate") => {
                HeaderKind::ProxyAuthenticate
            }
            (18, b's') if name.eq_ignore_ascii_case(b"subscription-state") => {
                HeaderKind::SubscriptionState
            }
            (19, b'a') if name.eq_ignore_ascii_case(b"authentication-info") => {
                HeaderKind::AuthenticationInfo
            }
            (19, b'c') if name.eq_ignore_ascii_case(b"content-disposition") => {
                HeaderKind::ContentDisposition
            }
            (19, b'p') => {
                if name.eq_ignore_ascii_case(b"p-asserted-identity") {
                    HeaderKind::PAssertedIdentity
                } else if name.eq_ignore_ascii_case(b"proxy-authorization") {
                    HeaderKind::ProxyAuthorization
                } else {
                    HeaderKind::Other
                }
            }
            (19, b'r') if name.eq_ignore_ascii_case(b"request-disposition") => {
                HeaderKind::RequestDisposition
            }
            (20, b'p') if name.eq_ignore_ascii_case(b"p-preferred-identity") => {
                HeaderKind::PPreferredIdentity
            }
            _ => HeaderKind::Other,
        }
    }
}

impl fmt::Display for HeaderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_names() {
        for &kind in HeaderKind::ALL {
            assert_eq!(
                HeaderKind::from_name(kind.name().as_bytes()),
                kind,
                "{kind:?}"
            );
            let upper = kind.name().to_ascii_uppercase();
            assert_eq!(HeaderKind::from_name(upper.as_bytes()), kind);
            if let Some(c) = kind.compact() {
                assert_eq!(HeaderKind::from_name(c.to_string().as_bytes()), kind);
                let upper = c.to_ascii_uppercase().to_string();
                assert_eq!(HeaderKind::from_name(upper.as_bytes()), kind);
            }
        }
        assert_eq!(HeaderKind::from_name(b"ViA"), HeaderKind::Via);
        assert_eq!(HeaderKind::from_name(b"C%6Fntact"), HeaderKind::Other);
        assert_eq!(HeaderKind::from_name(b"q"), HeaderKind::Other);
        assert_eq!(
            HeaderKind::from_name(b"Unknown-LongLongLongLongLongLong-Name"),
            HeaderKind::Other
        );
        assert!(HeaderKind::Via.is_list() && !HeaderKind::WwwAuthenticate.is_list());
    }
}
