//! What the phone knows about itself: the device half of the Action URL variables.

use std::fmt;
use std::net::IpAddr;

use super::error::EventError;

/// The phone's Ethernet or Wi-Fi hardware address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MacAddress([u8; 6]);

impl MacAddress {
    /// A MAC address from its six bytes.
    pub fn new(bytes: [u8; 6]) -> Self {
        Self(bytes)
    }

    /// Reads `000b8279f740`, `00:0b:82:79:f7:40` or `00-0B-82-79-F7-40`; with separators a
    /// byte may drop its leading zero (`0:b:82:79:f7:40`).
    pub fn parse(text: &str) -> Result<Self, EventError> {
        let invalid = |reason| EventError::InvalidMac {
            text: text.to_owned(),
            reason,
        };
        let groups: Vec<&str> = if text.contains([':', '-']) {
            text.split([':', '-']).collect()
        } else if text.len() == 12 && text.is_ascii() {
            (0..12).step_by(2).map(|at| &text[at..at + 2]).collect()
        } else {
            return Err(invalid("expected 12 hexadecimal digits"));
        };
        if groups.len() != 6 {
            return Err(invalid("expected six bytes"));
        }
        let mut bytes = [0u8; 6];
        for (byte, group) in bytes.iter_mut().zip(groups) {
            let well_formed = (1..=2).contains(&group.len())
                && group.bytes().all(|digit| digit.is_ascii_hexdigit());
            if !well_formed {
                return Err(invalid("each byte is one or two hexadecimal digits"));
            }
            *byte = u8::from_str_radix(group, 16).map_err(|_| invalid("not hexadecimal"))?;
        }
        Ok(Self(bytes))
    }

    /// The six bytes.
    pub fn bytes(self) -> [u8; 6] {
        self.0
    }

    /// The form `$mac` takes: lower-case bytes without leading zeros, joined by colons, as in
    /// the off-hook packet capture of the GXP1760W FAQ (`mac=0:b:82:79:f7:40`).
    pub fn action_url_form(self) -> String {
        self.0
            .iter()
            .map(|byte| format!("{byte:x}"))
            .collect::<Vec<_>>()
            .join(":")
    }
}

impl fmt::Display for MacAddress {
    /// The usual two-digit form, `00:0b:82:79:f7:40`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// The phone's own facts, fixed or slow-changing, that every event can report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The hardware address (`$mac`).
    pub mac: MacAddress,
    /// The current IP address, if the network is up (`$phone_ip`). After an IP change event
    /// this is already the new address.
    pub phone_ip: Option<IpAddr>,
    /// The model name, e.g. `GXP1760W` (`$product`).
    pub product: String,
    /// The firmware version, e.g. `1.0.4.100` (`$program_version`).
    pub program_version: String,
    /// The hardware revision (`$hardware_version`).
    pub hardware_version: String,
    /// The display language (`$language`).
    pub language: String,
}

impl DeviceInfo {
    /// A device with only a MAC address known; the other facts are empty until set.
    pub fn new(mac: MacAddress) -> Self {
        Self {
            mac,
            phone_ip: None,
            product: String::new(),
            program_version: String::new(),
            hardware_version: String::new(),
            language: String::new(),
        }
    }

    /// Sets the current IP address.
    pub fn with_phone_ip(mut self, ip: IpAddr) -> Self {
        self.phone_ip = Some(ip);
        self
    }

    /// Sets the model name.
    pub fn with_product(mut self, product: impl Into<String>) -> Self {
        self.product = product.into();
        self
    }

    /// Sets the firmware version.
    pub fn with_program_version(mut self, version: impl Into<String>) -> Self {
        self.program_version = version.into();
        self
    }

    /// Sets the hardware revision.
    pub fn with_hardware_version(mut self, version: impl Into<String>) -> Self {
        self.hardware_version = version.into();
        self
    }

    /// Sets the display language.
    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.language = language.into();
        self
    }
}
