"""Anchoring: signed checkpoints of the ledger head, copied to a witness location.

The hash chain proves that no single line changed; it cannot prove that nobody rewrote the
whole ledger consistently (recomputing every hash) together with the runs it describes. A
checkpoint — the ledger's last ``seq`` and ``hash``, signed with the notary key — written
both beside the ledger and to a *witness* that the runs root's owner cannot rewrite closes
that gap: :func:`verify_anchors` re-reads the ledger and fails when the entry at a
checkpointed ``seq`` no longer has the checkpointed hash (a rewrite) or is gone (a
truncation, e.g. deleting the newest run with its ledger lines).

What a local disk can and cannot guarantee: a witness folder on the same machine
(``MI_WITNESS_DIR``) stops mistakes and casual edits, and makes a rewrite visible to anyone
comparing the two;
it cannot stop root on that machine from rewriting both. Real write-once storage is an
object store with object lock in compliance mode (S3 Object Lock, MinIO): implement
:class:`Witness` (``put`` / ``get`` / ``names``) over it — one object per checkpoint, the
retention period set on ``put`` — and pass it where :class:`FolderWitness` is used; nothing
else changes.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from mi_kernel.governance import signing
from mi_kernel.governance.ledger import Ledger
from mi_kernel.schemas.records import utcnow

NOTARY = "notary"
LOCAL = "checkpoints"
NOTARY_PUB = "notary.pub"


class Checkpoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    seq: int
    head_hash: str
    ts: datetime
    signature: signing.Signature

    def payload(self) -> dict[str, object]:
        return {"seq": self.seq, "head_hash": self.head_hash, "ts": self.ts.isoformat()}

    @property
    def name(self) -> str:
        return f"checkpoint-{self.seq:09d}.json"


class Witness(Protocol):
    """A second location for checkpoints (a folder here; an object-locked bucket in production)."""

    def put(self, name: str, data: bytes) -> None: ...
    def get(self, name: str) -> bytes | None: ...
    def names(self) -> list[str]: ...


class FolderWitness:
    """Checkpoints as files in a folder; an existing checkpoint is never overwritten."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"FolderWitness({str(self.folder)!r})"

    def put(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / name
        if target.exists():
            return  # write once: the first copy stands
        tmp = target.with_name(f".{name}.{os.getpid()}.partial")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        target.chmod(0o444)

    def get(self, name: str) -> bytes | None:
        p = self.folder / name
        return p.read_bytes() if p.exists() else None

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.glob("checkpoint-*.json"))


def default_witness(environment: str) -> Witness | None:
    """``MI_WITNESS_DIR/<environment>``, else none (anchoring is then local only).

    One witness folder per environment: each environment has its own runs root and ledger.
    """
    env = os.environ.get("MI_WITNESS_DIR")
    return FolderWitness(Path(env) / environment) if env else None


def checkpoint(ledger: Ledger, witness: Witness | None = None) -> Checkpoint | None:
    """Sign the ledger's head and write it beside the ledger and to the witness."""
    head = ledger.head()
    if head is None:
        return None
    signing.create_key(NOTARY)
    now = utcnow()
    body = {"seq": head.seq, "head_hash": head.hash, "ts": now.isoformat()}
    cp = Checkpoint(
        seq=head.seq, head_hash=head.hash, ts=now, signature=signing.sign(NOTARY, body, now)
    )
    data = (cp.model_dump_json(indent=2) + "\n").encode()
    FolderWitness(ledger.path.parent / LOCAL).put(cp.name, data)
    if witness is not None:
        if witness.get(NOTARY_PUB) is None:
            witness.put(NOTARY_PUB, signing.public_key_b64(NOTARY).encode())
        witness.put(cp.name, data)
    return cp


def _load(data: bytes, where: str) -> tuple[Checkpoint | None, str]:
    try:
        return Checkpoint.model_validate_json(data), ""
    except (ValidationError, ValueError) as exc:
        return None, f"{where} is unreadable: {str(exc).splitlines()[0]}"


def verify_anchors(ledger: Ledger, witness: Witness | None) -> list[str]:
    """Problems between the ledger and its checkpoints (local and witness); [] when they agree."""
    problems: list[str] = []
    entries = {e.seq: e.hash for e in ledger.readable()}
    last = max(entries) if entries else -1
    sources: list[tuple[str, Witness]] = [("local", FolderWitness(ledger.path.parent / LOCAL))]
    if witness is not None:
        sources.append(("witness", witness))
    pub_raw = witness.get(NOTARY_PUB) if witness is not None else None
    notary = pub_raw.decode().strip() if pub_raw else None
    for label, store in sources:
        for name in store.names():
            data = store.get(name) or b""
            cp, err = _load(data, f"{label} {name}")
            if cp is None:
                problems.append(err)
                continue
            why = signing.check(cp.signature, cp.payload(), notary)
            if why:
                problems.append(f"{label} {name}: {why}")
            if cp.seq > last:
                problems.append(
                    f"{label} {name}: the ledger was truncated — checkpoint at seq {cp.seq}, "
                    f"ledger ends at seq {last}"
                )
            elif entries.get(cp.seq) != cp.head_hash:
                problems.append(
                    f"{label} {name}: the ledger was rewritten — entry {cp.seq} no longer has "
                    "the checkpointed hash"
                )
    if witness is not None:
        local = set(FolderWitness(ledger.path.parent / LOCAL).names())
        gone = [n for n in witness.names() if n not in local]
        if gone:
            problems.append(f"{len(gone)} checkpoint(s) on the witness are missing locally")
    return problems


def anchors_summary(ledger: Ledger, witness: Witness | None) -> dict[str, object]:
    """The latest checkpoint and whether a witness holds it (for consoles and ``verify``)."""
    names = FolderWitness(ledger.path.parent / LOCAL).names()
    latest = json.loads((ledger.path.parent / LOCAL / names[-1]).read_text()) if names else None
    return {
        "checkpoints": len(names),
        "latest_seq": latest["seq"] if latest else None,
        "latest_ts": latest["ts"] if latest else None,
        "witness": repr(witness) if witness is not None else None,
        "witnessed": bool(latest and witness and witness.get(names[-1]) is not None),
    }


__all__ = [
    "Checkpoint",
    "FolderWitness",
    "Witness",
    "anchors_summary",
    "checkpoint",
    "default_witness",
    "verify_anchors",
]
