//! "Did you mean": the valid name closest to what a user typed (a tag, a scenario id), so a
//! typo is answered with the word that was meant rather than an empty or stale selection.

/// The candidate closest to `typed` by edit distance, when it is close enough to be a typo
/// of it (at most a third of its length, and at least one edit away), else `None`.
pub fn nearest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (typed.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (strsim::levenshtein(typed, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, candidate)| (*distance, *candidate))
        .map(|(_, candidate)| candidate)
}

/// ` (did you mean `x`?)` when a candidate is close to `typed`, else nothing.
pub fn suggestion<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(typed, candidates)
        .map(|found| format!(" (did you mean `{found}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_finds_the_word_meant_and_a_stranger_finds_nothing() {
        let tags = ["core", "robust", "wording"];
        assert_eq!(nearest("corr", tags), Some("core"));
        assert_eq!(nearest("robsut", tags), Some("robust"));
        assert_eq!(nearest("speed", tags), None);
        let ids = ["auth/accepted", "auth/duplicate-name"];
        assert_eq!(nearest("auth/acepted", ids), Some("auth/accepted"));
        assert_eq!(suggestion("xyz", ids), "");
        assert_eq!(
            suggestion("auth/acepted", ids),
            " (did you mean `auth/accepted`?)"
        );
    }
}
