//! Loopback tests of the UDP and TCP transports and DSCP marking.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use handset_sip::locate::TransportKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc::Receiver;

use super::{Destination, Inbound, TransportError, TransportSettings, Transports};

/// Upper bound on waiting for an event that must come (a hang guard, not a speed check).
const PATIENCE: Duration = Duration::from_secs(10);

/// A complete OPTIONS request whose Call-ID is `call_id`.
pub(super) fn options(call_id: &str) -> String {
    format!(
        "OPTIONS sip:phone@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-{call_id}\r\n\
         Max-Forwards: 70\r\n\
         To: <sip:phone@127.0.0.1>\r\n\
         From: <sip:server@127.0.0.1>;tag=t1\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 OPTIONS\r\n\
         Content-Length: 5\r\n\
         \r\n\
         hello"
    )
}

/// Settings for loopback tests: no built-in roots.
pub(super) fn settings() -> TransportSettings {
    let mut settings = TransportSettings::default();
    settings.tls.load_default_cas = false;
    settings
}

/// Transports on a fresh loopback UDP socket. The listeners take the UDP port number (and
/// the next one), which another test's TCP socket may hold: then a new port is tried.
pub(super) async fn start(settings: TransportSettings) -> (Arc<Transports>, Receiver<Inbound>) {
    for _ in 0..20 {
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        match Transports::start(udp, settings.clone()).await {
            Err(TransportError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AddrInUse => {}
            started => return started.unwrap(),
        }
    }
    panic!("no free port pair on 127.0.0.1");
}

/// The next inbound event.
pub(super) async fn next(inbound: &mut Receiver<Inbound>) -> Inbound {
    tokio::time::timeout(PATIENCE, inbound.recv())
        .await
        .expect("an inbound event")
        .expect("the channel is open")
}

/// The next inbound message's bytes and sender, failing on anything else.
pub(super) async fn next_message(
    inbound: &mut Receiver<Inbound>,
) -> (Vec<u8>, SocketAddr, TransportKind, SocketAddr) {
    match next(inbound).await {
        Inbound::Message {
            bytes,
            from,
            kind,
            local,
        } => (bytes, from, kind, local),
        other => panic!("expected a message, got {other:?}"),
    }
}

fn to(addr: SocketAddr, kind: TransportKind) -> Destination {
    Destination {
        addr,
        kind,
        server_name: None,
    }
}

fn tcp_settings() -> TransportSettings {
    let mut settings = settings();
    settings.listen_tcp = true;
    settings
}

/// Reads from `stream` until `expected` bytes arrived.
async fn read_exact(stream: &mut TcpStream, expected: usize) -> Vec<u8> {
    let mut bytes = vec![0; expected];
    tokio::time::timeout(PATIENCE, stream.read_exact(&mut bytes))
        .await
        .expect("bytes in time")
        .unwrap();
    bytes
}

#[tokio::test]
async fn udp_round_trip() {
    let (a, _a_in) = start(settings()).await;
    let (b, mut b_in) = start(settings()).await;
    let b_addr = b.local_addr(TransportKind::Udp).unwrap();
    let left = a
        .send(&to(b_addr, TransportKind::Udp), options("udp").as_bytes())
        .await
        .unwrap();
    assert_eq!(Some(left), a.local_addr(TransportKind::Udp));
    let (bytes, from, kind, local) = next_message(&mut b_in).await;
    assert_eq!(bytes, options("udp").into_bytes());
    assert_eq!((from, kind, local), (left, TransportKind::Udp, b_addr));
}

#[tokio::test]
async fn tcp_frames_joined_and_split_messages() {
    let (b, mut b_in) = start(tcp_settings()).await;
    let listen = b.local_addr(TransportKind::Tcp).unwrap();
    assert_eq!(listen, b.local_addr(TransportKind::Udp).unwrap());
    let mut peer = TcpStream::connect(listen).await.unwrap();
    let peer_addr = peer.local_addr().unwrap();

    let joined = format!("{}{}", options("one"), options("two"));
    peer.write_all(joined.as_bytes()).await.unwrap();
    for call_id in ["one", "two"] {
        let (bytes, from, kind, local) = next_message(&mut b_in).await;
        assert_eq!(bytes, options(call_id).into_bytes());
        assert_eq!((from, kind, local), (peer_addr, TransportKind::Tcp, listen));
    }

    let split = options("three");
    for part in [&split[..10], &split[10..200], &split[200..]] {
        peer.write_all(part.as_bytes()).await.unwrap();
        peer.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (bytes, ..) = next_message(&mut b_in).await;
    assert_eq!(bytes, split.into_bytes());
}

#[tokio::test]
async fn tcp_sends_reuse_one_connection() {
    let (a, _a_in) = start(settings()).await;
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let destination = to(server.local_addr().unwrap(), TransportKind::Tcp);
    let first = a.send(&destination, options("1").as_bytes()).await.unwrap();
    let second = a.send(&destination, options("2").as_bytes()).await.unwrap();
    assert_eq!(first, second);
    let (mut accepted, from) = server.accept().await.unwrap();
    assert_eq!(from, first);
    let both = read_exact(&mut accepted, options("1").len() * 2).await;
    assert_eq!(
        both,
        format!("{}{}", options("1"), options("2")).into_bytes()
    );
}

#[tokio::test]
async fn reply_goes_over_the_peers_connection() {
    let (b, mut b_in) = start(tcp_settings()).await;
    let listen = b.local_addr(TransportKind::Tcp).unwrap();
    let mut peer = TcpStream::connect(listen).await.unwrap();
    peer.write_all(options("ask").as_bytes()).await.unwrap();
    let (_, from, ..) = next_message(&mut b_in).await;
    let left = b
        .send(&to(from, TransportKind::Tcp), options("reply").as_bytes())
        .await
        .unwrap();
    assert_eq!(left, listen);
    let reply = read_exact(&mut peer, options("reply").len()).await;
    assert_eq!(reply, options("reply").into_bytes());
}

#[tokio::test]
async fn ping_gets_a_pong() {
    let (b, _b_in) = start(tcp_settings()).await;
    let mut peer = TcpStream::connect(b.local_addr(TransportKind::Tcp).unwrap())
        .await
        .unwrap();
    peer.write_all(b"\r\n\r\n").await.unwrap();
    assert_eq!(read_exact(&mut peer, 2).await, b"\r\n");
}

/// Sends `bytes` on a new connection and expects it closed with `Inbound::Closed`.
async fn expect_closed_after(bytes: &[u8]) {
    let (b, mut b_in) = start(tcp_settings()).await;
    let mut peer = TcpStream::connect(b.local_addr(TransportKind::Tcp).unwrap())
        .await
        .unwrap();
    peer.write_all(bytes).await.unwrap();
    let closed = next(&mut b_in).await;
    assert_eq!(
        closed,
        Inbound::Closed {
            peer: peer.local_addr().unwrap(),
            kind: TransportKind::Tcp
        }
    );
    let mut rest = Vec::new();
    let read = tokio::time::timeout(PATIENCE, peer.read_to_end(&mut rest)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{read:?}");
}

#[tokio::test]
async fn garbage_closes_the_connection() {
    expect_closed_after(b"this is not SIP at all\r\n\r\n").await;
}

#[tokio::test]
async fn oversize_header_closes_the_connection() {
    let mut huge = b"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nSubject: ".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 10_000));
    huge.extend_from_slice(b"\r\n");
    expect_closed_after(&huge).await;
}

#[tokio::test]
async fn peer_closing_an_outbound_connection_is_reported() {
    let (a, mut a_in) = start(settings()).await;
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server_addr = server.local_addr().unwrap();
    a.send(
        &to(server_addr, TransportKind::Tcp),
        options("x").as_bytes(),
    )
    .await
    .unwrap();
    let (accepted, _) = server.accept().await.unwrap();
    drop(accepted);
    assert_eq!(
        next(&mut a_in).await,
        Inbound::Closed {
            peer: server_addr,
            kind: TransportKind::Tcp
        }
    );
}

#[tokio::test]
async fn refused_connection_is_an_error() {
    let (a, _a_in) = start(settings()).await;
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let error = a
        .send(&to(closed_port, TransportKind::Tcp), b"x")
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::ConnectRefused { addr } if addr == closed_port),
        "{error}"
    );
}

#[tokio::test]
async fn shutdown_stops_listening_and_sending() {
    let (b, _b_in) = start(tcp_settings()).await;
    let listen = b.local_addr(TransportKind::Tcp).unwrap();
    b.shutdown();
    let error = b
        .send(&to(listen, TransportKind::Udp), b"x")
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::ShutDown));
    // The listener closes once its task has stopped.
    let mut refused = false;
    for _ in 0..100 {
        if TcpStream::connect(listen).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused);
}

#[tokio::test(start_paused = true)]
async fn idle_connection_is_closed_after_ten_minutes() {
    let (b, mut b_in) = start(tcp_settings()).await;
    let mut peer = TcpStream::connect(b.local_addr(TransportKind::Tcp).unwrap())
        .await
        .unwrap();
    let opened = tokio::time::Instant::now();
    peer.write_all(options("once").as_bytes()).await.unwrap();
    // Virtual time: the guard is twice the idle timeout, and waiting costs nothing.
    let guard = super::IDLE_TIMEOUT * 2;
    let first = tokio::time::timeout(guard, b_in.recv()).await.unwrap();
    assert!(matches!(first, Some(Inbound::Message { .. })), "{first:?}");
    let closed = tokio::time::timeout(guard, b_in.recv()).await.unwrap();
    assert_eq!(
        closed,
        Some(Inbound::Closed {
            peer: peer.local_addr().unwrap(),
            kind: TransportKind::Tcp
        })
    );
    assert!(opened.elapsed() >= super::IDLE_TIMEOUT);
}

#[tokio::test]
async fn inbound_connections_beyond_the_cap_are_refused() {
    let (b, mut b_in) = start(tcp_settings()).await;
    let listen = b.local_addr(TransportKind::Tcp).unwrap();
    let mut peers = Vec::new();
    for _ in 0..super::MAX_CONNECTIONS {
        peers.push(TcpStream::connect(listen).await.unwrap());
    }
    // Connections are accepted in order: once this one is refused, all before it are open.
    let mut extra = TcpStream::connect(listen).await.unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(PATIENCE, extra.read_to_end(&mut rest)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{read:?}");
    let last = peers.last_mut().unwrap();
    last.write_all(options("last").as_bytes()).await.unwrap();
    let (_, from, ..) = next_message(&mut b_in).await;
    assert_eq!(from, last.local_addr().unwrap());
}

#[tokio::test]
async fn dscp_marks_the_udp_socket() {
    let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    std_socket.set_nonblocking(true).unwrap();
    let observer = std_socket.try_clone().unwrap();
    let mut settings = settings();
    settings.dscp = 46;
    let udp = UdpSocket::from_std(std_socket).unwrap();
    let (_transports, _inbound) = Transports::start(udp, settings).await.unwrap();
    let tos = socket2::SockRef::from(&observer).tos_v4().unwrap();
    assert_eq!(tos, 46 << 2);
}

#[test]
fn dscp_on_tcp_and_ipv6_sockets() {
    let tcp = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    super::qos::set_dscp(&tcp, false, 26).unwrap();
    assert_eq!(tcp.tos_v4().unwrap(), 26 << 2);
    // The machine may lack IPv6; then there is nothing to mark.
    if let Ok(v6) = socket2::Socket::new(socket2::Domain::IPV6, socket2::Type::DGRAM, None) {
        super::qos::set_dscp(&v6, true, 40).unwrap();
        assert_eq!(v6.tclass_v6().unwrap(), 40 << 2);
    }
}

#[test]
fn transports_can_be_shared_between_tasks() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Transports>();
    shareable::<Inbound>();
}
