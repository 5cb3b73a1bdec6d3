//! The phone task: the sans-IO phone core on real time, between the account tasks (SIP), the
//! media worker (audio) and the control API.

pub mod control;
pub mod link;
pub mod media;
pub mod task;
