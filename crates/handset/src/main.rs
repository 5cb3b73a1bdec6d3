//! `handset`: the phone daemon and its command-line client.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // clap exits with status 2 on usage errors by itself.
    let cli = handset::cli::Cli::parse();
    match handset::cli::execute(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("handset: {}", one_line(&e));
            ExitCode::from(1)
        }
    }
}

fn one_line(e: &anyhow::Error) -> String {
    format!("{e:#}").replace('\n', " ")
}
