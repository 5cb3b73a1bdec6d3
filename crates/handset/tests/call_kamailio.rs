//! `handset run` as a phone: registered at Kamailio (digest authentication, calls relayed
//! with record-routing) together with baresip, it calls baresip and is called by it, driven
//! from the command line, and each side hears the other's tone. handset plays and records
//! WAV files (`--audio-in`, `--audio-out`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::baresip::{self, assert_hears, write_tone};
use common::kamailio::{available, Kamailio, Transport, PASSWORD};
use common::phone::{
    configure, free_port, run_ok, show_logs, start_handset_with, wait_call, wait_call_state,
    wait_for, wait_no_calls,
};
use common::{run, stdout};
use handset::history::{database_path, CallHistory, HistoryQuery};

/// Hz of the tone baresip sends.
const THEIR_TONE: f64 = 440.0;
/// Hz of the tone handset sends.
const OUR_TONE: f64 = 1000.0;

/// Hangs up the call on the phone in `dir`, waits until it has ended, and checks that the
/// baresip in `baresip_dir` heard the phone's tone and the phone (in `heard`) baresip's.
fn hang_up_and_check_both_heard(dir: &Path, logs: &[&Path], baresip_dir: &Path, heard: &Path) {
    run_ok(dir, &["hangup"], logs);
    wait_no_calls(dir, logs);
    assert_hears(
        &baresip::recording(baresip_dir),
        OUR_TONE,
        THEIR_TONE,
        "baresip",
    );
    assert_hears(heard, THEIR_TONE, OUR_TONE, "handset");
}

#[test]
fn calls_baresip_and_is_called_by_it_through_kamailio() {
    if !available("call_kamailio", Transport::Udp) || !baresip::available("call_kamailio") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let kamailio = Kamailio::start(&work.join("kamailio"), Transport::Udp, free_port());
    let server = kamailio.address();
    let kamailio_log = kamailio.log_path();

    // handset as 1001, playing its tone and recording what it hears.
    let dir = work.join("phone");
    let log = work.join("handset.log");
    configure(
        &dir,
        &log,
        &["P271", "1", "P47", &server, "P35", "1001", "P34", PASSWORD],
    );
    let ours = work.join("ours.wav");
    write_tone(&ours, OUR_TONE, 30.0);
    let heard = work.join("heard.wav");
    let mut daemon = start_handset_with(
        &dir,
        &log,
        &[
            "--audio-in",
            ours.to_str().unwrap(),
            "--audio-out",
            heard.to_str().unwrap(),
        ],
    );
    let logs = [log.as_path(), kamailio_log.as_path()];
    wait_for(Duration::from_secs(20), "handset registered", &logs, || {
        kamailio.accepted_registers("1001") > 0
    });

    // baresip as 1002, answering by itself.
    let theirs = work.join("theirs.wav");
    write_tone(&theirs, THEIR_TONE, 30.0);
    let answering = work.join("baresip-answering");
    std::fs::create_dir_all(&answering).unwrap();
    let account = format!(
        "<sip:1002@{server}>;auth_pass={PASSWORD};answermode=auto;audio_codecs=PCMU;regint=600"
    );
    let baresip_log = answering.join("baresip.log");
    let mut baresip = baresip::start(&answering, &theirs, baresip::sip_port(), &account, &[]);
    let logs = [log.as_path(), kamailio_log.as_path(), baresip_log.as_path()];
    wait_for(Duration::from_secs(20), "baresip registered", &logs, || {
        kamailio.accepted_registers("1002") > 0
    });

    // handset calls baresip.
    run_ok(&dir, &["dial", "1002"], &logs);
    let call = wait_call_state(&dir, "established", &logs);
    assert_eq!(call["direction"], "outgoing");
    assert_eq!(call["codec"], "PCMU/8000");
    std::thread::sleep(Duration::from_secs(3));
    // Hold and resume by re-INVITE; baresip accepts both.
    run_ok(&dir, &["hold"], &logs);
    wait_call(&dir, "the call held", &logs, |c| c["held"] == true);
    run_ok(&dir, &["resume"], &logs);
    wait_call(&dir, "the call resumed", &logs, |c| c["held"] == false);
    run_ok(&dir, &["dtmf", "1234#"], &logs);
    std::thread::sleep(Duration::from_secs(2));
    // RFC 4733 events, in order: baresip logs each start and end.
    let text = std::fs::read_to_string(&baresip_log).unwrap_or_default();
    let events: String = text
        .match_indices("received event: '")
        .filter_map(|(at, found)| text[at + found.len()..].chars().next())
        .collect();
    assert_eq!(events, "11223344##", "{}", show_logs(&logs));
    hang_up_and_check_both_heard(&dir, &logs, &answering, &heard);
    baresip.terminate(Duration::from_secs(5));

    // baresip calls handset, which answers from the command line.
    let calling = work.join("baresip-calling");
    std::fs::create_dir_all(&calling).unwrap();
    let account = format!("<sip:1002@{server}>;auth_pass={PASSWORD};audio_codecs=PCMU;regint=0");
    let calling_log = calling.join("baresip.log");
    let logs = [log.as_path(), kamailio_log.as_path(), calling_log.as_path()];
    std::fs::remove_file(&heard).ok();
    let target = format!("/dial sip:1001@{server}");
    let _caller = baresip::start(&calling, &theirs, baresip::sip_port(), &account, &[&target]);
    let call = wait_call_state(&dir, "ringing", &logs);
    assert_eq!(call["direction"], "incoming");
    run_ok(&dir, &["answer"], &logs);
    wait_call_state(&dir, "established", &logs);
    std::thread::sleep(Duration::from_secs(3));
    hang_up_and_check_both_heard(&dir, &logs, &calling, &heard);

    // Both calls are in the call log, newest first.
    let history = CallHistory::open(&database_path(&dir)).unwrap();
    assert_eq!(history.list(&HistoryQuery::default()).unwrap().len(), 2);
    let logged = run_ok(&dir, &["calllog", "--json"], &logs);
    let logged: Vec<serde_json::Value> = serde_json::from_str(&stdout(&logged)).unwrap();
    let directions: Vec<&str> = logged
        .iter()
        .map(|c| c["direction"].as_str().unwrap())
        .collect();
    assert_eq!(directions, ["received", "placed"]);
    assert!(logged.iter().all(|c| c["duration"].as_u64().unwrap() >= 2));

    // Do Not Disturb from the command line.
    run_ok(&dir, &["dnd", "on"], &logs);
    assert!(stdout(&run(&dir, &["dnd"])).contains("account 1: do not disturb on"));
    assert!(daemon.terminate(Duration::from_secs(10)));
}
