//! Which seats a run takes and which it leaves out, for the report header: the scenarios of
//! each kind (server, client, interop) that run, and those skipped with the reason and the
//! option that would run them. Counts only; the provider decides what runs.

use crate::language::scenario::Scenario;

/// The three kinds of scenario, by the seat the implementation under test takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Seat {
    /// `tests: server`: the harness plays the clients.
    Server,
    /// `tests: client`: the harness plays the server.
    Client,
    /// `tests: interop`: a client program through a real server.
    Interop,
}

impl Seat {
    /// The seat `scenario` tests.
    pub fn of(scenario: &Scenario) -> Self {
        match (scenario.tests_interop(), scenario.tests_client()) {
            (true, _) => Self::Interop,
            (false, true) => Self::Client,
            (false, false) => Self::Server,
        }
    }

    /// Whether it is the server seat.
    pub fn is_server(&self) -> bool {
        *self == Self::Server
    }

    const ALL: [Seat; 3] = [Seat::Server, Seat::Client, Seat::Interop];

    fn name(self) -> &'static str {
        match self {
            Self::Server => "server",
            Self::Client => "client",
            Self::Interop => "interop",
        }
    }

    /// Why, in short, for the header.
    fn short_reason(self) -> &'static str {
        match self {
            Self::Server => "no server to test: add --spawn",
            Self::Client => "no client program: add --client",
            Self::Interop => "no client program: add --client, with --spawn",
        }
    }

    /// Why a run skips scenarios of this seat, and what would run them.
    fn why_skipped(self) -> &'static str {
        match self {
            Self::Server => {
                "they test a server, and this run tests a client: add --spawn 'CMD {port}' to test your server in the same run"
            }
            Self::Client => {
                "they test a client program, and this run has none: add --client 'CMD {host} {port}' (or --client-builtin)"
            }
            Self::Interop => {
                "they run a client program through a server, and this run has no client program: add --client 'CMD {host} {port}' (with --spawn for your server)"
            }
        }
    }
}

/// How many scenarios of each seat run and are skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeatCounts {
    run: [usize; 3],
    skipped: [usize; 3],
    /// Server scenarios skipped that set the server's limits (`server-limits:`), which only
    /// the built-in server takes; counted with the others when no server runs at all.
    limits_only: usize,
}

/// Why a run that tests a server skips the scenarios with `server-limits:`.
const LIMITS_ONLY: &str = "they set the server's limits (`server-limits:`), which only the built-in server takes: run them with --server-mode";

impl SeatCounts {
    /// Counts one scenario that runs (`true`) or is skipped.
    pub fn add(&mut self, scenario: &Scenario, runs: bool) {
        let i = Seat::ALL
            .iter()
            .position(|s| *s == Seat::of(scenario))
            .unwrap_or(0);
        if runs {
            self.run[i] += 1;
        } else if i == 0 && scenario.server_limits.is_some() {
            self.limits_only += 1;
        } else {
            self.skipped[i] += 1;
        }
    }

    /// Skipped per seat, and the server scenarios skipped only for their limits (none when
    /// no server runs: then they are skipped with the rest).
    fn skips(&self) -> ([usize; 3], usize) {
        let mut skipped = self.skipped;
        if skipped[0] > 0 || self.run[0] == 0 {
            skipped[0] += self.limits_only;
            return (skipped, 0);
        }
        (skipped, self.limits_only)
    }

    /// `seats: 83 server, 34 client, 6 interop scenario(s) run`, then what is skipped and why,
    /// when anything is.
    pub fn header(&self) -> String {
        let list = |counts: &[usize; 3]| -> String {
            Seat::ALL
                .iter()
                .zip(counts)
                .filter(|(_, n)| **n > 0)
                .map(|(s, n)| format!("{n} {}", s.name()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut line = format!("seats: {} scenario(s) run", list(&self.run));
        let (skipped, limits_only) = self.skips();
        let mut skipped: Vec<String> = Seat::ALL
            .iter()
            .zip(skipped)
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{n} {} ({})", s.name(), s.short_reason()))
            .collect();
        if limits_only > 0 {
            skipped.push(format!("{limits_only} server (built-in server only)"));
        }
        if !skipped.is_empty() {
            line.push_str(&format!("; skipped: {}", skipped.join(", ")));
        }
        line
    }

    /// One note per skipped seat: how many, why, and what would run them.
    pub fn notes(&self) -> Vec<String> {
        let (skipped, limits_only) = self.skips();
        let mut notes: Vec<String> = Seat::ALL
            .iter()
            .zip(skipped)
            .filter(|(_, n)| *n > 0)
            .map(|(seat, n)| {
                format!(
                    "note: {n} {} scenario(s) skipped: {}",
                    seat.name(),
                    seat.why_skipped()
                )
            })
            .collect();
        if limits_only > 0 {
            notes.push(format!(
                "note: {limits_only} server scenario(s) skipped: {LIMITS_ONLY}"
            ));
        }
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_str;

    fn scenario(header: &str) -> Scenario {
        parse_str(header, std::path::Path::new("s.chat")).expect("parses")
    }

    #[test]
    fn interop_scenarios_are_counted_apart_from_client_ones() {
        let server = scenario("connect a\n");
        let client = scenario("tests: client\nuser> \"x\"\n");
        let interop = scenario("tests: interop\nuser> \"x\"\n");
        let mut counts = SeatCounts::default();
        counts.add(&server, true);
        counts.add(&client, false);
        counts.add(&client, false);
        counts.add(&interop, false);
        assert_eq!(
            counts.header(),
            "seats: 1 server scenario(s) run; skipped: 2 client (no client program: add --client), 1 interop (no client program: add --client, with --spawn)"
        );
        let notes = counts.notes();
        assert_eq!(notes.len(), 2);
        assert!(notes[0].starts_with("note: 2 client scenario(s) skipped: they test a client"));
        assert!(notes[1].starts_with("note: 1 interop scenario(s) skipped"));
    }

    #[test]
    fn scenarios_that_set_limits_are_skipped_for_that_reason_only_when_a_server_runs() {
        let server = scenario("connect a\n");
        let limited = scenario("server-limits: max-clients 2\nconnect a\n");
        let mut counts = SeatCounts::default();
        counts.add(&server, true);
        counts.add(&limited, false);
        assert_eq!(
            counts.header(),
            "seats: 1 server scenario(s) run; skipped: 1 server (built-in server only)"
        );
        assert_eq!(
            counts.notes(),
            [format!("note: 1 server scenario(s) skipped: {LIMITS_ONLY}")]
        );
        // A run with no server at all skips them with the other server scenarios.
        let mut counts = SeatCounts::default();
        counts.add(&server, false);
        counts.add(&limited, false);
        assert!(counts
            .header()
            .ends_with("skipped: 2 server (no server to test: add --spawn)"));
    }
}
