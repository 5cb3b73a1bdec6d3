use std::time::Duration;

use super::*;
use crate::incoming::RejectReason;

fn outcome(ending: CallEnding) -> CallOutcome {
    CallOutcome {
        account: 2,
        remote_number: "2001".to_owned(),
        remote_name: Some("Bob".to_owned()),
        local_identity: "sip:1001@pbx.example.com".to_owned(),
        started_at: 1_700_000_000,
        ending,
    }
}

fn talk(hung_up_by: HungUpBy) -> Conversation {
    Conversation {
        answered_after: Duration::from_millis(4_400),
        talk_time: Duration::from_millis(61_600),
        hung_up_by,
        transferred: false,
    }
}

fn incoming(ending: ReceivedEnding) -> CallOutcome {
    outcome(CallEnding::Received(ending))
}

fn entry(policy: CallLogPolicy, ending: ReceivedEnding) -> LogEntry {
    record_for(policy, &incoming(ending)).expect("this policy keeps the call")
}

#[test]
fn policy_reads_every_code() {
    let cases = [
        ("0", CallLogPolicy::LogAll),
        ("1", CallLogPolicy::WithoutMissed),
        ("2", CallLogPolicy::Disabled),
        (" 3 ", CallLogPolicy::NoMissedPrompt),
    ];
    for (text, policy) in cases {
        assert_eq!(CallLogPolicy::parse(text), Ok(policy), "{text:?}");
        assert_eq!(policy.to_string().parse::<CallLogPolicy>(), Ok(policy));
    }
    assert_eq!(CallLogPolicy::default(), CallLogPolicy::LogAll);
}

#[test]
fn policy_refuses_unknown_text_and_names_it() {
    for text in ["", "4", "-1", "all", "0x1"] {
        let error = CallLogPolicy::parse(text).unwrap_err();
        assert_eq!(
            error,
            CallLogError::UnknownPolicy {
                value: text.to_owned()
            }
        );
        assert!(error.to_string().contains(&format!("{text:?}")), "{error}");
    }
}

#[test]
fn direction_and_handoff_names_round_trip() {
    for direction in Direction::ALL {
        assert_eq!(direction.as_str().parse(), Ok(direction));
    }
    for handoff in Handoff::ALL {
        assert_eq!(handoff.as_str().parse(), Ok(handoff));
    }
    assert!(matches!(
        "Missed".parse::<Direction>(),
        Err(CallLogError::UnknownDirection { .. })
    ));
    assert!(matches!(
        "parked".parse::<Handoff>(),
        Err(CallLogError::UnknownHandoff { .. })
    ));
}

#[test]
fn answered_outgoing_call_is_placed_with_rounded_times() {
    let call = outcome(CallEnding::Placed(PlacedEnding::Answered(talk(
        HungUpBy::Local,
    ))));
    let entry = record_for(CallLogPolicy::LogAll, &call).unwrap();
    let expected = CallRecord {
        account: 2,
        direction: Direction::Placed,
        remote_number: "2001".to_owned(),
        remote_name: Some("Bob".to_owned()),
        local_identity: "sip:1001@pbx.example.com".to_owned(),
        started_at: 1_700_000_000,
        answered_after: Some(4),
        duration: 62,
        end_reason: "hung up here".to_owned(),
        handoff: Handoff::None,
    };
    assert_eq!(entry.record, expected);
    assert!(!entry.prompts_missed);
}

#[test]
fn unanswered_outgoing_call_is_placed_without_duration() {
    let refused = outcome(CallEnding::Placed(PlacedEnding::Refused { status: 486 }));
    let record = record_for(CallLogPolicy::WithoutMissed, &refused)
        .unwrap()
        .record;
    assert_eq!(record.direction, Direction::Placed);
    assert_eq!(record.answered_after, None);
    assert_eq!(record.duration, 0);
    assert_eq!(record.end_reason, "refused with 486 Busy Here");

    let odd = outcome(CallEnding::Placed(PlacedEnding::Refused { status: 499 }));
    assert_eq!(
        record_for(CallLogPolicy::LogAll, &odd)
            .unwrap()
            .record
            .end_reason,
        "refused with 499"
    );
    let abandoned = outcome(CallEnding::Placed(PlacedEnding::Abandoned));
    let record = record_for(CallLogPolicy::LogAll, &abandoned)
        .unwrap()
        .record;
    assert_eq!(record.end_reason, "cancelled before answer");
}

#[test]
fn answered_incoming_call_is_received() {
    let entry = entry(
        CallLogPolicy::LogAll,
        ReceivedEnding::Answered(talk(HungUpBy::Remote)),
    );
    assert_eq!(entry.record.direction, Direction::Received);
    assert_eq!(entry.record.end_reason, "hung up by the other side");
    assert!(!entry.prompts_missed);
}

#[test]
fn transferred_call_is_marked() {
    let conversation = Conversation {
        transferred: true,
        ..talk(HungUpBy::Local)
    };
    let entry = entry(
        CallLogPolicy::LogAll,
        ReceivedEnding::Answered(conversation),
    );
    assert_eq!(entry.record.direction, Direction::Received);
    assert_eq!(entry.record.handoff, Handoff::Transferred);
    assert_eq!(entry.record.duration, 62);
}

#[test]
fn every_unanswered_incoming_call_is_missed() {
    let endings = [
        (ReceivedEnding::CallerCancelled, true),
        (ReceivedEnding::AnsweredElsewhere, false),
        (ReceivedEnding::RejectedByUser, false),
        (
            ReceivedEnding::RefusedByPhone(RejectReason::DoNotDisturb),
            true,
        ),
        (ReceivedEnding::RefusedByPhone(RejectReason::Busy), true),
        (
            ReceivedEnding::RefusedByPhone(RejectReason::Blacklisted),
            false,
        ),
        (
            ReceivedEnding::RefusedByPhone(RejectReason::Anonymous),
            false,
        ),
        (
            ReceivedEnding::Forwarded {
                after_ringing: true,
            },
            true,
        ),
        (
            ReceivedEnding::Forwarded {
                after_ringing: false,
            },
            false,
        ),
    ];
    for (ending, prompts) in endings {
        let entry = entry(CallLogPolicy::LogAll, ending);
        assert_eq!(entry.record.direction, Direction::Missed, "{ending:?}");
        assert_eq!(entry.record.answered_after, None, "{ending:?}");
        assert_eq!(entry.record.duration, 0, "{ending:?}");
        assert_eq!(entry.prompts_missed, prompts, "{ending:?}");
    }
}

#[test]
fn forwarded_call_carries_the_handoff() {
    let entry = entry(
        CallLogPolicy::LogAll,
        ReceivedEnding::Forwarded {
            after_ringing: true,
        },
    );
    assert_eq!(entry.record.handoff, Handoff::Forwarded);
    assert_eq!(entry.record.end_reason, "forwarded after no answer");
}

#[test]
fn without_missed_policy_drops_only_missed_calls() {
    let missed = incoming(ReceivedEnding::CallerCancelled);
    assert_eq!(record_for(CallLogPolicy::WithoutMissed, &missed), None);
    let received = incoming(ReceivedEnding::Answered(talk(HungUpBy::Local)));
    assert!(record_for(CallLogPolicy::WithoutMissed, &received).is_some());
}

#[test]
fn disabled_policy_keeps_nothing() {
    let calls = [
        incoming(ReceivedEnding::CallerCancelled),
        incoming(ReceivedEnding::Answered(talk(HungUpBy::Local))),
        outcome(CallEnding::Placed(PlacedEnding::Abandoned)),
    ];
    for call in calls {
        assert_eq!(record_for(CallLogPolicy::Disabled, &call), None);
    }
}

#[test]
fn no_prompt_policy_keeps_missed_calls_quietly() {
    let entry = entry(
        CallLogPolicy::NoMissedPrompt,
        ReceivedEnding::CallerCancelled,
    );
    assert_eq!(entry.record.direction, Direction::Missed);
    assert!(!entry.prompts_missed);
}

#[test]
fn huge_durations_do_not_overflow() {
    let conversation = Conversation {
        answered_after: Duration::MAX,
        talk_time: Duration::MAX,
        hung_up_by: HungUpBy::Local,
        transferred: false,
    };
    let entry = entry(
        CallLogPolicy::LogAll,
        ReceivedEnding::Answered(conversation),
    );
    assert_eq!(entry.record.duration, u64::MAX);
}
