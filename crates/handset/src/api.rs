//! The daemon's JSON control API under `/api/v1`, used by the client commands.
//!
//! Every request carries `Authorization: Bearer <token>` with the token the daemon wrote to
//! `run/control.token` (readable by the phone's owner only).
//!
//! - `GET /api/v1/status`: device, endpoints, accounts.
//! - `POST /api/v1/config/edit`: an [`Edit`], answered with its [`Outcome`].
//! - `GET /api/v1/config/export?format=text|xml|xml2&changed=true&secrets=false`.
//! - `/api/v1/calls…`: the calls, see [`crate::api_calls`].
//! - `/api/v1/dnd`: Do Not Disturb, see [`crate::api_phone`].

use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use handset_config::{ExportOptions, Format};
use serde::{Deserialize, Serialize};

use crate::daemon::Shared;
use crate::edit::{self, Edit, Outcome};

/// The API routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v1/status", get(status))
        .route("/api/v1/config/edit", post(config_edit))
        .route("/api/v1/config/export", get(config_export))
        .merge(crate::api_calls::router())
        .merge(crate::api_phone::router())
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            require_token,
        ))
        .with_state(shared)
}

async fn require_token(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match presented {
        Some(token) if constant_time_eq(token.as_bytes(), shared.token.as_bytes()) => {
            next.run(request).await
        }
        _ => (
            StatusCode::UNAUTHORIZED,
            "a valid control token is required\n",
        )
            .into_response(),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The answer of `GET /api/v1/status`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Status {
    /// handset's version.
    pub version: String,
    /// Seconds since the daemon started.
    pub uptime_seconds: u64,
    /// Device identity and model.
    pub device: Device,
    /// The data directory.
    pub data_dir: String,
    /// Listening addresses.
    pub endpoints: crate::endpoints::Endpoints,
    /// One entry per SIP account.
    pub accounts: Vec<AccountStatus>,
}

/// Who the phone is.
#[derive(Debug, Serialize, Deserialize)]
pub struct Device {
    /// MAC with colons.
    pub mac: String,
    /// Model profile id.
    pub model: String,
    /// Model name.
    pub model_name: String,
    /// Serial number.
    pub serial: String,
    /// Firmware version reported.
    pub firmware: String,
    /// SIP/HTTP User-Agent.
    pub user_agent: String,
}

/// One account's configuration summary.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccountStatus {
    /// 1-based account number.
    pub account: u8,
    /// Whether the account is active.
    pub active: bool,
    /// Account name.
    pub name: String,
    /// SIP server.
    pub sip_server: String,
    /// SIP user id.
    pub user_id: String,
    /// Registration state.
    pub registration: String,
    /// The server address in use (`udp 192.0.2.1:5060`), empty when none.
    pub server: String,
    /// Voicemail waiting (`2 new, 8 old`, `none`), empty when unknown.
    pub voicemail: String,
}

async fn status(State(shared): State<Arc<Shared>>) -> Result<Json<Status>, ApiError> {
    let store = shared.config.lock().map_err(|_| ApiError::Poisoned)?;
    let profile = shared.identity.profile();
    let version = env!("CARGO_PKG_VERSION");
    let field = |account: u8, alias: &str| {
        store
            .get_by_name(&format!("account.{account}.{alias}"))
            .unwrap_or("")
            .to_owned()
    };
    let accounts = (1..=store.accounts())
        .map(|n| AccountStatus {
            account: n,
            active: field(n, "enable") == "1",
            name: field(n, "name"),
            sip_server: field(n, "sip.server.1.address"),
            user_id: field(n, "sip.userid"),
            registration: shared.registrations.get(n),
            server: shared.registrations.server(n),
            voicemail: shared.registrations.voicemail(n),
        })
        .collect();
    Ok(Json(Status {
        version: version.to_owned(),
        uptime_seconds: shared.started.elapsed().as_secs(),
        device: Device {
            mac: shared.identity.mac_colons(),
            model: profile.id.to_owned(),
            model_name: profile.name.to_owned(),
            serial: shared.identity.serial.clone(),
            firmware: profile.firmware_version(version).to_owned(),
            user_agent: profile.user_agent(version),
        },
        data_dir: shared.dir.root().display().to_string(),
        endpoints: shared.endpoints.clone(),
        accounts,
    }))
}

async fn config_edit(
    State(shared): State<Arc<Shared>>,
    Json(request): Json<Edit>,
) -> Result<Json<Outcome>, ApiError> {
    let shared = Arc::clone(&shared);
    // Password hashing and file IO block; keep them off the async workers.
    let outcome = tokio::task::spawn_blocking(move || -> Result<Outcome, ApiError> {
        let _lock = shared.dir.lock_config().map_err(ApiError::Internal)?;
        let mut store = shared.config.lock().map_err(|_| ApiError::Poisoned)?;
        let outcome = edit::apply(&mut store, request, &shared.identity.mac);
        if outcome.ok() {
            shared.dir.save_config(&store).map_err(ApiError::Internal)?;
        }
        Ok(outcome)
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))??;
    Ok(Json(outcome))
}

/// Query of `GET /api/v1/config/export`.
#[derive(Debug, Deserialize)]
struct ExportQuery {
    format: Option<String>,
    #[serde(default)]
    changed: bool,
    #[serde(default)]
    secrets: bool,
}

async fn config_export(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = match query.format.as_deref() {
        None => Format::Text,
        Some(name) => Format::from_name(name).ok_or(ApiError::BadRequest(format!(
            "unknown format {name:?}: text, xml or xml2"
        )))?,
    };
    let store = shared.config.lock().map_err(|_| ApiError::Poisoned)?;
    let export = store.export(
        format,
        Some(&shared.identity.mac),
        ExportOptions {
            changed_only: query.changed,
            with_secrets: query.secrets,
        },
    );
    let content_type = match format {
        Format::Text => "text/plain; charset=utf-8",
        Format::XmlV1 | Format::XmlV2 => "application/xml; charset=utf-8",
    };
    Ok(([(header::CONTENT_TYPE, content_type)], export.text).into_response())
}

/// An API failure.
#[derive(Debug)]
enum ApiError {
    BadRequest(String),
    Poisoned,
    Internal(anyhow::Error),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            Self::Poisoned => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the configuration is unavailable after an internal failure".to_owned(),
            ),
            Self::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "API request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))
            }
        };
        (status, message + "\n").into_response()
    }
}
