//! `run --transport SPEC`: the proxy's perturbation layer in front of the server of one
//! scenario, so that every client connection of the scenario goes through it (its writes and
//! the server's replies are cut as the [`Perturb`] says). The runner asks for one with
//! [`front`] and closes it when the scenario is over; the events are not watched.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::{run, Perturb, ProxyConfig};

/// Parses a transport spec: `slice=N` (every write in pieces of at most N bytes).
pub fn parse(spec: &str) -> Result<Perturb, String> {
    let mut perturb = Perturb::default();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item.split_once('=') {
            Some(("slice", n)) => {
                let n: usize = n
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("`{item}`: slice takes a number of bytes, 1 or more"))?;
                perturb.slice = Some(n);
            }
            _ => {
                return Err(format!(
                    "unknown transport `{item}` (supported: slice=N, every write cut into pieces of at most N bytes)"
                ))
            }
        }
    }
    if perturb == Perturb::default() {
        return Err("an empty transport: give slice=N".into());
    }
    Ok(perturb)
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
    }
}
