//! The settings schema: every setting the phone knows, declared once.
//!
//! The table lives in `schema/settings.tsv`, generated from the vendor templates by
//! `tools/gen_schema.py` (numbers, codes, ranges and defaults only). It is embedded in the binary
//! and parsed once; [`Schema::builtin`] returns the shared copy.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::value::ValueError;

/// The embedded schema table.
const BUILTIN_TSV: &str = include_str!("../schema/settings.tsv");

/// Highest account number addressable by alias (`account.16.…`).
pub const MAX_ACCOUNTS: u8 = 16;

/// Accounts 2..=6 have their own P-values; accounts beyond are addressed by alias only.
pub const ACCOUNTS_WITH_PVALUES: u8 = 6;

/// Index of a setting in the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SettingId(pub(crate) u16);

/// One addressable value: a setting, and for per-account settings the account (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SettingKey {
    /// Which setting.
    pub id: SettingId,
    /// 0 for global settings, 1..=16 for per-account settings.
    pub account: u8,
}

/// Whether a setting exists once or once per SIP account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One value for the phone.
    Global,
    /// One value per SIP account.
    Account,
}

/// Who may see and change a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// The end-user level and the administrator.
    User,
    /// The administrator only.
    Admin,
}

/// When a changed value takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// At once, when applied.
    Live,
    /// After the phone restarts.
    Restart,
}

/// The shape of a setting's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueType {
    /// 0 or 1 (with alias words, possibly inverted in v2 files).
    Bool,
    /// One of a fixed list of codes.
    Enum,
    /// An integer in an inclusive range.
    Int {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// Free text, optionally bounded in length.
    Text {
        /// Maximum length in characters.
        max_len: Option<usize>,
    },
    /// A secret: never logged, left out of exports unless asked for.
    Password {
        /// Maximum length in characters.
        max_len: Option<usize>,
    },
}

impl ValueType {
    /// The type's name as the schema table and `handset config schema` spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Bool => "bool",
            Self::Enum => "enum",
            Self::Int { .. } => "int",
            Self::Text { .. } => "string",
            Self::Password { .. } => "password",
        }
    }
}

/// One allowed value of a bool or enum setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumCode {
    /// The number written in P-value files.
    pub code: i64,
    /// The alias word written in v2 XML files.
    pub word: String,
    /// Other spellings of the word used by some firmware versions, accepted on input.
    pub alt_words: Vec<String>,
    /// What the web UI shows.
    pub label: String,
}

/// Words that mean "on" for a bool, whatever its own word is.
const POSITIVE_WORDS: [&str; 6] = ["yes", "on", "enable", "enabled", "true", "checked"];
/// Words that mean "off" for a bool.
const NEGATIVE_WORDS: [&str; 6] = ["no", "off", "disable", "disabled", "false", "unchecked"];

/// Compares alias words the way firmware versions vary them: case, `.`, `_`, `-` and spaces
/// do not matter (`G.722` = `G_722`, `User Name` = `UserName`).
pub fn words_match(a: &str, b: &str) -> bool {
    let loose = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, '.' | '_' | '-' | ' '))
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    loose(a) == loose(b)
}

impl EnumCode {
    fn matches_word(&self, text: &str) -> bool {
        words_match(&self.word, text) || self.alt_words.iter().any(|w| words_match(w, text))
    }
}

/// The declaration of one setting.
#[derive(Debug, Clone)]
pub struct SettingDef {
    /// P-value number (account 1's for per-account settings), if the setting has one.
    pub pvalue: Option<u32>,
    /// v2 alias; per-account settings are stored without the `account.N.` prefix.
    pub alias: Option<String>,
    /// Other spellings of the alias accepted on input.
    pub alt_aliases: Vec<String>,
    /// Global or per account.
    pub scope: Scope,
    /// P-values of accounts 2..=6.
    pub account_pvalues: [Option<u32>; 5],
    /// Value shape and bounds.
    pub value_type: ValueType,
    /// Allowed codes of bool/enum settings, in code order.
    pub codes: Vec<EnumCode>,
    /// Default value in P-value text form.
    pub default: String,
    /// Lowest level allowed to see and change it.
    pub access: Access,
    /// When a change takes effect.
    pub effect: Effect,
    /// Web UI page.
    pub page: String,
    /// Web UI section within the page.
    pub section: String,
    /// Short name shown in the web UI and in messages.
    pub label: String,
    /// Model families whose firmware has this setting.
    pub models: Vec<String>,
}

impl SettingDef {
    /// Whether the value is a secret.
    pub fn is_secret(&self) -> bool {
        matches!(self.value_type, ValueType::Password { .. })
    }

    /// The P-value of this setting for `account` (0 or 1 for account 1 / global).
    pub fn pvalue_for(&self, account: u8) -> Option<u32> {
        match (self.scope, account) {
            (Scope::Global, _) | (Scope::Account, 0 | 1) => self.pvalue,
            (Scope::Account, n) if n <= ACCOUNTS_WITH_PVALUES => {
                self.account_pvalues[usize::from(n - 2)]
            }
            _ => None,
        }
    }

    /// The alias of this setting for `account`, with the `account.N.` prefix where it applies.
    pub fn alias_for(&self, account: u8) -> Option<String> {
        let alias = self.alias.as_deref()?;
        Some(match self.scope {
            Scope::Global => alias.to_owned(),
            Scope::Account => format!("account.{}.{alias}", account.max(1)),
        })
    }

    /// Finds the code matching a code number or a word (see [`words_match`]). A bool also takes
    /// any yes/no synonym (`On`, `Enabled`, `true`, …) for its positive and negative code.
    pub fn code_of(&self, text: &str) -> Option<&EnumCode> {
        let text = text.trim();
        if let Ok(n) = text.parse::<i64>() {
            if let Some(c) = self.codes.iter().find(|c| c.code == n) {
                return Some(c);
            }
        }
        if let Some(c) = self.codes.iter().find(|c| c.matches_word(text)) {
            return Some(c);
        }
        if self.value_type != ValueType::Bool {
            return None;
        }
        let in_set = |set: &[&str], word: &str| set.iter().any(|w| words_match(w, word));
        let synonyms = if in_set(&POSITIVE_WORDS, text) {
            &POSITIVE_WORDS
        } else if in_set(&NEGATIVE_WORDS, text) {
            &NEGATIVE_WORDS
        } else {
            return None;
        };
        self.codes.iter().find(|c| in_set(synonyms, &c.word))
    }
}

/// A problem in the schema table itself.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("schema line {line}: {reason}")]
pub struct SchemaError {
    /// 1-based line in the table.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// All settings, with lookups by P-value and alias.
#[derive(Debug)]
pub struct Schema {
    settings: Vec<SettingDef>,
    by_pvalue: HashMap<u32, SettingKey>,
    by_global_alias: HashMap<String, SettingId>,
    by_account_alias: HashMap<String, SettingId>,
}

/// How a textual key resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// A known setting.
    Found(SettingKey),
    /// Not a setting this schema knows.
    Unknown,
    /// A per-account setting addressed with an account number out of 1..=16.
    BadAccount(u8),
}

impl Schema {
    /// The schema compiled into this build.
    pub fn builtin() -> &'static Schema {
        static BUILTIN: OnceLock<Schema> = OnceLock::new();
        BUILTIN.get_or_init(|| match Schema::parse(BUILTIN_TSV) {
            Ok(schema) => schema,
            // The table is generated and checked by the test suite; a broken table is a build bug.
            Err(e) => panic!("embedded settings schema is invalid: {e}"),
        })
    }

    /// Parses a schema table (the format `tools/gen_schema.py` writes).
    pub fn parse(tsv: &str) -> Result<Schema, SchemaError> {
        let mut settings = Vec::new();
        for (index, line) in tsv.lines().enumerate() {
            let line_no = index + 1;
            if line.starts_with('#') || line.starts_with("pvalue\t") || line.trim().is_empty() {
                continue;
            }
            let def = parse_row(line).map_err(|reason| SchemaError {
                line: line_no,
                reason,
            })?;
            settings.push((line_no, def));
        }
        let mut schema = Schema {
            settings: Vec::with_capacity(settings.len()),
            by_pvalue: HashMap::new(),
            by_global_alias: HashMap::new(),
            by_account_alias: HashMap::new(),
        };
        for (line, def) in settings {
            schema
                .insert(def)
                .map_err(|reason| SchemaError { line, reason })?;
        }
        Ok(schema)
    }

    fn insert(&mut self, def: SettingDef) -> Result<(), String> {
        let id = SettingId(
            u16::try_from(self.settings.len()).map_err(|_| "too many settings".to_owned())?,
        );
        let mut pvalues = vec![(def.pvalue, 1u8)];
        if def.scope == Scope::Account {
            pvalues.extend(def.account_pvalues.iter().zip(2u8..).map(|(p, a)| (*p, a)));
        }
        for (p, account) in pvalues {
            let Some(p) = p else { continue };
            let account = if def.scope == Scope::Global {
                0
            } else {
                account
            };
            if self
                .by_pvalue
                .insert(p, SettingKey { id, account })
                .is_some()
            {
                return Err(format!("P{p} declared twice"));
            }
        }
        let aliases = def.alias.iter().chain(def.alt_aliases.iter());
        for alias in aliases {
            let map = match def.scope {
                Scope::Global => &mut self.by_global_alias,
                Scope::Account => &mut self.by_account_alias,
            };
            if map.insert(alias.to_ascii_lowercase(), id).is_some() {
                return Err(format!("alias {alias} declared twice"));
            }
        }
        def.value_type_check()?;
        self.settings.push(def);
        Ok(())
    }

    /// Every setting, in table order.
    pub fn settings(&self) -> impl Iterator<Item = (SettingId, &SettingDef)> {
        self.settings
            .iter()
            .enumerate()
            .map(|(i, d)| (SettingId(i as u16), d))
    }

    /// Number of settings declared.
    pub fn len(&self) -> usize {
        self.settings.len()
    }

    /// Whether the schema declares no setting.
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty()
    }

    /// The declaration of a setting.
    pub fn def(&self, id: SettingId) -> &SettingDef {
        &self.settings[usize::from(id.0)]
    }

    /// Resolves a P-value number.
    pub fn by_pvalue(&self, number: u32) -> Option<SettingKey> {
        self.by_pvalue.get(&number).copied()
    }

    /// Resolves a global alias or an `account.N.…` alias, case-insensitively.
    pub fn by_alias(&self, alias: &str) -> Lookup {
        let lower = alias.trim().to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("account.") {
            if let Some((n, setting)) = rest.split_once('.') {
                if let Ok(account) = n.parse::<u8>() {
                    return match self.by_account_alias.get(setting) {
                        Some(_) if account == 0 || account > MAX_ACCOUNTS => {
                            Lookup::BadAccount(account)
                        }
                        Some(&id) => Lookup::Found(SettingKey { id, account }),
                        None => Lookup::Unknown,
                    };
                }
            }
        }
        match self.by_global_alias.get(&lower) {
            Some(&id) => Lookup::Found(SettingKey { id, account: 0 }),
            None => Lookup::Unknown,
        }
    }

    /// Resolves a key as users write it: `P47`, `p47`, `47`, or an alias.
    pub fn lookup(&self, key: &str) -> Lookup {
        let key = key.trim();
        if let Some(number) = parse_pvalue_name(key) {
            return match self.by_pvalue(number) {
                Some(k) => Lookup::Found(k),
                None => Lookup::Unknown,
            };
        }
        self.by_alias(key)
    }

    /// The canonical name of a key: its P-value where it has one, else its alias.
    pub fn key_name(&self, key: SettingKey) -> String {
        let def = self.def(key.id);
        match def.pvalue_for(key.account) {
            Some(p) => format!("P{p}"),
            None => def
                .alias_for(key.account)
                .unwrap_or_else(|| format!("setting#{}", key.id.0)),
        }
    }

    /// The account numbers a setting exists for, given how many accounts the phone has.
    pub fn accounts_of(&self, id: SettingId, accounts: u8) -> std::ops::RangeInclusive<u8> {
        match self.def(id).scope {
            Scope::Global => 0..=0,
            Scope::Account => 1..=accounts,
        }
    }

    /// Every key of the phone: global settings once, account settings per account.
    pub fn keys(&self, accounts: u8) -> impl Iterator<Item = SettingKey> + '_ {
        self.settings().flat_map(move |(id, _)| {
            self.accounts_of(id, accounts)
                .map(move |account| SettingKey { id, account })
        })
    }
}

/// Parses `P47` / `p47` / `47` into 47.
pub fn parse_pvalue_name(key: &str) -> Option<u32> {
    let digits = key
        .strip_prefix('P')
        .or_else(|| key.strip_prefix('p'))
        .unwrap_or(key);
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl SettingDef {
    fn value_type_check(&self) -> Result<(), String> {
        let name = self
            .pvalue
            .map(|p| format!("P{p}"))
            .or_else(|| self.alias.clone())
            .unwrap_or_default();
        if matches!(self.value_type, ValueType::Bool | ValueType::Enum) && self.codes.is_empty() {
            return Err(format!("{name}: a {} needs codes", self.value_type.name()));
        }
        crate::value::normalize(self, &self.default)
            .map(|_| ())
            .map_err(|e: ValueError| format!("{name}: default {:?}: {e}", self.default))
    }
}

fn parse_row(line: &str) -> Result<SettingDef, String> {
    let cols: Vec<&str> = line.split('\t').collect();
    let [pvalue, alias, alt_aliases, scope, account_pvalues, ty, min, max, codes, code_labels, default, access, effect, page, section, label, models] =
        cols[..]
    else {
        return Err(format!("expected 17 columns, found {}", cols.len()));
    };
    let pvalue = match pvalue {
        "" => None,
        p => Some(parse_pvalue_name(p).ok_or_else(|| format!("bad P-value {p:?}"))?),
    };
    let scope = match scope {
        "global" => Scope::Global,
        "account" => Scope::Account,
        other => return Err(format!("bad scope {other:?}")),
    };
    let alias = match (alias, scope) {
        ("", _) => None,
        (a, Scope::Account) => Some(strip_account_prefix(a)?),
        (a, Scope::Global) => Some(a.to_owned()),
    };
    if pvalue.is_none() && alias.is_none() {
        return Err("a setting needs a P-value or an alias".into());
    }
    let alt_aliases = split_list(alt_aliases, ',')
        .map(|a| match scope {
            Scope::Account => strip_account_prefix(a),
            Scope::Global => Ok(a.to_owned()),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut per_account = [None; 5];
    if scope == Scope::Account && !account_pvalues.is_empty() {
        let parts: Vec<&str> = account_pvalues.split(',').collect();
        if parts.len() != 5 {
            return Err(format!(
                "account_pvalues needs 5 entries: {account_pvalues:?}"
            ));
        }
        for (slot, p) in per_account.iter_mut().zip(parts) {
            if !p.is_empty() {
                *slot = Some(parse_pvalue_name(p).ok_or_else(|| format!("bad P-value {p:?}"))?);
            }
        }
    }
    let number = |s: &str| -> Result<Option<i64>, String> {
        match s {
            "" => Ok(None),
            s => s.parse().map(Some).map_err(|_| format!("bad number {s:?}")),
        }
    };
    let length = |s: &str| -> Result<Option<usize>, String> {
        number(s)?
            .map(|n| usize::try_from(n).map_err(|_| format!("bad length {n}")))
            .transpose()
    };
    let value_type = match ty {
        "bool" => ValueType::Bool,
        "enum" => ValueType::Enum,
        "int" => ValueType::Int {
            min: number(min)?.ok_or("int without min")?,
            max: number(max)?.ok_or("int without max")?,
        },
        "string" => ValueType::Text {
            max_len: length(max)?,
        },
        "password" => ValueType::Password {
            max_len: length(max)?,
        },
        other => return Err(format!("bad type {other:?}")),
    };
    let labels: Vec<&str> = if code_labels.is_empty() {
        Vec::new()
    } else {
        code_labels.split('|').collect()
    };
    let codes = split_list(codes, '|')
        .enumerate()
        .map(|(i, pair)| {
            let (code, words) = pair
                .split_once('=')
                .ok_or_else(|| format!("bad code {pair:?}"))?;
            let mut words = words.split(';').map(str::to_owned);
            let word = words.next().unwrap_or_default();
            Ok(EnumCode {
                code: code.parse().map_err(|_| format!("bad code {pair:?}"))?,
                label: labels
                    .get(i)
                    .map_or_else(|| word.clone(), |l| (*l).to_owned()),
                word,
                alt_words: words.collect(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(SettingDef {
        pvalue,
        alias,
        alt_aliases,
        scope,
        account_pvalues: per_account,
        value_type,
        codes,
        // No phone ships a shared secret: passwords start empty whatever the template says.
        default: if ty == "password" {
            String::new()
        } else {
            default.to_owned()
        },
        access: match access {
            "user" => Access::User,
            "admin" => Access::Admin,
            other => return Err(format!("bad access {other:?}")),
        },
        effect: match effect {
            "live" => Effect::Live,
            "restart" => Effect::Restart,
            other => return Err(format!("bad effect {other:?}")),
        },
        page: page.to_owned(),
        section: section.to_owned(),
        label: label.to_owned(),
        models: split_list(models, ',').map(str::to_owned).collect(),
    })
}

fn split_list(s: &str, sep: char) -> impl Iterator<Item = &str> {
    s.split(sep).map(str::trim).filter(|p| !p.is_empty())
}

fn strip_account_prefix(alias: &str) -> Result<String, String> {
    alias
        .strip_prefix("account.1.")
        .map(str::to_owned)
        .ok_or_else(|| format!("account alias {alias:?} must start with account.1."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_schema_parses_and_every_default_is_valid() {
        let schema = Schema::builtin();
        assert!(schema.len() > 2000, "only {} settings", schema.len());
    }

    #[test]
    fn account_settings_resolve_by_pvalue_and_alias() {
        let schema = Schema::builtin();
        let Lookup::Found(k1) = schema.lookup("P47") else {
            panic!("P47 unknown")
        };
        assert_eq!(k1.account, 1);
        let Lookup::Found(k2) = schema.lookup("P402") else {
            panic!("P402 unknown")
        };
        assert_eq!((k2.id, k2.account), (k1.id, 2));
        assert_eq!(
            schema.lookup("account.2.sip.server.1.address"),
            Lookup::Found(k2)
        );
        assert_eq!(
            schema.lookup("ACCOUNT.12.SIP.server.1.address"),
            Lookup::Found(SettingKey {
                id: k1.id,
                account: 12
            })
        );
        assert_eq!(
            schema.lookup("account.17.sip.server.1.address"),
            Lookup::BadAccount(17)
        );
        assert_eq!(
            schema.key_name(SettingKey {
                id: k1.id,
                account: 6
            }),
            "P1802"
        );
        assert_eq!(
            schema.key_name(SettingKey {
                id: k1.id,
                account: 7
            }),
            "account.7.sip.server.1.address"
        );
    }

    #[test]
    fn words_match_across_firmware_spellings() {
        assert!(words_match("G.722", "g_722"));
        assert!(words_match("User Name", "UserName"));
        assert!(words_match("0.5sec", "0_5sec"));
        assert!(!words_match("G.722", "G.729"));
    }

    #[test]
    fn bools_take_yes_no_synonyms_in_their_own_direction() {
        let row = |codes: &str| {
            let line = format!("P5\t\t\tglobal\t\tbool\t\t\t{codes}\t\t0\tadmin\tlive\tp\ts\tl\t");
            let schema = Schema::parse(&line).unwrap();
            schema.def(SettingId(0)).clone()
        };
        let plain = row("0=Disable|1=Enable");
        assert_eq!(plain.code_of("Yes").map(|c| c.code), Some(1));
        assert_eq!(plain.code_of("off").map(|c| c.code), Some(0));
        let inverted = row("0=Yes|1=No");
        assert_eq!(inverted.code_of("Enabled").map(|c| c.code), Some(0));
        assert_eq!(inverted.code_of("maybe"), None);
        let alternatives = Schema::parse(
            "P6\t\t\tglobal\t\tenum\t\t\t0=UNLIMITED;NoLimit|1=TLS1.2\t\t0\tadmin\tlive\tp\ts\tl\t",
        )
        .unwrap();
        let def = alternatives.def(SettingId(0));
        assert_eq!(def.code_of("nolimit").map(|c| c.code), Some(0));
        assert_eq!(def.code_of("TLS_1_2").map(|c| c.code), Some(1));
        assert_eq!(def.codes[0].word, "UNLIMITED");
    }

    #[test]
    fn pvalue_names_parse_strictly() {
        assert_eq!(parse_pvalue_name("P47"), Some(47));
        assert_eq!(parse_pvalue_name("p47"), Some(47));
        assert_eq!(parse_pvalue_name("47"), Some(47));
        assert_eq!(parse_pvalue_name("P"), None);
        assert_eq!(parse_pvalue_name("P4x"), None);
        assert_eq!(parse_pvalue_name("P-1"), None);
    }

    #[test]
    fn malformed_rows_are_reported_with_their_line() {
        let err = Schema::parse("# c\nP1\tx\n").unwrap_err();
        assert_eq!(err.line, 2);
        let dup = "P5\t\t\tglobal\t\tstring\t\t\t\t\t\tadmin\tlive\tp\ts\tl\t\n\
                   P5\t\t\tglobal\t\tstring\t\t\t\t\t\tadmin\tlive\tp\ts\tl\t\n";
        let err = Schema::parse(dup).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.reason.contains("twice"));
    }
}
