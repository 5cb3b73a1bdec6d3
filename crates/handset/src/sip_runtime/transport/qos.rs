//! Socket options: DSCP marking and TCP keep-alive.

use std::io;
use std::time::Duration;

use socket2::{Socket, TcpKeepalive};

/// Idle time before the first TCP keep-alive probe.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);
/// Time between TCP keep-alive probes.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);

/// Marks the socket's packets with `dscp` (IP_TOS / IPV6_TCLASS = DSCP << 2).
pub(crate) fn set_dscp(socket: &Socket, ipv6: bool, dscp: u8) -> io::Result<()> {
    let traffic_class = u32::from(dscp.min(63)) << 2;
    if ipv6 {
        socket.set_tclass_v6(traffic_class)
    } else {
        socket.set_tos_v4(traffic_class)
    }
}

/// Turns on SO_KEEPALIVE with a short idle time.
pub(super) fn set_keepalive(socket: &Socket) -> io::Result<()> {
    let params = TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL);
    socket.set_tcp_keepalive(&params)
}
