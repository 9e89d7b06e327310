//! [`Fault::OtherAnswers`](super::Fault::OtherAnswers): the test server answering each open
//! question of PROTOCOL.md §6.12 the other reasonable way, to prove that `core` and `robust`
//! scenarios accept any reasonable answer and only `reference` ones pin the reference's.
//! Each function is one question; `room.rs` calls them where the clean rule would apply.

use std::collections::HashSet;

use chat_harness::protocol::ClientFrame;

/// 6.12.1-6.12.3: only `>>exit<<` exits, and a rename needs `>>chname<<` followed by one
/// space and words separated by single spaces. The refusal for any other such frame from an
/// authenticated client.
pub fn refusal(frame: &ClientFrame, authenticated: bool) -> Option<&'static str> {
    if !authenticated {
        return None;
    }
    match frame {
        ClientFrame::Exit(payload) if payload.as_str() != ">>exit<<" => Some("Unknown command"),
        ClientFrame::Rename(payload) => {
            let strict = payload.strip_prefix(">>chname<< ").is_some_and(|words| {
                !words.is_empty()
                    && !words.contains('\t')
                    && words.split(' ').all(|w| !w.is_empty())
            });
            (!strict).then_some("Invalid rename command")
        }
        _ => None,
    }
}

/// 6.12.6: only ASCII whitespace counts as whitespace in a name.
pub fn is_name_whitespace(c: char) -> bool {
    c.is_ascii_whitespace()
}

/// 6.12.7-6.12.9: the name a file is relayed under: as sent (sanitised only on disk), an
/// empty one replaced by `upload`, and a name relayed before given a `-1`, `-2`, ... suffix
/// (as the server would store it).
pub fn relayed_name(sent: &str, relayed: &mut HashSet<String>) -> String {
    let base = if sent.is_empty() { "upload" } else { sent };
    let mut name = base.to_owned();
    let mut n = 0;
    while relayed.contains(&name) {
        n += 1;
        name = format!("{base}-{n}");
    }
    relayed.insert(name.clone());
    name
}
