//! The transport settings the runtime builds from an account's configuration.

use std::fmt;

/// How an account's transports behave. `Debug` leaves out keys and passwords.
#[derive(Clone, Debug)]
pub struct TransportSettings {
    /// DSCP for SIP packets ("Layer 3 QoS for SIP", 0..=63; larger values are clamped).
    pub dscp: u8,
    /// SO_KEEPALIVE on TCP and TLS connections ("Enable TCP Keep-Alive").
    pub tcp_keepalive: bool,
    /// Accept TCP connections on the UDP socket's address and port.
    pub listen_tcp: bool,
    /// Accept TLS connections on the UDP socket's address, port + 1.
    pub listen_tls: bool,
    /// Certificates and checks for TLS.
    pub tls: TlsSettings,
}

impl Default for TransportSettings {
    fn default() -> Self {
        Self {
            dscp: DEFAULT_SIP_DSCP,
            tcp_keepalive: false,
            listen_tcp: false,
            listen_tls: false,
            tls: TlsSettings::default(),
        }
    }
}

/// The default "Layer 3 QoS for SIP" (AF31).
pub const DEFAULT_SIP_DSCP: u8 = 26;

/// Certificates and checks for TLS connections.
#[derive(Clone)]
pub struct TlsSettings {
    /// Check the server's chain against the trusted roots ("Validate Certificate Chain").
    pub verify_chain: bool,
    /// Check the server's certificate names the host ("Check Domain Certificates").
    pub verify_hostname: bool,
    /// PEM text of custom CA certificates to trust (one or more certificates each).
    pub trusted_cas: Vec<String>,
    /// Also trust the built-in Mozilla roots.
    pub load_default_cas: bool,
    /// Oldest TLS version allowed.
    pub min_version: TlsVersion,
    /// Newest TLS version allowed.
    pub max_version: TlsVersion,
    /// The certificate the phone presents when a server asks for one.
    pub client_certificate: Option<ClientCertificate>,
    /// (certificate chain PEM, private key PEM) for accepting TLS connections.
    pub server_certificate: Option<(String, String)>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        Self {
            verify_chain: true,
            verify_hostname: true,
            trusted_cas: Vec::new(),
            load_default_cas: true,
            min_version: TlsVersion::Tls10,
            max_version: TlsVersion::Unlimited,
            client_certificate: None,
            server_certificate: None,
        }
    }
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("verify_chain", &self.verify_chain)
            .field("verify_hostname", &self.verify_hostname)
            .field("trusted_cas", &self.trusted_cas.len())
            .field("load_default_cas", &self.load_default_cas)
            .field("min_version", &self.min_version)
            .field("max_version", &self.max_version)
            .field("client_certificate", &self.client_certificate)
            .field(
                "server_certificate",
                &self.server_certificate.as_ref().map(|_| "<set>"),
            )
            .finish()
    }
}

/// A TLS version setting, by its configuration code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsVersion {
    /// TLS 1.0 (code 10).
    Tls10,
    /// TLS 1.1 (code 11).
    Tls11,
    /// TLS 1.2 (code 12).
    Tls12,
    /// No limit (code 99).
    Unlimited,
}

impl TlsVersion {
    /// The version a configuration code (10, 11, 12, 99) stands for.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            10 => Some(Self::Tls10),
            11 => Some(Self::Tls11),
            12 => Some(Self::Tls12),
            99 => Some(Self::Unlimited),
            _ => None,
        }
    }
}

/// The phone's client certificate: PEM chain, PEM key and the key's password, if any.
#[derive(Clone)]
pub struct ClientCertificate {
    /// The certificate chain, leaf first (PEM).
    pub chain_pem: String,
    /// The private key: PKCS#8, PKCS#1 or SEC1, or encrypted PKCS#8 (PEM).
    pub key_pem: String,
    /// The password of an encrypted PKCS#8 key.
    pub key_password: Option<String>,
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("chain_pem_len", &self.chain_pem.len())
            .field("key_password", &self.key_password.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}
