//! Writing a session description: the line order of RFC 8866, CRLF line ends.

use std::fmt::{self, Write as _};

use crate::model::{Bandwidth, Connection, SessionDescription};

impl SessionDescription {
    /// The body as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl fmt::Display for SessionDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.origin;
        f.write_str("v=0\r\n")?;
        write!(
            f,
            "o={} {} {} {}\r\n",
            o.username,
            o.session_id,
            o.session_version,
            Addr(&o.address)
        )?;
        // RFC 8866 §5.3: a session without a name is written with a single space.
        let name = if self.session_name.is_empty() {
            " "
        } else {
            &self.session_name
        };
        write!(f, "s={name}\r\n")?;
        optional(f, 'i', &self.information)?;
        optional(f, 'u', &self.uri)?;
        for e in &self.emails {
            write!(f, "e={e}\r\n")?;
        }
        for p in &self.phones {
            write!(f, "p={p}\r\n")?;
        }
        if let Some(c) = &self.connection {
            write!(f, "c={}\r\n", Addr(c))?;
        }
        bandwidths(f, &self.bandwidths)?;
        for t in &self.timing {
            write!(f, "t={} {}\r\n", t.start, t.stop)?;
            for r in &t.repeats {
                write!(f, "r={r}\r\n")?;
            }
        }
        optional(f, 'z', &self.time_zones)?;
        optional(f, 'k', &self.key)?;
        for a in &self.attributes {
            write!(f, "a={a}\r\n")?;
        }
        for m in &self.media {
            write!(f, "m={} {}", m.kind.as_str(), m.port)?;
            if let Some(count) = m.port_count {
                write!(f, "/{count}")?;
            }
            write!(f, " {}", m.proto.as_str())?;
            for format in &m.formats {
                f.write_char(' ')?;
                f.write_str(format)?;
            }
            f.write_str("\r\n")?;
            optional(f, 'i', &m.information)?;
            for c in &m.connections {
                write!(f, "c={}\r\n", Addr(c))?;
            }
            bandwidths(f, &m.bandwidths)?;
            optional(f, 'k', &m.key)?;
            for a in &m.attributes {
                write!(f, "a={a}\r\n")?;
            }
        }
        Ok(())
    }
}

/// `<nettype> <addrtype> <address>`.
struct Addr<'a>(&'a Connection);

impl fmt::Display for Addr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        write!(f, "{} {} {}", c.net_type, c.addr_type.as_str(), c.address)
    }
}

fn optional(f: &mut fmt::Formatter<'_>, kind: char, value: &Option<String>) -> fmt::Result {
    match value {
        Some(v) => write!(f, "{kind}={v}\r\n"),
        None => Ok(()),
    }
}

fn bandwidths(f: &mut fmt::Formatter<'_>, list: &[Bandwidth]) -> fmt::Result {
    for b in list {
        write!(f, "b={}:{}\r\n", b.kind.as_str(), b.value)?;
    }
    Ok(())
}
