//! `handset accounts|dnd|forward|calllog|redial|voicemail`: the phone's accounts, Do Not
//! Disturb, call forwarding, call history, and the calls they lead to.

use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{Subcommand, ValueEnum};
use handset_phone::call_log::Direction;
use serde::Serialize;

use super::config::{change, finish};
use crate::api_phone::{AccountRequest, DndRequest};
use crate::datadir::DataDir;
use crate::edit::Edit;
use crate::endpoints::Client;
use crate::history::{database_path, CallHistory, HistoryQuery, StoredCall};
use crate::phone_runtime::control::{AccountDnd, CallSummary};

/// The phone-wide subcommands.
#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum PhoneCommand {
    /// List the accounts: number, state, name, user, server, registration.
    Accounts {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show Do Not Disturb, or switch it on or off (all accounts unless --account).
    Dnd {
        /// `on` or `off`; without it, show.
        state: Option<Switch>,
        /// Only this account.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
        account: Option<u8>,
    },
    /// Forward calls: `always TARGET`, `busy TARGET`, `noanswer TARGET [--timeout S]`, `off`.
    Forward {
        /// Which forwarding.
        kind: ForwardKind,
        /// Where to (not for `off`).
        target: Option<String>,
        /// The account (default 1).
        #[arg(long, value_name = "N", default_value_t = 1,
              value_parser = clap::value_parser!(u8).range(1..))]
        account: u8,
        /// Seconds to ring before forwarding on no answer.
        #[arg(long, value_name = "S")]
        timeout: Option<u32>,
    },
    /// Call again what was last dialed.
    Redial {
        /// From this account's last dialed number (default: the last call placed).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
        account: Option<u8>,
    },
    /// Call the voicemail access number (P33).
    Voicemail {
        /// The account (default: the first one ready).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
        account: Option<u8>,
    },
    /// Show the call history (newest first).
    Calllog {
        /// Only missed, received or placed calls.
        #[arg(long, value_name = "KIND")]
        only: Option<LogKind>,
        /// Only this account.
        #[arg(long, value_name = "N")]
        account: Option<u8>,
        /// At most this many.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Print JSON.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print CSV (every call, oldest first), as the web UI exports it.
        #[arg(long)]
        csv: bool,
    },
}

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// On.
    On,
    /// Off.
    Off,
}

/// A kind of forwarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ForwardKind {
    /// Every call.
    Always,
    /// When already in a call.
    Busy,
    /// After ringing unanswered.
    Noanswer,
    /// No forwarding.
    Off,
}

/// A kind of logged call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogKind {
    /// Missed calls.
    Missed,
    /// Answered incoming calls.
    Received,
    /// Calls placed.
    Placed,
}

/// Runs a phone-wide subcommand.
pub fn execute(dir: &DataDir, command: PhoneCommand) -> Result<ExitCode> {
    match command {
        PhoneCommand::Accounts { json } => accounts(dir, json),
        PhoneCommand::Dnd { state, account } => dnd(dir, state, account),
        PhoneCommand::Forward {
            kind,
            target,
            account,
            timeout,
        } => forward(dir, kind, target, account, timeout),
        PhoneCommand::Calllog {
            only,
            account,
            limit,
            json,
            csv,
        } => calllog(dir, only, account, limit, json, csv),
        PhoneCommand::Redial { account } => call_again(dir, "/calls/redial", account),
        PhoneCommand::Voicemail { account } => call_again(dir, "/calls/voicemail", account),
    }
}

/// Places the call `path` (redial, voicemail) makes and prints it.
fn call_again(dir: &DataDir, path: &str, account: Option<u8>) -> Result<ExitCode> {
    let call: CallSummary = running(dir)?.post(path, &AccountRequest { account })?;
    println!(
        "calling call {} (account {}, {}): {}",
        call.id, call.account, call.remote, call.state
    );
    Ok(ExitCode::SUCCESS)
}

fn running(dir: &DataDir) -> Result<Client> {
    match Client::find(dir)? {
        Some(client) => Ok(client),
        None => bail!("no phone is running on {}", dir.root().display()),
    }
}

fn accounts(dir: &DataDir, json: bool) -> Result<ExitCode> {
    let status: crate::api::Status = running(dir)?.get("/status")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status.accounts)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<3} {:<8} {:<16} {:<12} {:<24} registration",
        "#", "state", "name", "user", "server"
    );
    for account in &status.accounts {
        println!(
            "{:<3} {:<8} {:<16} {:<12} {:<24} {}",
            account.account,
            if account.active { "active" } else { "off" },
            account.name,
            account.user_id,
            account.sip_server,
            account.registration
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn dnd(dir: &DataDir, state: Option<Switch>, account: Option<u8>) -> Result<ExitCode> {
    let client = running(dir)?;
    let states: Vec<AccountDnd> = match state {
        None => client.get("/dnd")?,
        Some(state) => client.post(
            "/dnd",
            &DndRequest {
                on: state == Switch::On,
                account,
            },
        )?,
    };
    for state in states
        .iter()
        .filter(|s| account.is_none_or(|a| a == s.account))
    {
        let word = if state.dnd { "on" } else { "off" };
        println!("account {}: do not disturb {word}", state.account);
    }
    Ok(ExitCode::SUCCESS)
}

fn forward(
    dir: &DataDir,
    kind: ForwardKind,
    target: Option<String>,
    account: u8,
    timeout: Option<u32>,
) -> Result<ExitCode> {
    let name = |setting: &str| format!("account.{account}.featureCodes.{setting}");
    let always = name("callForwardUnconditionallyTarget");
    let busy = name("callForwardBusyTarget");
    let no_answer = name("callForwardDelayedTarget");
    let target = match (kind, target) {
        (ForwardKind::Off, None) => String::new(),
        (ForwardKind::Off, Some(_)) => bail!("`forward off` takes no target"),
        (_, Some(target)) if !target.trim().is_empty() => target,
        _ => bail!("say where to forward to"),
    };
    let mut values = match kind {
        ForwardKind::Off => vec![
            (always, String::new()),
            (busy, String::new()),
            (no_answer, String::new()),
        ],
        // Unconditional forwarding wins over the others while set.
        ForwardKind::Always => vec![(always, target)],
        ForwardKind::Busy => vec![(always, String::new()), (busy, target)],
        ForwardKind::Noanswer => vec![(always, String::new()), (no_answer, target)],
    };
    if let Some(seconds) = timeout {
        if kind != ForwardKind::Noanswer {
            bail!("--timeout is for `forward noanswer`");
        }
        values.push((name("delayedCallForwardWaitTime"), seconds.to_string()));
    }
    let outcome = change(
        dir,
        Edit::Set {
            values,
            apply: true,
        },
    )?;
    finish(&outcome, false)
}

/// A logged call as `calllog --json` prints it.
#[derive(Debug, Serialize)]
struct LoggedCall<'a> {
    id: i64,
    account: u8,
    direction: &'static str,
    remote_number: &'a str,
    remote_name: Option<&'a str>,
    started_at: u64,
    answered_after: Option<u64>,
    duration: u64,
    end_reason: &'a str,
    unseen_missed: bool,
}

fn calllog(
    dir: &DataDir,
    only: Option<LogKind>,
    account: Option<u8>,
    limit: Option<usize>,
    json: bool,
    csv: bool,
) -> Result<ExitCode> {
    let history = CallHistory::open(&database_path(dir.root()))?;
    if csv {
        history.export_csv(std::io::stdout().lock())?;
        return Ok(ExitCode::SUCCESS);
    }
    let query = HistoryQuery {
        direction: only.map(|kind| match kind {
            LogKind::Missed => Direction::Missed,
            LogKind::Received => Direction::Received,
            LogKind::Placed => Direction::Placed,
        }),
        account,
        limit,
        offset: 0,
    };
    let calls = history.list(&query)?;
    if json {
        let shown: Vec<LoggedCall<'_>> = calls.iter().map(logged).collect();
        println!("{}", serde_json::to_string_pretty(&shown)?);
        return Ok(ExitCode::SUCCESS);
    }
    if calls.is_empty() {
        println!("no calls");
    }
    for call in &calls {
        let record = &call.record;
        let who = match &record.remote_name {
            Some(name) => format!("{name} <{}>", record.remote_number),
            None => record.remote_number.clone(),
        };
        println!(
            "{:>4} {:<8} account {} {:<32} {:>5} s  {}",
            call.id,
            record.direction.as_str(),
            record.account,
            who,
            record.duration,
            record.end_reason
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn logged(call: &StoredCall) -> LoggedCall<'_> {
    let record = &call.record;
    LoggedCall {
        id: call.id,
        account: record.account,
        direction: record.direction.as_str(),
        remote_number: &record.remote_number,
        remote_name: record.remote_name.as_deref(),
        started_at: record.started_at,
        answered_after: record.answered_after,
        duration: record.duration,
        end_reason: &record.end_reason,
        unseen_missed: call.unseen_missed,
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn parse(args: &[&str]) -> PhoneCommand {
        let mut all = vec!["handset"];
        all.extend_from_slice(args);
        match Cli::try_parse_from(all).expect("parses").command {
            Command::Phone(command) => command,
            other => panic!("not a phone command: {other:?}"),
        }
    }

    #[test]
    fn phone_commands_parse() {
        assert_eq!(
            parse(&["dnd", "on", "--account", "2"]),
            PhoneCommand::Dnd {
                state: Some(Switch::On),
                account: Some(2)
            }
        );
        assert_eq!(
            parse(&["dnd"]),
            PhoneCommand::Dnd {
                state: None,
                account: None
            }
        );
        assert_eq!(
            parse(&["forward", "noanswer", "1002", "--timeout", "15"]),
            PhoneCommand::Forward {
                kind: ForwardKind::Noanswer,
                target: Some("1002".into()),
                account: 1,
                timeout: Some(15)
            }
        );
        assert!(matches!(
            parse(&["calllog", "--only", "missed", "--json"]),
            PhoneCommand::Calllog {
                only: Some(LogKind::Missed),
                json: true,
                ..
            }
        ));
        assert!(matches!(
            parse(&["accounts"]),
            PhoneCommand::Accounts { json: false }
        ));
    }
}
