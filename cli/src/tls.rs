//! TLS for the probes: each trust source as its own root store, a verifier that records the chain a path
//! presents (and accepts it, so that the chain can be judged by every source afterwards), and the judging.
//!
//! Verification is never switched off for anything that carries a key or reads an answer that matters:
//! requests verify against the sources their description names. Only a path probe, whose request carries
//! no key and whose answer is only counted, records the chain without deciding; the core then reads what
//! each source said of it.

use api_doctor::core::net::{Cert, TrustResult, TrustSource};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::sync::{Arc, Mutex, OnceLock};

/// The crypto provider every config uses: ring, which builds quickly with a C compiler alone. Its lack of
/// post-quantum key exchange changes nothing the doctor judges (reachability, the chain, trust).
///
/// Its key exchange groups are offered X25519 first, as curl, browsers, Go and Node offer them: ring's
/// default puts P-384 first, whose key exchange costs the client and the server about a millisecond each,
/// so the doctor would time a handshake (measured: 2.7 ms against 0.7 ms on loopback) that no runtime makes.
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    use rustls::crypto::ring::{default_provider, kx_group};
    let mut p = default_provider();
    p.kx_groups = vec![kx_group::X25519, kx_group::SECP256R1, kx_group::SECP384R1];
    Arc::new(p)
}

/// Mozilla's roots, as Node bundles them.
fn mozilla() -> &'static RootCertStore {
    static STORE: OnceLock<RootCertStore> = OnceLock::new();
    STORE.get_or_init(|| RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    })
}

/// The operating system's store. `SSL_CERT_FILE` and `SSL_CERT_DIR` were removed from this process's
/// environment at start (after being read), so this is the platform's own store, as curl and the Python
/// SDK see it without them.
fn system() -> &'static RootCertStore {
    static STORE: OnceLock<RootCertStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let mut store = RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        for cert in found.certs {
            // A certificate the store cannot use is skipped, as OpenSSL skips it.
            let _ = store.add(cert);
        }
        store
    })
}

/// The certificates of a PEM file (or every PEM file of a folder).
fn file_store(path: &str) -> RootCertStore {
    use rustls::pki_types::pem::PemObject;
    let mut store = RootCertStore::empty();
    let p = std::path::Path::new(path);
    let files: Vec<std::path::PathBuf> = if p.is_dir() {
        std::fs::read_dir(p)
            .map(|d| d.flatten().take(10_000).map(|e| e.path()).collect())
            .unwrap_or_default()
    } else {
        vec![p.to_path_buf()]
    };
    for f in files {
        if let Ok(iter) = CertificateDer::pem_file_iter(&f) {
            for cert in iter.flatten().take(10_000) {
                let _ = store.add(cert);
            }
        }
    }
    store
}

/// The roots of one source; `files` are the CA files by index.
pub fn store_of(source: TrustSource, files: &[String]) -> RootCertStore {
    match source {
        TrustSource::Mozilla => mozilla().clone(),
        TrustSource::System => system().clone(),
        TrustSource::File(i) => files
            .get(usize::from(i))
            .filter(|p| !p.is_empty())
            .map(|p| file_store(p))
            .unwrap_or_else(RootCertStore::empty),
    }
}

/// The union of several sources: a request verifies against all of them (any one suffices).
pub fn union(sources: &[TrustSource], files: &[String]) -> RootCertStore {
    let mut store = RootCertStore::empty();
    for s in sources {
        store.roots.extend(store_of(*s, files).roots);
    }
    store
}

/// A client config that verifies against `roots`, offering HTTP/2 and HTTP/1.1.
pub fn verifying(roots: RootCertStore, alpn: &[&[u8]]) -> Result<ClientConfig, rustls::Error> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}

/// The chain a handshake presented, leaf first.
pub type Chain = Arc<Mutex<Vec<CertificateDer<'static>>>>;

/// Records the presented chain and lets the handshake finish; the handshake's own signatures are still
/// checked against the presented leaf, so what is recorded is what the peer holds the key of.
#[derive(Debug)]
struct Recorder {
    chain: Chain,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut all = vec![end_entity.clone().into_owned()];
        all.extend(
            intermediates
                .iter()
                .take(16)
                .map(|c| c.clone().into_owned()),
        );
        if let Ok(mut chain) = self.chain.lock() {
            *chain = all;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A config for a path probe: records the chain into `chain`, offering HTTP/1.1 only, as the SDKs do
/// (httpx2 and Node's fetch speak HTTP/1.1 unless told otherwise), so that a path works or fails as it
/// does for them.
pub fn recording(chain: Chain) -> Result<ClientConfig, rustls::Error> {
    let provider = provider();
    let mut config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Recorder { chain, provider }))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// What `source` says of `chain` for `host`, now.
pub fn judge(
    chain: &[CertificateDer<'static>],
    host: &str,
    source: TrustSource,
    files: &[String],
) -> TrustResult {
    let roots = store_of(source, files);
    if roots.is_empty() {
        return TrustResult::Unusable;
    }
    let Some((leaf, rest)) = chain.split_first() else {
        return TrustResult::Invalid;
    };
    let Ok(verifier) =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider()).build()
    else {
        return TrustResult::Unusable;
    };
    let Ok(name) = ServerName::try_from(host.to_string()) else {
        return TrustResult::Invalid;
    };
    match verifier.verify_server_cert(leaf, rest, &name, &[], UnixTime::now()) {
        Ok(_) => TrustResult::Trusted,
        Err(rustls::Error::InvalidCertificate(e)) => match e {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                TrustResult::UnknownIssuer
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                TrustResult::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                TrustResult::NotYetValid
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TrustResult::WrongName
            }
            _ => TrustResult::Invalid,
        },
        Err(_) => TrustResult::Invalid,
    }
}

/// A certificate's names and validity, as the report shows them.
pub fn describe(der: &CertificateDer<'_>) -> Cert {
    match x509_parser::parse_x509_certificate(der.as_ref()) {
        Ok((_, cert)) => Cert {
            subject: bounded(&cert.subject().to_string()),
            issuer: bounded(&cert.issuer().to_string()),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            ca: cert.is_ca(),
        },
        Err(_) => Cert {
            subject: "(unparseable certificate)".into(),
            issuer: String::new(),
            not_before: 0,
            not_after: 0,
            ca: false,
        },
    }
}

/// At most 300 characters of a name a hostile certificate chose.
fn bounded(s: &str) -> String {
    s.chars().take(300).collect()
}
