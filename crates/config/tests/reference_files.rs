//! Every official vendor template and every real provisioning-system sample imports without an
//! invalid value, reports its unknown keys, and exports back to an equivalent file.
//!
//! The reference data lives outside the repository, in `../shared/reference` beside the checkout
//! (override with `HANDSET_REFERENCE`). Provisioning-system samples are templates: they are
//! rendered first by [`render_template`] (first branch of each conditional, loop bodies once,
//! variables as `1` inside names and empty inside values).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use handset_config::format::{self, Format};
use handset_config::{Commit, ConfigStore, ExportOptions, ImportOptions, Origin, Schema};

/// The reference data, or `None` (test skipped, with the reason printed) when it is not beside
/// the checkout. Under CI it must be there.
fn reference_dir() -> Option<PathBuf> {
    let dir = match std::env::var("HANDSET_REFERENCE") {
        Ok(dir) => PathBuf::from(dir),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "reference data not found at {} (set HANDSET_REFERENCE)",
        dir.display()
    );
    eprintln!(
        "skipped: reference data not found at {} (set HANDSET_REFERENCE)",
        dir.display()
    );
    None
}

const TEMPLATES: &[&str] = &[
    "grandstream-config-templates/grp261x_config_1.0.5.15.txt",
    "grandstream-config-templates/grp261x_config_v2_1.0.5.15.xml",
    "grandstream-config-templates/wp820_config_1.0.7.7.txt",
    "grandstream-config-templates/wp820_config_v2_1.0.7.7.xml",
    "grandstream-config-templates/gxp17xx_config_1.0.1.106.txt",
];

const SAMPLES: &[&str] = &[
    "provisioning/samples/06_fusionpbx_gxp16xx_cfgmac_v1_with_mac.xml",
    "provisioning/samples/07_fusionpbx_wp810_cfgmac_v1_with_mac.xml",
    "provisioning/samples/08_fusionpbx_grp2614_cfgmac_v2_with_pvalue_comments.xml",
    "provisioning/samples/09_fusionpbx_ghp6xx_cfgmac_v2.xml",
    "provisioning/samples/11_wazo_base_v1.tpl.xml",
    "provisioning/samples/12_wazo_base_v2.tpl.xml",
    "provisioning/samples/13_wazo_GXP2000_pvalue_text.tpl",
    "provisioning/samples/15_freepbx-epm_provisioner_gxphd_cfg$mac.xml",
];

fn store() -> ConfigStore {
    ConfigStore::new(Schema::builtin(), 16)
}

/// Imports `bytes`, checks it, exports it in the same format, and checks the export means the
/// same. Returns (entries, unknown keys).
fn round_trip(name: &str, bytes: &[u8]) -> (usize, usize) {
    let parsed = format::parse(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(!parsed.entries.is_empty(), "{name}: no settings found");
    let mut first = store();
    let report = first
        .import(
            &parsed,
            &ImportOptions::default(),
            Origin::Provisioning,
            Commit::SaveAndApply,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let unknown: Vec<_> = report.unknown_keys().map(|i| i.key.clone()).collect();
    println!(
        "{name}: {} entries, {} changed, {} unknown{}",
        parsed.entries.len(),
        report.changes.len(),
        unknown.len(),
        if unknown.is_empty() {
            String::new()
        } else {
            format!(
                " (e.g. {})",
                unknown
                    .iter()
                    .take(8)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
    );

    // Export every known key of the file in its own format and read it back.
    let exported = first.export(
        parsed.format,
        None,
        ExportOptions {
            changed_only: false,
            with_secrets: true,
        },
    );
    let reparsed = format::parse(exported.text.as_bytes()).unwrap();
    assert_eq!(reparsed.format, parsed.format, "{name}");
    let mut second = store();
    second
        .import(
            &reparsed,
            &ImportOptions::default(),
            Origin::Provisioning,
            Commit::SaveAndApply,
        )
        .unwrap_or_else(|e| panic!("{name} export: {e}"));
    assert_eq!(
        first.changed().collect::<Vec<_>>(),
        second.changed().collect::<Vec<_>>(),
        "{name}: the export does not carry the same configuration"
    );
    // Every key of the original that the format can carry is in the export with its value.
    for entry in &parsed.entries {
        let Ok(key) = first.resolve(&entry.key) else {
            continue;
        };
        assert_eq!(
            first.get(key),
            second.get(key),
            "{name} line {}: {}",
            entry.line,
            entry.key
        );
    }
    (parsed.entries.len(), unknown.len())
}

#[test]
fn official_templates_import_and_export_equivalently() {
    let Some(dir) = reference_dir() else { return };
    for template in TEMPLATES {
        let bytes = std::fs::read(dir.join(template)).unwrap();
        let (entries, _) = round_trip(template, &bytes);
        assert!(entries > 500, "{template}: only {entries} settings read");
    }
}

#[test]
fn the_largest_template_is_fully_known() {
    let Some(dir) = reference_dir() else { return };
    let bytes = std::fs::read(dir.join("grandstream-config-templates/grp261x_config_1.0.5.15.txt"))
        .unwrap();
    let parsed = format::parse(&bytes).unwrap();
    assert_eq!(parsed.format, Format::Text);
    assert_eq!(parsed.entries.len(), 2394);
    let report = store()
        .check(&parsed, &ImportOptions::default(), Origin::Provisioning)
        .unwrap();
    assert!(report.is_valid(), "{report}");
    assert_eq!(report.unknown_keys().count(), 0, "{report}");
}

#[test]
fn provisioning_system_samples_import_and_export_equivalently() {
    let Some(dir) = reference_dir() else { return };
    for sample in SAMPLES {
        let raw = std::fs::read_to_string(dir.join(sample)).unwrap();
        let rendered = render_template(&raw, sample.ends_with(".xml"));
        round_trip(sample, rendered.as_bytes());
    }
}

/// Renders a Smarty (FusionPBX, FreePBX) or Jinja (wazo) template the simple way: keep the first
/// branch of each conditional, loop bodies once, drop comments and assignments, and replace
/// variables by `1` inside names (tags, keys) and by nothing inside values.
fn render_template(source: &str, xml: bool) -> String {
    let mut out = String::new();
    // For each open conditional: whether we are past its first branch (skipping).
    let mut conditionals: Vec<bool> = Vec::new();
    let skipping = |c: &Vec<bool>| c.iter().any(|&s| s);
    let mut rest = source;
    while let Some(start) = find_tag(rest) {
        if !skipping(&conditionals) {
            out.push_str(&rest[..start]);
        }
        let tag_text = &rest[start..];
        let (close, inner) = if tag_text.starts_with("{{") {
            ("}}", 2)
        } else if tag_text.starts_with("{%") {
            ("%}", 2)
        } else if tag_text.starts_with("{#") {
            ("#}", 2)
        } else {
            ("}", 1)
        };
        let Some(end) = tag_text[inner..].find(close) else {
            break;
        };
        let body = tag_text[inner..inner + end]
            .trim()
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        rest = &tag_text[inner + end + close.len()..];
        let word = body.split_whitespace().next().unwrap_or("");
        match word {
            "if" => conditionals.push(false),
            "else" | "elseif" | "elif" => {
                if let Some(last) = conditionals.last_mut() {
                    *last = true;
                }
            }
            "/if" | "endif" => {
                conditionals.pop();
            }
            "for" | "foreach" | "/for" | "/foreach" | "endfor" | "set" | "literal" | "/literal" => {
            }
            _ if tag_text.starts_with("{#") => {}
            _ if body.starts_with('$') && body.contains('=') && !body.contains("==") => {}
            // Inside names, and glued to a word in a value (`Account{$line}`), a variable is 1.
            _ if !skipping(&conditionals)
                && (in_name(&out, xml) || out.ends_with(|c: char| c.is_alphabetic())) =>
            {
                out.push('1')
            }
            _ => {}
        }
    }
    if !skipping(&conditionals) {
        out.push_str(rest);
    }
    if xml {
        out = drop_bare_variables(&out);
    }
    out
}

/// Empties element values that are only a variable written without braces (`>$tp<`,
/// `>$wam}<`): slips in the FusionPBX GHP template that its renderer leaves as they are.
fn drop_bare_variables(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(">$") {
        out.push_str(&rest[..=i]);
        let after = &rest[i + 1..];
        let name_len = after[1..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(after.len(), |e| e + 1);
        let end = name_len + usize::from(after[name_len..].starts_with('}'));
        let is_name = after[1..].starts_with(|c: char| c.is_alphabetic() || c == '_');
        rest = if is_name && after[end..].starts_with("</") {
            &after[end..]
        } else {
            after
        };
    }
    out.push_str(rest);
    out
}

/// Finds the next template tag: `{{`, `{%`, `{#`, `{$`, or a Smarty keyword after `{`.
fn find_tag(text: &str) -> Option<usize> {
    const SMARTY: &[&str] = &[
        "{if ",
        "{else",
        "{/if}",
        "{elseif ",
        "{for",
        "{/for",
        "{literal}",
        "{/literal}",
    ];
    let mut from = 0;
    while let Some(i) = text[from..].find('{') {
        let at = from + i;
        let t = &text[at..];
        if t.starts_with("{{")
            || t.starts_with("{%")
            || t.starts_with("{#")
            || t.starts_with("{$")
            || SMARTY.iter().any(|k| t.starts_with(k))
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Whether the text written so far ends inside a name: an XML tag, or a text key before `=`.
fn in_name(out: &str, xml: bool) -> bool {
    if xml {
        out.rfind('<') > out.rfind('>')
    } else {
        let line = out.rsplit('\n').next().unwrap_or("");
        !line.contains('=')
    }
}

#[test]
fn template_rendering_keeps_first_branches_and_names() {
    let xml = "<item name=\"account.{$line}.enable\">{if $x}Yes{else}No{/if}</item><P{{ position }}01>{{ v }}</P{{ position }}01>{$tp=1}<P290>{ x+ | *x+ }</P290>";
    assert_eq!(
        render_template(xml, true),
        "<item name=\"account.1.enable\">Yes</item><P101></P101><P290>{ x+ | *x+ }</P290>"
    );
    assert_eq!(render_template("P{{ n }}0={{ v }}\n", false), "P10=\n");
    assert_eq!(
        render_template(
            "<P1>$tp</P1><P2>$wam}</P2><P3>Account{$line}</P3><P4>$5</P4>",
            true
        ),
        "<P1></P1><P2></P2><P3>Account1</P3><P4>$5</P4>"
    );
}
