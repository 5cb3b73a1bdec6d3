//! The call routes over HTTP against a scripted phone task: status codes, bodies, the error
//! mapping, and the command-line client reading the API's messages.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::Rejected;
use crate::cli::calls::{self as cli_calls, CallChoice, CallCommand};
use crate::daemon::Shared;
use crate::datadir::{DataDir, Identity};
use crate::endpoints::{Client, Endpoints};
use crate::phone_runtime::control::{CallSummary, Command, CommandError, PhoneHandle};
use crate::sip_runtime::StatusBoard;

const TOKEN: &str = "test-token";

/// A phone that keeps a list of calls and answers commands the way the contract describes,
/// logging each command it received.
struct FakePhone {
    calls: Vec<CallSummary>,
    next_id: u32,
    log: Arc<Mutex<Vec<String>>>,
}

fn ringing_call() -> CallSummary {
    CallSummary {
        id: 7,
        account: 1,
        direction: "incoming".into(),
        state: "ringing".into(),
        remote: "sip:1001@pbx.example.com".into(),
        remote_name: Some("Alice".into()),
        held: false,
        remote_held: false,
        muted: false,
        codec: None,
        talk_seconds: None,
    }
}

impl FakePhone {
    fn find(&mut self, call: Option<u32>, wanted_state: &str) -> Result<usize, CommandError> {
        match call {
            Some(id) => self
                .calls
                .iter()
                .position(|c| c.id == id)
                .ok_or_else(|| CommandError::not_found(format!("there is no call {id}"))),
            None => self
                .calls
                .iter()
                .position(|c| c.state == wanted_state)
                .ok_or_else(|| CommandError::not_found(format!("no {wanted_state} call"))),
        }
    }

    fn change(
        &mut self,
        call: Option<u32>,
        wanted_state: &str,
        change: impl FnOnce(&mut CallSummary),
    ) -> Result<CallSummary, CommandError> {
        let index = self.find(call, wanted_state)?;
        let found = &mut self.calls[index];
        if found.state != wanted_state {
            return Err(CommandError::conflict(format!(
                "call {} is {}, not {wanted_state}",
                found.id, found.state
            )));
        }
        change(found);
        let changed = found.clone();
        if changed.state == "ended" {
            self.calls.remove(index);
        }
        Ok(changed)
    }

    fn handle(&mut self, command: Command) {
        let sink = Arc::clone(&self.log);
        let log = move |line: String| sink.lock().unwrap().push(line);
        match command {
            Command::Dial {
                account,
                target,
                reply,
            } => {
                log(format!("dial {account:?} {target}"));
                let answer = if target == "odd" {
                    Err(CommandError {
                        kind: "strange".into(),
                        message: "a kind nobody agreed on".into(),
                    })
                } else {
                    self.next_id += 1;
                    let call = CallSummary {
                        id: self.next_id,
                        account: account.unwrap_or(1),
                        direction: "outgoing".into(),
                        state: "calling".into(),
                        remote: format!("sip:{target}@pbx.example.com"),
                        remote_name: None,
                        ..ringing_call()
                    };
                    self.calls.push(call.clone());
                    Ok(call)
                };
                let _ = reply.send(answer);
            }
            Command::Answer(call, reply) => {
                log(format!("answer {call:?}"));
                let answer = self.change(call, "ringing", |c| {
                    c.state = "established".into();
                    c.codec = Some("PCMU/8000".into());
                    c.talk_seconds = Some(0);
                });
                let _ = reply.send(answer);
            }
            Command::Reject(call, reply) => {
                log(format!("reject {call:?}"));
                let _ = reply.send(self.change(call, "ringing", |c| c.state = "ended".into()));
            }
            Command::Hangup(call, reply) => {
                log(format!("hangup {call:?}"));
                let _ = reply.send(self.change(call, "established", |c| {
                    c.state = "ended".into();
                }));
            }
            Command::Hold(call, reply) => {
                log(format!("hold {call:?}"));
                let _ = reply.send(self.change(call, "established", |c| c.held = true));
            }
            Command::Resume(call, reply) => {
                log(format!("resume {call:?}"));
                let _ = reply.send(self.change(call, "established", |c| c.held = false));
            }
            Command::Mute(call, on, reply) => {
                log(format!("mute {call:?} {on}"));
                let _ = reply.send(self.change(call, "established", |c| c.muted = on));
            }
            Command::Dtmf(call, digits, reply) => {
                log(format!("dtmf {call:?} {digits}"));
                let _ = reply.send(self.change(call, "established", |_| {}));
            }
            Command::Transfer {
                call,
                target,
                attended,
                reply,
            } => {
                log(format!("transfer {call:?} {target:?} {attended:?}"));
                let _ = reply.send(self.change(call, "established", |c| c.held = true));
            }
            Command::List(reply) => {
                log("list".into());
                let _ = reply.send(self.calls.clone());
            }
            Command::Redial(account, reply) | Command::Voicemail(account, reply) => {
                log(format!("again {account:?}"));
                let _ = reply.send(Err(CommandError::invalid("nothing was dialed yet")));
            }
            Command::Dnd { account, on, reply } => {
                log(format!("dnd {account:?} {on:?}"));
                let dnd = on.unwrap_or(false);
                let _ = reply.send(Ok(vec![crate::phone_runtime::control::AccountDnd {
                    account: 1,
                    dnd,
                }]));
            }
        }
    }
}

/// The API served on a local port with the fake phone behind it.
struct Harness {
    base: String,
    dir: DataDir,
    log: Arc<Mutex<Vec<String>>>,
    _root: tempfile::TempDir,
}

impl Harness {
    /// Serves the API; `phone_running: false` leaves nobody at the other end of the channel.
    async fn start(phone_running: bool) -> Harness {
        let root = tempfile::tempdir().unwrap();
        let dir = DataDir::new(root.path().join("phone"));
        std::fs::create_dir_all(dir.run_dir()).unwrap();
        let identity = Identity {
            mac: "000b82123456".into(),
            model: "handset".into(),
            serial: "TEST0001".into(),
        };
        let config = dir.load_config(&identity).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let endpoints = Endpoints {
            pid: std::process::id(),
            version: "test".into(),
            http: address.to_string(),
            api: format!("http://{address}/api/v1"),
            sip: Vec::new(),
        };
        std::fs::write(
            dir.endpoints_path(),
            serde_json::to_string(&endpoints).unwrap(),
        )
        .unwrap();
        std::fs::write(dir.token_path(), TOKEN).unwrap();
        let (commands, mut inbox) = mpsc::channel(8);
        let log = Arc::new(Mutex::new(Vec::new()));
        if phone_running {
            let mut phone = FakePhone {
                calls: vec![ringing_call()],
                next_id: 20,
                log: Arc::clone(&log),
            };
            tokio::spawn(async move {
                while let Some(command) = inbox.recv().await {
                    phone.handle(command);
                }
            });
        } else {
            drop(inbox);
        }
        let shared = Arc::new(Shared {
            dir: dir.clone(),
            identity,
            config: Mutex::new(config),
            started: Instant::now(),
            token: TOKEN.into(),
            endpoints: endpoints.clone(),
            registrations: StatusBoard::default(),
            phone: PhoneHandle::new(commands),
            phone_link: crate::phone_runtime::link::PhoneLink::new().0,
        });
        let app = crate::api::router(shared);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Harness {
            base: endpoints.api,
            dir,
            log,
            _root: root,
        }
    }

    /// Sends a request with the token; answers the status and the body (JSON when it is).
    async fn send(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let method = method.to_owned();
        let body = body.map(str::to_owned);
        tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let auth = format!("Bearer {TOKEN}");
            let response = match (method.as_str(), body) {
                ("GET", _) => agent.get(&url).header("Authorization", &auth).call(),
                (_, Some(body)) => agent
                    .post(&url)
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .send(body),
                (_, None) => agent.post(&url).header("Authorization", &auth).send_empty(),
            };
            let mut response = response.unwrap();
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string().unwrap();
            let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            (status, value)
        })
        .await
        .unwrap()
    }

    fn commands(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn lists_the_calls() {
    let api = Harness::start(true).await;
    let (status, body) = api.send("GET", "/calls", None).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!([serde_json::to_value(ringing_call()).unwrap()]));
    assert_eq!(body[0]["remote_name"], "Alice");
}

#[tokio::test]
async fn dial_answers_201_with_the_new_call() {
    let api = Harness::start(true).await;
    let (status, body) = api
        .send(
            "POST",
            "/calls",
            Some(r#"{"target": " 1002 ", "account": 2}"#),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["id"], 21);
    assert_eq!(body["account"], 2);
    assert_eq!(body["direction"], "outgoing");
    assert_eq!(body["state"], "calling");
    assert_eq!(api.commands(), ["dial Some(2) 1002"]);

    let (status, _) = api
        .send(
            "POST",
            "/calls",
            Some(r#"{"target": "sip:1003@pbx.example.com"}"#),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        api.commands()[1],
        "dial None sip:1003@pbx.example.com",
        "no account means the phone's choice"
    );
}

#[tokio::test]
async fn dial_refuses_bad_requests_before_the_phone_sees_them() {
    let api = Harness::start(true).await;
    let cases = [
        (None, "required"),
        (Some("{\"target\": \"1002\""), "not valid"),
        (Some("{\"account\": 1}"), "missing field `target`"),
        (
            Some("{\"target\": \"1002\", \"acount\": 1}"),
            "unknown field `acount`",
        ),
        (Some("{\"target\": \"   \"}"), "empty"),
        (Some("{\"target\": \"10\\n02\"}"), "control characters"),
        (
            Some("{\"target\": \"1002\", \"account\": 0}"),
            "no account 0",
        ),
        (
            Some("{\"target\": \"1002\", \"account\": 7}"),
            "accounts 1 to 6",
        ),
        (Some("{\"target\": \"1002\", \"account\": 300}"), "u8"),
        (Some("[1, 2]"), "not valid"),
    ];
    for (body, expected) in cases {
        let (status, answer) = api.send("POST", "/calls", body).await;
        assert_eq!(status, 400, "{body:?}: {answer}");
        assert_eq!(answer["error"], "invalid", "{body:?}");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(expected), "{body:?}: {message}");
    }
    assert!(api.commands().is_empty(), "{:?}", api.commands());
}

#[tokio::test]
async fn commands_on_a_call_pass_the_selector_and_answer_the_call() {
    let api = Harness::start(true).await;
    let (status, body) = api.send("POST", "/calls/answer", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], 7);
    assert_eq!(body["state"], "established");

    let (status, body) = api
        .send("POST", "/calls/hold", Some(r#"{"call": 7}"#))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["held"], true);
    let (_, body) = api.send("POST", "/calls/resume", Some("{}")).await;
    assert_eq!(body["held"], false);
    let (_, body) = api.send("POST", "/calls/mute", Some(" ")).await;
    assert_eq!(body["muted"], true);
    let (_, body) = api
        .send("POST", "/calls/unmute", Some(r#"{"call": 7}"#))
        .await;
    assert_eq!(body["muted"], false);
    let (status, body) = api
        .send("POST", "/calls/dtmf", Some(r#"{"digits": "12a#*"}"#))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api.send("POST", "/calls/hangup", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "ended");

    assert_eq!(
        api.commands(),
        [
            "answer None",
            "hold Some(7)",
            "resume None",
            "mute None true",
            "mute Some(7) false",
            "dtmf None 12A#*",
            "hangup None",
        ]
    );
    let (_, body) = api.send("GET", "/calls", None).await;
    assert_eq!(body, json!([]));
}

#[tokio::test]
async fn reject_answers_the_ended_call() {
    let api = Harness::start(true).await;
    let (status, body) = api
        .send("POST", "/calls/reject", Some(r#"{"call": 7}"#))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "ended");
    assert_eq!(api.commands(), ["reject Some(7)"]);
}

#[tokio::test]
async fn phone_errors_map_to_status_codes() {
    let api = Harness::start(true).await;
    let (status, body) = api
        .send("POST", "/calls/hangup", Some(r#"{"call": 9}"#))
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"error": "not_found", "message": "there is no call 9"})
    );

    let (status, body) = api
        .send("POST", "/calls/hold", Some(r#"{"call": 7}"#))
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"], "conflict");
    assert_eq!(body["message"], "call 7 is ringing, not established");

    let (status, body) = api
        .send("POST", "/calls", Some(r#"{"target": "odd"}"#))
        .await;
    assert_eq!(status, 500, "an unknown kind is the phone's fault");
    assert_eq!(body["error"], "strange");
}

#[tokio::test]
async fn a_stopped_phone_answers_503() {
    let api = Harness::start(false).await;
    for (path, body) in [
        ("/calls/answer", None),
        ("/calls", Some(r#"{"target": "1002"}"#)),
    ] {
        let (status, answer) = api.send("POST", path, body).await;
        assert_eq!(status, 503, "{path}");
        assert_eq!(
            answer,
            json!({"error": "unavailable", "message": "the phone is not running"})
        );
    }
    let (status, _) = api.send("GET", "/calls", None).await;
    assert_eq!(status, 503);
}

#[tokio::test]
async fn bad_selectors_and_digits_are_400() {
    let api = Harness::start(true).await;
    let cases = [
        ("/calls/answer", Some(r#"{"call": -1}"#), "invalid value"),
        ("/calls/answer", Some(r#"{"call": "7"}"#), "invalid type"),
        ("/calls/hold", Some(r#"{"id": 7}"#), "unknown field `id`"),
        ("/calls/mute", Some("call=7"), "not valid"),
        ("/calls/dtmf", None, "\"digits\""),
        (
            "/calls/dtmf",
            Some(r#"{"call": 7}"#),
            "missing field `digits`",
        ),
        ("/calls/dtmf", Some(r#"{"digits": ""}"#), "no DTMF digits"),
        (
            "/calls/dtmf",
            Some(r#"{"digits": "12E"}"#),
            "'E' is not a DTMF digit",
        ),
    ];
    for (path, body, expected) in cases {
        let (status, answer) = api.send("POST", path, body).await;
        assert_eq!(status, 400, "{path} {body:?}: {answer}");
        assert_eq!(answer["error"], "invalid");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(expected), "{path} {body:?}: {message}");
    }
    let long = format!(r#"{{"digits": "{}"}}"#, "1".repeat(65));
    let (status, answer) = api.send("POST", "/calls/dtmf", Some(&long)).await;
    assert_eq!(status, 400);
    assert!(answer["message"].as_str().unwrap().contains("at most 64"));
    assert!(api.commands().is_empty(), "{:?}", api.commands());
}

#[tokio::test]
async fn transfer_passes_a_target_or_another_call() {
    let api = Harness::start(true).await;
    api.send("POST", "/calls/answer", None).await;
    let (status, body) = api
        .send(
            "POST",
            "/calls/transfer",
            Some(r#"{"call": 7, "target": " 1003 "}"#),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], 7);
    assert_eq!(body["held"], true);
    let (status, body) = api
        .send("POST", "/calls/transfer", Some(r#"{"attended": 9}"#))
        .await;
    assert_eq!(status, 200, "{body}");
    let cases = [
        (None, "\"target\" or the \"attended\""),
        (Some("{}"), "give \"target\""),
        (Some(r#"{"target": "1003", "attended": 9}"#), "not both"),
        (Some(r#"{"target": "  "}"#), "target is empty"),
        (Some(r#"{"target": "10\n03"}"#), "control characters"),
        (Some(r#"{"call": 7, "attended": 7}"#), "to itself"),
        (Some(r#"{"to": "1003"}"#), "unknown field `to`"),
    ];
    for (body, expected) in cases {
        let (status, answer) = api.send("POST", "/calls/transfer", body).await;
        assert_eq!(status, 400, "{body:?}: {answer}");
        assert_eq!(answer["error"], "invalid");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(expected), "{body:?}: {message}");
    }
    assert_eq!(
        api.commands(),
        [
            "answer None",
            "transfer Some(7) Some(\"1003\") None",
            "transfer None None Some(9)",
        ]
    );
}

#[tokio::test]
async fn the_token_guards_the_call_routes() {
    let api = Harness::start(true).await;
    let url = format!("{}/calls/answer", api.base);
    let status = tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        agent.post(&url).send_empty().unwrap().status().as_u16()
    })
    .await
    .unwrap();
    assert_eq!(status, 401);
    assert!(api.commands().is_empty());
}

#[tokio::test]
async fn the_command_line_reports_the_api_message() {
    let api = Harness::start(true).await;
    let dir = api.dir.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let client = Client::find(&dir).unwrap().expect("the daemon is found");
        let calls: Vec<CallSummary> = client.get("/calls").unwrap();
        let refused = cli_calls::execute(
            &dir,
            CallCommand::Hold(CallChoice {
                call: Some(9),
                json: false,
            }),
        );
        let answered = cli_calls::execute(
            &dir,
            CallCommand::Answer(CallChoice {
                call: None,
                json: false,
            }),
        );
        let transferred = cli_calls::execute(
            &dir,
            CallCommand::Transfer {
                call: None,
                attended: None,
                target: Some("1003".into()),
                json: false,
            },
        );
        assert!(transferred.is_ok(), "{transferred:?}");
        (calls, refused.map_err(|e| e.to_string()), answered.is_ok())
    })
    .await
    .unwrap();
    assert_eq!(outcome.0, [ringing_call()]);
    assert_eq!(outcome.1.unwrap_err(), "there is no call 9");
    assert!(outcome.2);
    assert_eq!(
        api.commands(),
        [
            "list",
            "hold Some(9)",
            "answer None",
            "transfer None Some(\"1003\") None"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_phone_that_never_answers_is_unavailable() {
    let stuck = std::future::pending::<Result<CallSummary, CommandError>>();
    let Rejected(error) = super::ask(stuck).await.unwrap_err();
    assert_eq!(error.kind, "unavailable");
    assert_eq!(error.message, "the phone did not answer within 20 s");
}

#[tokio::test]
async fn dnd_is_read_and_switched() {
    let api = Harness::start(true).await;
    let (status, body) = api.send("GET", "/dnd", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!([{"account": 1, "dnd": false}]));
    let (status, body) = api
        .send("POST", "/dnd", Some(r#"{"on": true, "account": 1}"#))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!([{"account": 1, "dnd": true}]));
    let (status, body) = api.send("POST", "/dnd", None).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = api.send("POST", "/dnd", Some(r#"{"on": "yes"}"#)).await;
    assert_eq!(status, 400);
    assert_eq!(
        api.commands(),
        vec!["dnd None None", "dnd Some(1) Some(true)"]
    );
}

#[tokio::test]
async fn redial_and_voicemail_pass_the_account_and_the_phones_refusal() {
    let api = Harness::start(true).await;
    let (status, body) = api
        .send("POST", "/calls/redial", Some(r#"{"account": 2}"#))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid");
    let (status, _) = api.send("POST", "/calls/voicemail", None).await;
    assert_eq!(status, 400);
    let (status, _) = api
        .send("POST", "/calls/voicemail", Some(r#"{"acount": 1}"#))
        .await;
    assert_eq!(status, 400);
    assert_eq!(api.commands(), vec!["again Some(2)", "again None"]);
}
