//! `chat-harness proxy`: bind, run the library's proxy until Ctrl-C or SIGTERM, print each
//! event as it comes (text or JSON lines on stdout) and a summary at the end.

use std::io::Write;
use std::thread;

use anyhow::Context;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use tokio::sync::{mpsc, oneshot};

use chat_harness::proxy::check::Checker;
use chat_harness::proxy::record::Recorder;
use chat_harness::proxy::{self, render, Direction, Perturb, ProxyConfig};

use crate::cli::args::{ProxyArgs, ReportFormat};
use crate::cli::Outcome;

/// Runs the proxy; prints `proxying ADDR -> UPSTREAM` on stderr once listening.
pub fn run(args: &ProxyArgs) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(args.listen))
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;

    let (stop, stopped) = oneshot::channel::<()>();
    let mut signals = Signals::new([SIGINT, SIGTERM]).context("cannot install signal handlers")?;
    let signals_handle = signals.handle();
    let signal_thread = thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let _ = stop.send(());
            }
        })?;

    let config = ProxyConfig {
        upstream: args.upstream.clone(),
        perturb: Perturb {
            slice: args.slice.and_then(|n| usize::try_from(n).ok()),
            coalesce: args.coalesce,
            delay: args.delay.map(|(delay, _)| delay),
            jitter: args.delay.map(|(_, jitter)| jitter).unwrap_or_default(),
            bandwidth: args.bandwidth,
            reset_after: args.reset_after,
            only: match (args.to_server, args.to_client) {
                (true, false) => Some(Direction::ToServer),
                (false, true) => Some(Direction::ToClient),
                _ => None,
            },
        },
    };
    eprintln!("proxying {addr} -> {} (Ctrl-C to stop)", args.upstream);
    let (events, mut seen) = mpsc::unbounded_channel();
    let format = args.format;
    let mut recorder = args.record.clone().map(Recorder::new);
    let mut checker = args.check.then(Checker::new);
    let printer = runtime.spawn(async move {
        let mut tally = render::Tally::default();
        let mut record_error = None;
        let mut stdout = std::io::stdout();
        while let Some(event) = seen.recv().await {
            tally.add(&event);
            if let Some(recorder) = recorder.as_mut() {
                if let Err(e) = recorder.add(&event) {
                    record_error.get_or_insert(e);
                }
            }
            let line = match format {
                ReportFormat::Human => render::human(&event),
                ReportFormat::Json => render::json(&event).to_string(),
            };
            // A closed stdout (`| head`) must not stop the forwarding.
            let _ = writeln!(stdout, "{line}");
            for deviation in checker.as_mut().map(|c| c.add(&event)).unwrap_or_default() {
                let line = match format {
                    ReportFormat::Human => render::human_deviation(&event, &deviation),
                    ReportFormat::Json => render::json_deviation(&event, &deviation).to_string(),
                };
                let _ = writeln!(stdout, "{line}");
            }
            let _ = stdout.flush();
        }
        let deviations = checker.map(|c| c.count);
        (tally, recorder, record_error, deviations)
    });
    let result = runtime.block_on(proxy::run(listener, config, events, async {
        let _ = stopped.await;
    }));
    let (tally, recorder, record_error, deviations) = runtime
        .block_on(printer)
        .context("the output task failed")?;
    signals_handle.close();
    let _ = signal_thread.join();
    result.context("the proxy stopped with an error")?;
    if let Some(recorder) = recorder {
        if let Some(e) = record_error {
            return Err(e).context("cannot save a file body of the recording");
        }
        let path = args.record.as_deref().unwrap_or(std::path::Path::new(""));
        recorder
            .write()
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("recorded the session in {}", path.display());
    }
    match (args.format, deviations) {
        (ReportFormat::Human, None) => println!("{}", tally.summary()),
        (ReportFormat::Human, Some(n)) => {
            println!("{}, {n} deviations from the reference", tally.summary());
        }
        (ReportFormat::Json, _) => {
            let mut summary = tally.json();
            summary["deviations"] = serde_json::json!(deviations);
            println!("{summary}");
        }
    }
    Ok(match deviations {
        Some(n) if n > 0 => Outcome::Failed,
        _ => Outcome::Passed,
    })
}
