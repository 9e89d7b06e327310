//! The file shape's receivers on a byte relay (`../shared/tools/null-relay`), which answers an
//! auth with an empty 0x00 frame and then copies the sender's bytes unparsed: each receiver
//! reads the sender's own header frame and the body as bytes, checks the body, and notes when
//! its last byte came. The same sender and checks as on a chat server, so the two rates compare.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::file_body::{intact, pattern_block, FILENAME};
use super::SetupError;
use crate::protocol::{ClientFrame, Frame};

/// The relay's answer to an auth: a 0x00 frame with an empty payload.
const GREETING: [u8; 3] = [0, 1, 0];

/// Connects and authenticates as `name`; the relay answers with [`GREETING`].
pub async fn login(addr: SocketAddr, name: &str, limit: Duration) -> Result<TcpStream, SetupError> {
    let auth_err = |why: String| SetupError::Auth {
        name: name.to_owned(),
        why,
    };
    let exchange = async {
        let mut socket = TcpStream::connect(addr).await?;
        socket.set_nodelay(true)?;
        let mut auth = Vec::new();
        ClientFrame::auth(name, 0)
            .encode(&mut auth)
            .map_err(std::io::Error::other)?;
        socket.write_all(&auth).await?;
        let mut greeting = [0u8; 3];
        socket.read_exact(&mut greeting).await?;
        Ok::<_, std::io::Error>((socket, greeting))
    };
    match tokio::time::timeout(limit, exchange).await {
        Err(_) => Err(auth_err(format!("no greeting within {limit:?}"))),
        Ok(Err(e)) => Err(auth_err(e.to_string())),
        Ok(Ok((_, greeting))) if greeting != GREETING => Err(auth_err(format!(
            "the greeting was {greeting:02x?}, not a byte relay's empty 0x00 frame"
        ))),
        Ok(Ok((socket, _))) => Ok(socket),
    }
}

/// The sender's header frame as the relay copies it: length, type, size, file name.
fn header_len() -> u64 {
    (2 + 1 + 4 + FILENAME.len()) as u64
}

/// Reads the relayed header and `size` body bytes, checking the body; returns when the last
/// byte came (since `start`).
pub async fn receive(
    mut socket: TcpStream,
    size: u32,
    start: Instant,
    mut stop: watch::Receiver<bool>,
) -> Result<Duration, String> {
    let block = pattern_block(256);
    let mut buf = vec![0u8; 256 * 1024];
    let header = header_len();
    let total = header + u64::from(size);
    let mut got = 0u64;
    while got < total {
        let n = tokio::select! {
            read = socket.read(&mut buf) => read.map_err(|e| format!("receive failed: {e}"))?,
            _ = stop.changed() => return Err("the run ended before the file arrived".into()),
        };
        if n == 0 {
            return Err(format!(
                "the relay closed a receiver after {got} of {total} bytes"
            ));
        }
        let chunk = &buf[..n.min(usize::try_from(total - got).unwrap_or(n))];
        // The part of this read that is body, and where in the file it starts.
        let skip = usize::try_from(header.saturating_sub(got))
            .unwrap_or(0)
            .min(chunk.len());
        let offset = (got + skip as u64).saturating_sub(header);
        if !intact(&block, offset, &chunk[skip..]) {
            return Err(format!("the file differs after byte {offset}"));
        }
        got += chunk.len() as u64;
    }
    Ok(start.elapsed())
}
