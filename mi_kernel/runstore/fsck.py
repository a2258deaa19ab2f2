"""``mi runs fsck``: find what a crash left behind, and repair what can be repaired.

What a crash (SIGKILL, power loss) can leave, given the order :meth:`RunStore.seal` writes in:

- a partial last ledger line — repaired by moving the partial bytes to
  ``ledger.torn-<time>`` and noting it in the ledger;
- a run logged as sealed but still in ``.staging`` — repaired by finishing the seal (the
  ledger already names its exact bytes);
- a sealed run whose models were not logged yet — repaired by logging them;
- a sealed run left writable (killed before its permissions were set) — made read-only again
  when every byte still matches its manifest (otherwise it is tampering: ``verify`` says so);
- an abandoned staging run (its process is gone, nothing logged) — it can never be trusted
  as complete, so the repair removes it and notes that in the ledger;
- a purged run whose folder survived its tombstone — the deletion is finished;
- a model registration naming a run that never sealed (ledgers written before seals logged
  models) — voided by a ledger note, so the model inventory skips it.

Reporting needs no role; repairing needs ``admin`` and every repair is a ledger entry.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime

from mi_kernel.governance.roles import Action, require
from mi_kernel.runstore.hashing import sha256_file
from mi_kernel.runstore.manifest import MANIFEST
from mi_kernel.runstore.store import MODELS_JOURNAL, RunStore


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: str
    detail: str
    repaired: bool = False


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _torn_ledger(store: RunStore, repair: bool, who: str) -> list[Finding]:
    path = store.ledger.path
    if not path.exists():
        return []
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return []
    keep = data[: data.rfind(b"\n") + 1]
    tail = data[len(keep) :]
    f = Finding("torn-ledger", "ledger", f"{len(tail)} bytes of a partial last line")
    if not repair:
        return [f]
    aside = path.with_name(f"ledger.torn-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}")
    aside.write_bytes(tail)
    with open(path, "r+b") as fh:
        fh.truncate(len(keep))
        fh.flush()
        os.fsync(fh.fileno())
    store.ledger.append(
        "repair",
        "ledger",
        who,
        {
            "what": "partial last line moved aside",
            "file": aside.name,
            "sha256": sha256_file(aside),
            "bytes": len(tail),
        },
    )
    return [Finding(f.kind, f.subject, f.detail + f", moved to {aside.name}", True)]


def _staging(store: RunStore, repair: bool, who: str) -> list[Finding]:
    logged = {e.subject for e in store.ledger.readable() if e.kind == "run"}
    out: list[Finding] = []
    for run_id in store.staging_runs():
        d = store.staging_dir(run_id)
        if run_id in logged and (d / MANIFEST).exists():
            if repair:
                store.finish_seal(run_id)
            out.append(
                Finding("half-sealed", run_id, "logged as sealed, not moved into place", repair)
            )
            continue
        try:
            meta = json.loads((d / "_meta" / "run.json").read_text())
        except (OSError, ValueError):
            meta = {}
        if _alive(meta.get("pid")):
            out.append(Finding("in-progress", run_id, f"being written by process {meta['pid']}"))
            continue
        if repair:
            shutil.rmtree(d)
            store.ledger.append(
                "repair",
                run_id,
                who,
                {"what": "abandoned staging run removed", "pipeline": meta.get("pipeline")},
            )
        out.append(
            Finding("abandoned", run_id, "unsealed staging run whose process is gone", repair)
        )
    return out


def _models(store: RunStore, repair: bool, who: str) -> list[Finding]:
    out: list[Finding] = []
    entries = store.ledger.readable()
    registered = {e.subject for e in entries if e.kind == "model_registered"}
    voided = {e.subject for e in entries if e.kind == "note" and e.detail.get("voids")}
    for run_id in store.run_ids():
        journal = store.sealed_dir(run_id) / MODELS_JOURNAL
        if not journal.exists() or store.manifest(run_id).status != "succeeded":
            continue
        missing = [json.loads(x)["model_version"] for x in journal.read_text().splitlines() if x]
        missing = [v for v in missing if v not in registered]
        if missing:
            if repair:
                store.register_models(run_id)
            out += [
                Finding("unlogged-model", v, f"trained by sealed run {run_id}", repair)
                for v in missing
            ]
    sealed = set(store.run_ids())
    for e in entries:
        rid = e.detail.get("run_id")
        if e.kind == "model_registered" and rid not in sealed and e.subject not in voided:
            if repair:
                store.ledger.append(
                    "note",
                    e.subject,
                    who,
                    {
                        "voids": "model_registered",
                        "seq": e.seq,
                        "reason": f"run {rid} never sealed",
                    },
                )
            out.append(
                Finding(
                    "orphan-model",
                    e.subject,
                    f"registered by run {rid}, which never sealed",
                    repair,
                )
            )
    return out


def _writable(store: RunStore, repair: bool, who: str) -> list[Finding]:
    """Sealed runs left writable by a crash between the move and the permissions."""
    from mi_kernel.runstore.store import _make_read_only
    from mi_kernel.runstore.verify import verify_run

    out: list[Finding] = []
    for run_id in store.run_ids():
        d = store.sealed_dir(run_id)
        if not any(p.stat().st_mode & 0o222 for p in [d, *d.rglob("*")] if not p.is_symlink()):
            continue
        others = [p for p in verify_run(store, run_id).problems if "made writable" not in p]
        fixable = not others
        if repair and fixable:
            _make_read_only(d)
            if store.manifest(run_id).status == "succeeded":
                store.register_models(run_id)
            store.ledger.append("repair", run_id, who, {"what": "made read-only again"})
        why = "" if fixable else " and its content changed: see `mi runs verify`"
        out.append(Finding("writable", run_id, "sealed run is writable" + why, repair and fixable))
    return out


def _half_purged(store: RunStore, repair: bool, who: str) -> list[Finding]:
    """Runs with a tombstone whose folder is still there (a crash during purge)."""
    from mi_kernel.governance.retention import delete_run

    tombs = {e.subject for e in store.ledger.readable() if e.kind == "tombstone"}
    out = []
    for run_id in sorted(tombs & set(store.run_ids())):
        if repair:
            delete_run(store.sealed_dir(run_id))
            store.ledger.append("repair", run_id, who, {"what": "purge finished"})
        out.append(Finding("half-purged", run_id, "tombstoned but not deleted", repair))
    return out


def fsck(store: RunStore, repair: bool = False) -> list[Finding]:
    """Report (and with ``repair=True``, as an admin, repair) what crashes left behind."""
    who = require(Action.REPAIR) if repair else ""
    found = _torn_ledger(store, repair, who)
    if any(f.kind == "torn-ledger" and not f.repaired for f in found):
        return found  # nothing else can be judged until the ledger reads again
    staged = _staging(store, repair, who)
    purged = _half_purged(store, repair, who)
    return found + staged + purged + _writable(store, repair, who) + _models(store, repair, who)


__all__ = ["Finding", "fsck"]
