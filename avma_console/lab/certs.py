"""The lab's private certificate authority and its server certificate for 127.0.0.1 / localhost.

    certs = generate_lab_certificates()
    context = server_ssl_context(certs)        # for the HTTPS listeners
    Path("ca.pem").write_bytes(certs.ca_pem)   # what clients verify against

A fresh CA per lab run, so no client ever has to trust something long-lived: keys live only in memory (the
server key passes through a 0600 file in a 0700 temporary directory for the moment `ssl` needs to load it).
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from avma_console.domain.clock import SYSTEM_CLOCK, Clock


@dataclass(frozen=True, slots=True)
class LabCertificates:
    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes
    cert_der: bytes


def generate_lab_certificates(*, valid_days: int = 7, clock: Clock = SYSTEM_CLOCK) -> LabCertificates:
    """A CA and a server certificate (SAN IP 127.0.0.1 and ::1, DNS localhost) signed by it.

    `clock` must be the one TLS peers check validity against, which is the machine's real-time clock: the lab's
    simulated fleet may run on a fixed clock, its certificates may not."""
    now = clock.now()
    not_before = now - datetime.timedelta(minutes=5)
    not_after = now + datetime.timedelta(days=valid_days)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AVMA Console lab CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), not_before, not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(certificate_authority=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    server_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (
        _builder(server_name, ca_name, key.public_key(), not_before, not_after)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(certificate_authority=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return LabCertificates(
        ca_pem=ca_cert.public_bytes(serialization.Encoding.PEM),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        cert_der=cert.public_bytes(serialization.Encoding.DER),
    )


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    not_before: datetime.datetime,
    not_after: datetime.datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def _key_usage(*, certificate_authority: bool) -> x509.KeyUsage:
    """A CA signs certificates and CRLs; the server signs its ECDHE key exchange."""
    return x509.KeyUsage(
        digital_signature=not certificate_authority,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not certificate_authority,
        key_cert_sign=certificate_authority,
        crl_sign=certificate_authority,
        encipher_only=False,
        decipher_only=False,
    )


def server_ssl_context(certs: LabCertificates) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # ssl can only load keys from files: a private directory, a 0600 file, gone as soon as it is loaded.
    with tempfile.TemporaryDirectory(prefix="avma-lab-tls-") as directory:
        path = Path(directory) / "server.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(certs.cert_pem + certs.key_pem)
        context.load_cert_chain(path)
    return context


def tls_server_end_point(cert_der: bytes) -> bytes:
    """RFC 5929 channel binding data of a certificate signed with SHA-256 (what NTLM's CBT carries)."""
    return b"tls-server-end-point:" + hashlib.sha256(cert_der).digest()
