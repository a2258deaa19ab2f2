"""Retention by record class and jurisdiction, legal holds, and purge with signed tombstones.

The policy (``retention.yml`` at the project root; ``MI_RETENTION_FILE`` overrides) gives
each record class a retention period per jurisdiction, in days, and names the jurisdiction
that applies. A sealed run's class follows from what it holds:

- ``approvals`` — validation and publication runs (the evidence behind a signature);
- ``decisions`` — runs that wrote a Portfolio Instruction;
- ``signals`` — runs that scored signals;
- ``runs`` — everything else (research).

A legal hold (``hold`` ledger entry, e-signed by a compliance officer) on a run or a whole
class stops its timer until it is released. :func:`purge` deletes only runs whose period has
expired and that no hold covers, and first appends an e-signed ``tombstone`` to the ledger
(the run's root hash, manifest hash, class, rule and expiry), so ``mi runs verify`` still
passes and shows what went, when, why and on whose authority. The ledger itself is never
purged: it is the record of record.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from mi_kernel.errors import ComplianceError, ConfigError
from mi_kernel.governance.roles import Action, require
from mi_kernel.schemas.records import AuditEntry, utcnow

CLASSES = ("runs", "signals", "decisions", "approvals", "failed")
POLICY_FILE = "retention.yml"


@dataclass(frozen=True)
class Policy:
    jurisdiction: str
    days: dict[str, dict[str, int]]  # class -> jurisdiction -> days

    def period(self, record_class: str) -> timedelta:
        return timedelta(days=self.days[record_class][self.jurisdiction])


def load_policy(path: Path | None = None) -> Policy:
    if path is None:
        env = os.environ.get("MI_RETENTION_FILE")
        if env:
            path = Path(env)
        else:
            from mi_kernel.runstore.paths import project_root

            root = project_root()
            if root is None:
                raise ConfigError("no retention policy: set MI_RETENTION_FILE")
            path = root / POLICY_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"retention policy {path} cannot be read: {exc}") from None
    juris = str(raw.get("jurisdiction", ""))
    classes = raw.get("classes") or {}
    missing = [c for c in CLASSES if juris not in (classes.get(c) or {})]
    if missing:
        raise ConfigError(
            f"retention policy {path} gives no period for {missing} in jurisdiction {juris!r}"
        )
    return Policy(juris, {c: {j: int(d) for j, d in classes[c].items()} for c in CLASSES})


def record_class(pipeline: str, products: dict[str, str], status: str = "succeeded") -> str:
    """The retention class of a run. A failed run that wrote no Portfolio Instruction is
    ``failed`` (kept briefly: it is evidence of what went wrong, not a record of a decision);
    one that did publish before failing keeps the class of its decision."""
    if pipeline in ("validation", "publication"):
        return "approvals"
    names = list(products)
    if status == "failed" and not any(n.startswith("portfolio/published/") for n in names):
        return "failed"
    if any(n.startswith("portfolio/") and n.endswith(".json") for n in names):
        return "decisions"
    if any(n.startswith("signals/") for n in names):
        return "signals"
    return "runs"


def holds(ledger: Any) -> dict[str, AuditEntry]:
    """Active holds by subject (a run id or ``class:<name>``)."""
    active: dict[str, AuditEntry] = {}
    for e in ledger.entries():
        if e.kind == "hold":
            active[e.subject] = e
        elif e.kind == "release":
            active.pop(e.subject, None)
    return active


def _hold_of(active: dict[str, AuditEntry], run_id: str, cls: str) -> AuditEntry | None:
    return active.get(run_id) or active.get(f"class:{cls}")


def hold(ledger: Any, subject: str, reason: str, ticket: str) -> AuditEntry:
    """Place a legal hold on a run id or ``class:<name>`` (compliance officer, signed)."""
    who = require(Action.HOLD)
    if subject.startswith("class:") and subject[6:] not in CLASSES:
        raise ConfigError(f"unknown record class in {subject!r}; classes: {list(CLASSES)}")
    if not reason.strip() or not ticket.strip():
        raise ConfigError("a legal hold needs a reason and a ticket (matter) id")
    return ledger.append("hold", subject, who, {"reason": reason, "ticket": ticket}, sign=True)


def release(ledger: Any, subject: str, reason: str) -> AuditEntry:
    who = require(Action.HOLD)
    if subject not in holds(ledger):
        raise ConfigError(f"{subject!r} has no active legal hold")
    return ledger.append("release", subject, who, {"reason": reason}, sign=True)


def retention_table(
    store: Any, now: datetime | None = None, policy: Policy | None = None
) -> pd.DataFrame:
    """Every sealed run with its class, expiry, days left and hold."""
    now, policy = now or utcnow(), policy or load_policy()
    active = holds(store.ledger)
    rows = []
    for m in store.runs():
        cls = record_class(m.pipeline, m.products, m.status)
        expires = m.sealed + policy.period(cls)
        h = _hold_of(active, m.run_id, cls)
        rows.append(
            {
                "run_id": m.run_id,
                "pipeline": m.pipeline,
                "record_class": cls,
                "sealed": m.sealed,
                "expires": expires,
                "days_left": (expires - now).days,
                "held": h is not None,
                "hold": f"{h.detail['reason']} ({h.detail['ticket']}, {h.actor})" if h else "",
            }
        )
    cols = ["run_id", "pipeline", "record_class", "sealed", "expires", "days_left", "held", "hold"]
    return pd.DataFrame(rows, columns=cols)


def delete_run(folder: Path) -> None:
    """Delete a sealed run's folder (read-only by design) — only after its tombstone."""
    for p in [folder, *folder.rglob("*")]:
        if not p.is_symlink():
            p.chmod(p.stat().st_mode | stat.S_IWUSR)
    shutil.rmtree(folder)


def purge(
    store: Any,
    run_ids: list[str] | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> list[str]:
    """Delete expired, unheld runs (all, or the ``run_ids`` named); return the ids purged.

    A named run that is held or not expired is refused with :class:`ComplianceError`.
    """
    who = require(Action.PURGE)
    now, policy = now or utcnow(), load_policy()
    table = retention_table(store, now, policy).set_index("run_id")
    if run_ids is not None:
        unknown = [r for r in run_ids if r not in table.index]
        if unknown:
            raise ConfigError(f"no sealed run {unknown} under {store.root}")
        named = table.loc[run_ids]
        held = named.index[named["held"]].tolist()
        if held:
            raise ComplianceError(
                f"{held} under legal hold: release the hold first (`mi records release`)"
            )
        early = named.index[named["days_left"] >= 0].tolist()
        if early:
            raise ComplianceError(
                f"{early} not expired yet: retention keeps them (see `mi records list`)"
            )
    due = table[(table["days_left"] < 0) & ~table["held"]]
    ids = [r for r in due.index if run_ids is None or r in run_ids]
    if dry_run:
        return ids
    for run_id in ids:
        row = due.loc[run_id]
        logged = store.ledger.find("run", run_id)
        m = store.manifest(run_id)
        store.ledger.append(
            "tombstone",
            run_id,
            who,
            {
                "record_class": row["record_class"],
                "root_hash": m.root_hash,
                "manifest_sha256": logged[0].detail.get("manifest_sha256") if logged else None,
                "sealed": m.sealed.isoformat(),
                "expired": row["expires"].isoformat(),
                "files": len(m.products),
                "reason": f"retention: {row['record_class']} "
                f"{policy.days[row['record_class']][policy.jurisdiction]} days "
                f"({policy.jurisdiction}) expired {row['expires']:%Y-%m-%d}",
            },
            sign=True,
        )
        delete_run(store.sealed_dir(run_id))
    return ids


__all__ = [
    "CLASSES",
    "Policy",
    "delete_run",
    "hold",
    "holds",
    "load_policy",
    "purge",
    "record_class",
    "release",
    "retention_table",
]
