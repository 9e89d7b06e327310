//! The hostile part of a generated session: file names that climb out, are absolute, hold
//! control characters, are 255 bytes long, are empty once sanitised or name the client's own
//! samples; frames no server should send (empty, unknown types, invalid UTF-8, long); and the
//! probe that checks the client still reacts afterwards.

use super::generate::{act, check, quote, raw, raw_frame, Block, Generator, Line, SENDERS};
use super::oracle::ClientOracle;

impl Generator {
    /// A file whose name climbs out, is absolute, holds control characters, is 255 bytes
    /// long, is empty once sanitised, or names a sample file; then nothing may be written
    /// outside, no sample replaced, and the client must still react.
    pub(super) fn hostile_name(&mut self) -> Block {
        let tag = self.next_tag();
        // At most four `../`: from a folder one or two levels below the working directory
        // they stay inside the private root the client seat watches.
        let name = match self.rng.below(14) {
            0 | 1 => format!("../../esc-{tag}.txt"),
            2 | 3 => format!("../../../esc-{tag}.txt"),
            4 => format!("../../../../esc-{tag}.txt"),
            5 => format!("../x-{tag}"),
            6 => format!("/dev/null/abs-{tag}"),
            7 => format!("ctl\x01\x1b[31m-{tag}.txt"),
            8 => format!("{}-{tag}", "n".repeat(254 - tag.len())),
            9 => (*self.rng.pick(&["..", ".", "/", "../", ""])).to_owned(),
            10 => "../files/note.txt".to_owned(),
            11 => "../note.txt".to_owned(),
            12 => "../../work/files/blob.bin".to_owned(),
            _ => format!("new\nline-{tag}"),
        };
        let size = 13;
        let sender = *self.rng.pick(&SENDERS);
        let mut block = vec![
            act(format!(
                "server> file-header from {sender} {} size {size}",
                quote(&name)
            )),
            act("pause 300ms"),
            act(format!("server> body generated {size}")),
            // A client may wait before it reads a body (the lab's sleeps 1 s): the file is
            // written before the checks and the probe, and the probe stays apart from it.
            act("pause 1200ms"),
        ];
        block.push(check("saved nothing outside", ClientOracle::Outside));
        block.push(check("saved nothing over samples", ClientOracle::Kept));
        block.extend(self.probe());
        block.push(check("saved nothing outside", ClientOracle::Outside));
        block.push(check("saved nothing over samples", ClientOracle::Kept));
        block
    }

    /// A frame no server should send but every client must survive, then a probe.
    pub(super) fn hostile_frame(&mut self) -> Block {
        let piece = match self.rng.below(8) {
            0 => raw(&[0, 0]),
            1 => raw_frame(9, b"hello"),
            2 => raw_frame(3, b"<12:00> [bob] \xff\xfe bad"),
            3 => raw_frame(3, b""),
            4 => "auth-ok \"welcome again\"".to_owned(),
            5 => raw_frame(4, b"\xff\xfe"),
            6 => raw_frame(0xff, &[0x41; 300]),
            _ => {
                let text = self.message();
                let sender = *self.rng.pick(&SENDERS);
                let long = format!("{} {text}", "z".repeat(self.rng.range(2000, 9000)));
                format!("chat from {sender} {}", quote(&long))
            }
        };
        let cut = self.cutting();
        let mut block = vec![act(format!("server> {piece}{cut}")), act("pause 100ms")];
        block.extend(self.probe());
        block
    }

    /// The client still shows what it is sent and sends what is typed.
    pub(super) fn probe(&mut self) -> Vec<Line> {
        let tag = self.next_tag();
        vec![
            act(format!("server> chat from probe \"alive {tag}\"")),
            check(format!("user< \"alive {tag}\""), ClientOracle::Alive),
            act(format!("user> \"still {tag}\"")),
            // What arrives instead of the typed line is the frame oracle's business (a
            // client that sends nothing at all fails it too: it did not send what was typed).
            check(format!("server< text \"still {tag}\""), ClientOracle::Frame),
        ]
    }
}
