//! The phone's configuration: one schema declaring every setting, a typed store that validates
//! against it, and the file formats provisioning systems speak.
//!
//! ```
//! use handset_config::{format, Commit, ConfigStore, ImportOptions, Origin, Schema};
//!
//! let mut store = ConfigStore::new(Schema::builtin(), 2);
//! let file = format::parse(b"P47 = pbx.example.com\nP271 = 1\n").unwrap();
//! let report = store
//!     .import(&file, &ImportOptions::default(), Origin::Provisioning, Commit::SaveAndApply)
//!     .unwrap();
//! assert_eq!(report.changes.len(), 2);
//! assert_eq!(store.get_by_name("account.1.sip.server.1.address").unwrap(), "pbx.example.com");
//! ```

pub mod encryption;
pub mod format;
pub mod model;
pub mod password;
pub mod persist;
pub mod report;
pub mod schema;
pub mod store;
pub mod value;

pub use format::{Format, FormatError, ParsedFile};
pub use model::ModelProfile;
pub use report::{Change, ChangeSet, ImportReport};
pub use schema::{Access, Effect, Schema, Scope, SettingDef, SettingKey, ValueType};
pub use store::{Commit, ConfigStore, ExportOptions, ImportError, ImportOptions, KeyError, Origin};
