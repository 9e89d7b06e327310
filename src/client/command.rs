//! What a line typed by the user means: one of the original client's commands, or a message.

/// A line of user input, interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatCommand {
    /// `>>sendfile<< NAME [caption]`: send `<files-dir>/NAME`.
    SendFile {
        /// The file's name inside the files directory.
        name: String,
        /// Optional caption.
        caption: Option<String>,
    },
    /// `>>sendfile<<` without a name.
    SendFileUsage,
    /// `>>chname<< NEW`: change name (the first word counts).
    Rename(String),
    /// `>>chname<<` without a name.
    RenameUsage,
    /// `>>exit<<`: leave.
    Exit,
    /// `/help`: list the commands.
    Help,
    /// Anything else: a chat message.
    Text(String),
    /// An empty line: nothing to do.
    Empty,
}

/// The help text for `/help`.
pub const HELP: &str = "commands: >>sendfile<< NAME [caption] (sends files-dir/NAME), \
>>chname<< NEW, >>exit<<, /help; any other line is sent as a message";

impl ChatCommand {
    /// Interprets one line of input (without its line ending).
    pub fn parse(line: &str) -> Self {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix(">>sendfile<<") {
            let rest = rest.trim();
            return match rest.split_once(char::is_whitespace) {
                _ if rest.is_empty() => Self::SendFileUsage,
                Some((name, caption)) => Self::SendFile {
                    name: name.to_owned(),
                    caption: Some(caption.trim().to_owned()).filter(|c| !c.is_empty()),
                },
                None => Self::SendFile {
                    name: rest.to_owned(),
                    caption: None,
                },
            };
        }
        if let Some(rest) = trimmed.strip_prefix(">>chname<<") {
            return match rest.split_whitespace().next() {
                Some(name) => Self::Rename(name.to_owned()),
                None => Self::RenameUsage,
            };
        }
        match trimmed {
            ">>exit<<" => Self::Exit,
            "/help" => Self::Help,
            "" => Self::Empty,
            _ => Self::Text(line.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_messages() {
        let file = |name: &str, caption: Option<&str>| ChatCommand::SendFile {
            name: name.into(),
            caption: caption.map(Into::into),
        };
        assert_eq!(
            ChatCommand::parse(">>sendfile<< pic.png"),
            file("pic.png", None)
        );
        assert_eq!(
            ChatCommand::parse(">>sendfile<< pic.png  look at this "),
            file("pic.png", Some("look at this"))
        );
        assert_eq!(
            ChatCommand::parse(">>sendfile<<"),
            ChatCommand::SendFileUsage
        );
        assert_eq!(
            ChatCommand::parse(">>chname<< bob the builder"),
            ChatCommand::Rename("bob".into())
        );
        assert_eq!(ChatCommand::parse(">>chname<<  "), ChatCommand::RenameUsage);
        assert_eq!(ChatCommand::parse(" >>exit<< "), ChatCommand::Exit);
        assert_eq!(ChatCommand::parse("/help"), ChatCommand::Help);
        assert_eq!(ChatCommand::parse("   "), ChatCommand::Empty);
        assert_eq!(
            ChatCommand::parse(" hi there"),
            ChatCommand::Text(" hi there".into())
        );
    }
}
