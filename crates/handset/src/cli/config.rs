//! `handset config …`.
//!
//! Reads come from `config.txt` (the daemon saves every change there). Changes go through the
//! running daemon when there is one, so it applies them at once; otherwise they are made to the
//! files directly under the configuration lock.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Subcommand, ValueEnum};
use handset_config::encryption::{self, KeyDerivation};
use handset_config::{ConfigStore, ExportOptions, Format, Scope, ValueType};

use crate::datadir::DataDir;
use crate::edit::{self, Edit, Outcome};
use crate::endpoints::Client;

/// The `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the settings that differ from the defaults (secrets masked).
    Show {
        /// Print every setting.
        #[arg(long)]
        all: bool,
    },
    /// Print one setting's value (KEY is a P-value like P47 or an alias).
    Get {
        /// P-value or alias.
        key: String,
    },
    /// Set settings: `set KEY VALUE [KEY VALUE …]`, all or none.
    Set {
        /// KEY VALUE pairs.
        #[arg(num_args = 2.., value_names = ["KEY", "VALUE"], required = true)]
        pairs: Vec<String>,
        /// Only save; do not apply until the next apply.
        #[arg(long)]
        save_only: bool,
    },
    /// Import a configuration file (text, XML v1/v2, possibly encrypted): all or nothing.
    Import {
        /// The file.
        file: PathBuf,
        /// Password of an encrypted file (default: the phone's XML config file password).
        #[arg(long)]
        password: Option<String>,
        /// Print every change.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Write the configuration as a file.
    Export {
        /// File format.
        #[arg(long, value_enum, default_value = "text")]
        format: ExportFormat,
        /// Only settings that differ from the defaults.
        #[arg(long)]
        changed: bool,
        /// Include passwords and other secrets.
        #[arg(long)]
        with_secrets: bool,
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Encrypt a file the way `openssl enc -aes-256-cbc` does.
    Encrypt {
        /// The plain file.
        file: PathBuf,
        /// The password.
        #[arg(long)]
        password: String,
        /// Key derivation (`md5` for OpenSSL before 1.1, `sha256` after, or `pbkdf2`).
        #[arg(long, value_enum, default_value = "sha256")]
        md: Derivation,
        /// PBKDF2 iterations.
        #[arg(long, default_value_t = KeyDerivation::PBKDF2_DEFAULT_ITERATIONS)]
        iter: u32,
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Decrypt a file made by `openssl enc -aes-256-cbc` (any of its key derivations).
    Decrypt {
        /// The encrypted file.
        file: PathBuf,
        /// The password.
        #[arg(long)]
        password: String,
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Check a file without applying it; exits 1 when it would be refused.
    Lint {
        /// The file.
        file: PathBuf,
        /// Password of an encrypted file.
        #[arg(long)]
        password: Option<String>,
    },
    /// List the settings: number, alias, type, default.
    Schema {
        /// Only settings whose number, alias or label contains this text.
        filter: Option<String>,
    },
    /// Reset every setting to its default (passwords included: the phone is left without
    /// login passwords until the next start creates new ones).
    Reset {
        /// Confirm.
        #[arg(long)]
        yes: bool,
    },
}

/// Formats for `export`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// P-value text.
    Text,
    /// XML v1 (`<Pnnn>`).
    Xml,
    /// XML v2 (`<item name="alias">`).
    Xml2,
}

/// Key derivations for `encrypt`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Derivation {
    /// EVP_BytesToKey with MD5.
    Md5,
    /// EVP_BytesToKey with SHA-256.
    Sha256,
    /// PBKDF2-HMAC-SHA256.
    Pbkdf2,
}

/// Runs a `config` subcommand.
pub fn execute(dir: &DataDir, command: ConfigCommand) -> Result<ExitCode> {
    match command {
        ConfigCommand::Show { all } => {
            let store = load(dir)?;
            let keys: Vec<_> = if all {
                store.schema().keys(store.accounts()).collect()
            } else {
                store.changed().map(|(k, _)| k).collect()
            };
            let mut out = std::io::stdout().lock();
            for key in keys {
                writeln!(
                    out,
                    "{} = {}",
                    store.schema().key_name(key),
                    edit::display_value(&store, key)
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        ConfigCommand::Get { key } => {
            let store = load(dir)?;
            let resolved = store.resolve(&key)?;
            println!("{}", edit::display_value(&store, resolved));
            Ok(ExitCode::SUCCESS)
        }
        ConfigCommand::Set { pairs, save_only } => {
            if !pairs.len().is_multiple_of(2) {
                bail!("set takes KEY VALUE pairs; {:?} has no value", pairs.last());
            }
            let values = pairs
                .chunks(2)
                .map(|p| (p[0].clone(), p[1].clone()))
                .collect();
            let outcome = change(
                dir,
                Edit::Set {
                    values,
                    apply: !save_only,
                },
            )?;
            finish(&outcome, true)
        }
        ConfigCommand::Import {
            file,
            password,
            verbose,
        } => {
            let bytes = read(&file)?;
            let outcome = change(
                dir,
                Edit::Import {
                    data_base64: edit::encode_base64(&bytes),
                    password,
                    from_user: true,
                },
            )?;
            finish(&outcome, verbose)
        }
        ConfigCommand::Export {
            format,
            changed,
            with_secrets,
            output,
        } => {
            let format = match format {
                ExportFormat::Text => Format::Text,
                ExportFormat::Xml => Format::XmlV1,
                ExportFormat::Xml2 => Format::XmlV2,
            };
            let identity = dir.identity()?;
            let store = load(dir)?;
            let export = store.export(
                format,
                Some(&identity.mac),
                ExportOptions {
                    changed_only: changed,
                    with_secrets,
                },
            );
            write_output(output.as_deref(), export.text.as_bytes())?;
            if export.secrets_left_out > 0 {
                eprintln!(
                    "{} secret(s) left out; add --with-secrets to include them",
                    export.secrets_left_out
                );
            }
            if export.not_representable > 0 {
                eprintln!(
                    "{} setting(s) cannot be written in {format} (no {}) and were left out",
                    export.not_representable,
                    if format == Format::XmlV1 {
                        "P-value"
                    } else {
                        "alias"
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ConfigCommand::Encrypt {
            file,
            password,
            md,
            iter,
            output,
        } => {
            let derivation = match md {
                Derivation::Md5 => KeyDerivation::Md5,
                Derivation::Sha256 => KeyDerivation::Sha256,
                Derivation::Pbkdf2 => KeyDerivation::Pbkdf2 { iterations: iter },
            };
            let sealed = encryption::encrypt(&read(&file)?, &password, derivation);
            write_output(output.as_deref(), &sealed)?;
            Ok(ExitCode::SUCCESS)
        }
        ConfigCommand::Decrypt {
            file,
            password,
            output,
        } => {
            let opened = encryption::decrypt(&read(&file)?, &password)
                .with_context(|| format!("{}", file.display()))?;
            write_output(output.as_deref(), &opened.plain)?;
            Ok(ExitCode::SUCCESS)
        }
        ConfigCommand::Lint { file, password } => {
            let bytes = read(&file)?;
            let (store, mac) = match dir.identity() {
                Ok(identity) => (dir.load_config(&identity)?, identity.mac),
                Err(_) => (
                    ConfigStore::new(
                        handset_config::Schema::builtin(),
                        handset_config::ModelProfile::default_profile().accounts,
                    ),
                    String::new(),
                ),
            };
            let outcome = edit::check(&store, bytes, password.as_deref(), &mac);
            print!("{}", outcome.render(false));
            if outcome.ok() {
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("handset: {}: would be refused", file.display());
                Ok(ExitCode::from(1))
            }
        }
        ConfigCommand::Schema { filter } => {
            print_schema(filter.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        ConfigCommand::Reset { yes } => {
            if !yes {
                bail!("reset puts every setting back to its default; add --yes to confirm");
            }
            let outcome = change(dir, Edit::ResetAll)?;
            finish(&outcome, false)
        }
    }
}

fn load(dir: &DataDir) -> Result<ConfigStore> {
    let identity = dir.identity()?;
    dir.load_config(&identity)
}

/// Applies an edit through the running daemon, or to the files when none runs.
pub(crate) fn change(dir: &DataDir, request: Edit) -> Result<Outcome> {
    if let Some(client) = Client::find(dir)? {
        return client.post("/config/edit", &request);
    }
    let identity = dir.identity()?;
    let _lock = dir.lock_config()?;
    let mut store = dir.load_config(&identity)?;
    let outcome = edit::apply(&mut store, request, &identity.mac);
    if outcome.ok() {
        dir.save_config(&store)?;
    }
    Ok(outcome)
}

pub(crate) fn finish(outcome: &Outcome, verbose: bool) -> Result<ExitCode> {
    print!("{}", outcome.render(verbose));
    if outcome.ok() {
        Ok(ExitCode::SUCCESS)
    } else {
        bail!(
            "{}",
            outcome
                .error
                .clone()
                .or_else(|| outcome.invalid.first().cloned())
                .unwrap_or_default()
        )
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("{}: cannot read", path.display()))
}

fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        Some(path) => {
            fs::write(path, bytes).with_context(|| format!("{}: cannot write", path.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
            Ok(())
        }
    }
}

fn print_schema(filter: Option<&str>) -> Result<()> {
    let schema = handset_config::Schema::builtin();
    let filter = filter.map(str::to_ascii_lowercase);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "pvalue\talias\ttype\tdefault\tscope\taccess\teffect\tlabel"
    )?;
    for (_, def) in schema.settings() {
        let pvalue = def.pvalue.map(|p| format!("P{p}")).unwrap_or_default();
        let alias = def.alias_for(1).unwrap_or_default();
        if let Some(f) = &filter {
            let hay = format!("{pvalue} {alias} {}", def.label).to_ascii_lowercase();
            if !hay.contains(f.as_str()) {
                continue;
            }
        }
        let ty = match &def.value_type {
            ValueType::Int { min, max } => format!("int {min}..{max}"),
            ValueType::Text { max_len: Some(n) } => format!("string ≤{n}"),
            ValueType::Password { max_len: Some(n) } => format!("password ≤{n}"),
            ValueType::Bool | ValueType::Enum => format!(
                "{} {}",
                def.value_type.name(),
                def.codes
                    .iter()
                    .map(|c| format!("{}={}", c.code, c.word))
                    .collect::<Vec<_>>()
                    .join("|")
            ),
            other => other.name().to_owned(),
        };
        writeln!(
            out,
            "{pvalue}\t{alias}\t{ty}\t{}\t{}\t{:?}\t{:?}\t{}",
            if def.is_secret() {
                ""
            } else {
                def.default.as_str()
            },
            match def.scope {
                Scope::Global => "global",
                Scope::Account => "account",
            },
            def.access,
            def.effect,
            def.label
        )?;
    }
    Ok(())
}
