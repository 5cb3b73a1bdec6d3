//! `run/endpoints.json`: how client commands find a running daemon.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::datadir::DataDir;

/// The addresses a running daemon listens on, written once it is ready.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Endpoints {
    /// The daemon's process id.
    pub pid: u32,
    /// handset's version.
    pub version: String,
    /// Web UI and API address (`127.0.0.1:8080`).
    pub http: String,
    /// Base URL of the JSON API.
    pub api: String,
    /// SIP listening addresses, one per account.
    pub sip: Vec<SipEndpoint>,
}

/// Where one account listens for SIP.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SipEndpoint {
    /// Account number (1-based).
    pub account: u8,
    /// `udp`.
    pub transport: String,
    /// Local address.
    pub address: String,
}

/// A connection to the running daemon's API.
#[derive(Debug)]
pub struct Client {
    /// What the daemon published.
    pub endpoints: Endpoints,
    token: String,
    agent: ureq::Agent,
}

impl Client {
    /// Finds the daemon running on `dir`; `None` when none is.
    pub fn find(dir: &DataDir) -> Result<Option<Client>> {
        let path = dir.endpoints_path();
        let Some(endpoints) = read_endpoints(&path)? else {
            return Ok(None);
        };
        let token = std::fs::read_to_string(dir.token_path())
            .with_context(|| format!("{}: cannot read", dir.token_path().display()))?
            .trim()
            .to_owned();
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .new_agent();
        let client = Client {
            endpoints,
            token,
            agent,
        };
        // A file left by a daemon that was killed points nowhere.
        match client.get::<serde_json::Value>("/status") {
            Ok(_) => Ok(Some(client)),
            Err(e) if is_connect_error(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// GETs an API path (relative to `/api/v1`) as JSON.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let response = self
            .agent
            .get(format!("{}{path}", self.endpoints.api))
            .header("Authorization", format!("Bearer {}", self.token))
            .call()
            .map_err(anyhow::Error::from)?;
        read_json(response)
    }

    /// GETs an API path as text.
    pub fn get_text(&self, path: &str) -> Result<String> {
        let mut response = self
            .agent
            .get(format!("{}{path}", self.endpoints.api))
            .header("Authorization", format!("Bearer {}", self.token))
            .call()?;
        let status = response.status();
        let body = response.body_mut().read_to_string()?;
        if !status.is_success() {
            bail!("the daemon answered {status}: {body}");
        }
        Ok(body)
    }

    /// POSTs JSON to an API path and reads JSON back.
    pub fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T> {
        let response = self
            .agent
            .post(format!("{}{path}", self.endpoints.api))
            .header("Authorization", format!("Bearer {}", self.token))
            .send_json(body)?;
        read_json(response)
    }
}

fn read_json<T: DeserializeOwned>(mut response: ureq::http::Response<ureq::Body>) -> Result<T> {
    let status = response.status();
    let body = response.body_mut().read_to_string()?;
    if !status.is_success() {
        // The call routes explain a refusal in `{"error": kind, "message": sentence}`.
        if let Some(message) = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("message")?.as_str().map(str::to_owned))
        {
            bail!("{message}");
        }
        bail!("the daemon answered {status}: {body}");
    }
    serde_json::from_str(&body)
        .with_context(|| format!("unexpected answer from the daemon: {body}"))
}

fn is_connect_error(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<ureq::Error>(),
            Some(ureq::Error::Io(_) | ureq::Error::ConnectionFailed | ureq::Error::HostNotFound)
        ) || cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
    })
}

/// Reads `endpoints.json`; `None` when absent.
pub fn read_endpoints(path: &Path) -> Result<Option<Endpoints>> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            Ok(Some(serde_json::from_str(&text).with_context(|| {
                format!("{}: not valid", path.display())
            })?))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("{}: cannot read", path.display())),
    }
}
