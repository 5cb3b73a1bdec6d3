//! Loopback tests of TLS: trust, name checks, versions and client certificates.

use std::net::SocketAddr;
use std::sync::Arc;

use handset_sip::locate::TransportKind;
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use rustls::pki_types::CertificateDer;
use rustls::server::WebPkiClientVerifier;
use rustls::{ProtocolVersion, RootCertStore, ServerConfig};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::tests::{next_message, options, settings, start};
use super::{ClientCertificate, Destination, TlsVersion, TransportError, TransportSettings};

const SERVER_NAME: &str = "sip.example.test";

/// A test certificate authority.
struct Authority {
    certificate: rcgen::Certificate,
    key: KeyPair,
}

impl Authority {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let certificate = params.self_signed(&key).unwrap();
        Self { certificate, key }
    }

    fn pem(&self) -> String {
        self.certificate.pem()
    }

    /// A certificate for `names` (none: a client certificate) and its key.
    fn issue(&self, names: &[&str]) -> (rcgen::Certificate, KeyPair) {
        let names = names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let client = names.is_empty();
        let mut params = CertificateParams::new(names).unwrap();
        params.extended_key_usages = vec![if client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        params.distinguished_name.push(DnType::CommonName, "leaf");
        let key = KeyPair::generate().unwrap();
        let certificate = params
            .signed_by(&key, &self.certificate, &self.key)
            .unwrap();
        (certificate, key)
    }
}

/// Settings for a TLS listener with a certificate for `names` from `authority`.
fn listening(authority: &Authority, names: &[&str]) -> TransportSettings {
    let (certificate, key) = authority.issue(names);
    let mut settings = settings();
    settings.listen_tls = true;
    settings.tls.server_certificate = Some((certificate.pem(), key.serialize_pem()));
    settings
}

fn trusting(authority: &Authority) -> TransportSettings {
    let mut settings = settings();
    settings.tls.trusted_cas = vec![authority.pem()];
    settings
}

fn tls_to(addr: SocketAddr, name: Option<&str>) -> Destination {
    Destination {
        addr,
        kind: TransportKind::Tls,
        server_name: name.map(str::to_owned),
    }
}

/// Sends one message from a client with `client` settings to a TLS listener with a
/// certificate for `names`; returns the send result after the listener got the message.
async fn exchange(
    client: TransportSettings,
    authority: &Authority,
    names: &[&str],
    server_name: Option<&str>,
) -> Result<SocketAddr, TransportError> {
    let (server, mut server_in) = start(listening(authority, names)).await;
    let (phone, _phone_in) = start(client).await;
    let listen = server.local_addr(TransportKind::Tls).unwrap();
    let sent = phone
        .send(&tls_to(listen, server_name), options("tls").as_bytes())
        .await?;
    let (bytes, from, kind, local) = next_message(&mut server_in).await;
    assert_eq!(bytes, options("tls").into_bytes());
    assert_eq!((from, kind, local), (sent, TransportKind::Tls, listen));
    Ok(sent)
}

fn handshake_reason(result: Result<SocketAddr, TransportError>) -> String {
    match result {
        Err(TransportError::TlsHandshake { reason, .. }) => reason,
        other => panic!("expected a handshake failure, got {other:?}"),
    }
}

#[tokio::test]
async fn messages_both_ways_with_a_trusted_ca() {
    let authority = Authority::new("Test CA");
    let (server, mut server_in) = start(listening(&authority, &[SERVER_NAME])).await;
    let (phone, mut phone_in) = start(trusting(&authority)).await;
    let listen = server.local_addr(TransportKind::Tls).unwrap();
    assert_eq!(
        listen.port(),
        server.local_addr(TransportKind::Udp).unwrap().port() + 1
    );
    let sent = phone
        .send(&tls_to(listen, Some(SERVER_NAME)), options("a").as_bytes())
        .await
        .unwrap();
    let (_, from, kind, _) = next_message(&mut server_in).await;
    assert_eq!((from, kind), (sent, TransportKind::Tls));
    let reply_from = server
        .send(&tls_to(from, None), options("b").as_bytes())
        .await
        .unwrap();
    assert_eq!(reply_from, listen);
    let (bytes, from, kind, local) = next_message(&mut phone_in).await;
    assert_eq!(bytes, options("b").into_bytes());
    assert_eq!((from, kind, local), (listen, TransportKind::Tls, sent));
}

#[tokio::test]
async fn untrusted_ca_fails_only_when_the_chain_is_checked() {
    let authority = Authority::new("Test CA");
    let stranger = Authority::new("Other CA");
    let reason = handshake_reason(
        exchange(
            trusting(&stranger),
            &authority,
            &[SERVER_NAME],
            Some(SERVER_NAME),
        )
        .await,
    );
    assert_eq!(reason, "certificate not trusted");
    let mut lenient = trusting(&stranger);
    lenient.tls.verify_chain = false;
    exchange(lenient, &authority, &[SERVER_NAME], Some(SERVER_NAME))
        .await
        .unwrap();
}

#[tokio::test]
async fn no_roots_at_all_trusts_nothing() {
    let authority = Authority::new("Test CA");
    let reason =
        handshake_reason(exchange(settings(), &authority, &[SERVER_NAME], Some(SERVER_NAME)).await);
    assert_eq!(reason, "certificate not trusted");
}

#[tokio::test]
async fn another_name_fails_only_when_the_hostname_is_checked() {
    let authority = Authority::new("Test CA");
    let other = ["other.example.test"];
    let reason = handshake_reason(
        exchange(trusting(&authority), &authority, &other, Some(SERVER_NAME)).await,
    );
    assert_eq!(
        reason,
        format!("certificate is not valid for host {SERVER_NAME}")
    );
    let mut lenient = trusting(&authority);
    lenient.tls.verify_hostname = false;
    exchange(lenient, &authority, &other, Some(SERVER_NAME))
        .await
        .unwrap();
    // An IP-literal destination has no name to check.
    exchange(trusting(&authority), &authority, &other, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn bad_ca_pem_fails_tls_but_not_udp() {
    let mut broken = settings();
    broken.tls.trusted_cas = vec!["-----BEGIN CERTIFICATE-----\nnot base64!\n".to_owned()];
    let (phone, _in) = start(broken).await;
    let addr = phone.local_addr(TransportKind::Udp).unwrap();
    let error = phone
        .send(&tls_to(addr, None), options("x").as_bytes())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            TransportError::BadPem {
                setting: "trusted CA certificates",
                ..
            }
        ),
        "{error}"
    );
    let udp = Destination {
        addr,
        kind: TransportKind::Udp,
        server_name: None,
    };
    phone.send(&udp, options("x").as_bytes()).await.unwrap();
}

#[tokio::test]
async fn listening_for_tls_needs_a_certificate() {
    let mut settings = settings();
    settings.listen_tls = true;
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let error = super::Transports::start(udp, settings).await.unwrap_err();
    assert!(
        matches!(error, TransportError::NoServerCertificate),
        "{error}"
    );
}

/// What a test server built with rustls saw of the one connection it accepted.
struct Seen {
    version: Option<ProtocolVersion>,
    client_certificates: Vec<CertificateDer<'static>>,
}

/// A rustls server offering TLS 1.2 and 1.3 that accepts one connection and reads from it;
/// with `client_ca`, it requires a client certificate from that authority.
async fn raw_server(
    authority: &Authority,
    client_ca: Option<&Authority>,
) -> (SocketAddr, JoinHandle<Seen>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let (certificate, key) = authority.issue(&[SERVER_NAME]);
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .unwrap();
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            roots.add(ca.certificate.der().clone()).unwrap();
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
    };
    let key = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap();
    let config = builder
        .with_single_cert(vec![certificate.der().clone()], key)
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let mut tls = acceptor.accept(tcp).await.unwrap();
        let mut first = [0u8; 16];
        let _ = tls.read(&mut first).await.unwrap();
        let session = tls.get_ref().1;
        Seen {
            version: session.protocol_version(),
            client_certificates: session
                .peer_certificates()
                .map(<[_]>::to_vec)
                .unwrap_or_default(),
        }
    });
    (addr, task)
}

async fn negotiated_version(max: TlsVersion) -> Option<ProtocolVersion> {
    let authority = Authority::new("Test CA");
    let (addr, server) = raw_server(&authority, None).await;
    let mut client = trusting(&authority);
    client.tls.max_version = max;
    let (phone, _in) = start(client).await;
    phone
        .send(&tls_to(addr, Some(SERVER_NAME)), options("v").as_bytes())
        .await
        .unwrap();
    server.await.unwrap().version
}

#[tokio::test]
async fn maximum_version_12_gives_tls_1_2() {
    assert_eq!(
        negotiated_version(TlsVersion::Tls12).await,
        Some(ProtocolVersion::TLSv1_2)
    );
    assert_eq!(
        negotiated_version(TlsVersion::Unlimited).await,
        Some(ProtocolVersion::TLSv1_3)
    );
}

/// An encrypted PKCS#8 PEM of `key` (PBKDF2 with few rounds: quick in debug builds).
fn encrypted_pem(key: &KeyPair, password: &str) -> String {
    use pkcs8::pkcs5::pbes2;
    let der = key.serialize_der();
    let info = pkcs8::PrivateKeyInfo::try_from(der.as_slice()).unwrap();
    let params = pbes2::Parameters::pbkdf2_sha256_aes256cbc(1_000, b"saltsalt", &[7; 16]).unwrap();
    let encrypted = info.encrypt_with_params(params, password).unwrap();
    encrypted
        .to_pem("ENCRYPTED PRIVATE KEY", pkcs8::LineEnding::LF)
        .unwrap()
        .to_string()
}

async fn present_client_certificate(encrypt: bool) {
    let server_ca = Authority::new("Server CA");
    let client_ca = Authority::new("Client CA");
    let (addr, server) = raw_server(&server_ca, Some(&client_ca)).await;
    let (certificate, key) = client_ca.issue(&[]);
    let mut client = trusting(&server_ca);
    client.tls.client_certificate = Some(if encrypt {
        ClientCertificate {
            chain_pem: certificate.pem(),
            key_pem: encrypted_pem(&key, "s3cret"),
            key_password: Some("s3cret".to_owned()),
        }
    } else {
        ClientCertificate {
            chain_pem: certificate.pem(),
            key_pem: key.serialize_pem(),
            key_password: None,
        }
    });
    let (phone, _in) = start(client).await;
    phone
        .send(&tls_to(addr, Some(SERVER_NAME)), options("c").as_bytes())
        .await
        .unwrap();
    let seen = server.await.unwrap();
    assert_eq!(seen.client_certificates, vec![certificate.der().clone()]);
}

#[tokio::test]
async fn client_certificate_is_presented() {
    present_client_certificate(false).await;
}

#[tokio::test]
async fn encrypted_client_key_is_opened_with_its_password() {
    present_client_certificate(true).await;
}

#[tokio::test]
async fn encrypted_client_key_without_password_is_reported() {
    let client_ca = Authority::new("Client CA");
    let (certificate, key) = client_ca.issue(&[]);
    let mut client = settings();
    client.tls.client_certificate = Some(ClientCertificate {
        chain_pem: certificate.pem(),
        key_pem: encrypted_pem(&key, "s3cret"),
        key_password: None,
    });
    let (phone, _in) = start(client).await;
    let addr = phone.local_addr(TransportKind::Udp).unwrap();
    let error = phone
        .send(&tls_to(addr, None), b"x")
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("P279") && error.contains("P281"), "{error}");

    let mut wrong = settings();
    wrong.tls.client_certificate = Some(ClientCertificate {
        chain_pem: certificate.pem(),
        key_pem: encrypted_pem(&key, "s3cret"),
        key_password: Some("guess".to_owned()),
    });
    let (phone, _in) = start(wrong).await;
    let error = phone
        .send(&tls_to(addr, None), b"x")
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("P281"), "{error}");
}
