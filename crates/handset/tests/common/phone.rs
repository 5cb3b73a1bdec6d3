//! Child processes for tests against real peers: the `handset` daemon, stopped by SIGTERM when
//! dropped, waits on what `handset status --json` and `handset calls --json` report, and a
//! phone registered with a Kamailio of its own.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use handset::history::{database_path, CallHistory, HistoryQuery, StoredCall};
use handset_phone::call_log::CallRecord;

use super::kamailio::{Kamailio, Transport, PASSWORD};
use super::{handset, run, stderr, stdout};

/// A child process stopped with SIGTERM (then SIGKILL) when dropped.
pub(crate) struct Guard {
    child: Child,
    what: &'static str,
}

impl Guard {
    /// Takes charge of `child`; `what` names it in messages.
    pub(crate) fn new(child: Child, what: &'static str) -> Self {
        Self { child, what }
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has exited, and how.
    pub(crate) fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM, then waits up to `wait` before SIGKILL; returns whether it exited by itself.
    pub(crate) fn terminate(&mut self, wait: Duration) -> bool {
        if self.exited().is_some() {
            return true;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if self.exited().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("{} did not stop on SIGTERM: killing it", self.what);
        let _ = self.child.kill();
        let _ = self.child.wait();
        false
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.terminate(Duration::from_secs(5));
    }
}

/// A port on 127.0.0.1 that is free for both UDP and TCP right now.
pub(crate) fn free_port() -> u16 {
    loop {
        let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Whether the test can run with `tool` (from Debian `package`): without it the test is
/// skipped with a message, except under CI, where it fails.
pub(crate) fn tool_available(test: &str, tool: &str, package: &str) -> bool {
    if Path::new(tool).is_file() {
        return true;
    }
    let reason = format!("{tool} is missing (Debian package {package}; scripts/test installs it)");
    assert!(std::env::var_os("CI").is_none(), "{reason}");
    eprintln!("{test} skipped: {reason}");
    false
}

/// Starts `handset run` on `dir` with its log in `log`, and waits until it is ready.
pub(crate) fn start_handset(dir: &Path, log: &Path) -> Guard {
    start_handset_with(dir, log, &[])
}

/// [`start_handset`] with more `run` arguments (`--dns 127.0.0.1:5353`, …).
pub(crate) fn start_handset_with(dir: &Path, log: &Path, extra: &[&str]) -> Guard {
    let child = handset(dir)
        .args(["run", "--http", "127.0.0.1:0", "--sip-port", "0"])
        .args(extra)
        .args(["--mac", "000b82000042"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let guard = Guard::new(child, "handset");
    wait_for(Duration::from_secs(60), "handset start", &[log], || {
        dir.join("run/endpoints.json").is_file()
    });
    guard
}

/// Sets up the phone on `dir` (a first start and stop), then applies `config set PAIRS…`.
pub(crate) fn configure(dir: &Path, log: &Path, pairs: &[&str]) {
    start_handset(dir, log).terminate(Duration::from_secs(10));
    let mut args = vec!["config", "set"];
    args.extend_from_slice(pairs);
    let set = run(dir, &args);
    assert!(set.status.success(), "{}", stderr(&set));
}

/// Account 1's SIP (UDP) address from `run/endpoints.json`.
pub(crate) fn sip_address(dir: &Path) -> SocketAddr {
    let text = std::fs::read_to_string(dir.join("run/endpoints.json")).unwrap();
    let endpoints: serde_json::Value = serde_json::from_str(&text).unwrap();
    let sip = endpoints["sip"].as_array().expect("sip endpoints");
    let first = sip
        .iter()
        .find(|s| s["account"] == 1)
        .expect("account 1 endpoint");
    let mut address: SocketAddr = first["address"].as_str().unwrap().parse().unwrap();
    // A socket on all interfaces is reached on loopback.
    if address.ip().is_unspecified() {
        address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    address
}

/// Account 1 in `handset status --json`.
pub(crate) fn account_status(dir: &Path) -> serde_json::Value {
    let output = run(dir, &["status", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let status: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    status["accounts"][0].clone()
}

/// Account 1's `registration`.
pub(crate) fn registration(dir: &Path) -> String {
    text(&account_status(dir), "registration")
}

fn text(account: &serde_json::Value, field: &str) -> String {
    account[field].as_str().unwrap_or_default().to_owned()
}

/// Waits up to `timeout` until account 1's (`registration`, `server`) satisfy `done`; panics
/// with the last state and the `logs` otherwise. Returns that state.
pub(crate) fn wait_account(
    dir: &Path,
    logs: &[&Path],
    timeout: Duration,
    done: impl Fn(&str, &str) -> bool,
) -> (String, String) {
    let mut last = (String::new(), String::new());
    let reached = poll(timeout, || {
        let account = account_status(dir);
        last = (text(&account, "registration"), text(&account, "server"));
        done(&last.0, &last.1)
    });
    assert!(
        reached,
        "account 1 still {last:?} after {timeout:?}\n{}",
        show_logs(logs)
    );
    last
}

/// Waits until account 1's registration satisfies `done` (20 s at most).
pub(crate) fn wait_registration(dir: &Path, logs: &[&Path], done: impl Fn(&str) -> bool) -> String {
    wait_account(dir, logs, Duration::from_secs(20), |r, _| done(r)).0
}

/// Polls `done` until it holds; after `timeout` panics naming `what` with the `logs`.
pub(crate) fn wait_for(timeout: Duration, what: &str, logs: &[&Path], done: impl FnMut() -> bool) {
    assert!(
        poll(timeout, done),
        "{what}: still not there after {timeout:?}\n{}",
        show_logs(logs)
    );
}

/// Polls `done` every 100 ms until it holds (`true`) or `timeout` passes (`false`).
pub(crate) fn poll(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The files' texts, each under its name.
pub(crate) fn show_logs(logs: &[&Path]) -> String {
    logs.iter()
        .map(|p| {
            format!(
                "--- {}\n{}",
                p.display(),
                std::fs::read_to_string(p).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths as [`show_logs`] and [`wait_for`] take them.
pub(crate) fn paths(logs: &[PathBuf]) -> Vec<&Path> {
    logs.iter().map(PathBuf::as_path).collect()
}

/// Runs `handset --data-dir DIR ARGS…` and asserts that it succeeded; shows the `logs`
/// otherwise.
pub(crate) fn run_ok(dir: &Path, args: &[&str], logs: &[&Path]) -> Output {
    let output = run(dir, args);
    assert!(
        output.status.success(),
        "handset {args:?}: {}\n{}",
        stderr(&output),
        show_logs(logs)
    );
    output
}

/// The calls `handset calls --json` lists.
pub(crate) fn calls(dir: &Path) -> Vec<serde_json::Value> {
    let output = run(dir, &["calls", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

/// How long a call takes at most to reach a state the test waits for.
const CALL_WAIT: Duration = Duration::from_secs(15);

/// Waits until a call satisfies `done`; returns it. Panics naming `what` with the `logs`
/// otherwise.
pub(crate) fn wait_call(
    dir: &Path,
    what: &str,
    logs: &[&Path],
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let mut found = None;
    wait_for(CALL_WAIT, what, logs, || {
        found = calls(dir).into_iter().find(&done);
        found.is_some()
    });
    found.expect("wait_for returned, so a call was found")
}

/// Waits until a call is in `state` (`ringing`, `established`…); returns it.
pub(crate) fn wait_call_state(dir: &Path, state: &str, logs: &[&Path]) -> serde_json::Value {
    wait_call(dir, &format!("a call {state}"), logs, |call| {
        call["state"] == state
    })
}

/// Waits until the phone has no call left.
pub(crate) fn wait_no_calls(dir: &Path, logs: &[&Path]) {
    let mut last = Vec::new();
    let ended = poll(CALL_WAIT, || {
        last = calls(dir);
        last.is_empty()
    });
    assert!(ended, "calls left: {last:?}\n{}", show_logs(logs));
}

/// The user account 1 of a [`RegisteredPhone`] registers as.
pub(crate) const PHONE_USER: &str = "1001";

/// A running phone in `work/phone` whose account 1 is registered as [`PHONE_USER`] with a
/// UDP Kamailio of its own (an account needs a server to be active).
pub(crate) struct RegisteredPhone {
    daemon: Guard,
    _kamailio: Kamailio,
    dir: PathBuf,
    logs: Vec<PathBuf>,
}

impl RegisteredPhone {
    /// Configures the phone with the extra settings `pairs` (`P90`, `1`, …), starts it and
    /// waits until account 1 is registered.
    pub(crate) fn start(work: &Path, pairs: &[&str]) -> Self {
        let dir = work.join("phone");
        let handset_log = work.join("handset.log");
        let kamailio = Kamailio::start(&work.join("kamailio"), Transport::Udp, free_port());
        let server = kamailio.address();
        let mut settings = vec![
            "P271",
            "1",
            "P47",
            server.as_str(),
            "P35",
            PHONE_USER,
            "P34",
            PASSWORD,
        ];
        settings.extend_from_slice(pairs);
        configure(&dir, &handset_log, &settings);
        let daemon = start_handset(&dir, &handset_log);
        let phone = Self {
            daemon,
            logs: vec![handset_log, kamailio.log_path()],
            _kamailio: kamailio,
            dir,
        };
        wait_account(
            &phone.dir,
            &paths(&phone.logs),
            Duration::from_secs(20),
            |registration, _| registration == "registered",
        );
        phone
    }

    /// The phone's data directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The daemon's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.daemon.pid()
    }

    /// The handset and Kamailio logs.
    pub(crate) fn logs(&self) -> Vec<PathBuf> {
        self.logs.clone()
    }

    /// The handset and Kamailio logs followed by `more` (a peer's traces…).
    pub(crate) fn logs_and(&self, more: impl IntoIterator<Item = PathBuf>) -> Vec<PathBuf> {
        let mut logs = self.logs();
        logs.extend(more);
        logs
    }

    /// Account 1's SIP address, where a peer calls it.
    pub(crate) fn address(&self) -> String {
        sip_address(&self.dir).to_string()
    }

    /// Runs `handset ARGS…` against the phone and asserts that it succeeded.
    pub(crate) fn command(&self, args: &[&str]) {
        run_ok(&self.dir, args, &paths(&self.logs));
    }

    /// Waits until a call is in `state`; returns it. `logs` are shown if it never is.
    pub(crate) fn wait_call_state(&self, state: &str, logs: &[PathBuf]) -> serde_json::Value {
        wait_call_state(&self.dir, state, &paths(logs))
    }

    /// Waits until the phone has no call left; `logs` are shown if a call stays.
    pub(crate) fn wait_no_calls(&self, logs: &[PathBuf]) {
        wait_no_calls(&self.dir, &paths(logs));
    }

    /// Waits until the call log holds `count` records; returns them, newest first.
    pub(crate) fn wait_history(&self, count: usize) -> Vec<StoredCall> {
        let mut logged = Vec::new();
        let reached = poll(Duration::from_secs(10), || {
            logged = CallHistory::open(&database_path(&self.dir))
                .and_then(|history| history.list(&HistoryQuery::all()))
                .unwrap_or_default();
            logged.len() >= count
        });
        assert!(reached, "the call log holds {logged:?}");
        assert_eq!(logged.len(), count, "{logged:?}");
        logged
    }

    /// Waits until the call log holds one record; returns that call.
    pub(crate) fn wait_logged_call(&self) -> CallRecord {
        self.wait_history(1).remove(0).record
    }

    /// Asserts that the daemon is still running.
    pub(crate) fn assert_alive(&mut self) {
        assert!(
            self.daemon.exited().is_none(),
            "the daemon died\n{}",
            show_logs(&paths(&self.logs))
        );
    }
}
