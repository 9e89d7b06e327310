//! `chat-harness bench`: turns the command line into a load run (the logic is in
//! `chat_harness::load`), starts or finds the server, and prints the result as text or JSON.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use chat_harness::load::{self, Common, MeasuredServer};
use chat_harness::under_test::target::{Lease, Target};

use crate::cli::target::server_under_test;

use crate::cli::args::{BenchArgs, PaceArg, ReportFormat, ShapeArg};
use crate::cli::Outcome;

/// Runs the bench: passed when everything arrived intact.
pub fn run(args: &BenchArgs) -> anyhow::Result<Outcome> {
    // A benchmark runs a server hard and long: no limits unless asked for.
    // Ctrl-C ends the command at once, taking the spawned servers along.
    chat_harness::interrupt::install_immediate()
        .map_err(|e| anyhow::anyhow!("cannot install the signal handlers: {e}"))?;
    crate::cli::limits::configure(
        args.server.limits.as_deref(),
        chat_harness::under_test::limits::Limits::NONE,
    )?;
    if args.shape == ShapeArg::File && args.file_size > u64::from(u32::MAX) {
        anyhow::bail!("--file-size is at most 4G - 1 (the protocol's u32 size)");
    }
    // One thread keeps message runs comparable with single-threaded generators; a file run
    // verifies every received byte, which alone can keep a core busy, so its receivers get
    // a second thread.
    let runtime = if args.shape == ShapeArg::File {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    }
    .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let files_dir =
            std::env::temp_dir().join(format!("chat-harness-bench-{}", std::process::id()));
        let (target, described) = target(args, &files_dir)?;
        let lease = target.acquire().await?;
        let server = MeasuredServer {
            addr: lease.addr,
            pgrp: lease.pid(),
        };
        let result = measure(args, server, &described).await;
        release(lease).await;
        let _ = std::fs::remove_dir_all(&files_dir);
        result.map(Outcome::passed_if)
    })
}

/// The target and how to describe it. The built-in server runs as a child process here, so
/// that its CPU time can be measured, with room for every client of the run.
fn target(args: &BenchArgs, files_dir: &std::path::Path) -> anyhow::Result<(Target, String)> {
    let server = &args.server;
    Ok(match server_under_test(server)? {
        Target::Builtin(builtin) => {
            let exe =
                std::env::current_exe().context("cannot find this program to start its server")?;
            let mode = builtin.mode;
            let max_clients = args.clients.max(args.receivers + args.senders) + 16;
            let command = format!(
                "RUST_LOG=warn exec {} serve --mode {mode} --listen 127.0.0.1:{{port}} --files-dir {} --max-clients {max_clients}",
                quote(&exe.to_string_lossy()),
                quote(&files_dir.to_string_lossy()),
            );
            (
                Target::spawn(&command, server.spawn_timeout, None)?,
                format!("the built-in server ({mode} mode, a child process)"),
            )
        }
        // Described as given on the command line.
        address @ Target::Address(_) => {
            let given = server.target.as_deref().unwrap_or_default();
            (address, format!("the server at {given}"))
        }
        spawned @ Target::Spawn { .. } => {
            let given = server.spawn.as_deref().unwrap_or_default();
            (spawned, format!("`{given}`"))
        }
    })
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

async fn release(lease: Lease) {
    if let Some(stderr) = lease.release().await {
        eprintln!("chat-harness: the server's stderr:\n{}", stderr.trim_end());
    }
}

fn progress_bar(args: &BenchArgs, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if args.format == ReportFormat::Json {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

/// What one shape measured: whether it passed, its JSON, its human text and its errors.
struct Measured {
    ok: bool,
    json: serde_json::Value,
    human: String,
    errors: Vec<String>,
}

async fn measure(
    args: &BenchArgs,
    server: MeasuredServer,
    described: &str,
) -> anyhow::Result<bool> {
    let common = Common {
        settle: args.settle,
        stall: args.stall,
        timeout: args.timeout,
        ..Common::default()
    };
    let measured = match args.shape {
        ShapeArg::Messages => measure_messages(args, server, described, &common).await?,
        ShapeArg::File => measure_file(args, server, described, &common).await?,
        ShapeArg::Connect => measure_connect(args, server, described, &common).await?,
    };
    match args.format {
        ReportFormat::Json => println!("{}", measured.json),
        ReportFormat::Human => {
            println!("{}", measured.human);
            for error in &measured.errors {
                println!("error      {error}");
            }
            println!("result     {}", if measured.ok { "PASS" } else { "FAIL" });
        }
    }
    Ok(measured.ok)
}

async fn measure_messages(
    args: &BenchArgs,
    server: MeasuredServer,
    described: &str,
    common: &Common,
) -> anyhow::Result<Measured> {
    let pace = match args.pace {
        PaceArg::Closed => load::messages::Pace::Closed,
        PaceArg::Pipelined => load::messages::Pace::Pipelined {
            window: args.window,
        },
    };
    let shape = load::messages::Shape {
        receivers: args.receivers,
        senders: args.senders,
        messages: args.messages,
        size: args.size,
        pace,
    };
    shape.check().map_err(anyhow::Error::msg)?;
    let bar = progress_bar(args, "deliveries");
    let report = load::messages::run(server, &shape, common, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await?;
    bar.finish_and_clear();
    let pace_text = match pace {
        load::messages::Pace::Closed => "closed-loop".to_owned(),
        load::messages::Pace::Pipelined { window } => format!("pipelined (window {window})"),
    };
    let header = format!(
        "messages: {} receivers, {} sender(s) × {} messages of {} B, {pace_text}",
        shape.receivers, shape.senders, shape.messages, shape.size
    );
    let l = report.latency;
    let human = format!(
        "{header}\nserver     {described}\ndelivered  {} of {} ({} lost, {} duplicated, {} reordered)\nthroughput {:.0} msgs/s, {:.1} MB/s over {:.3} s\nlatency    p50 {:.0} µs, p99 {:.0} µs, p99.9 {:.0} µs, max {:.0} µs\ncpu        {}",
        report.delivered, report.expected, report.lost, report.duplicated, report.reordered,
        report.msgs_per_s, report.mb_per_s, report.seconds,
        l.p50_us, l.p99_us, l.p999_us, l.max_us,
        cpu_text(report.server_cpu_s, report.client_cpu_s),
    );
    let json = json!({"shape": "messages", "server": described, "receivers": shape.receivers,
        "senders": shape.senders, "messages": shape.messages, "size": shape.size,
        "pace": pace, "report": report, "ok": report.ok()});
    Ok(Measured {
        ok: report.ok(),
        json,
        human,
        errors: report.errors,
    })
}

async fn measure_file(
    args: &BenchArgs,
    server: MeasuredServer,
    described: &str,
    common: &Common,
) -> anyhow::Result<Measured> {
    let size = u32::try_from(args.file_size).unwrap_or(u32::MAX);
    let bar = progress_bar(args, "uploaded");
    bar.set_length(u64::from(size));
    let reading = if args.raw_relay {
        load::file::Reading::RawRelay
    } else {
        load::file::Reading::Frames
    };
    let report = load::file::run(server, args.receivers, size, common, reading, |sent, _| {
        bar.set_position(sent)
    })
    .await?;
    bar.finish_and_clear();
    let human = format!(
        "file: {} bytes to {} receivers\nserver     {described}\ncomplete   {} of {} receivers intact\nlast byte  {:.3} s after the first (upload written in {:.3} s)\nthroughput {:.1} MB/s aggregate\ncpu        {}",
        report.size, report.receivers, report.complete, report.receivers,
        report.seconds_to_last_byte, report.upload_seconds, report.aggregate_mb_per_s,
        cpu_text(report.server_cpu_s, None),
    );
    let json = json!({"shape": "file", "server": described, "report": report, "ok": report.ok()});
    Ok(Measured {
        ok: report.ok(),
        json,
        human,
        errors: report.errors,
    })
}

async fn measure_connect(
    args: &BenchArgs,
    server: MeasuredServer,
    described: &str,
    common: &Common,
) -> anyhow::Result<Measured> {
    let bar = progress_bar(args, "logins");
    let b = bar.clone();
    let report = load::connect::run(
        server,
        args.clients,
        args.concurrency,
        common,
        move |done, total| {
            b.set_length(total);
            b.set_position(done);
        },
    )
    .await?;
    bar.finish_and_clear();
    let human = format!(
        "connect: {} clients, {} logins at a time\nserver     {described}\nlogged in  {} of {}, {} still connected at the end\nrate       {:.0} logins/s over {:.3} s\ncpu        {}",
        report.clients, args.concurrency, report.logged_in, report.clients, report.held,
        report.logins_per_s, report.seconds, cpu_text(report.server_cpu_s, None),
    );
    let json =
        json!({"shape": "connect", "server": described, "report": report, "ok": report.ok()});
    Ok(Measured {
        ok: report.ok(),
        json,
        human,
        errors: report.errors,
    })
}

fn cpu_text(server: Option<f64>, client: Option<f64>) -> String {
    let server = server.map_or(
        "server unknown (not started by the bench)".to_owned(),
        |s| format!("server {s:.2} s"),
    );
    match client {
        Some(c) => format!("{server}, load generator {c:.2} s"),
        None => server,
    }
}
