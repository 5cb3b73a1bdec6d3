//! One account's registration settings, read from the configuration store.

use std::time::Duration;

use handset_config::ConfigStore;
use handset_sip::auth::Credentials;
use handset_sip::locate::{ServerName, ServerNameError};
use handset_sip::registration::UnregisterMode;
use handset_sip::transaction::TimerConfig;
use sha2::{Digest, Sha256};

/// What an account needs to register, read from `account.N.…`.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountSettings {
    /// 1-based account number.
    pub account: u8,
    /// The SIP server as configured.
    pub server: ServerName,
    /// SIP user id (the address of record's user).
    pub user_id: String,
    /// Digest user name and password.
    pub credentials: Credentials,
    /// Requested binding lifetime in seconds.
    pub expires: u32,
    /// Seconds before expiry to refresh.
    pub reregister_before: u32,
    /// Wait after a failure.
    pub retry_wait: Duration,
    /// What stopping removes.
    pub unregister: UnregisterMode,
    /// Transaction timers.
    pub timers: TimerConfig,
}

impl std::fmt::Debug for AccountSettings {
    // Written by hand so that the password never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountSettings")
            .field("account", &self.account)
            .field("server", &self.server)
            .field("user_id", &self.user_id)
            .field("auth_id", &self.credentials.username)
            .field("expires", &self.expires)
            .field("reregister_before", &self.reregister_before)
            .field("retry_wait", &self.retry_wait)
            .field("unregister", &self.unregister)
            .field("timers", &self.timers)
            .finish_non_exhaustive()
    }
}

/// Why an account does not register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inactive {
    /// `account.N.enable` is off.
    Disabled,
    /// `account.N.sip.registration` is off.
    RegistrationOff,
    /// No SIP server or no user id.
    Incomplete,
    /// The SIP server setting is unusable.
    BadServer(ServerNameError),
}

/// Reads account `account`'s registration settings; `Err` when it does not register.
pub fn read(store: &ConfigStore, account: u8) -> Result<AccountSettings, Inactive> {
    let get = |alias: &str| {
        store
            .get_by_name(&format!("account.{account}.{alias}"))
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let number = |alias: &str, default: u64| get(alias).parse::<u64>().unwrap_or(default);
    if get("enable") != "1" {
        return Err(Inactive::Disabled);
    }
    if get("sip.registration") == "0" {
        return Err(Inactive::RegistrationOff);
    }
    let server_text = get("sip.server.1.address");
    let user_id = get("sip.userid");
    if server_text.is_empty() || user_id.is_empty() {
        return Err(Inactive::Incomplete);
    }
    let server = ServerName::parse(&server_text).map_err(Inactive::BadServer)?;
    let auth_id = match get("sip.subscriber.userid") {
        id if id.is_empty() => user_id.clone(),
        id => id,
    };
    let password = store
        .get_by_name(&format!("account.{account}.sip.subscriber.password"))
        .unwrap_or("")
        .to_owned();
    // "Register Expiration" is in minutes; 0 falls back to the default hour.
    let minutes = match number("sip.registerExpiration", 60) {
        0 => 60,
        m => m,
    };
    let unregister = match get("sip.unregisterOnReboot").as_str() {
        "1" => UnregisterMode::All,
        "2" => UnregisterMode::Instance,
        _ => UnregisterMode::No,
    };
    // T1/T2 codes are in units of 10 ms (50 = 0.5 s).
    let mut timers = TimerConfig::default()
        .with_t1(Duration::from_millis(
            number("sip.timer.t1", 50).max(1) * 10,
        ))
        .with_t2(Duration::from_millis(
            number("sip.timer.t2", 400).max(1) * 10,
        ));
    match number("sip.timerd.interval", 0) {
        0 => {}
        seconds => timers = timers.with_timer_d(Duration::from_secs(seconds)),
    }
    Ok(AccountSettings {
        account,
        server,
        user_id,
        credentials: Credentials::new(auth_id, password),
        expires: u32::try_from(minutes.saturating_mul(60)).unwrap_or(u32::MAX),
        reregister_before: u32::try_from(number("sip.registerBeforeExpiration", 0))
            .unwrap_or(u32::MAX),
        retry_wait: Duration::from_secs(number("sip.registrationFailureRetryWaitTime", 20).max(1)),
        unregister,
        timers,
    })
}

/// A stable RFC 5626 instance id for an account of the device with MAC `mac`: a UUID (version
/// 8, name-based with SHA-256) of the MAC and the account number.
pub fn instance_id(mac: &str, account: u8) -> String {
    let digest = Sha256::digest(format!("handset instance {mac} account {account}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_are_stable_uuids_per_account() {
        let a = instance_id("000b82123456", 1);
        assert_eq!(a, instance_id("000b82123456", 1));
        assert_ne!(a, instance_id("000b82123456", 2));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
    }
}
