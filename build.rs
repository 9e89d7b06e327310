//! Embeds the conformance suite (`scenarios/`, every file in it: the `.chat` files, their
//! README and the sample files of its `files/` folders) into the library, so that
//! `chat-harness run` works from any folder. Writes `$OUT_DIR/embedded_suite.rs`: the files
//! as `(relative path, bytes)` pairs sorted by path, and a digest of them (FNV-1a 64 over
//! every path and content) that names the suite's version. `rerun-if-changed` on the folder
//! makes cargo rebuild when any file in it is added, removed or edited.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"))
        .join("scenarios");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    files.sort();
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    let mut fnv = |bytes: &[u8]| {
        for b in bytes {
            digest ^= u64::from(*b);
            digest = digest.wrapping_mul(0x0100_0000_01b3);
        }
    };
    let mut code = String::from("/// The suite's files: path below `scenarios/` and bytes.\n");
    code.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (relative, path) in &files {
        let bytes = std::fs::read(path).expect("a scenario file is readable");
        fnv(relative.as_bytes());
        fnv(&[0]);
        fnv(&(bytes.len() as u64).to_le_bytes());
        fnv(&bytes);
        let _ = writeln!(
            code,
            "    ({relative:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let _ = writeln!(
        code,
        "/// FNV-1a 64 of every path and content, in hex.\npub const DIGEST: &str = \"{digest:016x}\";"
    );
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out.join("embedded_suite.rs"), code).expect("OUT_DIR is writable");
}

/// Every regular file below `dir`, as (`/`-separated path relative to `root`, full path).
/// Symlinks are not followed.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(root, &path, out);
        } else if kind.is_file() {
            let relative = path
                .strip_prefix(root)
                .expect("below the root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((relative, path));
        }
    }
}
