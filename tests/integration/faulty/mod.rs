//! A test-only chat server with one rule broken at a time: the clean variant follows the
//! protocol notes (Parts 1 and 2), each [`Fault`] breaks exactly one rule. It proves that the
//! conformance suite catches faults, without hooks in the production server.

mod conn;
mod other_answers;
mod room;

use std::net::SocketAddr;

use chat_harness::language::scenario::Scenario;
use chat_harness::record::FinishedRun;
use chat_harness::server_seat::provider::Provider;
use chat_harness::server_seat::{run_scenario, RunSettings};
use futures_util::future::BoxFuture;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

pub use room::Room;

/// The rule a server variant breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// None: the clean variant.
    Clean,
    /// Broadcasts also go back to the sender.
    EchoToSender,
    /// A second client may take a name in use.
    DuplicateNames,
    /// Length prefixes are written little-endian.
    LittleEndianLengths,
    /// Chat lines and notices carry no `<HH:MM> ` prefix.
    NoTimePrefix,
    /// The time prefix is always UTC, whatever the recipient's offset.
    TimeIgnoresOffset,
    /// Relayed file bodies lose their last byte (the header still announces the full size).
    FileBodyOffByOne,
    /// One frame per `read(1024)`: the rest of each read is dropped (the original's flaw).
    OneFramePerRead,
    /// Writes to recipients happen inline, under a global lock: one non-reader stalls everyone.
    StallsOnSlowReader,
    /// Broadcasts reach connections that have not authenticated.
    BroadcastToUnauthenticated,
    /// A client that vanishes without exit is never announced.
    NoDisconnectNotice,
    /// A malformed frame closes the connection instead of getting a reply.
    ClosesOnMalformed,
    /// Texts too long to relay are sent anyway, with a wrapped length (a corrupt frame).
    RelaysOverlong,
    /// Auth without an offset is refused (the original requires it).
    RequiresOffset,
    /// The join notice says "joined" instead of "connected".
    JoinWording,
    /// Rename takes the whole rest of the payload as the new name.
    RenameWholePayload,
    /// A frame of unknown type stops the whole server: the listener and every connection
    /// close, as if the process had exited.
    ExitsOnUnknownType,
    /// A relayed chat line of 300 bytes or more announces one byte less than it carries.
    CorruptsRelayedLength,
    /// A client cut off for not reading leaves without a notice to the others.
    EvictionWithoutNotice,
    /// The relay limit is one byte too generous: a text whose relayed payload is exactly
    /// 65 535 bytes goes out with a wrapped length.
    RelayLimitOffByOne,
    /// A file header before auth is refused, but its body is then read as frames.
    PreAuthFileBodyAsFrames,
    /// A file header too long to relay goes out anyway, with a wrapped length.
    RelaysOversizedFileHeader,
    /// Offsets are read as Python's `int()` reads them: `1_0` is 10.
    OffsetWithUnderscores,
    /// Files are relayed cut-through: the header and each body chunk go to the others as they
    /// arrive, not stored first (a sender that dies mid-body leaves half a file behind).
    /// Not in [`Fault::ALL`]: the fuzzer's fault table does not cover it.
    CutThrough,
    /// A relayed file also goes back to its sender.
    FileEchoedToSender,
    /// Relayed file headers lose their caption.
    DropsCaption,
    /// Files are relayed as they arrive (cut-through): a sender that dies mid-file leaves
    /// its header and part of its body at every receiver.
    RelaysPartialFile,
    /// A rename to a name someone else holds is accepted.
    RenameToTakenAccepted,
    /// A name given up by a rename or a leave stays taken for good.
    FreedNameStaysTaken,
    /// After a rename, chats are still relayed under the name given at auth.
    ChatsKeepAuthName,
    /// The leave notice names the client by the name given at auth, not its current one.
    LeaveNoticeUsesAuthName,
    /// The 32-byte name limit counted in characters: 17 two-byte characters pass.
    /// Not in [`Fault::ALL`] (the fuzzer's fault table does not cover it).
    NameLimitInChars,
    /// An upload announced over the size limit is refused at its header and its body read
    /// as frames, not drained. Not in [`Fault::ALL`].
    OversizedUploadNotDrained,
    /// A text that is not UTF-8 is relayed decoded lossily (U+FFFD), like Python's
    /// `errors="replace"`, instead of getting a reply. Not in [`Fault::ALL`].
    RelaysInvalidUtf8,
    /// A newcomer hears the join notice of the member who logged in just before it ahead of
    /// its own 0x00: the original's newcomer race, lost every time. Not in [`Fault::ALL`].
    NewcomerHearsEarlierJoin,
    /// No fault: every open question of PROTOCOL.md §6.12 answered the other reasonable way
    /// (`other_answers.rs`). Not in [`Fault::ALL`]: it must fail `reference` scenarios only.
    OtherAnswers,
}

impl Fault {
    /// Every fault (not the clean variant).
    pub const ALL: [Fault; 29] = [
        Fault::EchoToSender,
        Fault::DuplicateNames,
        Fault::LittleEndianLengths,
        Fault::NoTimePrefix,
        Fault::TimeIgnoresOffset,
        Fault::FileBodyOffByOne,
        Fault::OneFramePerRead,
        Fault::StallsOnSlowReader,
        Fault::BroadcastToUnauthenticated,
        Fault::NoDisconnectNotice,
        Fault::ClosesOnMalformed,
        Fault::RelaysOverlong,
        Fault::RequiresOffset,
        Fault::JoinWording,
        Fault::RenameWholePayload,
        Fault::ExitsOnUnknownType,
        Fault::CorruptsRelayedLength,
        Fault::EvictionWithoutNotice,
        Fault::RelayLimitOffByOne,
        Fault::PreAuthFileBodyAsFrames,
        Fault::RelaysOversizedFileHeader,
        Fault::OffsetWithUnderscores,
        Fault::FileEchoedToSender,
        Fault::DropsCaption,
        Fault::RelaysPartialFile,
        Fault::RenameToTakenAccepted,
        Fault::FreedNameStaysTaken,
        Fault::ChatsKeepAuthName,
        Fault::LeaveNoticeUsesAuthName,
    ];
}

/// Serves `listener` until the task is dropped (every connection task dies with it), or
/// until a connection asks the whole server to stop ([`Fault::ExitsOnUnknownType`]).
pub async fn serve(listener: TcpListener, fault: Fault) {
    let room = Room::new(fault);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((socket, _)) = accepted else { return };
                let _ = socket.set_nodelay(true);
                connections.spawn(conn::run(socket, room.clone()));
                while connections.try_join_next().is_some() {}
            }
            () = room.exit.notified() => break,
        }
    }
    // Like a process that dies: nothing listens any more, and every connection is closed.
    drop(listener);
    connections.shutdown().await;
}

/// Starts a faulty server on 127.0.0.1:0; dropping the handle stops it.
pub async fn start(fault: Fault) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    (addr, tokio::spawn(serve(listener, fault)))
}

/// A fresh faulty server per scenario, for `suite::run_all`.
pub struct FaultyProvider(pub Fault);

impl Provider for FaultyProvider {
    fn run<'a>(
        &'a self,
        scenario: &'a Scenario,
        settings: &'a RunSettings,
    ) -> BoxFuture<'a, (FinishedRun, Option<String>)> {
        Box::pin(async move {
            let (addr, server) = start(self.0).await;
            let run = run_scenario(scenario, addr, settings).await;
            server.abort();
            let _ = server.await;
            (run, None)
        })
    }

    fn isolated(&self) -> bool {
        true
    }
}
