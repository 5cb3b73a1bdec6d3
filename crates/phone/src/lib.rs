//! The phone: what turns the SIP stack and the media engine into calls. Sans-IO like the
//! crates below it: events and time come in as arguments, commands go out.
//!
//! So far it holds the step from an SDP offer/answer result to the media session it sets up
//! ([`media_setup`]), the dial plan that decides when and what the keypad dials ([`dialplan`]),
//! the dial session that turns keys into an outgoing call's target ([`dialing`]), the
//! policy that rings, answers or refuses a new call ([`incoming`]), the call forwarding
//! decisions for an account ([`forwarding`]), the events the phone reports with the
//! Action URLs they send ([`events`]), what the call history keeps of an ended call
//! ([`call_log`]), each account's call settings as the configuration holds them
//! ([`account_settings`]), and one call's INVITE dialog with its offer/answer ([`call`]).

pub mod account_settings;
pub mod call;
pub mod call_log;
pub mod dialing;
pub mod dialplan;
pub mod events;
pub mod forwarding;
pub mod incoming;
pub mod media_setup;
pub mod phone;
