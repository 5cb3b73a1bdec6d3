//! TLS configuration with rustls (ring provider): roots, verification modes, versions and
//! the phone's certificates.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig,
    SignatureScheme, SupportedProtocolVersion,
};

use super::error::TransportError;
use super::settings::{ClientCertificate, TlsSettings, TlsVersion};

const CLIENT_CERT_SETTING: &str = "client certificate (P280)";
const CLIENT_KEY_SETTING: &str = "client certificate key (P279)";
const CLIENT_PASSWORD_SETTING: &str = "client certificate key password (P281)";
const TRUSTED_CA_SETTING: &str = "trusted CA certificates";
const SERVER_CERT_SETTING: &str = "server certificate";
const SERVER_KEY_SETTING: &str = "server certificate key";

/// The client configurations of one account, and the server one when it listens for TLS.
#[derive(Debug)]
pub(super) struct TlsConfigs {
    /// For destinations with a server name: every check the settings ask for.
    named: Arc<ClientConfig>,
    /// For IP-literal destinations: the name check is skipped.
    unnamed: Arc<ClientConfig>,
    /// For accepted connections.
    pub(super) server: Option<Arc<ServerConfig>>,
}

impl TlsConfigs {
    /// Builds the configurations, checking every certificate and key setting.
    pub(super) fn new(settings: &TlsSettings) -> Result<Self, TransportError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions = protocol_versions(settings.min_version, settings.max_version);
        let roots = Arc::new(root_store(settings)?);
        let chain_verifier = if roots.is_empty() {
            None
        } else {
            let built =
                WebPkiServerVerifier::builder_with_provider(roots, Arc::clone(&provider)).build();
            Some(built.map_err(|e| TransportError::BadPem {
                setting: TRUSTED_CA_SETTING,
                reason: e.to_string(),
            })?)
        };
        let client_auth = settings
            .client_certificate
            .as_ref()
            .map(client_identity)
            .transpose()?;
        let named_check = match (settings.verify_chain, settings.verify_hostname) {
            (false, _) => Check::Nothing,
            (true, true) => Check::ChainAndName,
            (true, false) => Check::ChainOnly,
        };
        let unnamed_check = match named_check {
            Check::ChainAndName => Check::ChainOnly,
            other => other,
        };
        let client = |check| {
            let verifier = Arc::new(SipServerVerifier {
                chain: chain_verifier.clone(),
                check,
                algorithms: provider.signature_verification_algorithms,
            });
            let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
                .with_protocol_versions(versions)
                .map_err(config_error)?
                .dangerous()
                .with_custom_certificate_verifier(verifier);
            let config = match &client_auth {
                Some((chain, key)) => builder
                    .with_client_auth_cert(chain.clone(), key.clone_key())
                    .map_err(|e| TransportError::BadPem {
                        setting: CLIENT_KEY_SETTING,
                        reason: e.to_string(),
                    })?,
                None => builder.with_no_client_auth(),
            };
            Ok::<_, TransportError>(Arc::new(config))
        };
        let server = match &settings.server_certificate {
            None => None,
            Some((cert_pem, key_pem)) => {
                let chain = certificates(cert_pem, SERVER_CERT_SETTING)?;
                let key = private_key(key_pem, None, SERVER_KEY_SETTING)?;
                let config = ServerConfig::builder_with_provider(Arc::clone(&provider))
                    .with_protocol_versions(versions)
                    .map_err(config_error)?
                    .with_no_client_auth()
                    .with_single_cert(chain, key)
                    .map_err(|e| TransportError::BadPem {
                        setting: SERVER_KEY_SETTING,
                        reason: e.to_string(),
                    })?;
                Some(Arc::new(config))
            }
        };
        Ok(Self {
            named: client(named_check)?,
            unnamed: client(unnamed_check)?,
            server,
        })
    }

    /// The client configuration and the name to send as SNI and check for a destination.
    pub(super) fn client_for(
        &self,
        server_name: Option<&str>,
        addr: std::net::SocketAddr,
    ) -> Result<(Arc<ClientConfig>, ServerName<'static>), String> {
        match server_name {
            Some(name) => {
                let name = ServerName::try_from(name.to_owned())
                    .map_err(|_| format!("{name:?} is not a valid server name"))?;
                Ok((Arc::clone(&self.named), name))
            }
            None => Ok((
                Arc::clone(&self.unnamed),
                ServerName::IpAddress(addr.ip().into()),
            )),
        }
    }
}

/// rustls offers TLS 1.2 and 1.3 only: every minimum means "1.2 and up"; a maximum of
/// 1.0, 1.1 or 1.2 means 1.2 only.
fn protocol_versions(
    _min: TlsVersion,
    max: TlsVersion,
) -> &'static [&'static SupportedProtocolVersion] {
    static TLS12_ONLY: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
    match max {
        TlsVersion::Unlimited => rustls::ALL_VERSIONS,
        TlsVersion::Tls10 | TlsVersion::Tls11 | TlsVersion::Tls12 => &TLS12_ONLY,
    }
}

fn config_error(error: rustls::Error) -> TransportError {
    TransportError::BadPem {
        setting: "TLS versions",
        reason: error.to_string(),
    }
}

/// The custom CAs plus, when asked, the Mozilla roots.
fn root_store(settings: &TlsSettings) -> Result<RootCertStore, TransportError> {
    let mut roots = RootCertStore::empty();
    if settings.load_default_cas {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for pem in &settings.trusted_cas {
        for certificate in certificates(pem, TRUSTED_CA_SETTING)? {
            roots.add(certificate).map_err(|e| TransportError::BadPem {
                setting: TRUSTED_CA_SETTING,
                reason: e.to_string(),
            })?;
        }
    }
    Ok(roots)
}

/// Every certificate in a PEM text (at least one).
fn certificates(
    pem: &str,
    setting: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TransportError> {
    let bad = |reason: String| TransportError::BadPem { setting, reason };
    let found = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if found.is_empty() {
        return Err(bad("no PEM certificate found".to_owned()));
    }
    Ok(found)
}

fn client_identity(
    certificate: &ClientCertificate,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TransportError> {
    let chain = certificates(&certificate.chain_pem, CLIENT_CERT_SETTING)?;
    let key = private_key(
        &certificate.key_pem,
        certificate.key_password.as_deref(),
        CLIENT_KEY_SETTING,
    )?;
    Ok((chain, key))
}

/// A PKCS#8, PKCS#1 or SEC1 key, or an encrypted PKCS#8 key opened with `password`.
fn private_key(
    pem: &str,
    password: Option<&str>,
    setting: &'static str,
) -> Result<PrivateKeyDer<'static>, TransportError> {
    let bad = |reason: String| TransportError::BadPem { setting, reason };
    if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        let Some(password) = password.filter(|p| !p.is_empty()) else {
            return Err(bad(format!(
                "the key is encrypted and no {CLIENT_PASSWORD_SETTING} is set"
            )));
        };
        let (_, document) =
            pkcs8::SecretDocument::from_pem(pem.trim()).map_err(|e| bad(e.to_string()))?;
        let encrypted = pkcs8::EncryptedPrivateKeyInfo::try_from(document.as_bytes())
            .map_err(|e| bad(e.to_string()))?;
        let decrypted = encrypted
            .decrypt(password)
            .map_err(|_| TransportError::BadPem {
                setting: CLIENT_PASSWORD_SETTING,
                reason: "cannot decrypt the key with this password".to_owned(),
            })?;
        return Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            decrypted.as_bytes().to_vec(),
        )));
    }
    if pem.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(bad(
            "legacy encrypted PEM keys are not supported; use encrypted PKCS#8".to_owned(),
        ));
    }
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| bad(e.to_string()))
}

/// A readable reason for a failed handshake.
pub(super) fn handshake_failure(error: &std::io::Error, server_name: &ServerName<'_>) -> String {
    let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    else {
        return error.to_string();
    };
    match tls {
        rustls::Error::InvalidCertificate(problem) => match problem {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                "certificate not trusted".to_owned()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!("certificate is not valid for host {}", server_name.to_str())
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "certificate has expired".to_owned()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "certificate is not valid yet".to_owned()
            }
            CertificateError::Revoked => "certificate has been revoked".to_owned(),
            other => format!("certificate rejected: {other:?}"),
        },
        rustls::Error::AlertReceived(alert) => format!("the peer sent the alert {alert:?}"),
        other => other.to_string(),
    }
}

/// Which server certificate checks apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// The chain to a trusted root and the name (ordinary webpki verification).
    ChainAndName,
    /// The chain only; a certificate for another name is accepted.
    ChainOnly,
    /// Any certificate; the handshake signature is still verified.
    Nothing,
}

/// The server certificate verifier for the three check levels.
#[derive(Debug)]
struct SipServerVerifier {
    /// `None` when there are no trusted roots at all.
    chain: Option<Arc<WebPkiServerVerifier>>,
    check: Check,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for SipServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.check == Check::Nothing {
            return Ok(ServerCertVerified::assertion());
        }
        let Some(chain) = &self.chain else {
            return Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ));
        };
        // webpki checks the chain before the name, so a name error means the chain is good.
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if self.check == Check::ChainOnly => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
