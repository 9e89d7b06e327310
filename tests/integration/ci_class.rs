//! The class recipes (`examples/ci/github-actions-class.yml`, `examples/ci/gitlab-ci-class.yml`)
//! and `.clusterfuzzlite/` cannot run here (hosted CI, containers), so this test parses the
//! YAML (serde-saphyr), runs each recipe's chat-harness commands locally in order — every
//! shard of the job matrix with its index, then the merging job — against a small matrix of
//! the built-in server and client, and checks the ClusterFuzzLite build script with `bash -n`
//! and its cargo-fuzz commands against the fuzz crate.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid YAML: {e}"))
}

/// A work folder laid out like a CI checkout: the binary on the PATH, a small class matrix.
struct Checkout {
    dir: tempfile::TempDir,
    path: String,
}

impl Checkout {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_chat-harness"), bin.join("chat-harness"))
            .unwrap();
        let toml = format!(
            "scenarios = [{:?}]\nfilter = \"^(auth/accepted|text/relay-to-others|client/send-text|interop/message-to-peer)$\"\n\
             [[server]]\nname = \"reference\"\nbuiltin = \"polling\"\n\
             [[client]]\nname = \"reference client\"\nbuiltin = \"reference\"\n",
            root().join("scenarios").display().to_string()
        );
        std::fs::write(dir.path().join("class.toml"), toml).unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Self { dir, path }
    }

    /// Runs `script` (its chat-harness lines and their shell glue) with `env`; the fuzzing
    /// minute is cut to 2 s.
    fn run(&self, script: &str, env: &[(&str, String)]) {
        let script = script.replace("--time 60s", "--time 2s");
        let mut command = Command::new("sh");
        command
            .args(["-e", "-c", &script])
            .current_dir(self.dir.path())
            .env("PATH", &self.path)
            .env("MATRIX", "class.toml")
            .env(
                "SERVER",
                "chat-harness serve --listen 127.0.0.1:{port} --files-dir {files} --stall-timeout 1s",
            );
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{script}\nfailed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// The merged page and findings are there, as a single run's.
    fn check_published(&self, site: &str) {
        let site = self.dir.path().join(site);
        let json: Value =
            serde_json::from_str(&std::fs::read_to_string(site.join("matrix.json")).unwrap())
                .unwrap();
        assert!(json.get("shard").is_none(), "the merge is the whole matrix");
        let cells: usize = json["grids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["cells"].as_array().unwrap().len())
            .sum();
        assert_eq!(cells, 4, "2 server cells, 1 client cell, 1 interop cell");
        assert_eq!(json["exit_code"], 0);
        assert!(site.join("matrix.html").is_file());
        let fuzz: Value = serde_json::from_str(
            &std::fs::read_to_string(site.join("fuzz-findings/fuzz-merged.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(fuzz["runs"].as_array().unwrap().len(), 4);
        assert_eq!(
            fuzz["repeated_sessions"], 0,
            "the fuzzing shards never overlap"
        );
    }
}

/// The run steps of a GitHub job, without the build (the test's binary stands in).
fn github_runs(job: &Value) -> Vec<String> {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .filter(|r| !r.contains("cargo build"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_github_class_workflow_parses_and_its_shards_and_merge_run_in_order() {
    let workflow = yaml("examples/ci/github-actions-class.yml");
    let shard_job = &workflow["jobs"]["shard"];
    let shards: Vec<u64> = shard_job["strategy"]["matrix"]["shard"]
        .as_array()
        .expect("a job per shard from strategy.matrix")
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let n = shards.len();
    assert_eq!(shards, (1..=n as u64).collect::<Vec<_>>());
    let runs = github_runs(shard_job);
    assert!(runs.iter().any(|r| r.contains(&format!(
        "matrix \"$MATRIX\" --shard ${{{{ matrix.shard }}}}/{n}"
    ))));
    assert!(runs.iter().any(
        |r| r.contains("fuzz ") && r.contains(&format!("--shard ${{{{ matrix.shard }}}}/{n}"))
    ));
    let upload = shard_job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact"))
        })
        .expect("the shard's artifacts uploaded");
    assert!(upload["with"]["path"].as_str().unwrap().contains("shards/"));
    let merge_job = &workflow["jobs"]["merge"];
    assert_eq!(merge_job["needs"], "shard");
    assert!(merge_job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/deploy-pages"))));

    let checkout = Checkout::new();
    for k in &shards {
        for run in &runs {
            let script = run
                .replace("${{ matrix.shard }}", &k.to_string())
                .replace("${{ github.run_number }}", "7");
            checkout.run(&script, &[]);
        }
    }
    for run in github_runs(merge_job) {
        checkout.run(&run, &[]);
    }
    checkout.check_published("site");
}

#[test]
fn the_gitlab_class_pipeline_parses_and_its_parallel_jobs_and_pages_run_in_order() {
    let pipeline = yaml("examples/ci/gitlab-ci-class.yml");
    let shard = &pipeline["shard"];
    let n = shard["parallel"].as_u64().expect("parallel: N");
    assert_eq!(shard["stage"], "shards");
    assert_eq!(pipeline["pages"]["stage"], "merge");
    assert_eq!(shard["artifacts"]["paths"][0], "shards/");
    assert!(
        shard["before_script"].is_array(),
        "the build, from the anchor"
    );
    let script = |job: &Value| -> String {
        job["script"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let checkout = Checkout::new();
    for k in 1..=n {
        checkout.run(
            &script(shard),
            &[
                ("CI_NODE_INDEX", k.to_string()),
                ("CI_NODE_TOTAL", n.to_string()),
                ("CI_PIPELINE_IID", "7".into()),
            ],
        );
    }
    checkout.run(&script(&pipeline["pages"]), &[]);
    checkout.check_published("public");
}

#[test]
fn the_clusterfuzzlite_build_script_is_valid_and_builds_the_existing_targets() {
    let dir = root().join(".clusterfuzzlite");
    let project = yaml(".clusterfuzzlite/project.yaml");
    assert_eq!(project["language"], "rust");
    let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("FROM gcr.io/oss-fuzz-base/base-builder-rust"));
    assert!(dockerfile.contains("COPY .clusterfuzzlite/build.sh $SRC/"));
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(dir.join("build.sh"))
        .output()
        .unwrap();
    assert!(syntax.status.success(), "{syntax:?}");
    let script = std::fs::read_to_string(dir.join("build.sh")).unwrap();
    // The targets it ships are the fuzz crate's, found by `cargo fuzz list` as it is.
    let targets: Vec<PathBuf> = std::fs::read_dir(root().join("fuzz/fuzz_targets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(targets.len(), 3);
    let fuzz_dir = root().join("fuzz");
    let has_cargo_fuzz = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_cargo_fuzz {
        eprintln!("cargo-fuzz is not installed: its commands in build.sh are not checked");
        return;
    }
    let list = Command::new("cargo")
        .args(["fuzz", "list"])
        .current_dir(&fuzz_dir)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    for target in &targets {
        let name = target.file_stem().unwrap().to_string_lossy();
        assert!(listed.lines().any(|l| l == name), "{name} not in {listed}");
        assert!(
            fuzz_dir.join("corpus").join(&*name).is_dir(),
            "{name}'s corpus"
        );
    }
    let help = Command::new("cargo")
        .args(["fuzz", "build", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for line in script
        .lines()
        .filter(|l| l.trim_start().starts_with("cargo fuzz build"))
    {
        for flag in line.split_whitespace().filter(|w| w.starts_with("--")) {
            assert!(
                help.contains(flag),
                "`cargo fuzz build {flag}` does not exist"
            );
        }
    }
}
