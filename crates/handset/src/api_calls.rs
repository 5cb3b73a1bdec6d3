//! The call routes of the control API: list, dial, and the commands on a call.
//!
//! - `GET /api/v1/calls`: the calls in progress, a JSON array of [`CallSummary`].
//! - `POST /api/v1/calls` with [`DialRequest`]: places a call, `201 Created` with its summary.
//! - `POST /api/v1/calls/{answer,reject,hangup,hold,resume,mute,unmute}` with an optional
//!   [`CallRequest`]: the call's summary after the command.
//! - `POST /api/v1/calls/dtmf` with [`DtmfRequest`]: sends digits in a call.
//! - `POST /api/v1/calls/transfer` with [`TransferRequest`]: transfers a call, blind to a
//!   target or attended to the peer of another call; the transferred call's summary.
//!
//! Without `"call"` the phone picks the obvious call (the ringing one for answer and reject,
//! the active one otherwise). Failures answer `{"error": kind, "message": sentence}` with
//! 404 (`not_found`), 409 (`conflict`), 400 (`invalid`) or 503 (`unavailable`, also when the
//! phone does not answer within 20 s).
//! `docs/control-api.md` has an example of each.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::daemon::Shared;
use crate::phone_runtime::control::{CallSelector, CallSummary, CommandError};

/// The DTMF events a call can carry (RFC 4733 events 0–15).
const DTMF_DIGITS: &str = "0123456789*#ABCD";

/// Bounds how long one request keeps a call busy sending tones.
const MAX_DTMF_DIGITS: usize = 64;

/// How long a request waits for the phone task. The phone answers a command once it has
/// acted on it, without waiting for the peer; a longer wait means it is stuck, and the
/// client's own 30 s limit should not be what ends the request.
const PHONE_ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

/// The call routes, merged into [`crate::api::router`] behind its token check.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v1/calls", get(list).post(dial))
        .route("/api/v1/calls/answer", post(answer))
        .route("/api/v1/calls/reject", post(reject))
        .route("/api/v1/calls/hangup", post(hangup))
        .route("/api/v1/calls/hold", post(hold))
        .route("/api/v1/calls/resume", post(resume))
        .route("/api/v1/calls/mute", post(mute))
        .route("/api/v1/calls/unmute", post(unmute))
        .route("/api/v1/calls/dtmf", post(dtmf))
        .route("/api/v1/calls/transfer", post(transfer))
}

/// Body of `POST /api/v1/calls`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialRequest {
    /// Digits, a user, a `sip:` URI or a direct IP call (`192*168*1*60#5062`).
    pub target: String,
    /// The account to call from (1-based); the preferred account when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<u8>,
}

/// Optional body of the commands on one call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    /// The call's id; the obvious call when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<u32>,
}

/// Body of `POST /api/v1/calls/dtmf`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DtmfRequest {
    /// The call's id; the active call when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<u32>,
    /// Digits to send: `0`–`9`, `*`, `#`, `A`–`D`.
    pub digits: String,
}

/// Body of `POST /api/v1/calls/transfer`: `target` for a blind transfer, or `attended` for
/// an attended one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// The call to transfer; the active call when absent (for an attended transfer, the
    /// established call other than `attended`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<u32>,
    /// Where to send the call (what `POST /api/v1/calls` dials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The call whose peer the transferred call's peer is joined with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attended: Option<u32>,
}

/// A failed call command as the API answers it.
#[derive(Debug)]
pub(crate) struct Rejected(pub(crate) CommandError);

impl From<CommandError> for Rejected {
    fn from(error: CommandError) -> Self {
        Self(error)
    }
}

/// The JSON body of a failure.
#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
}

impl IntoResponse for Rejected {
    fn into_response(self) -> Response {
        let status = match self.0.kind.as_str() {
            "not_found" => StatusCode::NOT_FOUND,
            "conflict" => StatusCode::CONFLICT,
            "invalid" => StatusCode::BAD_REQUEST,
            "unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            // A kind the contract does not name is the phone's fault, not the caller's.
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let body = ErrorBody {
            error: &self.0.kind,
            message: &self.0.message,
        };
        (status, Json(body)).into_response()
    }
}

/// Waits for the phone's answer to a command, at most [`PHONE_ANSWER_TIMEOUT`].
pub(crate) async fn ask<T>(
    answer: impl Future<Output = Result<T, CommandError>>,
) -> Result<T, Rejected> {
    match tokio::time::timeout(PHONE_ANSWER_TIMEOUT, answer).await {
        Ok(answer) => answer.map_err(Rejected),
        Err(_) => Err(Rejected(CommandError {
            kind: "unavailable".into(),
            message: format!(
                "the phone did not answer within {} s",
                PHONE_ANSWER_TIMEOUT.as_secs()
            ),
        })),
    }
}

/// Reads a JSON body; `None` when the body is empty.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<Option<T>, Rejected> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body).map(Some).map_err(|e| {
        Rejected(CommandError::invalid(format!(
            "the request body is not valid: {e}"
        )))
    })
}

/// Reads the optional `{"call": N}` of a command on one call.
fn selector(body: &[u8]) -> Result<CallSelector, Rejected> {
    Ok(parse_body::<CallRequest>(body)?.unwrap_or_default().call)
}

async fn list(State(shared): State<Arc<Shared>>) -> Result<Json<Vec<CallSummary>>, Rejected> {
    Ok(Json(ask(shared.phone.calls()).await?))
}

async fn dial(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<(StatusCode, Json<CallSummary>), Rejected> {
    let request: DialRequest = parse_body(&body)?.ok_or_else(|| {
        Rejected(CommandError::invalid(
            "a JSON body with the \"target\" to call is required",
        ))
    })?;
    let target = request.target.trim();
    if target.is_empty() {
        return Err(CommandError::invalid("the target to call is empty").into());
    }
    if target.chars().any(char::is_control) {
        return Err(CommandError::invalid("the target to call contains control characters").into());
    }
    if let Some(account) = request.account {
        let accounts = shared.identity.profile().accounts;
        if account == 0 || account > accounts {
            return Err(CommandError::invalid(format!(
                "there is no account {account}; this phone has accounts 1 to {accounts}"
            ))
            .into());
        }
    }
    let call = ask(shared.phone.dial(request.account, target.to_owned())).await?;
    Ok((StatusCode::CREATED, Json(call)))
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<CallSummary>, Rejected> {
    Ok(Json(ask(shared.phone.answer(selector(&body)?)).await?))
}

async fn reject(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<CallSummary>, Rejected> {
    Ok(Json(ask(shared.phone.reject(selector(&body)?)).await?))
}

async fn hangup(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<CallSummary>, Rejected> {
    Ok(Json(ask(shared.phone.hangup(selector(&body)?)).await?))
}

async fn hold(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<CallSummary>, Rejected> {
    Ok(Json(ask(shared.phone.hold(selector(&body)?)).await?))
}

async fn resume(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<CallSummary>, Rejected> {
    Ok(Json(ask(shared.phone.resume(selector(&body)?)).await?))
}

async fn mute(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<CallSummary>, Rejected> {
    Ok(Json(ask(shared.phone.mute(selector(&body)?, true)).await?))
}

async fn unmute(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<CallSummary>, Rejected> {
    Ok(Json(ask(shared.phone.mute(selector(&body)?, false)).await?))
}

async fn dtmf(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<CallSummary>, Rejected> {
    let request: DtmfRequest = parse_body(&body)?.ok_or_else(|| {
        Rejected(CommandError::invalid(
            "a JSON body with the \"digits\" to send is required",
        ))
    })?;
    let digits = dtmf_digits(&request.digits)?;
    Ok(Json(ask(shared.phone.dtmf(request.call, digits)).await?))
}

async fn transfer(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<CallSummary>, Rejected> {
    let request: TransferRequest = parse_body(&body)?.ok_or_else(|| {
        Rejected(CommandError::invalid(
            "a JSON body with the \"target\" or the \"attended\" call is required",
        ))
    })?;
    let target = match (request.target.as_deref().map(str::trim), request.attended) {
        (Some(_), Some(_)) => return Err(CommandError::invalid(
            "give \"target\" for a blind transfer or \"attended\" for an attended one, not both",
        )
        .into()),
        (None, None) => {
            return Err(CommandError::invalid(
                "give \"target\" for a blind transfer or \"attended\" for an attended one",
            )
            .into())
        }
        (Some(""), None) => {
            return Err(CommandError::invalid("the transfer target is empty").into())
        }
        (Some(target), None) if target.chars().any(char::is_control) => {
            return Err(
                CommandError::invalid("the transfer target contains control characters").into(),
            )
        }
        (target, _) => target.map(str::to_owned),
    };
    if request.call.is_some() && request.call == request.attended {
        return Err(CommandError::invalid("a call cannot be transferred to itself").into());
    }
    let call = shared
        .phone
        .transfer(request.call, target, request.attended);
    Ok(Json(ask(call).await?))
}

/// Checks DTMF digits and writes the letters upper-case, as RFC 4733 names the events.
fn dtmf_digits(text: &str) -> Result<String, CommandError> {
    let digits = text.trim().to_ascii_uppercase();
    if digits.is_empty() {
        return Err(CommandError::invalid("no DTMF digits to send"));
    }
    if let Some(bad) = digits.chars().find(|c| !DTMF_DIGITS.contains(*c)) {
        return Err(CommandError::invalid(format!(
            "{bad:?} is not a DTMF digit (0-9, *, #, A-D)"
        )));
    }
    if digits.len() > MAX_DTMF_DIGITS {
        return Err(CommandError::invalid(format!(
            "at most {MAX_DTMF_DIGITS} DTMF digits per request"
        )));
    }
    Ok(digits)
}

#[cfg(test)]
mod tests;
