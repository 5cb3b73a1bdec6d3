//! The wires between the account tasks and the phone task: what the accounts report goes to
//! the phone on one queue; what the phone wants sent goes to each account's own queue, which
//! the account's task registers while it runs.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use handset_phone::phone::SipCommand;
use handset_sip::account::RequestId;
use handset_sip::locate::{Target, TransportKind};
use handset_sip::transaction::TransactionKey;
use handset_sip::Message;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

/// What an account task reports to the phone.
#[derive(Debug)]
pub enum PhoneInput {
    /// A request for the phone to answer.
    Request {
        /// The account.
        account: u8,
        /// To answer it.
        id: RequestId,
        /// The request.
        request: Message,
        /// Where it came from.
        from: Target,
    },
    /// A response to a request the phone sent.
    Response {
        /// The account.
        account: u8,
        /// The request's transaction.
        key: TransactionKey,
        /// The response.
        response: Message,
    },
    /// A request the phone sent got no final response (or could not be sent).
    Failed {
        /// The account.
        account: u8,
        /// The request's transaction.
        key: TransactionKey,
    },
    /// The address and transport the account now uses towards its server (`None`: none).
    Local {
        /// The account.
        account: u8,
        /// Address and transport.
        local: Option<(SocketAddr, TransportKind)>,
    },
    /// The configuration changed: read the account settings again.
    Reload,
}

/// Both directions.
#[derive(Debug)]
pub struct PhoneLink {
    inputs: UnboundedSender<PhoneInput>,
    accounts: Mutex<HashMap<u8, UnboundedSender<SipCommand>>>,
}

impl PhoneLink {
    /// A link and the phone's end of the input queue.
    pub fn new() -> (Self, UnboundedReceiver<PhoneInput>) {
        let (inputs, receiver) = mpsc::unbounded_channel();
        (
            Self {
                inputs,
                accounts: Mutex::new(HashMap::new()),
            },
            receiver,
        )
    }

    /// Reports to the phone; `false` when the phone task is gone.
    pub fn report(&self, input: PhoneInput) -> bool {
        self.inputs.send(input).is_ok()
    }

    /// Hands a request to the phone; gives it back when the phone task is gone.
    pub fn report_request(
        &self,
        account: u8,
        id: RequestId,
        request: Message,
        from: Target,
    ) -> Result<(), Box<(RequestId, Message, Target)>> {
        self.inputs
            .send(PhoneInput::Request {
                account,
                id,
                request,
                from,
            })
            .or_else(|unsent| match unsent.0 {
                PhoneInput::Request {
                    id, request, from, ..
                } => Err(Box::new((id, request, from))),
                _ => Ok(()),
            })
    }

    /// An account task starts: it takes the phone's commands from the returned queue.
    pub fn attach(&self, account: u8) -> UnboundedReceiver<SipCommand> {
        let (sender, receiver) = mpsc::unbounded_channel();
        if let Ok(mut accounts) = self.accounts.lock() {
            accounts.insert(account, sender);
        }
        receiver
    }

    /// An account task ends; commands for it are dropped until the next one attaches.
    pub fn detach(&self, account: u8) {
        if let Ok(mut accounts) = self.accounts.lock() {
            accounts.remove(&account);
        }
        self.report(PhoneInput::Local {
            account,
            local: None,
        });
    }

    /// Hands a command to account `account`'s task; gives it back when that task is not
    /// running.
    pub fn command(&self, account: u8, command: SipCommand) -> Result<(), Box<SipCommand>> {
        let sender = self
            .accounts
            .lock()
            .ok()
            .and_then(|accounts| accounts.get(&account).cloned());
        match sender {
            Some(sender) => sender.send(command).map_err(|unsent| Box::new(unsent.0)),
            None => Err(Box::new(command)),
        }
    }
}
