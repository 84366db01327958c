"""The sandbox CA: a root, a timestamp authority and one signing certificate per agency, made on
first use and stored in the database (portal.SandboxSigningCredential), never in the repository.

Only the sandbox signer and the sandbox TSA use it; production refuses to start with them
(portal/settings/signing.py)."""

from __future__ import annotations

import datetime as dt
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.db import IntegrityError, transaction

ROOT = "root"
TSA = "tsa"
VALIDITY_DAYS = 3650


_loaded: dict[tuple[str, int], tuple] = {}


def _load(row):
    """Parsed once per process: checking an RSA key on load takes most of a second on a busy
    machine, more than everything else signing does (bench/pdf_sign.py)."""
    cache_key = (row.name, row.pk)
    found = _loaded.get(cache_key)
    if found is None:
        key = serialization.load_pem_private_key(
            row.private_pem.encode(), password=None, unsafe_skip_rsa_key_validation=True
        )  # our own key, made by _make: nothing to validate
        cert = x509.load_pem_x509_certificate(row.certificate_pem.encode())
        found = _loaded[cache_key] = (key, cert)
    return found


def _name(common_name: str, organisation: str = "Cổng Dịch vụ công (sandbox)") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )


def _make(name: str, *, subject: x509.Name, kind: str):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    if kind == ROOT:
        issuer_key, issuer_cert = key, None
    else:
        issuer_key, issuer_cert = credential(ROOT)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject if issuer_cert else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=VALIDITY_DAYS))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    if kind == ROOT:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        usage = {"key_cert_sign": True, "crl_sign": True, "digital_signature": False, "content_commitment": False}
    else:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        usage = {
            "key_cert_sign": False,
            "crl_sign": False,
            "digital_signature": True,
            "content_commitment": kind != TSA,
        }
    builder = builder.add_extension(
        x509.KeyUsage(
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
            **usage,
        ),
        critical=True,
    )
    if kind == TSA:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    cert = builder.sign(issuer_key, hashes.SHA256())
    return key, cert


def credential(name: str, *, common_name: str = "", organisation: str = ""):
    """(private key, certificate) of one sandbox credential, created on first use."""
    from portal.models import SandboxSigningCredential

    row = SandboxSigningCredential.objects.filter(name=name).first()
    if row is not None:
        return _load(row)
    if name == ROOT:
        subject, kind = _name("Sandbox Root CA — Cổng Dịch vụ công"), ROOT
    elif name == TSA:
        subject, kind = _name("Sandbox Timestamp Authority"), TSA
    else:
        subject, kind = _name(common_name or name, organisation or common_name or name), "signer"
    key, cert = _make(name, subject=subject, kind=kind)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        with transaction.atomic():
            row = SandboxSigningCredential.objects.create(
                name=name,
                private_pem=pem.decode(),
                certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
            )
    except IntegrityError:  # another process made it first: use theirs
        row = SandboxSigningCredential.objects.get(name=name)
    return _load(row)


def agency_credential(*, agency_code: str, agency_name: str):
    """The signing key and certificate of one agency (CN and O = the agency's name)."""
    name = "agency:" + hashlib.sha256((agency_code or agency_name).encode()).hexdigest()[:32]
    return credential(name, common_name=agency_name, organisation=agency_name)


def root_certificate() -> x509.Certificate:
    return credential(ROOT)[1]


def to_asn1(cert: x509.Certificate):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def to_asn1_key(key):
    from asn1crypto import keys as asn1_keys

    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return asn1_keys.PrivateKeyInfo.load(der)
