//! Any bytes, as datagrams from a server or a stranger, into a registered account: nothing
//! panics, every request that can be answered is answered, and the open server transactions
//! stay within the configured limit and end on their timers.
#![no_main]

use std::time::{Duration, Instant};

use handset_sip::account::{Account, AccountConfig, AccountEvent, Need};
use handset_sip::locate::{ServerName, Target, TransportKind};
use handset_sip::message::response_to;
use handset_sip::StatusCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(server) = ServerName::parse("192.0.2.1") else {
        return;
    };
    let mut config = AccountConfig::new("alice", vec![server]);
    config.max_server_transactions = 8;
    config.subscribe_mwi = true;
    let start = Instant::now();
    let mut account = Account::new(config, 1, start);
    account.start(start);
    while let Some(need) = account.poll_need() {
        if let Need::LocalAddress(_) = need {
            account.handle_local_address(start, ([192, 0, 2, 2], 5060).into());
        }
    }
    let peer = Target {
        addr: ([192, 0, 2, 1], 5060).into(),
        transport: TransportKind::Udp,
    };
    // 0xff separates datagrams; each one advances the clock by a second.
    let mut now = start;
    for datagram in data.split(|b| *b == 0xff) {
        now += Duration::from_secs(1);
        account.handle_timeout(now);
        account.handle_message(now, datagram, peer);
        while let Some(event) = account.poll_event() {
            if let AccountEvent::Request { id, request, .. } = event {
                if let Ok(mut busy) = response_to(&request, StatusCode::BUSY_HERE, None) {
                    busy.with_to_tag("busy");
                    let _ = account.respond(now, &id, busy);
                }
            }
        }
        while account.poll_transmit().is_some() {}
        assert!(account.open_requests() <= 8);
    }
    let end = now + Duration::from_secs(300);
    while let Some(at) = account.poll_timeout().filter(|at| *at <= end) {
        now = at.max(now);
        account.handle_timeout(now);
        while account.poll_transmit().is_some() {}
        while account.poll_event().is_some() {}
    }
    assert_eq!(account.open_requests(), 0);
});
