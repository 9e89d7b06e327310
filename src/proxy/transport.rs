//! `run --transport SPEC`: the proxy's perturbation layer in front of the server of one
//! scenario, so that every client connection of the scenario goes through it (its writes and
//! the server's replies are cut as the [`Perturb`] says). The runner asks for one with
//! [`front`] and closes it when the scenario is over; the events are not watched.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use std::time::Duration;

use super::{run, Direction, Perturb, ProxyConfig};
use crate::units::{parse_duration, parse_size};

/// What a spec may hold, for error messages.
const SUPPORTED: &str = "slice=N, coalesce=MS, delay=MS[±J], bandwidth=RATE, reset-after=BYTES, \
only=to-server|to-client";

/// Parses a transport spec: comma-separated items, e.g. `slice=1,delay=20ms±5ms`:
/// `slice=N` (writes in pieces of at most N bytes), `coalesce=MS` (what arrives within MS in
/// one write), `delay=MS[±J]` (each read written MS later, plus a seeded jitter within ±J),
/// `bandwidth=RATE` (at most RATE bytes per second, e.g. `64K`), `reset-after=BYTES` (reset
/// both sides once BYTES went on in a direction), `only=to-server|to-client` (perturb one
/// direction; default both).
pub fn parse(spec: &str) -> Result<Perturb, String> {
    let mut perturb = Perturb::default();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let in_item = |e: String| format!("`{item}`: {e}");
        match item.split_once('=') {
            Some(("slice", n)) => {
                let n: usize =
                    n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        format!("`{item}`: slice takes a number of bytes, 1 or more")
                    })?;
                perturb.slice = Some(n);
            }
            Some(("coalesce", ms)) => perturb.coalesce = Some(parse_duration(ms).map_err(in_item)?),
            Some(("delay", ms)) => {
                let (delay, jitter) = parse_delay(ms).map_err(in_item)?;
                (perturb.delay, perturb.jitter) = (Some(delay), jitter);
            }
            Some(("bandwidth", rate)) => {
                perturb.bandwidth = Some(parse_bytes(rate).map_err(in_item)?)
            }
            Some(("reset-after", n)) => {
                perturb.reset_after = Some(parse_bytes(n).map_err(in_item)?)
            }
            Some(("only", dir)) => perturb.only = Some(parse_direction(dir).map_err(in_item)?),
            _ => {
                return Err(format!(
                    "unknown transport `{item}` (supported: {SUPPORTED})"
                ))
            }
        }
    }
    let unscoped = Perturb {
        only: None,
        ..perturb
    };
    if unscoped == Perturb::default() {
        return Err(format!("an empty transport: give one of {SUPPORTED}"));
    }
    Ok(perturb)
}

/// `MS[±J]` (or `MS+-J`): a delay and its jitter, both durations.
pub fn parse_delay(text: &str) -> Result<(Duration, Duration), String> {
    let (delay, jitter) = match text.split_once('±').or_else(|| text.split_once("+-")) {
        Some((delay, jitter)) => (delay, Some(jitter)),
        None => (text, None),
    };
    let delay = parse_duration(delay)?;
    let jitter = jitter.map(parse_duration).transpose()?.unwrap_or_default();
    Ok((delay, jitter))
}

/// A size of 1 byte or more (`parse_size`'s grammar: `100`, `64K`, `1MB`).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    match parse_size(text)? {
        0 => Err(format!("`{text}`: give 1 byte or more")),
        n => Ok(n),
    }
}

/// `to-server` (or `up`) or `to-client` (or `down`).
pub fn parse_direction(text: &str) -> Result<Direction, String> {
    match text.trim() {
        "to-server" | "up" => Ok(Direction::ToServer),
        "to-client" | "down" => Ok(Direction::ToClient),
        other => Err(format!("`{other}`: a direction is to-server or to-client")),
    }
}

/// A perturbing proxy in front of one server, on this runtime.
pub struct Front {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

/// Starts a proxy on a free loopback port in front of `upstream`.
pub async fn front(upstream: SocketAddr, perturb: Perturb) -> io::Result<Front> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    // Nobody reads the events: sends to a closed channel are ignored by the proxy.
    let (events, _) = mpsc::unbounded_channel();
    let config = ProxyConfig {
        upstream: upstream.to_string(),
        perturb,
    };
    let task = tokio::spawn(run(listener, config, events, async {
        let _ = stopped.await;
    }));
    Ok(Front { addr, stop, task })
}

impl Front {
    /// The address the scenario's clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the proxy and closes what is still open.
    pub async fn close(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(parse("slice=1").map(|p| p.slice), Ok(Some(1)));
        assert!(parse("slice=0").is_err());
        assert!(parse("sideways=3").unwrap_err().contains("slice=N"));
        let two = parse("slice=1, delay=20ms±5ms").expect("two items");
        assert_eq!(two.slice, Some(1));
        assert_eq!(two.delay, Some(Duration::from_millis(20)));
        assert_eq!(two.jitter, Duration::from_millis(5));
        let p = parse("coalesce=5ms,bandwidth=32K,reset-after=1K,only=to-client").expect("parses");
        assert_eq!(p.coalesce, Some(Duration::from_millis(5)));
        assert_eq!((p.bandwidth, p.reset_after), (Some(32 << 10), Some(1024)));
        assert_eq!(p.only, Some(Direction::ToClient));
        assert_eq!(
            parse_delay("20ms+-1ms").map(|d| d.1),
            Ok(Duration::from_millis(1))
        );
        assert!(parse("delay=20").is_err() && parse("bandwidth=0").is_err());
        assert!(
            parse("only=up").is_err(),
            "a direction alone perturbs nothing"
        );
    }
}
