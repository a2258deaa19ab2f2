"""Nothing secret enters a run: a scan of every byte before a run is sealed.

Two kinds of secret are looked for:

- *values* of the environment variables whose names look secret (``*TOKEN*``, ``*SECRET*``,
  ``*PASSWORD*``, ``*_KEY``, ``*CREDENTIAL*``, plus any named in ``MI_SECRET_VARS``), at
  least 8 characters long;
- *patterns* of well-known credentials (AWS access keys, private-key blocks, GitHub and
  Slack tokens) and any regular expression listed, one per line, in ``MI_SECRET_PATTERNS``.

A hit refuses the seal with :class:`SecretFound`, naming the file and what matched (never
the secret itself); the run stays unsealed in ``.staging`` for the owner to fix or discard.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from mi_kernel.errors import RunError

SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|_KEY$|^KEY$|CREDENTIAL|API_KEY)", re.I)
MIN_LENGTH = 8
PATTERNS: dict[str, bytes] = {
    "AWS access key id": rb"(?:AKIA|ASIA)[0-9A-Z]{16}",
    "private key block": rb"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    "GitHub token": rb"gh[pousr]_[A-Za-z0-9]{36}",
    "Slack token": rb"xox[baprs]-[A-Za-z0-9-]{10,}",
}


class SecretFound(RunError):
    """A run holds a configured secret; it is not sealed."""


def secret_values(environ: dict[str, str] | None = None) -> dict[str, bytes]:
    """Environment variables that hold secrets: name -> value (bytes)."""
    env = dict(os.environ if environ is None else environ)
    extra = {n.strip() for n in env.get("MI_SECRET_VARS", "").split(",") if n.strip()}
    return {
        name: value.encode()
        for name, value in env.items()
        if (SECRET_NAME.search(name) or name in extra) and len(value) >= MIN_LENGTH
    }


def secret_patterns(environ: dict[str, str] | None = None) -> dict[str, re.Pattern[bytes]]:
    env = os.environ if environ is None else environ
    pats = dict(PATTERNS)
    for i, line in enumerate(env.get("MI_SECRET_PATTERNS", "").splitlines(), start=1):
        if line.strip():
            pats[f"MI_SECRET_PATTERNS line {i}"] = line.strip().encode()
    return {name: re.compile(p) for name, p in pats.items()}


def find_secrets(folder: Path, environ: dict[str, str] | None = None) -> list[str]:
    """Every (file, what matched) found below ``folder``, as readable lines."""
    values = secret_values(environ)
    patterns = secret_patterns(environ)
    found: list[str] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        rel = path.relative_to(folder).as_posix()
        found += [f"{rel}: the value of ${n}" for n, v in values.items() if v in data]
        found += [f"{rel}: a {n}" for n, rx in patterns.items() if rx.search(data)]
    return found


def scan_for_secrets(folder: Path) -> None:
    """Refuse (:class:`SecretFound`) when anything below ``folder`` holds a secret."""
    found = find_secrets(folder)
    if found:
        raise SecretFound(
            f"run {folder.name} was not sealed: it contains {len(found)} secret(s): "
            + "; ".join(found[:10])
            + ". Remove them from the products (never print or save environment secrets), "
            "then seal again; the run waits in .staging"
        )


__all__ = ["PATTERNS", "SecretFound", "find_secrets", "scan_for_secrets", "secret_values"]
