//! Local RTP/RTCP ports: which ports a call may use ("Local RTP Port", "Local RTP Port
//! Range", "Use Random Port"), binding them with the RTP DSCP marking ("Layer 3 QoS for
//! RTP"), and the bound pair a call owns until it ends.
//!
//! RTP takes an even port and RTCP the odd port above it (RFC 3550 §11), or RTP alone with
//! rtcp-mux (RFC 5761). A port some other socket holds is skipped. Ports are released when
//! their [`MediaSockets`] are dropped.

use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};

use handset_config::ConfigStore;
use rand::Rng;
use socket2::{Domain, Protocol, Socket, Type};
use thiserror::Error;

use crate::sip_runtime::transport::qos::set_dscp;

/// Default "Local RTP Port" (P39).
pub const DEFAULT_RTP_PORT: u16 = 5004;
/// Default "Local RTP Port Range" (P29610).
pub const DEFAULT_RTP_PORT_RANGE: u16 = 200;
/// Default "Layer 3 QoS for RTP" (P1559): Expedited Forwarding.
pub const DEFAULT_RTP_DSCP: u8 = 46;

/// Why no ports could be bound.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PortError {
    /// Every port pair in the range is in use.
    #[error("no free RTP port between {first} and {last}")]
    Exhausted {
        /// First port of the range.
        first: u16,
        /// Last port of the range.
        last: u16,
    },
    /// Binding failed for another reason than the port being in use.
    #[error("cannot bind UDP port {addr}: {source}")]
    Bind {
        /// The address that was being bound.
        addr: SocketAddr,
        /// What the system said.
        source: io::Error,
    },
}

/// The RTP port settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPortSettings {
    /// The lowest RTP port ("Local RTP Port"); an odd value is rounded up to even.
    pub base: u16,
    /// How many ports from `base` on may be used ("Local RTP Port Range").
    pub range: u16,
    /// Pick a random pair within the range instead of the lowest free one ("Use Random Port").
    pub random: bool,
    /// DSCP set on the sockets ("Layer 3 QoS for RTP").
    pub dscp: u8,
}

impl Default for RtpPortSettings {
    fn default() -> Self {
        Self {
            base: DEFAULT_RTP_PORT,
            range: DEFAULT_RTP_PORT_RANGE,
            random: true,
            dscp: DEFAULT_RTP_DSCP,
        }
    }
}

impl RtpPortSettings {
    /// The settings from the configuration (P39, P29610, P78, P1559); a value that does not
    /// read as a number keeps its default.
    pub fn from_config(store: &ConfigStore) -> Self {
        let defaults = Self::default();
        let number =
            |alias: &str| -> Option<u64> { store.get_by_name(alias).ok()?.trim().parse().ok() };
        let port = |alias: &str, default: u16| {
            number(alias)
                .and_then(|n| u16::try_from(n).ok())
                .unwrap_or(default)
        };
        Self {
            base: port("network.rtp.local.port", defaults.base),
            range: port("network.rtp.local.portRange", defaults.range),
            random: number("network.rtp.useRandomPort").map_or(defaults.random, |n| n != 0),
            dscp: number("network.qos.forRtp")
                .and_then(|n| u8::try_from(n).ok())
                .map_or(defaults.dscp, |n| n.min(63)),
        }
    }

    /// The first and last port the range covers.
    pub fn bounds(&self) -> (u16, u16) {
        let first = self.base.saturating_add(self.base & 1);
        let last = u32::from(first) + u32::from(self.range.max(2)) - 1;
        (first, u16::try_from(last).unwrap_or(u16::MAX))
    }

    /// How many RTP/RTCP pairs fit in the range.
    fn pairs(&self) -> u32 {
        let (first, last) = self.bounds();
        (u32::from(last) - u32::from(first)).div_ceil(2)
    }
}

/// The bound, nonblocking sockets of one call: RTP, and RTCP unless rtcp-mux is used.
#[derive(Debug)]
pub struct MediaSockets {
    rtp: UdpSocket,
    rtcp: Option<UdpSocket>,
}

impl MediaSockets {
    /// Takes sockets bound elsewhere and makes them nonblocking.
    pub fn new(rtp: UdpSocket, rtcp: Option<UdpSocket>) -> io::Result<Self> {
        rtp.set_nonblocking(true)?;
        if let Some(rtcp) = &rtcp {
            rtcp.set_nonblocking(true)?;
        }
        Ok(Self { rtp, rtcp })
    }

    /// The RTP socket (which also carries RTCP with rtcp-mux).
    pub fn rtp(&self) -> &UdpSocket {
        &self.rtp
    }

    /// The RTCP socket, `None` with rtcp-mux.
    pub fn rtcp(&self) -> Option<&UdpSocket> {
        self.rtcp.as_ref()
    }

    /// The local RTP address.
    pub fn rtp_addr(&self) -> io::Result<SocketAddr> {
        self.rtp.local_addr()
    }

    /// The local RTCP address (the RTP address with rtcp-mux).
    pub fn rtcp_addr(&self) -> io::Result<SocketAddr> {
        self.rtcp.as_ref().unwrap_or(&self.rtp).local_addr()
    }
}

/// Hands out RTP/RTCP port pairs within the configured range.
#[derive(Debug, Clone)]
pub struct RtpPortAllocator {
    settings: RtpPortSettings,
}

impl RtpPortAllocator {
    /// An allocator for `settings`.
    pub fn new(settings: RtpPortSettings) -> Self {
        Self { settings }
    }

    /// The settings in use.
    pub fn settings(&self) -> &RtpPortSettings {
        &self.settings
    }

    /// Binds a free pair on `ip` (one port with `rtcp_mux`): the lowest free pair, or with
    /// "Use Random Port" the first free pair from a random one on, wrapping around.
    pub fn allocate(&self, ip: IpAddr, rtcp_mux: bool) -> Result<MediaSockets, PortError> {
        let pairs = self.settings.pairs();
        let (first, last) = self.settings.bounds();
        let start = if self.settings.random {
            rand::thread_rng().gen_range(0..pairs)
        } else {
            0
        };
        for step in 0..pairs {
            let index = (start + step) % pairs;
            let Ok(port) = u16::try_from(u32::from(first) + 2 * index) else {
                continue;
            };
            let Some(rtp) = self.bind_free(SocketAddr::new(ip, port))? else {
                continue;
            };
            let rtcp = if rtcp_mux {
                None
            } else {
                match self.bind_free(SocketAddr::new(ip, port + 1))? {
                    Some(rtcp) => Some(rtcp),
                    None => continue,
                }
            };
            return Ok(MediaSockets { rtp, rtcp });
        }
        Err(PortError::Exhausted { first, last })
    }

    /// Binds RTP at `port` on `ip` and RTCP at the port above (none with `rtcp_mux`): the
    /// port the call's SDP already announced.
    pub fn bind_at(
        &self,
        ip: IpAddr,
        port: u16,
        rtcp_mux: bool,
    ) -> Result<MediaSockets, PortError> {
        let rtp = SocketAddr::new(ip, port);
        let taken = |addr| PortError::Bind {
            addr,
            source: io::Error::from(io::ErrorKind::AddrInUse),
        };
        let rtp = self.bind_free(rtp)?.ok_or_else(|| taken(rtp))?;
        let rtcp = if rtcp_mux {
            None
        } else {
            let addr = SocketAddr::new(ip, port.saturating_add(1));
            Some(self.bind_free(addr)?.ok_or_else(|| taken(addr))?)
        };
        Ok(MediaSockets { rtp, rtcp })
    }

    /// Binds `addr`; `None` when another socket holds it.
    fn bind_free(&self, addr: SocketAddr) -> Result<Option<UdpSocket>, PortError> {
        match bind_udp(addr, self.settings.dscp) {
            Ok(socket) => Ok(Some(socket)),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => Ok(None),
            Err(source) => Err(PortError::Bind { addr, source }),
        }
    }
}

/// A nonblocking UDP socket bound to `addr`, its packets marked with `dscp`.
fn bind_udp(addr: SocketAddr, dscp: u8) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if let Err(e) = set_dscp(&socket, addr.is_ipv6(), dscp) {
        // Unmarked media still flows; only the network's priority is lost.
        tracing::debug!(error = %e, "cannot set DSCP on an RTP socket");
    }
    socket.bind(&addr.into())?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::net::Ipv4Addr;

    const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    fn settings(base: u16, range: u16, random: bool) -> RtpPortSettings {
        RtpPortSettings {
            base,
            range,
            random,
            dscp: DEFAULT_RTP_DSCP,
        }
    }

    #[test]
    fn sequential_allocation_takes_the_lowest_free_even_odd_pair() {
        let allocator = RtpPortAllocator::new(settings(47_101, 8, false));
        assert_eq!(allocator.settings().bounds(), (47_102, 47_109));
        let first = allocator.allocate(LOOPBACK, false).unwrap();
        assert_eq!(first.rtp_addr().unwrap().port(), 47_102);
        assert_eq!(first.rtcp_addr().unwrap().port(), 47_103);
        // A port someone else holds is skipped, with its partner.
        let squatter = UdpSocket::bind((LOOPBACK, 47_105)).unwrap();
        let second = allocator.allocate(LOOPBACK, false).unwrap();
        assert_eq!(second.rtp_addr().unwrap().port(), 47_106);
        // With rtcp-mux only the RTP port is needed, so the pair with a busy RTCP port fits.
        let mux = allocator.allocate(LOOPBACK, true).unwrap();
        assert_eq!(mux.rtp_addr().unwrap().port(), 47_104);
        assert!(mux.rtcp().is_none());
        assert_eq!(mux.rtcp_addr().unwrap().port(), 47_104);
        let last = allocator.allocate(LOOPBACK, false).unwrap();
        assert_eq!(last.rtp_addr().unwrap().port(), 47_108);
        assert!(matches!(
            allocator.allocate(LOOPBACK, true),
            Err(PortError::Exhausted {
                first: 47_102,
                last: 47_109
            })
        ));
        drop(squatter);
        drop(first);
        let again = allocator.allocate(LOOPBACK, false).unwrap();
        assert_eq!(again.rtp_addr().unwrap().port(), 47_102);
    }

    #[test]
    fn random_allocation_stays_in_range_on_even_ports_and_fills_it() {
        let allocator = RtpPortAllocator::new(settings(47_200, 40, true));
        let held: Vec<MediaSockets> = (0..20)
            .map(|_| allocator.allocate(LOOPBACK, false).unwrap())
            .collect();
        let ports: HashSet<u16> = held.iter().map(|s| s.rtp_addr().unwrap().port()).collect();
        assert_eq!(ports.len(), 20);
        for sockets in &held {
            let rtp = sockets.rtp_addr().unwrap().port();
            assert_eq!(rtp % 2, 0);
            assert!((47_200..47_240).contains(&rtp));
            assert_eq!(sockets.rtcp_addr().unwrap().port(), rtp + 1);
        }
        assert!(matches!(
            allocator.allocate(LOOPBACK, false),
            Err(PortError::Exhausted { .. })
        ));
    }

    #[test]
    fn random_allocation_does_not_always_pick_the_same_pair() {
        let allocator = RtpPortAllocator::new(settings(47_300, 200, true));
        let ports: HashSet<u16> = (0..20)
            .map(|_| {
                allocator
                    .allocate(LOOPBACK, true)
                    .unwrap()
                    .rtp_addr()
                    .unwrap()
                    .port()
            })
            .collect();
        assert!(ports.len() > 1, "{ports:?}");
    }

    #[test]
    fn the_range_ends_at_the_last_port() {
        let top = settings(65_530, 200, false);
        assert_eq!(top.bounds(), (65_530, 65_535));
        assert_eq!(top.pairs(), 3);
        assert_eq!(RtpPortSettings::default().bounds(), (5004, 5203));
    }

    #[test]
    fn settings_come_from_the_configuration_with_defaults() {
        let mut store = ConfigStore::new(handset_config::Schema::builtin(), 1);
        assert_eq!(
            RtpPortSettings::from_config(&store),
            RtpPortSettings::default()
        );
        store
            .set_many(
                [
                    ("P39", "6000"),
                    ("P29610", "100"),
                    ("P78", "0"),
                    ("P1559", "34"),
                ],
                handset_config::Origin::User,
                handset_config::Commit::SaveAndApply,
            )
            .unwrap();
        assert_eq!(
            RtpPortSettings::from_config(&store),
            RtpPortSettings {
                base: 6000,
                range: 100,
                random: false,
                dscp: 34
            }
        );
    }
}
