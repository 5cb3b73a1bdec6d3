//! `sip:` and `sips:` URIs (RFC 3261 §19.1), with the comparison rules of §19.1.4.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

use super::escape::{
    check_escaped, escape, is_header_byte, is_param_byte, is_password_byte, is_user_byte, unescape,
};
use super::host::{parse_host_port, Host};
use crate::message::ParseError;
use crate::param::{Param, Params};

/// A `sip:` or `sips:` URI. User, password, parameters and headers are kept in their escaped
/// form, as written; comparisons ([`SipUri::equivalent`]) decode escapes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SipUri {
    secure: bool,
    user: Option<String>,
    password: Option<String>,
    host: Host,
    port: Option<u16>,
    params: Params,
    headers: Vec<(String, String)>,
}

impl SipUri {
    /// `sip:host`, to be completed with the `with_*` methods.
    pub fn new(host: Host) -> Self {
        Self {
            secure: false,
            user: None,
            password: None,
            host,
            port: None,
            params: Params::new(),
            headers: Vec::new(),
        }
    }

    /// Parses a SIP or SIPS URI (scheme included, case-insensitive).
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let colon = text.find(':').ok_or(ParseError::value("no scheme", 0))?;
        let scheme = &text[..colon];
        let secure = if scheme.eq_ignore_ascii_case("sips") {
            true
        } else if scheme.eq_ignore_ascii_case("sip") {
            false
        } else {
            return Err(ParseError::value("not a sip or sips URI", 0));
        };
        let mut pos = colon + 1;
        let body = &text[pos..];
        let mut uri = SipUri::new(Host::Ipv4(Ipv4Addr::UNSPECIFIED));
        uri.secure = secure;
        // Neither parameters nor headers may hold an unescaped '@', so the first one ends the
        // userinfo, even when the user part holds ';' or '?'.
        let rest = match body.find('@') {
            Some(at) => {
                let userinfo = &body[..at];
                let (user, password) = match userinfo.find(':') {
                    Some(c) => (&userinfo[..c], Some(&userinfo[c + 1..])),
                    None => (userinfo, None),
                };
                if user.is_empty() {
                    return Err(ParseError::value("empty user", pos));
                }
                check_escaped(user, is_user_byte)
                    .map_err(|i| ParseError::value("invalid character in user", pos + i))?;
                if let Some(password) = password {
                    check_escaped(password, is_password_byte).map_err(|i| {
                        ParseError::value("invalid character in password", pos + user.len() + 1 + i)
                    })?;
                }
                uri.user = Some(user.to_owned());
                uri.password = password.map(str::to_owned);
                pos += at + 1;
                &body[at + 1..]
            }
            None => body,
        };
        let host_end = if rest.starts_with('[') {
            rest.find(']').map_or(rest.len(), |e| e + 1)
        } else {
            0
        };
        let end = rest[host_end..]
            .find([';', '?'])
            .map_or(rest.len(), |e| e + host_end);
        let (host, port) = parse_host_port(&rest[..end]).map_err(|e| e.shifted(pos))?;
        uri.host = host;
        uri.port = port;
        pos += end;
        let mut rest = &rest[end..];
        while let Some(after) = rest.strip_prefix(';') {
            pos += 1;
            let len = after.find([';', '?']).unwrap_or(after.len());
            let param = &after[..len];
            let (name, value) = match param.find('=') {
                Some(eq) => (&param[..eq], Some(&param[eq + 1..])),
                None => (param, None),
            };
            if name.is_empty() {
                return Err(ParseError::value("empty URI parameter", pos));
            }
            check_escaped(name, is_param_byte)
                .and_then(|()| value.map_or(Ok(()), |v| check_escaped(v, is_param_byte)))
                .map_err(|_| ParseError::value("invalid character in URI parameter", pos))?;
            if value == Some("") {
                return Err(ParseError::value(
                    "URI parameter without a value after =",
                    pos,
                ));
            }
            uri.params.push_raw(name, value, false);
            pos += len;
            rest = &after[len..];
        }
        if let Some(after) = rest.strip_prefix('?') {
            pos += 1;
            for header in after.split('&') {
                let (name, value) = header.split_once('=').unwrap_or((header, ""));
                if name.is_empty() {
                    return Err(ParseError::value("empty URI header name", pos));
                }
                check_escaped(name, is_header_byte)
                    .and_then(|()| check_escaped(value, is_header_byte))
                    .map_err(|_| ParseError::value("invalid character in URI header", pos))?;
                uri.headers.push((name.to_owned(), value.to_owned()));
                pos += header.len() + 1;
            }
        } else if !rest.is_empty() {
            return Err(ParseError::value("junk after host", pos));
        }
        Ok(uri)
    }

    /// Whether this is a `sips:` URI.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The user part as written (escaped form).
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The user part with escapes decoded (invalid UTF-8 replaced).
    pub fn user_decoded(&self) -> Option<String> {
        self.user
            .as_deref()
            .map(|u| String::from_utf8_lossy(&unescape(u)).into_owned())
    }

    /// The password as written.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// The host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The port, if one is written.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The URI parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The URI parameters, to change.
    pub fn params_mut(&mut self) -> &mut Params {
        &mut self.params
    }

    /// The URI headers (`?name=value&…`), escaped form.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The `transport` parameter, lowercased (it compares case-insensitively).
    pub fn transport(&self) -> Option<String> {
        self.params.value("transport").map(str::to_ascii_lowercase)
    }

    /// The `user` parameter (`phone`, `ip`, `dialstring`), lowercased.
    pub fn user_param(&self) -> Option<String> {
        self.params.value("user").map(str::to_ascii_lowercase)
    }

    /// The `ttl` parameter (0 to 255).
    pub fn ttl(&self) -> Option<u8> {
        self.params.value("ttl").and_then(|v| v.parse().ok())
    }

    /// Whether the `lr` (loose routing) parameter is present.
    pub fn is_loose_route(&self) -> bool {
        self.params.contains("lr")
    }

    /// The `maddr` parameter as a host.
    pub fn maddr(&self) -> Option<Host> {
        self.params.value("maddr").and_then(|m| Host::parse(m).ok())
    }

    /// Makes it a `sips:` (true) or `sip:` URI.
    pub fn with_secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Sets the user part from unescaped text (escaping what needs it).
    pub fn with_user(mut self, user: &str) -> Self {
        self.user = Some(escape(user.as_bytes(), is_user_byte));
        self
    }

    /// Sets the port.
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Adds or replaces a URI parameter given unescaped.
    pub fn with_param(mut self, name: &str, value: Option<&str>) -> Self {
        let name = escape(name.as_bytes(), is_param_byte);
        let param = match value {
            Some(v) => Param::with_value(&name, &escape(v.as_bytes(), is_param_byte)),
            None => Param::flag(&name),
        };
        self.params.set(param);
        self
    }

    /// Adds a URI header given unescaped (such as `Replaces`).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((
            escape(name.as_bytes(), is_header_byte),
            escape(value.as_bytes(), is_header_byte),
        ));
        self
    }

    /// The same URI without headers, as a Request-URI built from it must be (§19.1.5).
    pub fn without_headers(mut self) -> Self {
        self.headers.clear();
        self
    }

    /// URI equality as RFC 3261 §19.1.4 defines it: same scheme; user and password equal
    /// case-sensitively after decoding escapes; hosts equal; ports equal (absent is not 5060);
    /// parameters present in both equal (case-insensitively), `user`, `ttl`, `method`, `maddr`
    /// and `transport` present in both or neither; headers equal as a set.
    pub fn equivalent(&self, other: &SipUri) -> bool {
        let same_text = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => unescape(a) == unescape(b),
            _ => false,
        };
        if self.secure != other.secure
            || !same_text(&self.user, &other.user)
            || !same_text(&self.password, &other.password)
            || !self.host.equivalent(&other.host)
            || self.port != other.port
        {
            return false;
        }
        let (mine, theirs) = (param_values(&self.params), param_values(&other.params));
        for (name, values) in &mine {
            match theirs.get(name) {
                Some(other_values) if other_values != values => return false,
                None if is_significant_param(name) => return false,
                _ => {}
            }
        }
        if theirs
            .keys()
            .any(|name| is_significant_param(name) && !mine.contains_key(name))
        {
            return false;
        }
        let header_set = |uri: &SipUri| {
            let mut set: Vec<(Vec<u8>, Vec<u8>)> = uri
                .headers
                .iter()
                .map(|(n, v)| (unescape(n).to_ascii_lowercase(), unescape(v).into_owned()))
                .collect();
            set.sort();
            set
        };
        header_set(self) == header_set(other)
    }
}

/// Parameters by decoded, lowercased name, each with its decoded, lowercased values sorted
/// (a name may repeat).
fn param_values(params: &Params) -> BTreeMap<String, Vec<Option<Vec<u8>>>> {
    let mut map: BTreeMap<String, Vec<Option<Vec<u8>>>> = BTreeMap::new();
    for p in params {
        let name = String::from_utf8_lossy(&unescape(p.name())).to_ascii_lowercase();
        let value = p.value().map(|v| unescape(v).to_ascii_lowercase());
        map.entry(name).or_default().push(value);
    }
    map.values_mut().for_each(|v| v.sort());
    map
}

/// URI parameters that make two URIs differ when only one of them has it.
fn is_significant_param(name: &str) -> bool {
    matches!(name, "user" | "ttl" | "method" | "maddr" | "transport")
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.secure { "sips:" } else { "sip:" })?;
        if let Some(user) = &self.user {
            f.write_str(user)?;
            if let Some(password) = &self.password {
                write!(f, ":{password}")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}", self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        write!(f, "{}", self.params)?;
        for (i, (name, value)) in self.headers.iter().enumerate() {
            write!(f, "{}{name}={value}", if i == 0 { '?' } else { '&' })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> SipUri {
        SipUri::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn parts() {
        let u = uri("sips:alice:secret@[2001:db8::1]:5061;transport=TCP;lr?subject=hi&x=");
        assert!(u.is_secure());
        assert_eq!(u.user(), Some("alice"));
        assert_eq!(u.password(), Some("secret"));
        assert_eq!(u.host(), &Host::Ipv6("2001:db8::1".parse().unwrap()));
        assert_eq!(u.port(), Some(5061));
        assert_eq!(u.transport().as_deref(), Some("tcp"));
        assert!(u.is_loose_route());
        let phone = uri("sip:+1555@gw.example.com;user=Phone;ttl=5");
        assert_eq!(
            (phone.user_param().as_deref(), phone.ttl()),
            (Some("phone"), Some(5))
        );
        assert_eq!(u.headers().len(), 2);
        assert_eq!(
            u.to_string(),
            "sips:alice:secret@[2001:db8::1]:5061;transport=TCP;lr?subject=hi&x="
        );
        let odd = uri("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com");
        assert_eq!(
            odd.user(),
            Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        );
        assert_eq!(odd.host(), &Host::Domain("example.com".into()));
        let semi = uri("sip:user;par=u%40example.net@example.com");
        assert_eq!(semi.user(), Some("user;par=u%40example.net"));
        assert!(semi.params().is_empty());
        assert_eq!(
            uri("sip:%75se%72@example.com").user_decoded().as_deref(),
            Some("user")
        );
    }

    #[test]
    fn rejects() {
        for bad in [
            "sip:",
            "sip:user@",
            "sip:user@exa mple.com",
            "sip:@example.com",
            "sip:host:99999",
            "sip:host:",
            "sip:host;;a",
            "sip:host;a=",
            "sip:[::1",
            "sip:a%4@host",
            "<sip:host>",
            "http://x",
        ] {
            assert!(SipUri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn equivalence_examples_of_rfc3261() {
        let same = [
            (
                "sip:%61lice@atlanta.com;transport=TCP",
                "sip:alice@AtLanTa.CoM;Transport=tcp",
            ),
            ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
            ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
            (
                "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
            ),
            (
                "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
                "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
            ),
        ];
        for (a, b) in same {
            assert!(uri(a).equivalent(&uri(b)), "{a} == {b}");
            assert!(uri(b).equivalent(&uri(a)), "{b} == {a}");
        }
        let different = [
            (
                "SIP:ALICE@AtLanTa.CoM;Transport=udp",
                "sip:alice@AtLanTa.CoM;Transport=UDP",
            ),
            ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),
            ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
            (
                "sip:bob@biloxi.com",
                "sip:bob@biloxi.com:6000;transport=tcp",
            ),
            (
                "sip:carol@chicago.com",
                "sip:carol@chicago.com?Subject=next%20meeting",
            ),
            ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
            ("sip:bob@biloxi.com", "sips:bob@biloxi.com"),
        ];
        for (a, b) in different {
            assert!(!uri(a).equivalent(&uri(b)), "{a} != {b}");
            assert!(!uri(b).equivalent(&uri(a)), "{b} != {a}");
        }
    }

    #[test]
    fn fuzz_found_inputs_are_equivalent_to_themselves() {
        let text = include_str!("../../tests/data/fuzz/uri-crash-1");
        let u = uri(text);
        assert!(u.equivalent(&u));
        assert!(!u.equivalent(&uri("sips:alice@itla.ta.com;maddr=2")));
    }

    #[test]
    fn builds_with_escaping() {
        let u = SipUri::new(Host::Domain("example.com".into()))
            .with_user("I have spaces")
            .with_port(5080)
            .with_param("transport", Some("tcp"))
            .with_header("Replaces", "abc@h;to-tag=1;from-tag=2");
        assert_eq!(
            u.to_string(),
            "sip:I%20have%20spaces@example.com:5080;transport=tcp?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2"
        );
        assert_eq!(uri(&u.to_string()), u);
    }
}
