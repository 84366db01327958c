"""The signing variables production needs (portal/settings/signing.py refuses to start without a
real signer and TSA); never connected to by the settings checks that use them."""

SIGNING_PRODUCTION_ENV = {
    "SIGNING_SIGNER": "remote",
    "SIGNING_REMOTE_URL": "https://ky-so.example.vn/api",
    "SIGNING_REMOTE_TOKEN": "t",
    "SIGNING_TSA_URL": "https://tsa.example.vn/",
    "SIGNING_TRUST_ROOTS": "/etc/portal/ca.pem",
}
