//! The command line: `handset run`, `handset status`, `handset config …`, `handset models`,
//! `handset factory-reset`, and the call commands (`handset dial`, `handset calls`, …).

pub mod calls;
pub mod config;
pub mod phone;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use handset_config::model::PROFILES;

use crate::daemon::{self, RunOptions};
use crate::datadir::DataDir;
use crate::endpoints::Client;
use crate::logging::{self, LogFormat};

/// handset: an enterprise SIP phone as a Linux daemon.
#[derive(Debug, Parser)]
#[command(name = "handset", version, about)]
pub struct Cli {
    /// The phone's data directory (selects the phone for every command).
    #[arg(
        long,
        global = true,
        default_value = "handset-data",
        value_name = "DIR"
    )]
    pub data_dir: PathBuf,
    /// Log level or filter (error, warn, info, debug, trace; or `handset=debug,info`).
    #[arg(long, global = true, default_value = "info", value_name = "LEVEL")]
    pub log_level: String,
    /// Log line format.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the phone daemon.
    Run {
        /// Web UI and API address.
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
        http: SocketAddr,
        /// SIP port of account 1 (default 5060 or the next free port; 0 for any free port).
        #[arg(long, value_name = "N")]
        sip_port: Option<u16>,
        /// Device MAC for a new data directory (default: a random locally administered one).
        #[arg(long, value_name = "MAC")]
        mac: Option<String>,
        /// Model profile (see `handset models`).
        #[arg(long, value_name = "ID")]
        model: Option<String>,
        /// DNS server to ask (repeatable; `IP` or `IP:PORT`); default: the configured
        /// "Preferred DNS server", else the system's.
        #[arg(long = "dns", value_name = "ADDR", value_parser = parse_dns_server)]
        dns: Vec<SocketAddr>,
        /// Play this WAV file into every call (looping) instead of silence.
        #[arg(long, value_name = "WAV")]
        audio_in: Option<PathBuf>,
        /// Record what a call hears into this WAV file (a second call at once gets `-N`).
        #[arg(long, value_name = "WAV")]
        audio_out: Option<PathBuf>,
    },
    /// Show the running phone's status.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Read and change the configuration.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// The running phone's calls.
    #[command(flatten)]
    Calls(calls::CallCommand),
    /// Accounts, Do Not Disturb, forwarding and the call history.
    #[command(flatten)]
    Phone(phone::PhoneCommand),
    /// List the model profiles.
    Models,
    /// Wipe configuration and data, keeping the device identity; prints new passwords.
    FactoryReset {
        /// Confirm: without it nothing is done.
        #[arg(long)]
        yes: bool,
    },
}

/// `IP` (port 53) or `IP:PORT`.
fn parse_dns_server(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.parse::<std::net::IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("{text:?} is not an IP address or IP:PORT"))
}

/// Runs a parsed command line.
pub fn execute(cli: Cli) -> Result<ExitCode> {
    logging::init(&cli.log_level, cli.log_format)?;
    let dir = DataDir::new(cli.data_dir);
    match cli.command {
        Command::Run {
            http,
            sip_port,
            mac,
            model,
            dns,
            audio_in,
            audio_out,
        } => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(daemon::run(RunOptions {
                data_dir: dir,
                http,
                sip_port,
                mac,
                model,
                dns,
                audio: crate::phone_runtime::media::AudioFiles {
                    input: audio_in,
                    output: audio_out,
                },
            }))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { json } => status(&dir, json),
        Command::Config(command) => config::execute(&dir, command),
        Command::Calls(command) => calls::execute(&dir, command),
        Command::Phone(command) => phone::execute(&dir, command),
        Command::Models => {
            println!(
                "{:<10} {:<10} {:>8} {:>5} {:>5}",
                "id", "name", "accounts", "lines", "keys"
            );
            for p in PROFILES {
                println!(
                    "{:<10} {:<10} {:>8} {:>5} {:>5}",
                    p.id, p.name, p.accounts, p.lines, p.programmable_keys
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::FactoryReset { yes } => {
            if !yes {
                anyhow::bail!(
                    "factory reset wipes the configuration, contacts, call history and recordings of {}; add --yes to confirm",
                    dir.root().display()
                );
            }
            if Client::find(&dir)?.is_some() {
                anyhow::bail!("stop the running phone first");
            }
            let passwords = dir.factory_reset()?;
            println!("factory reset done; the identity was kept");
            println!("  admin password: {}", passwords.admin);
            println!("  user password:  {}", passwords.user);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn status(dir: &DataDir, json: bool) -> Result<ExitCode> {
    let Some(client) = Client::find(dir)? else {
        anyhow::bail!("no phone is running on {}", dir.root().display());
    };
    let status: serde_json::Value = client.get("/status")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(ExitCode::SUCCESS);
    }
    let parsed: crate::api::Status = serde_json::from_value(status)?;
    println!(
        "{} {} (MAC {}, serial {}), handset {}, up {} s",
        parsed.device.model_name,
        parsed.device.firmware,
        parsed.device.mac,
        parsed.device.serial,
        parsed.version,
        parsed.uptime_seconds
    );
    println!("web: http://{}", parsed.endpoints.http);
    for account in &parsed.accounts {
        let sip = parsed
            .endpoints
            .sip
            .iter()
            .find(|s| s.account == account.account)
            .map(|s| s.address.as_str())
            .unwrap_or("-");
        let dash = |s: &str| {
            if s.is_empty() {
                "-".to_owned()
            } else {
                s.to_owned()
            }
        };
        println!(
            "account {}: {}, user {} at {}, {}, SIP on {}",
            account.account,
            if account.active { "active" } else { "inactive" },
            dash(&account.user_id),
            dash(&account.sip_server),
            account.registration,
            sip
        );
    }
    Ok(ExitCode::SUCCESS)
}
