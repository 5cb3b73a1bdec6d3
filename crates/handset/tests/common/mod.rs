//! Running the `handset` binary from integration tests.
#![allow(dead_code, clippy::unwrap_used)]

pub(crate) mod baresip;
pub(crate) mod kamailio;
pub(crate) mod phone;
pub(crate) mod sipp;

use std::path::Path;
use std::process::{Command, Output};

/// `handset --data-dir DIR`, with no inherited log filter.
pub(crate) fn handset(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_handset"));
    command.arg("--data-dir").arg(dir).env_remove("RUST_LOG");
    command
}

/// Runs `handset --data-dir DIR ARGS…` to completion.
pub(crate) fn run(dir: &Path, args: &[&str]) -> Output {
    handset(dir).args(args).output().unwrap()
}

/// Standard output as text.
pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
