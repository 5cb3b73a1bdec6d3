//! Reading call settings from a store fed by the schema's defaults.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use handset_media::jitter::{JitterConfig, JitterMode};
use handset_media::session::RtpFilter;
use handset_sdp::{Codec, HoldMode, MediaConfig, SrtpMode};
use handset_sip::dialog::RefresherPreference;

use super::*;
use crate::dialing::{BypassSources, KeyAsSend};
use crate::dialplan::DialPlan;
use crate::forwarding::{ConditionalForward, ForwardMode, ForwardTarget, NoAnswerTimeout};
use crate::incoming::{AutoAnswerMode, CallerIdDisplay, RefuseCode, Ringtone};

const SCHEMA: &str = include_str!("../../../config/schema/settings.tsv");

/// The settings schema as the store resolves names, with each setting's default.
struct Schema {
    /// Per-account aliases without their `account.1.` head, lower case.
    account_aliases: HashMap<String, String>,
    /// Global aliases, lower case.
    global_aliases: HashMap<String, String>,
    /// P-numbers of every account.
    pvalues: HashMap<u32, String>,
}

impl Schema {
    fn load() -> Self {
        let mut schema = Self {
            account_aliases: HashMap::new(),
            global_aliases: HashMap::new(),
            pvalues: HashMap::new(),
        };
        let mut lines = SCHEMA.lines().filter(|l| !l.starts_with('#'));
        let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
        let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let (pvalue, alias, alt, scope, per_account, default) = (
            column("pvalue"),
            column("alias"),
            column("alt_aliases"),
            column("scope"),
            column("account_pvalues"),
            column("default"),
        );
        for line in lines.filter(|l| !l.trim().is_empty()) {
            let fields: Vec<&str> = line.split('\t').collect();
            let field = |i: usize| fields.get(i).copied().unwrap_or("");
            let value = field(default).to_owned();
            let account = field(scope) == "account";
            let numbers = std::iter::once(field(pvalue))
                .chain(field(per_account).split(','))
                .filter_map(|p| p.trim().strip_prefix('P')?.parse().ok());
            for number in numbers {
                schema.pvalues.insert(number, value.clone());
            }
            let aliases = std::iter::once(field(alias))
                .chain(field(alt).split(','))
                .map(str::trim)
                .filter(|a| !a.is_empty());
            for name in aliases {
                let lower = name.to_ascii_lowercase();
                if account {
                    let setting = lower.strip_prefix("account.1.").unwrap().to_owned();
                    schema.account_aliases.insert(setting, value.clone());
                } else {
                    schema.global_aliases.insert(lower, value.clone());
                }
            }
        }
        schema
    }

    /// The default of `name`, resolved as the store does; `None` for names it does not know.
    fn default_of(&self, name: &str) -> Option<&String> {
        let lower = name.trim().to_ascii_lowercase();
        if let Some(number) = lower.strip_prefix('p').and_then(|n| n.parse::<u32>().ok()) {
            return self.pvalues.get(&number);
        }
        if let Some((n, setting)) = lower
            .strip_prefix("account.")
            .and_then(|rest| rest.split_once('.'))
        {
            if let Ok(account) = n.parse::<u8>() {
                return (1..=MAX_ACCOUNTS)
                    .contains(&account)
                    .then(|| self.account_aliases.get(setting))
                    .flatten();
            }
        }
        self.global_aliases.get(&lower)
    }
}

/// A store holding the schema defaults with `changes` applied, remembering every name read.
struct Store {
    schema: Schema,
    changes: HashMap<String, String>,
    asked: RefCell<BTreeSet<String>>,
}

impl Store {
    fn fresh() -> Self {
        Self {
            schema: Schema::load(),
            changes: HashMap::new(),
            asked: RefCell::new(BTreeSet::new()),
        }
    }

    /// Changes `name`; tests use the names [`read`] asks for, as this store does not map a
    /// P-number and an alias of the same setting onto each other.
    fn with(mut self, name: &str, value: &str) -> Self {
        assert!(
            self.schema.default_of(name).is_some(),
            "test sets unknown {name}"
        );
        self.changes.insert(name.to_owned(), value.to_owned());
        self
    }

    fn get(&self, name: &str) -> Option<String> {
        self.asked.borrow_mut().insert(name.to_owned());
        let default = self.schema.default_of(name)?;
        Some(self.changes.get(name).unwrap_or(default).clone())
    }

    fn read(&self, account: u8) -> Result<CallSettings, SettingsError> {
        read(account, &|name| self.get(name))
    }
}

fn address() -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10))
}

fn read_ok(store: &Store, account: u8) -> CallSettings {
    store.read(account).unwrap()
}

/// The text of the error reading `name` = `value` for account 1 gives.
fn error_for(name: &str, value: &str) -> SettingsError {
    let store = Store::fresh()
        .with("account.1.sip.server.1.address", "pbx.example.com")
        .with(name, value);
    store.read(1).unwrap_err()
}

fn assert_names(error: &SettingsError, name: &str, value: &str) {
    let text = error.to_string();
    assert!(text.contains(name), "{text:?} does not name {name}");
    // Values are quoted as Rust strings, so control characters and backslashes show.
    let quoted = format!("{value:?}");
    assert!(text.contains(&quoted), "{text:?} does not quote {quoted}");
}

#[test]
fn every_name_read_resolves_in_the_schema() {
    // Set what makes the other names be read: a server (dialing) and every ring rule.
    let mut store = Store::fresh()
        .with("account.1.sip.server.1.address", "pbx.example.com")
        .with("account.2.sip.server.1.address", "pbx.example.com");
    for n in 1..=10 {
        store = store.with(&format!("account.1.ring.match.{n}.callerId"), "2001");
    }
    read_ok(&store, 1);
    read_ok(&store, 2);
    let asked = store.asked.borrow();
    let unknown: Vec<&String> = asked
        .iter()
        .filter(|name| store.schema.default_of(name).is_none())
        .collect();
    assert!(unknown.is_empty(), "names the schema lacks: {unknown:?}");
    // Both accounts were read under their own names, and the phone-wide ones once each.
    assert!(asked.contains("account.1.audio.srtpMode"));
    assert!(asked.contains("account.2.audio.srtpMode"));
    assert!(asked.contains("account.2.call.dialplan"));
    assert!(asked.contains("sip.returnCode.dnd"));
    assert!(asked.contains("sip.escapeUrl"));
    assert!(asked.contains("account.1.ring.match.10.ringtone"));
}

#[test]
fn a_fresh_store_gives_sensible_settings_for_accounts_one_and_two() {
    let store = Store::fresh();
    let one = read_ok(&store, 1);
    let two = read_ok(&store, 2);
    assert_eq!(two.account, 2);
    assert_eq!(
        CallSettings {
            account: 2,
            ..one.clone()
        },
        two
    );

    assert!(!one.enabled);
    assert_eq!(one.identity, Identity::default().with_asserted_identity());
    // No SIP server yet, so nothing to dial to.
    assert_eq!(one.dialing, None);

    let media = one.media.media_config(address(), 5004);
    assert_eq!(media.address, address());
    assert_eq!(media.rtp_port, 5004);
    assert_eq!(
        media.codecs,
        [
            Codec::Pcmu,
            Codec::Pcma,
            Codec::G729,
            Codec::G722,
            Codec::Ilbc,
            Codec::G726_32
        ]
    );
    assert_eq!(media.srtp_mode, SrtpMode::Disabled);
    assert_eq!(media.hold_mode, HoldMode::SendOnly);
    assert_eq!(media.frames_per_packet, 2);
    assert_eq!(media.ilbc_frame_ms, 30);
    assert!(media.telephone_event);
    assert!(!media.use_first_match);
    let session = one
        .media
        .media_settings(16_000, Duration::from_millis(10), "1@handset");
    assert_eq!(
        (session.audio_rate, session.cname.as_str()),
        (16_000, "1@handset")
    );
    assert_eq!(session.jitter, JitterConfig::default());
    assert_eq!(session.rtp_timeout, Some(Duration::from_secs(30)));
    assert_eq!(session.rtp_filter, RtpFilter::None);
    assert_eq!(one.media.rtcp_reports, RtcpReports::RtcpXr);

    assert_eq!(one.dtmf, DtmfSettings::default());
    assert!(!one.reliable_provisional);
    assert_eq!(one.session_timer, SessionTimerSettings::default());
    assert_eq!(one.session_timer.config(true), None);
    assert_eq!(one.ring_timeout, Duration::from_secs(60));

    assert_eq!(one.incoming.ringtone, Ringtone::Default);
    assert_eq!(one.incoming.caller_id_display, CallerIdDisplay::FromHeader);
    assert_eq!(one.incoming.auto_answer, AutoAnswerMode::Off);
    assert_eq!(one.incoming.dnd_code, RefuseCode::TemporarilyUnavailable);
    assert_eq!(one.incoming.refuse_code, RefuseCode::Busy);
    assert!(one.incoming.ring_rules.is_empty());
    assert!(!one.incoming.disable_call_waiting);

    assert!(one.forwarding.local_call_features);
    assert_eq!(one.forwarding.mode, ForwardMode::Off);
}

impl Identity {
    fn with_asserted_identity(self) -> Self {
        Self {
            asserted_identity_header: true,
            ..self
        }
    }
}

#[test]
fn a_configured_server_gives_the_default_dialing_settings() {
    let store = Store::fresh().with("account.1.sip.server.1.address", "pbx.example.com");
    let settings = read_ok(&store, 1);
    // The schema's default writes the leading plus as `\+`.
    let plan = DialPlan::parse("{ x+ | +x+ | *x+ | *xx*x+ }").unwrap();
    let expected = DialSettings::new("pbx.example.com")
        .unwrap()
        .dial_plan(plan)
        .bypass(BypassSources::parse("mpk").unwrap());
    assert_eq!(settings.dialing, Some(expected));
    assert_eq!(settings.identity.sip_server, "pbx.example.com");
}

#[test]
fn unknown_names_fall_back_to_the_struct_defaults() {
    let settings = read(1, &|_| None).unwrap();
    assert_eq!(
        settings.media.media_config(address(), 5004),
        MediaConfig::new(address(), 5004)
    );
    assert_eq!(settings.incoming, AccountSettings::default());
    assert_eq!(settings.forwarding, ForwardSettings::default());
    assert_eq!(settings.dtmf, DtmfSettings::default());
    assert_eq!(settings.session_timer, SessionTimerSettings::default());
    assert_eq!(
        settings.identity,
        Identity::default().with_asserted_identity()
    );
    assert_eq!(settings.dialing, None);
}

#[test]
fn the_vocoder_choices_give_the_codec_order() {
    let store = Store::fresh()
        .with("account.1.codec.choice.1", "123")
        .with("account.1.codec.choice.2", "9")
        .with("account.1.codec.choice.3", "4")
        .with("account.1.codec.choice.4", "0")
        .with("account.1.codec.choice.5", "9")
        .with("account.1.codec.choice.6", "0")
        .with("account.1.codec.choice.7", "0")
        .with("account.1.codec.choice.8", "18");
    let settings = read_ok(&store, 1);
    // G.723.1 (4) is skipped, repeats keep their first place.
    assert_eq!(
        settings.media.codecs(),
        [Codec::Opus, Codec::G722, Codec::Pcmu, Codec::G729]
    );
}

#[test]
fn identity_and_signalling_options_map() {
    let store = Store::fresh()
        .with("account.1.enable", "1")
        .with("account.1.sip.userid", "2001")
        .with("account.1.sip.subscriber.userid", "auth2001")
        .with("account.1.sip.subscriber.password", "s3cret")
        .with("account.1.sip.subscriber.name", "Front Desk")
        .with("account.1.sip.voicemail.number", "*97")
        .with("account.1.call.sendAnonymous", "1")
        .with("account.1.sip.header.privacy", "2")
        .with("account.1.sip.header.ppi", "1")
        .with("account.1.sip.header.100rel", "1")
        .with("account.1.sip.sessionTimer.enable", "1")
        .with("account.1.sip.sessionTimer.expiration", "1800")
        .with("account.1.sip.minimumSE", "120")
        .with("account.1.sip.sessionTimer.refresher.uacSpecify", "0")
        .with("account.1.sip.sessionTimer.refresher.uasSpecify", "2")
        .with("account.1.ring.timeout", "45");
    let settings = read_ok(&store, 1);
    let id = &settings.identity;
    assert!(settings.enabled);
    assert_eq!((id.user_id.as_str(), id.auth_user()), ("2001", "auth2001"));
    assert_eq!(id.display_name, "Front Desk");
    assert_eq!(id.voicemail_number, "*97");
    assert!(id.send_anonymous);
    assert_eq!(id.privacy_header, HeaderUse::Always);
    assert_eq!(id.preferred_identity_header, HeaderUse::Never);
    assert!(!format!("{id:?}").contains("s3cret"));
    assert!(settings.reliable_provisional);
    assert_eq!(settings.ring_timeout, Duration::from_secs(45));
    let caller = settings.session_timer.config(true).unwrap();
    assert_eq!((caller.expires, caller.min_se), (1800, 120));
    assert_eq!(caller.refresher, RefresherPreference::Any);
    let callee = settings.session_timer.config(false).unwrap();
    assert_eq!(callee.refresher, RefresherPreference::Local);
}

#[test]
fn srtp_mode_and_transport_map() {
    let store = Store::fresh()
        .with("account.1.audio.srtpMode", "2")
        .with("account.1.audio.srtpKeyLength", "2")
        .with("account.1.sip.transport", "2");
    let media = read_ok(&store, 1).media.media_config(address(), 5004);
    assert_eq!(media.srtp_mode, SrtpMode::EnabledAndForced);
    assert_eq!(media.key_length, handset_sdp::SrtpKeyLength::Aes256);
    assert!(media.sip_over_tls);
    // Another account keeps its own mode.
    let other = read_ok(&store, 2).media.media_config(address(), 5004);
    assert_eq!(other.srtp_mode, SrtpMode::Disabled);
}

#[test]
fn dtmf_methods_map() {
    let store = Store::fresh()
        .with("account.2.dtmf.sendInAudio", "1")
        .with("account.2.dtmf.sendInRtp", "0")
        .with("account.2.dtmf.sendInSip", "1")
        .with("account.2.dtmf.delay", "100");
    let settings = read_ok(&store, 2);
    assert_eq!(
        settings.dtmf,
        DtmfSettings {
            in_audio: true,
            rfc2833: false,
            sip_info: true,
            delay: Duration::from_millis(100),
        }
    );
    // Without RFC 2833 the offer leaves telephone-event out.
    assert!(!settings.media.media_config(address(), 5004).telephone_event);
}

#[test]
fn hold_mode_and_first_match_map() {
    let store = Store::fresh()
        .with("account.1.call.rfc2543Hold.enable", "1")
        .with("account.1.codec.useFirstMatch", "1");
    let settings = read_ok(&store, 1);
    assert_eq!(settings.media.hold_mode(), HoldMode::ConnectionZero);
    assert!(settings.media.use_first_match());
}

#[test]
fn jitter_buffer_and_rtp_options_map() {
    let store = Store::fresh()
        .with("account.1.audio.jitterBufferType", "0")
        .with("account.1.audio.jitterBufferLength", "4")
        .with("account.1.audio.symmetricRTP", "1")
        .with("account.1.rtp.filter", "2")
        .with("account.1.rtp.timeout", "0");
    let session = read_ok(&store, 1)
        .media
        .media_settings(8_000, Duration::from_millis(20), "c");
    let expected = JitterConfig::default()
        .mode(JitterMode::Fixed)
        .length(Duration::from_millis(500));
    assert_eq!(session.jitter, expected);
    assert!(session.symmetric_rtp);
    assert_eq!(session.rtp_filter, RtpFilter::IpAndPort);
    assert_eq!(session.rtp_timeout, None);
}

#[test]
fn dnd_and_call_waiting_map() {
    let store = Store::fresh()
        .with("sip.returnCode.dnd", "3")
        .with("call.callWaiting.enable", "1")
        .with("account.2.call.callWaiting", "1");
    let one = read_ok(&store, 1);
    let two = read_ok(&store, 2);
    assert_eq!(one.incoming.dnd_code, RefuseCode::Decline);
    assert_eq!(one.incoming.dnd_code.status(), 603);
    // The phone disables call waiting; account 2 turns it back on for itself.
    assert!(one.incoming.disable_call_waiting);
    assert!(!two.incoming.disable_call_waiting);
}

#[test]
fn ring_rules_and_auto_answer_map() {
    let store = Store::fresh()
        .with("account.1.ring.match.1.callerId", "8321123")
        .with("account.1.ring.match.1.ringtone", "2")
        .with("account.1.ring.match.3.callerId", "priority")
        .with("account.1.call.autoAnswer", "1")
        .with("account.1.call.autoAnswerNumber", "2001, 20xx")
        .with("call.autoAnswerDelay.value", "3");
    let incoming = read_ok(&store, 1).incoming;
    assert_eq!(incoming.ring_rules.len(), 2);
    assert_eq!(incoming.ring_rules[0].ringtone, Ringtone::Custom(2));
    assert_eq!(incoming.ring_rules[1].ringtone, Ringtone::Default);
    assert_eq!(incoming.auto_answer, AutoAnswerMode::All);
    assert_eq!(incoming.auto_answer_numbers.len(), 2);
    assert!(incoming.auto_answer_numbers[1].matches("2042"));
    assert_eq!(incoming.auto_answer_delay, Duration::from_secs(3));
}

#[test]
fn forwarding_follows_the_targets() {
    let all = Store::fresh().with(
        "account.1.featureCodes.callForwardUnconditionallyTarget",
        "2002",
    );
    assert_eq!(
        read_ok(&all, 1).forwarding.mode,
        ForwardMode::Unconditional(ForwardTarget::parse("2002").unwrap())
    );

    let conditional = Store::fresh()
        .with("account.1.featureCodes.callForwardBusyTarget", "2003")
        .with(
            "account.1.featureCodes.callForwardDelayedTarget",
            "sip:desk@pbx.example.com",
        )
        .with("account.1.featureCodes.delayedCallForwardWaitTime", "30")
        .with("account.1.featureCodes.callFeatures", "0");
    let forwarding = read_ok(&conditional, 1).forwarding;
    assert!(!forwarding.local_call_features);
    assert_eq!(
        forwarding.mode,
        ForwardMode::Conditional(ConditionalForward {
            busy: Some(ForwardTarget::parse("2003").unwrap()),
            no_answer: Some(ForwardTarget::parse("sip:desk@pbx.example.com").unwrap()),
            no_answer_timeout: NoAnswerTimeout::from_seconds(30).unwrap(),
            dnd: None,
        })
    );
}

#[test]
fn dialing_settings_map() {
    let store = Store::fresh()
        .with("account.1.sip.server.1.address", "pbx.example.com")
        .with("account.1.call.dialplan", "{ 9xxx | x+ }")
        .with("account.1.call.dialplanPrefix", "9")
        .with("account.1.call.keyAsSend", "2")
        .with("account.1.call.noKeyEntryTimeout", "7")
        .with("account.1.call.dialplanBypass", "contact,api")
        .with("sip.escapeUrl", "1");
    let expected = DialSettings::new("pbx.example.com")
        .unwrap()
        .dial_plan(DialPlan::parse("{ 9xxx | x+ }").unwrap())
        .prefix("9")
        .unwrap()
        .key_as_send(KeyAsSend::Star)
        .no_key_timeout_secs(7)
        .unwrap()
        .bypass(BypassSources::parse("contact,api").unwrap())
        .escape_pound(false);
    assert_eq!(read_ok(&store, 1).dialing, Some(expected));
}

#[test]
fn bad_values_are_errors_naming_the_setting_and_value() {
    let cases = [
        ("account.1.audio.srtpMode", "9"),
        ("account.1.audio.srtpMode", "forced"),
        ("account.1.codec.choice.1", "7"),
        ("account.1.audio.voiceFramePerTX", "0"),
        ("account.1.codec.payloadType.dtmf", "300"),
        ("account.1.dtmf.sendInSip", "yes"),
        ("account.1.call.rfc2543Hold.enable", "5"),
        ("account.1.call.dialplan", "{ x+"),
        ("account.1.call.dialplan", r"{ x\+x }"),
        ("account.1.call.noKeyEntryTimeout", "20"),
        ("account.1.featureCodes.callForwardBusyTarget", "20 02"),
        ("account.1.featureCodes.delayedCallForwardWaitTime", "500"),
        ("account.1.ring.match.2.callerId", "[9-"),
        ("account.1.ring.ringtone", "-1"),
        ("account.1.sip.sessionTimer.expiration", "60"),
        ("account.1.rtp.timeout", "-3"),
        ("sip.returnCode.dnd", "8"),
        ("call.autoAnswerDelay.value", "11"),
    ];
    for (name, value) in cases {
        let error = error_for(name, value);
        assert_names(&error, name, value);
    }
}

#[test]
fn inconsistent_values_are_errors_too() {
    let store = Store::fresh()
        .with("account.1.sip.sessionTimer.expiration", "100")
        .with("account.1.sip.minimumSE", "120");
    assert_names(
        &store.read(1).unwrap_err(),
        "account.1.sip.sessionTimer.expiration",
        "100",
    );

    let store = Store::fresh()
        .with("account.1.codec.payloadType.red", "110")
        .with("account.1.codec.payloadType.fec.audio", "110");
    assert_names(
        &store.read(1).unwrap_err(),
        "account.1.codec.payloadType.fec.audio",
        "110",
    );

    let mut store = Store::fresh();
    for n in 1..=8 {
        store = store.with(&format!("account.1.codec.choice.{n}"), "4");
    }
    assert_names(
        &store.read(1).unwrap_err(),
        "account.1.codec.choice.1",
        "4,4,4,4,4,4,4,4",
    );
}

#[test]
fn account_numbers_outside_one_to_sixteen_are_refused() {
    let store = Store::fresh();
    assert_eq!(store.read(0).unwrap_err(), SettingsError::NoSuchAccount(0));
    assert_eq!(
        store.read(17).unwrap_err(),
        SettingsError::NoSuchAccount(17)
    );
    assert!(store.read(16).is_ok());
}

#[test]
fn rtp_keep_alive_method_maps() {
    let media = |store: &Store| {
        read_ok(store, 1)
            .media
            .media_settings(16_000, Duration::from_millis(20), "x")
    };
    // The vendor default is "RTP version 1".
    assert_eq!(
        media(&Store::fresh()).rtp_keepalive,
        Some(Duration::from_secs(15))
    );
    let off = Store::fresh().with("account.1.rtp.keepalivemethod", "1");
    assert_eq!(media(&off).rtp_keepalive, None);
    let error = error_for("account.1.rtp.keepalivemethod", "7");
    assert_names(&error, "account.1.rtp.keepalivemethod", "7");
}
