//! Just enough of a SIP user agent to set up one call over UDP for the benchmark: INVITE with
//! our SDP offer, ACK to the 2xx, BYE at the end. No authentication, no retransmissions (the
//! benchmark's SIP runs over a private link that drops nothing but RTP).

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use handset_sdp::SessionDescription;
use handset_sip::header::{HeaderKind, MediaType};
use handset_sip::uri::Uri;
use handset_sip::{Message, MessageBuilder, Method};
use rand::Rng;

/// How long to wait for the final answer to a request.
const ANSWER_PATIENCE: Duration = Duration::from_secs(10);

/// One established call.
pub(crate) struct SipCall {
    socket: UdpSocket,
    peer: SocketAddr,
    target: Uri,
    call_id: String,
    from: String,
    to: String,
    cseq: u32,
}

impl SipCall {
    /// Calls `target` at `peer` from `local`, offering `offer`; returns the call and the
    /// peer's SDP answer once it accepted.
    pub(crate) fn invite(
        local: SocketAddr,
        peer: SocketAddr,
        target: &str,
        offer: &SessionDescription,
    ) -> anyhow::Result<(Self, SessionDescription)> {
        let socket = UdpSocket::bind(local).with_context(|| format!("binding SIP to {local}"))?;
        let target = Uri::parse(target).with_context(|| format!("bad SIP URI {target}"))?;
        let mut random = rand::thread_rng();
        let mut call = Self {
            socket,
            peer,
            target,
            call_id: format!("{:016x}@{}", random.gen::<u64>(), local.ip()),
            from: format!("<sip:media-peer@{local}>;tag={:08x}", random.gen::<u32>()),
            to: String::new(),
            cseq: 1,
        };
        call.to = format!("<{}>", call.target);
        let mut invite = call.request(Method::Invite);
        invite
            .header(HeaderKind::Contact, format!("<sip:media-peer@{local}>"))
            .body(&MediaType::new("application", "sdp"), offer.to_bytes());
        let answer = call.transact(&invite, Method::Invite)?;
        let to = answer.headers().to().context("the answer has no To")?;
        if to.tag().is_none() {
            bail!("the 2xx to INVITE has no To tag");
        }
        call.to = answer
            .headers()
            .get(HeaderKind::To)
            .context("the answer has no To")?
            .value()?
            .into_owned();
        let ack = call.request(Method::Ack);
        call.send(&ack)?;
        let sdp = SessionDescription::parse(answer.body()).context("the answer's SDP")?;
        Ok((call, sdp))
    }

    /// Ends the call and waits for the BYE to be answered.
    pub(crate) fn hang_up(mut self) -> anyhow::Result<()> {
        self.cseq += 1;
        let bye = self.request(Method::Bye);
        self.transact(&bye, Method::Bye).map(drop)
    }

    fn request(&self, method: Method) -> MessageBuilder {
        let local = self
            .socket
            .local_addr()
            .map_or_else(|_| "0.0.0.0:0".to_owned(), |address| address.to_string());
        let branch: u64 = rand::thread_rng().gen();
        let mut builder = MessageBuilder::request(method.clone(), &self.target);
        builder
            .header(
                HeaderKind::Via,
                format!("SIP/2.0/UDP {local};branch=z9hG4bK{branch:016x};rport"),
            )
            .header(HeaderKind::MaxForwards, 70)
            .header(HeaderKind::From, &self.from)
            .header(HeaderKind::To, &self.to)
            .header(HeaderKind::CallId, &self.call_id)
            .header(HeaderKind::CSeq, format!("{} {method}", self.cseq))
            .header(HeaderKind::UserAgent, "handset-media-peer");
        builder
    }

    fn send(&self, message: &MessageBuilder) -> anyhow::Result<()> {
        self.socket
            .send_to(&message.to_bytes(), self.peer)
            .context("sending SIP")?;
        Ok(())
    }

    /// Sends `request` and returns its 2xx, skipping provisional answers and answering the
    /// peer's own requests (a BYE from it ends the wait with an error).
    fn transact(&self, request: &MessageBuilder, method: Method) -> anyhow::Result<Message> {
        self.send(request)?;
        let deadline = Instant::now() + ANSWER_PATIENCE;
        let mut buffer = vec![0u8; 65_536];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!("no final answer to {method} in {ANSWER_PATIENCE:?}");
            }
            self.socket.set_read_timeout(Some(left))?;
            let Ok((length, _)) = self.socket.recv_from(&mut buffer) else {
                continue;
            };
            let Ok(message) = Message::parse(&buffer[..length]) else {
                continue;
            };
            if message.is_request() {
                self.answer_request(&message)?;
                continue;
            }
            let answers_us = message
                .headers()
                .cseq()
                .is_ok_and(|cseq| cseq.method == method && cseq.seq == self.cseq);
            let Some(status) = message.status().filter(|_| answers_us) else {
                continue;
            };
            match status.as_u16() {
                100..=199 => continue,
                200..=299 => return Ok(message),
                code => bail!(
                    "{method} failed: {code} {}",
                    message.reason().unwrap_or_default()
                ),
            }
        }
    }

    /// Answers a request from the peer with 200 (a retransmitted 2xx is not a request).
    fn answer_request(&self, request: &Message) -> anyhow::Result<()> {
        if request.method() == Some(&Method::Ack) {
            return Ok(());
        }
        let response =
            handset_sip::message::response_to(request, handset_sip::StatusCode::OK, None)?;
        self.socket
            .send_to(&response.to_bytes(), self.peer)
            .context("answering the peer")?;
        if request.method() == Some(&Method::Bye) {
            bail!("the peer hung up");
        }
        Ok(())
    }
}
