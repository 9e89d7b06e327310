//! The kind of deviation that failed a step: a leaf of the record that deviations and
//! verdicts both name.

/// What kind of deviation failed a step, decided where it was seen (reports only render it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailKind {
    /// A wrong frame, or something where nothing was expected.
    #[serde(rename = "fail")]
    Mismatch,
    /// Only the wording of a `strict-wording` step differed (under `--strict`).
    Wording,
    /// Nothing (whole) arrived within the step's time, or the server did not take the bytes.
    Timeout,
    /// The server closed or reset a connection the scenario still uses.
    Closed,
}
