//! A small authoritative DNS server on 127.0.0.1 for integration tests.
//!
//! It serves A, AAAA, SRV and NAPTR records from a table the test changes while it runs,
//! answers NXDOMAIN for names it does not know, counts the queries it gets per name and type,
//! and stops when dropped. UDP and TCP listen on the same ephemeral port.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, NAPTR, SRV};
use hickory_proto::rr::{Name, RData, Record, RecordType};

/// One record the server holds for a name.
#[derive(Debug, Clone)]
pub(crate) struct TestRecord {
    data: RData,
    ttl: u32,
}

impl TestRecord {
    /// An A or AAAA record, whichever the address is.
    pub(crate) fn ip(ip: &str, ttl: u32) -> Self {
        let data = match ip.parse::<IpAddr>().unwrap() {
            IpAddr::V4(v4) => RData::A(A(v4)),
            IpAddr::V6(v6) => RData::AAAA(AAAA(v6)),
        };
        Self { data, ttl }
    }

    /// An SRV record.
    pub(crate) fn srv(priority: u16, weight: u16, port: u16, target: &str, ttl: u32) -> Self {
        let data = RData::SRV(SRV::new(priority, weight, port, fqdn(target)));
        Self { data, ttl }
    }

    /// A NAPTR record with an empty regexp, as SIP uses them.
    pub(crate) fn naptr(
        order: u16,
        preference: u16,
        flags: &str,
        service: &str,
        replacement: &str,
        ttl: u32,
    ) -> Self {
        let data = RData::NAPTR(NAPTR::new(
            order,
            preference,
            flags.as_bytes().into(),
            service.as_bytes().into(),
            Box::default(),
            fqdn(replacement),
        ));
        Self { data, ttl }
    }
}

#[derive(Default)]
struct Zone {
    /// Records by lower-case name without the trailing dot.
    records: HashMap<String, Vec<TestRecord>>,
    /// Queries received by (name, type).
    queries: HashMap<(String, RecordType), usize>,
}

/// A running test DNS server; dropping it stops it.
pub(crate) struct DnsServer {
    addr: SocketAddr,
    zone: Arc<Mutex<Zone>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl DnsServer {
    /// Starts a server on 127.0.0.1 with an ephemeral port shared by UDP and TCP.
    pub(crate) fn start() -> Self {
        let (udp, tcp) = bind_pair();
        let addr = udp.local_addr().unwrap();
        let zone = Arc::new(Mutex::new(Zone::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let udp_thread = {
            let (zone, stop) = (zone.clone(), stop.clone());
            std::thread::spawn(move || serve_udp(&udp, &zone, &stop))
        };
        let tcp_thread = {
            let (zone, stop) = (zone.clone(), stop.clone());
            std::thread::spawn(move || serve_tcp(&tcp, &zone, &stop))
        };
        Self {
            addr,
            zone,
            stop,
            threads: vec![udp_thread, tcp_thread],
        }
    }

    /// Where the server listens (UDP and TCP).
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces every record of `name`; an empty list makes the name exist with no records.
    pub(crate) fn set_records(&self, name: &str, records: Vec<TestRecord>) {
        let mut zone = self.zone.lock().unwrap();
        zone.records.insert(key(name), records);
    }

    /// Forgets `name`: it is answered NXDOMAIN again.
    pub(crate) fn remove(&self, name: &str) {
        self.zone.lock().unwrap().records.remove(&key(name));
    }

    /// How many queries for `name` and `record_type` arrived, over UDP and TCP.
    pub(crate) fn query_count(&self, name: &str, record_type: RecordType) -> usize {
        let zone = self.zone.lock().unwrap();
        zone.queries
            .get(&(key(name), record_type))
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake both blocked threads so they see the stop flag.
        if let Ok(socket) = UdpSocket::bind("127.0.0.1:0") {
            let _ = socket.send_to(&[], self.addr);
        }
        let _ = TcpStream::connect(self.addr);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn bind_pair() -> (UdpSocket, TcpListener) {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if let Ok(tcp) = TcpListener::bind(("127.0.0.1", port)) {
            return (udp, tcp);
        }
    }
    panic!("no port free for both UDP and TCP on 127.0.0.1");
}

fn serve_udp(socket: &UdpSocket, zone: &Mutex<Zone>, stop: &AtomicBool) {
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        let Ok((len, peer)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let Some((response, limit)) = respond(&buf[..len], zone) else {
            continue;
        };
        let mut bytes = response.to_vec().unwrap();
        if bytes.len() > limit {
            // Too big for this client's UDP: send the truncated form so it asks over TCP.
            bytes = response.truncate().to_vec().unwrap();
        }
        let _ = socket.send_to(&bytes, peer);
    }
}

fn serve_tcp(listener: &TcpListener, zone: &Arc<Mutex<Zone>>, stop: &AtomicBool) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            continue;
        };
        let zone = zone.clone();
        std::thread::spawn(move || serve_tcp_connection(stream, &zone));
    }
}

fn serve_tcp_connection(mut stream: TcpStream, zone: &Mutex<Zone>) {
    // Clients may keep a connection open; an idle one ends so no thread outlives the test long.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    loop {
        let mut len = [0u8; 2];
        if stream.read_exact(&mut len).is_err() {
            return;
        }
        let mut request = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if stream.read_exact(&mut request).is_err() {
            return;
        }
        let Some((response, _)) = respond(&request, zone) else {
            return;
        };
        let bytes = response.to_vec().unwrap();
        let len = u16::try_from(bytes.len()).unwrap().to_be_bytes();
        if stream.write_all(&len).is_err() || stream.write_all(&bytes).is_err() {
            return;
        }
    }
}

/// The response to one request, with the largest UDP response the client accepts.
fn respond(request: &[u8], zone: &Mutex<Zone>) -> Option<(Message, usize)> {
    let request = Message::from_vec(request).ok()?;
    let mut response = Message::response(request.metadata.id, request.metadata.op_code);
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.metadata.authoritative = true;
    response.add_queries(request.queries.iter().cloned());
    let Some(query) = request.queries.first() else {
        response.metadata.response_code = ResponseCode::FormErr;
        return Some((response, 512));
    };
    let name = key(&query.name.to_ascii());
    let mut zone = zone.lock().unwrap();
    *zone
        .queries
        .entry((name.clone(), query.query_type))
        .or_default() += 1;
    match zone.records.get(&name) {
        None => response.metadata.response_code = ResponseCode::NXDomain,
        Some(records) => {
            for record in records {
                if record.data.record_type() == query.query_type {
                    let answer =
                        Record::from_rdata(query.name.clone(), record.ttl, record.data.clone());
                    response.add_answer(answer);
                }
            }
        }
    }
    Some((response, usize::from(request.max_payload())))
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn fqdn(name: &str) -> Name {
    Name::from_ascii(format!("{}.", name.trim_end_matches('.'))).unwrap()
}
