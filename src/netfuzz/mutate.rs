//! What an attacking client does in one turn: frames taken from the protocol model (valid
//! auth, text, rename, file, exit, plus unknown types), then mutated at the message level
//! (drop, duplicate, reorder, splice, wrong state), the field level (boundary lengths and
//! sizes, disagreeing file sizes, unknown types, invalid UTF-8, odd names) and the transport
//! level (one byte per write, several frames per write, stalls, half-close, reset, a client
//! that stops reading). Everything it sends is encoded by the project's codec or written here
//! as plain bytes; nothing is parsed.

use std::time::Duration;

use super::rng::Rng;
use super::steps::send;
use crate::language::model::{Action, BodySource, Chunking, Part};
use crate::protocol::{frame_type, ClientFileHeader, ClientFrame, Frame, LEN_PREFIX};

/// Largest file body an attacker sends.
const MAX_BODY: u64 = 70_000;
/// Frames kept for splicing into later sessions.
const SPLICE_POOL: usize = 64;

/// One attacking connection's state as the generator sees it.
#[derive(Debug, Clone)]
pub struct Attacker {
    /// Its client name in the scenario (`x1`, ...).
    pub client: String,
    /// A lurker never sends anything that could authenticate it, so it must never receive a
    /// broadcast.
    pub lurker: bool,
    /// It has closed, reset or exited: it sends nothing more.
    pub closed: bool,
    /// It has stopped reading.
    pub stopped: bool,
}

/// One frame as bytes, the typed frame when it is still valid, and a file body to follow.
#[derive(Debug, Clone)]
struct Piece {
    bytes: Vec<u8>,
    typed: Option<ClientFrame>,
    body: Option<u64>,
}

impl Piece {
    fn typed(frame: ClientFrame) -> Option<Self> {
        let bytes = frame.to_bytes().ok()?;
        Some(Self {
            bytes,
            typed: Some(frame),
            body: None,
        })
    }

    fn raw(kind: u8, payload: &[u8]) -> Self {
        let len = u16::try_from(payload.len() + 1).unwrap_or(u16::MAX);
        let mut bytes = len.to_be_bytes().to_vec();
        bytes.push(kind);
        bytes.extend_from_slice(&payload[..usize::from(len) - 1]);
        Self {
            bytes,
            typed: None,
            body: None,
        }
    }

    fn kind(&self) -> Option<u8> {
        self.bytes.get(2).copied()
    }

    /// Rewrites the length prefix to match the bytes (after a field change).
    fn fix_len(&mut self) {
        let len = u16::try_from(self.bytes.len().saturating_sub(2)).unwrap_or(u16::MAX);
        if self.bytes.len() >= 2 {
            self.bytes[..2].copy_from_slice(&len.to_be_bytes());
        }
        self.typed = None;
    }
}

/// Frames seen in earlier sessions, for splicing.
#[derive(Debug, Default)]
pub struct SplicePool(Vec<Vec<u8>>);

impl SplicePool {
    fn keep(&mut self, bytes: &[u8], rng: &mut Rng) {
        if self.0.len() < SPLICE_POOL {
            self.0.push(bytes.to_vec());
        } else {
            let i = rng.below(SPLICE_POOL);
            self.0[i] = bytes.to_vec();
        }
    }
}

const NAMES: &[&str] = &[
    "x",
    "",
    "with space",
    "[br]",
    "ctl\u{1}",
    "naïve",
    "名前",
    "a\u{7f}b",
    "x]",
    "-1",
];
const TEXTS: &[&str] = &[
    "",
    "x",
    "hello",
    "héllo ✓",
    "[b1] forged",
    "<12:34> [b1] forged",
    ">>exit<<",
    ">>chname<< y",
    "\u{0}\u{1}",
];
const OFFSETS: &[i32] = &[
    0,
    1,
    -1,
    50_400,
    50_401,
    -50_400,
    -50_401,
    i32::MAX,
    i32::MIN,
];

fn name(rng: &mut Rng, client: &str, steal: &[String]) -> String {
    match rng.below(6) {
        0 | 1 => client.to_owned(),
        2 => rng.pick(steal).clone(),
        3 => "n".repeat(rng.range(31, 33)),
        _ => (*rng.pick(NAMES)).to_owned(),
    }
}

fn text(rng: &mut Rng) -> String {
    match rng.below(8) {
        0 => "t".repeat(*rng.pick(&[65_534, 65_533, 65_520, 65_500, 1_000])),
        1 => "é".repeat(rng.range(1, 400)),
        _ => (*rng.pick(TEXTS)).to_owned(),
    }
}

/// A frame from the protocol model.
fn base(rng: &mut Rng, attacker: &Attacker, steal: &[String]) -> Piece {
    let choice = if attacker.lurker {
        1 + rng.below(4)
    } else {
        rng.below(6)
    };
    let frame = match choice {
        0 | 5 => {
            let name = name(rng, &attacker.client, steal);
            let offset = rng.chance(70).then(|| *rng.pick(OFFSETS));
            if rng.chance(10) {
                return Piece::raw(frame_type::AUTH, format!("{name} abc").as_bytes());
            }
            ClientFrame::Auth { name, offset }
        }
        1 => ClientFrame::Text(text(rng)),
        2 => {
            let new = name(rng, &attacker.client, steal);
            ClientFrame::Rename(match rng.below(3) {
                0 => new,
                _ => format!(">>chname<< {new}"),
            })
        }
        3 => {
            let size = *rng.pick(&[0, 1, 2, 100, 4_096, 65_536]);
            let caption = rng.chance(30).then(|| (*rng.pick(TEXTS)).to_owned());
            let filename = (*rng.pick(&["f.bin", "../../etc/passwd", "a/b", "", ".."])).into();
            let header = ClientFileHeader {
                size,
                filename,
                caption,
            };
            let mut piece = Piece::typed(ClientFrame::File(header))
                .unwrap_or_else(|| Piece::raw(frame_type::FILE, &size.to_be_bytes()));
            piece.body = Some(u64::from(size));
            return piece;
        }
        _ => {
            let kind = unknown_type(rng);
            let payload: Vec<u8> = (0..rng.below(12)).map(|_| rng.next_u64() as u8).collect();
            return Piece::raw(kind, &payload);
        }
    };
    Piece::typed(frame.clone()).unwrap_or_else(|| {
        // Too long for one frame: send what fits, as raw bytes.
        let bytes = frame.to_bytes().unwrap_or_default();
        Piece::raw(
            bytes.get(LEN_PREFIX).copied().unwrap_or(frame_type::TEXT),
            bytes.get(LEN_PREFIX + 1..).unwrap_or(&[]),
        )
    })
}

/// Field-level damage to one frame.
fn damage(rng: &mut Rng, piece: &mut Piece, lurker: bool) {
    let payload_len = piece.bytes.len().saturating_sub(3);
    match rng.below(5) {
        0 if !lurker => {
            let real = u16::try_from(payload_len + 1).unwrap_or(u16::MAX);
            let len: u16 = *rng.pick(&[
                0,
                1,
                real.saturating_sub(1),
                real.saturating_add(1),
                u16::MAX,
            ]);
            piece.bytes[..LEN_PREFIX].copy_from_slice(&len.to_be_bytes());
            piece.typed = None;
        }
        1 => {
            piece.bytes[LEN_PREFIX] = unknown_type(rng);
            piece.body = None;
            piece.fix_len();
        }
        2 if piece.kind() == Some(2) && piece.bytes.len() >= 7 => {
            let sent = piece.body.unwrap_or(0);
            let announced: u32 = *rng.pick(&[
                0,
                1,
                u32::try_from(sent).unwrap_or(0).wrapping_add(1),
                u32::try_from(sent).unwrap_or(1).saturating_sub(1),
                u32::MAX,
                (1 << 30) + 1,
            ]);
            piece.bytes[3..7].copy_from_slice(&announced.to_be_bytes());
            piece.typed = None;
        }
        _ => {
            let at = 3 + rng.below(payload_len + 1);
            const BAD: [&[u8]; 4] = [&[0xff], &[0xc3], &[0xc0, 0x80], &[0xed, 0xa0, 0x80]];
            let bad = *rng.pick(&BAD);
            if piece.bytes.len() + bad.len() <= 65_537 {
                piece.bytes.splice(at..at, bad.iter().copied());
                piece.fix_len();
            }
        }
    }
}

/// One turn of `attacker`: the steps it takes. Sometimes a connection-level act; otherwise
/// one or two frames from the model, damaged at message, field and transport level.
pub fn turn(
    rng: &mut Rng,
    attacker: &mut Attacker,
    steal: &[String],
    pool: &mut SplicePool,
) -> Vec<Action> {
    if rng.chance(12) {
        return connection_turn(rng, attacker, steal);
    }
    let mut pieces: Vec<Piece> = (0..rng.range(1, 3))
        .map(|_| base(rng, attacker, steal))
        .collect();
    if rng.chance(35) {
        message_level(rng, &mut pieces, attacker.lurker, pool);
    }
    for piece in &mut pieces {
        if rng.chance(30) {
            damage(rng, piece, attacker.lurker);
        }
    }
    let parts = parts_of(rng, &pieces, attacker, pool);
    let total: usize = pieces.iter().map(|p| p.bytes.len()).sum();
    let chunking = transport_level(rng, total);
    vec![send(&attacker.client, parts, Some(chunking))]
}

/// Stop or resume reading, half-close, or reset (sometimes in the middle of a frame).
fn connection_turn(rng: &mut Rng, attacker: &mut Attacker, steal: &[String]) -> Vec<Action> {
    let me = attacker.client.clone();
    match rng.below(4) {
        0 => {
            attacker.stopped = !attacker.stopped;
            vec![Action::Reading(me, !attacker.stopped)]
        }
        1 => {
            attacker.closed = true;
            vec![Action::HalfClose(me)]
        }
        _ => {
            attacker.closed = true;
            let mut steps = Vec::new();
            if rng.chance(50) {
                let piece = base(rng, attacker, steal);
                let cut = 1 + rng.below(piece.bytes.len().max(2) - 1);
                steps.push(send(
                    &me,
                    vec![Part::Raw(piece.bytes[..cut].to_vec())],
                    None,
                ));
            }
            steps.push(Action::Reset(me));
            steps
        }
    }
}

/// Message-level damage: drop, repeat or swap frames, splice one seen before, or act in
/// the wrong state (a rename right after an exit).
fn message_level(rng: &mut Rng, pieces: &mut Vec<Piece>, lurker: bool, pool: &SplicePool) {
    match rng.below(5) {
        0 if pieces.len() > 1 => {
            pieces.remove(rng.below(pieces.len()));
        }
        1 => pieces.push(pieces[rng.below(pieces.len())].clone()),
        2 if pieces.len() > 1 => {
            let last = pieces.len() - 1;
            pieces.swap(0, last);
        }
        3 if !pool.0.is_empty() => {
            let bytes = pool.0[rng.below(pool.0.len())].clone();
            if !(lurker && bytes.get(2) == Some(&0)) && bytes.len() >= 3 {
                pieces.insert(
                    rng.below(pieces.len() + 1),
                    Piece {
                        bytes,
                        typed: None,
                        body: None,
                    },
                );
            }
        }
        _ => {
            pieces.push(
                Piece::typed(ClientFrame::exit())
                    .unwrap_or_else(|| Piece::raw(frame_type::EXIT, b"")),
            );
            pieces.push(Piece::raw(frame_type::RENAME, b">>chname<< late"));
        }
    }
}

/// The send's parts: each frame (typed when it still is one), then a file header's body,
/// sometimes of the wrong length. The frames go to the splice pool.
fn parts_of(
    rng: &mut Rng,
    pieces: &[Piece],
    attacker: &mut Attacker,
    pool: &mut SplicePool,
) -> Vec<Part> {
    let mut parts = Vec::new();
    for piece in pieces {
        pool.keep(&piece.bytes, rng);
        if piece.kind() == Some(1) {
            attacker.closed = true;
        }
        parts.push(match &piece.typed {
            Some(frame) => Part::Frame(frame.clone()),
            None => Part::Raw(piece.bytes.clone()),
        });
        if let Some(size) = piece.body {
            let sent = if rng.chance(20) {
                *rng.pick(&[0, size.saturating_sub(1), size + 1, size / 2])
            } else {
                size
            };
            if sent > 0 {
                parts.push(Part::Body(BodySource::Generated(sent.min(MAX_BODY))));
            }
        }
    }
    parts
}

/// Transport-level damage: byte by byte, or split at random points with pauses.
fn transport_level(rng: &mut Rng, total: usize) -> Chunking {
    match rng.below(10) {
        0 if total < 1_500 => Chunking {
            chunk: Some(1),
            ..Chunking::default()
        },
        1 | 2 => {
            let mut cuts: Vec<usize> = (0..rng.range(1, 3))
                .map(|_| 1 + rng.below(total.max(2) - 1))
                .collect();
            cuts.sort_unstable();
            cuts.dedup();
            Chunking {
                chunk: None,
                split_at: cuts,
                pause: Duration::from_millis(rng.range(1, 25) as u64),
            }
        }
        _ => Chunking::default(),
    }
}

/// A frame type byte no side of the protocol defines (past [`frame_type::RENAME`]).
fn unknown_type(rng: &mut Rng) -> u8 {
    let first = usize::from(frame_type::RENAME) + 1;
    u8::try_from(rng.range(first, 255)).unwrap_or(u8::MAX)
}
