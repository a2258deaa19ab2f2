"""Ed25519 e-signatures (``cryptography``): keys per identity, signed payloads, verification.

Private keys live outside every runs root, in ``MI_KEYS_DIR`` (default
``~/.config/mi/keys``), one ``<identity>.key`` (PEM, mode 0600) each; they never enter a run.
The public key is registered in the ledger (``key_registered``) the first time an identity
signs, and a signature is checked against the key registered for its identity — so an
approval cannot be re-signed by anyone but the holder of that key.

What this does not give you: the first registration of an identity's key is trusted on
first use (bind it to the person out of band, e.g. pin it in review); a production deployment
keeps the private keys in an HSM or OS keychain behind the same :func:`sign` call.
"""

from __future__ import annotations

import base64
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict

from mi_kernel.errors import ConfigError
from mi_kernel.runstore.hashing import sha256_json

ALGORITHM = "ed25519"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class Signature(BaseModel):
    """A detached signature over the canonical JSON of a payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    identity: str
    algorithm: str = ALGORITHM
    public_key: str  # base64 raw 32 bytes
    payload_sha256: str
    signature: str  # base64 64 bytes
    signed_at: datetime


def keys_dir() -> Path:
    env = os.environ.get("MI_KEYS_DIR")
    return Path(env) if env else Path.home() / ".config" / "mi" / "keys"


def _key_path(identity: str) -> Path:
    if not _NAME_RE.match(identity):
        raise ConfigError(f"identity {identity!r} is not a valid key name (letters, digits, _.@-)")
    return keys_dir() / f"{identity}.key"


def create_key(identity: str, exist_ok: bool = True) -> str:
    """Create (or keep) ``identity``'s private key; return its public key (base64)."""
    path = _key_path(identity)
    if path.exists():
        if not exist_ok:
            raise ConfigError(f"{identity!r} already has a key at {path}")
        return public_key_b64(identity)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return public_key_b64(identity)


def _private(identity: str) -> Ed25519PrivateKey:
    path = _key_path(identity)
    if not path.exists():
        raise ConfigError(
            f"{identity!r} has no signing key in {keys_dir()}: create one with "
            f"`MI_IDENTITY={identity} mi keys init` (set MI_KEYS_DIR to use another folder)"
        )
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an ed25519 private key")
    return key


def public_key_b64(identity: str) -> str:
    raw = (
        _private(identity)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


def sign(identity: str, payload: dict[str, Any], when: datetime) -> Signature:
    """Sign the canonical JSON of ``payload`` with ``identity``'s key."""
    digest = sha256_json(payload)
    sig = _private(identity).sign(bytes.fromhex(digest))
    return Signature(
        identity=identity,
        public_key=public_key_b64(identity),
        payload_sha256=digest,
        signature=base64.b64encode(sig).decode(),
        signed_at=when,
    )


def check(signature: Signature, payload: dict[str, Any], public_key: str | None = None) -> str:
    """Return '' when ``signature`` is a valid signature of ``payload``, else what is wrong.

    ``public_key`` is the key on record for the identity (from the ledger); when it is given
    the signature must have been made with it.
    """
    if signature.algorithm != ALGORITHM:
        return f"unknown signature algorithm {signature.algorithm!r}"
    if public_key is not None and signature.public_key != public_key:
        return f"signed with a key that is not the one registered for {signature.identity!r}"
    digest = sha256_json(payload)
    if digest != signature.payload_sha256:
        return "the signed content was changed after signing"
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(signature.public_key))
        key.verify(base64.b64decode(signature.signature), bytes.fromhex(digest))
    except (InvalidSignature, ValueError):
        return f"signature of {signature.identity!r} does not verify"
    return ""


__all__ = ["Signature", "check", "create_key", "keys_dir", "public_key_b64", "sign"]
