//! What happens on the phone, as events, and the Action URLs they turn into.
//!
//! A [`PhoneEvent`] names what happened and carries the account and call facts it reports.
//! [`Variables::for_event`] joins those facts with the phone's own ([`DeviceInfo`]) into the
//! values of the `$` variables, and [`ActionUrls`] fills the templates configured for the event
//! (P8304 to P8332, P22164 to P22172) into the URLs to request. Nothing here sends anything:
//! the caller issues the GETs.
//!
//! ```
//! use handset_phone::events::{ActionUrlSlot, ActionUrls, DeviceInfo, MacAddress, PhoneEvent, Variables};
//!
//! let mut urls = ActionUrls::default();
//! urls.set(ActionUrlSlot::OffHook, "192.168.1.94/mac=$mac&local=$local");
//! let device = DeviceInfo::new(MacAddress::parse("00:0b:82:79:f7:40").unwrap());
//! let event = PhoneEvent::OffHook;
//! let variables = Variables::for_event(&event, &device);
//! assert_eq!(
//!     urls.urls_for(&event, &variables),
//!     ["http://192.168.1.94/mac=0:b:82:79:f7:40&local="]
//! );
//! ```

mod action_url;
mod device;
mod error;
mod event;
mod variables;

pub use action_url::{ActionUrlSlot, ActionUrls};
pub use device::{DeviceInfo, MacAddress};
pub use error::EventError;
pub use event::{AccountRef, CallDirection, CallInfo, ForwardKind, Party, PhoneEvent};
pub use variables::{substitute, Variable, Variables};

#[cfg(test)]
mod tests;
