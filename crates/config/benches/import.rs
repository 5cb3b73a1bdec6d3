//! Import + validate of the largest vendor template (GRP261x, 2,394 settings), and export.
//!
//! `cargo bench -p handset-config --bench import`; reads the template from
//! `../shared/reference` beside the checkout (or `HANDSET_REFERENCE`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use handset_config::{format, ConfigStore, ExportOptions, Format, ImportOptions, Origin, Schema};

fn template() -> Option<Vec<u8>> {
    let dir = std::env::var("HANDSET_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference")
        });
    std::fs::read(dir.join("grandstream-config-templates/grp261x_config_1.0.5.15.txt")).ok()
}

fn import(c: &mut Criterion) {
    let Some(bytes) = template() else {
        eprintln!("skipped: the GRP261x template is not in ../shared/reference");
        return;
    };
    let schema = Schema::builtin();
    let store = ConfigStore::new(schema, 6);
    c.bench_function("parse+validate grp261x template (2394 settings)", |b| {
        b.iter(|| {
            let file = format::parse(black_box(&bytes)).unwrap();
            let report = store
                .check(&file, &ImportOptions::default(), Origin::Provisioning)
                .unwrap();
            assert!(report.is_valid());
            report.changes.len()
        })
    });
    let mut full = ConfigStore::new(schema, 6);
    let file = format::parse(&bytes).unwrap();
    full.import(
        &file,
        &ImportOptions::default(),
        Origin::Provisioning,
        handset_config::Commit::SaveAndApply,
    )
    .unwrap();
    c.bench_function("export all settings as XML v2", |b| {
        b.iter(|| {
            full.export(Format::XmlV2, None, ExportOptions::default())
                .written
        })
    });
    c.bench_function("parse the embedded schema", |b| {
        b.iter(|| {
            Schema::parse(black_box(include_str!("../schema/settings.tsv")))
                .unwrap()
                .len()
        })
    });
}

criterion_group!(benches, import);
criterion_main!(benches);
