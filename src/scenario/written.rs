//! Files a run writes besides its report on standard output, and the line that says each was
//! written: `wrote report.html (1.2 MB)`. Owns `run --diagram` (one scenario's sequence
//! diagram as SVG); the HTML and JUnit files are written by `command` and announced here.

use std::io::Write;
use std::path::Path;

use super::suite::Outcome;
use crate::record::amount;
use crate::report::{diagram, Style};

/// The files asked for on the command line, besides `--junit` (which is in `RunConfig`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportFiles<'a> {
    /// `--html FILE`.
    pub html: Option<&'a Path>,
    /// `--diagram FILE`: the sequence diagram of the one scenario selected.
    pub diagram: Option<&'a Path>,
}

/// `wrote report.html (1.2 MB)`, from the file's size on disk (or without a size when it
/// cannot be read back).
pub fn line(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(meta) => format!("wrote {} ({})", path.display(), amount(meta.len())),
        Err(_) => format!("wrote {}", path.display()),
    }
}

/// Writes the "wrote …" line of `path` to `err`.
pub fn announce(path: &Path, err: &mut dyn Write) {
    let _ = writeln!(err, "{}", line(path));
}

/// Refuses `--diagram` unless exactly one scenario is selected: the error line, if any.
pub fn check_diagram(files: &ReportFiles<'_>, selected: usize) -> Option<String> {
    files.diagram?;
    (selected != 1).then(|| {
        format!(
            "--diagram draws one scenario, and {selected} are selected: name one file or id, \
or narrow the selection with --filter"
        )
    })
}

/// Writes the diagram of the one outcome to `--diagram`'s file (times drawn with
/// `style.timings`) and announces it; the error line when it cannot be written.
pub fn write_diagram(
    files: &ReportFiles<'_>,
    outcomes: &[Outcome],
    style: Style,
    err: &mut dyn Write,
) -> Result<(), String> {
    let (Some(path), [outcome]) = (files.diagram, outcomes) else {
        return Ok(());
    };
    let svg = diagram::svg(&outcome.id, &outcome.run, style);
    std::fs::write(path, svg).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    announce(path, err);
    Ok(())
}

/// The regular file standard output goes to (`--format json > out.json`), if it goes to one:
/// read from `/proc/self/fd/1`, so `None` where there is no such link (not Linux) or it is a
/// terminal, pipe or socket.
pub fn stdout_file() -> Option<std::path::PathBuf> {
    let path = std::fs::read_link("/proc/self/fd/1").ok()?;
    std::fs::metadata(&path)
        .ok()
        .filter(|m| m.is_file())
        .map(|_| path)
}
