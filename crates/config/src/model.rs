//! Model profiles: which phone handset presents itself as.
//!
//! A profile fixes what differs between the vendor's models: how many SIP accounts and line
//! keys, which features exist, the name used in provisioning file names (`cfggrp2614.xml`) and
//! the User-Agent.

use std::fmt;

/// A feature that only some models have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// Wi-Fi networking settings.
    WiFi,
    /// Bluetooth settings.
    Bluetooth,
    /// Hotel service (guest check-in/out, wake-up calls).
    HotelService,
    /// Push-to-talk and multicast paging.
    MulticastPaging,
    /// Programmable multi-purpose keys (BLF, speed dial, …).
    ProgrammableKeys,
    /// GDS door system integration.
    DoorSystem,
    /// Conference of up to five parties.
    FiveWayConference,
    /// SIP Plug-and-Play ("3CX auto provision").
    PlugAndPlay,
    /// TR-069 remote management.
    Tr069,
}

/// One model the phone can emulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelProfile {
    /// The id given to `--model` (lower case).
    pub id: &'static str,
    /// The model's own name.
    pub name: &'static str,
    /// The name in provisioning file names (`cfg<name>.xml`), lower case.
    pub provisioning_name: &'static str,
    /// SIP accounts.
    pub accounts: u8,
    /// Line keys / call appearances.
    pub lines: u8,
    /// Programmable keys.
    pub programmable_keys: u8,
    /// Parties in a local conference, the phone included.
    pub conference_parties: u8,
    /// Vendor firmware version it claims, or `None` for handset's own version.
    pub firmware: Option<&'static str>,
    /// Features present.
    pub features: &'static [Feature],
}

use Feature::*;

const DESK: &[Feature] = &[ProgrammableKeys, PlugAndPlay, Tr069, MulticastPaging];
const HOTEL: &[Feature] = &[
    ProgrammableKeys,
    HotelService,
    DoorSystem,
    Tr069,
    PlugAndPlay,
];
const HOTEL_WIFI: &[Feature] = &[
    ProgrammableKeys,
    HotelService,
    DoorSystem,
    Tr069,
    PlugAndPlay,
    WiFi,
];

/// Every profile, the default first.
pub const PROFILES: &[ModelProfile] = &[
    ModelProfile {
        id: "handset",
        name: "handset",
        provisioning_name: "handset",
        accounts: 6,
        lines: 6,
        programmable_keys: 24,
        conference_parties: 5,
        firmware: None,
        features: &[
            ProgrammableKeys,
            PlugAndPlay,
            Tr069,
            MulticastPaging,
            HotelService,
            DoorSystem,
            FiveWayConference,
        ],
    },
    hotel("ghp610", "GHP610", 3, HOTEL),
    hotel("ghp610w", "GHP610W", 3, HOTEL_WIFI),
    hotel("ghp611", "GHP611", 3, HOTEL),
    hotel("ghp611w", "GHP611W", 3, HOTEL_WIFI),
    hotel("ghp620", "GHP620", 6, HOTEL),
    hotel("ghp620w", "GHP620W", 6, HOTEL_WIFI),
    hotel("ghp621", "GHP621", 6, HOTEL),
    hotel("ghp621w", "GHP621W", 6, HOTEL_WIFI),
    ModelProfile {
        id: "wp820",
        name: "WP820",
        provisioning_name: "wp820",
        accounts: 2,
        lines: 2,
        programmable_keys: 0,
        conference_parties: 3,
        firmware: Some("1.0.7.7"),
        features: &[WiFi, Bluetooth, MulticastPaging, Tr069, PlugAndPlay],
    },
    ModelProfile {
        id: "gxp1760w",
        name: "GXP1760W",
        provisioning_name: "gxp1760w",
        accounts: 3,
        lines: 6,
        programmable_keys: 6,
        conference_parties: 5,
        firmware: Some("1.0.1.106"),
        features: &[
            WiFi,
            ProgrammableKeys,
            MulticastPaging,
            FiveWayConference,
            Tr069,
            PlugAndPlay,
        ],
    },
    grp("grp2612", "GRP2612", 2, 4, 2),
    grp("grp2613", "GRP2613", 3, 6, 3),
    grp("grp2614", "GRP2614", 4, 16, 4),
    grp("grp2615", "GRP2615", 5, 10, 10),
    grp("grp2616", "GRP2616", 6, 16, 6),
];

const fn hotel(
    id: &'static str,
    name: &'static str,
    keys: u8,
    features: &'static [Feature],
) -> ModelProfile {
    ModelProfile {
        id,
        name,
        provisioning_name: id,
        accounts: 2,
        lines: 2,
        programmable_keys: keys,
        conference_parties: 3,
        firmware: Some("1.0.1.49"),
        features,
    }
}

const fn grp(
    id: &'static str,
    name: &'static str,
    accounts: u8,
    lines: u8,
    keys: u8,
) -> ModelProfile {
    ModelProfile {
        id,
        name,
        provisioning_name: id,
        accounts,
        lines,
        programmable_keys: keys,
        conference_parties: 5,
        firmware: Some("1.0.5.15"),
        features: DESK,
    }
}

impl ModelProfile {
    /// The profile used when none is chosen.
    pub fn default_profile() -> &'static ModelProfile {
        &PROFILES[0]
    }

    /// Finds a profile by id, case-insensitively.
    pub fn find(id: &str) -> Option<&'static ModelProfile> {
        PROFILES
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(id.trim()))
    }

    /// Whether the model has a feature.
    pub fn has(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }

    /// The firmware version the model reports: the vendor's, or handset's `own_version`.
    pub fn firmware_version<'a>(&'a self, own_version: &'a str) -> &'a str {
        self.firmware.unwrap_or(own_version)
    }

    /// The SIP/HTTP User-Agent: `handset/<version>`, or the vendor's form for emulated models.
    pub fn user_agent(&self, own_version: &str) -> String {
        match self.firmware {
            None => format!("handset/{own_version}"),
            Some(firmware) => format!("Grandstream {} {firmware}", self.name),
        }
    }
}

impl fmt::Display for ModelProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_unique_and_found_by_id() {
        for (i, p) in PROFILES.iter().enumerate() {
            assert!(PROFILES[..i].iter().all(|q| q.id != p.id), "{} twice", p.id);
            assert!((1..=crate::schema::MAX_ACCOUNTS).contains(&p.accounts));
        }
        assert_eq!(ModelProfile::find("GRP2614").unwrap().accounts, 4);
        assert!(ModelProfile::find("nope").is_none());
    }

    #[test]
    fn user_agents() {
        let version = "0.1.0";
        assert_eq!(
            ModelProfile::default_profile().user_agent(version),
            "handset/0.1.0"
        );
        assert_eq!(
            ModelProfile::find("wp820").unwrap().user_agent(version),
            "Grandstream WP820 1.0.7.7"
        );
    }
}
