//! SIP for the phone, as sans-IO state machines: messages and URIs, digest authentication,
//! transactions with the RFC 3261 timers, dialogs, registration and subscriptions.
//!
//! Nothing here reads a clock, opens a socket or spawns a task: time comes in as an argument
//! (`handle_*(now, …)`), and what to send comes out of `poll_*` calls.
pub mod account;
pub mod auth;
pub mod body;
pub mod dialog;
pub mod header;
pub mod keepalive;
pub mod locate;
pub mod message;
pub mod method;
pub mod param;
pub mod registration;
pub mod status;
pub mod subscription;
mod syntax;
#[cfg(test)]
mod test_support;
pub mod transaction;
pub mod uri;
pub use message::{Message, MessageBuilder, ParseError};
pub use method::Method;
pub use status::StatusCode;
