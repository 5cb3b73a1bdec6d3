//! A Kamailio registrar (Debian `kamailio`, `kamailio-tls-modules` for TLS) on 127.0.0.1 for
//! integration tests: digest authentication against [`PASSWORD`], one transport at a port, and a
//! log line for every REGISTER it accepts ("REGISTER of AOR accepted over PROTO, Expires …").
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::phone::{tool_available, wait_for, Guard};

/// The Kamailio binary.
pub(crate) const KAMAILIO: &str = "/usr/sbin/kamailio";
/// The password every user has.
pub(crate) const PASSWORD: &str = "secret123";
const MODULES: &str = "/usr/lib/x86_64-linux-gnu/kamailio/modules";

/// The transport a Kamailio listens on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transport {
    /// UDP.
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP, with a self-signed certificate for 127.0.0.1.
    Tls,
}

impl Transport {
    /// Kamailio's name for it, as in `listen=` and `$pr`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
            Self::Tls => "tls",
        }
    }
}

/// Whether Kamailio (and for TLS its module) is installed; see [`tool_available`].
pub(crate) fn available(test: &str, transport: Transport) -> bool {
    if !tool_available(test, KAMAILIO, "kamailio") {
        return false;
    }
    transport != Transport::Tls
        || tool_available(test, &format!("{MODULES}/tls.so"), "kamailio-tls-modules")
}

/// A running (or stopped) Kamailio with its files in its own directory.
pub(crate) struct Kamailio {
    dir: PathBuf,
    transport: Transport,
    port: u16,
    process: Option<Guard>,
}

impl Kamailio {
    /// Writes the configuration into `dir` (created) and starts Kamailio listening on
    /// 127.0.0.1:`port` over `transport`; returns once it accepts traffic.
    pub(crate) fn start(dir: &Path, transport: Transport, port: u16) -> Self {
        std::fs::create_dir_all(dir.join("run")).unwrap();
        let mut tls_files = None;
        if transport == Transport::Tls {
            let tls_cfg = dir.join("tls.cfg");
            write_tls_files(dir, &tls_cfg);
            tls_files = Some(tls_cfg);
        }
        std::fs::write(
            dir.join("kamailio.cfg"),
            config(transport, port, tls_files.as_deref()),
        )
        .unwrap();
        let mut kamailio = Self {
            dir: dir.to_owned(),
            transport,
            port,
            process: None,
        };
        kamailio.restart();
        kamailio
    }

    /// Starts it again on the same port (after [`Kamailio::stop`]); the log goes on.
    pub(crate) fn restart(&mut self) {
        assert!(self.process.is_none(), "kamailio is already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        let child = Command::new(KAMAILIO)
            .arg("-f")
            .arg(self.dir.join("kamailio.cfg"))
            .args(["-DD", "-E", "-m", "64", "-M", "8", "-P"])
            .arg(self.dir.join("kamailio.pid"))
            .arg("-Y")
            .arg(self.dir.join("run"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut process = Guard::new(child, "kamailio");
        let log_path = self.log_path();
        let port = self.port;
        let transport = self.transport;
        wait_for(
            Duration::from_secs(20),
            "kamailio start",
            &[&log_path],
            || {
                if let Some(status) = process.exited() {
                    panic!(
                        "kamailio exited at once ({status}):\n{}",
                        std::fs::read_to_string(&log_path).unwrap_or_default()
                    );
                }
                listening(transport, port)
            },
        );
        self.process = Some(process);
    }

    /// Stops it (SIGTERM) and waits until it has exited.
    pub(crate) fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            assert!(
                process.terminate(Duration::from_secs(10)),
                "kamailio hung on SIGTERM"
            );
        }
    }

    /// `127.0.0.1:PORT`, as a SIP server setting.
    pub(crate) fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Its log file (standard output and error).
    pub(crate) fn log_path(&self) -> PathBuf {
        self.dir.join("kamailio.log")
    }

    /// Its log so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// How many REGISTERs of `user` it accepted over `transport`, by its log.
    pub(crate) fn accepted_registers(&self, user: &str) -> usize {
        let over = format!("accepted over {}", self.transport.name());
        self.log()
            .lines()
            .filter(|line| line.contains("REGISTER of sip") && line.contains(&format!(":{user}@")))
            .filter(|line| line.contains(&over))
            .count()
    }
}

/// Whether something listens on 127.0.0.1:`port` over `transport`.
fn listening(transport: Transport, port: u16) -> bool {
    match transport {
        // A UDP port that cannot be bound is taken: by Kamailio, which was just started on it.
        Transport::Udp => std::net::UdpSocket::bind(("127.0.0.1", port)).is_err(),
        Transport::Tcp | Transport::Tls => {
            TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1))
                .is_ok()
        }
    }
}

/// A self-signed certificate for 127.0.0.1 and the TLS module's configuration using it.
fn write_tls_files(dir: &Path, tls_cfg: &Path) {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let certificate = dir.join("certificate.pem");
    let key = dir.join("key.pem");
    std::fs::write(&certificate, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.key_pair.serialize_pem()).unwrap();
    let text = format!(
        "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n\
         private_key = {}\ncertificate = {}\n\n\
         [client:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n",
        key.display(),
        certificate.display()
    );
    std::fs::write(tls_cfg, text).unwrap();
}

/// The routing script: REGISTERs are challenged, then saved and logged; a new INVITE is
/// challenged (proxy authentication), record-routed and relayed to the registered contact of
/// its Request-URI's user; requests in a dialog follow their Route.
fn config(transport: Transport, port: u16, tls_cfg: Option<&Path>) -> String {
    let proto = transport.name();
    let mut globals = format!(
        "debug=2\nlog_stderror=yes\nchildren=1\ntcp_children=1\nauto_aliases=no\n\
         listen={proto}:127.0.0.1:{port}\nmpath=\"{MODULES}/\"\n"
    );
    match transport {
        Transport::Udp => globals.push_str("disable_tcp=yes\n"),
        Transport::Tcp => globals.push_str("enable_tls=no\n"),
        Transport::Tls => globals.push_str("enable_tls=yes\n"),
    }
    let mut modules = String::new();
    for module in [
        "kex",
        "corex",
        "tm",
        "sl",
        "rr",
        "pv",
        "maxfwd",
        "textops",
        "siputils",
        "xlog",
        "sanity",
        "usrloc",
        "registrar",
        "auth",
    ] {
        modules.push_str(&format!("loadmodule \"{module}.so\"\n"));
    }
    if let Some(tls_cfg) = tls_cfg {
        modules.push_str(&format!(
            "loadmodule \"tls.so\"\nmodparam(\"tls\", \"config\", \"{}\")\n",
            tls_cfg.display()
        ));
    }
    format!(
        r#"#!KAMAILIO
{globals}{modules}modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", 10)
request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (!sanity_check()) {{ exit; }}
    if (is_method("REGISTER")) {{
        if (!pv_auth_check("$fd", "{PASSWORD}", "0", "1")) {{
            auth_challenge("$fd", "1");
            exit;
        }}
        xlog("L_NOTICE", "REGISTER of $fu accepted over $pr, Expires $hdr(Expires), Contact $ct\n");
        if (!save("location")) {{ sl_reply_error(); }}
        exit;
    }}
    if (has_totag()) {{
        if (loose_route()) {{ t_relay(); exit; }}
        if (is_method("ACK")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
        sl_send_reply("404", "Not here");
        exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
    if (is_method("INVITE")) {{
        if (!pv_proxy_authenticate("$fd", "{PASSWORD}", "0")) {{
            proxy_challenge("$fd", "1");
            exit;
        }}
        consume_credentials();
        xlog("L_NOTICE", "INVITE from $fu to $ru relayed\n");
    }}
    if (!is_method("INVITE|MESSAGE|OPTIONS|INFO")) {{ sl_send_reply("404", "Not here"); exit; }}
    record_route();
    if (!lookup("location")) {{ sl_send_reply("404", "Not Found"); exit; }}
    t_relay();
}}
"#
    )
}
