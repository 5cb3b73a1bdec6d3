//! Finding the shared reference data beside the checkout.

use std::path::PathBuf;

/// `sip-torture` in the reference data (`../shared/reference` beside the checkout, or
/// `HANDSET_REFERENCE`), or `None` with the reason printed. Under CI it must be there.
pub(crate) fn sip_torture_dir() -> Option<PathBuf> {
    let reference = match std::env::var("HANDSET_REFERENCE") {
        Ok(dir) => PathBuf::from(dir),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"),
    };
    let dir = reference.join("sip-torture");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "SIP torture data not found at {} (set HANDSET_REFERENCE)",
        dir.display()
    );
    eprintln!(
        "skipped: SIP torture data not found at {} (set HANDSET_REFERENCE)",
        dir.display()
    );
    None
}
