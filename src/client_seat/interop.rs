//! Interop scenarios (`tests: interop`): the client program under test connects to a real
//! server — the built-in one, or the server under test of a matrix — and the peer clients of
//! the server language (`connect bob`, `bob> ...`, `bob< ...`) are the other side, step by
//! step in the file's order, so that each message, file, rename and exit is checked end to end:
//! at the peers (frames, bodies) and at the client (its output, the files it saved, its exit).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::mpsc;

use super::process::Program;
use super::runner::{command_line, finished, verdict_of, Launch, SeatRun, TRANSCRIPT_NAME};
use super::workdir::WorkDir;
use crate::language::client_script::{ClientScript, SeatAction};
use crate::language::model::Step;
use crate::language::scenario::Scenario;
use crate::record::{FinishedRun, Transcript, Verdict};
use crate::server_seat::{Peers, RunSettings};
use crate::under_test::target::Target;

/// Runs one interop scenario: a server from `server`, the client from `launch` pointed at it.
/// Returns the run and a spawned server's stderr.
pub async fn run_interop_scenario(
    scenario: &Scenario,
    script: &ClientScript,
    launch: &Launch,
    server: &Target,
    settings: &RunSettings,
) -> (FinishedRun, Option<String>) {
    match server.acquire().await {
        Ok(mut lease) => {
            let mut run = through(scenario, script, launch, lease.addr, settings).await;
            run.server_exit = lease
                .exit_status_within(Duration::ZERO)
                .await
                .map(|status| status.to_string());
            let stderr = lease.release().await;
            (run, stderr)
        }
        Err(e) => (FinishedRun::error(e.to_string()), None),
    }
}

/// The steps, against the server at `addr`.
async fn through(
    scenario: &Scenario,
    script: &ClientScript,
    launch: &Launch,
    addr: SocketAddr,
    settings: &RunSettings,
) -> FinishedRun {
    if let Some(port) = launch.port.filter(|p| *p != addr.port()) {
        return FinishedRun::error(format!(
            "the client connects to port {port} only, and this server listens on {}: give the server the same fixed port",
            addr.port()
        ));
    }
    let workdir = match WorkDir::create(&script.sample_files) {
        Ok(w) => w,
        Err(e) => {
            return FinishedRun::error(format!(
                "cannot prepare the client's working directory: {e}"
            ))
        }
    };
    let transcript: Transcript = Default::default();
    let with_host = launch.command.replace("{host}", &addr.ip().to_string());
    let line = command_line(&with_host, addr.port());
    let mut peers = Peers::new(addr, settings, settings.step_timeout(scenario));
    // The client starts at its first statement, so the peers' opening (connect, auth) is done
    // before it connects, whatever the two processes' start times: a server that tells
    // unauthenticated sockets of joins would otherwise reach a client still logging in now and
    // then, and the verdict would depend on how busy the machine is.
    let mut client: Option<SeatRun> = None;
    let mut verdict = Verdict::Pass;
    for step in &script.steps {
        let result = match &step.action {
            SeatAction::Peer(action) => {
                let peer_step = Step {
                    line: step.line,
                    source: step.source.clone(),
                    iteration: step.iteration,
                    action: action.clone(),
                };
                peers.step(&peer_step).await
            }
            _ => {
                let run = match client {
                    Some(ref mut run) => run,
                    None => {
                        match Program::start(&line, workdir.path(), script.utc_offset, &transcript)
                        {
                            // Nothing ever connects to the harness here: the client's connection
                            // goes to the server.
                            Ok(program) => client.insert(SeatRun::new(
                                scenario,
                                script,
                                program,
                                &transcript,
                                &workdir,
                                mpsc::unbounded_channel().1,
                                settings,
                            )),
                            Err(e) => {
                                return FinishedRun::error(format!("cannot start `{line}`: {e}"))
                            }
                        }
                    }
                };
                run.step(step).await.map_err(|e| verdict_of(step, e))
            }
        };
        if let Err(failed) = result {
            verdict = failed;
            break;
        }
    }
    let mut transcripts = vec![(TRANSCRIPT_NAME.to_owned(), transcript.lines())];
    transcripts.extend(peers.transcripts());
    if let Some(run) = client.as_mut() {
        run.program.kill().await;
    }
    drop(peers);
    finished(
        verdict,
        transcripts,
        client.as_ref().map(|run| &run.program),
    )
}
