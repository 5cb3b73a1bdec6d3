//! SIPp (Debian `sip-tester`) runs of the scenarios in `tests/sipp/`: each run keeps its
//! screen, errors, message trace and statistics in the test's directory, and a failure shows
//! them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use super::phone::{free_port, paths, poll, show_logs, tool_available, wait_for, Guard};

const SIPP: &str = "/usr/bin/sipp";

/// How much of the end of the message trace a report shows: a flood's trace runs to megabytes.
const TRACE_TAIL_BYTES: usize = 64 * 1024;

/// Whether `test` can run SIPp; see [`tool_available`].
pub(crate) fn available(test: &str) -> bool {
    tool_available(test, SIPP, "sip-tester")
}

/// A scenario file under `tests/sipp/`, such as `options.xml` or `calls/busy.xml`.
pub(crate) fn scenario(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp")
        .join(relative)
}

/// A SIPp process running one scenario; it stops by itself within its 60 s `-timeout`.
pub(crate) struct Sipp {
    process: Guard,
    name: String,
    port: u16,
    files: SippFiles,
}

/// Where a SIPp run writes, each file named after the run.
struct SippFiles {
    screen: PathBuf,
    stderr: PathBuf,
    errors: PathBuf,
    messages: PathBuf,
    stats: PathBuf,
}

impl SippFiles {
    fn in_dir(work: &Path, name: &str) -> Self {
        let file = |what: &str| work.join(format!("{name}-{what}"));
        Self {
            screen: file("screen.log"),
            stderr: file("stderr.log"),
            errors: file("errors.log"),
            messages: file("messages.log"),
            stats: file("stats.csv"),
        }
    }

    /// Everything SIPp said, for a failure message.
    fn report(&self) -> String {
        format!(
            "{}\n--- {} (its last {TRACE_TAIL_BYTES} bytes at most)\n{}",
            show_logs(&[&self.errors, &self.stderr, &self.screen]),
            self.messages.display(),
            file_tail(&self.messages, TRACE_TAIL_BYTES)
        )
    }
}

/// The end of a file's text, at most `limit` bytes of it.
fn file_tail(path: &Path, limit: usize) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    let start = bytes.len().saturating_sub(limit);
    String::from_utf8_lossy(&bytes[start..]).into_owned()
}

impl Sipp {
    /// Starts SIPp on `scenario` from 127.0.0.1:`port` over UDP, with `args` (the target and
    /// service of a client, `-m`, `-r`, `-key`…), its files in `work` under `name`.
    pub(crate) fn spawn(
        work: &Path,
        name: &str,
        scenario: &Path,
        port: u16,
        args: &[&str],
    ) -> Self {
        let files = SippFiles::in_dir(work, name);
        let child = Command::new(SIPP)
            .arg("-sf")
            .arg(scenario)
            .args(["-i", "127.0.0.1", "-p", &port.to_string(), "-t", "u1"])
            .args(["-timeout", "60s", "-timeout_error"])
            .args(["-trace_err", "-error_file"])
            .arg(&files.errors)
            .args(["-trace_msg", "-message_file"])
            .arg(&files.messages)
            .args(["-trace_stat", "-fd", "1", "-stf"])
            .arg(&files.stats)
            .args(args)
            .current_dir(work)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&files.screen).unwrap())
            .stderr(std::fs::File::create(&files.stderr).unwrap())
            .spawn()
            .unwrap();
        Self {
            process: Guard::new(child, "sipp"),
            name: name.to_owned(),
            port,
            files,
        }
    }

    /// Waits until SIPp has bound its port, as a server does before it waits for requests.
    pub(crate) fn listening(mut self) -> Self {
        let errors = self.files.errors.clone();
        let port = self.port;
        let process = &mut self.process;
        wait_for(Duration::from_secs(20), "sipp start", &[&errors], || {
            assert!(process.exited().is_none(), "sipp exited at once");
            std::net::UdpSocket::bind(("127.0.0.1", port)).is_err()
        });
        self
    }

    /// A SIPp client sending to `target` for the user `service` (`-s`) from a port of its
    /// own, run to its end.
    pub(crate) fn client(
        work: &Path,
        name: &str,
        scenario: &Path,
        target: &str,
        service: &str,
        args: &[&str],
    ) -> Outcome {
        let mut all = vec![target, "-s", service];
        all.extend_from_slice(args);
        Self::spawn(work, name, scenario, free_port(), &all).finish()
    }

    /// The UDP port SIPp runs on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// `sip:svc@127.0.0.1:PORT`, the address that reaches this SIPp as a server.
    pub(crate) fn uri(&self) -> String {
        format!("sip:svc@127.0.0.1:{}", self.port)
    }

    /// The error log and the message trace, to show with other logs while the run goes on.
    pub(crate) fn traces(&self) -> [PathBuf; 2] {
        [self.files.errors.clone(), self.files.messages.clone()]
    }

    /// Waits for SIPp to end (it times out by itself after 60 s) and reads its results.
    pub(crate) fn finish(mut self) -> Outcome {
        let mut status = None;
        let ended = poll(Duration::from_secs(90), || {
            status = self.process.exited();
            status.is_some()
        });
        let report = self.files.report();
        assert!(ended, "sipp {} did not stop\n{report}", self.name);
        Outcome {
            status: status.expect("sipp ended"),
            stats: final_stats(&self.files.stats),
            report,
        }
    }
}

/// How a SIPp run ended.
pub(crate) struct Outcome {
    /// SIPp's exit status: success when every call succeeded.
    pub(crate) status: ExitStatus,
    /// SIPp's files as text, for a failure message.
    pub(crate) report: String,
    stats: HashMap<String, String>,
}

impl Outcome {
    /// A counter of the final statistics line, such as `SuccessfulCall(C)`.
    pub(crate) fn counter(&self, name: &str) -> u64 {
        self.stats
            .get(name)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no counter {name} in the statistics\n{}", self.report))
    }

    /// Asserts that SIPp exited with success; `logs` are shown with its report otherwise.
    pub(crate) fn assert_success(&self, logs: &[PathBuf]) {
        assert!(
            self.status.success(),
            "sipp failed ({})\n{}\n{}",
            self.status,
            self.report,
            show_logs(&paths(logs))
        );
    }

    /// Asserts that SIPp exited with success after `calls` successful calls; `logs` are
    /// shown with its report otherwise.
    pub(crate) fn assert_calls_succeeded(&self, calls: u64, logs: &[PathBuf]) {
        self.assert_success(logs);
        assert_eq!(
            self.counter("SuccessfulCall(C)"),
            calls,
            "{}\n{}",
            self.report,
            show_logs(&paths(logs))
        );
    }
}

/// The last line of SIPp's statistics file (`-trace_stat`), by column name.
fn final_stats(path: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let (Some(header), Some(last)) = (lines.next(), lines.next_back()) else {
        return HashMap::new();
    };
    header
        .split(';')
        .map(str::to_owned)
        .zip(last.split(';').map(str::to_owned))
        .collect()
}
