//! The `handset` binary as a user and scripts use it: first start, endpoints, status, config
//! changes through the daemon and directly, exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{handset, run, stderr, stdout};

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Where a test daemon's log goes: beside its data directory.
fn log_path(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap().to_owned();
    name.push(".log");
    dir.with_file_name(name)
}

/// A daemon started for a test; stopped with SIGTERM when dropped.
struct Daemon {
    child: Child,
    lines: mpsc::Receiver<String>,
    dir: PathBuf,
}

impl Daemon {
    fn start(dir: &Path, extra: &[&str]) -> Daemon {
        let mut child = handset(dir)
            .args(["run", "--http", "127.0.0.1:0", "--sip-port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log_path(dir)).unwrap())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let daemon = Daemon {
            child,
            lines,
            dir: dir.to_owned(),
        };
        daemon.wait_for(
            || dir.join("run/endpoints.json").is_file(),
            "endpoints.json",
        );
        daemon
    }

    fn wait_for(&self, mut ready: impl FnMut() -> bool, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !ready() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn printed(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    fn stop(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        assert!(
            !self.dir.join("run/endpoints.json").exists(),
            "endpoints.json must go when the daemon stops"
        );
        status
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn password_from(lines: &[String], which: &str) -> String {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(&format!("{which} password:")))
        .unwrap_or_else(|| panic!("no {which} password in {lines:?}"))
        .trim()
        .to_owned()
}

#[test]
fn first_start_publishes_endpoints_and_serves_status_and_config() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("phone");
    let daemon = Daemon::start(&dir, &["--mac", "00:0B:82:AA:BB:CC", "--model", "grp2614"]);

    let endpoints: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run/endpoints.json")).unwrap())
            .unwrap();
    assert_eq!(
        endpoints["sip"].as_array().unwrap().len(),
        4,
        "GRP2614 has 4 accounts"
    );
    assert!(endpoints["http"]
        .as_str()
        .unwrap()
        .starts_with("127.0.0.1:"));

    let status = run(&dir, &["status", "--json"]);
    assert!(status.status.success(), "{}", stderr(&status));
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["device"]["mac"], "00:0b:82:aa:bb:cc");
    assert_eq!(status["device"]["model_name"], "GRP2614");
    assert_eq!(
        status["device"]["user_agent"],
        "Grandstream GRP2614 1.0.5.15"
    );
    assert_eq!(status["accounts"].as_array().unwrap().len(), 4);

    // A change made while the daemon runs goes through it and lands in config.txt.
    let set = run(
        &dir,
        &[
            "config",
            "set",
            "account.2.sip.server.1.address",
            "pbx.example.com",
            "P402",
            "pbx.example.com",
        ],
    );
    assert!(set.status.success(), "{}", stderr(&set));
    let status = run(&dir, &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["accounts"][1]["sip_server"], "pbx.example.com");
    let saved = std::fs::read_to_string(dir.join("config.txt")).unwrap();
    assert!(saved.contains("P402 = pbx.example.com"), "{saved}");

    // An invalid change is refused whole, with the reason, and exit status 1.
    let bad = run(&dir, &["config", "set", "P47", "ok.example", "P271", "7"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("P271"), "{}", stderr(&bad));
    assert_eq!(stdout(&run(&dir, &["config", "get", "P47"])).trim(), "");

    // A second daemon on the same directory is refused.
    let second = run(&dir, &["run", "--http", "127.0.0.1:0", "--sip-port", "0"]);
    assert_eq!(second.status.code(), Some(1));
    assert!(
        stderr(&second).contains("already running"),
        "{}",
        stderr(&second)
    );

    let printed = daemon.printed();
    let admin = password_from(&printed, "admin");
    assert_eq!(admin.len(), 16);
    assert!(daemon.stop().success());

    // Passwords are stored hashed, never in clear.
    let saved = std::fs::read_to_string(dir.join("config.txt")).unwrap();
    assert!(!saved.contains(&admin));
    assert!(saved.contains("P2 = $argon2id$"));

    // The second start prints no passwords and keeps the identity.
    let again = Daemon::start(&dir, &[]);
    let lines = again.printed();
    assert!(lines.iter().all(|l| !l.contains("password:")), "{lines:?}");
    assert!(again.stop().success());
}

#[test]
fn config_commands_work_on_the_files_without_a_daemon() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // No phone yet: a clear error.
    let none = run(dir, &["config", "show"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(stderr(&none).contains("no phone here"), "{}", stderr(&none));

    // Set up the directory with a short-lived daemon.
    Daemon::start(dir, &["--mac", "000b82000001"]).stop();

    let set = run(
        dir,
        &[
            "config",
            "set",
            "P47",
            "a.example",
            "account.1.network.dnsMode",
            "SRV",
        ],
    );
    assert!(set.status.success(), "{}", stderr(&set));
    assert_eq!(stdout(&run(dir, &["config", "get", "P103"])).trim(), "1");
    let shown = stdout(&run(dir, &["config", "show"]));
    assert!(shown.contains("P47 = a.example"), "{shown}");
    assert!(shown.contains("P2 = ********"), "{shown}");

    let unknown = run(dir, &["config", "get", "P99999"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("no such setting"));

    // Export as XML v2 and import it into a second phone.
    let exported = run(dir, &["config", "export", "--format", "xml2", "--changed"]);
    assert!(exported.status.success());
    let text = stdout(&exported);
    assert!(
        text.contains("<item name=\"account.1.network.dnsMode\">SRV</item>"),
        "{text}"
    );
    assert!(stderr(&exported).contains("secret(s) left out"));

    let other = tmp.path().join("other");
    Daemon::start(&other, &[]).stop();
    let file = tmp.path().join("export.xml");
    std::fs::write(&file, &text).unwrap();
    let import = run(&other, &["config", "import", file.to_str().unwrap()]);
    assert!(import.status.success(), "{}", stderr(&import));
    assert_eq!(
        stdout(&run(&other, &["config", "get", "P47"])).trim(),
        "a.example"
    );

    // XML v1 for another device is refused.
    let v1 = tmp.path().join("cfg.xml");
    std::fs::write(&v1, "<gs_provision version=\"1\"><mac>000b82ffffff</mac><config version=\"1\"><P47>b</P47></config></gs_provision>").unwrap();
    let refused = run(dir, &["config", "import", v1.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("000b82ffffff"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn lint_names_the_line_and_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.txt");
    std::fs::write(&good, "# ok\nP47 = pbx.example\nP99999 = 1\n").unwrap();
    let ok = run(tmp.path(), &["config", "lint", good.to_str().unwrap()]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(
        stdout(&ok).contains("line 3: P99999: unknown setting"),
        "{}",
        stdout(&ok)
    );

    let broken = tmp.path().join("broken.txt");
    std::fs::write(&broken, "P47 = pbx.example\r\nP271 = maybe\r\n").unwrap();
    let out = run(tmp.path(), &["config", "lint", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("line 2: P271 (Account Active)"), "{text}");
    assert!(
        text.contains("\"maybe\" is not one of 0 (No), 1 (Yes)"),
        "{text}"
    );

    let xml = tmp.path().join("broken.xml");
    std::fs::write(
        &xml,
        "<gs_provision>\n<config version=\"1\">\n<P47>x</P48>\n</config>\n</gs_provision>",
    )
    .unwrap();
    let out = run(tmp.path(), &["config", "lint", xml.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("line 3"), "{}", stdout(&out));
}

#[test]
fn encrypted_files_round_trip_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("phone");
    Daemon::start(&dir, &[]).stop();
    let plain = tmp.path().join("cfg.xml");
    std::fs::write(&plain, "<gs_provision version=\"1\"><config version=\"1\"><P47>enc.example</P47></config></gs_provision>").unwrap();
    let sealed = tmp.path().join("cfg.enc");
    for md in ["md5", "sha256", "pbkdf2"] {
        let out = run(
            &dir,
            &[
                "config",
                "encrypt",
                plain.to_str().unwrap(),
                "--password",
                "k3y",
                "--md",
                md,
                "-o",
                sealed.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let opened = run(
            &dir,
            &[
                "config",
                "decrypt",
                sealed.to_str().unwrap(),
                "--password",
                "k3y",
            ],
        );
        assert_eq!(opened.stdout, std::fs::read(&plain).unwrap());
    }
    let without = run(&dir, &["config", "import", sealed.to_str().unwrap()]);
    assert_eq!(without.status.code(), Some(1));
    assert!(
        stderr(&without).contains("encrypted"),
        "{}",
        stderr(&without)
    );
    // With the phone's own XML config file password set, no --password is needed.
    assert!(run(&dir, &["config", "set", "P1359", "k3y"])
        .status
        .success());
    let with_own = run(&dir, &["config", "import", sealed.to_str().unwrap()]);
    assert!(with_own.status.success(), "{}", stderr(&with_own));
    assert_eq!(
        stdout(&run(&dir, &["config", "get", "P47"])).trim(),
        "enc.example"
    );
}

#[test]
fn usage_errors_exit_2_and_factory_reset_needs_confirmation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert_eq!(run(dir, &["no-such-command"]).status.code(), Some(2));
    assert_eq!(run(dir, &["config", "set", "P47"]).status.code(), Some(2));
    let status = run(dir, &["status"]);
    assert_eq!(status.status.code(), Some(1));
    assert!(stderr(&status).contains("no phone is running"));

    Daemon::start(dir, &["--mac", "02:00:00:00:00:01"]).stop();
    assert!(run(dir, &["config", "set", "P47", "x.example"])
        .status
        .success());
    let refused = run(dir, &["factory-reset"]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        stdout(&run(dir, &["config", "get", "P47"])).trim(),
        "x.example"
    );
    let reset = run(dir, &["factory-reset", "--yes"]);
    assert!(reset.status.success(), "{}", stderr(&reset));
    assert!(stdout(&reset).contains("admin password:"));
    assert_eq!(stdout(&run(dir, &["config", "get", "P47"])).trim(), "");
    let identity = std::fs::read_to_string(dir.join("identity.json")).unwrap();
    assert!(identity.contains("020000000001"), "{identity}");
}

#[test]
fn secrets_never_reach_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("phone");
    let daemon = Daemon::start(&dir, &["--log-level", "trace"]);
    let secret = "Sup3rS3cretSipPw";
    let set = run(&dir, &["config", "set", "P34", secret, "P2", "N3wAdminPw"]);
    assert!(set.status.success(), "{}", stderr(&set));
    assert!(!stdout(&set).contains(secret), "{}", stdout(&set));
    let shown = stdout(&run(&dir, &["config", "show"]));
    assert!(!shown.contains(secret), "{shown}");
    let export = stdout(&run(&dir, &["config", "export"]));
    assert!(!export.contains(secret));
    assert!(daemon.stop().success());
    let log = std::fs::read_to_string(log_path(&dir)).unwrap();
    assert!(
        log.contains("setting applied"),
        "the change was logged: {log}"
    );
    assert!(
        !log.contains(secret) && !log.contains("N3wAdminPw"),
        "{log}"
    );
    // Only an explicit request exports it.
    let with = stdout(&run(
        &dir,
        &["config", "export", "--changed", "--with-secrets"],
    ));
    assert!(with.contains(secret));
}
