//! Validation of setting values against their declaration.
//!
//! Every value is stored in its P-value text form: bool and enum settings as their code, integers
//! in decimal, text as given. [`normalize`] turns what a file or a form says into that form.

use crate::schema::{SettingDef, ValueType};

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// Not one of the codes or words of a bool/enum setting.
    #[error("{value:?} is not one of {allowed}")]
    NotAllowed {
        /// The offending value.
        value: String,
        /// The allowed codes with their words.
        allowed: String,
    },
    /// Not an integer.
    #[error("{value:?} is not a whole number")]
    NotANumber {
        /// The offending value.
        value: String,
    },
    /// An integer outside the setting's range.
    #[error("{value} is outside the range {min}..{max}")]
    OutOfRange {
        /// The offending value.
        value: i64,
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// Text longer than the setting allows.
    #[error("{len} characters is longer than the maximum of {max}")]
    TooLong {
        /// Length of the given value in characters.
        len: usize,
        /// Maximum length.
        max: usize,
    },
    /// Text holding a line break or another control character.
    #[error("control characters (such as line breaks) are not allowed")]
    ControlCharacter,
}

/// Checks `raw` against `def` and returns the value in P-value text form.
///
/// An empty value means "the default" for every type but text, where it is the empty string.
pub fn normalize(def: &SettingDef, raw: &str) -> Result<String, ValueError> {
    match &def.value_type {
        ValueType::Text { max_len } | ValueType::Password { max_len } => {
            if raw.chars().any(|c| c.is_control() && c != '\t') {
                return Err(ValueError::ControlCharacter);
            }
            let len = raw.chars().count();
            match max_len {
                Some(max) if len > *max => Err(ValueError::TooLong { len, max: *max }),
                _ => Ok(raw.to_owned()),
            }
        }
        _ if raw.trim().is_empty() => Ok(def.default.clone()),
        ValueType::Bool | ValueType::Enum => match def.code_of(raw) {
            Some(code) => Ok(code.code.to_string()),
            None => Err(ValueError::NotAllowed {
                value: raw.to_owned(),
                allowed: allowed_list(def),
            }),
        },
        ValueType::Int { min, max } => {
            let value: i64 = raw.trim().parse().map_err(|_| ValueError::NotANumber {
                value: raw.to_owned(),
            })?;
            if value < *min || value > *max {
                return Err(ValueError::OutOfRange {
                    value,
                    min: *min,
                    max: *max,
                });
            }
            Ok(value.to_string())
        }
    }
}

/// The v2 alias word for a stored value, or the value itself where there is none.
pub fn word_of<'a>(def: &'a SettingDef, stored: &'a str) -> &'a str {
    match def.value_type {
        ValueType::Bool | ValueType::Enum => def
            .code_of(stored)
            .map(|c| c.word.as_str())
            .unwrap_or(stored),
        _ => stored,
    }
}

fn allowed_list(def: &SettingDef) -> String {
    const SHOWN: usize = 12;
    let mut list: Vec<String> = def
        .codes
        .iter()
        .take(SHOWN)
        .map(|c| format!("{} ({})", c.code, c.word))
        .collect();
    if def.codes.len() > SHOWN {
        list.push(format!("… {} more", def.codes.len() - SHOWN));
    }
    list.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Lookup, Schema};

    fn def(key: &str) -> &'static SettingDef {
        let schema = Schema::builtin();
        match schema.lookup(key) {
            Lookup::Found(k) => schema.def(k.id),
            other => panic!("{key}: {other:?}"),
        }
    }

    #[test]
    fn bool_accepts_codes_and_words_case_insensitively() {
        let active = def("P271");
        assert_eq!(normalize(active, "1").unwrap(), "1");
        assert_eq!(normalize(active, " yes ").unwrap(), "1");
        assert_eq!(normalize(active, "No").unwrap(), "0");
        assert_eq!(normalize(active, "").unwrap(), active.default);
        let err = normalize(active, "7").unwrap_err();
        assert!(err.to_string().contains("0 (No), 1 (Yes)"), "{err}");
    }

    #[test]
    fn inverted_v2_booleans_map_words_to_the_opposite_code() {
        // P91 is "disable call waiting"; its v2 alias speaks of enabling it.
        let d = def("P91");
        assert_eq!(normalize(d, "Yes").unwrap(), "0");
        assert_eq!(word_of(d, "1"), "No");
    }

    #[test]
    fn enum_words_map_to_codes() {
        let dns_mode = def("account.1.network.dnsMode");
        assert_eq!(normalize(dns_mode, "NaptrOrSrv").unwrap(), "2");
        assert_eq!(word_of(dns_mode, "3"), "UseConfiguredIP");
    }

    #[test]
    fn integers_are_range_checked() {
        let schema = Schema::builtin();
        let (_, d) = schema
            .settings()
            .find(|(_, d)| matches!(d.value_type, ValueType::Int { min: 0, .. }))
            .unwrap();
        let ValueType::Int { max, .. } = d.value_type else {
            unreachable!()
        };
        assert_eq!(normalize(d, "0").unwrap(), "0");
        assert!(matches!(
            normalize(d, &(max + 1).to_string()),
            Err(ValueError::OutOfRange { .. })
        ));
        assert!(matches!(
            normalize(d, "ten"),
            Err(ValueError::NotANumber { .. })
        ));
    }

    #[test]
    fn text_keeps_hashes_and_rejects_line_breaks() {
        let server = def("P47");
        assert_eq!(normalize(server, "a#b").unwrap(), "a#b");
        assert_eq!(
            normalize(server, "a\nb").unwrap_err(),
            ValueError::ControlCharacter
        );
    }
}
