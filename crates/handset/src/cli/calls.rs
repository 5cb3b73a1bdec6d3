//! `handset dial|answer|reject|hangup|hold|resume|mute|unmute|dtmf|transfer|calls`: the
//! running phone's calls, through the control API.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::api_calls::{CallRequest, DialRequest, DtmfRequest, TransferRequest};
use crate::datadir::DataDir;
use crate::endpoints::Client;
use crate::phone_runtime::control::CallSummary;

/// The call subcommands.
#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum CallCommand {
    /// Call a number, a user, a SIP URI or an IP address (`192*168*1*60#5062`).
    Dial {
        /// The account to call from (default: the preferred account).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
        account: Option<u8>,
        /// What to call.
        target: String,
        /// Print the new call as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Answer a ringing call.
    Answer(CallChoice),
    /// Refuse a ringing call.
    Reject(CallChoice),
    /// Hang up or cancel a call.
    Hangup(CallChoice),
    /// Put a call on hold.
    Hold(CallChoice),
    /// Take a call off hold.
    Resume(CallChoice),
    /// Mute the microphone in a call.
    Mute(CallChoice),
    /// Unmute the microphone in a call.
    Unmute(CallChoice),
    /// Send DTMF digits (0-9, *, #, A-D) in a call.
    Dtmf {
        /// The call's id (default: the active call).
        #[arg(long, value_name = "N")]
        call: Option<u32>,
        /// The digits.
        digits: String,
        /// Print the call as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Transfer a call: blind to TARGET, or attended to the peer of another call.
    Transfer {
        /// The call to transfer (default: the active call; with --attended, the other
        /// established call).
        #[arg(long, value_name = "N")]
        call: Option<u32>,
        /// Join the call's peer with the peer of this call instead of a target.
        #[arg(long, value_name = "CALL", conflicts_with = "target")]
        attended: Option<u32>,
        /// Where to send the call: a number, a user, a SIP URI or an IP address.
        #[arg(required_unless_present = "attended")]
        target: Option<String>,
        /// Print the call as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the calls in progress.
    Calls {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Which call a command is for, and how to print the answer.
#[derive(Debug, Args, PartialEq, Eq)]
pub struct CallChoice {
    /// The call's id from `handset calls` (default: the ringing call for answer and reject,
    /// the active call otherwise).
    #[arg(value_name = "CALL")]
    pub call: Option<u32>,
    /// Print the call as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs a call subcommand against the daemon running on `dir`.
pub fn execute(dir: &DataDir, command: CallCommand) -> Result<ExitCode> {
    let Some(client) = Client::find(dir)? else {
        anyhow::bail!("no phone is running on {}", dir.root().display());
    };
    let (verb, path, json, body) = match command {
        CallCommand::Calls { json } => {
            let calls: Vec<CallSummary> = client.get("/calls")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&calls)?);
            } else {
                print!("{}", table(&calls));
            }
            return Ok(ExitCode::SUCCESS);
        }
        CallCommand::Dial {
            account,
            target,
            json,
        } => (
            "calling".to_owned(),
            "",
            json,
            to_body(&DialRequest { target, account })?,
        ),
        CallCommand::Dtmf { call, digits, json } => (
            format!("sent DTMF {digits} in"),
            "/dtmf",
            json,
            to_body(&DtmfRequest { call, digits })?,
        ),
        CallCommand::Transfer {
            call,
            attended,
            target,
            json,
        } => (
            "transferring".to_owned(),
            "/transfer",
            json,
            to_body(&TransferRequest {
                call,
                target,
                attended,
            })?,
        ),
        CallCommand::Answer(choice) => on_call("answered", "/answer", choice)?,
        CallCommand::Reject(choice) => on_call("rejected", "/reject", choice)?,
        CallCommand::Hangup(choice) => on_call("hung up", "/hangup", choice)?,
        CallCommand::Hold(choice) => on_call("held", "/hold", choice)?,
        CallCommand::Resume(choice) => on_call("resumed", "/resume", choice)?,
        CallCommand::Mute(choice) => on_call("muted", "/mute", choice)?,
        CallCommand::Unmute(choice) => on_call("unmuted", "/unmute", choice)?,
    };
    let call: CallSummary = client.post(&format!("/calls{path}"), &body)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&call)?);
    } else {
        println!("{verb} {}", describe(&call));
    }
    Ok(ExitCode::SUCCESS)
}

/// What a command on one call sends: its verb for the result line, path, `--json` and body.
type Request = (String, &'static str, bool, serde_json::Value);

fn on_call(verb: &str, path: &'static str, choice: CallChoice) -> Result<Request> {
    let body = to_body(&CallRequest { call: choice.call })?;
    Ok((verb.to_owned(), path, choice.json, body))
}

fn to_body(request: &impl Serialize) -> Result<serde_json::Value> {
    Ok(serde_json::to_value(request)?)
}

/// One line about a call: `call 3 (account 1, outgoing, "Bob" <sip:1002@pbx>): established, muted`.
pub fn describe(call: &CallSummary) -> String {
    let flags = flags(call);
    let codec = call
        .codec
        .as_deref()
        .map(|c| format!(", {c}"))
        .unwrap_or_default();
    format!(
        "call {} (account {}, {}, {}): {}{}{codec}",
        call.id,
        call.account,
        call.direction,
        remote(call),
        call.state,
        if flags.is_empty() {
            String::new()
        } else {
            format!(", {flags}")
        },
    )
}

/// The calls as a table, or a line saying there are none.
pub fn table(calls: &[CallSummary]) -> String {
    if calls.is_empty() {
        return "no calls\n".to_owned();
    }
    let rows: Vec<[String; 8]> = calls
        .iter()
        .map(|call| {
            let flags = flags(call);
            [
                call.id.to_string(),
                call.account.to_string(),
                call.direction.clone(),
                call.state.clone(),
                remote(call),
                if flags.is_empty() { "-".into() } else { flags },
                call.codec.clone().unwrap_or_else(|| "-".into()),
                call.talk_seconds
                    .map(talk_time)
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let header = [
        "id",
        "account",
        "direction",
        "state",
        "remote",
        "flags",
        "codec",
        "talk",
    ]
    .map(str::to_owned);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The peer as a user reads it: `"Name" <uri>` or the URI alone.
fn remote(call: &CallSummary) -> String {
    match call.remote_name.as_deref() {
        Some(name) if !name.is_empty() => format!("\"{name}\" <{}>", call.remote),
        _ => call.remote.clone(),
    }
}

/// `held`, `remote-held`, `muted`, comma-separated; empty when none applies.
fn flags(call: &CallSummary) -> String {
    [
        (call.held, "held"),
        (call.remote_held, "remote-held"),
        (call.muted, "muted"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect::<Vec<_>>()
    .join(",")
}

/// `m:ss`, or `h:mm:ss` from an hour on.
fn talk_time(seconds: u64) -> String {
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}")
    } else {
        format!("{minutes}:{seconds:02}")
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn parse(args: &[&str]) -> Result<CallCommand, clap::Error> {
        let cli = Cli::try_parse_from(std::iter::once("handset").chain(args.iter().copied()))?;
        match cli.command {
            Command::Calls(command) => Ok(command),
            other => panic!("not a call command: {other:?}"),
        }
    }

    fn choice(call: Option<u32>, json: bool) -> CallChoice {
        CallChoice { call, json }
    }

    #[test]
    fn dial_takes_an_account_and_a_target() {
        assert_eq!(
            parse(&["dial", "--account", "2", "sip:1002@pbx.example.com"]).unwrap(),
            CallCommand::Dial {
                account: Some(2),
                target: "sip:1002@pbx.example.com".into(),
                json: false
            }
        );
        assert_eq!(
            parse(&[
                "--data-dir",
                "/tmp/p",
                "dial",
                "192*168*1*60#5062",
                "--json"
            ])
            .unwrap(),
            CallCommand::Dial {
                account: None,
                target: "192*168*1*60#5062".into(),
                json: true
            }
        );
    }

    #[test]
    fn dial_refuses_account_zero_and_a_missing_target() {
        assert!(parse(&["dial", "--account", "0", "1002"]).is_err());
        assert!(parse(&["dial", "--account", "x", "1002"]).is_err());
        assert!(parse(&["dial"]).is_err());
    }

    #[test]
    fn commands_on_a_call_take_an_optional_call_id() {
        assert_eq!(
            parse(&["answer"]).unwrap(),
            CallCommand::Answer(choice(None, false))
        );
        assert_eq!(
            parse(&["reject", "4"]).unwrap(),
            CallCommand::Reject(choice(Some(4), false))
        );
        assert_eq!(
            parse(&["hangup", "3", "--json"]).unwrap(),
            CallCommand::Hangup(choice(Some(3), true))
        );
        assert_eq!(
            parse(&["hold", "1"]).unwrap(),
            CallCommand::Hold(choice(Some(1), false))
        );
        assert_eq!(
            parse(&["resume"]).unwrap(),
            CallCommand::Resume(choice(None, false))
        );
        assert_eq!(
            parse(&["mute", "2"]).unwrap(),
            CallCommand::Mute(choice(Some(2), false))
        );
        assert_eq!(
            parse(&["unmute"]).unwrap(),
            CallCommand::Unmute(choice(None, false))
        );
        assert!(parse(&["hold", "first"]).is_err());
        assert!(parse(&["hold", "-1"]).is_err());
        assert!(parse(&["hold", "1", "2"]).is_err());
    }

    #[test]
    fn dtmf_takes_digits_and_an_optional_call() {
        assert_eq!(
            parse(&["dtmf", "123#"]).unwrap(),
            CallCommand::Dtmf {
                call: None,
                digits: "123#".into(),
                json: false
            }
        );
        assert_eq!(
            parse(&["dtmf", "--call", "5", "*9"]).unwrap(),
            CallCommand::Dtmf {
                call: Some(5),
                digits: "*9".into(),
                json: false
            }
        );
        assert!(parse(&["dtmf"]).is_err());
    }

    #[test]
    fn transfer_takes_a_target_or_another_call() {
        assert_eq!(
            parse(&["transfer", "1003"]).unwrap(),
            CallCommand::Transfer {
                call: None,
                attended: None,
                target: Some("1003".into()),
                json: false
            }
        );
        assert_eq!(
            parse(&["transfer", "--call", "2", "--attended", "4", "--json"]).unwrap(),
            CallCommand::Transfer {
                call: Some(2),
                attended: Some(4),
                target: None,
                json: true
            }
        );
        assert!(parse(&["transfer"]).is_err());
        assert!(parse(&["transfer", "--attended", "4", "1003"]).is_err());
        assert!(parse(&["transfer", "--attended", "x"]).is_err());
    }

    #[test]
    fn calls_lists_as_table_or_json() {
        assert_eq!(
            parse(&["calls"]).unwrap(),
            CallCommand::Calls { json: false }
        );
        assert_eq!(
            parse(&["calls", "--json"]).unwrap(),
            CallCommand::Calls { json: true }
        );
    }

    fn call() -> CallSummary {
        CallSummary {
            id: 3,
            account: 1,
            direction: "outgoing".into(),
            state: "established".into(),
            remote: "sip:1002@pbx.example.com".into(),
            remote_name: Some("Bob".into()),
            held: true,
            remote_held: false,
            muted: true,
            codec: Some("PCMU/8000".into()),
            talk_seconds: Some(3725),
        }
    }

    #[test]
    fn a_call_reads_as_one_line() {
        assert_eq!(
            describe(&call()),
            "call 3 (account 1, outgoing, \"Bob\" <sip:1002@pbx.example.com>): established, \
             held,muted, PCMU/8000"
        );
        let ringing = CallSummary {
            direction: "incoming".into(),
            state: "ringing".into(),
            remote_name: None,
            held: false,
            muted: false,
            codec: None,
            talk_seconds: None,
            ..call()
        };
        assert_eq!(
            describe(&ringing),
            "call 3 (account 1, incoming, sip:1002@pbx.example.com): ringing"
        );
    }

    #[test]
    fn the_table_has_a_column_per_field() {
        let ringing = CallSummary {
            id: 12,
            account: 2,
            direction: "incoming".into(),
            state: "ringing".into(),
            remote: "sip:1001@pbx.example.com".into(),
            remote_name: None,
            held: false,
            remote_held: false,
            muted: false,
            codec: None,
            talk_seconds: None,
        };
        let text = table(&[call(), ringing]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with("id  account  direction  state"),
            "{text}"
        );
        assert!(lines[1].contains("held,muted"), "{text}");
        assert!(lines[1].ends_with("PCMU/8000  1:02:05"), "{text}");
        assert!(lines[2].starts_with("12  2        incoming"), "{text}");
        let cells: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(cells[5..], ["-", "-", "-"], "{text}");
        assert_eq!(table(&[]), "no calls\n");
    }

    #[test]
    fn talk_time_switches_to_hours() {
        assert_eq!(talk_time(0), "0:00");
        assert_eq!(talk_time(75), "1:15");
        assert_eq!(talk_time(3600), "1:00:00");
    }
}
