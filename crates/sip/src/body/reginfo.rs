//! `application/reginfo+xml` (RFC 3680 §5.3): the registrations of an address of record and
//! their contacts, as the `reg` event package reports them.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::BodyError;

/// The most elements a document may have; a larger one is refused rather than read.
pub const MAX_REGINFO_ELEMENTS: usize = 1_000;

/// Whether the document carries the whole state or changes to the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentState {
    /// `full`: every registration.
    Full,
    /// `partial`: only what changed.
    Partial,
}

/// The state of one address of record's registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationStatus {
    /// `init`: no contact is bound yet.
    Init,
    /// `active`: at least one contact is bound.
    Active,
    /// `terminated`: no contact is bound any more.
    Terminated,
}

/// The state of one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactState {
    /// `active`: bound.
    Active,
    /// `terminated`: no longer bound.
    Terminated,
}

/// What last happened to a contact (RFC 3680 §5.3 `event` attribute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactEvent {
    /// `registered`.
    Registered,
    /// `created`.
    Created,
    /// `refreshed`.
    Refreshed,
    /// `shortened`: the registrar reduced its lifetime.
    Shortened,
    /// `expired`.
    Expired,
    /// `deactivated`: it should register again at once.
    Deactivated,
    /// `probation`: it should register again later.
    Probation,
    /// `unregistered`.
    Unregistered,
    /// `rejected`: it must not register again.
    Rejected,
    /// A value this parser does not know, as written.
    Other(String),
}

impl ContactEvent {
    fn parse(value: &str) -> Self {
        match value {
            "registered" => Self::Registered,
            "created" => Self::Created,
            "refreshed" => Self::Refreshed,
            "shortened" => Self::Shortened,
            "expired" => Self::Expired,
            "deactivated" => Self::Deactivated,
            "probation" => Self::Probation,
            "unregistered" => Self::Unregistered,
            "rejected" => Self::Rejected,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// One contact of a registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInfo {
    /// Its `id`.
    pub id: String,
    /// Whether it is bound.
    pub state: ContactState,
    /// What last happened to it.
    pub event: ContactEvent,
    /// Seconds until it expires, when given.
    pub expires: Option<u32>,
    /// The contact URI, as written.
    pub uri: String,
}

/// The registration of one address of record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AorRegistration {
    /// The address of record, as written.
    pub aor: String,
    /// Its `id`.
    pub id: String,
    /// Its state.
    pub state: RegistrationStatus,
    /// Its contacts.
    pub contacts: Vec<ContactInfo>,
}

/// A whole `reginfo` document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegInfo {
    /// The document version; each NOTIFY of a subscription counts it up.
    pub version: u32,
    /// Full state or changes.
    pub state: DocumentState,
    /// The registrations.
    pub registrations: Vec<AorRegistration>,
}

/// Where the reader stands, one entry per open element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    RegInfo,
    Registration,
    Contact,
    Uri,
    /// An element this parser skips (display names, extensions …).
    Other,
}

fn xml_error(e: impl std::fmt::Display) -> BodyError {
    BodyError::Xml(e.to_string())
}

fn malformed(what: &'static str) -> BodyError {
    BodyError::Malformed { what, line: 1 }
}

/// The attributes of an element, unescaped, by local name.
fn attributes(element: &BytesStart<'_>) -> Result<Vec<(String, String)>, BodyError> {
    let mut out = Vec::new();
    for attribute in element.attributes() {
        let attribute = attribute.map_err(xml_error)?;
        let name = String::from_utf8_lossy(attribute.key.local_name().as_ref()).into_owned();
        let value = attribute.unescape_value().map_err(xml_error)?.into_owned();
        out.push((name, value));
    }
    Ok(out)
}

fn attribute<'a>(
    attributes: &'a [(String, String)],
    name: &'static str,
) -> Result<&'a str, BodyError> {
    attributes
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .ok_or(BodyError::Missing(name))
}

fn number(text: &str, what: &'static str) -> Result<u32, BodyError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(what));
    }
    text.parse().map_err(|_| malformed(what))
}

fn document(attributes: &[(String, String)]) -> Result<RegInfo, BodyError> {
    let state = match attribute(attributes, "state")? {
        "full" => DocumentState::Full,
        "partial" => DocumentState::Partial,
        _ => return Err(malformed("reginfo state")),
    };
    Ok(RegInfo {
        version: number(attribute(attributes, "version")?, "reginfo version")?,
        state,
        registrations: Vec::new(),
    })
}

fn registration(attributes: &[(String, String)]) -> Result<AorRegistration, BodyError> {
    let state = match attribute(attributes, "state")? {
        "init" => RegistrationStatus::Init,
        "active" => RegistrationStatus::Active,
        "terminated" => RegistrationStatus::Terminated,
        _ => return Err(malformed("registration state")),
    };
    Ok(AorRegistration {
        aor: attribute(attributes, "aor")?.to_owned(),
        id: attribute(attributes, "id")?.to_owned(),
        state,
        contacts: Vec::new(),
    })
}

fn contact(attributes: &[(String, String)]) -> Result<ContactInfo, BodyError> {
    let state = match attribute(attributes, "state")? {
        "active" => ContactState::Active,
        "terminated" => ContactState::Terminated,
        _ => return Err(malformed("contact state")),
    };
    let expires = match attribute(attributes, "expires") {
        Ok(value) => Some(number(value, "contact expires")?),
        Err(_) => None,
    };
    Ok(ContactInfo {
        id: attribute(attributes, "id")?.to_owned(),
        state,
        event: ContactEvent::parse(attribute(attributes, "event")?),
        expires,
        uri: String::new(),
    })
}

impl RegInfo {
    /// Parses a document. Elements and attributes are matched by local name, so any
    /// namespace prefix is accepted; unknown elements are skipped. Fails on XML that is not
    /// well formed, a missing required attribute or `<uri>`, or more than
    /// [`MAX_REGINFO_ELEMENTS`] elements.
    pub fn parse(body: &[u8]) -> Result<RegInfo, BodyError> {
        let mut reader = Reader::from_reader(body);
        reader.config_mut().trim_text(true);
        let mut stack: Vec<Open> = Vec::new();
        let mut info: Option<RegInfo> = None;
        let mut elements = 0usize;
        loop {
            let event = reader.read_event().map_err(xml_error)?;
            let (element, empty) = match &event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => {
                    if stack.pop() == Some(Open::Contact) {
                        check_contact(&info)?;
                    }
                    continue;
                }
                Event::Text(text) if stack.last() == Some(&Open::Uri) => {
                    let text = text.unescape().map_err(xml_error)?;
                    if let Some(contact) = last_contact(&mut info) {
                        contact.uri.push_str(text.trim());
                    }
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            elements += 1;
            if elements > MAX_REGINFO_ELEMENTS {
                return Err(BodyError::TooManyElements(MAX_REGINFO_ELEMENTS));
            }
            let name = element.local_name();
            let open = match (stack.last(), name.as_ref()) {
                (None, b"reginfo") if info.is_none() => {
                    info = Some(document(&attributes(element)?)?);
                    Open::RegInfo
                }
                (None, _) => return Err(malformed("root element")),
                (Some(Open::RegInfo), b"registration") => {
                    let registration = registration(&attributes(element)?)?;
                    if let Some(info) = info.as_mut() {
                        info.registrations.push(registration);
                    }
                    Open::Registration
                }
                (Some(Open::Registration), b"contact") => {
                    let contact = contact(&attributes(element)?)?;
                    if let Some(registration) =
                        info.as_mut().and_then(|i| i.registrations.last_mut())
                    {
                        registration.contacts.push(contact);
                    }
                    Open::Contact
                }
                (Some(Open::Contact), b"uri") => Open::Uri,
                _ => Open::Other,
            };
            if empty {
                if open == Open::Contact {
                    check_contact(&info)?;
                }
            } else {
                stack.push(open);
            }
        }
        if !stack.is_empty() {
            return Err(BodyError::Xml("unclosed element".into()));
        }
        info.ok_or(BodyError::Missing("reginfo"))
    }
}

fn last_contact(info: &mut Option<RegInfo>) -> Option<&mut ContactInfo> {
    info.as_mut()?.registrations.last_mut()?.contacts.last_mut()
}

/// A contact just closed must have had its `<uri>`.
fn check_contact(info: &Option<RegInfo>) -> Result<(), BodyError> {
    let uri_empty = info
        .as_ref()
        .and_then(|i| i.registrations.last())
        .and_then(|r| r.contacts.last())
        .is_some_and(|c| c.uri.is_empty());
    if uri_empty {
        return Err(BodyError::Missing("contact uri"));
    }
    Ok(())
}
