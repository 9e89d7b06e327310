//! Free ports for spawned servers, chosen where nothing else on the machine will be handed
//! them, and leased so two scenarios in this process never share one.

use std::collections::hash_map::RandomState;
use std::collections::BTreeSet;
use std::hash::BuildHasher;
use std::sync::Mutex;

/// Ports handed to spawned servers that are still running, in this process.
static LEASED_PORTS: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// The lowest port picked outside the ephemeral range: below it sit well-known services.
const LOWEST_PICKED: u16 = 20_000;

/// A free port, reserved in [`LEASED_PORTS`] until dropped.
///
/// A port from `bind(127.0.0.1:0)` comes from the kernel's ephemeral range, the same range
/// every other `bind(:0)` and every outgoing connection draws from. Released again for the
/// spawned server to bind, it can be handed to somebody else first — a server in a parallel
/// test — and the readiness probe then reaches that server instead. So on Linux the port is
/// drawn at random from below the ephemeral range (read from
/// `/proc/sys/net/ipv4/ip_local_port_range`), where the kernel never hands ports out by
/// itself; elsewhere, or if that range is too narrow, the kernel's choice is used.
#[derive(Debug)]
pub(crate) struct PortLease(u16);

impl PortLease {
    pub(crate) fn new() -> std::io::Result<Self> {
        let picked = match below_ephemeral() {
            Some(range) => random_free_port(range)?,
            None => kernel_free_port()?,
        };
        Ok(Self(picked))
    }

    pub(crate) fn port(&self) -> u16 {
        self.0
    }
}

impl Drop for PortLease {
    fn drop(&mut self) {
        unlease(self.0);
    }
}

/// Ports `LOWEST_PICKED..` up to the start of the ephemeral range, if there are enough.
fn below_ephemeral() -> Option<std::ops::Range<u16>> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let low: u16 = text.split_whitespace().next()?.parse().ok()?;
    (low >= LOWEST_PICKED + 1000).then_some(LOWEST_PICKED..low)
}

fn lease(port: u16) -> bool {
    let mut leased = LEASED_PORTS.lock().unwrap_or_else(|e| e.into_inner());
    leased.insert(port)
}

fn unlease(port: u16) {
    let mut leased = LEASED_PORTS.lock().unwrap_or_else(|e| e.into_inner());
    leased.remove(&port);
}

/// Binds 127.0.0.1:`port` (0: a port the kernel picks) without listening, and says which port
/// that was. Not listening matters: a listener, even for an instant, would accept another
/// scenario's readiness probe aimed at the same port.
fn bind_without_listening(port: u16) -> Option<u16> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).ok()?;
    // As servers usually do: connections of an earlier server in TIME_WAIT do not count.
    let _ = socket.set_reuse_address(true);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    socket.bind(&addr.into()).ok()?;
    Some(socket.local_addr().ok()?.as_socket()?.port())
}

/// Leases the port first, so that no other thread here checks it at the same moment.
fn lease_if_free(port: u16) -> bool {
    if !lease(port) {
        return false;
    }
    if bind_without_listening(port).is_some() {
        return true;
    }
    unlease(port);
    false
}

fn random_free_port(range: std::ops::Range<u16>) -> std::io::Result<u16> {
    let seeds = RandomState::new();
    let span = u64::from(range.end - range.start);
    // Bounded: thousands of candidates, nearly all free; a few tries always do.
    for attempt in 0..1000u64 {
        let offset = seeds.hash_one(attempt) % span;
        let port = range.start + offset as u16;
        if lease_if_free(port) {
            return Ok(port);
        }
    }
    kernel_free_port()
}

fn kernel_free_port() -> std::io::Result<u16> {
    for _ in 0..1000 {
        let port = bind_without_listening(0)
            .ok_or_else(|| std::io::Error::other("cannot bind a port on 127.0.0.1"))?;
        if lease(port) {
            return Ok(port);
        }
    }
    Err(std::io::Error::other(
        "no free port that is not already leased",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leased_ports_are_distinct_free_and_outside_the_ephemeral_range() {
        let leases: Vec<PortLease> = (0..50).map(|_| PortLease::new().unwrap()).collect();
        let ports: BTreeSet<u16> = leases.iter().map(PortLease::port).collect();
        assert_eq!(ports.len(), leases.len());
        if let Some(range) = below_ephemeral() {
            assert!(ports.iter().all(|p| range.contains(p)), "{ports:?}");
        }
        let first = leases[0].port();
        drop(leases);
        assert!(!LEASED_PORTS.lock().unwrap().contains(&first));
    }

    #[test]
    fn the_fallback_leases_a_kernel_port_and_leaves_nothing_listening_on_it() {
        let port = kernel_free_port().unwrap();
        assert!(LEASED_PORTS.lock().unwrap().contains(&port));
        let refused = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
        unlease(port);
    }
}
