//! Notices about another scenario's clients, on a server every scenario of a run shares
//! (`run --target`): each scenario's clients carry names of their own (`alice-7qx3`), and the
//! server may notice a client of the scenario before leave only after this one began (a lab
//! server under load announces it late). A notice that names such clients and none of this
//! scenario's is none of its business: it is skipped like an ignored notice, and noted.

use regex::Regex;

/// Recognises the names of the run's other scenarios.
#[derive(Debug, Clone)]
pub struct ForeignNames {
    /// `-TAG` and a scenario's index (and attempt): any scenario's suffix of this run.
    suffix: Regex,
    /// This scenario's own suffix.
    own: String,
}

impl ForeignNames {
    /// For the scenario whose names end in `own` (`-7qx3`), among the run tagged `run_tag`.
    pub fn new(run_tag: &str, own: &str) -> Option<Self> {
        let suffix = Regex::new(&format!("-{}[0-9a-z]+", regex::escape(run_tag))).ok()?;
        Some(Self {
            suffix,
            own: own.to_owned(),
        })
    }

    /// Whether `text` names clients of this run and only ones of other scenarios.
    pub fn only_others(&self, text: &str) -> bool {
        let mut found = self.suffix.find_iter(text).peekable();
        found.peek().is_some() && found.all(|m| m.as_str() != self.own)
    }
}

#[cfg(test)]
mod tests {
    use super::ForeignNames;

    #[test]
    fn a_notice_about_another_scenario_only_is_foreign() {
        let names = ForeignNames::new("770", "-7703").expect("a valid tag");
        assert!(names.only_others("User alice-7702 disconnected"));
        assert!(names.only_others("User alice-7702r2 disconnected"));
        assert!(!names.only_others("bob-7703 connected"));
        assert!(!names.only_others("[alice-7702] is now known as [bob-7703]"));
        assert!(!names.only_others("User alice disconnected"));
    }
}
