//! Long texts in a report line: cut with their length, and, for two texts compared, where they
//! first differ — so no failure line runs to thousands of characters, and the difference that
//! matters is still on it.

/// Longest line kept whole (characters).
pub const LONGEST: usize = 200;

/// `line`, or its first [`LONGEST`] characters and "… (N characters in all)".
pub fn line(line: &str) -> String {
    let count = line.chars().count();
    if count <= LONGEST {
        return line.to_owned();
    }
    let head: String = line.chars().take(LONGEST).collect();
    format!("{head}… ({count} characters in all)")
}

/// Where `actual` first differs from `expected`, when either is too long to show whole:
/// "first difference at character 4000: "…abcX…" against "…abcY…"".
pub fn first_difference(actual: &str, expected: &str, shown: usize) -> Option<String> {
    if actual.chars().count() <= shown && expected.chars().count() <= shown {
        return None;
    }
    let at = actual
        .chars()
        .zip(expected.chars())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| actual.chars().count().min(expected.chars().count()));
    let around = |text: &str| -> String {
        let from = at.saturating_sub(4);
        let piece: String = text.chars().skip(from).take(12).collect();
        format!("…{piece:?}…")
    };
    Some(format!(
        "first difference at character {at}: {} against {}",
        around(actual),
        around(expected)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_cut_with_its_length() {
        let long = "x".repeat(6_114);
        let cut = line(&long);
        assert!(cut.chars().count() < 300, "{}", cut.len());
        assert!(cut.ends_with("(6114 characters in all)"));
        assert_eq!(line("short"), "short");
    }

    #[test]
    fn two_long_texts_say_where_they_first_differ() {
        let expected = "a".repeat(4_000) + "B" + &"c".repeat(2_000);
        let actual = "a".repeat(4_000) + "X" + &"c".repeat(2_000);
        let said = first_difference(&actual, &expected, 100).expect("long texts");
        assert!(
            said.starts_with("first difference at character 4000: "),
            "{said}"
        );
        assert!(said.contains("aX") && said.contains("aB"), "{said}");
        assert!(first_difference("ab", "ac", 100).is_none());
        // One text a prefix of the other: they differ where the shorter ends.
        let prefix = first_difference(&"a".repeat(300), &"a".repeat(200), 100).unwrap();
        assert!(prefix.contains("character 200"), "{prefix}");
    }
}
