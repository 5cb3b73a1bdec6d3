//! The handset runtime: the daemon that wires the phone's cores to sockets, files and the web,
//! and the command-line client that talks to it.

pub mod api;
pub mod api_calls;
pub mod api_phone;
pub mod cli;
pub mod daemon;
pub mod datadir;
pub mod edit;
pub mod endpoints;
pub mod history;
pub mod logging;
pub mod media_runtime;
pub mod phone_runtime;
pub mod sip_runtime;
