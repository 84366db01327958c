"""Signer plugins: one module per signer, each registering its class with portal.signing.signers.

A signer class has an `id` and `pyhanko_signer(request) -> pyhanko.sign.signers.Signer`; it
reads its settings when instantiated. Raising SigningUnavailable means "try again later"."""
