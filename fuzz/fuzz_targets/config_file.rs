//! Any bytes as a configuration file: parsing, checking, importing and exporting never panic,
//! and what imports exports to a file that imports to the same configuration.
#![no_main]

use handset_config::{format, Commit, ConfigStore, ExportOptions, ImportOptions, Origin, Schema};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = format::parse(data) else {
        return;
    };
    let options = ImportOptions {
        device_mac: Some("000b82123456".into()),
    };
    let mut store = ConfigStore::new(Schema::builtin(), 16);
    if store
        .import(&file, &options, Origin::Provisioning, Commit::SaveAndApply)
        .is_err()
    {
        return;
    }
    let all = ExportOptions {
        changed_only: true,
        with_secrets: true,
    };
    let text = store.export(format::Format::Text, None, all).text;
    let mut again = ConfigStore::new(Schema::builtin(), 16);
    let reparsed = format::parse(text.as_bytes()).expect("an export parses");
    again
        .import(
            &reparsed,
            &options,
            Origin::Provisioning,
            Commit::SaveAndApply,
        )
        .expect("an export imports");
    assert!(store.changed().eq(again.changed()), "export round trip");
});
