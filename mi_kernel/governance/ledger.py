"""The append-only, hash-chained ledger of runs, registrations, approvals and publications.

Each line is an :class:`AuditEntry` whose ``hash`` is the sha256 of its canonical JSON
(without ``hash``) and whose ``prev_hash`` is the previous line's ``hash``; editing,
deleting or reordering any line breaks the chain, and :meth:`Ledger.verify` says where.
Entries that need an e-signature (approvals, holds, tombstones ...) carry one in
``detail["signature"]`` over the rest of the entry, checked against the key the ledger
registered for the signer.

A line is written with a single ``write`` under an exclusive lock and fsync'd; a crash can at
worst leave a partial last line, which :meth:`append` refuses to write after (the repair,
``mi runs fsck --repair``, moves the partial tail aside and notes it) and :meth:`verify`
reports.

A consistent rewrite of the whole file (every hash recomputed) keeps the chain valid; that is
what the signed checkpoints copied to a witness location catch (:mod:`.anchor`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mi_kernel.errors import IntegrityError
from mi_kernel.governance import signing
from mi_kernel.runstore.hashing import sha256_json
from mi_kernel.schemas.records import AuditEntry, utcnow

GENESIS = "0" * 64


def _entry_hash(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return sha256_json(body)


def signed_payload(kind: str, subject: str, actor: str, detail: dict[str, Any]) -> dict[str, Any]:
    """What a ledger signature covers: the entry's kind, subject, actor and detail."""
    body = {k: v for k, v in detail.items() if k != "signature"}
    return {"kind": kind, "subject": subject, "actor": actor, "detail": body}


class Ledger:
    """The ledger file ``<runs root>/ledger.jsonl``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    # -- reading --------------------------------------------------------------------------
    def lines(self) -> list[bytes]:
        return self.path.read_bytes().split(b"\n") if self.path.exists() else []

    def entries(self) -> Iterator[AuditEntry]:
        """Entries in order; stops with :class:`IntegrityError` at an unreadable line."""
        for lineno, line in enumerate(self.lines(), start=1):
            if not line.strip():
                continue
            try:
                yield AuditEntry.model_validate_json(line)
            except ValidationError as exc:
                raise IntegrityError(
                    f"ledger {self.path} line {lineno} is not a valid entry "
                    f"({exc.error_count()} error(s)): run `mi runs verify`, then "
                    "`mi runs fsck --repair` for a partial last line"
                ) from None

    def readable(self) -> list[AuditEntry]:
        """Every entry up to the first unreadable line (for reports that must not crash)."""
        out: list[AuditEntry] = []
        with contextlib.suppress(IntegrityError):
            out.extend(self.entries())
        return out

    def find(self, kind: str, subject: str | None = None) -> list[AuditEntry]:
        return [
            e
            for e in self.entries()
            if e.kind == kind and (subject is None or e.subject == subject)
        ]

    def head(self) -> AuditEntry | None:
        last = None
        for e in self.entries():
            last = e
        return last

    def public_key(self, identity: str) -> str | None:
        """The key the ledger registered for ``identity`` (the latest registration)."""
        found = self.find("key_registered", identity)
        return str(found[-1].detail["public_key"]) if found else None

    # -- writing --------------------------------------------------------------------------
    def append(
        self,
        kind: str,
        subject: str,
        actor: str,
        detail: dict[str, Any],
        sign: bool = False,
    ) -> AuditEntry:
        """Append one entry under an exclusive file lock; return it with its hash.

        ``sign=True`` signs the entry with ``actor``'s key (registering the key in the ledger
        first if this is the actor's first signature).
        """
        if sign and self.public_key(actor) is None:
            pub = signing.create_key(actor)
            self.append("key_registered", actor, actor, {"public_key": pub, "algorithm": "ed25519"})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.seek(0)
                data = fh.read()
                if data and not data.endswith(b"\n"):
                    raise IntegrityError(
                        f"ledger {self.path} ends in a partial line (a crash while writing?); "
                        "nothing was appended: run `mi runs fsck --repair`"
                    )
                last = data.rstrip(b"\n").rsplit(b"\n", 1)[-1] if data.strip() else b""
                prev = json.loads(last) if last else None
                now = utcnow()
                if sign:
                    sig = signing.sign(actor, signed_payload(kind, subject, actor, detail), now)
                    detail = {**detail, "signature": sig.model_dump(mode="json")}
                body = AuditEntry(
                    seq=(prev["seq"] + 1) if prev else 0,
                    ts=now,
                    kind=kind,  # type: ignore[arg-type]
                    subject=subject,
                    actor=actor,
                    detail=detail,
                    prev_hash=prev["hash"] if prev else GENESIS,
                ).model_dump(mode="json")
                body["hash"] = _entry_hash(body)
                entry = AuditEntry.model_validate(body)
                fh.seek(0, os.SEEK_END)
                fh.write((entry.model_dump_json() + "\n").encode())
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return entry

    # -- checking -------------------------------------------------------------------------
    def verify(self) -> list[str]:
        """Return the problems found in the chain and its signatures (empty when intact)."""
        problems: list[str] = []
        prev_hash, expected_seq = GENESIS, 0
        keys: dict[str, str] = {}
        lines = self.lines()
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                entry = AuditEntry.model_validate(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                partial = lineno == len(lines) and not line.endswith(b"\n")
                what = "a partial last line (crash while writing?)" if partial else "not valid"
                problems.append(f"ledger line {lineno} is {what}: {str(exc).splitlines()[0]}")
                break
            if entry.seq != expected_seq:
                problems.append(f"ledger line {lineno}: seq {entry.seq}, expected {expected_seq}")
            if entry.prev_hash != prev_hash:
                problems.append(f"ledger line {lineno}: prev_hash does not chain to line before")
            if _entry_hash(raw) != entry.hash:
                problems.append(f"ledger line {lineno}: content does not match its hash (edited)")
            problems += _check_signature(entry, keys, lineno)
            if entry.kind == "key_registered" and entry.subject not in keys:
                keys[entry.subject] = str(entry.detail.get("public_key"))
            prev_hash, expected_seq = entry.hash, entry.seq + 1
        return problems

    def require_intact(self) -> None:
        problems = self.verify()
        if problems:
            raise IntegrityError(f"ledger {self.path} is broken: " + "; ".join(problems))


def _check_signature(entry: AuditEntry, keys: dict[str, str], lineno: int) -> list[str]:
    raw = entry.detail.get("signature")
    if raw is None:
        return []
    try:
        sig = signing.Signature.model_validate(raw)
    except ValidationError:
        return [f"ledger line {lineno}: signature is malformed"]
    if sig.identity != entry.actor:
        return [f"ledger line {lineno}: signed by {sig.identity!r} but acted by {entry.actor!r}"]
    known = keys.get(entry.actor)
    if known is None:
        return [f"ledger line {lineno}: {entry.actor!r} signed before registering a key"]
    payload = signed_payload(entry.kind, entry.subject, entry.actor, dict(entry.detail))
    why = signing.check(sig, payload, known)
    return [f"ledger line {lineno} ({entry.kind} {entry.subject}): {why}"] if why else []


def signature_of(entry: AuditEntry) -> signing.Signature | None:
    raw = entry.detail.get("signature")
    return signing.Signature.model_validate(raw) if raw is not None else None


__all__ = ["GENESIS", "Ledger", "signature_of", "signed_payload"]
