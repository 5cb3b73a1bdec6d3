//! Phone-wide switches of the control API.
//!
//! - `GET /api/v1/dnd`: every account's Do Not Disturb, `[{"account": 1, "dnd": false}, …]`.
//! - `POST /api/v1/dnd` with [`DndRequest`]: switches it for one account or all, answering
//!   the same list.
//! - `POST /api/v1/calls/redial` and `/api/v1/calls/voicemail` with an optional
//!   [`AccountRequest`]: call again what was last dialed, or the voicemail access number;
//!   `201 Created` with the new call.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::api_calls::{ask, parse_body, Rejected};
use crate::daemon::Shared;
use crate::phone_runtime::control::{AccountDnd, CallSummary, CommandError};

/// The routes, merged into [`crate::api::router`] behind its token check.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v1/dnd", get(dnd_state).post(switch_dnd))
        .route("/api/v1/calls/redial", post(redial))
        .route("/api/v1/calls/voicemail", post(voicemail))
}

/// Body of `POST /api/v1/dnd`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DndRequest {
    /// On or off.
    pub on: bool,
    /// The account, 1-based; absent: every account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<u8>,
}

/// Body of `POST /api/v1/calls/redial` and `/voicemail`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountRequest {
    /// The account, 1-based; absent: the phone's choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<u8>,
}

async fn redial(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<(StatusCode, Json<CallSummary>), Rejected> {
    let request: AccountRequest = parse_body(&body)?.unwrap_or_default();
    let call = ask(shared.phone.redial(request.account)).await?;
    Ok((StatusCode::CREATED, Json(call)))
}

async fn voicemail(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<(StatusCode, Json<CallSummary>), Rejected> {
    let request: AccountRequest = parse_body(&body)?.unwrap_or_default();
    let call = ask(shared.phone.voicemail(request.account)).await?;
    Ok((StatusCode::CREATED, Json(call)))
}

async fn dnd_state(State(shared): State<Arc<Shared>>) -> Result<Json<Vec<AccountDnd>>, Rejected> {
    Ok(Json(ask(shared.phone.dnd(None, None)).await?))
}

async fn switch_dnd(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<Vec<AccountDnd>>, Rejected> {
    let request: DndRequest = parse_body(&body)?
        .ok_or_else(|| Rejected(CommandError::invalid("give {\"on\": true|false}")))?;
    Ok(Json(
        ask(shared.phone.dnd(request.account, Some(request.on))).await?,
    ))
}
