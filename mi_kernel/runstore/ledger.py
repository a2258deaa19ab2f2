"""The append-only, hash-chained ledger of runs, registrations, approvals and publications.

Each line is an :class:`AuditEntry` whose ``hash`` is the sha256 of its canonical JSON
(without ``hash``) and whose ``prev_hash`` is the previous line's ``hash``; editing,
deleting or reordering any line breaks the chain, and :meth:`Ledger.verify` says where.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mi_kernel.errors import IntegrityError
from mi_kernel.runstore.hashing import sha256_json
from mi_kernel.schemas.records import AuditEntry, utcnow

GENESIS = "0" * 64


def _entry_hash(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return sha256_json(body)


class Ledger:
    """The ledger file ``<runs root>/ledger.jsonl``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def entries(self) -> Iterator[AuditEntry]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield AuditEntry.model_validate_json(line)

    def append(self, kind: str, subject: str, actor: str, detail: dict[str, Any]) -> AuditEntry:
        """Append one entry under an exclusive file lock; return it with its hash."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.seek(0)
                last = None
                for line in fh:
                    if line.strip():
                        last = line
                prev = json.loads(last) if last else None
                body = AuditEntry(
                    seq=(prev["seq"] + 1) if prev else 0,
                    ts=utcnow(),
                    kind=kind,  # type: ignore[arg-type]
                    subject=subject,
                    actor=actor,
                    detail=detail,
                    prev_hash=prev["hash"] if prev else GENESIS,
                ).model_dump(mode="json")
                body["hash"] = _entry_hash(body)
                entry = AuditEntry.model_validate(body)
                fh.seek(0, os.SEEK_END)
                fh.write(entry.model_dump_json() + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return entry

    def verify(self) -> list[str]:
        """Return the problems found in the chain (empty when intact)."""
        problems: list[str] = []
        if not self.path.exists():
            return problems
        prev_hash, expected_seq = GENESIS, 0
        with open(self.path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                    AuditEntry.model_validate(raw)
                except ValueError as exc:
                    problems.append(f"ledger line {lineno} is not a valid entry: {exc}")
                    break
                if raw["seq"] != expected_seq:
                    problems.append(
                        f"ledger line {lineno}: seq {raw['seq']}, expected {expected_seq}"
                    )
                if raw["prev_hash"] != prev_hash:
                    problems.append(
                        f"ledger line {lineno}: prev_hash does not chain to line before"
                    )
                if _entry_hash(raw) != raw["hash"]:
                    problems.append(
                        f"ledger line {lineno}: content does not match its hash (edited)"
                    )
                prev_hash, expected_seq = raw["hash"], raw["seq"] + 1
        return problems

    def require_intact(self) -> None:
        problems = self.verify()
        if problems:
            raise IntegrityError(f"ledger {self.path} is broken: " + "; ".join(problems))

    def find(self, kind: str, subject: str | None = None) -> list[AuditEntry]:
        return [
            e
            for e in self.entries()
            if e.kind == kind and (subject is None or e.subject == subject)
        ]
