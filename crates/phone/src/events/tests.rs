use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::*;

fn account() -> AccountRef {
    AccountRef {
        index: 1,
        user_id: "2001".to_owned(),
        sip_server: "pbx.example.com".to_owned(),
    }
}

fn call() -> CallInfo {
    CallInfo {
        account: account(),
        call_id: "1859493972-5060-9@BIC.BGT.B.GD".to_owned(),
        direction: CallDirection::Incoming,
        local: Party::named("2001", "Front Desk"),
        remote: Party::named("3001", "Room 101"),
    }
}

fn device() -> DeviceInfo {
    DeviceInfo::new(MacAddress::parse("000b8279f740").unwrap())
        .with_phone_ip(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 63)))
        .with_product("GXP1760W")
        .with_program_version("1.0.4.100")
        .with_hardware_version("V1.2A")
        .with_language("en")
}

/// Position of each variant; a match with no catch-all, so a new variant cannot be left out
/// of [`every_event`] without this failing to compile first.
fn variant_index(event: &PhoneEvent) -> usize {
    match event {
        PhoneEvent::SetupCompleted => 0,
        PhoneEvent::AutoProvisionCompleted => 1,
        PhoneEvent::Registered { .. } => 2,
        PhoneEvent::Unregistered { .. } => 3,
        PhoneEvent::RegisterFailed { .. } => 4,
        PhoneEvent::IpChanged => 5,
        PhoneEvent::IdleToBusy => 6,
        PhoneEvent::BusyToIdle => 7,
        PhoneEvent::OffHook => 8,
        PhoneEvent::OnHook => 9,
        PhoneEvent::IncomingCall { .. } => 10,
        PhoneEvent::OutgoingCall { .. } => 11,
        PhoneEvent::MissedCall { .. } => 12,
        PhoneEvent::CallAnswered { .. } => 13,
        PhoneEvent::CallRejected { .. } => 14,
        PhoneEvent::CallForwarded { .. } => 15,
        PhoneEvent::CallEstablished { .. } => 16,
        PhoneEvent::CallTerminated { .. } => 17,
        PhoneEvent::Hold { .. } => 18,
        PhoneEvent::Unhold { .. } => 19,
        PhoneEvent::Mute { .. } => 20,
        PhoneEvent::Unmute { .. } => 21,
        PhoneEvent::BlindTransfer { .. } => 22,
        PhoneEvent::AttendedTransfer { .. } => 23,
        PhoneEvent::TransferCompleted { .. } => 24,
        PhoneEvent::TransferFailed { .. } => 25,
        PhoneEvent::DndOn => 26,
        PhoneEvent::DndOff => 27,
        PhoneEvent::ForwardOn { .. } => 28,
        PhoneEvent::ForwardOff { .. } => 29,
        PhoneEvent::SyslogOn => 30,
        PhoneEvent::SyslogOff => 31,
        PhoneEvent::LogOn => 32,
        PhoneEvent::LogOff => 33,
        PhoneEvent::PanicCall { .. } => 34,
    }
}

const VARIANTS: usize = 35;

fn every_event() -> Vec<PhoneEvent> {
    vec![
        PhoneEvent::SetupCompleted,
        PhoneEvent::AutoProvisionCompleted,
        PhoneEvent::Registered { account: account() },
        PhoneEvent::Unregistered { account: account() },
        PhoneEvent::RegisterFailed { account: account() },
        PhoneEvent::IpChanged,
        PhoneEvent::IdleToBusy,
        PhoneEvent::BusyToIdle,
        PhoneEvent::OffHook,
        PhoneEvent::OnHook,
        PhoneEvent::IncomingCall { call: call() },
        PhoneEvent::OutgoingCall { call: call() },
        PhoneEvent::MissedCall { call: call() },
        PhoneEvent::CallAnswered { call: call() },
        PhoneEvent::CallRejected { call: call() },
        PhoneEvent::CallForwarded {
            call: call(),
            target: "4001".to_owned(),
        },
        PhoneEvent::CallEstablished { call: call() },
        PhoneEvent::CallTerminated {
            call: call(),
            talk_time: Duration::from_millis(65_900),
        },
        PhoneEvent::Hold { call: call() },
        PhoneEvent::Unhold { call: call() },
        PhoneEvent::Mute { call: call() },
        PhoneEvent::Unmute { call: call() },
        PhoneEvent::BlindTransfer {
            call: call(),
            target: "4001".to_owned(),
        },
        PhoneEvent::AttendedTransfer {
            call: call(),
            target: "4002".to_owned(),
        },
        PhoneEvent::TransferCompleted { call: call() },
        PhoneEvent::TransferFailed { call: call() },
        PhoneEvent::DndOn,
        PhoneEvent::DndOff,
        PhoneEvent::ForwardOn {
            account: account(),
            kind: ForwardKind::Busy,
        },
        PhoneEvent::ForwardOff {
            account: account(),
            kind: ForwardKind::Busy,
        },
        PhoneEvent::SyslogOn,
        PhoneEvent::SyslogOff,
        PhoneEvent::LogOn,
        PhoneEvent::LogOff,
        PhoneEvent::PanicCall { call: call() },
    ]
}

const FORWARD_KINDS: [ForwardKind; 5] = [
    ForwardKind::Unconditional,
    ForwardKind::Busy,
    ForwardKind::NoAnswer,
    ForwardKind::TimeBased,
    ForwardKind::DoNotDisturb,
];

/// Every event, with the forwarding pair once per kind.
fn every_event_and_forward_kind() -> Vec<PhoneEvent> {
    let mut events = every_event();
    for kind in FORWARD_KINDS {
        events.push(PhoneEvent::ForwardOn {
            account: account(),
            kind,
        });
        events.push(PhoneEvent::ForwardOff {
            account: account(),
            kind,
        });
    }
    events
}

fn variables(event: &PhoneEvent) -> Variables {
    Variables::for_event(event, &device())
}

// --- events ---

#[test]
fn every_variant_is_listed_once() {
    let indices: Vec<usize> = every_event().iter().map(variant_index).collect();
    assert_eq!(indices, (0..VARIANTS).collect::<Vec<_>>());
}

#[test]
fn event_names_are_unique_snake_case() {
    let events = every_event();
    let names: BTreeSet<&str> = events.iter().map(PhoneEvent::name).collect();
    assert_eq!(names.len(), VARIANTS);
    for name in names {
        let snake = !name.is_empty()
            && !name.starts_with('_')
            && !name.ends_with('_')
            && !name.contains("__")
            && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        assert!(snake, "{name} is not snake case");
    }
}

#[test]
fn display_is_the_name() {
    for event in every_event() {
        assert_eq!(event.to_string(), event.name());
    }
}

#[test]
fn forward_kind_names_are_unique() {
    let names: BTreeSet<&str> = FORWARD_KINDS.iter().map(|kind| kind.as_str()).collect();
    assert_eq!(names.len(), FORWARD_KINDS.len());
}

#[test]
fn call_events_report_their_call_and_its_account() {
    for event in every_event() {
        if let Some(call) = event.call() {
            assert_eq!(event.account(), Some(&call.account), "{event}");
        }
    }
    let registered = PhoneEvent::Registered { account: account() };
    assert_eq!(registered.call(), None);
    assert_eq!(registered.account(), Some(&account()));
    assert_eq!(PhoneEvent::OffHook.account(), None);
}

// --- MAC addresses ---

#[test]
fn mac_reads_the_usual_forms() {
    let expected = MacAddress::new([0x00, 0x0b, 0x82, 0x79, 0xf7, 0x40]);
    for text in [
        "000b8279f740",
        "000B8279F740",
        "00:0b:82:79:f7:40",
        "00-0B-82-79-F7-40",
        "0:b:82:79:f7:40",
    ] {
        assert_eq!(MacAddress::parse(text), Ok(expected), "{text}");
    }
    assert_eq!(expected.to_string(), "00:0b:82:79:f7:40");
    assert_eq!(expected.bytes(), [0x00, 0x0b, 0x82, 0x79, 0xf7, 0x40]);
}

#[test]
fn mac_rejects_malformed_text() {
    for text in [
        "",
        "000b8279f74",
        "000b8279f7400",
        "000b8279f74g",
        "00:0b:82:79:f7",
        "00:0b:82:79:f7:40:11",
        "00:0b:82::f7:40",
        "000:b:82:79:f7:40",
        "00:0b:82:79:f7:4g",
        "+0:0b:82:79:f7:40",
        "ééééééé",
        "0b82é79f740",
    ] {
        let result = MacAddress::parse(text);
        assert!(
            matches!(result, Err(EventError::InvalidMac { .. })),
            "{text:?} gave {result:?}"
        );
    }
}

#[test]
fn mac_error_names_the_input() {
    let error = MacAddress::parse("nonsense").unwrap_err();
    assert!(error.to_string().contains("\"nonsense\""), "{error}");
}

#[test]
fn action_url_mac_drops_leading_zeros() {
    // The form in the GXP1760W FAQ's off-hook capture.
    let mac = MacAddress::parse("00:0B:82:79:F7:40").unwrap();
    assert_eq!(mac.action_url_form(), "0:b:82:79:f7:40");
    assert_eq!(MacAddress::new([0; 6]).action_url_form(), "0:0:0:0:0:0");
}

// --- variables ---

#[test]
fn variable_names_are_unique_and_round_trip() {
    let names: BTreeSet<&str> = Variable::ALL.iter().map(|v| v.name()).collect();
    assert_eq!(names.len(), Variable::ALL.len());
    for (position, variable) in Variable::ALL.into_iter().enumerate() {
        assert_eq!(Variable::from_name(variable.name()), Some(variable));
        // The value table is indexed by declaration order.
        assert_eq!(variable as usize, position);
    }
    assert_eq!(Variable::from_name("ip"), None);
    assert_eq!(Variable::from_name("call_id"), None);
}

#[test]
fn the_guides_variable_names_are_all_known() {
    // WP820 guide table, then the Action URL module guide's additions.
    for name in [
        "phone_ip",
        "mac",
        "product",
        "program_version",
        "hardware_version",
        "language",
        "local",
        "display_local",
        "remote",
        "display_remote",
        "active_user",
        "call-id",
        "active_host",
        "duration",
        "calldirection",
    ] {
        assert!(Variable::from_name(name).is_some(), "{name}");
    }
}

#[test]
fn device_variables_are_in_every_event() {
    for event in every_event() {
        let values = variables(&event);
        assert_eq!(
            values.get(Variable::PhoneIp),
            Some("192.168.1.63"),
            "{event}"
        );
        assert_eq!(values.get(Variable::Mac), Some("0:b:82:79:f7:40"));
        assert_eq!(values.get(Variable::Product), Some("GXP1760W"));
        assert_eq!(values.get(Variable::ProgramVersion), Some("1.0.4.100"));
        assert_eq!(values.get(Variable::HardwareVersion), Some("V1.2A"));
        assert_eq!(values.get(Variable::Language), Some("en"));
    }
}

#[test]
fn phone_ip_is_absent_without_a_network() {
    let device = DeviceInfo::new(MacAddress::new([0; 6]));
    let values = Variables::for_event(&PhoneEvent::SetupCompleted, &device);
    assert_eq!(values.get(Variable::PhoneIp), None);
    assert_eq!(values.get(Variable::Product), Some(""));
}

#[test]
fn call_variables_are_in_call_events_only() {
    const CALL_VARIABLES: [Variable; 6] = [
        Variable::Local,
        Variable::DisplayLocal,
        Variable::Remote,
        Variable::DisplayRemote,
        Variable::CallId,
        Variable::CallDirection,
    ];
    for event in every_event() {
        let values = variables(&event);
        for variable in CALL_VARIABLES {
            assert_eq!(
                values.get(variable).is_some(),
                event.call().is_some(),
                "{event} ${}",
                variable.name()
            );
        }
        if event.call().is_some() {
            assert_eq!(values.get(Variable::Local), Some("2001"));
            assert_eq!(values.get(Variable::DisplayLocal), Some("Front Desk"));
            assert_eq!(values.get(Variable::Remote), Some("3001"));
            assert_eq!(values.get(Variable::DisplayRemote), Some("Room 101"));
            assert_eq!(
                values.get(Variable::CallId),
                Some("1859493972-5060-9@BIC.BGT.B.GD")
            );
            assert_eq!(values.get(Variable::CallDirection), Some("incoming"));
        }
    }
}

#[test]
fn account_variables_are_in_account_and_call_events() {
    for event in every_event() {
        let values = variables(&event);
        let expected = event.account().map(|_| ("2001", "pbx.example.com"));
        let found = values
            .get(Variable::ActiveUser)
            .zip(values.get(Variable::ActiveHost));
        assert_eq!(found, expected, "{event}");
    }
    let registered = variables(&PhoneEvent::Registered { account: account() });
    assert_eq!(registered.get(Variable::ActiveUser), Some("2001"));
}

#[test]
fn duration_is_whole_seconds_when_a_call_ends() {
    for event in every_event() {
        let duration = variables(&event).get(Variable::Duration).map(str::to_owned);
        match event {
            PhoneEvent::CallTerminated { .. } => assert_eq!(duration.as_deref(), Some("65")),
            _ => assert_eq!(duration, None, "{event}"),
        }
    }
}

#[test]
fn missing_display_names_stay_unset() {
    let mut call = call();
    call.local = Party::number("2001");
    call.remote = Party::number("3001");
    call.direction = CallDirection::Outgoing;
    let values = variables(&PhoneEvent::OutgoingCall { call });
    assert_eq!(values.get(Variable::DisplayLocal), None);
    assert_eq!(values.get(Variable::DisplayRemote), None);
    assert_eq!(values.get(Variable::Remote), Some("3001"));
    assert_eq!(values.get(Variable::CallDirection), Some("outgoing"));
}

#[test]
fn iter_lists_the_set_values_in_order() {
    let values = variables(&PhoneEvent::DndOn);
    let listed: Vec<Variable> = values.iter().map(|(variable, _)| variable).collect();
    assert_eq!(
        listed,
        [
            Variable::PhoneIp,
            Variable::Mac,
            Variable::Product,
            Variable::ProgramVersion,
            Variable::HardwareVersion,
            Variable::Language,
        ]
    );
}

// --- substitution ---

fn incoming_values() -> Variables {
    variables(&PhoneEvent::IncomingCall { call: call() })
}

#[test]
fn substitutes_each_variable() {
    let values = incoming_values();
    assert_eq!(
        substitute("x/remote=$remote&local=$local&ip=$phone_ip", &values),
        "x/remote=3001&local=2001&ip=192.168.1.63"
    );
    assert_eq!(substitute("$remote$local", &values), "30012001");
}

#[test]
fn leaves_text_without_variables_alone() {
    let values = incoming_values();
    assert_eq!(substitute("", &values), "");
    assert_eq!(substitute("10.0.0.1/ping", &values), "10.0.0.1/ping");
}

#[test]
fn keeps_unknown_variables_and_lone_dollars() {
    let values = incoming_values();
    assert_eq!(substitute("a=$ip&b=$model", &values), "a=$ip&b=$model");
    assert_eq!(substitute("cost=5$", &values), "cost=5$");
    assert_eq!(substitute("$", &values), "$");
    assert_eq!(substitute("$$remote", &values), "$3001");
    assert_eq!(substitute("$ remote", &values), "$ remote");
    // Names are case-sensitive as the guides write them.
    assert_eq!(substitute("$REMOTE", &values), "$REMOTE");
}

#[test]
fn takes_the_longest_name_and_keeps_what_follows() {
    let values = incoming_values();
    assert_eq!(substitute("$locals", &values), "2001s");
    assert_eq!(substitute("$display_localx", &values), "Front%20Deskx");
    assert_eq!(
        substitute("$call-id-", &values),
        "1859493972-5060-9@BIC.BGT.B.GD-"
    );
    assert_eq!(substitute("$calldirection", &values), "incoming");
}

#[test]
fn known_variables_without_a_value_become_empty() {
    let values = variables(&PhoneEvent::OffHook);
    assert_eq!(
        substitute("local=$local&d=$duration|", &values),
        "local=&d=|"
    );
}

#[test]
fn values_are_percent_encoded_for_a_query() {
    let mut values = Variables::default();
    values.set(Variable::DisplayRemote, "Zoë & Co = #1/2?+%".to_owned());
    assert_eq!(
        substitute("n=$display_remote", &values),
        "n=Zo%C3%AB%20%26%20Co%20%3D%20%231%2F2%3F%2B%25"
    );
    values.set(Variable::Remote, "sip:3001@pbx.example.com".to_owned());
    assert_eq!(substitute("$remote", &values), "sip:3001@pbx.example.com");
    values.set(Variable::Local, "A-z_0.9~".to_owned());
    assert_eq!(substitute("$local", &values), "A-z_0.9~");
}

#[test]
fn values_are_never_substituted_again() {
    let mut values = Variables::default();
    values.set(Variable::DisplayRemote, "$mac".to_owned());
    values.set(Variable::Mac, "secret".to_owned());
    assert_eq!(substitute("$display_remote", &values), "%24mac");
}

#[test]
fn multibyte_text_around_variables_is_kept() {
    let values = incoming_values();
    assert_eq!(substitute("摘机/$remote/€", &values), "摘机/3001/€");
}

// --- Action URL slots ---

fn settings_schema() -> &'static str {
    include_str!("../../../config/schema/settings.tsv")
}

fn schema_has(pvalue: &str) -> bool {
    settings_schema()
        .lines()
        .any(|line| line.split('\t').next() == Some(pvalue))
}

#[test]
fn slots_have_distinct_pvalues_in_order() {
    let numbers: Vec<u32> = ActionUrlSlot::ALL
        .iter()
        .map(|slot| slot.pvalue()[1..].parse().unwrap())
        .collect();
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(numbers, sorted);
}

#[test]
fn the_configuration_knows_every_slot() {
    for slot in ActionUrlSlot::ALL {
        assert!(schema_has(slot.pvalue()), "{}", slot.pvalue());
    }
    assert!(schema_has("P32062"));
}

#[test]
fn every_slot_belongs_to_an_event() {
    let reached: BTreeSet<ActionUrlSlot> = every_event_and_forward_kind()
        .iter()
        .flat_map(|event| ActionUrlSlot::for_event(event).iter().copied())
        .collect();
    assert_eq!(reached, ActionUrlSlot::ALL.into_iter().collect());
}

#[test]
fn only_events_without_a_configured_slot_send_nothing() {
    for event in every_event() {
        let silent = ActionUrlSlot::for_event(&event).is_empty();
        let expected = matches!(
            event,
            PhoneEvent::LogOn | PhoneEvent::LogOff | PhoneEvent::PanicCall { .. }
        );
        assert_eq!(silent, expected, "{event}");
    }
}

#[test]
fn forwarding_sends_the_general_and_the_kind_slot() {
    let on = |kind| PhoneEvent::ForwardOn {
        account: account(),
        kind,
    };
    let off = |kind| PhoneEvent::ForwardOff {
        account: account(),
        kind,
    };
    assert_eq!(
        ActionUrlSlot::for_event(&on(ForwardKind::Unconditional)),
        [
            ActionUrlSlot::OpenForward,
            ActionUrlSlot::OpenUnconditionalForward
        ]
    );
    assert_eq!(
        ActionUrlSlot::for_event(&off(ForwardKind::NoAnswer)),
        [
            ActionUrlSlot::CloseForward,
            ActionUrlSlot::CloseNoAnswerForward
        ]
    );
    assert_eq!(
        ActionUrlSlot::for_event(&on(ForwardKind::TimeBased)),
        [ActionUrlSlot::OpenForward]
    );
    assert_eq!(
        ActionUrlSlot::for_event(&off(ForwardKind::DoNotDisturb)),
        [ActionUrlSlot::CloseForward]
    );
}

// --- Action URLs from settings ---

fn from_map(pairs: &[(&str, &str)]) -> Result<ActionUrls, EventError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    ActionUrls::from_settings(|key| map.get(key).cloned())
}

#[test]
fn reads_templates_by_pvalue() {
    let urls = from_map(&[
        ("P8304", "10.0.0.1/boot"),
        ("P22172", "  10.0.0.1/fwd  "),
        ("P8305", ""),
        ("P8306", "   "),
    ])
    .unwrap();
    assert!(urls.enabled);
    assert_eq!(
        urls.template(ActionUrlSlot::SetupCompleted),
        Some("10.0.0.1/boot")
    );
    assert_eq!(
        urls.template(ActionUrlSlot::ForwardedCall),
        Some("10.0.0.1/fwd")
    );
    assert_eq!(urls.template(ActionUrlSlot::Registered), None);
    assert_eq!(urls.template(ActionUrlSlot::Unregistered), None);
    assert_eq!(urls.template(ActionUrlSlot::OffHook), None);
}

#[test]
fn outbound_notification_switch() {
    assert!(from_map(&[("P32062", "1")]).unwrap().enabled);
    assert!(from_map(&[("P32062", " 1 ")]).unwrap().enabled);
    assert!(!from_map(&[("P32062", "0")]).unwrap().enabled);
    assert_eq!(
        from_map(&[("P32062", "yes")]),
        Err(EventError::NotASwitch {
            setting: "P32062",
            value: "yes".to_owned(),
        })
    );
    let message = from_map(&[("P32062", "2")]).unwrap_err().to_string();
    assert!(
        message.contains("P32062") && message.contains("\"2\""),
        "{message}"
    );
}

#[test]
fn switched_off_sends_nothing() {
    let urls = from_map(&[("P32062", "0"), ("P8308", "10.0.0.1/offhook")]).unwrap();
    let event = PhoneEvent::OffHook;
    assert!(urls.urls_for(&event, &variables(&event)).is_empty());
}

#[test]
fn set_replaces_and_blank_clears() {
    let mut urls = ActionUrls::default();
    urls.set(ActionUrlSlot::HoldCall, "a/1");
    urls.set(ActionUrlSlot::HoldCall, "a/2");
    assert_eq!(urls.template(ActionUrlSlot::HoldCall), Some("a/2"));
    urls.set(ActionUrlSlot::HoldCall, " ");
    assert_eq!(urls.template(ActionUrlSlot::HoldCall), None);
}

// --- URLs for events ---

fn urls_with(slot: ActionUrlSlot, template: &str) -> ActionUrls {
    let mut urls = ActionUrls::default();
    urls.set(slot, template);
    urls
}

#[test]
fn empty_slots_send_nothing() {
    let urls = urls_with(ActionUrlSlot::OnHook, "10.0.0.1/onhook");
    for event in every_event_and_forward_kind() {
        let sent = urls.urls_for(&event, &variables(&event));
        let expected: &[&str] = match event {
            PhoneEvent::OnHook => &["http://10.0.0.1/onhook"],
            _ => &[],
        };
        assert_eq!(sent, expected, "{event}");
    }
}

#[test]
fn a_scheme_is_added_only_when_missing() {
    let event = PhoneEvent::OffHook;
    let values = variables(&event);
    for (template, expected) in [
        ("10.0.0.1/x", "http://10.0.0.1/x"),
        (
            "server.example.com:8080/x",
            "http://server.example.com:8080/x",
        ),
        ("http://10.0.0.1/x", "http://10.0.0.1/x"),
        ("HTTP://10.0.0.1/x", "HTTP://10.0.0.1/x"),
        ("https://10.0.0.1/x", "https://10.0.0.1/x"),
        ("http:/", "http://http:/"),
    ] {
        let urls = urls_with(ActionUrlSlot::OffHook, template);
        assert_eq!(urls.urls_for(&event, &values), [expected], "{template}");
    }
}

#[test]
fn forwarding_sends_both_configured_urls() {
    let mut urls = urls_with(ActionUrlSlot::OpenForward, "h/any=$active_user");
    urls.set(ActionUrlSlot::OpenBusyForward, "h/busy=$active_user");
    let busy = PhoneEvent::ForwardOn {
        account: account(),
        kind: ForwardKind::Busy,
    };
    assert_eq!(
        urls.urls_for(&busy, &variables(&busy)),
        ["http://h/any=2001", "http://h/busy=2001"]
    );
    let no_answer = PhoneEvent::ForwardOn {
        account: account(),
        kind: ForwardKind::NoAnswer,
    };
    assert_eq!(
        urls.urls_for(&no_answer, &variables(&no_answer)),
        ["http://h/any=2001"]
    );
}

// --- the guides' examples ---

#[test]
fn gxp1760w_off_hook_capture() {
    // GXP1760W FAQ: the off-hook URL `192.168.1.94/mac=$mac&local=$local` went out as
    // `GET /mac=0:b:82:79:f7:40&local=` to 192.168.1.94.
    let urls = from_map(&[("P8308", "192.168.1.94/mac=$mac&local=$local")]).unwrap();
    let event = PhoneEvent::OffHook;
    assert_eq!(
        urls.urls_for(&event, &variables(&event)),
        ["http://192.168.1.94/mac=0:b:82:79:f7:40&local="]
    );
}

#[test]
fn gxp1760w_hang_up_capture() {
    // GXP1760W FAQ: after hanging up, the phone sent
    // `GET /call-id=1859493972-5060-9@BIC.BGT.B.GD&program_version=1.0.4.100`.
    let urls = from_map(&[(
        "P8314",
        "192.168.1.94/call-id=$call-id&program_version=$program_version",
    )])
    .unwrap();
    let event = PhoneEvent::CallTerminated {
        call: call(),
        talk_time: Duration::from_secs(31),
    };
    assert_eq!(
        urls.urls_for(&event, &variables(&event)),
        ["http://192.168.1.94/call-id=1859493972-5060-9@BIC.BGT.B.GD&program_version=1.0.4.100"]
    );
}

#[test]
fn wp820_event_notification_example() {
    // WP820 guide: `192.168.40.207/mac=$mac&local=$local` sends the MAC and the number.
    let urls = urls_with(
        ActionUrlSlot::IncomingCall,
        "192.168.40.207/mac=$mac&local=$local",
    );
    let event = PhoneEvent::IncomingCall { call: call() };
    assert_eq!(
        urls.urls_for(&event, &variables(&event)),
        ["http://192.168.40.207/mac=0:b:82:79:f7:40&local=2001"]
    );
}

#[test]
fn gxp17xx_guide_examples() {
    let mut urls = urls_with(
        ActionUrlSlot::IncomingCall,
        "192.168.5.250/mac=$mac&display_remote=$display_remote",
    );
    urls.set(
        ActionUrlSlot::OutgoingCall,
        "192.168.5.250/remote=$remote&phone_ip=$phone_ip",
    );
    urls.set(
        ActionUrlSlot::HoldCall,
        "192.168.5.250/program_version=$program_version",
    );
    let incoming = PhoneEvent::IncomingCall { call: call() };
    assert_eq!(
        urls.urls_for(&incoming, &variables(&incoming)),
        ["http://192.168.5.250/mac=0:b:82:79:f7:40&display_remote=Room%20101"]
    );
    let mut outgoing_call = call();
    outgoing_call.direction = CallDirection::Outgoing;
    let outgoing = PhoneEvent::OutgoingCall {
        call: outgoing_call,
    };
    assert_eq!(
        urls.urls_for(&outgoing, &variables(&outgoing)),
        ["http://192.168.5.250/remote=3001&phone_ip=192.168.1.63"]
    );
    let hold = PhoneEvent::Hold { call: call() };
    assert_eq!(
        urls.urls_for(&hold, &variables(&hold)),
        ["http://192.168.5.250/program_version=1.0.4.100"]
    );
}
